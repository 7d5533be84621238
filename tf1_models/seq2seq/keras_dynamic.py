"""The ``--decoder=dynamic`` network (``dynamic_graph.py``) as a Keras 3
model: attention decoder step, teacher forcing, greedy decoding and beam
search, written in ``keras.layers``/``keras.ops`` only (no backend calls,
no TensorFlow import), so it runs on TensorFlow, JAX and PyTorch
(tests/backend_cases.py). The decoding loops are eager Python loops that
stop when every row (beam) has finished, as ``dynamic_decode``'s
``while_loop`` does; the exports trace fixed-step versions instead
(``greedy_logits``, and ``beam_ids``, whose beams stay as they are once
every beam has finished).

TF1 construct (``tf.contrib.seq2seq``)       Keras 3 equivalent here
-------------------------------------------  -------------------------------
``dynamic_rnn(cell, x, sequence_length)``    ``GRU(reset_after=False)``/
                                             ``LSTM`` per layer with a mask
                                             (outputs past the length zeroed)
memory masked by ``memory_sequence_length``  ``memory * mask``
``memory_layer`` (keys)                      ``Dense(size, use_bias=False)``
``LuongAttention``: ``q . k`` (``scale``:    ``luong_score``
  times scalar ``attention_g``)
``BahdanauAttention``: ``v . tanh(k + W q)`` ``bahdanau_score``
  (``normalize``: ``g v / |v|``, ``+ b``)
scores past the length -> ``-inf``, softmax  ``ops.where`` + ``ops.softmax``
``AttentionWrapper`` cell input              ``concat(input, attention)``
``attention_layer`` on ``[cell out,          ``Dense(size, use_bias=False)``
  context]``, output_attention=True
``BasicDecoder`` + ``TrainingHelper``        ``teacher_forced_logits``
``GreedyEmbeddingHelper`` + ``dynamic_decode``  ``greedy`` (stops when every
                                             row has emitted EOS, like the
                                             ``while_loop``)
``tile_batch``                               ``tile_batch``
``BeamSearchDecoder`` step                   ``beam_search_step``
``gather_tree``                              ``gather_tree`` (``keras.ops``)
``sequence_loss``                            ``sequence_loss``

Beam search keeps TF1's quirks: beams 1..K-1 start finished with log
probability -inf; a finished beam's only continuation is EOS at no cost;
the length used for the penalty does not count EOS while the returned
lengths do; ties in ``top_k`` go to the lower flat index.
"""

import math

import keras
import numpy as np
from keras import ops

from tf1_models.seq2seq import keras_model
from tf1_models.seq2seq.symbols import ATTENTIONS, EOS_ID, GO_ID
FLOAT32_MIN = float(np.finfo(np.float32).min)


def make_cell(size, use_lstm, name):
  if use_lstm:
    return keras.layers.LSTMCell(size, name=name)
  return keras.layers.GRUCell(size, reset_after=False, name=name)


def tile_batch(x, multiplier):
  """``tile_batch``: each batch row repeated ``multiplier`` times in place
  (``[a, a, b, b]``, not ``tf.tile``'s ``[a, b, a, b]``)."""
  return ops.repeat(x, multiplier, axis=0)


