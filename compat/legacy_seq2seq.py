"""TF 1.15's ``tf.contrib.legacy_seq2seq``, rebuilt over ``compat``'s cells.

The static (list-of-tensors) sequence-to-sequence models of the 2015-2017
translate and chatbot tutorials: plain and embedding RNN encoder-decoders,
tied encoder/decoder weights, Bahdanau-style attention with several heads,
one encoder feeding many decoders, the weighted sequence losses and
``model_with_buckets``. Signatures, defaults, default variable scopes, the
order in which variables are created and their names are TF 1.15's, so a
TF1 checkpoint of such a model restores by name and gives the same numbers.

Variables, for ``embedding_attention_seq2seq`` (``S`` =
``embedding_attention_seq2seq``, ``D`` = ``S/embedding_attention_decoder``,
``A`` = ``D/attention_decoder``, ``<cell>`` e.g. ``gru_cell/gates/kernel``)::

  S/rnn/embedding_wrapper/embedding              encoder embedding
  S/rnn/embedding_wrapper/<cell>                 encoder (a copy of ``cell``)
  D/embedding                                    decoder embedding
  A/AttnW_<k> [1, 1, attn, attn], A/AttnV_<k>    per head k: W1 and v
  A/kernel, A/bias                               merge of [input, attns]
  A/output_projection_wrapper/<cell>, /kernel    decoder (no output_projection)
  A/Attention_<k>/kernel, /bias                  per head k: W2 of the query
  A/AttnOutputProjection/kernel, /bias           output of [cell out, attns]

``feed_previous`` may be a Python bool or a boolean scalar tensor. For a
tensor, TF1 built the decoder twice under ``tf.cond`` (the feed-previous
branch first, creating the variables; the other reusing them) and so do we;
``tf.compat.v1.cond`` now builds a functional ``If`` whose branch variables
are created in the outer graph, under the same names.

Deliberate differences from TF 1.15:
  * ``copy.deepcopy`` of a cell that has already been called works here (it
    gives an unbuilt copy; see ``compat.base.Layer.__deepcopy__``). In TF1 it
    raised ``TypeError: can't pickle _thread.RLock objects``, so calling
    ``embedding_attention_seq2seq`` twice with one cell failed there.
  * ``embedding_rnn_decoder`` looks its inputs up before decoding instead of
    lazily from a generator: the same values, only the graph order differs.
  * ``embedding_tied_rnn_seq2seq`` with a tensor ``feed_previous`` packs the
    final state by ``cell.state_size`` rather than by a throwaway
    ``cell.zero_state``; the structure is the same.
"""

import copy

import tensorflow as tf

from compat.rnn_cell import RNNCell
from compat.wrappers import EmbeddingWrapper, Linear, OutputProjectionWrapper

v1 = tf.compat.v1

__all__ = [
    "attention_decoder", "basic_rnn_seq2seq", "embedding_attention_decoder",
    "embedding_attention_seq2seq", "embedding_rnn_decoder",
    "embedding_rnn_seq2seq", "embedding_tied_rnn_seq2seq",
    "model_with_buckets", "one2many_rnn_seq2seq", "rnn_decoder",
    "sequence_loss", "sequence_loss_by_example", "tied_rnn_seq2seq",
]


# --------------------------------------------------------------------------
# Helpers.


def _extract_argmax_and_embed(embedding, output_projection=None,
                              update_embedding=True):
  """A ``loop_function(prev, i)`` feeding back the embedded argmax symbol.

  ``prev`` is projected with ``output_projection = (W, b)`` when given. With
  ``update_embedding=False`` no gradient reaches ``embedding`` through the
  fed-back symbols (TF1 used this in the tensor ``feed_previous`` branches).
  """
  def loop_function(prev, _):
    if output_projection is not None:
      prev = v1.nn.xw_plus_b(prev, output_projection[0], output_projection[1])
    symbol = tf.argmax(prev, 1)
    embedded = tf.nn.embedding_lookup(embedding, symbol)
    if not update_embedding:
      embedded = tf.stop_gradient(embedded)
    return embedded
  return loop_function


