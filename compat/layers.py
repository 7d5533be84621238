"""``tf.compat.v1.layers`` as TF 1.x had it: ``dense``, ``dropout``,
``batch_normalization``, ``conv1d``/``conv2d``, max/average pooling 1-D/2-D
and ``flatten``, each with its class (``LAYER_NAMES`` lists them).

``Dense`` below; the others after it.

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


# ---------------------------------------------------------------------------
# The rest of tf.compat.v1.layers: dropout, batch normalization, convolutions,
# pooling, flatten. Same scoping as Dense (compat/base.py's Layer).


def _is_false(training):
  """``True`` when ``training`` is statically false (TF1's constant_value)."""
  if isinstance(training, (bool, int)):
    return not training
  value = tf.get_static_value(training)
  return value is not None and not bool(value)


def _smart_cond(pred, true_fn, false_fn):
  """Python bools and constant tensors pick a branch; other tensors tf.cond."""
  if isinstance(pred, (bool, int)):
    return true_fn() if pred else false_fn()
  value = tf.get_static_value(pred)
  if value is not None:
    return true_fn() if value else false_fn()
  return tf.cond(pred, true_fn, false_fn)


class _Base(Layer):
  """A TF1 layer whose ``__call__`` forwards extra arguments to ``call``."""

  def __call__(self, inputs, *args, **kwargs):
    inputs = self._check_inputs(tf.convert_to_tensor(inputs))
    with self._enter_scope(None, inputs):
      return self.call(inputs, *args, **kwargs)

  apply = __call__


class Dropout(_Base):
  """``tf.layers.Dropout``: ``tf.nn.dropout(x, rate, noise_shape, seed)``
  when ``training`` (a bool or a boolean tensor), the identity otherwise."""

  _default_name = "dropout"

  def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None,
               **kwargs):
    super(Dropout, self).__init__(name=name, **kwargs)
    self.rate = rate
    self.noise_shape = noise_shape
    self.seed = seed

  def call(self, inputs, training=False):
    def dropped():
      return tf.nn.dropout(inputs, rate=self.rate,
                           noise_shape=self.noise_shape, seed=self.seed)
    return _smart_cond(training, dropped, lambda: tf.identity(inputs))


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False,
            name=None):
  """Functional interface of ``Dropout`` (``tf.layers.dropout``)."""
  return Dropout(rate, noise_shape=noise_shape, seed=seed, name=name)(
      inputs, training=training)


