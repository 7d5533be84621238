"""seq2seq train, evaluate, decode and self-test, as plain functions of a
``Config``.

Training follows the translate tutorial's loop through the shared one
(``tf1_models.training``): each step picks a bucket at random in proportion
to its share of the training pairs and runs that bucket's update; every
``steps_per_checkpoint`` steps the learning rate is multiplied by the decay
factor if that window's mean training loss is above each of the previous
three windows' (the tutorial's rule; the window history restarts on resume,
the learning rate itself is in the checkpoint), and at each checkpoint the
held-out perplexity of every bucket is logged. ``decode`` and ``evaluate``
build the ``forward_only`` (greedy ``feed_previous``) graph and need only
the checkpoint directory: vocabulary and model config come from
``run.json``.
"""

import math
import os
import random
import time

import numpy as np
import tensorflow as tf

import compat
from tf1_models import configs, corpus, distributed, training
from tf1_models.errors import CheckpointMismatchError, UserError
from tf1_models.seq2seq import config as config_lib
from tf1_models.seq2seq import data as data_lib
from tf1_models.seq2seq import dynamic_graph
from tf1_models.seq2seq import model as model_lib

v1 = tf.compat.v1
MODEL_NAME = "seq2seq"
DECAY_HISTORY = 3
# When neither the text8 prefix nor the shipped text8 sample is there.
FALLBACK_CORPUS = "shakespeare_small.txt"


def checkpoint_dir(config):
  return config.checkpoint_dir or os.path.join("runs", "seq2seq_" +
                                               config.task)


def buckets_of(config):
  try:
    return config_lib.parse_buckets(config.buckets)
  except ValueError as e:
    raise UserError("--buckets: %s" % e)


def validate(config):
  configs.require_choice("task", config.task, config_lib.TASKS)
  configs.require_choice("optimizer", config.optimizer, model_lib.OPTIMIZERS)
  configs.require_choice("decoder", config.decoder, config_lib.DECODERS)
  configs.require_choice("attention", config.attention,
                         dynamic_graph.ATTENTIONS)
  if config.beam_width < 0:
    raise UserError("--beam_width=%d: give 0 (greedy) or a positive beam "
                    "width" % config.beam_width)
  if config.beam_width and config.decoder != "dynamic":
    raise UserError("--beam_width needs --decoder=dynamic (legacy_seq2seq "
                    "decodes greedily)")
  configs.require_positive(config, ("size", "num_layers", "batch_size",
                                    "max_length", "steps_per_checkpoint",
                                    "log_every"))
  configs.require_positive_float(config, "learning_rate")
  buckets = buckets_of(config)
  enc, dec = buckets[-1]
  if config.max_length > enc or config.max_length + 2 > dec:
    raise UserError("--max_length=%d does not fit the largest bucket %d:%d; "
                    "it needs encoder length >= %d and decoder length >= %d "
                    "(GO + phrase in, phrase + EOS out)" %
                    (config.max_length, enc, dec, config.max_length,
                     config.max_length + 2))
  return buckets


def load_data(config, buckets, log=print):
  path, origin = corpus.resolve_corpus(config.corpus, config.shared_corpus,
                                       config.shipped_corpus)
  if not config.corpus and not os.path.isfile(path):
    path = corpus.shipped(FALLBACK_CORPUS)
    origin = "shipped corpus %s, lower-cased to a-z" % FALLBACK_CORPUS
  data = data_lib.load_mirror(path, buckets, config.max_length,
                              config.held_out_percent, config.max_held_out,
                              config.max_chars, config.seed)
  log("corpus: %s (%s): %d training phrases, %d held out, %d symbols; "
      "training pairs per bucket %s" %
      (path, origin, len(data.train), len(data.held_out), len(data.vocab),
       [len(s) for s in data.train_set]))
  return data


def dynamic_hparams(config, vocab_size):
  return dynamic_graph.HParams(
      vocab_size, config.size, config.num_layers, config.use_lstm,
      config.attention, config.beam_width, config.length_penalty_weight,
      max_iterations=config.max_length + 2)


