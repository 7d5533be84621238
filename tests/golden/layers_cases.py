"""Cases of ``tf.compat.v1.layers`` (dropout, batch normalization,
convolutions, pooling, flatten) and ``tf.contrib.cudnn_rnn`` for the golden
files recorded by ``make_layers_golden.py``.

Runs unchanged under TF 1.15 (Python 3.7) and TF 2.x. ``api`` holds
``dropout``, ``batch_normalization``, ``conv1d``, ``conv2d``,
``max_pooling1d/2d``, ``average_pooling1d/2d``, ``flatten``, ``dense``,
``CudnnCompatibleLSTMCell``, ``CudnnCompatibleGRUCell``, ``contrib``
(``tf.contrib.layers``' functions) and
``cudnn_stack(mode, num_layers, num_units, direction, x, lengths)``: TF1's
side builds the stack of CudnnCompatible cells that TF1's cuDNN layer's
checkpoints are named after (TF 1.15 cannot run cuDNN on a CPU), compat's
side is its ``CudnnLSTM``/``CudnnGRU`` layer.
"""

import collections

import numpy as np

import cases  # the shared harness pieces  # pylint: disable=import-error

CASES = collections.OrderedDict()
GRAPH_SEED = 1234


def case(fn):
  CASES[fn.__name__[len("case_"):]] = fn
  return fn


def _initial(tf, name):
  """Name-derived values; moving variances kept positive."""
  def init(shape, dtype=None, partition_info=None):
    del partition_info
    value = cases.named_values(name, shape)
    if name.endswith("moving_variance"):
      value = 1.0 + value
    return tf.constant(value, dtype=tf.as_dtype(dtype or "float32"))
  return init


def _getter(tf):
  def custom_getter(getter, name, *args, **kwargs):
    dtype = kwargs.get("dtype")
    if name.startswith("seeded/"):  # keep the initializer under test
      return getter(name, *args, **kwargs)
    if dtype is None or tf.as_dtype(dtype).is_floating:
      kwargs["initializer"] = _initial(tf, name)
    return getter(name, *args, **kwargs)
  return custom_getter


def run_case(tf, api, name, session_config=None):
  """``(arrays, meta)`` as ``cases.run_case``, plus ``upd:<variable>``: every
  variable after running ``tf.GraphKeys.UPDATE_OPS`` once (batch norm's
  moving statistics), and ``meta["update_ops"]``: how many there were."""
  v1 = tf.compat.v1
  with tf.Graph().as_default():
    v1.set_random_seed(GRAPH_SEED)
    with v1.variable_scope(v1.get_variable_scope(),
                           custom_getter=_getter(tf)):
      built = CASES[name](tf, api)
    flat = cases.flatten("out", built["outputs"], collections.OrderedDict())
    loss = cases._weighted_sum(  # pylint: disable=protected-access
        v1, [t for t in flat.values() if t.dtype.is_floating])
    inputs = collections.OrderedDict(sorted(built.get("inputs", {}).items()))
    variables = v1.global_variables()
    trainable = v1.trainable_variables()
    grads = v1.gradients(loss, list(inputs.values()) + trainable)
    fetch = collections.OrderedDict(loss=loss)
    fetch.update(flat)
    for v in variables:
      fetch["var:" + v.op.name] = v
    keys = ["grad:" + k for k in inputs] + ["grad:" + v.op.name
                                            for v in trainable]
    no_grad = []
    for key, g in zip(keys, grads):
      if g is None:
        no_grad.append(key[len("grad:"):])
      else:
        fetch[key] = v1.convert_to_tensor(g)
    updates = v1.get_collection(v1.GraphKeys.UPDATE_OPS)
    with v1.Session(config=session_config) as sess:
      sess.run(v1.global_variables_initializer())
      values = sess.run(dict(fetch))
      if updates:
        sess.run(updates)
      after = sess.run({"upd:" + v.op.name: v for v in variables})
  values.update(after)
  arrays = collections.OrderedDict(
      (key, np.asarray(values[key])) for key in list(fetch) + sorted(after))
  meta = {
      "variables": [[v.op.name, [int(d) for d in v.shape]]
                    for v in variables],
      "trainable": [v.op.name for v in trainable],
      "no_grad": no_grad,
      "update_ops": len(updates),
  }
  return arrays, meta


def _x(tf, shape, offset=0.0):
  return cases._const(tf, shape, offset)  # pylint: disable=protected-access


# ---------------------------------------------------------------------------
# tf.layers


@case
def case_conv1d_bn_dropout_train(tf, api):
  """The text classifier's block: conv1d, non-fused batch norm (training),
  seeded dropout (training), max pooling, flatten, dense."""
  x = _x(tf, [3, 7, 4])
  h = api.conv1d(x, 5, 3, activation=tf.nn.relu)
  h = api.batch_normalization(h, training=True)
  h = api.dropout(h, rate=0.4, seed=7, training=True)
  h = api.max_pooling1d(h, 2, 2)
  logits = api.dense(api.flatten(h), 2)
  return dict(outputs=(h, logits), inputs={"x": x})