class BatchNormalization(_Base):
  """``tf.layers.BatchNormalization`` (TF 1.15's defaults and numbers).

  Variables ``gamma``, ``beta`` (trainable), ``moving_mean``,
  ``moving_variance`` (not trainable), in that order. With ``training`` true
  (or a tensor) the batch statistics normalise and two update ops
  ``moving -= (moving - batch) * (1 - momentum)`` are added to
  ``tf.GraphKeys.UPDATE_OPS``; the caller runs them (TF1's
  ``with tf.control_dependencies(update_ops)`` idiom). As in TF1, the fused
  kernel is used for 4-D inputs normalised on axis 1 or 3 (``fused=None``),
  and its batch variance (so the moving variance) is the unbiased one, while
  the non-fused path (e.g. after ``conv1d``) uses the biased variance.
  """

  _default_name = "batch_normalization"

  def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True,
               scale=True, beta_initializer=None, gamma_initializer=None,
               moving_mean_initializer=None, moving_variance_initializer=None,
               beta_regularizer=None, gamma_regularizer=None,
               beta_constraint=None, gamma_constraint=None, renorm=False,
               renorm_clipping=None, renorm_momentum=0.99, fused=None,
               trainable=True, virtual_batch_size=None, adjustment=None,
               name=None, **kwargs):
    super(BatchNormalization, self).__init__(name=name, trainable=trainable,
                                             **kwargs)
    if renorm or virtual_batch_size is not None or adjustment is not None:
      raise NotImplementedError(
          "BatchNormalization: renorm, virtual_batch_size and adjustment are "
          "not supported by compat; drop them (or port the layer to Keras 3's "
          "BatchNormalization)")
    del renorm_clipping, renorm_momentum
    self.axis = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    self.momentum = momentum
    self.epsilon = epsilon
    self.center = center
    self.scale = scale
    self.beta_initializer = beta_initializer or v1.zeros_initializer()
    self.gamma_initializer = gamma_initializer or v1.ones_initializer()
    self.moving_mean_initializer = (moving_mean_initializer or
                                    v1.zeros_initializer())
    self.moving_variance_initializer = (moving_variance_initializer or
                                        v1.ones_initializer())
    self.beta_regularizer = beta_regularizer
    self.gamma_regularizer = gamma_regularizer
    self.beta_constraint = beta_constraint
    self.gamma_constraint = gamma_constraint
    self.fused = True if fused is None else fused
    self.updates = []
    self.gamma = self.beta = self.moving_mean = self.moving_variance = None

  def build(self, input_shape):
    ndims = input_shape.rank
    if not ndims:
      raise ValueError("BatchNormalization: input has undefined rank")
    self.axis = [a + ndims if a < 0 else a for a in self.axis]
    for a in self.axis:
      if not 0 <= a < ndims:
        raise ValueError("BatchNormalization: invalid axis %d for inputs of "
                         "rank %d" % (a, ndims))
    self.fused = bool(self.fused and ndims == 4 and self.axis in ([1], [3]))
    dims = [input_shape[a] for a in self.axis]
    if any(d is None for d in dims):
      raise ValueError("BatchNormalization: input has undefined `axis` "
                       "dimension. Input shape: %s" % input_shape)
    if len(self.axis) == 1:
      param_shape = dims
    else:
      param_shape = [input_shape[i] if i in self.axis else 1
                     for i in range(ndims)]
    if self.scale:
      self.gamma = self.add_variable(
          "gamma", param_shape, initializer=self.gamma_initializer,
          regularizer=self.gamma_regularizer,
          constraint=self.gamma_constraint)
    if self.center:
      self.beta = self.add_variable(
          "beta", param_shape, initializer=self.beta_initializer,
          regularizer=self.beta_regularizer, constraint=self.beta_constraint)
    self.moving_mean = self.add_variable(
        "moving_mean", param_shape, initializer=self.moving_mean_initializer,
        trainable=False)
    self.moving_variance = self.add_variable(
        "moving_variance", param_shape,
        initializer=self.moving_variance_initializer, trainable=False)

  def _moving_average(self, variable, value, momentum):
    with tf.name_scope("AssignMovingAvg") as scope:
      decay = tf.cast(1.0 - tf.convert_to_tensor(momentum), variable.dtype)
      delta = (variable - tf.cast(value, variable.dtype)) * decay
      return v1.assign_sub(variable, delta, name=scope)

  def _add_updates(self, updates):
    for update in updates:
      self.updates.append(update)
      v1.add_to_collection(v1.GraphKeys.UPDATE_OPS, update)

  def _fused_call(self, inputs, training):
    fmt = "NCHW" if self.axis == [1] else "NHWC"
    depth = inputs.shape[self.axis[0]]
    gamma = self.gamma if self.scale else tf.ones([depth], inputs.dtype)
    beta = self.beta if self.center else tf.zeros([depth], inputs.dtype)

    def train():
      return v1.nn.fused_batch_norm(inputs, gamma, beta,
                                    epsilon=self.epsilon, data_format=fmt)

    def infer():
      return v1.nn.fused_batch_norm(
          inputs, gamma, beta, mean=self.moving_mean,
          variance=self.moving_variance, epsilon=self.epsilon,
          is_training=False, data_format=fmt)

    output, mean, variance = _smart_cond(training, train, infer)
    if not _is_false(training):
      static = None if not isinstance(training, tf.Tensor) else (
          tf.get_static_value(training))
      if isinstance(training, tf.Tensor) and static is None:
        momentum = tf.cond(training, lambda: tf.constant(self.momentum),
                           lambda: tf.constant(1.0))
      else:
        momentum = self.momentum
      self._add_updates([
          self._moving_average(self.moving_mean, mean, momentum),
          self._moving_average(self.moving_variance, variance, momentum)])
    return output

  def call(self, inputs, training=False):
    if self.fused:
      return self._fused_call(inputs, training)
    ndims = inputs.shape.rank
    reduction_axes = [i for i in range(ndims) if i not in self.axis]
    broadcast_shape = [1] * ndims
    broadcast_shape[self.axis[0]] = inputs.shape[self.axis[0]]

    def broadcast(v):
      if (v is not None and v.shape.rank != ndims and
          reduction_axes != list(range(ndims - 1))):
        return tf.reshape(v, broadcast_shape)
      return v

    scale, offset = broadcast(self.gamma), broadcast(self.beta)
    if _is_false(training):
      mean, variance = self.moving_mean, self.moving_variance
    else:
      batch_mean, batch_variance = tf.nn.moments(
          inputs, reduction_axes, keepdims=len(self.axis) > 1)
      mean = _smart_cond(training, lambda: batch_mean,
                         lambda: tf.convert_to_tensor(self.moving_mean))
      variance = _smart_cond(training, lambda: batch_variance,
                             lambda: tf.convert_to_tensor(
                                 self.moving_variance))

      def update(var, value):
        return _smart_cond(
            training,
            lambda: self._moving_average(var, value, self.momentum),
            lambda: var)

      self._add_updates([update(self.moving_mean, mean),
                         update(self.moving_variance, variance)])
    outputs = tf.nn.batch_normalization(inputs, broadcast(mean),
                                        broadcast(variance), offset, scale,
                                        self.epsilon)
    outputs.set_shape(inputs.shape)
    return outputs


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3,
                        center=True, scale=True, beta_initializer=None,
                        gamma_initializer=None, moving_mean_initializer=None,
                        moving_variance_initializer=None,
                        beta_regularizer=None, gamma_regularizer=None,
                        beta_constraint=None, gamma_constraint=None,
                        training=False, trainable=True, name=None, reuse=None,
                        renorm=False, renorm_clipping=None,
                        renorm_momentum=0.99, fused=None,
                        virtual_batch_size=None, adjustment=None):
  """Functional interface of ``BatchNormalization``."""
  layer = BatchNormalization(
      axis=axis, momentum=momentum, epsilon=epsilon, center=center,
      scale=scale, beta_initializer=beta_initializer,
      gamma_initializer=gamma_initializer,
      moving_mean_initializer=moving_mean_initializer,
      moving_variance_initializer=moving_variance_initializer,
      beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
      beta_constraint=beta_constraint, gamma_constraint=gamma_constraint,
      renorm=renorm, renorm_clipping=renorm_clipping,
      renorm_momentum=renorm_momentum, fused=fused, trainable=trainable,
      virtual_batch_size=virtual_batch_size, adjustment=adjustment,
      name=name, reuse=reuse)
  return layer(inputs, training=training)


