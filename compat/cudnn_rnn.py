"""``tf.contrib.cudnn_rnn`` on CPU: ``CudnnLSTM``, ``CudnnGRU``,
``CudnnRNNTanh``, ``CudnnRNNRelu`` and the ``CudnnCompatible*`` cells.

cuDNN runs on GPUs only, so the layers here compute the same recurrences with
the CudnnCompatible cells under ``dynamic_rnn``: time-major input by default,
``num_layers`` stacked layers, unidirectional or bidirectional (the backward
direction reads each sequence reversed within its length, like
``bidirectional_dynamic_rnn``).

Checkpoints. TF 1.15's cuDNN layer held one variable, ``<layer>/opaque_kernel``
(cuDNN's opaque buffer), and registered a saveable that made ``Saver`` write,
beside it, the *canonical* weights under the names of the equivalent stack of
CudnnCompatible cells, e.g. (unidirectional)
``<layer>/rnn/multi_rnn_cell/cell_0/cudnn_compatible_lstm_cell/kernel|bias``
or (bidirectional)
``<layer>/stack_bidirectional_rnn/cell_0/bidirectional_rnn/fw/...``. The layers
here *are* that stack, so their variables carry exactly those names and a
``tf.compat.v1.train.Saver`` restores a TF1 checkpoint by name. A checkpoint
holding only the opaque buffer is read with ``restore_opaque`` (or the
buffer converted with ``opaque_to_canonical``), using the layout TF1
documented for the buffer: every layer's weights (per layer, forward then
backward, input matrices then recurrent matrices, each ``[num_units, width]``
row-major, cuDNN's gate order: LSTM i, f, c, o; GRU r, z, h), then every
bias vector in the same order. cuDNN's two bias vectors per gate are summed
in the canonical LSTM/RNN bias (and halved back when writing a buffer).
"""

import numpy as np
import tensorflow as tf

from compat.base import Layer
from compat.fused import LSTMBlockCell
from compat.rnn_cell import GRUCell, BasicRNNCell, LSTMStateTuple

v1 = tf.compat.v1

CUDNN_LSTM = "lstm"
CUDNN_GRU = "gru"
CUDNN_RNN_TANH = "rnn_tanh"
CUDNN_RNN_RELU = "rnn_relu"
CUDNN_INPUT_LINEAR_MODE = "linear_input"
CUDNN_INPUT_SKIP_MODE = "skip_input"
CUDNN_INPUT_AUTO_MODE = "auto_select"
CUDNN_RNN_UNIDIRECTION = "unidirectional"
CUDNN_RNN_BIDIRECTION = "bidirectional"


class CudnnCompatibleLSTMCell(LSTMBlockCell):
  """``LSTMBlockCell`` with ``forget_bias=0``, no clip and no peepholes,
  named ``cudnn_compatible_lstm_cell``: reads ``CudnnLSTM``'s weights."""

  def __init__(self, num_units, reuse=None):
    super(CudnnCompatibleLSTMCell, self).__init__(
        num_units, forget_bias=0., cell_clip=None, use_peephole=False,
        reuse=reuse, name="cudnn_compatible_lstm_cell")


class CudnnCompatibleGRUCell(GRUCell):
  """cuDNN's GRU: the reset gate multiplies ``h @ R_h + b_Rh`` (after the
  recurrent matmul), with separate input/hidden candidate projections.

  Variables ``gates/kernel [in+units, 2*units]`` (blocks r, u),
  ``gates/bias`` (ones), ``candidate/input_projection/kernel|bias`` and
  ``candidate/hidden_projection/kernel|bias`` (biases zero).
  """

  _default_name = "cudnn_compatible_gru_cell"

  def __init__(self, num_units, reuse=None, kernel_initializer=None):
    super(CudnnCompatibleGRUCell, self).__init__(
        num_units, reuse=reuse, kernel_initializer=kernel_initializer)

  def build(self, inputs_shape):
    depth = inputs_shape[-1]
    if depth is None:
      raise ValueError("Expected inputs.shape[-1] to be known, saw shape: %s"
                       % inputs_shape)
    units = self._num_units
    init = self._kernel_initializer
    # The cuDNN layer sets both (its gate bias is a sum of two cuDNN biases).
    gate_init = getattr(self, "_gate_bias_init", None)
    zeros = (getattr(self, "_candidate_bias_init", None) or
             self._bias_initializer or v1.zeros_initializer())
    self._gate_kernel = self.add_variable(
        "gates/kernel", [depth + units, 2 * units], initializer=init)
    self._gate_bias = self.add_variable(
        "gates/bias", [2 * units],
        initializer=(gate_init or self._bias_initializer or
                     v1.constant_initializer(1.0)))
    self._input_kernel = self.add_variable(
        "candidate/input_projection/kernel", [depth, units], initializer=init)
    self._hidden_kernel = self.add_variable(
        "candidate/hidden_projection/kernel", [units, units],
        initializer=init)
    self._input_bias = self.add_variable(
        "candidate/input_projection/bias", [units], initializer=zeros)
    self._hidden_bias = self.add_variable(
        "candidate/hidden_projection/bias", [units], initializer=zeros)

  def call(self, inputs, state):
    gates = tf.nn.bias_add(
        tf.matmul(tf.concat([inputs, state], 1), self._gate_kernel),
        self._gate_bias)
    r, u = tf.split(tf.sigmoid(gates), num_or_size_splits=2, axis=1)
    candidate = tf.nn.bias_add(tf.matmul(inputs, self._input_kernel),
                               self._input_bias)
    candidate += r * tf.nn.bias_add(tf.matmul(state, self._hidden_kernel),
                                    self._hidden_bias)
    candidate = self._activation(candidate)
    new_h = (1 - u) * candidate + u * state
    return new_h, new_h


