"""``compat.legacy_seq2seq`` against TF 1.15's ``tf.contrib.legacy_seq2seq``.

For every function: output and state shapes, the exact TF1 variable names,
shapes and creation order, and the numbers against the NumPy equations of
``seq2seq_numpy_ref`` with every variable set to name-derived values. Then
``feed_previous`` as a tensor, ``copy.deepcopy`` of built and unbuilt cells,
``compat.install()``'s ``tf.contrib.legacy_seq2seq``, and the golden values
recorded with TF 1.15 by ``tests/golden/make_seq2seq_golden.py``.
"""

import copy
import importlib.util
import os
import types

import numpy as np
import pytest
import tensorflow as tf

import compat
from compat import legacy_seq2seq as s2s
from tests.compat import seq2seq_numpy_ref as ref

v1 = tf.compat.v1

GOLDEN_DIR = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "golden")


def _load_cases():
  spec = importlib.util.spec_from_file_location(
      "seq2seq_cases", os.path.join(GOLDEN_DIR, "seq2seq_cases.py"))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


cases = _load_cases()

B, D, U = 3, 3, 4          # batch, input depth, cell units
E, S_ENC, S_DEC = 3, 5, 6  # embedding size, encoder / decoder symbols
ENC_IDS = np.array([[1, 4, 2], [0, 3, 3], [2, 2, 4]], np.int32)  # [time][b]
DEC_IDS = np.array([[5, 0, 1], [3, 2, 4], [1, 5, 0]], np.int32)


# ---------------------------------------------------------------------------
# Helpers.


def _x(shape, offset=0.0):
  n = int(np.prod(shape))
  return (0.9 * np.sin(np.arange(n) * 0.73 + offset)).reshape(shape)


def _floats(steps, shape, offset=0.0):
  return [_x(shape, offset + 1.7 * t).astype(np.float32)
          for t in range(steps)]


def _consts(arrays):
  return [tf.constant(a) for a in arrays]


def _names():
  return [(v.op.name, v.shape.as_list()) for v in v1.global_variables()]


# Sessions without Grappler's rewrites: several times faster to start, and
# the NumPy comparisons do not depend on them (the TF1 golden comparisons run
# in default sessions).
_FAST = v1.ConfigProto()
_FAST.graph_options.rewrite_options.disable_meta_optimizer = True


def _evaluate(fetches, feeds=(None,)):
  """Initialise, give every float variable ``cases.named_values`` of its
  name, and run ``fetches`` once per feed dict. Returns ``(results, W)``,
  ``W`` the float64 weights by name for the NumPy reference."""
  weights = {}
  with v1.Session(config=_FAST) as sess:
    sess.run(v1.global_variables_initializer())
    assigns = []
    for var in v1.global_variables():
      if var.dtype.base_dtype.is_floating:
        value = cases.named_values(var.op.name, var.shape)
        assigns.append(var.assign(value))
        weights[var.op.name] = value.astype(np.float64)
    sess.run(assigns)
    results = [sess.run(fetches, feed_dict=f) for f in feeds]
  return (results if len(feeds) > 1 else results[0]), weights


def _close(actual, expected):
  actual, expected = ref.flatten(actual), ref.flatten(expected)
  assert len(actual) == len(expected)
  for a, e in zip(actual, expected):
    np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)


def _shapes(tensors):
  return [t.shape.as_list() for t in ref.flatten(tensors)]


def _gru(scope, depth, units=U):
  return [(scope + "gru_cell/gates/kernel", [depth + units, 2 * units]),
          (scope + "gru_cell/gates/bias", [2 * units]),
          (scope + "gru_cell/candidate/kernel", [depth + units, units]),
          (scope + "gru_cell/candidate/bias", [units])]


def _lstm2(scope, depth, units=U):
  out = []
  for k in range(2):
    s = scope + "multi_rnn_cell/cell_%d/basic_lstm_cell/" % k
    out += [(s + "kernel", [(depth if k == 0 else units) + units, 4 * units]),
            (s + "bias", [4 * units])]
  return out


def _cell_names(kind, scope, depth):
  return (_gru if kind == "gru" else _lstm2)(scope, depth)


def _projected(kind, scope, depth, num_out):
  s = scope + "output_projection_wrapper/"
  return _cell_names(kind, s, depth) + [(s + "kernel", [U, num_out]),
                                        (s + "bias", [num_out])]


def _make_cell(kind):
  if kind == "gru":
    return compat.GRUCell(U)
  return compat.MultiRNNCell([compat.BasicLSTMCell(U) for _ in range(2)])


def _attention_names(scope, cell_names, depth, attn, heads, query, isa,
                     out_size, cell_out=U):
  """TF1's creation order: W1/v per head, then (``initial_state_attention``)
  ``Attention_k``, the input merge, the cell, (else) ``Attention_k``, and
  ``AttnOutputProjection``."""
  names = []
  for k in range(heads):
    names += [(scope + "AttnW_%d" % k, [1, 1, attn, attn]),
              (scope + "AttnV_%d" % k, [attn])]
  queries = []
  for k in range(heads):
    queries += [(scope + "Attention_%d/kernel" % k, [query, attn]),
                (scope + "Attention_%d/bias" % k, [attn])]
  names += queries if isa else []
  names += [(scope + "kernel", [depth + heads * attn, depth]),
            (scope + "bias", [depth])]
  names += cell_names
  names += [] if isa else queries
  names += [(scope + "AttnOutputProjection/kernel",
             [cell_out + heads * attn, out_size]),
            (scope + "AttnOutputProjection/bias", [out_size])]
  return names


