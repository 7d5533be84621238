"""python -m tf1_models.next_char: the seed's Keras next-character model and
its TF1 twin -- train, resume, sample, convert.

  python -m tf1_models.next_char                   # TF1 twin: train, then write 500 chars
  python -m tf1_models.next_char --impl=keras      # the Keras 3 model
  python -m tf1_models.next_char --impl=keras --backend=jax   # ... on JAX
  python -m tf1_models.next_char --cell=lstm --bidirectional
  python -m tf1_models.next_char --mode=sample --prime="Once upon a time"
  python -m tf1_models.next_char --mode=convert --checkpoint_dir=A --output_dir=B
  python -m tf1_models.next_char --impl=keras --backend=jax \
      --worker_hosts=localhost:2223,localhost:2224 --task_index=0   # + task 1

Flags given explicitly override the chosen ``--config`` preset.
"""

import sys

from absl import app, flags

from tf1_models import cli

cli.preselect_backend(sys.argv)  # before the runner imports keras
# pylint: disable=wrong-import-position
from tf1_models.errors import UserError, run_main  # noqa: E402
from tf1_models.next_char import config as config_lib  # noqa: E402
from tf1_models.next_char import runner  # noqa: E402

FLAGS = flags.FLAGS
_D = config_lib.Config()

flags.DEFINE_enum("config", "default", sorted(config_lib.PRESETS),
                  "Preset; see tf1_models/next_char/config.py.")
flags.DEFINE_enum("mode", "train", ["train", "sample", "convert", "export"],
                  "train: train or resume, then print a sample. sample: only "
                  "sample from --checkpoint_dir. convert: write the run in "
                  "--checkpoint_dir as a run of the other --impl in "
                  "--output_dir, then sample from it. export: write a tf1 "
                  "run's sampler as a SavedModel for TF Serving (requests of "
                  "up to --length characters) in --export_dir.")
flags.DEFINE_enum("impl", _D.impl, list(config_lib.IMPLS),
                  "tf1: the TF1 graph twin. keras: the seed's Keras model.")
cli.define_backend_flag()
flags.DEFINE_enum("cell", _D.cell, list(config_lib.CELLS),
                  "rnn (the seed's SimpleRNN / BasicRNNCell), gru or lstm.")
flags.DEFINE_boolean("bidirectional", _D.bidirectional,
                     "TF1 bidirectional_dynamic_rnn / keras Bidirectional.")
flags.DEFINE_integer("embedding_dim", _D.embedding_dim, "Embedding size.")
flags.DEFINE_integer("rnn_size", _D.rnn_size, "Recurrent units.")
flags.DEFINE_integer("seq_length", _D.seq_length,
                     "Window length (training windows and generation).")
flags.DEFINE_integer("batch_size", _D.batch_size, "Windows per batch.")
flags.DEFINE_float("learning_rate", _D.learning_rate, "Adam learning rate.")
flags.DEFINE_integer("epochs", _D.epochs, "Epochs to train.")
flags.DEFINE_integer("max_steps", _D.max_steps,
                     "Stop at this global step (0: epochs decide).")
flags.DEFINE_string("corpus", _D.corpus,
                    "Plain-text corpus. Default: ../shared/data/"
                    "tinyshakespeare.txt, else the shipped first 100 KB.")
flags.DEFINE_float("val_fraction", _D.val_fraction,
                   "Fraction of the text held out for validation loss.")
flags.DEFINE_string("checkpoint_dir", _D.checkpoint_dir,
                    "Run directory (default runs/next_char_<impl>_<cell>).")
cli.define_export_flags(
    ("tf1", "keras", "onnx"),
    "tf1, the TF1 graph's sampler; keras, the same signature from the Keras "
    "twin (a keras run exports its own weights); onnx, the Keras twin's "
    "step model as <export_dir>/<step>.onnx.")
flags.DEFINE_string("output_dir", "", "--mode=convert: the new run directory.")
flags.DEFINE_integer("checkpoint_every", _D.checkpoint_every,
                     "Steps between checkpoints.")
flags.DEFINE_integer("log_every", _D.log_every, "Steps between log lines.")
flags.DEFINE_string("prime", _D.prime, "Text to start generating from.")
flags.DEFINE_integer("length", _D.length, "Characters to generate.")
flags.DEFINE_float("temperature", _D.temperature,
                   "0: greedy, as the seed; otherwise sample at this "
                   "temperature.")
cli.define_sampler_flag(_D.sampler, "TF1 runs: ")
flags.DEFINE_enum("train_graph", _D.train_graph, ["seed", "folded"],
                  "TF1 SimpleRNN training graph: seed, dynamic_rnn; folded, "
                  "the same variables with the embedding folded into the "
                  "input projection and a batched recurrent gradient "
                  "(README, Performance).")
flags.DEFINE_integer("seed", _D.seed, "Random seed (init and data order).")

cli.define_cluster_flags()


def main(argv):
  config = cli.setup(argv, FLAGS, config_lib)
  if FLAGS.mode == "export":
    runner.export_saved_model(config, FLAGS.export_dir or None,
                              FLAGS.export_format)
    return 0
  if FLAGS.mode == "train" and config.impl == "keras" and (
      FLAGS.worker_hosts and not FLAGS.ps_hosts):
    # The Keras model across processes (no parameter server).
    from tf1_models import keras_distributed  # pylint: disable=import-outside-toplevel
    workers = keras_distributed.Workers.from_flags(
        FLAGS.worker_hosts, FLAGS.task_index, FLAGS.ps_hosts, FLAGS.job_name)
    if not cli.report(runner.train(config, workers=workers)) or (
        not workers.is_chief):
      return 0  # the chief samples
  elif FLAGS.mode == "train":
    if not cli.train(runner.train, config, FLAGS)[1]:
      return 0
  elif FLAGS.mode == "convert":
    if not FLAGS.output_dir:
      raise UserError("--mode=convert needs --output_dir=NEW_RUN_DIR")
    runner.convert_run(runner.checkpoint_dir(config), FLAGS.output_dir)
    config.checkpoint_dir = FLAGS.output_dir
  print(runner.sample(config))
  return 0


if __name__ == "__main__":
  app.run(run_main(main, "python -m tf1_models.next_char"))
