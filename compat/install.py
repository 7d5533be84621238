"""``compat.install()``: make unmodified TF1 code find our implementations.

After it, these resolve to ``compat``:
  * ``tf.compat.v1.nn.rnn_cell.<Cell>`` (and ``tf.nn.rnn_cell`` for code that
    does ``import tensorflow.compat.v1 as tf``),
  * ``tf.compat.v1.layers.<layer>``: ``dense``, ``dropout``,
    ``batch_normalization``, ``conv1d``, ``conv2d``, pooling, ``flatten``
    and their classes (``compat/layers.py``),
  * ``tf.contrib.rnn`` (``compat/contrib_rnn.py``: core and contrib cells,
    fused kernels, drivers), ``tf.contrib.legacy_seq2seq``,
    ``tf.contrib.layers`` (``compat/contrib_layers.py``),
    ``tf.contrib.cudnn_rnn`` (``compat/cudnn_rnn.py``), also as
    ``from tensorflow.contrib import rnn`` and ``import tensorflow.contrib.rnn``
    (and likewise for each),
  * ``tf.nn.rnn_cell`` on ``import tensorflow as tf`` (``tf_upgrade_v2``
    writes ``tf.nn.rnn_cell.LSTMStateTuple``); the rest of ``tf.nn`` is
    untouched; and ``tf.layers`` (TF 2.21's ``tf_upgrade_v2`` leaves
    ``tf.layers.dense`` as it was), both the ``tf.compat.v1`` modules above,
  * with ``seeded_initializers=True`` (the default),
    ``tf.compat.v1.keras.initializers``, which ``tf_upgrade_v2`` emits for
    TF1 initialisers: TF's v1 initialisers, seeded by the graph as in TF 1.x
    (``compat/initializers.py``). ``tf.keras`` and ``keras`` are untouched,
  * ``tf.contrib.seq2seq`` (``compat.seq2seq``), also as
    ``from tensorflow.contrib import seq2seq`` and
    ``import tensorflow.contrib.seq2seq``.

It touches nothing else: eager execution, the v2 API and Keras are left as
they are, and calling it twice is the same as calling it once.

With Keras 3, TensorFlow's own ``tf.compat.v1.layers`` and
``tf.compat.v1.nn.rnn_cell`` are lazy loaders that refuse every attribute
(and cannot even be assigned to), so they are replaced by small modules of
ours. Any other attribute is looked up on the module they replace, which
keeps working where it worked before (e.g. with ``tf_keras``).
"""

import importlib
import sys
import types

import tensorflow as tf

_RNN_CELL_NAMES = (
    "RNNCell", "BasicRNNCell", "GRUCell", "BasicLSTMCell", "LSTMCell",
    "MultiRNNCell", "DropoutWrapper", "ResidualWrapper", "DeviceWrapper",
    "LSTMStateTuple",
)
_LAYERS_NAMES = ("dense", "Dense")

# Marks the modules install() made, so a second call reuses them.
_MARK = "__tf1_rnn_compat__"

_installed = False


def _is_ours(value):
  return (isinstance(value, types.ModuleType) and
          bool(vars(value).get(_MARK)))


def _module(name, doc, attrs, fallback=None):
  """Our module ``name`` in ``sys.modules`` holding ``attrs``.

  Other attributes are read from ``fallback`` (the module it replaces).
  """
  mod = sys.modules.get(name)
  if not _is_ours(mod):
    mod = types.ModuleType(name, doc)
    setattr(mod, _MARK, True)
    mod.__replaced__ = fallback
    if fallback is not None:
      mod.__getattr__ = _forward_to(fallback, name)
    sys.modules[name] = mod
  for key, value in attrs.items():
    setattr(mod, key, value)
  return mod


def _forward_to(fallback, name):
  def getattr_(attr):
    if attr.startswith("__"):
      raise AttributeError("module %r has no attribute %r" % (name, attr))
    return getattr(fallback, attr)
  return getattr_


def _replace(parent, attr, name, doc, attrs):
  """Set ``parent.attr`` to our module ``name``, falling back to the old
  value of ``parent.attr`` for names we do not define."""
  current = getattr(parent, attr, None)
  fallback = vars(current)["__replaced__"] if _is_ours(current) else current
  mod = _module(name, doc, attrs, fallback=fallback)
  setattr(parent, attr, mod)
  return mod


def _v1_modules():
  """The objects TF1 code reaches ``tf.compat.v1`` through.

  ``import tensorflow.compat.v1`` rebinds ``tf.compat.v1`` to another wrapper
  of the same module, and each wrapper caches attributes: set both.
  """
  before = tf.compat.v1
  after = importlib.import_module("tensorflow.compat.v1")
  mods = [after]
  for mod in (before, tf.compat.v1):
    if all(mod is not m for m in mods):
      mods.append(mod)
  return mods


def _lazy_legacy_seq2seq():
  try:
    return importlib.import_module("compat.legacy_seq2seq")
  except ImportError:
    return None


