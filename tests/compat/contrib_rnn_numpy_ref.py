"""An independent NumPy implementation of the steps of ``tf.contrib.rnn``'s
own cells, written from their equations (not from ``compat``), in float64.

Each factory closes over a cell's weights and returns
``step(x, state) -> (output, new_state)`` for ``numpy_ref.dynamic_rnn``.
``[a, b]`` is concatenation along features; ``LN(v)`` is layer
normalisation over the features: ``gamma (v - mean) / sqrt(var + 1e-12) +
beta``.

  * LayerNormBasicLSTMCell, blocks ``i, j, f, o`` of ``[x, h] W`` (``+ b``
    without layer norm), each ``LN``'d: ``c' = LN_state(c sigmoid(f + fb) +
    sigmoid(i) tanh(j))``, ``h' = tanh(c') sigmoid(o)``.
  * LayerNormLSTMCell: LSTMCell (peepholes, clips, projection) with ``LN``
    on ``i, j, f, o`` (bias unused) and on ``c'`` before the cell clip.
  * CoupledInputForgetGateLSTMCell, blocks ``j, f, o``: ``f_act =
    sigmoid(f + fb [+ wf c])``, ``c' = f_act c + (1 - f_act) tanh(j)``,
    ``m = sigmoid(o [+ wo c']) tanh(c')`` then ``m P`` clipped.
  * NASCell: eight blocks ``a_k = x K_k``, ``b_k = m R_k (+ bias_k)``; layer
    1 ``sig(a0+b0), relu(a1+b1), sig(a2+b2), relu(a3*b3), tanh(a4+b4),
    sig(a5+b5), tanh(a6+b6), sig(a7+b7)``; ``c' = tanh(tanh(l0 l1) + c)
    tanh(l2 + l3)``; ``m' = tanh(c' tanh(tanh(l4 l5) + sig(l6 + l7)))``
    (then ``m' P``).
  * UGRNNCell, blocks ``g, c``: ``g = sigmoid(g + fb)``, ``h' = g h + (1 - g)
    tanh(c)``.
  * IntersectionRNNCell (after the optional input projection ``x Win +
    bin``), blocks ``gh, h, gy, y``: ``h' = gh h + (1 - gh) tanh(h)``, ``y' =
    gy x + (1 - gy) relu(y)`` with ``g = sigmoid(g + fb)``; output ``y'``.
  * IndRNNCell: ``h' = act(x W + u * h + b)``; IndyLSTMCell: LSTM gates
    ``x W + [h, h, h, h] * u + b``.
  * IndyGRUCell, SRUCell: see ``indy_gru_step`` and ``sru_step``.
  * HighwayWrapper: ``t = sigmoid(x Wc + bc)``, ``out = x t + cell_out (1 -
    t)`` (or ``sigmoid(x Wt + bt)`` for the transform when uncoupled).
"""

import numpy as np

from tests.compat.numpy_ref import sigmoid


def layer_norm(v, gamma, beta):
  mean = v.mean(1, keepdims=True)
  var = ((v - mean) ** 2).mean(1, keepdims=True)
  return gamma * (v - mean) / np.sqrt(var + 1e-12) + beta


def layer_norm_basic_lstm_step(kernel, norms, bias=None, forget_bias=1.0):
  """``norms``: ``{part: (gamma, beta)}`` or None (then ``bias``)."""
  ln = (lambda v, part: layer_norm(v, *norms[part])) if norms else (
      lambda v, part: v)

  def step(x, state):
    c, h = state
    z = np.concatenate([x, h], 1) @ kernel
    if bias is not None:
      z = z + bias
    i, j, f, o = np.split(z, 4, axis=1)
    i, j = ln(i, "input"), ln(j, "transform")
    f, o = ln(f, "forget"), ln(o, "output")
    new_c = ln(c * sigmoid(f + forget_bias) + sigmoid(i) * np.tanh(j),
               "state")
    new_h = np.tanh(new_c) * sigmoid(o)
    return new_h, (new_c, new_h)
  return step


def layer_norm_lstm_step(kernel, norms, peepholes=None, cell_clip=None,
                         projection=None, proj_clip=None, forget_bias=1.0):
  def step(x, state):
    c, m = state
    z = np.concatenate([x, m], 1) @ kernel
    i, j, f, o = [layer_norm(g, *norms[p]) for g, p in zip(
        np.split(z, 4, axis=1), ("input", "transform", "forget", "output"))]
    wf, wi, wo = peepholes if peepholes else (0.0, 0.0, 0.0)
    new_c = (sigmoid(f + forget_bias + wf * c) * c +
             sigmoid(i + wi * c) * np.tanh(j))
    new_c = layer_norm(new_c, *norms["state"])
    if cell_clip is not None:
      new_c = np.clip(new_c, -cell_clip, cell_clip)
    new_m = sigmoid(o + wo * new_c) * np.tanh(new_c)
    if projection is not None:
      new_m = new_m @ projection
      if proj_clip is not None:
        new_m = np.clip(new_m, -proj_clip, proj_clip)
    return new_m, (new_c, new_m)
  return step


