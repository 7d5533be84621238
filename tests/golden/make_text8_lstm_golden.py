"""Record TensorFlow 1.15's numbers for the text8_lstm tests.

Run with a TF 1.15 interpreter:

    /tmp/tf1/bin/python tests/golden/make_text8_lstm_golden.py

Builds the 6_lstm notebook's gate-by-gate graph the way the notebook did
(every variable an unnamed ``tf.Variable``, so the checkpoint holds
``Variable``..``Variable_18``), at small shapes, loads fixed weights, runs
three SGD steps (clip 0.2, decay every 2 steps, so clipping and the
staircase both act) on fixed one-hot batches, scores a batch-1 sequence
through the sampling cell, and writes:
  * ``tf1_text8_lstm.npz``: the inputs and every recorded output;
  * ``tf1_text8_lstm_ckpt/notebook.ckpt-3``: the TF 1.15 checkpoint after
    the three steps.
"""

import os
import shutil

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
V, H, B, U, STEPS, CLIP, DECAY = 27, 5, 3, 4, 3, 0.2, 2
GATE_NAMES = [g + k for g in "ifco" for k in "xmb"]


def inputs():
  rng = np.random.RandomState(0)
  weights = {}
  for name in GATE_NAMES:
    shape = {"x": [V, H], "m": [H, H], "b": [1, H]}[name[1]]
    weights[name] = (0.5 * rng.randn(*shape)).astype(np.float32)
  weights["w"] = (0.5 * rng.randn(H, V)).astype(np.float32)
  weights["b"] = (0.5 * rng.randn(V)).astype(np.float32)
  ids = rng.randint(0, V, size=(STEPS, U + 1, B))
  valid = rng.randint(0, V, size=12)
  return weights, ids, valid


def one_hot(ids):
  return np.eye(V, dtype=np.float32)[ids]


def main():
  weights, ids, valid = inputs()
  graph = tf.Graph()
  with graph.as_default():
    var = {}
    for name in GATE_NAMES:  # created in the notebook's order
      var[name] = tf.Variable(weights[name])
    saved_output = tf.Variable(tf.zeros([B, H]), trainable=False)
    saved_state = tf.Variable(tf.zeros([B, H]), trainable=False)
    var["w"] = tf.Variable(weights["w"])
    var["b"] = tf.Variable(weights["b"])

    def cell(i, o, state):
      def pre(g):
        return (tf.matmul(i, var[g + "x"]) + tf.matmul(o, var[g + "m"]) +
                var[g + "b"])
      state = tf.sigmoid(pre("f")) * state + tf.sigmoid(pre("i")) * tf.tanh(
          pre("c"))
      return tf.sigmoid(pre("o")) * tf.tanh(state), state

    data = [tf.placeholder(tf.float32, [B, V]) for _ in range(U + 1)]
    outputs, output, state = [], saved_output, saved_state
    for i in data[:U]:
      output, state = cell(i, output, state)
      outputs.append(output)
    with tf.control_dependencies([saved_output.assign(output),
                                  saved_state.assign(state)]):
      logits = tf.nn.xw_plus_b(tf.concat(outputs, 0), var["w"], var["b"])
      loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(
          labels=tf.concat(data[1:], 0), logits=logits))
    global_step = tf.Variable(0)
    lr = tf.train.exponential_decay(10.0, global_step, DECAY, 0.1,
                                    staircase=True)
    opt = tf.train.GradientDescentOptimizer(lr)
    grads, variables = zip(*opt.compute_gradients(loss))
    clipped, norm = tf.clip_by_global_norm(grads, CLIP)
    train_op = opt.apply_gradients(zip(clipped, variables),
                                   global_step=global_step)

    sample_input = tf.placeholder(tf.float32, [1, V])
    saved_sample_output = tf.Variable(tf.zeros([1, H]))
    saved_sample_state = tf.Variable(tf.zeros([1, H]))
    sample_output, sample_state = cell(sample_input, saved_sample_output,
                                       saved_sample_state)
    with tf.control_dependencies([saved_sample_output.assign(sample_output),
                                  saved_sample_state.assign(sample_state)]):
      sample_prediction = tf.nn.softmax(tf.nn.xw_plus_b(sample_output,
                                                        var["w"], var["b"]))
    saver = tf.train.Saver()
    init = tf.global_variables_initializer()

  out = {"ids": ids, "valid": valid}
  out.update({"w0/" + k: v for k, v in weights.items()})
  with tf.Session(graph=graph) as sess:
    sess.run(init)
    records = {"logits": [], "loss": [], "norm": [], "lr": [], "grads": []}
    for s in range(STEPS):
      feed = dict(zip(data, one_hot(ids[s])))
      r = sess.run({"train": train_op, "logits": logits, "loss": loss,
                    "norm": norm, "lr": lr, "grads": grads[0]}, feed)
      for k in records:
        records[k].append(r[k])
    for k, v in records.items():
      out[k] = np.stack(v)
    names = GATE_NAMES + ["w", "b"]
    for name, value in zip(names, sess.run([var[n] for n in names])):
      out["w3/" + name] = value
    out["saved_output"], out["saved_state"] = sess.run([saved_output,
                                                        saved_state])
    out["valid_predictions"] = np.concatenate([
        sess.run(sample_prediction, {sample_input: one_hot(valid[k:k + 1])})
        for k in range(len(valid))])
    ckpt_dir = os.path.join(HERE, "tf1_text8_lstm_ckpt")
    shutil.rmtree(ckpt_dir, ignore_errors=True)
    os.makedirs(ckpt_dir)
    saver.save(sess, os.path.join(ckpt_dir, "notebook.ckpt"),
               global_step=STEPS, write_meta_graph=False)
    os.remove(os.path.join(ckpt_dir, "checkpoint"))  # holds absolute paths
  out["tf_version"] = np.array(tf.__version__)
  np.savez_compressed(os.path.join(HERE, "tf1_text8_lstm.npz"), **out)
  print("wrote tf1_text8_lstm.npz and tf1_text8_lstm_ckpt/ with TF",
        tf.__version__)


if __name__ == "__main__":
  main()
