"""Sampling helpers for ``BasicDecoder`` (``tf.contrib.seq2seq`` helpers).

A helper decides the first inputs, how a step's outputs become sample ids,
and the next inputs and ``finished`` flags. TF 1.15 behaviour kept:

  * ``TrainingHelper`` reads the (batch-major unless ``time_major``) inputs
    one step at a time; an entry is finished once ``time + 1 >=
    sequence_length``, and when all are finished the next inputs are zeros;
  * the embedding helpers finish an entry when it samples ``end_token``;
    when every entry is finished the next inputs are the start inputs;
  * the scheduled helpers mark "not sampled" entries with id ``-1``.
"""

import abc

import tensorflow as tf

from compat.seq2seq.decoder import _batch_first

v1 = tf.compat.v1

__all__ = [
    "Helper", "TrainingHelper", "GreedyEmbeddingHelper",
    "SampleEmbeddingHelper", "CustomHelper",
    "ScheduledEmbeddingTrainingHelper", "ScheduledOutputTrainingHelper",
    "InferenceHelper",
]


def _embedding_fn(embedding):
  if callable(embedding):
    return embedding
  return lambda ids: v1.nn.embedding_lookup(embedding, ids)


def _time_steps(inputs):
  """A TensorArray per input tensor, unstacked over (time-major) time."""
  def unstack(t):
    ta = tf.TensorArray(dtype=t.dtype, size=tf.shape(t)[0],
                        element_shape=t.shape[1:])
    return ta.unstack(t)
  return tf.nest.map_structure(unstack, inputs)


class Helper(object, metaclass=abc.ABCMeta):
  """Interface of the objects ``BasicDecoder`` samples through."""

  @property
  def batch_size(self):
    raise NotImplementedError

  @property
  def sample_ids_shape(self):
    raise NotImplementedError

  @property
  def sample_ids_dtype(self):
    raise NotImplementedError

  @abc.abstractmethod
  def initialize(self, name=None):
    """``(initial_finished, initial_inputs)``."""

  @abc.abstractmethod
  def sample(self, time, outputs, state, name=None):
    """Sample ids from a step's outputs."""

  @abc.abstractmethod
  def next_inputs(self, time, outputs, state, sample_ids, name=None):
    """``(finished, next_inputs, next_state)``."""


class CustomHelper(Helper):
  """A helper made of three user functions."""

  def __init__(self, initialize_fn, sample_fn, next_inputs_fn,
               sample_ids_shape=None, sample_ids_dtype=None):
    self._initialize_fn = initialize_fn
    self._sample_fn = sample_fn
    self._next_inputs_fn = next_inputs_fn
    self._batch_size = None
    self._sample_ids_shape = tf.TensorShape(sample_ids_shape or [])
    self._sample_ids_dtype = sample_ids_dtype or tf.int32

  @property
  def batch_size(self):
    if self._batch_size is None:
      raise ValueError("batch_size accessed before initialize was called")
    return self._batch_size

  @property
  def sample_ids_shape(self):
    return self._sample_ids_shape

  @property
  def sample_ids_dtype(self):
    return self._sample_ids_dtype

  def initialize(self, name=None):
    with tf.name_scope(name or "%sInitialize" % type(self).__name__):
      finished, next_inputs = self._initialize_fn()
      if self._batch_size is None:
        self._batch_size = tf.size(finished)
    return finished, next_inputs

  def sample(self, time, outputs, state, name=None):
    with tf.name_scope(name or "%sSample" % type(self).__name__):
      return self._sample_fn(time=time, outputs=outputs, state=state)

  def next_inputs(self, time, outputs, state, sample_ids, name=None):
    with tf.name_scope(name or "%sNextInputs" % type(self).__name__):
      return self._next_inputs_fn(time=time, outputs=outputs, state=state,
                                  sample_ids=sample_ids)