def _projection_arrays(num_symbols, units=U):
  w = _x([units, num_symbols], 0.3).astype(np.float32)
  b = _x([num_symbols], 1.1).astype(np.float32)
  return w, b


def _feed_value(feed_previous):
  if feed_previous == "tensor":
    pred = v1.placeholder(tf.bool, [])
    return pred, [{pred: True}, {pred: False}], [True, False]
  return feed_previous, [None], [feed_previous]


# ---------------------------------------------------------------------------
# rnn_decoder, basic and tied seq2seq.


def test_rnn_decoder():
  xs = _floats(3, [B, D])
  h0 = _x([B, U], 2.0).astype(np.float32)
  with tf.Graph().as_default():
    outputs, state = s2s.rnn_decoder(_consts(xs), tf.constant(h0),
                                     compat.GRUCell(U))
    assert _names() == _gru("rnn_decoder/", D)
    assert _shapes(outputs) == [[B, U]] * 3 and _shapes(state) == [[B, U]]
    got, W = _evaluate((outputs, state))
  want = ref.rnn_decoder(ref.make_cell("gru", W, "rnn_decoder/"), xs, h0)
  _close(got, want)


def test_rnn_decoder_loop_function_reads_only_first_input():
  xs = _floats(3, [B, D])
  xs[1] += 100.0  # must be ignored: later steps read the loop function
  xs[2] -= 100.0
  h0 = _x([B, U], 2.0).astype(np.float32)
  seen = []

  def loop_function(prev, i):
    scope = v1.get_variable_scope()
    seen.append((i, scope.name, scope.reuse))
    return prev[:, :D] * 0.5

  with tf.Graph().as_default():
    outputs, state = s2s.rnn_decoder(_consts(xs), tf.constant(h0),
                                     compat.GRUCell(U), loop_function,
                                     scope="dec")
    assert _names() == _gru("dec/", D)
    got, W = _evaluate((outputs, state))
  assert seen == [(1, "dec/loop_function", True),
                  (2, "dec/loop_function", True)]
  want = ref.rnn_decoder(ref.make_cell("gru", W, "dec/"), xs, h0,
                         lambda prev, i: prev[:, :D] * 0.5)
  _close(got, want)


@pytest.mark.parametrize("kind", ["gru", "lstm2"])
def test_basic_rnn_seq2seq(kind):
  enc, dec = _floats(3, [B, D]), _floats(2, [B, D], 0.5)
  with tf.Graph().as_default():
    cell = _make_cell(kind)
    outputs, state = s2s.basic_rnn_seq2seq(_consts(enc), _consts(dec), cell)
    assert _names() == (_cell_names(kind, "basic_rnn_seq2seq/rnn/", D) +
                        _cell_names(kind, "basic_rnn_seq2seq/rnn_decoder/",
                                    D))
    # The caller's cell is the decoder; the encoder used a deep copy.
    assert cell.scope_name.startswith("basic_rnn_seq2seq/rnn_decoder/")
    assert _shapes(outputs) == [[B, U]] * 2
    assert _shapes(state) == [[B, U]] * (1 if kind == "gru" else 4)
    got, W = _evaluate((outputs, state))
  enc_cell = ref.make_cell(kind, W, "basic_rnn_seq2seq/rnn/")
  _, s = ref.run_rnn(enc_cell, enc, enc_cell.zero_state(B))
  want = ref.rnn_decoder(
      ref.make_cell(kind, W, "basic_rnn_seq2seq/rnn_decoder/"), dec, s)
  _close(got, want)


@pytest.mark.parametrize("scope,loop", [(None, False), ("my_tied", True)])
def test_tied_rnn_seq2seq(scope, loop):
  enc, dec = _floats(3, [B, D]), _floats(3, [B, D], 0.5)
  loop_function = (lambda prev, i: tf.tanh(prev[:, :D])) if loop else None
  with tf.Graph().as_default():
    outputs, state = s2s.tied_rnn_seq2seq(_consts(enc), _consts(dec),
                                          compat.GRUCell(U),
                                          loop_function=loop_function,
                                          scope=scope)
    prefix = "combined_tied_rnn_seq2seq/%s/" % (scope or "tied_rnn_seq2seq")
    assert _names() == _gru(prefix, D)  # one set, shared
    assert _shapes(outputs) == [[B, U]] * 3
    got, W = _evaluate((outputs, state))
  cell = ref.make_cell("gru", W, prefix)
  _, s = ref.run_rnn(cell, enc, cell.zero_state(B))
  want = ref.rnn_decoder(cell, dec, s, (lambda prev, i: np.tanh(prev[:, :D]))
                         if loop else None)
  _close(got, want)


