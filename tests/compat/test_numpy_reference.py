"""compat's cells and TF's RNN drivers agree with an independent NumPy
implementation of the equations (``numpy_ref``): outputs, final states, and
gradients of a fixed scalar loss w.r.t. inputs, initial states and every
variable (checked against central finite differences of the NumPy model).

Most checks run in float64 (tight tolerances); the fused LSTM kernels only
exist in float32, so those compare at float32 precision.
"""

import numpy as np
import pytest
import tensorflow as tf

import compat
from tests.compat import helpers
from tests.compat import numpy_ref as ref

v1 = tf.compat.v1

B, T, D = 3, 4, 3
F64 = dict(out_rtol=1e-10, out_atol=1e-12, grad_rtol=1e-6, grad_atol=1e-8)
F32 = dict(out_rtol=1e-5, out_atol=1e-6, grad_rtol=1e-3, grad_atol=2e-5)


def _inputs(**shapes):
  """``np.arange``-based inputs (contiguous float64 arrays)."""
  return {name: np.ascontiguousarray(
      helpers.cases.input_values(shape, offset=k * 0.9), dtype=np.float64)
          for k, (name, shape) in enumerate(sorted(shapes.items()))}


def check(build, reference, inputs, dtype=tf.float64, seed=0, tol=None,
          gradients=True):
  """Build ``build(consts) -> outputs`` with compat, give every variable
  random values, and compare outputs and (if ``gradients``) gradients with
  ``reference(inputs, params) -> outputs`` (NumPy)."""
  tol = tol or (F64 if dtype == tf.float64 else F32)
  np_dtype = dtype.as_numpy_dtype
  inputs = {k: v.astype(np_dtype).astype(np.float64)
            for k, v in inputs.items()}
  rng = np.random.RandomState(seed)
  with tf.Graph().as_default():
    consts = {k: tf.constant(v.astype(np_dtype), name=k)
              for k, v in sorted(inputs.items())}
    outputs = build(consts)
    leaves = list(helpers.cases.flatten("out", outputs, {}).values())
    loss = tf.add_n([
        tf.reduce_sum(t * tf.constant(ref.loss_weights(t.shape, k),
                                      dtype=t.dtype))
        for k, t in enumerate(leaves)])
    variables = v1.trainable_variables()
    assert variables, "the model has no variables"
    xs = [consts[k] for k in sorted(consts)] + variables
    grads = v1.gradients(loss, xs)
    assert all(g is not None for g in grads), [
        x.name for x, g in zip(xs, grads) if g is None]
    with v1.Session(config=helpers.session_config()) as sess:
      params = {}
      for var in variables:
        value = rng.uniform(-0.6, 0.6, var.shape.as_list()).astype(np_dtype)
        var.load(value, sess)
        params[var.op.name] = value.astype(np.float64)
      got_out, got_grads = sess.run([leaves, grads])

  expected = ref.flat(reference(inputs, params))
  assert len(expected) == len(got_out)
  for k, (got, want) in enumerate(zip(got_out, expected)):
    np.testing.assert_allclose(got, want, rtol=tol["out_rtol"],
                               atol=tol["out_atol"],
                               err_msg="output %d" % k)
  if not gradients:
    return params

  def loss_fn(arrays):
    return ref.weighted_loss(reference(
        {k: arrays[k] for k in inputs}, {k: arrays[k] for k in params}))

  arrays = dict(inputs)
  arrays.update(params)
  numeric = ref.finite_difference(loss_fn, arrays)
  names = sorted(consts) + [v.op.name for v in variables]
  for name, got in zip(names, got_grads):
    got = np.asarray(got)
    np.testing.assert_allclose(got, numeric[name], rtol=tol["grad_rtol"],
                               atol=tol["grad_atol"],
                               err_msg="gradient w.r.t. %s" % name)
  return params


def _zeros(*widths):
  return tuple(np.zeros([B, w]) for w in widths)


def _lstm(p, prefix, **kwargs):
  peep = None
  if prefix + "/w_f_diag" in p:
    peep = tuple(p[prefix + "/w_%s_diag" % g] for g in "fio")
  return ref.lstm_step(p[prefix + "/kernel"], p[prefix + "/bias"],
                       peepholes=peep,
                       projection=p.get(prefix + "/projection/kernel"),
                       **kwargs)


