"""``--decoder=dynamic`` on ``compat.seq2seq`` vs TF 1.15 and vs the Keras
twin.

* The model's own graph code (``dynamic_graph.build`` over
  ``compat.seq2seq``), given the TF 1.15 golden weights by name, reproduces
  TF 1.15's teacher-forced logits and loss (<= 1e-5), greedy ids and
  lengths, and beam-search ids, scores and lengths, for every golden case
  (one in the default suite, all with ``-m slow``).
* A ``DynamicSeq2SeqModel`` trained a few Adam steps (weights no test
  chose) and ``KerasDynamicSeq2Seq`` on its converted weights agree on the
  logits and loss of a batch, the greedy ids and the beam-search ids and
  scores; converting back gives the same TF1 weights (the scaled-Luong
  case with ``-m slow``).
"""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf1_models.seq2seq import convert, dynamic_graph, dynamic_model
from tf1_models.seq2seq import keras_dynamic
from tf1_models.seq2seq import model as model_lib

v1 = tf.compat.v1
GOLDEN = os.path.join(os.path.dirname(os.path.dirname(__file__)), "golden",
                      "tf1_s2s_dynamic.npz")
CASES = {  # as recorded by make_s2s_dynamic_golden.py
    "luong_gru1": ("luong", 1, False, 0.0),
    "scaled_luong_gru2": ("scaled_luong", 2, False, 1.0),
    "bahdanau_lstm2": ("bahdanau", 2, True, 0.6),
    "normed_bahdanau_gru1": ("normed_bahdanau", 1, False, 0.6),
}
VOCAB, SIZE, BEAM, MAX_ITER = 9, 5, 3, 6


def run_graph(hp, mode, weights, source, source_length, dec=None,
              dec_length=None, targets=None):
  """``dynamic_graph.build`` over compat, weights assigned by name."""
  with tf.Graph().as_default() as g:
    ph = [v1.placeholder(tf.int32, [None, None]),
          v1.placeholder(tf.int32, [None]),
          v1.placeholder(tf.int32, [None, None]),
          v1.placeholder(tf.int32, [None])]
    res = dynamic_graph.build(dynamic_model.API, hp, mode, *ph)
    feed = dict(zip(ph[:2], (source, source_length)))
    if mode == "train":
      t = v1.placeholder(tf.int32, [None, None])
      mask = tf.sequence_mask(ph[3], tf.shape(ph[2])[1], tf.float32)
      res["loss"] = dynamic_model.compat_seq2seq.sequence_loss(
          res["logits"], t, mask)
      feed.update({ph[2]: dec, ph[3]: dec_length, t: targets})
    variables = v1.global_variables()
    assert sorted(v.op.name for v in variables) == sorted(weights)
    with v1.Session(graph=g) as sess:
      for v in variables:
        v.load(weights[v.op.name], sess)
      return sess.run(res, feed)


SLOW = pytest.mark.slow


@pytest.mark.parametrize("name", [
    "normed_bahdanau_gru1", pytest.param("luong_gru1", marks=SLOW),
    pytest.param("scaled_luong_gru2", marks=SLOW),
    pytest.param("bahdanau_lstm2", marks=SLOW)])
def test_compat_graph_reproduces_tf1_15(name):
  golden = dict(np.load(GOLDEN))
  want = {k[len(name) + 1:]: v for k, v in golden.items()
          if k.startswith(name + "|")}
  weights = {k[4:]: v for k, v in want.items() if k.startswith("var:")}
  attention, layers, lstm, penalty = CASES[name]
  hp = dynamic_graph.HParams(VOCAB, SIZE, layers, lstm, attention, BEAM,
                             penalty, MAX_ITER)
  args = (golden["source"], golden["source_length"])
  got = run_graph(hp, "train", weights, *args, golden["decoder_inputs"],
                  golden["decoder_length"], golden["targets"])
  np.testing.assert_allclose(got["logits"], want["logits"], atol=1e-5,
                             rtol=0)
  assert abs(float(got["loss"]) - float(want["loss"])) <= 1e-5
  got = run_graph(hp, "greedy", weights, *args)
  np.testing.assert_array_equal(got["ids"], want["greedy_ids"])
  np.testing.assert_array_equal(got["lengths"], want["greedy_lengths"])
  got = run_graph(hp, "beam", weights, *args)
  np.testing.assert_array_equal(got["ids"], want["beam_ids"])
  np.testing.assert_allclose(got["scores"], want["beam_scores"], atol=1e-5,
                             rtol=1e-6)
  np.testing.assert_array_equal(got["lengths"], want["beam_lengths"])