# ---------------------------------------------------------------------------
# Canonical weights <-> cuDNN canonical matrices <-> opaque buffer (NumPy).

# Per rnn mode: (gates, canonical variables of one cell as (suffix, kind)).
_SPECS = {
    CUDNN_LSTM: (4, ("kernel", "bias")),
    CUDNN_GRU: (3, ("gates/kernel", "candidate/input_projection/kernel",
                    "candidate/hidden_projection/kernel", "gates/bias",
                    "candidate/input_projection/bias",
                    "candidate/hidden_projection/bias")),
    CUDNN_RNN_TANH: (1, ("kernel", "bias")),
    CUDNN_RNN_RELU: (1, ("kernel", "bias")),
}
_CELL_NAMES = {CUDNN_LSTM: "cudnn_compatible_lstm_cell",
               CUDNN_GRU: "cudnn_compatible_gru_cell",
               CUDNN_RNN_TANH: "basic_rnn_cell",
               CUDNN_RNN_RELU: "basic_rnn_cell"}


def canonical_prefixes(num_layers, direction):
  """Per (layer, direction) the scope TF1's saveable named the cell by."""
  out = []
  for layer in range(num_layers):
    if direction == CUDNN_RNN_UNIDIRECTION:
      out.append("rnn/multi_rnn_cell/cell_%d" % layer)
    else:
      for d in ("fw", "bw"):
        out.append("stack_bidirectional_rnn/cell_%d/bidirectional_rnn/%s"
                   % (layer, d))
  return out


def canonical_names(rnn_mode, num_layers, direction):
  """The canonical variable names (relative to the layer's scope), weights
  of every cell first, then biases: the order TF1's saveable used."""
  suffixes = _SPECS[rnn_mode][1]
  half = len(suffixes) // 2
  cell = _CELL_NAMES[rnn_mode]
  prefixes = canonical_prefixes(num_layers, direction)
  weights = ["%s/%s/%s" % (p, cell, s) for p in prefixes
             for s in suffixes[:half]]
  biases = ["%s/%s/%s" % (p, cell, s) for p in prefixes
            for s in suffixes[half:]]
  return weights + biases


def _input_widths(num_layers, num_units, input_size, direction):
  dirs = 1 if direction == CUDNN_RNN_UNIDIRECTION else 2
  return [input_size if layer == 0 else num_units * dirs
          for layer in range(num_layers) for _ in range(dirs)]


