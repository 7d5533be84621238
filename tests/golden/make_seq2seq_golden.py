"""Record TensorFlow 1.15's ``tf.contrib.legacy_seq2seq`` numbers.

Run with a TF 1.15 interpreter only (it refuses anything else, so the golden
file can never be written by the implementation it checks):

    /tmp/tf1/bin/python tests/golden/make_seq2seq_golden.py

Writes ``tf1_seq2seq.npz`` next to this file: for every case of
``seq2seq_cases.py`` its arrays under ``<case>|<key>`` and its variable names
and shapes (JSON) under ``<case>|meta``, plus ``tf_version``.
"""

import copy
import os
import sys
import types

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import seq2seq_cases  # noqa: E402  pylint: disable=g-import-not-at-top

# Logits this close at a fed-back step could make TF1 and TF2 pick different
# symbols on rounding alone; the inputs must keep clear of that.
MIN_ARGMAX_MARGIN = 1e-3


def tf1_api():
  """TF 1.15's own legacy_seq2seq and cells; fails on anything but TF1."""
  if not tf.__version__.startswith("1."):
    raise SystemExit("make_seq2seq_golden.py must run under TensorFlow 1.x "
                     "(found %s): use /tmp/tf1/bin/python" % tf.__version__)
  import tensorflow.contrib.legacy_seq2seq as s2s  # pylint: disable=g-import-not-at-top
  if "tensorflow_core/contrib" not in s2s.__file__.replace(os.sep, "/") and (
      "tensorflow/contrib" not in s2s.__file__.replace(os.sep, "/")):
    raise SystemExit("tf.contrib.legacy_seq2seq is not TF1's own: %s" %
                     s2s.__file__)
  cells = tf.compat.v1.nn.rnn_cell
  return types.SimpleNamespace(
      s2s=s2s, GRUCell=cells.GRUCell, BasicLSTMCell=cells.BasicLSTMCell,
      MultiRNNCell=cells.MultiRNNCell, deepcopy=copy.deepcopy)


def main():
  api = tf1_api()
  arrays = {"tf_version": np.array(tf.__version__)}
  for name, spec in seq2seq_cases.CASES.items():
    values, meta = seq2seq_cases.run_case(tf, api, name)
    if spec["feed_previous"]:
      margin = seq2seq_cases.argmax_margins(values)
      if margin < MIN_ARGMAX_MARGIN:
        raise SystemExit("case %s: argmax margin %g is too small" %
                         (name, margin))
    for key, value in values.items():
      arrays["%s|%s" % (name, key)] = value
    arrays["%s|meta" % name] = seq2seq_cases.encode_meta(meta)
    print("case %-34s %4d arrays, %2d variables, %d without gradient" %
          (name, len(values), len(meta["variables"]), len(meta["no_grad"])))
  path = os.path.join(HERE, "tf1_seq2seq.npz")
  np.savez_compressed(path, **arrays)
  print("wrote %s (%d bytes)" % (path, os.path.getsize(path)))


if __name__ == "__main__":
  main()