# ---------------------------------------------------------------------------
# Embedding decoders and seq2seq without attention.


@pytest.mark.parametrize("feed_previous", [False, True])
def test_embedding_rnn_decoder(feed_previous):
  h0 = _x([B, U], 2.0).astype(np.float32)
  w, b = _projection_arrays(S_DEC)
  with tf.Graph().as_default():
    outputs, state = s2s.embedding_rnn_decoder(
        _consts(DEC_IDS), tf.constant(h0), compat.GRUCell(U), S_DEC, E,
        output_projection=(w, b), feed_previous=feed_previous)
    assert _names() == ([("embedding_rnn_decoder/embedding", [S_DEC, E])] +
                        _gru("embedding_rnn_decoder/rnn_decoder/", E))
    assert _shapes(outputs) == [[B, U]] * 3
    got, W = _evaluate((outputs, state))
  embedding = W["embedding_rnn_decoder/embedding"]
  loop = ref.argmax_embed(embedding, (w, b)) if feed_previous else None
  want = ref.rnn_decoder(
      ref.make_cell("gru", W, "embedding_rnn_decoder/rnn_decoder/"),
      ref.embed(embedding, DEC_IDS), h0, loop)
  _close(got, want)


@pytest.mark.parametrize("update", [True, False])
def test_update_embedding_for_previous(update):
  """Without update, the fed-back symbols give the embedding no gradient:
  only the rows of the first decoder input get one."""
  first = np.array([5, 5, 4], np.int32)  # outputs are U=4 wide: argmax < 4
  ids = [first, np.zeros(B, np.int32), np.zeros(B, np.int32)]
  with tf.Graph().as_default():
    outputs, _ = s2s.embedding_rnn_decoder(
        _consts(ids), tf.zeros([B, U]), compat.GRUCell(U), S_DEC, E,
        feed_previous=True, update_embedding_for_previous=update)
    embedding = [v for v in v1.global_variables()
                 if v.op.name == "embedding_rnn_decoder/embedding"][0]
    grad = tf.convert_to_tensor(
        v1.gradients(tf.add_n([tf.reduce_sum(o) for o in outputs]),
                     embedding)[0])
    got, _ = _evaluate(grad)
  fed_back_rows = np.abs(got[:4]).sum()
  assert np.abs(got[4:]).sum() > 0
  if update:
    assert fed_back_rows > 0
  else:
    assert fed_back_rows == 0


@pytest.mark.parametrize("kind,feed_previous,projection", [
    ("gru", False, False), ("gru", True, True), ("lstm2", False, False),
    ("gru", "tensor", True)])
def test_embedding_rnn_seq2seq(kind, feed_previous, projection):
  w, b = _projection_arrays(S_DEC)
  with tf.Graph().as_default():
    fp, feeds, flags = _feed_value(feed_previous)
    outputs, state = s2s.embedding_rnn_seq2seq(
        _consts(ENC_IDS), _consts(DEC_IDS), _make_cell(kind), S_ENC, S_DEC, E,
        output_projection=(w, b) if projection else None, feed_previous=fp)
    dscope = "embedding_rnn_seq2seq/embedding_rnn_decoder/"
    dec_names = (_cell_names(kind, dscope + "rnn_decoder/", E) if projection
                 else _projected(kind, dscope + "rnn_decoder/", E, S_DEC))
    assert _names() == (
        [("embedding_rnn_seq2seq/rnn/embedding_wrapper/embedding",
          [S_ENC, E])] +
        _cell_names(kind, "embedding_rnn_seq2seq/rnn/embedding_wrapper/", E) +
        [(dscope + "embedding", [S_DEC, E])] + dec_names)
    width = U if projection else S_DEC
    assert _shapes(outputs) == [[B, width]] * 3
    assert _shapes(state) == [[B, U]] * (1 if kind == "gru" else 4)
    if kind == "lstm2":
      assert isinstance(state[1], compat.LSTMStateTuple)
    got, W = _evaluate((outputs, state), feeds)
  got = got if len(feeds) > 1 else [got]
  for result, flag in zip(got, flags):
    want = ref.embedding_rnn_seq2seq(W, kind, ENC_IDS, DEC_IDS,
                                     (w, b) if projection else None, flag)
    _close(result, want)


@pytest.mark.parametrize("kind,feed_previous,num_decoder_symbols", [
    ("gru", False, None), ("gru", False, 7), ("gru", True, None),
    ("lstm2", "tensor", None)])
