"""Golden RNN cases, shared by TensorFlow 1.15 and TensorFlow 2.x.

This module runs unchanged under both interpreters:

  * ``tests/golden/make_golden.py`` runs it with TF 1.15 (Python 3.7), where
    ``api`` holds ``tf.compat.v1.nn.rnn_cell``'s cells, ``tf.contrib.rnn``'s
    wrappers and fused cells and ``tf.compat.v1.layers.dense``, and records
    the results in ``tf1_cells.npz`` / ``tf1_cells.json``;
  * ``tests/compat/test_golden_tf1.py`` runs it with TF 2.x where ``api`` is
    the ``compat`` package, and compares.

It uses only ``tf.compat.v1`` (which TF 1.15 also has) and the ``api``
namespace. Every case builds one graph in ``tf.Graph().as_default()``, with
deterministic variable values (see ``named_values``), ``np.arange``-based
inputs and a fixed scalar loss, and returns numpy arrays: the outputs and
final states, the initial variable values, and the gradients of the loss with
respect to the inputs and to every trainable variable. It also returns the
graph's variable names and shapes.

Variable values come from a custom getter on the root variable scope. It
derives each variable's values from its full name, so two implementations
agree on the numbers exactly when they agree on the names. In
``"not_bias"`` mode it leaves variables named ``bias`` alone: they keep
their TF1 defaults (zeros, or 1.0 for the GRU gates), so those defaults are
checked too. In ``"all"`` mode every float variable gets name-derived values
(non-zero biases exercise more of the math); in ``"none"`` mode the cells'
own (seeded) initializers are used. The getter also records the class of the
initializer each variable was created with.
"""

import collections
import zlib

import numpy as np

# Batch, time and input depth of most cases.
B, T, D = 3, 4, 3

GRAPH_SEED = 1234

CASES = collections.OrderedDict()


def case(init):
  """Register ``fn(tf, api) -> dict(outputs=..., inputs={name: tensor})``."""
  def register(fn):
    CASES[fn.__name__[len("case_"):]] = (fn, init)
    return fn
  return register


# ---------------------------------------------------------------------------
# Deterministic values.


