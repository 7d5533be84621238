"""``BeamSearchDecoder``, ``tile_batch`` and the beam-search step of
``tf.contrib.seq2seq``, numerically as TF 1.15.

One step, for each batch entry (``beam_width`` hypotheses, vocabulary
``V``):

  * log-softmax of the logits; a finished beam may only continue with
    ``end_token`` at log-prob 0 (other tokens get the dtype's minimum);
  * candidate log-prob = beam log-prob + step log-prob; candidate length =
    beam length + 1 unless the beam had finished or the token is
    ``end_token``;
  * score = log-prob / ((5 + length) / 6) ** length_penalty_weight
    (+ coverage_penalty_weight * sum(log(min(accumulated attention, 1)))
    for finished beams, zero accumulated attention counting as 1);
  * ``top_k`` over the flattened ``beam_width * V`` scores keeps the
    ``beam_width`` best, ties going to the lower flat index; parent beam =
    index // V, token = index % V; the cell state, lengths and
    ``finished`` follow the parent.

At the first step only beam 0 is live (the others start at -inf).
``finalize`` back-tracks the beams with ``gather_tree``.
"""

import collections

import numpy as np
import tensorflow as tf

from compat.base import logger
from compat.seq2seq import attention_wrapper
from compat.seq2seq.basic_decoder import rnn_output_size
from compat.seq2seq.beam_search_ops import gather_tree
from compat.seq2seq.decoder import Decoder

v1 = tf.compat.v1

__all__ = [
    "BeamSearchDecoderOutput", "BeamSearchDecoderState",
    "BeamSearchDecoder", "FinalBeamSearchDecoderOutput", "tile_batch",
    "gather_tree",
]


class BeamSearchDecoderState(
    collections.namedtuple("BeamSearchDecoderState",
                           ("cell_state", "log_probs", "finished", "lengths",
                            "accumulated_attention_probs"))):
  pass


class BeamSearchDecoderOutput(
    collections.namedtuple("BeamSearchDecoderOutput",
                           ("scores", "predicted_ids", "parent_ids"))):
  pass


class FinalBeamSearchDecoderOutput(
    collections.namedtuple("FinalBeamDecoderOutput",
                           ["predicted_ids", "beam_search_decoder_output"])):
  """``predicted_ids`` ``[batch, time, beam]`` (back-tracked) and the raw
  per-step ``BeamSearchDecoderOutput``."""


def _tile_one(t, multiplier):
  t = tf.convert_to_tensor(t, name="t")
  if t.shape.rank is None:
    raise ValueError("t must have statically known rank")
  if t.shape.rank == 0:
    raise ValueError("t must have rank >= 1")
  shape = tf.shape(t)
  tiled = tf.tile(tf.expand_dims(t, 1),
                  tf.concat([[1, multiplier], tf.ones_like(shape[1:])], 0))
  tiled = tf.reshape(tiled, tf.concat([[shape[0] * multiplier], shape[1:]],
                                      0))
  batch = t.shape[0]
  tiled.set_shape(tf.TensorShape(
      [batch * multiplier if batch is not None else None]).concatenate(
          t.shape[1:]))
  return tiled


def tile_batch(t, multiplier, name=None):
  """Repeat each batch entry ``multiplier`` times in place:
  ``[a, b] -> [a, a, a, b, b, b]`` (for every tensor of a nest)."""
  with tf.name_scope(name or "tile_batch"):
    return tf.nest.map_structure(lambda t_: _tile_one(t_, multiplier), t)


def _static_shape(s):
  """A state size as a ``TensorShape``; a size held in a tensor (an
  alignment size over memory of dynamic length) is unknown, as in TF1."""
  if isinstance(s, tf.TensorShape):
    return s
  if tf.is_tensor(s):
    value = tf.get_static_value(s)
    return tf.TensorShape(None if value is None else value)
  return tf.TensorShape(s)


