"""``tf.contrib.layers`` as TF 1.x code commonly used it: initializers,
regularizers, ``fully_connected``, ``embed_sequence``, ``layer_norm`` and
``optimize_loss``, with TF 1.15's variable names (``fully_connected/weights``,
``fully_connected/biases``, ``EmbedSequence/embeddings``,
``LayerNorm/beta|gamma``, ``OptimizeLoss/learning_rate``) and numbers.

Variables are created with ``get_variable`` and added to
``tf.GraphKeys.MODEL_VARIABLES`` as contrib's ``model_variable`` did.
"""

import math
import numbers

import tensorflow as tf

v1 = tf.compat.v1

_MODEL_COLLECTIONS = [v1.GraphKeys.GLOBAL_VARIABLES,
                      v1.GraphKeys.MODEL_VARIABLES]


# ---------------------------------------------------------------------------
# Initializers.


def variance_scaling_initializer(factor=2.0, mode="FAN_IN", uniform=False,
                                 seed=None, dtype=tf.float32):
  """contrib's He/Xavier family: ``std = sqrt(factor / n)`` with ``n`` the
  fan in, fan out or their mean (fans multiplied by the receptive field);
  uniform on ``+-sqrt(3 factor / n)`` or a normal truncated at 2 std with
  std ``sqrt(1.3 factor / n)``."""
  if not tf.as_dtype(dtype).is_floating:
    raise TypeError("Cannot create initializer for non-floating point type.")
  if mode not in ("FAN_IN", "FAN_OUT", "FAN_AVG"):
    raise TypeError("Unknown mode %s [FAN_IN, FAN_OUT, FAN_AVG]" % mode)

  def initializer(shape, dtype=dtype, partition_info=None):
    del partition_info
    dtype = tf.as_dtype(dtype)
    if not dtype.is_floating:
      raise TypeError("Cannot create initializer for non-floating point "
                      "type.")
    shape = [int(d) for d in shape]
    if shape:
      fan_in = float(shape[-2]) if len(shape) > 1 else float(shape[-1])
      fan_out = float(shape[-1])
    else:
      fan_in = fan_out = 1.0
    for dim in shape[:-2]:
      fan_in *= dim
      fan_out *= dim
    n = {"FAN_IN": fan_in, "FAN_OUT": fan_out,
         "FAN_AVG": (fan_in + fan_out) / 2.0}[mode]
    if uniform:
      limit = math.sqrt(3.0 * factor / n)
      return v1.random_uniform(shape, -limit, limit, dtype, seed=seed)
    return v1.truncated_normal(shape, 0.0, math.sqrt(1.3 * factor / n),
                               dtype, seed=seed)
  return initializer


def xavier_initializer(uniform=True, seed=None, dtype=tf.float32):
  """Glorot: ``variance_scaling_initializer(1.0, "FAN_AVG", uniform)``."""
  return variance_scaling_initializer(factor=1.0, mode="FAN_AVG",
                                      uniform=uniform, seed=seed, dtype=dtype)


xavier_initializer_conv2d = xavier_initializer


# ---------------------------------------------------------------------------
# Regularizers.


def _regularizer(kind, scale, scope):
  if isinstance(scale, numbers.Integral):
    raise ValueError("scale cannot be an integer: %s" % scale)
  if isinstance(scale, numbers.Real):
    if scale < 0.:
      raise ValueError("Setting a scale less than 0 on a regularizer: %g" %
                       scale)
    if scale == 0.:
      return lambda _: None

  def regularizer(weights):
    with tf.name_scope(scope or "%s_regularizer" % kind) as name:
      factor = tf.convert_to_tensor(scale, dtype=weights.dtype.base_dtype,
                                    name="scale")
      if kind == "l1":
        penalty = tf.reduce_sum(tf.abs(weights))
      else:
        penalty = tf.nn.l2_loss(weights)
      return tf.multiply(factor, penalty, name=name)
  return regularizer


