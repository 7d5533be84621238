"""The text8_lstm TF1 graphs vs each other and vs their Keras 3 rewrite.

* ``separate`` == ``fused`` on the same weights: bit for bit the same
  training logits over consecutive stateful batches, carried state and
  first loss; validation perplexity, gradients and weights after SGD steps
  equal up to float rounding (<= 1e-6: some kernels sum the same products
  in another order at another width).
* TF1 -> Keras (one stateful ``keras.layers.LSTM``, gate blocks i, f, c, o
  as they are, no forget bias; bigram: Embedding + Dropout + LSTM): logits
  <= 1e-5 over three consecutive stateful batches and the carried state,
  loss, gradients, three SGD steps with global-norm clipping active and the
  staircase decay crossing a boundary, validation perplexity equal to 4
  significant digits, identical greedy text from the same prime.
* Keras -> TF1 gives the weights back.

Each variant's TF1 graph and Keras model are built once (module fixture).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.text8_lstm import helpers as H
from tf1_models import keras_backend
from tf1_models.text8_lstm import convert, keras_model, runner
from tf1_models.text8_lstm import data as data_lib

v1 = tf.compat.v1

CLIP = 0.2  # below the gradient norms of the random weights: clipping acts
DECAY_STEPS = 2  # the third step runs at learning rate 1, not 10
STEPS = 3


def _init_and_assign(graph, weights):
  with graph.as_default():
    init = v1.global_variables_initializer()
  sess = v1.Session(graph=graph)
  sess.run(init)
  initial = H.model_weights(sess, _variant(graph))
  with graph.as_default():
    convert.assign_tf1(sess, weights)
  return sess, initial


def _variant(graph):
  names = {op.name for op in graph.get_operations()}
  if "embeddings" in names:
    return "bigram"
  return "fused" if "input_weights" in names else "separate"


def tf1_reference(variant, weights, data):
  """Everything the tests compare, from one graph and two sessions."""
  graph, g = H.build(variant, decay_steps=DECAY_STEPS, clip_norm=CLIP,
                     with_generator=False)
  with graph.as_default():
    grads = [tf.convert_to_tensor(x)
             for x in tf.gradients(g.loss, g.model_variables)]
  names = [v.op.name for v in g.model_variables]
  out = {}
  sess, out["initial"] = _init_and_assign(graph, weights)
  with graph.as_default():
    out["logits"] = [H.time_major_to_batch(sess.run(g.logits, runner.feed_for(
        g, variant, data, s))) for s in range(STEPS)]
    out["states"] = sess.run(list(g.state_variables))
    out["val"] = runner.validation_perplexity(sess, g, variant, data.valid)
  sess.close()
  sess, _ = _init_and_assign(graph, weights)
  losses, norms, rates = [], [], []
  for s in range(STEPS):
    fetched = sess.run({"train": g.train_op, "loss": g.loss,
                        "norm": g.global_norm, "lr": g.learning_rate,
                        "grads": grads}, runner.feed_for(g, variant, data, s))
    if s == 0:  # the same forward pass as the update: zero state
      out["grads"] = dict(zip(names, fetched["grads"]))
    losses.append(fetched["loss"])
    norms.append(fetched["norm"])
    rates.append(fetched["lr"])
  out.update(losses=losses, norms=norms, rates=rates,
             after=H.model_weights(sess, variant))
  sess.close()
  return out


def keras_gradients(k, x, y):
  """Loss and gradients by layer, on the current Keras backend."""
  loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
  layers = [l for l in k.model.layers if l.trainable_weights]
  variables = [w for l in layers for w in l.trainable_weights]
  loss, flat = keras_backend.value_and_grad(
      lambda: loss_fn(y, k.model(x, training=True)), variables)
  by_layer, i = {}, 0
  for l in layers:
    n = len(l.trainable_weights)
    by_layer[l.name] = [keras.ops.convert_to_numpy(t) for t in flat[i:i + n]]
    i += n
  return float(loss), by_layer


def keras_reference(variant, weights, data):
  k = H.keras_for(variant, weights)
  out = {"logits": []}
  for s in range(STEPS):
    x, _ = k.batch(data, s)
    out["logits"].append(keras.ops.convert_to_numpy(k.model(x,
                                                            training=False)))
  out["states"] = [keras.ops.convert_to_numpy(s) for s in k.lstm.states]
  out["val"] = k.validation_perplexity(data.valid)
  k.lstm.reset_state()
  loss, grads = keras_gradients(k, *k.batch(data, 0))
  out["loss0"] = loss
  out["grads"] = convert.keras_to_tf1(grads, variant)
  k.lstm.reset_state()
  k.compile(decay_steps=DECAY_STEPS, clip_norm=CLIP)
  out["losses"] = [k.train_on_batch(*k.batch(data, s))
                   for s in range(STEPS)]
  out["after"] = convert.keras_to_tf1(convert.get_keras_weights(k), variant)
  return out


@pytest.fixture(scope="module")
def data():
  return H.tiny_data()


@pytest.fixture(scope="module")
def weights():
  separate = H.random_weights("separate")
  return {"separate": separate,
          "fused": convert.separate_to_fused(separate),
          "bigram": H.random_weights("bigram")}


@pytest.fixture(scope="module")
def tf1(data, weights):
  return {v: tf1_reference(v, weights[v], data) for v in weights}


def test_separate_equals_fused_on_the_same_weights(tf1):
  """The training forward pass is bit for bit the same: every gate
  pre-activation is the same dot product in both graphs. Elsewhere the
  kernels may sum in another order, so values agree to float32 rounding:
  the batch-1 validation cell (a matrix-vector product whose blocking
  depends on the width) and the backward pass (one matmul over 4H for the
  recurrent gradient vs four over H, added)."""
  s, f = tf1["separate"], tf1["fused"]
  for a, b in zip(s["logits"] + s["states"], f["logits"] + f["states"]):
    np.testing.assert_array_equal(a, b)
  np.testing.assert_allclose(s["val"], f["val"], rtol=1e-6)
  assert s["losses"][0] == f["losses"][0]
  np.testing.assert_allclose(s["losses"], f["losses"], rtol=1e-6)
  for key, atol in (("grads", 1e-7), ("after", 1e-6)):
    mapped = convert.separate_to_fused(s[key])
    assert set(mapped) == set(f[key])
    for name in mapped:
      np.testing.assert_allclose(mapped[name], f[key][name], atol=atol,
                                 rtol=1e-5, err_msg=name)


def test_same_seed_gives_fused_the_separate_initial_weights(tf1):
  want = convert.separate_to_fused(tf1["separate"]["initial"])
  got = tf1["fused"]["initial"]
  for name in got:
    np.testing.assert_array_equal(want[name], got[name], err_msg=name)


def test_notebook_initialisers(tf1):
  """Matrices truncated_normal(mean -0.1, stddev 0.1); biases zeros."""
  w = tf1["separate"]["initial"]
  biases = [g + "b" for g in "ifco"] + ["b"]
  for name, value in w.items():
    if name in biases:
      assert not value.any(), name
    else:  # truncated at two stddevs around -0.1
      assert value.min() >= -0.3 and value.max() <= 0.1, name
  matrices = np.concatenate([w[n].ravel() for n in w if n not in biases])
  assert abs(matrices.mean() + 0.1) < 0.01
  assert abs(matrices.std() - 0.088) < 0.01  # 0.1 truncated at 2 sigma
  assert w["ix"].shape == (27, H.NODES) and w["im"].shape == (H.NODES,
                                                              H.NODES)
  assert w["ib"].shape == (1, H.NODES) and w["w"].shape == (H.NODES, 27)


@pytest.mark.parametrize("variant", ["separate", "fused", "bigram"])
def test_keras_matches_tf1(variant, tf1, weights, data):
  assert_keras_matches_tf1(
      keras_reference(variant, weights[variant], data), tf1[variant],
      weights[variant])


def assert_keras_matches_tf1(got, want, weights, step_rtol=1e-5,
                             step_atol=1e-5):
  """``step_rtol``/``step_atol``: for the losses and weights after the
  clipped SGD steps (see ``tests/backend_cases.py`` for the one case that
  needs them wider)."""
  # logits over consecutive stateful batches, and the carried h, c
  for a, b in zip(got["logits"], want["logits"]):
    np.testing.assert_allclose(a, b, atol=1e-5, rtol=0)
  for a, b in zip(got["states"], want["states"]):
    np.testing.assert_allclose(a, b, atol=1e-5, rtol=0)
  # loss and gradients from a zero state
  np.testing.assert_allclose(got["loss0"], want["losses"][0], rtol=1e-6)
  assert set(got["grads"]) == set(want["grads"])
  for name in want["grads"]:
    np.testing.assert_allclose(got["grads"][name], want["grads"][name],
                               atol=1e-6, rtol=1e-5, err_msg=name)
  # SGD steps with clipping active and a decay boundary crossed
  assert min(want["norms"]) > CLIP
  assert list(want["rates"]) == [10.0, 10.0, 1.0]
  np.testing.assert_allclose(got["losses"], want["losses"], rtol=step_rtol)
  for name in want["after"]:
    np.testing.assert_allclose(got["after"][name], want["after"][name],
                               atol=step_atol, err_msg=name)
    assert not np.array_equal(want["after"][name], weights[name])
  # the notebook's validation perplexity
  assert "%.4g" % got["val"] == "%.4g" % want["val"]
  np.testing.assert_allclose(got["val"], want["val"], rtol=1e-5)


@pytest.mark.parametrize("variant", ["separate", "fused", "bigram"])
def test_greedy_text_identical(variant):
  """The notebook's sampling with feedback at temperature 0: TF1's in-graph
  loop and Keras's eager loop pick the same characters. (Large random
  weights: at small ones a 5-node model repeats one character.)"""
  w = greedy_weights(variant)
  k_ids = keras_greedy(variant, w)
  assert tf1_greedy(variant, w) == k_ids
  assert len(set(k_ids)) > 1  # not a constant sequence


PRIME = "the qu"


def greedy_weights(variant):
  w = H.random_weights("bigram" if variant == "bigram" else "separate",
                       seed=5, scale=3.0)
  return convert.separate_to_fused(w) if variant == "fused" else w


def tf1_greedy(variant, w, length=40):
  prime = data_lib.vocabulary().encode(PRIME, "prime")
  sess, g = H.session(variant, w)
  with sess.graph.as_default():
    ids = sess.run(g.generator.ids, g.generator.feed(prime, length, 0.0, 0))
  sess.close()
  return [int(i) for i in ids]


def keras_greedy(variant, w, length=40):
  prime = data_lib.vocabulary().encode(PRIME, "prime")
  return [int(i) for i in H.keras_for(variant, w).generate(
      prime, length, temperature=0.0)]


@pytest.mark.parametrize("variant", ["separate", "bigram"])
def test_keras_to_tf1_round_trip(variant, tf1):
  keras.utils.set_random_seed(4)
  fresh = keras_model.KerasText8LSTM(variant, H.NODES, H.BATCH, H.EMBED)
  back = convert.keras_to_tf1(convert.get_keras_weights(fresh), variant)
  shapes = {n: np.shape(v) for n, v in tf1[variant]["initial"].items()}
  assert {n: np.shape(v) for n, v in back.items()} == shapes
  k = H.keras_for(variant, back)
  for a, b in zip(k.model.get_weights(), fresh.model.get_weights()):
    np.testing.assert_array_equal(a, b)


def test_bigram_dropout_acts_in_training_only(tf1, weights, data):
  w = weights["bigram"]
  sess, g = H.session("bigram", w, keep_prob=0.5, with_generator=False)
  with sess.graph.as_default():
    logits = H.time_major_to_batch(sess.run(
        g.logits, runner.feed_for(g, "bigram", data, 0)))
    assert not np.allclose(logits, tf1["bigram"]["logits"][0], atol=1e-3)
    # validation (and sampling) run the batch-1 cell without dropout
    assert runner.validation_perplexity(
        sess, g, "bigram", data.valid) == tf1["bigram"]["val"]
  k = H.keras_for("bigram", w, keep_prob=0.5)
  x, _ = k.batch(data, 0)
  train_logits = np.asarray(k.model(x, training=True))
  k.lstm.reset_state()
  infer_logits = np.asarray(k.model(x, training=False))
  assert not np.allclose(train_logits, infer_logits, atol=1e-3)
  np.testing.assert_allclose(infer_logits, tf1["bigram"]["logits"][0],
                             atol=1e-5)