class BeamSearchDecoder(Decoder):
  """Beam search over ``cell`` (its state tiled ``beam_width`` times)."""

  def __init__(self, cell, embedding, start_tokens, end_token, initial_state,
               beam_width, output_layer=None, length_penalty_weight=0.0,
               coverage_penalty_weight=0.0, reorder_tensor_arrays=True):
    if not callable(cell):
      raise TypeError("cell must be an RNNCell, received: %s" % type(cell))
    if output_layer is not None and not callable(output_layer):
      raise TypeError("output_layer must be a Layer, received: %s" %
                      type(output_layer))
    self._cell = cell
    self._output_layer = output_layer
    self._reorder_tensor_arrays = reorder_tensor_arrays
    if callable(embedding):
      self._embedding_fn = embedding
    else:
      self._embedding_fn = lambda ids: v1.nn.embedding_lookup(embedding, ids)
    self._start_tokens = tf.convert_to_tensor(start_tokens, dtype=tf.int32,
                                              name="start_tokens")
    if self._start_tokens.shape.rank != 1:
      raise ValueError("start_tokens must be a vector")
    self._end_token = tf.convert_to_tensor(end_token, dtype=tf.int32,
                                           name="end_token")
    if self._end_token.shape.rank != 0:
      raise ValueError("end_token must be a scalar")
    self._batch_size = tf.size(self._start_tokens)
    self._beam_width = beam_width
    self._length_penalty_weight = length_penalty_weight
    self._coverage_penalty_weight = coverage_penalty_weight
    self._initial_cell_state = tf.nest.map_structure(
        self._maybe_split_batch_beams, initial_state, self._cell.state_size)
    self._start_tokens = tf.tile(tf.expand_dims(self._start_tokens, 1),
                                 [1, self._beam_width])
    self._start_inputs = self._embedding_fn(self._start_tokens)
    self._finished = tf.one_hot(tf.zeros([self._batch_size], tf.int32),
                                depth=self._beam_width, on_value=False,
                                off_value=True, dtype=tf.bool)

  @property
  def batch_size(self):
    return self._batch_size

  def _rnn_output_size(self):
    return rnn_output_size(self._cell, self._output_layer)

  @property
  def tracks_own_finished(self):
    return True

  @property
  def output_size(self):
    beam = tf.TensorShape([self._beam_width])
    return BeamSearchDecoderOutput(scores=beam, predicted_ids=beam,
                                   parent_ids=beam)

  @property
  def output_dtype(self):
    dtype = tf.nest.flatten(self._initial_cell_state)[0].dtype
    return BeamSearchDecoderOutput(
        scores=tf.nest.map_structure(lambda _: dtype,
                                     self._rnn_output_size()),
        predicted_ids=tf.int32, parent_ids=tf.int32)

  def initialize(self, name=None):
    dtype = tf.nest.flatten(self._initial_cell_state)[0].dtype
    log_probs = tf.one_hot(tf.zeros([self._batch_size], tf.int32),
                           depth=self._beam_width,
                           on_value=tf.constant(0, dtype),
                           off_value=tf.constant(-np.inf, dtype), dtype=dtype)
    attention_probs = get_attention_probs(self._initial_cell_state,
                                          self._coverage_penalty_weight)
    if attention_probs is None:
      attention_probs = ()
    state = BeamSearchDecoderState(
        cell_state=self._initial_cell_state, log_probs=log_probs,
        finished=self._finished,
        lengths=tf.zeros([self._batch_size, self._beam_width], tf.int64),
        accumulated_attention_probs=attention_probs)
    return self._finished, self._start_inputs, state

  def finalize(self, outputs, final_state, sequence_lengths):
    """Back-track the beams; with ``reorder_tensor_arrays`` also reorder
    TensorArrays in the cell state (alignment histories) by beam."""
    del sequence_lengths
    max_lengths = tf.cast(tf.reduce_max(final_state.lengths, axis=1),
                          tf.int32)
    predicted_ids = gather_tree(outputs.predicted_ids, outputs.parent_ids,
                                max_sequence_lengths=max_lengths,
                                end_token=self._end_token)
    if self._reorder_tensor_arrays:
      final_state = final_state._replace(cell_state=tf.nest.map_structure(
          lambda t: self._maybe_sort_array_beams(t, outputs.parent_ids,
                                                 final_state.lengths),
          final_state.cell_state))
    return (FinalBeamSearchDecoderOutput(
        beam_search_decoder_output=outputs, predicted_ids=predicted_ids),
            final_state)

  # -- reshaping between [batch * beam, ...] and [batch, beam, ...] --------

  def _split_batch_beams(self, t, s):
    shape = _static_shape(s)
    static_batch = tf.get_static_value(self._batch_size)
    if (static_batch is not None and t.shape[0] is not None and
        t.shape[0] != static_batch * self._beam_width):
      raise ValueError(
          "BeamSearchDecoder: a state or output of shape %s has %d rows; "
          "expected batch_size * beam_width = %d * %d. Perhaps you forgot to "
          "create a zero_state with batch_size=encoder_batch_size * "
          "beam_width, or to tile_batch the encoder state and memory?" %
          (t.shape, t.shape[0], static_batch, self._beam_width))
    out = tf.reshape(t, tf.concat(
        [[self._batch_size, self._beam_width], tf.shape(t)[1:]], 0))
    out.set_shape(tf.TensorShape([static_batch, self._beam_width])
                  .concatenate(shape))
    return out

  def _merge_batch_beams(self, t, s):
    shape = _static_shape(s)
    out = tf.reshape(t, tf.concat(
        [[self._batch_size * self._beam_width], tf.shape(t)[2:]], 0))
    static_batch = tf.get_static_value(self._batch_size)
    out.set_shape(tf.TensorShape(
        [static_batch * self._beam_width if static_batch is not None
         else None]).concatenate(shape))
    return out

  def _maybe_split_batch_beams(self, t, s):
    if isinstance(t, tf.TensorArray):
      return t
    if t.shape.rank is None or t.shape.rank < 1:
      return t
    return self._split_batch_beams(t, s)

  def _maybe_merge_batch_beams(self, t, s):
    if isinstance(t, tf.TensorArray):
      return t
    if t.shape.rank is None or t.shape.rank < 2:
      return t
    return self._merge_batch_beams(t, s)

  def _maybe_sort_array_beams(self, t, parent_ids, sequence_length):
    """A TensorArray of ``[batch * beam, ...]`` entries (an alignment
    history), stacked and reordered along the back-tracked beams (steps
    past a beam's length keep their own beam); other values unchanged.

    TF 1.15's shape check refuses (with a warning, leaving the TensorArray
    as it is) any element shape whose first two dimensions are statically
    known unless they are both ``[batch, beam]`` and ``[batch * beam]`` --
    so an alignment history of static shape ``[batch * beam, max_time]``
    is never reordered. That is reproduced.
    """
    if not isinstance(t, tf.TensorArray):
      return t
    shape = t.element_shape
    if shape.rank is None or shape.rank < 1:
      logger.warning("The TensorArray %s in the cell state is not amenable "
                     "to sorting based on the beam search result: its "
                     "element shape %s needs a known rank >= 1.",
                     t.handle.name, shape)
      return t
    static_batch = tf.get_static_value(self._batch_size)
    beam = self._beam_width
    if static_batch is not None and shape[0] is not None and (
        shape[0] != static_batch * beam or
        (shape.rank >= 2 and shape[1] is not None and
         (shape[0] != static_batch or shape[1] != beam))):
      logger.warning(
          "TensorArray reordering expects elements to be reshapable to %s "
          "which is incompatible with the current shape %s. Consider setting "
          "reorder_tensor_arrays to False to disable TensorArray reordering "
          "during the beam search.",
          tf.TensorShape([static_batch, beam, None]), shape)
      return t
    return _sort_by_beams(t.stack(), parent_ids, sequence_length)

  def step(self, time, inputs, state, name=None):
    with tf.name_scope(name or "BeamSearchDecoderStep"):
      cell_state = state.cell_state
      inputs = tf.nest.map_structure(
          lambda x: self._merge_batch_beams(x, x.shape[2:]), inputs)
      cell_state = tf.nest.map_structure(self._maybe_merge_batch_beams,
                                         cell_state, self._cell.state_size)
      cell_outputs, next_cell_state = self._cell(inputs, cell_state)
      cell_outputs = tf.nest.map_structure(
          lambda out: self._split_batch_beams(out, out.shape[1:]),
          cell_outputs)
      next_cell_state = tf.nest.map_structure(
          self._maybe_split_batch_beams, next_cell_state,
          self._cell.state_size)
      if self._output_layer is not None:
        cell_outputs = self._output_layer(cell_outputs)
      output, next_state = _beam_search_step(
          time=time, logits=cell_outputs, next_cell_state=next_cell_state,
          beam_state=state, batch_size=self._batch_size,
          beam_width=self._beam_width, end_token=self._end_token,
          length_penalty_weight=self._length_penalty_weight,
          coverage_penalty_weight=self._coverage_penalty_weight)
      finished = next_state.finished
      next_inputs = tf.cond(
          tf.reduce_all(finished), lambda: self._start_inputs,
          lambda: self._embedding_fn(output.predicted_ids))
    return output, next_state, next_inputs, finished


