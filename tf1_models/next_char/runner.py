"""next_char train, sample and convert, as plain functions of a ``Config``.

``impl="tf1"`` trains the TF1 graph twin through the shared loop
(``tf1_models.training``); ``impl="keras"`` trains the Keras 3 model with a
small loop of its own over the same ``feed(step)`` batches (Keras has no
``Session``) with the shared loop's run-directory rules (``train_keras``),
saving ``keras.ckpt-<step>.npz`` training states, ``model.weights.h5`` and
the same ``run.json``; with ``workers`` it runs across processes (each
worker's gradients averaged by ``keras_distributed.join``'s collective, the
chief saving as one process would). Both resume at the saved step.
``sample`` needs only the run directory; ``convert_run`` turns a run of one
implementation into a run of the other that generates the same greedy text.
"""

import math
import os
import time

import keras
import numpy as np
import tensorflow as tf

from tf1_models import (configs, corpus, distributed, files, keras_backend,
                        keras_distributed, sampling, serving, tf1_weights,
                        training)
from tf1_models.errors import (CheckpointDamagedError,
                               CheckpointMismatchError, TrainingDiverged,
                               UserError)
from tf1_models.char_rnn import keras_train
from tf1_models.next_char import convert
from tf1_models.next_char import data as data_lib
from tf1_models.next_char import keras_model
from tf1_models.next_char import model as model_lib
from tf1_models.next_char.config import CELLS, IMPLS

v1 = tf.compat.v1
MODEL_NAME = "next_char"
OPTIMIZER_STATE = "optimizer.npz"  # runs saved before KERAS_STATE
KERAS_STATE = "keras.ckpt-"  # + <step>.npz: a Keras training state


def checkpoint_dir(config):
  if config.checkpoint_dir:
    return config.checkpoint_dir
  return os.path.join("runs", "next_char_%s_%s%s" % (
      config.impl, config.cell, "_bi" if config.bidirectional else ""))


def validate(config):
  configs.require_choice("impl", config.impl, IMPLS)
  configs.require_choice("cell", config.cell, CELLS)
  configs.require_positive(config, ("embedding_dim", "rnn_size",
                                    "seq_length", "batch_size"))
  configs.require_positive_float(config, "learning_rate")
  configs.require_choice("train_graph", config.train_graph,
                         model_lib.TRAIN_GRAPHS)
  configs.require_choice("sampler", config.sampler, sampling.SAMPLERS)
  if config.train_graph != "seed" and (
      config.impl != "tf1" or config.cell != "rnn" or config.bidirectional):
    raise UserError("--train_graph=%s is for the TF1 one-direction SimpleRNN "
                    "(--impl=tf1 --cell=rnn --nobidirectional); drop it" %
                    config.train_graph)
  if not 0 <= config.val_fraction < 1:
    raise UserError("--val_fraction must be in [0, 1), got %g" %
                    config.val_fraction)


def load_data(config, log=print):
  path, origin = corpus.resolve_corpus(config.corpus, config.shared_corpus,
                                       config.shipped_corpus)
  text = corpus.read_text(path)
  log("corpus: %s (%s, %d characters)" % (path, origin, len(text)))
  return data_lib.windows(text, config.seq_length, config.batch_size,
                          config.val_fraction, config.seed)


def meta_for(config, vocab):
  return {"model": MODEL_NAME, "config": config.model_config(),
          "vocab": vocab.to_json()}


def _refuse_converted(run_dir):
  meta = run_dir.read_meta()
  if meta and meta.get("converted_from"):
    raise CheckpointMismatchError(
        "%s holds weights converted from a %s run, without optimizer state; "
        "sample from it, or train into a new --checkpoint_dir" %
        (run_dir.path, meta["converted_from"]))


