"""word2vec weights: TF1 checkpoint names <-> Keras layers, both ways.

TF1 (notebook graph)                  Keras (``KerasWord2Vec``)
------------------------------------  -----------------------------------
``Variable [V, D]`` (embeddings)      ``embedding``: ``embeddings``
``Variable_1 [V, D]`` (softmax W)     ``softmax``: ``kernel`` (same layout)
``Variable_2 [V]`` (softmax b)        ``softmax``: ``bias``

Both models (skip-gram, CBOW with either combiner) have the same three
variables; the combiner has no weights. Adagrad's accumulators
(``Variable/Adagrad`` ...) are optimizer state and are not converted.
"""

import numpy as np
import tensorflow as tf

from tf1_models import corpus, training
from tf1_models.errors import CheckpointMismatchError
from tf1_models.tf1_weights import assign_tf1  # noqa: F401 (re-export)
from tf1_models.word2vec import keras_model
from tf1_models.word2vec.model import (EMBEDDINGS, SOFTMAX_BIASES,
                                       SOFTMAX_WEIGHTS, VARIABLE_NAMES)


def read_checkpoint(path):
  """``{name: array}`` of the three model variables of a TF1 checkpoint."""
  reader = tf.train.load_checkpoint(path)
  have = reader.get_variable_to_shape_map()
  missing = [n for n in VARIABLE_NAMES if n not in have]
  if missing:
    raise CheckpointMismatchError(
        "checkpoint %s has no variable %s: it is not a word2vec notebook "
        "checkpoint" % (path, ", ".join(missing)))
  return {n: reader.get_tensor(n) for n in VARIABLE_NAMES}


def tf1_to_keras(weights):
  """TF1 ``{name: array}`` -> ``{keras layer name: [arrays]}``."""
  emb, w, b = (weights[n] for n in VARIABLE_NAMES)
  if not (emb.shape == w.shape and b.shape == (w.shape[0],)):
    raise CheckpointMismatchError(
        "inconsistent word2vec shapes: embeddings %s, softmax weights %s, "
        "biases %s" % (emb.shape, w.shape, b.shape))
  return {"embedding": [emb], "softmax": [w, b]}


def keras_to_tf1(layer_weights):
  """``{keras layer name: [arrays]}`` -> TF1 ``{name: array}``."""
  return {EMBEDDINGS: layer_weights["embedding"][0],
          SOFTMAX_WEIGHTS: layer_weights["softmax"][0],
          SOFTMAX_BIASES: layer_weights["softmax"][1]}


def set_keras_weights(net, layer_weights):
  net.embedding.set_weights(layer_weights["embedding"])
  net.softmax.set_weights(layer_weights["softmax"])


def get_keras_weights(net):
  return {"embedding": [np.asarray(w) for w in net.embedding.get_weights()],
          "softmax": [np.asarray(w) for w in net.softmax.get_weights()]}


def keras_from_run(path):
  """A ``KerasWord2Vec`` holding the weights of the TF1 run in ``path``,
  and the run's vocabulary."""
  meta, ckpt = training.RunDir(path).load_for_inference("word2vec")
  cfg = meta["config"]
  weights = read_checkpoint(ckpt)
  vocab_size, dim = weights[EMBEDDINGS].shape
  net = keras_model.KerasWord2Vec(cfg["model"], vocab_size, dim,
                                  cfg["skip_window"], cfg["combiner"])
  set_keras_weights(net, tf1_to_keras(weights))
  return net, corpus.Vocabulary.from_json(meta["vocab"])