def _check_output_projection(output_projection, num_symbols, dtype,
                             check_weights=True):
  """TF1's shape checks: ``W [?, num_symbols]``, ``b [num_symbols]``."""
  if check_weights:
    weights = tf.convert_to_tensor(output_projection[0], dtype=dtype)
    weights.shape.assert_is_compatible_with([None, num_symbols])
  biases = tf.convert_to_tensor(output_projection[1], dtype=dtype)
  biases.shape.assert_is_compatible_with([num_symbols])


def _lookup_all(embedding, symbols):
  return [tf.nn.embedding_lookup(embedding, s) for s in symbols]


def _decode_by_flag(feed_previous, decoder, num_outputs, state_structure):
  """``decoder(flag) -> (outputs, state)`` for a bool or a boolean tensor.

  A Python bool calls ``decoder`` once. A tensor builds both under
  ``tf.cond`` as TF1 did: the ``True`` branch first with the enclosing reuse
  (creating variables), the ``False`` branch with ``reuse=True``.
  ``state_structure`` packs the flat state the branches return.
  """
  if isinstance(feed_previous, bool):
    return decoder(feed_previous)

  def branch(flag):
    with v1.variable_scope(v1.get_variable_scope(),
                           reuse=None if flag else True):
      outputs, state = decoder(flag)
    return list(outputs) + tf.nest.flatten(state)

  flat = v1.cond(feed_previous, lambda: branch(True), lambda: branch(False),
                 strict=True)
  outputs = list(flat[:num_outputs])
  state = tf.nest.pack_sequence_as(state_structure, list(flat[num_outputs:]))
  return outputs, state


def _embedding_encoder(cell, encoder_inputs, num_encoder_symbols,
                       embedding_size, dtype):
  """Run ``EmbeddingWrapper(deepcopy(cell))`` with ``static_rnn`` (scope
  ``rnn/embedding_wrapper``); the caller's ``cell`` stays for the decoder."""
  encoder_cell = EmbeddingWrapper(copy.deepcopy(cell),
                                  embedding_classes=num_encoder_symbols,
                                  embedding_size=embedding_size)
  return v1.nn.static_rnn(encoder_cell, encoder_inputs, dtype=dtype)


# --------------------------------------------------------------------------
# Decoders and models without attention.


def rnn_decoder(decoder_inputs, initial_state, cell, loop_function=None,
                scope=None):
  """Run ``cell`` over ``decoder_inputs`` from ``initial_state``.

  With ``loop_function``, step ``i > 0`` takes ``loop_function(output[i-1],
  i)`` (built in scope ``loop_function`` with reuse) instead of
  ``decoder_inputs[i]``; only the first input is read. Scope:
  ``rnn_decoder``, so the cell's variables are ``rnn_decoder/<cell>/...``.

  Returns ``(outputs, state)``: one ``[batch, cell.output_size]`` output per
  input and the last state.
  """
  with v1.variable_scope(scope or "rnn_decoder"):
    state = initial_state
    outputs = []
    prev = None
    for i, inp in enumerate(decoder_inputs):
      if loop_function is not None and prev is not None:
        with v1.variable_scope("loop_function", reuse=True):
          inp = loop_function(prev, i)
      if i > 0:
        v1.get_variable_scope().reuse_variables()
      output, state = cell(inp, state)
      outputs.append(output)
      if loop_function is not None:
        prev = output
  return outputs, state


def basic_rnn_seq2seq(encoder_inputs, decoder_inputs, cell,
                      dtype=tf.float32, scope=None):
  """Encode with a deep copy of ``cell``, decode with ``cell`` itself.

  Variables: ``basic_rnn_seq2seq/rnn/<cell>`` (encoder) and
  ``basic_rnn_seq2seq/rnn_decoder/<cell>`` (decoder).
  """
  with v1.variable_scope(scope or "basic_rnn_seq2seq"):
    encoder_cell = copy.deepcopy(cell)
    _, encoder_state = v1.nn.static_rnn(encoder_cell, encoder_inputs,
                                        dtype=dtype)
    return rnn_decoder(decoder_inputs, encoder_state, cell)