def _tuple(value, n, what):
  if isinstance(value, int):
    return (value,) * n
  value = tuple(value)
  if len(value) != n:
    raise ValueError("The `%s` argument must be a tuple of %d integers. "
                     "Received: %s" % (what, n, value))
  return value


def _data_format(data_format, rank):
  if data_format not in ("channels_last", "channels_first"):
    raise ValueError("data_format must be 'channels_last' or "
                     "'channels_first', got %r" % (data_format,))
  spatial = {1: "W", 2: "HW"}[rank]
  if data_format == "channels_last":
    return "N%sC" % spatial
  return "NC%s" % spatial


def _to_channels_last(x, data_format, rank):
  if data_format == "channels_first":
    return tf.transpose(x, [0] + list(range(2, rank + 2)) + [1])
  return x


def _from_channels_last(x, data_format, rank):
  if data_format == "channels_first":
    return tf.transpose(x, [0, rank + 1] + list(range(1, rank + 1)))
  return x


class _Conv(_Base):
  """N-D convolution with TF1's ``kernel [*kernel_size, in, filters]`` and
  ``bias [filters]``. ``channels_first`` inputs are transposed around the
  (channels-last) CPU kernel."""

  _rank = None

  def __init__(self, filters, kernel_size, strides=1, padding="valid",
               data_format="channels_last", dilation_rate=1, activation=None,
               use_bias=True, kernel_initializer=None,
               bias_initializer=None, kernel_regularizer=None,
               bias_regularizer=None, activity_regularizer=None,
               kernel_constraint=None, bias_constraint=None, trainable=True,
               name=None, **kwargs):
    super(_Conv, self).__init__(trainable=trainable, name=name, **kwargs)
    n = self._rank
    self.filters = int(filters)
    self.kernel_size = _tuple(kernel_size, n, "kernel_size")
    self.strides = _tuple(strides, n, "strides")
    self.padding = padding.upper()
    _data_format(data_format, n)
    self.data_format = data_format
    self.dilation_rate = _tuple(dilation_rate, n, "dilation_rate")
    self.activation = get_activation(activation)
    self.use_bias = use_bias
    self.kernel_initializer = kernel_initializer
    self.bias_initializer = bias_initializer or v1.zeros_initializer()
    self.kernel_regularizer = kernel_regularizer
    self.bias_regularizer = bias_regularizer
    self.activity_regularizer = activity_regularizer
    self.kernel_constraint = kernel_constraint
    self.bias_constraint = bias_constraint
    self._input_ndim = n + 2
    self.kernel = self.bias = None

  def _check_inputs(self, inputs):
    rank = inputs.shape.rank
    if rank is not None and rank != self._input_ndim:
      raise ValueError("%s expects inputs of rank %d but got shape %s" %
                       (self.name, self._input_ndim, inputs.shape))
    channel = 1 if self.data_format == "channels_first" else -1
    if inputs.shape[channel] is None:
      raise ValueError("The channel dimension of the inputs should be "
                       "defined. Found `None` (%s)." % self.name)
    return inputs

  def build(self, input_shape):
    channel = 1 if self.data_format == "channels_first" else -1
    depth = input_shape[channel]
    self.kernel = self.add_variable(
        "kernel", list(self.kernel_size) + [depth, self.filters],
        initializer=self.kernel_initializer,
        regularizer=self.kernel_regularizer,
        constraint=self.kernel_constraint)
    if self.use_bias:
      self.bias = self.add_variable(
          "bias", [self.filters], initializer=self.bias_initializer,
          regularizer=self.bias_regularizer, constraint=self.bias_constraint)

  def call(self, inputs):
    n = self._rank
    x = _to_channels_last(inputs, self.data_format, n)
    outputs = tf.nn.convolution(
        x, self.kernel, strides=list(self.strides), padding=self.padding,
        dilations=list(self.dilation_rate),
        data_format=_data_format("channels_last", n))
    if self.use_bias:
      outputs = tf.nn.bias_add(outputs, self.bias)
    outputs = _from_channels_last(outputs, self.data_format, n)
    if self.activation is not None:
      outputs = self.activation(outputs)
    if self.activity_regularizer is not None:
      v1.add_to_collection(v1.GraphKeys.REGULARIZATION_LOSSES,
                           self.activity_regularizer(outputs))
    return outputs