def _sort_by_beams(stacked, parent_ids, sequence_length):
  """``stacked [time, batch * beam, ...]`` reordered along the beams that
  ``gather_tree`` back-tracks from ``parent_ids [time, batch, beam]``."""
  shape = tf.shape(parent_ids)
  max_time, batch, beam = shape[0], shape[1], shape[2]
  own = tf.broadcast_to(tf.range(beam)[None, None, :], shape)
  sorted_beams = gather_tree(
      own, parent_ids, end_token=beam + 1,
      max_sequence_lengths=tf.cast(tf.reduce_max(sequence_length, axis=1),
                                   tf.int32))
  in_bounds = tf.transpose(
      tf.sequence_mask(sequence_length, maxlen=max_time), [2, 0, 1])
  sorted_beams = tf.where(in_bounds, sorted_beams, own)
  flat = tf.reshape(stacked, tf.stack([max_time, batch, beam, -1]))
  ordered = tf.gather(flat, sorted_beams, axis=2, batch_dims=2)
  return tf.reshape(ordered, tf.shape(stacked))


def _gather_beams(values, beam_ids):
  """``values[b, beam_ids[b, k], ...]`` for ``values [batch, beam, ...]``."""
  return tf.gather(values, beam_ids, axis=1, batch_dims=1)


