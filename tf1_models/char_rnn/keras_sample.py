"""Generate text from exported Keras weights on any Keras 3 backend, with no
TensorFlow: the path for a user who converted a TF1 checkpoint
(``--mode=export_keras``) and moved to JAX or PyTorch.

``char_rnn.weights.h5`` (Keras 3's weights format, HDF5 arrays keyed by
layer, the same bytes whichever backend wrote them) and
``char_rnn.weights.h5.run.json`` (vocabulary and model config) are all it
reads. Generation is the Keras twin's NumPy loop (``KerasCharRNN.generate``),
greedy or sampled as the TF1 sampler, without acrostics.
"""

import json
import os

from tf1_models.char_rnn import data as data_lib
from tf1_models.char_rnn import keras_model
from tf1_models.corpus import Vocabulary
from tf1_models.errors import UserError


MODEL_NAME = "char_rnn"


def meta_path(keras_file):
  return keras_file + ".run.json"


def run_meta(config, fmt, vocab):
  """The ``run.json`` contents of a run: model config, format, vocabulary
  (what sampling and converting need besides the weights)."""
  cfg = config.model_config()
  cfg["format"] = fmt
  return {"model": MODEL_NAME, "config": cfg, "vocab": vocab.to_json()}


def load(keras_file):
  """``(KerasCharRNN with the weights, vocabulary, run config)``."""
  if not os.path.isfile(keras_file) or not os.path.isfile(
      meta_path(keras_file)):
    raise UserError("need %s and %s (written by --mode=export_keras)"
                    % (keras_file, meta_path(keras_file)))
  with open(meta_path(keras_file), encoding="utf-8") as f:
    meta = json.load(f)
  cfg = meta["config"]
  vocab = Vocabulary.from_json(meta["vocab"])
  net = keras_model.KerasCharRNN(cfg["model"], len(vocab), cfg["rnn_size"],
                                 cfg["num_layers"])
  net.model.load_weights(keras_file)
  return net, vocab, cfg


def sample(keras_file, prime="", length=100, temperature=0.0, top_k=0,
           seed=0):
  """The text ``--mode=sample`` prints, from the Keras weights."""
  net, vocab, cfg = load(keras_file)
  poems = cfg["format"] == "poems"
  if poems:
    prime_ids = vocab.encode(data_lib.START_TOKEN + prime, "--prime")
    end_id = vocab.id(data_lib.END_TOKEN)
  else:
    prime = prime or vocab.symbols[0]
    prime_ids, end_id = vocab.encode(prime, "--prime"), -1
  ids = net.generate(prime_ids, length, temperature, top_k, end_id, seed)
  text = prime + "".join(vocab.decode(ids))
  return data_lib.format_poem(text) if poems else text
