"""``tf.contrib.rnn``'s own cells, wrappers and drivers against TF 1.15.

Every case of ``tests/golden/contrib_rnn_cases.py`` reproduces TF 1.15's
outputs, final states, gradients (inputs and every variable) and variable
names, shapes and creation order; a TF1.15-written checkpoint of each cell
(TF1's own random initial values) restores into compat's cells by name and
gives TF1's outputs. Recorded by ``tests/golden/make_contrib_rnn_golden.py``.
"""

import functools
import json
import os

import numpy as np
import pytest
import tensorflow as tf

import compat
from compat import contrib_rnn
from tests.compat import helpers

import cases  # noqa: E402  (tests/golden, on sys.path via helpers)
import contrib_rnn_cases  # noqa: E402

v1 = tf.compat.v1
RTOL, ATOL = 1e-5, 1e-6
# Variants of a cell the default suite already covers run with --slow only.
SLOW_CASES = {"layer_norm_basic_lstm_values", "gru_block_cell_biases",
              "highway_uncoupled_lstm", "attention_gru_concat",
              "cifg_layer_norm_concat", "stack_bidirectional_static",
              "stack_bidirectional_dynamic_time_major", "nas_proj_bias",
              "layer_norm_lstm_plain"}
CASE_NAMES = [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_CASES
              else n for n in contrib_rnn_cases.CASES]
# Layer normalisation over 2-3 units divides by a small deviation, which
# magnifies the last-bit differences of TF 2.x's tanh/sigmoid kernels.
LOOSER = {"stack_bidirectional_dynamic": dict(rtol=1e-4, atol=1e-5)}
CKPT_DIR = os.path.join(helpers.GOLDEN, "tf1_ckpt_contrib_rnn")


@functools.lru_cache(maxsize=None)
def _golden():
  data = np.load(os.path.join(helpers.GOLDEN, "tf1_contrib_rnn.npz"))
  arrays = {}
  for key in data.files:
    name, item = key.split("|", 1)
    arrays.setdefault(name, {})[item] = data[key]
  with open(os.path.join(helpers.GOLDEN, "tf1_contrib_rnn.json")) as f:
    meta = json.load(f)
  return arrays, meta


def test_golden_file_covers_every_case():
  arrays, meta = _golden()
  assert sorted(arrays) == sorted(contrib_rnn_cases.CASES) == sorted(meta), (
      "tests/golden/tf1_contrib_rnn.npz is stale: rerun "
      "make_contrib_rnn_golden.py with TF 1.15")


@pytest.mark.tf1_golden
@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_matches_tf1(name):
  expected = _golden()[0][name]
  expected_meta = _golden()[1][name]
  got, meta = cases.run_case(tf, contrib_rnn, name, helpers.session_config(),
                             registry=contrib_rnn_cases.CASES)
  assert meta["variables"] == expected_meta["variables"]
  assert meta["trainable"] == expected_meta["trainable"]
  assert meta["no_grad"] == expected_meta["no_grad"]
  assert sorted(got) == sorted(expected)
  for key in sorted(expected):
    assert got[key].shape == expected[key].shape, key
    assert got[key].dtype == expected[key].dtype, key
    np.testing.assert_allclose(
        got[key], expected[key], err_msg="%s: %s" % (name, key),
        **LOOSER.get(name, dict(rtol=RTOL, atol=ATOL)))


@pytest.mark.tf1_golden
def test_recurrent_dropout_draws_tf1_masks():
  """LayerNormBasicLSTMCell drops the candidate only: a seeded run gives
  TF 1.15's zeros in the input gradient's pattern, and a new draw in the
  second Session.run."""
  expected = _golden()[0]["layer_norm_basic_lstm_dropout"]
  plain = _golden()[0]["layer_norm_basic_lstm_values"]
  assert not np.allclose(expected["out.0"], plain["out.0"])
  assert not np.allclose(expected["out.0"], expected["run1:out.0"])


