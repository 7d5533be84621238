"""A small word-level LSTM language model written TF1-style (a PTB-tutorial
shape), then converted by TF 1.15's tf_upgrade_v2: this file is its output,
kept as is except the flags line (tf_upgrade_v2 leaves ``flags = tf.flags``,
which TF 2.x lacks; ``compat.scan`` reports it). Note what the converter
wrote: ``tf.nn.rnn_cell.LSTMStateTuple`` on plain ``tf``,
``tf.compat.v1.nn.rnn_cell.*``, ``tf.compat.v1.keras.initializers
.VarianceScaling`` for ``xavier_initializer()``, and untouched
``tf.contrib.rnn.DropoutWrapper`` and ``tf.contrib.legacy_seq2seq``.

``tests/compat/test_run.py`` runs it with ``python -m compat.run``; it builds
the model twice under one graph seed and prints one JSON line.
"""

import json
import os
import sys

import numpy as np
import tensorflow as tf

flags = tf.compat.v1.flags
flags.DEFINE_integer("exit_code", 0, "status to exit with at the end")
FLAGS = flags.FLAGS

VOCAB, HIDDEN, LAYERS, STEPS, BATCH = 10, 4, 2, 3, 2


class SmallLM(object):

  def __init__(self, is_training):
    self.input_data = tf.compat.v1.placeholder(tf.int32, [BATCH, STEPS])
    self.targets = tf.compat.v1.placeholder(tf.int32, [BATCH, STEPS])

    def lstm_cell():
      cell = tf.compat.v1.nn.rnn_cell.BasicLSTMCell(HIDDEN, forget_bias=0.0,
                                          state_is_tuple=True)
      if is_training:
        cell = tf.contrib.rnn.DropoutWrapper(cell, output_keep_prob=0.9)
      return cell

    cell = tf.compat.v1.nn.rnn_cell.MultiRNNCell([lstm_cell() for _ in range(LAYERS)],
                                       state_is_tuple=True)
    self.initial_state = cell.zero_state(BATCH, tf.float32)
    embedding = tf.compat.v1.get_variable("embedding", [VOCAB, HIDDEN])
    inputs = tf.nn.embedding_lookup(params=embedding, ids=self.input_data)
    inputs = tf.unstack(inputs, num=STEPS, axis=1)
    outputs, state = tf.compat.v1.nn.static_rnn(
        cell, inputs, initial_state=self.initial_state)
    self.final_state = tuple(
        tf.nn.rnn_cell.LSTMStateTuple(s.c, s.h) for s in state)
    output = tf.reshape(tf.concat(outputs, 1), [-1, HIDDEN])
    softmax_w = tf.compat.v1.get_variable(
        "softmax_w", [HIDDEN, VOCAB],
        initializer=tf.compat.v1.keras.initializers.VarianceScaling(scale=1.0, mode="fan_avg", distribution="uniform"))
    softmax_b = tf.compat.v1.get_variable(
        "softmax_b", [VOCAB], initializer=tf.compat.v1.keras.initializers.zeros())
    logits = tf.matmul(output, softmax_w) + softmax_b
    loss = tf.contrib.legacy_seq2seq.sequence_loss_by_example(
        [logits], [tf.reshape(self.targets, [-1])],
        [tf.ones([BATCH * STEPS])])
    self.cost = tf.reduce_sum(input_tensor=loss) / BATCH
    self.train_op = tf.compat.v1.train.GradientDescentOptimizer(1.0).minimize(self.cost)


def initial_weights_and_cost():
  """Builds the model in a fresh graph; its initial weights and first cost."""
  with tf.Graph().as_default():
    tf.compat.v1.set_random_seed(1234)
    initializer = tf.compat.v1.random_uniform_initializer(-0.1, 0.1)
    with tf.compat.v1.variable_scope("Model", initializer=initializer):
      model = SmallLM(is_training=True)
    with tf.compat.v1.Session() as sess:
      sess.run(tf.compat.v1.global_variables_initializer())
      weights = {v.op.name: sess.run(v).tolist()
                 for v in tf.compat.v1.global_variables()}
      feed = {model.input_data: np.arange(6).reshape(BATCH, STEPS) % VOCAB,
              model.targets: np.arange(1, 7).reshape(BATCH, STEPS) % VOCAB}
      cost, _ = sess.run([model.cost, model.train_op], feed)
  return weights, float(cost)


def main(_):
  first, cost = initial_weights_and_cost()
  second, _ = initial_weights_and_cost()
  print(json.dumps({
      "argv": sys.argv, "name": __name__, "path0": sys.path[0],
      "same_initial_weights": first == second,
      "variables": sorted(first), "cost": cost,
      "softmax_w": first["Model/softmax_w"],
  }))
  sys.exit(FLAGS.exit_code)


if __name__ == "__main__":
  tf.compat.v1.app.run()
