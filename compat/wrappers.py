"""TF1 cell wrappers: ``DropoutWrapper``, ``ResidualWrapper``,
``DeviceWrapper`` (``tf.nn.rnn_cell``) and contrib's ``EmbeddingWrapper``,
``InputProjectionWrapper``, ``OutputProjectionWrapper``.

Two kinds, as in TF 1.15:
  * Dropout/Residual/Device wrappers add no variable scope: the wrapped cell's
    variables keep the names they would have unwrapped.
  * The contrib wrappers are cells in their own right: they open
    ``embedding_wrapper`` / ``input_projection_wrapper`` /
    ``output_projection_wrapper`` and the wrapped cell's scope nests inside.
"""

import hashlib
import math
import numbers

import numpy as np
import tensorflow as tf

from compat import rnn_cell
from compat.rnn_cell import LSTMStateTuple, RNNCell, logger

v1 = tf.compat.v1


def _assert_like_rnncell(cell):
  for attr in ("output_size", "state_size", "zero_state"):
    if not hasattr(cell, attr):
      raise TypeError("The argument 'cell' (%s) is not an RNNCell: it has no "
                      "%s." % (cell, attr))
  if not callable(cell):
    raise TypeError("The argument 'cell' (%s) is not an RNNCell: it is not "
                    "callable." % (cell,))


class Linear(object):
  """``y = concat(args) @ kernel + bias`` with TF1 ``_Linear``'s variables.

  Creates ``kernel [sum(in), output_size]`` and ``bias [output_size]``
  (constant 0.0 unless ``bias_initializer``) in the variable scope current at
  construction; calling it reuses them.
  """

  def __init__(self, args, output_size, build_bias, bias_initializer=None,
               kernel_initializer=None):
    if not isinstance(args, (list, tuple)):
      args = [args]
    total = 0
    for a in args:
      if a.shape.rank != 2:
        raise ValueError("linear is expecting 2D arguments: %s" %
                         [x.shape for x in args])
      if a.shape[1] is None:
        raise ValueError("linear expects shape[1] to be provided for shape "
                         "%s, but saw None." % a.shape)
      total += a.shape[1]
    dtype = args[0].dtype
    self._kernel = v1.get_variable(
        rnn_cell._WEIGHTS, [total, output_size], dtype=dtype,
        initializer=kernel_initializer)
    self._bias = None
    if build_bias:
      self._bias = v1.get_variable(
          rnn_cell._BIAS, [output_size], dtype=dtype,
          initializer=(bias_initializer or
                       v1.constant_initializer(0.0)))

  @property
  def variables(self):
    return [self._kernel] + ([self._bias] if self._bias is not None else [])

  def __call__(self, args):
    return rnn_cell.steps.linear(args, self._kernel, self._bias)


class _CellWrapper(RNNCell):
  """A cell around ``cell``: ``cell``'s sizes and zero state, and as
  variables its own (if any) followed by ``cell``'s."""

  _input_ndim = None

  def __init__(self, cell, reuse=None):
    super(_CellWrapper, self).__init__(reuse=reuse)
    _assert_like_rnncell(cell)
    self._cell = cell

  @property
  def state_size(self):
    return self._cell.state_size

  @property
  def output_size(self):
    return self._cell.output_size

  @property
  def variables(self):
    return self._variables + list(getattr(self._cell, "variables", []))

  def zero_state(self, batch_size, dtype):
    with tf.name_scope(type(self).__name__ + "ZeroState"):
      return self._cell.zero_state(batch_size, dtype)


class _WrapperBase(_CellWrapper):
  """A wrapper that runs the wrapped cell in the caller's scope (no scope)."""

  @property
  def cell(self):
    return self._cell

  @cell.setter
  def cell(self, cell):
    self._cell = cell

  @property
  def wrapped_cell(self):
    return self._cell

  def __call__(self, inputs, state, scope=None):
    return self._call_wrapped_cell(inputs, state, scope)

  def _call_wrapped_cell(self, inputs, state, scope):
    raise NotImplementedError


