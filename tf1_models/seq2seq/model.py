"""The translate tutorial's ``Seq2SeqModel`` under ``tf.compat.v1``.

TF 1.x (tensorflow/models ``tutorials/rnn/translate/seq2seq_model.py``) built,
in the default graph:

* ``learning_rate`` and ``global_step`` as unnamed ``tf.Variable``\\ s (so
  their checkpoint names are ``Variable`` and ``Variable_1``) and a
  ``learning_rate_decay_op`` that multiplies the rate by the decay factor;
* when ``0 < num_samples < target_vocab_size``: ``proj_w [target_vocab,
  size]`` and ``proj_b [target_vocab]``, an output projection ``(proj_w^T,
  proj_b)`` and a sampled-softmax loss (``tf.nn.sampled_softmax_loss`` in
  float32); otherwise the decoder's own ``OutputProjectionWrapper`` and the
  full softmax;
* a ``GRUCell(size)`` (``BasicLSTMCell`` with ``use_lstm``), stacked in a
  ``MultiRNNCell`` when ``num_layers > 1``;
* ``embedding_attention_seq2seq`` (embedding size = ``size``) per bucket via
  ``model_with_buckets``: teacher forcing for training, ``feed_previous``
  (greedy, projected outputs) with ``forward_only``;
* placeholders ``encoder{i}``, ``decoder{i}``, ``weight{i}`` (time-major
  lists of ``[batch]`` vectors; the targets are the decoder inputs shifted by
  one), and per bucket the global norm of the gradients of all trainable
  variables, clipped to ``max_gradient_norm``, and an SGD update that
  increments ``global_step``.

Here the same graph is built into the caller's graph (``with
tf.Graph().as_default():``) over ``compat.legacy_seq2seq``; variable names
are TF1's, so a tutorial checkpoint restores. Additions, all keyword
arguments after the tutorial's: ``optimizer="adam"`` (the tutorial only had
SGD) and ``sampled_values`` (fixed sampled-softmax candidates, as
``tf.nn.sampled_softmax_loss`` accepts, for tests).
"""

import random

import numpy as np
import tensorflow as tf

import compat
from compat import legacy_seq2seq
from tf1_models.seq2seq.symbols import (  # noqa: F401 (re-export)
    EOS_ID, GO_ID, PAD_ID, SPECIAL_SYMBOLS, UNK_ID)

v1 = tf.compat.v1

OPTIMIZERS = ("sgd", "adam")


def make_cell(size, num_layers, use_lstm):
  """The tutorial's cell: one GRU/LSTM, or a ``MultiRNNCell`` of them."""
  def single_cell():
    return compat.BasicLSTMCell(size) if use_lstm else compat.GRUCell(size)
  if num_layers > 1:
    return compat.MultiRNNCell([single_cell() for _ in range(num_layers)])
  return single_cell()


def sampled_softmax_loss_function(w_t, b, num_samples, num_classes,
                                  sampled_values=None, dtype=tf.float32):
  """``loss(labels, logits)`` for ``sequence_loss``: TF1's sampled softmax
  over ``proj_w`` (``w_t``) and ``proj_b`` computed in float32; ``logits``
  here are the decoder's unprojected outputs."""
  def sampled_loss(labels, logits):
    labels = tf.reshape(labels, [-1, 1])
    return tf.cast(tf.nn.sampled_softmax_loss(
        weights=tf.cast(w_t, tf.float32), biases=tf.cast(b, tf.float32),
        labels=labels, inputs=tf.cast(logits, tf.float32),
        num_sampled=num_samples, num_classes=num_classes,
        sampled_values=sampled_values), dtype)
  return sampled_loss


