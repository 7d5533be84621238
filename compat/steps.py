"""Pure step functions of the TF1 recurrent cells.

Each function computes one time step from tensors alone: no variables, no
scopes. The cell classes in ``rnn_cell`` and ``contrib_rnn_cell`` own the
variables (under TF1's names) and call these; ``lstm_update``'s ``norm`` and
``dropout`` hooks serve the layer-normalised LSTMs. The op sequence (concat, matmul, bias_add, split, the order of
additions) is the one TF 1.x used, so gradients follow the same path and
results agree with TF 1.15 to float rounding: TF 2.x's tanh and sigmoid
kernels differ from 1.15's in the last bit (cells with ReLU, and dense
layers without tanh, match bit for bit; see tests/compat/test_golden_tf1.py).

Gate layout conventions (TF1, kept here):
  * LSTM: one kernel over ``[x, h]`` with four column blocks ``i, j, f, o``
    (input gate, candidate "j", forget gate, output gate).
  * GRU: ``gates`` kernel with two column blocks ``r, u`` (reset, update);
    a separate ``candidate`` kernel over ``[x, r * h]``.
"""

import tensorflow as tf


def linear(args, kernel, bias=None):
  """``concat(args, 1) @ kernel + bias``, the TF1 ``_linear`` primitive."""
  if isinstance(args, (list, tuple)):
    x = args[0] if len(args) == 1 else tf.concat(args, 1)
  else:
    x = args
  y = tf.matmul(x, kernel)
  if bias is not None:
    y = tf.nn.bias_add(y, bias)
  return y


def basic_rnn_step(x, h, kernel, bias, activation=tf.tanh):
  """Elman step: ``h' = act([x, h] @ W + b)``; output is ``h'``."""
  return activation(linear([x, h], kernel, bias))


def gru_step(x, h, gate_kernel, gate_bias, candidate_kernel, candidate_bias,
             activation=tf.tanh):
  """TF1 GRUCell step (reset applied to h before the candidate matmul).

  ``r, u = sigmoid([x, h] @ Wg + bg)``;
  ``c = act([x, r*h] @ Wc + bc)``; ``h' = u*h + (1-u)*c``.
  """
  value = tf.sigmoid(linear([x, h], gate_kernel, gate_bias))
  r, u = tf.split(value, num_or_size_splits=2, axis=1)
  c = activation(linear([x, r * h], candidate_kernel, candidate_bias))
  return u * h + (1 - u) * c


def lstm_gates(x, h, kernel, bias):
  """The four pre-activation gate blocks ``i, j, f, o`` of ``[x, h] @ W + b``."""
  return tf.split(linear([x, h], kernel, bias), num_or_size_splits=4, axis=1)


def basic_lstm_step(x, c, h, kernel, bias, forget_bias=1.0,
                    activation=tf.tanh):
  """TF1 BasicLSTMCell step. Returns ``(new_c, new_h)``.

  ``forget_bias`` is added to the forget gate at run time (it is not stored in
  the bias variable), exactly as TF1 did.
  """
  i, j, f, o = lstm_gates(x, h, kernel, bias)
  forget_bias = tf.constant(forget_bias, dtype=f.dtype)
  new_c = tf.add(tf.multiply(c, tf.sigmoid(tf.add(f, forget_bias))),
                 tf.multiply(tf.sigmoid(i), activation(j)))
  new_h = tf.multiply(activation(new_c), tf.sigmoid(o))
  return new_c, new_h


def lstm_output(o, new_c, activation=tf.tanh, w_o_diag=None, projection=None,
                proj_clip=None):
  """The LSTM output ``m = sigmoid(o [+ w_o_diag * c']) * act(c')``, then
  projected (``m @ projection``) and clipped to ``proj_clip`` if given."""
  if w_o_diag is not None:
    m = tf.sigmoid(o + w_o_diag * new_c) * activation(new_c)
  else:
    m = tf.sigmoid(o) * activation(new_c)
  if projection is not None:
    m = tf.matmul(m, projection)
    if proj_clip is not None:
      m = tf.clip_by_value(m, -proj_clip, proj_clip)
  return m


def lstm_update(i, j, f, o, c, forget_bias=1.0, activation=tf.tanh,
                peepholes=None, cell_clip=None, projection=None,
                proj_clip=None, norm=None, dropout=None):
  """The LSTM update from the pre-activation gate blocks ``i, j, f, o``.
  Returns ``(new_c, new_m)``.

  Args:
    peepholes: ``None`` or ``(w_f_diag, w_i_diag, w_o_diag)``.
    cell_clip: clip the cell state to ``[-cell_clip, cell_clip]``.
    projection: ``None`` or the ``[num_units, num_proj]`` projection kernel.
    proj_clip: clip the projected output to ``[-proj_clip, proj_clip]``.
    norm: ``None`` or ``norm(x, part)``, layer normalisation applied to the
      gates (parts ``input, transform, forget, output``) and to the new cell
      state (``state``, before ``cell_clip``).
    dropout: ``None`` or a function applied to the candidate ``act(j)``
      (recurrent dropout, Semeniuta et al. 2016).
  """
  if norm is not None:
    i, j = norm(i, "input"), norm(j, "transform")
    f, o = norm(f, "forget"), norm(o, "output")
  g = activation(j)
  if dropout is not None:
    g = dropout(g)
  w_o_diag = None
  if peepholes is not None:
    w_f_diag, w_i_diag, w_o_diag = peepholes
    new_c = (tf.sigmoid(f + forget_bias + w_f_diag * c) * c +
             tf.sigmoid(i + w_i_diag * c) * g)
  else:
    new_c = tf.sigmoid(f + forget_bias) * c + tf.sigmoid(i) * g
  if norm is not None:
    new_c = norm(new_c, "state")
  if cell_clip is not None:
    new_c = tf.clip_by_value(new_c, -cell_clip, cell_clip)
  return new_c, lstm_output(o, new_c, activation, w_o_diag, projection,
                            proj_clip)


def lstm_step(x, c, h, kernel, bias, forget_bias=1.0, activation=tf.tanh,
              peepholes=None, cell_clip=None, projection=None,
              proj_clip=None, norm=None, dropout=None):
  """TF1 LSTMCell step (``bias`` may be ``None``): ``lstm_update`` of the
  gates ``[x, h] @ kernel + bias``. Returns ``(new_c, new_m)``."""
  i, j, f, o = lstm_gates(x, h, kernel, bias)
  return lstm_update(i, j, f, o, c, forget_bias, activation,
                     peepholes=peepholes, cell_clip=cell_clip,
                     projection=projection, proj_clip=proj_clip, norm=norm,
                     dropout=dropout)