def _gru(p, prefix):
  return ref.gru_step(p[prefix + "/gates/kernel"], p[prefix + "/gates/bias"],
                      p[prefix + "/candidate/kernel"],
                      p[prefix + "/candidate/bias"])


def _rnn(p, prefix, **kwargs):
  return ref.basic_rnn_step(p[prefix + "/kernel"], p[prefix + "/bias"],
                            **kwargs)


# ---------------------------------------------------------------------------
# Single cells under dynamic_rnn.


def test_basic_rnn_cell():
  def build(c):
    return v1.nn.dynamic_rnn(compat.BasicRNNCell(4), c["x"],
                             dtype=tf.float64)

  def reference(i, p):
    return ref.dynamic_rnn(_rnn(p, "rnn/basic_rnn_cell"), i["x"],
                           np.zeros([B, 4]))
  check(build, reference, _inputs(x=[B, T, D]))


def test_basic_rnn_cell_relu():
  def build(c):
    return v1.nn.dynamic_rnn(compat.BasicRNNCell(3, activation=tf.nn.relu),
                             c["x"], dtype=tf.float64)

  def reference(i, p):
    relu = lambda a: np.maximum(a, 0.0)
    return ref.dynamic_rnn(_rnn(p, "rnn/basic_rnn_cell", activation=relu),
                           i["x"], np.zeros([B, 3]))
  check(build, reference, _inputs(x=[B, T, D]), seed=3)


def test_gru_cell_with_sequence_length():
  lengths = [4, 2, 0]

  def build(c):
    return v1.nn.dynamic_rnn(compat.GRUCell(4), c["x"], dtype=tf.float64,
                             sequence_length=lengths)

  def reference(i, p):
    return ref.dynamic_rnn(_gru(p, "rnn/gru_cell"), i["x"], np.zeros([B, 4]),
                           sequence_length=lengths)
  check(build, reference, _inputs(x=[B, T, D]))


def test_gru_outputs_zero_past_length_and_state_carried():
  """The sequence_length semantics, stated directly on compat's results."""
  with tf.Graph().as_default():
    x = tf.constant(helpers.cases.input_values([B, T, D]))
    outputs, state = v1.nn.dynamic_rnn(compat.GRUCell(4), x,
                                       dtype=tf.float64,
                                       sequence_length=[4, 2, 0])
    with v1.Session() as sess:
      sess.run(v1.global_variables_initializer())
      out, final = sess.run([outputs, state])
  assert np.all(out[1, 2:] == 0) and np.all(out[2] == 0)
  assert np.all(out[1, :2] != 0)
  np.testing.assert_array_equal(final[0], out[0, 3])
  np.testing.assert_array_equal(final[1], out[1, 1])
  np.testing.assert_array_equal(final[2], np.zeros(4))


def test_basic_lstm_cell_tuple_state():
  def build(c):
    return v1.nn.dynamic_rnn(compat.BasicLSTMCell(4), c["x"],
                             dtype=tf.float64)

  def reference(i, p):
    return ref.dynamic_rnn(_lstm(p, "rnn/basic_lstm_cell"), i["x"],
                           _zeros(4, 4))
  check(build, reference, _inputs(x=[B, T, D]))


def test_basic_lstm_cell_concat_state_forget_bias_and_initial_state():
  def build(c):
    cell = compat.BasicLSTMCell(3, forget_bias=0.5, state_is_tuple=False)
    return v1.nn.dynamic_rnn(cell, c["x"], initial_state=c["s0"])

  def reference(i, p):
    step = _lstm(p, "rnn/basic_lstm_cell", forget_bias=0.5,
                 state_is_tuple=False, num_units=3)
    return ref.dynamic_rnn(step, i["x"], i["s0"])
  check(build, reference, _inputs(x=[B, T, D], s0=[B, 6]))


