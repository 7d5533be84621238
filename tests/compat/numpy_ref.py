"""An independent NumPy implementation of TF1's RNN cells and drivers.

Written from the equations (not from ``compat``), in float64, for
``test_numpy_reference.py``. States are plain tuples; an LSTM state is
``(c, h)``. A *step* is ``step(x, state) -> (output, new_state)``; the
``*_step`` factories below close over a cell's weights.

Equations (``[x, h]`` is concatenation along the feature axis; gate blocks are
column slices of one kernel, in the order given):

  * BasicRNNCell: ``h' = act([x, h] W + b)``; output ``h'``.
  * GRUCell: ``r, u = sigmoid([x, h] Wg + bg)``;
    ``c = act([x, r * h] Wc + bc)``; ``h' = u * h + (1 - u) * c``.
  * BasicLSTMCell / LSTMCell, blocks ``i, j, f, o``:
    ``c' = sigmoid(f + forget_bias [+ wf * c]) * c
           + sigmoid(i [+ wi * c]) * act(j)``, then ``c'`` clipped to
    ``[-cell_clip, cell_clip]``; ``m = sigmoid(o [+ wo * c']) * act(c')``;
    with a projection ``m = m P`` clipped to ``[-proj_clip, proj_clip]``.
    Output ``m``, state ``(c', m)``.
  * MultiRNNCell: layer k feeds layer k+1; state is the tuple of layer states.
  * dynamic_rnn / static_rnn with ``sequence_length``: at step t, batch rows
    with ``t >= length`` output zeros and keep their previous state.
  * bidirectional: the backward cell reads each sequence reversed within its
    length (padding stays in place); its outputs are reversed back.
"""

import numpy as np


def sigmoid(x):
  return 1.0 / (1.0 + np.exp(-x))


def map_state(fn, *states):
  """Apply ``fn`` to matching leaves of nested tuples of arrays."""
  first = states[0]
  if isinstance(first, tuple):
    return tuple(map_state(fn, *parts) for parts in zip(*states))
  return fn(*states)


def flat(structure):
  """The leaves of nested tuples/lists, in order."""
  if isinstance(structure, (tuple, list)):
    return [leaf for item in structure for leaf in flat(item)]
  return [structure]


# ---------------------------------------------------------------------------
# Cells.


def basic_rnn_step(kernel, bias, activation=np.tanh):
  def step(x, h):
    new_h = activation(np.concatenate([x, h], 1) @ kernel + bias)
    return new_h, new_h
  return step


def gru_step(gate_kernel, gate_bias, cand_kernel, cand_bias,
             activation=np.tanh):
  def step(x, h):
    gates = sigmoid(np.concatenate([x, h], 1) @ gate_kernel + gate_bias)
    r, u = np.split(gates, 2, axis=1)
    c = activation(np.concatenate([x, r * h], 1) @ cand_kernel + cand_bias)
    new_h = u * h + (1.0 - u) * c
    return new_h, new_h
  return step


def lstm_step(kernel, bias, forget_bias=1.0, peepholes=None, cell_clip=None,
              projection=None, proj_clip=None, activation=np.tanh,
              state_is_tuple=True, num_units=None):
  """LSTM step; ``peepholes = (w_f, w_i, w_o)``. With ``state_is_tuple=False``
  the state is ``concat([c, h], 1)`` and ``num_units`` says where c ends."""
  def step(x, state):
    if state_is_tuple:
      c, h = state
    else:
      c, h = state[:, :num_units], state[:, num_units:]
    i, j, f, o = np.split(np.concatenate([x, h], 1) @ kernel + bias, 4, 1)
    if peepholes is not None:
      w_f, w_i, w_o = peepholes
      new_c = (sigmoid(f + forget_bias + w_f * c) * c +
               sigmoid(i + w_i * c) * activation(j))
    else:
      new_c = sigmoid(f + forget_bias) * c + sigmoid(i) * activation(j)
    if cell_clip is not None:
      new_c = np.clip(new_c, -cell_clip, cell_clip)
    if peepholes is not None:
      m = sigmoid(o + w_o * new_c) * activation(new_c)
    else:
      m = sigmoid(o) * activation(new_c)
    if projection is not None:
      m = m @ projection
      if proj_clip is not None:
        m = np.clip(m, -proj_clip, proj_clip)
    if state_is_tuple:
      return m, (new_c, m)
    return m, np.concatenate([new_c, m], 1)
  return step


