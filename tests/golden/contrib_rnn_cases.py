"""Golden cases of ``tf.contrib.rnn``'s own cells, wrappers and drivers,
shared by TensorFlow 1.15 and TensorFlow 2.x.

Same harness as ``cases.py`` (``cases.run_case`` with ``registry=CASES``:
name-derived variable values, ``np.arange``-based inputs, a fixed loss,
gradients w.r.t. inputs and every variable), with ``api`` the
``tf.contrib.rnn`` module: TF 1.15's own in ``make_contrib_rnn_golden.py``,
``compat.contrib_rnn`` in ``tests/compat/test_contrib_rnn_golden.py``.

``CHECKPOINT_MODELS`` are the cells of the TF1-written checkpoint
``tf1_ckpt_contrib_rnn/`` (TF1's own random initial values, restored by name
into compat's cells).
"""

import collections

import cases
from cases import B, D, T, _const, _dyn

CASES = collections.OrderedDict()


def case(init):
  def register(fn):
    CASES[fn.__name__[len("case_"):]] = (fn, init)
    return fn
  return register


def _run_cell(tf, cell, x_shape=(B, T, D), **kwargs):
  x = _const(tf, list(x_shape))
  outputs, state = _dyn(tf, cell, x, **kwargs)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("not_bias")
def case_gru_block_cell(tf, api):
  """Deprecated names w_ru, b_ru, w_c, b_c (b_ru 1.0, b_c 0.0 by default)."""
  return _run_cell(tf, api.GRUBlockCell(4))


@case("not_bias")
def case_gru_block_cell_v2(tf, api):
  return _run_cell(tf, api.GRUBlockCellV2(num_units=4))


@case("all")
def case_gru_block_cell_biases(tf, api):
  return _run_cell(tf, api.GRUBlockCell(cell_size=3))


@case("not_bias")
def case_layer_norm_basic_lstm(tf, api):
  """gamma/beta keep their norm_gain/norm_shift defaults (1, 0)."""
  return _run_cell(tf, api.LayerNormBasicLSTMCell(4))


@case("all")
def case_layer_norm_basic_lstm_values(tf, api):
  cell = api.LayerNormBasicLSTMCell(4, forget_bias=0.5, norm_gain=0.8,
                                    norm_shift=0.1)
  return _run_cell(tf, cell)


@case("all")
def case_layer_norm_basic_lstm_no_norm(tf, api):
  """layer_norm=False: a bias instead of gamma/beta."""
  return _run_cell(tf, api.LayerNormBasicLSTMCell(3, layer_norm=False,
                                                  activation=tf.nn.relu))


@case("all")
def case_layer_norm_basic_lstm_dropout(tf, api):
  """Seeded recurrent dropout of the candidate: TF1's masks, new each step
  and each Session.run."""
  cell = api.LayerNormBasicLSTMCell(4, dropout_keep_prob=0.6,
                                    dropout_prob_seed=5)
  built = _run_cell(tf, cell, parallel_iterations=1)
  built["runs"] = 2
  return built


@case("all")
def case_layer_norm_lstm(tf, api):
  cell = api.LayerNormLSTMCell(4, use_peepholes=True, cell_clip=0.6,
                               num_proj=3, proj_clip=0.3, forget_bias=0.7,
                               layer_norm=True, norm_gain=0.9, norm_shift=0.05)
  return _run_cell(tf, cell, x_shape=(B, T, D))


@case("not_bias")
def case_layer_norm_lstm_plain(tf, api):
  return _run_cell(tf, api.LayerNormLSTMCell(4))


@case("all")
def case_cifg_peephole_proj_shards(tf, api):
  cell = api.CoupledInputForgetGateLSTMCell(
      5, use_peepholes=True, num_proj=3, proj_clip=0.3, num_unit_shards=2,
      num_proj_shards=2, forget_bias=0.8)
  return _run_cell(tf, cell)


@case("not_bias")
def case_cifg_layer_norm_concat(tf, api):
  cell = api.CoupledInputForgetGateLSTMCell(4, state_is_tuple=False,
                                            layer_norm=True)
  return _run_cell(tf, cell)


@case("all")
def case_nas(tf, api):
  return _run_cell(tf, api.NASCell(4), x_shape=(B, T, D))


@case("all")
def case_nas_proj_bias(tf, api):
  return _run_cell(tf, api.NASCell(4, num_proj=3, use_bias=True))


@case("all")
def case_ugrnn(tf, api):
  return _run_cell(tf, api.UGRNNCell(4, forget_bias=0.5))


@case("all")
def case_intersection_in_proj(tf, api):
  """First layer of a +RNN stack (num_in_proj), then a second one."""
  cell = api.MultiRNNCell([api.IntersectionRNNCell(4, num_in_proj=4),
                           api.IntersectionRNNCell(4, y_activation=tf.tanh)])
  return _run_cell(tf, cell)


@case("all")
def case_highway_gru(tf, api):
  return _run_cell(tf, api.HighwayWrapper(api.GRUCell(D)))


@case("all")
def case_highway_uncoupled_lstm(tf, api):
  cell = api.HighwayWrapper(api.BasicLSTMCell(D),
                            couple_carry_transform_gates=False,
                            carry_bias_init=0.5)
  return _run_cell(tf, cell)


@case("not_bias")
def case_ind_rnn(tf, api):
  return _run_cell(tf, api.IndRNNCell(4, activation=tf.nn.relu))


@case("all")
def case_indy_lstm(tf, api):
  return _run_cell(tf, api.IndyLSTMCell(4, forget_bias=0.5))


@case("not_bias")
def case_indy_gru(tf, api):
  """Gate bias 1.0 and candidate bias 0.0 by default."""
  return _run_cell(tf, api.IndyGRUCell(4))


