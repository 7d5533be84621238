"""Clear errors: wrong input rank or dtype, states of the wrong structure or
size, checkpoints whose shapes do not fit (naming the variable and both
shapes), and bad constructor arguments."""

import os

import pytest
import tensorflow as tf

import compat
from tests.compat import helpers

import make_golden  # noqa: E402  (tests/golden, on sys.path via helpers)

v1 = tf.compat.v1


@pytest.fixture(autouse=True)
def graph():
  with tf.Graph().as_default() as g:
    yield g


def _z(*shape, dtype=tf.float32):
  return tf.zeros(shape, dtype=dtype)


def _lstm_state(c=4, h=4):
  return compat.LSTMStateTuple(_z(2, c), _z(2, h))


# ---------------------------------------------------------------------------
# Inputs.


@pytest.mark.parametrize("make_cell,state", [
    (lambda: compat.BasicRNNCell(4), lambda: _z(2, 4)),
    (lambda: compat.GRUCell(4), lambda: _z(2, 4)),
    (lambda: compat.BasicLSTMCell(4), _lstm_state),
    (lambda: compat.LSTMCell(4), _lstm_state),
    (lambda: compat.LSTMBlockCell(4), _lstm_state),
])
def test_one_step_cells_reject_rank_3_inputs(make_cell, state):
  cell = make_cell()
  with pytest.raises(ValueError, match=r"expects inputs of rank 2 but got "
                     r"shape \(2, 3, 5\).*dynamic_rnn"):
    cell(_z(2, 3, 5), state())
  assert not cell.variables  # nothing was built


def test_fused_cell_rejects_rank_2_inputs_with_a_time_major_hint():
  with pytest.raises(ValueError, match=r"rank 3 but got shape \(2, 5\) "
                     r"\(\[time, batch, depth\], time-major\)"):
    compat.LSTMBlockFusedCell(4)(_z(2, 5), dtype=tf.float32)


def test_dynamic_rnn_rejects_rank_2_inputs():
  with pytest.raises(ValueError, match="rank at least 3"):
    v1.nn.dynamic_rnn(compat.GRUCell(4), _z(2, 5), dtype=tf.float32)


def test_unknown_input_depth():
  x = v1.placeholder(tf.float32, [2, None])
  with pytest.raises(ValueError, match=r"inputs.shape\[-1\] to be known.*"
                     r"gru_cell needs the input depth"):
    compat.GRUCell(4)(x, _z(2, 4))


def test_dense_rejects_rank_1_inputs():
  with pytest.raises(ValueError, match=r"rank >= 2 .* shape \(3,\)"):
    compat.dense(_z(3), 2)


def test_integer_inputs_are_refused_as_in_tf1():
  with pytest.raises(ValueError, match="only supports floating point inputs, "
                     "but saw dtype: .*int32"):
    compat.BasicLSTMCell(4)(_z(2, 3, dtype=tf.int32), _lstm_state())


# ---------------------------------------------------------------------------
# States.


def test_tuple_state_cell_given_a_single_tensor():
  with pytest.raises(ValueError, match=r"basic_lstm_cell was given a state of "
                     r"the wrong structure: expected an LSTMStateTuple .*got a "
                     r"single tensor of shape \(2, 8\)"):
    compat.BasicLSTMCell(4)(_z(2, 3), _z(2, 8))


def test_concat_state_cell_given_a_tuple():
  cell = compat.LSTMCell(4, state_is_tuple=False)
  with pytest.raises(ValueError, match=r"wrong structure: expected a single "
                     r"tensor \(state_size 8\), got \(\(2, 4\), \(2, 4\)\)"):
    cell(_z(2, 3), (_z(2, 4), _z(2, 4)))


def test_gru_given_an_lstm_state():
  with pytest.raises(ValueError, match="gru_cell was given a state of the "
                     "wrong structure"):
    compat.GRUCell(4)(_z(2, 3), _lstm_state())


def test_block_cell_given_a_single_tensor():
  with pytest.raises(ValueError, match="lstm_cell was given a state of the "
                     "wrong structure"):
    compat.LSTMBlockCell(4)(_z(2, 3), _z(2, 8))


@pytest.mark.parametrize("make_cell,state,size", [
    (lambda: compat.GRUCell(4), lambda: _z(2, 5), "4"),
    (lambda: compat.BasicLSTMCell(4), lambda: _lstm_state(4, 5),
     r"LSTMStateTuple\(c=4, h=4\)"),
    (lambda: compat.LSTMCell(4, num_proj=2), lambda: _lstm_state(4, 4),
     r"LSTMStateTuple\(c=4, h=2\)"),
])
def test_state_of_the_wrong_size(make_cell, state, size):
  with pytest.raises(ValueError, match="does not fit its state_size " + size):
    make_cell()(_z(2, 3), state())


