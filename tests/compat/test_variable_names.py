"""Graphs built with compat list exactly TF 1.15's variables: names, shapes,
creation order, which are trainable, and the initializer each was given.

The per-case lists were recorded with TF 1.15 (``tests/golden``); the tests
below them spell the most important names out by hand.
"""

import logging
import unittest

import pytest
import tensorflow as tf

import compat
from compat import base as compat_base
from tests.compat import helpers

v1 = tf.compat.v1

CASE_NAMES = list(helpers.cases.CASES)


@pytest.mark.tf1_golden
@pytest.mark.parametrize("name", CASE_NAMES)
def test_variables_match_tf1(name):
  expected = helpers.golden_cells()[1][name]
  _, got = helpers.compat_case(name)
  assert got["variables"] == expected["variables"]
  assert got["trainable"] == expected["trainable"]
  assert got["no_grad"] == expected["no_grad"]
  assert got["initializers"] == expected["initializers"]


def _variables(build):
  """``[(name, shape)]`` of the global variables ``build()`` creates."""
  with tf.Graph().as_default():
    build()
    return [(v.op.name, v.shape.as_list()) for v in v1.global_variables()]


def _x(*shape):
  return tf.zeros(shape)


def test_multi_rnn_cell_basic_lstm_names():
  def build():
    cell = compat.MultiRNNCell([compat.BasicLSTMCell(5),
                                compat.BasicLSTMCell(5)])
    v1.nn.dynamic_rnn(cell, _x(2, 3, 7), dtype=tf.float32)
  assert _variables(build) == [
      ("rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel", [7 + 5, 4 * 5]),
      ("rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias", [4 * 5]),
      ("rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel", [5 + 5, 4 * 5]),
      ("rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias", [4 * 5]),
  ]


def test_gru_and_basic_rnn_names():
  def build():
    v1.nn.dynamic_rnn(compat.GRUCell(4), _x(2, 3, 6), dtype=tf.float32,
                      scope="enc")
    v1.nn.dynamic_rnn(compat.BasicRNNCell(3), _x(2, 3, 6), dtype=tf.float32)
  assert _variables(build) == [
      ("enc/gru_cell/gates/kernel", [10, 8]),
      ("enc/gru_cell/gates/bias", [8]),
      ("enc/gru_cell/candidate/kernel", [10, 4]),
      ("enc/gru_cell/candidate/bias", [4]),
      ("rnn/basic_rnn_cell/kernel", [9, 3]),
      ("rnn/basic_rnn_cell/bias", [3]),
  ]


def test_lstm_cell_peephole_projection_names():
  def build():
    cell = compat.LSTMCell(6, use_peepholes=True, num_proj=2)
    v1.nn.dynamic_rnn(cell, _x(2, 3, 5), dtype=tf.float32)
  assert _variables(build) == [
      ("rnn/lstm_cell/kernel", [5 + 2, 24]),
      ("rnn/lstm_cell/bias", [24]),
      ("rnn/lstm_cell/w_f_diag", [6]),
      ("rnn/lstm_cell/w_i_diag", [6]),
      ("rnn/lstm_cell/w_o_diag", [6]),
      ("rnn/lstm_cell/projection/kernel", [6, 2]),
  ]


def test_block_cells_share_lstm_cell_names():
  def build():
    v1.nn.dynamic_rnn(compat.LSTMBlockCell(4, use_peephole=True),
                      _x(2, 3, 5), dtype=tf.float32)
    compat.LSTMBlockFusedCell(4)(_x(3, 2, 5), dtype=tf.float32)
  assert _variables(build) == [
      ("rnn/lstm_cell/kernel", [9, 16]),
      ("rnn/lstm_cell/bias", [16]),
      ("rnn/lstm_cell/w_i_diag", [4]),
      ("rnn/lstm_cell/w_f_diag", [4]),
      ("rnn/lstm_cell/w_o_diag", [4]),
      ("lstm_fused_cell/kernel", [9, 16]),
      ("lstm_fused_cell/bias", [16]),
  ]


