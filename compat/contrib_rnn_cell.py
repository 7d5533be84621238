"""TF1 contrib's extra RNN cells and wrappers (``tf.contrib.rnn``), over
``compat.rnn_cell``'s scoping.

What TF 1.15 kept in ``tensorflow/contrib/rnn/python/ops/rnn_cell.py``:
``LayerNormBasicLSTMCell``, ``LayerNormLSTMCell``,
``CoupledInputForgetGateLSTMCell``, ``NASCell``, ``UGRNNCell``,
``IntersectionRNNCell``, ``IndRNNCell``, ``IndyLSTMCell``, ``IndyGRUCell``,
``SRUCell``,
``AttentionCellWrapper`` and ``HighwayWrapper``. Same signatures, default
scope names and variable names as TF 1.15 (checked against its goldens), so
TF1 checkpoints restore by name. Variables are created on the first call, in
the order TF1 created them.
"""

import tensorflow as tf

from compat import steps
from compat.base import get_activation, logger
from compat.rnn_cell import (RNNCell, _check_state, _LSTMBookkeeping,
                             _state_is_tuple_warning, _UnitsSizes)
from compat.wrappers import (Linear, _assert_like_rnncell, _dropout,
                             _ScopedWrapper)

v1 = tf.compat.v1


def layer_norm(x, gamma, beta):
  """``tf.contrib.layers.layer_norm`` over the last axis (epsilon 1e-12, or
  1e-3 in float16, as TF1)."""
  eps = 1e-3 if x.dtype == tf.float16 else 1e-12
  mean, variance = tf.nn.moments(x, [x.shape.rank - 1], keepdims=True)
  return tf.nn.batch_normalization(x, mean, variance, offset=beta,
                                   scale=gamma, variance_epsilon=eps)


def _norm_variables(scope, size, gain, shift, dtype):
  """``scope/gamma`` (``gain``) and ``scope/beta`` (``shift``)."""
  with v1.variable_scope(scope):
    gamma = v1.get_variable("gamma", [size], dtype=dtype,
                            initializer=v1.constant_initializer(gain))
    beta = v1.get_variable("beta", [size], dtype=dtype,
                           initializer=v1.constant_initializer(shift))
  return gamma, beta


def _input_depth(cell, inputs_shape):
  depth = inputs_shape[-1] if inputs_shape is not None else None
  if depth is None:
    raise ValueError("Could not infer input size from inputs.get_shape()[-1] "
                     "(%s needs it to create its kernel)" % cell.name)
  return int(depth)


class _LayerNormOption(object):
  """The ``layer_norm, norm_gain, norm_shift`` options: ``part/gamma`` and
  ``part/beta`` per normalised part, and ``self._norm``, the ``norm(x,
  part)`` the step functions take (``None`` without ``layer_norm``)."""

  def _set_layer_norm(self, layer_norm, norm_gain, norm_shift):
    self._layer_norm = layer_norm
    self._norm_gain = norm_gain
    self._norm_shift = norm_shift
    self._norms = {}

  def _add_norms(self, *parts):
    for part in parts:
      self._norms[part] = _norm_variables(part, self._num_units,
                                          self._norm_gain, self._norm_shift,
                                          self.dtype)
      self._variables.extend(self._norms[part])

  def _normed(self, x, part):
    return layer_norm(x, *self._norms[part])

  @property
  def _norm(self):
    return self._normed if self._layer_norm else None