def _cell_to_cu(rnn_mode, weights, biases, width, units):
  """One cell's canonical arrays -> cuDNN matrices ``[units, w]`` and bias
  vectors, in cuDNN's order (input matrices of every gate, then recurrent)."""
  if rnn_mode == CUDNN_GRU:
    gates_k, input_k, hidden_k = weights
    gates_b, input_b, hidden_b = biases
    wt = gates_k.T  # [2u, width+u]: rows r then z
    w_r, w_z = wt[:units, :width], wt[units:, :width]
    r_r, r_z = wt[:units, width:], wt[units:, width:]
    mats = [w_r, w_z, input_k.T, r_r, r_z, hidden_k.T]
    half = gates_b * 0.5
    vecs = [half[:units], half[units:], input_b,
            half[:units], half[units:], hidden_b]
    return mats, vecs
  kernel, = weights
  bias, = biases
  wt = kernel.T
  gates = _SPECS[rnn_mode][0]
  blocks = [wt[g * units:(g + 1) * units] for g in range(gates)]
  bias_blocks = [bias[g * units:(g + 1) * units] for g in range(gates)]
  if rnn_mode == CUDNN_LSTM:  # canonical i, c, f, o -> cuDNN i, f, c, o
    order = [0, 2, 1, 3]
    blocks = [blocks[k] for k in order]
    bias_blocks = [bias_blocks[k] for k in order]
  mats = [b[:, :width] for b in blocks] + [b[:, width:] for b in blocks]
  vecs = [b * 0.5 for b in bias_blocks] * 2
  return mats, vecs


def _cu_to_cell(rnn_mode, mats, vecs, width, units):
  """Inverse of ``_cell_to_cu``; cuDNN's bias pairs are summed."""
  if rnn_mode == CUDNN_GRU:
    w_r, w_z, w_h, r_r, r_z, r_h = mats
    b_wr, b_wz, b_wh, b_rr, b_rz, b_rh = vecs
    gates_k = np.concatenate([np.concatenate([w_r, r_r], 1),
                              np.concatenate([w_z, r_z], 1)], 0).T
    gates_b = np.concatenate([b_wr, b_wz]) + np.concatenate([b_rr, b_rz])
    return [gates_k, w_h.T, r_h.T], [gates_b, b_wh, b_rh]
  gates = _SPECS[rnn_mode][0]
  blocks = [np.concatenate([mats[g], mats[gates + g]], 1)
            for g in range(gates)]
  bias_blocks = [vecs[g] + vecs[gates + g] for g in range(gates)]
  if rnn_mode == CUDNN_LSTM:  # cuDNN i, f, c, o -> canonical i, c, f, o
    order = [0, 2, 1, 3]
    blocks = [blocks[k] for k in order]
    bias_blocks = [bias_blocks[k] for k in order]
  return [np.concatenate(blocks, 0).T], [np.concatenate(bias_blocks)]


def canonical_to_cu(rnn_mode, num_layers, num_units, input_size, direction,
                    canonical):
  """Canonical arrays (``canonical_names`` order) -> ``(cu_weights,
  cu_biases)``: cuDNN's per-gate matrices and vectors."""
  widths = _input_widths(num_layers, num_units, input_size, direction)
  per = len(_SPECS[rnn_mode][1]) // 2
  n = len(widths)
  weights, biases = canonical[:n * per], canonical[n * per:]
  cu_w, cu_b = [], []
  for k, width in enumerate(widths):
    mats, vecs = _cell_to_cu(rnn_mode, weights[k * per:(k + 1) * per],
                             biases[k * per:(k + 1) * per], width, num_units)
    cu_w.extend(mats)
    cu_b.extend(vecs)
  return cu_w, cu_b


def opaque_size(rnn_mode, num_layers, num_units, input_size, direction):
  """Number of values in the documented opaque layout."""
  gates = _SPECS[rnn_mode][0]
  widths = _input_widths(num_layers, num_units, input_size, direction)
  return sum(gates * num_units * (w + num_units) + 2 * gates * num_units
             for w in widths)


def canonical_to_opaque(rnn_mode, num_layers, num_units, input_size,
                        direction, canonical):
  """Canonical arrays -> one flat buffer (all weights, then all biases)."""
  cu_w, cu_b = canonical_to_cu(rnn_mode, num_layers, num_units, input_size,
                               direction, [np.asarray(a) for a in canonical])
  return np.concatenate([m.reshape(-1) for m in cu_w] +
                        [b.reshape(-1) for b in cu_b])


