"""char_rnn train and sample, as plain functions of a ``Config``.

``train(config)`` builds the seed's training graph fresh and hands it to the
shared loop (``tf1_models.training``); ``sample(config)`` needs only the
checkpoint directory: the vocabulary and model config come from its
``run.json``.
"""

import functools
import json
import os

import numpy as np
import tensorflow as tf

from tf1_models import (configs, corpus, distributed, files, serving,
                        tf1_weights, training)
from tf1_models.char_rnn import convert
from tf1_models.char_rnn import data as data_lib
from tf1_models.char_rnn.data import format_poem, load_data  # noqa: F401 (re-export)
from tf1_models.char_rnn import keras_model, keras_sample
from tf1_models.char_rnn import model as model_lib
from tf1_models.char_rnn import config as config_lib
from tf1_models.errors import UserError

v1 = tf.compat.v1
MODEL_NAME = keras_sample.MODEL_NAME


def checkpoint_dir(config):
  return config.checkpoint_dir or os.path.join("runs", "char_rnn_" +
                                               config.model)


validate = config_lib.validate
_meta = keras_sample.run_meta


def build_train_task(config, fmt, data, replication=None):
  """The seed's training graph, fresh, wrapped as a ``TrainTask``
  (``replication``: a ``distributed.Replication`` for one worker of a
  distributed run)."""
  graph = tf.Graph()
  with graph.as_default(), distributed.placement(replication):
    v1.set_random_seed(config.seed)
    input_data = v1.placeholder(tf.int32, [config.batch_size, None])
    output_targets = v1.placeholder(tf.int32, [config.batch_size, None])
    end_points = model_lib.char_rnn(
        config.model, input_data, output_targets, len(data.vocab),
        rnn_size=config.rnn_size, num_layers=config.num_layers,
        batch_size=config.batch_size, learning_rate=config.learning_rate,
        tie_layers=config.tie_layers,
        wrap_optimizer=functools.partial(distributed.wrap_optimizer,
                                         replication),
        lstm_impl=config.lstm_impl)
  steps = data.steps_per_epoch

  def feed(step):
    x, y = data_lib.batch_at(data, step)
    return {input_data: x, output_targets: y}

  evaluate = None
  if fmt == "text" and len(data.val_x) >= config.batch_size:
    def evaluate(sess):
      losses = [sess.run(end_points["total_loss"],
                         {input_data: x, output_targets: y})
                for x, y in data.val_batches()]
      return {"val_loss": float(np.mean(losses))}

  x0 = feed(0)[input_data]
  return training.TrainTask(
      graph=graph, loss=end_points["total_loss"],
      train_op=end_points["train_op"], global_step=end_points["global_step"],
      feed=feed, steps_per_epoch=steps, symbols_per_step=x0.size,
      evaluate=evaluate), end_points


def train(config, log=print, cluster=None):
  """Train (or resume) and return the ``TrainResult``.

  ``cluster``: this process's ``distributed.Cluster`` in a distributed run
  (a ps task serves the variables until it is killed)."""
  validate(config)
  server, replication = distributed.start(cluster, log)
  fmt, data = load_data(config, log)
  run_dir = training.RunDir(checkpoint_dir(config))
  meta = _meta(config, fmt, data.vocab)
  run_dir.check_compatible(meta)
  max_steps = config.epochs * data.steps_per_epoch
  if config.max_steps:
    max_steps = min(max_steps, config.max_steps) if config.epochs else (
        config.max_steps)
  task, _ = build_train_task(config, fmt, data, replication)
  log("model: %s %dx%d%s, vocabulary %d, %d steps/epoch, training to step "
      "%d in %s" % (config.model, config.num_layers, config.rnn_size,
                    " (tied layers)" if config.tie_layers else "",
                    len(data.vocab), data.steps_per_epoch, max_steps,
                    run_dir.path))
  loop = training.LoopConfig(
      max_steps=max_steps, checkpoint_every=config.checkpoint_every,
      log_every=config.log_every, log=log)
  return distributed.run(task, run_dir, meta, loop, replication, server)