class LayerNormBasicLSTMCell(_LayerNormOption, _LSTMBookkeeping, RNNCell):
  """LSTM with layer normalisation and recurrent dropout (Ba et al. 2016;
  Semeniuta et al. 2016).

  Variables: ``kernel [in+units, 4*units]`` (gates ``i, j, f, o``, no bias
  when ``layer_norm``), then ``input``, ``transform``, ``forget``,
  ``output``, ``state`` each with ``gamma`` (``norm_gain``) and ``beta``
  (``norm_shift``); without ``layer_norm`` a ``bias`` (Glorot uniform, as
  TF1's ``get_variable`` default gave it) instead. ``dropout_keep_prob``
  drops the candidate ``g`` only, with a new mask every step.
  """

  _default_name = "layer_norm_basic_lstm_cell"

  def __init__(self, num_units, forget_bias=1.0, input_size=None,
               activation=tf.tanh, layer_norm=True, norm_gain=1.0,
               norm_shift=0.0, dropout_keep_prob=1.0, dropout_prob_seed=None,
               reuse=None):
    super(LayerNormBasicLSTMCell, self).__init__(reuse=reuse)
    if input_size is not None:
      logger.warning("%s: The input_size parameter is deprecated.", self)
    self._num_units = num_units
    self._activation = get_activation(activation)
    self._forget_bias = forget_bias
    self._keep_prob = dropout_keep_prob
    self._seed = dropout_prob_seed
    self._set_layer_norm(layer_norm, norm_gain, norm_shift)

  def build(self, inputs_shape):
    depth = _input_depth(self, inputs_shape)
    units = self._num_units
    self._kernel = self.add_variable("kernel", [depth + units, 4 * units])
    self._bias = None
    if self._layer_norm:
      self._add_norms("input", "transform", "forget", "output", "state")
    else:
      self._bias = self.add_variable("bias", [4 * units])

  def _dropout(self, g):
    return _dropout(g, self._keep_prob, self._seed)

  def call(self, inputs, state):
    c, h = self._split_state(state)
    # TF1's test: any non-float keep probability (a tensor, or the int 1)
    # builds the dropout op.
    dropout = (self._dropout if not isinstance(self._keep_prob, float) or
               self._keep_prob < 1 else None)
    new_c, new_h = steps.lstm_step(inputs, c, h, self._kernel, self._bias,
                                   self._forget_bias, self._activation,
                                   norm=self._norm, dropout=dropout)
    return new_h, self._join_state(new_c, new_h)


class LayerNormLSTMCell(_LayerNormOption, _LSTMBookkeeping, RNNCell):
  """``LSTMCell`` with optional layer normalisation (peepholes, cell clip,
  projection). Variables as ``LSTMCell``'s (``kernel``, ``bias``,
  ``w_f_diag``, ``w_i_diag``, ``w_o_diag``, ``projection/kernel``) plus
  ``input|transform|forget|output|state/gamma|beta`` when ``layer_norm``
  (then ``bias`` is created but unused, as in TF1)."""

  _default_name = "layer_norm_lstm_cell"

  def __init__(self, num_units, use_peepholes=False, cell_clip=None,
               initializer=None, num_proj=None, proj_clip=None,
               forget_bias=1.0, activation=None, layer_norm=False,
               norm_gain=1.0, norm_shift=0.0, reuse=None):
    super(LayerNormLSTMCell, self).__init__(reuse=reuse)
    self._num_units = num_units
    self._forget_bias = forget_bias
    self._activation = get_activation(activation) or tf.tanh
    self._set_lstm_options(use_peepholes, cell_clip, initializer, num_proj,
                           proj_clip)
    self._set_layer_norm(layer_norm, norm_gain, norm_shift)

  def build(self, inputs_shape):
    depth = _input_depth(self, inputs_shape)
    units = self._num_units
    init = self._initializer
    self._kernel = self.add_variable(
        "kernel", [depth + self.output_size, 4 * units], initializer=init)
    self._bias = self.add_variable("bias", [4 * units],
                                   initializer=v1.constant_initializer(0.0))
    if self._layer_norm:
      self._add_norms("input", "transform", "forget", "output")
    self._peepholes = (self._add_peepholes(init) if self._use_peepholes
                       else None)
    if self._layer_norm:  # TF1 created "state" after the peepholes
      self._add_norms("state")
    self._proj_kernel = (self._add_projection(init)
                         if self._num_proj is not None else None)

  def call(self, inputs, state):
    c, m = self._split_state(state)
    bias = None if self._layer_norm else self._bias
    new_c, new_m = steps.lstm_step(
        inputs, c, m, self._kernel, bias, self._forget_bias,
        self._activation, peepholes=self._peepholes,
        cell_clip=self._cell_clip, projection=self._proj_kernel,
        proj_clip=self._proj_clip, norm=self._norm)
    return new_m, self._join_state(new_c, new_m)