def tied_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, loop_function=None,
                     dtype=tf.float32, scope=None):
  """Encoder and decoder share one cell and its variables.

  Both run in ``combined_tied_rnn_seq2seq/<scope or "tied_rnn_seq2seq">``:
  ``static_rnn`` there creates the variables, ``rnn_decoder`` reuses them.
  """
  with v1.variable_scope("combined_tied_rnn_seq2seq"):
    scope = scope or "tied_rnn_seq2seq"
    _, encoder_state = v1.nn.static_rnn(cell, encoder_inputs, dtype=dtype,
                                        scope=scope)
    v1.get_variable_scope().reuse_variables()
    return rnn_decoder(decoder_inputs, encoder_state, cell,
                       loop_function=loop_function, scope=scope)


def embedding_rnn_decoder(decoder_inputs, initial_state, cell, num_symbols,
                          embedding_size, output_projection=None,
                          feed_previous=False,
                          update_embedding_for_previous=True, scope=None):
  """``rnn_decoder`` over embedded integer inputs.

  Variables: ``embedding_rnn_decoder/embedding [num_symbols, embedding_size]``
  and the cell's under ``embedding_rnn_decoder/rnn_decoder/``. With
  ``feed_previous`` (a Python bool here), step ``i > 0`` is fed the embedding
  of the argmax of the previous output, projected by ``output_projection =
  (W [out, num_symbols], b [num_symbols])`` if given.
  """
  with v1.variable_scope(scope or "embedding_rnn_decoder") as vs:
    if output_projection is not None:
      _check_output_projection(output_projection, num_symbols, vs.dtype)
    embedding = v1.get_variable("embedding", [num_symbols, embedding_size])
    loop_function = None
    if feed_previous:
      loop_function = _extract_argmax_and_embed(
          embedding, output_projection, update_embedding_for_previous)
    return rnn_decoder(_lookup_all(embedding, decoder_inputs), initial_state,
                       cell, loop_function=loop_function)


def embedding_rnn_seq2seq(encoder_inputs, decoder_inputs, cell,
                          num_encoder_symbols, num_decoder_symbols,
                          embedding_size, output_projection=None,
                          feed_previous=False, dtype=None, scope=None):
  """Embedding encoder (a copy of ``cell``) and ``embedding_rnn_decoder``.

  Without ``output_projection`` the decoder cell is wrapped in
  ``OutputProjectionWrapper(cell, num_decoder_symbols)``. A tensor
  ``feed_previous`` builds both decoders under ``tf.cond`` with
  ``update_embedding_for_previous=False``, as TF1 did.
  """
  with v1.variable_scope(scope or "embedding_rnn_seq2seq") as vs:
    if dtype is not None:
      vs.set_dtype(dtype)
    else:
      dtype = vs.dtype
    _, encoder_state = _embedding_encoder(cell, encoder_inputs,
                                          num_encoder_symbols, embedding_size,
                                          dtype)
    if output_projection is None:
      cell = OutputProjectionWrapper(cell, num_decoder_symbols)
    update = isinstance(feed_previous, bool)

    def decoder(flag):
      return embedding_rnn_decoder(
          decoder_inputs, encoder_state, cell, num_decoder_symbols,
          embedding_size, output_projection=output_projection,
          feed_previous=flag, update_embedding_for_previous=update)

    return _decode_by_flag(feed_previous, decoder, len(decoder_inputs),
                           encoder_state)


def embedding_tied_rnn_seq2seq(encoder_inputs, decoder_inputs, cell,
                               num_symbols, embedding_size,
                               num_decoder_symbols=None,
                               output_projection=None, feed_previous=False,
                               dtype=None, scope=None):
  """``tied_rnn_seq2seq`` over inputs embedded with one shared embedding.

  Variables: ``embedding_tied_rnn_seq2seq/embedding [num_symbols,
  embedding_size]`` and the (shared) cell's under
  ``embedding_tied_rnn_seq2seq/combined_tied_rnn_seq2seq/tied_rnn_seq2seq/``,
  wrapped in ``output_projection_wrapper`` (to ``num_decoder_symbols`` or
  ``num_symbols``) without ``output_projection``. With a tensor
  ``feed_previous`` the encoder too is built in both ``tf.cond`` branches,
  as in TF1.
  """
  with v1.variable_scope(scope or "embedding_tied_rnn_seq2seq",
                         dtype=dtype) as vs:
    dtype = vs.dtype
    if output_projection is not None:
      _check_output_projection(output_projection, num_symbols, dtype)
    embedding = v1.get_variable("embedding", [num_symbols, embedding_size],
                                dtype=dtype)
    emb_encoder_inputs = _lookup_all(embedding, encoder_inputs)
    emb_decoder_inputs = _lookup_all(embedding, decoder_inputs)
    if output_projection is None:
      cell = OutputProjectionWrapper(
          cell, num_decoder_symbols if num_decoder_symbols is not None
          else num_symbols)
    update = isinstance(feed_previous, bool)

    def decoder(flag):
      loop_function = None
      if flag:
        loop_function = _extract_argmax_and_embed(embedding,
                                                  output_projection, update)
      return tied_rnn_seq2seq(emb_encoder_inputs, emb_decoder_inputs, cell,
                              loop_function=loop_function, dtype=dtype)

    return _decode_by_flag(feed_previous, decoder, len(decoder_inputs),
                           cell.state_size)


