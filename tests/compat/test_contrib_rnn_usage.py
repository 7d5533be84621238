"""Models written the way popular TF1 code wrote them with
``tf.contrib.rnn``'s own cells, run after ``compat.install()``:

  * a sequence tagger over ``stack_bidirectional_dynamic_rnn`` with
    ``LayerNormBasicLSTMCell`` (recurrent dropout fed as a placeholder),
    masked by the sentence lengths: it trains (loss falls) and tags a
    learnable rule (25 Adam steps: measured loss 0.667 -> 0.077,
    accuracy 0.983);
  * char-rnn-tensorflow's ``--model=nas`` graph (``MultiRNNCell`` of
    ``NASCell``, ``legacy_seq2seq.rnn_decoder`` and
    ``sequence_loss_by_example``, clipped Adam): it trains, saves, restores
    into a fresh graph by name and samples the same text.
"""

import os

import numpy as np
import tensorflow as tf

import compat
from tests.compat import helpers

v1 = tf.compat.v1


def _install():
  compat.install()
  return tf  # the module TF1 code calls "tf"


# ---------------------------------------------------------------------------
# Stacked bidirectional tagger.


def _tagger_data(rng, batch=12, max_len=6, vocab=12):
  """Tag 1 where the word equals the previous word's successor (needs the
  left context) or the next word's predecessor (the right context)."""
  lengths = rng.randint(3, max_len + 1, size=batch)
  words = rng.randint(1, vocab, size=(batch, max_len))
  for b in range(batch):
    for t in range(1, lengths[b]):
      if rng.rand() < 0.4:
        words[b, t] = min(words[b, t - 1] + 1, vocab - 1)
  tags = np.zeros_like(words)
  tags[:, 1:] = (words[:, 1:] == np.minimum(words[:, :-1] + 1, vocab - 1))
  mask = np.arange(max_len)[None, :] < lengths[:, None]
  words[~mask] = 0
  return words, tags * mask, lengths


def test_stacked_bidirectional_layer_norm_tagger_trains():
  tf1 = _install()
  rng = np.random.RandomState(0)
  words_np, tags_np, lengths_np = _tagger_data(rng)
  with tf1.Graph().as_default():
    v1.set_random_seed(1)
    words = v1.placeholder(tf1.int32, [None, None], name="words")
    tags = v1.placeholder(tf1.int32, [None, None], name="tags")
    lengths = v1.placeholder(tf1.int32, [None], name="lengths")
    keep_prob = v1.placeholder_with_default(1.0, [], name="keep_prob")
    embedding = v1.get_variable("embedding", [12, 8])
    inputs = tf1.nn.embedding_lookup(embedding, words)
    cells_fw = [tf1.contrib.rnn.LayerNormBasicLSTMCell(
        8, dropout_keep_prob=keep_prob) for _ in range(2)]
    cells_bw = [tf1.contrib.rnn.LayerNormBasicLSTMCell(
        8, dropout_keep_prob=keep_prob) for _ in range(2)]
    outputs, states_fw, states_bw = (
        tf1.contrib.rnn.stack_bidirectional_dynamic_rnn(
            cells_fw, cells_bw, inputs, sequence_length=lengths,
            dtype=tf1.float32))
    logits = v1.layers.dense(outputs, 2)
    mask = tf1.sequence_mask(lengths, tf1.shape(words)[1],
                             dtype=tf1.float32)
    losses = tf1.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tags, logits=logits)
    loss = tf1.reduce_sum(losses * mask) / tf1.reduce_sum(mask)
    train = v1.train.AdamOptimizer(0.05).minimize(loss)
    names = [v.op.name for v in v1.trainable_variables()]
    feed = {words: words_np, tags: tags_np, lengths: lengths_np}
    with v1.Session(config=helpers.session_config()) as sess:
      sess.run(v1.global_variables_initializer())
      first = sess.run(loss, feed)
      train_feed = dict(feed)
      train_feed[keep_prob] = 0.8
      for _ in range(25):
        sess.run(train, train_feed)
      last, predicted = sess.run([loss, tf1.argmax(logits, -1)], feed)
  assert len(states_fw) == len(states_bw) == 2
  assert ("stack_bidirectional_rnn/cell_1/bidirectional_rnn/bw/"
          "layer_norm_basic_lstm_cell/state/gamma") in names
  assert outputs.shape.as_list() == [None, None, 16]
  print("tagger loss %.4f -> %.4f" % (first, last))
  assert last < 0.6 * first, (first, last)
  mask_np = np.arange(words_np.shape[1])[None, :] < lengths_np[:, None]
  accuracy = np.mean((predicted == tags_np)[mask_np])
  print("tagger accuracy %.3f" % accuracy)
  assert accuracy > 0.85, accuracy