def opaque_to_canonical(rnn_mode, num_layers, num_units, input_size,
                        direction, opaque):
  """A flat opaque buffer in the documented layout -> canonical arrays in
  ``canonical_names`` order. Raises ValueError (one line, with the way out)
  when the buffer's size does not fit that layout."""
  opaque = np.asarray(opaque).reshape(-1)
  expected = opaque_size(rnn_mode, num_layers, num_units, input_size,
                         direction)
  if opaque.size != expected:
    raise ValueError(
        "cuDNN opaque buffer has %d values but the documented canonical "
        "layout of a %d-layer %s %s (num_units=%d, input_size=%d) has %d: it "
        "was written in a layout only cuDNN on a GPU can read; restore the "
        "canonical names TF1's Saver wrote beside it (a plain Saver does), or "
        "on a GPU with TF 1.x save it again through CudnnOpaqueParamsSaveable"
        % (opaque.size, num_layers, direction, rnn_mode, num_units,
           input_size, expected))
  gates = _SPECS[rnn_mode][0]
  widths = _input_widths(num_layers, num_units, input_size, direction)
  offset = 0
  mats = []
  for width in widths:
    for shape in [(num_units, width)] * gates + [(num_units, num_units)] * gates:
      size = shape[0] * shape[1]
      mats.append(opaque[offset:offset + size].reshape(shape))
      offset += size
  vecs = []
  for _ in range(len(widths) * 2 * gates):
    vecs.append(opaque[offset:offset + num_units])
    offset += num_units
  weights, biases = [], []
  per = 2 * gates
  for k, width in enumerate(widths):
    w, b = _cu_to_cell(rnn_mode, mats[k * per:(k + 1) * per],
                       vecs[k * per:(k + 1) * per], width, num_units)
    weights.extend(w)
    biases.extend(b)
  return weights + biases


# ---------------------------------------------------------------------------
# The layers.