class TrainingHelper(Helper):
  """Teacher forcing: feed the given inputs, step by step."""

  def __init__(self, inputs, sequence_length, time_major=False, name=None):
    with tf.name_scope(name or "TrainingHelper"):
      inputs = tf.nest.map_structure(tf.convert_to_tensor, inputs)
      if not time_major:
        inputs = tf.nest.map_structure(_batch_first, inputs)
      self._input_tas = _time_steps(inputs)
      self._sequence_length = tf.convert_to_tensor(
          sequence_length, name="sequence_length")
      if self._sequence_length.shape.rank != 1:
        raise ValueError(
            "Expected sequence_length to be a vector, but received shape: %s"
            % self._sequence_length.shape)
      self._zero_inputs = tf.nest.map_structure(
          lambda t: tf.zeros_like(t[0]), inputs)
      self._batch_size = tf.size(self._sequence_length)

  @property
  def inputs(self):
    return self._input_tas

  @property
  def sequence_length(self):
    return self._sequence_length

  @property
  def batch_size(self):
    return self._batch_size

  @property
  def sample_ids_shape(self):
    return tf.TensorShape([])

  @property
  def sample_ids_dtype(self):
    return tf.int32

  def _read(self, time, finished):
    all_finished = tf.reduce_all(finished)
    return tf.cond(
        all_finished, lambda: self._zero_inputs,
        lambda: tf.nest.map_structure(lambda ta: ta.read(time),
                                      self._input_tas))

  def initialize(self, name=None):
    with tf.name_scope(name or "TrainingHelperInitialize"):
      finished = tf.equal(0, self._sequence_length)
      return finished, self._read(0, finished)

  def sample(self, time, outputs, state, name=None):
    with tf.name_scope(name or "TrainingHelperSample"):
      return tf.cast(tf.argmax(outputs, axis=-1), tf.int32)

  def next_inputs(self, time, outputs, state, name=None, **unused_kwargs):
    with tf.name_scope(name or "TrainingHelperNextInputs"):
      next_time = time + 1
      finished = next_time >= self._sequence_length
      return finished, self._read(next_time, finished), state


class GreedyEmbeddingHelper(Helper):
  """Feed back the embedding of the argmax of the outputs (logits)."""

  def __init__(self, embedding, start_tokens, end_token):
    self._embedding_fn = _embedding_fn(embedding)
    self._start_tokens = tf.convert_to_tensor(start_tokens, dtype=tf.int32,
                                              name="start_tokens")
    self._end_token = tf.convert_to_tensor(end_token, dtype=tf.int32,
                                           name="end_token")
    if self._start_tokens.shape.rank != 1:
      raise ValueError("start_tokens must be a vector")
    if self._end_token.shape.rank != 0:
      raise ValueError("end_token must be a scalar")
    self._batch_size = tf.size(self._start_tokens)
    self._start_inputs = self._embedding_fn(self._start_tokens)

  @property
  def batch_size(self):
    return self._batch_size

  @property
  def sample_ids_shape(self):
    return tf.TensorShape([])

  @property
  def sample_ids_dtype(self):
    return tf.int32

  def initialize(self, name=None):
    return tf.tile([False], [self._batch_size]), self._start_inputs

  def sample(self, time, outputs, state, name=None):
    if not isinstance(outputs, tf.Tensor):
      raise TypeError("Expected outputs to be a single Tensor, got: %s" %
                      type(outputs))
    return tf.argmax(outputs, axis=-1, output_type=tf.int32)

  def next_inputs(self, time, outputs, state, sample_ids, name=None):
    finished = tf.equal(sample_ids, self._end_token)
    next_inputs = tf.cond(tf.reduce_all(finished),
                          lambda: self._start_inputs,
                          lambda: self._embedding_fn(sample_ids))
    return finished, next_inputs, state


class SampleEmbeddingHelper(GreedyEmbeddingHelper):
  """Feed back the embedding of an id sampled from softmax(outputs / T)."""

  def __init__(self, embedding, start_tokens, end_token,
               softmax_temperature=None, seed=None):
    super(SampleEmbeddingHelper, self).__init__(embedding, start_tokens,
                                                end_token)
    self._softmax_temperature = softmax_temperature
    self._seed = seed

  def sample(self, time, outputs, state, name=None):
    if not isinstance(outputs, tf.Tensor):
      raise TypeError("Expected outputs to be a single Tensor, got: %s" %
                      type(outputs))
    logits = (outputs if self._softmax_temperature is None else
              outputs / self._softmax_temperature)
    return _categorical(logits, self._seed)


