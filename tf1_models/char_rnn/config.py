"""char_rnn configuration: one plain dataclass, named presets.

Presets (``--config=NAME``; any flag given explicitly overrides the preset):

``default``
  The shipped 2,000-poem corpus (or ``--corpus``), 2x128 LSTM, batch 64,
  Adam 0.01, 12 epochs (372 steps). Measured: 2m09s on 2 idle CPU cores
  (~10,000 chars/s); training loss falls from 8.2 to ~3.2 nats/char, and the
  sample is a regular poem of five-character lines, e.g.
  "帝室神宫日，家莲秖衡长。汉宫紫宸夏，宸堂鸟色楼。"
``seed``
  tensorflow_poems exactly: ``../shared/data/poems.txt``, 2x128, batch 64,
  Adam 0.01, 50 epochs, and ``tie_layers`` on, because the original built
  ``MultiRNNCell([cell] * num_layers)``, which in TF1 makes every layer share
  one set of weights. Hours on a CPU.
``shakespeare``
  Plain text: ``../shared/data/tinyshakespeare.txt`` cut into 100-character
  windows, 10% held out; 2x128 LSTM, batch 64, Adam 0.005, 1,600 steps.
  Validation loss 1.72 at step 400, 1.62 at 800, 1.58 at 1200 (measured);
  1.57 at 1600 in 6m05s on 2 idle cores (the run_all.sh quality run, judged
  by val_loss <= 1.60 within 10 minutes).
``test``
  A few steps of a tiny model, for the test suite.
"""

import dataclasses

from tf1_models import configs
from tf1_models.errors import UserError

MODELS = ("rnn", "gru", "lstm")
FORMATS = ("auto", "poems", "text")
# model.char_rnn's lstm_impl values (all read and write the same variables)
LSTM_IMPLS = ("cell", "hoisted", "hoisted_grad", "block")
SAMPLERS = ("graph", "xla")

# Config keys that define the graph or the data encoding: a checkpoint can
# only be resumed or sampled with the same values (checked via run.json).
MODEL_KEYS = ("model", "rnn_size", "num_layers", "tie_layers", "format",
              "batch_size")


@dataclasses.dataclass
class Config:
  """Everything a char_rnn run needs; ``__main__`` builds it from flags."""
  model: str = "lstm"
  rnn_size: int = 128
  num_layers: int = 2
  tie_layers: bool = False
  batch_size: int = 64
  seq_length: int = 100
  learning_rate: float = 0.01
  epochs: int = 12
  max_steps: int = 0  # 0: epochs decide
  corpus: str = ""  # "": shipped poems (or the preset's shared corpus)
  format: str = "auto"
  val_fraction: float = 0.1
  checkpoint_dir: str = ""
  checkpoint_every: int = 200
  log_every: int = 20
  seed: int = 0
  # the training graph's LSTM layers: "cell" (the seed's dynamic_rnn over
  # the MultiRNNCell) or a faster graph over the same variables; see
  # model.char_rnn and README "Performance"
  lstm_impl: str = "cell"
  # sampling: "graph" (the seed's tf.while_loop) or "xla" (the loop compiled
  # by XLA, embedding folded for LSTM: ~0.7 s to compile, then 1.6-7x faster)
  sampler: str = "graph"
  prime: str = ""
  length: int = 400
  temperature: float = 1.0
  top_k: int = 0
  acrostic: str = ""
  # where the corpus defaults come from
  shared_corpus: str = ""
  shipped_corpus: str = "poems_small.txt"

  def model_config(self):
    return {k: getattr(self, k) for k in MODEL_KEYS}


PRESETS = {
    "default": Config(),
    "seed": Config(tie_layers=True, epochs=50, shared_corpus="poems.txt",
                   checkpoint_every=1000, log_every=50),
    "shakespeare": Config(format="text", learning_rate=0.005, epochs=100,
                          max_steps=1600, seq_length=100,
                          shared_corpus="tinyshakespeare.txt",
                          shipped_corpus="shakespeare_small.txt",
                          checkpoint_every=400, log_every=100),
    "test": Config(rnn_size=16, num_layers=2, batch_size=4, seq_length=12,
                   epochs=1, max_steps=3, checkpoint_every=2, log_every=1,
                   length=30),
}


def preset(name, **overrides):
  """A preset with ``overrides`` applied (unknown keys raise TypeError)."""
  return configs.choose(PRESETS, name, **overrides)


def validate(config):
  """One-line errors for a bad model, format, graph, sampler or
  non-positive size."""
  configs.require_choice("model", config.model, MODELS)
  configs.require_choice("format", config.format, FORMATS)
  configs.require_choice("lstm_impl", config.lstm_impl, LSTM_IMPLS)
  configs.require_choice("sampler", config.sampler, SAMPLERS)
  if config.model != "lstm" and config.lstm_impl != "cell":
    raise UserError("--lstm_impl=%s is for --model=lstm; the %s model has "
                    "only the seed's graph (--lstm_impl=cell)"
                    % (config.lstm_impl, config.model))
  configs.require_positive(config, ("rnn_size", "num_layers", "batch_size",
                                    "seq_length"))
  configs.require_positive_float(config, "learning_rate")
