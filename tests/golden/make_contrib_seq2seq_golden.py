"""Record TensorFlow 1.15's ``tf.contrib.seq2seq`` numbers and checkpoints.

Run with a TF 1.15 interpreter only (it refuses anything else):

    /tmp/tf1/bin/python tests/golden/make_contrib_seq2seq_golden.py

For each model and mode of ``contrib_seq2seq_cases.py`` writes the fetched
arrays to ``tf1_contrib_seq2seq.npz`` (``<model>|<mode>|<key>``, variable
names and shapes under ``<model>|<mode>|meta``), and a TF1-written
checkpoint of each model's weights to
``tf1_contrib_seq2seq_ckpt/<model>.ckpt``; then the smaller cases of
``EXTRAS`` under ``extra|<case>|<key>``.
"""

import os
import sys
import types

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import contrib_seq2seq_cases as cases  # noqa: E402  pylint: disable=g-import-not-at-top

CKPT_DIR = os.path.join(HERE, "tf1_contrib_seq2seq_ckpt")
# Beam and greedy choices closer than this could flip on rounding alone.
MIN_MARGIN = 1e-4


def _patch_numpy_shape_check():
  """TF 1.15 with NumPy >= 1.20: ``tf.zeros`` of a shape holding a tensor
  (``BeamSearchDecoder`` does this) calls ``np.prod`` on it, which now raises
  NotImplementedError instead of the TypeError TF 1.15 caught. Treat it as
  TF 1.15 did with the NumPy of its time: not a small constant."""
  from tensorflow.python.ops import array_ops  # pylint: disable=g-import-not-at-top
  original = array_ops._constant_if_small  # pylint: disable=protected-access

  def constant_if_small(value, shape, dtype, name):
    try:
      return original(value, shape, dtype, name)
    except NotImplementedError:
      return None

  array_ops._constant_if_small = constant_if_small  # pylint: disable=protected-access


def tf1_api():
  if not tf.__version__.startswith("1."):
    raise SystemExit("make_contrib_seq2seq_golden.py must run under "
                     "TensorFlow 1.x (found %s): use /tmp/tf1/bin/python" %
                     tf.__version__)
  import tensorflow.contrib.seq2seq as s2s  # pylint: disable=g-import-not-at-top
  if "contrib/seq2seq" not in s2s.__file__.replace(os.sep, "/"):
    raise SystemExit("tf.contrib.seq2seq is not TF1's own: %s" % s2s.__file__)
  cells = tf.compat.v1.nn.rnn_cell
  return types.SimpleNamespace(
      s2s=s2s, LSTMCell=cells.LSTMCell, BasicLSTMCell=cells.BasicLSTMCell,
      GRUCell=cells.GRUCell, Dense=tf.compat.v1.layers.Dense)


def write_checkpoint(api, model):
  v1 = tf.compat.v1
  with tf.Graph().as_default():
    cases.build(tf, api, model, "train")
    with v1.Session() as sess:
      sess.run(v1.global_variables_initializer())
      cases.set_named_values(sess, v1)
      saver = v1.train.Saver(v1.global_variables())
      path = saver.save(sess, os.path.join(CKPT_DIR, model + ".ckpt"),
                        write_meta_graph=False, write_state=False)
  return path


def greedy_margin(logits, lengths):
  """Smallest top-1 - top-2 logit gap over the steps actually decoded."""
  top2 = np.sort(logits, axis=-1)[..., -2:]
  gaps = top2[..., 1] - top2[..., 0]
  return float(min(gaps[b, :n].min() for b, n in enumerate(lengths)))


def main():
  api = tf1_api()
  _patch_numpy_shape_check()
  os.makedirs(CKPT_DIR, exist_ok=True)
  arrays = {"tf_version": np.array(tf.__version__)}
  for model in cases.MODELS:
    write_checkpoint(api, model)
    for mode in cases.MODES:
      values, meta = cases.run(tf, api, model, mode)
      for key, value in values.items():
        arrays["%s|%s|%s" % (model, mode, key)] = value
      arrays["%s|%s|meta" % (model, mode)] = cases.encode_meta(meta)
      note = ""
      if mode == "greedy":
        margin = greedy_margin(values["logits"], values["lengths"])
        if margin < MIN_MARGIN:
          raise SystemExit("%s greedy: argmax margin %g too small" %
                           (model, margin))
        note = "ids %s lengths %s" % (values["ids"].tolist(),
                                      values["lengths"].tolist())
      if mode == "beam":
        note = "lengths %s beam_lengths %s" % (
            values["lengths"].tolist(), values["beam_lengths"].tolist())
      if mode == "train":
        note = "loss %.6f" % values["loss"]
      print("%-9s %-7s %3d arrays %2d variables  %s" %
            (model, mode, len(values), len(meta), note))
  for name in cases.EXTRAS:
    values, meta = cases.run_extra(tf, api, name)
    for key, value in values.items():
      arrays["extra|%s|%s" % (name, key)] = value
    arrays["extra|%s|meta" % name] = cases.encode_meta(meta)
    print("extra %-15s %3d arrays %2d variables" % (name, len(values),
                                                    len(meta)))
  np.savez_compressed(os.path.join(HERE, "tf1_contrib_seq2seq.npz"),
                      **arrays)


if __name__ == "__main__":
  main()