def _sharded(cell, name, shape, num_shards):
  """TF1 contrib's ``_get_concat_variable``: ``name_0 .. name_{n-1}`` split
  along rows (the first ones one row longer), concatenated."""
  if num_shards > shape[0]:
    raise ValueError("Too many shards: shape=%s, num_shards=%d" %
                     (shape, num_shards))
  base, extra = divmod(shape[0], num_shards)
  parts = [cell.add_variable("%s_%d" % (name, k),
                             [base + (1 if k < extra else 0)] + shape[1:])
           for k in range(num_shards)]
  return parts[0] if len(parts) == 1 else tf.concat(parts, 0)


def coupled_input_forget_gate_lstm_step(x, c, m, kernel, bias, forget_bias,
                                        activation, w_f_diag=None,
                                        w_o_diag=None, projection=None,
                                        proj_clip=None, norm=None):
  """One CIFG-LSTM step: gate blocks ``j, f, o`` of ``[x, m] @ W + b``;
  ``f' = sigmoid(f + forget_bias [+ w_f_diag * c])``; ``c' = f' c + (1 - f')
  act(j)``; output as ``steps.lstm_output``. ``norm(x, part)`` normalises
  ``transform, forget, output`` and ``state``. Returns ``(new_c, new_m)``."""
  j, f, o = tf.split(steps.linear([x, m], kernel, bias), 3, axis=1)
  if norm is not None:
    j, f, o = norm(j, "transform"), norm(f, "forget"), norm(o, "output")
  if w_f_diag is not None:
    f_act = tf.sigmoid(f + forget_bias + w_f_diag * c)
  else:
    f_act = tf.sigmoid(f + forget_bias)
  new_c = f_act * c + (1 - f_act) * activation(j)
  if norm is not None:
    new_c = norm(new_c, "state")
  return new_c, steps.lstm_output(o, new_c, activation, w_o_diag, projection,
                                  proj_clip)


class CoupledInputForgetGateLSTMCell(_LayerNormOption, _LSTMBookkeeping,
                                     RNNCell):
  """LSTM whose input gate is ``1 - forget gate`` (Greff et al. 2015).

  Variables (TF1's old-style names): ``W_0 [in+out, 3*units]`` (blocks
  ``j, f, o``; ``W_0..W_{n-1}`` with ``num_unit_shards``), ``B [3*units]``
  (zeros), peepholes ``W_F_diag``, ``W_O_diag``, projection ``W_P_0``; with
  ``layer_norm``: ``transform|forget|output|state/gamma|beta`` and no bias.
  As in TF 1.15, ``initializer`` is accepted and ignored.
  """

  _default_name = "coupled_input_forget_gate_lstm_cell"

  def __init__(self, num_units, use_peepholes=False, initializer=None,
               num_proj=None, proj_clip=None, num_unit_shards=1,
               num_proj_shards=1, forget_bias=1.0, state_is_tuple=True,
               activation=tf.tanh, reuse=None, layer_norm=False,
               norm_gain=1.0, norm_shift=0.0):
    super(CoupledInputForgetGateLSTMCell, self).__init__(reuse=reuse)
    if not state_is_tuple:
      _state_is_tuple_warning(self)
    self._num_units = num_units
    self._forget_bias = forget_bias
    self._state_is_tuple = state_is_tuple
    self._activation = get_activation(activation)
    self._set_lstm_options(use_peepholes, None, initializer, num_proj,
                           proj_clip)
    self._num_unit_shards = num_unit_shards
    self._num_proj_shards = num_proj_shards
    self._set_layer_norm(layer_norm, norm_gain, norm_shift)

  def build(self, inputs_shape):
    depth = _input_depth(self, inputs_shape)
    units = self._num_units
    self._kernel = _sharded(self, "W", [depth + self.output_size, 3 * units],
                            self._num_unit_shards)
    self._bias = self.add_variable("B", [3 * units],
                                   initializer=v1.zeros_initializer())
    if self._layer_norm:
      self._add_norms("transform", "forget", "output")
    self._w_f_diag = self._w_o_diag = None
    if self._use_peepholes:
      self._w_f_diag = self.add_variable("W_F_diag", [units])
      self._w_o_diag = self.add_variable("W_O_diag", [units])
    if self._layer_norm:
      self._add_norms("state")
    self._proj = None
    if self._num_proj is not None:
      self._proj = _sharded(self, "W_P", [units, self._num_proj],
                            self._num_proj_shards)

  def call(self, inputs, state):
    c, m = self._split_state(state)
    bias = None if self._layer_norm else self._bias
    new_c, new_m = coupled_input_forget_gate_lstm_step(
        inputs, c, m, self._kernel, bias, self._forget_bias,
        self._activation, self._w_f_diag, self._w_o_diag, self._proj,
        self._proj_clip, norm=self._norm)
    return new_m, self._join_state(new_c, new_m)