def train(config, log=print, cluster=None, workers=None):
  """Train (or resume) and return a ``training.TrainResult``. ``cluster``:
  this process's ``distributed.Cluster`` in a distributed run of the TF1
  twin (with a parameter server); ``workers``: its
  ``keras_distributed.Workers`` in a multi-process Keras run (no parameter
  server; ``train_keras``)."""
  validate(config)
  if cluster is not None and config.impl != "tf1":
    raise UserError("--ps_hosts/--job_name are for --impl=tf1; the Keras "
                    "model trains across processes with --worker_hosts and "
                    "--task_index alone")
  if workers is not None and config.impl != "keras":
    raise UserError("--worker_hosts without --ps_hosts is the Keras model's "
                    "multi-process run (--impl=keras); --impl=tf1 needs "
                    "--ps_hosts and --job_name too")
  server, replication = distributed.start(cluster, log)
  data = load_data(config, log)
  run_dir = training.RunDir(checkpoint_dir(config))
  meta = meta_for(config, data.vocab)
  # The workers of a run share the folder (none is locked; the chief
  # alone writes).
  with distributed.hold(run_dir, replication or workers):
    return _train_locked(config, data, run_dir, meta, log, replication,
                         server, workers)


def _train_locked(config, data, run_dir, meta, log, replication, server,
                  workers=None):
  run_dir.check_compatible(meta)
  _refuse_converted(run_dir)
  n = 1 if workers is None else workers.num_workers
  max_steps = config.epochs * data.steps_per_epoch // n
  if config.max_steps:
    max_steps = min(max_steps, config.max_steps) if config.epochs else (
        config.max_steps)
  log("model: %s %s%s, embedding %d, %d units, vocabulary %d, %d windows "
      "(%d steps/epoch), training to step %d in %s" % (
          config.impl, "bidirectional " if config.bidirectional else "",
          config.cell, config.embedding_dim, config.rnn_size, len(data.vocab),
          data.train_windows, data.steps_per_epoch, max_steps, run_dir.path))
  if workers is not None:
    log("across processes: %s, %d x %d windows per step" % (
        workers.describe(keras.backend.backend()).replace(
            "Keras DataParallel on JAX", "JAX gradient all-reduce"), n,
        config.batch_size))
  loop = training.LoopConfig(max_steps=max_steps,
                             checkpoint_every=config.checkpoint_every,
                             log_every=config.log_every, log=log)
  if config.impl == "tf1":
    task = build_train_task(config, data, replication)
    return distributed.run(task, run_dir, meta, loop, replication, server)
  return train_keras(config, data, run_dir, meta, loop, workers)


def build_train_task(config, data, replication=None):
  """The TF1 twin's training graph, fresh, wrapped as a ``TrainTask``
  (``replication``: one worker of a distributed run)."""
  graph = tf.Graph()
  with graph.as_default(), distributed.placement(replication):
    v1.set_random_seed(config.seed)
    ep = model_lib.build_graph(
        len(data.vocab), config.cell, config.bidirectional,
        config.embedding_dim, config.rnn_size, config.learning_rate,
        wrap_optimizer=lambda o: distributed.wrap_optimizer(replication, o),
        train_graph=config.train_graph)

  def feed(step):
    x, y = data.batch(step)
    return {ep["ids"]: x, ep["targets"]: y}

  def evaluate(sess):
    losses = [sess.run(ep["loss"], {ep["ids"]: x, ep["targets"]: y})
              for x, y in data.val_batches(config.val_batches)]
    return {"val_loss": float(np.mean(losses))} if losses else {}

  return training.TrainTask(
      graph=graph, loss=ep["loss"], train_op=ep["train_op"],
      global_step=ep["global_step"], feed=feed,
      steps_per_epoch=data.steps_per_epoch,
      symbols_per_step=config.batch_size * config.seq_length,
      evaluate=evaluate if config.val_fraction > 0 else None)


def build_keras(config_dict, vocab_size):
  return keras_model.NextCharModel(
      vocab_size, config_dict["cell"], config_dict["bidirectional"],
      config_dict["embedding_dim"], config_dict["rnn_size"],
      config_dict["seq_length"])


