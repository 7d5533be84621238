"""A TensorFlow 1.x-style training script, kept as TF1 code.

It must run unmodified on TF 1.15 and, after ``compat.install()``, on TF 2.x
(``test_install.py`` runs it in a subprocess; ``tests/golden/make_golden.py``
records its TF 1.15 output). It prints one JSON line: the training losses,
the variables it created, and a check that a saved checkpoint restores.

Nothing here imports ``compat``: it only reaches the RNN API the TF1 ways,
``tf.contrib.rnn``, ``from tensorflow.contrib import rnn``,
``import tensorflow.contrib.rnn``, ``tf.compat.v1.nn.rnn_cell`` and
``tf.compat.v1.layers.dense``.
"""

from __future__ import print_function

import json
import os
import shutil
import sys
import tempfile

import numpy as np
import tensorflow as tf
import tensorflow.contrib.rnn
from tensorflow.contrib import rnn

VOCAB, BATCH, STEPS, UNITS = 6, 4, 5, 8


def build_model(inputs, targets, keep_prob):
  init = tf.compat.v1.random_uniform_initializer(-0.3, 0.3, seed=1)
  with tf.compat.v1.variable_scope("model", initializer=init):
    embedding = tf.compat.v1.get_variable("embedding", [VOCAB, UNITS])
    embedded = tf.nn.embedding_lookup(embedding, inputs)

    def lstm_cell():
      cell = rnn.BasicLSTMCell(UNITS, forget_bias=0.0, state_is_tuple=True)
      return tf.contrib.rnn.DropoutWrapper(cell, output_keep_prob=keep_prob)

    cell = tf.contrib.rnn.MultiRNNCell([lstm_cell(), tf.compat.v1.nn.rnn_cell
                                        .GRUCell(UNITS)])
    initial_state = cell.zero_state(BATCH, tf.float32)
    outputs, state = tf.compat.v1.nn.dynamic_rnn(
        cell, embedded, initial_state=initial_state)
    fused = tensorflow.contrib.rnn.LSTMBlockFusedCell(UNITS)
    fused_out, _ = fused(tf.transpose(outputs, [1, 0, 2]), dtype=tf.float32)
    logits = tf.compat.v1.layers.dense(tf.transpose(fused_out, [1, 0, 2]),
                                       VOCAB, name="softmax")
  loss = tf.reduce_mean(
      tf.compat.v1.nn.sparse_softmax_cross_entropy_with_logits(
          labels=targets, logits=logits))
  return loss, state


def main():
  data = (np.arange(BATCH * (STEPS + 1)) * 7 % VOCAB).reshape(BATCH, -1)
  with tf.Graph().as_default():
    tf.compat.v1.set_random_seed(42)
    inputs = tf.compat.v1.placeholder(tf.int32, [BATCH, STEPS])
    targets = tf.compat.v1.placeholder(tf.int32, [BATCH, STEPS])
    keep_prob = tf.compat.v1.placeholder_with_default(1.0, [])
    loss, _ = build_model(inputs, targets, keep_prob)
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.5).minimize(loss)
    saver = tf.compat.v1.train.Saver()
    feed = {inputs: data[:, :-1], targets: data[:, 1:]}
    workdir = tempfile.mkdtemp()
    try:
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        losses = []
        for _ in range(5):
          value, _ = sess.run([loss, train_op], feed)
          losses.append(float(value))
        saved = saver.save(sess, os.path.join(workdir, "model.ckpt"))
        final = float(sess.run(loss, feed))
      with tf.compat.v1.Session() as sess:
        saver.restore(sess, saved)
        restored = float(sess.run(loss, feed))
    finally:
      shutil.rmtree(workdir)
    names = [[v.op.name, v.shape.as_list()]
             for v in tf.compat.v1.global_variables()]
  print(json.dumps({"losses": losses, "final": final, "restored": restored,
                    "variables": names}))
  return 0


if __name__ == "__main__":
  sys.exit(main())