# --------------------------------------------------------------------------
# Attention.


def _attention_keys(attention_states, num_heads, dtype):
  """``hidden [B, L, 1, A]`` and, per head k, ``W1_k h`` (a 1x1 convolution
  with ``AttnW_k [1, 1, A, A]``) and the scoring vector ``AttnV_k [A]``."""
  attn_length = attention_states.shape[1]
  if attn_length is None:
    attn_length = tf.shape(attention_states)[1]
  attn_size = attention_states.shape[2]
  hidden = tf.reshape(attention_states, [-1, attn_length, 1, attn_size])
  features, vectors = [], []
  for k in range(num_heads):
    w1 = v1.get_variable("AttnW_%d" % k, [1, 1, attn_size, attn_size],
                         dtype=dtype)
    features.append(tf.nn.conv2d(hidden, w1, [1, 1, 1, 1], "SAME"))
    vectors.append(v1.get_variable("AttnV_%d" % k, [attn_size], dtype=dtype))
  return hidden, features, vectors, attn_length


def _attend(query, hidden, features, vectors, attn_length, dtype):
  """One read per head: ``a = softmax(v . tanh(W1 h + W2 q + b))`` over the
  attention length, then ``d = sum_t a_t h_t``. ``W2, b`` are
  ``Attention_k/kernel, bias``; a nested ``query`` (a state tuple) is
  flattened and concatenated first."""
  if tf.nest.is_nested(query):
    parts = tf.nest.flatten(query)
    for part in parts:
      if part.shape.rank is not None and part.shape.rank != 2:
        raise ValueError("attention query parts must be 2-D, got %s" %
                         part.shape)
    query = tf.concat(parts, 1)
  attn_size = hidden.shape[3]
  reads = []
  for k, (feature, v) in enumerate(zip(features, vectors)):
    with v1.variable_scope("Attention_%d" % k):
      y = Linear(query, attn_size, True)(query)
      y = tf.cast(tf.reshape(y, [-1, 1, 1, attn_size]), dtype)
      scores = tf.reduce_sum(v * tf.tanh(feature + y), [2, 3])
      weights = tf.cast(tf.nn.softmax(tf.cast(scores, tf.float32)), dtype)
      read = tf.reduce_sum(
          tf.reshape(weights, [-1, attn_length, 1, 1]) * hidden, [1, 2])
      reads.append(tf.reshape(read, [-1, attn_size]))
  return reads


