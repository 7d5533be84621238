"""``tf.contrib.rnn``'s own cells (compat) agree with an independent NumPy
implementation of their equations (``contrib_rnn_numpy_ref``): outputs,
final states and gradients of a fixed loss w.r.t. inputs and every variable
(central finite differences of the NumPy model), with random weights, in
float64 (``GRUBlockCell``'s kernel exists in float32 only). The slowest
(layer-normalised cells, GRUBlockCell) run with ``-m slow``; their TF 1.15
goldens run by default."""

import numpy as np
import pytest
import tensorflow as tf

from compat import contrib_rnn as rnn
from tests.compat import contrib_rnn_numpy_ref as cref
from tests.compat import numpy_ref as ref
from tests.compat.test_numpy_reference import B, D, T, _inputs, check

v1 = tf.compat.v1
PARTS = ("input", "transform", "forget", "output", "state")


def _run(cell, dtype=tf.float64):
  def build(c):
    return v1.nn.dynamic_rnn(cell(), c["x"], dtype=dtype)
  return build


def _norms(p, prefix, parts=PARTS):
  return {part: (p["%s/%s/gamma" % (prefix, part)],
                 p["%s/%s/beta" % (prefix, part)]) for part in parts}


def _x():
  return _inputs(x=[B, T, D])


def _zeros(*widths):
  return tuple(np.zeros([B, w]) for w in widths)


@pytest.mark.slow  # its TF 1.15 golden runs by default
def test_gru_block_cell_float32():
  def reference(i, p):
    pre = "rnn/gru_cell/"
    step = ref.gru_step(p[pre + "w_ru"], p[pre + "b_ru"], p[pre + "w_c"],
                        p[pre + "b_c"])
    return ref.dynamic_rnn(step, i["x"], np.zeros([B, 4]))
  check(_run(lambda: rnn.GRUBlockCell(4), tf.float32), reference, _x(),
        dtype=tf.float32)


@pytest.mark.slow  # its TF 1.15 golden runs by default
def test_layer_norm_basic_lstm():
  def reference(i, p):
    pre = "rnn/layer_norm_basic_lstm_cell"
    step = cref.layer_norm_basic_lstm_step(p[pre + "/kernel"],
                                           _norms(p, pre), forget_bias=0.5)
    return ref.dynamic_rnn(step, i["x"], _zeros(4, 4))
  check(_run(lambda: rnn.LayerNormBasicLSTMCell(4, forget_bias=0.5)),
        reference, _x())


@pytest.mark.slow  # its TF 1.15 golden runs by default
def test_layer_norm_basic_lstm_without_norm():
  def reference(i, p):
    pre = "rnn/layer_norm_basic_lstm_cell"
    step = cref.layer_norm_basic_lstm_step(p[pre + "/kernel"], None,
                                           bias=p[pre + "/bias"])
    return ref.dynamic_rnn(step, i["x"], _zeros(3, 3))
  check(_run(lambda: rnn.LayerNormBasicLSTMCell(3, layer_norm=False)),
        reference, _x(), seed=1)


@pytest.mark.slow  # its TF 1.15 golden runs by default
def test_layer_norm_lstm_peephole_clip_proj():
  def build(c):
    cell = rnn.LayerNormLSTMCell(4, use_peepholes=True, cell_clip=0.5,
                                 num_proj=3, proj_clip=0.3, layer_norm=True)
    outputs, state = v1.nn.dynamic_rnn(cell, c["x"], dtype=tf.float64)
    return outputs, state

  def reference(i, p):
    pre = "rnn/layer_norm_lstm_cell"
    step = cref.layer_norm_lstm_step(
        p[pre + "/kernel"], _norms(p, pre),
        peepholes=tuple(p["%s/w_%s_diag" % (pre, g)] for g in "fio"),
        cell_clip=0.5, projection=p[pre + "/projection/kernel"],
        proj_clip=0.3)
    return ref.dynamic_rnn(step, i["x"], _zeros(4, 3))
  # The unused bias gets no gradient: only the rest is compared.
  check_no_bias(build, reference, "rnn/layer_norm_lstm_cell/bias")


def check_no_bias(build, reference, bias_name):
  def build_without(c):
    out = build(c)
    bias = [v for v in v1.global_variables() if v.op.name == bias_name]
    assert len(bias) == 1
    v1.get_collection_ref(v1.GraphKeys.TRAINABLE_VARIABLES).remove(bias[0])
    return out
  check(build_without, reference, _x(), seed=2)


