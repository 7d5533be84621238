"""Record TensorFlow 1.15's numbers for ``tf.contrib.rnn``'s own cells.

Run with a TF 1.15 interpreter only (it refuses anything else):

    /tmp/tf1/bin/python tests/golden/make_contrib_rnn_golden.py

Writes, next to this file:
  * ``tf1_contrib_rnn.npz`` / ``tf1_contrib_rnn.json``: every case of
    ``contrib_rnn_cases.py`` (arrays under ``<case>|<key>``; variable names,
    shapes, initializer classes and variables without gradient);
  * ``tf1_ckpt_contrib_rnn/``: a TF1.15-written checkpoint of every model of
    ``contrib_rnn_cases.CHECKPOINT_MODELS`` (TF1's own initial values), with
    ``expected.npz`` (their outputs and final states, ``<model>|<path>``).
"""

import json
import os
import shutil
import sys

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cases  # noqa: E402  pylint: disable=g-import-not-at-top
import contrib_rnn_cases  # noqa: E402  pylint: disable=g-import-not-at-top

v1 = tf.compat.v1


def tf1_contrib_rnn():
  """TF 1.15's own ``tf.contrib.rnn`` (plus ``LayerNormLSTMCell``, which
  TF 1.15 kept in contrib's rnn_cell module without exporting it)."""
  if not tf.__version__.startswith("1."):
    raise SystemExit("make_contrib_rnn_golden.py must run under TensorFlow "
                     "1.x (found %s): use /tmp/tf1/bin/python" %
                     tf.__version__)
  from tensorflow.contrib import rnn  # pylint: disable=g-import-not-at-top
  from tensorflow.contrib.rnn.python.ops import rnn_cell  # pylint: disable=g-import-not-at-top
  rnn.LayerNormLSTMCell = rnn_cell.LayerNormLSTMCell
  return rnn


def write_cases(api):
  arrays, meta = {}, {}
  for name in contrib_rnn_cases.CASES:
    values, info = cases.run_case(tf, api, name,
                                  registry=contrib_rnn_cases.CASES)
    for key, value in values.items():
      arrays["%s|%s" % (name, key)] = value
    meta[name] = info
    print("case %-44s %3d arrays" % (name, len(values)))
  np.savez_compressed(os.path.join(HERE, "tf1_contrib_rnn.npz"), **arrays)
  with open(os.path.join(HERE, "tf1_contrib_rnn.json"), "w") as f:
    json.dump(meta, f, indent=1, sort_keys=True)


def write_checkpoint(api):
  directory = os.path.join(HERE, "tf1_ckpt_contrib_rnn")
  if os.path.isdir(directory):
    shutil.rmtree(directory)
  os.makedirs(directory)
  with tf.Graph().as_default():
    v1.set_random_seed(11)
    built = contrib_rnn_cases.build_checkpoint_graph(tf, api)
    fetch = {}
    for model, result in built.items():
      fetch.update({"%s|%s" % (model, k): t for k, t in
                    cases.flatten("out", result, {}).items()})
    with v1.Session() as sess:
      sess.run(v1.global_variables_initializer())
      v1.train.Saver().save(sess, os.path.join(directory, "model.ckpt"),
                            write_meta_graph=False, write_state=False)
      values = sess.run(fetch)
  np.savez_compressed(os.path.join(directory, "expected.npz"), **values)
  print("wrote %s (%d tensors)" % (directory, len(values)))


def main():
  api = tf1_contrib_rnn()
  write_cases(api)
  write_checkpoint(api)


if __name__ == "__main__":
  main()
