"""Attention mechanisms and ``AttentionWrapper`` (``tf.contrib.seq2seq``).

Variable names as TF 1.15 made them:

  * ``memory_layer/kernel`` (and ``query_layer/kernel`` for Bahdanau): Dense
    layers without bias; the memory layer runs when the mechanism is built,
    in the variable scope current then;
  * score variables in ``luong_attention/`` (``attention_g`` when
    ``scale``) or ``bahdanau_attention/`` (``attention_v``, plus
    ``attention_g``/``attention_b`` when ``normalize``; the query layer is
    ``bahdanau_attention/query_layer``), created in the scope the mechanism
    is called in -- inside ``AttentionWrapper``, ``.../attention_wrapper/``;
  * ``attention_wrapper/attention_layer/kernel`` (``attention_layer_1``, ...
    for further mechanisms) when ``attention_layer_size`` is given.

Scores of entries past ``memory_sequence_length`` are set to
``score_mask_value`` (default -inf) before the probability function, and
those memory rows are zeroed.
"""

import collections
import functools
import math

import numpy as np
import tensorflow as tf

from compat.layers import Dense
from compat.rnn_cell import RNNCell

v1 = tf.compat.v1

__all__ = [
    "AttentionMechanism", "AttentionWrapper", "AttentionWrapperState",
    "LuongAttention", "BahdanauAttention", "hardmax", "safe_cumprod",
    "monotonic_attention", "BahdanauMonotonicAttention",
    "LuongMonotonicAttention",
]


class AttentionMechanism(object):
  """Base of the attention mechanisms (TF1's marker class)."""

  @property
  def alignments_size(self):
    raise NotImplementedError

  @property
  def state_size(self):
    raise NotImplementedError


def _sequence_mask_like(lengths, maxlen, dtype=tf.bool):
  return tf.sequence_mask(lengths, maxlen=maxlen, dtype=dtype)


def _prepare_memory(memory, memory_sequence_length, check_inner_dims_defined):
  """``memory`` as tensors, rows past the sequence lengths zeroed."""
  memory = tf.nest.map_structure(
      lambda m: tf.convert_to_tensor(m, name="memory"), memory)
  if check_inner_dims_defined:
    for m in tf.nest.flatten(memory):
      if not m.shape[2:].is_fully_defined():
        raise ValueError("Expected memory %s to have fully defined inner "
                         "dims, but saw shape: %s" % (m.name, m.shape))
  if memory_sequence_length is None:
    return memory
  lengths = tf.convert_to_tensor(memory_sequence_length,
                                 name="memory_sequence_length")

  def mask(m):
    row_mask = _sequence_mask_like(lengths, tf.shape(m)[1], m.dtype)
    extra = m.shape.rank - 2 if m.shape.rank is not None else None
    if extra is None:
      extra_ones = tf.ones(tf.rank(m) - 2, dtype=tf.int32)
      row_mask = tf.reshape(row_mask, tf.concat(
          [tf.shape(row_mask), extra_ones], 0))
    else:
      row_mask = tf.reshape(row_mask, tf.concat(
          [tf.shape(row_mask), [1] * extra], 0))
    return m * row_mask
  return tf.nest.map_structure(mask, memory)


def _mask_score(score, memory_sequence_length, score_mask_value):
  if memory_sequence_length is None:
    return score
  check = v1.assert_positive(
      memory_sequence_length,
      message="All values in memory_sequence_length must be greater than "
      "zero.")
  with tf.control_dependencies([check]):
    keep = _sequence_mask_like(memory_sequence_length, tf.shape(score)[1])
  return v1.where(keep, score, score_mask_value * tf.ones_like(score))


def _static_or_dynamic(t, axis):
  return t.shape[axis] if t.shape[axis] is not None else tf.shape(t)[axis]


