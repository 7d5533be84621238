"""The tensorflow_poems ``char_rnn`` graph under ``tf.compat.v1``.

``char_rnn`` follows the seed line by line: an ``embedding [vocab+1,
rnn_size]`` variable initialised uniform(-1, 1) on ``/cpu:0``; rnn/gru/lstm
cells in a ``MultiRNNCell`` run by ``dynamic_rnn``; outputs reshaped to
``[-1, rnn_size]``; softmax weights ``Variable [rnn_size, vocab+1]``
(truncated normal, stddev 1) and ``Variable_1`` (zeros) -- the seed created
them with ``tf.Variable`` and no name, so those are their checkpoint names;
one-hot softmax cross-entropy; Adam. It returns the seed's ``end_points``
(plus ``logits`` and ``global_step``).

Differences from the seed, all deliberate:
  * ``tie_layers=False`` (the default) gives each layer its own weights. The
    seed's ``MultiRNNCell([cell] * num_layers)`` shared one cell's weights
    across layers in TF1; ``tie_layers=True`` reproduces that exactly
    (variables only under ``cell_0``).
  * The seed passed ``state_is_tuple=True`` to every cell class; TF1's
    BasicRNNCell and GRUCell reject that argument, so ``--model=rnn|gru``
    crashed there. Only the LSTM gets it here.
  * ``train_op`` increments a ``global_step`` (for checkpoints and resume).
"""

import tensorflow as tf

import compat
from compat import steps
from tf1_models import sampling

v1 = tf.compat.v1

CELLS = {"rnn": compat.BasicRNNCell, "gru": compat.GRUCell,
         "lstm": compat.BasicLSTMCell}


def make_cell(model, rnn_size, num_layers, tie_layers=False):
  """The ``MultiRNNCell`` of the seed (``tie_layers``: its ``[cell] * n``)."""
  if model not in CELLS:
    raise ValueError("unknown model %r; choose rnn, gru or lstm" % model)

  def one():
    if model == "lstm":
      return CELLS[model](rnn_size, state_is_tuple=True)
    return CELLS[model](rnn_size)

  cells = [one()] * num_layers if tie_layers else [one() for _ in
                                                   range(num_layers)]
  return compat.MultiRNNCell(cells, state_is_tuple=True)


def _embedding(vocab_size, rnn_size):
  with tf.device("/cpu:0"):
    return v1.get_variable(
        "embedding", initializer=v1.random_uniform(
            [vocab_size + 1, rnn_size], -1.0, 1.0))


def _softmax(rnn_size, vocab_size):
  weights = v1.Variable(v1.truncated_normal([rnn_size, vocab_size + 1]))
  bias = v1.Variable(tf.zeros(shape=[vocab_size + 1]))
  return weights, bias


def _lstm_variables(layer, input_size, rnn_size, tie_layers):
  """The ``kernel``/``bias`` of one layer under the names the seed's
  ``MultiRNNCell`` gave them (tied layers: ``cell_0``'s, reused)."""
  index = 0 if tie_layers else layer
  scope = "rnn/multi_rnn_cell/cell_%d/basic_lstm_cell" % index
  with v1.variable_scope(scope, reuse=v1.AUTO_REUSE):
    kernel = v1.get_variable("kernel",
                             [input_size + rnn_size, 4 * rnn_size])
    bias = v1.get_variable("bias", [4 * rnn_size],
                           initializer=v1.zeros_initializer())
  return kernel, bias


def _lstm_from_gates(gates, c, forget_bias):
  """BasicLSTMCell's update from its pre-activation ``gates [B, 4H]``
  (blocks ``i, j, f, o``). Returns ``(new_c, new_h)``."""
  i, j, f, o = tf.split(gates, num_or_size_splits=4, axis=1)
  c = tf.add(tf.multiply(c, tf.sigmoid(tf.add(f, forget_bias))),
             tf.multiply(tf.sigmoid(i), tf.tanh(j)))
  return c, tf.multiply(tf.tanh(c), tf.sigmoid(o))


