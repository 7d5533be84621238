"""TF1 contrib's fused LSTM kernels over ``tf.raw_ops``.

``LSTMBlockCell`` runs one step with ``tf.raw_ops.LSTMBlockCell``;
``LSTMBlockFusedCell`` runs a whole time-major sequence with
``tf.raw_ops.BlockLSTM``. Both keep TF1's variables (``kernel
[in+units, 4*units]`` in ``i, j, f, o`` order, ``bias``, peepholes
``w_i_diag, w_f_diag, w_o_diag``) and default scopes (``lstm_cell``, so a
``LSTMCell`` checkpoint restores into ``LSTMBlockCell``; ``lstm_fused_cell``).
Given the same weights they compute what ``BasicLSTMCell`` computes.

Speed note (measured on 2-core CPUs): ``dynamic_rnn`` over a plain cell trains
faster than BlockLSTM here; these exist for checkpoint and code compatibility.
"""

import tensorflow as tf

from compat.rnn_cell import LSTMStateTuple, RNNCell, _check_state

v1 = tf.compat.v1


def _lstm_block_cell_grad(op, *grads):
  """Gradient of one ``LSTMBlockCell`` step (TF1 registered it in contrib).

  ``LSTMBlockCellGrad`` gives the gate gradients; the ``[x, h_prev]`` kernel
  product is differentiated here.
  """
  x, cs_prev, h_prev, w, wci, wcf, wco, b = op.inputs
  i, cs, f, o, ci, co, _ = op.outputs
  cs_grad, h_grad = grads[1], grads[6]
  input_size = x.shape[1]
  if input_size is None:
    raise ValueError("LSTMBlockCell's gradient needs a known input depth, "
                     "saw x of shape %s" % x.shape)
  grad = tf.raw_ops.LSTMBlockCellGrad(
      x=x, cs_prev=cs_prev, h_prev=h_prev, w=w, wci=wci, wcf=wcf, wco=wco,
      b=b, i=i, cs=cs, f=f, o=o, ci=ci, co=co, cs_grad=cs_grad,
      h_grad=h_grad, use_peephole=op.get_attr("use_peephole"))
  xh_grad = tf.matmul(grad.dicfo, w, transpose_b=True)
  x_grad = xh_grad[:, :input_size]
  h_prev_grad = xh_grad[:, input_size:]
  w_grad = tf.matmul(tf.concat([x, h_prev], 1), grad.dicfo, transpose_a=True)
  b_grad = tf.raw_ops.BiasAddGrad(out_backprop=grad.dicfo)
  return (x_grad, grad.cs_prev_grad, h_prev_grad, w_grad, grad.wci_grad,
          grad.wcf_grad, grad.wco_grad, b_grad)


def _register_gradients():
  """Register ``LSTMBlockCell``'s gradient unless TensorFlow has one."""
  try:
    tf.RegisterGradient("LSTMBlockCell")(_lstm_block_cell_grad)
  except KeyError:  # already registered (by TensorFlow or a reload)
    pass


_register_gradients()


class _BlockWeights(object):
  """Variable creation and state sizes shared by both block kernels."""

  @property
  def state_size(self):
    return LSTMStateTuple(self._num_units, self._num_units)

  @property
  def output_size(self):
    return self._num_units

  def _init_block(self, num_units, forget_bias, cell_clip, use_peephole):
    self._num_units = num_units
    self._forget_bias = forget_bias
    # The ops' own attribute default clips at 3.0; TF1 passed -1 (no clip).
    self._cell_clip = cell_clip if cell_clip is not None else -1
    self._use_peephole = use_peephole

  @property
  def num_units(self):
    return self._num_units

  def _build_block(self, input_size):
    if not input_size:
      raise ValueError("%s needs the input depth to be known to create its "
                       "kernel" % self.name)
    units = self._num_units
    self._kernel = self.add_variable("kernel", [input_size + units, 4 * units])
    self._bias = self.add_variable(
        "bias", [4 * units], initializer=v1.constant_initializer(0.0))
    if self._use_peephole:
      self._w_i_diag = self.add_variable("w_i_diag", [units])
      self._w_f_diag = self.add_variable("w_f_diag", [units])
      self._w_o_diag = self.add_variable("w_o_diag", [units])

  def _peepholes(self, dtype):
    if self._use_peephole:
      return self._w_i_diag, self._w_f_diag, self._w_o_diag
    zeros = tf.zeros([self._num_units], dtype=dtype)
    return zeros, zeros, zeros

  def _op_kwargs(self, dtype):
    wci, wcf, wco = self._peepholes(dtype)
    return dict(w=self._kernel, wci=wci, wcf=wcf, wco=wco, b=self._bias,
                forget_bias=float(self._forget_bias),
                cell_clip=float(self._cell_clip),
                use_peephole=self._use_peephole)