@case
def case_conv1d_bn_dropout_infer(tf, api):
  """The same block with ``training=False``: moving statistics, no update
  ops, dropout the identity."""
  x = _x(tf, [3, 7, 4])
  h = api.conv1d(x, 5, 3, padding="same", activation=tf.nn.relu)
  h = api.batch_normalization(h, training=False)
  h = api.dropout(h, rate=0.4, seed=7, training=False)
  h = api.average_pooling1d(h, 3, 2, padding="same")
  return dict(outputs=api.flatten(h), inputs={"x": x})


@case
def case_bn_training_tensor(tf, api):
  """``training`` as a boolean tensor (true): the cond-wrapped updates."""
  x = _x(tf, [4, 5, 3])
  flag = tf.compat.v1.placeholder_with_default(True, [])
  h = api.batch_normalization(x, training=flag, momentum=0.9,
                              name="bn_flag")
  h2 = api.dropout(h, rate=0.3, seed=3, training=flag)
  return dict(outputs=(h, h2), inputs={"x": x})


@case
def case_bn_training_tensor_false(tf, api):
  """``training`` as a boolean tensor (false): moving statistics; the update
  ops exist but leave the moving statistics as they are."""
  x = _x(tf, [4, 5, 3])
  flag = tf.compat.v1.placeholder_with_default(False, [])
  h = api.batch_normalization(x, training=flag, center=False)
  return dict(outputs=h, inputs={"x": x})


@case
def case_conv2d_fused_bn(tf, api):
  """conv2d + fused batch norm (4-D, axis 3) in training mode, pooling."""
  x = _x(tf, [2, 6, 5, 3])
  h = api.conv2d(x, 4, (3, 2), strides=(1, 2), padding="same")
  h = api.batch_normalization(h, training=True, epsilon=0.01)
  h = api.max_pooling2d(h, 2, 1)
  h2 = api.average_pooling2d(h, (2, 1), (2, 1))
  return dict(outputs=(h, api.flatten(h2)), inputs={"x": x})


@case
def case_conv2d_fused_bn_infer(tf, api):
  x = _x(tf, [2, 5, 5, 2])
  h = api.conv2d(x, 3, 2, dilation_rate=2, use_bias=False)
  h = api.batch_normalization(h, training=False, scale=False)
  return dict(outputs=h, inputs={"x": x})


@case
def case_bn_axis1_nonfused(tf, api):
  """axis=1 of a 3-D input (non-fused, broadcast reshape), training."""
  x = _x(tf, [4, 3, 5])
  h = api.batch_normalization(x, axis=1, training=True)
  return dict(outputs=h, inputs={"x": x})


# ---------------------------------------------------------------------------
# tf.contrib.cudnn_rnn


@case
def case_cudnn_compatible_lstm_cell(tf, api):
  x = _x(tf, [3, 4, 3])
  out, state = tf.compat.v1.nn.dynamic_rnn(
      api.CudnnCompatibleLSTMCell(5), x, dtype=tf.float32)
  return dict(outputs=(out, state), inputs={"x": x})


@case
def case_cudnn_compatible_gru_cell(tf, api):
  x = _x(tf, [3, 4, 3])
  out, state = tf.compat.v1.nn.dynamic_rnn(
      api.CudnnCompatibleGRUCell(5), x, dtype=tf.float32)
  return dict(outputs=(out, state), inputs={"x": x})


def _stack(mode, layers, direction, lengths=None):
  def build(tf, api):
    x = _x(tf, [5, 3, 4])  # time-major
    out, states = api.cudnn_stack(mode, layers, 3, direction, x, lengths)
    return dict(outputs=(out, states), inputs={"x": x})
  return build


CUDNN_STACKS = collections.OrderedDict([
    ("cudnn_lstm_2layer", ("lstm", 2, "unidirectional", None)),
    ("cudnn_lstm_bidi_2layer", ("lstm", 2, "bidirectional", [5, 3, 4])),
    ("cudnn_gru_2layer", ("gru", 2, "unidirectional", [5, 2, 4])),
    ("cudnn_gru_bidi", ("gru", 1, "bidirectional", None)),
    ("cudnn_rnn_tanh", ("rnn_tanh", 2, "unidirectional", None)),
])
for _name, _spec in CUDNN_STACKS.items():
  CASES[_name] = _stack(*_spec)


# ---------------------------------------------------------------------------
# tf.contrib.layers


