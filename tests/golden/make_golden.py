"""Record TensorFlow 1.15's numbers for the compat test suite.

Run with a TF 1.15 interpreter (see README.md in this directory):

    /tmp/tf1/bin/python tests/golden/make_golden.py

Writes, next to this file:
  * ``tf1_cells.npz`` / ``tf1_cells.json``: every case of ``cases.py``
    (arrays; variable names, shapes and which variables get no gradient);
  * ``tf1_ckpt_multi_lstm/``: a TF1.15-written checkpoint of a 2-layer
    BasicLSTMCell MultiRNNCell under dynamic_rnn + dense, after three SGD
    steps, with ``expected.npz`` (its inputs and outputs);
  * ``tf1_ckpt_legacy/``: the same weights of four small models saved under
    TF 0.12 names (``v0_12.ckpt``) and TF 1.0/1.1 names (``v1_0.ckpt``), with
    ``expected.npz`` and ``names.json``;
  * ``legacy_script_tf1.json``: what ``tests/compat/legacy_tf1_script.py``
    prints under TF 1.15.
"""

import json
import os
import shutil
import subprocess
import sys
import types

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cases  # noqa: E402  pylint: disable=g-import-not-at-top

v1 = tf.compat.v1


def tf1_api():
  """The TF 1.15 classes ``cases.py`` calls through ``api``."""
  rnn_cell = v1.nn.rnn_cell
  contrib = tf.contrib.rnn
  return types.SimpleNamespace(
      RNNCell=rnn_cell.RNNCell,
      BasicRNNCell=rnn_cell.BasicRNNCell,
      GRUCell=rnn_cell.GRUCell,
      BasicLSTMCell=rnn_cell.BasicLSTMCell,
      LSTMCell=rnn_cell.LSTMCell,
      MultiRNNCell=rnn_cell.MultiRNNCell,
      LSTMStateTuple=rnn_cell.LSTMStateTuple,
      DropoutWrapper=rnn_cell.DropoutWrapper,
      ResidualWrapper=rnn_cell.ResidualWrapper,
      DeviceWrapper=rnn_cell.DeviceWrapper,
      EmbeddingWrapper=contrib.EmbeddingWrapper,
      InputProjectionWrapper=contrib.InputProjectionWrapper,
      OutputProjectionWrapper=contrib.OutputProjectionWrapper,
      LSTMBlockCell=contrib.LSTMBlockCell,
      LSTMBlockFusedCell=contrib.LSTMBlockFusedCell,
      dense=v1.layers.dense,
      Dense=v1.layers.Dense,
  )


def write_cells():
  api = tf1_api()
  arrays, meta = {}, {}
  for name in cases.CASES:
    values, info = cases.run_case(tf, api, name)
    for key, value in values.items():
      arrays["%s|%s" % (name, key)] = value
    meta[name] = info
    print("case %-40s %3d arrays" % (name, len(values)))
  np.savez_compressed(os.path.join(HERE, "tf1_cells.npz"), **arrays)
  with open(os.path.join(HERE, "tf1_cells.json"), "w") as f:
    json.dump(meta, f, indent=1, sort_keys=True)


# ---------------------------------------------------------------------------
# A real TF1.15 checkpoint.


def _fresh_dir(name):
  path = os.path.join(HERE, name)
  if os.path.isdir(path):
    shutil.rmtree(path)
  os.makedirs(path)
  return path


def _write_state_file(directory, prefix):
  """A ``checkpoint`` state file with a relative path (movable directory)."""
  with open(os.path.join(directory, "checkpoint"), "w") as f:
    f.write('model_checkpoint_path: "%s"\n' % prefix)
    f.write('all_model_checkpoint_paths: "%s"\n' % prefix)


def build_multi_lstm(api, x):
  """The model of ``tf1_ckpt_multi_lstm`` (also rebuilt by the tests)."""
  cell = api.MultiRNNCell([api.BasicLSTMCell(6), api.BasicLSTMCell(6)])
  outputs, state = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
  logits = api.dense(outputs, 3)
  return outputs, state, logits


def write_multi_lstm_checkpoint():
  directory = _fresh_dir("tf1_ckpt_multi_lstm")
  x_value = cases.input_values([2, 5, 4]).astype("float32")
  with tf.Graph().as_default():
    v1.set_random_seed(7)
    x = v1.constant(x_value)
    outputs, state, logits = build_multi_lstm(tf1_api(), x)
    loss = v1.reduce_mean(v1.square(logits - 0.25))
    train = v1.train.GradientDescentOptimizer(0.5).minimize(loss)
    saver = v1.train.Saver()
    with v1.Session() as sess:
      sess.run(v1.global_variables_initializer())
      for _ in range(3):
        sess.run(train)
      out = sess.run({"outputs": outputs, "logits": logits,
                      "state_0_c": state[0].c, "state_0_h": state[0].h,
                      "state_1_c": state[1].c, "state_1_h": state[1].h})
      saver.save(sess, os.path.join(directory, "model.ckpt"),
                 write_meta_graph=False, write_state=False)
      names = {v.op.name: v.shape.as_list() for v in v1.global_variables()}
  _write_state_file(directory, "model.ckpt")
  np.savez_compressed(os.path.join(directory, "expected.npz"), x=x_value,
                      **out)
  with open(os.path.join(directory, "variables.json"), "w") as f:
    json.dump(names, f, indent=1, sort_keys=True)


