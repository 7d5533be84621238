"""The per-layer char_rnn graphs (``lstm_impl="hoisted"``: input projection
hoisted out of the recurrence; ``"block"``: TF's fused BlockLSTM op) against
the seed's.

On the same weights (the seed graph's checkpoint, restored into the other
graph by name) both give the same logits, loss, gradients and last state
(<= 1e-5), for two layers, separate and tied; the sparse loss equals the one-hot
loss. No timings here: speed is ``python -m tf1_models.char_rnn.benchmark``.
"""

import numpy as np
import pytest
import tensorflow as tf

from tf1_models.char_rnn import model as model_lib

v1 = tf.compat.v1

VOCAB, HIDDEN, BATCH, TIME = 11, 8, 3, 7


def run(checkpoint, layers, tie, lstm_impl="cell", sparse_loss=False, save=False):
  rng = np.random.RandomState(0)
  x = rng.randint(0, VOCAB + 1, size=(BATCH, TIME)).astype(np.int32)
  y = np.roll(x, -1, axis=1)
  with tf.Graph().as_default() as g:
    v1.set_random_seed(1)
    inp = v1.placeholder(tf.int32, [BATCH, None])
    out = v1.placeholder(tf.int32, [BATCH, None])
    ep = model_lib.char_rnn("lstm", inp, out, VOCAB, rnn_size=HIDDEN,
                            num_layers=layers, batch_size=BATCH,
                            tie_layers=tie, lstm_impl=lstm_impl,
                            sparse_loss=sparse_loss)
    variables = sorted(v1.trainable_variables(), key=lambda v: v.op.name)
    grads = tf.gradients(ep["total_loss"], variables)
    saver = v1.train.Saver()
    with v1.Session(graph=g) as sess:
      if save:
        sess.run(v1.global_variables_initializer())
        # Non-zero biases, so the hoisted bias_add is exercised.
        for v in variables:
          sess.run(v.assign(v + 0.1))
        saver.save(sess, checkpoint)
      else:
        saver.restore(sess, checkpoint)
      logits, loss, gr, state = sess.run(
          [ep["logits"], ep["total_loss"], grads, ep["last_state"]],
          {inp: x, out: y})
  names = [v.op.name for v in variables]
  return dict(names=names, logits=logits, loss=loss, grads=gr,
              state=np.asarray(tf.nest.flatten(state)))


@pytest.mark.parametrize("impl,layers,tie", [
    ("hoisted", 2, False), ("hoisted_grad", 2, True),
    pytest.param("block", 2, False, marks=pytest.mark.slow),
    pytest.param("hoisted_grad", 2, False, marks=pytest.mark.slow)])
def test_layered_graph_restores_the_seed_checkpoint_and_agrees(
    tmp_path, impl, layers, tie):
  ckpt = str(tmp_path / "model")
  seed = run(ckpt, layers, tie, save=True)
  hoisted = run(ckpt, layers, tie, lstm_impl=impl)
  assert hoisted["names"] == seed["names"]
  np.testing.assert_allclose(hoisted["logits"], seed["logits"], atol=1e-5)
  np.testing.assert_allclose(hoisted["loss"], seed["loss"], atol=1e-5)
  np.testing.assert_allclose(hoisted["state"], seed["state"], atol=1e-5)
  for name, a, b in zip(seed["names"], hoisted["grads"], seed["grads"]):
    a = a.values if hasattr(a, "values") else a
    b = b.values if hasattr(b, "values") else b
    np.testing.assert_allclose(a, b, atol=1e-5, err_msg=name)
  # The gradients are not trivially zero (the comparison means something).
  assert all(np.abs(getattr(g, "values", g)).max() > 1e-4
             for g in seed["grads"])


def test_sparse_loss_equals_one_hot_loss(tmp_path):
  ckpt = str(tmp_path / "model")
  one_hot = run(ckpt, 2, False, lstm_impl="hoisted", save=True)
  sparse = run(ckpt, 2, False, lstm_impl="hoisted", sparse_loss=True)
  np.testing.assert_allclose(sparse["loss"], one_hot["loss"], atol=1e-6)
  for a, b in zip(sparse["grads"], one_hot["grads"]):
    np.testing.assert_allclose(getattr(a, "values", a),
                               getattr(b, "values", b), atol=1e-6)


def test_other_cells_and_unknown_impls_are_refused():
  with tf.Graph().as_default():
    inp = v1.placeholder(tf.int32, [1, None])
    with pytest.raises(ValueError, match="lstm model only"):
      model_lib.char_rnn("gru", inp, None, VOCAB, rnn_size=HIDDEN,
                         lstm_impl="hoisted")
    with pytest.raises(ValueError, match="choose cell"):
      model_lib.char_rnn("lstm", inp, None, VOCAB, rnn_size=HIDDEN,
                         lstm_impl="fast")


def greedy_text(checkpoint, tie, fold, save=False, jit=False):
  with tf.Graph().as_default() as g:
    v1.set_random_seed(2)
    gen = model_lib.build_generator("lstm", VOCAB, HIDDEN, 2, tie_layers=tie,
                                    fold_embedding=fold, jit=jit)
    saver = v1.train.Saver()
    with v1.Session(graph=g) as sess:
      if save:
        rng = np.random.RandomState(4)
        for v in v1.global_variables():
          v.load(rng.normal(0, 0.7, v.shape).astype(np.float32), sess)
        saver.save(sess, checkpoint)
      else:
        saver.restore(sess, checkpoint)
      return list(sess.run(gen.ids, gen.feed([3, 1, 4], 40, temperature=0.0)))


@pytest.mark.parametrize("tie", [True])
def test_folded_embedding_sampler_gives_the_same_greedy_text(tmp_path, tie):
  ckpt = str(tmp_path / "model")
  seed = greedy_text(ckpt, tie, fold=False, save=True)
  assert len(set(seed)) > 2  # not a constant sequence
  assert greedy_text(ckpt, tie, fold=True) == seed
  # The XLA-compiled loop (the sampler the benchmark times) agrees too.
  assert greedy_text(ckpt, tie, fold=True, jit=True) == seed
  assert greedy_text(ckpt, tie, fold=False, jit=True) == seed