@case
def case_contrib_fully_connected(tf, api):
  """Default relu, a layer_norm normalizer (no biases), a regularized one on
  a 3-D input; the regularization losses are an output."""
  c = api.contrib
  v1 = tf.compat.v1
  x = _x(tf, [3, 5])
  h = c.fully_connected(x, 4)
  h = c.fully_connected(h, 6, activation_fn=tf.tanh, normalizer_fn=c.layer_norm)
  x3 = _x(tf, [2, 3, 4], 0.5)
  h3 = c.fully_connected(x3, 3, activation_fn=None,
                         weights_regularizer=c.l2_regularizer(0.1),
                         biases_regularizer=c.l1_regularizer(0.01),
                         scope="proj")
  reg = v1.add_n(v1.get_collection(v1.GraphKeys.REGULARIZATION_LOSSES))
  models = len(v1.get_collection(v1.GraphKeys.MODEL_VARIABLES))
  return dict(outputs=(h, h3, reg, tf.constant(models)),
              inputs={"x": x, "x3": x3})


@case
def case_contrib_layer_norm_embed(tf, api):
  """embed_sequence, layer_norm over the last axis and over axes 1: of a
  3-D tensor (parameters over the last axis), apply_regularization."""
  c = api.contrib
  ids = tf.constant([[1, 3, 5], [2, 2, 0]])
  e = c.embed_sequence(ids, vocab_size=7, embed_dim=4)
  e2 = c.embed_sequence(ids, vocab_size=7, embed_dim=4, unique=True,
                        scope="uniq")
  n1 = c.layer_norm(e, begin_norm_axis=-1)
  n2 = c.layer_norm(e2, center=False, activation_fn=tf.nn.relu)
  reg = c.apply_regularization(c.l2_regularizer(0.5), [e])
  return dict(outputs=(n1, n2, reg))


@case
def case_contrib_initializers(tf, api):
  """Seeded xavier (uniform and normal) and variance-scaling initializers
  give TF 1.15's values."""
  c = api.contrib
  v1 = tf.compat.v1
  with v1.variable_scope("seeded"):
    a = v1.get_variable("xavier", [4, 6],
                        initializer=c.xavier_initializer(seed=3))
    b = v1.get_variable("xavier_normal", [3, 3, 2, 5],
                        initializer=c.xavier_initializer(uniform=False,
                                                         seed=4))
    d = v1.get_variable("he", [5, 3],
                        initializer=c.variance_scaling_initializer(seed=5))
    e = v1.get_variable("fan_out", [2, 2, 3], initializer=(
        c.variance_scaling_initializer(1.5, "FAN_OUT", True, seed=6)))
    f = v1.get_variable("conv", [2, 2, 3, 4], initializer=(
        c.xavier_initializer_conv2d(seed=7)))
  return dict(outputs=(a * 1.0, b * 1.0, d * 1.0, e * 1.0, f * 1.0))


def run_optimize_loss(tf, api, session_config=None):
  """Three ``optimize_loss`` steps of a small model with batch norm: the
  losses, the variables after them, the summary tags and values."""
  c = api.contrib
  v1 = tf.compat.v1
  out = collections.OrderedDict()
  for label, kwargs in (
      ("sgd_clip", dict(optimizer="SGD", learning_rate=0.5,
                        clip_gradients=0.3)),
      ("adam_decay", dict(
          optimizer="Adam", learning_rate=0.05,
          learning_rate_decay_fn=lambda lr, step: v1.train.exponential_decay(
              lr, step, 1, 0.5),
          summaries=["loss", "learning_rate", "gradient_norm",
                     "global_gradient_norm"])),
      ("momentum_fn", dict(optimizer="Momentum", learning_rate=0.1,
                           clip_gradients=lambda gv: [(g * 0.5, v)
                                                      for g, v in gv]))):
    with tf.Graph().as_default():
      v1.set_random_seed(GRAPH_SEED)
      with v1.variable_scope(v1.get_variable_scope(),
                             custom_getter=_getter(tf)):
        x = _x(tf, [4, 3])
        # The common pattern (no biases before batch norm: their gradient
        # would be rounding noise, which Adam scales up to full steps).
        h = c.fully_connected(x, 5, normalizer_fn=api.batch_normalization,
                              normalizer_params={"training": True})
        loss = tf.reduce_mean(tf.square(c.fully_connected(h, 1) - 0.3))
      step = v1.train.get_or_create_global_step()
      train = c.optimize_loss(loss, step, **kwargs)
      merged = v1.summary.merge_all()
      with v1.Session(config=session_config) as sess:
        sess.run(v1.global_variables_initializer())
        losses = [sess.run(train) for _ in range(3)]
        summary = v1.Summary.FromString(sess.run(merged))
        values = sess.run({v.op.name: v for v in v1.global_variables()})
    out[label + "|losses"] = np.array(losses)
    out[label + "|summary_tags"] = np.array(
        sorted(v.tag for v in summary.value))
    out[label + "|scalars"] = np.array(
        [v.simple_value for v in sorted(summary.value, key=lambda v: v.tag)
         if v.HasField("simple_value")])
    for name, value in values.items():
      out["%s|var:%s" % (label, name)] = np.asarray(value)
  return out
