"""Usage patterns of old TF1 code, run after ``compat.install()``: a cuDNN
checkpoint restored on a CPU, and a text classifier built from
``tf.layers.conv1d`` + ``batch_normalization`` + ``dropout``."""

import os

import numpy as np
import pytest
import tensorflow as tf

import compat
from tests.compat import helpers

CKPT = os.path.join(helpers.GOLDEN, "tf1_ckpt_cudnn")


@pytest.fixture(scope="module")
def tf1():
  compat.install()
  import tensorflow.compat.v1 as tf_v1  # pylint: disable=g-import-not-at-top
  return tf_v1


def _cudnn_graph(tf1, x_value):
  from tensorflow.contrib import cudnn_rnn  # pylint: disable=g-import-not-at-top
  x = tf1.constant(x_value)
  lstm = cudnn_rnn.CudnnLSTM(2, 3, direction="bidirectional")
  lstm_out, (h, c) = lstm(x, sequence_lengths=[5, 3, 4])
  gru = tf1.contrib.cudnn_rnn.CudnnGRU(2, 3)
  gru_out, (gru_h,) = gru(x)
  fetch = dict(lstm_out=lstm_out, lstm_h=h, lstm_c=c, gru_out=gru_out,
               gru_h=gru_h)
  return (lstm, gru), fetch


def test_cudnn_checkpoint_restores_on_cpu(tf1):
  """A checkpoint written with TF1's cuDNN layers' names (canonical weights
  beside ``opaque_kernel``) restores with a plain Saver, and the outputs are
  TF 1.15's (computed there by the CudnnCompatible cells). Using only each
  layer's ``opaque_kernel`` instead, ``restore_opaque`` converts it
  (documented layout) to the same weights and outputs."""
  expected = np.load(os.path.join(CKPT, "expected.npz"))
  with tf.Graph().as_default():
    (lstm, gru), fetch = _cudnn_graph(tf1, expected["x"])
    saver = tf1.train.Saver()
    with tf1.Session(config=helpers.session_config()) as sess:
      saver.restore(sess, tf1.train.latest_checkpoint(CKPT))
      by_name = sess.run(fetch)
      sess.run(tf1.global_variables_initializer())
      fresh = sess.run(fetch["lstm_out"])
      lstm.restore_opaque(sess, CKPT + "/model.ckpt")
      gru.restore_opaque(sess, CKPT + "/model.ckpt")
      by_opaque = sess.run(fetch)
      buffer = lstm.opaque_params(sess)
  assert np.abs(fresh - expected["lstm_out"]).max() > 1e-2
  for got in (by_name, by_opaque):
    for key, value in got.items():
      np.testing.assert_allclose(value, expected[key], rtol=1e-5, atol=1e-6,
                                 err_msg=key)
  reader = tf.train.load_checkpoint(CKPT + "/model.ckpt")
  np.testing.assert_allclose(buffer, reader.get_tensor(
      "cudnn_lstm/opaque_kernel"), rtol=1e-6)


def test_cudnn_opaque_restore_of_missing_variable_says_so(tf1):
  with tf.Graph().as_default():
    layer = tf1.contrib.cudnn_rnn.CudnnLSTM(1, 3, name="encoder")
    layer(tf.zeros([2, 1, 4]))
    with tf1.Session() as sess:
      with pytest.raises(ValueError, match="has no variable "
                         "encoder/opaque_kernel"):
        layer.restore_opaque(sess, CKPT + "/model.ckpt")


def _classifier(tf1, tokens, labels, training):
  """A TF1-era text CNN: embeddings, conv1d, batch norm, dropout, pooling."""
  emb = tf1.get_variable("embedding", [20, 8])
  h = tf1.nn.embedding_lookup(emb, tokens)
  h = tf1.layers.conv1d(h, 16, 3, padding="same")
  h = tf1.layers.batch_normalization(h, training=training)
  h = tf1.nn.relu(h)
  h = tf1.layers.dropout(h, rate=0.3, seed=5, training=training)
  h = tf1.layers.max_pooling1d(h, 2, 2)
  logits = tf1.layers.dense(tf1.layers.flatten(h), 2)
  loss = tf1.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits(
      labels=labels, logits=logits))
  return logits, loss


