"""python -m tf1_models.text8_lstm: the Udacity 6_lstm notebook on text8.

  python -m tf1_models.text8_lstm --variant=separate     # train (resumes), sample
  python -m tf1_models.text8_lstm --variant=fused --seed=0
  python -m tf1_models.text8_lstm --variant=bigram --keep_prob=0.9
  python -m tf1_models.text8_lstm --mode=sample --checkpoint_dir=runs/text8_lstm_separate
  python -m tf1_models.text8_lstm --mode=convert --checkpoint_dir=runs/text8_lstm_separate \\
      --to_variant=fused --output_dir=runs/text8_lstm_fused_from_separate
  python -m tf1_models.text8_lstm --mode=reproducibility   # see reproducibility.py
  python -m tf1_models.text8_lstm --mode=keras_train --keras_file=k.weights.h5 \
      --backend=jax --worker_hosts=localhost:2223,localhost:2224 --task_index=0

Flags given explicitly override the chosen ``--config`` preset.
"""

import sys

from absl import app, flags

from tf1_models import cli

cli.preselect_backend(sys.argv)  # before anything imports keras
# pylint: disable=wrong-import-position
from tf1_models.errors import UserError, run_main  # noqa: E402
from tf1_models.text8_lstm import config as config_lib  # noqa: E402
from tf1_models.text8_lstm import convert, reproducibility, runner  # noqa: E402

FLAGS = flags.FLAGS
_D = config_lib.Config()

flags.DEFINE_enum("config", "default", sorted(config_lib.PRESETS),
                  "Preset; see tf1_models/text8_lstm/config.py.")
flags.DEFINE_enum("mode", "train",
                  ["train", "sample", "convert", "reproducibility", "export",
                   "keras_train"],
                  "train: train or resume, then print samples. sample: only "
                  "sample from --checkpoint_dir. convert: write the run in "
                  "--checkpoint_dir as --to_variant into --output_dir. "
                  "reproducibility: train separate, separate with one weight "
                  "one ulp off (--nudges times) and fused from one seed into "
                  "--output_dir and compare their figures. export: write the "
                  "sampler as a SavedModel for TF Serving (requests of up to "
                  "--length characters) in --export_dir. keras_train: train "
                  "the Keras twin on --backend from --seed into a new "
                  "--keras_file, in one process or across --worker_hosts "
                  "(--backend=jax or tensorflow), then print samples.")
cli.define_backend_flag()
flags.DEFINE_string("keras_file", "",
                    "keras_train: the Keras weights file to write "
                    "(.weights.h5).")
flags.DEFINE_enum("variant", _D.variant, list(config_lib.VARIANTS),
                  "separate: the notebook's gate-by-gate cell; fused: one "
                  "matmul pair + tf.split; bigram: bigram embeddings + "
                  "dropout.")
flags.DEFINE_integer("num_nodes", _D.num_nodes, "LSTM units.")
flags.DEFINE_integer("batch_size", _D.batch_size, "Text segments per batch.")
flags.DEFINE_integer("num_unrollings", _D.num_unrollings,
                     "Characters per segment per step.")
flags.DEFINE_integer("embedding_size", _D.embedding_size,
                     "bigram: embedding width.")
flags.DEFINE_float("keep_prob", _D.keep_prob,
                   "bigram: dropout keep probability on LSTM inputs and "
                   "outputs (1: no dropout).")
flags.DEFINE_float("learning_rate", _D.learning_rate, "Initial SGD rate.")
flags.DEFINE_integer("decay_steps", _D.decay_steps,
                     "Multiply the rate by --decay_rate every this many "
                     "steps.")
flags.DEFINE_float("decay_rate", _D.decay_rate, "Learning-rate decay factor.")
flags.DEFINE_float("clip_norm", _D.clip_norm, "Global gradient-norm clip.")
flags.DEFINE_integer("max_steps", _D.max_steps, "Train to this global step.")
flags.DEFINE_integer("valid_size", _D.valid_size,
                     "Validation characters (the start of the corpus).")
flags.DEFINE_string("corpus", _D.corpus,
                    "Text file; reduced to a-z and space. Default: "
                    "../shared/data/text8_prefix.txt when present, else the "
                    "shipped text8_small.txt.")