def _maybe_gather_beams(values, beam_ids):
  if isinstance(values, tf.TensorArray):
    return values
  if values.shape.rank is not None and values.shape.rank < 2:
    return values
  return _gather_beams(values, beam_ids)


def _mask_finished(step_log_probs, end_token, finished):
  """Finished beams: 0 for ``end_token``, the dtype's minimum elsewhere."""
  dtype = step_log_probs.dtype
  vocab = tf.shape(step_log_probs)[2]
  only_end = tf.one_hot(end_token, vocab, on_value=tf.constant(0., dtype),
                        off_value=tf.constant(dtype.min, dtype), dtype=dtype)
  return v1.where(
      tf.broadcast_to(finished[:, :, None], tf.shape(step_log_probs)),
      tf.broadcast_to(only_end[None, None, :], tf.shape(step_log_probs)),
      step_log_probs)


def _length_penalty(sequence_lengths, penalty_factor):
  """``((5 + length) / 6) ** penalty_factor`` (1.0 for a static 0)."""
  penalty_factor = tf.convert_to_tensor(penalty_factor, name="penalty_factor")
  penalty_factor.set_shape(())
  static = tf.get_static_value(penalty_factor)
  if static is not None and static == 0:
    return 1.0
  return tf.math.divide(
      (5. + tf.cast(sequence_lengths, tf.float32)) ** penalty_factor,
      (5. + 1.) ** penalty_factor)


def _get_scores(log_probs, sequence_lengths, length_penalty_weight,
                coverage_penalty_weight, finished,
                accumulated_attention_probs):
  penalty = tf.cast(_length_penalty(sequence_lengths, length_penalty_weight),
                    log_probs.dtype)
  scores = log_probs / penalty
  coverage_penalty_weight = tf.convert_to_tensor(
      coverage_penalty_weight, name="coverage_penalty_weight")
  if coverage_penalty_weight.shape.rank != 0:
    raise ValueError("coverage_penalty_weight should be a scalar, but saw "
                     "shape: %s" % coverage_penalty_weight.shape)
  if tf.get_static_value(coverage_penalty_weight) == 0.0:
    return scores
  if accumulated_attention_probs is None:
    raise ValueError("accumulated_attention_probs can be None only if "
                     "coverage penalty is disabled.")
  # Memory positions never attended (masked, or not reached yet) count as
  # fully covered, not as log(0).
  accumulated_attention_probs = v1.where(
      tf.equal(accumulated_attention_probs, 0.0),
      tf.ones_like(accumulated_attention_probs), accumulated_attention_probs)
  coverage = tf.reduce_sum(
      tf.math.log(tf.minimum(accumulated_attention_probs, 1.0)), 2)
  coverage *= tf.cast(finished, tf.float32)
  return scores + tf.expand_dims(coverage * coverage_penalty_weight, 2)


def attention_probs_from_attn_state(attention_state):
  """The alignments of an ``AttentionWrapperState``, averaged over its
  mechanisms."""
  probs = attention_state.alignments
  if isinstance(probs, tuple):
    probs = tf.reduce_mean(tf.stack(probs, -1), -1)
  return probs