# ---------------------------------------------------------------------------
# Checkpoints with pre-1.2 names.


def build_legacy_models(api, x):
  """Four small models whose variables had other names before TF 1.2.

  Returns ``{name: tensor}`` of outputs.
  """
  out = {}
  with v1.variable_scope("m1"):
    cell = api.MultiRNNCell([api.BasicLSTMCell(4), api.BasicLSTMCell(4)])
    outputs, state = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    with v1.variable_scope("softmax"):  # user variables named like TF1.0's
      w = v1.get_variable("weights", [4, 3])
      b = v1.get_variable("biases", [3])
    out["m1_logits"] = v1.tensordot(outputs, w, [[2], [0]]) + b
    out["m1_state_1_c"] = state[1].c
  with v1.variable_scope("m2"):
    cell = api.LSTMCell(4, use_peepholes=True, num_proj=3)
    outputs, state = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    out["m2_outputs"], out["m2_state_c"] = outputs, state.c
  with v1.variable_scope("m3"):
    outputs, state = v1.nn.dynamic_rnn(api.GRUCell(4), x, dtype=tf.float32)
    out["m3_outputs"] = outputs
  with v1.variable_scope("m4"):
    outputs, fw, bw = v1.nn.static_bidirectional_rnn(
        api.BasicLSTMCell(3), api.BasicLSTMCell(3), v1.unstack(x, axis=1),
        dtype=tf.float32)
    out["m4_outputs"] = v1.stack(outputs)
    out["m4_bw_h"] = bw.h
  return out


def _v0_12_name(name):
  """TF 0.12's name for a TF 1.2+ variable of ``build_legacy_models``."""
  parts = name.split("/")
  scope_names = {"rnn": "RNN", "multi_rnn_cell": "MultiRNNCell",
                 "basic_lstm_cell": "BasicLSTMCell", "lstm_cell": "LSTMCell",
                 "gru_cell": "GRUCell", "gates": "Gates",
                 "candidate": "Candidate", "bidirectional_rnn": "BiRNN",
                 "fw": "FW", "bw": "BW"}
  if "softmax" in parts:
    return name
  if parts[-2:] == ["projection", "kernel"]:
    parts = parts[:-2] + ["W_P_0"]
  elif "lstm_cell" in parts:
    leaf = {"kernel": "W_0", "bias": "B", "w_f_diag": "W_F_diag",
            "w_i_diag": "W_I_diag", "w_o_diag": "W_O_diag"}
    parts[-1] = leaf[parts[-1]]
  else:
    parts[-1:] = ["Linear", {"kernel": "Matrix", "bias": "Bias"}[parts[-1]]]
  parts = [scope_names.get(p, p) for p in parts]
  parts = ["Cell" + p[len("cell_"):] if p.startswith("cell_") else p
           for p in parts]
  return "/".join(parts)


def _v1_0_name(name):
  """TF 1.0/1.1's name: ``weights``/``biases`` for cell kernels/biases."""
  parts = name.split("/")
  if "softmax" in parts:
    return name
  parts[-1] = {"kernel": "weights", "bias": "biases"}.get(parts[-1],
                                                          parts[-1])
  return "/".join(parts)


def write_legacy_checkpoints():
  directory = _fresh_dir("tf1_ckpt_legacy")
  x_value = cases.input_values([3, 4, 2], offset=0.3).astype("float32")
  rng = np.random.RandomState(0)
  names = {}
  with tf.Graph().as_default():
    x = v1.constant(x_value)
    outputs = build_legacy_models(tf1_api(), x)
    variables = v1.global_variables()
    with v1.Session() as sess:
      for var in variables:  # non-zero values everywhere, biases included
        value = rng.uniform(-0.6, 0.6, var.shape.as_list())
        var.load(value.astype("float32"), sess)
      expected = sess.run(outputs)
      for label, rename in (("v0_12", _v0_12_name), ("v1_0", _v1_0_name)):
        mapping = {rename(v.op.name): v for v in variables}
        names[label] = {v.op.name: rename(v.op.name) for v in variables}
        v1.train.Saver(var_list=mapping).save(
            sess, os.path.join(directory, label + ".ckpt"),
            write_meta_graph=False, write_state=False)
  np.savez_compressed(os.path.join(directory, "expected.npz"), x=x_value,
                      **expected)
  with open(os.path.join(directory, "names.json"), "w") as f:
    json.dump(names, f, indent=1, sort_keys=True)


# ---------------------------------------------------------------------------
# The legacy script under TF 1.15.


def write_legacy_script_output():
  script = os.path.join(os.path.dirname(HERE), "compat",
                        "legacy_tf1_script.py")
  out = subprocess.check_output([sys.executable, script],
                                stderr=subprocess.DEVNULL)
  result = json.loads(out.decode("utf-8").strip().splitlines()[-1])
  with open(os.path.join(HERE, "legacy_script_tf1.json"), "w") as f:
    json.dump(result, f, indent=1, sort_keys=True)


def main():
  if not tf.__version__.startswith("1.15"):
    sys.exit("run me with TensorFlow 1.15, not %s" % tf.__version__)
  write_cells()
  write_multi_lstm_checkpoint()
  write_legacy_checkpoints()
  write_legacy_script_output()
  print("done")


if __name__ == "__main__":
  main()
