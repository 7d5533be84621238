"""``python -m compat.scan PATH...``: which TF1 symbols a codebase uses, and
who provides each on TF 2.x.

Every ``.py`` file under the paths is parsed (never imported). Import
aliases are followed (``import tensorflow as tf``, ``import
tensorflow.compat.v1 as tf``, ``from tensorflow.contrib import rnn``,
``from tensorflow.contrib.rnn import LSTMCell``), and each TensorFlow name
used is resolved against TensorFlow *after* ``compat.install()``: so what
counts as "provided by compat" is whatever ``install()`` really installs, not a
list kept here. Each symbol is reported as

  * ``compat``: found in a module ``compat.install()`` made,
  * ``core TF 2.x``: TensorFlow itself still has it,
  * ``unsupported``: neither, or a pattern known to break on TF 2.x, with what
    to do about it.

Some patterns are found from the code's shape rather than its names:
placeholders created at module level (eager on TF 2.x; not flagged in a file
that disables eager execution itself), variables put into graph collections
and user collections read back after ``import_meta_graph`` (variables come
back as raw resource handles), and files that do not parse.

Exit status: 0 when nothing is unsupported, 1 otherwise, 2 on bad usage.
"""

import ast
import importlib
import os
import sys
import types

USAGE = "usage: python -m compat.scan PATH [PATH...]   (files or folders of .py files)"

_MODULE_ALIASES = {"tensorflow": "tf"}

_SUPERVISOR = (
    "its thread runs eagerly on TF 2.x and fails on global_step: run the "
    "script with `python -m compat.run --graph-mode` (no Keras in that "
    "process), or use tf.compat.v1.train.MonitoredTrainingSession inside "
    "`with tf.Graph().as_default():`")
_ESTIMATOR = ("Estimator is gone from TF 2.16+: write the input_fn/model_fn "
              "loop as a Session loop (compat) or a Keras model")
_KERAS2 = ("a Keras 2 API absent from Keras 3: port it to Keras 3, or use "
           "tf_keras (TF_USE_LEGACY_KERAS=1) in a process without compat")

_PRIVATE = ("TensorFlow's private modules change from release to release: "
            "use the public name (compat has the TF1 RNN cells)")

_V2_SUMMARY = (
    "TF 2.x's summary op: without a tf.summary.create_file_writer(...)"
    ".as_default() it writes nothing, and tf.compat.v1.summary.merge_all() "
    "never sees it; TF1 code wants tf.compat.v1.summary.%s (TF 2.21's "
    "tf_upgrade_v2 leaves tf.summary.%s as it was)")
_SUMMARY_OPS = ("scalar", "histogram", "image", "audio", "text")

# Names that resolve on TF 2.x but do not work there as TF1 code expects.
_BROKEN = {
    "tf.compat.v1.train.Supervisor": _SUPERVISOR,
}
_BROKEN.update(("tf.summary." + op, _V2_SUMMARY % (op, op))
               for op in _SUMMARY_OPS)
# What to do about names that do not resolve, by longest dotted prefix.
_MISSING = {
    "tf.train.Supervisor": _SUPERVISOR,
    "tf.estimator": _ESTIMATOR,
    "tf.compat.v1.estimator": _ESTIMATOR,
    "tf.contrib.learn": "tf.contrib.learn (Estimator era) has no TF 2.x "
                        "form: write the training loop with a Session or "
                        "Keras",
    "tf.contrib.slim": "slim is not in compat: use the tf-slim package or "
                       "Keras layers",
    "tf.contrib.rnn": "this tf.contrib.rnn name is not in compat: use the "
                      "nearest compat cell, or write it as a "
                      "compat.LayerRNNCell",
    "tf.contrib": "this tf.contrib module is not in compat: find its TF 2.x "
                  "replacement (core TF, Keras 3, or a separate package)",
    "tf.nn.rnn_cell": "this rnn_cell name is not in compat",
    "tf.compat.v1.nn.rnn_cell": "this rnn_cell name is not in compat",
    "tf.compat.v1.layers": "this tf.layers name is not in compat and Keras 3 "
                           "removed it: use compat.dense or a keras.layers "
                           "layer",
    "tf.keras": _KERAS2,
    "tf.compat.v1.keras": _KERAS2,
    "tf.compat.v2.keras": _KERAS2,
}
_PLACEHOLDER_ADVICE = (
    "placeholder at module level: TF 2.x runs it eagerly and fails; build "
    "the graph inside `with tf.Graph().as_default():` or run the script with "
    "`python -m compat.run --graph-mode`")