@pytest.mark.parametrize("state", [
    lambda: (_z(2, 2),),
    lambda: _z(2, 4),
])
def test_multi_rnn_cell_state_of_the_wrong_structure(state):
  cell = compat.MultiRNNCell([compat.GRUCell(2), compat.GRUCell(2)])
  with pytest.raises(ValueError, match="Expected state to be a tuple of "
                     "length 2, but received"):
    cell(_z(2, 3), state())


def test_dynamic_rnn_initial_state_of_the_wrong_structure():
  with pytest.raises(ValueError, match="wrong structure"):
    v1.nn.dynamic_rnn(compat.BasicLSTMCell(4), _z(2, 3, 3),
                      initial_state=_z(2, 8))


def test_states_that_fit_are_accepted():
  """Guard for the checks above: the zero state and a concat state pass."""
  cell = compat.LSTMCell(4, num_proj=2, state_is_tuple=False)
  out, state = cell(_z(2, 3), cell.zero_state(2, tf.float32))
  assert state.shape.as_list() == [2, 6] and out.shape.as_list() == [2, 2]
  out, _ = compat.GRUCell(4)(_z(2, 3), v1.placeholder(tf.float32, [None, 4]))
  assert out.shape.as_list() == [2, 4]


# ---------------------------------------------------------------------------
# Checkpoints.


def test_checkpoint_shape_mismatch_names_variable_and_both_shapes():
  prefix = os.path.join(helpers.GOLDEN, "tf1_ckpt_multi_lstm")
  api = helpers.compat_api()
  api.BasicLSTMCell = lambda units: compat.BasicLSTMCell(units + 1)
  make_golden.build_multi_lstm(api, _z(2, 5, 4))
  with v1.Session() as sess:
    with pytest.raises(compat.LegacyNameError) as info:
      compat.restore_checkpoint(sess, prefix)
  message = str(info.value)
  assert "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel" in message
  assert "the graph has [11, 28]" in message
  assert "has [10, 24]" in message


def test_checkpoint_missing_variable():
  prefix = os.path.join(helpers.GOLDEN, "tf1_ckpt_multi_lstm")
  v1.nn.dynamic_rnn(compat.GRUCell(6), _z(2, 5, 4), dtype=tf.float32)
  with v1.Session() as sess:
    with pytest.raises(compat.LegacyNameError,
                       match="rnn/gru_cell/gates/kernel is not in checkpoint"):
      compat.restore_checkpoint(sess, prefix)


def test_empty_checkpoint_directory(tmp_path):
  with v1.Session() as sess:
    with pytest.raises(compat.LegacyNameError, match="no checkpoint found"):
      compat.restore_checkpoint(sess, str(tmp_path))


# ---------------------------------------------------------------------------
# Constructors.


@pytest.mark.parametrize("make,error,pattern", [
    (lambda: compat.MultiRNNCell([]), ValueError, "at least one cell"),
    (lambda: compat.MultiRNNCell(compat.GRUCell(2)), TypeError,
     "must be a list or tuple"),
    (lambda: compat.MultiRNNCell([compat.BasicLSTMCell(2)],
                                 state_is_tuple=False),
     ValueError, "state_is_tuple is not set"),
    (lambda: compat.DropoutWrapper(compat.GRUCell(2), output_keep_prob=1.5),
     ValueError, "output_keep_prob must be between 0 and 1"),
    (lambda: compat.DropoutWrapper(compat.GRUCell(2), output_keep_prob=0.5,
                                   variational_recurrent=True),
     ValueError, "dtype must be provided"),
    (lambda: compat.DropoutWrapper(compat.GRUCell(2), input_keep_prob=0.5,
                                   variational_recurrent=True,
                                   dtype=tf.float32),
     ValueError, "input_size must be provided"),
    (lambda: compat.DropoutWrapper("not a cell"), TypeError,
     "is not an RNNCell"),
    (lambda: compat.OutputProjectionWrapper(compat.GRUCell(2), 0),
     ValueError, "output_size must be > 0"),
    (lambda: compat.EmbeddingWrapper(compat.GRUCell(2), 0, 3), ValueError,
     "must be > 0"),
    (lambda: compat.LSTMBlockFusedCell(4)(_z(2, 3, 4)), ValueError,
     "Either initial_state or dtype"),
    (lambda: compat.GRUCell(4, bogus=1), TypeError, "bogus"),
])
def test_bad_arguments(make, error, pattern):
  with pytest.raises(error, match=pattern):
    make()
