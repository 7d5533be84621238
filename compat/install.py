"""``compat.install()``: make unmodified TF1 code find our implementations.

After it, these resolve to ``compat``:
  * ``tf.compat.v1.nn.rnn_cell.<Cell>`` (and ``tf.nn.rnn_cell`` for code that
    does ``import tensorflow.compat.v1 as tf``),
  * ``tf.compat.v1.layers.dense`` / ``Dense``,
  * ``tf.contrib.rnn``, ``tf.contrib.legacy_seq2seq``,
    ``from tensorflow.contrib import rnn`` and ``import tensorflow.contrib.rnn``.

It touches nothing else: eager execution, the v2 API and Keras are left as
they are, and calling it twice is the same as calling it once.
"""

import importlib
import sys
import types

import tensorflow as tf

_RNN_CELL_NAMES = (
    "RNNCell", "BasicRNNCell", "GRUCell", "BasicLSTMCell", "LSTMCell",
    "MultiRNNCell", "DropoutWrapper", "ResidualWrapper", "DeviceWrapper",
    "LSTMStateTuple",
)
_LAYERS_NAMES = ("dense", "Dense")

_installed = False


def _module(name, doc, attrs):
  mod = sys.modules.get(name)
  if mod is None:
    mod = types.ModuleType(name, doc)
    sys.modules[name] = mod
  for key, value in attrs.items():
    setattr(mod, key, value)
  return mod


def _lazy_legacy_seq2seq():
  try:
    return importlib.import_module("compat.legacy_seq2seq")
  except ImportError:
    return None


def install():
  """Install the TF1 RNN API into ``tensorflow``. Idempotent."""
  global _installed
  from compat import contrib_rnn, layers, rnn_cell, wrappers  # pylint: disable=g-import-not-at-top

  cells = {n: getattr(rnn_cell, n, None) or getattr(wrappers, n)
           for n in _RNN_CELL_NAMES}
  rnn_cell_mod = _module("tensorflow.compat.v1.nn.rnn_cell",
                         "TF1 rnn_cell API (tf1-rnn compat).", cells)
  for nn in (tf.compat.v1.nn,):
    setattr(nn, "rnn_cell", rnn_cell_mod)

  v1_layers = tf.compat.v1.layers
  for name in _LAYERS_NAMES:
    setattr(v1_layers, name, getattr(layers, name))

  contrib_attrs = {n: getattr(contrib_rnn, n) for n in contrib_rnn.__all__}
  rnn_mod = _module("tensorflow.contrib.rnn",
                    "tf.contrib.rnn (tf1-rnn compat).", contrib_attrs)
  contrib = _module("tensorflow.contrib", "tf.contrib (tf1-rnn compat).",
                    {"rnn": rnn_mod})
  seq2seq = _lazy_legacy_seq2seq()
  if seq2seq is not None:
    sys.modules["tensorflow.contrib.legacy_seq2seq"] = seq2seq
    contrib.legacy_seq2seq = seq2seq
  contrib.__path__ = []  # a package, so "import tensorflow.contrib.rnn" works
  tf.contrib = contrib
  tf.compat.v1.contrib = contrib
  _installed = True
  return contrib


def is_installed():
  return _installed
