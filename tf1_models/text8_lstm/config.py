"""text8_lstm configuration: one plain dataclass, named presets.

The Udacity deep-learning course's assignment 6 (the ``6_lstm`` notebook):
a character LSTM on text8 written gate by gate (``--variant=separate``), the
same cell with the gate matmuls fused and cut apart by ``tf.split``
(``fused``), and a bigram-input LSTM with an embedding and dropout
(``bigram``).

Presets (``--config=NAME``; any flag given explicitly overrides the preset):

``default``
  The notebook's numbers: 64 nodes, batch 64, 10 unrollings, 7001 steps of
  SGD, learning rate 10 decayed x0.1 every 5000 steps (staircase), gradients
  clipped to global norm 1.25, a summary every 100 steps, samples every
  1000. Measured on ``../shared/data/text8_prefix.txt`` (12.5 MB of text8),
  seed 0, 2 CPU cores: ``separate`` ends at validation perplexity 3.99
  (3.9863; the notebook printed 4.25 on the full 100 MB text8) in about 80
  seconds on idle cores (9 minutes on a heavily loaded machine). ``fused``
  starts from the same weights and ends at 3.98 (3.9788): its backward
  matmul rounds differently, and 7001 SGD steps at learning rate 10 magnify
  that. ``separate`` moves as far when one initial weight moves by one ulp
  (3.9893, 4.0112, 3.9894; ``--mode=reproducibility``, see
  reproducibility.py). ``separate``'s checkpoint converted to ``fused``
  (``--mode=convert``) evaluates to exactly 3.9863. ``bigram`` (embedding
  128, keep prob 0.9) ends at 3.74 (3.7443). See run_all.sh.
``test``
  A few steps of a tiny model on a tiny corpus, for the test suite.
"""

import dataclasses

from tf1_models import configs

VARIANTS = ("separate", "fused", "bigram")

# Config keys that define the graph: a checkpoint can only be resumed or
# sampled with the same values (checked via run.json).
MODEL_KEYS = ("variant", "num_nodes", "batch_size", "num_unrollings",
              "embedding_size", "keep_prob")


@dataclasses.dataclass
class Config:
  """Everything a text8_lstm run needs; ``__main__`` builds it from flags."""
  variant: str = "separate"
  num_nodes: int = 64
  batch_size: int = 64
  num_unrollings: int = 10
  embedding_size: int = 128  # bigram only
  keep_prob: float = 0.9  # bigram only: dropout on LSTM inputs and outputs
  learning_rate: float = 10.0
  decay_steps: int = 5000
  decay_rate: float = 0.1
  clip_norm: float = 1.25
  max_steps: int = 7001
  valid_size: int = 1000
  corpus: str = ""  # "": ../shared/data/text8_prefix.txt, else shipped
  checkpoint_dir: str = ""
  checkpoint_every: int = 1000
  summary_frequency: int = 100
  sample_every: int = 1000  # 0: never sample during training
  seed: int = 0
  tf1_ref_state: bool = False  # TF 1.x ref-variable gradient (model.py)
  # seed or hoisted (model.unroll); not a MODEL_KEY: same checkpoint
  train_graph: str = "seed"
  sampler: str = "graph"  # graph or xla (sampling.build_generator's jit)
  # sampling (the notebook: 5 lines of 80 characters, random first letter)
  num_samples: int = 5
  length: int = 80
  prime: str = ""
  temperature: float = 1.0
  top_k: int = 0
  # where the corpus defaults come from
  shared_corpus: str = "text8_prefix.txt"
  shipped_corpus: str = "text8_small.txt"

  def model_config(self):
    cfg = {k: getattr(self, k) for k in MODEL_KEYS}
    if self.variant != "bigram":  # not part of the character graphs
      cfg["embedding_size"] = cfg["keep_prob"] = None
    return cfg


PRESETS = {
    "default": Config(),
    "test": Config(num_nodes=8, batch_size=4, num_unrollings=5,
                   embedding_size=6, keep_prob=0.8, max_steps=4,
                   valid_size=50, checkpoint_every=2, summary_frequency=2,
                   sample_every=2, num_samples=2, length=20),
}


def preset(name, **overrides):
  """A preset with ``overrides`` applied (unknown keys raise TypeError)."""
  return configs.choose(PRESETS, name, **overrides)
