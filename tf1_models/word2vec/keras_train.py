"""Train word2vec's Keras twin, in one process or across several.

``python -m tf1_models.word2vec --mode=keras_train --keras_file=w.weights.h5``
trains ``KerasWord2Vec`` from ``--seed`` for ``--max_steps`` steps
(``KerasWord2Vec.gradients``: the sampled softmax loss, dense gradients
with a repeated id's rows summed, as TF1's Adagrad takes them) and writes
the weights plus ``<keras_file>.run.json`` (model config and vocabulary),
which ``load`` reads; ``convert.keras_to_tf1`` maps the weights to the
notebook's checkpoint names. Any backend in one process.

The sampled candidates of global step ``s`` are one log-uniform draw seeded
by ``(--seed, s)`` (``log_uniform_candidates``, TF's unique log-uniform
sampler in NumPy: the same draw on every backend and every worker).

Across processes (``--worker_hosts``, ``--task_index``, on
``--backend=tensorflow``: ``MultiWorkerMirroredStrategy``, see
``tf1_models.keras_distributed``): global step ``s`` is the single-process
batches ``s*N .. s*N+N-1``, worker ``i`` taking batch ``s*N+i``, every
worker with the step's one draw of candidates; each computes its dense
gradient, and one Adagrad update takes their mean. That is exactly one
process's step on the ``N`` batches together with the same candidates (the
sampled softmax's candidates and expected counts do not depend on the
batch, the true classes' expected counts only on each example's label).
``--batch_size`` is per worker; the chief (task 0) writes the files.

The run never resumes and refuses an existing ``--keras_file``; the file is
written at the end, to a temporary name and renamed.
"""

import contextlib
import math

import numpy as np

from tf1_models import corpus, files, keras_distributed
from tf1_models.char_rnn.keras_train import fingerprint
from tf1_models.errors import UserError
from tf1_models.word2vec import data as data_lib
from tf1_models.word2vec import neighbours

MODEL_NAME = "word2vec_keras"
# Config keys a trained file's network needs besides MODEL_KEYS.
NET_KEYS = ("num_sampled", "learning_rate", "vocabulary_size")


def log_uniform_candidates(labels, num_sampled, num_classes, rng):
  """TF's unique log-uniform (Zipfian) candidate sampler, in NumPy:
  ``(sampled [S] int64, true_expected_count [B, 1], sampled_expected_count
  [S])`` float32, as ``sampled_softmax_loss``'s ``sampled_values``.

  Class ``k`` has probability ``log((k+2)/(k+1)) / log(V+1)``; draws are
  repeated until ``S`` distinct classes came up (in order of first
  appearance), and a class's expected count after ``n`` draws is ``1 -
  (1-p)^n`` (``p * n`` when no draw was rejected), as TF computes it."""
  if num_sampled > num_classes:
    raise ValueError("cannot draw %d distinct classes of %d" % (
        num_sampled, num_classes))
  log_range = math.log(num_classes + 1.0)
  seen, tries = {}, 0
  while len(seen) < num_sampled:
    for u in rng.random_sample(2 * num_sampled):
      k = (int(math.exp(u * log_range)) - 1) % num_classes
      tries += 1
      seen.setdefault(k, len(seen))
      if len(seen) == num_sampled:
        break
  sampled = np.array(sorted(seen, key=seen.get), np.int64)

  def expected(ids):
    ids = np.asarray(ids, np.float64)
    p = (np.log(ids + 2.0) - np.log(ids + 1.0)) / log_range
    if tries == num_sampled:
      return (p * tries).astype(np.float32)
    return (-np.expm1(tries * np.log1p(-p))).astype(np.float32)

  return (sampled, expected(np.reshape(labels, (-1, 1))), expected(sampled))


def candidates(config, step, labels, num_classes):
  """Global step ``step``'s sampled values for ``labels``: one draw per
  step, the same in every worker (and for any batch)."""
  rng = np.random.RandomState([config.seed, int(step), 7])
  return log_uniform_candidates(labels, config.num_sampled, num_classes, rng)