def test_lstm_cell_peepholes_clipping_projection_static_rnn():
  lengths = [4, 1, 3]

  def build(c):
    cell = compat.LSTMCell(5, use_peepholes=True, cell_clip=0.3, num_proj=3,
                           proj_clip=0.12, forget_bias=0.7)
    return v1.nn.static_rnn(cell, tf.unstack(c["x"], axis=1),
                            dtype=tf.float64, sequence_length=lengths)

  def reference(i, p):
    step = _lstm(p, "rnn/lstm_cell", forget_bias=0.7, cell_clip=0.3,
                 proj_clip=0.12)
    return ref.static_rnn(step, list(np.moveaxis(i["x"], 1, 0)),
                          _zeros(5, 3), lengths)
  check(build, reference, _inputs(x=[B, T, D]), seed=1)


def test_lstm_cell_clipping_is_active():
  """Guard for the test above: with its inputs and (seed 1) weights, each
  clip changes the result, so a missing clip would be caught."""
  x = _inputs(x=[B, T, D])["x"]
  rng = np.random.RandomState(1)
  shapes = [[6, 20], [20], [5], [5], [5], [5, 3]]  # creation order
  k, b, wf, wi, wo, proj = [rng.uniform(-0.6, 0.6, s) for s in shapes]

  def run(**clips):
    step = ref.lstm_step(k, b, forget_bias=0.7, peepholes=(wf, wi, wo),
                         projection=proj, **clips)
    return ref.flat(ref.dynamic_rnn(step, x, _zeros(5, 3), [4, 1, 3]))

  both = run(cell_clip=0.3, proj_clip=0.12)
  for clips in (dict(cell_clip=0.3), dict(proj_clip=0.12)):
    assert any(np.abs(a - b).max() > 1e-3 for a, b in zip(run(**clips),
                                                          both))


def test_lstm_cell_concat_state_projection():
  def build(c):
    cell = compat.LSTMCell(4, num_proj=2, state_is_tuple=False)
    return v1.nn.dynamic_rnn(cell, c["x"], dtype=tf.float64)

  def reference(i, p):
    step = _lstm(p, "rnn/lstm_cell", state_is_tuple=False, num_units=4)
    return ref.dynamic_rnn(step, i["x"], np.zeros([B, 6]))
  check(build, reference, _inputs(x=[B, T, D]))


def test_time_major_initial_state_sequence_length():
  lengths = [3, 4, 1]

  def build(c):
    state = compat.LSTMStateTuple(c["c0"], c["h0"])
    return v1.nn.dynamic_rnn(compat.BasicLSTMCell(4), c["x"],
                             initial_state=state, sequence_length=lengths,
                             time_major=True)

  def reference(i, p):
    return ref.dynamic_rnn(_lstm(p, "rnn/basic_lstm_cell"), i["x"],
                           (i["c0"], i["h0"]), lengths, time_major=True)
  check(build, reference, _inputs(x=[T, B, D], c0=[B, 4], h0=[B, 4]))


# ---------------------------------------------------------------------------
# MultiRNNCell.


def test_multi_rnn_cell_three_layers_sequence_length():
  lengths = [2, 4, 3]

  def build(c):
    cell = compat.MultiRNNCell([compat.GRUCell(4),
                                compat.LSTMCell(3, use_peepholes=True),
                                compat.BasicRNNCell(2)])
    return v1.nn.dynamic_rnn(cell, c["x"], dtype=tf.float64,
                             sequence_length=lengths)

  def reference(i, p):
    step = ref.multi_step([
        _gru(p, "rnn/multi_rnn_cell/cell_0/gru_cell"),
        _lstm(p, "rnn/multi_rnn_cell/cell_1/lstm_cell"),
        _rnn(p, "rnn/multi_rnn_cell/cell_2/basic_rnn_cell")])
    state = (np.zeros([B, 4]), _zeros(3, 3), np.zeros([B, 2]))
    return ref.dynamic_rnn(step, i["x"], state, lengths)
  check(build, reference, _inputs(x=[B, T, D]))