def attention_decoder(decoder_inputs, initial_state, attention_states, cell,
                      output_size=None, num_heads=1, loop_function=None,
                      dtype=None, scope=None, initial_state_attention=False):
  """RNN decoder attending over ``attention_states [batch, length, size]``.

  Step ``i`` (scope ``attention_decoder``):
    ``x = [inp, attns] @ kernel + bias`` (kernel ``[in + heads*size, in]``),
    ``cell_output, state = cell(x, state)``,
    ``attns = attention(state)`` (see ``_attend``),
    ``output = [cell_output, attns] @ AttnOutputProjection/kernel + bias``.
  The first ``attns`` are zeros, or with ``initial_state_attention`` the
  reads for ``initial_state`` (then ``Attention_k`` is created before the
  merge kernel). ``loop_function`` is as in ``rnn_decoder``; it gets the
  projected ``output``.

  Returns ``(outputs, state)``: ``[batch, output_size]`` per input
  (``output_size`` defaults to ``cell.output_size``) and the last state.
  """
  if not decoder_inputs:
    raise ValueError("Must provide at least 1 input to attention decoder.")
  if num_heads < 1:
    raise ValueError("With less than 1 heads, use a non-attention decoder.")
  if attention_states.shape[2] is None:
    raise ValueError("Shape[2] of attention_states must be known: %s" %
                     attention_states.shape)
  if output_size is None:
    output_size = cell.output_size

  with v1.variable_scope(scope or "attention_decoder", dtype=dtype) as vs:
    dtype = vs.dtype
    batch_size = tf.shape(decoder_inputs[0])[0]
    attn_size = attention_states.shape[2]
    hidden, features, vectors, attn_length = _attention_keys(
        attention_states, num_heads, dtype)

    def attention(query):
      return _attend(query, hidden, features, vectors, attn_length, dtype)

    state = initial_state
    attns = []
    for _ in range(num_heads):
      zeros = tf.zeros(tf.stack([batch_size, attn_size]), dtype=dtype)
      zeros.set_shape([None, attn_size])
      attns.append(zeros)
    if initial_state_attention:
      attns = attention(initial_state)

    outputs = []
    prev = None
    for i, inp in enumerate(decoder_inputs):
      if i > 0:
        v1.get_variable_scope().reuse_variables()
      if loop_function is not None and prev is not None:
        with v1.variable_scope("loop_function", reuse=True):
          inp = loop_function(prev, i)
      input_size = inp.shape.with_rank(2)[1]
      if input_size is None:
        raise ValueError("Could not infer input size from input: %s" %
                         inp.name)
      merged = [tf.cast(t, dtype) for t in [inp] + attns]
      x = Linear(merged, input_size, True)(merged)
      cell_output, state = cell(x, state)
      if i == 0 and initial_state_attention:
        with v1.variable_scope(v1.get_variable_scope(), reuse=True):
          attns = attention(state)
      else:
        attns = attention(state)
      with v1.variable_scope("AttnOutputProjection"):
        projected = [tf.cast(cell_output, dtype)] + attns
        output = Linear(projected, output_size, True)(projected)
      if loop_function is not None:
        prev = output
      outputs.append(output)
  return outputs, state


def embedding_attention_decoder(decoder_inputs, initial_state,
                                attention_states, cell, num_symbols,
                                embedding_size, num_heads=1, output_size=None,
                                output_projection=None, feed_previous=False,
                                update_embedding_for_previous=True, dtype=None,
                                scope=None, initial_state_attention=False):
  """``attention_decoder`` over embedded integer inputs.

  Variables: ``embedding_attention_decoder/embedding [num_symbols,
  embedding_size]`` and ``attention_decoder``'s under
  ``embedding_attention_decoder/attention_decoder/``. ``feed_previous`` (a
  Python bool here) feeds back the embedded argmax as in
  ``embedding_rnn_decoder``; only the projection's bias shape is checked, as
  in TF1.
  """
  if output_size is None:
    output_size = cell.output_size
  if output_projection is not None:
    _check_output_projection(output_projection, num_symbols, dtype,
                             check_weights=False)
  with v1.variable_scope(scope or "embedding_attention_decoder", dtype=dtype):
    embedding = v1.get_variable("embedding", [num_symbols, embedding_size])
    loop_function = None
    if feed_previous:
      loop_function = _extract_argmax_and_embed(
          embedding, output_projection, update_embedding_for_previous)
    return attention_decoder(
        _lookup_all(embedding, decoder_inputs), initial_state,
        attention_states, cell, output_size=output_size, num_heads=num_heads,
        loop_function=loop_function,
        initial_state_attention=initial_state_attention)