class _BaseAttentionMechanism(AttentionMechanism):
  """Memory, keys (memory through ``memory_layer``) and masking."""

  def __init__(self, query_layer, memory, probability_fn,
               memory_sequence_length=None, memory_layer=None,
               check_inner_dims_defined=True, score_mask_value=None,
               custom_key_value_fn=None, name=None):
    for what, layer in (("query_layer", query_layer),
                        ("memory_layer", memory_layer)):
      if layer is not None and not callable(layer):
        raise TypeError("%s is not a Layer: %s" % (what,
                                                   type(layer).__name__))
    if not callable(probability_fn):
      raise TypeError("probability_fn must be callable, saw type: %s" %
                      type(probability_fn).__name__)
    self._query_layer = query_layer
    self._memory_layer = memory_layer
    self.dtype = tf.as_dtype(getattr(memory_layer, "dtype", None) or
                             tf.float32)
    if score_mask_value is None:
      score_mask_value = self.dtype.as_numpy_dtype(-np.inf)
    if memory_sequence_length is not None:
      memory_sequence_length = tf.convert_to_tensor(
          memory_sequence_length, name="memory_sequence_length")
    self._probability_fn = lambda score, prev: probability_fn(
        _mask_score(score, memory_sequence_length, score_mask_value), prev)
    with tf.name_scope(name or "BaseAttentionMechanismInit"):
      self._values = _prepare_memory(memory, memory_sequence_length,
                                     check_inner_dims_defined)
      self._keys = (self._memory_layer(self._values)
                    if self._memory_layer is not None else self._values)
      if custom_key_value_fn is not None:
        self._keys, self._values = custom_key_value_fn(self._keys,
                                                       self._values)
      self._batch_size = _static_or_dynamic(self._keys, 0)
      self._alignments_size = _static_or_dynamic(self._keys, 1)

  @property
  def memory_layer(self):
    return self._memory_layer

  @property
  def query_layer(self):
    return self._query_layer

  @property
  def values(self):
    return self._values

  @property
  def keys(self):
    return self._keys

  @property
  def batch_size(self):
    return self._batch_size

  @property
  def alignments_size(self):
    return self._alignments_size

  @property
  def state_size(self):
    return self._alignments_size

  def initial_alignments(self, batch_size, dtype):
    """Zeros ``[batch_size, alignments_size]``."""
    size = self._alignments_size
    return tf.zeros(tf.stack([batch_size, size]) if isinstance(
        size, tf.Tensor) or isinstance(batch_size, tf.Tensor) else
                    [batch_size, size], dtype=dtype)

  def initial_state(self, batch_size, dtype):
    return self.initial_alignments(batch_size, dtype)


def _memory_dense(num_units, dtype, name):
  return Dense(num_units, name=name, use_bias=False, dtype=dtype)


class _ScoredMechanism(_BaseAttentionMechanism):
  """The four mechanisms: ``num_units``-wide ``memory_layer`` (and
  ``query_layer`` for Bahdanau's), a ``_score(query)`` in variable scope
  ``_scope_name`` (plus a learned ``attention_score_bias`` for the monotonic
  ones), then the probability function."""

  _scope_name = None
  _has_score_bias = False

  def _init_scored(self, num_units, memory, dtype, with_query_layer,
                   probability_fn, memory_sequence_length, score_mask_value,
                   name, custom_key_value_fn=None, score_bias_init=None):
    dtype = dtype or tf.float32
    query_layer = (_memory_dense(num_units, dtype, "query_layer")
                   if with_query_layer else None)
    _BaseAttentionMechanism.__init__(
        self, query_layer=query_layer,
        memory_layer=_memory_dense(num_units, dtype, "memory_layer"),
        memory=memory, probability_fn=probability_fn,
        memory_sequence_length=memory_sequence_length,
        score_mask_value=score_mask_value,
        custom_key_value_fn=custom_key_value_fn, name=name)
    self._num_units = num_units
    self._name = name
    self._score_bias_init = score_bias_init

  def _score(self, query):
    raise NotImplementedError

  def __call__(self, query, state):
    with v1.variable_scope(None, self._scope_name, [query]):
      score = self._score(query)
      if self._has_score_bias:
        score_bias = v1.get_variable(
            "attention_score_bias", dtype=score.dtype,
            initializer=self._score_bias_init)
        score += score_bias
    alignments = self._probability_fn(score, state)
    return alignments, alignments