def _categorical(logits, seed):
  """One id per row of ``logits`` ([batch, vocab]) as TF1's
  ``Categorical(logits).sample(seed=seed)`` drew it."""
  draws = v1.multinomial(logits, 1, seed=seed, output_dtype=tf.int32)
  return tf.reshape(draws, tf.shape(logits)[:-1])


def _bernoulli(probability, batch_size, seed):
  """TF1's ``bernoulli_sample(probs, sample_shape=batch_size, seed)`` as
  booleans: uniform draws of shape ``[batch_size] + probs.shape`` below
  ``probs``."""
  shape = tf.concat([tf.reshape(batch_size, [1]), tf.shape(probability)], 0)
  uniform = v1.random_uniform(shape, seed=seed, dtype=probability.dtype)
  return tf.less(uniform, probability)


def _sampling_probability(probability):
  probability = tf.convert_to_tensor(probability, name="sampling_probability")
  if probability.shape.rank not in (0, 1):
    raise ValueError(
        "sampling_probability must be either a scalar or a vector. "
        "saw shape: %s" % probability.shape)
  return probability


def _scatter_rows(sampled_at, sampled, kept_at, base):
  """Rows ``sampled_at`` from ``sampled``, rows ``kept_at`` from ``base``
  (the scheduled helpers' mix of sampled and teacher-forced inputs)."""
  kept = tf.gather_nd(base, kept_at)
  shape = tf.shape(base)
  return (tf.scatter_nd(sampled_at, sampled, shape) +
          tf.scatter_nd(kept_at, kept, shape))


class ScheduledEmbeddingTrainingHelper(TrainingHelper):
  """Teacher forcing, but with probability ``sampling_probability`` an entry
  is fed the embedding of an id sampled from its outputs instead."""

  def __init__(self, inputs, sequence_length, embedding,
               sampling_probability, time_major=False, seed=None,
               scheduling_seed=None, name=None):
    self._embedding_fn = _embedding_fn(embedding)
    self._sampling_probability = _sampling_probability(sampling_probability)
    self._seed = seed
    self._scheduling_seed = scheduling_seed
    super(ScheduledEmbeddingTrainingHelper, self).__init__(
        inputs, sequence_length, time_major=time_major,
        name=name or "ScheduledEmbeddingSamplingWrapper")

  def initialize(self, name=None):
    return super(ScheduledEmbeddingTrainingHelper, self).initialize(name)

  def sample(self, time, outputs, state, name=None):
    select = _bernoulli(self._sampling_probability, self.batch_size,
                        self._scheduling_seed)
    return v1.where(select, _categorical(outputs, self._seed),
                    tf.fill([self.batch_size], -1))

  def next_inputs(self, time, outputs, state, sample_ids, name=None):
    finished, base_next_inputs, state = super(
        ScheduledEmbeddingTrainingHelper, self).next_inputs(
            time, outputs, state, name=name)

    def mixed():
      sampled_at = tf.cast(tf.where(sample_ids > -1), tf.int32)
      kept_at = tf.cast(tf.where(sample_ids <= -1), tf.int32)
      sampled = self._embedding_fn(tf.gather_nd(sample_ids, sampled_at))
      return _scatter_rows(sampled_at, sampled, kept_at, base_next_inputs)

    next_inputs = tf.cond(tf.reduce_all(finished),
                          lambda: base_next_inputs, mixed)
    return finished, next_inputs, state