def embedding_attention_seq2seq(encoder_inputs, decoder_inputs, cell,
                                num_encoder_symbols, num_decoder_symbols,
                                embedding_size, num_heads=1,
                                output_projection=None, feed_previous=False,
                                dtype=None, scope=None,
                                initial_state_attention=False):
  """The translate tutorial's model: embedding encoder + attention decoder.

  The encoder is ``EmbeddingWrapper(copy.deepcopy(cell))`` run by
  ``static_rnn``; its outputs, stacked to ``[batch, len, cell.output_size]``,
  are attended over by ``embedding_attention_decoder`` starting from its
  final state. Without ``output_projection`` the decoder cell is wrapped in
  ``OutputProjectionWrapper(cell, num_decoder_symbols)`` and outputs are
  ``num_decoder_symbols`` wide; with it, ``cell.output_size`` wide (project
  them yourself, e.g. in a sampled softmax loss). A tensor ``feed_previous``
  builds both decoders under ``tf.cond`` with
  ``update_embedding_for_previous=False``.
  """
  with v1.variable_scope(scope or "embedding_attention_seq2seq",
                         dtype=dtype) as vs:
    dtype = vs.dtype
    encoder_outputs, encoder_state = _embedding_encoder(
        cell, encoder_inputs, num_encoder_symbols, embedding_size, dtype)
    attention_states = tf.concat(
        [tf.reshape(e, [-1, 1, cell.output_size]) for e in encoder_outputs], 1)
    output_size = None
    if output_projection is None:
      cell = OutputProjectionWrapper(cell, num_decoder_symbols)
      output_size = num_decoder_symbols
    update = isinstance(feed_previous, bool)

    def decoder(flag):
      return embedding_attention_decoder(
          decoder_inputs, encoder_state, attention_states, cell,
          num_decoder_symbols, embedding_size, num_heads=num_heads,
          output_size=output_size, output_projection=output_projection,
          feed_previous=flag, update_embedding_for_previous=update,
          initial_state_attention=initial_state_attention)

    return _decode_by_flag(feed_previous, decoder, len(decoder_inputs),
                           encoder_state)


# --------------------------------------------------------------------------
# One encoder, many decoders.


def one2many_rnn_seq2seq(encoder_inputs, decoder_inputs_dict, enc_cell,
                         dec_cells_dict, num_encoder_symbols,
                         num_decoder_symbols_dict, embedding_size,
                         feed_previous=False, dtype=None, scope=None):
  """One embedding encoder whose final state starts several decoders.

  ``enc_cell`` is used as given (no copy); decoder ``name`` runs
  ``OutputProjectionWrapper(dec_cells_dict[name],
  num_decoder_symbols_dict[name])`` through ``embedding_rnn_decoder`` in
  scope ``one2many_rnn_seq2seq/one2many_decoder_<name>``. Unlike the other
  models, the tensor ``feed_previous`` branches keep
  ``update_embedding_for_previous=True`` (TF1 did not pass False here).

  Returns ``(outputs_dict, state_dict)`` keyed like ``decoder_inputs_dict``.
  """
  if not isinstance(enc_cell, RNNCell):
    raise TypeError("enc_cell is not an RNNCell: %s" % type(enc_cell))
  if set(dec_cells_dict) != set(decoder_inputs_dict):
    raise ValueError("keys of dec_cells_dict != keys of decodre_inputs_dict")
  for dec_cell in dec_cells_dict.values():
    if not isinstance(dec_cell, RNNCell):
      raise TypeError("dec_cell is not an RNNCell: %s" % type(dec_cell))

  outputs_dict, state_dict = {}, {}
  with v1.variable_scope(scope or "one2many_rnn_seq2seq", dtype=dtype) as vs:
    dtype = vs.dtype
    enc_cell = EmbeddingWrapper(enc_cell,
                                embedding_classes=num_encoder_symbols,
                                embedding_size=embedding_size)
    _, encoder_state = v1.nn.static_rnn(enc_cell, encoder_inputs, dtype=dtype)
    for name, decoder_inputs in decoder_inputs_dict.items():
      num_symbols = num_decoder_symbols_dict[name]
      with v1.variable_scope("one2many_decoder_" + str(name)):
        dec_cell = OutputProjectionWrapper(dec_cells_dict[name], num_symbols)

        def decoder(flag, decoder_inputs=decoder_inputs, dec_cell=dec_cell,
                    num_symbols=num_symbols):
          return embedding_rnn_decoder(decoder_inputs, encoder_state,
                                       dec_cell, num_symbols, embedding_size,
                                       feed_previous=flag)

        outputs, state = _decode_by_flag(feed_previous, decoder,
                                         len(decoder_inputs), encoder_state)
      outputs_dict[name] = outputs
      state_dict[name] = state
  return outputs_dict, state_dict


