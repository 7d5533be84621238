"""next_char's ``train_graph="folded"`` against the seed's ``dynamic_rnn``
graph on the same weights: logits, loss and every gradient within 1e-5,
with full-length and short windows; the same checkpoint names."""

import numpy as np
import pytest
import tensorflow as tf

from tf1_models.next_char import model as model_lib

v1 = tf.compat.v1
VOCAB, EMB, UNITS, BATCH, STEPS = 11, 5, 6, 4, 7


def _run(train_graph, lengths):
  with tf.Graph().as_default() as graph:
    ep = model_lib.build_graph(VOCAB, "rnn", False, EMB, UNITS,
                               learning_rate=0.01, train_graph=train_graph)
    variables = sorted(model_lib.model_variables(graph).items())
    grads = [tf.convert_to_tensor(d) for d in
             tf.gradients(ep["loss"], [v for _, v in variables])]
    rng = np.random.RandomState(0)
    with v1.Session(graph=graph) as sess:
      sess.run(v1.global_variables_initializer())
      for _, var in variables:
        var.load(rng.normal(0, 0.5, var.shape).astype(np.float32), sess)
      feed = {ep["ids"]: rng.randint(0, VOCAB, (BATCH, STEPS)),
              ep["targets"]: rng.randint(0, VOCAB, BATCH)}
      if lengths is not None:
        feed[ep["lengths"]] = lengths
      values = sess.run([ep["logits"], ep["loss"]] + grads, feed)
  return [name for name, _ in variables], values


@pytest.mark.parametrize("lengths", [
    pytest.param(None, marks=pytest.mark.slow), [7, 1, 3, 6]])
def test_folded_equals_the_seed_graph(lengths):
  names, seed = _run("seed", lengths)
  folded_names, folded = _run("folded", lengths)
  assert names == folded_names == [
      "dense/bias", "dense/kernel", "embedding", "rnn/basic_rnn_cell/bias",
      "rnn/basic_rnn_cell/kernel"]
  for a, b in zip(seed, folded):
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
  assert all(np.abs(d).max() > 1e-4 for d in seed[2:])


def test_folded_is_refused_where_it_does_not_apply():
  with pytest.raises(ValueError, match="one-direction SimpleRNN"):
    model_lib.NextCharNet(VOCAB, "gru", train_graph="folded")
  with pytest.raises(ValueError, match="one-direction SimpleRNN"):
    model_lib.NextCharNet(VOCAB, "rnn", True, train_graph="folded")