class ScheduledOutputTrainingHelper(TrainingHelper):
  """Teacher forcing, but with probability ``sampling_probability`` an entry
  is fed its own previous outputs (through ``next_inputs_fn``, concatenated
  with ``auxiliary_inputs`` when given) instead."""

  def __init__(self, inputs, sequence_length, sampling_probability,
               time_major=False, seed=None, next_inputs_fn=None,
               auxiliary_inputs=None, name=None):
    self._sampling_probability = _sampling_probability(sampling_probability)
    if auxiliary_inputs is None:
      maybe_concatenated = inputs
    else:
      inputs = tf.convert_to_tensor(inputs, name="inputs")
      auxiliary_inputs = tf.convert_to_tensor(auxiliary_inputs,
                                              name="auxiliary_inputs")
      maybe_concatenated = tf.nest.map_structure(
          lambda x, y: tf.concat((x, y), -1), inputs, auxiliary_inputs)
      if not time_major:
        auxiliary_inputs = tf.nest.map_structure(_batch_first,
                                                 auxiliary_inputs)
    self._auxiliary_input_tas = (
        None if auxiliary_inputs is None else _time_steps(auxiliary_inputs))
    self._seed = seed
    self._next_inputs_fn = next_inputs_fn
    super(ScheduledOutputTrainingHelper, self).__init__(
        maybe_concatenated, sequence_length, time_major=time_major,
        name=name or "ScheduledOutputTrainingHelper")

  def sample(self, time, outputs, state, name=None):
    """1 where the entry feeds back its outputs, else 0 (int32)."""
    return tf.cast(_bernoulli(self._sampling_probability, self.batch_size,
                              self._seed), tf.int32)

  def next_inputs(self, time, outputs, state, sample_ids, name=None):
    finished, base_next_inputs, state = super(
        ScheduledOutputTrainingHelper, self).next_inputs(
            time, outputs, state, name=name)
    sample_ids = tf.cast(sample_ids, tf.bool)

    def mixed():
      def with_aux(x, indices=None):
        if self._auxiliary_input_tas is None:
          return x
        aux = tf.nest.map_structure(lambda ta: ta.read(time + 1),
                                    self._auxiliary_input_tas)
        if indices is not None:
          aux = tf.gather_nd(aux, indices)
        return tf.nest.map_structure(lambda a, b: tf.concat((a, b), -1),
                                     x, aux)

      if self._next_inputs_fn is None:
        return v1.where(sample_ids, with_aux(outputs), base_next_inputs)
      sampled_at = tf.cast(tf.where(sample_ids), tf.int32)
      kept_at = tf.cast(tf.where(tf.logical_not(sample_ids)), tf.int32)
      sampled = with_aux(
          self._next_inputs_fn(tf.gather_nd(outputs, sampled_at)),
          sampled_at)
      return _scatter_rows(sampled_at, sampled, kept_at, base_next_inputs)

    next_inputs = tf.cond(
        tf.logical_or(tf.reduce_all(finished),
                      tf.logical_not(tf.reduce_any(sample_ids))),
        lambda: base_next_inputs, mixed)
    return finished, next_inputs, state


class InferenceHelper(Helper):
  """Inference without embeddings: ``sample_fn`` picks, ``end_fn`` ends,
  ``next_inputs_fn`` (default identity) turns samples into inputs."""

  def __init__(self, sample_fn, sample_shape, sample_dtype, start_inputs,
               end_fn, next_inputs_fn=None):
    self._sample_fn = sample_fn
    self._end_fn = end_fn
    self._sample_shape = tf.TensorShape(sample_shape)
    self._sample_dtype = sample_dtype
    self._next_inputs_fn = next_inputs_fn
    self._start_inputs = tf.convert_to_tensor(start_inputs,
                                              name="start_inputs")
    self._batch_size = tf.shape(self._start_inputs)[0]

  @property
  def batch_size(self):
    return self._batch_size

  @property
  def sample_ids_shape(self):
    return self._sample_shape

  @property
  def sample_ids_dtype(self):
    return self._sample_dtype

  def initialize(self, name=None):
    return tf.tile([False], [self._batch_size]), self._start_inputs

  def sample(self, time, outputs, state, name=None):
    return self._sample_fn(outputs)

  def next_inputs(self, time, outputs, state, sample_ids, name=None):
    next_inputs = (sample_ids if self._next_inputs_fn is None else
                   self._next_inputs_fn(sample_ids))
    return self._end_fn(sample_ids), next_inputs, state
