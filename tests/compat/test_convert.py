"""``python -m compat.convert``: TF1 checkpoints of each claimed shape, written
here with ``compat`` the way TF1 code wrote them (plus one genuine TF 1.15
checkpoint), converted to Keras 3 and back.

Each round trip asserts: the ``.weights.h5`` loaded into the Keras model
gives the logits that the TF1 graph that wrote the checkpoint gives; the
equivalence report is complete and within tolerance; converting back to TF1
gives the checkpoint's variables bit for bit (an LSTM's forget-gate bias
block within one float32 ulp of ``1 + b``: ``forget_bias`` is folded in and
taken out again). Also: Adam's state resumes in Keras, and an unmappable
checkpoint gets its one-line error and the list of variables.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import compat
from compat import convert
from tests.compat.helpers import GOLDEN, REPO

v1 = tf.compat.v1

BATCH, TIME, DEPTH, VOCAB, EMBED = 2, 4, 3, 7, 5
LABELS = np.arange(BATCH * TIME).reshape(BATCH, TIME)
CELLS = {"rnn": compat.BasicRNNCell, "gru": compat.GRUCell,
         "basic_lstm": compat.BasicLSTMCell, "lstm": compat.LSTMCell,
         "block": compat.LSTMBlockCell}


def _inputs(embedding):
  rng = np.random.RandomState(1)
  if embedding:
    return rng.randint(0, VOCAB, (BATCH, TIME)).astype(np.int32)
  return rng.normal(size=(BATCH, TIME, DEPTH)).astype(np.float32)


def write_checkpoint(path, topology, kinds, units, embedding, dense,
                     adam_steps=0):
  """Build a TF1 model as user code did, give every variable non-zero
  values (then train ``adam_steps`` Adam steps), save it; returns
  ``(inputs, logits, {name: value})`` (and, after Adam steps, the values
  after TF1's next step, which is not saved)."""
  x_value = _inputs(embedding)
  with tf.Graph().as_default() as graph:
    v1.set_random_seed(3)
    x = tf.constant(x_value)
    if embedding:
      x = tf.nn.embedding_lookup(v1.get_variable("embedding", [VOCAB, EMBED]),
                                 x)
    make = lambda k: CELLS[kinds[k]](units[k])
    if topology == "uni":
      cell = (compat.MultiRNNCell([make(k) for k in range(len(kinds))])
              if len(kinds) > 1 else make(0))
      out, _ = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    elif topology == "static":
      out, _ = v1.nn.static_rnn(make(0), tf.unstack(x, axis=1),
                                dtype=tf.float32)
      out = tf.stack(out, axis=1)
    elif topology == "fused":
      out, _ = compat.LSTMBlockFusedCell(units[0])(
          tf.transpose(x, [1, 0, 2]), dtype=tf.float32)
      out = tf.transpose(out, [1, 0, 2])
    elif topology == "bi":
      stack = lambda: (compat.MultiRNNCell([make(k) for k in range(
          len(kinds))]) if len(kinds) > 1 else make(0))
      (fw, bw), _ = v1.nn.bidirectional_dynamic_rnn(stack(), stack(), x,
                                                    dtype=tf.float32)
      out = tf.concat([fw, bw], -1)
    else:  # stack_bidirectional_dynamic_rnn's scopes
      out = x
      with v1.variable_scope("stack_bidirectional_rnn"):
        for k in range(len(kinds)):
          with v1.variable_scope("cell_%d" % k):
            (fw, bw), _ = v1.nn.bidirectional_dynamic_rnn(
                make(k), make(k), out, dtype=tf.float32)
          out = tf.concat([fw, bw], -1)
    for n, size in enumerate(dense):
      out = compat.dense(out, size)
    logits = out
    variables = v1.global_variables()
    if adam_steps:
      labels = tf.constant(LABELS % logits.shape[-1])
      loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
          labels=labels, logits=logits))
      train = v1.train.AdamOptimizer(0.01).minimize(
          loss, global_step=v1.train.get_or_create_global_step())
    with v1.Session(graph=graph) as sess:
      sess.run(v1.global_variables_initializer())
      rng = np.random.RandomState(2)
      for var in variables:  # non-zero biases exercise every bias block
        var.load(rng.uniform(-0.5, 0.5, var.shape).astype(np.float32), sess)
      for _ in range(adam_steps):
        sess.run(train)
      v1.train.Saver().save(sess, path, write_meta_graph=False)
      logits_value = sess.run(logits)
      values = {v.op.name: sess.run(v) for v in variables}
      if adam_steps:  # and TF1's next step, not saved
        sess.run(train)
        return x_value, logits_value, values, {
            v.op.name: sess.run(v) for v in variables}
  return x_value, logits_value, values


