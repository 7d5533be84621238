"""TF1's ``tf.nn.rnn_cell`` API, rebuilt over public TensorFlow 2.x ops.

Same constructor signatures, defaults, default scope names and variable names
as TensorFlow 1.15, so TF1 checkpoints restore by name and numbers match.
The math lives in ``compat.steps``; the classes here own the variables.

Scoping follows TF1's ``tf.layers.Layer``: on its first call a cell captures
``variable_scope(scope, default_name=<snake_case class name>)`` inside the
current variable scope (so two unnamed cells in one scope become
``basic_lstm_cell`` and ``basic_lstm_cell_1``), creates its variables there,
and re-enters that scope with ``reuse=True`` on every later call. This is why
``MultiRNNCell([cell] * n)`` shares one set of weights: the same object is
called n times, and after the first call it always reuses (TF1 warned, once
per process; so do we).
"""

import collections

import tensorflow as tf

from compat import steps
from compat.base import Layer, get_activation, logger, warn_once

_WEIGHTS = "kernel"
_BIAS = "bias"

v1 = tf.compat.v1


def _nest_str(structure):
  """A (nested) state described by its shapes, for error messages."""
  def shape(t):
    t_shape = getattr(t, "shape", None)
    if t_shape is None:
      return t
    return tuple(t_shape.as_list()) if t_shape.rank is not None else "?"
  if not tf.nest.is_nested(structure):
    return "a single tensor of shape %s" % (shape(structure),)
  return str(tf.nest.map_structure(shape, structure))


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
  """``(c, h)``: cell state and output of an LSTM, as in TF1."""
  __slots__ = ()

  @property
  def dtype(self):
    c, h = self
    if c.dtype != h.dtype:
      raise TypeError("Inconsistent internal state: %s vs %s" %
                      (c.dtype, h.dtype))
    return c.dtype


def _zero_state(state_size, batch_size, dtype):
  def zeros(size):
    shape = tf.TensorShape(size).as_list()
    return tf.zeros(tf.concat([[batch_size], shape], 0) if not isinstance(
        batch_size, int) else [batch_size] + shape, dtype=dtype)
  return tf.nest.map_structure(zeros, state_size)


class RNNCell(Layer):
  """Abstract TF1 RNN cell: ``(output, new_state) = cell(inputs, state)``.

  Subclasses implement ``state_size``, ``output_size``, ``build(input_shape)``
  (creating variables with ``self.add_variable``) and
  ``call(inputs, state)``.
  """

  _default_name = "rnn_cell"
  # TF1 cells declared ``InputSpec(ndim=2)``; wrappers accept anything.
  _input_ndim = 2

  @property
  def state_size(self):
    raise NotImplementedError("Abstract method")

  @property
  def output_size(self):
    raise NotImplementedError("Abstract method")

  def zero_state(self, batch_size, dtype):
    """Zero-filled state tensor(s) of ``[batch_size, s]`` per state size."""
    with tf.name_scope(type(self).__name__ + "ZeroState"):
      return _zero_state(self.state_size, batch_size, dtype)

  def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
    if inputs is not None:
      batch_size = tf.shape(inputs)[0]
      dtype = inputs.dtype
    return self.zero_state(batch_size, dtype)

  def call(self, inputs, state):
    raise NotImplementedError("Abstract method")

  def _rank_hint(self):
    return (" ([batch, depth]); to run over time use "
            "tf.compat.v1.nn.dynamic_rnn, or reshape the inputs.")

  def __call__(self, inputs, state, scope=None):
    """Run one step, creating variables on the first call (TF1 semantics)."""
    inputs = self._check_inputs(inputs)
    with self._enter_scope(scope, inputs):
      return self.call(inputs, state)


class LayerRNNCell(RNNCell):
  """Kept for code that subclassed it in TF1; identical to ``RNNCell`` here."""


def _check_state(cell, state, expected):
  """Raise a clear error when ``state`` does not match the expected structure
  (``expected``: ``0`` or ``LSTMStateTuple(0, 0)``) or ``cell.state_size``."""
  try:
    tf.nest.assert_same_structure(state, expected, check_types=False)
  except (ValueError, TypeError):
    raise ValueError(
        "%s was given a state of the wrong structure: expected %s (state_size "
        "%s), got %s. Pass cell.zero_state(batch_size, dtype) or the state "
        "the cell returned." % (cell.name, _expected_str(expected),
                                cell.state_size, _nest_str(state)))
  sizes = tf.nest.flatten(cell.state_size)
  for part, size in zip(tf.nest.flatten(state), sizes):
    part_shape = getattr(part, "shape", None)
    if part_shape is None or part_shape.rank is None:
      continue
    if part_shape.rank != 2 or part_shape[-1] not in (None, size):
      raise ValueError(
          "%s was given a state that does not fit its state_size %s: got %s; "
          "each part must be [batch_size, size]." %
          (cell.name, cell.state_size, _nest_str(state)))


