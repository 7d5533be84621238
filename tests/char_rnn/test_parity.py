"""TF1 char_rnn graph vs its Keras 3 rewrite on converted weights.

Same weights give the same logits (<= 1e-5), loss, gradients, weights after
one Adam step, and greedy text, for rnn/gru/lstm at 1-3 layers, converting
TF1 -> Keras and Keras -> TF1.

Pinned defaults that differ between the two: Adam's epsilon (TF1 1e-8, Keras
1e-7) and GRU's ``reset_after`` (Keras default True; TF1's GRUCell is False).
"""

import numpy as np
import pytest
import tensorflow as tf

from tf1_models import keras_backend
from tf1_models.char_rnn import convert, keras_model, model as model_lib

v1 = tf.compat.v1

VOCAB, HIDDEN, BATCH, TIME, LR = 11, 8, 3, 7, 0.01


def batch():
  rng = np.random.RandomState(0)
  x = rng.randint(0, VOCAB + 1, size=(BATCH, TIME)).astype(np.int32)
  y = np.roll(x, -1, axis=1)
  return x, y


def tf1_run(model, layers, weights=None, seed=1, tie=False):
  """Logits, loss, grads and post-Adam weights of the TF1 graph."""
  x, y = batch()
  with tf.Graph().as_default() as g:
    v1.set_random_seed(seed)
    inp = v1.placeholder(tf.int32, [BATCH, None])
    out = v1.placeholder(tf.int32, [BATCH, None])
    ep = model_lib.char_rnn(model, inp, out, VOCAB, rnn_size=HIDDEN,
                            num_layers=layers, batch_size=BATCH,
                            learning_rate=LR, tie_layers=tie)
    names = convert.tf1_variable_names(model, layers, tie)
    by_name = {v.op.name: v for v in v1.global_variables()}
    variables = [by_name[n] for n in names]
    grads = tf.gradients(ep["total_loss"], variables)
    grads = [tf.convert_to_tensor(gr) for gr in grads]
    with v1.Session(graph=g) as sess:
      sess.run(v1.global_variables_initializer())
      if weights is not None:
        convert.assign_tf1(sess, weights)
      feed = {inp: x, out: y}
      w0, logits, loss, gr = sess.run(
          [variables, ep["logits"], ep["total_loss"], grads], feed)
      sess.run(ep["train_op"], feed)
      w1 = sess.run(variables)
  as_dict = lambda vals: dict(zip(names, vals))
  return dict(weights=as_dict(w0), logits=logits.reshape(BATCH, TIME, -1),
              loss=loss, grads=as_dict(gr), after=as_dict(w1))


def keras_run(model, layers, layer_weights=None):
  """``tf1_run`` for Keras, on the current Keras backend (gradients by the
  backend's own autodiff, dense: see ``keras_backend``; Keras 3's Adam on
  an ``IndexedSlices`` would square each occurrence of a repeated token
  separately, where TF1 sums them first)."""
  x, y = batch()
  keras.utils.set_random_seed(3)
  net = keras_model.KerasCharRNN(model, VOCAB, HIDDEN, layers)
  if layer_weights is not None:
    convert.set_keras_weights(net, layer_weights)
  w0 = convert.get_keras_weights(net)
  loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
  opt = keras.optimizers.Adam(LR, epsilon=1e-8)
  logits = keras.ops.convert_to_numpy(net.model(x))
  variables = net.model.trainable_variables
  loss, grads = keras_backend.train_step(
      opt, lambda: loss_fn(y, net.model(x)), variables)
  return dict(weights=w0, logits=logits, loss=float(loss),
              grads=_by_layer(net, variables, grads),
              after=convert.get_keras_weights(net))


def _by_layer(net, variables, values):
  out = {}
  for layer in ["embedding", "softmax"] + ["rnn_%d" % k for k in
                                           range(net.num_layers)]:
    ids = [id(w) for w in net.model.get_layer(layer).trainable_weights]
    out[layer] = [keras.ops.convert_to_numpy(
        values[[id(v) for v in variables].index(i)]) for i in ids]
  return out


import keras  # noqa: E402  (after tf, as users do)


def linear_part(fn, grads, zeros):
  """The converters are affine (LSTM adds forget_bias); gradients map
  through their linear part: fn(g) - fn(0)."""
  a, b = fn(grads), fn(zeros)
  if isinstance(a, dict) and isinstance(next(iter(a.values())), list):
    return {k: [x - y for x, y in zip(a[k], b[k])] for k in a}
  return {k: a[k] - b[k] for k in a}