def _default_dropout_state_filter_visitor(substate):
  if isinstance(substate, LSTMStateTuple):
    return LSTMStateTuple(c=False, h=True)
  if isinstance(substate, tf.TensorArray):
    return False
  return True


def _dropout(x, keep_prob, seed):
  """TF 1.15's ``nn.dropout``: keep where ``uniform >= rate``, scale the kept
  values by ``1 / (1 - rate)``, both computed in ``x``'s dtype as TF1 did."""
  rate = tf.cast(1. - keep_prob, x.dtype)
  scale = 1 / (1 - rate)
  keep_mask = tf.random.uniform(tf.shape(x), seed=seed, dtype=x.dtype) >= rate
  return x * scale * tf.cast(keep_mask, x.dtype)


class DropoutWrapper(_WrapperBase):
  """Dropout on a cell's inputs, outputs and/or new state.

  ``variational_recurrent=True`` uses one mask per sequence (Gal &
  Ghahramani 2016), drawn at construction (so ``dtype``, and ``input_size``
  when ``input_keep_prob < 1``, are required). State dropout by default drops
  only the ``h`` part of an ``LSTMStateTuple``. Seeds per element are derived
  from ``seed`` as TF1 did, so graph-seeded runs are reproducible.
  """

  def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0,
               state_keep_prob=1.0, variational_recurrent=False,
               input_size=None, dtype=None, seed=None,
               dropout_state_filter_visitor=None):
    super(DropoutWrapper, self).__init__(cell)
    if (dropout_state_filter_visitor is not None and
        not callable(dropout_state_filter_visitor)):
      raise TypeError("dropout_state_filter_visitor must be callable")
    self._dropout_state_filter = (dropout_state_filter_visitor or
                                  _default_dropout_state_filter_visitor)
    for prob, attr in [(input_keep_prob, "input_keep_prob"),
                       (state_keep_prob, "state_keep_prob"),
                       (output_keep_prob, "output_keep_prob")]:
      if isinstance(prob, numbers.Real):
        if not 0 <= prob <= 1:
          raise ValueError("Parameter %s must be between 0 and 1: %r" %
                           (attr, prob))
        # TF1 read the value back from a float32 constant: keep its rounding.
        setattr(self, "_" + attr, float(np.float32(prob)))
      else:
        value = tf.get_static_value(tf.convert_to_tensor(prob))
        setattr(self, "_" + attr,
                float(value) if value is not None else
                tf.convert_to_tensor(prob))
    self._variational_recurrent = variational_recurrent
    self._input_size = input_size
    self._seed = seed
    self._noise = {"input": None, "state": None, "output": None}
    if variational_recurrent:
      if dtype is None:
        raise ValueError(
            "When variational_recurrent=True, dtype must be provided")
      if not isinstance(self._input_keep_prob, float) or (
          self._input_keep_prob < 1.0):
        if input_size is None:
          raise ValueError(
              "When variational_recurrent=True and input_keep_prob < 1.0 or "
              "is unknown, input_size must be provided")
        self._noise["input"] = self._batch_noise(input_size, "input", dtype)
      self._noise["state"] = self._batch_noise(cell.state_size, "state", dtype)
      self._noise["output"] = self._batch_noise(cell.output_size, "output",
                                                dtype)

  def _batch_noise(self, sizes, salt, dtype):
    flat = tf.nest.flatten(sizes)
    noise = [tf.random.uniform([1] + tf.TensorShape(s).as_list(),
                               seed=self._gen_seed(salt, i), dtype=dtype)
             for i, s in enumerate(flat)]
    return tf.nest.pack_sequence_as(sizes, noise)

  def _gen_seed(self, salt_prefix, index):
    if self._seed is None:
      return None
    string = (str(self._seed) + "%s_%d" % (salt_prefix, index)).encode("utf-8")
    return int(hashlib.md5(string).hexdigest()[:8], 16) & 0x7FFFFFFF

  def _apply(self, values, salt, keep_prob, keep_filter=None):
    """Dropout over the leaves of ``values``.

    As in TF1, seeds are salted with the index of each entry of the
    filter's shallow structure (a skipped substructure counts once), and
    variational noise is matched to leaves by position.
    """
    flat = tf.nest.flatten(values)
    if keep_filter is None:
      plan = [(True, 1)] * len(flat)
    else:
      plan = _dropout_plan(keep_filter, values)
    noise = (tf.nest.flatten(self._noise[salt])
             if self._variational_recurrent else None)
    out = []
    for index, (do, count) in enumerate(plan):
      start = len(out)
      if not do:
        out.extend(flat[start:start + count])
      elif noise is None:
        out.append(_dropout(flat[start], keep_prob,
                            self._gen_seed(salt, index)))
      else:
        v = flat[start]
        kept = tf.math.floor(keep_prob + noise[start])
        r = tf.math.divide(v, keep_prob) * kept
        r.set_shape(v.shape)
        out.append(r)
    return tf.nest.pack_sequence_as(values, out)

  def _call_wrapped_cell(self, inputs, state, scope):
    def should(p):
      return not isinstance(p, float) or p < 1
    if should(self._input_keep_prob):
      inputs = self._apply(inputs, "input", self._input_keep_prob)
    output, new_state = self.cell(inputs, state, scope=scope)
    if should(self._state_keep_prob):
      new_state = self._apply(new_state, "state", self._state_keep_prob,
                              self._dropout_state_filter)
    if should(self._output_keep_prob):
      output = self._apply(output, "output", self._output_keep_prob)
    return output, new_state