def _expected_str(expected):
  if tf.nest.is_nested(expected):
    return "an %s" % type(expected).__name__
  return "a single tensor"


def _check_input_dtypes(inputs, state):
  """TF1's check: the cells' activations need float (or complex) tensors."""
  for t in tf.nest.flatten([inputs, state]):
    dtype = getattr(t, "dtype", None)
    if dtype is not None and not (dtype.is_floating or dtype.is_complex):
      raise ValueError("RNN cell only supports floating point inputs, but saw "
                       "dtype: %s" % dtype)


class _UnitsSizes(object):
  """``state_size`` and ``output_size`` both ``num_units``: the cells whose
  state is one ``[batch, num_units]`` tensor."""

  @property
  def state_size(self):
    return self._num_units

  @property
  def output_size(self):
    return self._num_units


class BasicRNNCell(_UnitsSizes, LayerRNNCell):
  """The most basic RNN cell: ``output = new_state = act(W [x, h] + b)``."""

  _default_name = "basic_rnn_cell"

  def __init__(self, num_units, activation=None, reuse=None, name=None,
               dtype=None, **kwargs):
    super(BasicRNNCell, self).__init__(name=name, dtype=dtype, reuse=reuse,
                                       **kwargs)
    self._num_units = num_units
    self._activation = get_activation(activation) or tf.tanh

  def build(self, inputs_shape):
    depth = inputs_shape[-1]
    self._kernel = self.add_variable(
        _WEIGHTS, shape=[depth + self._num_units, self._num_units])
    self._bias = self.add_variable(
        _BIAS, shape=[self._num_units],
        initializer=v1.zeros_initializer())

  def call(self, inputs, state):
    _check_state(self, state, 0)
    _check_input_dtypes(inputs, state)
    output = steps.basic_rnn_step(inputs, state, self._kernel, self._bias,
                                  self._activation)
    return output, output


class GRUCell(_UnitsSizes, LayerRNNCell):
  """Gated Recurrent Unit cell (Cho et al. 2014), TF1 layout.

  Variables: ``gates/kernel [in+units, 2*units]``, ``gates/bias`` (initialised
  to 1.0 unless ``bias_initializer`` is given), ``candidate/kernel
  [in+units, units]``, ``candidate/bias`` (zeros).
  """

  _default_name = "gru_cell"

  def __init__(self, num_units, activation=None, reuse=None,
               kernel_initializer=None, bias_initializer=None, name=None,
               dtype=None, **kwargs):
    super(GRUCell, self).__init__(name=name, dtype=dtype, reuse=reuse,
                                  **kwargs)
    self._num_units = num_units
    self._activation = get_activation(activation) or tf.tanh
    self._kernel_initializer = kernel_initializer
    self._bias_initializer = bias_initializer

  def build(self, inputs_shape):
    depth = inputs_shape[-1]
    units = self._num_units
    with v1.variable_scope("gates"):
      self._gate_kernel = self.add_variable(
          _WEIGHTS, shape=[depth + units, 2 * units],
          initializer=self._kernel_initializer)
      self._gate_bias = self.add_variable(
          _BIAS, shape=[2 * units],
          initializer=(self._bias_initializer or
                       v1.constant_initializer(1.0)))
    with v1.variable_scope("candidate"):
      self._candidate_kernel = self.add_variable(
          _WEIGHTS, shape=[depth + units, units],
          initializer=self._kernel_initializer)
      self._candidate_bias = self.add_variable(
          _BIAS, shape=[units],
          initializer=(self._bias_initializer or
                       v1.zeros_initializer()))

  def call(self, inputs, state):
    _check_state(self, state, 0)
    _check_input_dtypes(inputs, state)
    new_h = steps.gru_step(inputs, state, self._gate_kernel, self._gate_bias,
                           self._candidate_kernel, self._candidate_bias,
                           self._activation)
    return new_h, new_h


def _state_is_tuple_warning(cell):
  logger.warning("%s: Using a concatenated state is slower and will soon be "
                 "deprecated.  Use state_is_tuple=True.", cell)


