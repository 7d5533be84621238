"""word2vec against numbers recorded with TensorFlow 1.15.

``tests/golden/tf1_word2vec.npz`` (written by ``make_word2vec_golden.py``
under TF 1.15) holds fixed weights, a batch with repeated words, sampled
candidates with an accidental hit, and TF 1.15's sampled and full softmax
losses and weights after one Adagrad(1.0) step, for skip-gram, CBOW-sum and
CBOW-mean. Our TF1 graph (on TF 2.x) and the Keras rewrite must reproduce
them.
"""

import os

import numpy as np
import pytest
import tensorflow as tf

from tf1_models.word2vec import convert, keras_model
from tf1_models.word2vec import model as model_lib

v1 = tf.compat.v1
GOLDEN = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "golden", "tf1_word2vec.npz")
CASES = [("skipgram", "sum"), ("cbow", "sum"), ("cbow", "mean")]


@pytest.fixture(scope="module")
def golden():
  return dict(np.load(GOLDEN))


def weights(g):
  return {model_lib.EMBEDDINGS: g["embeddings"],
          model_lib.SOFTMAX_WEIGHTS: g["weights"],
          model_lib.SOFTMAX_BIASES: g["biases"]}


def sampled_values(g):
  return g["sampled"], g["true_expected"], g["sampled_expected"]


def check(g, key, loss, full, after):
  assert loss == pytest.approx(float(g[key + "loss"]), rel=1e-5)
  assert full == pytest.approx(float(g[key + "full_loss"]), rel=1e-5)
  for name, value in zip(("embeddings", "weights", "biases"), after):
    np.testing.assert_allclose(value, g[key + "after_" + name], rtol=1e-5,
                               atol=1e-6, err_msg=name)


@pytest.mark.tf1_golden
@pytest.mark.parametrize("model,combiner", CASES)
def test_tf1_graph_matches_tf115(golden, model, combiner):
  x, y = golden["x_" + model], golden["labels"]
  with tf.Graph().as_default() as graph:
    inp = v1.placeholder(tf.int32, x.shape)
    lab = v1.placeholder(tf.int32, y.shape)
    ep = model_lib.word2vec(model, inp, lab, 30, 8, 5, 1.0, combiner,
                            sampled_values=sampled_values(golden))
    with v1.Session(graph=graph) as sess:
      sess.run(v1.global_variables_initializer())
      convert.assign_tf1(sess, weights(golden))
      feed = {inp: x, lab: y}
      loss, full = sess.run([ep["loss"], ep["full_loss"]], feed)
      sess.run(ep["train_op"], feed)
      after = sess.run([ep["embeddings"], ep["softmax_weights"],
                        ep["softmax_biases"]])
  check(golden, "%s_%s_" % (model, combiner), loss, full, after)


@pytest.mark.tf1_golden
@pytest.mark.parametrize("model,combiner", CASES)
def test_keras_matches_tf115(golden, model, combiner):
  x, y = golden["x_" + model], golden["labels"]
  net = keras_model.KerasWord2Vec(model, 30, 8, 1, combiner, 5, 1.0)
  convert.set_keras_weights(net, convert.tf1_to_keras(weights(golden)))
  full = float(net.full_loss(x, y))
  loss = net.train_step(x, y, sampled_values(golden))
  after = [np.asarray(v) for v in net.variables]
  check(golden, "%s_%s_" % (model, combiner), loss, full, after)