def _keras_logits(spec, weights_path, x):
  model, _, _ = convert.build_keras(spec)
  model.load_weights(weights_path)
  return np.asarray(model(x))


def _assert_same_variables(spec, original, path):
  """Bit for bit, except an LSTM's forget block (1 ulp of 1 + b)."""
  reader = tf.train.load_checkpoint(path)
  forget_blocks = {c["names"]["bias"]: c["units"] for c in spec["cells"]
                   if "lstm" in c["kind"]}
  assert sorted(reader.get_variable_to_shape_map()) == sorted(original)
  for name, value in original.items():
    back = reader.get_tensor(name)
    assert back.dtype == value.dtype and back.shape == value.shape, name
    if name in forget_blocks:
      u = forget_blocks[name]
      f = slice(2 * u, 3 * u)
      np.testing.assert_allclose(back[f], value[f], rtol=0,
                                 atol=np.spacing(np.float32(2.0)))
      value, back = np.delete(value, f), np.delete(back, f)
    np.testing.assert_array_equal(back, value, err_msg=name)


SHAPES = {
    # id: (topology, cell kinds per layer, units per layer, embedding, dense)
    "rnn-1-embedding-dense": ("uni", ["rnn"], [4], True, [3]),
    "gru-2": ("uni", ["gru", "gru"], [4, 3], False, []),
    "lstm-3-mixed-embedding-2dense": (
        "uni", ["basic_lstm", "lstm", "block"], [4, 3, 5], True, [6, 3]),
    "static_rnn-lstmblock-dense": ("static", ["block"], [4], False, [3]),
    "fused-dense": ("fused", ["basic_lstm"], [4], False, [3]),
    "bidirectional-gru-dense": ("bi", ["gru"], [3], False, [2]),
    "bidirectional-2-lstm-embedding": (
        "bi", ["basic_lstm", "basic_lstm"], [3, 4], True, []),
    "stacked-bidirectional-2-dense": (
        "stack_bi", ["basic_lstm", "gru"], [3, 2], False, [3]),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_round_trip(tmp_path, shape):
  topology, kinds, units, embedding, dense = SHAPES[shape]
  ckpt = str(tmp_path / "model.ckpt")
  x, logits, values = write_checkpoint(ckpt, topology, kinds, units,
                                       embedding, dense)
  out = str(tmp_path / "model.weights.h5")
  report = convert.to_keras(ckpt, out, summary=None)
  assert report["ok"]
  spec = report["spec"]
  assert [c["kind"] for c in spec["cells"] if c["dir"] == "fw"] == [
      {"block": "lstm_cell", "lstm": "lstm_cell", "rnn": "basic_rnn_cell",
       "gru": "gru_cell", "basic_lstm": "basic_lstm_cell"}[k]
      if topology != "fused" else "lstm_fused_cell" for k in kinds]
  assert len(spec["dense"]) == len(dense)
  assert bool(spec["embedding"]) == embedding
  np.testing.assert_allclose(_keras_logits(spec, out, x), logits, rtol=0,
                             atol=1e-5)
  back = str(tmp_path / "back.ckpt")
  # to_keras verified these weights already; the way back is checked bit
  # for bit here, and its own TF1-vs-Keras check once (the genuine case).
  assert convert.to_tf1(out, back, summary=None, verify=False) is None
  _assert_same_variables(spec, values, back)


def test_genuine_tf1_checkpoint_and_report(tmp_path, capsys):
  """The TF 1.15-written 2-layer BasicLSTM + dense checkpoint, through the
  command's ``main``: Keras reproduces TF 1.15's own logits, and the report
  holds names and shapes, logits, states, loss, gradients, tolerances."""
  golden = os.path.join(GOLDEN, "tf1_ckpt_multi_lstm")
  expected = np.load(os.path.join(golden, "expected.npz"))
  out = str(tmp_path / "lstm.weights.h5")
  assert convert.main([os.path.join(golden, "model.ckpt"), "--to=keras",
                       out]) == 0
  printed = capsys.readouterr().out
  assert "rnn_1 (LSTM)" in printed and "TF1 and Keras agree" in printed
  with open(str(tmp_path / "lstm.equivalence.json")) as f:
    report = json.load(f)
  with open(os.path.join(golden, "variables.json")) as f:
    assert report["variables"] == json.load(f)
  np.testing.assert_allclose(_keras_logits(report["spec"], out,
                                           expected["x"]),
                             expected["logits"], rtol=0, atol=1e-5)
  assert report["ok"] and report["tolerance"] == 1e-5
  assert report["keras_weights"]["rnn_1/lstm_cell/kernel"] == [6, 24]
  assert report["keras_layer_from_tf1"]["rnn_0"] == [
      "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
      "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias"]
  assert sorted(report["states"]) == ["fw/0/c", "fw/0/h", "fw/1/c", "fw/1/h"]
  assert report["states"]["fw/1/h"]["shape"] == [3, 6]
  assert report["logits"]["shape"] == [3, 5, 3]
  assert sorted(report["gradients"]) == sorted(report["variables"])
  entries = ([report["logits"], report["loss"]] +
             list(report["states"].values()) +
             list(report["gradients"].values()))
  assert all(e["ok"] and e["max_abs_diff"] <= e["tolerance"]
             for e in entries)
  assert report["loss"]["tf1"] > 0
  back = str(tmp_path / "back")
  assert convert.main([out, "--to=tf1", back]) == 0
  with open(back + ".equivalence.json") as f:
    back_report = json.load(f)
  assert back_report["ok"] and back_report["direction"] == "keras->tf1"
  _assert_same_variables(report["spec"], {
      n: tf.train.load_checkpoint(golden + "/model.ckpt").get_tensor(n)
      for n in report["variables"]}, back)


def test_adam_state_resumes_in_keras(tmp_path):
  ckpt = str(tmp_path / "model.ckpt")
  x, _, values, next_step = write_checkpoint(
      ckpt, "uni", ["basic_lstm", "gru"], [4, 3], True, [3], adam_steps=2)
  out = str(tmp_path / "model.weights.h5")
  report = convert.to_keras(ckpt, out, optimizer_state=True,
                            learning_rate=0.01, summary=None)
  assert report["optimizer"]["iterations"] == 2
  assert report["optimizer"]["epsilon"] == 1e-8
  assert report["optimizer"]["tf1_slots"]["beta1_power"] == []
  assert report["optimizer"]["tf1_slots"]["embedding/Adam_1"] == [VOCAB, EMBED]
  step = report["adam_step"]
  assert sorted(step) == sorted(n for n in values if "Adam" not in n and
                                n not in ("beta1_power", "beta2_power",
                                          "global_step"))
  assert all(e["ok"] for e in step.values())
  # The written state, loaded by a user: step and first moments as TF1's.
  spec = report["spec"]
  model, _, _ = convert.build_keras(spec)
  model.load_weights(out)
  opt = convert.load_keras_adam(model, str(tmp_path / "model.adam.npz"))
  assert int(opt.iterations) == 2 and float(opt.epsilon) == 1e-8
  reader = tf.train.load_checkpoint(ckpt)
  emb = model.get_layer("embedding").trainable_weights[0]
  index = opt._get_variable_index(emb)  # pylint: disable=protected-access
  np.testing.assert_array_equal(
      np.asarray(opt._momentums[index]),  # pylint: disable=protected-access
      reader.get_tensor("embedding/Adam"))
  # TF1's own next step (the graph that trained, its own batch) against one
  # Keras step from the converted weights and state on the same batch.
  _, probe, owners = convert.build_keras(spec)
  for layer in probe.layers:
    if layer.weights:
      layer.set_weights(model.get_layer(layer.name).get_weights())
  opt = convert.load_keras_adam(probe, str(tmp_path / "model.adam.npz"))
  with tf.GradientTape() as tape:
    logits = probe(x)[0]
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=LABELS % logits.shape[-1], logits=logits))
  variables = probe.trainable_variables
  opt.apply_gradients(zip([tf.convert_to_tensor(g) for g in
                           tape.gradient(loss, variables)], variables))
  names = convert._layer_names(spec, owners)  # pylint: disable=protected-access
  after = convert._map_to_tf1(  # pylint: disable=protected-access
      spec, owners, convert.keras_layer_weights(probe, names), 1.0)
  assert int(opt.iterations) == 3
  for name, value in next_step.items():
    np.testing.assert_allclose(after[name], value, rtol=0, atol=1e-5,
                               err_msg=name)
    assert np.max(np.abs(value - values[name])) > 1e-4, name  # it moved


