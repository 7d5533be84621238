"""word2vec train, export and query, as plain functions of a ``Config``.

``train(config)`` reads the corpus once into an id array, builds the
notebook's graph fresh and hands it to the shared loop
(``tf1_models.training``), which logs the average loss every ``log_every``
steps; the 8 nearest neighbours of the validation words are logged every
``neighbours_every`` steps (and at the end), the number-word figure at every
checkpoint. At the end the normalised embeddings are exported for
TensorBoard's projector: ``<run>/projector/`` holds a checkpoint with the
tensor ``normalized_embeddings``, ``metadata.tsv`` (one word per row) and
``projector_config.pbtxt``; ``tensorboard --logdir <run>`` shows them.

``nearest(config)`` needs only the run directory: the vocabulary comes from
``run.json``, the embeddings from the latest checkpoint.
"""

import os

import numpy as np
import tensorflow as tf

from tf1_models import (configs, corpus, distributed, files, serving,
                        training)
from tf1_models.errors import (CheckpointMismatchError, UserError,
                               VocabularyError)
from tf1_models.word2vec import data as data_lib
from tf1_models.word2vec import model as model_lib
from tf1_models.word2vec import neighbours
from tf1_models.word2vec.config import COMBINERS, MODELS

v1 = tf.compat.v1
MODEL_NAME = "word2vec"
PROJECTOR_DIR = "projector"
PROJECTOR_TENSOR = "normalized_embeddings"


def checkpoint_dir(config):
  return config.checkpoint_dir or os.path.join("runs",
                                               "word2vec_" + config.model)


def validate(config):
  configs.require_choice("model", config.model, MODELS)
  configs.require_choice("combiner", config.combiner, COMBINERS)
  configs.require_positive(config, ("vocabulary_size", "embedding_size",
                                    "batch_size", "num_sampled", "top_k",
                                    "log_every", "checkpoint_every",
                                    "neighbours_every"))
  if config.vocabulary_size < 2:
    raise UserError("--vocabulary_size must be at least 2 (UNK and one word)")
  try:
    data_lib.check_batch_shape(config.batch_size, config.num_skips,
                               config.skip_window)
  except ValueError as e:
    raise UserError("%s; change --batch_size, --num_skips or --skip_window"
                    % e)
  configs.require_positive_float(config, "learning_rate")


def load_data(config, log=print):
  """Read the corpus once into an id array over the vocabulary."""
  path, origin = corpus.resolve_corpus(config.corpus, config.shared_corpus,
                                       config.shipped_corpus)
  dataset = data_lib.build_dataset(corpus.read_text(path).split(),
                                   config.vocabulary_size)
  if len(dataset.vocab) <= config.num_sampled:
    raise UserError(
        "the corpus has %d distinct words (vocabulary %d), too few to sample "
        "%d classes; use a longer corpus or a smaller --num_sampled" %
        (len(dataset.vocab) - 1, len(dataset.vocab), config.num_sampled))
  log("corpus: %s (%s): %d words, vocabulary %d, %d UNK; most common %s" %
      (path, origin, len(dataset.data), len(dataset.vocab), dataset.counts[0],
       ", ".join(dataset.vocab.symbols[1:6])))
  return dataset


def valid_examples(config, vocab_size):
  """The notebook's random validation words among the most frequent."""
  window = min(config.valid_window, vocab_size)
  size = min(config.valid_size, window)
  rng = np.random.RandomState(config.seed)
  return [int(i) for i in rng.choice(window, size, replace=False)]


def _meta(config, vocab, valid):
  return {"model": MODEL_NAME, "config": config.model_config(),
          "vocab": vocab.to_json(), "valid_examples": valid}