def nas_step(x, c_prev, m_prev, kernel, recurrent_kernel, bias=None,
             projection=None):
  """One step of the NAS cell (Zoph & Le 2017), TF1's tree of eight
  input/recurrent blocks."""
  m_mat = tf.matmul(m_prev, recurrent_kernel)
  if bias is not None:
    m_mat = tf.nn.bias_add(m_mat, bias)
  mm = tf.split(m_mat, 8, axis=1)
  xm = tf.split(tf.matmul(x, kernel), 8, axis=1)
  sig, relu, tanh = tf.sigmoid, tf.nn.relu, tf.tanh
  l1 = [sig(xm[0] + mm[0]), relu(xm[1] + mm[1]), sig(xm[2] + mm[2]),
        relu(xm[3] * mm[3]), tanh(xm[4] + mm[4]), sig(xm[5] + mm[5]),
        tanh(xm[6] + mm[6]), sig(xm[7] + mm[7])]
  l2_0 = tanh(tanh(l1[0] * l1[1]) + c_prev)
  l2_1 = tanh(l1[2] + l1[3])
  l2_2 = tanh(l1[4] * l1[5])
  l2_3 = sig(l1[6] + l1[7])
  new_c = l2_0 * l2_1
  new_m = tanh(new_c * tanh(l2_2 + l2_3))
  if projection is not None:
    new_m = tf.matmul(new_m, projection)
  return new_c, new_m


class NASCell(_LSTMBookkeeping, RNNCell):
  """Neural Architecture Search cell. Variables ``recurrent_kernel
  [out, 8*units]``, ``kernel [in, 8*units]``, ``bias [8*units]`` (zeros;
  only with ``use_bias``, added to the recurrent product) and
  ``projection_weights [units, num_proj]``."""

  _default_name = "nas_cell"

  def __init__(self, num_units, num_proj=None, use_bias=False, reuse=None,
               **kwargs):
    super(NASCell, self).__init__(reuse=reuse, **kwargs)
    self._num_units = num_units
    self._num_proj = num_proj
    self._use_bias = use_bias

  def build(self, inputs_shape):
    depth = _input_depth(self, inputs_shape)
    units = 8 * self._num_units
    self._recurrent_kernel = self.add_variable(
        "recurrent_kernel", [self.output_size, units])
    self._kernel = self.add_variable("kernel", [depth, units])
    self._bias = None
    if self._use_bias:
      self._bias = self.add_variable("bias", [units],
                                     initializer=v1.zeros_initializer())
    self._projection = None
    if self._num_proj is not None:
      self._projection = self.add_variable(
          "projection_weights", [self._num_units, self._num_proj])

  def call(self, inputs, state):
    c_prev, m_prev = self._split_state(state)
    new_c, new_m = nas_step(inputs, c_prev, m_prev, self._kernel,
                            self._recurrent_kernel, self._bias,
                            self._projection)
    return new_m, self._join_state(new_c, new_m)


def _spec(depth, dtype):
  """What ``Linear`` reads of its arguments (rank, depth, dtype)."""
  return tf.TensorSpec([None, depth], dtype)


class _InitializerScopeCell(RNNCell):
  """Cells that ran their ``_Linear`` in ``variable_scope(initializer=...)``:
  ``kernel`` gets ``initializer``, ``bias`` zeros."""

  def _linear(self, args, size, name=None):
    with v1.variable_scope(name or v1.get_variable_scope(),
                           initializer=self._initializer):
      lin = Linear(args, size, True)
    self._variables.extend(lin.variables)
    return lin