def l1_regularizer(scale, scope=None):
  """``scale * sum(|w|)``."""
  return _regularizer("l1", scale, scope)


def l2_regularizer(scale, scope=None):
  """``scale * sum(w ** 2) / 2`` (``tf.nn.l2_loss``)."""
  return _regularizer("l2", scale, scope)


def apply_regularization(regularizer, weights_list=None):
  """Sum of ``regularizer(w)`` over ``weights_list`` (default: the
  ``tf.GraphKeys.WEIGHTS`` collection), added to REGULARIZATION_LOSSES."""
  if not weights_list:
    weights_list = v1.get_collection(v1.GraphKeys.WEIGHTS)
  if not weights_list:
    raise ValueError("No weights to regularize.")
  with tf.name_scope("get_regularization_penalty"):
    penalties = [regularizer(w) for w in weights_list]
    penalties = [p for p in penalties if p is not None]
    if not penalties:
      return tf.constant(0.0)
    total = tf.add_n(penalties)
  v1.add_to_collection(v1.GraphKeys.REGULARIZATION_LOSSES, total)
  return total


# ---------------------------------------------------------------------------
# Layers.


def _model_variable(name, collections_extra, **kwargs):
  collections = list(_MODEL_COLLECTIONS)
  if collections_extra:
    collections += list(collections_extra)
  return v1.get_variable(name, collections=collections, **kwargs)


def _extra(variables_collections, key):
  if isinstance(variables_collections, dict):
    value = variables_collections.get(key)
    return [value] if isinstance(value, str) else value
  return variables_collections


def fully_connected(inputs, num_outputs, activation_fn=tf.nn.relu,
                    normalizer_fn=None, normalizer_params=None,
                    weights_initializer=None, weights_regularizer=None,
                    biases_initializer=v1.zeros_initializer(),
                    biases_regularizer=None, reuse=None,
                    variables_collections=None, outputs_collections=None,
                    trainable=True, scope=None):
  """``activation_fn(normalizer_fn(x @ weights + biases))``; variables
  ``<scope>/weights [in, num_outputs]`` (Xavier uniform by default) and
  ``<scope>/biases`` (omitted with a ``normalizer_fn`` or no
  ``biases_initializer``); scope ``fully_connected``, ``_1``, ..."""
  if not isinstance(num_outputs, int) or isinstance(num_outputs, bool):
    raise ValueError("num_outputs type should be an integer, got %s." %
                     type(num_outputs))
  with v1.variable_scope(scope, "fully_connected", [inputs],
                         reuse=reuse) as sc:
    inputs = tf.convert_to_tensor(inputs)
    dtype = inputs.dtype.base_dtype
    depth = inputs.shape[-1]
    if depth is None:
      raise ValueError("The last dimension of the inputs to `Dense` should "
                       "be defined. Found `None`.")
    weights = _model_variable(
        "weights", _extra(variables_collections, "weights"),
        shape=[int(depth), num_outputs], dtype=dtype,
        initializer=weights_initializer or xavier_initializer(),
        regularizer=weights_regularizer, trainable=trainable)
    if inputs.shape.rank == 2:
      outputs = tf.matmul(inputs, weights)
    else:
      outputs = tf.tensordot(inputs, weights, [[inputs.shape.rank - 1], [0]])
    if not normalizer_fn and biases_initializer:
      biases = _model_variable(
          "biases", _extra(variables_collections, "biases"),
          shape=[num_outputs], dtype=dtype, initializer=biases_initializer,
          regularizer=biases_regularizer, trainable=trainable)
      outputs = tf.nn.bias_add(outputs, biases)
    if normalizer_fn is not None:
      outputs = normalizer_fn(outputs, **(normalizer_params or {}))
    if activation_fn is not None:
      outputs = activation_fn(outputs)
    _collect(outputs_collections, sc.name, outputs)
    return outputs


