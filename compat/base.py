"""TF1 ``tf.layers.Layer`` scoping and variable bookkeeping, without Keras.

On its first call an object captures ``variable_scope(scope,
default_name=<its default name>)`` inside the variable scope current at that
moment (so unnamed layers in one scope become ``dense``, ``dense_1``, ...),
builds its variables there, and re-enters that captured scope with
``reuse=True`` on every later call. Cells and ``Dense`` both use this.
"""

import contextlib
import copy
import logging

import tensorflow as tf

# TF1 logged through the "tensorflow" logger; warnings keep that home.
logger = logging.getLogger("tensorflow")
_WARNED_ONCE = set()


def warn_once(message):
  """Log ``message`` as a warning the first time only in this process, as
  TF1's ``logging.log_first_n(logging.WARN, message, 1)`` did."""
  if message not in _WARNED_ONCE:
    _WARNED_ONCE.add(message)
    logger.warning(message)

v1 = tf.compat.v1


def _hard_sigmoid(x):
  return tf.clip_by_value(0.2 * x + 0.5, 0., 1.)


# The activation names TF1's cells and tf.layers accepted (Keras 2's).
_ACTIVATIONS = {
    "elu": tf.nn.elu,
    "exponential": tf.exp,
    "hard_sigmoid": _hard_sigmoid,
    "linear": lambda x: x,
    "relu": tf.nn.relu,
    "selu": tf.nn.selu,
    "sigmoid": tf.sigmoid,
    "softmax": tf.nn.softmax,
    "softplus": tf.nn.softplus,
    "softsign": tf.nn.softsign,
    "tanh": tf.tanh,
}


def get_activation(identifier):
  """An activation given as TF1 allowed: ``None``, a callable or a name."""
  if identifier is None or callable(identifier):
    return identifier
  if isinstance(identifier, str):
    if identifier not in _ACTIVATIONS:
      raise ValueError("Unknown activation function: %s (known: %s)" %
                       (identifier, ", ".join(sorted(_ACTIVATIONS))))
    return _ACTIVATIONS[identifier]
  raise TypeError("Could not interpret activation function identifier: %r"
                  % (identifier,))


def _default_initializer(dtype):
  """TF1 ``tf.layers`` default: the scope's initializer, else Glorot uniform
  for floats and zeros for integers and booleans."""
  initializer = v1.get_variable_scope().initializer
  if initializer is not None:
    return initializer
  if dtype.is_floating:
    return v1.glorot_uniform_initializer()
  if dtype.is_integer or dtype.is_unsigned or dtype.is_bool:
    return v1.zeros_initializer()
  return None