class UGRNNCell(_UnitsSizes, _InitializerScopeCell):
  """Update-gate RNN (Collins et al. 2017): ``g = sigmoid(g_act +
  forget_bias)``, ``h' = g h + (1 - g) act(c_act)``. Variables ``kernel
  [in+units, 2*units]`` (blocks ``g, c``), ``bias`` (zeros)."""

  _default_name = "ugrnn_cell"

  def __init__(self, num_units, initializer=None, forget_bias=1.0,
               activation=tf.tanh, reuse=None):
    super(UGRNNCell, self).__init__(reuse=reuse)
    self._num_units = num_units
    self._initializer = initializer
    self._forget_bias = forget_bias
    self._activation = get_activation(activation)

  def build(self, inputs_shape):
    depth = _input_depth(self, inputs_shape)
    self._lin = self._linear(_spec(depth + self._num_units, self.dtype),
                             2 * self._num_units)

  def call(self, inputs, state):
    _check_state(self, state, 0)
    g_act, c_act = tf.split(self._lin([inputs, state]), 2, axis=1)
    g = tf.sigmoid(g_act + self._forget_bias)
    new_h = g * state + (1.0 - g) * self._activation(c_act)
    return new_h, new_h


class IntersectionRNNCell(_UnitsSizes, _InitializerScopeCell):
  """Intersection RNN (+RNN, Collins et al. 2017): a recurrent gate ``gh``
  and a depth gate ``gy``; inputs must have ``num_units`` columns unless
  ``num_in_proj`` projects them (``in_projection/kernel|bias``). Variables
  ``kernel [units+units, 4*units]`` (blocks ``gh, h, gy, y``), ``bias``."""

  _default_name = "intersection_rnn_cell"

  def __init__(self, num_units, num_in_proj=None, initializer=None,
               forget_bias=1.0, y_activation=tf.nn.relu, reuse=None):
    super(IntersectionRNNCell, self).__init__(reuse=reuse)
    self._num_units = num_units
    self._initializer = initializer
    self._forget_bias = forget_bias
    self._num_input_proj = num_in_proj
    self._y_activation = get_activation(y_activation)

  def build(self, inputs_shape):
    depth = _input_depth(self, inputs_shape)
    n = self._num_units
    self._in_proj = None
    if depth != n:
      if not self._num_input_proj:
        raise ValueError("Must have input size == output size for "
                         "Intersection RNN. To fix, num_in_proj should "
                         "be set to num_units at cell init.")
      self._in_proj = self._linear(_spec(depth, self.dtype), n,
                                   name="in_projection")
    self._lin = self._linear(_spec(2 * n, self.dtype), 4 * n)

  def call(self, inputs, state):
    _check_state(self, state, 0)
    if self._in_proj is not None:
      inputs = self._in_proj(inputs)
    gh_act, h_act, gy_act, y_act = tf.split(
        self._lin([inputs, state]), 4, axis=1)
    gh = tf.sigmoid(gh_act + self._forget_bias)
    gy = tf.sigmoid(gy_act + self._forget_bias)
    new_state = gh * state + (1.0 - gh) * tf.tanh(h_act)
    new_y = gy * inputs + (1.0 - gy) * self._y_activation(y_act)
    return new_y, new_state


class IndRNNCell(_UnitsSizes, RNNCell):
  """Independently recurrent cell (Li et al. 2018): ``h' = act(x W + u * h
  + b)``. Variables ``kernel_w [in, units]``, ``kernel_u [1, units]``
  (uniform in [-1, 1] by its own initializer, ignoring the scope's, as in
  TF1), ``bias`` (zeros)."""

  _default_name = "ind_rnn_cell"

  def __init__(self, num_units, activation=None, reuse=None, name=None,
               dtype=None):
    super(IndRNNCell, self).__init__(reuse=reuse, name=name, dtype=dtype)
    self._num_units = num_units
    self._activation = get_activation(activation) or tf.tanh

  def _build_ind(self, inputs_shape, blocks, kernel_initializer=None,
                 bias_initializer=None):
    depth = _input_depth(self, inputs_shape)
    size = blocks * self._num_units
    self._kernel_w = self.add_variable("kernel_w", [depth, size],
                                       initializer=kernel_initializer)
    self._kernel_u = self.add_variable(
        "kernel_u", [1, size],
        initializer=v1.random_uniform_initializer(-1, 1, dtype=self.dtype))
    self._bias = self.add_variable(
        "bias", [size],
        initializer=bias_initializer or v1.zeros_initializer(self.dtype))

  def build(self, inputs_shape):
    self._build_ind(inputs_shape, 1)

  def call(self, inputs, state):
    _check_state(self, state, 0)
    pre = tf.matmul(inputs, self._kernel_w) + state * self._kernel_u
    output = self._activation(tf.nn.bias_add(pre, self._bias))
    return output, output


