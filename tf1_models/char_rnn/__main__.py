"""python -m tf1_models.char_rnn: train, resume and sample the poems char-RNN.

  python -m tf1_models.char_rnn --model=lstm            # train (resumes), then sample
  python -m tf1_models.char_rnn --mode=sample --acrostic=春夏秋冬
  python -m tf1_models.char_rnn --config=shakespeare    # plain text, validation loss
  python -m tf1_models.char_rnn --mode=export_keras --keras_file=m.weights.h5
  python -m tf1_models.char_rnn --mode=keras_sample --keras_file=m.weights.h5 --backend=jax
  python -m tf1_models.char_rnn --mode=export           # SavedModel for TF Serving
  python -m tf1_models.char_rnn --mode=keras_train --keras_file=k.weights.h5 \
      --backend=jax --worker_hosts=localhost:2223,localhost:2224 --task_index=0
                                                        # the Keras twin, one of 2 workers
  python -m tf1_models.char_rnn --ps_hosts=localhost:2222 \
      --worker_hosts=localhost:2223,localhost:2224 --job_name=worker --task_index=0
                                                        # one task of a distributed run

Flags given explicitly override the chosen ``--config`` preset.
"""

import sys

from absl import app, flags

from tf1_models import cli

cli.preselect_backend(sys.argv)  # before anything imports keras
# pylint: disable=wrong-import-position
from tf1_models.char_rnn import config as config_lib  # noqa: E402
from tf1_models.errors import run_main  # noqa: E402

FLAGS = flags.FLAGS
_D = config_lib.Config()

flags.DEFINE_enum("config", "default", sorted(config_lib.PRESETS),
                  "Preset; see tf1_models/char_rnn/config.py.")
flags.DEFINE_enum("mode", "train",
                  ["train", "sample", "export", "export_keras",
                   "import_keras", "keras_sample", "keras_train"],
                  "train: train or resume, then print a sample. sample: only "
                  "sample from --checkpoint_dir. export: write the sampler as "
                  "a SavedModel for TF Serving in --export_dir/<step>/ "
                  "(requests of up to --length characters). export_keras: "
                  "write the "
                  "checkpoint as Keras weights (--keras_file). import_keras: "
                  "write --keras_file as a TF1 checkpoint in --checkpoint_dir. "
                  "keras_sample: sample from --keras_file with the Keras "
                  "model on --backend (needs no TensorFlow). keras_train: "
                  "train the Keras twin on --backend from --seed into a new "
                  "--keras_file, then sample; across processes with "
                  "--worker_hosts/--task_index on --backend=jax or "
                  "tensorflow.")
cli.define_export_flags(
    ("tf1", "keras", "onnx"),
    "tf1, the TF1 graph's sampler; keras, the same signature from the Keras "
    "twin (ExportArchive); onnx, the Keras twin's step model as "
    "<export_dir>/<step>.onnx.")
flags.DEFINE_string("keras_file", "char_rnn.weights.h5",
                    "Keras weights file for export_keras/import_keras/"
                    "keras_sample.")
cli.define_backend_flag()
flags.DEFINE_enum("model", _D.model, list(config_lib.MODELS), "Cell type.")
flags.DEFINE_integer("rnn_size", _D.rnn_size, "Units per layer.")
flags.DEFINE_integer("num_layers", _D.num_layers, "Stacked layers.")
flags.DEFINE_boolean("tie_layers", _D.tie_layers,
                     "Share one cell's weights across layers, as the seed's "
                     "MultiRNNCell([cell] * n) did in TF1.")
flags.DEFINE_integer("batch_size", _D.batch_size, "Sequences per batch.")
flags.DEFINE_integer("seq_length", _D.seq_length,
                     "Window length for plain-text corpora.")
flags.DEFINE_float("learning_rate", _D.learning_rate, "Adam learning rate.")
flags.DEFINE_integer("epochs", _D.epochs, "Epochs to train.")
flags.DEFINE_integer("max_steps", _D.max_steps,
                     "Stop at this global step (0: epochs decide).")
flags.DEFINE_string("corpus", _D.corpus,
                    "Corpus file: title:content poems or plain text. Default: "
                    "the preset's (the shipped poems).")
flags.DEFINE_enum("format", _D.format, list(config_lib.FORMATS),
                  "How to read --corpus.")
flags.DEFINE_string("checkpoint_dir", _D.checkpoint_dir,
                    "Run directory (default runs/char_rnn_<model>).")
flags.DEFINE_integer("checkpoint_every", _D.checkpoint_every,
                     "Steps between checkpoints.")
flags.DEFINE_integer("log_every", _D.log_every, "Steps between log lines.")
flags.DEFINE_enum("lstm_impl", _D.lstm_impl, list(config_lib.LSTM_IMPLS),
                  "LSTM training graph: the seed's cell, or a faster graph "
                  "over the same variables (README, Performance).")
flags.DEFINE_enum("sampler", _D.sampler, list(config_lib.SAMPLERS),
                  "graph: the seed's sampling loop; xla: compiled (~0.7 s "
                  "once, then 1.6-7x faster; same greedy text).")
flags.DEFINE_string("prime", _D.prime, "Text to start the sample with.")
flags.DEFINE_integer("length", _D.length, "Most characters to generate.")
flags.DEFINE_float("temperature", _D.temperature,
                   "Sampling temperature; 0 is greedy.")
flags.DEFINE_integer("top_k", _D.top_k, "Sample among the k likeliest (0: all).")
flags.DEFINE_integer("seed", _D.seed, "Random seed (graph and data order).")
flags.DEFINE_string("acrostic", _D.acrostic,
                    "Poems: each line starts with the next of these characters.")

cli.define_cluster_flags()


def main(argv):
  config = cli.setup(argv, FLAGS, config_lib)
  if FLAGS.mode == "keras_train":
    # pylint: disable=import-outside-toplevel
    from tf1_models import keras_distributed
    from tf1_models.char_rnn import keras_train
    workers = keras_distributed.Workers.from_flags(
        FLAGS.worker_hosts, FLAGS.task_index, FLAGS.ps_hosts, FLAGS.job_name)
    keras_train.train(config, FLAGS.keras_file, workers)
    if workers is not None and not workers.is_chief:
      return 0  # the chief samples
  if FLAGS.mode in ("keras_train", "keras_sample"):
    from tf1_models.char_rnn import keras_sample  # pylint: disable=import-outside-toplevel
    print(keras_sample.sample(FLAGS.keras_file, config.prime, config.length,
                              config.temperature, config.top_k, config.seed))
    return 0
  # The TF1 graph's modes (TensorFlow needed from here on).
  from tf1_models.char_rnn import runner  # pylint: disable=import-outside-toplevel
  if FLAGS.mode == "export":
    runner.export_saved_model(config, FLAGS.export_dir or None,
                              FLAGS.export_format)
    return 0
  if FLAGS.mode == "export_keras":
    runner.export_keras(config, FLAGS.keras_file)
    return 0
  if FLAGS.mode == "import_keras":
    runner.import_keras(config, FLAGS.keras_file)
    return 0
  if FLAGS.mode == "train":
    if not cli.train(runner.train, config, FLAGS)[1]:
      return 0
  print(runner.sample(config))
  return 0


if __name__ == "__main__":
  app.run(run_main(main, "python -m tf1_models.char_rnn"))