class _LuongScore(object):
  """``score = query . keys``, times ``attention_g`` with ``scale``."""

  def _score(self, query):
    return _luong_score(query, self._keys, self._scale)


class _BahdanauScore(object):
  """``score = v . tanh(keys + query_layer(query))``, ``v`` weight-normalised
  and a bias ``attention_b`` added with ``normalize``."""

  def _score(self, query):
    processed = self.query_layer(query) if self.query_layer else query
    v, g, b = _bahdanau_variables(self._num_units, self._normalize,
                                  query.dtype)
    return _bahdanau_score(processed, self._keys, v, g, b)


def _luong_score(query, keys, scale):
  depth, key_units = query.shape[-1], keys.shape[-1]
  if depth != key_units:
    raise ValueError(
        "Incompatible or unknown inner dimensions between query and keys. "
        "Query (%s) has units: %s. Keys (%s) have units: %s. Perhaps you need "
        "to set num_units to the keys' dimension (%s)?" %
        (query, depth, keys, key_units, key_units))
  score = tf.squeeze(tf.matmul(tf.expand_dims(query, 1), keys,
                               transpose_b=True), [1])
  if scale:
    g = v1.get_variable("attention_g", dtype=query.dtype, shape=(),
                        initializer=v1.ones_initializer())
    score = g * score
  return score


def _bahdanau_variables(num_units, normalize, dtype):
  v = v1.get_variable("attention_v", [num_units], dtype=dtype)
  if not normalize:
    return v, None, None
  g = v1.get_variable(
      "attention_g", dtype=dtype, shape=(),
      initializer=v1.constant_initializer(math.sqrt(1. / num_units)))
  b = v1.get_variable("attention_b", [num_units], dtype=dtype,
                      initializer=v1.zeros_initializer())
  return v, g, b


def _bahdanau_score(processed_query, keys, v, g=None, b=None):
  processed_query = tf.expand_dims(processed_query, 1)
  if g is None:
    return tf.reduce_sum(v * tf.tanh(keys + processed_query), [2])
  normed_v = g * v * tf.math.rsqrt(tf.reduce_sum(tf.square(v)))
  return tf.reduce_sum(normed_v * tf.tanh(keys + processed_query + b), [2])


def _ignore_previous(probability_fn):
  return lambda score, _: probability_fn(score)


class LuongAttention(_LuongScore, _ScoredMechanism):
  """Multiplicative attention: ``score = query . keys`` (times a learned
  scalar ``attention_g`` with ``scale``)."""

  _scope_name = "luong_attention"

  def __init__(self, num_units, memory, memory_sequence_length=None,
               scale=False, probability_fn=None, score_mask_value=None,
               dtype=None, custom_key_value_fn=None, name="LuongAttention"):
    self._init_scored(
        num_units, memory, dtype, False,
        _ignore_previous(probability_fn or tf.nn.softmax),
        memory_sequence_length, score_mask_value, name,
        custom_key_value_fn=custom_key_value_fn)
    self._scale = scale


class BahdanauAttention(_BahdanauScore, _ScoredMechanism):
  """Additive attention: ``score = v . tanh(keys + query_layer(query))``
  (weight-normalised ``v`` and a bias with ``normalize``)."""

  _scope_name = "bahdanau_attention"

  def __init__(self, num_units, memory, memory_sequence_length=None,
               normalize=False, probability_fn=None, score_mask_value=None,
               dtype=None, custom_key_value_fn=None,
               name="BahdanauAttention"):
    self._init_scored(
        num_units, memory, dtype, True,
        _ignore_previous(probability_fn or tf.nn.softmax),
        memory_sequence_length, score_mask_value, name,
        custom_key_value_fn=custom_key_value_fn)
    self._normalize = normalize


