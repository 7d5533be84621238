"""Record TensorFlow 1.15's word2vec numbers for tests/word2vec.

Run with a TF 1.15 interpreter:

    /tmp/tf1/bin/python tests/golden/make_word2vec_golden.py

Writes ``tf1_word2vec.npz`` next to this file: fixed weights, inputs, labels
and sampled candidates (``sampled_values``, with one accidental hit), and
for skip-gram, CBOW-sum and CBOW-mean what TF 1.15 computed from them: the
sampled softmax loss, the full softmax loss, and the three variables after
one ``AdagradOptimizer(1.0)`` step. The graph is written out here with the
TF 1.15 API as the notebook did (three unnamed ``tf.Variable``s on
``/cpu:0``), independently of ``tf1_models``.
"""

import os

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB, DIM, BATCH, SAMPLED = 30, 8, 6, 5
CASES = (("skipgram", "sum"), ("cbow", "sum"), ("cbow", "mean"))


def inputs():
  rng = np.random.RandomState(0)
  d = {
      "embeddings": rng.uniform(-1, 1, (VOCAB, DIM)).astype(np.float32),
      "weights": (0.3 * rng.randn(VOCAB, DIM)).astype(np.float32),
      "biases": (0.1 * rng.randn(VOCAB)).astype(np.float32),
      "x_skipgram": np.array([1, 4, 1, 2, 4, 4], np.int32),
      "x_cbow": np.array([[1, 2], [3, 1], [1, 1], [5, 0], [2, 3], [4, 4]],
                         np.int32),
      "labels": np.array([[3], [7], [9], [3], [12], [0]], np.int32),
      "sampled": np.array([9, 17, 2, 25, 11], np.int64),  # 9: a hit (row 2)
      "true_expected": rng.uniform(0.05, 0.9, (BATCH, 1)).astype(np.float32),
      "sampled_expected": rng.uniform(0.05, 0.9, SAMPLED).astype(np.float32),
  }
  return d


def run(d, model, combiner):
  x = d["x_" + model]
  with tf.Graph().as_default(), tf.device("/cpu:0"):
    train_inputs = tf.placeholder(tf.int32, x.shape)
    train_labels = tf.placeholder(tf.int32, [BATCH, 1])
    embeddings = tf.Variable(d["embeddings"])
    softmax_weights = tf.Variable(d["weights"])
    softmax_biases = tf.Variable(d["biases"])
    embed = tf.nn.embedding_lookup(embeddings, train_inputs)
    if model == "cbow":
      embed = (tf.reduce_sum(embed, 1) if combiner == "sum" else
               tf.reduce_mean(embed, 1))
    sampled_values = (tf.constant(d["sampled"]),
                      tf.constant(d["true_expected"]),
                      tf.constant(d["sampled_expected"]))
    loss = tf.reduce_mean(tf.nn.sampled_softmax_loss(
        weights=softmax_weights, biases=softmax_biases, labels=train_labels,
        inputs=embed, num_sampled=SAMPLED, num_classes=VOCAB,
        sampled_values=sampled_values))
    logits = tf.matmul(embed, softmax_weights, transpose_b=True)
    full = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.reshape(train_labels, [-1]),
        logits=tf.nn.bias_add(logits, softmax_biases)))
    train_op = tf.train.AdagradOptimizer(1.0).minimize(loss)
    variables = [embeddings, softmax_weights, softmax_biases]
    with tf.Session() as sess:
      sess.run(tf.global_variables_initializer())
      feed = {train_inputs: x, train_labels: d["labels"]}
      l, f = sess.run([loss, full], feed)
      sess.run(train_op, feed)
      after = sess.run(variables)
  key = "%s_%s_" % (model, combiner)
  out = {key + "loss": np.float32(l), key + "full_loss": np.float32(f)}
  for name, value in zip(("embeddings", "weights", "biases"), after):
    out[key + "after_" + name] = value
  return out


def main():
  d = inputs()
  out = dict(d)
  for model, combiner in CASES:
    out.update(run(d, model, combiner))
  out["tf_version"] = np.array(tf.__version__)
  path = os.path.join(HERE, "tf1_word2vec.npz")
  np.savez_compressed(path, **out)
  print("wrote %s (TF %s)" % (path, tf.__version__))


if __name__ == "__main__":
  main()