def build_train_task(config, dataset, valid, log=print, replication=None,
                     vectorised_batches=True):
  """The notebook's graph, fresh, wrapped as a ``TrainTask``
  (``replication``: one worker of a distributed run; ``vectorised_batches``
  False: build batches with the notebook's loop, same arrays, slower)."""
  batcher = data_lib.Batcher(dataset.data, config.model, config.batch_size,
                             config.num_skips, config.skip_window,
                             config.seed, vectorised=vectorised_batches)
  graph = tf.Graph()
  with graph.as_default(), distributed.placement(replication):
    v1.set_random_seed(config.seed)
    shape = [config.batch_size]
    if config.model == "cbow":
      shape.append(2 * config.skip_window)
    inputs = v1.placeholder(tf.int32, shape, name="train_inputs")
    labels = v1.placeholder(tf.int32, [config.batch_size, 1],
                            name="train_labels")
    end_points = model_lib.word2vec(
        config.model, inputs, labels, len(dataset.vocab),
        embedding_size=config.embedding_size,
        num_sampled=config.num_sampled, learning_rate=config.learning_rate,
        combiner=config.combiner, valid_examples=valid,
        wrap_optimizer=lambda o: distributed.wrap_optimizer(replication, o))

  def feed(step):
    x, y = batcher.batch(step)
    return {inputs: x, labels: y}

  def after_step(sess, step, fetched):
    del fetched
    if not valid:  # valid_size 0: no validation words, nothing to print
      return
    if step % config.neighbours_every == 0 or step == config.max_steps:
      sim = sess.run(end_points["similarity"])
      sim[np.arange(len(valid)), valid] = -np.inf
      near = np.argsort(-sim, axis=1, kind="stable")[:, :config.top_k]
      for i, row in zip(valid, near):
        log("Nearest to %s: %s" % (dataset.vocab.symbols[i], ", ".join(
            dataset.vocab.symbols[j] for j in row)))

  def evaluate(sess):
    normalized = sess.run(end_points["normalized_embeddings"])
    score = neighbours.number_word_score(normalized, dataset.vocab,
                                         config.top_k)
    if score is None:
      return {}
    log(neighbours.number_word_line(score, config.top_k))
    return {"number_words": score}

  return training.TrainTask(
      graph=graph, loss=end_points["loss"], train_op=end_points["train_op"],
      global_step=end_points["global_step"], feed=feed,
      steps_per_epoch=batcher.steps_per_epoch,
      symbols_per_step=config.batch_size, evaluate=evaluate,
      after_step=after_step, unit="examples",
      # sampled softmax's candidate sampler: replayed on resume, so a
      # resumed run draws the negatives an uninterrupted one would.
      per_step_random=tuple(op.outputs[0] for op in graph.get_operations()
                            if op.type.endswith("CandidateSampler"))
  ), end_points


def train(config, log=print, cluster=None):
  """Train (or resume), export the projector files; the ``TrainResult``
  (``cluster``: this process's ``distributed.Cluster`` in a distributed
  run; the chief exports the projector files)."""
  validate(config)
  server, replication = distributed.start(cluster, log)
  dataset = load_data(config, log)
  valid = valid_examples(config, len(dataset.vocab))
  run_dir = training.RunDir(checkpoint_dir(config))
  meta = _meta(config, dataset.vocab, valid)
  with distributed.hold(run_dir, replication):  # before run.json is read
    run_dir.check_compatible(meta)
    task, _ = build_train_task(config, dataset, valid, log, replication)
    log("model: %s%s, embedding %d, batch %d, skip_window %d, num_skips %d, "
        "%d sampled; training to step %d in %s" %
        (config.model, " (%s)" % config.combiner if config.model == "cbow"
         else "", config.embedding_size, config.batch_size, config.skip_window,
         config.num_skips, config.num_sampled, config.max_steps, run_dir.path))
    result = distributed.run(task, run_dir, meta, training.LoopConfig(
        max_steps=config.max_steps, checkpoint_every=config.checkpoint_every,
        log_every=config.log_every, log=log), replication, server)
    if (cluster is None or cluster.is_chief) and run_dir.latest_checkpoint():
      vocab, normalized = load_embeddings(run_dir.path)
      log("projector files: %s" % export_projector(run_dir.path, normalized,
                                                   vocab))
    return result


def load_embeddings(path):
  """``(vocabulary, normalised embeddings)`` of the run in ``path``."""
  meta, ckpt = training.RunDir(path).load_for_inference(MODEL_NAME)
  embeddings = tf.train.load_checkpoint(ckpt).get_tensor(
      model_lib.EMBEDDINGS)
  return (corpus.Vocabulary.from_json(meta["vocab"]),
          neighbours.normalize(embeddings))


