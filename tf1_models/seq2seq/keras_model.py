"""``embedding_attention_seq2seq`` (and the tutorial's output projection and
sampled softmax) as a Keras 3 model, term by term.

TF1 construct (``compat.legacy_seq2seq``)   Keras 3 equivalent here
------------------------------------------  ---------------------------------
encoder ``EmbeddingWrapper(deepcopy(cell))``  ``Embedding`` + one ``GRU(
  run by ``static_rnn``                      reset_after=False)``/``LSTM`` per
                                            layer, ``return_sequences``
``attention_states`` (top encoder outputs)  the last encoder layer's sequence
``AttnW_k`` 1x1 ``conv2d`` on ``hidden``     ``Conv2D(A, 1, use_bias=False)``
``AttnV_k``                                 a weight of ``AttentionDecoder``
``Attention_k/kernel, bias`` (W2 q + b)     ``Dense(A)`` on the flattened
                                            state (TF1 order: c before h)
``softmax(v . tanh(W1 h + W2 q))``, read    ``keras.ops`` in ``attend``
``[inp, attns] @ kernel + bias``            ``Dense(input size)``
decoder cell(s)                             ``GRUCell(reset_after=False)``/
                                            ``LSTMCell``, stepped in a loop
``output_projection_wrapper`` (no           ``Dense(V)`` after the top cell
  ``output_projection``)
``AttnOutputProjection``                    ``Dense(output size)``
``output_projection = (proj_w^T, proj_b)``  ``Dense(V)`` (kernel = proj_w^T)
``feed_previous`` loop function             ``call(..., feed_previous=True)``
                                            feeds back the embedded argmax
``sequence_loss``                           ``sequence_loss`` below (Keras's
                                            weighted losses normalise
                                            differently)
``tf.nn.sampled_softmax_loss``              ``keras_ops.sampled_softmax_loss``
                                            (Keras 3 has none)

Pinned defaults that differ: GRU ``reset_after=False`` (Keras's default True
is another function); LSTM ``forget_bias`` 1.0 is folded into the Keras bias
by the converter; the encoder embedding is uniform(-sqrt 3, sqrt 3) as
``EmbeddingWrapper``'s.
"""

import math

import keras
import numpy as np
from keras import ops

from tf1_models import keras_backend, keras_ops
from tf1_models.keras_ops import sampled_softmax_loss  # noqa: F401
from tf1_models.seq2seq.symbols import GO_ID


def state_order(use_lstm):
  """Keras cell states are ``[h, c]``; TF1's ``LSTMStateTuple`` is ``(c,
  h)``. Index order of one layer's Keras states in TF1's flattening."""
  return [1, 0] if use_lstm else [0]


def encoder_layers(size, num_layers, use_lstm):
  """One ``LSTM``/``GRU(reset_after=False)`` per layer, returning sequences
  and states (named ``encoder_k``)."""
  common = dict(return_sequences=True, return_state=True)
  return [keras.layers.LSTM(size, name="encoder_%d" % k, **common)
          if use_lstm else
          keras.layers.GRU(size, reset_after=False, name="encoder_%d" % k,
                           **common)
          for k in range(num_layers)]


def first_argmax(x):
  """``argmax(x, axis=1)`` (first index of the maximum) from a comparison:
  exact, and without the ``Bitcast`` Keras's TensorFlow ``argmax`` uses for
  floats, which ONNX cannot run (``--export_format=onnx``)."""
  is_max = ops.equal(x, ops.max(x, axis=1, keepdims=True))
  return ops.argmax(ops.cast(is_max, "int32"), axis=1)


