"""``--decoder=dynamic``: the mirror-task model on ``tf.contrib.seq2seq``
(``compat.seq2seq`` on TF 2.x), the way TF1 users wrote it after 2017.

The network is ``dynamic_graph.build`` (shared with the TF 1.15 golden
script). Around it, as the legacy ``Seq2SeqModel`` has them (so the same
training loop drives both): ``learning_rate`` and ``global_step`` variables
and ``learning_rate_decay_op``; ``sequence_loss`` (per-token mean over the
targets' real positions) of the teacher-forced logits; gradients clipped to
``max_gradient_norm`` and an Adam or SGD update. Batches are padded to their
own longest phrase (no buckets in the graph: ``dynamic_rnn`` and
``dynamic_decode`` take the lengths), but are drawn per bucket as the legacy
model's are, from the same pairs and random streams, so both models see
the same phrases in the same order. ``losses``/``updates`` hold one entry
per bucket (all the same op) for that shared loop.

Across processes (``wrap_optimizer``: ``distributed.wrap_optimizer``, as
the legacy model takes it), each worker clips its own batch's gradient as
one process does and a synchronous update applies the mean of the
workers' clipped gradients (dense: the embeddings' sparse gradients are
densified by ``distributed``). That is not one process's step on the
workers' batches concatenated, even below the clip: ``sequence_loss`` is
a mean over a batch's target tokens, and two workers' batches hold
different numbers of them.

``mode="greedy"`` or ``"beam"`` builds the inference graph instead:
``decode_ids`` returns each phrase's ids up to its first EOS (for beam
search, the best beam's).
"""

import types

import numpy as np
import tensorflow as tf

import compat
from compat import seq2seq as compat_seq2seq
from tf1_models.seq2seq import dynamic_graph
from tf1_models.seq2seq import model as model_lib

v1 = tf.compat.v1

API = types.SimpleNamespace(
    seq2seq=compat_seq2seq, GRUCell=compat.GRUCell,
    BasicLSTMCell=compat.BasicLSTMCell, MultiRNNCell=compat.MultiRNNCell,
    Dense=compat.Dense, dynamic_rnn=v1.nn.dynamic_rnn)


def pad(rows, value=model_lib.PAD_ID):
  """``[B, longest]`` int32 of id lists, padded after each."""
  width = max(1, max(len(r) for r in rows))
  out = np.full((len(rows), width), value, np.int32)
  for i, r in enumerate(rows):
    out[i, :len(r)] = r
  return out


def batch_from_pairs(pairs):
  """``(source, source_length, decoder_inputs, decoder_length, targets)``
  for ``(source ids, target ids + EOS)`` pairs: decoder inputs are GO +
  target without its EOS, the targets are target + EOS."""
  sources = [s for s, _ in pairs]
  targets = [t for _, t in pairs]
  return (pad(sources), np.array([len(s) for s in sources], np.int32),
          pad([[model_lib.GO_ID] + t[:-1] for t in targets]),
          np.array([len(t) for t in targets], np.int32), pad(targets))


def cut_at_eos(ids):
  ids = [int(i) for i in ids]
  return ids[:ids.index(model_lib.EOS_ID)] if model_lib.EOS_ID in ids else ids


class DynamicSeq2SeqModel(object):
  """See the module docstring. ``hp`` is a ``dynamic_graph.HParams``."""

  def __init__(self, hp, num_buckets=1, mode="train", max_gradient_norm=5.0,
               batch_size=64, learning_rate=0.003,
               learning_rate_decay_factor=0.9, optimizer="adam", source=None,
               source_length=None, wrap_optimizer=None):
    if optimizer not in model_lib.OPTIMIZERS:
      raise ValueError("unknown optimizer %r; choose %s" %
                       (optimizer, " or ".join(model_lib.OPTIMIZERS)))
    self.hp, self.mode, self.batch_size = hp, mode, batch_size
    before = set(v1.get_collection(v1.GraphKeys.TRAINABLE_VARIABLES))
    self.learning_rate = v1.Variable(float(learning_rate), trainable=False)
    self.learning_rate_decay_op = self.learning_rate.assign(
        self.learning_rate * learning_rate_decay_factor)
    self.global_step = v1.Variable(0, trainable=False)
    # ``source``/``source_length`` tensors may be given instead of the
    # placeholders (the serving export computes them from a string).
    self.source = (v1.placeholder(tf.int32, [None, None], "source")
                   if source is None else source)
    self.source_length = (v1.placeholder(tf.int32, [None], "source_length")
                          if source_length is None else source_length)
    self.decoder_inputs = v1.placeholder(tf.int32, [None, None],
                                         "decoder_inputs")
    self.decoder_length = v1.placeholder(tf.int32, [None], "decoder_length")
    self.targets = v1.placeholder(tf.int32, [None, None], "targets")
    self.outputs = dynamic_graph.build(
        API, hp, mode, self.source, self.source_length, self.decoder_inputs,
        self.decoder_length)
    self.params = [v for v in v1.get_collection(
        v1.GraphKeys.TRAINABLE_VARIABLES) if v not in before]
    if mode != "train":
      return
    logits = self.outputs["logits"]
    steps = tf.shape(logits)[1]
    weights = tf.sequence_mask(self.decoder_length, steps, tf.float32)
    self.loss = compat_seq2seq.sequence_loss(
        logits, self.targets[:, :steps], weights)
    if optimizer == "adam":
      opt = v1.train.AdamOptimizer(self.learning_rate)
    else:
      opt = v1.train.GradientDescentOptimizer(self.learning_rate)
    if wrap_optimizer is not None:  # a distributed run's (legacy's too)
      opt = wrap_optimizer(opt)
    gradients = tf.gradients(self.loss, self.params)
    clipped, self.gradient_norm = tf.clip_by_global_norm(gradients,
                                                         max_gradient_norm)
    self.update = opt.apply_gradients(zip(clipped, self.params),
                                      global_step=self.global_step)
    self.losses = [self.loss] * num_buckets
    self.updates = [self.update] * num_buckets

  def feed_dict(self, source, source_length, decoder_inputs=None,
                decoder_length=None, targets=None, bucket_id=None):
    """The placeholders' values for a ``batch_from_pairs`` batch
    (``bucket_id`` is accepted for the shared loop and ignored)."""
    del bucket_id
    feed = {self.source: source, self.source_length: source_length}
    if decoder_inputs is not None:
      feed.update({self.decoder_inputs: decoder_inputs,
                   self.decoder_length: decoder_length,
                   self.targets: targets})
    return feed

  def get_batch(self, data, bucket_id, rng):
    """A random batch from ``data[bucket_id]``: the legacy model's draw
    (same ``rng`` calls, same pairs), in ``batch_from_pairs``' layout."""
    pairs = [rng.choice(data[bucket_id]) for _ in range(self.batch_size)]
    return batch_from_pairs(pairs)

  def decode_ids(self, session, sources):
    """Greedy or best-beam ids for ``sources`` (id lists), cut at EOS."""
    feed = self.feed_dict(pad(sources),
                          np.array([len(s) for s in sources], np.int32))
    ids = session.run(self.outputs["ids"], feed)
    if self.mode == "beam":
      ids = ids[:, :, 0]
    return [cut_at_eos(row) for row in ids]