def new_model(config, buckets, vocab_size, forward_only, replication=None,
              **sources):
  """The legacy or dynamic model; ``sources`` (``source``,
  ``source_length``: tensors instead of placeholders) for the dynamic one;
  ``replication``: one worker of a distributed run."""
  if config.decoder == "dynamic":
    from tf1_models.seq2seq import dynamic_model  # pylint: disable=g-import-not-at-top
    mode = "train"
    if forward_only:
      mode = "beam" if config.beam_width else "greedy"
    return dynamic_model.DynamicSeq2SeqModel(
        dynamic_hparams(config, vocab_size), len(buckets), mode,
        config.max_gradient_norm, config.batch_size, config.learning_rate,
        config.learning_rate_decay_factor, config.optimizer,
        wrap_optimizer=lambda o: distributed.wrap_optimizer(replication, o),
        **sources)
  return model_lib.Seq2SeqModel(
      vocab_size, vocab_size, buckets, config.size, config.num_layers,
      config.max_gradient_norm, config.batch_size, config.learning_rate,
      config.learning_rate_decay_factor, use_lstm=config.use_lstm,
      num_samples=config.num_samples, forward_only=forward_only,
      optimizer=config.optimizer,
      wrap_optimizer=lambda o: distributed.wrap_optimizer(replication, o))


def bucket_schedule(train_set, seed):
  """``step -> bucket id``: random in proportion to the buckets' sizes, and
  a pure function of the step (so a resumed run sees the same batches)."""
  sizes = np.array([len(s) for s in train_set], np.float64)
  cumulative = np.cumsum(sizes) / sizes.sum()

  def bucket_at(step):
    r = random.Random("bucket:%d:%d" % (seed, step)).random()
    return int(min(np.searchsorted(cumulative, r, side="right"),
                   len(sizes) - 1))
  return bucket_at


def eval_batches(pairs_per_bucket, buckets, batch_size, dynamic=False):
  """Every held-out pair once, as ``(bucket_id, batch, pairs in it)`` in
  fixed order (``dynamic``: ``dynamic_model``'s batch layout)."""
  out = []
  for b, pairs in enumerate(pairs_per_bucket):
    for i in range(0, len(pairs), batch_size):
      chunk = pairs[i:i + batch_size]
      if dynamic:
        from tf1_models.seq2seq import dynamic_model  # pylint: disable=g-import-not-at-top
        batch = dynamic_model.batch_from_pairs(chunk)
      else:
        batch = model_lib.batch_from_pairs(chunk, buckets[b])
      out.append((b, batch, len(chunk)))
  return out


class DecayOnPlateau(object):
  """The tutorial's rule: after each window of ``steps`` steps, decay the
  learning rate when the window's mean loss exceeds each of the last
  ``DECAY_HISTORY`` windows'. (The mean is the tutorial's running sum of
  ``loss / steps``.)

  In a distributed run the chief alone calls it (on its own batches'
  losses) and the state is on the ps: one decision per window.

  The tutorial kept its window losses in Python, so a restart forgot them
  and could decay differently from an uninterrupted run. Given ``state``
  (``plateau_state(graph)``), they live in a variable that every
  checkpoint holds: a resumed run decides as an uninterrupted one.
  """

  def __init__(self, model, steps, log, state=None):
    self.model, self.steps, self.log = model, steps, log
    self.state = state
    self.window, self.history = 0.0, []
    self._loaded = state is None
    self._last_step = None

  def __call__(self, sess, step, out):
    if not self._loaded:  # the values the checkpoint restored
      vector = sess.run(self.state["variable"])
      self.window = float(vector[0])
      self.history = [float(v) for v in vector[2:]][DECAY_HISTORY -
                                                    int(vector[1]):]
      self._loaded = True
    # A window ends when the step reaches or passes a multiple of
    # ``steps``: in a distributed run (the chief's after-step work) the
    # global step can advance by more than one between two calls.
    last = step - 1 if self._last_step is None else self._last_step
    self._last_step = step
    self.window += float(out["loss"]) / self.steps
    if step // self.steps > last // self.steps:
      loss, self.window = self.window, 0.0
      if (len(self.history) >= DECAY_HISTORY and
          loss > max(self.history[-DECAY_HISTORY:])):
        rate = sess.run(self.model.learning_rate_decay_op)
        self.log("step %d: loss %.4f above the last %d windows; learning "
                 "rate now %.4g" % (step, loss, DECAY_HISTORY, rate))
      self.history = (self.history + [loss])[-DECAY_HISTORY:]
    if self.state is not None:
      held = [0.0] * (DECAY_HISTORY - len(self.history)) + self.history
      sess.run(self.state["assign"], {self.state["value"]: np.array(
          [self.window, len(self.history)] + held, np.float64)})