class AttentionDecoder(keras.layers.Layer):
  """``embedding_attention_decoder`` + ``attention_decoder``, unrolled over
  the (static) decoder length."""

  def __init__(self, target_vocab_size, size, num_layers, use_lstm,
               output_size, wrap_output, num_heads=1, **kwargs):
    super().__init__(**kwargs)
    self.size, self.use_lstm, self.num_heads = size, use_lstm, num_heads
    self.embedding = keras.layers.Embedding(target_vocab_size, size,
                                            name="embedding")
    self.merge = keras.layers.Dense(size, name="merge")
    self.cells = [keras.layers.LSTMCell(size, name="cell_%d" % k) if use_lstm
                  else keras.layers.GRUCell(size, reset_after=False,
                                            name="cell_%d" % k)
                  for k in range(num_layers)]
    self.cell_projection = (keras.layers.Dense(target_vocab_size,
                                               name="cell_projection")
                            if wrap_output else None)
    self.attn_w = [keras.layers.Conv2D(size, 1, use_bias=False,
                                       name="attn_w_%d" % k)
                   for k in range(num_heads)]
    self.attn_query = [keras.layers.Dense(size, name="attn_query_%d" % k)
                       for k in range(num_heads)]
    self.attn_output = keras.layers.Dense(output_size, name="attn_output")

  def build(self, input_shape):
    self.attn_v = [self.add_weight(shape=(self.size,), name="attn_v_%d" % k,
                                   initializer="glorot_uniform")
                   for k in range(self.num_heads)]

  def attend(self, query, hidden, features):
    """Per head: ``a = softmax(v . tanh(W1 h + W2 q))``, read ``sum a h``."""
    reads = []
    for k in range(self.num_heads):
      y = ops.expand_dims(self.attn_query[k](query), 1)  # [B, 1, A]
      scores = ops.sum(self.attn_v[k] * ops.tanh(features[k] + y), axis=2)
      weights = ops.softmax(scores, axis=1)  # over the attention length
      reads.append(ops.sum(ops.expand_dims(weights, 2) * hidden, axis=1))
    return reads

  def call(self, decoder_ids, attention_states, states, feed_previous=False,
           projection=None, embedding_offsets=None):
    """``decoder_ids [B, T]`` (only the first read with ``feed_previous``),
    ``attention_states [B, L, A]``, ``states``: per layer the Keras states.
    Returns the outputs ``[B, T, output_size]``. ``projection`` maps an
    output to logits for the fed-back argmax (the output projection).
    ``embedding_offsets [B, T, size]`` are added to the embedded inputs
    (zeros, to differentiate: see ``clipped_sgd_step``)."""
    hidden4 = ops.expand_dims(attention_states, 2)  # [B, L, 1, A]
    features = [ops.squeeze(w(hidden4), 2) for w in self.attn_w]
    batch = ops.shape(decoder_ids)[0]
    attns = [ops.zeros((batch, self.size), attention_states.dtype)
             for _ in range(self.num_heads)]
    states = [list(s) for s in states]
    inp = self.embedding(decoder_ids[:, 0])
    outputs = []
    for t in range(decoder_ids.shape[1]):
      if t > 0:
        if feed_previous:
          prev = outputs[-1] if projection is None else projection(outputs[-1])
          inp = self.embedding(first_argmax(prev))
        else:
          inp = self.embedding(decoder_ids[:, t])
      if embedding_offsets is not None:
        inp = inp + embedding_offsets[:, t]
      x = self.merge(ops.concatenate([inp] + attns, axis=1))
      for k, cell in enumerate(self.cells):
        x, new = cell(x, states[k])
        states[k] = list(new)
      if self.cell_projection is not None:
        x = self.cell_projection(x)
      query = ops.concatenate([s[i] for s in states
                               for i in state_order(self.use_lstm)], axis=1)
      attns = self.attend(query, attention_states, features)
      outputs.append(self.attn_output(ops.concatenate([x] + attns, axis=1)))
    return ops.stack(outputs, axis=1)


class KerasSeq2Seq(keras.Model):
  """The tutorial's ``Seq2SeqModel`` network for one bucket length.

  ``sampled=True`` is the ``output_projection`` form (``num_samples <
  target_vocab_size``): decoder outputs are ``size`` wide and ``projection``
  (TF1's ``proj_w^T, proj_b``) maps them to logits.
  """

  def __init__(self, source_vocab_size, target_vocab_size, size, num_layers,
               use_lstm=False, sampled=False, num_heads=1, **kwargs):
    super().__init__(**kwargs)
    self.use_lstm, self.sampled = use_lstm, sampled
    self.size, self.num_layers, self.num_heads = size, num_layers, num_heads
    self.source_vocab_size = source_vocab_size
    self.target_vocab_size = target_vocab_size
    self.encoder_embedding = keras.layers.Embedding(
        source_vocab_size, size, name="encoder_embedding",
        embeddings_initializer=keras.initializers.RandomUniform(
            -math.sqrt(3), math.sqrt(3)))
    self.encoders = encoder_layers(size, num_layers, use_lstm)
    self.decoder = AttentionDecoder(
        target_vocab_size, size, num_layers, use_lstm,
        output_size=size if sampled else target_vocab_size,
        wrap_output=not sampled, num_heads=num_heads, name="decoder")
    self.projection = (keras.layers.Dense(target_vocab_size,
                                          name="projection")
                       if sampled else None)

  def encode(self, encoder_ids, embedding_offsets=None):
    """Top-layer outputs ``[B, L, size]`` and per layer the final states
    (``embedding_offsets [B, L, size]`` added to the embedded ids)."""
    x = self.encoder_embedding(encoder_ids)
    if embedding_offsets is not None:
      x = x + embedding_offsets
    states = []
    for layer in self.encoders:
      x, *st = layer(x)
      states.append(st)
    return x, states

  def decoder_outputs(self, encoder_ids, decoder_ids, feed_previous=False,
                      embedding_offsets=(None, None)):
    """The decoder's outputs before any output projection.
    ``embedding_offsets``: (encoder's, decoder's), see ``clipped_sgd_step``."""
    attention_states, states = self.encode(encoder_ids, embedding_offsets[0])
    return self.decoder(decoder_ids, attention_states, states,
                        feed_previous=feed_previous,
                        projection=self.projection,
                        embedding_offsets=embedding_offsets[1])

  def call(self, inputs, feed_previous=False, embedding_offsets=(None, None)):
    """``(encoder_ids [B, L], decoder_ids [B, T])`` -> logits ``[B, T, V]``."""
    encoder_ids, decoder_ids = inputs
    out = self.decoder_outputs(encoder_ids, decoder_ids, feed_previous,
                               embedding_offsets)
    return self.projection(out) if self.sampled else out

  def greedy_logits(self, encoder_ids, length):
    """Greedy decoding's logits ``[B, length, V]``: each step's argmax fed
    back, from GO (backend ops only: also what the exports trace)."""
    go = ops.full((ops.shape(encoder_ids)[0], length), GO_ID, dtype="int32")
    return self((encoder_ids, go), feed_previous=True)

  def greedy(self, encoder_ids, length):
    """Greedy decoding: argmax ids ``[B, length]`` fed back, from GO."""
    return np.argmax(ops.convert_to_numpy(
        self.greedy_logits(encoder_ids, length)), axis=2)