def _generator_graph(cfg, vocab, seed, acrostic, sampler="graph"):
  graph = tf.Graph()
  with graph.as_default():
    v1.set_random_seed(seed)
    poems = cfg["format"] == "poems"
    end_id = vocab.id(data_lib.END_TOKEN) if poems else -1
    line_ends = [vocab.id(c) for c in data_lib.LINE_ENDS
                 if c in vocab] if acrostic else []
    xla = sampler == "xla"
    gen = model_lib.build_generator(
        cfg["model"], len(vocab), cfg["rnn_size"], cfg["num_layers"],
        cfg["tie_layers"], end_id=end_id, line_end_ids=line_ends, jit=xla,
        fold_embedding=xla and cfg["model"] == "lstm")
  return graph, gen


def sample(config, log=print):
  """Generate text from the checkpoint in ``config.checkpoint_dir``.

  Returns the text (for poems: the poem, one line per sentence).
  """
  run_dir = training.RunDir(checkpoint_dir(config))
  meta, ckpt = run_dir.load_for_inference(MODEL_NAME)
  cfg = meta["config"]
  vocab = corpus.Vocabulary.from_json(meta["vocab"])
  poems = cfg["format"] == "poems"
  prime = config.prime
  if poems:
    prime_ids = vocab.encode(data_lib.START_TOKEN + prime, "--prime")
  else:
    prime_ids = vocab.encode(prime or vocab.symbols[0], "--prime")
  heads = vocab.encode(config.acrostic, "--acrostic") if config.acrostic else []
  if heads and not poems:
    raise UserError("--acrostic needs a model trained on poems; %s was "
                    "trained on plain text" % run_dir.path)
  graph, gen = _generator_graph(cfg, vocab, config.seed, bool(heads),
                                config.sampler)
  with v1.Session(graph=graph) as sess:
    tf1_weights.restore_tf1(sess, ckpt)
    ids = sess.run(gen.ids, gen.feed(prime_ids, config.length,
                                     config.temperature, config.top_k,
                                     heads))
  text = "".join(vocab.decode(ids))
  if poems:
    return format_poem(prime + text)
  return (prime or vocab.symbols[0]) + text


EXPORT_FORMATS = serving.EXPORT_FORMATS


def export_saved_model(config, export_dir=None, export_format="tf1",
                       log=print):
  """Write the checkpoint for serving; return what was written.

  ``tf1``: the TF1 graph's sampler as a SavedModel for TF Serving
  (``serving.export_text_generator``); ``keras``: the same signature from
  the Keras twin on the converted weights (Keras's ``ExportArchive``); both
  go to ``<export_dir>/<step>/``. Poems get the start token before the prime
  and come back cut at the end token, one sentence per line, as ``sample``
  prints them. ``onnx``: the Keras twin's step model (ids and states in,
  logits and states out) as ``<export_dir>/<step>.onnx``.
  """
  configs.require_choice("export_format", export_format, EXPORT_FORMATS)
  run_dir = training.RunDir(checkpoint_dir(config))
  meta, ckpt = run_dir.load_for_inference(MODEL_NAME)
  cfg = meta["config"]
  vocab = corpus.Vocabulary.from_json(meta["vocab"])
  poems = cfg["format"] == "poems"
  spec = serving.TextSpec(
      vocab.symbols, max_length=config.length,
      prefix=data_lib.START_TOKEN if poems else "",
      end_symbol=data_lib.END_TOKEN if poems else "",
      line_ends=data_lib.LINE_ENDS if poems else ())
  end_id = vocab.id(data_lib.END_TOKEN) if poems else -1
  export_dir = export_dir or os.path.join(run_dir.path, "export")
  step = serving.checkpoint_step(ckpt)
  if export_format == "tf1":
    return serving.export_text_generator(
        export_dir, step, lambda inputs: model_lib.build_generator(
            cfg["model"], len(vocab), cfg["rnn_size"], cfg["num_layers"],
            cfg["tie_layers"], end_id=end_id, inputs=inputs), spec,
        lambda sess: tf1_weights.restore_tf1(sess, ckpt), log=log)
  net = _keras_twin(meta, ckpt)
  return serving.export_keras_twin(
      export_format, export_dir, step, serving.KerasTwinStep(
          [net.step_model], net.step_fn, lambda: net.zero_state_tensors(1),
          net.step_model), spec, end_id=end_id, log=log)


