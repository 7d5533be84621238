"""A 2017-era TF1 training script after tf_upgrade_v2: placeholders and the
model at module level, ``tf.compat.v1.train.Supervisor`` and
``managed_session``. It needs eager execution off, so it only runs under
``python -m compat.run --graph-mode`` (``tests/compat/test_run.py``).

Usage: supervisor_script.py LOGDIR
"""

import sys

import numpy as np
import tensorflow as tf

inputs = tf.compat.v1.placeholder(tf.float32, [None, 3], name="inputs")
labels = tf.compat.v1.placeholder(tf.int32, [None], name="labels")
cell = tf.compat.v1.nn.rnn_cell.GRUCell(4)
outputs, _ = tf.compat.v1.nn.dynamic_rnn(
    cell, tf.expand_dims(inputs, 1), dtype=tf.float32)
logits = tf.compat.v1.layers.dense(outputs[:, -1], 2)
loss = tf.reduce_mean(
    input_tensor=tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=logits))
global_step = tf.compat.v1.train.get_or_create_global_step()
train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(
    loss, global_step=global_step)


def main(logdir):
  sv = tf.compat.v1.train.Supervisor(logdir=logdir, save_model_secs=0,
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