class _LSTMBookkeeping(object):
  """What the LSTM-like cells share around their math.

  State ``c`` of ``num_units`` and output ``m`` of ``num_proj or
  num_units``, as an ``LSTMStateTuple(c, m)`` or, with
  ``state_is_tuple=False``, concatenated ``[c, m]``; the options of the
  projected LSTMs (peepholes, clipping, projection) and their variables
  ``w_f_diag, w_i_diag, w_o_diag`` and ``projection/kernel``.
  """

  _num_proj = None
  _state_is_tuple = True

  def _set_lstm_options(self, use_peepholes=False, cell_clip=None,
                        initializer=None, num_proj=None, proj_clip=None):
    self._use_peepholes = use_peepholes
    self._cell_clip = cell_clip
    self._initializer = initializer
    self._num_proj = num_proj
    self._proj_clip = proj_clip

  @property
  def state_size(self):
    if self._state_is_tuple:
      return LSTMStateTuple(self._num_units, self.output_size)
    return self._num_units + self.output_size

  @property
  def output_size(self):
    return self._num_proj or self._num_units

  def _split_state(self, state):
    if self._state_is_tuple:
      _check_state(self, state, LSTMStateTuple(0, 0))
      return state
    _check_state(self, state, 0)
    return (tf.slice(state, [0, 0], [-1, self._num_units]),
            tf.slice(state, [0, self._num_units], [-1, self.output_size]))

  def _join_state(self, c, m):
    if self._state_is_tuple:
      return LSTMStateTuple(c, m)
    return tf.concat([c, m], 1)

  def _add_peepholes(self, initializer=None):
    """``(w_f_diag, w_i_diag, w_o_diag)``, in TF1's creation order."""
    return tuple(self.add_variable(n, shape=[self._num_units],
                                   initializer=initializer)
                 for n in ("w_f_diag", "w_i_diag", "w_o_diag"))

  def _add_projection(self, initializer=None, partitioner=None):
    """``projection/kernel [num_units, num_proj]``."""
    with v1.variable_scope("projection"):
      return self.add_variable(
          _WEIGHTS, shape=[self._num_units, self._num_proj],
          initializer=initializer, partitioner=partitioner)


class BasicLSTMCell(_LSTMBookkeeping, LayerRNNCell):
  """Basic LSTM cell (no peepholes, no clipping, no projection), TF1 layout.

  One ``kernel [in+units, 4*units]`` with gate blocks ``i, j, f, o`` and a
  zero-initialised ``bias``. ``forget_bias`` is added at run time and is not
  part of the bias variable: a checkpoint's bias does not contain it.
  """

  _default_name = "basic_lstm_cell"

  def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True,
               activation=None, reuse=None, name=None, dtype=None, **kwargs):
    super(BasicLSTMCell, self).__init__(name=name, dtype=dtype, reuse=reuse,
                                        **kwargs)
    if not state_is_tuple:
      _state_is_tuple_warning(self)
    self._num_units = num_units
    self._forget_bias = forget_bias
    self._state_is_tuple = state_is_tuple
    self._activation = get_activation(activation) or tf.tanh

  def build(self, inputs_shape):
    depth = inputs_shape[-1]
    self._kernel = self.add_variable(
        _WEIGHTS, shape=[depth + self._num_units, 4 * self._num_units])
    self._bias = self.add_variable(
        _BIAS, shape=[4 * self._num_units],
        initializer=v1.zeros_initializer())

  def call(self, inputs, state):
    _check_input_dtypes(inputs, state)
    c, h = self._split_state(state)
    new_c, new_h = steps.basic_lstm_step(inputs, c, h, self._kernel,
                                         self._bias, self._forget_bias,
                                         self._activation)
    return new_h, self._join_state(new_c, new_h)