def export_projector(run_path, normalized, vocab):
  """Write the TensorBoard projector files; returns their directory."""
  out = os.path.join(run_path, PROJECTOR_DIR)
  os.makedirs(out, exist_ok=True)
  files.write_text(os.path.join(out, "metadata.tsv"),
                   "".join(w + "\n" for w in vocab.symbols))
  with tf.Graph().as_default() as graph:
    var = v1.get_variable(PROJECTOR_TENSOR, normalized.shape,
                          initializer=v1.zeros_initializer())
    saver = v1.train.Saver([var])
    with v1.Session(graph=graph) as sess:
      var.load(normalized, sess)
      saver.save(sess, os.path.join(out, "embeddings.ckpt"),
                 write_meta_graph=False)
    # TensorBoard lists a directory as a run only when it has an event file.
    writer = v1.summary.FileWriter(out)
    writer.add_session_log(v1.SessionLog(status=v1.SessionLog.START), 0)
    writer.close()
  files.write_text(os.path.join(out, "projector_config.pbtxt"),
                   'embeddings {\n  tensor_name: "%s"\n  metadata_path: '
                   '"metadata.tsv"\n}\n' % PROJECTOR_TENSOR)
  return out


def export_saved_model(config, export_dir=None, log=print,
                       export_format="tf1"):
  """Write a SavedModel for TF Serving that answers nearest-neighbour
  queries (``model.nearest_neighbours_graph``: word, top_k -> neighbours,
  similarities, error) from the run's normalised embeddings; return the
  version folder (``<export_dir>/<step>/``). ``keras``: the same signature
  from the Keras twin on the converted weights (Keras's ``ExportArchive``;
  the normalisation runs in the served function)."""
  configs.require_choice("export_format", export_format, ("tf1", "keras"))
  path = checkpoint_dir(config)
  run_dir = training.RunDir(path)
  if export_format == "keras":
    return _export_keras(path, run_dir, export_dir, log)
  vocab, normalized = load_embeddings(path)
  max_k = len(vocab) - 1

  def restore(sess):
    by_name = {v.op.name: v for v in sess.graph.get_collection(
        v1.GraphKeys.GLOBAL_VARIABLES)}
    by_name["normalized_embeddings"].load(normalized, sess)

  out = serving.write_saved_model(
      export_dir or os.path.join(path, "export"),
      serving.checkpoint_step(run_dir.latest_checkpoint()),
      lambda: model_lib.nearest_neighbours_graph(
          vocab.symbols, normalized.shape[1], max_k), restore)
  log("exported %s (signature %s: word, top_k -> neighbours, similarities, "
      "error; top_k up to %d)" % (out, serving.SIGNATURE, max_k))
  return out


def _export_keras(path, run_dir, export_dir, log):
  from tf1_models.word2vec import convert  # pylint: disable=g-import-not-at-top
  net, vocab = convert.keras_from_run(path)
  symbols, max_k = vocab.symbols, len(vocab) - 1
  table = serving.vocabulary_table(symbols)
  embeddings = net.embedding.embeddings

  @tf.function(input_signature=[tf.TensorSpec([], tf.string, name="word"),
                                tf.TensorSpec([], tf.int32, name="top_k")])
  def serve(word, top_k):
    emb = tf.convert_to_tensor(embeddings)
    normalized = emb / tf.sqrt(tf.reduce_sum(tf.square(emb), 1,
                                             keepdims=True))
    return model_lib.neighbours_query(normalized, symbols, max_k, word,
                                      top_k, table)

  out = serving.write_archive(
      export_dir or os.path.join(path, "export"),
      serving.checkpoint_step(run_dir.latest_checkpoint()),
      [net.encoder, table], serve)
  log("exported %s (Keras ExportArchive, signature %s: word, top_k -> "
      "neighbours, similarities, error; top_k up to %d)" %
      (out, serving.SIGNATURE, max_k))
  return out


def nearest(config):
  """Neighbour lines for the comma-separated words of ``config.nearest``."""
  path = checkpoint_dir(config)
  if not training.RunDir(path).latest_checkpoint():
    raise CheckpointMismatchError(
        "no trained checkpoint in %s; train first (without --nearest) or "
        "pass the --checkpoint_dir of a trained run" % path)
  vocab, normalized = load_embeddings(path)
  words = [w.strip() for w in config.nearest.split(",") if w.strip()]
  if not words:
    raise UserError("--nearest needs comma-separated words, e.g. "
                    "--nearest=one,king")
  unknown = [w for w in words if w not in vocab]
  if unknown:
    raise VocabularyError(
        "%s not in the model's %d-word vocabulary (rarer words are UNK); "
        "ask for other words" % (", ".join(repr(w) for w in unknown),
                                 len(vocab)))
  return neighbours.neighbour_lines(normalized, vocab,
                                    [vocab.id(w) for w in words],
                                    config.top_k)