def _unmappable(tmp_path):
  ckpt = str(tmp_path / "peep.ckpt")
  with tf.Graph().as_default() as graph:
    x = tf.zeros([1, 2, 3])
    cell = compat.LSTMCell(4, use_peepholes=True, num_proj=2)
    v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    v1.get_variable("my_scale", [2])
    with v1.Session(graph=graph) as sess:
      sess.run(v1.global_variables_initializer())
      v1.train.Saver().save(sess, ckpt, write_meta_graph=False)
  return ckpt


def test_unmappable_checkpoint_lists_variables(tmp_path):
  ckpt = _unmappable(tmp_path)
  with pytest.raises(convert.ConvertError) as err:
    convert.to_keras(ckpt, str(tmp_path / "x.weights.h5"), summary=None)
  assert "peepholes" in str(err.value) and "num_proj" in str(err.value)
  assert err.value.unknown == ["my_scale", "rnn/lstm_cell/projection/kernel",
                               "rnn/lstm_cell/w_f_diag",
                               "rnn/lstm_cell/w_i_diag",
                               "rnn/lstm_cell/w_o_diag"]
  assert not os.path.exists(str(tmp_path / "x.weights.h5"))
  with pytest.raises(convert.ConvertError, match="cannot read checkpoint"):
    convert.to_keras(str(tmp_path / "absent.ckpt"),
                     str(tmp_path / "x.weights.h5"), summary=None)
  with pytest.raises(convert.ConvertError, match="must end in .weights.h5"):
    convert.to_keras(ckpt, str(tmp_path / "x.h5"), summary=None)
  with pytest.raises(convert.ConvertError, match="equivalence report"):
    convert.to_tf1(str(tmp_path / "x.weights.h5"), str(tmp_path / "y"),
                   summary=None)


def test_cli_error_exit_status(tmp_path):
  """The one subprocess run: exit status 2, one error line, then the
  variables not understood; nothing written."""
  ckpt = _unmappable(tmp_path)
  env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="3")
  proc = subprocess.run(
      [sys.executable, "-m", "compat.convert", ckpt, "--to=keras",
       str(tmp_path / "x.weights.h5")], env=env, cwd=REPO,
      capture_output=True, text=True, timeout=120)
  assert proc.returncode == 2
  lines = [l for l in proc.stderr.splitlines()
           if l.startswith(("error:", "  not understood:"))]
  assert lines[0].startswith("error: cannot map this checkpoint to Keras 3")
  assert lines[1:] == ["  not understood: " + n for n in (
      "my_scale", "rnn/lstm_cell/projection/kernel", "rnn/lstm_cell/w_f_diag",
      "rnn/lstm_cell/w_i_diag", "rnn/lstm_cell/w_o_diag")]
  assert not os.path.exists(str(tmp_path / "x.weights.h5"))