def new_net(config, vocab_size, strategy=None):
  """``KerasWord2Vec`` from ``config.seed`` (the same weights on every
  worker), its Adagrad built, under ``strategy``'s scope if given."""
  import keras  # pylint: disable=import-outside-toplevel
  from tf1_models.word2vec import keras_model  # pylint: disable=import-outside-toplevel
  keras.utils.set_random_seed(config.seed)
  with (contextlib.nullcontext() if strategy is None else strategy.scope()):
    net = keras_model.KerasWord2Vec(
        config.model, vocab_size, config.embedding_size, config.skip_window,
        config.combiner, config.num_sampled, config.learning_rate)
    net.optimizer.build(net.variables)
  return net


def gradient_fn(net):
  """``(x, y, sampled_values) -> (loss, dense grads)``, compiled as a
  ``tf.function`` on TensorFlow (``value_and_grad`` jits on JAX)."""
  import keras  # pylint: disable=import-outside-toplevel
  if keras.backend.backend() != "tensorflow":
    return net.gradients
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  return tf.function(net.gradients, reduce_retracing=True)


def meta_path(keras_file):
  return keras_file + ".run.json"


def load(keras_file):
  """``(KerasWord2Vec, vocabulary, run.json)`` of a trained file."""
  from tf1_models.word2vec import keras_model  # pylint: disable=import-outside-toplevel
  meta = keras_distributed.read_meta(meta_path(keras_file), keras_file)
  cfg = meta["config"]
  vocab = corpus.Vocabulary.from_json(meta["vocab"])
  net = keras_model.KerasWord2Vec(cfg["model"], len(vocab),
                                  cfg["embedding_size"], cfg["skip_window"],
                                  cfg["combiner"], cfg["num_sampled"],
                                  cfg["learning_rate"])
  net.model.load_weights(keras_file)
  return net, vocab, meta


def train(config, keras_file, workers=None, log=print):
  """Train and (on the chief) write ``keras_file``; returns ``(steps,
  losses)``, every step's loss (the mean over all the workers' batches)."""
  # pylint: disable=import-outside-toplevel
  from tf1_models.word2vec import runner
  runner.validate(config)
  keras_distributed.check_new_keras_file(keras_file)
  if config.max_steps < 1:
    raise UserError("--max_steps=%d: keras_train needs at least one step"
                    % config.max_steps)
  if workers is not None:
    keras_distributed.require_tensorflow("word2vec")
  n = 1 if workers is None else workers.num_workers
  rank = 0 if workers is None else workers.task_index
  dataset = runner.load_data(config, log)  # bad corpora: before joining
  batcher = data_lib.Batcher(dataset.data, config.model, config.batch_size,
                             config.num_skips, config.skip_window,
                             config.seed)
  vocab_size = len(dataset.vocab)
  strategy = None if workers is None else keras_distributed.start(workers)
  import keras
  net = new_net(config, vocab_size, strategy)
  gradients = gradient_fn(net)
  apply = keras_distributed.apply_mean_gradients(net.optimizer,
                                                 net.variables, strategy)
  log("keras_train on %s: %s, vocabulary %d, embedding %d, %d steps of %d x "
      "%d examples, %d sampled%s" % (
          keras.backend.backend(), config.model, vocab_size,
          config.embedding_size, config.max_steps, n, config.batch_size,
          config.num_sampled, "" if workers is None else
          "; " + workers.describe(keras.backend.backend())))
  def step_fn(step):
    x, y = batcher.batch(step * n + rank)
    loss, grads = gradients(x, y, candidates(config, step, y, vocab_size))
    return apply(grads, loss)

  losses = keras_distributed.run_steps(config.max_steps, step_fn, workers,
                                       config.log_every, log)
  log("weights fingerprint %s" % fingerprint(
      [keras.ops.convert_to_numpy(v) for v in net.variables]))
  score = neighbours.number_word_score(net.normalized_embeddings(),
                                       dataset.vocab, config.top_k)
  if score is not None:
    log(neighbours.number_word_line(score, config.top_k))
  if rank == 0:
    with files.atomic_path(keras_file, suffix=".weights.h5") as tmp:
      net.model.save_weights(tmp)
    cfg = config.model_config()
    cfg.update({k: getattr(config, k) for k in NET_KEYS})
    files.write_json(meta_path(keras_file), {
        "model": MODEL_NAME, "config": cfg,
        "vocab": dataset.vocab.to_json(), "step": config.max_steps,
        "workers": n, "backend": keras.backend.backend()})
    log("wrote %s and %s" % (keras_file, meta_path(keras_file)))
  return config.max_steps, losses

