"""Restoring TF1 checkpoints, including ones with pre-1.2 variable names.

TF 1.2 renamed RNN variables; checkpoints written earlier use other names:

  ===========================================  ===============================
  TF 0.12                                      TF 1.2+ (and ``compat``)
  ===========================================  ===============================
  ``RNN/MultiRNNCell/Cell0/BasicLSTMCell/``    ``rnn/multi_rnn_cell/cell_0/``
  ``Linear/Matrix``, ``Linear/Bias``           ``basic_lstm_cell/kernel``,
                                               ``bias``
  ``GRUCell/Gates/Linear/Matrix``              ``gru_cell/gates/kernel``
  ``LSTMCell/W_0``, ``B``, ``W_F_diag``,       ``lstm_cell/kernel``, ``bias``,
  ``W_P_0``                                    ``w_f_diag``,
                                               ``projection/kernel``
  ``BiRNN/FW``, ``BiRNN/BW``                   ``bidirectional_rnn/fw``,
                                               ``bidirectional_rnn/bw``
  TF 1.0/1.1: ``.../weights``, ``.../biases``  ``.../kernel``, ``.../bias``
  ===========================================  ===============================

Two ways to use them:
  * ``restore_checkpoint(sess, path)`` restores the graph's variables by name,
    accepting legacy names, and fails with the variable and both shapes when a
    shape differs.
  * ``python -m compat.checkpoints OLD_PREFIX NEW_PREFIX`` writes a renamed
    copy once, after which a plain ``tf.compat.v1.train.Saver`` restores it.
"""

import re
import sys

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1

# Scope tokens of cells and wrappers, pre-1.2 spelling -> 1.2+ spelling.
_SCOPE_RENAMES = {
    "RNN": "rnn",
    "MultiRNNCell": "multi_rnn_cell",
    "BasicRNNCell": "basic_rnn_cell",
    "BasicLSTMCell": "basic_lstm_cell",
    "LSTMCell": "lstm_cell",
    "GRUCell": "gru_cell",
    "Gates": "gates",
    "Candidate": "candidate",
    "EmbeddingWrapper": "embedding_wrapper",
    "InputProjectionWrapper": "input_projection_wrapper",
    "OutputProjectionWrapper": "output_projection_wrapper",
    "BiRNN": "bidirectional_rnn",
    "FW": "fw",
    "BW": "bw",
}
# Leaf names, pre-1.2 -> 1.2+.
_LEAF_RENAMES = {
    ("Linear", "Matrix"): ("kernel",),
    ("Linear", "Bias"): ("bias",),
    ("W_0",): ("kernel",),
    ("B",): ("bias",),
    ("W_F_diag",): ("w_f_diag",),
    ("W_I_diag",): ("w_i_diag",),
    ("W_O_diag",): ("w_o_diag",),
    ("W_P_0",): ("projection", "kernel"),
    ("weights",): ("kernel",),
    ("biases",): ("bias",),
}
_CELL_TOKENS = {"basic_rnn_cell", "basic_lstm_cell", "lstm_cell", "gru_cell",
                "gates", "candidate", "projection", "input_projection_wrapper",
                "output_projection_wrapper", "embedding_wrapper"}


class LegacyNameError(ValueError):
  """A checkpoint does not fit the graph (missing names or other shapes)."""


def modern_name(name):
  """The TF 1.2+ name of a checkpoint variable named ``name`` (may be equal).

  Only names inside RNN cell scopes are changed, so a user's own variables
  called ``weights`` elsewhere are left alone.
  """
  parts = name.split("/")
  parts = [_SCOPE_RENAMES.get(p, p) for p in parts]
  parts = [re.sub(r"^Cell(\d+)$", r"cell_\1", p) for p in parts]
  if not any(p in _CELL_TOKENS for p in parts):
    return name
  for old, new in _LEAF_RENAMES.items():
    n = len(old)
    if tuple(parts[-n:]) == old:
      parts = parts[:-n] + list(new)
      break
  return "/".join(parts)


def legacy_name_map(checkpoint_names):
  """``{checkpoint name: modern name}`` for every name that changes."""
  out = {}
  for name in checkpoint_names:
    new = modern_name(name)
    if new != name:
      out[name] = new
  return out


def _checkpoint_shapes(path):
  reader = tf.train.load_checkpoint(path)
  return reader, reader.get_variable_to_shape_map()


def _var_name(var):
  return var.op.name if hasattr(var, "op") else var.name.split(":")[0]


_PART = re.compile(r"^(.*)/part_(\d+)$")