def sequence_loss(logits, targets, weights, per_step_loss=None):
  """``legacy_seq2seq.sequence_loss``: per example ``sum_t w_t xent_t /
  (sum_t w_t + 1e-12)``, averaged over the batch. ``logits [B, T, V]``,
  ``targets``/``weights [B, T]``; ``per_step_loss(labels [N], inputs [N, d])
  -> [N]`` replaces the softmax cross-entropy (e.g. a sampled softmax)."""
  batch, steps = ops.shape(targets)[0], ops.shape(targets)[1]
  if per_step_loss is None:
    xent = keras.losses.sparse_categorical_crossentropy(
        targets, logits, from_logits=True)
  else:
    flat = ops.reshape(logits, (-1, ops.shape(logits)[-1]))
    xent = ops.reshape(per_step_loss(ops.reshape(targets, (-1,)), flat),
                       (batch, steps))
  weights = ops.cast(weights, xent.dtype)
  per_example = ops.sum(xent * weights, axis=1) / (
      ops.sum(weights, axis=1) + 1e-12)
  return ops.sum(per_example) / ops.cast(batch, xent.dtype)


def clipped_sgd_step(net, encoder_ids, decoder_ids, targets, target_weights,
                     learning_rate, max_gradient_norm):
  """The tutorial's update (full softmax) on any Keras backend: the
  gradients of ``sequence_loss`` clipped by their global norm as TF1's
  ``clip_by_global_norm`` counts it (``clipped_gradients``), then plain
  SGD. Returns ``(norm before clipping, loss)``."""
  norm, loss, clipped = clipped_gradients(
      net, encoder_ids, decoder_ids, targets, target_weights,
      max_gradient_norm)
  for variable, grad in zip(net.trainable_variables, clipped):
    variable.assign_sub(learning_rate * grad)
  return float(norm), float(loss)


def clipped_gradients(net, encoder_ids, decoder_ids, targets, target_weights,
                      max_gradient_norm):
  """``(norm before clipping, loss, clipped gradients of
  net.trainable_variables)`` of ``sequence_loss`` (full softmax), clipped
  by their global norm as TF1's ``clip_by_global_norm`` counts it.

  TF1's embedding gradients are ``IndexedSlices`` with one row per lookup
  of an id (encoder and decoder), and the norm counts each row; dense
  gradients sum a repeated id's rows first. So zeros added to both
  embeddings' outputs are differentiated too, and their gradients (one row
  per occurrence) stand for the embeddings in the norm."""
  batch, length = np.shape(encoder_ids)
  offsets = [ops.zeros((batch, length, net.size)),
             ops.zeros((batch, np.shape(decoder_ids)[1], net.size))]

  def loss_fn(encoder_offsets, decoder_offsets):
    logits = net((encoder_ids, decoder_ids),
                 embedding_offsets=(encoder_offsets, decoder_offsets))
    return sequence_loss(logits, targets, target_weights)

  return clip_counting_rows(net, loss_fn, offsets, max_gradient_norm)


def clip_counting_rows(net, loss_fn, offsets, max_gradient_norm):
  """``(norm, loss, clipped gradients of net.trainable_variables)`` of
  ``loss_fn(*offsets)``, where ``offsets`` are zeros added to the outputs
  of ``net.encoder_embedding`` and ``net.decoder.embedding``: their
  gradients (one row per lookup) stand for the two embeddings' in the
  global norm, as TF1's ``clip_by_global_norm`` counts ``IndexedSlices``."""
  variables = net.trainable_variables
  loss, grads, row_grads = keras_backend.value_and_grad(loss_fn, variables,
                                                        offsets)
  embeddings = (net.encoder_embedding.embeddings,
                net.decoder.embedding.embeddings)
  norm = keras_ops.global_norm(
      [g for v, g in zip(variables, grads)
       if not any(v is e for e in embeddings)] + row_grads)
  return norm, loss, keras_ops.clip_by_global_norm(grads, max_gradient_norm,
                                                   norm)