def named_values(name, shape):
  """Values in [-0.5, 0.5] derived from a variable's full name."""
  shape = [int(s) for s in shape]
  h = zlib.crc32(name.encode("utf-8")) & 0xFFFFFFFF
  freq = 0.37 + (h % 997) / 997.0
  phase = (h // 997 % 1000) / 159.0
  n = int(np.prod(shape)) if shape else 1
  return (0.5 * np.sin(np.arange(n) * freq + phase)).reshape(shape)


def input_values(shape, offset=0.0, scale=0.9):
  """``np.arange``-based input values in [-scale, scale]."""
  n = int(np.prod(shape))
  return (scale * np.sin(np.arange(n) * 0.73 + offset)).reshape(shape)


def _named_initializer(tf, name):
  def init(shape, dtype=None, partition_info=None):
    dtype = tf.as_dtype(dtype or "float32")
    if partition_info is None:
      value = named_values(name, shape)
    else:  # one slice of a partitioned variable
      full = named_values(name, partition_info.full_shape)
      index = tuple(slice(o, o + int(s))
                    for o, s in zip(partition_info.var_offset, shape))
      value = full[index]
    return tf.constant(value, dtype=dtype)
  return init


def _custom_getter(tf, mode, seen):
  """Give variables name-derived values; record the initializer each got.

  ``mode``: ``"all"`` (every float variable), ``"not_bias"`` (all but
  variables named ``bias``, which keep the cell's own default) or ``"none"``.
  ``seen[name]`` is the class name of the initializer the cell passed.
  """
  def custom_getter(getter, name, *args, **kwargs):
    initializer = kwargs.get("initializer")
    seen[name] = type(initializer).__name__ if initializer is not None else None
    dtype = kwargs.get("dtype")
    is_float = dtype is None or tf.as_dtype(dtype).is_floating
    leaf = name.split("/")[-1]
    if is_float and (mode == "all" or (mode == "not_bias" and
                                       leaf != "bias")):
      kwargs["initializer"] = _named_initializer(tf, name)
    return getter(name, *args, **kwargs)
  return custom_getter


def _const(tf, shape, offset=0.0, dtype="float32", name="x", scale=0.9):
  return tf.compat.v1.constant(
      input_values(shape, offset, scale).astype(dtype), name=name)


# ---------------------------------------------------------------------------
# The harness.


def flatten(prefix, obj, out):
  """Flatten nested outputs into ``out[path] = tensor`` (stable paths)."""
  if obj is None:
    return out
  if hasattr(obj, "_fields"):
    for field in obj._fields:
      flatten("%s.%s" % (prefix, field), getattr(obj, field), out)
  elif isinstance(obj, (tuple, list)):
    for i, item in enumerate(obj):
      flatten("%s.%d" % (prefix, i), item, out)
  elif isinstance(obj, dict):
    for key in sorted(obj):
      flatten("%s.%s" % (prefix, key), obj[key], out)
  else:
    out[prefix] = obj
  return out


def _weighted_sum(v1, tensors):
  """The fixed scalar loss: sum_k sum(t_k * cos(0.37 i + 0.5 k))."""
  total = None
  for k, t in enumerate(tensors):
    w = v1.reshape(
        v1.cos(v1.cast(v1.range(v1.size(t)), t.dtype) * 0.37 + 0.5 * k),
        v1.shape(t))
    term = v1.reduce_sum(v1.cast(t * w, "float64"))
    total = term if total is None else total + term
  return total


def run_case(tf, api, name, session_config=None, registry=None):
  """Build and run case ``name``. Returns ``(arrays, meta)``.

  ``arrays``: ``out:<path>`` outputs/states, ``var:<name>`` initial values,
  ``grad:<input>`` and ``grad:<variable>``, ``loss``; with ``runs=n`` in the
  case's dict also ``run<k>:out...``, the outputs of later ``Session.run``
  calls (random ops draw anew each run).
  ``meta``: ``variables`` ([name, shape] in creation order), ``trainable``
  (names), ``no_grad`` (trainable variables the loss does not depend on),
  ``initializers`` (``{name: class name of the initializer passed}``).
  ``registry``: the cases to look ``name`` up in (default ``CASES``).
  """
  fn, init = (CASES if registry is None else registry)[name]
  v1 = tf.compat.v1
  with tf.Graph().as_default():
    v1.set_random_seed(GRAPH_SEED)
    seen = {}
    with v1.variable_scope(v1.get_variable_scope(),
                           custom_getter=_custom_getter(tf, init, seen)):
      built = fn(tf, api)
    flat = flatten("out", built["outputs"], collections.OrderedDict())
    floats = [t for t in flat.values() if t.dtype.is_floating]
    loss = _weighted_sum(v1, floats)
    inputs = collections.OrderedDict(sorted(built.get("inputs", {}).items()))
    variables = v1.global_variables()
    trainable = v1.trainable_variables()
    xs = list(inputs.values()) + trainable
    grads = v1.gradients(loss, xs)
    fetch = collections.OrderedDict()
    fetch["loss"] = loss
    for key, t in flat.items():
      fetch[key] = t
    for v in variables:
      fetch["var:" + v.op.name] = v
    no_grad = []
    keys = ["grad:" + k for k in inputs] + ["grad:" + v.op.name
                                            for v in trainable]
    for key, g in zip(keys, grads):
      if g is None:
        no_grad.append(key[len("grad:"):])
      else:
        fetch[key] = v1.convert_to_tensor(g)
    with v1.Session(config=session_config) as sess:
      sess.run(v1.global_variables_initializer())
      values = sess.run(dict(fetch))
      for k in range(1, built.get("runs", 1)):  # random ops: later draws
        again = sess.run(dict(flat))
        for key in flat:
          fetch["run%d:%s" % (k, key)] = None
          values["run%d:%s" % (k, key)] = again[key]
  arrays = collections.OrderedDict(
      (key, np.asarray(values[key])) for key in fetch)
  meta = {
      "variables": [[v.op.name, [int(d) for d in v.shape]]
                    for v in variables],
      "trainable": [v.op.name for v in trainable],
      "no_grad": no_grad,
      "initializers": seen,
  }
  return arrays, meta


# ---------------------------------------------------------------------------
# Cells under dynamic_rnn.


def _dyn(tf, cell, x, **kwargs):
  kwargs.setdefault("dtype", "float32")
  return tf.compat.v1.nn.dynamic_rnn(cell, x, **kwargs)


@case("not_bias")
def case_basic_rnn(tf, api):
  x = _const(tf, [B, T, D])
  outputs, state = _dyn(tf, api.BasicRNNCell(5), x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_basic_rnn_relu(tf, api):
  x = _const(tf, [B, T, D])
  outputs, state = _dyn(tf, api.BasicRNNCell(4, activation=tf.nn.relu), x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_activation_names(tf, api):
  """Activations given by name, as TF1's cells and tf.layers allowed."""
  x = _const(tf, [B, T, D])
  cell = api.MultiRNNCell([api.BasicRNNCell(3, activation="relu"),
                           api.GRUCell(3, activation="hard_sigmoid"),
                           api.BasicLSTMCell(3, activation="softsign"),
                           api.LSTMCell(3, activation="elu")])
  outputs, state = _dyn(tf, cell, x)
  logits = api.dense(outputs, 2, activation="selu")
  return dict(outputs=(outputs, state, logits), inputs={"x": x})


@case("not_bias")
def case_gru(tf, api):
  """GRU with its default biases: gates 1.0, candidate 0.0."""
  x = _const(tf, [B, T, D])
  outputs, state = _dyn(tf, api.GRUCell(4), x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("not_bias")
def case_gru_bias_initializer(tf, api):
  """``bias_initializer`` sets both the gate and the candidate bias."""
  x = _const(tf, [B, T, D])
  cell = api.GRUCell(4, bias_initializer=tf.compat.v1.constant_initializer(
      -0.3))
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_gru_float64(tf, api):
  x = _const(tf, [B, T, D], dtype="float64")
  outputs, state = _dyn(tf, api.GRUCell(3), x, dtype="float64")
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_basic_lstm(tf, api):
  x = _const(tf, [B, T, D])
  outputs, state = _dyn(tf, api.BasicLSTMCell(4), x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("not_bias")
def case_basic_lstm_default_bias(tf, api):
  x = _const(tf, [B, T, D])
  outputs, state = _dyn(tf, api.BasicLSTMCell(4), x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_basic_lstm_concat_state(tf, api):
  """state_is_tuple=False, forget_bias=0.5, a non-zero initial state."""
  x = _const(tf, [B, T, D])
  h0 = _const(tf, [B, 8], offset=1.0, name="h0", scale=0.5)
  cell = api.BasicLSTMCell(4, forget_bias=0.5, state_is_tuple=False)
  outputs, state = _dyn(tf, cell, x, initial_state=h0)
  return dict(outputs=(outputs, state), inputs={"x": x, "h0": h0})


@case("all")
def case_lstm_peephole_clip_proj(tf, api):
  x = _const(tf, [B, T, D], scale=1.5)
  cell = api.LSTMCell(5, use_peepholes=True, cell_clip=0.35, num_proj=3,
                      proj_clip=0.25, forget_bias=0.7)
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_lstm_concat_proj(tf, api):
  x = _const(tf, [B, T, D])
  cell = api.LSTMCell(4, num_proj=2, state_is_tuple=False)
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("none")
def case_lstm_seeded_initializer(tf, api):
  """``initializer`` (seeded) reaches the kernel, peepholes and projection."""
  x = _const(tf, [B, T, D])
  init = tf.compat.v1.random_uniform_initializer(-0.5, 0.5, seed=7)
  cell = api.LSTMCell(3, use_peepholes=True, num_proj=2, initializer=init)
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("not_bias")
def case_lstm_sharded(tf, api):
  """Deprecated ``num_unit_shards`` / ``num_proj_shards``: partitioned
  ``kernel/part_k`` variables."""
  x = _const(tf, [B, T, D])
  cell = api.LSTMCell(4, num_proj=3, num_unit_shards=2, num_proj_shards=2)
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x})


# ---------------------------------------------------------------------------
# MultiRNNCell.


@case("all")
def case_multi_lstm2(tf, api):
  x = _const(tf, [B, T, D])
  cell = api.MultiRNNCell([api.BasicLSTMCell(4), api.BasicLSTMCell(4)])
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("not_bias")
def case_multi_mixed3(tf, api):
  x = _const(tf, [B, T, D])
  cell = api.MultiRNNCell([api.GRUCell(4), api.BasicRNNCell(3),
                           api.LSTMCell(5, num_proj=2)])
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_multi_shared3(tf, api):
  """``MultiRNNCell([cell] * 3)``: one set of weights for all layers."""
  x = _const(tf, [B, T, 4])
  one = api.BasicLSTMCell(4)
  cell = api.MultiRNNCell([one] * 3)
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_multi_concat_state(tf, api):
  x = _const(tf, [B, T, D])
  cell = api.MultiRNNCell([api.BasicRNNCell(3), api.GRUCell(4)],
                          state_is_tuple=False)
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x})


# ---------------------------------------------------------------------------
# The RNN drivers.


@case("all")
def case_dynamic_sequence_length(tf, api):
  x = _const(tf, [4, T, D])
  seq = tf.compat.v1.constant([4, 2, 0, 3], dtype="int32")
  outputs, state = _dyn(tf, api.BasicLSTMCell(4), x, sequence_length=seq)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_dynamic_time_major_initial_state(tf, api):
  x = _const(tf, [T, B, D])
  h0 = _const(tf, [B, 4], offset=2.0, name="h0", scale=0.6)
  seq = tf.compat.v1.constant([3, 4, 1], dtype="int32")
  outputs, state = _dyn(tf, api.GRUCell(4), x, initial_state=h0,
                        sequence_length=seq, time_major=True)
  return dict(outputs=(outputs, state), inputs={"x": x, "h0": h0})


@case("all")
def case_bidirectional(tf, api):
  x = _const(tf, [B, T, D])
  seq = tf.compat.v1.constant([4, 2, 3], dtype="int32")
  outputs, states = tf.compat.v1.nn.bidirectional_dynamic_rnn(
      api.BasicLSTMCell(4), api.GRUCell(3), x, sequence_length=seq,
      dtype="float32")
  return dict(outputs=(outputs, states), inputs={"x": x})


@case("all")
def case_bidirectional_multi(tf, api):
  x = _const(tf, [B, T, D])
  fw = api.MultiRNNCell([api.BasicLSTMCell(3), api.BasicLSTMCell(3)])
  bw = api.MultiRNNCell([api.LSTMCell(3, use_peepholes=True),
                         api.GRUCell(2)])
  outputs, states = tf.compat.v1.nn.bidirectional_dynamic_rnn(
      fw, bw, x, dtype="float32")
  return dict(outputs=(outputs, states), inputs={"x": x})


@case("all")
def case_static_rnn(tf, api):
  x = _const(tf, [B, T, D])
  inputs = tf.compat.v1.unstack(x, axis=1)
  seq = tf.compat.v1.constant([4, 1, 3], dtype="int32")
  cell = api.LSTMCell(4, use_peepholes=True)
  outputs, state = tf.compat.v1.nn.static_rnn(cell, inputs, dtype="float32",
                                              sequence_length=seq)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("not_bias")
def case_static_bidirectional(tf, api):
  x = _const(tf, [B, T, D])
  inputs = tf.compat.v1.unstack(x, axis=1)
  seq = tf.compat.v1.constant([2, 4, 3], dtype="int32")
  outputs, fw_state, bw_state = tf.compat.v1.nn.static_bidirectional_rnn(
      api.GRUCell(3), api.BasicRNNCell(2), inputs, dtype="float32",
      sequence_length=seq)
  return dict(outputs=(outputs, fw_state, bw_state), inputs={"x": x})


@case("all")
def case_raw_rnn(tf, api):
  v1 = tf.compat.v1
  x = _const(tf, [T, B, D])
  seq = v1.constant([4, 2, 3], dtype="int32")
  inputs_ta = v1.TensorArray(dtype="float32", size=T).unstack(x)
  cell = api.BasicLSTMCell(4)

  def loop_fn(time, cell_output, cell_state, loop_state):
    del loop_state
    if cell_output is None:
      next_state = cell.zero_state(B, "float32")
    else:
      next_state = cell_state
    finished = time >= seq
    next_input = v1.cond(v1.reduce_all(finished),
                         lambda: v1.zeros([B, D], dtype="float32"),
                         lambda: inputs_ta.read(time))
    return finished, next_input, next_state, cell_output, None

  outputs_ta, state, _ = v1.nn.raw_rnn(cell, loop_fn)
  return dict(outputs=(outputs_ta.stack(), state), inputs={"x": x})


# ---------------------------------------------------------------------------
# Fused LSTM kernels.


@case("all")
def case_lstm_block_cell(tf, api):
  x = _const(tf, [B, T, D])
  outputs, state = _dyn(tf, api.LSTMBlockCell(4), x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_lstm_block_cell_peephole_clip(tf, api):
  x = _const(tf, [B, T, D], scale=1.5)
  cell = api.LSTMBlockCell(4, forget_bias=0.5, cell_clip=0.4,
                           use_peephole=True)
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_lstm_block_fused_sequence_length(tf, api):
  x = _const(tf, [T, B, D])
  seq = tf.compat.v1.constant([4, 2, 3], dtype="int32")
  cell = api.LSTMBlockFusedCell(4)
  outputs, state = cell(x, dtype=tf.compat.v1.float32, sequence_length=seq)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_lstm_block_fused_peephole(tf, api):
  """An initial state, peepholes and cell clipping. (TF 1.15's Layer input
  check rejects the list inputs its docstring allows, so a tensor here.)"""
  x = _const(tf, [T, B, D], scale=1.5)
  c0 = _const(tf, [B, 4], offset=0.5, name="c0", scale=0.5)
  h0 = _const(tf, [B, 4], offset=1.5, name="h0", scale=0.5)
  cell = api.LSTMBlockFusedCell(4, use_peephole=True, cell_clip=0.5,
                                forget_bias=0.8)
  outputs, state = cell(x, initial_state=(c0, h0))
  return dict(outputs=(outputs, state),
              inputs={"x": x, "c0": c0, "h0": h0})


# ---------------------------------------------------------------------------
# Wrappers.


@case("all")
def case_dropout(tf, api):
  """Graph seed + op seed, dropout on inputs, state and outputs.

  ``parallel_iterations=1``: with TF1's default of 32, the while loop may run
  a later step's input-dropout op before an earlier step's, so which mask a
  step gets varies from run to run, in TF 1.15 itself.
  """
  x = _const(tf, [B, T, D])
  cell = api.DropoutWrapper(api.BasicLSTMCell(4), input_keep_prob=0.8,
                            output_keep_prob=0.7, state_keep_prob=0.6,
                            seed=5)
  outputs, state = _dyn(tf, cell, x, parallel_iterations=1)
  return dict(outputs=(outputs, state), inputs={"x": x}, runs=3)


@case("all")
def case_dropout_variational(tf, api):
  x = _const(tf, [B, T, D])
  cell = api.DropoutWrapper(api.GRUCell(4), input_keep_prob=0.7,
                            output_keep_prob=0.8, state_keep_prob=0.75,
                            variational_recurrent=True, input_size=D,
                            dtype="float32", seed=11)
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x}, runs=3)


@case("all")
def case_dropout_variational_lstm(tf, api):
  """Variational dropout over an LSTMStateTuple (only ``h`` is dropped)."""
  x = _const(tf, [B, T, D])
  cell = api.DropoutWrapper(api.BasicLSTMCell(4), output_keep_prob=0.6,
                            state_keep_prob=0.5, variational_recurrent=True,
                            dtype="float32", seed=3)
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_dropout_static(tf, api):
  x = _const(tf, [B, T, D])
  cell = api.DropoutWrapper(api.GRUCell(4), input_keep_prob=0.6,
                            output_keep_prob=0.5, seed=9)
  outputs, state = tf.compat.v1.nn.static_rnn(
      cell, tf.compat.v1.unstack(x, axis=1), dtype="float32")
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_dropout_multi(tf, api):
  """The PTB pattern: a MultiRNNCell of seeded DropoutWrapper(LSTM)s."""
  x = _const(tf, [B, T, D])
  cells = [api.DropoutWrapper(api.BasicLSTMCell(4), output_keep_prob=0.6,
                              seed=s) for s in (3, 4)]
  outputs, state = _dyn(tf, api.MultiRNNCell(cells), x,
                        parallel_iterations=1)
  return dict(outputs=(outputs, state), inputs={"x": x}, runs=3)


@case("all")
def case_dropout_state_filter(tf, api):
  """A custom state filter that skips a whole LSTMStateTuple: the seed index
  of the GRU state after it counts that tuple as one entry (TF1's
  shallow-structure enumeration), not two."""
  x = _const(tf, [B, T, D])
  cell = api.DropoutWrapper(
      api.MultiRNNCell([api.BasicLSTMCell(3), api.GRUCell(3)]),
      state_keep_prob=0.5, output_keep_prob=0.7, seed=7,
      dropout_state_filter_visitor=(
          lambda s: not isinstance(s, api.LSTMStateTuple)))
  outputs, state = _dyn(tf, cell, x, parallel_iterations=1)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_dropout_tensor_keep_prob(tf, api):
  """keep_prob given as a tensor (the usual placeholder_with_default)."""
  x = _const(tf, [B, T, D])
  keep = tf.compat.v1.placeholder_with_default(
      tf.compat.v1.constant(0.7), [])
  cell = api.DropoutWrapper(api.GRUCell(4), input_keep_prob=keep,
                            output_keep_prob=keep, seed=2)
  outputs, state = _dyn(tf, cell, x, parallel_iterations=1)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_residual(tf, api):
  x = _const(tf, [B, T, 3])
  outputs, state = _dyn(tf, api.ResidualWrapper(api.GRUCell(3)), x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_residual_fn(tf, api):
  x = _const(tf, [B, T, 3])
  cell = api.ResidualWrapper(api.BasicRNNCell(3),
                             residual_fn=lambda i, o: 0.5 * i + o)
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_device_wrapper(tf, api):
  x = _const(tf, [B, T, D])
  cell = api.DeviceWrapper(api.BasicLSTMCell(4), "/cpu:0")
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_embedding_wrapper(tf, api):
  ids = (np.arange(B * T).reshape(T, B) * 3 % 7).astype("int32")
  inputs = [tf.compat.v1.constant(row) for row in ids]
  cell = api.EmbeddingWrapper(api.BasicLSTMCell(4), embedding_classes=7,
                              embedding_size=3)
  outputs, state = tf.compat.v1.nn.static_rnn(cell, inputs, dtype="float32")
  return dict(outputs=(outputs, state))


@case("all")
def case_input_projection(tf, api):
  x = _const(tf, [B, T, D])
  cell = api.InputProjectionWrapper(api.BasicRNNCell(4), 5,
                                    activation=tf.tanh)
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_output_projection(tf, api):
  x = _const(tf, [B, T, D])
  cell = api.OutputProjectionWrapper(api.LSTMCell(4), 2)
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x})