class Seq2SeqModel(object):
  """Bucketed attention encoder-decoder (see the module docstring)."""

  def __init__(self, source_vocab_size, target_vocab_size, buckets, size,
               num_layers, max_gradient_norm, batch_size, learning_rate,
               learning_rate_decay_factor, use_lstm=False, num_samples=512,
               forward_only=False, dtype=tf.float32, optimizer="sgd",
               sampled_values=None, wrap_optimizer=None):
    if optimizer not in OPTIMIZERS:
      raise ValueError("unknown optimizer %r; choose %s" %
                       (optimizer, " or ".join(OPTIMIZERS)))
    self.source_vocab_size = source_vocab_size
    self.target_vocab_size = target_vocab_size
    self.buckets = list(buckets)
    self.batch_size = batch_size
    before = set(v1.get_collection(v1.GraphKeys.TRAINABLE_VARIABLES))
    self.learning_rate = v1.Variable(float(learning_rate), trainable=False,
                                     dtype=dtype)
    self.learning_rate_decay_op = self.learning_rate.assign(
        self.learning_rate * learning_rate_decay_factor)
    self.global_step = v1.Variable(0, trainable=False)

    self.output_projection = None
    softmax_loss_function = None
    if 0 < num_samples < target_vocab_size:
      w_t = v1.get_variable("proj_w", [target_vocab_size, size], dtype=dtype)
      b = v1.get_variable("proj_b", [target_vocab_size], dtype=dtype)
      self.output_projection = (tf.transpose(w_t), b)
      softmax_loss_function = sampled_softmax_loss_function(
          w_t, b, num_samples, target_vocab_size, sampled_values, dtype)

    self.cell = make_cell(size, num_layers, use_lstm)
    self.size, self.dtype = size, dtype

    def seq2seq_f(encoder_inputs, decoder_inputs, do_decode):
      return legacy_seq2seq.embedding_attention_seq2seq(
          encoder_inputs, decoder_inputs, self.cell,
          num_encoder_symbols=source_vocab_size,
          num_decoder_symbols=target_vocab_size, embedding_size=size,
          output_projection=self.output_projection, feed_previous=do_decode,
          dtype=dtype)
    self._seq2seq = seq2seq_f

    self.encoder_inputs = [v1.placeholder(tf.int32, [None], "encoder%d" % i)
                           for i in range(self.buckets[-1][0])]
    self.decoder_inputs, self.target_weights = [], []
    for i in range(self.buckets[-1][1] + 1):
      self.decoder_inputs.append(
          v1.placeholder(tf.int32, [None], "decoder%d" % i))
      self.target_weights.append(v1.placeholder(dtype, [None], "weight%d" % i))
    targets = self.decoder_inputs[1:]

    self.outputs, self.losses = legacy_seq2seq.model_with_buckets(
        self.encoder_inputs, self.decoder_inputs, targets,
        self.target_weights, self.buckets,
        lambda x, y: seq2seq_f(x, y, forward_only),
        softmax_loss_function=softmax_loss_function)
    if forward_only and self.output_projection is not None:
      w, b = self.output_projection
      self.outputs = [[tf.matmul(o, w) + b for o in bucket]
                      for bucket in self.outputs]

    self.params = [v for v in v1.get_collection(
        v1.GraphKeys.TRAINABLE_VARIABLES) if v not in before]
    if not forward_only:
      if optimizer == "adam":
        opt = v1.train.AdamOptimizer(self.learning_rate)
      else:
        opt = v1.train.GradientDescentOptimizer(self.learning_rate)
      if wrap_optimizer is not None:  # a distributed run's, one per graph
        opt = wrap_optimizer(opt)
      self.gradient_norms, self.updates = [], []
      for loss in self.losses:
        gradients = tf.gradients(loss, self.params)
        clipped, norm = tf.clip_by_global_norm(gradients, max_gradient_norm)
        self.gradient_norms.append(norm)
        self.updates.append(opt.apply_gradients(
            zip(clipped, self.params), global_step=self.global_step))

  def greedy_ids_for(self, source, bucket_id):
    """In-graph greedy decoding of one phrase (e.g. inside a ``tf.case``
    branch): ``source`` is an int32 ``[T]`` tensor of ids, ``T`` at most the
    bucket's encoder length. Returns the ``[decoder length]`` argmax ids
    that ``step(..., forward_only=True)`` + ``greedy_ids`` give for it in
    that bucket (before the EOS cut). Reuses the model's variables: build
    the model first (``forward_only=True``), in the same variable scope."""
    encoder_size, decoder_size = self.buckets[bucket_id]
    encoder_inputs = tf.unstack(tf.reshape(
        encoder_ids(source, encoder_size), [encoder_size, 1]))
    decoder_inputs = [tf.constant([GO_ID])] + [
        tf.constant([PAD_ID])] * (decoder_size - 1)
    with v1.variable_scope(v1.get_variable_scope(), reuse=True):
      outputs, _ = self._seq2seq(encoder_inputs, decoder_inputs, True)
    logits = tf.concat(outputs, 0)
    if self.output_projection is not None:
      w, b = self.output_projection
      logits = tf.matmul(logits, w) + b
    return tf.cast(tf.argmax(logits, 1), tf.int32)

  def feed_dict(self, encoder_inputs, decoder_inputs, target_weights,
                bucket_id):
    """The placeholders' values for one ``step`` (lengths checked)."""
    encoder_size, decoder_size = self.buckets[bucket_id]
    for what, got, want in (("Encoder", encoder_inputs, encoder_size),
                            ("Decoder", decoder_inputs, decoder_size),
                            ("Weights", target_weights, decoder_size)):
      if len(got) != want:
        raise ValueError("%s length must be equal to the one in bucket, "
                         "%d != %d." % (what, len(got), want))
    feed = {}
    for i in range(encoder_size):
      feed[self.encoder_inputs[i]] = encoder_inputs[i]
    for i in range(decoder_size):
      feed[self.decoder_inputs[i]] = decoder_inputs[i]
      feed[self.target_weights[i]] = target_weights[i]
    # The targets are the decoder inputs shifted by one: one more is needed.
    feed[self.decoder_inputs[decoder_size]] = np.zeros(
        [len(decoder_inputs[0])], np.int32)
    return feed

  def step(self, session, encoder_inputs, decoder_inputs, target_weights,
           bucket_id, forward_only):
    """One training step (``forward_only=False``) or evaluation.

    Returns ``(gradient_norm, loss, None)`` after an update, or ``(None,
    loss, outputs)`` with one ``[batch, target_vocab]`` logits array per
    decoder step (projected if the model has an output projection and was
    built ``forward_only``).
    """
    feed = self.feed_dict(encoder_inputs, decoder_inputs, target_weights,
                          bucket_id)
    if not forward_only:
      _, norm, loss = session.run([self.updates[bucket_id],
                                   self.gradient_norms[bucket_id],
                                   self.losses[bucket_id]], feed)
      return norm, loss, None
    decoder_size = self.buckets[bucket_id][1]
    out = session.run([self.losses[bucket_id]] +
                      self.outputs[bucket_id][:decoder_size], feed)
    return None, out[0], out[1:]

  def get_batch(self, data, bucket_id, rng=random):
    """A random batch from ``data[bucket_id]`` (pairs of id lists), time-major.

    Encoder inputs are padded with PAD to the bucket's length, then reversed;
    decoder inputs are GO + target + PAD. A target weight is 0 where the
    target (the next decoder input) is PAD, and at the last position.
    ``rng`` (``random`` by default, as the tutorial) picks the examples.
    """
    pairs = [rng.choice(data[bucket_id]) for _ in range(self.batch_size)]
    return batch_from_pairs(pairs, self.buckets[bucket_id])


