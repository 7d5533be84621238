"""text8_lstm's ``--train_graph=fused_gates|hoisted`` against the seed's unroll on the
same weights (``--sampler=xla``: tests/text8_lstm/test_runner.py)."""

import numpy as np
import pytest
import tensorflow as tf

from tf1_models.text8_lstm import config as config_lib
from tf1_models.text8_lstm import model as model_lib
from tf1_models.text8_lstm import runner

v1 = tf.compat.v1


def _run(variant, train_graph, feeds_from):
  """Logits, loss and every gradient of one step, and the train feed."""
  with tf.Graph().as_default() as graph:
    g = model_lib.build_graph(variant, num_nodes=8, batch_size=4,
                              num_unrollings=5, embedding_size=6,
                              with_generator=False, train_graph=train_graph)
    grads = [tf.convert_to_tensor(d)
             for d in tf.gradients(g.loss, g.model_variables)]
    rng = np.random.RandomState(0)
    with v1.Session(graph=graph) as sess:
      sess.run(v1.global_variables_initializer())
      for var in g.state_variables:  # a non-zero carried state
        var.load(rng.uniform(-0.5, 0.5, var.shape).astype(np.float32), sess)
      feed = feeds_from(g, rng)
      return sess.run([g.logits, g.loss] + grads, feed)


def _feed(variant):
  def feeds_from(g, rng):
    if variant == "bigram":
      feed = {p: rng.randint(0, 729, 4).astype(np.int32)
              for p in g.train_data}
    else:
      feed = {p: np.eye(27, dtype=np.float32)[rng.randint(0, 27, 4)]
              for p in g.train_data}
    feed.update({p: np.eye(27, dtype=np.float32)[rng.randint(0, 27, 4)]
                 for p in g.train_labels if p not in feed})
    return feed
  return feeds_from


@pytest.mark.parametrize("variant", [
    "separate", pytest.param("fused", marks=pytest.mark.slow),
    pytest.param("bigram", marks=pytest.mark.slow)])
def test_faster_unrolls_equal_the_seed_unroll(variant):
  """Same variables (op-seeded initial weights), same carried state, same
  batch: logits, loss and every gradient within 1e-5."""
  seed = _run(variant, "seed", _feed(variant))
  for train_graph in ("fused_gates", "hoisted"):
    faster = _run(variant, train_graph, _feed(variant))
    assert len(seed) == len(faster) > 2
    for a, b in zip(seed, faster):
      np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
  assert max(np.abs(d).max() for d in seed[2:]) > 1e-2  # not all zero


@pytest.mark.slow
def test_hoisted_keeps_the_checkpoint_names():
  names = {}
  for train_graph in model_lib.TRAIN_GRAPHS:
    with tf.Graph().as_default():
      g = model_lib.build_graph("separate", num_nodes=4, batch_size=2,
                                num_unrollings=2, with_generator=False,
                                train_graph=train_graph)
      names[train_graph] = sorted(v.op.name for v in v1.global_variables())
      assert len(g.model_variables) == 14
  assert names["seed"] == names["hoisted"]


def test_unknown_train_graph_and_sampler_are_one_line_errors():
  from tf1_models.errors import UserError  # pylint: disable=import-outside-toplevel
  with pytest.raises(UserError, match="--train_graph=fast"):
    runner.validate(config_lib.preset("test", train_graph="fast"))
  with pytest.raises(UserError, match="--sampler=jit"):
    runner.validate(config_lib.preset("test", sampler="jit"))
  with pytest.raises(UserError, match="is for --variant=separate"):
    runner.validate(config_lib.preset("test", variant="bigram",
                                      train_graph="hoisted"))