def assert_layers_close(a, b, atol):
  assert sorted(a) == sorted(b)
  for k in a:
    for x, y in zip(a[k], b[k]):
      np.testing.assert_allclose(x, y, rtol=1e-5, atol=atol, err_msg=k)


CASES = [(m, n) for m in ("rnn", "gru", "lstm") for n in (1, 2, 3)]


def assert_keras_matches_tf1(k, t, model, layers):
  """Logits, loss, gradients (through the converter's linear part) and
  weights after one Adam step."""
  np.testing.assert_allclose(k["logits"], t["logits"], rtol=1e-5, atol=1e-5)
  assert abs(k["loss"] - t["loss"]) <= 1e-5 * max(1.0, abs(t["loss"]))
  zeros = {n: np.zeros_like(v) for n, v in t["grads"].items()}
  tf1_grads = linear_part(
      lambda w: convert.tf1_to_keras(w, model, layers), t["grads"], zeros)
  assert_layers_close(k["grads"], tf1_grads, atol=1e-5)
  assert_layers_close(k["after"], convert.tf1_to_keras(t["after"], model,
                                                       layers), atol=1e-5)


@pytest.mark.parametrize("model,layers", CASES)
def test_tf1_to_keras(model, layers):
  t = tf1_run(model, layers)
  converted = convert.tf1_to_keras(t["weights"], model, layers)
  k = keras_run(model, layers, converted)
  assert_keras_matches_tf1(k, t, model, layers)


@pytest.mark.parametrize("model,layers", [("rnn", 2), ("gru", 1),
                                          ("lstm", 3)])
def test_keras_to_tf1(model, layers):
  k = keras_run(model, layers)
  weights = convert.keras_to_tf1(k["weights"], model, layers)
  t = tf1_run(model, layers, weights)
  np.testing.assert_allclose(t["logits"], k["logits"], rtol=1e-5, atol=1e-5)
  back = convert.tf1_to_keras(t["weights"], model, layers)
  assert_layers_close(back, k["weights"], atol=1e-6)


PRIME = [1, 4, 2]


def tf1_greedy(model, layers, weights, length=40):
  with tf.Graph().as_default() as g:
    gen = model_lib.build_generator(model, VOCAB, HIDDEN, layers)
    with v1.Session(graph=g) as sess:
      sess.run(v1.global_variables_initializer())
      convert.assign_tf1(sess, weights)
      return [int(i) for i in sess.run(gen.ids, gen.feed(
          PRIME, length, temperature=0.0))]


def keras_greedy(model, layers, weights, length=40):
  net = keras_model.KerasCharRNN(model, VOCAB, HIDDEN, layers)
  convert.set_keras_weights(net, convert.tf1_to_keras(weights, model,
                                                      layers))
  return net.generate(PRIME, length, temperature=0.0)


@pytest.mark.parametrize("model", ["rnn", "gru", "lstm"])
def test_greedy_text_identical(model):
  layers = 2
  weights = tf1_run(model, layers, seed=5)["weights"]
  keras_ids = keras_greedy(model, layers, weights)
  assert tf1_greedy(model, layers, weights) == keras_ids
  assert len(set(keras_ids)) > 1  # not a degenerate constant sequence


def test_tied_layers_convert_to_copies_and_back():
  t = tf1_run("lstm", 3, tie=True)
  assert sorted(t["weights"]) == sorted(
      convert.tf1_variable_names("lstm", 3, tie_layers=True))
  converted = convert.tf1_to_keras(t["weights"], "lstm", 3, tie_layers=True)
  k = keras_run("lstm", 3, converted)
  np.testing.assert_allclose(k["logits"], t["logits"], rtol=1e-5, atol=1e-5)
  back = convert.keras_to_tf1(k["weights"], "lstm", 3, tie_layers=True)
  for name, value in t["weights"].items():
    np.testing.assert_allclose(back[name], value, atol=1e-6)
  untied = dict(k["weights"])
  untied["rnn_2"] = [w + 1 for w in untied["rnn_2"]]
  with pytest.raises(ValueError, match="rnn_2 differs"):
    convert.keras_to_tf1(untied, "lstm", 3, tie_layers=True)