def test_multi_rnn_cell_shared_cell_uses_one_weight_set():
  def build(c):
    one = compat.BasicLSTMCell(3)
    return v1.nn.dynamic_rnn(compat.MultiRNNCell([one, one]), c["x"],
                             dtype=tf.float64)

  def reference(i, p):
    step = _lstm(p, "rnn/multi_rnn_cell/cell_0/basic_lstm_cell")
    return ref.dynamic_rnn(ref.multi_step([step, step]), i["x"],
                           (_zeros(3, 3), _zeros(3, 3)))
  params = check(build, reference, _inputs(x=[B, T, 3]))
  assert sorted(params) == ["rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
                            "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel"]


def test_multi_rnn_cell_concat_state_with_initial_state():
  def build(c):
    cell = compat.MultiRNNCell([compat.BasicRNNCell(3), compat.GRUCell(2)],
                               state_is_tuple=False)
    return v1.nn.dynamic_rnn(cell, c["x"], initial_state=c["s0"])

  def reference(i, p):
    step = ref.multi_step(
        [_rnn(p, "rnn/multi_rnn_cell/cell_0/basic_rnn_cell"),
         _gru(p, "rnn/multi_rnn_cell/cell_1/gru_cell")],
        state_is_tuple=False, state_sizes=[3, 2])
    return ref.dynamic_rnn(step, i["x"], i["s0"])
  check(build, reference, _inputs(x=[B, T, D], s0=[B, 5]))


# ---------------------------------------------------------------------------
# Bidirectional.


def test_bidirectional_dynamic_rnn_sequence_length():
  lengths = [4, 2, 3]

  def build(c):
    return v1.nn.bidirectional_dynamic_rnn(
        compat.BasicLSTMCell(3), compat.GRUCell(2), c["x"],
        sequence_length=lengths, dtype=tf.float64)

  def reference(i, p):
    return ref.bidirectional_dynamic_rnn(
        _lstm(p, "bidirectional_rnn/fw/basic_lstm_cell"),
        _gru(p, "bidirectional_rnn/bw/gru_cell"), i["x"], _zeros(3, 3),
        np.zeros([B, 2]), lengths)
  check(build, reference, _inputs(x=[B, T, D]))


def test_bidirectional_multi_layer():
  def build(c):
    fw = compat.MultiRNNCell([compat.BasicLSTMCell(2),
                              compat.BasicLSTMCell(2)])
    bw = compat.MultiRNNCell([compat.GRUCell(2), compat.BasicRNNCell(2)])
    return v1.nn.bidirectional_dynamic_rnn(fw, bw, c["x"], dtype=tf.float64)

  def reference(i, p):
    fw = "bidirectional_rnn/fw/multi_rnn_cell/cell_%d/basic_lstm_cell"
    bw = "bidirectional_rnn/bw/multi_rnn_cell/cell_%d/"
    step_fw = ref.multi_step([_lstm(p, fw % 0), _lstm(p, fw % 1)])
    step_bw = ref.multi_step([_gru(p, bw % 0 + "gru_cell"),
                              _rnn(p, bw % 1 + "basic_rnn_cell")])
    return ref.bidirectional_dynamic_rnn(
        step_fw, step_bw, i["x"], (_zeros(2, 2), _zeros(2, 2)),
        (np.zeros([B, 2]), np.zeros([B, 2])))
  check(build, reference, _inputs(x=[B, T, D]))


# ---------------------------------------------------------------------------
# Wrappers and dense.


def test_residual_and_input_projection_wrappers():
  def build(c):
    cell = compat.InputProjectionWrapper(
        compat.ResidualWrapper(compat.GRUCell(4)), 4, activation=tf.tanh)
    return v1.nn.dynamic_rnn(cell, c["x"], dtype=tf.float64)

  def reference(i, p):
    scope = "rnn/input_projection_wrapper"
    step = ref.input_projection_step(
        ref.residual_step(_gru(p, scope + "/gru_cell")),
        p[scope + "/kernel"], p[scope + "/bias"], activation=np.tanh)
    return ref.dynamic_rnn(step, i["x"], np.zeros([B, 4]))
  check(build, reference, _inputs(x=[B, T, D]))


