"""Record TF 1.15's numbers for the seq2seq model's ``--decoder=dynamic``.

Run with a TF 1.15 interpreter only (it refuses anything else):

    /tmp/tf1/bin/python tests/golden/make_s2s_dynamic_golden.py

It builds ``tf1_models/seq2seq/dynamic_graph.py`` (the same file the model
uses on TF 2.x) over TF1's own ``tf.contrib.seq2seq`` and cells, gives every
variable a fixed value drawn from its name, and writes
``tf1_s2s_dynamic.npz``: per case ``<case>|var:<name>`` (the weights),
``<case>|logits`` and ``<case>|loss`` (teacher forcing, ``sequence_loss``),
``<case>|greedy_ids``/``greedy_lengths`` and
``<case>|beam_ids``/``beam_scores``/``beam_lengths``, plus the shared inputs.
"""

import os
import sys
import types
import zlib

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from tf1_models.seq2seq import dynamic_graph  # noqa: E402  pylint: disable=g-import-not-at-top

v1 = tf.compat.v1
OUT = os.path.join(HERE, "tf1_s2s_dynamic.npz")

VOCAB, SIZE, BEAM, MAX_ITER = 9, 5, 3, 6
SOURCE = np.array([[4, 5, 6, 7], [8, 4, 0, 0], [6, 6, 5, 0]], np.int32)
SOURCE_LENGTH = np.array([4, 2, 3], np.int32)
DECODER_INPUTS = np.array([[1, 7, 6, 5, 4], [1, 4, 8, 0, 0],
                           [1, 5, 6, 6, 0]], np.int32)
DECODER_LENGTH = np.array([5, 3, 4], np.int32)
TARGETS = np.array([[7, 6, 5, 4, 2], [4, 8, 2, 0, 0], [5, 6, 6, 2, 0]],
                   np.int32)

# name: (attention, layers, use_lstm, length_penalty_weight)
CASES = {
    "luong_gru1": ("luong", 1, False, 0.0),
    "scaled_luong_gru2": ("scaled_luong", 2, False, 1.0),
    "bahdanau_lstm2": ("bahdanau", 2, True, 0.6),
    "normed_bahdanau_gru1": ("normed_bahdanau", 1, False, 0.6),
}


def tf1_api():
  if not tf.__version__.startswith("1."):
    raise SystemExit("make_s2s_dynamic_golden.py must run under TensorFlow "
                     "1.x (found %s): use /tmp/tf1/bin/python" %
                     tf.__version__)
  from tensorflow.contrib import seq2seq  # pylint: disable=g-import-not-at-top
  cells = v1.nn.rnn_cell
  return types.SimpleNamespace(
      seq2seq=seq2seq, GRUCell=cells.GRUCell,
      BasicLSTMCell=cells.BasicLSTMCell, MultiRNNCell=cells.MultiRNNCell,
      Dense=v1.layers.Dense, dynamic_rnn=v1.nn.dynamic_rnn)


def allow_tensor_shapes_with_new_numpy():
  """TF 1.15 meets NumPy >= 1.20 in ``tf.zeros([batch_tensor])`` (which
  ``BeamSearchDecoder`` calls): ``np.prod`` of a list holding a symbolic
  tensor raises NotImplementedError where TF 1.15 expected TypeError, and
  ``tf.zeros`` then never reaches its ``fill`` fallback. Turn that error
  into the fallback, as with the NumPy TF 1.15 was released with."""
  from tensorflow.python.ops import array_ops  # pylint: disable=g-import-not-at-top
  original = array_ops._constant_if_small  # pylint: disable=protected-access

  def constant_if_small(value, shape, dtype, name):
    try:
      return original(value, shape, dtype, name)
    except NotImplementedError:
      return None
  array_ops._constant_if_small = constant_if_small  # pylint: disable=protected-access


def value_for(name, shape):
  rng = np.random.RandomState(zlib.crc32(name.encode("utf-8")))
  return rng.uniform(-1.0, 1.0, shape).astype(np.float32)


def run_case(api, name):
  attention, layers, lstm, penalty = CASES[name]
  hp = dynamic_graph.HParams(VOCAB, SIZE, layers, lstm, attention, BEAM,
                             penalty, MAX_ITER)
  weights, out = None, {}
  for mode in dynamic_graph.MODES:
    with tf.Graph().as_default() as g:
      source = v1.placeholder(tf.int32, [None, None])
      source_length = v1.placeholder(tf.int32, [None])
      dec = v1.placeholder(tf.int32, [None, None])
      dec_length = v1.placeholder(tf.int32, [None])
      res = dynamic_graph.build(api, hp, mode, source, source_length, dec,
                                dec_length)
      if mode == "train":
        targets = v1.placeholder(tf.int32, [None, None])
        mask = tf.sequence_mask(dec_length, tf.shape(dec)[1], tf.float32)
        res["loss"] = api.seq2seq.sequence_loss(res["logits"], targets, mask)
      variables = v1.global_variables()
      with v1.Session(graph=g) as sess:
        if weights is None:
          weights = {v.op.name: value_for(name + "|" + v.op.name,
                                          v.shape.as_list())
                     for v in variables}
        assert sorted(weights) == sorted(v.op.name for v in variables), mode
        for v in variables:
          v.load(weights[v.op.name], sess)
        feed = {source: SOURCE, source_length: SOURCE_LENGTH,
                dec: DECODER_INPUTS, dec_length: DECODER_LENGTH}
        if mode == "train":
          feed[targets] = TARGETS
        values = sess.run(res, feed)
    for key, value in values.items():
      out[key if mode == "train" else mode + "_" + key] = value
  for k, v in weights.items():
    out["var:" + k] = v
  return out


def main():
  api = tf1_api()
  allow_tensor_shapes_with_new_numpy()
  arrays = {"tf_version": np.array(tf.__version__), "source": SOURCE,
            "source_length": SOURCE_LENGTH, "decoder_inputs": DECODER_INPUTS,
            "decoder_length": DECODER_LENGTH, "targets": TARGETS}
  for name in CASES:
    values = run_case(api, name)
    for key, value in values.items():
      arrays["%s|%s" % (name, key)] = value
    print("case %-22s loss %.4f greedy %s beam0 %s" % (
        name, values["loss"], values["greedy_ids"].tolist(),
        values["beam_ids"][:, :, 0].tolist()))
    print("   variables:", sorted(k[4:] for k in values if k[:4] == "var:"))
  np.savez_compressed(OUT, **arrays)
  print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
  main()