def _lazy_contrib_seq2seq():
  try:
    return importlib.import_module("compat.seq2seq")
  except ImportError:
    return None


def install(seeded_initializers=True):
  """Install the TF1 RNN API into ``tensorflow``. Idempotent.

  ``seeded_initializers=False`` leaves (or puts back) Keras 3's
  ``tf.compat.v1.keras.initializers``, which ignore the graph seed.
  """
  global _installed
  from compat import contrib_rnn, layers, rnn_cell, wrappers  # pylint: disable=g-import-not-at-top

  cells = {n: getattr(rnn_cell, n, None) or getattr(wrappers, n)
           for n in _RNN_CELL_NAMES}
  dense = {n: getattr(layers, n) for n in _LAYERS_NAMES}
  for v1 in _v1_modules():
    _replace(v1.nn, "rnn_cell", "tensorflow.compat.v1.nn.rnn_cell",
             "TF1 rnn_cell API (tf1-rnn compat).", cells)
    _replace(v1, "layers", "tensorflow.compat.v1.layers",
             "TF1 tf.layers dense (tf1-rnn compat).", dense)

  contrib_attrs = {n: getattr(contrib_rnn, n) for n in contrib_rnn.__all__}
  rnn_mod = _module("tensorflow.contrib.rnn",
                    "tf.contrib.rnn (tf1-rnn compat).", contrib_attrs)
  contrib = _module("tensorflow.contrib", "tf.contrib (tf1-rnn compat).",
                    {"rnn": rnn_mod})
  seq2seq = _lazy_legacy_seq2seq()
  if seq2seq is not None:
    sys.modules["tensorflow.contrib.legacy_seq2seq"] = seq2seq
    contrib.legacy_seq2seq = seq2seq
  # -- compat.seq2seq as tf.contrib.seq2seq (issue 12) --
  contrib_seq2seq = _lazy_contrib_seq2seq()
  if contrib_seq2seq is not None:
    sys.modules["tensorflow.contrib.seq2seq"] = contrib_seq2seq
    contrib.seq2seq = contrib_seq2seq
  # -- end compat.seq2seq --
  contrib.__path__ = []  # a package, so "import tensorflow.contrib.rnn" works
  _install_layers_and_cudnn(contrib)
  tf.contrib = contrib
  for v1 in _v1_modules():
    v1.contrib = contrib
  _install_upgrade_v2_names(seeded_initializers)
  _installed = True
  return contrib


# --- Names tf_upgrade_v2 writes (issue 18) -----------------------------------


def _install_upgrade_v2_names(seeded_initializers):
  """``tf.nn.rnn_cell``, ``tf.layers`` and (optionally)
  ``tf.compat.v1.keras.initializers``."""
  tf.nn.rnn_cell = tf.compat.v1.nn.rnn_cell  # ours; nothing else in tf.nn
  if not hasattr(tf, "layers") or _is_ours(tf.layers):
    tf.layers = tf.compat.v1.layers  # ours too
  from compat import initializers  # pylint: disable=g-import-not-at-top
  attrs = {n: getattr(initializers, n) for n in initializers.__all__}
  for v1 in _v1_modules():
    current = getattr(v1, "keras", None)
    if not seeded_initializers:
      if _is_ours(current):
        v1.keras = vars(current)["__replaced__"]
      continue
    keras_v1 = _replace(v1, "keras", "tensorflow.compat.v1.keras",
                        "tf.compat.v1.keras (tf1-rnn compat).", {})
    _replace(keras_v1, "initializers",
             "tensorflow.compat.v1.keras.initializers",
             "TF 1.x Keras initialisers, graph-seeded (tf1-rnn compat).",
             attrs)


# --- layers-cudnn block: the rest of tf.compat.v1.layers, tf.contrib.cudnn_rnn.
def _install_layers_and_cudnn(contrib):
  """``tf.compat.v1.layers.<LAYER_NAMES>``, ``tf.contrib.cudnn_rnn`` and
  ``tf.contrib.layers`` (also ``from tensorflow.contrib import cudnn_rnn,
  layers`` and ``import tensorflow.contrib.layers``)."""
  from compat import contrib_layers, cudnn_rnn, layers  # pylint: disable=g-import-not-at-top
  attrs = {n: getattr(layers, n) for n in layers.LAYER_NAMES}
  for v1 in _v1_modules():
    _replace(v1, "layers", "tensorflow.compat.v1.layers",
             "TF1 tf.layers (tf1-rnn compat).", attrs)
  contrib.cudnn_rnn = _module(
      "tensorflow.contrib.cudnn_rnn", "tf.contrib.cudnn_rnn (tf1-rnn compat).",
      {n: getattr(cudnn_rnn, n) for n in cudnn_rnn.__all__})
  contrib.layers = _module(
      "tensorflow.contrib.layers", "tf.contrib.layers (tf1-rnn compat).",
      {n: getattr(contrib_layers, n) for n in contrib_layers.__all__})
# --- end of layers-cudnn block.


def is_installed():
  return _installed