class AttentionDecoder(keras.layers.Layer):
  """``AttentionWrapper(cell, mechanism, attention_layer_size=size)`` with
  the decoder embedding and ``output_projection``."""

  def __init__(self, vocab_size, size, num_layers, use_lstm, attention,
               **kwargs):
    super().__init__(**kwargs)
    if attention not in ATTENTIONS:
      raise ValueError("unknown attention %r; choose one of %s" %
                       (attention, ", ".join(ATTENTIONS)))
    self.size, self.use_lstm, self.attention = size, use_lstm, attention
    self.bahdanau = attention.endswith("bahdanau")
    # The score of padded source positions (TF1's AttentionWrapper: -inf).
    # The ONNX export sets float32's lowest finite value, which gives the
    # same alignments (exp underflows to 0 either way) and which the ONNX
    # conversion keeps finite (-inf there turns the logits into NaN).
    self.score_mask_value = -np.inf
    self.embedding = keras.layers.Embedding(vocab_size, size,
                                            name="embedding")
    self.memory_layer = keras.layers.Dense(size, use_bias=False,
                                           name="memory_layer")
    self.query_layer = (keras.layers.Dense(size, use_bias=False,
                                           name="query_layer")
                        if self.bahdanau else None)
    self.cells = [make_cell(size, use_lstm, "cell_%d" % k)
                  for k in range(num_layers)]
    self.attention_layer = keras.layers.Dense(size, use_bias=False,
                                              name="attention_layer")
    self.output_projection = keras.layers.Dense(vocab_size, use_bias=False,
                                                name="output_projection")
    # Created here: the decoder is stepped through its methods, never
    # called, so Keras would not run a build().
    self.attention_v = self.attention_g = self.attention_b = None
    if self.bahdanau:
      self.attention_v = self.add_weight(shape=(size,), name="attention_v")
    if attention == "scaled_luong":
      self.attention_g = self.add_weight(shape=(), name="attention_g",
                                         initializer="ones")
    if attention == "normed_bahdanau":
      self.attention_g = self.add_weight(
          shape=(), name="attention_g",
          initializer=keras.initializers.Constant(math.sqrt(1.0 / size)))
      self.attention_b = self.add_weight(shape=(size,), name="attention_b",
                                         initializer="zeros")
    self.built = True

  def setup_memory(self, memory, mask):
    """``(values, keys, mask)``: values masked, keys = ``memory_layer``."""
    values = memory * ops.expand_dims(ops.cast(mask, memory.dtype), 2)
    return values, self.memory_layer(values), mask

  def score(self, query, keys):
    if not self.bahdanau:
      score = ops.sum(ops.expand_dims(query, 1) * keys, axis=2)
      return score if self.attention_g is None else self.attention_g * score
    q = ops.expand_dims(self.query_layer(query), 1)
    if self.attention_b is None:
      return ops.sum(self.attention_v * ops.tanh(keys + q), axis=2)
    v = self.attention_g * self.attention_v * ops.rsqrt(
        ops.sum(ops.square(self.attention_v)))
    return ops.sum(v * ops.tanh(keys + q + self.attention_b), axis=2)

  def initial_state(self, encoder_states, batch, dtype="float32"):
    """``(cell states per layer, previous attention)``."""
    return ([list(s) for s in encoder_states],
            ops.zeros((batch, self.size), dtype))

  def step(self, inputs, state, memory):
    """One ``AttentionWrapper.call`` + ``output_projection``: embedded
    ``inputs [N, size]`` -> ``(logits [N, V], new state)``."""
    cell_states, attention = state
    values, keys, mask = memory
    x = ops.concatenate([inputs, attention], axis=1)
    new_states = []
    for cell, st in zip(self.cells, cell_states):
      x, new = cell(x, st)
      new_states.append(list(new))
    score = self.score(x, keys)
    score = ops.where(mask, score,
                      ops.full_like(score, self.score_mask_value))
    alignments = ops.softmax(score, axis=1)
    context = ops.sum(ops.expand_dims(alignments, 2) * values, axis=1)
    attention = self.attention_layer(ops.concatenate([x, context], axis=1))
    return self.output_projection(attention), (new_states, attention)


def map_state(fn, state):
  """Apply ``fn`` to every tensor of a decoder state."""
  cell_states, attention = state
  return ([[fn(s) for s in layer] for layer in cell_states], fn(attention))