def test_ind_rnn_recurrent_initializer_is_its_own():
  """TF1 quirk kept: kernel_u is uniform in [-1, 1] by its own initializer,
  whatever the scope's initializer is (kernel_w follows the scope, else
  Glorot uniform)."""
  meta = _golden()[1]["ind_rnn"]["initializers"]
  assert meta["rnn/ind_rnn_cell/kernel_u"] == "RandomUniform"
  assert meta["rnn/ind_rnn_cell/kernel_w"] == "GlorotUniform"
  with tf.Graph().as_default():
    with v1.variable_scope("s", initializer=v1.constant_initializer(0.25)):
      cell = contrib_rnn.IndRNNCell(6)
      cell(tf.zeros([1, 2]), tf.zeros([1, 6]))
    with v1.Session() as sess:
      sess.run(v1.global_variables_initializer())
      w, u = sess.run([cell._kernel_w, cell._kernel_u])
  np.testing.assert_array_equal(w, np.full([2, 6], 0.25))
  assert np.all(np.abs(u) <= 1) and len(np.unique(u)) == 6


@pytest.mark.tf1_golden
def test_tf1_checkpoint_restores_by_name():
  with np.load(os.path.join(CKPT_DIR, "expected.npz")) as data:
    expected = {k: data[k] for k in data.files}
  with tf.Graph().as_default():
    built = contrib_rnn_cases.build_checkpoint_graph(tf, contrib_rnn)
    fetch = {}
    for model, result in built.items():
      fetch.update({"%s|%s" % (model, k): t for k, t in
                    cases.flatten("out", result, {}).items()})
    with v1.Session(config=helpers.session_config()) as sess:
      v1.train.Saver().restore(sess, os.path.join(CKPT_DIR, "model.ckpt"))
      got = sess.run(fetch)
  assert sorted(got) == sorted(expected)
  for key in expected:
    np.testing.assert_allclose(got[key], expected[key], rtol=RTOL, atol=ATOL,
                               err_msg=key)


NEW_NAMES = ["AttentionCellWrapper", "CoupledInputForgetGateLSTMCell",
             "FusedRNNCell", "FusedRNNCellAdaptor", "GRUBlockCell",
             "GRUBlockCellV2", "HighwayWrapper", "IndRNNCell", "IndyGRUCell",
             "IndyLSTMCell", "IntersectionRNNCell", "LayerNormBasicLSTMCell",
             "LayerNormLSTMCell", "NASCell", "SRUCell", "TimeReversedFusedRNN",
             "UGRNNCell", "best_effort_input_batch_size",
             "stack_bidirectional_dynamic_rnn", "stack_bidirectional_rnn",
             "transpose_batch_time"]


def test_install_resolves_contrib_names():
  compat.install()
  from tensorflow.contrib import rnn  # pylint: disable=g-import-not-at-top
  for name in NEW_NAMES:
    assert getattr(tf.contrib.rnn, name) is getattr(contrib_rnn, name), name
    assert getattr(rnn, name) is getattr(contrib_rnn, name), name
  assert isinstance(compat.LSTMBlockFusedCell(2), rnn.FusedRNNCell)


def test_gru_block_cell_is_gru_cell():
  """GRUBlockCellV2 restores GRUCell's names and computes the same."""
  x = cases.input_values([2, 3, 4]).astype("float32")
  outs = []
  for make in (compat.GRUCell, contrib_rnn.GRUBlockCellV2):
    with tf.Graph().as_default():
      v1.set_random_seed(3)
      out, _ = v1.nn.dynamic_rnn(make(5), tf.constant(x), dtype=tf.float32)
      with v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        outs.append(sess.run(out))
  np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-6)


def test_helpers_and_errors():
  with tf.Graph().as_default():
    x = tf.zeros([2, 5, 3])
    assert contrib_rnn.transpose_batch_time(x).shape.as_list() == [5, 2, 3]
    assert contrib_rnn.best_effort_input_batch_size([x]) == 5
    with pytest.raises(ValueError, match="same depth"):
      contrib_rnn.stack_bidirectional_dynamic_rnn(
          [compat.GRUCell(2)], [compat.GRUCell(2), compat.GRUCell(2)], x,
          dtype=tf.float32)
    with pytest.raises(ValueError, match="num_in_proj should"):
      v1.nn.dynamic_rnn(contrib_rnn.IntersectionRNNCell(4), x,
                        dtype=tf.float32)
    with pytest.raises(ValueError, match="Exactly one of num_units"):
      contrib_rnn.GRUBlockCell()
    with pytest.raises(ValueError, match="attn_length"):
      contrib_rnn.AttentionCellWrapper(compat.GRUCell(2), 0)