class LSTMBlockCell(_BlockWeights, RNNCell):
  """One LSTM step as a single fused op (``tf.raw_ops.LSTMBlockCell``)."""

  _default_name = "lstm_cell"

  def __init__(self, num_units, forget_bias=1.0, cell_clip=None,
               use_peephole=False, dtype=None, reuse=None, name="lstm_cell"):
    RNNCell.__init__(self, name=name, dtype=dtype, reuse=reuse)
    self._init_block(num_units, forget_bias, cell_clip, use_peephole)

  def build(self, inputs_shape):
    self._build_block(inputs_shape[1])

  def call(self, inputs, state):
    _check_state(self, state, LSTMStateTuple(0, 0))
    cs_prev, h_prev = state
    out = tf.raw_ops.LSTMBlockCell(x=inputs, cs_prev=cs_prev, h_prev=h_prev,
                                   **self._op_kwargs(inputs.dtype))
    return out.h, LSTMStateTuple(out.cs, out.h)


class LSTMBlockFusedCell(_BlockWeights, RNNCell):
  """A whole-sequence LSTM as one op (``tf.raw_ops.BlockLSTM``).

  Call it as ``outputs, (c, h) = cell(inputs, initial_state=None, dtype=None,
  sequence_length=None)`` with time-major ``inputs [time, batch, depth]`` (or
  a list of ``[batch, depth]`` tensors). With ``sequence_length``, outputs past
  each sequence's end are zero and the final state is taken at its end, as in
  TF1.
  """

  _default_name = "lstm_fused_cell"
  _input_ndim = 3

  def __init__(self, num_units, forget_bias=1.0, cell_clip=None,
               use_peephole=False, reuse=None, dtype=None,
               name="lstm_fused_cell"):
    RNNCell.__init__(self, name=name, dtype=dtype, reuse=reuse)
    self._init_block(num_units, forget_bias, cell_clip, use_peephole)

  def build(self, inputs_shape):
    self._build_block(inputs_shape[2])

  def _rank_hint(self):
    return (" ([time, batch, depth], time-major); call it on the whole "
            "sequence, not one step (LSTMBlockCell runs one step).")

  def __call__(self, inputs, initial_state=None, dtype=None,
               sequence_length=None, scope=None):
    is_list = isinstance(inputs, list)
    if is_list:
      inputs = tf.stack(inputs)
    self._pending = (initial_state, dtype, sequence_length)
    outputs, state = super(LSTMBlockFusedCell, self).__call__(
        inputs, None, scope=scope)
    if is_list:
      outputs = tf.unstack(outputs)
    return outputs, state

  def call(self, inputs, state):
    del state
    initial_state, dtype, sequence_length = self._pending
    batch_size = inputs.shape[1]
    if batch_size is None:
      batch_size = tf.shape(inputs)[1]
    time_len = inputs.shape[0]
    if time_len is None:
      time_len = tf.shape(inputs)[0]
    if initial_state is None:
      if dtype is None:
        raise ValueError("Either initial_state or dtype needs to be specified")
      z = tf.zeros(tf.stack([batch_size, self._num_units]), dtype=dtype)
      initial_state = (z, z)
    else:
      if len(initial_state) != 2:
        raise ValueError(
            "Expecting initial_state to be a tuple with length 2 or None")
      dtype = dtype or initial_state[0].dtype
    cs0, h0 = initial_state
    if sequence_length is None:
      max_len = tf.cast(time_len, tf.int64)
    else:
      sequence_length = tf.convert_to_tensor(sequence_length)
      max_len = tf.cast(tf.reduce_max(sequence_length), tf.int64)
    out = tf.raw_ops.BlockLSTM(seq_len_max=max_len, x=inputs, cs_prev=cs0,
                               h_prev=h0, **self._op_kwargs(dtype))
    cs, h = out.cs, out.h
    if sequence_length is None:
      return h, LSTMStateTuple(cs[-1], h[-1])
    mask = tf.transpose(tf.sequence_mask(sequence_length, time_len,
                                         dtype=dtype), [1, 0])
    h = h * tf.expand_dims(mask, -1)
    index = tf.stack([tf.cast(sequence_length, tf.int32),
                      tf.range(batch_size)], axis=1)
    final_c = tf.gather_nd(tf.concat([cs0[None], cs], 0), index)
    final_h = tf.gather_nd(tf.concat([h0[None], h], 0), index)
    return h, LSTMStateTuple(final_c, final_h)