class KerasTrainer(object):
  """Keras 3's side of the shared loop, on any Keras backend: one compiled
  step, dense embedding gradients, weights + optimizer state on disk."""

  def __init__(self, config, vocab_size, mean=None):
    keras.utils.set_random_seed(config.seed)
    self.net = build_keras(config.model_config(), vocab_size)
    self.optimizer = keras.optimizers.Adam(config.learning_rate)
    self.loss_fn = keras.losses.SparseCategoricalCrossentropy()
    self.variables = self.net.model.trainable_variables
    self.optimizer.build(self.variables)
    # Dense embedding gradients: Keras 3's Adam squares an IndexedSlices
    # gradient per occurrence before duplicates are summed; the seed's
    # Keras 2 and TF1 summed first. On TensorFlow the step densifies them
    # (keras_backend); JAX and PyTorch differentiate a gather densely, so
    # there Keras's own compiled train_on_batch is already TF1's update.
    if mean is not None:
      self.step = self._mean_step(mean)
    elif keras.backend.backend() == "tensorflow":
      self.step = tf.function(self._step)
    else:
      self.net.model.compile(optimizer=self.optimizer, loss=self.loss_fn)
      self.step = self.net.model.train_on_batch

  def _step(self, x, y):
    loss, _ = keras_backend.train_step(
        self.optimizer,
        lambda: self.loss_fn(y, self.net.model(x, training=True)),
        self.variables)
    return loss

  def _mean_step(self, mean):
    """Across processes (``mean``: a ``keras_distributed.GradientMean``):
    this worker's loss and dense gradients on its batch, averaged over the
    workers, then the same Adam update on every worker: one process's step
    on all the workers' batches together."""
    gradients = keras_distributed.gradient_fn(
        lambda x, y: self.loss_fn(y, self.net.model(x, training=True)),
        self.variables)

    def step(x, y):
      loss, grads = gradients(x, y)
      averaged = mean([loss] + list(grads))
      self.optimizer.apply_gradients(zip(averaged[1:], self.variables))
      return float(averaged[0])
    return step

  def loss(self, x, y):
    return self.loss_fn(y, self.net.model.predict_on_batch(x))

  @property
  def groups(self):
    return {"w": self.net.model.weights, "o": self.optimizer.variables}

  def state(self, step):
    """Everything a resume needs, as arrays: model weights, optimizer
    variables (Adam's moments and iteration count) and the step."""
    arrays = {"step": np.asarray(step, np.int64)}
    for prefix, variables in self.groups.items():
      for k, var in enumerate(variables):
        arrays["%s%d" % (prefix, k)] = keras.ops.convert_to_numpy(var)
    return arrays

  def restore_legacy(self, path):
    """A run saved before training states existed: ``model.weights.h5``
    plus ``optimizer.npz`` (the step is run.json's)."""
    self.net.model.load_weights(convert.keras_weights_path(path))
    with np.load(os.path.join(path, OPTIMIZER_STATE)) as saved:
      for k, var in enumerate(self.optimizer.variables):
        var.assign(saved["arr_%d" % k])


def state_problem(path, groups):
  """None if the state file ``path`` reads back whole and has an array of
  the right shape for every variable of ``groups`` (prefix -> variables),
  else a short reason."""
  try:
    with np.load(path) as saved:
      arrays = {k: saved[k] for k in saved.files}  # reads every member
  except Exception as e:  # pylint: disable=broad-except
    return (str(e) or type(e).__name__).splitlines()[0][:160]
  for prefix, variables in groups.items():
    held = [k for k in arrays if k[:1] == prefix and k[1:].isdigit()]
    if len(held) != len(variables):
      return "%d %s-arrays, this model has %d" % (len(held), prefix,
                                                 len(variables))
    for k, var in enumerate(variables):
      if arrays[prefix + str(k)].shape != tuple(var.shape):
        return "%s%d has shape %s, this model needs %s" % (
            prefix, k, arrays[prefix + str(k)].shape, tuple(var.shape))
  return None


def load_state(path, groups):
  """Assign a state file's arrays to ``groups``' variables; its step."""
  with np.load(path) as saved:
    for prefix, variables in groups.items():
      for k, var in enumerate(variables):
        var.assign(saved[prefix + str(k)])
    return int(saved["step"])


def newest_state(path, groups):
  """The newest intact state in folder ``path`` for ``groups`` (damaged
  ones skipped with one warning line; all damaged: one-line
  ``CheckpointDamagedError``), or None when there is none."""
  return training.RunDir(path).newest_intact(
      candidates=state_paths(path),
      problem_of=lambda p: state_problem(p, groups))


def state_paths(path):
  """The Keras run's training states in folder ``path``, oldest first."""
  if not os.path.isdir(path):
    return []
  found = []
  for name in os.listdir(path):
    if name.startswith(KERAS_STATE) and name.endswith(".npz"):
      tail = name[len(KERAS_STATE):-len(".npz")]
      if tail.isdigit():
        found.append((int(tail), os.path.join(path, name)))
  return [p for _, p in sorted(found)]


