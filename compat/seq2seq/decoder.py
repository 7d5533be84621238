"""``Decoder`` and ``dynamic_decode`` as ``tf.contrib.seq2seq`` had them.

``dynamic_decode`` runs ``decoder.step`` in a ``tf.while_loop`` inside
``variable_scope(scope or "decoder")`` until every batch entry is finished
(or ``maximum_iterations`` steps ran). TF 1.15's bookkeeping, reproduced:

  * an entry's length is the step count at which it *first* reports
    finished (the step that emits the end token counts);
  * ``impute_finished=True`` writes zeros for outputs of already finished
    entries and carries their state through unchanged (TensorArrays and
    scalars are passed through);
  * decoders whose ``tracks_own_finished`` is true (beam search) report
    ``finished`` themselves; it is not or-ed with the previous value;
  * ``finalize`` runs on the time-major outputs, before the optional
    transpose to batch-major.
"""

import abc

import tensorflow as tf

v1 = tf.compat.v1


class Decoder(object, metaclass=abc.ABCMeta):
  """An RNN decoder for ``dynamic_decode``.

  Subclasses define ``batch_size``, ``output_size`` and ``output_dtype``
  (structures matching the step outputs), ``initialize()`` returning
  ``(finished, first_inputs, initial_state)`` and
  ``step(time, inputs, state)`` returning
  ``(outputs, next_state, next_inputs, finished)``; ``finalize`` is
  optional.
  """

  @property
  def batch_size(self):
    raise NotImplementedError

  @property
  def output_size(self):
    raise NotImplementedError

  @property
  def output_dtype(self):
    raise NotImplementedError

  @abc.abstractmethod
  def initialize(self, name=None):
    raise NotImplementedError

  @abc.abstractmethod
  def step(self, time, inputs, state, name=None):
    raise NotImplementedError

  def finalize(self, outputs, final_state, sequence_lengths):
    raise NotImplementedError

  @property
  def tracks_own_finished(self):
    """True when ``step`` returns the complete ``finished`` vector itself."""
    return False


def _batch_first(t):
  """``[time, batch, ...]`` -> ``[batch, time, ...]`` (rank >= 2)."""
  rank = t.shape.rank
  if rank is not None and rank < 2:
    return t
  if rank is None:
    perm = tf.concat([[1, 0], tf.range(2, tf.rank(t))], 0)
  else:
    perm = [1, 0] + list(range(2, rank))
  return tf.transpose(t, perm)


def _zeros_like_output(size, dtype, batch_size):
  """Zeros ``[batch_size] + size`` for every (size, dtype) of the nests."""
  def zeros(s, d):
    shape = tf.constant(_as_shape(s).as_list(), tf.int32)
    return tf.zeros(tf.concat([tf.reshape(batch_size, [1]), shape], 0),
                    dtype=d)
  return tf.nest.map_structure(zeros, size, dtype)


def _as_shape(size):
  return size if isinstance(size, tf.TensorShape) else tf.TensorShape(
      [] if size is None else size)


def dynamic_decode(decoder, output_time_major=False, impute_finished=False,
                   maximum_iterations=None, parallel_iterations=32,
                   swap_memory=False, scope=None):
  """Run ``decoder`` to the end. Returns
  ``(final_outputs, final_state, final_sequence_lengths)``."""
  if not isinstance(decoder, Decoder):
    raise TypeError("Expected decoder to be type Decoder, but saw: %s" %
                    type(decoder))
  with v1.variable_scope(scope or "decoder") as varscope:
    # As TF1: the loop reads each variable once per run on the device that
    # uses it, so the loop takes tensors, not the variables' handles (with
    # the variables on a parameter server, a handle in the loop puts the
    # loop's gradient across jobs).
    if not tf.executing_eagerly() and varscope.caching_device is None:
      varscope.set_caching_device(lambda op: op.device)
    if maximum_iterations is not None:
      maximum_iterations = tf.convert_to_tensor(
          maximum_iterations, dtype=tf.int32, name="maximum_iterations")
      if maximum_iterations.shape.rank != 0:
        raise ValueError("maximum_iterations must be a scalar")

    finished0, inputs0, state0 = decoder.initialize()
    zero_outputs = _zeros_like_output(decoder.output_size,
                                      decoder.output_dtype,
                                      decoder.batch_size)
    if maximum_iterations is not None:
      finished0 = tf.logical_or(finished0, 0 >= maximum_iterations)
    lengths0 = tf.zeros_like(finished0, dtype=tf.int32)

    static_batch = tf.get_static_value(
        tf.convert_to_tensor(decoder.batch_size))

    def new_array(size, dtype):
      size = _as_shape(size)
      element_shape = (None if size.rank == 0 else
                       tf.TensorShape([static_batch]).concatenate(size))
      return tf.TensorArray(dtype=dtype, size=0, dynamic_size=True,
                            element_shape=element_shape)

    arrays0 = tf.nest.map_structure(new_array, decoder.output_size,
                                    decoder.output_dtype)

    def keep_going(unused_time, unused_arrays, unused_state, unused_inputs,
                   finished, unused_lengths):
      return tf.logical_not(tf.reduce_all(finished))

    def one_step(time, arrays, state, inputs, finished, lengths):
      outputs, new_state, next_inputs, step_finished = decoder.step(
          time, inputs, state)
      if decoder.tracks_own_finished:
        next_finished = step_finished
      else:
        next_finished = tf.logical_or(step_finished, finished)
      next_lengths = v1.where(tf.logical_not(finished),
                              tf.fill(tf.shape(lengths), time + 1), lengths)
      tf.nest.assert_same_structure(state, new_state)
      tf.nest.assert_same_structure(inputs, next_inputs)
      if impute_finished:
        outputs = tf.nest.map_structure(
            lambda out, zero: v1.where(finished, zero, out), outputs,
            zero_outputs)

        def carry(new, old):
          if isinstance(old, tf.TensorArray):
            return new
          new.set_shape(old.shape)
          if new.shape.rank == 0:
            return new
          return v1.where(finished, old, new)

        new_state = tf.nest.map_structure(carry, new_state, state)
      arrays = tf.nest.map_structure(lambda ta, out: ta.write(time, out),
                                     arrays, outputs)
      return (time + 1, arrays, new_state, next_inputs, next_finished,
              next_lengths)

    results = v1.while_loop(
        keep_going, one_step,
        loop_vars=(tf.constant(0, tf.int32), arrays0, state0, inputs0,
                   finished0, lengths0),
        parallel_iterations=parallel_iterations,
        maximum_iterations=maximum_iterations, swap_memory=swap_memory)
    final_state, final_lengths = results[2], results[5]
    final_outputs = tf.nest.map_structure(lambda ta: ta.stack(), results[1])
    try:
      final_outputs, final_state = decoder.finalize(
          final_outputs, final_state, final_lengths)
    except NotImplementedError:
      pass
    if not output_time_major:
      final_outputs = tf.nest.map_structure(_batch_first, final_outputs)
  return final_outputs, final_state, final_lengths
