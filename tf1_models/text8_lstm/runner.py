"""text8_lstm train and sample, as plain functions of a ``Config``.

``train(config)`` builds the notebook's graph fresh, hands it to the shared
loop (``tf1_models.training``) and prints the notebook's summary every
``summary_frequency`` steps, numbered as the notebook numbered them (from
0; the loop's global step is that number + 1)::

  Average loss at step 100: 2.586 learning rate: 10.000000
  Minibatch perplexity: 10.43
  Validation set perplexity: 10.27

with five sampled lines every ``sample_every`` steps. ``sample(config)``
needs only the checkpoint directory (``run.json`` holds the config).
"""

import os

import numpy as np
import tensorflow as tf

from tf1_models import (configs, corpus, distributed, sampling, serving,
                        tf1_weights, training)
from tf1_models.errors import UserError
from tf1_models.text8_lstm import data as data_lib
from tf1_models.text8_lstm import model as model_lib
from tf1_models.text8_lstm.config import VARIANTS

v1 = tf.compat.v1
MODEL_NAME = "text8_lstm"


def checkpoint_dir(config):
  return config.checkpoint_dir or os.path.join("runs",
                                               "text8_lstm_" + config.variant)


def validate(config):
  configs.require_choice("variant", config.variant, VARIANTS)
  configs.require_choice("train_graph", config.train_graph,
                         model_lib.TRAIN_GRAPHS)
  configs.require_choice("sampler", config.sampler, sampling.SAMPLERS)
  if config.train_graph != "seed" and config.variant != "separate":
    raise UserError(
        "--train_graph=%s is for --variant=separate (measured slower than "
        "the seed's graph for %s: README, Performance); drop it" %
        (config.train_graph, config.variant))
  configs.require_positive(config, ("num_nodes", "batch_size",
                                    "num_unrollings", "embedding_size",
                                    "summary_frequency", "checkpoint_every"))
  if not 0 < config.keep_prob <= 1:
    raise UserError("--keep_prob must be in (0, 1], got %g" %
                    config.keep_prob)
  configs.require_positive_float(config, "learning_rate")


def load_data(config, log=print, workers=1):
  """The corpus as batches of ``workers * batch_size`` rows (a distributed
  worker trains on its own ``batch_size`` of them)."""
  path, origin = corpus.resolve_corpus(config.corpus, config.shared_corpus,
                                       config.shipped_corpus)
  text, note = data_lib.reduce_text(corpus.read_text(path))
  log("corpus: %s (%s, %d characters)" % (path, origin, len(text)))
  if note:
    log("corpus: note: " + note)
  return data_lib.text8_data(text, workers * config.batch_size,
                             config.num_unrollings, config.valid_size)


def run_meta(config):
  """What ``run.json`` holds for ``config``."""
  return {"model": MODEL_NAME, "config": config.model_config(),
          "vocab": data_lib.vocabulary().to_json()}


def build_graph(cfg, config=None, with_generator=True, generator_inputs=None,
                replication=None, sampler="graph"):
  """``model.build_graph`` for a ``model_config()`` dict (and the training
  hyper-parameters of ``config`` when given; ``replication``: one worker of a
  distributed run)."""
  kw = {}
  if config is not None:
    kw = dict(learning_rate=config.learning_rate,
              decay_steps=config.decay_steps, decay_rate=config.decay_rate,
              clip_norm=config.clip_norm, ref_state=config.tf1_ref_state,
              train_graph=config.train_graph)
  return model_lib.build_graph(
      cfg["variant"], num_nodes=cfg["num_nodes"],
      batch_size=cfg["batch_size"], num_unrollings=cfg["num_unrollings"],
      embedding_size=cfg["embedding_size"] or 0,
      keep_prob=cfg["keep_prob"] or 1.0, with_generator=with_generator,
      generator_inputs=generator_inputs, replication=replication,
      sampler=sampler, **kw)


def feed_for(g, variant, data, step):
  """The feed of global step ``step`` (0-based call of the generator)."""
  if variant == "bigram":
    bigrams, labels = data.bigram_batch(step)
    feed = dict(zip(g.train_data, bigrams))
    feed.update(zip(g.train_labels, data_lib.one_hot(labels)))
    return feed
  return dict(zip(g.train_data, data_lib.one_hot(data.char_batch(step))))