def batch_from_pairs(pairs, bucket):
  """``get_batch``'s layout for the given ``(source_ids, target_ids)``."""
  encoder_size, decoder_size = bucket
  encoder, decoder = [], []
  for source, target in pairs:
    if len(source) > encoder_size or len(target) >= decoder_size:
      raise ValueError("pair of lengths (%d, %d) does not fit bucket %s" %
                       (len(source), len(target), bucket))
    encoder.append(list(reversed(source + [PAD_ID] *
                                 (encoder_size - len(source)))))
    decoder.append([GO_ID] + target + [PAD_ID] *
                   (decoder_size - len(target) - 1))
  encoder = np.array(encoder, np.int32).T
  decoder = np.array(decoder, np.int32).T
  weights = np.ones(decoder.shape, np.float32)
  weights[:-1][decoder[1:] == PAD_ID] = 0.0
  weights[-1] = 0.0
  return list(encoder), list(decoder), list(weights)


def encoder_ids(source, encoder_size):
  """In-graph ``batch_from_pairs`` for one phrase: ``source`` ([T] int32
  ids, T <= ``encoder_size``) padded with PAD, then reversed."""
  padded = tf.concat([source, tf.fill([encoder_size - tf.size(source)],
                                      PAD_ID)], 0)
  return tf.reshape(tf.reverse(padded, [0]), [encoder_size])


def bucket_for(length_pair, buckets):
  """Index of the first bucket a ``(source_len, target_len)`` pair fits."""
  source_len, target_len = length_pair
  for i, (enc, dec) in enumerate(buckets):
    if source_len <= enc and target_len < dec:
      return i
  return None


def greedy_ids(outputs):
  """Argmax per step of ``step(..., forward_only=True)``'s outputs, batch-
  major, each cut before its first EOS."""
  ids = np.stack([np.argmax(o, axis=1) for o in outputs], 1)
  result = []
  for row in ids:
    row = list(row)
    result.append(row[:row.index(EOS_ID)] if EOS_ID in row else row)
  return result
