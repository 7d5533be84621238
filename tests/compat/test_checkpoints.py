"""Checkpoints: a real TF 1.15-written checkpoint restores into a compat
graph by name; LSTM cell types whose names agree restore each other's
checkpoints with identical outputs; TF 0.12 and TF 1.0/1.1 checkpoints
(``Linear/Matrix``, ``W_0``, ``weights``/``biases``...) restore through
``compat.restore_checkpoint`` and convert with ``python -m
compat.checkpoints OLD NEW``.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import compat
from compat import checkpoints
from tests.compat import helpers

import make_golden  # noqa: E402  (tests/golden, on sys.path via helpers)

v1 = tf.compat.v1

MULTI_DIR = os.path.join(helpers.GOLDEN, "tf1_ckpt_multi_lstm")
LEGACY_DIR = os.path.join(helpers.GOLDEN, "tf1_ckpt_legacy")
RTOL, ATOL = 1e-5, 1e-6


def _load_npz(path):
  with np.load(path) as data:
    return {k: data[k] for k in data.files}


def _assert_all_close(got, expected):
  assert sorted(got) == sorted(expected)
  for key in expected:
    np.testing.assert_allclose(got[key], expected[key], rtol=RTOL, atol=ATOL,
                               err_msg=key)


# ---------------------------------------------------------------------------
# A checkpoint written by TF 1.15.


def _multi_lstm_outputs(restore):
  """Build the TF1.15 checkpoint's model with compat, ``restore(sess)``, and
  return its outputs by the names ``expected.npz`` uses."""
  expected = _load_npz(os.path.join(MULTI_DIR, "expected.npz"))
  with tf.Graph().as_default():
    x = tf.constant(expected.pop("x"))
    outputs, state, logits = make_golden.build_multi_lstm(helpers.compat_api(),
                                                          x)
    fetch = {"outputs": outputs, "logits": logits,
             "state_0_c": state[0].c, "state_0_h": state[0].h,
             "state_1_c": state[1].c, "state_1_h": state[1].h}
    with v1.Session() as sess:
      result = restore(sess)
      got = sess.run(fetch)
  return got, expected, result


def test_tf1_checkpoint_restores_with_a_plain_saver():
  def restore(sess):
    v1.train.Saver().restore(sess, os.path.join(MULTI_DIR, "model.ckpt"))
  got, expected, _ = _multi_lstm_outputs(restore)
  _assert_all_close(got, expected)


def test_tf1_checkpoint_restores_with_restore_checkpoint_from_directory():
  got, expected, mapping = _multi_lstm_outputs(
      lambda sess: compat.restore_checkpoint(sess, MULTI_DIR))
  _assert_all_close(got, expected)
  with open(os.path.join(MULTI_DIR, "variables.json")) as f:
    assert sorted(mapping) == sorted(json.load(f))


def test_tf1_checkpoint_lists_the_compat_graphs_variables():
  with tf.Graph().as_default():
    make_golden.build_multi_lstm(helpers.compat_api(), tf.zeros([2, 5, 4]))
    graph = {v.op.name: v.shape.as_list() for v in v1.global_variables()}
  stored = dict(tf.train.list_variables(os.path.join(MULTI_DIR,
                                                     "model.ckpt")))
  assert graph == stored


# ---------------------------------------------------------------------------
# Restoring across LSTM cell types.


def _lstm(kind, x, peephole=False):
  """One LSTM layer over ``x`` [batch, time, depth] whose variables live in
  ``rnn/lstm_cell``. Returns ``(outputs, c, h)``."""
  if kind == "fused":
    with v1.variable_scope("rnn"):
      cell = compat.LSTMBlockFusedCell(4, use_peephole=peephole,
                                       name="lstm_cell")
      outputs, state = cell(tf.transpose(x, [1, 0, 2]), dtype=tf.float32)
    return tf.transpose(outputs, [1, 0, 2]), state.c, state.h
  cell = {
      "LSTMCell": lambda: compat.LSTMCell(4, use_peepholes=peephole),
      "LSTMBlockCell": lambda: compat.LSTMBlockCell(4,
                                                    use_peephole=peephole),
      "BasicLSTMCell": lambda: compat.BasicLSTMCell(4, name="lstm_cell"),
  }[kind]()
  outputs, state = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
  return outputs, state.c, state.h


def _save_then_restore(tmp_path, saver_kind, restorer_kind, peephole=False):
  x_value = helpers.cases.input_values([3, 5, 2]).astype("float32")
  prefix = str(tmp_path / "ckpt")
  rng = np.random.RandomState(5)
  with tf.Graph().as_default():
    before = _lstm(saver_kind, tf.constant(x_value), peephole)
    with v1.Session() as sess:
      for var in v1.global_variables():
        var.load(rng.uniform(-0.7, 0.7, var.shape.as_list()), sess)
      expected = sess.run(before)
      v1.train.Saver().save(sess, prefix, write_meta_graph=False)
  with tf.Graph().as_default():
    after = _lstm(restorer_kind, tf.constant(x_value), peephole)
    with v1.Session() as sess:
      v1.train.Saver().restore(sess, prefix)
      got = sess.run(after)
  return got, expected


@pytest.mark.parametrize("saver_kind,restorer_kind", [
    ("LSTMCell", "LSTMBlockCell"),
    ("LSTMBlockCell", "LSTMCell"),
    ("LSTMCell", "BasicLSTMCell"),
    ("BasicLSTMCell", "fused"),
    ("fused", "LSTMCell"),
])
def test_lstm_checkpoints_restore_across_cell_types(tmp_path, saver_kind,
                                                    restorer_kind):
  got, expected = _save_then_restore(tmp_path, saver_kind, restorer_kind)
  for g, e in zip(got, expected):
    np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL)
  assert np.abs(expected[0]).max() > 0.05


@pytest.mark.parametrize("saver_kind,restorer_kind", [
    ("LSTMCell", "LSTMBlockCell"), ("LSTMBlockCell", "fused"),
])
def test_peephole_checkpoints_restore_across_cell_types(tmp_path, saver_kind,
                                                        restorer_kind):
  got, expected = _save_then_restore(tmp_path, saver_kind, restorer_kind,
                                     peephole=True)
  for g, e in zip(got, expected):
    np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL)


def test_names_that_disagree_do_not_restore(tmp_path):
  """BasicLSTMCell's default scope is basic_lstm_cell, not lstm_cell."""
  prefix = str(tmp_path / "ckpt")
  with tf.Graph().as_default():
    _lstm("LSTMCell", tf.zeros([2, 3, 2]))
    with v1.Session() as sess:
      sess.run(v1.global_variables_initializer())
      v1.train.Saver().save(sess, prefix, write_meta_graph=False)
  with tf.Graph().as_default():
    v1.nn.dynamic_rnn(compat.BasicLSTMCell(4), tf.zeros([2, 3, 2]),
                      dtype=tf.float32)
    with v1.Session() as sess:
      with pytest.raises(compat.LegacyNameError,
                         match="rnn/basic_lstm_cell/kernel is not in"):
        compat.restore_checkpoint(sess, prefix)


