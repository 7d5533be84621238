"""python -m tf1_models.seq2seq: the translate tutorial's bucketed attention
model on the word-mirroring task.

  python -m tf1_models.seq2seq                      # train (resumes), evaluate
  python -m tf1_models.seq2seq --evaluate           # held-out exact match
  echo "the quick brown fox" | python -m tf1_models.seq2seq --decode
  python -m tf1_models.seq2seq --task=self_test     # the tutorial's smoke test
  python -m tf1_models.seq2seq --config=dynamic     # tf.contrib.seq2seq model
  python -m tf1_models.seq2seq --config=dynamic --evaluate --beam_width=4
  python -m tf1_models.seq2seq --mode=export        # SavedModel for TF Serving
  python -m tf1_models.seq2seq --mode=keras_train --keras_file=s.weights.h5 \
      --worker_hosts=localhost:2223,localhost:2224 --task_index=0
                                            # the Keras twin, one of 2 workers
  python -m tf1_models.seq2seq --mode=import_keras --keras_file=s.weights.h5 \
      --checkpoint_dir=runs/from_keras        # then --decode from it

Flags given explicitly override the chosen ``--config`` preset.
"""

import sys

from absl import app, flags

from tf1_models import cli

cli.preselect_backend(sys.argv)  # before anything imports keras
# pylint: disable=wrong-import-position
from tf1_models.errors import run_main  # noqa: E402
from tf1_models.seq2seq import config as config_lib  # noqa: E402
from tf1_models.seq2seq import runner  # noqa: E402

FLAGS = flags.FLAGS
_D = config_lib.Config()

flags.DEFINE_enum("config", "default", sorted(config_lib.PRESETS),
                  "Preset; see tf1_models/seq2seq/config.py.")
flags.DEFINE_enum("mode", "train", ["train", "evaluate", "decode", "export",
                                     "keras_train", "import_keras"],
                  "train (then evaluate); evaluate (as --evaluate); decode "
                  "(as --decode); export: write the greedy decoder as a "
                  "SavedModel for TF Serving in --export_dir/<step>/. "
                  "keras_train: train the legacy model's Keras twin on "
                  "--backend from --seed into a new --keras_file; across "
                  "processes with --worker_hosts/--task_index on "
                  "--backend=tensorflow. import_keras: write --keras_file as "
                  "a TF1 run in a new --checkpoint_dir.")
flags.DEFINE_string("keras_file", "seq2seq.weights.h5",
                    "keras_train/import_keras: the Keras weights file (with "
                    "<keras_file>.run.json).")
cli.define_backend_flag()
cli.define_export_flags(
    ("tf1", "keras", "onnx"),
    "tf1, the TF1 graph; keras, the same signature from the Keras twin "
    "(greedy decoding); onnx, the twin's greedy decoding (legacy: one "
    "<step>_bucket<k>.onnx per bucket).")
flags.DEFINE_boolean("decode", False,
                     "Read lines from stdin, print their greedy decodings.")
flags.DEFINE_boolean("evaluate", False,
                     "Print exact-match accuracy on the held-out phrases.")
flags.DEFINE_enum("task", _D.task, list(config_lib.TASKS),
                  "mirror: learn to spell each word backwards. self_test: "
                  "the tutorial's smoke test on fake data.")
flags.DEFINE_string("buckets", _D.buckets,
                    "Encoder:decoder lengths, ascending, e.g. 10:12,20:22.")
flags.DEFINE_integer("size", _D.size, "Units per layer (and embedding size).")
flags.DEFINE_integer("num_layers", _D.num_layers, "Stacked layers.")
flags.DEFINE_boolean("use_lstm", _D.use_lstm, "LSTM cells instead of GRU.")
flags.DEFINE_integer("num_samples", _D.num_samples,
                     "Sampled-softmax classes (used when below the target "
                     "vocabulary size).")
flags.DEFINE_float("max_gradient_norm", _D.max_gradient_norm,
                   "Clip gradients to this global norm.")