def _collect(collections, alias, outputs):
  if collections:
    for name in ([collections] if isinstance(collections, str)
                 else collections):
      v1.add_to_collection(name, outputs)
  del alias


def embed_sequence(ids, vocab_size=None, embed_dim=None, unique=False,
                   initializer=None, regularizer=None, trainable=True,
                   scope=None, reuse=None):
  """``embedding_lookup(<scope>/embeddings, ids)``; scope
  ``EmbedSequence``."""
  if not (reuse or (vocab_size and embed_dim)):
    raise ValueError("Must specify vocab size and embedding dimension when "
                     "not reusing. Got vocab_size=%s and embed_dim=%s" %
                     (vocab_size, embed_dim))
  with v1.variable_scope(scope, "EmbedSequence", [ids], reuse=reuse):
    shape = [vocab_size, embed_dim]
    if (reuse and vocab_size is None) or embed_dim is None:
      shape = None
    embeddings = _model_variable("embeddings", None, shape=shape,
                                 initializer=initializer,
                                 regularizer=regularizer, trainable=trainable)
    if unique:
      flat, index = tf.unique(tf.reshape(ids, [-1]))
      found = tf.nn.embedding_lookup(embeddings, flat)
      out = tf.gather(found, index)
      return tf.reshape(out, tf.concat([tf.shape(ids), [-1]], 0))
    return tf.nn.embedding_lookup(embeddings, ids)


def layer_norm(inputs, center=True, scale=True, activation_fn=None,
               reuse=None, variables_collections=None,
               outputs_collections=None, trainable=True, begin_norm_axis=1,
               begin_params_axis=-1, scope=None):
  """Normalise over axes ``begin_norm_axis:`` (epsilon 1e-12), then
  ``gamma * x + beta`` with parameters of shape ``shape[begin_params_axis:]``
  (``LayerNorm/beta``, then ``LayerNorm/gamma``)."""
  with v1.variable_scope(scope, "LayerNorm", [inputs], reuse=reuse) as sc:
    inputs = tf.convert_to_tensor(inputs)
    shape = inputs.shape
    rank = shape.rank
    if rank is None:
      raise ValueError("Inputs %s has undefined rank." % inputs.name)
    dtype = inputs.dtype.base_dtype
    if begin_norm_axis < 0:
      begin_norm_axis += rank
    if begin_params_axis >= rank or begin_norm_axis >= rank:
      raise ValueError("begin_params_axis (%d) and begin_norm_axis (%d) "
                       "must be < rank(inputs) (%d)" %
                       (begin_params_axis, begin_norm_axis, rank))
    params_shape = shape[begin_params_axis:]
    if not params_shape.is_fully_defined():
      raise ValueError("Inputs %s: shape(inputs)[%s:] is not fully defined: "
                       "%s" % (inputs.name, begin_params_axis, shape))
    beta = gamma = None
    if center:
      beta = _model_variable("beta", _extra(variables_collections, "beta"),
                             shape=params_shape, dtype=dtype,
                             initializer=v1.zeros_initializer(),
                             trainable=trainable)
    if scale:
      gamma = _model_variable("gamma", _extra(variables_collections, "gamma"),
                              shape=params_shape, dtype=dtype,
                              initializer=v1.ones_initializer(),
                              trainable=trainable)
    mean, variance = tf.nn.moments(inputs, list(range(begin_norm_axis, rank)),
                                   keepdims=True)
    epsilon = 1e-12 if dtype != tf.float16 else 1e-3
    outputs = tf.nn.batch_normalization(inputs, mean, variance, offset=beta,
                                        scale=gamma,
                                        variance_epsilon=epsilon)
    outputs.set_shape(shape)
    if activation_fn is not None:
      outputs = activation_fn(outputs)
    _collect(outputs_collections, sc.name, outputs)
    return outputs