class LSTMCell(BasicLSTMCell):
  """Long short-term memory cell with optional peepholes, clipping and a
  projection layer, TF1 layout (Hochreiter & Schmidhuber 1997; Sak et al.
  2014 for the projection).

  Variables: ``kernel [in + (num_proj or units), 4*units]`` (``initializer``),
  ``bias`` (zeros), peepholes ``w_f_diag, w_i_diag, w_o_diag [units]`` and
  ``projection/kernel [units, num_proj]``.
  """

  _default_name = "lstm_cell"

  def __init__(self, num_units, use_peepholes=False, cell_clip=None,
               initializer=None, num_proj=None, proj_clip=None,
               num_unit_shards=None, num_proj_shards=None, forget_bias=1.0,
               state_is_tuple=True, activation=None, reuse=None, name=None,
               dtype=None, **kwargs):
    super(LSTMCell, self).__init__(
        num_units, forget_bias=forget_bias, state_is_tuple=state_is_tuple,
        activation=activation, reuse=reuse, name=name, dtype=dtype, **kwargs)
    if num_unit_shards is not None or num_proj_shards is not None:
      logger.warning("%s: The num_unit_shards and proj_unit_shards parameters "
                     "are deprecated and will be removed in Jan 2017.  Use a "
                     "variable scope with a partitioner instead.", self)
    self._set_lstm_options(use_peepholes, cell_clip, initializer, num_proj,
                           proj_clip)
    self._num_unit_shards = num_unit_shards
    self._num_proj_shards = num_proj_shards

  def build(self, inputs_shape):
    depth = inputs_shape[-1]
    units = self._num_units
    partitioner = (v1.fixed_size_partitioner(self._num_unit_shards)
                   if self._num_unit_shards is not None else None)
    self._kernel = self.add_variable(
        _WEIGHTS, shape=[depth + self.output_size, 4 * units],
        initializer=self._initializer, partitioner=partitioner)
    self._bias = self.add_variable(
        _BIAS, shape=[4 * units],
        initializer=v1.zeros_initializer())
    self._peepholes = None
    if self._use_peepholes:
      self._peepholes = self._add_peepholes(self._initializer)
    self._proj_kernel = None
    if self._num_proj is not None:
      self._proj_kernel = self._add_projection(
          self._initializer,
          v1.fixed_size_partitioner(self._num_proj_shards)
          if self._num_proj_shards is not None else None)

  def call(self, inputs, state):
    _check_input_dtypes(inputs, state)
    c, m = self._split_state(state)
    kernel = self._kernel
    if not isinstance(kernel, tf.Variable):
      kernel = tf.concat(list(kernel), 0)
    proj = self._proj_kernel
    if proj is not None and not isinstance(proj, tf.Variable):
      proj = tf.concat(list(proj), 0)
    new_c, new_m = steps.lstm_step(
        inputs, c, m, kernel, self._bias, self._forget_bias,
        self._activation, peepholes=self._peepholes,
        cell_clip=self._cell_clip, projection=proj,
        proj_clip=self._proj_clip)
    return new_m, self._join_state(new_c, new_m)


class MultiRNNCell(RNNCell):
  """Stack cells; layer k runs in variable scope ``cell_k``.

  Passing the same cell object more than once (``[cell] * n``) makes every
  layer use that one cell's variables, created under ``cell_0``: this is what
  TF1 did, with the same warning.
  """

  _default_name = "multi_rnn_cell"
  _input_ndim = None

  def __init__(self, cells, state_is_tuple=True):
    super(MultiRNNCell, self).__init__()
    if not cells:
      raise ValueError("Must specify at least one cell for MultiRNNCell.")
    if not isinstance(cells, (list, tuple)):
      raise TypeError("cells must be a list or tuple, but saw: %s." % cells)
    if len(set(id(cell) for cell in cells)) < len(cells):
      warn_once("At least two cells provided to MultiRNNCell are the same "
                "object and will share weights.")
    self._cells = list(cells)
    self._state_is_tuple = state_is_tuple
    if not state_is_tuple:
      if any(tf.nest.is_nested(c.state_size) for c in self._cells):
        raise ValueError("Some cells return tuples of states, but the flag "
                         "state_is_tuple is not set.  State sizes are: %s" %
                         str([c.state_size for c in self._cells]))

  @property
  def cells(self):
    return list(self._cells)

  @property
  def state_size(self):
    if self._state_is_tuple:
      return tuple(cell.state_size for cell in self._cells)
    return sum(cell.state_size for cell in self._cells)

  @property
  def output_size(self):
    return self._cells[-1].output_size

  @property
  def variables(self):
    seen, out = set(), []
    for v in self._variables + [v for c in self._cells for v in c.variables]:
      if id(v) not in seen:
        seen.add(id(v))
        out.append(v)
    return out

  def zero_state(self, batch_size, dtype):
    with tf.name_scope(type(self).__name__ + "ZeroState"):
      if self._state_is_tuple:
        return tuple(cell.zero_state(batch_size, dtype)
                     for cell in self._cells)
      return _zero_state(self.state_size, batch_size, dtype)

  def call(self, inputs, state):
    if self._state_is_tuple:
      if not isinstance(state, tuple) or len(state) != len(self._cells):
        raise ValueError(
            "Expected state to be a tuple of length %d, but received: %s" %
            (len(self._cells), _nest_str(state)))
    cur_inp = inputs
    new_states = []
    offset = 0
    for i, cell in enumerate(self._cells):
      with v1.variable_scope("cell_%d" % i):
        if self._state_is_tuple:
          cur_state = state[i]
        else:
          cur_state = tf.slice(state, [0, offset], [-1, cell.state_size])
          offset += cell.state_size
        cur_inp, new_state = cell(cur_inp, cur_state)
        new_states.append(new_state)
    if self._state_is_tuple:
      return cur_inp, tuple(new_states)
    return cur_inp, tf.concat(new_states, 1)