# ---------------------------------------------------------------------------
# char-rnn-tensorflow with --model=nas.


TEXT = ("the quick brown fox jumps over the lazy dog. " * 8)


class CharModel(object):
  """char-rnn-tensorflow's ``Model`` graph, as its users wrote it."""

  def __init__(self, tf1, vocab_size, rnn_size=16, num_layers=2,
               seq_length=10, batch_size=4, training=True):
    if not training:
      batch_size = seq_length = 1
    legacy_seq2seq = tf1.contrib.legacy_seq2seq
    rnn = tf1.contrib.rnn
    cells = [rnn.NASCell(rnn_size) for _ in range(num_layers)]
    self.cell = cell = rnn.MultiRNNCell(cells, state_is_tuple=True)
    self.input_data = v1.placeholder(tf1.int32, [batch_size, seq_length])
    self.targets = v1.placeholder(tf1.int32, [batch_size, seq_length])
    self.initial_state = cell.zero_state(batch_size, tf1.float32)
    with v1.variable_scope("rnnlm"):
      softmax_w = v1.get_variable("softmax_w", [rnn_size, vocab_size])
      softmax_b = v1.get_variable("softmax_b", [vocab_size])
    embedding = v1.get_variable("embedding", [vocab_size, rnn_size])
    inputs = tf1.nn.embedding_lookup(embedding, self.input_data)
    inputs = tf1.split(inputs, seq_length, 1)
    inputs = [tf1.squeeze(input_, [1]) for input_ in inputs]
    outputs, self.final_state = legacy_seq2seq.rnn_decoder(
        inputs, self.initial_state, cell, scope="rnnlm")
    output = tf1.reshape(tf1.concat(outputs, 1), [-1, rnn_size])
    self.logits = tf1.matmul(output, softmax_w) + softmax_b
    self.probs = tf1.nn.softmax(self.logits)
    loss = legacy_seq2seq.sequence_loss_by_example(
        [self.logits], [tf1.reshape(self.targets, [-1])],
        [tf1.ones([batch_size * seq_length])])
    self.cost = tf1.reduce_sum(loss) / batch_size / seq_length
    tvars = v1.trainable_variables()
    grads, _ = tf1.clip_by_global_norm(tf1.gradients(self.cost, tvars), 5.0)
    self.train_op = v1.train.AdamOptimizer(0.03).apply_gradients(
        zip(grads, tvars))

  def sample(self, sess, chars, vocab, num, prime):
    """Greedy sampling, one ``session.run`` per character, as the original's
    ``Model.sample`` did with ``sampling_type=0``."""
    state = sess.run(self.cell.zero_state(1, tf.float32))
    for char in prime[:-1]:
      state = sess.run(self.final_state, {
          self.input_data: [[vocab[char]]], self.initial_state: state})
    text, char = prime, prime[-1]
    for _ in range(num):
      probs, state = sess.run([self.probs, self.final_state], {
          self.input_data: [[vocab[char]]], self.initial_state: state})
      char = chars[int(np.argmax(probs[0]))]
      text += char
    return text


def test_char_rnn_nas_trains_saves_restores_and_samples(tmp_path):
  tf1 = _install()
  chars = sorted(set(TEXT))
  vocab = {c: i for i, c in enumerate(chars)}
  ids = np.array([vocab[c] for c in TEXT])
  xs = ids[:40].reshape(4, 10)
  ys = ids[1:41].reshape(4, 10)
  prefix = os.path.join(str(tmp_path), "model.ckpt")
  with tf1.Graph().as_default():
    v1.set_random_seed(2)
    model = CharModel(tf1, len(chars))
    names = {v.op.name: v.shape.as_list() for v in v1.global_variables()}
    with v1.Session(config=helpers.session_config()) as sess:
      sess.run(v1.global_variables_initializer())
      costs = [sess.run([model.cost, model.train_op],
                        {model.input_data: xs, model.targets: ys})[0]
               for _ in range(20)]
      v1.train.Saver(v1.global_variables()).save(sess, prefix)
  assert names["rnnlm/multi_rnn_cell/cell_0/nas_cell/kernel"] == [16, 128]
  assert names["rnnlm/multi_rnn_cell/cell_1/nas_cell/recurrent_kernel"] == [
      16, 128]
  assert costs[-1] < 0.8 * costs[0], costs

  texts = []
  for _ in range(2):  # each in a fresh sampling graph restored by name
    with tf1.Graph().as_default():
      model = CharModel(tf1, len(chars), training=False)
      with v1.Session(config=helpers.session_config()) as sess:
        v1.train.Saver(v1.global_variables()).restore(sess, prefix)
        texts.append(model.sample(sess, chars, vocab, 12, "the "))
  assert texts[0] == texts[1]
  assert len(texts[0]) == 16 and set(texts[0]) <= set(chars)