def test_embedding_tied_rnn_seq2seq(kind, feed_previous, num_decoder_symbols):
  dec_ids = DEC_IDS % S_ENC  # one embedding of S_ENC symbols for both sides
  with tf.Graph().as_default():
    fp, feeds, flags = _feed_value(feed_previous)
    outputs, state = s2s.embedding_tied_rnn_seq2seq(
        _consts(ENC_IDS), _consts(dec_ids), _make_cell(kind), S_ENC, E,
        num_decoder_symbols=num_decoder_symbols, feed_previous=fp)
    num_out = num_decoder_symbols or S_ENC
    assert _names() == (
        [("embedding_tied_rnn_seq2seq/embedding", [S_ENC, E])] +
        _projected(kind, "embedding_tied_rnn_seq2seq/"
                   "combined_tied_rnn_seq2seq/tied_rnn_seq2seq/", E, num_out))
    assert _shapes(outputs) == [[B, num_out]] * 3
    if kind == "lstm2":
      assert isinstance(state[0], compat.LSTMStateTuple)
    got, W = _evaluate((outputs, state), feeds)
  got = got if len(feeds) > 1 else [got]
  for result, flag in zip(got, flags):
    want = ref.embedding_tied_rnn_seq2seq(W, kind, ENC_IDS, dec_ids,
                                          feed_previous=flag)
    _close(result, want)


# ---------------------------------------------------------------------------
# Attention.


@pytest.mark.parametrize("kind,heads,isa,output_size", [
    ("gru", 1, False, None), ("gru", 2, False, 7), ("gru", 2, True, None),
    ("lstm2", 2, True, 5)])
def test_attention_decoder(kind, heads, isa, output_size):
  attn_len, attn = 5, 6
  xs = _floats(3, [B, D])
  states = _x([B, attn_len, attn], 0.4).astype(np.float32)
  cell_state = (_x([B, U], 2.0).astype(np.float32) if kind == "gru" else
                tuple((_x([B, U], 2.0 + k), _x([B, U], 3.0 + k))
                      for k in range(2)))
  with tf.Graph().as_default():
    init = tf.nest.map_structure(lambda a: tf.constant(a, tf.float32),
                                 cell_state)
    if kind == "lstm2":
      init = tuple(compat.LSTMStateTuple(*s) for s in init)
    outputs, state = s2s.attention_decoder(
        _consts(xs), init, tf.constant(states), _make_cell(kind),
        output_size=output_size, num_heads=heads,
        initial_state_attention=isa)
    out_size = output_size or U
    query = U if kind == "gru" else 4 * U
    assert _names() == _attention_names(
        "attention_decoder/", _cell_names(kind, "attention_decoder/", D), D,
        attn, heads, query, isa, out_size)
    assert _shapes(outputs) == [[B, out_size]] * 3
    assert _shapes(state) == _shapes(init)
    got, W = _evaluate((outputs, state))
  cell = ref.make_cell(kind, W, "attention_decoder/")
  want = ref.attention_decoder(W, "attention_decoder/", cell, xs,
                               tf.nest.map_structure(np.float64, cell_state),
                               states.astype(np.float64), heads,
                               initial_state_attention=isa)
  _close(got, want)


def test_attention_decoder_loop_function_and_unknown_length():
  """The attention length may be unknown until run time; ``loop_function``
  gets the projected output."""
  attn_len, attn = 4, 2
  xs = _floats(3, [B, D])
  states = _x([B, attn_len, attn], 0.4).astype(np.float32)
  with tf.Graph().as_default():
    placeholder = v1.placeholder(tf.float32, [None, None, attn])
    outputs, state = s2s.attention_decoder(
        _consts(xs), tf.zeros([B, U]), placeholder, compat.GRUCell(U),
        output_size=D, num_heads=2, scope="att",
        loop_function=lambda prev, i: tf.sigmoid(prev))
    assert _shapes(outputs) == [[B, D]] * 3
    got, W = _evaluate((outputs, state), [{placeholder: states}] * 2)
  cell = ref.make_cell("gru", W, "att/")
  want = ref.attention_decoder(W, "att/", cell, xs, np.zeros([B, U]),
                               states.astype(np.float64), 2,
                               loop_function=lambda prev, i: ref.sigmoid(prev))
  _close(got[0], want)


def test_attention_decoder_errors():
  with tf.Graph().as_default():
    states = tf.zeros([B, 4, 2])
    h = tf.zeros([B, U])
    with pytest.raises(ValueError, match="at least 1 input"):
      s2s.attention_decoder([], h, states, compat.GRUCell(U))
    with pytest.raises(ValueError, match="less than 1 heads"):
      s2s.attention_decoder([tf.zeros([B, D])], h, states, compat.GRUCell(U),
                            num_heads=0)
    with pytest.raises(ValueError, match="Shape\\[2\\]"):
      s2s.attention_decoder([tf.zeros([B, D])], h,
                            v1.placeholder(tf.float32, [B, 4, None]),
                            compat.GRUCell(U))