def _keras_twin(meta, ckpt):
  """The Keras twin holding the TF1 checkpoint's weights."""
  cfg = meta["config"]
  net = keras_model.KerasCharRNN(cfg["model"], len(meta["vocab"]),
                                 cfg["rnn_size"], cfg["num_layers"])
  convert.set_keras_weights(net, convert.tf1_to_keras(
      convert.read_checkpoint(ckpt, cfg["model"], cfg["num_layers"],
                              cfg["tie_layers"]),
      cfg["model"], cfg["num_layers"], cfg["tie_layers"]))
  return net


_keras_meta_path = keras_sample.meta_path


def export_keras(config, keras_file, log=print):
  """Write the checkpoint in ``config.checkpoint_dir`` as Keras weights
  (``keras_file``, ending ``.weights.h5``) plus ``<keras_file>.run.json``."""
  if not keras_file.endswith(".weights.h5"):
    raise UserError("--keras_file must end with .weights.h5 (Keras 3's "
                    "weights format), got %s" % keras_file)
  run_dir = training.RunDir(checkpoint_dir(config))
  meta, ckpt = run_dir.load_for_inference(MODEL_NAME)
  net = _keras_twin(meta, ckpt)
  with files.atomic_path(keras_file, suffix=".weights.h5") as tmp:
    net.model.save_weights(tmp)
  files.write_json(_keras_meta_path(keras_file), dict(meta, source=ckpt))
  log("wrote %s and %s from %s" % (keras_file, _keras_meta_path(keras_file),
                                   ckpt))
  return net


def import_keras(config, keras_file, log=print):
  """Write Keras weights (from ``export_keras`` or a Keras training run) as
  a TF1 checkpoint, resumable and sampleable, in ``config.checkpoint_dir``."""
  meta_path = _keras_meta_path(keras_file)
  if not os.path.isfile(keras_file) or not os.path.isfile(meta_path):
    raise UserError("need %s and %s (as written by --mode=export_keras)" %
                    (keras_file, meta_path))
  with open(meta_path, encoding="utf-8") as f:
    meta = json.load(f)
  meta.pop("source", None)
  cfg = meta["config"]
  run_dir = training.RunDir(checkpoint_dir(config))
  if run_dir.latest_checkpoint():
    raise UserError("%s already holds a checkpoint; import into an empty "
                    "--checkpoint_dir" % run_dir.path)
  net = keras_model.KerasCharRNN(cfg["model"], len(meta["vocab"]),
                                 cfg["rnn_size"], cfg["num_layers"])
  net.model.load_weights(keras_file)
  weights = convert.keras_to_tf1(convert.get_keras_weights(net), cfg["model"],
                                 cfg["num_layers"], cfg["tie_layers"])
  graph = tf.Graph()
  with graph.as_default():
    inp = v1.placeholder(tf.int32, [cfg["batch_size"], None])
    model_lib.char_rnn(cfg["model"], inp, inp, len(meta["vocab"]),
                       rnn_size=cfg["rnn_size"], num_layers=cfg["num_layers"],
                       batch_size=cfg["batch_size"],
                       tie_layers=cfg["tie_layers"])
    saver = v1.train.Saver()
    with v1.Session(graph=graph) as sess:
      sess.run(v1.global_variables_initializer())
      convert.assign_tf1(sess, weights)
      path = run_dir.save(sess, saver, meta, 0)
  log("wrote TF1 checkpoint %s from %s" % (path, keras_file))
  return path
