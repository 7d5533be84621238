"""TF1 next_char graph vs the Keras 3 model on converted weights.

For rnn/gru/lstm, with and without ``--bidirectional``: same probabilities
(<= 1e-5) on full windows (TF1 without a ``lengths`` feed vs the seed's
unmasked Sequential) and on a batch mixing a full and right-padded short
windows (``sequence_length`` in TF1, a mask in Keras); on that batch the
same loss, gradients and weights after one Adam step; converting TF1 ->
Keras and Keras -> TF1; identical greedy text.
"""

import numpy as np
import pytest

from tests.next_char import helpers as h
from tf1_models.next_char import convert, model as model_lib

import tensorflow as tf

v1 = tf.compat.v1

CELLS = ("rnn", "gru", "lstm")
CASES = [(c, bi) for c in CELLS for bi in (False, True)]


def _data():
  return h.batch(h.MASKED_LENGTHS)


def assert_tf1_close(a, b, atol, what):
  assert sorted(a) == sorted(b)
  for name in a:
    np.testing.assert_allclose(a[name], b[name], rtol=1e-5, atol=atol,
                               err_msg="%s %s" % (what, name))


@pytest.mark.parametrize("cell,bidirectional", CASES)
def test_tf1_to_keras(cell, bidirectional):
  data = _data()
  full_x = h.batch(seed=7)[0]
  t = h.tf1_run(cell, bidirectional, data, full_x=full_x)
  k = h.keras_run(cell, bidirectional, data,
                  convert.tf1_to_keras(t["weights"], cell, bidirectional),
                  full_x=full_x)
  assert_keras_matches_tf1(k, t, cell, bidirectional)


def assert_keras_matches_tf1(k, t, cell, bidirectional):
  """Masked and full-window probabilities, loss, gradients, one Adam step."""
  np.testing.assert_allclose(k["probs"], t["probs"], rtol=1e-5, atol=1e-5)
  np.testing.assert_allclose(k["probs_full"], t["probs_full"],
                             rtol=1e-5, atol=1e-5)
  assert abs(k["loss"] - t["loss"]) <= 1e-5 * max(1.0, abs(t["loss"]))
  # Gradients map through the converter's linear part (LSTM adds a bias).
  to_tf1 = lambda w: convert.keras_to_tf1(w, cell, bidirectional)
  zeros = {n: [np.zeros_like(a) for a in v] for n, v in k["grads"].items()}
  kg, k0 = to_tf1(k["grads"]), to_tf1(zeros)
  assert_tf1_close({n: kg[n] - k0[n] for n in kg}, t["grads"], 1e-5, "grad")
  # One Adam step moved the weights (by ~LR) and moved them the same way.
  moved = max(np.abs(t["after"][n] - t["weights"][n]).max()
              for n in t["weights"])
  assert moved > 0.5 * h.LR
  assert_tf1_close(to_tf1(k["after"]), t["after"], 1e-5, "after Adam")


@pytest.mark.parametrize("cell,bidirectional", [("rnn", False),
                                                ("lstm", True)])
def test_keras_to_tf1(cell, bidirectional):
  data = _data()
  net = h.keras_net(cell, bidirectional)
  keras_weights = convert.get_keras_weights(net)
  t = h.tf1_run(cell, bidirectional, data,
                convert.keras_to_tf1(keras_weights, cell, bidirectional))
  x, lengths, _ = data
  np.testing.assert_allclose(t["probs"], net.masked_model([x, lengths]),
                             rtol=1e-5, atol=1e-5)
  back = convert.tf1_to_keras(t["weights"], cell, bidirectional)
  for name in keras_weights:
    for a, b in zip(back[name], keras_weights[name]):
      np.testing.assert_allclose(a, b, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("cell,bidirectional", [("rnn", False),
                                                ("gru", True),
                                                ("lstm", True)])
def test_greedy_text_identical(cell, bidirectional):
  """The prime (3 ids) is shorter than the window (8) and the 30 generated
  ids slide it: masked, full and sliding windows all agree."""
  keras_weights = greedy_weights(cell, bidirectional)
  keras_ids = keras_greedy(cell, bidirectional, keras_weights)
  assert tf1_greedy(cell, bidirectional, keras_weights) == keras_ids
  assert len(set(keras_ids)) > 1  # not a degenerate constant sequence


PRIME = [1, 4, 2]


def greedy_weights(cell, bidirectional):
  """Keras's initialisers give constant greedy text on a model this small;
  wide random weights give a sequence that can tell two models apart."""
  net = h.keras_net(cell, bidirectional)
  rng = np.random.RandomState(1)
  return {name: [rng.normal(0, 2.0, a.shape).astype(np.float32)
                 for a in arrays] for name, arrays in
          convert.get_keras_weights(net).items()}


def keras_greedy(cell, bidirectional, keras_weights, length=30):
  net = h.keras_net(cell, bidirectional, keras_weights)
  return [int(i) for i in net.generate(PRIME, length, temperature=0.0)]


def tf1_greedy(cell, bidirectional, keras_weights, length=30):
  weights = convert.keras_to_tf1(keras_weights, cell, bidirectional)
  with tf.Graph().as_default() as g:
    gen, _ = model_lib.build_generator(h.VOCAB, cell, bidirectional, h.EMB,
                                       h.HIDDEN, h.TIME)
    with v1.Session(graph=g) as sess:
      sess.run(v1.global_variables_initializer())
      convert.assign_tf1(sess, weights)
      return [int(i) for i in sess.run(gen.ids, gen.feed(
          PRIME, length, temperature=0.0))]