# ---------------------------------------------------------------------------
# optimize_loss.

OPTIMIZER_CLS_NAMES = {
    "Adagrad": v1.train.AdagradOptimizer,
    "Adam": v1.train.AdamOptimizer,
    "Ftrl": v1.train.FtrlOptimizer,
    "Momentum": lambda learning_rate: v1.train.MomentumOptimizer(
        learning_rate, momentum=0.9),
    "RMSProp": v1.train.RMSPropOptimizer,
    "SGD": v1.train.GradientDescentOptimizer,
}
OPTIMIZER_SUMMARIES = ["learning_rate", "loss", "gradients", "gradient_norm",
                       "global_gradient_norm"]


def _make_optimizer(optimizer, lr, learning_rate):
  if isinstance(optimizer, str):
    if lr is None:
      raise ValueError("Learning rate is None, but should be specified if "
                       "optimizer is string (%s)." % optimizer)
    if optimizer not in OPTIMIZER_CLS_NAMES:
      raise ValueError("Optimizer name should be one of [%s], you provided "
                       "%s." % (", ".join(OPTIMIZER_CLS_NAMES), optimizer))
    return OPTIMIZER_CLS_NAMES[optimizer](learning_rate=lr)
  if isinstance(optimizer, type) and issubclass(optimizer,
                                                v1.train.Optimizer):
    if lr is None:
      raise ValueError("Learning rate is None, but should be specified if "
                       "optimizer is class (%s)." % optimizer)
    return optimizer(learning_rate=lr)
  if isinstance(optimizer, v1.train.Optimizer):
    return optimizer
  if callable(optimizer):
    opt = optimizer(lr) if learning_rate is not None else optimizer()
    if not isinstance(opt, v1.train.Optimizer):
      raise ValueError("Unrecognized optimizer: function should return "
                       "subclass of Optimizer. Got %s." % opt)
    return opt
  raise ValueError("Unrecognized optimizer: should be string, subclass of "
                   "Optimizer, instance of subclass of Optimizer or function "
                   "with one argument. Got %s." % optimizer)


def _multiply_gradients(grads_and_vars, multipliers):
  out = []
  for grad, var in grads_and_vars:
    key = var if var in multipliers else var.op.name
    if grad is not None and key in multipliers:
      factor = tf.constant(multipliers[key], dtype=grad.dtype)
      if isinstance(grad, tf.IndexedSlices):
        grad = tf.IndexedSlices(grad.values * factor, grad.indices,
                                grad.dense_shape)
      else:
        grad = grad * factor
    out.append((grad, var))
  return out