def multi_step(steps, state_is_tuple=True, state_sizes=None):
  """Stacked cells. With ``state_is_tuple=False`` the state is the
  concatenation of the layers' states, of widths ``state_sizes``."""
  def step(x, state):
    if state_is_tuple:
      parts = state
    else:
      bounds = np.cumsum([0] + list(state_sizes))
      parts = [state[:, a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    new_states = []
    for layer_step, layer_state in zip(steps, parts):
      x, new_state = layer_step(x, layer_state)
      new_states.append(new_state)
    if state_is_tuple:
      return x, tuple(new_states)
    return x, np.concatenate(new_states, 1)
  return step


def residual_step(inner, residual_fn=lambda i, o: i + o):
  def step(x, state):
    out, new_state = inner(x, state)
    return residual_fn(x, out), new_state
  return step


def input_projection_step(inner, kernel, bias, activation=None):
  def step(x, state):
    projected = x @ kernel + bias
    if activation is not None:
      projected = activation(projected)
    return inner(projected, state)
  return step


def output_projection_step(inner, kernel, bias, activation=None):
  def step(x, state):
    out, new_state = inner(x, state)
    projected = out @ kernel + bias
    if activation is not None:
      projected = activation(projected)
    return projected, new_state
  return step


def dense(x, kernel, bias=None, activation=None):
  y = np.tensordot(x, kernel, [[x.ndim - 1], [0]])
  if bias is not None:
    y = y + bias
  return activation(y) if activation is not None else y


# ---------------------------------------------------------------------------
# Drivers.


def dynamic_rnn(step, x, state, sequence_length=None, time_major=False):
  """Run ``step`` over time. Returns ``(outputs, final_state)``; outputs are
  ``[batch, time, out]`` (``[time, batch, out]`` if ``time_major``)."""
  if time_major:
    x = np.swapaxes(x, 0, 1)
  batch, steps = x.shape[0], x.shape[1]
  lengths = (np.full(batch, steps) if sequence_length is None
             else np.asarray(sequence_length))
  outputs = []
  for t in range(steps):
    out, new_state = step(x[:, t], state)
    alive = (t < lengths)[:, None]
    outputs.append(np.where(alive, out, 0.0))
    state = map_state(lambda new, old: np.where(alive, new, old),
                      new_state, state)
  outputs = np.stack(outputs, 1)
  if time_major:
    outputs = np.swapaxes(outputs, 0, 1)
  return outputs, state


def static_rnn(step, inputs, state, sequence_length=None):
  """``inputs``: a list of ``[batch, depth]`` arrays. Same semantics."""
  outputs, state = dynamic_rnn(step, np.stack(inputs, 1), state,
                               sequence_length)
  return [outputs[:, t] for t in range(outputs.shape[1])], state


def reverse_by_length(x, lengths):
  """Reverse each row's first ``lengths[b]`` steps (``x``: [batch, time,
  ...]); later steps stay where they are."""
  out = x.copy()
  for b, n in enumerate(lengths):
    out[b, :n] = x[b, :n][::-1]
  return out


def bidirectional_dynamic_rnn(step_fw, step_bw, x, state_fw, state_bw,
                              sequence_length=None):
  batch, steps = x.shape[0], x.shape[1]
  lengths = (np.full(batch, steps) if sequence_length is None
             else np.asarray(sequence_length))
  out_fw, final_fw = dynamic_rnn(step_fw, x, state_fw, lengths)
  out_bw, final_bw = dynamic_rnn(step_bw, reverse_by_length(x, lengths),
                                 state_bw, lengths)
  return (out_fw, reverse_by_length(out_bw, lengths)), (final_fw, final_bw)


# ---------------------------------------------------------------------------
# Loss and finite differences.


def loss_weights(shape, k):
  """The weights of output ``k`` in the scalar loss (as in cases.py)."""
  n = int(np.prod(shape))
  return np.cos(np.arange(n) * 0.37 + 0.5 * k).reshape(shape)


def weighted_loss(structure):
  return sum(np.sum(t * loss_weights(t.shape, k))
             for k, t in enumerate(flat(structure)))


def finite_difference(fn, arrays, eps=1e-6):
  """Central differences of scalar ``fn(arrays)`` w.r.t. every entry of every
  array in the dict ``arrays`` (perturbed in place, then restored)."""
  grads = {}
  for name, value in arrays.items():
    grad = np.zeros_like(value, dtype=np.float64)
    flat_value = value.reshape(-1)
    for i in range(flat_value.size):
      keep = flat_value[i]
      flat_value[i] = keep + eps
      up = fn(arrays)
      flat_value[i] = keep - eps
      down = fn(arrays)
      flat_value[i] = keep
      grad.reshape(-1)[i] = (up - down) / (2 * eps)
    grads[name] = grad
  return grads