@pytest.mark.parametrize("saver_shards,restorer_shards", [
    (2, 2), (2, None), (None, 3)])
def test_sharded_lstm_checkpoints_restore(tmp_path, saver_shards,
                                          restorer_shards):
  """``num_unit_shards`` makes ``kernel/part_k`` slices of one checkpoint
  variable ``kernel``; restore_checkpoint matches them either way."""
  x_value = helpers.cases.input_values([2, 3, 3]).astype("float32")
  prefix = str(tmp_path / "ckpt")

  def build(shards):
    cell = compat.LSTMCell(4, num_proj=3, num_unit_shards=shards,
                           num_proj_shards=shards)
    outputs, _ = v1.nn.dynamic_rnn(cell, tf.constant(x_value),
                                   dtype=tf.float32)
    return outputs

  with tf.Graph().as_default():
    outputs = build(saver_shards)
    with v1.Session() as sess:
      sess.run(v1.global_variables_initializer())
      expected = sess.run(outputs)
      v1.train.Saver().save(sess, prefix, write_meta_graph=False)
  assert sorted(dict(tf.train.list_variables(prefix))) == [
      "rnn/lstm_cell/bias", "rnn/lstm_cell/kernel",
      "rnn/lstm_cell/projection/kernel"]
  with tf.Graph().as_default():
    outputs = build(restorer_shards)
    with v1.Session() as sess:
      mapping = compat.restore_checkpoint(sess, prefix)
      got = sess.run(outputs)
  assert sorted(mapping) == ["rnn/lstm_cell/bias", "rnn/lstm_cell/kernel",
                             "rnn/lstm_cell/projection/kernel"]
  np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


