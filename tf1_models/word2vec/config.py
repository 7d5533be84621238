"""word2vec configuration: one plain dataclass, named presets.

Presets (``--config=NAME``; any flag given explicitly overrides the preset):

``seed``
  Udacity assignment 5 as the notebook ran it: ``../shared/data/
  text8_prefix.txt`` (the first 12.5 MB of text8; the notebook used all
  100 MB), 50,000-word vocabulary, batch 128, embedding 128, skip_window 1,
  num_skips 2, 64 sampled classes, Adagrad 1.0, 100,001 steps; average loss
  every 2,000 steps, neighbours of 16 validation words every 10,000 steps.
  This is the run_all.sh quality run. Measured (2 CPU cores, shared with
  other jobs): skip-gram ~30 s of CPU per 10,000 steps (16 min wall for
  the run on a loaded host); average loss 4.37 at step 2,000, ~3.0-3.3 at
  the end; the number words one..nine have on average 7.11 of their 8
  nearest neighbours among the number words (7.1 already at step 10,000).
  CBOW-sum: loss 4.12 at 2,000, 2.75 at 30,000, 2.0-2.2 at the end; number
  words 7.22 at step 100,001 (2m18s wall on 2 idle cores).
  Each checkpoint is ~100 MB (embeddings, softmax weights and both Adagrad
  accumulators); the loop keeps 3.
``default``
  The same model, 30,001 steps: a quick look (a few minutes on 2 cores).
  Falls back to the shipped 300 KB text8 slice without ``../shared/data``.
``test``
  A tiny model for a few steps, for the test suite.
"""

import dataclasses

from tf1_models import configs

MODELS = ("skipgram", "cbow")
COMBINERS = ("sum", "mean")

# Config keys that define the graph or the batches: a checkpoint can only be
# resumed with the same values (checked via run.json).
MODEL_KEYS = ("model", "combiner", "embedding_size", "batch_size",
              "skip_window", "num_skips")


@dataclasses.dataclass
class Config:
  """Everything a word2vec run needs; ``__main__`` builds it from flags."""
  model: str = "skipgram"
  combiner: str = "sum"  # cbow: how the context embeddings are combined
  vocabulary_size: int = 50000  # most frequent words, UNK included
  embedding_size: int = 128
  batch_size: int = 128
  skip_window: int = 1
  num_skips: int = 2
  num_sampled: int = 64
  learning_rate: float = 1.0
  max_steps: int = 30001
  valid_size: int = 16
  valid_window: int = 100
  top_k: int = 8
  corpus: str = ""
  checkpoint_dir: str = ""
  checkpoint_every: int = 10000
  log_every: int = 2000
  neighbours_every: int = 10000
  seed: int = 0
  # query mode
  nearest: str = ""
  # where the corpus defaults come from
  shared_corpus: str = "text8_prefix.txt"
  shipped_corpus: str = "text8_small.txt"

  def model_config(self):
    return {k: getattr(self, k) for k in MODEL_KEYS}


PRESETS = {
    "default": Config(),
    "seed": Config(max_steps=100001, shipped_corpus=""),
    "test": Config(vocabulary_size=60, embedding_size=8, batch_size=8,
                   num_sampled=4, max_steps=6, valid_size=4, valid_window=10,
                   top_k=3, checkpoint_every=4, log_every=2,
                   neighbours_every=3),
}


def preset(name, **overrides):
  """A preset with ``overrides`` applied (unknown keys raise TypeError)."""
  return configs.choose(PRESETS, name, **overrides)