PAIRS = [([4, 5, 6], [6, 5, 4, 2]), ([7], [7, 2]), ([8, 4, 5, 9], [9, 5, 4,
                                                                  8, 2]),
         ([5, 9], [9, 5, 2])]


@pytest.mark.parametrize("attention,layers,lstm", [
    pytest.param("scaled_luong", 1, False, marks=SLOW),
    ("normed_bahdanau", 2, True)])
def test_trained_model_and_keras_twin_agree(attention, layers, lstm,
                                            tmp_path):
  hp = dynamic_graph.HParams(11, 6, layers, lstm, attention, 3, 0.5, 7)
  batch = dynamic_model.batch_from_pairs(PAIRS)
  with tf.Graph().as_default() as g:
    v1.set_random_seed(3)
    m = dynamic_model.DynamicSeq2SeqModel(hp, 1, "train", batch_size=4,
                                          learning_rate=0.01)
    with v1.Session(graph=g) as sess:
      sess.run(v1.global_variables_initializer())
      for _ in range(3):
        sess.run(m.update, m.feed_dict(*batch))
      loss, logits = sess.run([m.loss, m.outputs["logits"]],
                              m.feed_dict(*batch))
      weights = dict(zip([v.op.name for v in m.params], sess.run(m.params)))
  sources = [s for s, _ in PAIRS]
  lengths = np.array([len(s) for s in sources], np.int32)
  greedy = run_graph(hp, "greedy", weights, batch[0], lengths)
  beam = run_graph(hp, "beam", weights, batch[0], lengths)

  keras.utils.set_random_seed(1)
  net = keras_dynamic.KerasDynamicSeq2Seq(11, 6, layers, lstm, attention)
  convert.build_dynamic(net)
  convert.tf1_to_keras(weights, net)
  k_logits = np.asarray(net((batch[0], batch[1], batch[2])))
  np.testing.assert_allclose(k_logits, logits, atol=1e-5, rtol=0)
  mask = np.arange(batch[2].shape[1])[None] < batch[3][:, None]
  k_loss = float(keras_dynamic.sequence_loss(k_logits, batch[4], mask))
  assert abs(k_loss - float(loss)) <= 1e-5
  ids, k_lengths = net.greedy(batch[0], lengths, hp.max_iterations)
  np.testing.assert_array_equal(ids, greedy["ids"])
  np.testing.assert_array_equal(k_lengths, greedy["lengths"])
  ids, scores, k_lengths = net.beam_search(batch[0], lengths, 3,
                                           hp.max_iterations, 0.5)
  np.testing.assert_array_equal(ids, beam["ids"])
  np.testing.assert_allclose(scores, beam["scores"], atol=1e-5, rtol=1e-6)
  np.testing.assert_array_equal(k_lengths, beam["lengths"])
  # The trained model decodes something other than one repeated symbol.
  assert len(set(greedy["ids"].ravel().tolist())) > 1

  back = convert.keras_to_tf1(net)
  assert sorted(back) == sorted(weights)
  for k in weights:
    np.testing.assert_allclose(back[k], weights[k], atol=1e-6, rtol=0)


def test_batches_and_eos_cut():
  src, src_len, dec, dec_len, tgt = dynamic_model.batch_from_pairs(
      [([4, 5], [5, 4, 2]), ([6], [6, 2])])
  np.testing.assert_array_equal(src, [[4, 5], [6, 0]])
  np.testing.assert_array_equal(src_len, [2, 1])
  np.testing.assert_array_equal(dec, [[model_lib.GO_ID, 5, 4],
                                      [model_lib.GO_ID, 6, 0]])
  np.testing.assert_array_equal(dec_len, [3, 2])
  np.testing.assert_array_equal(tgt, [[5, 4, 2], [6, 2, 0]])
  assert dynamic_model.cut_at_eos([5, 4, 2, 2, 7]) == [5, 4]
  assert dynamic_model.cut_at_eos([5, 4]) == [5, 4]