# --------------------------------------------------------------------------
# Losses and buckets.


def sequence_loss_by_example(logits, targets, weights,
                             average_across_timesteps=True,
                             softmax_loss_function=None, name=None):
  """Per-example weighted cross-entropy summed over time: ``[batch]``.

  ``sum_t w_t * xent(logits_t, targets_t)``, divided by ``sum_t w_t + 1e-12``
  when ``average_across_timesteps``. ``softmax_loss_function(labels=...,
  logits=...)`` replaces the sparse softmax cross-entropy if given.
  """
  if len(targets) != len(logits) or len(weights) != len(logits):
    raise ValueError("Lengths of logits, weights, and targets must be the same "
                     "%d, %d, %d." % (len(logits), len(weights), len(targets)))
  with v1.name_scope(name, "sequence_loss_by_example",
                     list(logits) + list(targets) + list(weights)):
    terms = []
    for logit, target, weight in zip(logits, targets, weights):
      if softmax_loss_function is None:
        crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.reshape(target, [-1]), logits=logit)
      else:
        crossent = softmax_loss_function(labels=target, logits=logit)
      terms.append(crossent * weight)
    log_perps = tf.add_n(terms)
    if average_across_timesteps:
      log_perps /= tf.add_n(weights) + 1e-12
  return log_perps


def sequence_loss(logits, targets, weights, average_across_timesteps=True,
                  average_across_batch=True, softmax_loss_function=None,
                  name=None):
  """``sequence_loss_by_example`` summed over the batch: a scalar, divided by
  the batch size (``tf.shape(targets[0])[0]``) when
  ``average_across_batch``."""
  with v1.name_scope(name, "sequence_loss",
                     list(logits) + list(targets) + list(weights)):
    cost = tf.reduce_sum(sequence_loss_by_example(
        logits, targets, weights,
        average_across_timesteps=average_across_timesteps,
        softmax_loss_function=softmax_loss_function))
    if not average_across_batch:
      return cost
    batch_size = tf.shape(targets[0])[0]
    return cost / tf.cast(batch_size, cost.dtype)


def model_with_buckets(encoder_inputs, decoder_inputs, targets, weights,
                       buckets, seq2seq, softmax_loss_function=None,
                       per_example_loss=False, name=None):
  """Build ``seq2seq`` once per ``(encoder_length, decoder_length)`` bucket.

  Bucket ``j`` calls ``seq2seq(encoder_inputs[:enc_len],
  decoder_inputs[:dec_len])`` in the current variable scope, with
  ``reuse=True`` for ``j > 0``, so all buckets share one set of variables;
  its loss is ``sequence_loss`` (or ``sequence_loss_by_example`` with
  ``per_example_loss``) over the first ``dec_len`` targets and weights.

  Returns ``(outputs, losses)``: a list of output lists and a list of losses,
  one per bucket.
  """
  if len(encoder_inputs) < buckets[-1][0]:
    raise ValueError("Length of encoder_inputs (%d) must be at least that of "
                     "last bucket (%d)." % (len(encoder_inputs),
                                            buckets[-1][0]))
  if len(targets) < buckets[-1][1]:
    raise ValueError("Length of targets (%d) must be at least that of last "
                     "bucket (%d)." % (len(targets), buckets[-1][1]))
  if len(weights) < buckets[-1][1]:
    raise ValueError("Length of weights (%d) must be at least that of last "
                     "bucket (%d)." % (len(weights), buckets[-1][1]))

  loss_fn = sequence_loss_by_example if per_example_loss else sequence_loss
  all_inputs = (list(encoder_inputs) + list(decoder_inputs) + list(targets) +
                list(weights))
  outputs, losses = [], []
  with v1.name_scope(name, "model_with_buckets", all_inputs):
    for j, (enc_len, dec_len) in enumerate(buckets):
      with v1.variable_scope(v1.get_variable_scope(),
                             reuse=True if j > 0 else None):
        bucket_outputs, _ = seq2seq(encoder_inputs[:enc_len],
                                    decoder_inputs[:dec_len])
        outputs.append(bucket_outputs)
        losses.append(loss_fn(bucket_outputs, targets[:dec_len],
                              weights[:dec_len],
                              softmax_loss_function=softmax_loss_function))
  return outputs, losses