def test_unnamed_cells_and_dense_layers_are_numbered():
  def build():
    with v1.variable_scope("model"):
      a, b = compat.BasicLSTMCell(3), compat.BasicLSTMCell(3)
      state = a.zero_state(2, tf.float32)
      out, state = a(_x(2, 4), state)
      b(out, state)
      a(_x(2, 4), state)  # a again: reuses, creates nothing
      h = compat.dense(out, 5)
      compat.dense(h, 2)
  assert [n for n, _ in _variables(build)] == [
      "model/basic_lstm_cell/kernel", "model/basic_lstm_cell/bias",
      "model/basic_lstm_cell_1/kernel", "model/basic_lstm_cell_1/bias",
      "model/dense/kernel", "model/dense/bias",
      "model/dense_1/kernel", "model/dense_1/bias",
  ]


def test_wrappers_names():
  def build():
    dropped = compat.DropoutWrapper(compat.GRUCell(3), output_keep_prob=0.5)
    v1.nn.dynamic_rnn(compat.ResidualWrapper(dropped), _x(2, 3, 3),
                      dtype=tf.float32)
    cell = compat.OutputProjectionWrapper(compat.BasicLSTMCell(3), 2)
    v1.nn.dynamic_rnn(cell, _x(2, 3, 3), dtype=tf.float32, scope="dec")
  assert _variables(build) == [
      ("rnn/gru_cell/gates/kernel", [6, 6]),
      ("rnn/gru_cell/gates/bias", [6]),
      ("rnn/gru_cell/candidate/kernel", [6, 3]),
      ("rnn/gru_cell/candidate/bias", [3]),
      ("dec/output_projection_wrapper/basic_lstm_cell/kernel", [6, 12]),
      ("dec/output_projection_wrapper/basic_lstm_cell/bias", [12]),
      ("dec/output_projection_wrapper/kernel", [3, 2]),
      ("dec/output_projection_wrapper/bias", [2]),
  ]


# ---------------------------------------------------------------------------
# MultiRNNCell([cell] * n).


_SHARED_WARNING = ("At least two cells provided to MultiRNNCell are the same "
                   "object and will share weights.")


class MultiRNNCellSharingTest(unittest.TestCase):

  def setUp(self):
    super().setUp()
    # TF1 warned once per process; forget earlier warnings for each test.
    compat_base._WARNED_ONCE.clear()

  def _warnings(self, make):
    """Warnings logged on the "tensorflow" logger while ``make()`` runs."""
    records = []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger("tensorflow")
    logger.addHandler(handler)
    try:
      result = make()
    finally:
      logger.removeHandler(handler)
    return result, [r.getMessage() for r in records]

  def test_shared_cell_shares_weights_and_warns(self):
    with tf.Graph().as_default():
      cell = compat.BasicLSTMCell(4)
      with self.assertLogs("tensorflow", level="WARNING") as logs:
        multi = compat.MultiRNNCell([cell] * 3)
      self.assertIn(_SHARED_WARNING, "\n".join(logs.output))
      v1.nn.dynamic_rnn(multi, _x(2, 3, 4), dtype=tf.float32)
      names = [v.op.name for v in v1.global_variables()]
    self.assertEqual(names,
                     ["rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
                      "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias"])
    self.assertEqual(len(multi.variables), 2)

  def test_partly_shared_cells_warn(self):
    a, b = compat.GRUCell(3), compat.GRUCell(3)
    _, logged = self._warnings(lambda: compat.MultiRNNCell([a, b, a]))
    self.assertIn(_SHARED_WARNING, logged)

  def test_warns_once_per_process(self):
    cell = compat.GRUCell(3)
    _, first = self._warnings(lambda: compat.MultiRNNCell([cell] * 2))
    _, second = self._warnings(lambda: compat.MultiRNNCell([cell] * 2))
    self.assertEqual(first, [_SHARED_WARNING])
    self.assertEqual(second, [])

  def test_independent_cells_neither_warn_nor_share(self):
    with tf.Graph().as_default():
      cells = [compat.BasicLSTMCell(4) for _ in range(3)]
      multi, logged = self._warnings(lambda: compat.MultiRNNCell(cells))
      self.assertNotIn(_SHARED_WARNING, logged)
      v1.nn.dynamic_rnn(multi, _x(2, 3, 4), dtype=tf.float32)
      self.assertEqual(len(v1.global_variables()), 6)
    self.assertEqual(len(multi.variables), 6)