class IndyLSTMCell(_LSTMBookkeeping, IndRNNCell):
  """LSTM with IndRNN's diagonal recurrence (Gonnet & Deselaers 2019).
  Variables ``kernel_w [in, 4*units]``, ``kernel_u [1, 4*units]`` (uniform
  [-1, 1]), ``bias [4*units]``; gate blocks ``i, j, f, o``."""

  _default_name = "indy_lstm_cell"

  def __init__(self, num_units, forget_bias=1.0, activation=None, reuse=None,
               kernel_initializer=None, bias_initializer=None, name=None,
               dtype=None):
    super(IndyLSTMCell, self).__init__(num_units, activation=activation,
                                       reuse=reuse, name=name, dtype=dtype)
    self._forget_bias = forget_bias
    self._kernel_initializer = kernel_initializer
    self._bias_initializer = bias_initializer

  def build(self, inputs_shape):
    self._build_ind(inputs_shape, 4, self._kernel_initializer,
                    self._bias_initializer)

  def call(self, inputs, state):
    c, h = self._split_state(state)
    pre = (tf.matmul(inputs, self._kernel_w) +
           tf.tile(h, [1, 4]) * self._kernel_u)
    i, j, f, o = tf.split(tf.nn.bias_add(pre, self._bias), 4, axis=1)
    new_c, new_h = steps.lstm_update(i, j, f, o, c, self._forget_bias,
                                     self._activation)
    return new_h, self._join_state(new_c, new_h)


class IndyGRUCell(IndRNNCell):
  """GRU with IndRNN's diagonal recurrence (Gonnet & Deselaers 2019).
  Variables ``gates/kernel_w [in, 2*units]``, ``gates/kernel_u [1,
  2*units]`` (uniform [-1, 1]), ``gates/bias`` (1.0), ``candidate/kernel
  [in, units]`` (TF1's name, without ``_w``), ``candidate/kernel_u``,
  ``candidate/bias`` (zeros); gate blocks ``r, u``."""

  _default_name = "indy_gru_cell"

  def __init__(self, num_units, activation=None, reuse=None,
               kernel_initializer=None, bias_initializer=None, name=None,
               dtype=None):
    super(IndyGRUCell, self).__init__(num_units, activation=activation,
                                      reuse=reuse, name=name, dtype=dtype)
    self._kernel_initializer = kernel_initializer
    self._bias_initializer = bias_initializer

  def build(self, inputs_shape):
    depth = _input_depth(self, inputs_shape)
    units = self._num_units
    uniform = v1.random_uniform_initializer(-1, 1, dtype=self.dtype)
    self._weights = {}
    for part, blocks, w_name, bias_init in (
        ("gates", 2, "kernel_w", v1.constant_initializer(1.0, self.dtype)),
        ("candidate", 1, "kernel", v1.zeros_initializer(self.dtype))):
      self._weights[part] = (
          self.add_variable("%s/%s" % (part, w_name), [depth, blocks * units],
                            initializer=self._kernel_initializer),
          self.add_variable(part + "/kernel_u", [1, blocks * units],
                            initializer=uniform),
          self.add_variable(part + "/bias", [blocks * units],
                            initializer=self._bias_initializer or bias_init))

  def call(self, inputs, state):
    _check_state(self, state, 0)
    w, u, b = self._weights["gates"]
    gates = tf.sigmoid(tf.nn.bias_add(
        tf.matmul(inputs, w) + tf.tile(state, [1, 2]) * u, b))
    r, z = tf.split(gates, 2, axis=1)
    w, u, b = self._weights["candidate"]
    c = self._activation(tf.nn.bias_add(
        tf.matmul(inputs, w) + r * state * u, b))
    new_h = z * state + (1 - z) * c
    return new_h, new_h