@case("all")
def case_nested_projections(tf, api):
  x = _const(tf, [B, T, D])
  cell = api.InputProjectionWrapper(
      api.OutputProjectionWrapper(api.GRUCell(3), 2, activation=tf.tanh), 4)
  outputs, state = _dyn(tf, cell, x)
  return dict(outputs=(outputs, state), inputs={"x": x})


# ---------------------------------------------------------------------------
# dense, scopes and direct cell calls.


@case("all")
def case_dense_rank2(tf, api):
  x = _const(tf, [B, 5])
  h = api.dense(x, 4, activation=tf.tanh)           # dense
  y = api.dense(h, 2)                               # dense_1
  logits = api.dense(y, 3, name="logits")
  again = api.dense(h[:, :2] * 2.0, 3, name="logits", reuse=True)
  return dict(outputs=(h, y, logits, again), inputs={"x": x})


@case("not_bias")
def case_dense_rank3(tf, api):
  x = _const(tf, [B, T, 5])
  with tf.compat.v1.variable_scope("proj"):
    y = api.dense(x, 3)
  layer = api.Dense(2, use_bias=False, activation=tf.nn.relu)
  z1 = layer(y)
  z2 = layer(y * 0.5)
  return dict(outputs=(y, z1, z2), inputs={"x": x})