def plateau_state(graph):
  """``DecayOnPlateau``'s checkpointed state in ``graph``: the running
  window sum, the number of windows held and the last ``DECAY_HISTORY``
  window losses (newest last)."""
  with graph.as_default():
    variable = v1.Variable(np.zeros(DECAY_HISTORY + 2), dtype=tf.float64,
                           trainable=False, name="decay_on_plateau_state")
    value = v1.placeholder(tf.float64, [DECAY_HISTORY + 2])
    return {"variable": variable, "value": value,
            "assign": variable.assign(value).op}


def build_train_task(config, buckets, data, log=print, replication=None):
  """The tutorial's training graph, fresh, wrapped as a ``TrainTask``
  (``replication``: one worker of a distributed run)."""
  graph = tf.Graph()
  with graph.as_default(), distributed.placement(replication):
    v1.set_random_seed(config.seed)
    model = new_model(config, buckets, len(data.vocab), forward_only=False,
                      replication=replication)
    state = plateau_state(graph)  # on the ps in a distributed run
  bucket_at = bucket_schedule(data.train_set, config.seed)

  def feed(step):
    b = bucket_at(step)
    rng = random.Random("batch:%d:%d" % (config.seed, step))
    return model.feed_dict(*model.get_batch(data.train_set, b, rng), b)

  def step_fetches(step):
    b = bucket_at(step)
    return {"loss": model.losses[b], "train_op": model.updates[b]}

  held_out = eval_batches(data.held_out_set, buckets, config.batch_size,
                          dynamic=config.decoder == "dynamic")

  def evaluate(sess):
    metrics, sums = {}, {}
    for b, batch, size in held_out:
      loss = sess.run(model.losses[b], model.feed_dict(*batch, b))
      n, total = sums.get(b, (0, 0.0))
      sums[b] = (n + size, total + loss * size)
    for b, (n, total) in sorted(sums.items()):
      metrics["eval_ppl_bucket%d" % b] = math.exp(min(total / n, 300.0))
    return metrics

  task = training.TrainTask(
      graph=graph, loss=model.losses[-1], train_op=model.updates[-1],
      global_step=model.global_step, feed=feed, steps_per_epoch=max(
          1, sum(len(s) for s in data.train_set) // config.batch_size),
      symbols_per_step=config.batch_size,
      extra_fetches={"learning_rate": model.learning_rate},
      evaluate=evaluate,
      after_step=DecayOnPlateau(model, config.steps_per_checkpoint, log,
                                state),
      unit="phrases", step_fetches=step_fetches,
      optional_variables=(state["variable"],))
  return task, model


def _meta(config, vocab):
  return {"model": MODEL_NAME, "config": config.model_config(),
          "vocab": vocab.to_json()}


def train(config, log=print, cluster=None):
  """Train (or resume) on ``--task=mirror``; returns the ``TrainResult``
  (``cluster``: this process's ``distributed.Cluster`` in a distributed
  run)."""
  buckets = validate(config)
  if config.task != "mirror":
    raise UserError("--task=%s does not train a checkpoint; use "
                    "--task=mirror" % config.task)
  server, replication = distributed.start(cluster, log)
  data = load_data(config, buckets, log)
  run_dir = training.RunDir(checkpoint_dir(config))
  meta = _meta(config, data.vocab)
  with distributed.hold(run_dir, replication):  # before run.json is read
    run_dir.check_compatible(meta)
    task, _ = build_train_task(config, buckets, data, log, replication)
    decoder = ("legacy_seq2seq" if config.decoder == "legacy" else
               "contrib.seq2seq %s attention" % config.attention)
    log("model: %s %dx%d, %s, buckets %s, %s at %g, training to step %d in "
        "%s" % ("LSTM" if config.use_lstm else "GRU", config.num_layers,
                config.size, decoder, buckets, config.optimizer,
                config.learning_rate, config.max_steps, run_dir.path))
    return distributed.run(task, run_dir, meta, training.LoopConfig(
        max_steps=config.max_steps,
        checkpoint_every=config.steps_per_checkpoint,
        log_every=config.log_every, log=log), replication, server)


class Decoder(object):
  """The ``forward_only`` graph restored from a run directory."""

  def __init__(self, config):
    self.load(config)
    self.graph = tf.Graph()
    with self.graph.as_default():
      self.model = new_model(self.model_config, self.buckets, len(self.vocab),
                             forward_only=True)
    self.sess = v1.Session(graph=self.graph)
    try:
      self.restore(self.sess)
    except CheckpointMismatchError:
      self.sess.close()
      raise

  def load(self, config):
    """What decoding needs from the run directory (``run.json`` and the
    latest checkpoint), without building a graph."""
    run_dir = training.RunDir(checkpoint_dir(config))
    meta, self.checkpoint = run_dir.load_for_inference(MODEL_NAME)
    self.path = run_dir.path
    cfg = meta["config"]
    self.vocab = corpus.Vocabulary.from_json(meta["vocab"])
    self.buckets = config_lib.parse_buckets(cfg["buckets"])
    self.max_length = cfg["max_length"]
    # A legacy run.json has no decoder/attention keys; beam search is
    # chosen when decoding.
    self.dynamic = cfg.get("decoder", "legacy") == "dynamic"
    self.model_config = config_lib.Config(
        decoder=cfg.get("decoder", "legacy"),
        attention=cfg.get("attention", "luong"),
        beam_width=config.beam_width if self.dynamic else 0,
        length_penalty_weight=config.length_penalty_weight,
        **{k: cfg[k] for k in config_lib.MODEL_KEYS})
    if config.beam_width and not self.dynamic:
      raise UserError("--beam_width needs a --decoder=dynamic checkpoint; "
                      "%s is legacy_seq2seq" % checkpoint_dir(config))

  def restore(self, sess):
    """The checkpoint's weights into ``sess`` (its graph has the model)."""
    try:
      with sess.graph.as_default():
        compat.restore_checkpoint(sess, self.checkpoint)
    except compat.LegacyNameError as e:
      raise CheckpointMismatchError(str(e))

  def close(self):
    self.sess.close()

  def decode(self, phrases, batch_size=256):
    """Greedy decodings of ``phrases`` (strings), in order."""
    groups = {}
    for index, phrase in enumerate(phrases):
      ids = data_lib.encode(self.vocab, phrase)
      b = model_lib.bucket_for((len(ids), 0), self.buckets)
      if len(ids) > self.max_length or b is None:
        raise UserError("input %d has %d characters; this model takes at "
                        "most %d" % (index + 1, len(ids), self.max_length))
      groups.setdefault(b, []).append((index, ids))
    results = [None] * len(phrases)
    for b, items in sorted(groups.items()):
      for i in range(0, len(items), batch_size):
        chunk = items[i:i + batch_size]
        if self.dynamic:
          decoded = self.model.decode_ids(self.sess, [ids for _, ids in chunk])
          for (index, _), ids in zip(chunk, decoded):
            results[index] = data_lib.decode(self.vocab, ids)
          continue
        batch = model_lib.batch_from_pairs([(ids, []) for _, ids in chunk],
                                           self.buckets[b])
        _, _, outputs = self.model.step(self.sess, *batch, b, True)
        for (index, _), ids in zip(chunk, model_lib.greedy_ids(outputs)):
          results[index] = data_lib.decode(self.vocab, ids)
    return results


def export_saved_model(config, export_dir=None, export_format="tf1",
                       log=print):
  """Write the checkpoint's decoder for TF Serving; return the version
  folder ``<export_dir>/<step>/``.

  One request is one phrase: ``source`` (string) in, ``text`` (the
  decoding, as ``--decode`` prints it) and ``error`` out
  (``serving.serve_decode``). The phrase is prepared as ``--decode``
  prepares a line (lower case, single spaces), characters outside the
  vocabulary become UNK, and the legacy model picks the first bucket it fits
  in the graph (``tf.switch_case`` over one decoder per bucket, sharing the
  variables). An empty phrase or one longer than the model's ``max_length``
  gives an empty ``text`` and an ``error``. ``tf1``: the TF1 graph
  (``serving.export_decoder``); ``keras``: the legacy model's Keras twin on
  the converted weights, the same signature (``serving.export_keras_decoder``).
  """
  from tf1_models import serving  # pylint: disable=g-import-not-at-top
  configs.require_choice("export_format", export_format,
                         ("tf1", "keras", "onnx"))
  decoder = Decoder.__new__(Decoder)
  decoder.load(config)
  if export_format == "onnx":
    return export_onnx(decoder, export_dir, log)
  spec = serving.DecoderSpec(decoder.vocab.symbols, decoder.max_length,
                             unknown_id=model_lib.UNK_ID,
                             end_id=model_lib.EOS_ID,
                             first_symbol=len(model_lib.SPECIAL_SYMBOLS))
  export_dir = export_dir or os.path.join(decoder.path, "export")
  step = serving.checkpoint_step(decoder.checkpoint)
  if export_format == "keras":
    net, decode = _keras_twin(decoder)
    return serving.export_keras_decoder(export_dir, step, decode, [net],
                                        spec, log=log)

  def decode(ids):
    """The model's decoding of an int32 ``[T]`` id tensor, before EOS."""
    if decoder.dynamic:
      # A batch of one, its size left unknown to the graph as in decode()
      # (beam search's loop needs that).
      model = new_model(
          decoder.model_config, decoder.buckets, len(decoder.vocab), True,
          source=v1.placeholder_with_default(ids[None], [None, None]),
          source_length=v1.placeholder_with_default(tf.size(ids)[None],
                                                    [None]))
      out = model.outputs["ids"][0]
      return out[:, 0] if decoder.model_config.beam_width else out
    model = new_model(decoder.model_config, decoder.buckets,
                      len(decoder.vocab), forward_only=True)
    return bucketed(decoder.buckets, model.greedy_ids_for, ids)

  return serving.export_decoder(export_dir, step, decode, spec,
                                decoder.restore, log=log)


def export_onnx(decoder, export_dir=None, log=print):
  """The Keras twin's decoding as ONNX; returns the paths. Legacy:
  one file per bucket, ``<export_dir>/<step>_bucket<k>.onnx``:
  ``encoder_ids`` (int32 [1, encoder_size], as ``batch_from_pairs`` lays a
  phrase out: PAD-padded, then reversed) -> ``logits`` [1, decoder_size,
  vocabulary] (each step's argmax fed back, from GO), as ``--decode`` runs
  the bucket. Dynamic: ``<export_dir>/<step>.onnx``: ``source`` [1, T] and
  ``source_length`` [1] -> the logits of ``max_length + 2`` greedy steps
  (the TF1 decoder stops at EOS; its steps are a prefix of these); with
  ``--beam_width``, ``<export_dir>/<step>_beam.onnx``: the same inputs ->
  the beam search's ids [1, max_length + 2, beam_width] (after gather_tree,
  beam 0 the best; EOS after the step at which every beam had finished)."""
  import keras  # pylint: disable=g-import-not-at-top
  from tf1_models import serving  # pylint: disable=g-import-not-at-top
  net, _ = _keras_twin(decoder)
  export_dir = export_dir or os.path.join(decoder.path, "export")
  step = serving.checkpoint_step(decoder.checkpoint)
  if decoder.dynamic:
    cfg = decoder.model_config
    net.decoder.score_mask_value = float(np.finfo(np.float32).min)
    steps = dynamic_hparams(cfg, len(decoder.vocab)).max_iterations

    class Dynamic(keras.layers.Layer):
      """``greedy_logits``, or with a beam width ``beam_ids``, as a layer
      (a functional model can hold it)."""

      def call(self, source, source_length):
        if cfg.beam_width:
          return net.beam_ids(source, source_length, cfg.beam_width, steps,
                              cfg.length_penalty_weight)
        return net.greedy_logits(source, source_length, steps)

    source = keras.Input((None,), batch_size=1, dtype="int32", name="source")
    length = keras.Input((), batch_size=1, dtype="int32",
                         name="source_length")
    model = keras.Model(
        [source, length], Dynamic(name="beam" if cfg.beam_width else
                                  "greedy")(source, length),
        name="seq2seq_dynamic")
    model([np.ones((1, 2), np.int32), np.full((1,), 2, np.int32)])
    return [serving.export_onnx(export_dir, step, model, log=log,
                                suffix="_beam" if cfg.beam_width else "")]

  class GreedyBucket(keras.layers.Layer):
    """``greedy_logits`` of one bucket as a layer (a functional model,
    which ONNX export needs, can hold it)."""

    def __init__(self, decoder_size, **kwargs):
      super().__init__(**kwargs)
      self.decoder_size = decoder_size

    def call(self, encoder_ids):
      return net.greedy_logits(encoder_ids, self.decoder_size)

  paths = []
  for b, (encoder_size, decoder_size) in enumerate(decoder.buckets):
    source = keras.Input((encoder_size,), batch_size=1, dtype="int32",
                         name="encoder_ids")
    logits = GreedyBucket(decoder_size, name="greedy")(source)
    model = keras.Model(source, logits, name="seq2seq_bucket%d" % b)
    model(np.zeros((1, encoder_size), np.int32))  # Keras exports called ones
    paths.append(serving.export_onnx(export_dir, step, model, log=log,
                                     suffix="_bucket%d" % b))
  return paths


def bucketed(buckets, decode_in_bucket, ids):
  """``decode_in_bucket(ids, b)`` in ``decode()``'s bucket for ``ids`` (the
  first whose encoder length fits), chosen in the graph by
  ``tf.switch_case``; the ids are padded with EOS to the longest decoder."""
  longest = buckets[-1][1]

  def branch(b):
    return lambda: tf.pad(decode_in_bucket(ids, b),
                          [[0, longest - buckets[b][1]]],
                          constant_values=model_lib.EOS_ID)
  bucket = tf.reduce_sum(tf.cast(
      tf.size(ids) > tf.constant([e for e, _ in buckets]), tf.int32))
  bucket = tf.minimum(bucket, len(buckets) - 1)
  return tf.switch_case(bucket, [branch(b) for b in range(len(buckets))])


def _keras_twin(decoder):
  """The Keras twin holding the checkpoint's weights, and ``decode(ids)``:
  its ids for one phrase, as the TF1 graph's (the legacy model's greedy ids
  in ``decode()``'s bucket, as ``Seq2SeqModel.greedy_ids_for``; the dynamic
  model's for up to ``max_length + 2`` steps, as its greedy
  ``dynamic_decode``, or with ``--beam_width`` the best beam of its beam
  search). TensorFlow ops around Keras calls, for a ``tf.function``."""
  from tf1_models.seq2seq import convert  # pylint: disable=g-import-not-at-top
  from tf1_models.seq2seq import keras_dynamic  # pylint: disable=g-import-not-at-top
  from tf1_models.seq2seq import keras_model  # pylint: disable=g-import-not-at-top
  cfg, size = decoder.model_config, len(decoder.vocab)
  if decoder.dynamic:
    net = keras_dynamic.KerasDynamicSeq2Seq(size, cfg.size, cfg.num_layers,
                                            cfg.use_lstm, cfg.attention)
    convert.build_dynamic(net)
  else:
    net = keras_model.KerasSeq2Seq(size, size, cfg.size, cfg.num_layers,
                                   use_lstm=cfg.use_lstm,
                                   sampled=0 < cfg.num_samples < size)
    convert.build(net, *decoder.buckets[0])
  convert.tf1_to_keras(convert.read_checkpoint(decoder.checkpoint, net), net)

  def in_bucket(ids, b):
    encoder_size, decoder_size = decoder.buckets[b]
    logits = net.greedy_logits(
        model_lib.encoder_ids(ids, encoder_size)[None], decoder_size)
    return tf.cast(tf.argmax(logits[0], 1), tf.int32)

  def dynamic_greedy(ids):
    logits = net.greedy_logits(ids[None], tf.size(ids)[None],
                               dynamic_hparams(cfg, size).max_iterations)
    return tf.cast(tf.argmax(logits[0], 1), tf.int32)

  def dynamic_beam(ids):
    """Beam 0 of the fixed-step beam search (``beam_ids``)."""
    out = net.beam_ids(ids[None], tf.size(ids)[None], cfg.beam_width,
                       dynamic_hparams(cfg, size).max_iterations,
                       cfg.length_penalty_weight)
    return tf.convert_to_tensor(out)[0, :, 0]

  if decoder.dynamic:
    return net, dynamic_beam if cfg.beam_width else dynamic_greedy
  return net, lambda ids: bucketed(decoder.buckets, in_bucket, ids)


def prepare_line(line):
  """What ``--decode`` feeds the model for one input line."""
  return " ".join(line.strip().lower().split())


def decode(config, lines):
  """Greedy decodings of ``lines`` (blank lines give blank outputs)."""
  decoder = Decoder(config)
  try:
    prepared = [prepare_line(line) for line in lines]
    wanted = [p for p in prepared if p]
    outputs = iter(decoder.decode(wanted)) if wanted else iter(())
    return [next(outputs) if p else "" for p in prepared]
  finally:
    decoder.close()


def evaluate(config, log=print):
  """Exact-match accuracy of greedy decoding on the held-out phrases."""
  buckets = validate(config)
  data = load_data(config, buckets, log)
  decoder = Decoder(config)
  try:
    if decoder.vocab != data.vocab:
      raise CheckpointMismatchError(
          "%s was trained on another vocabulary; evaluate with the corpus "
          "it was trained on" % checkpoint_dir(config))
    start = time.time()
    outputs = decoder.decode(data.held_out)
    seconds = time.time() - start
  finally:
    decoder.close()
  correct = sum(o == data_lib.mirror(p) for p, o in zip(data.held_out,
                                                       outputs))
  return {"exact_match": correct / len(data.held_out),
          "held_out": len(data.held_out), "decode_seconds": seconds,
          "decoding": ("beam search, width %d" % config.beam_width
                       if config.beam_width else "greedy"),
          "examples": list(zip(data.held_out, outputs))[:5]}


def self_test(seed=0, steps=5, log=print):
  """The tutorial's smoke test: vocabularies of 10, buckets (3, 3) and
  (6, 6), two layers of 32 GRU units, sampled softmax over 8 classes, a
  handful of SGD steps on fixed fake pairs, then one forward-only step.
  Returns the training losses."""
  random_state = random.Random(seed)
  losses = []
  with tf.Graph().as_default() as graph:
    v1.set_random_seed(seed)
    model = model_lib.Seq2SeqModel(10, 10, data_lib.SELF_TEST_BUCKETS, 32, 2,
                                   5.0, 32, 0.3, 0.99, num_samples=8)
    with v1.Session(graph=graph) as sess:
      sess.run(v1.global_variables_initializer())
      for _ in range(steps):
        b = random_state.choice([0, 1])
        batch = model.get_batch(data_lib.SELF_TEST_DATA, b, random_state)
        norm, loss, _ = model.step(sess, *batch, b, False)
        log("self-test: bucket %d  gradient norm %.4f  loss %.4f" %
            (b, norm, loss))
        losses.append(float(loss))
      batch = model.get_batch(data_lib.SELF_TEST_DATA, 1, random_state)
      _, loss, outputs = model.step(sess, *batch, 1, True)
      log("self-test: forward-only loss %.4f, %d outputs of %s" %
          (loss, len(outputs), outputs[0].shape))
  return losses