class Conv1D(_Conv):
  """``tf.layers.Conv1D``: kernel ``[width, in, filters]``."""
  _default_name = "conv1d"
  _rank = 1


class Conv2D(_Conv):
  """``tf.layers.Conv2D``: kernel ``[height, width, in, filters]``."""
  _default_name = "conv2d"
  _rank = 2


def _conv_function(cls):
  def conv(inputs, filters, kernel_size, strides=1, padding="valid",
           data_format="channels_last", dilation_rate=1, activation=None,
           use_bias=True, kernel_initializer=None, bias_initializer=None,
           kernel_regularizer=None, bias_regularizer=None,
           activity_regularizer=None, kernel_constraint=None,
           bias_constraint=None, trainable=True, name=None, reuse=None):
    layer = cls(filters, kernel_size, strides=strides, padding=padding,
                data_format=data_format, dilation_rate=dilation_rate,
                activation=activation, use_bias=use_bias,
                kernel_initializer=kernel_initializer,
                bias_initializer=bias_initializer,
                kernel_regularizer=kernel_regularizer,
                bias_regularizer=bias_regularizer,
                activity_regularizer=activity_regularizer,
                kernel_constraint=kernel_constraint,
                bias_constraint=bias_constraint, trainable=trainable,
                name=name, reuse=reuse)
    return layer(inputs)
  conv.__name__ = cls._default_name
  conv.__doc__ = "Functional interface of ``%s``." % cls.__name__
  return conv


