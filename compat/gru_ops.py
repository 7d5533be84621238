"""TF1 contrib's fused GRU kernel (``tf.contrib.rnn.GRUBlockCell``) over
``tf.raw_ops.GRUBlockCell``.

TF 2.x still ships the ``GRUBlockCell`` and ``GRUBlockCellGrad`` kernels but
registers no gradient for the forward op (TF1 did so in contrib); it is
registered here, as ``compat.fused`` does for ``LSTMBlockCell``. The op
computes what ``GRUCell`` computes (reset gate applied to the state before
the candidate matmul, gate bias 1.0), so checkpoints of either restore into
the other under ``GRUBlockCellV2``'s names.
"""

import tensorflow as tf

from compat.rnn_cell import RNNCell, _UnitsSizes, _check_state

v1 = tf.compat.v1


def _gru_block_cell_grad(op, *grads):
  """Gradient of one ``GRUBlockCell`` step: ``GRUBlockCellGrad`` gives the
  gradients of ``x``, ``h_prev`` and the pre-activations; the weight
  gradients are the two kernel products differentiated here."""
  x, h_prev, w_ru, w_c, b_ru, b_c = op.inputs
  r, u, c, _ = op.outputs
  d_h = grads[3]
  d_x, d_h_prev, d_c_bar, d_ru_bar = tf.raw_ops.GRUBlockCellGrad(
      x=x, h_prev=h_prev, w_ru=w_ru, w_c=w_c, b_ru=b_ru, b_c=b_c, r=r, u=u,
      c=c, d_h=d_h)
  d_w_ru = tf.matmul(tf.concat([x, h_prev], 1), d_ru_bar, transpose_a=True)
  d_w_c = tf.matmul(tf.concat([x, h_prev * r], 1), d_c_bar, transpose_a=True)
  d_b_ru = tf.raw_ops.BiasAddGrad(out_backprop=d_ru_bar)
  d_b_c = tf.raw_ops.BiasAddGrad(out_backprop=d_c_bar)
  return d_x, d_h_prev, d_w_ru, d_w_c, d_b_ru, d_b_c


try:
  tf.RegisterGradient("GRUBlockCell")(_gru_block_cell_grad)
except KeyError:  # already registered (by TensorFlow or a reload)
  pass


class GRUBlockCell(_UnitsSizes, RNNCell):
  """One GRU step as a single fused op. Variables (TF1's deprecated names):
  ``w_ru [in+units, 2*units]``, ``b_ru`` (1.0), ``w_c [in+units, units]``,
  ``b_c`` (0.0), in scope ``gru_cell``."""

  _default_name = "gru_cell"
  _names = ("w_ru", "b_ru", "w_c", "b_c")

  def __init__(self, num_units=None, cell_size=None, reuse=None,
               name="gru_cell"):
    super(GRUBlockCell, self).__init__(reuse=reuse, name=name)
    if (cell_size is None) == (num_units is None):
      raise ValueError(
          "Exactly one of num_units or cell_size must be provided.")
    self._num_units = num_units if num_units is not None else cell_size

  def build(self, inputs_shape):
    depth = inputs_shape[1]
    if depth is None:
      raise ValueError("Expecting input_size to be set.")
    size = self._num_units
    w_ru, b_ru, w_c, b_c = self._names
    self._w_ru = self.add_variable(w_ru, [depth + size, 2 * size])
    self._b_ru = self.add_variable(b_ru, [2 * size],
                                   initializer=v1.constant_initializer(1.0))
    self._w_c = self.add_variable(w_c, [depth + size, size])
    self._b_c = self.add_variable(b_c, [size],
                                  initializer=v1.constant_initializer(0.0))

  def call(self, inputs, h_prev):
    _check_state(self, h_prev, 0)
    if h_prev.shape[1] not in (None, self._num_units):
      raise ValueError("Shape of h_prev[1] incorrect: cell_size %i vs %s" %
                       (self._num_units, h_prev.shape[1]))
    new_h = tf.raw_ops.GRUBlockCell(x=inputs, h_prev=h_prev, w_ru=self._w_ru,
                                    w_c=self._w_c, b_ru=self._b_ru,
                                    b_c=self._b_c).h
    return new_h, new_h


class GRUBlockCellV2(GRUBlockCell):
  """``GRUBlockCell`` with ``GRUCell``'s variable names (``gates/kernel``,
  ``gates/bias``, ``candidate/kernel``, ``candidate/bias``)."""

  _names = ("gates/kernel", "gates/bias", "candidate/kernel",
            "candidate/bias")