_COLLECTION_ADVICE = (
    "a variable in a graph collection: after import_meta_graph it comes "
    "back as a resource handle, not a variable; look each one up by name, "
    "{v.name: v for v in tf.compat.v1.global_variables()}[t.name] "
    "(README, compat section)")
_COLLECTION_READ_ADVICE = (
    "a collection that held a tf.Variable when the meta graph was "
    "exported now holds a resource handle, not a variable: " +
    _COLLECTION_ADVICE.split("; ", 1)[1])

COMPAT, CORE, UNSUPPORTED = "compat", "core TF 2.x", "unsupported"


class Use(object):
  """One use of a name (or pattern) at ``path:line``."""

  def __init__(self, name, path, line, advice=None):
    self.name, self.path, self.line, self.advice = name, path, line, advice


def _dotted(node):
  """``a.b.c`` for a Name/Attribute chain, else None."""
  parts = []
  while isinstance(node, ast.Attribute):
    parts.append(node.attr)
    node = node.value
  if not isinstance(node, ast.Name):
    return None
  parts.append(node.id)
  return ".".join(reversed(parts))


def _canonical(module):
  """``tensorflow.contrib.rnn`` -> ``tf.contrib.rnn``; None if not TF."""
  head, _, rest = module.partition(".")
  if head not in _MODULE_ALIASES:
    return None
  return _MODULE_ALIASES[head] + ("." + rest if rest else "")


class _FileScanner(ast.NodeVisitor):
  """Collects the TF names one module's code uses, and TF1 patterns."""

  def __init__(self, path):
    self.path = path
    self.aliases = {}      # local name -> canonical dotted TF name
    self.uses = []         # Use, for names
    self.patterns = []     # Use with advice, for code shapes
    self._depth = 0        # function/class nesting
    self._graph_blocks = 0  # enclosing `with <graph>.as_default():`
    self._variables = set()  # names (v, self._lr) bound to tf Variables
    self.disables_eager = False  # calls disable_eager_execution() itself
    self.writes_v2_summaries = False  # TF 2.x code: tf.summary is fine
    self.imports_meta_graph = False
    self.collection_reads = []  # Use of get_collection(<user key>)

  # -- imports ---------------------------------------------------------------
  def visit_Import(self, node):
    for alias in node.names:
      name = _canonical(alias.name)
      if name is None:
        continue
      if alias.asname:
        self.aliases[alias.asname] = name
      else:  # "import tensorflow.contrib.rnn" binds "tensorflow"
        self.aliases[alias.name.split(".")[0]] = "tf"
      if "." in name:
        self.uses.append(Use(name, self.path, node.lineno))

  def visit_ImportFrom(self, node):
    if node.level or not node.module:
      return
    base = _canonical(node.module)
    if base is None:
      return
    for alias in node.names:
      if alias.name == "*":
        self.uses.append(Use(base, self.path, node.lineno))
        continue
      name = base + "." + alias.name
      self.aliases[alias.asname or alias.name] = name
      self.uses.append(Use(name, self.path, node.lineno))

  # -- names -----------------------------------------------------------------
  def _resolve(self, node):
    dotted = _dotted(node)
    if dotted is None:
      return None
    head, _, rest = dotted.partition(".")
    if head not in self.aliases:
      return None
    return self.aliases[head] + ("." + rest if rest else "")

  def visit_Attribute(self, node):
    name = self._resolve(node)
    if name is None:
      self.generic_visit(node)
    elif name.count("."):  # "tf" alone is no symbol
      self.uses.append(Use(name, self.path, node.lineno))

  # -- patterns --------------------------------------------------------------
  def _nested(self, node):
    self._depth += 1
    self.generic_visit(node)
    self._depth -= 1

  visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _nested
  visit_ClassDef = _nested

  def visit_With(self, node):
    graph = any(isinstance(i.context_expr, ast.Call) and
                isinstance(i.context_expr.func, ast.Attribute) and
                i.context_expr.func.attr == "as_default"
                for i in node.items)
    self._graph_blocks += graph
    self.generic_visit(node)
    self._graph_blocks -= graph

  def visit_Assign(self, node):
    if self._is_variable(node.value):
      for target in node.targets:
        if _dotted(target):  # v = ..., self._lr = ...
          self._variables.add(_dotted(target))
    self.generic_visit(node)

  def _is_variable(self, node):
    if not isinstance(node, ast.Call):
      return False
    name = self._resolve(node.func) or ""
    return name.endswith((".Variable", ".get_variable"))

  def visit_Call(self, node):
    name = self._resolve(node.func) or ""
    if name.endswith((".disable_eager_execution", ".disable_v2_behavior")):
      self.disables_eager = True
    if name == "tf.summary.create_file_writer":
      self.writes_v2_summaries = True
    if (name.endswith(".placeholder") and not self._depth and
        not self._graph_blocks):
      self.patterns.append(Use(name + " (module level)", self.path,
                               node.lineno, _PLACEHOLDER_ADVICE))
    if name.endswith(".import_meta_graph"):
      self.imports_meta_graph = True
    key, value = (node.args + [None, None])[:2]
    label = (str(key.value) if isinstance(key, ast.Constant)
             else ast.unparse(key) if key is not None else "")
    if (name.endswith((".get_collection", ".get_collection_ref")) and
        "GraphKeys." not in label):
      self.collection_reads.append(Use(
          "(collections read after import_meta_graph)", self.path,
          node.lineno, _COLLECTION_READ_ADVICE))
    if name.endswith((".add_to_collection", ".add_to_collections")):
      # GraphKeys' variable collections round-trip; users' own do not.
      if "GraphKeys." not in label and value is not None and (
          self._is_variable(value) or _dotted(value) in self._variables):
        self.patterns.append(Use(
            "%s(%r, <a variable>)" % (name, label), self.path, node.lineno,
            _COLLECTION_ADVICE))
    self.generic_visit(node)