def test_cifg_peephole_proj():
  def reference(i, p):
    pre = "rnn/coupled_input_forget_gate_lstm_cell/"
    step = cref.cifg_step(
        np.concatenate([p[pre + "W_0"], p[pre + "W_1"]], 0), p[pre + "B"],
        peepholes=(p[pre + "W_F_diag"], p[pre + "W_O_diag"]),
        projection=p[pre + "W_P_0"], proj_clip=0.4, forget_bias=0.7)
    return ref.dynamic_rnn(step, i["x"], _zeros(4, 3))
  check(_run(lambda: rnn.CoupledInputForgetGateLSTMCell(
      4, use_peepholes=True, num_proj=3, proj_clip=0.4, num_unit_shards=2,
      forget_bias=0.7)), reference, _x(), seed=3)


def test_nas_cell_proj_bias():
  def reference(i, p):
    pre = "rnn/nas_cell/"
    step = cref.nas_step(p[pre + "kernel"], p[pre + "recurrent_kernel"],
                         p[pre + "bias"], p[pre + "projection_weights"])
    return ref.dynamic_rnn(step, i["x"], _zeros(4, 3))
  check(_run(lambda: rnn.NASCell(4, num_proj=3, use_bias=True)), reference,
        _x(), seed=4)


def test_ugrnn_cell():
  def reference(i, p):
    step = cref.ugrnn_step(p["rnn/ugrnn_cell/kernel"],
                           p["rnn/ugrnn_cell/bias"], forget_bias=0.5)
    return ref.dynamic_rnn(step, i["x"], np.zeros([B, 4]))
  check(_run(lambda: rnn.UGRNNCell(4, forget_bias=0.5)), reference, _x(),
        seed=5)


def test_intersection_rnn_cell_with_input_projection():
  def reference(i, p):
    pre = "rnn/intersection_rnn_cell/"
    step = cref.intersection_step(
        p[pre + "kernel"], p[pre + "bias"],
        in_projection=(p[pre + "in_projection/kernel"],
                       p[pre + "in_projection/bias"]))
    return ref.dynamic_rnn(step, i["x"], np.zeros([B, 4]))
  check(_run(lambda: rnn.IntersectionRNNCell(4, num_in_proj=4)), reference,
        _x(), seed=6)


def test_ind_rnn_and_indy_lstm():
  def build(c):
    with v1.variable_scope("ind"):
      a = v1.nn.dynamic_rnn(rnn.IndRNNCell(4), c["x"], dtype=tf.float64)
    with v1.variable_scope("indy"):
      b = v1.nn.dynamic_rnn(rnn.IndyLSTMCell(3), c["x"], dtype=tf.float64)
    return a, b

  def reference(i, p):
    def weights(pre):
      return [p[pre + n] for n in ("kernel_w", "kernel_u", "bias")]
    a = ref.dynamic_rnn(cref.ind_rnn_step(*weights("ind/rnn/ind_rnn_cell/")),
                        i["x"], np.zeros([B, 4]))
    b = ref.dynamic_rnn(
        cref.indy_lstm_step(*weights("indy/rnn/indy_lstm_cell/")), i["x"],
        _zeros(3, 3))
    return a, b
  check(build, reference, _x(), seed=7)


def test_highway_wrapper_uncoupled():
  def reference(i, p):
    inner = ref.gru_step(p["rnn/gru_cell/gates/kernel"],
                         p["rnn/gru_cell/gates/bias"],
                         p["rnn/gru_cell/candidate/kernel"],
                         p["rnn/gru_cell/candidate/bias"])
    step = cref.highway_step(inner, p["rnn/carry_w"], p["rnn/carry_b"],
                             (p["rnn/transform_w"], p["rnn/transform_b"]))
    return ref.dynamic_rnn(step, i["x"], np.zeros([B, D]))
  check(_run(lambda: rnn.HighwayWrapper(
      rnn.GRUCell(D), couple_carry_transform_gates=False)), reference, _x(),
        seed=8)


def test_indy_gru_and_sru():
  def build(c):
    with v1.variable_scope("indy"):
      a = v1.nn.dynamic_rnn(rnn.IndyGRUCell(4), c["x"], dtype=tf.float64)
    with v1.variable_scope("sru"):
      b = v1.nn.dynamic_rnn(rnn.SRUCell(3), c["x"], dtype=tf.float64)
    return a, b

  def reference(i, p):
    pre = "indy/rnn/indy_gru_cell/"
    step = cref.indy_gru_step(
        [p[pre + "gates/" + n] for n in ("kernel_w", "kernel_u", "bias")],
        [p[pre + "candidate/" + n] for n in ("kernel", "kernel_u", "bias")])
    a = ref.dynamic_rnn(step, i["x"], np.zeros([B, 4]))
    b = ref.dynamic_rnn(cref.sru_step(p["sru/rnn/sru_cell/kernel"],
                                      p["sru/rnn/sru_cell/bias"]), i["x"],
                        np.zeros([B, 3]))
    return a, b
  check(build, reference, _x(), seed=9)