def cifg_step(kernel, bias, peepholes=None, projection=None, proj_clip=None,
              forget_bias=1.0):
  def step(x, state):
    c, m = state
    j, f, o = np.split(np.concatenate([x, m], 1) @ kernel + bias, 3, axis=1)
    wf, wo = peepholes if peepholes else (0.0, 0.0)
    f_act = sigmoid(f + forget_bias + wf * c)
    new_c = f_act * c + (1 - f_act) * np.tanh(j)
    new_m = sigmoid(o + wo * new_c) * np.tanh(new_c)
    if projection is not None:
      new_m = np.clip(new_m @ projection, -proj_clip, proj_clip) if (
          proj_clip is not None) else new_m @ projection
    return new_m, (new_c, new_m)
  return step


def nas_step(kernel, recurrent_kernel, bias=None, projection=None):
  relu = lambda v: np.maximum(v, 0.0)

  def step(x, state):
    c, m = state
    rec = m @ recurrent_kernel + (0.0 if bias is None else bias)
    a, b = np.split(x @ kernel, 8, axis=1), np.split(rec, 8, axis=1)
    l0, l1 = sigmoid(a[0] + b[0]), relu(a[1] + b[1])
    l2, l3 = sigmoid(a[2] + b[2]), relu(a[3] * b[3])
    l4, l5 = np.tanh(a[4] + b[4]), sigmoid(a[5] + b[5])
    l6, l7 = np.tanh(a[6] + b[6]), sigmoid(a[7] + b[7])
    new_c = np.tanh(np.tanh(l0 * l1) + c) * np.tanh(l2 + l3)
    new_m = np.tanh(new_c * np.tanh(np.tanh(l4 * l5) + sigmoid(l6 + l7)))
    if projection is not None:
      new_m = new_m @ projection
    return new_m, (new_c, new_m)
  return step


def ugrnn_step(kernel, bias, forget_bias=1.0):
  def step(x, h):
    g, c = np.split(np.concatenate([x, h], 1) @ kernel + bias, 2, axis=1)
    g = sigmoid(g + forget_bias)
    new_h = g * h + (1 - g) * np.tanh(c)
    return new_h, new_h
  return step


def intersection_step(kernel, bias, in_projection=None, forget_bias=1.0):
  def step(x, h):
    if in_projection is not None:
      x = x @ in_projection[0] + in_projection[1]
    gh, hh, gy, y = np.split(np.concatenate([x, h], 1) @ kernel + bias, 4,
                             axis=1)
    gh, gy = sigmoid(gh + forget_bias), sigmoid(gy + forget_bias)
    new_h = gh * h + (1 - gh) * np.tanh(hh)
    return gy * x + (1 - gy) * np.maximum(y, 0.0), new_h
  return step


def ind_rnn_step(kernel_w, kernel_u, bias, activation=np.tanh):
  def step(x, h):
    new_h = activation(x @ kernel_w + h * kernel_u + bias)
    return new_h, new_h
  return step


def indy_lstm_step(kernel_w, kernel_u, bias, forget_bias=1.0):
  def step(x, state):
    c, h = state
    z = x @ kernel_w + np.tile(h, [1, 4]) * kernel_u + bias
    i, j, f, o = np.split(z, 4, axis=1)
    new_c = c * sigmoid(f + forget_bias) + sigmoid(i) * np.tanh(j)
    new_h = np.tanh(new_c) * sigmoid(o)
    return new_h, (new_c, new_h)
  return step


def highway_step(inner, carry_w, carry_b, transform=None):
  def step(x, state):
    out, new_state = inner(x, state)
    carry = sigmoid(x @ carry_w + carry_b)
    t = 1 - carry if transform is None else sigmoid(
        x @ transform[0] + transform[1])
    return x * carry + out * t, new_state
  return step


def indy_gru_step(gates, candidate):
  """``gates``/``candidate``: ``(W, u, b)``; ``r, z = sigmoid(x Wg + [h, h]
  * ug + bg)``, ``c = tanh(x Wc + r h * uc + bc)``, ``h' = z h + (1 - z)
  c``."""
  def step(x, h):
    r, z = np.split(sigmoid(x @ gates[0] + np.tile(h, [1, 2]) * gates[1] +
                            gates[2]), 2, axis=1)
    c = np.tanh(x @ candidate[0] + r * h * candidate[1] + candidate[2])
    new_h = z * h + (1 - z) * c
    return new_h, new_h
  return step


def sru_step(kernel, bias):
  """Blocks ``x_bar, f, r, x_tx`` of ``x W``; ``f, r = sigmoid(. + b)``;
  ``c' = f c + (1 - f) x_bar``; output ``r tanh(c') + (1 - r) x_tx``."""
  def step(x, c):
    x_bar, f, r, x_tx = np.split(x @ kernel, 4, axis=1)
    f, r = np.split(sigmoid(np.concatenate([f, r], 1) + bias), 2, axis=1)
    new_c = f * c + (1 - f) * x_bar
    return r * np.tanh(new_c) + (1 - r) * x_tx, new_c
  return step
