"""``tf.compat.v1.layers`` and ``tf.contrib.cudnn_rnn`` against TF 1.15.

Expected values: ``tests/golden/make_layers_golden.py`` on TF 1.15 (cases in
``tests/golden/layers_cases.py``). TF 1.15 on a CPU cannot run cuDNN, so the
cuDNN layer cases compare compat's ``CudnnLSTM``/``CudnnGRU``/``CudnnRNNTanh``
layer with TF 1.15's stack of CudnnCompatible cells under the names TF 1.15's
real cuDNN layer saves its weights by (those names are recorded from TF
1.15's layer too, and compared here).
"""

import functools
import json
import os
import types

import numpy as np
import pytest
import tensorflow as tf

from compat import contrib_layers, cudnn_rnn, layers
from tests.compat import helpers

import layers_cases  # noqa: E402  (tests/golden is on sys.path via helpers)

v1 = tf.compat.v1
RTOL, ATOL = 1e-5, 1e-6
CKPT = os.path.join(helpers.GOLDEN, "tf1_ckpt_cudnn")


def cudnn_stack(mode, num_layers, num_units, direction, x, lengths):
  cls = {"lstm": cudnn_rnn.CudnnLSTM, "gru": cudnn_rnn.CudnnGRU,
         "rnn_tanh": cudnn_rnn.CudnnRNNTanh}[mode]
  return cls(num_layers, num_units, direction=direction)(
      x, sequence_lengths=lengths)


def compat_api():
  names = ("dropout", "batch_normalization", "conv1d", "conv2d",
           "max_pooling1d", "max_pooling2d", "average_pooling1d",
           "average_pooling2d", "flatten", "dense")
  api = {n: getattr(layers, n) for n in names}
  api.update(CudnnCompatibleLSTMCell=cudnn_rnn.CudnnCompatibleLSTMCell,
             CudnnCompatibleGRUCell=cudnn_rnn.CudnnCompatibleGRUCell,
             cudnn_stack=cudnn_stack, contrib=contrib_layers)
  return types.SimpleNamespace(**api)


@functools.lru_cache(maxsize=None)
def golden():
  data = np.load(os.path.join(helpers.GOLDEN, "tf1_layers.npz"))
  arrays = {}
  for key in data.files:
    name, item = key.split("|", 1)
    arrays.setdefault(name, {})[item] = data[key]
  with open(os.path.join(helpers.GOLDEN, "tf1_layers.json")) as f:
    meta = json.load(f)
  return arrays, meta


def test_golden_covers_every_case():
  arrays, meta = golden()
  assert sorted(arrays) == sorted(list(layers_cases.CASES) +
                                 ["optimize_loss"])
  assert sorted(meta["saveables"]) == sorted(layers_cases.CUDNN_STACKS)


# The two bidirectional cuDNN stacks are the slowest cases (slow tier). In the
# default suite test_layers_usage's checkpoint test still checks the
# bidirectional LSTM's outputs against TF 1.15 (not its gradients), and the
# GRU's backward direction runs the same code as the LSTM's.
_SLOW = ("cudnn_lstm_bidi_2layer", "cudnn_gru_bidi")


@pytest.mark.tf1_golden
@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.slow) if n in _SLOW else n
    for n in layers_cases.CASES])
def test_case_matches_tf1(name):
  """Outputs, gradients, variables before and after UPDATE_OPS, variable
  names/shapes/trainability and the number of update ops."""
  expected, meta = golden()[0][name], golden()[1][name]
  got, got_meta = layers_cases.run_case(tf, compat_api(), name,
                                        helpers.session_config())
  assert got_meta == meta
  assert sorted(got) == sorted(expected)
  for key in sorted(expected):
    assert got[key].shape == expected[key].shape, key
    np.testing.assert_allclose(got[key], expected[key], rtol=RTOL, atol=ATOL,
                               err_msg="%s: %s" % (name, key))


@pytest.mark.tf1_golden
def test_optimize_loss_matches_tf1():
  """SGD with clip_gradients=float, Adam with learning_rate_decay_fn and
  every summary, Momentum with a clip_gradients function: losses of three
  steps, every variable after them (slots, global step, the learning-rate
  variable), the summary tags and scalar values."""
  expected = golden()[0]["optimize_loss"]
  got = layers_cases.run_optimize_loss(tf, compat_api(),
                                       helpers.session_config())
  assert sorted(got) == sorted(expected)
  for key in sorted(expected):
    if "summary_tags" in key:
      assert list(got[key]) == list(expected[key]), key
    else:
      np.testing.assert_allclose(got[key], expected[key], rtol=RTOL,
                                 atol=ATOL, err_msg=key)


def test_batch_norm_update_ops_move_statistics_only_in_training():
  """The goldens above show it; spelled out: training updates the moving
  mean toward the batch mean by (1 - momentum), inference adds no ops and a
  false training tensor leaves the statistics unchanged."""
  arrays = golden()[0]
  train = arrays["conv1d_bn_dropout_train"]
  before = train["var:batch_normalization/moving_mean"]
  after = train["upd:batch_normalization/moving_mean"]
  assert np.abs(after - before).max() > 1e-3
  assert golden()[1]["conv1d_bn_dropout_infer"]["update_ops"] == 0
  off = arrays["bn_training_tensor_false"]
  for stat in ("moving_mean", "moving_variance"):
    np.testing.assert_array_equal(off["upd:batch_normalization/" + stat],
                                  off["var:batch_normalization/" + stat])