class SRUCell(_UnitsSizes, RNNCell):
  """Simple recurrent unit (Lei et al. 2017): ``x W`` gives blocks ``x_bar,
  f, r, x_tx``; ``f, r = sigmoid([f, r] + bias)``; ``c' = f c + (1 - f)
  x_bar``; output ``r act(c') + (1 - r) x_tx``, state ``c'``. Variables
  ``kernel [in, 4*units]``, ``bias [2*units]`` (zeros)."""

  _default_name = "sru_cell"

  def __init__(self, num_units, activation=None, reuse=None, name=None,
               **kwargs):
    super(SRUCell, self).__init__(reuse=reuse, name=name, **kwargs)
    self._num_units = num_units
    self._activation = get_activation(activation) or tf.tanh

  def build(self, inputs_shape):
    depth = _input_depth(self, inputs_shape)
    self._kernel = self.add_variable("kernel", [depth, 4 * self._num_units])
    self._bias = self.add_variable("bias", [2 * self._num_units],
                                   initializer=v1.zeros_initializer())

  def call(self, inputs, state):
    _check_state(self, state, 0)
    x_bar, f, r, x_tx = tf.split(tf.matmul(inputs, self._kernel), 4, axis=1)
    f, r = tf.split(tf.sigmoid(tf.nn.bias_add(tf.concat([f, r], 1),
                                              self._bias)), 2, axis=1)
    c = f * state + (1.0 - f) * x_bar
    return r * self._activation(c) + (1.0 - r) * x_tx, c


class HighwayWrapper(_ScopedWrapper):
  """``out = x * carry + cell_out * transform`` (Srivastava et al. 2015),
  with ``carry = sigmoid(x carry_w + carry_b)`` and, coupled,
  ``transform = 1 - carry`` (else its own ``transform_w|b``). Like TF1 it
  has no scope of its own (its ``__call__`` opens none): ``carry_w`` sits
  beside the wrapped cell's scope (``rnn/carry_w``)."""

  def __init__(self, cell, couple_carry_transform_gates=True,
               carry_bias_init=1.0):
    super(HighwayWrapper, self).__init__(cell)
    self._couple_carry_transform_gates = couple_carry_transform_gates
    self._carry_bias_init = carry_bias_init

  def _get(self, name, shape, dtype, initializer=None):
    # TF1 created these in float32 whatever the inputs' dtype (so float64
    # inputs failed); here they take the inputs' dtype.
    var = v1.get_variable(name, shape, dtype=dtype, initializer=initializer)
    if all(var is not v for v in self._variables):
      self._variables.append(var)
    return var

  def _highway(self, inp, out):
    size, dtype = inp.shape.with_rank(2)[1], inp.dtype
    carry = tf.sigmoid(tf.compat.v1.nn.xw_plus_b(
        inp, self._get("carry_w", [size, size], dtype),
        self._get("carry_b", [size], dtype,
                  v1.constant_initializer(self._carry_bias_init))))
    if self._couple_carry_transform_gates:
      transform = 1 - carry
    else:
      transform = tf.sigmoid(tf.compat.v1.nn.xw_plus_b(
          inp, self._get("transform_w", [size, size], dtype),
          self._get("transform_b", [size], dtype,
                    v1.constant_initializer(-self._carry_bias_init))))
    return inp * carry + out * transform

  def __call__(self, inputs, state, scope=None):
    outputs, new_state = self._cell(inputs, state, scope=scope)
    tf.nest.assert_same_structure(inputs, outputs)
    tf.nest.map_structure(
        lambda i, o: i.shape.assert_is_compatible_with(o.shape),
        inputs, outputs)
    return tf.nest.map_structure(self._highway, inputs, outputs), new_state