def get_attention_probs(next_cell_state, coverage_penalty_weight):
  """Alignments averaged over every ``AttentionWrapperState`` in the cell
  state, or None when the coverage penalty is off."""
  if coverage_penalty_weight == 0.0:
    return None
  wrapper_state = attention_wrapper.AttentionWrapperState
  if isinstance(next_cell_state, wrapper_state):
    per_layer = [attention_probs_from_attn_state(next_cell_state)]
  elif isinstance(next_cell_state, tuple):
    per_layer = [attention_probs_from_attn_state(s) for s in next_cell_state
                 if isinstance(s, wrapper_state)]
  else:
    per_layer = []
  if not per_layer:
    raise ValueError("AttentionWrapperState is not found in the cell state: "
                     "the coverage penalty needs an AttentionWrapper cell.")
  if len(per_layer) == 1:
    return per_layer[0]
  return tf.reduce_mean(tf.stack(per_layer, -1), -1)


def _beam_search_step(time, logits, next_cell_state, beam_state, batch_size,
                      beam_width, end_token, length_penalty_weight,
                      coverage_penalty_weight):
  """One beam-search step: ``(BeamSearchDecoderOutput,
  BeamSearchDecoderState)``."""
  del time
  static_batch = tf.get_static_value(batch_size)
  lengths = beam_state.lengths
  previously_finished = beam_state.finished
  not_finished = tf.logical_not(previously_finished)

  step_log_probs = tf.nn.log_softmax(logits)
  step_log_probs = _mask_finished(step_log_probs, end_token,
                                  previously_finished)
  total_probs = tf.expand_dims(beam_state.log_probs, 2) + step_log_probs

  vocab_size = logits.shape[-1] if logits.shape[-1] is not None else (
      tf.shape(logits)[-1])
  grows = tf.one_hot(tf.fill([batch_size, beam_width], end_token),
                     depth=vocab_size, on_value=np.int64(0),
                     off_value=np.int64(1), dtype=tf.int64)
  grows *= tf.expand_dims(tf.cast(not_finished, tf.int64), 2)
  candidate_lengths = grows + tf.expand_dims(lengths, 2)

  accumulated = None
  attention_probs = get_attention_probs(next_cell_state,
                                        coverage_penalty_weight)
  if attention_probs is not None:
    attention_probs *= tf.expand_dims(tf.cast(not_finished, tf.float32), 2)
    accumulated = beam_state.accumulated_attention_probs + attention_probs

  scores = _get_scores(
      log_probs=total_probs, sequence_lengths=candidate_lengths,
      length_penalty_weight=length_penalty_weight,
      coverage_penalty_weight=coverage_penalty_weight,
      finished=previously_finished, accumulated_attention_probs=accumulated)

  flat_scores = tf.reshape(scores, [batch_size, -1])
  next_scores, flat_ids = tf.nn.top_k(flat_scores, k=beam_width)
  next_scores.set_shape([static_batch, beam_width])
  flat_ids.set_shape([static_batch, beam_width])

  next_log_probs = tf.gather(tf.reshape(total_probs, [batch_size, -1]),
                             flat_ids, batch_dims=1)
  next_word_ids = tf.cast(tf.math.floormod(flat_ids, vocab_size), tf.int32)
  next_beam_ids = tf.cast(tf.math.floordiv(flat_ids, vocab_size), tf.int32)

  parent_finished = _gather_beams(previously_finished, next_beam_ids)
  next_finished = tf.logical_or(parent_finished,
                                tf.equal(next_word_ids, end_token))
  next_lengths = _gather_beams(lengths, next_beam_ids) + tf.cast(
      tf.logical_not(parent_finished), tf.int64)
  next_accumulated = ()
  if accumulated is not None:
    next_accumulated = _gather_beams(accumulated, next_beam_ids)
  next_cell_state = tf.nest.map_structure(
      lambda t: _maybe_gather_beams(t, next_beam_ids), next_cell_state)

  for t in (next_log_probs, next_finished, next_lengths, next_word_ids,
            next_beam_ids):
    t.set_shape([static_batch, beam_width])

  next_state = BeamSearchDecoderState(
      cell_state=next_cell_state, log_probs=next_log_probs,
      lengths=next_lengths, finished=next_finished,
      accumulated_attention_probs=next_accumulated)
  output = BeamSearchDecoderOutput(scores=next_scores,
                                   predicted_ids=next_word_ids,
                                   parent_ids=next_beam_ids)
  return output, next_state