@case("all")
def case_two_unnamed_cells(tf, api):
  """Two unnamed cells in one scope: basic_lstm_cell, basic_lstm_cell_1."""
  x = _const(tf, [T, B, D])
  with tf.compat.v1.variable_scope("pair"):
    a = api.BasicLSTMCell(4)
    b = api.BasicLSTMCell(4)
    state = a.zero_state(B, "float32")
    o1, s1 = a(x[0], state)
    o2, s2 = b(o1, s1)
    o3, s3 = a(x[1], s2)  # reuses a's variables
  return dict(outputs=(o1, o2, o3, s3), inputs={"x": x})


@case("all")
def case_reuse(tf, api):
  """Sharing through ``variable_scope(reuse=True)`` and ``reuse=`` (the PTB
  model's train/valid pattern), and ``AUTO_REUSE``."""
  v1 = tf.compat.v1
  x = _const(tf, [B, T, D])
  with v1.variable_scope("model"):
    o1, _ = _dyn(tf, api.BasicLSTMCell(4), x)
    d1 = api.dense(o1, 2)
  with v1.variable_scope("model", reuse=True):
    cell = api.BasicLSTMCell(4, reuse=v1.get_variable_scope().reuse)
    o2, s2 = _dyn(tf, cell, x * 0.5)
    d2 = api.dense(o2, 2)
  for scale in (1.0, 2.0):
    with v1.variable_scope("auto", reuse=v1.AUTO_REUSE):
      g, _ = _dyn(tf, api.GRUCell(3), x * scale)
  return dict(outputs=(o1, d1, o2, s2, d2, g), inputs={"x": x})