class AttentionCellWrapper(RNNCell):
  """Attention over the last ``attn_length`` outputs (Cheng et al. 2016).

  State ``(cell_state, attns [attn_size], attn_states
  [attn_length*attn_size])`` (concatenated unless ``state_is_tuple``).
  Variables in ``attention_cell_wrapper``: ``kernel|bias`` (input mix of
  ``[inputs, attns]``), the wrapped cell's, ``attention/attn_w [1, 1,
  attn_size, attn_vec_size]``, ``attention/attn_v``, ``attention/kernel|bias``
  (the query) and ``attn_output_projection/kernel|bias``.
  """

  _default_name = "attention_cell_wrapper"
  _input_ndim = None

  def __init__(self, cell, attn_length, attn_size=None, attn_vec_size=None,
               input_size=None, state_is_tuple=True, reuse=None):
    super(AttentionCellWrapper, self).__init__(reuse=reuse)
    _assert_like_rnncell(cell)
    if tf.nest.is_nested(cell.state_size) and not state_is_tuple:
      raise ValueError("Cell returns tuple of states, but the flag "
                       "state_is_tuple is not set. State size is: %s" %
                       str(cell.state_size))
    if attn_length <= 0:
      raise ValueError("attn_length should be greater than zero, got %s" %
                       str(attn_length))
    if not state_is_tuple:
      _state_is_tuple_warning(self)
    self._attn_size = attn_size or cell.output_size
    self._attn_vec_size = attn_vec_size or self._attn_size
    self._state_is_tuple = state_is_tuple
    self._cell = cell
    self._input_size = input_size
    self._attn_length = attn_length
    self._linears = {}

  @property
  def state_size(self):
    size = (self._cell.state_size, self._attn_size,
            self._attn_size * self._attn_length)
    return size if self._state_is_tuple else sum(size)

  @property
  def output_size(self):
    return self._attn_size

  @property
  def variables(self):
    return self._variables + list(getattr(self._cell, "variables", []))

  def _linear(self, key, args, size):
    if key not in self._linears:
      self._linears[key] = Linear(args, size, True)
      self._variables.extend(self._linears[key].variables)
    return self._linears[key](args)

  def call(self, inputs, state):
    if self._state_is_tuple:
      state, attns, attn_states = state
    else:
      cell_size = self._cell.state_size
      attns = state[:, cell_size:cell_size + self._attn_size]
      attn_states = state[:, cell_size + self._attn_size:]
      state = state[:, :cell_size]
    attn_states = tf.reshape(attn_states,
                             [-1, self._attn_length, self._attn_size])
    input_size = self._input_size or inputs.shape.as_list()[1]
    inputs = self._linear("input", [inputs, attns], input_size)
    cell_output, new_state = self._cell(inputs, state)
    new_state_cat = (tf.concat(tf.nest.flatten(new_state), 1)
                     if self._state_is_tuple else new_state)
    new_attns, new_attn_states = self._attention(new_state_cat, attn_states)
    with v1.variable_scope("attn_output_projection"):
      output = self._linear("output", [cell_output, new_attns],
                            self._attn_size)
    new_attn_states = tf.reshape(
        tf.concat([new_attn_states, tf.expand_dims(output, 1)], 1),
        [-1, self._attn_length * self._attn_size])
    new_state = (new_state, new_attns, new_attn_states)
    if not self._state_is_tuple:
      new_state = tf.concat(list(new_state), 1)
    return output, new_state

  def _attention(self, query, attn_states):
    with v1.variable_scope("attention"):
      if "attn_w" not in self._linears:
        self._linears["attn_w"] = v1.get_variable(
            "attn_w", [1, 1, self._attn_size, self._attn_vec_size])
        self._linears["attn_v"] = v1.get_variable("attn_v",
                                                  [self._attn_vec_size])
        self._variables.extend([self._linears["attn_w"],
                                self._linears["attn_v"]])
      k, v = self._linears["attn_w"], self._linears["attn_v"]
      hidden = tf.reshape(attn_states,
                          [-1, self._attn_length, 1, self._attn_size])
      features = tf.nn.conv2d(hidden, k, [1, 1, 1, 1], "SAME")
      y = tf.reshape(self._linear("query", query, self._attn_vec_size),
                     [-1, 1, 1, self._attn_vec_size])
      a = tf.nn.softmax(tf.reduce_sum(v * tf.tanh(features + y), [2, 3]))
      d = tf.reduce_sum(tf.reshape(a, [-1, self._attn_length, 1, 1]) * hidden,
                        [1, 2])
      return tf.reshape(d, [-1, self._attn_size]), attn_states[:, 1:]
