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


class _BlockWeights(object):
  """Variable creation shared by both block kernels."""

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

  @property
  def state_size(self):
    return LSTMStateTuple(self._num_units, self._num_units)

  @property
  def output_size(self):
    return self._num_units

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

  @property
  def state_size(self):
    return LSTMStateTuple(self._num_units, self._num_units)

  @property
  def output_size(self):
    return self._num_units

  def build(self, inputs_shape):
    self._build_block(inputs_shape[2])

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