flags.DEFINE_integer("batch_size", _D.batch_size, "Phrases per batch.")
flags.DEFINE_enum("optimizer", _D.optimizer, ["sgd", "adam"], "Optimizer.")
flags.DEFINE_float("learning_rate", _D.learning_rate, "Initial rate.")
flags.DEFINE_float("learning_rate_decay_factor",
                   _D.learning_rate_decay_factor,
                   "Multiply the rate by this when the loss stops improving.")
flags.DEFINE_integer("max_steps", _D.max_steps, "Stop at this global step.")
flags.DEFINE_integer("steps_per_checkpoint", _D.steps_per_checkpoint,
                     "Steps between checkpoints, evaluations and decay "
                     "decisions.")
flags.DEFINE_integer("max_length", _D.max_length,
                     "Longest phrase, in characters.")
flags.DEFINE_float("held_out_percent", _D.held_out_percent,
                   "Share of distinct phrases held out.")
flags.DEFINE_integer("max_held_out", _D.max_held_out,
                     "Held-out phrases evaluated.")
flags.DEFINE_integer("max_chars", _D.max_chars,
                     "Corpus characters read (0: all).")
flags.DEFINE_string("corpus", _D.corpus,
                    "Plain-text corpus. Default: ../shared/data/"
                    "text8_prefix.txt when present, else the shipped one.")
flags.DEFINE_string("checkpoint_dir", _D.checkpoint_dir,
                    "Run directory (default runs/seq2seq_<task>).")
flags.DEFINE_integer("log_every", _D.log_every, "Steps between log lines.")
flags.DEFINE_integer("seed", _D.seed, "Random seed (graph, data, batches).")
flags.DEFINE_enum("decoder", _D.decoder, list(config_lib.DECODERS),
                  "legacy: the tutorial's legacy_seq2seq model. dynamic: "
                  "tf.contrib.seq2seq (dynamic_decode, AttentionWrapper).")
flags.DEFINE_enum("attention", _D.attention,
                  ["luong", "scaled_luong", "bahdanau", "normed_bahdanau"],
                  "Attention of --decoder=dynamic.")
flags.DEFINE_integer("beam_width", _D.beam_width,
                     "--decoder=dynamic: decode with BeamSearchDecoder of "
                     "this width (0: greedy).")
flags.DEFINE_float("length_penalty_weight", _D.length_penalty_weight,
                   "BeamSearchDecoder's length penalty (0: none).")

cli.define_cluster_flags()


def print_accuracy(config):
  result = runner.evaluate(config)
  for phrase, output in result["examples"]:
    print("  %s -> %s" % (phrase, output))
  print("held-out exact match: %.2f%% of %d phrases (%s; %.1fs, %.0f "
        "phrases/s)" % (100 * result["exact_match"], result["held_out"],
                        result["decoding"], result["decode_seconds"],
                        result["held_out"] / max(result["decode_seconds"],
                                                 1e-9)))


def main(argv):
  config = cli.setup(argv, FLAGS, config_lib)
  if config.task == "self_test":
    runner.self_test(config.seed)
    return 0
  if FLAGS.mode in ("keras_train", "import_keras"):
    # pylint: disable=import-outside-toplevel
    from tf1_models import keras_distributed
    from tf1_models.seq2seq import keras_train
    if FLAGS.mode == "import_keras":
      print("wrote %s" % keras_train.to_tf1_run(FLAGS.keras_file,
                                                runner.checkpoint_dir(config)))
      return 0
    keras_train.train(config, FLAGS.keras_file,
                      keras_distributed.Workers.from_flags(
                          FLAGS.worker_hosts, FLAGS.task_index,
                          FLAGS.ps_hosts, FLAGS.job_name))
    return 0
  if FLAGS.mode == "export":
    runner.export_saved_model(config, FLAGS.export_dir or None,
                              FLAGS.export_format)
    return 0
  if FLAGS.decode or FLAGS.mode == "decode":
    for line in runner.decode(config, sys.stdin.readlines()):
      print(line)
    return 0
  if not (FLAGS.evaluate or FLAGS.mode == "evaluate"):
    if not cli.train(runner.train, config, FLAGS)[1]:
      return 0
  print_accuracy(config)
  return 0


if __name__ == "__main__":
  app.run(run_main(main, "python -m tf1_models.seq2seq"))