conv1d = _conv_function(Conv1D)
conv2d = _conv_function(Conv2D)


class _Pooling(_Base):
  """Max or average pooling over 1 or 2 spatial dimensions."""

  _rank = None
  _pool = None  # "MAX" or "AVG"

  def __init__(self, pool_size, strides, padding="valid",
               data_format="channels_last", name=None, **kwargs):
    super(_Pooling, self).__init__(name=name, **kwargs)
    n = self._rank
    self.pool_size = _tuple(pool_size, n, "pool_size")
    self.strides = _tuple(strides, n, "strides")
    self.padding = padding.upper()
    _data_format(data_format, n)
    self.data_format = data_format
    self._input_ndim = n + 2

  def _check_inputs(self, inputs):
    rank = inputs.shape.rank
    if rank is not None and rank != self._input_ndim:
      raise ValueError("%s expects inputs of rank %d but got shape %s" %
                       (self.name, self._input_ndim, inputs.shape))
    return inputs

  def call(self, inputs):
    n = self._rank
    x = _to_channels_last(inputs, self.data_format, n)
    outputs = tf.nn.pool(x, window_shape=list(self.pool_size),
                         pooling_type=self._pool, padding=self.padding,
                         strides=list(self.strides))
    return _from_channels_last(outputs, self.data_format, n)


class MaxPooling1D(_Pooling):
  _default_name = "max_pooling1d"
  _rank, _pool = 1, "MAX"


class MaxPooling2D(_Pooling):
  _default_name = "max_pooling2d"
  _rank, _pool = 2, "MAX"


class AveragePooling1D(_Pooling):
  _default_name = "average_pooling1d"
  _rank, _pool = 1, "AVG"


class AveragePooling2D(_Pooling):
  _default_name = "average_pooling2d"
  _rank, _pool = 2, "AVG"


def _pool_function(cls):
  def pool(inputs, pool_size, strides, padding="valid",
           data_format="channels_last", name=None):
    return cls(pool_size, strides, padding=padding, data_format=data_format,
               name=name)(inputs)
  pool.__name__ = cls._default_name
  pool.__doc__ = "Functional interface of ``%s``." % cls.__name__
  return pool


max_pooling1d = _pool_function(MaxPooling1D)
max_pooling2d = _pool_function(MaxPooling2D)
average_pooling1d = _pool_function(AveragePooling1D)
average_pooling2d = _pool_function(AveragePooling2D)


class Flatten(_Base):
  """``tf.layers.Flatten``: ``[batch, ...] -> [batch, prod(...)]``."""

  _default_name = "flatten"

  def __init__(self, data_format=None, name=None, **kwargs):
    super(Flatten, self).__init__(name=name, **kwargs)
    self.data_format = data_format

  def call(self, inputs):
    if self.data_format == "channels_first" and inputs.shape.rank > 2:
      inputs = tf.transpose(
          inputs, [0] + list(range(2, inputs.shape.rank)) + [1])
    outputs = tf.reshape(inputs, tf.stack([tf.shape(inputs)[0], -1]))
    known = inputs.shape[1:]
    flat = known.num_elements() if known.is_fully_defined() else None
    outputs.set_shape([inputs.shape[0], flat])
    return outputs


def flatten(inputs, name=None, data_format="channels_last"):
  """Functional interface of ``Flatten``."""
  return Flatten(data_format=data_format, name=name)(inputs)


LAYER_NAMES = (
    "dense", "Dense", "dropout", "Dropout", "batch_normalization",
    "BatchNormalization", "conv1d", "Conv1D", "conv2d", "Conv2D",
    "max_pooling1d", "MaxPooling1D", "max_pooling2d", "MaxPooling2D",
    "average_pooling1d", "AveragePooling1D", "average_pooling2d",
    "AveragePooling2D", "flatten", "Flatten",
)