def train_keras(config, data, run_dir, meta, loop, workers=None):
  """The Keras run: same batches as the TF1 loop and the same run-directory
  rules, from ``training``: the caller holds the folder's lock; a
  checkpoint every ``checkpoint_every`` steps, at the end and on the first
  Ctrl-C/SIGTERM (``training.StopFlag``; a second one aborts); the NaN
  guard; resume from the newest intact state, damaged ones skipped with
  one line (``RunDir.newest_intact``); ``max_to_keep`` states kept across
  restarts. A state is one ``keras.ckpt-<step>.npz`` (weights, optimizer
  state and step in a single file written atomically, so weights and
  optimizer state cannot come from different steps), then
  ``model.weights.h5`` (what sample and convert read) and ``run.json``.
  No TensorBoard summaries.

  Across processes (``workers``): global step ``s`` is the single-process
  batches ``s*N .. s*N+N-1``, worker ``i`` training on batch ``s*N+i``
  (``--batch_size`` per worker); every worker resumes from the newest
  state, holds the same weights, and the chief (task 0) alone saves,
  exactly as one process would (its step counts global steps), and
  evaluates at the end. A lost peer: one line, exit code 2, nothing saved
  from the unfinished step."""
  log = loop.log
  n, rank = (1, 0) if workers is None else (workers.num_workers,
                                            workers.task_index)
  mean = None if workers is None else keras_distributed.join(workers)
  trainer = KerasTrainer(config, len(data.vocab), mean)
  lost_peer = mean.errors if mean else ()
  start = 0
  path = newest_state(run_dir.path, trainer.groups)
  if path:
    start = load_state(path, trainer.groups)
    log("resumed from %s at step %d" % (path, start))
  elif run_dir.read_meta() is not None and os.path.isfile(
      convert.keras_weights_path(run_dir.path)):
    trainer.restore_legacy(run_dir.path)
    start = int(run_dir.read_meta()["step"])
    log("resumed from %s at step %d" % (run_dir.path, start))

  def save(step):
    target = os.path.join(run_dir.path, "%s%d.npz" % (KERAS_STATE, step))
    with files.atomic_path(target) as tmp:
      with open(tmp, "wb") as f:
        np.savez(f, **trainer.state(step))
    with files.atomic_path(convert.keras_weights_path(run_dir.path),
                           suffix=".weights.h5") as tmp:
      trainer.net.model.save_weights(tmp)
    run_dir.write_meta(dict(meta, step=step))
    for old in state_paths(run_dir.path)[:-max(1, loop.max_to_keep)]:
      os.remove(old)
    return target

  def evaluate():
    losses = [float(trainer.loss(x, y))
              for x, y in data.val_batches(config.val_batches)]
    return {"val_loss": float(np.mean(losses))} if losses else {}

  step, loss, window, t0, interrupted = start, float("nan"), [], time.time(), False
  with training.StopFlag() as stop:
    while step < loop.max_steps:
      x, y = data.batch(step * n + rank)
      try:
        loss = float(trainer.step(x, y))
      except lost_peer as e:
        keras_distributed.lost(
            workers, step + 1, e, "start every worker again: they resume "
            "from the last checkpoint in %s" % run_dir.path)
      if not math.isfinite(loss):
        raise TrainingDiverged(
            "loss became %s at step %d; nothing from this step was saved and "
            "the last checkpoint in %s is intact; lower --learning_rate and "
            "rerun" % (loss, step + 1, run_dir.path))
      step += 1
      window.append(loss)
      if (step % loop.log_every == 0 or step == loop.max_steps or
          stop.requested):
        rate = len(window) * x.size * n / max(time.time() - t0, 1e-9)
        log("step %d/%d  epoch %d  loss %.4f  chars/s %.0f" %
            (step, loop.max_steps,
             (step - 1) * n // data.steps_per_epoch + 1,
             np.mean(window), rate))
        window, t0 = [], time.time()
      if stop.requested:
        interrupted = True
        break
      if (step % loop.checkpoint_every == 0 and step < loop.max_steps and
          rank == 0):
        save(step)
    if workers is not None:
      log("weights fingerprint %s" % keras_train.fingerprint(
          trainer.net.model.get_weights()))
    metrics = {}
    if step > start and rank == 0:
      if config.val_fraction > 0:
        metrics = evaluate()
      log("%ssaved %s" % ("interrupted: " if interrupted else "", save(step)))
  return training.TrainResult(step=step, loss=loss, metrics=metrics,
                              interrupted=interrupted, resumed_from=start)