def _group_partitions(var_list, known):
  """``[(name, [variables])]``: slices ``<name>/part_<k>`` of a partitioned
  variable (stored under ``<name>`` in a checkpoint) grouped under
  ``<name>``, in part order; other variables alone. ``known(name)`` says
  whether the checkpoint has a variable of that (graph) name."""
  groups, parts = [], {}
  for var in var_list:
    name = _var_name(var)
    match = _PART.match(name)
    if match and not known(name) and known(match.group(1)):
      if match.group(1) not in parts:
        parts[match.group(1)] = []
        groups.append((match.group(1), parts[match.group(1)]))
      parts[match.group(1)].append((int(match.group(2)), var))
    else:
      groups.append((name, [(0, var)]))
  return [(name, [v for _, v in sorted(items, key=lambda p: p[0])])
          for name, items in groups]


def _slices_fit(slice_shapes, full_shape):
  """Whether slices, concatenated along one axis, make ``full_shape``."""
  if len(slice_shapes) == 1:
    return slice_shapes[0] == full_shape
  for axis in range(len(full_shape)):
    others_fit = all(
        len(s) == len(full_shape) and
        all(d == f for i, (d, f) in enumerate(zip(s, full_shape))
            if i != axis) for s in slice_shapes)
    if others_fit and sum(s[axis] for s in slice_shapes) == full_shape[axis]:
      return True
  return False


def restore_checkpoint(sess, path, var_list=None, allow_legacy_names=True):
  """Restore ``var_list`` (default: the graph's global variables) by name.

  Checkpoint names from TF 0.12 and 1.0/1.1 are matched to today's names when
  ``allow_legacy_names``. The slices ``<name>/part_<k>`` of a partitioned
  variable (e.g. ``LSTMCell(num_unit_shards=...)``) restore from ``<name>``.
  Raises ``LegacyNameError`` naming the first missing variable, or the
  variable and both shapes on a shape mismatch, before anything is assigned.
  """
  if tf.io.gfile.isdir(path):
    found = tf.train.latest_checkpoint(path)
    if found is None:
      raise LegacyNameError("no checkpoint found in directory %s" % path)
    path = found
  if var_list is None:
    var_list = sess.graph.get_collection(v1.GraphKeys.GLOBAL_VARIABLES)
  _, shapes = _checkpoint_shapes(path)
  by_modern = {}
  for ckpt_name in shapes:
    new = modern_name(ckpt_name) if allow_legacy_names else ckpt_name
    by_modern.setdefault(new, ckpt_name)
    by_modern[ckpt_name] = ckpt_name
  mapping = {}
  for name, variables in _group_partitions(var_list, by_modern.__contains__):
    ckpt_name = by_modern.get(name)
    if ckpt_name is None:
      raise LegacyNameError(
          "variable %s is not in checkpoint %s (it has: %s)" %
          (name, path, ", ".join(sorted(shapes)[:12])))
    want = [v.shape.as_list() for v in variables]
    have = list(shapes[ckpt_name])
    if not _slices_fit(want, have):
      raise LegacyNameError(
          "shape mismatch for variable %s: the graph has %s, checkpoint %s "
          "has %s (as %s); was it written by another model or vocabulary?" %
          (name, want[0] if len(want) == 1 else "slices %s" % want, path,
           have, ckpt_name))
    is_slice = len(variables) > 1 or _var_name(variables[0]) != name
    mapping[ckpt_name] = variables if is_slice else variables[0]
  v1.train.Saver(var_list=mapping).restore(sess, path)
  return mapping


def convert_checkpoint(old_path, new_path):
  """Write a copy of a checkpoint with every legacy name modernised.

  Returns the ``{old: new}`` renames applied.
  """
  reader, shapes = _checkpoint_shapes(old_path)
  renames = legacy_name_map(shapes)
  with tf.Graph().as_default(), v1.Session() as sess:
    variables = []
    for name in sorted(shapes):
      value = reader.get_tensor(name)
      variables.append(v1.Variable(np.asarray(value),
                                   name=renames.get(name, name)))
    sess.run(v1.global_variables_initializer())
    v1.train.Saver(var_list=variables).save(sess, new_path,
                                            write_meta_graph=False)
  return renames


def main(argv):
  if len(argv) != 3:
    print("usage: python -m compat.checkpoints OLD_PREFIX NEW_PREFIX",
          file=sys.stderr)
    return 2
  renames = convert_checkpoint(argv[1], argv[2])
  for old, new in sorted(renames.items()):
    print("%s -> %s" % (old, new))
  print("wrote %s (%d names changed)" % (argv[2], len(renames)))
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv))