@pytest.mark.parametrize("name", list(layers_cases.CUDNN_STACKS))
def test_cudnn_variable_names_are_tf1_saveable_names(name):
  """compat's layer variables are named (and ordered) as the canonical
  weights TF 1.15's cuDNN layer writes into checkpoints."""
  mode, num_layers, direction, _ = layers_cases.CUDNN_STACKS[name]
  saved = golden()[1]["saveables"][name]
  with tf.Graph().as_default():
    x = tf.zeros([5, 3, 4])
    layer = {"lstm": cudnn_rnn.CudnnLSTM, "gru": cudnn_rnn.CudnnGRU,
             "rnn_tanh": cudnn_rnn.CudnnRNNTanh}[mode](
                 num_layers, 3, direction=direction)
    layer(x)
    assert layer.canonical_names() == saved["canonical"]
    assert sorted(v.op.name for v in layer.variables) == sorted(
        saved["canonical"])
    assert saved["variables"] == [layer.scope_name + "/opaque_kernel"]


LAYOUT = {"lstm_bidi_2layer": ("lstm", 2, "bidirectional"),
          "lstm_1layer": ("lstm", 1, "unidirectional"),
          "gru_2layer": ("gru", 2, "unidirectional"),
          "gru_bidi": ("gru", 1, "bidirectional"),
          "rnn_tanh_2layer": ("rnn_tanh", 2, "unidirectional")}


@pytest.mark.parametrize("key", sorted(LAYOUT))
def test_cudnn_layout_matches_tf1_converter(key):
  """canonical -> cuDNN gate matrices and bias vectors (gate order, bias
  halving, transposes) as TF 1.15's own converter does it, and back (bias
  pairs summed); the opaque buffer is those, flattened in the documented
  order, and converts back to the canonical weights."""
  mode, num_layers, direction = LAYOUT[key]
  data = np.load(os.path.join(helpers.GOLDEN, "tf1_cudnn_layout.npz"))

  def series(kind):
    return [data[k] for k in sorted(data.files)
            if k.startswith(key + "|" + kind)]

  canonical = series("canonical")
  cu_w, cu_b = cudnn_rnn.canonical_to_cu(mode, num_layers, 3, 4, direction,
                                         canonical)
  for got, want in zip(cu_w + cu_b, series("cu_weight") + series("cu_bias")):
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
  assert len(cu_w) == len(series("cu_weight"))
  assert len(cu_b) == len(series("cu_bias"))
  opaque = data[key + "|opaque"]
  np.testing.assert_allclose(
      cudnn_rnn.canonical_to_opaque(mode, num_layers, 3, 4, direction,
                                    canonical), opaque, rtol=1e-6)
  back = cudnn_rnn.opaque_to_canonical(mode, num_layers, 3, 4, direction,
                                       opaque)
  for got, want in zip(back, series("back")):
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_opaque_buffer_of_wrong_size_names_the_problem():
  with pytest.raises(ValueError, match=r"has 10 values but the documented "
                     r"canonical layout .* has \d+: .*restore the canonical"):
    cudnn_rnn.opaque_to_canonical("lstm", 1, 3, 4, "unidirectional",
                                  np.zeros(10))


def test_cudnn_initial_values_follow_tf1_layer():
  """As TF1's layer initialised cuDNN's own tensors: every per-gate matrix
  ``[units, width]`` by ``kernel_initializer`` (Glorot on that block by
  default), every cuDNN bias vector by ``bias_initializer`` (zeros), so the
  canonical LSTM and GRU-gate biases (sums of two) hold twice its value."""
  with tf.Graph().as_default():
    lstm = cudnn_rnn.CudnnLSTM(1, 3, seed=1)
    lstm(tf.zeros([2, 1, 20]))
    gru = cudnn_rnn.CudnnGRU(1, 3, bias_initializer=v1.constant_initializer(
        0.1))
    gru(tf.zeros([2, 1, 4]))
    with v1.Session() as sess:
      sess.run(v1.global_variables_initializer())
      kernel, bias = sess.run(lstm.variables)
      gru_values = {v.op.name.split("cell/")[-1]: sess.run(v)
                    for v in gru.variables}
  np.testing.assert_array_equal(bias, np.zeros(12))
  x_part, h_part = np.abs(kernel[:20]), np.abs(kernel[20:])
  assert x_part.max() <= np.sqrt(6. / 23)  # Glorot of a [3, 20] block
  assert np.sqrt(6. / 23) < h_part.max() <= np.sqrt(6. / 6)  # of [3, 3]
  np.testing.assert_allclose(gru_values["gates/bias"], np.full(6, 0.2))
  np.testing.assert_allclose(
      gru_values["candidate/input_projection/bias"], np.full(3, 0.1))
  np.testing.assert_allclose(
      gru_values["candidate/hidden_projection/bias"], np.full(3, 0.1))
