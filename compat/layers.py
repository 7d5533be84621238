"""``tf.compat.v1.layers.dense`` / ``Dense`` as TF 1.x had them.

Variables ``<scope>/kernel [in, units]`` and ``<scope>/bias [units]`` where
the scope defaults to ``dense``, ``dense_1``, ... within the current variable
scope. The kernel's default initialiser is ``get_variable``'s (Glorot
uniform, or the enclosing scope's initializer); the bias starts at zero.
Inputs of rank > 2 are contracted on their last axis.
"""

import tensorflow as tf

from compat.base import Layer, get_activation

v1 = tf.compat.v1


class Dense(Layer):
  """Densely connected layer: ``activation(inputs @ kernel + bias)``."""

  _default_name = "dense"

  def __init__(self, units, activation=None, use_bias=True,
               kernel_initializer=None, bias_initializer=None,
               kernel_regularizer=None, bias_regularizer=None,
               activity_regularizer=None, kernel_constraint=None,
               bias_constraint=None, trainable=True, name=None, reuse=None,
               dtype=None):
    super(Dense, self).__init__(trainable=trainable, name=name, dtype=dtype,
                                reuse=reuse)
    self.units = int(units)
    self.activation = get_activation(activation)
    self.use_bias = use_bias
    self.kernel_initializer = kernel_initializer
    self.bias_initializer = bias_initializer or v1.zeros_initializer()
    self.kernel_regularizer = kernel_regularizer
    self.bias_regularizer = bias_regularizer
    self.activity_regularizer = activity_regularizer
    self.kernel_constraint = kernel_constraint
    self.bias_constraint = bias_constraint
    self.kernel = None
    self.bias = None

  def build(self, input_shape):
    depth = input_shape[-1]
    if depth is None:
      raise ValueError("The last dimension of the inputs to `Dense` should be "
                       "defined. Found `None`.")
    self.kernel = self.add_variable(
        "kernel", shape=[depth, self.units],
        initializer=self.kernel_initializer,
        regularizer=self.kernel_regularizer,
        constraint=self.kernel_constraint)
    if self.use_bias:
      self.bias = self.add_variable(
          "bias", shape=[self.units], initializer=self.bias_initializer,
          regularizer=self.bias_regularizer, constraint=self.bias_constraint)

  def __call__(self, inputs, scope=None):
    inputs = tf.convert_to_tensor(inputs)
    if inputs.shape.rank is not None and inputs.shape.rank < 2:
      raise ValueError("%s expects inputs of rank >= 2 ([batch, depth]) but "
                       "got shape %s" % (self.name, inputs.shape))
    with self._enter_scope(scope, inputs):
      return self.call(inputs)

  apply = __call__

  def call(self, inputs):
    if inputs.shape.rank == 2:
      outputs = tf.matmul(inputs, self.kernel)
    else:
      outputs = tf.tensordot(inputs, self.kernel, [[inputs.shape.rank - 1],
                                                   [0]])
    if self.use_bias:
      outputs = tf.nn.bias_add(outputs, self.bias)
    if self.activation is not None:
      outputs = self.activation(outputs)
    if self.activity_regularizer is not None:
      v1.add_to_collection(v1.GraphKeys.REGULARIZATION_LOSSES,
                           self.activity_regularizer(outputs))
    return outputs


def dense(inputs, units, activation=None, use_bias=True,
          kernel_initializer=None, bias_initializer=None,
          kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None,
          bias_constraint=None, trainable=True, name=None, reuse=None):
  """Functional interface of ``Dense`` (``tf.layers.dense``)."""
  layer = Dense(units, activation=activation, use_bias=use_bias,
                kernel_initializer=kernel_initializer,
                bias_initializer=bias_initializer,
                kernel_regularizer=kernel_regularizer,
                bias_regularizer=bias_regularizer,
                activity_regularizer=activity_regularizer,
                kernel_constraint=kernel_constraint,
                bias_constraint=bias_constraint, trainable=trainable,
                name=name, reuse=reuse, dtype=inputs.dtype.base_dtype
                if hasattr(inputs, "dtype") else None)
  return layer(inputs)