@case("all")
def case_sru(tf, api):
  return _run_cell(tf, api.SRUCell(4, activation=tf.nn.relu))


@case("all")
def case_attention_lstm(tf, api):
  cell = api.AttentionCellWrapper(api.BasicLSTMCell(4), attn_length=2,
                                  state_is_tuple=True)
  return _run_cell(tf, cell)


@case("all")
def case_attention_gru_concat(tf, api):
  cell = api.AttentionCellWrapper(api.GRUCell(4), attn_length=3, attn_size=2,
                                  attn_vec_size=5, input_size=3,
                                  state_is_tuple=False)
  return _run_cell(tf, cell)


@case("all")
def case_stack_bidirectional_dynamic(tf, api):
  x = _const(tf, [B, T, D])
  seq = tf.compat.v1.constant([4, 2, 3], dtype="int32")
  outputs, states_fw, states_bw = api.stack_bidirectional_dynamic_rnn(
      [api.LayerNormBasicLSTMCell(3), api.GRUCell(2)],
      [api.LayerNormBasicLSTMCell(3), api.GRUCell(3)], x,
      sequence_length=seq, dtype="float32")
  return dict(outputs=(outputs, states_fw, states_bw), inputs={"x": x})


@case("all")
def case_stack_bidirectional_dynamic_time_major(tf, api):
  x = _const(tf, [T, B, D])
  h0 = [_const(tf, [B, 3], offset=1.0, name="h0", scale=0.5)]
  outputs, states_fw, states_bw = api.stack_bidirectional_dynamic_rnn(
      [api.GRUCell(3)], [api.GRUCell(3)], x, initial_states_fw=h0,
      dtype="float32", time_major=True, scope="tagger")
  return dict(outputs=(outputs, states_fw, states_bw),
              inputs={"x": x, "h0": h0[0]})


@case("all")
def case_stack_bidirectional_static(tf, api):
  x = _const(tf, [B, T, D])
  seq = tf.compat.v1.constant([4, 1, 3], dtype="int32")
  outputs, states_fw, states_bw = api.stack_bidirectional_rnn(
      [api.BasicLSTMCell(3), api.BasicRNNCell(2)],
      [api.GRUCell(2), api.BasicRNNCell(2)], tf.compat.v1.unstack(x, axis=1),
      sequence_length=seq, dtype="float32")
  return dict(outputs=(outputs, states_fw, states_bw), inputs={"x": x})


@case("all")
def case_fused_adaptor_reversed(tf, api):
  """FusedRNNCellAdaptor (dynamic and static) and TimeReversedFusedRNN with
  and without lengths, on a time-major tensor and a list."""
  v1 = tf.compat.v1
  x = _const(tf, [T, B, D])
  seq = v1.constant([2, 4, 3], dtype="int32")
  fw = api.FusedRNNCellAdaptor(api.GRUCell(3), use_dynamic_rnn=True)
  out_fw, st_fw = fw(x, dtype="float32", scope="fw")
  bw = api.TimeReversedFusedRNN(
      api.FusedRNNCellAdaptor(api.BasicLSTMCell(2), use_dynamic_rnn=True))
  out_bw, st_bw = bw(x, dtype="float32", sequence_length=seq, scope="bw")
  static = api.TimeReversedFusedRNN(api.FusedRNNCellAdaptor(
      api.BasicRNNCell(2)))
  out_st, st_st = static(v1.unstack(x), dtype="float32", scope="static")
  return dict(outputs=(out_fw, st_fw, out_bw, st_bw, out_st, st_st),
              inputs={"x": x})


# ---------------------------------------------------------------------------
# The TF1-written checkpoint: every cell in its own scope, TF1's initializers.

CHECKPOINT_MODELS = collections.OrderedDict([
    ("gru_block", lambda api: api.GRUBlockCell(4)),
    ("gru_block_v2", lambda api: api.GRUBlockCellV2(4)),
    ("layer_norm_basic", lambda api: api.LayerNormBasicLSTMCell(4)),
    ("layer_norm_lstm", lambda api: api.LayerNormLSTMCell(
        4, use_peepholes=True, num_proj=3, layer_norm=True)),
    ("cifg", lambda api: api.CoupledInputForgetGateLSTMCell(
        4, use_peepholes=True, num_proj=3)),
    ("nas", lambda api: api.NASCell(4, num_proj=3, use_bias=True)),
    ("ugrnn", lambda api: api.UGRNNCell(4)),
    ("intersection", lambda api: api.IntersectionRNNCell(4, num_in_proj=4)),
    ("highway", lambda api: api.HighwayWrapper(api.GRUCell(3))),
    ("ind", lambda api: api.IndRNNCell(4)),
    ("indy", lambda api: api.IndyLSTMCell(4)),
    ("indy_gru", lambda api: api.IndyGRUCell(4)),
    ("sru", lambda api: api.SRUCell(4)),
    ("attention", lambda api: api.AttentionCellWrapper(
        api.BasicLSTMCell(4), attn_length=2, state_is_tuple=True)),
])

CHECKPOINT_INPUT_SHAPE = (2, 5, 3)


def build_checkpoint_graph(tf, api):
  """All ``CHECKPOINT_MODELS`` over one input; returns ``{model: (outputs,
  final state)}``. Call inside a fresh graph."""
  v1 = tf.compat.v1
  x = v1.constant(cases.input_values(CHECKPOINT_INPUT_SHAPE).astype(
      "float32"))
  built = collections.OrderedDict()
  for name, make in CHECKPOINT_MODELS.items():
    with v1.variable_scope(name):
      built[name] = v1.nn.dynamic_rnn(make(api), x, dtype=tf.float32)
  return built