def scan_file(path):
  """``(uses, patterns, fine)`` of one file: ``fine`` are the ``_BROKEN``
  names that work in this file (``Supervisor`` where the file disables eager
  execution itself, ``tf.summary.*`` where it makes a TF 2.x summary
  writer). A parse failure is a pattern."""
  try:
    with open(path, "rb") as f:
      tree = ast.parse(f.read(), filename=path)
  except (SyntaxError, ValueError) as e:
    return [], [Use("(file does not parse)", path,
                    getattr(e, "lineno", None) or 0,
                    "not Python 3 (%s): convert it first (e.g. 2to3 -w), "
                    "then run tf_upgrade_v2" % getattr(e, "msg", e))], ()
  scanner = _FileScanner(path)
  scanner.visit(tree)
  patterns = [p for p in scanner.patterns if not (
      scanner.disables_eager and p.advice is _PLACEHOLDER_ADVICE)]
  if scanner.imports_meta_graph:
    patterns += scanner.collection_reads
  fine = set()
  if scanner.disables_eager:
    fine.add("tf.compat.v1.train.Supervisor")
  if scanner.writes_v2_summaries:
    fine.update("tf.summary." + op for op in _SUMMARY_OPS)
  return scanner.uses, patterns, fine


def python_files(paths):
  """Every ``.py`` file under ``paths``, sorted; raises OSError if a path is
  missing."""
  files = []
  for path in paths:
    if os.path.isfile(path):
      files.append(path)
    elif os.path.isdir(path):
      for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(os.path.join(root, n) for n in sorted(names)
                     if n.endswith(".py"))
    else:
      raise OSError("no such file or folder: %s" % path)
  return files


def _attribute_or_submodule(module, parts):
  """``module.<parts[-1]>``, or the module ``tensorflow.<parts[1:]>`` that
  ``from tensorflow.core.framework import variable_pb2`` imports."""
  try:
    return getattr(module, parts[-1])
  except AttributeError:
    try:
      return importlib.import_module(".".join(["tensorflow"] + parts[1:]))
    except ImportError:
      pass
    raise


