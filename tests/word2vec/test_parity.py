"""TF1 word2vec graphs vs the Keras 3 rewrite on converted weights.

With the same weights, skip-gram and CBOW (sum and mean) give the same full
softmax loss, the same sampled softmax loss when both are handed the same
sampled candidates (``sampled_values=`` in TF1), the same gradients, and the
same weights after one Adagrad step; TF1 -> Keras and Keras -> TF1.

Pinned Adagrad differences (TF1 ``AdagradOptimizer`` vs Keras 3
``Adagrad``): the update divides by ``sqrt(accum)`` in TF1 and by
``sqrt(accum + epsilon)`` in Keras (epsilon 1e-7 by default), so the Keras
side uses ``epsilon=0``; the initial accumulator is 0.1 in both (pinned
anyway). Sparse gradients are densified before ``apply_gradients``: Keras
3's Adagrad squares each row of an ``IndexedSlices`` gradient before
duplicate ids are summed, TF1 sums first (``test_keras_sparse_adagrad_...``
shows the difference on a batch with repeated words).
"""

import functools

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf1_models.word2vec import config as config_lib
from tf1_models.word2vec import convert, keras_model, runner
from tf1_models.word2vec import model as model_lib

v1 = tf.compat.v1

VOCAB, DIM, BATCH, SAMPLED, WINDOW, LR = 30, 8, 6, 5, 1, 1.0
CASES = [("skipgram", "sum"), ("cbow", "sum"), ("cbow", "mean")]


@functools.lru_cache(maxsize=None)
def batch(model):
  """Inputs with repeated words, labels, and sampled candidates that
  include an accidental hit (a label among the sampled classes). Cached:
  an eager sampler op with a fixed seed draws anew on each call."""
  rng = np.random.RandomState(7)
  shape = (BATCH,) if model == "skipgram" else (BATCH, 2 * WINDOW)
  x = rng.randint(0, 6, size=shape).astype(np.int32)
  y = rng.randint(0, 10, size=(BATCH, 1)).astype(np.int32)
  sampled, true_exp, sampled_exp = model_lib.sample_candidates(
      y, SAMPLED, VOCAB, seed=3)
  sampled, true_exp, sampled_exp = (
      sampled.numpy(), true_exp.numpy(), sampled_exp.numpy())
  # An accidental hit: example 2's label becomes the first candidate (and
  # its expected count the candidate's; the sampler's draws do not depend
  # on the labels).
  y[2, 0] = sampled[0]
  true_exp[2, 0] = sampled_exp[0]
  return x, y, (sampled, true_exp, sampled_exp)


def tf1_run(model, combiner, weights=None, seed=1):
  """Weights, losses, dense gradients and post-Adagrad weights (TF1)."""
  x, y, sampled_values = batch(model)
  with tf.Graph().as_default() as g:
    v1.set_random_seed(seed)
    inp = v1.placeholder(tf.int32, x.shape)
    lab = v1.placeholder(tf.int32, y.shape)
    ep = model_lib.word2vec(model, inp, lab, VOCAB, DIM, SAMPLED, LR,
                            combiner, sampled_values=sampled_values)
    variables = [ep["embeddings"], ep["softmax_weights"],
                 ep["softmax_biases"]]
    assert [v.op.name for v in variables] == list(model_lib.VARIABLE_NAMES)
    grads = [tf.convert_to_tensor(gr) for gr in
             tf.gradients(ep["loss"], variables)]
    with v1.Session(graph=g) as sess:
      sess.run(v1.global_variables_initializer())
      if weights is not None:
        convert.assign_tf1(sess, weights)
      feed = {inp: x, lab: y}
      w0, loss, full, gr = sess.run(
          [variables, ep["loss"], ep["full_loss"], grads], feed)
      sess.run(ep["train_op"], feed)
      w1 = sess.run(variables)
  names = model_lib.VARIABLE_NAMES
  return dict(weights=dict(zip(names, w0)), loss=loss, full_loss=full,
              grads=dict(zip(names, gr)), after=dict(zip(names, w1)))


def keras_run(model, combiner, layer_weights=None, data=None):
  """``tf1_run`` for Keras on the current backend; ``data``: ``batch``'s
  values (another process cannot redraw the same candidates)."""
  x, y, sampled_values = batch(model) if data is None else data
  keras.utils.set_random_seed(3)
  net = keras_model.KerasWord2Vec(model, VOCAB, DIM, WINDOW, combiner,
                                  SAMPLED, LR)
  if layer_weights is not None:
    convert.set_keras_weights(net, layer_weights)
  w0 = convert.get_keras_weights(net)
  full = float(net.full_loss(x, y))
  loss, grads = net.gradients(x, y, sampled_values)
  net.train_step(x, y, sampled_values)
  return dict(weights=w0, loss=float(loss), full_loss=full,
              grads=[keras.ops.convert_to_numpy(g) for g in grads],
              after=convert.get_keras_weights(net))