def test_text_classifier_trains_and_infers(tf1):
  rng = np.random.RandomState(0)
  tokens_value = rng.randint(0, 20, size=(16, 10)).astype(np.int32)
  labels_value = (tokens_value[:, :5].sum(1) > 45).astype(np.int32)
  with tf.Graph().as_default():
    tf1.set_random_seed(1)
    tokens = tf1.placeholder(tf.int32, [None, 10])
    labels = tf1.placeholder(tf.int32, [None])
    training = tf1.placeholder_with_default(False, [])
    logits, loss = _classifier(tf1, tokens, labels, training)
    update_ops = tf1.get_collection(tf1.GraphKeys.UPDATE_OPS)
    assert len(update_ops) == 2
    with tf1.control_dependencies(update_ops):
      train_op = tf1.train.AdamOptimizer(0.05).minimize(loss)
    plain_op = tf1.train.GradientDescentOptimizer(0.0).minimize(loss)
    names = sorted(v.op.name for v in tf1.global_variables()
                   if "Adam" not in v.op.name and "power" not in v.op.name)
    assert names == sorted([
        "embedding", "conv1d/kernel", "conv1d/bias",
        "batch_normalization/gamma", "batch_normalization/beta",
        "batch_normalization/moving_mean",
        "batch_normalization/moving_variance", "dense/kernel", "dense/bias"])
    moving = [v for v in tf1.global_variables() if "moving_" in v.op.name]
    feed = {tokens: tokens_value, labels: labels_value}
    train_feed = dict(feed)
    train_feed[training] = True
    with tf1.Session(config=helpers.session_config()) as sess:
      sess.run(tf1.global_variables_initializer())
      stats0 = sess.run(moving)
      sess.run(plain_op, train_feed)
      for a, b in zip(stats0, sess.run(moving)):  # no UPDATE_OPS: unchanged
        np.testing.assert_array_equal(a, b)
      losses = [sess.run([train_op, loss], train_feed)[1]
                for _ in range(8)]
      for a, b in zip(stats0, sess.run(moving)):  # with them: moved
        assert np.abs(a - b).max() > 1e-4
      stats = sess.run(moving)
      infer1 = sess.run(logits, feed)
      infer2 = sess.run(logits, feed)
      train1 = sess.run(logits, train_feed)
      for a, b in zip(stats, sess.run(moving)):  # inference moves nothing
        np.testing.assert_array_equal(a, b)
  assert losses[-1] < 0.5 * losses[0], losses
  np.testing.assert_array_equal(infer1, infer2)  # no dropout, moving stats
  assert np.abs(train1 - infer1).max() > 1e-3


def test_install_makes_the_names_resolve(tf1):
  """Every name this part adds resolves to compat through the spellings TF1
  code used."""
  from compat import contrib_layers, cudnn_rnn, layers  # pylint: disable=g-import-not-at-top
  import tensorflow.contrib.layers as contrib_layers_mod  # pylint: disable=g-import-not-at-top
  from tensorflow.contrib import cudnn_rnn as cudnn_mod  # pylint: disable=g-import-not-at-top
  from tensorflow.contrib import layers as layers_mod  # pylint: disable=g-import-not-at-top
  assert contrib_layers_mod is layers_mod is tf1.contrib.layers
  for name in layers.LAYER_NAMES:
    assert getattr(tf1.layers, name) is getattr(layers, name), name
    assert getattr(tf.compat.v1.layers, name) is getattr(layers, name), name
  for name in contrib_layers.__all__:
    assert getattr(layers_mod, name) is getattr(contrib_layers, name), name
  for name in cudnn_rnn.__all__:
    assert getattr(cudnn_mod, name) is getattr(cudnn_rnn, name), name
  assert (tf1.contrib.rnn.CudnnCompatibleLSTMCell is
          cudnn_rnn.CudnnCompatibleLSTMCell)
  assert (tf1.contrib.rnn.CudnnCompatibleGRUCell is
          cudnn_rnn.CudnnCompatibleGRUCell)


@pytest.mark.parametrize("build, error, message", [
    (lambda tf1: tf1.layers.conv1d(tf.zeros([2, 3]), 4, 2), ValueError,
     r"conv1d expects inputs of rank 3 but got shape \(2, 3\)"),
    (lambda tf1: tf1.layers.batch_normalization(tf.zeros([2, 3]),
                                                renorm=True),
     NotImplementedError, "renorm, virtual_batch_size and adjustment are not "
     "supported"),
    (lambda tf1: tf1.contrib.cudnn_rnn.CudnnLSTM(
        1, 4, input_mode="skip_input")(tf.zeros([2, 1, 4])),
     NotImplementedError, "use input_mode='linear_input'"),
    (lambda tf1: tf1.contrib.cudnn_rnn.CudnnGRU(1, 4)(tf.zeros([2, 4])),
     ValueError, "Expecting input_shape with 3 dims, got 2"),
    (lambda tf1: tf1.contrib.layers.fully_connected(tf.zeros([2, 3]), 2.0),
     ValueError, "num_outputs type should be an integer"),
    (lambda tf1: tf1.contrib.layers.optimize_loss(
        tf.constant(1.), None, 0.1, "Adamax"),
     ValueError, "Optimizer name should be one of"),
])
def test_bad_inputs_get_clear_errors(tf1, build, error, message):
  with tf.Graph().as_default():
    tf1.get_variable("w", [1])  # something for optimize_loss to train
    with pytest.raises(error, match=message):
      build(tf1)