class Resolver(object):
  """Classifies canonical ``tf.…`` names against installed TensorFlow."""

  def __init__(self):
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    install_mod = importlib.import_module("compat.install")
    install_mod.install()
    self._tf = tf
    self._is_ours = install_mod._is_ours  # pylint: disable=protected-access
    self._cache = {}

  def classify(self, name):
    """``(symbol, status, advice)``: ``symbol`` is ``name`` cut after the
    first non-module object (``tf.flags.FLAGS.x`` -> ``tf.flags.FLAGS``)."""
    if name not in self._cache:
      self._cache[name] = self._classify(name)
    return self._cache[name]

  def _classify(self, name):
    parts = name.split(".")
    obj, from_compat = self._tf, False
    for i, attr in enumerate(parts[1:], 1):
      if not isinstance(obj, types.ModuleType):
        parts = parts[:i]
        break
      ours = self._is_ours(obj) and attr in vars(obj)
      try:
        obj = _attribute_or_submodule(obj, parts[:i + 1])
      except Exception as e:  # pylint: disable=broad-except
        return name, UNSUPPORTED, self._advice(name, e)
      from_compat = from_compat or ours or (
          getattr(obj, "__module__", None) or "").startswith("compat.")
    symbol = ".".join(parts)
    if symbol.startswith("tf.python."):
      return symbol, UNSUPPORTED, _PRIVATE
    if symbol in _BROKEN:
      return symbol, UNSUPPORTED, _BROKEN[symbol]
    return symbol, COMPAT if from_compat else CORE, None

  def _advice(self, name, error):
    if name.startswith("tf.python."):
      return _PRIVATE
    prefix = name
    while prefix:
      if prefix in _MISSING:
        return _MISSING[prefix]
      prefix = prefix.rpartition(".")[0]
    if not name.startswith("tf.compat."):
      v1_name = "tf.compat.v1." + name[3:]
      if self.classify(v1_name)[1] != UNSUPPORTED:
        return ("removed from TF 2.x's main namespace: it is %s "
                "(tf_upgrade_v2 rewrites it)" % v1_name)
    return "not in TF 2.x nor compat (%s)" % str(error).splitlines()[0]


def report(paths, out=None):
  """Scans ``paths``, prints the report to ``out`` (default: stdout);
  returns the exit status."""
  out = out or sys.stdout
  files = python_files(paths)
  resolver = Resolver()
  table = {}  # (symbol, status) -> [advice, locations]
  for path in files:
    uses, patterns, fine = scan_file(path)
    for use in uses:
      symbol, status, advice = resolver.classify(use.name)
      if symbol in fine:
        status, advice = CORE, None
      entry = table.setdefault((symbol, status), [advice, []])
      entry[1].append("%s:%d" % (use.path, use.line))
    for use in patterns:
      entry = table.setdefault((use.name, UNSUPPORTED), [use.advice, []])
      entry[1].append("%s:%d" % (use.path, use.line))

  groups = ((UNSUPPORTED, "unsupported (what to do)"),
            (COMPAT, "provided by compat (after compat.install() or "
                     "python -m compat.run)"),
            (CORE, "provided by core TF 2.x"))
  width = max([len(symbol) for symbol, _ in table] + [10])
  counts = {}
  for status, title in groups:
    names = sorted(symbol for symbol, st in table if st == status)
    counts[status] = len(names)
    if not names:
      continue
    print("%s: %d" % (title, len(names)), file=out)
    for symbol in names:
      advice, where = table[symbol, status]
      shown = ", ".join(where[:3]) + (
          " (+%d more)" % (len(where) - 3) if len(where) > 3 else "")
      print("  %-*s  %s" % (width, symbol, shown), file=out)
      if advice:
        print("  %-*s  -> %s" % (width, "", advice), file=out)
    print(file=out)
  print("%d files, %d TensorFlow symbols: %d by compat, %d by core TF 2.x, "
        "%d unsupported" % (len(files), len(table), counts[COMPAT],
                            counts[CORE], counts[UNSUPPORTED]), file=out)
  return 1 if counts[UNSUPPORTED] else 0


def main(argv):
  args = argv[1:]
  if not args or any(a in ("-h", "--help") for a in args):
    print(USAGE, file=sys.stdout if args else sys.stderr)
    return 0 if args else 2
  unknown = [a for a in args if a.startswith("-")]
  if unknown:
    print("compat.scan: unknown option %s\n%s" % (unknown[0], USAGE),
          file=sys.stderr)
    return 2
  missing = [p for p in args if not os.path.exists(p)]
  if missing:
    print("compat.scan: no such file or folder: %s" % missing[0],
          file=sys.stderr)
    return 2
  return report(args)


if __name__ == "__main__":
  sys.exit(main(sys.argv))