@pytest.mark.parametrize("feed_previous", [False, True])
def test_embedding_attention_decoder(feed_previous):
  attn_len, attn = 4, 5
  states = _x([B, attn_len, attn], 0.4).astype(np.float32)
  h0 = _x([B, U], 2.0).astype(np.float32)
  w, b = _projection_arrays(S_DEC)
  with tf.Graph().as_default():
    outputs, state = s2s.embedding_attention_decoder(
        _consts(DEC_IDS), tf.constant(h0), tf.constant(states),
        compat.GRUCell(U), S_DEC, E, num_heads=2, output_projection=(w, b),
        feed_previous=feed_previous)
    scope = "embedding_attention_decoder/attention_decoder/"
    assert _names() == (
        [("embedding_attention_decoder/embedding", [S_DEC, E])] +
        _attention_names(scope, _gru(scope, E), E, attn, 2, U, False, U))
    assert _shapes(outputs) == [[B, U]] * 3
    got, W = _evaluate((outputs, state))
  embedding = W["embedding_attention_decoder/embedding"]
  loop = ref.argmax_embed(embedding, (w, b)) if feed_previous else None
  want = ref.attention_decoder(W, scope, ref.make_cell("gru", W, scope),
                               ref.embed(embedding, DEC_IDS), h0,
                               states.astype(np.float64), 2, loop)
  _close(got, want)


def test_embedding_attention_seq2seq_tf1_names():
  """TF 1.15's variables for a 2-layer BasicLSTMCell, feed_previous tensor
  (as listed by TF 1.15 itself)."""
  with tf.Graph().as_default():
    s2s.embedding_attention_seq2seq(
        _consts(ENC_IDS), _consts(DEC_IDS),
        compat.MultiRNNCell([compat.BasicLSTMCell(4) for _ in range(2)]),
        5, 6, 3, feed_previous=tf.constant(True))
    names = _names()
  s, d = "embedding_attention_seq2seq/", "embedding_attention_decoder/"
  a = s + d + "attention_decoder/"
  enc = s + "rnn/embedding_wrapper/multi_rnn_cell/"
  dec = a + "output_projection_wrapper/multi_rnn_cell/"
  assert names == [
      (s + "rnn/embedding_wrapper/embedding", [5, 3]),
      (enc + "cell_0/basic_lstm_cell/kernel", [7, 16]),
      (enc + "cell_0/basic_lstm_cell/bias", [16]),
      (enc + "cell_1/basic_lstm_cell/kernel", [8, 16]),
      (enc + "cell_1/basic_lstm_cell/bias", [16]),
      (s + d + "embedding", [6, 3]),
      (a + "AttnW_0", [1, 1, 4, 4]),
      (a + "AttnV_0", [4]),
      (a + "kernel", [7, 3]),
      (a + "bias", [3]),
      (dec + "cell_0/basic_lstm_cell/kernel", [7, 16]),
      (dec + "cell_0/basic_lstm_cell/bias", [16]),
      (dec + "cell_1/basic_lstm_cell/kernel", [8, 16]),
      (dec + "cell_1/basic_lstm_cell/bias", [16]),
      (a + "output_projection_wrapper/kernel", [4, 6]),
      (a + "output_projection_wrapper/bias", [6]),
      (a + "Attention_0/kernel", [16, 4]),
      (a + "Attention_0/bias", [4]),
      (a + "AttnOutputProjection/kernel", [10, 6]),
      (a + "AttnOutputProjection/bias", [6]),
  ]


@pytest.mark.parametrize("kind,heads,projection,feed_previous,isa", [
    ("gru", 1, False, False, False), ("gru", 2, True, True, False),
    ("lstm2", 2, False, "tensor", True), ("lstm2", 1, True, False, True)])
def test_embedding_attention_seq2seq(kind, heads, projection, feed_previous,
                                     isa):
  w, b = _projection_arrays(S_DEC)
  with tf.Graph().as_default():
    fp, feeds, flags = _feed_value(feed_previous)
    outputs, state = s2s.embedding_attention_seq2seq(
        _consts(ENC_IDS), _consts(DEC_IDS), _make_cell(kind), S_ENC, S_DEC, E,
        num_heads=heads, output_projection=(w, b) if projection else None,
        feed_previous=fp, initial_state_attention=isa)
    s = "embedding_attention_seq2seq/"
    a = s + "embedding_attention_decoder/attention_decoder/"
    out_size = U if projection else S_DEC
    dec_cell = (_cell_names(kind, a, E) if projection else
                _projected(kind, a, E, S_DEC))
    query = U if kind == "gru" else 4 * U
    assert _names() == (
        [(s + "rnn/embedding_wrapper/embedding", [S_ENC, E])] +
        _cell_names(kind, s + "rnn/embedding_wrapper/", E) +
        [(s + "embedding_attention_decoder/embedding", [S_DEC, E])] +
        _attention_names(a, dec_cell, E, U, heads, query, isa, out_size,
                         cell_out=out_size))
    assert _shapes(outputs) == [[B, out_size]] * 3
    assert _shapes(state) == [[B, U]] * (1 if kind == "gru" else 4)
    if kind == "lstm2":
      assert isinstance(state, tuple) and isinstance(state[0],
                                                     compat.LSTMStateTuple)
    got, W = _evaluate((outputs, state), feeds)
  got = got if len(feeds) > 1 else [got]
  for result, flag in zip(got, flags):
    want = ref.embedding_attention_seq2seq(
        W, kind, ENC_IDS, DEC_IDS, heads, (w, b) if projection else None,
        flag, isa)
    _close(result, want)


# ---------------------------------------------------------------------------
# One encoder, many decoders.


