"""Moving weights into a TF1 graph by variable name (converters, tests,
sampling from a checkpoint)."""

import numpy as np
import tensorflow as tf

import compat
from tf1_models.errors import CheckpointMismatchError

v1 = tf.compat.v1


def assign_tf1(sess, weights):
  """Load ``{variable name: array}`` into the variables of ``sess.graph``;
  a missing name or another shape is a ``CheckpointMismatchError``."""
  by_name = {v.op.name: v for v in
             sess.graph.get_collection(v1.GraphKeys.GLOBAL_VARIABLES)}
  for name, value in weights.items():
    if name not in by_name:
      raise CheckpointMismatchError("the graph has no variable %s" % name)
    var = by_name[name]
    if var.shape.as_list() != list(np.shape(value)):
      raise CheckpointMismatchError(
          "shape mismatch for %s: graph %s, weights %s" %
          (name, var.shape.as_list(), list(np.shape(value))))
    var.load(value, sess)


def restore_tf1(sess, checkpoint):
  """Restore ``checkpoint`` into ``sess.graph`` by TF1 variable name
  (``compat.restore_checkpoint``: legacy names too); a checkpoint that does
  not fit the graph is a one-line ``CheckpointMismatchError``."""
  try:
    compat.restore_checkpoint(sess, checkpoint)
  except compat.LegacyNameError as e:
    raise CheckpointMismatchError(str(e))