def hardmax(logits, name=None):
  """One-hot vectors at the argmax of the last axis of ``logits``."""
  with tf.name_scope(name or "Hardmax"):
    logits = tf.convert_to_tensor(logits, name="logits")
    depth = logits.shape[-1] if logits.shape[-1] is not None else tf.shape(
        logits)[-1]
    return tf.one_hot(tf.argmax(logits, -1), depth, dtype=logits.dtype)


def safe_cumprod(x, *args, **kwargs):
  """``cumprod(x)`` computed as ``exp(cumsum(log(clip(x, tiny, 1))))``;
  extra arguments go to ``cumsum``."""
  with tf.name_scope("SafeCumprod"):
    x = tf.convert_to_tensor(x, name="x")
    tiny = np.finfo(x.dtype.as_numpy_dtype).tiny
    return tf.exp(tf.cumsum(tf.math.log(tf.clip_by_value(x, tiny, 1)),
                            *args, **kwargs))


def monotonic_attention(p_choose_i, previous_attention, mode):
  """Monotonic attention distribution from choosing probabilities
  ``p_choose_i`` and the previous step's distribution (both
  ``[batch, input_length]``); ``mode`` is ``"recursive"``, ``"parallel"``
  or ``"hard"``."""
  p_choose_i = tf.convert_to_tensor(p_choose_i, name="p_choose_i")
  previous_attention = tf.convert_to_tensor(previous_attention,
                                            name="previous_attention")
  if mode == "recursive":
    batch_size = _static_or_dynamic(p_choose_i, 0)
    # 1 - p shifted right by one, starting with 1.
    shifted = tf.concat([tf.ones((batch_size, 1)), 1 - p_choose_i[:, :-1]],
                        1)
    # q[i] = shifted[i] * q[i - 1] + previous_attention[i], over time.
    q = tf.scan(lambda prev, xs: xs[0] * prev + xs[1],
                [tf.transpose(shifted), tf.transpose(previous_attention)],
                initializer=tf.zeros_like(previous_attention[:, 0]))
    return p_choose_i * tf.transpose(q)
  if mode == "parallel":
    cumprod_1mp = safe_cumprod(1 - p_choose_i, axis=1, exclusive=True)
    ratio = previous_attention / tf.clip_by_value(cumprod_1mp, 1e-10, 1.)
    return p_choose_i * cumprod_1mp * tf.cumsum(ratio, axis=1)
  if mode == "hard":
    cumprod_1mp = tf.math.cumprod(1 - p_choose_i, axis=1, exclusive=True)
    return p_choose_i * (cumprod_1mp * tf.cumsum(previous_attention, axis=1))
  raise ValueError("mode must be 'recursive', 'parallel', or 'hard'.")


def _monotonic_probability_fn(score, previous_alignments, sigmoid_noise, mode,
                              seed=None):
  if sigmoid_noise > 0:
    noise = v1.random_normal(tf.shape(score), dtype=score.dtype, seed=seed)
    score += sigmoid_noise * noise
  if mode == "hard":
    p_choose_i = tf.cast(score > 0, score.dtype)
  else:
    p_choose_i = tf.sigmoid(score)
  return monotonic_attention(p_choose_i, previous_alignments, mode)


class _BaseMonotonicAttentionMechanism(_ScoredMechanism):
  """Monotonic mechanisms start attending at the first memory entry."""

  _has_score_bias = True

  def initial_alignments(self, batch_size, dtype):
    max_time = self._alignments_size
    return tf.one_hot(tf.zeros((batch_size,), dtype=tf.int32), max_time,
                      dtype=dtype)