def hoisted_lstm_layer(inputs, state, kernel, bias, forget_bias=1.0):
  """One BasicLSTMCell layer over ``inputs [B, T, E]`` from ``state``.

  The input half of the recurrence is one matmul for all time steps:
  ``x @ kernel[:E] + bias`` (``[B*T, E] x [E, 4H]``); the ``tf.while_loop``
  then only adds ``h @ kernel[E:]`` and does the gate math. Equal to the
  cell's ``concat([x, h]) @ kernel + bias`` up to float rounding (the sum
  is taken in another order). Returns ``(outputs [B, T, H], (c, h))``.
  """
  depth = inputs.shape[-1]
  units = kernel.shape[-1] // 4
  w_x, w_h = kernel[:depth], kernel[depth:]
  batch, steps = tf.shape(inputs)[0], tf.shape(inputs)[1]
  projected = tf.nn.bias_add(
      tf.matmul(tf.reshape(inputs, [-1, depth]), w_x), bias)
  projected = tf.transpose(tf.reshape(projected, [batch, steps, 4 * units]),
                           [1, 0, 2])
  xs = tf.TensorArray(tf.float32, size=steps).unstack(projected)
  forget_bias = tf.constant(forget_bias, tf.float32)

  def body(t, c, h, out):
    c, h = _lstm_from_gates(tf.add(xs.read(t), tf.matmul(h, w_h)), c,
                            forget_bias)
    return t + 1, c, h, out.write(t, h)

  c, h = state
  _, c, h, out = tf.while_loop(
      lambda t, *_: t < steps, body,
      (tf.constant(0), c, h, tf.TensorArray(tf.float32, size=steps)))
  outputs = tf.transpose(out.stack(), [1, 0, 2])
  return outputs, compat.LSTMStateTuple(c, h)


def block_lstm_layer(inputs, state, kernel, bias, forget_bias=1.0):
  """One BasicLSTMCell layer as TensorFlow's fused ``BlockLSTM`` op (the op
  under TF1's ``LSTMBlockFusedCell``): its ``w [in+H, 4H]`` has the
  BasicLSTMCell kernel's layout (gate blocks ``i, j, f, o``) and its
  gradient op computes all time steps in C++. No peepholes, no clipping.
  Returns ``(outputs [B, T, H], (c, h))``."""
  units = kernel.shape[-1] // 4
  time_major = tf.transpose(inputs, [1, 0, 2])
  no_peephole = tf.zeros([units], tf.float32)
  c, h = state
  out = tf.raw_ops.BlockLSTM(
      seq_len_max=tf.cast(tf.shape(time_major)[0], tf.int64), x=time_major,
      cs_prev=c, h_prev=h, w=kernel, wci=no_peephole, wcf=no_peephole,
      wco=no_peephole, b=bias, forget_bias=forget_bias, cell_clip=-1.0,
      use_peephole=False)
  return (tf.transpose(out.h, [1, 0, 2]),
          compat.LSTMStateTuple(out.cs[-1], out.h[-1]))


def _recurrence_with_batched_weight_gradient(projected, c0, h0, w_h,
                                              forget_bias):
  """The recurrent half of a hoisted LSTM layer, with a hand-written gradient.

  ``projected [T, B, 4H]``: ``x @ W_x + b`` for every step. Forward: a
  ``tf.while_loop`` keeping each step's gate activations and cell state.
  Backward: a reverse loop that only carries ``dh``/``dc`` through
  ``dgates_t @ W_h^T``, then ONE ``[H, T*B] x [T*B, 4H]`` matmul for
  ``dW_h`` instead of one small matmul plus an accumulation per step (the
  ``AddN`` that dominates the autodiff profile). Returns ``(hs [T, B, H],
  c_T)``.
  """

  @tf.custom_gradient
  def recurrence(projected, c0, h0, w_h):
    steps_n = tf.shape(projected)[0]
    units = h0.shape[-1]

    def body(t, c, h, acts, cs, hs):
      gates = tf.add(projected[t], tf.matmul(h, w_h))
      i, j, f, o = tf.split(gates, num_or_size_splits=4, axis=1)
      i, j = tf.sigmoid(i), tf.tanh(j)
      f, o = tf.sigmoid(tf.add(f, forget_bias)), tf.sigmoid(o)
      c = tf.add(tf.multiply(c, f), tf.multiply(i, j))
      h = tf.multiply(tf.tanh(c), o)
      return (t + 1, c, h, acts.write(t, tf.concat([i, j, f, o], 1)),
              cs.write(t, c), hs.write(t, h))

    arrays = [tf.TensorArray(tf.float32, size=steps_n) for _ in range(3)]
    _, c_last, _, acts, cs, hs = tf.while_loop(
        lambda t, *_: t < steps_n, body, (tf.constant(0), c0, h0) +
        tuple(arrays))
    acts, cs, hs = acts.stack(), cs.stack(), hs.stack()

    def grad(d_hs, d_c_last):
      c_prev_all = tf.concat([c0[None], cs[:-1]], 0)

      def back(t, dh, dc, dgates):
        i, j, f, o = tf.split(acts[t], num_or_size_splits=4, axis=1)
        tanh_c = tf.tanh(cs[t])
        dh = dh + d_hs[t]
        dc = dc + dh * o * (1.0 - tanh_c * tanh_c)
        d_pre = tf.concat([dc * j * i * (1.0 - i),
                           dc * i * (1.0 - j * j),
                           dc * c_prev_all[t] * f * (1.0 - f),
                           dh * tanh_c * o * (1.0 - o)], 1)
        return (t - 1, tf.matmul(d_pre, w_h, transpose_b=True), dc * f,
                dgates.write(t, d_pre))

      zeros = tf.zeros_like(h0)
      _, dh0, dc0, dgates = tf.while_loop(
          lambda t, *_: t >= 0, back,
          (steps_n - 1, zeros, d_c_last if d_c_last is not None else zeros,
           tf.TensorArray(tf.float32, size=steps_n)))
      dgates = dgates.stack()
      h_prev = tf.reshape(tf.concat([h0[None], hs[:-1]], 0), [-1, units])
      d_w_h = tf.matmul(h_prev, tf.reshape(dgates, [-1, 4 * units]),
                        transpose_a=True)
      return dgates, dc0, dh0, d_w_h

    return (hs, c_last), grad

  return recurrence(projected, c0, h0, w_h)


