"""TF1 contrib's fused-RNN interface (``tf.contrib.rnn.FusedRNNCell``,
``FusedRNNCellAdaptor``, ``TimeReversedFusedRNN``).

A fused RNN is called on a whole time-major sequence:
``outputs, final_state = fused(inputs, initial_state=None, dtype=None,
sequence_length=None, scope=None)``, ``inputs`` a ``[time, batch, depth]``
tensor or a list of ``[batch, depth]`` tensors (outputs come back in the
same form). ``compat.LSTMBlockFusedCell`` is one; the adaptor makes one of
any cell.
"""

import abc

import tensorflow as tf

v1 = tf.compat.v1


class FusedRNNCell(abc.ABC):
  """Abstract fused RNN over a whole time-major sequence."""

  @abc.abstractmethod
  def __call__(self, inputs, initial_state=None, dtype=None,
               sequence_length=None, scope=None):
    """Run the whole sequence; returns ``(outputs, final_state)``."""


class FusedRNNCellAdaptor(FusedRNNCell):
  """Run ``cell`` under ``dynamic_rnn(time_major=True)`` when
  ``use_dynamic_rnn``, else under ``static_rnn`` (scope ``rnn`` either way,
  unless ``scope`` is given)."""

  def __init__(self, cell, use_dynamic_rnn=False):
    self._cell = cell
    self._use_dynamic_rnn = use_dynamic_rnn

  def __call__(self, inputs, initial_state=None, dtype=None,
               sequence_length=None, scope=None):
    is_list = isinstance(inputs, list)
    if self._use_dynamic_rnn:
      outputs, state = v1.nn.dynamic_rnn(
          self._cell, tf.stack(inputs) if is_list else inputs,
          sequence_length=sequence_length, initial_state=initial_state,
          dtype=dtype, time_major=True, scope=scope)
      return (tf.unstack(outputs) if is_list else outputs), state
    outputs, state = v1.nn.static_rnn(
        self._cell, inputs if is_list else tf.unstack(inputs),
        initial_state=initial_state, dtype=dtype,
        sequence_length=sequence_length, scope=scope)
    return (outputs if is_list else tf.stack(outputs)), state


class TimeReversedFusedRNN(FusedRNNCell):
  """Run a fused RNN backwards in time: the inputs are reversed (within each
  row's ``sequence_length`` when given), and so are its outputs; the final
  state is the one after the first time step."""

  def __init__(self, cell):
    self._cell = cell

  @staticmethod
  def _reverse(t, lengths):
    if isinstance(t, list):
      return list(reversed(t))
    if lengths is None:
      return tf.reverse(t, [0])
    return tf.reverse_sequence(t, lengths, seq_axis=0, batch_axis=1)

  def __call__(self, inputs, initial_state=None, dtype=None,
               sequence_length=None, scope=None):
    outputs, state = self._cell(
        self._reverse(inputs, sequence_length), initial_state=initial_state,
        dtype=dtype, sequence_length=sequence_length, scope=scope)
    return self._reverse(outputs, sequence_length), state


def _register_block_fused_cell():
  from compat.fused import LSTMBlockFusedCell  # pylint: disable=g-import-not-at-top
  FusedRNNCell.register(LSTMBlockFusedCell)


_register_block_fused_cell()
