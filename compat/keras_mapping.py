"""TF1 cell weights <-> Keras 3 recurrent layer weights (pure NumPy).

The migration table, one function pair per cell:

=====================  ==========================  ==============================
TF1 cell               Keras 3 layer               what changes
=====================  ==========================  ==============================
BasicRNNCell           SimpleRNN                   ``kernel [in+u, u]`` splits
                                                   into ``kernel [in, u]`` and
                                                   ``recurrent_kernel [u, u]``
GRUCell                GRU(reset_after=False)      gate blocks ``r, u`` +
                                                   ``candidate`` become Keras's
                                                   ``z, r, h`` (TF1's u is z)
BasicLSTMCell,         LSTM(unit_forget_bias       gate blocks ``i, j, f, o``
LSTMCell (no peep/     irrelevant: weights set)    become ``i, f, c, o``;
proj), LSTMBlockCell                               ``forget_bias`` (added at run
                                                   time in TF1) is folded into
                                                   the Keras bias
=====================  ==========================  ==============================

Keras's GRU default is ``reset_after=True`` (CuDNN-style, reset applied after
the recurrent matmul, two bias rows): it is a different function, so TF1 GRU
weights map only onto ``reset_after=False``.
"""

import numpy as np


def _split_rows(kernel, input_depth):
  kernel = np.asarray(kernel)
  if kernel.shape[0] <= input_depth:
    raise ValueError("kernel with %d rows cannot hold %d input rows plus a "
                     "recurrent block" % (kernel.shape[0], input_depth))
  return kernel[:input_depth], kernel[input_depth:]


def _blocks(a, n):
  return np.split(np.asarray(a), n, axis=-1)


def basic_rnn_to_keras(kernel, bias, input_depth):
  """TF1 BasicRNNCell ``(kernel, bias)`` -> SimpleRNN ``[kernel,
  recurrent_kernel, bias]``."""
  k, r = _split_rows(kernel, input_depth)
  return [k, r, np.asarray(bias)]


def keras_to_basic_rnn(weights):
  """SimpleRNN ``[kernel, recurrent_kernel, bias]`` -> ``(kernel, bias)``."""
  k, r, b = weights
  return np.concatenate([k, r], 0), np.asarray(b)


def gru_to_keras(gate_kernel, gate_bias, candidate_kernel, candidate_bias,
                 input_depth):
  """TF1 GRUCell -> Keras GRU(reset_after=False) ``[kernel,
  recurrent_kernel, bias]`` with Keras's ``z, r, h`` column order."""
  gk, gr = _split_rows(gate_kernel, input_depth)
  ck, cr = _split_rows(candidate_kernel, input_depth)
  r_k, u_k = _blocks(gk, 2)
  r_r, u_r = _blocks(gr, 2)
  r_b, u_b = _blocks(gate_bias, 2)
  kernel = np.concatenate([u_k, r_k, ck], 1)
  recurrent = np.concatenate([u_r, r_r, cr], 1)
  bias = np.concatenate([u_b, r_b, np.asarray(candidate_bias)], 0)
  return [kernel, recurrent, bias]


def keras_to_gru(weights):
  """Keras GRU(reset_after=False) weights -> TF1 ``(gate_kernel, gate_bias,
  candidate_kernel, candidate_bias)``."""
  kernel, recurrent, bias = weights
  bias = np.asarray(bias)
  if bias.ndim != 1:
    raise ValueError("this GRU has a 2-row bias: it was built with "
                     "reset_after=True, which TF1's GRUCell cannot express; "
                     "use keras.layers.GRU(..., reset_after=False)")
  z_k, r_k, h_k = _blocks(kernel, 3)
  z_r, r_r, h_r = _blocks(recurrent, 3)
  z_b, r_b, h_b = _blocks(bias, 3)
  gate_kernel = np.concatenate([np.concatenate([r_k, z_k], 1),
                                np.concatenate([r_r, z_r], 1)], 0)
  candidate_kernel = np.concatenate([h_k, h_r], 0)
  return gate_kernel, np.concatenate([r_b, z_b]), candidate_kernel, h_b


def lstm_to_keras(kernel, bias, input_depth, forget_bias=1.0):
  """TF1 LSTM ``(kernel, bias)`` in ``i, j, f, o`` order -> Keras LSTM
  ``[kernel, recurrent_kernel, bias]`` in ``i, f, c, o`` order, with
  ``forget_bias`` added into the forget block of the bias."""
  k, r = _split_rows(kernel, input_depth)

  def reorder(a):
    i, j, f, o = _blocks(a, 4)
    return np.concatenate([i, f, j, o], -1)

  i, j, f, o = _blocks(bias, 4)
  keras_bias = np.concatenate([i, f + np.asarray(forget_bias, f.dtype), j, o])
  return [reorder(k), reorder(r), keras_bias]


def keras_to_lstm(weights, forget_bias=1.0):
  """Keras LSTM weights -> TF1 ``(kernel, bias)``; ``forget_bias`` is taken
  back out of the bias (TF1 adds it at run time)."""
  kernel, recurrent, bias = weights

  def reorder(a):
    i, f, c, o = _blocks(a, 4)
    return np.concatenate([i, c, f, o], -1)

  i, f, c, o = _blocks(bias, 4)
  tf1_bias = np.concatenate([i, c, f - np.asarray(forget_bias, f.dtype), o])
  return np.concatenate([reorder(kernel), reorder(recurrent)], 0), tf1_bias