def validation_perplexity(sess, g, variant, valid_ids):
  """The notebook's validation: reset the sample state, then score the
  pairs one character per ``session.run``; exp(mean(-log p)), p >= 1e-10."""
  if variant == "bigram":
    inputs, labels = data_lib.valid_bigram_pairs(valid_ids)
    feeds = [np.array([x], np.int32) for x in inputs]
  else:
    inputs, labels = data_lib.valid_pairs(valid_ids)
    feeds = list(data_lib.one_hot(inputs)[:, None, :])
  sess.run(g.reset_sample_state)
  total = 0.0
  for x, y in zip(feeds, labels):
    p = sess.run(g.sample_prediction, {g.sample_input: x})
    total += -np.log(max(float(p[0, y]), 1e-10))
  return float(np.exp(total / len(labels)))


def sample_lines(sess, g, config, rng):
  """``num_samples`` lines of ``length`` characters: each starts from
  ``--prime`` or a random letter and feeds every sampled character back."""
  vocab = data_lib.vocabulary()
  lines = []
  for _ in range(config.num_samples):
    prime = config.prime or data_lib.ALPHABET[rng.randint(
        data_lib.VOCAB_SIZE)]
    ids = vocab.encode(prime, "--prime")
    out = sess.run(g.generator.ids, g.generator.feed(
        ids, max(0, config.length - len(prime)), config.temperature,
        config.top_k))
    lines.append(prime + "".join(vocab.decode(out)))
  return lines


def build_train_task(config, data, log=print, replication=None):
  """The notebook's graph, fresh, wrapped as a ``TrainTask`` whose
  ``after_step`` prints the notebook's summaries.

  With ``replication`` (one worker of a distributed run), ``data`` has
  ``workers * batch_size`` rows per batch (``load_data``) and worker ``i``
  trains on rows ``i*batch_size ...`` of every batch: its own segments of the
  text, one after another, so the state it carries from batch to batch is
  the state of its own rows, as in one process."""
  graph = tf.Graph()
  with graph.as_default(), distributed.placement(replication):
    v1.set_random_seed(config.seed)
    g = build_graph(config.model_config(), config, replication=replication,
                    sampler=config.sampler)
  variant = config.variant
  rows = slice(None)
  if replication is not None:
    first = replication.cluster.task_index * config.batch_size
    rows = slice(first, first + config.batch_size)

  def feed(step):
    return {p: x[rows] for p, x in feed_for(g, variant, data, step).items()}
  window = {"loss": 0.0, "n": 0}
  last_eval = {}

  def evaluate(sess):
    step = int(sess.run(g.global_step))
    if last_eval.get("step") != step:
      last_eval.update(step=step, value=validation_perplexity(
          sess, g, variant, data.valid))
    return {"val_perplexity": last_eval["value"]}

  def after_step(sess, step, out):
    window["loss"] += out["loss"]
    window["n"] += 1
    nb_step = step - 1  # the notebook's loop counter
    if nb_step % config.summary_frequency:
      return
    log("Average loss at step %d: %f learning rate: %f" %
        (nb_step, window["loss"] / window["n"], out["learning_rate"]))
    window.update(loss=0.0, n=0)
    log("Minibatch perplexity: %.2f" % out["minibatch_perplexity"])
    if config.sample_every and nb_step % config.sample_every == 0:
      log("=" * 80)
      for line in sample_lines(sess, g, config,
                               np.random.RandomState(config.seed + step)):
        log(line)
      log("=" * 80)
    log("Validation set perplexity: %.2f" %
        evaluate(sess)["val_perplexity"])

  task = training.TrainTask(
      graph=graph, loss=g.loss, train_op=g.train_op,
      global_step=g.global_step,
      feed=feed, steps_per_epoch=data.steps_per_epoch,
      symbols_per_step=config.batch_size * config.num_unrollings,
      extra_fetches={"learning_rate": g.learning_rate,
                     "minibatch_perplexity": g.minibatch_perplexity},
      evaluate=evaluate, after_step=after_step,
      worker_state=g.state_variables if replication else (),
      sharded_feed=replication is not None)
  return task, g