def load_run(path):
  """``(meta, impl)`` of a trained run directory, or a one-line error."""
  run_dir = training.RunDir(path)
  meta = run_dir.read_meta()
  if meta is None:
    raise CheckpointMismatchError(
        "no trained run in %s; train first (--mode=train) or pass the "
        "--checkpoint_dir of a trained run" % path)
  impl = meta.get("config", {}).get("impl")
  if impl == "tf1":
    meta, _ = run_dir.load_for_inference(MODEL_NAME)
  elif meta.get("model") != MODEL_NAME or not (os.path.isfile(
      convert.keras_weights_path(path)) or state_paths(path)):
    raise CheckpointMismatchError(
        "%s holds no next_char keras weights (%s); use another "
        "--checkpoint_dir" % (path, convert.KERAS_WEIGHTS))
  return meta, impl


def _tf1_weights(path, cfg):
  ckpt = training.RunDir(path).latest_checkpoint()
  return convert.read_checkpoint(ckpt, cfg["cell"], cfg["bidirectional"])


def _keras_net(path, cfg, vocab):
  """The Keras model of run ``path``: weights of its newest intact training
  state, else (converted runs) its ``model.weights.h5``."""
  net = build_keras(cfg, len(vocab))
  groups = {"w": net.model.weights}
  state = newest_state(path, groups)
  if state:
    load_state(state, groups)
    return net
  try:
    net.model.load_weights(convert.keras_weights_path(path))
  except Exception as e:  # pylint: disable=broad-except
    raise CheckpointDamagedError(
        "%s does not load (%s); restore it from a copy or convert the run "
        "again" % (convert.keras_weights_path(path),
                   (str(e) or type(e).__name__).splitlines()[0][:160]))
  return net


def generate_ids(path, prime_ids, length, temperature=0.0, seed=0,
                 sampler="graph"):
  """Ids generated by the run in ``path`` with its own implementation
  (``sampler``: a TF1 run's loop as graph ops, or ``xla``, compiled)."""
  meta, impl = load_run(path)
  if impl == "keras" and sampler != "graph":
    raise UserError("--sampler=%s is for TF1 runs; %s is a keras run: drop "
                    "it" % (sampler, path))
  cfg = meta["config"]
  vocab = corpus.Vocabulary.from_json(meta["vocab"])
  if impl == "keras":
    return _keras_net(path, cfg, vocab).generate(prime_ids, length,
                                                 temperature, seed)
  graph = tf.Graph()
  with graph.as_default():
    v1.set_random_seed(seed)
    gen, _ = model_lib.build_generator(
        len(vocab), cfg["cell"], cfg["bidirectional"], cfg["embedding_dim"],
        cfg["rnn_size"], cfg["seq_length"], jit=sampler == "xla")
  with v1.Session(graph=graph) as sess:
    tf1_weights.restore_tf1(sess, training.RunDir(path).latest_checkpoint())
    return [int(i) for i in sess.run(gen.ids, gen.feed(
        prime_ids, length, temperature))]


def export_saved_model(config, export_dir=None, export_format="tf1",
                       log=print):
  """Write a TF1 run for serving; return what was written. ``tf1``: its
  sampler as a SavedModel for TF Serving (``serving.export_text_generator``)
  in ``<export_dir>/<step>/``; ``keras``: the same signature from the Keras
  twin on the converted weights; ``onnx``: the twin's masked model (ids and
  lengths in, probabilities out) as ``<export_dir>/<step>.onnx``
  (``serving.export_keras_twin``)."""
  configs.require_choice("export_format", export_format,
                         serving.EXPORT_FORMATS)
  path = checkpoint_dir(config)
  meta, impl = load_run(path)
  if impl != "tf1":
    raise UserError("%s is a keras run; --mode=export reads a TF1 "
                    "checkpoint: convert it first (--mode=convert "
                    "--output_dir=DIR) and export DIR" % path)
  cfg = meta["config"]
  vocab = corpus.Vocabulary.from_json(meta["vocab"])
  ckpt = training.RunDir(path).latest_checkpoint()
  spec = serving.TextSpec(vocab.symbols, max_length=config.length)
  export_dir = export_dir or os.path.join(path, "export")
  if export_format != "tf1":
    return serving.export_keras_twin(
        export_format, export_dir, serving.checkpoint_step(ckpt),
        keras_twin_step(cfg, len(vocab), _tf1_weights(path, cfg)), spec,
        log=log)

  def build(inputs):
    return model_lib.build_generator(
        len(vocab), cfg["cell"], cfg["bidirectional"], cfg["embedding_dim"],
        cfg["rnn_size"], cfg["seq_length"], inputs=inputs)[0]

  return serving.export_text_generator(
      export_dir, serving.checkpoint_step(ckpt), build, spec,
      lambda sess: tf1_weights.restore_tf1(sess, ckpt), log=log)