class BahdanauMonotonicAttention(_BahdanauScore,
                                 _BaseMonotonicAttentionMechanism):
  """Bahdanau scores (plus a learned ``attention_score_bias``) through
  ``monotonic_attention``."""

  _scope_name = "bahdanau_monotonic_attention"

  def __init__(self, num_units, memory, memory_sequence_length=None,
               normalize=False, score_mask_value=None, sigmoid_noise=0.,
               sigmoid_noise_seed=None, score_bias_init=0.,
               mode="parallel", dtype=None,
               name="BahdanauMonotonicAttention"):
    self._init_scored(
        num_units, memory, dtype, True,
        functools.partial(_monotonic_probability_fn,
                          sigmoid_noise=sigmoid_noise, mode=mode,
                          seed=sigmoid_noise_seed),
        memory_sequence_length, score_mask_value, name,
        score_bias_init=score_bias_init)
    self._normalize = normalize


class LuongMonotonicAttention(_LuongScore, _BaseMonotonicAttentionMechanism):
  """Luong scores (plus a learned ``attention_score_bias``) through
  ``monotonic_attention``."""

  _scope_name = "luong_monotonic_attention"

  def __init__(self, num_units, memory, memory_sequence_length=None,
               scale=False, score_mask_value=None, sigmoid_noise=0.,
               sigmoid_noise_seed=None, score_bias_init=0.,
               mode="parallel", dtype=None, name="LuongMonotonicAttention"):
    self._init_scored(
        num_units, memory, dtype, False,
        functools.partial(_monotonic_probability_fn,
                          sigmoid_noise=sigmoid_noise, mode=mode,
                          seed=sigmoid_noise_seed),
        memory_sequence_length, score_mask_value, name,
        score_bias_init=score_bias_init)
    self._scale = scale


class AttentionWrapperState(
    collections.namedtuple("AttentionWrapperState",
                           ("cell_state", "attention", "time", "alignments",
                            "alignment_history", "attention_state"))):
  """State of an ``AttentionWrapper``: the wrapped cell's state, the last
  attention vector, the step, the alignments (a tuple with several
  mechanisms), their history (TensorArrays, or ``()``) and the mechanisms'
  own states."""

  def clone(self, **kwargs):
    """A copy with some fields replaced; replacing tensors keep the static
    shapes of the ones they replace (as TF1 did)."""
    def keep_shape(old, new):
      if isinstance(old, tf.Tensor) and isinstance(new, tf.Tensor):
        if not old.shape.is_compatible_with(new.shape):
          raise ValueError(
              "AttentionWrapperState.clone: the new value %s of shape %s "
              "does not fit the shape %s it replaces. With "
              "BeamSearchDecoder, tile the encoder state with "
              "tile_batch(state, multiplier=beam_width) and build "
              "zero_state(batch_size * beam_width, dtype)." %
              (new.name, new.shape, old.shape))
        new.set_shape(old.shape)
      return new
    replaced = super(AttentionWrapperState, self)._replace(**kwargs)
    return tf.nest.map_structure(keep_shape, self, replaced)


def _item_or_tuple(seq):
  t = tuple(seq)
  return t[0] if len(t) == 1 else t