def hoisted_grad_lstm_layer(inputs, state, kernel, bias, forget_bias=1.0):
  """``hoisted_lstm_layer`` whose recurrence has the batched weight
  gradient of ``_recurrence_with_batched_weight_gradient``."""
  depth = inputs.shape[-1]
  units = kernel.shape[-1] // 4
  batch, steps_n = tf.shape(inputs)[0], tf.shape(inputs)[1]
  projected = tf.nn.bias_add(
      tf.matmul(tf.reshape(inputs, [-1, depth]), kernel[:depth]), bias)
  projected = tf.transpose(tf.reshape(projected, [batch, steps_n, 4 * units]),
                           [1, 0, 2])
  c, h = state
  hs, c_last = _recurrence_with_batched_weight_gradient(
      projected, c, h, kernel[depth:], tf.constant(forget_bias, tf.float32))
  return tf.transpose(hs, [1, 0, 2]), compat.LSTMStateTuple(c_last, hs[-1])


LSTM_LAYERS = {"hoisted": hoisted_lstm_layer, "block": block_lstm_layer,
               "hoisted_grad": hoisted_grad_lstm_layer}


def _layered_rnn(impl, inputs, initial_state, rnn_size, num_layers,
                 tie_layers):
  """The layers one after another, each an ``LSTM_LAYERS[impl]``."""
  x, last_state = inputs, []
  for layer in range(num_layers):
    kernel, bias = _lstm_variables(layer, x.shape[-1], rnn_size, tie_layers)
    with tf.name_scope("%s_lstm_%d" % (impl, layer)):
      x, state = LSTM_LAYERS[impl](x, initial_state[layer], kernel, bias)
    last_state.append(state)
  return x, tuple(last_state)


def char_rnn(model, input_data, output_data, vocab_size, rnn_size=128,
             num_layers=2, batch_size=64, learning_rate=0.01,
             tie_layers=False, wrap_optimizer=None, lstm_impl="cell",
             sparse_loss=False):
  """The seed's graph. ``output_data=None`` builds the 1-sequence
  inference graph (``prediction``) instead of the training graph.
  ``wrap_optimizer(optimizer)``: e.g. ``SyncReplicasOptimizer`` for a
  distributed run.

  ``lstm_impl``: "cell" (the seed: ``dynamic_rnn`` over the
  ``MultiRNNCell``), or, LSTM only, "hoisted" (``hoisted_lstm_layer``) or
  "block" (``block_lstm_layer``) per layer: same variables and names (the
  checkpoint restores either way), same math up to float rounding. ``sparse_loss=True`` uses the sparse softmax cross-entropy on
  the ids instead of one-hot labels (same value)."""
  end_points = {}
  if lstm_impl != "cell" and (model != "lstm" or
                              lstm_impl not in LSTM_LAYERS):
    raise ValueError("lstm_impl=%r: choose cell, or for the lstm model only "
                     "hoisted or block (model is %r)" % (lstm_impl, model))
  cell = make_cell(model, rnn_size, num_layers, tie_layers)
  initial_state = cell.zero_state(
      batch_size if output_data is not None else 1, tf.float32)
  embedding = _embedding(vocab_size, rnn_size)
  with tf.device("/cpu:0"):
    inputs = tf.nn.embedding_lookup(embedding, input_data)
  if lstm_impl != "cell":
    outputs, last_state = _layered_rnn(lstm_impl, inputs, initial_state,
                                       rnn_size, num_layers, tie_layers)
  else:
    outputs, last_state = v1.nn.dynamic_rnn(cell, inputs,
                                            initial_state=initial_state)
  output = tf.reshape(outputs, [-1, rnn_size])
  weights, bias = _softmax(rnn_size, vocab_size)
  logits = tf.nn.bias_add(tf.matmul(output, weights), bias=bias)
  end_points["initial_state"] = initial_state
  end_points["last_state"] = last_state
  end_points["logits"] = logits
  if output_data is not None:
    if sparse_loss:
      loss = tf.nn.sparse_softmax_cross_entropy_with_logits(
          labels=tf.reshape(output_data, [-1]), logits=logits)
    else:
      labels = tf.one_hot(tf.reshape(output_data, [-1]),
                          depth=vocab_size + 1)
      loss = tf.nn.softmax_cross_entropy_with_logits(labels=labels,
                                                     logits=logits)
    total_loss = tf.reduce_mean(loss)
    global_step = v1.train.get_or_create_global_step()
    optimizer = v1.train.AdamOptimizer(learning_rate)
    if wrap_optimizer is not None:
      optimizer = wrap_optimizer(optimizer)
    train_op = optimizer.minimize(total_loss, global_step=global_step)
    end_points.update(output=output, train_op=train_op,
                      total_loss=total_loss, loss=loss,
                      global_step=global_step)
  else:
    end_points["prediction"] = tf.nn.softmax(logits)
  return end_points