class Layer(object):
  """Scope capture, one-time ``build`` and variable tracking."""

  _default_name = "layer"
  # Required input rank (None: no check).
  _input_ndim = None

  def __init__(self, trainable=True, name=None, dtype=None, reuse=None,
               **kwargs):
    if kwargs:
      raise TypeError("%s got unexpected arguments: %s" %
                      (type(self).__name__, sorted(kwargs)))
    self.trainable = trainable
    self._name = name
    self._reuse = reuse
    self._dtype = tf.as_dtype(dtype) if dtype is not None else None
    self._scope = None
    self._always_reuse_scope = None
    self.built = False
    self._variables = []

  @property
  def name(self):
    return self._name or self._default_name

  @property
  def dtype(self):
    return self._dtype

  @property
  def scope_name(self):
    """Full variable scope of this object once it has been called."""
    return self._scope.name if self._scope is not None else None

  @property
  def variables(self):
    """Variables this object (and what it wraps) created, in order."""
    return list(self._variables)

  @property
  def trainable_variables(self):
    return [v for v in self.variables if v.trainable]

  # TF1 names, for code that used them.
  @property
  def weights(self):
    return self.variables

  @property
  def trainable_weights(self):
    return self.trainable_variables

  def add_variable(self, name, shape, dtype=None, initializer=None,
                   regularizer=None, trainable=None, constraint=None,
                   partitioner=None):
    """``get_variable`` in this object's scope, recorded on it.

    Without an ``initializer`` the variable scope's is used, else Glorot
    uniform (zeros for non-float dtypes), chosen here as TF1's layers did, so
    custom getters see the same initializer they saw under TF1.
    """
    dtype = tf.as_dtype(dtype or self._dtype or tf.float32)
    if initializer is None:
      initializer = _default_initializer(dtype)
    var = v1.get_variable(
        name, shape=shape, dtype=dtype,
        initializer=initializer, regularizer=regularizer,
        trainable=self.trainable if trainable is None else trainable,
        constraint=constraint, partitioner=partitioner)
    if isinstance(var, tf.Variable):
      self._variables.append(var)
    else:  # PartitionedVariable
      self._variables.extend(list(var))
    return var

  add_weight = add_variable

  def build(self, input_shape):
    del input_shape

  def __deepcopy__(self, memo):
    """An unbuilt copy: same configuration, no scope, no variables.

    TF1 could deep-copy a layer only before its first call (afterwards the
    copy reached graph locks and failed), which broke
    ``embedding_*_seq2seq`` when a cell was passed to it a second time. Here
    the copy is made from the attributes this object had before its first
    call (nested layers are copied the same way; tensors and variables are
    shared, not copied), so it creates its own variables in whatever scope it
    is first called in.
    """
    new = object.__new__(type(self))
    memo[id(self)] = new
    state = dict(self.__dict__.get("_unbuilt_state", self.__dict__))
    state.pop("_unbuilt_state", None)
    _share_graph_objects(list(state.values()), memo)
    new.__dict__.update(copy.deepcopy(state, memo))
    new.__dict__.update(_scope=None, _always_reuse_scope=None, built=False,
                        _variables=[])
    return new

  def _check_inputs(self, inputs):
    if self._input_ndim is None:
      return inputs
    inputs = tf.convert_to_tensor(inputs)
    rank = inputs.shape.rank
    if rank is not None and rank != self._input_ndim:
      raise ValueError(
          "%s expects inputs of rank %d but got shape %s%s" %
          (self.name, self._input_ndim, inputs.shape, self._rank_hint()))
    if inputs.shape[-1] is None:
      raise ValueError(
          "Expected inputs.shape[-1] to be known, saw shape: %s (%s needs the "
          "input depth to create its kernel)" % (inputs.shape, self.name))
    return inputs

  def _rank_hint(self):
    return ""

  def _capture_scope(self, scope):
    if self._scope is not None:
      return
    # What __deepcopy__ copies: the configuration before the first call.
    self._unbuilt_state = dict(self.__dict__)
    if self._reuse:
      with v1.variable_scope(scope if scope is not None else self.name
                            ) as captured:
        self._scope = captured
    else:
      with v1.variable_scope(scope, default_name=self.name) as captured:
        self._scope = captured

  @contextlib.contextmanager
  def _enter_scope(self, scope, inputs):
    """Enter the captured scope; build on the first entry."""
    self._capture_scope(scope)
    if self.built:
      if self._always_reuse_scope is None:
        self._always_reuse_scope = v1.variable_scope(
            self._scope, reuse=True, auxiliary_name_scope=False)
      ctx = self._always_reuse_scope
    else:
      ctx = v1.variable_scope(self._scope, reuse=self._reuse,
                              auxiliary_name_scope=False)
    with ctx:
      if not self.built:
        if self._dtype is None and isinstance(inputs, tf.Tensor):
          self._dtype = inputs.dtype.base_dtype
        self.build(inputs.shape if isinstance(inputs, tf.Tensor) else None)
        self.built = True
      yield


_GRAPH_TYPES = (tf.Tensor, tf.Variable, tf.Operation, tf.Graph,
                v1.VariableScope)


def _share_graph_objects(value, memo):
  """Make ``deepcopy`` keep graph objects found in ``value`` as they are."""
  if isinstance(value, _GRAPH_TYPES):
    memo[id(value)] = value
  elif isinstance(value, (list, tuple, set, frozenset)):
    for item in value:
      _share_graph_objects(item, memo)
  elif isinstance(value, dict):
    for item in value.values():
      _share_graph_objects(item, memo)