@case("none")
def case_scope_initializer(tf, api):
  """A variable scope's (seeded) initializer reaches cell kernels, an
  EmbeddingWrapper's embedding and dense kernels, as TF1 models relied on."""
  v1 = tf.compat.v1
  init = v1.random_uniform_initializer(-0.4, 0.4, seed=3)
  ids = (np.arange(B * T).reshape(T, B) * 5 % 7).astype("int32")
  with v1.variable_scope("model", initializer=init):
    cell = api.EmbeddingWrapper(api.BasicLSTMCell(4), embedding_classes=7,
                                embedding_size=3)
    outputs, state = tf.compat.v1.nn.static_rnn(
        cell, [v1.constant(row) for row in ids], dtype="float32")
    logits = api.dense(outputs[-1], 5)
  return dict(outputs=(outputs, state, logits))


@case("all")
def case_cell_scope_argument(tf, api):
  x = _const(tf, [T, B, D])
  cell = api.BasicLSTMCell(4)
  gru = api.GRUCell(3, name="my_gru")
  state = cell.zero_state(B, "float32")
  o1, s1 = cell(x[0], state, scope="my_cell")
  o2, s2 = cell(x[1], s1, scope="my_cell")
  g, _ = gru(o2, gru.zero_state(B, "float32"))
  with tf.compat.v1.variable_scope("outer"):
    g2, _ = api.GRUCell(3)(x[2], g)
  return dict(outputs=(o1, o2, s2, g, g2), inputs={"x": x})
