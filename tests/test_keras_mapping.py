"""Every TF1 cell next to its Keras 3 layer, on the same (mapped) weights.

The migration table of ``compat.keras_mapping``, proved: each TF1 cell run by
``dynamic_rnn`` gives the outputs and final state of its Keras layer, and the
mapping round-trips exactly.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import compat
from compat import keras_mapping

v1 = tf.compat.v1

BATCH, TIME, DEPTH, UNITS = 2, 5, 3, 4


def inputs():
  return np.sin(np.arange(BATCH * TIME * DEPTH, dtype=np.float32)).reshape(
      BATCH, TIME, DEPTH)


def run_tf1(make_cell):
  """Outputs, final state and ``{variable suffix: value}`` of a TF1 cell."""
  with tf.Graph().as_default() as g:
    v1.set_random_seed(0)
    cell = make_cell()
    out, state = v1.nn.dynamic_rnn(cell, tf.constant(inputs()),
                                   dtype=tf.float32)
    variables = cell.variables
    with v1.Session(graph=g) as sess:
      # Non-zero biases, so the mapping of bias blocks is exercised too.
      sess.run(v1.global_variables_initializer())
      for var in variables:
        if "bias" in var.op.name:
          var.load(np.linspace(-0.5, 0.5, var.shape[0]).astype(np.float32),
                   sess)
      out, state, values = sess.run([out, state, variables])
  names = [v.op.name[len("rnn/"):] for v in variables]
  return out, state, dict(zip(names, values))


def run_keras(layer, weights):
  layer.build((BATCH, TIME, DEPTH))
  layer.set_weights(weights)
  out, *state = layer(inputs())
  return np.asarray(out), [np.asarray(s) for s in state]


def close(a, b):
  np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_basic_rnn_cell_is_simple_rnn():
  out, state, w = run_tf1(lambda: compat.BasicRNNCell(UNITS))
  kw = keras_mapping.basic_rnn_to_keras(w["basic_rnn_cell/kernel"],
                                        w["basic_rnn_cell/bias"], DEPTH)
  k_out, k_state = run_keras(keras.layers.SimpleRNN(
      UNITS, return_sequences=True, return_state=True), kw)
  close(k_out, out)
  close(k_state[0], state)
  back = keras_mapping.keras_to_basic_rnn(kw)
  np.testing.assert_array_equal(back[0], w["basic_rnn_cell/kernel"])


def test_gru_cell_is_gru_reset_after_false():
  out, state, w = run_tf1(lambda: compat.GRUCell(UNITS))
  p = "gru_cell/"
  kw = keras_mapping.gru_to_keras(w[p + "gates/kernel"], w[p + "gates/bias"],
                                  w[p + "candidate/kernel"],
                                  w[p + "candidate/bias"], DEPTH)
  k_out, k_state = run_keras(keras.layers.GRU(
      UNITS, reset_after=False, return_sequences=True, return_state=True), kw)
  close(k_out, out)
  close(k_state[0], state)
  for got, want in zip(keras_mapping.keras_to_gru(kw),
                       [w[p + n] for n in ("gates/kernel", "gates/bias",
                                           "candidate/kernel",
                                           "candidate/bias")]):
    np.testing.assert_array_equal(got, want)


def test_keras_default_gru_cannot_become_a_tf1_gru_cell():
  layer = keras.layers.GRU(UNITS)  # reset_after=True: a 2-row bias
  layer.build((BATCH, TIME, DEPTH))
  with pytest.raises(ValueError, match="reset_after=True"):
    keras_mapping.keras_to_gru(layer.get_weights())


@pytest.mark.parametrize("make_cell,scope,forget_bias", [
    (lambda: compat.BasicLSTMCell(UNITS), "basic_lstm_cell", 1.0),
    (lambda: compat.BasicLSTMCell(UNITS, forget_bias=0.5), "basic_lstm_cell",
     0.5),
    (lambda: compat.LSTMCell(UNITS), "lstm_cell", 1.0),
    (lambda: compat.LSTMBlockCell(UNITS, forget_bias=0.0), "lstm_cell", 0.0),
])
def test_lstm_cells_are_keras_lstm(make_cell, scope, forget_bias):
  out, state, w = run_tf1(make_cell)
  kernel, bias = w[scope + "/kernel"], w[scope + "/bias"]
  kw = keras_mapping.lstm_to_keras(kernel, bias, DEPTH, forget_bias)
  k_out, (k_h, k_c) = run_keras(keras.layers.LSTM(
      UNITS, return_sequences=True, return_state=True), kw)
  close(k_out, out)
  close(k_c, state.c)
  close(k_h, state.h)
  back_kernel, back_bias = keras_mapping.keras_to_lstm(kw, forget_bias)
  np.testing.assert_array_equal(back_kernel, kernel)
  np.testing.assert_allclose(back_bias, bias, atol=1e-7)
  # The forget block of the Keras bias carries forget_bias.
  f_block = slice(UNITS, 2 * UNITS)
  close(kw[2][f_block], bias[2 * UNITS:3 * UNITS] + forget_bias)


def test_kernel_too_small_for_the_input_depth_is_refused():
  with pytest.raises(ValueError, match="cannot hold 3 input rows"):
    keras_mapping.lstm_to_keras(np.zeros((3, 16)), np.zeros(16), 3)