def keras_twin_step(cfg, vocab_size, weights):
  """The Keras twin holding TF1 ``weights``, one character at a time as
  ``model.build_generator``'s step: its state is the window of the last
  ``seq_length`` ids, run through the twin's masked model. The twin ends in
  a softmax, so the step's logits are log-probabilities (the same argmax;
  sampling draws from the same distribution)."""
  net = build_keras(cfg, vocab_size)
  convert.set_keras_weights(net, convert.tf1_to_keras(
      weights, cfg["cell"], cfg["bidirectional"]))
  seq_length = cfg["seq_length"]

  def step(token, state):
    window, n = model_lib.advance_window(state, token, seq_length)
    probs = net.masked_model([window, tf.reshape(n, [1])])
    return tf.math.log(tf.maximum(probs, 1e-30)), (window, n)

  return serving.KerasTwinStep(
      [net.masked_model], step,
      lambda: (tf.zeros([1, seq_length], tf.int32), tf.constant(0)),
      net.masked_model)


def sample(config, log=print):
  """The prime plus ``config.length`` generated characters."""
  path = checkpoint_dir(config)
  meta, _ = load_run(path)
  vocab = corpus.Vocabulary.from_json(meta["vocab"])
  if not config.prime:
    raise UserError("--prime is empty; the model needs at least one "
                    "character to predict from")
  prime_ids = vocab.encode(config.prime, "--prime")
  ids = generate_ids(path, prime_ids, config.length, config.temperature,
                     config.seed, config.sampler)
  return config.prime + "".join(vocab.decode(ids))


def convert_run(source, target, log=print):
  """Write the run in ``source`` as a run of the other implementation in
  ``target`` (model weights and run.json; no optimizer state)."""
  meta, impl = load_run(source)
  cfg = dict(meta["config"])
  vocab = corpus.Vocabulary.from_json(meta["vocab"])
  out = training.RunDir(target)
  if out.read_meta() is not None or out.latest_checkpoint():
    raise CheckpointMismatchError("%s already holds a run; pass an empty "
                                  "--output_dir" % target)
  new_impl = "keras" if impl == "tf1" else "tf1"
  if impl == "tf1":
    net = build_keras(cfg, len(vocab))
    convert.set_keras_weights(net, convert.tf1_to_keras(
        _tf1_weights(source, cfg), cfg["cell"], cfg["bidirectional"]))
    with files.atomic_path(convert.keras_weights_path(target),
                           suffix=".weights.h5") as tmp:
      net.model.save_weights(tmp)
  else:
    weights = convert.keras_to_tf1(
        convert.get_keras_weights(_keras_net(source, cfg, vocab)),
        cfg["cell"], cfg["bidirectional"])
    graph = tf.Graph()
    with graph.as_default():
      model_lib.build_graph(len(vocab), cfg["cell"], cfg["bidirectional"],
                            cfg["embedding_dim"], cfg["rnn_size"])
      global_step = v1.train.get_or_create_global_step()
      saver = v1.train.Saver()
    with v1.Session(graph=graph) as sess:
      convert.assign_tf1(sess, weights)
      global_step.load(meta.get("step", 0), sess)
      saver.save(sess, os.path.join(target, training.CHECKPOINT_PREFIX),
                 global_step=meta.get("step", 0))
  cfg["impl"] = new_impl
  out.write_meta(dict(meta, config=cfg, converted_from=impl))
  log("converted %s (%s) -> %s (%s)" % (source, impl, target, new_impl))
  return target