@pytest.mark.parametrize("feed_previous", [False, "tensor"])
def test_one2many_rnn_seq2seq(feed_previous):
  decoder_ids = {"a": DEC_IDS[:2], "b": DEC_IDS % 5}
  symbols = {"a": 6, "b": 7}
  with tf.Graph().as_default():
    fp, feeds, flags = _feed_value(feed_previous)
    outputs, states = s2s.one2many_rnn_seq2seq(
        _consts(ENC_IDS), {k: _consts(v) for k, v in decoder_ids.items()},
        compat.GRUCell(U), {"a": compat.GRUCell(U), "b": compat.GRUCell(U)},
        S_ENC, symbols, E, feed_previous=fp)
    s = "one2many_rnn_seq2seq/"
    expected = ([(s + "rnn/embedding_wrapper/embedding", [S_ENC, E])] +
                _gru(s + "rnn/embedding_wrapper/", E))
    for key in ("a", "b"):
      d = s + "one2many_decoder_%s/embedding_rnn_decoder/" % key
      expected += ([(d + "embedding", [symbols[key], E])] +
                   _projected("gru", d + "rnn_decoder/", E, symbols[key]))
    assert _names() == expected
    assert _shapes(outputs["a"]) == [[B, 6]] * 2
    assert _shapes(outputs["b"]) == [[B, 7]] * 3
    assert _shapes([states["a"], states["b"]]) == [[B, U]] * 2
    got, W = _evaluate((outputs, states), feeds)
  got = got if len(feeds) > 1 else [got]
  for (outs, sts), flag in zip(got, flags):
    _, enc_state = ref.embedding_encoder(W, s, "gru", ENC_IDS)
    for key in ("a", "b"):
      d = s + "one2many_decoder_%s/embedding_rnn_decoder/" % key
      embedding = W[d + "embedding"]
      want = ref.rnn_decoder(
          ref.Projected(W, d + "rnn_decoder/", "gru"),
          ref.embed(embedding, decoder_ids[key]), enc_state,
          ref.argmax_embed(embedding) if flag else None)
      _close((outs[key], sts[key]), want)


def test_one2many_rnn_seq2seq_errors():
  with tf.Graph().as_default():
    ids = _consts(ENC_IDS)
    with pytest.raises(TypeError, match="enc_cell is not an RNNCell"):
      s2s.one2many_rnn_seq2seq(ids, {"a": ids}, object(),
                               {"a": compat.GRUCell(U)}, 5, {"a": 6}, E)
    with pytest.raises(TypeError, match="dec_cell is not an RNNCell"):
      s2s.one2many_rnn_seq2seq(ids, {"a": ids}, compat.GRUCell(U),
                               {"a": object()}, 5, {"a": 6}, E)
    with pytest.raises(ValueError, match="keys of dec_cells_dict"):
      s2s.one2many_rnn_seq2seq(ids, {"a": ids}, compat.GRUCell(U),
                               {"b": compat.GRUCell(U)}, 5, {"a": 6}, E)


# ---------------------------------------------------------------------------
# Losses.


def _loss_inputs():
  logits = [_x([B, 6], 0.2 + t) * 3 for t in range(3)]
  targets = [np.array([1, 5, 0]), np.array([2, 2, 3]), np.array([4, 0, 1])]
  weights = [np.array([1.0, 1.0, 0.5]), np.array([1.0, 0.0, 1.0]),
             np.array([0.0, 0.0, 1.0])]
  return logits, targets, weights


def _tf_loss_inputs():
  logits, targets, weights = _loss_inputs()
  return ([tf.constant(l, tf.float32) for l in logits],
          [tf.constant(t, tf.int32) for t in targets],
          [tf.constant(w, tf.float32) for w in weights])


@pytest.mark.parametrize("avg_time,avg_batch", [
    (True, True), (False, True), (True, False), (False, False)])
def test_sequence_losses(avg_time, avg_batch):
  with tf.Graph().as_default():
    logits, targets, weights = _tf_loss_inputs()
    by_example = s2s.sequence_loss_by_example(
        logits, targets, weights, average_across_timesteps=avg_time)
    total = s2s.sequence_loss(logits, targets, weights,
                              average_across_timesteps=avg_time,
                              average_across_batch=avg_batch)
    assert by_example.shape.as_list() == [B] and total.shape.as_list() == []
    assert by_example.name.startswith("sequence_loss_by_example/")
    assert total.name.startswith("sequence_loss/")
    got, _ = _evaluate((by_example, total))
  logits, targets, weights = _loss_inputs()
  _close(got, (ref.sequence_loss_by_example(logits, targets, weights,
                                            avg_time),
               ref.sequence_loss(logits, targets, weights, avg_time,
                                 avg_batch)))


def test_sequence_loss_softmax_loss_function():
  calls = []

  def loss_function(labels, logits):
    calls.append(labels)
    return tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=0.5 * logits)

  with tf.Graph().as_default():
    logits, targets, weights = _tf_loss_inputs()
    total = s2s.sequence_loss(logits, targets, weights,
                              softmax_loss_function=loss_function,
                              name="my_loss")
    assert total.name.startswith("my_loss/")
    assert calls == targets  # called with keyword arguments, per step
    got, _ = _evaluate(total)
  logits, targets, weights = _loss_inputs()
  want = ref.sequence_loss(logits, targets, weights,
                           xent=lambda t, l: ref.sparse_xent(t, 0.5 * l))
  _close(got, want)


