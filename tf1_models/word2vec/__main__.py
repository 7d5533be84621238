"""python -m tf1_models.word2vec: train skip-gram/CBOW, query neighbours.

  python -m tf1_models.word2vec --model=skipgram          # train (resumes)
  python -m tf1_models.word2vec --model=cbow --combiner=mean
  python -m tf1_models.word2vec --config=seed             # the notebook run
  python -m tf1_models.word2vec --nearest=one,king        # query a saved run
  python -m tf1_models.word2vec --mode=export             # SavedModel for TF Serving
  python -m tf1_models.word2vec --mode=keras_train --keras_file=w.weights.h5 \
      --worker_hosts=localhost:2223,localhost:2224 --task_index=0
                                            # the Keras twin, one of 2 workers
  tensorboard --logdir runs/word2vec_skipgram             # projector tab

Flags given explicitly override the chosen ``--config`` preset.
"""

import sys

from absl import app, flags

from tf1_models import cli

cli.preselect_backend(sys.argv)  # before anything imports keras
# pylint: disable=wrong-import-position
from tf1_models.errors import run_main  # noqa: E402
from tf1_models.word2vec import config as config_lib  # noqa: E402
from tf1_models.word2vec import runner  # noqa: E402

FLAGS = flags.FLAGS
_D = config_lib.Config()

flags.DEFINE_enum("config", "default", sorted(config_lib.PRESETS),
                  "Preset; see tf1_models/word2vec/config.py.")
flags.DEFINE_enum("mode", "train", ["train", "export", "keras_train"],
                  "train: train or resume (or, with --nearest, query). "
                  "export: write a SavedModel answering nearest-neighbour "
                  "queries (word, top_k) in --export_dir. keras_train: "
                  "train the Keras twin on --backend from --seed into a new "
                  "--keras_file; across processes with --worker_hosts/"
                  "--task_index on --backend=tensorflow.")
flags.DEFINE_string("keras_file", "word2vec.weights.h5",
                    "keras_train: the Keras weights file to write (with "
                    "<keras_file>.run.json).")
cli.define_backend_flag()
cli.define_export_flags(
    ("tf1", "keras"),
    "tf1, the TF1 graph; keras, the same signature from the Keras twin "
    "(Keras's ExportArchive).")
flags.DEFINE_enum("model", _D.model, list(config_lib.MODELS),
                  "skipgram: predict context from word; cbow: word from "
                  "context.")
flags.DEFINE_enum("combiner", _D.combiner, list(config_lib.COMBINERS),
                  "CBOW: sum (the seed) or mean of the context embeddings.")
flags.DEFINE_integer("vocabulary_size", _D.vocabulary_size,
                     "Most frequent words kept, UNK included.")
flags.DEFINE_integer("embedding_size", _D.embedding_size,
                     "Embedding dimension.")
flags.DEFINE_integer("batch_size", _D.batch_size, "Examples per batch.")
flags.DEFINE_integer("skip_window", _D.skip_window,
                     "Context words on each side.")
flags.DEFINE_integer("num_skips", _D.num_skips,
                     "Skip-gram: pairs drawn per centre word.")
flags.DEFINE_integer("num_sampled", _D.num_sampled,
                     "Classes sampled by the sampled softmax.")
flags.DEFINE_float("learning_rate", _D.learning_rate, "Adagrad learning rate.")
flags.DEFINE_integer("max_steps", _D.max_steps, "Stop at this global step.")
flags.DEFINE_integer("top_k", _D.top_k, "Neighbours to show per word.")
flags.DEFINE_string("corpus", _D.corpus,
                    "Plain-text corpus (words split on whitespace). Default: "
                    "../shared/data/text8_prefix.txt, else the shipped slice.")
flags.DEFINE_string("checkpoint_dir", _D.checkpoint_dir,
                    "Run directory (default runs/word2vec_<model>).")
flags.DEFINE_integer("checkpoint_every", _D.checkpoint_every,
                     "Steps between checkpoints (and number-word figures).")
flags.DEFINE_integer("log_every", _D.log_every,
                     "Steps between average-loss lines.")
flags.DEFINE_integer("neighbours_every", _D.neighbours_every,
                     "Steps between validation-word neighbour lists.")
flags.DEFINE_integer("seed", _D.seed,
                     "Random seed (graph, validation words, batches).")
flags.DEFINE_string("nearest", _D.nearest,
                    "Comma-separated words: print their nearest neighbours "
                    "from the run in --checkpoint_dir instead of training.")

cli.define_cluster_flags()


def main(argv):
  config = cli.setup(argv, FLAGS, config_lib)
  if FLAGS.mode == "keras_train":
    # pylint: disable=import-outside-toplevel
    from tf1_models import keras_distributed
    from tf1_models.word2vec import keras_train
    keras_train.train(config, FLAGS.keras_file,
                      keras_distributed.Workers.from_flags(
                          FLAGS.worker_hosts, FLAGS.task_index,
                          FLAGS.ps_hosts, FLAGS.job_name))
    return 0
  if FLAGS.mode == "export":
    runner.export_saved_model(config, FLAGS.export_dir or None,
                              export_format=FLAGS.export_format)
    return 0
  if config.nearest:
    print("\n".join(runner.nearest(config)))
    return 0
  result, _ = cli.train(runner.train, config, FLAGS)
  print("final: step %d, last loss %.4f%s" % (
      result.step, result.loss, "".join(
          ", %s %.2f" % kv for kv in sorted(result.metrics.items()))))
  return 0


if __name__ == "__main__":
  app.run(run_main(main, "python -m tf1_models.word2vec"))
