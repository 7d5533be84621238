"""char_rnn weights: TF1 checkpoint names <-> Keras layers, both ways.

TF1 (``char_rnn`` graph)                         Keras (``KerasCharRNN``)
-----------------------------------------------  -----------------------------
``embedding [V+1, H]``                           ``embedding``
``rnn/multi_rnn_cell/cell_k/<cell>/...``         ``rnn_k`` (see
                                                 ``compat.keras_mapping``)
``Variable [H, V+1]``, ``Variable_1 [V+1]``      ``softmax`` kernel, bias

With ``tie_layers`` TF1 has only ``cell_0``; every Keras layer gets a copy.
"""

import numpy as np
import tensorflow as tf

from compat import keras_mapping
from tf1_models.errors import CheckpointMismatchError
from tf1_models.tf1_weights import assign_tf1  # noqa: F401 (re-export)

v1 = tf.compat.v1

CELL_SCOPES = {"rnn": "basic_rnn_cell", "gru": "gru_cell",
               "lstm": "basic_lstm_cell"}
FORGET_BIAS = 1.0  # BasicLSTMCell's default, added at run time in TF1


def cell_prefix(model, layer):
  return "rnn/multi_rnn_cell/cell_%d/%s/" % (layer, CELL_SCOPES[model])


def tf1_variable_names(model, num_layers, tie_layers=False):
  """The model variables of the TF1 graph (no optimizer slots)."""
  names = ["embedding", "Variable", "Variable_1"]
  for k in range(1 if tie_layers else num_layers):
    p = cell_prefix(model, k)
    if model == "gru":
      names += [p + "gates/kernel", p + "gates/bias", p + "candidate/kernel",
                p + "candidate/bias"]
    else:
      names += [p + "kernel", p + "bias"]
  return names


def read_checkpoint(path, model, num_layers, tie_layers=False):
  """``{name: array}`` of the model variables in a TF1 checkpoint."""
  reader = tf.train.load_checkpoint(path)
  have = reader.get_variable_to_shape_map()
  out = {}
  for name in tf1_variable_names(model, num_layers, tie_layers):
    if name not in have:
      raise CheckpointMismatchError(
          "checkpoint %s has no variable %s: it is not a char_rnn %s model "
          "with %d layer(s)%s" % (path, name, model, num_layers,
                                  " (tied)" if tie_layers else ""))
    out[name] = reader.get_tensor(name)
  return out


def tf1_to_keras(weights, model, num_layers, tie_layers=False):
  """TF1 ``{name: array}`` -> ``{keras layer name: [arrays]}``."""
  emb = weights["embedding"]
  rnn_size = emb.shape[1]
  out = {"embedding": [emb],
         "softmax": [weights["Variable"], weights["Variable_1"]]}
  for k in range(num_layers):
    p = cell_prefix(model, 0 if tie_layers else k)
    if model == "rnn":
      w = keras_mapping.basic_rnn_to_keras(weights[p + "kernel"],
                                           weights[p + "bias"], rnn_size)
    elif model == "gru":
      w = keras_mapping.gru_to_keras(
          weights[p + "gates/kernel"], weights[p + "gates/bias"],
          weights[p + "candidate/kernel"], weights[p + "candidate/bias"],
          rnn_size)
    else:
      w = keras_mapping.lstm_to_keras(weights[p + "kernel"],
                                      weights[p + "bias"], rnn_size,
                                      FORGET_BIAS)
    out["rnn_%d" % k] = w
  return out


def keras_to_tf1(layer_weights, model, num_layers, tie_layers=False):
  """``{keras layer name: [arrays]}`` -> TF1 ``{name: array}``."""
  out = {"embedding": layer_weights["embedding"][0],
         "Variable": layer_weights["softmax"][0],
         "Variable_1": layer_weights["softmax"][1]}
  if tie_layers:
    first = layer_weights["rnn_0"]
    for k in range(1, num_layers):
      if not all(np.array_equal(a, b) for a, b in
                 zip(first, layer_weights["rnn_%d" % k])):
        raise ValueError("tie_layers: Keras layer rnn_%d differs from rnn_0, "
                         "so it cannot become one shared TF1 cell" % k)
  for k in range(1 if tie_layers else num_layers):
    p = cell_prefix(model, k)
    w = layer_weights["rnn_%d" % k]
    if model == "rnn":
      out[p + "kernel"], out[p + "bias"] = keras_mapping.keras_to_basic_rnn(w)
    elif model == "gru":
      (out[p + "gates/kernel"], out[p + "gates/bias"],
       out[p + "candidate/kernel"],
       out[p + "candidate/bias"]) = keras_mapping.keras_to_gru(w)
    else:
      out[p + "kernel"], out[p + "bias"] = keras_mapping.keras_to_lstm(
          w, FORGET_BIAS)
  return out


def set_keras_weights(keras_char_rnn, layer_weights):
  for name, arrays in layer_weights.items():
    keras_char_rnn.model.get_layer(name).set_weights(arrays)


def get_keras_weights(keras_char_rnn):
  names = ["embedding", "softmax"] + ["rnn_%d" % k for k in
                                      range(keras_char_rnn.num_layers)]
  return {n: [np.asarray(w) for w in
              keras_char_rnn.model.get_layer(n).get_weights()] for n in names}
