"""Cases of ``tf.compat.v1.layers`` (dropout, batch normalization,
convolutions, pooling, flatten) and ``tf.contrib.cudnn_rnn`` for the golden
files recorded by ``make_layers_golden.py``.

Runs unchanged under TF 1.15 (Python 3.7) and TF 2.x. ``api`` holds
``dropout``, ``batch_normalization``, ``conv1d``, ``conv2d``,
``max_pooling1d/2d``, ``average_pooling1d/2d``, ``flatten``, ``dense``,
``CudnnCompatibleLSTMCell``, ``CudnnCompatibleGRUCell`` and
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