def train(config, log=print, cluster=None):
  """Train (or resume) and return the ``TrainResult`` (``cluster``: this
  process's ``distributed.Cluster`` in a distributed run)."""
  validate(config)
  if cluster is not None and config.tf1_ref_state:
    raise UserError("--tf1_ref_state is for one process; drop it in a "
                    "distributed run")
  server, replication = distributed.start(cluster, log)
  data = load_data(config, log, cluster.num_workers if cluster else 1)
  run_dir = training.RunDir(checkpoint_dir(config))
  meta = run_meta(config)
  with distributed.hold(run_dir, replication):  # before run.json is read
    run_dir.check_compatible(meta)
    task, _ = build_train_task(config, data, log, replication)
    log("model: %s LSTM, %d nodes, batch %d x %d unrollings%s, training to "
        "step %d in %s" % (
            config.variant, config.num_nodes, config.batch_size,
            config.num_unrollings,
            (", embedding %d, keep prob %g" % (config.embedding_size,
                                               config.keep_prob)
             if config.variant == "bigram" else ""),
            config.max_steps, run_dir.path))
    return distributed.run(task, run_dir, meta, training.LoopConfig(
        max_steps=config.max_steps, checkpoint_every=config.checkpoint_every,
        log_every=config.summary_frequency, log=log), replication, server)


restore = tf1_weights.restore_tf1


def sample(config, log=print):
  """Sampled lines (one string) from ``config.checkpoint_dir``."""
  run_dir = training.RunDir(checkpoint_dir(config))
  meta, ckpt = run_dir.load_for_inference(MODEL_NAME)
  graph = tf.Graph()
  with graph.as_default():
    v1.set_random_seed(config.seed)
    g = build_graph(meta["config"], sampler=config.sampler)
  with v1.Session(graph=graph) as sess:
    restore(sess, ckpt)
    lines = sample_lines(sess, g, config, np.random.RandomState(config.seed))
  return "\n".join(lines)


def export_saved_model(config, export_dir=None, export_format="tf1",
                       log=print):
  """Write the checkpoint for serving; return what was written.

  ``tf1``: the sampler as a SavedModel for TF Serving
  (``serving.export_text_generator``), in ``<export_dir>/<step>/``; a
  request's ``length`` counts generated characters (``--mode=sample``'s
  ``--length`` counts the prime too). ``keras``: the same signature from the
  Keras twin on the converted weights; ``onnx``: the twin's one-step model
  as ``<export_dir>/<step>.onnx`` (``serving.export_keras_twin``).
  """
  configs.require_choice("export_format", export_format,
                         serving.EXPORT_FORMATS)
  run_dir = training.RunDir(checkpoint_dir(config))
  meta, ckpt = run_dir.load_for_inference(MODEL_NAME)
  spec = serving.TextSpec(data_lib.vocabulary().symbols,
                          max_length=config.length)
  export_dir = export_dir or os.path.join(run_dir.path, "export")
  step = serving.checkpoint_step(ckpt)
  if export_format != "tf1":
    return serving.export_keras_twin(export_format, export_dir, step,
                                     keras_twin_step(meta["config"], ckpt),
                                     spec, log=log)
  return serving.export_text_generator(
      export_dir, step,
      lambda inputs: build_graph(meta["config"],
                                 generator_inputs=inputs).generator,
      spec, lambda sess: restore(sess, ckpt), log=log)


def keras_twin_step(cfg, ckpt):
  """The Keras twin holding the checkpoint's converted weights, one
  character at a time as ``model.build_generator``'s step: the bigram
  variant's state also carries the previous character (id 0 at first)."""
  from tf1_models.text8_lstm import convert  # pylint: disable=g-import-not-at-top
  from tf1_models.text8_lstm import keras_model  # pylint: disable=g-import-not-at-top
  variant = cfg["variant"]
  net = keras_model.KerasText8LSTM(variant, cfg["num_nodes"], 1,
                                   cfg["embedding_size"] or 1)
  convert.set_keras_weights(net, convert.tf1_to_keras(
      convert.read_checkpoint(ckpt, variant), variant))
  model = net.step_model()
  bigram = variant == "bigram"

  def step(ids, state):
    if bigram:
      x = tf.reshape(state[2] * data_lib.VOCAB_SIZE + ids, [1, 1])
    else:
      x = tf.one_hot(tf.reshape(ids, [1, 1]), data_lib.VOCAB_SIZE)
    logits, h, c = model([x, state[0], state[1]])
    return logits, (h, c) + ((ids,) if bigram else ())

  def initial_state():
    zeros = tf.zeros([1, cfg["num_nodes"]])
    return (zeros, zeros) + ((tf.zeros([1], tf.int32),) if bigram else ())
  return serving.KerasTwinStep([model], step, initial_state, model)