class KerasDynamicSeq2Seq(keras.Model):
  """Encoder + ``AttentionDecoder``; see the module docstring."""

  dynamic = True  # convert.py maps it with ``dynamic_groups``

  def __init__(self, vocab_size, size, num_layers=1, use_lstm=False,
               attention="luong", **kwargs):
    super().__init__(**kwargs)
    self.vocab_size, self.size = vocab_size, size
    self.num_layers, self.use_lstm, self.attention = (num_layers, use_lstm,
                                                      attention)
    self.encoder_embedding = keras.layers.Embedding(
        vocab_size, size, name="encoder_embedding")
    self.encoders = keras_model.encoder_layers(size, num_layers, use_lstm)
    self.decoder = AttentionDecoder(vocab_size, size, num_layers, use_lstm,
                                    attention, name="decoder")

  def encode(self, source, source_length, embedding_offsets=None):
    """``(memory (values, keys, mask), final states per layer)``
    (``embedding_offsets [B, L, size]`` added to the embedded source)."""
    source = ops.convert_to_tensor(source, "int32")
    mask = ops.less(ops.expand_dims(ops.arange(ops.shape(source)[1]), 0),
                    ops.expand_dims(ops.convert_to_tensor(source_length,
                                                          "int32"), 1))
    x = self.encoder_embedding(source)
    if embedding_offsets is not None:
      x = x + embedding_offsets
    states = []
    for layer in self.encoders:
      x, *st = layer(x, mask=mask)
      states.append(st)
    return self.decoder.setup_memory(x, mask), states

  def call(self, inputs, embedding_offsets=(None, None)):
    """``(source, source_length, decoder_inputs)`` -> teacher-forced logits
    ``[B, T, V]`` (``TrainingHelper`` + ``BasicDecoder``).
    ``embedding_offsets``: (encoder's, decoder's) added to the embedded
    ids (zeros, to differentiate: see ``clipped_gradients``)."""
    source, source_length, decoder_inputs = inputs
    memory, states = self.encode(source, source_length, embedding_offsets[0])
    decoder_inputs = ops.convert_to_tensor(decoder_inputs, "int32")
    embedded = self.decoder.embedding(decoder_inputs)
    if embedding_offsets[1] is not None:
      embedded = embedded + embedding_offsets[1]
    state = self.decoder.initial_state(states, ops.shape(embedded)[0])
    logits = []
    for t in range(decoder_inputs.shape[1]):
      out, state = self.decoder.step(embedded[:, t], state, memory)
      logits.append(out)
    return ops.stack(logits, axis=1)

  def greedy_logits(self, source, source_length, steps):
    """``steps`` greedy steps without stopping at EOS: logits ``[B, steps,
    V]``, each step's argmax fed back from GO (backend ops only, as the
    exports trace them; ``greedy`` stops once every row is done)."""
    memory, states = self.encode(source, source_length)
    state = self.decoder.initial_state(states, ops.shape(memory[0])[0])
    token = ops.full((ops.shape(memory[0])[0],), GO_ID, dtype="int32")
    logits = []
    for _ in range(steps):
      out, state = self.decoder.step(self.decoder.embedding(token), state,
                                     memory)
      logits.append(out)
      token = keras_model.first_argmax(out)
    return ops.stack(logits, axis=1)

  def greedy(self, source, source_length, max_iterations):
    """``GreedyEmbeddingHelper`` under ``dynamic_decode``: ``(ids [B, T'],
    lengths [B])`` as NumPy; ``T'`` is the step at which every row had
    emitted EOS, at most ``max_iterations``."""
    memory, states = self.encode(source, source_length)
    batch = int(np.shape(source)[0])
    state = self.decoder.initial_state(states, batch)
    inputs = self.decoder.embedding(ops.full((batch,), GO_ID, "int32"))
    finished = np.zeros(batch, bool)
    lengths = np.zeros(batch, np.int32)
    ids = []
    for t in range(max_iterations):
      logits, state = self.decoder.step(inputs, state, memory)
      sample = ops.argmax(logits, axis=1)
      lengths[~finished] = t + 1
      sample_np = np.asarray(ops.convert_to_numpy(sample)).astype(np.int32)
      ids.append(sample_np)
      finished |= sample_np == EOS_ID
      if finished.all():
        break
      inputs = self.decoder.embedding(ops.cast(sample, "int32"))
    return np.stack(ids, 1), lengths

  def beam_search(self, source, source_length, beam_width, max_iterations,
                  length_penalty_weight=0.0):
    """``BeamSearchDecoder`` under ``dynamic_decode``, as NumPy: ``ids [B,
    T', K]`` (after ``gather_tree``; beam 0 is the best), per-step ``scores
    [B, T', K]`` and final ``lengths [B, K]``; ``T'`` is the step at which
    every beam had finished, at most ``max_iterations``."""
    ids, scores, lengths = self._beam(source, source_length, beam_width,
                                      max_iterations, length_penalty_weight,
                                      fixed_steps=False)
    return tuple(np.asarray(ops.convert_to_numpy(x)) for x in (
        ids, scores, lengths))

  def beam_ids(self, source, source_length, beam_width, steps,
               length_penalty_weight=0.0):
    """``beam_search``'s ids ``[B, steps, K]`` in a fixed number of steps,
    as tensors (backend ops only, so the exports can trace it): once every
    beam has finished, the remaining steps leave the beams as they are
    (``dynamic_decode`` stops there), and their ids are EOS; the first
    ``T'`` steps are ``beam_search``'s."""
    return self._beam(source, source_length, beam_width, steps,
                      length_penalty_weight, fixed_steps=True)[0]

  def _beam(self, source, source_length, beam_width, max_iterations,
            length_penalty_weight, fixed_steps):
    """``(ids, scores [B, T, K], lengths [B, K])``; ``fixed_steps``: run
    all ``max_iterations`` steps, the steps after every beam has finished
    changing nothing, instead of stopping (a data-dependent length)."""
    k = beam_width
    memory, states = self.encode(tile_batch(source, k),
                                 tile_batch(source_length, k))
    batch = ops.shape(source)[0]  # a tensor when traced with batch None
    state = self.decoder.initial_state(states, ops.shape(memory[0])[0])
    beam = initial_beam_state(batch, k)
    inputs = self.decoder.embedding(ops.full(ops.shape(memory[0])[:1], GO_ID,
                                             "int32"))
    step_ids, parents, scores = [], [], []
    stay = ops.zeros_like(beam["lengths"]) + ops.arange(k, dtype="int32")
    for t in range(max_iterations):
      logits, state = self.decoder.step(inputs, state, memory)
      logits = ops.reshape(logits, (-1, k, self.vocab_size))
      out, new_beam = beam_search_step(logits, beam, length_penalty_weight)
      if fixed_steps and t:
        # After the step at which every beam had finished, nothing moves.
        done = ops.all(beam["finished"])
        out = {"predicted_ids": ops.where(done, EOS_ID,
                                          out["predicted_ids"]),
               "parent_ids": ops.where(done, stay, out["parent_ids"]),
               "scores": ops.where(done, scores[-1], out["scores"])}
        new_beam = {key: ops.where(done, beam[key], value)
                    for key, value in new_beam.items()}
      beam = new_beam
      flat = ops.reshape(out["parent_ids"] + ops.expand_dims(
          ops.arange(batch, dtype="int32") * k, 1), (-1,))
      state = map_state(lambda s: ops.take(s, flat, axis=0), state)
      step_ids.append(out["predicted_ids"])
      parents.append(out["parent_ids"])
      scores.append(out["scores"])
      if not fixed_steps and bool(ops.convert_to_numpy(
          ops.all(beam["finished"]))):
        break
      inputs = self.decoder.embedding(ops.reshape(out["predicted_ids"],
                                                  (-1,)))
    ids = gather_tree(ops.stack(step_ids), ops.stack(parents),
                      ops.max(beam["lengths"], axis=1), EOS_ID)
    return (ops.transpose(ids, (1, 0, 2)),
            ops.transpose(ops.stack(scores), (1, 0, 2)), beam["lengths"])


