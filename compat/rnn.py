"""TF1 contrib's stacked bidirectional RNN drivers
(``tf.contrib.rnn.stack_bidirectional_dynamic_rnn`` and
``stack_bidirectional_rnn``), over TF's own ``tf.compat.v1.nn``
``bidirectional_dynamic_rnn`` / ``static_bidirectional_rnn``.

Layer ``k`` runs in ``<scope or "stack_bidirectional_rnn">/cell_k`` (its
cells under ``.../cell_k/bidirectional_rnn/fw|bw/...`` for the dynamic
driver, ``.../cell_k/fw|bw/...`` for the static one); the next layer reads
the forward and backward outputs concatenated along depth. Returns
``(outputs, states_fw, states_bw)`` with one final state per layer.
"""

import tensorflow as tf

v1 = tf.compat.v1


def _check_stack(cells_fw, cells_bw, initial_states_fw, initial_states_bw):
  if not cells_fw:
    raise ValueError("Must specify at least one fw cell for BidirectionalRNN.")
  if not cells_bw:
    raise ValueError("Must specify at least one bw cell for BidirectionalRNN.")
  if not isinstance(cells_fw, list):
    raise ValueError("cells_fw must be a list of RNNCells (one per layer).")
  if not isinstance(cells_bw, list):
    raise ValueError("cells_bw must be a list of RNNCells (one per layer).")
  if len(cells_fw) != len(cells_bw):
    raise ValueError("Forward and Backward cells must have the same depth.")
  for name, given in (("initial_states_fw", initial_states_fw),
                      ("initial_states_bw", initial_states_bw)):
    if given is not None and (not isinstance(given, list) or
                              len(given) != len(cells_fw)):
      raise ValueError("%s must be a list of state tensors (one per layer)."
                       % name)


def _stack(cells_fw, cells_bw, inputs, initial_states_fw, initial_states_bw,
           scope, run_layer):
  """Run ``run_layer(cell_fw, cell_bw, inputs, state_fw, state_bw,
  layer_scope) -> (outputs, state_fw, state_bw)`` layer by layer."""
  _check_stack(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
  states_fw, states_bw = [], []
  layer_input = inputs
  with v1.variable_scope(scope or "stack_bidirectional_rnn"):
    for i, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw)):
      state_fw = initial_states_fw[i] if initial_states_fw else None
      state_bw = initial_states_bw[i] if initial_states_bw else None
      with v1.variable_scope("cell_%d" % i) as layer_scope:
        layer_input, state_fw, state_bw = run_layer(
            cell_fw, cell_bw, layer_input, state_fw, state_bw, layer_scope)
      states_fw.append(state_fw)
      states_bw.append(state_bw)
  return layer_input, tuple(states_fw), tuple(states_bw)


def stack_bidirectional_rnn(cells_fw, cells_bw, inputs,
                            initial_states_fw=None, initial_states_bw=None,
                            dtype=None, sequence_length=None, scope=None):
  """Stacked ``static_bidirectional_rnn`` over a list of ``[batch, depth]``
  inputs; returns the list of ``[batch, fw+bw]`` outputs of the top layer."""
  def run_layer(cell_fw, cell_bw, layer_input, state_fw, state_bw,
                layer_scope):
    return v1.nn.static_bidirectional_rnn(
        cell_fw, cell_bw, layer_input, initial_state_fw=state_fw,
        initial_state_bw=state_bw, sequence_length=sequence_length,
        dtype=dtype, scope=layer_scope)
  return _stack(cells_fw, cells_bw, inputs, initial_states_fw,
                initial_states_bw, scope, run_layer)


def stack_bidirectional_dynamic_rnn(cells_fw, cells_bw, inputs,
                                    initial_states_fw=None,
                                    initial_states_bw=None, dtype=None,
                                    sequence_length=None,
                                    parallel_iterations=None,
                                    time_major=False, scope=None,
                                    swap_memory=False):
  """Stacked ``bidirectional_dynamic_rnn``; returns the top layer's
  ``[batch, time, fw+bw]`` outputs (time-major if ``time_major``)."""
  def run_layer(cell_fw, cell_bw, layer_input, state_fw, state_bw, _):
    outputs, (state_fw, state_bw) = v1.nn.bidirectional_dynamic_rnn(
        cell_fw, cell_bw, layer_input, initial_state_fw=state_fw,
        initial_state_bw=state_bw, sequence_length=sequence_length,
        parallel_iterations=parallel_iterations, dtype=dtype,
        swap_memory=swap_memory, time_major=time_major)
    return tf.concat(outputs, 2), state_fw, state_bw
  return _stack(cells_fw, cells_bw, inputs, initial_states_fw,
                initial_states_bw, scope, run_layer)


def transpose_batch_time(x):
  """Swap the first two axes (batch-major <-> time-major) of a tensor of
  rank 2 or more, as ``tf.contrib.rnn.transpose_batch_time`` did."""
  x = tf.convert_to_tensor(x)
  rank = x.shape.rank
  if rank is not None and rank < 2:
    return x
  perm = tf.concat([[1, 0], tf.range(2, tf.rank(x))], 0)
  out = tf.transpose(x, perm)
  if rank is not None:
    out.set_shape([x.shape[1], x.shape[0]] + x.shape[2:].as_list())
  return out


def best_effort_input_batch_size(flat_input):
  """The batch size of time-major inputs: the first statically known
  ``shape[1]`` of the flat list, else the dynamic one of the first input."""
  for t in flat_input:
    shape = t.shape
    if shape.rank is None:
      continue
    if shape.rank < 2:
      raise ValueError("Expected input tensor %s to have rank at least 2" % t)
    if shape[1] is not None:
      return shape[1]
  return tf.shape(flat_input[0])[1]