def _children(structure):
  if isinstance(structure, dict):
    return [structure[k] for k in sorted(structure)]
  return list(structure)


def _dropout_plan(visitor, values):
  """TF1's ``get_traverse_shallow_structure`` walk, flattened.

  Returns one ``(do_dropout, leaf_count)`` per entry of the shallow
  structure: ``(True, 1)`` for a leaf to drop out, ``(False, n)`` for a leaf
  or a whole substructure of ``n`` leaves left alone.
  """
  plan = []

  def skip(v):
    plan.append((False, len(tf.nest.flatten(v))))

  def walk(v):
    keep = visitor(v)
    if not tf.nest.is_nested(v):
      if not isinstance(keep, bool):
        raise TypeError("dropout_state_filter_visitor returned %r for a "
                        "leaf; expected a bool" % (keep,))
      plan.append((keep, 1))
    elif isinstance(keep, bool):
      if keep:
        for child in _children(v):
          walk(child)
      else:
        skip(v)
    else:  # one bool per child of v
      flags = _children(keep)
      if len(flags) != len(_children(v)):
        raise ValueError("dropout_state_filter_visitor returned %r, which "
                         "does not match the structure %s" % (keep, v))
      for flag, child in zip(flags, _children(v)):
        if not isinstance(flag, bool):
          raise TypeError("dropout_state_filter_visitor returned %r; its "
                          "entries must be bools" % (keep,))
        if flag:
          walk(child)
        else:
          skip(child)
  walk(values)
  return plan


class ResidualWrapper(_WrapperBase):
  """``output = residual_fn(inputs, cell_output)``; by default their sum."""

  def __init__(self, cell, residual_fn=None):
    super(ResidualWrapper, self).__init__(cell)
    self._residual_fn = residual_fn

  def _call_wrapped_cell(self, inputs, state, scope):
    outputs, new_state = self.cell(inputs, state, scope=scope)

    def default_residual_fn(inputs, outputs):
      tf.nest.assert_same_structure(inputs, outputs)
      tf.nest.map_structure(
          lambda i, o: i.shape.assert_is_compatible_with(o.shape),
          inputs, outputs)
      return tf.nest.map_structure(lambda i, o: i + o, inputs, outputs)

    fn = self._residual_fn or default_residual_fn
    return fn(inputs, outputs), new_state