def initial_beam_state(batch, beam_width):
  """``BeamSearchDecoder.initialize``: beam 0 live with log prob 0, the
  others finished at -inf, lengths 0."""
  first = ops.expand_dims(ops.equal(ops.arange(beam_width), 0), 0)
  first = ops.tile(first, (batch, 1))
  return {"log_probs": ops.where(first, 0.0, -np.inf),
          "finished": ops.logical_not(first),
          "lengths": ops.zeros((batch, beam_width), "int32")}


def length_penalty(lengths, weight):
  """GNMT's ``((5 + len) / 6) ** weight`` (1 when the weight is 0)."""
  if weight == 0:
    return 1.0
  return ops.divide(ops.power(5.0 + ops.cast(lengths, "float32"), weight),
                    (5.0 + 1.0) ** weight)


def beam_search_step(logits, beam, length_penalty_weight=0.0,
                     end_token=EOS_ID):
  """One ``_beam_search_step``: ``logits [B, K, V]`` and the beam state ->
  ``({scores, predicted_ids, parent_ids}, next beam state)``."""
  k, vocab = logits.shape[1:]
  finished, lengths = beam["finished"], beam["lengths"]
  not_finished = ops.logical_not(finished)
  step = ops.log_softmax(logits, axis=-1)
  eos_only = ops.where(ops.equal(ops.arange(vocab), end_token), 0.0,
                       FLOAT32_MIN)
  step = ops.where(ops.expand_dims(finished, 2), eos_only, step)
  total = ops.expand_dims(beam["log_probs"], 2) + step
  grows = ops.logical_and(ops.expand_dims(not_finished, 2),
                          ops.not_equal(ops.arange(vocab), end_token))
  scoring_lengths = ops.expand_dims(lengths, 2) + ops.cast(grows, "int32")
  scores = total / length_penalty(scoring_lengths, length_penalty_weight)
  top_scores, indices = ops.top_k(ops.reshape(scores, (-1, k * vocab)), k)
  log_probs = ops.take_along_axis(ops.reshape(total, (-1, k * vocab)),
                                  indices, axis=1)
  words = ops.cast(indices % vocab, "int32")
  parents = ops.cast(indices // vocab, "int32")
  was_finished = ops.take_along_axis(finished, parents, axis=1)
  next_lengths = (ops.take_along_axis(lengths, parents, axis=1) +
                  ops.cast(ops.logical_not(was_finished), "int32"))
  next_beam = {"log_probs": log_probs, "lengths": next_lengths,
               "finished": ops.logical_or(was_finished,
                                          ops.equal(words, end_token))}
  return ({"scores": top_scores, "predicted_ids": words,
           "parent_ids": parents}, next_beam)


def gather_tree(step_ids, parent_ids, max_sequence_lengths, end_token):
  """TF's ``gather_tree`` in ``keras.ops``: ``step_ids``/``parent_ids [T,
  B, K]`` (time-major) -> each beam's full sequence ``[T, B, K]``, followed
  back from its last step through its parents; positions at or past each
  batch entry's ``max_sequence_lengths [B]`` and everything after a beam's
  first ``end_token`` become ``end_token``."""
  step_ids = ops.convert_to_tensor(step_ids, "int32")
  parent_ids = ops.convert_to_tensor(parent_ids, "int32")
  steps, k = step_ids.shape[0], step_ids.shape[2]
  lengths = ops.reshape(ops.convert_to_tensor(max_sequence_lengths, "int32"),
                        (-1, 1))
  # where each beam is at step t: [B, K]
  parent = ops.zeros_like(step_ids[0]) + ops.arange(k, dtype="int32")
  end = ops.full_like(step_ids[0], end_token)
  backwards = []
  for t in range(steps - 1, -1, -1):
    inside = ops.less(t, lengths)  # [B, 1]
    backwards.append(ops.where(
        inside, ops.take_along_axis(step_ids[t], parent, axis=1), end))
    parent = ops.where(
        inside, ops.take_along_axis(parent_ids[t], parent, axis=1), parent)
  out = ops.stack(backwards[::-1], axis=0)
  is_end = ops.cast(ops.equal(out, end_token), "int32")
  after_end = ops.greater(ops.cumsum(is_end, axis=0) - is_end, 0)
  return ops.where(after_end, end_token, out)


def sequence_loss(logits, targets, weights):
  """``sequence_loss`` with its defaults (averaged over time and batch):
  ``sum(xent * w) / sum(w)``."""
  xent = keras.losses.sparse_categorical_crossentropy(
      targets, logits, from_logits=True)
  weights = ops.cast(weights, xent.dtype)
  return ops.sum(xent * weights) / ops.sum(weights)


def clipped_gradients(net, source, source_length, decoder_inputs,
                      decoder_length, targets, max_gradient_norm):
  """One training step's gradients, as ``dynamic_model`` takes them:
  ``(norm before clipping, loss, clipped gradients of
  net.trainable_variables)`` of ``sequence_loss`` over the targets' real
  positions (``decoder_length``) of the teacher-forced logits, clipped by
  their global norm as TF1's ``clip_by_global_norm`` counts it: each
  embedding lookup's gradient row apart (TF1's ``IndexedSlices``), as
  ``keras_model.clipped_gradients`` does for the legacy twin. Inputs in
  ``dynamic_model.batch_from_pairs``' layout (wider padding changes
  nothing: it is masked)."""
  batch, length = np.shape(source)
  steps = np.shape(decoder_inputs)[1]
  offsets = [ops.zeros((batch, length, net.size)),
             ops.zeros((batch, steps, net.size))]
  weights = ops.cast(ops.less(
      ops.expand_dims(ops.arange(steps), 0),
      ops.expand_dims(ops.convert_to_tensor(decoder_length, "int32"), 1)),
                     "float32")

  def loss_fn(encoder_offsets, decoder_offsets):
    logits = net((source, source_length, decoder_inputs),
                 embedding_offsets=(encoder_offsets, decoder_offsets))
    return sequence_loss(logits, targets, weights)

  return keras_model.clip_counting_rows(net, loss_fn, offsets,
                                       max_gradient_norm)
