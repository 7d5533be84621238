"""seq2seq configuration: one plain dataclass, named presets.

Presets (``--config=NAME``; any flag given explicitly overrides the preset):

``default``
  Learns ``--task=mirror`` on 2 CPU cores: a 1-layer GRU of 128 units (the
  tutorial's cell, one layer), embedding 128, buckets (10, 12) and (20, 22),
  batch 64, Adam 0.003, gradient norm clipped at 5, learning rate x0.9 when
  the training loss of the last 200 steps is above each of the previous
  three windows' (the tutorial's rule), 5,000 steps on the first 1M
  characters of the text8 prefix (94,851 training phrases, 968 held out).
  Measured: held-out perplexity 1.019/1.031 (short/long bucket) at step
  1,000, 1.008/1.013 at 2,000, 1.003/1.022 at 5,000; held-out exact match
  95.1% at step 5,000; "the quick brown fox" -> "eht kciuq nworb xof". Wall
  time 9m16s on 2 cores while the test suite ran beside it (the same 95.14%
  again: training is reproducible); 21 minutes under a load average of
  10-14.
``seed``
  The course's call exactly: buckets [(20, 21)], size 256, 4 layers,
  ``max_gradient_norm`` 5.0, SGD at 1.0, decay 0.9, ``use_lstm=True``,
  batch 64. With GO taking the decoder's first slot, a (20, 21) bucket fits
  phrases of at most 19 characters (20 with EOS), so ``max_length`` is 19.
  Hours on a CPU.
``dynamic``
  ``--decoder=dynamic``: the same task and sizes on ``tf.contrib.seq2seq``
  (``compat.seq2seq``): ``dynamic_rnn`` encoder, Luong attention in an
  ``AttentionWrapper``, ``dynamic_decode``; batch 128, Adam 0.003 halved
  (not x0.9) on each plateau, 3,000 steps. Measured on 2 cores shared with
  7 other engineers' jobs (load average 6-12): 8m29s; held-out eval
  perplexity 1.0015/1.0067 at step 3,000; exact match 98.97% greedy,
  99.07% with ``--beam_width=4`` and 8; decoding the 968 held-out phrases
  0.5-0.6 s greedy, 1.8 s at beam width 4, 2.4 s at 8. With the default
  preset's batch 64 and x0.9 decay it was noisier: 90.91% greedy / 91.53%
  beam 4 at 3,000 steps (6m25s), 88.1% greedy at 4,000.
``test``
  A tiny model for a few steps, for the test suite.
"""

import dataclasses

from tf1_models import configs

TASKS = ("mirror", "self_test")
DECODERS = ("legacy", "dynamic")

# Config keys that define the graph or the data encoding: a checkpoint can
# only be resumed or decoded with the same values (checked via run.json).
MODEL_KEYS = ("task", "buckets", "size", "num_layers", "use_lstm",
              "num_samples", "optimizer", "max_length")


@dataclasses.dataclass
class Config:
  """Everything a seq2seq run needs; ``__main__`` builds it from flags."""
  task: str = "mirror"
  buckets: str = "10:12,20:22"  # encoder:decoder lengths, ascending
  size: int = 128
  num_layers: int = 1
  use_lstm: bool = False
  num_samples: int = 512  # sampled softmax only when < target vocabulary
  max_gradient_norm: float = 5.0
  batch_size: int = 64
  optimizer: str = "adam"
  learning_rate: float = 0.003
  learning_rate_decay_factor: float = 0.9
  max_steps: int = 5000
  steps_per_checkpoint: int = 200  # also the learning-rate decay window
  max_length: int = 20
  held_out_percent: float = 2.0
  max_held_out: int = 1000
  max_chars: int = 1000000  # characters of the corpus read (0: all)
  corpus: str = ""  # "": text8 prefix when present, else the shipped one
  checkpoint_dir: str = ""
  log_every: int = 50
  seed: int = 0
  shared_corpus: str = "text8_prefix.txt"
  shipped_corpus: str = "text8_small.txt"
  # --decoder=dynamic: tf.contrib.seq2seq (compat.seq2seq) instead of
  # legacy_seq2seq; attention is luong, scaled_luong, bahdanau or
  # normed_bahdanau; beam_width > 0 decodes with BeamSearchDecoder.
  decoder: str = "legacy"
  attention: str = "luong"
  beam_width: int = 0
  length_penalty_weight: float = 0.0

  def model_config(self):
    out = {k: getattr(self, k) for k in MODEL_KEYS}
    if self.decoder != "legacy":  # legacy run.json files stay compatible
      out.update(decoder=self.decoder, attention=self.attention)
    return out


def parse_buckets(text):
  """``"10:12,20:22"`` -> ``[(10, 12), (20, 22)]`` (ascending, positive)."""
  buckets = []
  for part in text.split(","):
    fields = part.strip().split(":")
    if len(fields) != 2 or not all(f.strip().isdigit() for f in fields):
      raise ValueError("bad bucket %r in %r: write encoder:decoder lengths "
                       "separated by commas, e.g. 10:12,20:22" % (part, text))
    buckets.append((int(fields[0]), int(fields[1])))
  if any(e < 1 or d < 2 for e, d in buckets) or buckets != sorted(
      set(buckets)):
    raise ValueError("buckets %r must be distinct, ascending, with encoder "
                     "length >= 1 and decoder length >= 2" % text)
  return buckets


PRESETS = {
    "default": Config(),
    "seed": Config(buckets="20:21", size=256, num_layers=4, use_lstm=True,
                   optimizer="sgd", learning_rate=1.0, max_length=19,
                   max_steps=100000),
    "dynamic": Config(decoder="dynamic", attention="luong", batch_size=128,
                      learning_rate_decay_factor=0.5, max_steps=3000),
    "test": Config(buckets="3:5,6:8", size=8, num_layers=2, batch_size=4,
                   max_steps=4, steps_per_checkpoint=2, log_every=1,
                   max_length=6, held_out_percent=20.0, max_held_out=10,
                   max_chars=3000),
}


def preset(name, **overrides):
  """A preset with ``overrides`` applied (unknown keys raise TypeError)."""
  return configs.choose(PRESETS, name, **overrides)
