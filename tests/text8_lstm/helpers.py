"""Small shapes, a tiny corpus and TF1/Keras runners shared by the tests."""

import numpy as np
import tensorflow as tf

from tf1_models.text8_lstm import convert, data as data_lib, model as model_lib
from tf1_models.text8_lstm import keras_model

v1 = tf.compat.v1

NODES, BATCH, UNROLL, EMBED = 5, 3, 4, 6


def tiny_text(n=400, seed=0):
  """Word-like text over the 27 characters."""
  rng = np.random.RandomState(seed)
  words = ["the", "of", "and", "anarchism", "zebra", "quick", "jumps", "x"]
  out = []
  while sum(len(w) + 1 for w in out) < n:
    out.append(words[rng.randint(len(words))])
  return " ".join(out)[:n]


def tiny_data(valid_size=60):
  return data_lib.text8_data(tiny_text(), BATCH, UNROLL, valid_size)


def build(variant, keep_prob=1.0, seed=1, decay_steps=5000, **kw):
  """A fresh graph of ``variant`` at the small shapes: ``(graph, g)``."""
  graph = tf.Graph()
  with graph.as_default():
    v1.set_random_seed(seed)
    g = model_lib.build_graph(variant, num_nodes=NODES, batch_size=BATCH,
                              num_unrollings=UNROLL, embedding_size=EMBED,
                              keep_prob=keep_prob, decay_steps=decay_steps,
                              **kw)
  return graph, g


def session(variant, weights=None, **kw):
  graph, g = build(variant, **kw)
  with graph.as_default():
    init = v1.global_variables_initializer()
  sess = v1.Session(graph=graph)
  sess.run(init)
  if weights is not None:
    with graph.as_default():
      convert.assign_tf1(sess, weights)
  return sess, g


def model_weights(sess, variant):
  by_name = {v.op.name: v for v in
             sess.graph.get_collection(v1.GraphKeys.GLOBAL_VARIABLES)}
  names = convert.model_names(variant)
  with sess.graph.as_default():
    return dict(zip(names, sess.run([by_name[n] for n in names])))


def random_weights(variant, seed=3, scale=0.5):
  """Weights of ``variant`` with non-zero biases (zeros would hide a bias
  mapping error)."""
  rng = np.random.RandomState(seed)
  sess, _ = session(variant)
  w = model_weights(sess, variant)
  sess.close()
  return {k: (scale * rng.randn(*v.shape)).astype(np.float32)
          for k, v in w.items()}


def time_major_to_batch(logits):
  """TF1 logits ``[U*B, 27]`` (time-major rows) -> ``[B, U, 27]``."""
  return np.transpose(logits.reshape(UNROLL, BATCH, -1), (1, 0, 2))


def keras_for(variant, weights, keep_prob=1.0, batch_size=BATCH):
  k = keras_model.KerasText8LSTM(variant, NODES, batch_size, EMBED, keep_prob)
  convert.set_keras_weights(k, convert.tf1_to_keras(weights, variant))
  return k