def test_output_projection_wrapper():
  def build(c):
    cell = compat.OutputProjectionWrapper(compat.LSTMCell(3), 2)
    return v1.nn.dynamic_rnn(cell, c["x"], dtype=tf.float64)

  def reference(i, p):
    scope = "rnn/output_projection_wrapper"
    step = ref.output_projection_step(_lstm(p, scope + "/lstm_cell"),
                                      p[scope + "/kernel"],
                                      p[scope + "/bias"])
    return ref.dynamic_rnn(step, i["x"], _zeros(3, 3))
  check(build, reference, _inputs(x=[B, T, D]))


def test_dense_rank_2_and_3():
  def build(c):
    h = compat.dense(c["x"], 4, activation=tf.tanh)
    return h, compat.dense(c["y"], 2)

  def reference(i, p):
    return (ref.dense(i["x"], p["dense/kernel"], p["dense/bias"], np.tanh),
            ref.dense(i["y"], p["dense_1/kernel"], p["dense_1/bias"]))
  check(build, reference, _inputs(x=[B, 5], y=[B, T, 3]))


# ---------------------------------------------------------------------------
# Fused kernels (float32 only).


# TF's LSTMBlockCellGrad / BlockLSTMGrad kernels (TF 1.15's too) do not
# differentiate through ``cell_clip``: they pass the gradient through the clip
# as if it were the identity. So with clipping only the forward pass is
# compared with the NumPy model here; test_golden_tf1 checks that the
# gradients equal TF 1.15's.


@pytest.mark.parametrize("peephole", [False, True])
@pytest.mark.parametrize("cell_clip", [None, 0.3])
def test_lstm_block_cell(peephole, cell_clip):
  lengths = [4, 2, 3]

  def build(c):
    cell = compat.LSTMBlockCell(4, forget_bias=0.5, cell_clip=cell_clip,
                                use_peephole=peephole)
    return v1.nn.dynamic_rnn(cell, c["x"], dtype=tf.float32,
                             sequence_length=lengths)

  def reference(i, p):
    step = _lstm(p, "rnn/lstm_cell", forget_bias=0.5, cell_clip=cell_clip)
    return ref.dynamic_rnn(step, i["x"], _zeros(4, 4), lengths)
  check(build, reference, _inputs(x=[B, T, D]), dtype=tf.float32,
        gradients=cell_clip is None)


@pytest.mark.parametrize("cell_clip", [None, 0.3])
def test_lstm_block_fused_cell_sequence_length_initial_state(cell_clip):
  lengths = [4, 2, 3]

  def build(c):
    cell = compat.LSTMBlockFusedCell(4, use_peephole=True,
                                     cell_clip=cell_clip, forget_bias=0.8)
    return cell(c["x"], initial_state=(c["c0"], c["h0"]),
                sequence_length=lengths)

  def reference(i, p):
    step = _lstm(p, "lstm_fused_cell", forget_bias=0.8, cell_clip=cell_clip)
    return ref.dynamic_rnn(step, i["x"], (i["c0"], i["h0"]), lengths,
                           time_major=True)
  check(build, reference, _inputs(x=[T, B, D], c0=[B, 4], h0=[B, 4]),
        dtype=tf.float32, gradients=cell_clip is None)


def test_lstm_block_cell_clip_changes_the_numbers():
  """Guard for the clipped cases above: 0.3 really clips there."""
  def build(c):
    return v1.nn.dynamic_rnn(compat.LSTMBlockCell(4, cell_clip=0.3), c["x"],
                             dtype=tf.float32)

  def unclipped(i, p):
    return ref.dynamic_rnn(_lstm(p, "rnn/lstm_cell"), i["x"], _zeros(4, 4))
  with pytest.raises(AssertionError):
    check(build, unclipped, _inputs(x=[B, T, D]), dtype=tf.float32,
          gradients=False)


def test_finite_differences_detect_a_wrong_gradient():
  """Guard: the comparison above fails when the model differs."""
  def build(c):
    return v1.nn.dynamic_rnn(compat.BasicRNNCell(3), c["x"],
                             dtype=tf.float64)

  def wrong(i, p):  # sigmoid instead of tanh
    step = _rnn(p, "rnn/basic_rnn_cell", activation=ref.sigmoid)
    return ref.dynamic_rnn(step, i["x"], np.zeros([B, 3]))
  with pytest.raises(AssertionError):
    check(build, wrong, _inputs(x=[B, T, D]))
