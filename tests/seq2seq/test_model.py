"""``Seq2SeqModel``: the tutorial's batches, variables, updates, self-test."""

import random

import numpy as np
import pytest
import tensorflow as tf

from tf1_models.seq2seq import model as model_lib
from tf1_models.seq2seq import runner

v1 = tf.compat.v1
PAD, GO, EOS = model_lib.PAD_ID, model_lib.GO_ID, model_lib.EOS_ID


def test_batch_layout_reversed_padded_encoder_go_decoder_weights():
  enc, dec, w = model_lib.batch_from_pairs(
      [([4, 5], [6, 7, EOS]), ([8], [9, EOS])], (3, 5))
  # time-major lists of [batch] vectors
  np.testing.assert_array_equal(np.stack(enc, 1), [[PAD, 5, 4], [PAD, PAD, 8]])
  np.testing.assert_array_equal(np.stack(dec, 1),
                                [[GO, 6, 7, EOS, PAD], [GO, 9, EOS, PAD, PAD]])
  # weight t is 1 where target t (= decoder input t + 1) is not PAD
  np.testing.assert_array_equal(np.stack(w, 1),
                                [[1, 1, 1, 0, 0], [1, 1, 0, 0, 0]])
  with pytest.raises(ValueError, match="does not fit"):
    model_lib.batch_from_pairs([([1, 2, 3, 4], [5])], (3, 5))


def test_bucket_for_and_greedy_ids():
  buckets = [(3, 5), (6, 8)]
  assert model_lib.bucket_for((3, 4), buckets) == 0
  assert model_lib.bucket_for((3, 5), buckets) == 1
  assert model_lib.bucket_for((7, 1), buckets) is None
  outputs = [np.eye(6)[[4, 5]], np.eye(6)[[EOS, 4]], np.eye(6)[[4, EOS]]]
  assert model_lib.greedy_ids(outputs) == [[4], [5, 4]]


def _model(**kw):
  args = dict(source_vocab_size=8, target_vocab_size=8,
              buckets=[(2, 3), (4, 5)], size=4, num_layers=1,
              max_gradient_norm=0.01, batch_size=2, learning_rate=0.5,
              learning_rate_decay_factor=0.5)
  args.update(kw)
  return model_lib.Seq2SeqModel(**args)


def test_variables_are_tf1_names_and_lr_decays():
  with tf.Graph().as_default() as g:
    m = _model(num_samples=3)
    names = [v.op.name for v in v1.global_variables()]
    assert names[:4] == ["Variable", "Variable_1", "proj_w", "proj_b"]
    assert ("embedding_attention_seq2seq/rnn/embedding_wrapper/gru_cell/"
            "gates/kernel") in names
    a = "embedding_attention_seq2seq/embedding_attention_decoder/" \
        "attention_decoder/"
    assert a + "gru_cell/candidate/kernel" in names  # no output wrapper
    assert a + "AttnW_0" in names and a + "AttnOutputProjection/kernel" in names
    assert len(m.updates) == len(m.losses) == len(m.gradient_norms) == 2
    with v1.Session(graph=g) as sess:
      sess.run(v1.global_variables_initializer())
      assert sess.run(m.learning_rate_decay_op) == pytest.approx(0.25)
      assert sess.run(m.learning_rate) == pytest.approx(0.25)


def test_step_clips_gradients_and_updates_one_bucket():
  data = ([([4], [5, EOS])], [([4, 5, 6], [6, 5, 4, EOS])])
  with tf.Graph().as_default() as g:
    v1.set_random_seed(0)
    m = _model(optimizer="sgd")
    dense = [p for p in m.params if "embedding" not in p.op.name]
    grads = tf.gradients(m.losses[1], dense)
    with v1.Session(graph=g) as sess:
      sess.run(v1.global_variables_initializer())
      batch = m.get_batch(data, 1, random.Random(0))
      feed = m.feed_dict(*batch, 1)
      before, g_values, g_norm = sess.run([dense, grads, m.gradient_norms[1]],
                                          feed)
      norm, loss, outputs = m.step(sess, *batch, 1, False)
      after = sess.run(dense)
      assert outputs is None and norm == pytest.approx(g_norm) and loss > 0
      assert norm > 0.01  # so the update was clipped to global norm 0.01
      for b, gv, a in zip(before, g_values, after):
        np.testing.assert_allclose(a, b - 0.5 * gv * 0.01 / norm, atol=1e-7)
      assert sess.run(m.global_step) == 1
      _, _, outputs = m.step(sess, *batch, 1, True)
      assert len(outputs) == 5 and outputs[0].shape == (2, 8)
      assert sess.run(m.global_step) == 1
      with pytest.raises(ValueError, match="Encoder length"):
        m.step(sess, batch[0][:2], batch[1], batch[2], 1, True)


def test_self_test_learns_the_fake_data():
  losses = runner.self_test(seed=0, steps=5, log=lambda s: None)
  assert len(losses) == 5 and all(np.isfinite(losses))