def assert_layers_close(a, b, atol):
  assert sorted(a) == sorted(b)
  for k in a:
    for p, q in zip(a[k], b[k]):
      np.testing.assert_allclose(p, q, rtol=1e-5, atol=atol, err_msg=k)


@pytest.mark.parametrize("model,combiner", CASES)
def test_tf1_to_keras(model, combiner):
  t = tf1_run(model, combiner)
  k = keras_run(model, combiner, convert.tf1_to_keras(t["weights"]))
  assert_keras_matches_tf1(k, t)


def assert_keras_matches_tf1(k, t):
  """Full and sampled loss, gradients, weights after one Adagrad step."""
  assert k["full_loss"] == pytest.approx(t["full_loss"], rel=1e-5)
  assert k["loss"] == pytest.approx(t["loss"], rel=1e-5)
  assert k["loss"] != pytest.approx(k["full_loss"], rel=1e-2)  # not trivial
  for name, grad in zip(model_lib.VARIABLE_NAMES, k["grads"]):
    np.testing.assert_allclose(grad, t["grads"][name], rtol=1e-5, atol=1e-6,
                               err_msg=name)
  assert_layers_close(k["after"], convert.tf1_to_keras(t["after"]),
                      atol=1e-6)
  # The step moved the weights, so the comparison above is not vacuous.
  assert not np.allclose(t["after"]["Variable_1"], t["weights"]["Variable_1"])


@pytest.mark.parametrize("model,combiner", CASES[1:2])
def test_keras_to_tf1(model, combiner):
  k = keras_run(model, combiner)
  t = tf1_run(model, combiner, convert.keras_to_tf1(k["weights"]))
  assert t["full_loss"] == pytest.approx(k["full_loss"], rel=1e-5)
  assert t["loss"] == pytest.approx(k["loss"], rel=1e-5)
  assert_layers_close(convert.tf1_to_keras(t["after"]), k["after"],
                      atol=1e-6)


def test_accidental_hit_is_removed_in_both():
  """With the hit, example 2's label also sits among the candidates; both
  sides push that candidate's logit to -FLT_MAX, so it adds nothing."""
  x, y, (sampled, true_exp, sampled_exp) = batch("skipgram")
  net = keras_model.KerasWord2Vec("skipgram", VOCAB, DIM)
  vec = net.encoder(x)
  with_hit = np.asarray(net.softmax.sampled_loss(
      vec, y, (sampled, true_exp, sampled_exp)))
  without = np.asarray(net.softmax.sampled_loss(
      vec, y, (sampled[1:], true_exp, sampled_exp[1:])))
  assert with_hit[2] == pytest.approx(without[2], rel=1e-6)
  assert not np.allclose(with_hit[[0, 1, 3]], without[[0, 1, 3]])


def test_adagrad_defaults_that_were_pinned():
  tf1_opt = v1.train.AdagradOptimizer(1.0)
  assert tf1_opt._initial_accumulator_value == 0.1
  keras_default = keras.optimizers.Adagrad(1.0)
  assert keras_default.initial_accumulator_value == 0.1
  assert keras_default.epsilon == 1e-7
  pinned = keras_model.adagrad(1.0)
  assert (pinned.initial_accumulator_value, pinned.epsilon) == (0.1, 0.0)


def test_keras_sparse_adagrad_squares_duplicates_separately():
  """Why ``train_step`` densifies: id 1 appears twice in the batch."""
  grad = tf.IndexedSlices(values=tf.constant([[1.0], [2.0]]),
                          indices=tf.constant([1, 1]),
                          dense_shape=tf.constant([3, 1]))

  def step(g):
    var = keras.Variable(np.zeros((3, 1), np.float32))
    keras_model.adagrad(1.0).apply_gradients([(g, var)])
    return var.numpy()[1, 0]

  dense = step(tf.convert_to_tensor(grad))
  # TF1 / dense: accum = 0.1 + (1 + 2)^2, update 3 / sqrt(9.1).
  assert dense == pytest.approx(-3.0 / np.sqrt(9.1), rel=1e-6)
  assert step(grad) != pytest.approx(dense, rel=1e-3)


def test_keras_model_from_a_tf1_run(tmp_path):
  corpus = tmp_path / "tiny.txt"
  corpus.write_text(" ".join(["one two three four five six seven eight nine "
                              "the cat sat on a mat"] * 40))
  cfg = config_lib.preset("test", corpus=str(corpus), model="cbow",
                          combiner="mean",
                          checkpoint_dir=str(tmp_path / "run"))
  runner.train(cfg, log=lambda s: None)
  net, vocab = convert.keras_from_run(cfg.checkpoint_dir)
  tf1_vocab, tf1_normalized = runner.load_embeddings(cfg.checkpoint_dir)
  assert vocab == tf1_vocab
  np.testing.assert_allclose(net.normalized_embeddings(), tf1_normalized,
                             rtol=1e-6)
  assert net.encoder.input_shape == (None, 2)