class DeviceWrapper(_WrapperBase):
  """Run the wrapped cell (and its zero state) on ``device``."""

  def __init__(self, cell, device):
    super(DeviceWrapper, self).__init__(cell)
    self._device = device

  def zero_state(self, batch_size, dtype):
    with tf.name_scope(type(self).__name__ + "ZeroState"):
      with tf.device(self._device):
        return self.cell.zero_state(batch_size, dtype)

  def _call_wrapped_cell(self, inputs, state, scope):
    with tf.device(self._device):
      return self.cell(inputs, state, scope=scope)


class _ScopedWrapper(_CellWrapper):
  """Base of contrib's wrappers: a cell with its own scope around ``cell``."""


class EmbeddingWrapper(_ScopedWrapper):
  """Embed integer ids before the cell: variable ``embedding_wrapper/embedding
  [embedding_classes, embedding_size]``, placed on ``/cpu:0``; initialiser:
  the given one, else the scope's, else uniform(-sqrt 3, sqrt 3)."""

  _default_name = "embedding_wrapper"

  def __init__(self, cell, embedding_classes, embedding_size,
               initializer=None, reuse=None):
    super(EmbeddingWrapper, self).__init__(cell, reuse=reuse)
    if embedding_classes <= 0 or embedding_size <= 0:
      raise ValueError("Both embedding_classes and embedding_size must be > 0: "
                       "%d, %d." % (embedding_classes, embedding_size))
    self._embedding_classes = embedding_classes
    self._embedding_size = embedding_size
    self._initializer = initializer

  def call(self, inputs, state):
    with tf.device("/cpu:0"):
      initializer = (self._initializer or
                     v1.get_variable_scope().initializer or
                     v1.random_uniform_initializer(-math.sqrt(3),
                                                   math.sqrt(3)))
      data_type = tf.nest.flatten(state)[0].dtype
      embedding = v1.get_variable(
          "embedding", [self._embedding_classes, self._embedding_size],
          initializer=initializer, dtype=data_type)
      if all(embedding is not v for v in self._variables):
        self._variables.append(embedding)
      embedded = tf.nn.embedding_lookup(embedding, tf.reshape(inputs, [-1]))
    return self._cell(embedded, state)


class InputProjectionWrapper(_ScopedWrapper):
  """Project inputs to ``num_proj`` before the cell (``kernel``, ``bias`` in
  ``input_projection_wrapper``)."""

  _default_name = "input_projection_wrapper"

  def __init__(self, cell, num_proj, activation=None, input_size=None,
               reuse=None):
    super(InputProjectionWrapper, self).__init__(cell, reuse=reuse)
    if input_size is not None:
      logger.warning("%s: The input_size parameter is deprecated.", self)
    self._num_proj = num_proj
    self._activation = activation
    self._linear = None

  def call(self, inputs, state):
    if self._linear is None:
      self._linear = Linear(inputs, self._num_proj, True)
      self._variables.extend(self._linear.variables)
    projected = self._linear(inputs)
    if self._activation:
      projected = self._activation(projected)
    return self._cell(projected, state)


class OutputProjectionWrapper(_ScopedWrapper):
  """Project the cell's output to ``output_size`` (``kernel``, ``bias`` in
  ``output_projection_wrapper``, after the wrapped cell's own scope)."""

  _default_name = "output_projection_wrapper"

  def __init__(self, cell, output_size, activation=None, reuse=None):
    super(OutputProjectionWrapper, self).__init__(cell, reuse=reuse)
    if output_size < 1:
      raise ValueError("Parameter output_size must be > 0: %d." % output_size)
    self._output_size = output_size
    self._activation = activation
    self._linear = None

  @property
  def output_size(self):
    return self._output_size

  def call(self, inputs, state):
    output, res_state = self._cell(inputs, state)
    if self._linear is None:
      self._linear = Linear(output, self._output_size, True)
      self._variables.extend(self._linear.variables)
    projected = self._linear(output)
    if self._activation:
      projected = self._activation(projected)
    return projected, res_state