def test_sharded_shape_mismatch_is_reported(tmp_path):
  prefix = str(tmp_path / "ckpt")
  with tf.Graph().as_default():
    v1.nn.dynamic_rnn(compat.LSTMCell(4), tf.zeros([2, 3, 3]),
                      dtype=tf.float32)
    with v1.Session() as sess:
      sess.run(v1.global_variables_initializer())
      v1.train.Saver().save(sess, prefix, write_meta_graph=False)
  with tf.Graph().as_default():
    v1.nn.dynamic_rnn(compat.LSTMCell(5, num_unit_shards=2),
                      tf.zeros([2, 3, 3]), dtype=tf.float32)
    with v1.Session() as sess:
      with pytest.raises(compat.LegacyNameError,
                         match=r"rnn/lstm_cell/kernel: the graph has slices "
                         r"\[\[4, 20\], \[4, 20\]\], .* has \[7, 16\]"):
        compat.restore_checkpoint(sess, prefix)


# ---------------------------------------------------------------------------
# Checkpoints with TF 0.12 and TF 1.0/1.1 names.


def _legacy_names(version):
  with open(os.path.join(LEGACY_DIR, "names.json")) as f:
    return json.load(f)[version]  # {modern: legacy}


def _legacy_outputs(restore):
  expected = _load_npz(os.path.join(LEGACY_DIR, "expected.npz"))
  with tf.Graph().as_default():
    x = tf.constant(expected.pop("x"))
    outputs = make_golden.build_legacy_models(helpers.compat_api(), x)
    with v1.Session() as sess:
      result = restore(sess)
      got = sess.run(outputs)
  return got, expected, result


@pytest.mark.parametrize("version", ["v0_12", "v1_0"])
def test_legacy_checkpoint_restores_with_restore_checkpoint(version):
  prefix = os.path.join(LEGACY_DIR, version + ".ckpt")
  got, expected, mapping = _legacy_outputs(
      lambda sess: compat.restore_checkpoint(sess, prefix))
  _assert_all_close(got, expected)
  names = _legacy_names(version)
  assert {k: v.op.name for k, v in mapping.items()} == {
      legacy: modern for modern, legacy in names.items()}


@pytest.mark.parametrize("version", ["v0_12", "v1_0"])
def test_legacy_names_map_to_modern_names(version):
  names = _legacy_names(version)
  for modern, legacy in names.items():
    assert checkpoints.modern_name(legacy) == modern, legacy
  renamed = compat.legacy_name_map(list(names.values()))
  assert "m1/softmax/weights" not in renamed  # a user's own variable
  assert all(renamed[legacy] == modern for modern, legacy in names.items()
             if legacy != modern)
  assert len(renamed) == sum(m != l for m, l in names.items())


def test_legacy_checkpoint_needs_name_mapping():
  prefix = os.path.join(LEGACY_DIR, "v0_12.ckpt")

  def restore(sess):
    compat.restore_checkpoint(sess, prefix, allow_legacy_names=False)
  with pytest.raises(compat.LegacyNameError,
                     match="m1/rnn/multi_rnn_cell/cell_0/basic_lstm_cell/"
                     "kernel is not in checkpoint"):
    _legacy_outputs(restore)


def _converted_outputs(new_prefix, version):
  stored = dict(tf.train.list_variables(new_prefix))
  assert sorted(stored) == sorted(_legacy_names(version))

  def restore(sess):
    v1.train.Saver().restore(sess, new_prefix)
  got, expected, _ = _legacy_outputs(restore)
  _assert_all_close(got, expected)


def test_convert_command_line(tmp_path):
  old = os.path.join(LEGACY_DIR, "v0_12.ckpt")
  new = str(tmp_path / "converted.ckpt")
  proc = subprocess.run(
      [sys.executable, "-m", "compat.checkpoints", old, new],
      cwd=helpers.REPO, capture_output=True, text=True, timeout=300)
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert ("m2/RNN/LSTMCell/W_P_0 -> m2/rnn/lstm_cell/projection/kernel"
          in proc.stdout)
  assert "(18 names changed)" in proc.stdout
  _converted_outputs(new, "v0_12")


def test_convert_main_for_tf1_0_names(tmp_path, capsys):
  old = os.path.join(LEGACY_DIR, "v1_0.ckpt")
  new = str(tmp_path / "converted.ckpt")
  assert checkpoints.main(["checkpoints", old, new]) == 0
  out = capsys.readouterr().out
  assert ("m3/rnn/gru_cell/gates/weights -> m3/rnn/gru_cell/gates/kernel"
          in out)
  assert "m1/softmax/weights ->" not in out
  _converted_outputs(new, "v1_0")


def test_convert_usage_error(capsys):
  assert checkpoints.main(["checkpoints", "only-one"]) == 2
  assert "usage" in capsys.readouterr().err