def optimize_loss(loss, global_step, learning_rate, optimizer,
                  gradient_noise_scale=None, gradient_multipliers=None,
                  clip_gradients=None, learning_rate_decay_fn=None,
                  update_ops=None, variables=None, name=None, summaries=None,
                  colocate_gradients_with_ops=False,
                  increment_global_step=True):
  """contrib's training op: runs ``UPDATE_OPS`` first, makes the learning
  rate a variable ``OptimizeLoss/learning_rate`` when given as a float,
  clips by global norm when ``clip_gradients`` is a float (or applies it when
  callable), writes TF1's scalar summaries (``loss``,
  ``global_norm/gradient_norm``, ``global_norm/clipped_gradient_norm``;
  ``learning_rate`` only with a ``learning_rate_decay_fn``, as TF1 did) and
  returns the loss after the update."""
  if gradient_noise_scale is not None:
    raise NotImplementedError("optimize_loss: gradient_noise_scale is not "
                              "supported by compat; add the noise in a "
                              "clip_gradients function instead")
  loss = tf.convert_to_tensor(loss)
  if loss.shape.rank not in (None, 0):
    raise ValueError("optimize_loss needs a scalar loss, got shape %s" %
                     loss.shape)
  if global_step is None:
    global_step = v1.train.get_global_step()
  with v1.variable_scope(name, "OptimizeLoss", [loss, global_step]):
    if update_ops is None:
      update_ops = set(v1.get_collection(v1.GraphKeys.UPDATE_OPS))
    if update_ops:
      with tf.control_dependencies(list(update_ops)):
        loss = tf.identity(loss)
    lr = None
    if learning_rate is not None:
      if isinstance(learning_rate, tf.Tensor) and learning_rate.shape.rank == 0:
        lr = learning_rate
      elif isinstance(learning_rate, float):
        if learning_rate < 0.0:
          raise ValueError("Invalid learning_rate %s." % learning_rate)
        lr = v1.get_variable(
            "learning_rate", [], trainable=False,
            initializer=v1.constant_initializer(learning_rate))
      else:
        raise ValueError("Learning rate should be 0d Tensor or float. Got %s "
                         "of type %s" % (learning_rate, type(learning_rate)))
    if summaries is None:
      summaries = ["loss", "learning_rate", "global_gradient_norm"]
    for summ in summaries:
      if summ not in OPTIMIZER_SUMMARIES:
        raise ValueError("Summaries should be one of [%s], you provided %s."
                         % (", ".join(OPTIMIZER_SUMMARIES), summ))
    if learning_rate is not None and learning_rate_decay_fn is not None:
      if global_step is None:
        raise ValueError("global_step is required for "
                         "learning_rate_decay_fn.")
      lr = learning_rate_decay_fn(lr, global_step)
      if "learning_rate" in summaries:
        v1.summary.scalar("learning_rate", lr)
    opt = _make_optimizer(optimizer, lr, learning_rate)
    if variables is None:
      variables = v1.trainable_variables()
    gradients = opt.compute_gradients(
        loss, variables,
        colocate_gradients_with_ops=colocate_gradients_with_ops)
    if gradient_multipliers is not None:
      gradients = _multiply_gradients(gradients, gradient_multipliers)
      if not gradients:
        raise ValueError("Empty list of (gradient, var) pairs encountered.")
    norms = "global_gradient_norm" in summaries or (
        "gradient_norm" in summaries)
    if norms:
      v1.summary.scalar("global_norm/gradient_norm",
                        tf.linalg.global_norm(list(zip(*gradients))[0]))
    if isinstance(clip_gradients, float):
      grads, tvars = zip(*gradients)
      grads, _ = tf.clip_by_global_norm(grads, clip_gradients)
      gradients = list(zip(grads, tvars))
    elif callable(clip_gradients):
      gradients = clip_gradients(gradients)
    elif clip_gradients is not None:
      raise ValueError("Unknown type %s for clip_gradients" %
                       type(clip_gradients))
    if "loss" in summaries:
      v1.summary.scalar("loss", loss)
    for grad, var in gradients:
      values = grad.values if isinstance(grad, tf.IndexedSlices) else grad
      if values is not None:
        var_name = var.name.replace(":", "_")
        if "gradients" in summaries:
          v1.summary.histogram("gradients/%s" % var_name, values)
        if "gradient_norm" in summaries:
          v1.summary.scalar("gradient_norm/%s" % var_name,
                            tf.linalg.global_norm([values]))
    if clip_gradients is not None and norms:
      v1.summary.scalar("global_norm/clipped_gradient_norm",
                        tf.linalg.global_norm(list(zip(*gradients))[0]))
    train = opt.apply_gradients(
        gradients, global_step=global_step if increment_global_step else None,
        name="train")
    with tf.control_dependencies([train]):
      return tf.identity(loss)


__all__ = [
    "apply_regularization", "embed_sequence", "fully_connected",
    "l1_regularizer", "l2_regularizer", "layer_norm", "optimize_loss",
    "variance_scaling_initializer", "xavier_initializer",
    "xavier_initializer_conv2d", "OPTIMIZER_CLS_NAMES", "OPTIMIZER_SUMMARIES",
]