class AttentionWrapper(RNNCell):
  """Wraps ``cell`` with attention over one or several mechanisms.

  Each step: ``cell_input_fn(inputs, previous attention)`` (default
  concatenation) goes through the cell; its output queries every mechanism;
  each context (alignments . values) becomes an attention vector through
  that mechanism's ``attention_layer`` (applied to ``[cell_output,
  context]``) or is used as is; the attention vectors are concatenated and
  are the output with ``output_attention`` (else the cell output is).
  """

  _default_name = "attention_wrapper"
  _input_ndim = None

  def __init__(self, cell, attention_mechanism, attention_layer_size=None,
               alignment_history=False, cell_input_fn=None,
               output_attention=True, initial_cell_state=None, name=None,
               attention_layer=None, attention_fn=None):
    super(AttentionWrapper, self).__init__(name=name)
    if isinstance(attention_mechanism, (list, tuple)):
      self._is_multi = True
      mechanisms = tuple(attention_mechanism)
      if not mechanisms:
        raise ValueError("attention_mechanism must contain at least one "
                         "mechanism")
    else:
      self._is_multi = False
      mechanisms = (attention_mechanism,)
    for mech in mechanisms:
      if not isinstance(mech, AttentionMechanism):
        raise TypeError("attention_mechanism must be an AttentionMechanism "
                        "or list of multiple AttentionMechanism instances, "
                        "saw type: %s" % type(mech).__name__)
    if cell_input_fn is None:
      cell_input_fn = lambda inputs, attention: tf.concat(
          [inputs, attention], -1)
    elif not callable(cell_input_fn):
      raise TypeError("cell_input_fn must be callable, saw type: %s" %
                      type(cell_input_fn).__name__)
    if attention_layer_size is not None and attention_layer is not None:
      raise ValueError("Only one of attention_layer_size and attention_layer "
                       "should be set")
    if attention_layer_size is not None:
      sizes = tuple(attention_layer_size if isinstance(
          attention_layer_size, (list, tuple)) else (attention_layer_size,))
      if len(sizes) != len(mechanisms):
        raise ValueError(
            "If provided, attention_layer_size must contain exactly one "
            "integer per attention_mechanism, saw: %d vs %d" %
            (len(sizes), len(mechanisms)))
      self._attention_layers = tuple(
          Dense(size, name="attention_layer", use_bias=False,
                dtype=mech.dtype) for size, mech in zip(sizes, mechanisms))
      self._attention_layer_size = sum(sizes)
    elif attention_layer is not None:
      layers = tuple(attention_layer if isinstance(
          attention_layer, (list, tuple)) else (attention_layer,))
      if len(layers) != len(mechanisms):
        raise ValueError(
            "If provided, attention_layer must contain exactly one layer per "
            "attention_mechanism, saw: %d vs %d" % (len(layers),
                                                    len(mechanisms)))
      self._attention_layers = layers
      self._attention_layer_size = sum(
          int(l.units) for l in layers)
    else:
      self._attention_layers = None
      self._attention_layer_size = sum(int(m.values.shape[-1])
                                       for m in mechanisms)
    self._attention_fn = attention_fn or _compute_attention
    self._cell = cell
    self._attention_mechanisms = mechanisms
    self._cell_input_fn = cell_input_fn
    self._output_attention = output_attention
    self._alignment_history = alignment_history
    with tf.name_scope(name or "AttentionWrapperInit"):
      if initial_cell_state is None:
        self._initial_cell_state = None
      else:
        last = tf.nest.flatten(initial_cell_state)[-1]
        state_batch = _static_or_dynamic(last, 0)
        message = self._batch_size_message("initial_cell_state")
        with tf.control_dependencies(
            self._batch_size_checks(state_batch, message)):
          self._initial_cell_state = tf.nest.map_structure(
              lambda s: tf.identity(s, name="check_initial_cell_state"),
              initial_cell_state)

  def _batch_size_message(self, what):
    return ("When constructing AttentionWrapper %s: Non-matching batch sizes "
            "between the memory (encoder output) and %s. Are you using the "
            "BeamSearchDecoder? You may need to tile your %s via the "
            "tf.contrib.seq2seq.tile_batch function with argument multiple="
            "beam_width." % (self.name, what, what))

  def _batch_size_checks(self, batch_size, message):
    return [v1.assert_equal(batch_size, mech.batch_size, message=message)
            for mech in self._attention_mechanisms]

  def _item_or_tuple(self, seq):
    t = tuple(seq)
    return t if self._is_multi else t[0]

  @property
  def output_size(self):
    return (self._attention_layer_size if self._output_attention else
            self._cell.output_size)

  @property
  def state_size(self):
    return AttentionWrapperState(
        cell_state=self._cell.state_size,
        time=tf.TensorShape([]),
        attention=self._attention_layer_size,
        alignments=self._item_or_tuple(
            m.alignments_size for m in self._attention_mechanisms),
        attention_state=self._item_or_tuple(
            m.state_size for m in self._attention_mechanisms),
        alignment_history=self._item_or_tuple(
            m.alignments_size if self._alignment_history else ()
            for m in self._attention_mechanisms))

  def zero_state(self, batch_size, dtype):
    """The initial ``AttentionWrapperState``: ``initial_cell_state`` (or the
    cell's zero state), zero attention, each mechanism's initial alignments
    and state, empty alignment histories."""
    with tf.name_scope(type(self).__name__ + "ZeroState"):
      if self._initial_cell_state is not None:
        cell_state = self._initial_cell_state
      else:
        cell_state = self._cell.zero_state(batch_size, dtype)
      message = self._batch_size_message("zero_state")
      with tf.control_dependencies(
          self._batch_size_checks(batch_size, message)):
        cell_state = tf.nest.map_structure(
            lambda s: tf.identity(s, name="checked_cell_state"), cell_state)
      alignments = [m.initial_alignments(batch_size, dtype)
                    for m in self._attention_mechanisms]
      return AttentionWrapperState(
          cell_state=cell_state,
          time=tf.zeros([], dtype=tf.int32),
          attention=tf.zeros(tf.stack([batch_size,
                                       self._attention_layer_size]),
                             dtype=dtype),
          alignments=self._item_or_tuple(alignments),
          attention_state=self._item_or_tuple(
              m.initial_state(batch_size, dtype)
              for m in self._attention_mechanisms),
          alignment_history=self._item_or_tuple(
              tf.TensorArray(dtype, size=0, dynamic_size=True,
                             element_shape=a.shape)
              if self._alignment_history else () for a in alignments))

  def __call__(self, inputs, state, scope=None):
    inputs = tf.nest.map_structure(tf.convert_to_tensor, inputs)
    with self._enter_scope(scope, tf.nest.flatten(inputs)[0]):
      return self.call(inputs, state)

  def call(self, inputs, state):
    if not isinstance(state, AttentionWrapperState):
      raise TypeError("Expected state to be instance of "
                      "AttentionWrapperState. Received type %s instead." %
                      type(state))
    cell_inputs = self._cell_input_fn(inputs, state.attention)
    cell_output, next_cell_state = self._cell(cell_inputs, state.cell_state)
    cell_batch = _static_or_dynamic(cell_output, 0)
    message = self._batch_size_message("the query")
    with tf.control_dependencies(
        self._batch_size_checks(cell_batch, message)):
      cell_output = tf.identity(cell_output, name="checked_cell_output")
    if self._is_multi:
      prev_states = state.attention_state
      prev_histories = state.alignment_history
    else:
      prev_states = [state.attention_state]
      prev_histories = [state.alignment_history]
    attentions, alignments, states, histories = [], [], [], []
    for i, mech in enumerate(self._attention_mechanisms):
      layer = self._attention_layers[i] if self._attention_layers else None
      attention, alignment, next_attention_state = self._attention_fn(
          mech, cell_output, prev_states[i], layer)
      histories.append(prev_histories[i].write(state.time, alignment)
                       if self._alignment_history else ())
      attentions.append(attention)
      alignments.append(alignment)
      states.append(next_attention_state)
    attention = tf.concat(attentions, 1)
    next_state = AttentionWrapperState(
        time=state.time + 1, cell_state=next_cell_state, attention=attention,
        attention_state=self._item_or_tuple(states),
        alignments=self._item_or_tuple(alignments),
        alignment_history=self._item_or_tuple(histories))
    if self._output_attention:
      return attention, next_state
    return cell_output, next_state


def _compute_attention(attention_mechanism, cell_output, attention_state,
                       attention_layer):
  """``(attention, alignments, next_attention_state)`` of one mechanism."""
  alignments, next_attention_state = attention_mechanism(
      cell_output, state=attention_state)
  context = tf.squeeze(tf.matmul(tf.expand_dims(alignments, 1),
                                 attention_mechanism.values), [1])
  if attention_layer is not None:
    attention = attention_layer(tf.concat([cell_output, context], 1))
  else:
    attention = context
  return attention, alignments, next_attention_state
