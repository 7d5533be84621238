"""next_char configuration: one plain dataclass, named presets.

The seed (``../shared/seeds/001_*.txt``) is a Keras model: ``Embedding(V,
256) -> SimpleRNN(256) -> Dense(V, softmax)`` trained on every 100-character
window of a novel to predict the character after it (batch 128, Adam,
sparse categorical cross-entropy, 50 epochs), then 500 characters written
greedily from "Once upon a time". ``impl`` picks the Keras 3 version of it
or its TF1 graph twin; both read the same window stream.

Presets (``--config=NAME``; any flag given explicitly overrides the preset):

``default``
  The seed's model and batch on ``../shared/data/tinyshakespeare.txt`` (or
  the shipped first 100 KB), the last 5% of the text held out, 1,000 steps
  (1/8 of an epoch: tinyshakespeare has 1.06 M training windows, 8,277
  batches of 128). Measured (SimpleRNN, 2 idle cores, run_all.sh):
  validation loss 2.1042 at step 1,000 for TF1 and 2.0930 for Keras, about
  2.5 minutes each (~85,000 chars/s; on 2 busy cores ~15,000 chars/s, 15
  minutes). The greedy 500 characters are still "the the the ...": greedy
  decoding of a model this early repeats its likeliest word; use
  ``--temperature`` for varied text.
``seed``
  The seed exactly: all windows, no held-out text, 50 epochs (435,000
  steps; days on a CPU).
``test``
  A few steps of a tiny model, for the test suite.
"""

import dataclasses

from tf1_models import configs

CELLS = ("rnn", "gru", "lstm")
IMPLS = ("tf1", "keras")

# Config keys that define the weights, the data stream or the generation
# window: a run directory can only be resumed or sampled with the same values
# (checked via run.json). ``impl`` is one of them because the two store
# different files; ``--mode=convert`` moves a run from one to the other.
MODEL_KEYS = ("impl", "cell", "bidirectional", "embedding_dim", "rnn_size",
              "seq_length", "batch_size")


@dataclasses.dataclass
class Config:
  """Everything a next_char run needs; ``__main__`` builds it from flags."""
  impl: str = "tf1"
  cell: str = "rnn"
  bidirectional: bool = False
  embedding_dim: int = 256
  rnn_size: int = 256
  seq_length: int = 100
  batch_size: int = 128
  learning_rate: float = 0.001  # Keras's Adam default, which the seed used
  epochs: int = 50
  max_steps: int = 1000  # 0: epochs decide
  corpus: str = ""  # "": ../shared/data/tinyshakespeare.txt, else shipped
  val_fraction: float = 0.05
  val_batches: int = 20  # evaluation reads this many held-out batches
  checkpoint_dir: str = ""
  checkpoint_every: int = 500
  log_every: int = 100
  seed: int = 0
  # generation
  prime: str = "Once upon a time"
  length: int = 500
  temperature: float = 0.0  # 0: greedy, as the seed
  sampler: str = "graph"  # graph or xla (TF1 runs; sampling.build_generator)
  # TF1 training graph: seed or folded (model.NextCharNet); not a MODEL_KEY
  train_graph: str = "seed"
  # where the corpus defaults come from
  shared_corpus: str = "tinyshakespeare.txt"
  shipped_corpus: str = "shakespeare_small.txt"

  def model_config(self):
    return {k: getattr(self, k) for k in MODEL_KEYS}


PRESETS = {
    "default": Config(),
    "seed": Config(max_steps=0, val_fraction=0.0, checkpoint_every=5000,
                   log_every=500),
    "test": Config(embedding_dim=8, rnn_size=8, seq_length=10, batch_size=4,
                   epochs=1, max_steps=3, val_batches=2, checkpoint_every=2,
                   log_every=1, length=30),
}


def preset(name, **overrides):
  """A preset with ``overrides`` applied (unknown keys raise TypeError)."""
  return configs.choose(PRESETS, name, **overrides)
