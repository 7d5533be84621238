"""next_char weights: TF1 checkpoint names <-> Keras layers, both ways.

TF1 (``model.NextCharNet``)                       Keras (``NextCharModel``)
------------------------------------------------  ---------------------------
``embedding [V, E]``                              ``embedding``
``rnn/<cell>/...``                                ``rnn`` (SimpleRNN/GRU/LSTM,
                                                  see ``compat.keras_mapping``)
``bidirectional_rnn/fw/<cell>/...``,              ``rnn`` = Bidirectional:
``bidirectional_rnn/bw/<cell>/...``               forward weights, then
                                                  backward weights
``dense/kernel [H or 2H, V]``, ``dense/bias``     ``dense``

``runner.convert_run`` (``--mode=convert``) uses these to turn a whole run
directory of one implementation into one of the other (model weights and
``run.json``; optimizer state is not carried over, so a converted run is for
generation, and training it further is refused).
"""

import os

import numpy as np
import tensorflow as tf

from compat import keras_mapping
from tf1_models.errors import CheckpointMismatchError
from tf1_models.tf1_weights import assign_tf1  # noqa: F401 (re-export)

v1 = tf.compat.v1

CELL_SCOPES = {"rnn": "basic_rnn_cell", "gru": "gru_cell",
               "lstm": "basic_lstm_cell"}
FORGET_BIAS = 1.0  # BasicLSTMCell's default, added at run time in TF1
KERAS_WEIGHTS = "model.weights.h5"


def cell_prefixes(cell, bidirectional):
  scope = CELL_SCOPES[cell]
  if bidirectional:
    return ["bidirectional_rnn/fw/%s/" % scope,
            "bidirectional_rnn/bw/%s/" % scope]
  return ["rnn/%s/" % scope]


def _cell_names(cell, prefix):
  if cell == "gru":
    return [prefix + n for n in ("gates/kernel", "gates/bias",
                                 "candidate/kernel", "candidate/bias")]
  return [prefix + "kernel", prefix + "bias"]


def tf1_variable_names(cell, bidirectional):
  """The model variables of the TF1 graph (no optimizer slots)."""
  names = ["embedding", "dense/kernel", "dense/bias"]
  for prefix in cell_prefixes(cell, bidirectional):
    names += _cell_names(cell, prefix)
  return names


def read_checkpoint(path, cell, bidirectional):
  """``{name: array}`` of the model variables in a TF1 checkpoint."""
  reader = tf.train.load_checkpoint(path)
  have = reader.get_variable_to_shape_map()
  out = {}
  for name in tf1_variable_names(cell, bidirectional):
    if name not in have:
      raise CheckpointMismatchError(
          "checkpoint %s has no variable %s: it is not a next_char %s%s "
          "model" % (path, name, "bidirectional " if bidirectional else "",
                     cell))
    out[name] = reader.get_tensor(name)
  return out


def _cell_to_keras(cell, weights, prefix, input_depth):
  if cell == "rnn":
    return keras_mapping.basic_rnn_to_keras(
        weights[prefix + "kernel"], weights[prefix + "bias"], input_depth)
  if cell == "gru":
    return keras_mapping.gru_to_keras(
        *[weights[n] for n in _cell_names(cell, prefix)], input_depth)
  return keras_mapping.lstm_to_keras(weights[prefix + "kernel"],
                                     weights[prefix + "bias"], input_depth,
                                     FORGET_BIAS)


def _cell_to_tf1(cell, keras_weights, prefix):
  if cell == "rnn":
    values = keras_mapping.keras_to_basic_rnn(keras_weights)
  elif cell == "gru":
    values = keras_mapping.keras_to_gru(keras_weights)
  else:
    values = keras_mapping.keras_to_lstm(keras_weights, FORGET_BIAS)
  return dict(zip(_cell_names(cell, prefix), values))


def tf1_to_keras(weights, cell, bidirectional):
  """TF1 ``{name: array}`` -> ``{"embedding"|"rnn"|"dense": [arrays]}``."""
  emb = weights["embedding"]
  rnn = []
  for prefix in cell_prefixes(cell, bidirectional):
    rnn += _cell_to_keras(cell, weights, prefix, emb.shape[1])
  return {"embedding": [emb], "rnn": rnn,
          "dense": [weights["dense/kernel"], weights["dense/bias"]]}


def keras_to_tf1(layer_weights, cell, bidirectional):
  """``{"embedding"|"rnn"|"dense": [arrays]}`` -> TF1 ``{name: array}``."""
  out = {"embedding": layer_weights["embedding"][0],
         "dense/kernel": layer_weights["dense"][0],
         "dense/bias": layer_weights["dense"][1]}
  prefixes = cell_prefixes(cell, bidirectional)
  rnn = layer_weights["rnn"]
  per = len(rnn) // len(prefixes)
  for k, prefix in enumerate(prefixes):
    out.update(_cell_to_tf1(cell, rnn[k * per:(k + 1) * per], prefix))
  return out


def get_keras_weights(net):
  return {name: [np.asarray(w) for w in layer.get_weights()]
          for name, layer in net.layers().items()}


def set_keras_weights(net, layer_weights):
  for name, layer in net.layers().items():
    layer.set_weights(layer_weights[name])




def keras_weights_path(run_path):
  return os.path.join(run_path, KERAS_WEIGHTS)