class _PerGateInitializer(object):
  """TF1 initialised each cuDNN matrix ``[units, width]`` on its own; this
  builds a canonical kernel ``[rows, cols]`` from such blocks."""

  def __init__(self, init, units, width):
    self._init, self._units, self._width = init, units, width

  def __call__(self, shape, dtype=None, partition_info=None):
    del partition_info
    rows, cols = shape
    row_parts = ([self._width, self._units]
                 if rows == self._width + self._units else [rows])
    columns = []
    for _ in range(cols // self._units):
      columns.append(tf.concat(
          [tf.transpose(self._init([self._units, r], dtype=dtype))
           for r in row_parts], 0))
    return tf.concat(columns, 1)


class _CudnnRNN(Layer):
  """Shared machinery of the four layers."""

  _rnn_mode = None
  _num_states = 1

  def __init__(self, num_layers, num_units, input_mode=CUDNN_INPUT_LINEAR_MODE,
               direction=CUDNN_RNN_UNIDIRECTION, dropout=0., seed=None,
               dtype=tf.float32, kernel_initializer=None,
               bias_initializer=None, name=None):
    super(_CudnnRNN, self).__init__(name=name, dtype=dtype)
    if direction not in (CUDNN_RNN_UNIDIRECTION, CUDNN_RNN_BIDIRECTION):
      raise ValueError("Invalid direction: %s, expecting %s or %s" %
                       (direction, CUDNN_RNN_UNIDIRECTION,
                        CUDNN_RNN_BIDIRECTION))
    if input_mode not in (CUDNN_INPUT_LINEAR_MODE, CUDNN_INPUT_SKIP_MODE,
                          CUDNN_INPUT_AUTO_MODE):
      raise ValueError("Invalid input_mode: %s" % input_mode)
    self._num_layers = num_layers
    self._num_units = num_units
    self._input_mode = input_mode
    self._direction = direction
    self._dropout = dropout
    self._seed = seed
    self._kernel_initializer = kernel_initializer
    self._bias_initializer = bias_initializer
    self._input_size = None
    self._cells = []

  num_layers = property(lambda self: self._num_layers)
  num_units = property(lambda self: self._num_units)
  input_mode = property(lambda self: self._input_mode)
  direction = property(lambda self: self._direction)
  rnn_mode = property(lambda self: self._rnn_mode)

  @property
  def num_dirs(self):
    return 1 if self._direction == CUDNN_RNN_UNIDIRECTION else 2

  @property
  def input_size(self):
    if not self._input_size:
      raise ValueError("'input_size' is unknown since layer has not been "
                       "built.")
    return self._input_size

  def state_shape(self, batch_size):
    return [[self._num_layers * self.num_dirs, batch_size, self._num_units]
            ] * self._num_states

  def _make_cell(self):
    raise NotImplementedError

  def canonical_names(self):
    """Full names of this layer's variables, TF1 saveable order."""
    return ["%s/%s" % (self.scope_name, n) for n in canonical_names(
        self._rnn_mode, self._num_layers, self._direction)]

  def build(self, input_shape):
    if input_shape.rank != 3:
      raise ValueError("Expecting input_shape with 3 dims, got %s" %
                       input_shape.rank)
    if input_shape[-1] is None:
      raise ValueError("The last dimension of the inputs to `CudnnRNN` "
                       "should be defined. Found `None`.")
    self._input_size = int(input_shape[-1])
    if (self._input_mode == CUDNN_INPUT_SKIP_MODE or
        (self._input_mode == CUDNN_INPUT_AUTO_MODE and
         self._input_size == self._num_units)):
      raise NotImplementedError(
          "input_mode='skip_input' (or 'auto_select' with input_size == "
          "num_units) is not supported by compat's CPU CudnnRNN; use "
          "input_mode='linear_input'")

  def _dtype_or_default(self):
    return self._dtype or tf.float32

  def __call__(self, inputs, initial_state=None, sequence_lengths=None,
               time_major=True, training=True):
    if initial_state is not None and not isinstance(initial_state, tuple):
      raise TypeError("Invalid initial_state type: %s, expecting tuple." %
                      (initial_state,))
    inputs = tf.convert_to_tensor(inputs, dtype=self._dtype_or_default())
    with self._enter_scope(None, inputs):
      return self.call(inputs, initial_state, sequence_lengths, time_major,
                       training)

  apply = __call__

  def _kernel_init(self, width):
    init = self._kernel_initializer or v1.glorot_uniform_initializer(
        seed=self._seed)
    return _PerGateInitializer(init, self._num_units, width)

  def call(self, inputs, initial_state, sequence_lengths, time_major,
           training):
    dtype = self._dtype_or_default()
    if not time_major:
      inputs = tf.transpose(inputs, [1, 0, 2])
    batch = tf.shape(inputs)[1]
    if initial_state is None:
      initial_state = tuple(tf.zeros(s, dtype) for s in
                            self.state_shape(batch))
    elif not time_major:
      initial_state = tuple(tf.transpose(s, [1, 0, 2])
                            for s in initial_state)
    if sequence_lengths is not None:
      sequence_lengths = tf.convert_to_tensor(sequence_lengths)
    prefixes = canonical_prefixes(self._num_layers, self._direction)
    widths = _input_widths(self._num_layers, self._num_units,
                           self._input_size, self._direction)
    dirs = self.num_dirs
    x = inputs
    finals = []
    for layer in range(self._num_layers):
      if layer > 0 and self._dropout and not _statically_false(training):
        x = _dropout_if(training, x, self._dropout, self._seed)
      outs = []
      for d in range(dirs):
        k = layer * dirs + d
        cell = self._make_cell()
        self._cells.append(cell)
        state = self._cell_state(initial_state, k)
        seq = x
        if d == 1:
          seq = _reverse(x, sequence_lengths)
        with v1.variable_scope(prefixes[k], initializer=self._kernel_init(
            widths[k])):
          out, final = v1.nn.dynamic_rnn(
              cell, seq, sequence_length=sequence_lengths,
              initial_state=state, time_major=True, dtype=dtype,
              scope=v1.get_variable_scope())
        self._variables.extend(cell.variables)
        if d == 1:
          out = _reverse(out, sequence_lengths)
        outs.append(out)
        finals.append(final)
      x = outs[0] if dirs == 1 else tf.concat(outs, 2)
    outputs = x if time_major else tf.transpose(x, [1, 0, 2])
    states = self._stack_states(finals)
    if not time_major:
      states = tuple(tf.transpose(s, [1, 0, 2]) for s in states)
    return outputs, states

  def _cell_state(self, initial_state, k):
    h = initial_state[0][k]
    if self._num_states == 2:
      return LSTMStateTuple(initial_state[1][k], h)
    return h

  def _stack_states(self, finals):
    if self._num_states == 2:
      return (tf.stack([f.h for f in finals]), tf.stack([f.c for f in finals]))
    return (tf.stack(finals),)

  # -- checkpoints ---------------------------------------------------------

  def restore_opaque(self, sess, opaque):
    """Assign this (built) layer's variables from a cuDNN opaque buffer:
    a NumPy array, or a checkpoint path whose ``<scope>/opaque_kernel``
    holds it."""
    if isinstance(opaque, str):
      reader = tf.train.load_checkpoint(opaque)
      key = "%s/opaque_kernel" % self.scope_name
      if not reader.has_tensor(key):
        raise ValueError("%s has no variable %s (its variables: %s); pass "
                         "the buffer as an array instead" %
                         (opaque, key, sorted(reader.get_variable_to_shape_map())[:8]))
      opaque = reader.get_tensor(key)
    values = opaque_to_canonical(self._rnn_mode, self._num_layers,
                                 self._num_units, self.input_size,
                                 self._direction, opaque)
    by_name = {v.op.name: v for v in self.variables}
    for name, value in zip(self.canonical_names(), values):
      by_name[name].load(value, sess)

  def opaque_params(self, sess):
    """This layer's weights as a buffer in the documented opaque layout."""
    by_name = {v.op.name: v for v in self.variables}
    values = sess.run([by_name[n] for n in self.canonical_names()])
    return canonical_to_opaque(self._rnn_mode, self._num_layers,
                               self._num_units, self.input_size,
                               self._direction, values)


def _statically_false(training):
  if isinstance(training, (bool, int)):
    return not training
  value = tf.get_static_value(training)
  return value is not None and not bool(value)


def _dropout_if(training, x, rate, seed):
  def drop():
    return tf.nn.dropout(x, rate=rate, seed=seed)
  if isinstance(training, (bool, int)):
    return drop()
  return tf.cond(tf.convert_to_tensor(training), drop, lambda: x)


def _reverse(x, lengths):
  if lengths is None:
    return tf.reverse(x, [0])
  return tf.reverse_sequence(x, lengths, seq_axis=0, batch_axis=1)


class CudnnLSTM(_CudnnRNN):
  """cuDNN's LSTM layer (no forget bias, no peepholes), on CPU."""
  _default_name = "cudnn_lstm"
  _rnn_mode = CUDNN_LSTM
  _num_states = 2

  def _make_cell(self):
    cell = CudnnCompatibleLSTMCell(self._num_units)
    return _with_bias_init(cell, self._bias_initializer)


class CudnnGRU(_CudnnRNN):
  """cuDNN's GRU layer (reset gate after the recurrent matmul), on CPU."""
  _default_name = "cudnn_gru"
  _rnn_mode = CUDNN_GRU

  def _make_cell(self):
    cell = CudnnCompatibleGRUCell(self._num_units)
    # pylint: disable=protected-access
    cell._gate_bias_init = _summed_bias_init(self._bias_initializer)
    cell._candidate_bias_init = (self._bias_initializer or
                                 v1.zeros_initializer())
    # pylint: enable=protected-access
    return cell


class _CudnnBasicRNN(_CudnnRNN):
  _activation = None

  def _make_cell(self):
    cell = BasicRNNCell(self._num_units, activation=self._activation)
    return _with_bias_init(cell, self._bias_initializer)


class CudnnRNNTanh(_CudnnBasicRNN):
  """cuDNN's tanh RNN layer, on CPU."""
  _default_name = "cudnn_rnn_tanh"
  _rnn_mode = CUDNN_RNN_TANH
  _activation = staticmethod(tf.tanh)


class CudnnRNNRelu(_CudnnBasicRNN):
  """cuDNN's ReLU RNN layer, on CPU."""
  _default_name = "cudnn_rnn_relu"
  _rnn_mode = CUDNN_RNN_RELU
  _activation = staticmethod(tf.nn.relu)


def _summed_bias_init(bias_initializer):
  """cuDNN initialised its two bias vectors alike (zeros by default); the
  canonical bias is their sum."""
  if bias_initializer is None:
    return v1.zeros_initializer()

  def init(shape, dtype=None, partition_info=None):
    del partition_info
    return 2 * bias_initializer(shape, dtype=dtype)
  return init




def _with_bias_init(cell, bias_initializer):
  """Give ``cell``'s ``bias`` variable the layer's bias initializer (cells
  otherwise start their LSTM/RNN bias at zero, as cuDNN's default does)."""
  if bias_initializer is None:
    return cell
  init = _summed_bias_init(bias_initializer)
  add_variable = cell.add_variable

  def add(name, shape, dtype=None, initializer=None, **kwargs):
    if name == "bias":
      initializer = init
    return add_variable(name, shape, dtype=dtype, initializer=initializer,
                        **kwargs)
  cell.add_variable = add
  return cell


__all__ = ["CudnnLSTM", "CudnnGRU", "CudnnRNNTanh", "CudnnRNNRelu",
           "CudnnCompatibleLSTMCell", "CudnnCompatibleGRUCell",
           "CUDNN_LSTM", "CUDNN_GRU", "CUDNN_RNN_TANH", "CUDNN_RNN_RELU",
           "CUDNN_INPUT_LINEAR_MODE", "CUDNN_INPUT_SKIP_MODE",
           "CUDNN_INPUT_AUTO_MODE", "CUDNN_RNN_UNIDIRECTION",
           "CUDNN_RNN_BIDIRECTION"]