flags.DEFINE_string("checkpoint_dir", _D.checkpoint_dir,
                    "Run directory (default runs/text8_lstm_<variant>).")
flags.DEFINE_integer("checkpoint_every", _D.checkpoint_every,
                     "Steps between checkpoints.")
flags.DEFINE_integer("summary_frequency", _D.summary_frequency,
                     "Steps between the notebook's summaries.")
flags.DEFINE_integer("sample_every", _D.sample_every,
                     "Steps between samples during training (0: never).")
flags.DEFINE_integer("seed", _D.seed, "Random seed (weights, samples).")
flags.DEFINE_boolean("tf1_ref_state", _D.tf1_ref_state,
                     "Carry the state in TF 1.x ref variables, reproducing "
                     "TF 1.x's gradient at the first unrolled step exactly "
                     "(see model.py).")
flags.DEFINE_enum("train_graph", _D.train_graph,
                  ["seed", "fused_gates", "hoisted"],
                  "seed: the notebook's per-step, per-gate matmuls; "
                  "fused_gates: the same variables concatenated, two matmuls "
                  "per step; hoisted: one input matmul over all steps and "
                  "one recurrent matmul per step (README, Performance).")
cli.define_sampler_flag(_D.sampler)
flags.DEFINE_integer("num_samples", _D.num_samples, "Lines to sample.")
flags.DEFINE_integer("length", _D.length, "Characters per sampled line.")
flags.DEFINE_string("prime", _D.prime,
                    "Start every line with this text (default: a random "
                    "letter).")
flags.DEFINE_float("temperature", _D.temperature,
                   "Sampling temperature; 0 is greedy.")
flags.DEFINE_integer("top_k", _D.top_k, "Sample among the k likeliest (0: all).")
flags.DEFINE_enum("to_variant", "fused", ["separate", "fused"],
                  "convert: the variant to write.")
flags.DEFINE_string("output_dir", "",
                    "convert: the run directory to write. reproducibility: "
                    "the directory of its runs (default %s)." %
                    reproducibility.DEFAULT_DIR)
cli.define_export_flags(
    ("tf1", "keras", "onnx"),
    "tf1, the TF1 graph's sampler; keras, the same signature from the Keras "
    "twin; onnx, the Keras twin's step model as <export_dir>/<step>.onnx.")
flags.DEFINE_integer("nudges", 3,
                     "reproducibility: runs of separate with one initial "
                     "weight nudged (one alone is a poor estimate).")

cli.define_cluster_flags()


def main(argv):
  config = cli.setup(argv, FLAGS, config_lib)
  if FLAGS.mode == "keras_train":
    # pylint: disable=import-outside-toplevel
    from tf1_models import keras_distributed
    from tf1_models.text8_lstm import keras_train
    if not FLAGS.keras_file:
      raise UserError("--mode=keras_train needs --keras_file=NAME.weights.h5")
    workers = keras_distributed.Workers.from_flags(
        FLAGS.worker_hosts, FLAGS.task_index, FLAGS.ps_hosts, FLAGS.job_name)
    keras_train.train(config, FLAGS.keras_file, workers)
    if workers is None or workers.is_chief:  # the chief samples
      print(keras_train.sample(FLAGS.keras_file, config))
    return 0
  if FLAGS.mode == "convert":
    if not FLAGS.output_dir:
      raise UserError("--mode=convert needs --output_dir")
    path = convert.convert_run(runner.checkpoint_dir(config),
                               FLAGS.output_dir, FLAGS.to_variant)
    print("wrote %s" % path)
    return 0
  if FLAGS.mode == "export":
    runner.export_saved_model(config, FLAGS.export_dir or None,
                              FLAGS.export_format)
    return 0
  if FLAGS.mode == "reproducibility":
    print(reproducibility.summary(reproducibility.measure(
        config, FLAGS.output_dir or reproducibility.DEFAULT_DIR,
        FLAGS.nudges)))
    return 0
  if FLAGS.mode == "train":
    if not cli.train(runner.train, config, FLAGS)[1]:
      return 0
  print(runner.sample(config))
  return 0


if __name__ == "__main__":
  app.run(run_main(main, "python -m tf1_models.text8_lstm"))
