"""The ``--decoder=dynamic`` twin's training step (``--mode=keras_train``):
one Keras step on converted weights equals the TF1 dynamic graph's step
(``dynamic_model``: teacher-forced ``sequence_loss``, ``clip_by_global_norm``
counting each embedding lookup's row apart, Adam or SGD) on the same batch,
gradients and updated weights within 1e-5. Across worker processes: the
slow test in tests/test_keras_distributed_word2vec_seq2seq.py."""

import numpy as np
import pytest
import tensorflow as tf

from tf1_models import corpus
from tf1_models.seq2seq import config as config_lib
from tf1_models.seq2seq import convert, keras_dynamic, keras_train, runner

v1 = tf.compat.v1
QUIET = lambda *_: None  # noqa: E731


def task_source(task):
  return task.graph.get_tensor_by_name("source:0")


def _tf1_step(config, vocab_size, buckets, feed_of):
  """TF1's step from its initial weights: ``(weights before, clipped
  gradients (dense), norm, loss, weights after)``, by variable name."""
  graph = tf.Graph()
  with graph.as_default():
    v1.set_random_seed(config.seed)
    model = runner.new_model(config, buckets, vocab_size, False)
    grads, norm = tf.clip_by_global_norm(
        tf.gradients(model.loss, model.params), config.max_gradient_norm)
    grads = [tf.convert_to_tensor(g) for g in grads]
    names = [v.op.name for v in model.params]
    with v1.Session(graph=graph) as sess:
      sess.run(v1.global_variables_initializer())
      before = dict(zip(names, sess.run(model.params)))
      feed = feed_of(model)
      got, n, loss = sess.run([grads, norm, model.loss], feed)
      sess.run(model.update, feed)
      after = dict(zip(names, sess.run(model.params)))
  return before, dict(zip(names, got)), n, loss, after


@pytest.mark.slow
@pytest.mark.parametrize("optimizer,clip", [("adam", 0.05), ("sgd", 1e3)])
def test_one_keras_step_equals_the_tf1_dynamic_step(optimizer, clip):
  """Above the clip with Adam (TF1's epsilon), below it with SGD. The TF1
  graph runs the batch padded to its longest phrase, the twin the same
  batch padded to the bucket (``keras_train.dynamic_batch``)."""
  config = config_lib.preset(
      "test", decoder="dynamic", optimizer=optimizer, learning_rate=0.01,
      max_gradient_norm=clip, corpus=corpus.shipped("text8_small.txt"))
  buckets = keras_train.check(config)
  data = runner.load_data(config, buckets, QUIET)
  batches = keras_train.Batches(config, data, buckets)
  task, _ = runner.build_train_task(config, buckets, data, QUIET)
  # A batch whose longest phrase is shorter than its bucket.
  index = next(i for i in range(50)
               if task.feed(i)[task_source(task)].shape[1] <
               batches(i)[1][0].shape[1])
  tf1_feed = {p.name: x for p, x in task.feed(index).items()}
  before, grads, norm, loss, after = _tf1_step(
      config, len(data.vocab), buckets,
      lambda m: {t: tf1_feed[t.name] for t in (
          m.source, m.source_length, m.decoder_inputs, m.decoder_length,
          m.targets)})
  keras_batch = batches(index)[1]
  assert (norm > clip) == (optimizer == "adam"), norm
  net, opt = keras_train.new_net(config, len(data.vocab), buckets)
  convert.tf1_to_keras(before, net)
  k_norm, k_loss, k_grads = keras_dynamic.clipped_gradients(
      net, *keras_batch, config.max_gradient_norm)
  np.testing.assert_allclose(float(k_norm), norm, rtol=1e-5)
  np.testing.assert_allclose(float(k_loss), loss, rtol=1e-5)
  # The gradients in TF1's layout: set them as the weights and convert.
  weights = [np.asarray(v) for v in net.trainable_variables]
  for v, g in zip(net.trainable_variables, k_grads):
    v.assign(g)
  as_tf1 = convert.keras_to_tf1(net)
  for name, value in grads.items():
    np.testing.assert_allclose(as_tf1[name], value, rtol=1e-5, atol=1e-6,
                               err_msg=name)
  for v, w in zip(net.trainable_variables, weights):
    v.assign(w)
  opt.apply_gradients(zip(k_grads, net.trainable_variables))
  for name, value in convert.keras_to_tf1(net).items():
    np.testing.assert_allclose(value, after[name], rtol=1e-5, atol=1e-6,
                               err_msg=name)


def test_dynamic_batch_pads_to_the_bucket_and_keeps_the_phrases():
  """``keras_train.dynamic_batch``: ``dynamic_model.batch_from_pairs``'
  arrays, widened with PAD to the bucket's encoder length and decoder
  length - 1; the lengths are the phrases'."""
  from tf1_models.seq2seq import dynamic_model  # pylint: disable=import-outside-toplevel
  pairs = [([4, 5], [5, 4, 2]), ([6, 7, 8], [8, 7, 6, 2])]
  got = keras_train.dynamic_batch(pairs, (6, 8))
  want = dynamic_model.batch_from_pairs(pairs)
  assert [np.shape(x) for x in got] == [(2, 6), (2,), (2, 7), (2,), (2, 7)]
  for g, w in zip(got, want):
    if np.ndim(w) == 1:
      np.testing.assert_array_equal(g, w)
    else:
      np.testing.assert_array_equal(g[:, :w.shape[1]], w)
      assert (g[:, w.shape[1]:] == 0).all()
  np.testing.assert_array_equal(got[2][1, :4], [1, 8, 7, 6])  # GO + target
