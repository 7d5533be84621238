"""A 2017-era TF1 training script ported the other common way, by
``import tensorflow.compat.v1 as tf``: placeholders and the model at module
level, ``tf.train.Supervisor`` and ``managed_session``. It needs eager
execution off, so it only runs under ``python -m compat.run --graph-mode``
(``tests/compat/test_run.py``).

Usage: supervisor_script.py LOGDIR
"""

import sys

import numpy as np
import tensorflow.compat.v1 as tf

inputs = tf.placeholder(tf.float32, [None, 3], name="inputs")
labels = tf.placeholder(tf.int32, [None], name="labels")
cell = tf.nn.rnn_cell.GRUCell(4)
outputs, _ = tf.nn.dynamic_rnn(
    cell, tf.expand_dims(inputs, 1), dtype=tf.float32)
logits = tf.layers.dense(outputs[:, -1], 2)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
    labels=labels, logits=logits))
global_step = tf.train.get_or_create_global_step()
train_op = tf.train.AdamOptimizer(0.1).minimize(
    loss, global_step=global_step)


def main(logdir):
  sv = tf.train.Supervisor(logdir=logdir, save_model_secs=0,
                           save_summaries_secs=0)
  feed = {inputs: np.arange(12, dtype=np.float32).reshape(4, 3) / 12,
          labels: [0, 1, 0, 1]}
  with sv.managed_session() as sess:
    losses = [float(sess.run([loss, train_op], feed)[0]) for _ in range(5)]
    print("global_step %d, loss %.4f -> %.4f" % (
        sess.run(global_step), losses[0], losses[-1]))
  sv.stop()


if __name__ == "__main__":
  main(sys.argv[1])