def test_sequence_loss_length_mismatch():
  with tf.Graph().as_default():
    logits, targets, weights = _tf_loss_inputs()
    with pytest.raises(ValueError, match="Lengths of logits, weights, and "
                       "targets must be the same 3, 2, 3"):
      s2s.sequence_loss_by_example(logits, targets, weights[:2])


# ---------------------------------------------------------------------------
# model_with_buckets.


BUCKETS = [(2, 2), (3, 3)]


def _bucket_inputs():
  targets = np.concatenate([DEC_IDS[1:], np.zeros((1, B), np.int32)])
  weights = np.ones((3, B), np.float32)
  weights[-1, 1] = 0.0
  return (_consts(ENC_IDS), _consts(DEC_IDS), _consts(targets),
          _consts(weights)), (targets, weights)


@pytest.mark.parametrize("per_example", [False, True])
def test_model_with_buckets(per_example):
  """One built cell for every bucket (TF1 needed a fresh copy per bucket):
  the buckets share one set of variables and each matches the NumPy model
  on its prefix of the inputs."""
  w, b = _projection_arrays(S_DEC)
  calls = []

  def loss_function(labels, logits):
    calls.append(logits.shape.as_list())
    return tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=tf.compat.v1.nn.xw_plus_b(logits, w, b))

  with tf.Graph().as_default():
    (enc, dec, targets, weights), (np_targets, np_weights) = _bucket_inputs()
    cell = compat.GRUCell(U)

    def seq2seq(e, d):
      return s2s.embedding_attention_seq2seq(
          e, d, cell, S_ENC, S_DEC, E, num_heads=2, output_projection=(w, b))

    outputs, losses = s2s.model_with_buckets(
        enc, dec, targets, weights, BUCKETS, seq2seq,
        softmax_loss_function=loss_function, per_example_loss=per_example)
    with tf.Graph().as_default():
      s2s.embedding_attention_seq2seq(
          _consts(ENC_IDS), _consts(DEC_IDS), compat.GRUCell(U), S_ENC, S_DEC,
          E, num_heads=2, output_projection=(w, b))
      single = _names()
    assert _names() == single  # every bucket reuses the first's variables
    assert [len(o) for o in outputs] == [2, 3]
    assert _shapes(outputs) == [[B, U]] * 5
    assert [l.shape.as_list() for l in losses] == [[B] if per_example
                                                   else []] * 2
    assert calls == [[B, U]] * 5
    assert losses[0].name.startswith("model_with_buckets/")
    got, W = _evaluate((outputs, losses))
  for j, (enc_len, dec_len) in enumerate(BUCKETS):
    outs, _ = ref.embedding_attention_seq2seq(
        W, "gru", ENC_IDS[:enc_len], DEC_IDS[:dec_len], 2, (w, b))
    _close(got[0][j], outs)
    loss_fn = (ref.sequence_loss_by_example if per_example else
               ref.sequence_loss)
    want = loss_fn([o @ w + b for o in outs], np_targets[:dec_len],
                   np_weights[:dec_len])
    _close(got[1][j], want)


def test_model_with_buckets_errors():
  with tf.Graph().as_default():
    (enc, dec, targets, weights), _ = _bucket_inputs()

    def never(e, d):
      raise AssertionError("not reached")

    with pytest.raises(ValueError, match="encoder_inputs \\(2\\)"):
      s2s.model_with_buckets(enc[:2], dec, targets, weights, BUCKETS, never)
    with pytest.raises(ValueError, match="targets \\(2\\)"):
      s2s.model_with_buckets(enc, dec, targets[:2], weights, BUCKETS, never)
    with pytest.raises(ValueError, match="weights \\(2\\)"):
      s2s.model_with_buckets(enc, dec, targets, weights[:2], BUCKETS, never)


# ---------------------------------------------------------------------------
# copy.deepcopy of cells.


def _call(cell, scope, depth=D):
  with v1.variable_scope(scope):
    return cell(tf.zeros([B, depth]), cell.zero_state(B, tf.float32))


@pytest.mark.parametrize("built", [False, True])
def test_deepcopy_gru_cell(built):
  with tf.Graph().as_default():
    cell = compat.GRUCell(U, activation=tf.nn.relu)
    if built:
      _call(cell, "first")
      variables = cell.variables
    clone = copy.deepcopy(cell)
    assert clone is not cell and type(clone) is compat.GRUCell
    assert not clone.built and clone.scope_name is None
    assert clone.variables == []
    assert clone._num_units == U and clone._activation is tf.nn.relu
    _call(clone, "second")
    assert [v.op.name for v in clone.variables] == [
        n for n, _ in _gru("second/", D)]
    if built:  # the original is untouched
      assert cell.built and cell.scope_name == "first/gru_cell"
      assert cell.variables == variables
      _call(cell, "elsewhere")  # still reuses its own variables
      assert len(v1.global_variables()) == 8