def build_generator(model, vocab_size, rnn_size, num_layers,
                    tie_layers=False, end_id=-1, line_end_ids=(),
                    inputs=None, fold_embedding=False, jit=False):
  """The in-graph sampler over the same variables as ``char_rnn``.

  Variables are created in the order and under the names the training graph
  used, so its checkpoint restores here. The softmax's extra last class (the
  seed's id for unknown characters, never a target) is left out of the
  choice, so every generated id decodes. ``inputs``: see
  ``sampling.build_generator``. ``fold_embedding=True`` (LSTM only): see
  ``_folded_lstm_step``. ``jit``: see ``sampling.build_generator``.
  Returns a ``sampling.Generator``.
  """
  cell = make_cell(model, rnn_size, num_layers, tie_layers)
  embedding = _embedding(vocab_size, rnn_size)
  weights, bias = _softmax(rnn_size, vocab_size)
  if fold_embedding:
    if model != "lstm":
      raise ValueError("fold_embedding=True is for the lstm model only, "
                       "not %r" % model)
    step = _folded_lstm_step(embedding, rnn_size, num_layers, tie_layers,
                             weights, bias, vocab_size)
    return sampling.build_generator(
        step, cell.zero_state(1, tf.float32), end_id=end_id,
        line_end_ids=line_end_ids, inputs=inputs, jit=jit)

  def step(ids, state):
    with tf.device("/cpu:0"):
      x = tf.nn.embedding_lookup(embedding, ids)
    with v1.variable_scope("rnn"):
      out, state = cell(x, state)
    logits = tf.nn.bias_add(tf.matmul(out, weights), bias)
    return logits[:, :vocab_size], state

  return sampling.build_generator(step, cell.zero_state(1, tf.float32),
                                  end_id=end_id, line_end_ids=line_end_ids,
                                  inputs=inputs, jit=jit)


def _folded_lstm_step(embedding, rnn_size, num_layers, tie_layers, weights,
                      bias, vocab_size):
  """A sampler step with the embedding folded into the first layer.

  ``embedding @ kernel_0[:E] + bias_0`` (``[vocab+1, 4H]``) is computed once
  per ``session.run``, outside the loop; a step then looks up the row of its
  id (a one-hot row times a matrix is that row) and adds only
  ``h @ kernel_0[E:]``. Other layers are the cell's step. Same variables as
  the seed's sampler; equal up to float rounding.
  """
  layers = [_lstm_variables(k, rnn_size, rnn_size, tie_layers)
            for k in range(num_layers)]
  kernel0, bias0 = layers[0]
  table = tf.nn.bias_add(tf.matmul(embedding, kernel0[:rnn_size]), bias0)
  w_h0 = kernel0[rnn_size:]
  forget_bias = tf.constant(1.0, tf.float32)

  def step(ids, state):
    c, h = state[0]
    c, x = _lstm_from_gates(
        tf.add(tf.gather(table, ids), tf.matmul(h, w_h0)), c, forget_bias)
    new_state = [compat.LSTMStateTuple(c, x)]
    for (kernel, b), (c, h) in zip(layers[1:], state[1:]):
      c, x = steps.basic_lstm_step(x, c, h, kernel, b)
      new_state.append(compat.LSTMStateTuple(c, x))
    logits = tf.nn.bias_add(tf.matmul(x, weights), bias)
    return logits[:, :vocab_size], tuple(new_state)

  return step