def test_deepcopy_built_multi_rnn_cell_and_wrappers():
  with tf.Graph().as_default():
    keep = v1.placeholder_with_default(0.5, [])
    shared = compat.BasicLSTMCell(U)
    multi = compat.MultiRNNCell([compat.DropoutWrapper(shared, keep), shared])
    wrapped = compat.OutputProjectionWrapper(multi, 6)
    out, _ = _call(wrapped, "first", depth=U)
    n_vars = len(v1.global_variables())
    clone = copy.deepcopy(wrapped)
    inner = clone._cell
    assert not clone.built and not inner.built
    # Sharing inside the structure is kept; graph tensors are not copied.
    assert inner._cells[0].cell is inner._cells[1]
    assert inner._cells[1] is not shared
    assert inner._cells[0]._input_keep_prob is keep
    out2, _ = _call(clone, "second", depth=U)
    assert out2.shape.as_list() == out.shape.as_list() == [B, 6]
    new = [v.op.name for v in v1.global_variables()[n_vars:]]
    p = "second/output_projection_wrapper/"
    assert new == [p + "multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
                   p + "multi_rnn_cell/cell_0/basic_lstm_cell/bias",
                   p + "kernel", p + "bias"]


def test_embedding_attention_seq2seq_twice_with_one_cell():
  """TF1 deep-copied the cell for the encoder, and failed on the second
  call once the cell was built; here the second call reuses by scope."""
  with tf.Graph().as_default():
    cell = compat.GRUCell(U)
    first, _ = s2s.embedding_attention_seq2seq(
        _consts(ENC_IDS), _consts(DEC_IDS), cell, S_ENC, S_DEC, E)
    names = _names()
    with v1.variable_scope(v1.get_variable_scope(), reuse=True):
      second, _ = s2s.embedding_attention_seq2seq(
          _consts(ENC_IDS), _consts(DEC_IDS), cell, S_ENC, S_DEC, E)
    assert _names() == names
    got, _ = _evaluate((first, second))
  _close(got[0], got[1])


# ---------------------------------------------------------------------------
# compat.install().


def test_install_registers_tf_contrib_legacy_seq2seq():
  compat.install()
  import tensorflow.contrib.legacy_seq2seq as installed  # pylint: disable=g-import-not-at-top
  from tensorflow.contrib import legacy_seq2seq  # pylint: disable=g-import-not-at-top
  assert installed is s2s and legacy_seq2seq is s2s
  assert tf.contrib.legacy_seq2seq is s2s
  assert tf.compat.v1.contrib.legacy_seq2seq is s2s
  with tf.Graph().as_default():
    outputs, _ = tf.contrib.legacy_seq2seq.rnn_decoder(
        _consts(_floats(2, [B, D])), tf.zeros([B, U]),
        tf.compat.v1.nn.rnn_cell.GRUCell(U))
    assert _names() == _gru("rnn_decoder/", D)
    assert _shapes(outputs) == [[B, U]] * 2


# ---------------------------------------------------------------------------
# TensorFlow 1.15's own numbers.


def _golden():
  data = np.load(os.path.join(GOLDEN_DIR, "tf1_seq2seq.npz"))
  arrays = {}
  for key in data.files:
    if "|" in key:
      name, item = key.split("|", 1)
      arrays.setdefault(name, {})[item] = data[key]
  return arrays


_GOLDEN = _golden()


def _compat_api(deepcopy=copy.deepcopy):
  return types.SimpleNamespace(
      s2s=s2s, GRUCell=compat.GRUCell, BasicLSTMCell=compat.BasicLSTMCell,
      MultiRNNCell=compat.MultiRNNCell, deepcopy=deepcopy)


def _compare_golden(name, api):
  golden = dict(_GOLDEN[name])
  meta = cases.decode_meta(golden.pop("meta"))
  arrays, ours = cases.run_case(tf, api, name)
  assert ours["variables"] == meta["variables"]
  assert ours["no_grad"] == meta["no_grad"]
  assert sorted(arrays) == sorted(golden)
  for key, want in golden.items():
    np.testing.assert_allclose(arrays[key], want, rtol=1e-5, atol=1e-6,
                               err_msg="%s: %s" % (name, key))


def test_golden_file_is_tf1s():
  data = np.load(os.path.join(GOLDEN_DIR, "tf1_seq2seq.npz"))
  assert str(data["tf_version"]).startswith("1.15")
  assert sorted(_GOLDEN) == sorted(cases.CASES)


@pytest.mark.tf1_golden
@pytest.mark.parametrize("name", list(cases.CASES))
def test_matches_tf1_golden(name):
  _compare_golden(name, _compat_api())


@pytest.mark.tf1_golden
def test_buckets_without_copying_the_cell_match_tf1():
  """Passing the one (built) cell to every bucket, which TF1 could not do,
  gives TF1's numbers for the copy-per-bucket model."""
  _compare_golden("buckets_gru_h2", _compat_api(deepcopy=lambda cell: cell))
