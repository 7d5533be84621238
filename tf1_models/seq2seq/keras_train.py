"""Train seq2seq's Keras twins (the legacy model's and, with
``--decoder=dynamic``, the ``tf.contrib.seq2seq`` model's: see the end), in
one process or across several.

``python -m tf1_models.seq2seq --mode=keras_train --keras_file=s.weights.h5``
trains ``KerasSeq2Seq`` (full softmax) from ``--seed`` for ``--max_steps``
steps on the run's bucketed batches (the single-process run's bucket and
phrases of every step, ``runner.bucket_schedule``), each step the gradient
of ``sequence_loss`` clipped by its global norm as TF1 counts it
(``keras_model.clipped_gradients``), then ``--optimizer`` (SGD, or Adam
with TF1's epsilon) at the fixed ``--learning_rate``: the TF1 run's decay on
a plateau is not applied. It writes the weights plus
``<keras_file>.run.json``; ``to_tf1_run`` writes them as a TF1 run
directory that ``--mode=decode``/``evaluate``/``export`` read. Any backend
in one process.

Across processes (``--worker_hosts``, ``--task_index``, on
``--backend=tensorflow``: ``MultiWorkerMirroredStrategy``, see
``tf1_models.keras_distributed``), as the TF1 cluster: global step ``s`` is
the single-process batches ``s*N .. s*N+N-1``, worker ``i`` taking batch
``s*N+i`` in that batch's own bucket, so workers of one step may run
different buckets (different unrolled lengths). Each worker clips its own
batch's gradient (as TF1's per-bucket update ops do before the cluster's
accumulators average them), and one update applies the mean of the ``N``
clipped gradients. One process cannot take that step on a batch (batches of
two buckets do not concatenate); the equal single-process computation is
the mean of the clipped gradients of those ``N`` batches, applied once.
``--batch_size`` is per worker; the chief (task 0) writes the files.

``--decoder=dynamic`` trains the ``tf.contrib.seq2seq`` model's twin
(``KerasDynamicSeq2Seq``) the same way: the same pairs per step as the TF1
dynamic run, padded to the bucket's widths (``dynamic_batch``: masked, so
the step is the TF1 graph's on the batch padded to its longest phrase, and
the Keras step keeps one shape per bucket), teacher-forced
``sequence_loss``, clipped as TF1 counts it
(``keras_dynamic.clipped_gradients``) and TF1's optimizer; across
processes each worker clips its own batch's gradient and one update
applies their mean, as the TF1 cluster does for this model.

The run never resumes and refuses an existing ``--keras_file``.
"""

import contextlib
import random

import numpy as np

from tf1_models import corpus, files, keras_distributed
from tf1_models.char_rnn.keras_train import fingerprint
from tf1_models.errors import UserError
from tf1_models.seq2seq import config as config_lib
from tf1_models.seq2seq import model as model_lib

MODEL_NAME = "seq2seq_keras"


def check(config):
  """The buckets, after the run's own checks and keras_train's."""
  from tf1_models.seq2seq import runner  # pylint: disable=import-outside-toplevel
  buckets = runner.validate(config)
  if config.task != "mirror":
    raise UserError("--mode=keras_train trains --task=mirror")
  if config.max_steps < 1:
    raise UserError("--max_steps=%d: keras_train needs at least one step"
                    % config.max_steps)
  return buckets


def sampled(config, vocab_size):
  return 0 < config.num_samples < vocab_size


class Batches(object):
  """The single-process run's batch ``index``: its bucket and the Keras
  inputs ``(encoder ids [B, L], decoder ids [B, T], targets [B, T], target
  weights [B, T])``, batch-major, of the TF1 run's feed at that step."""

  def __init__(self, config, data, buckets):
    from tf1_models.seq2seq import runner  # pylint: disable=import-outside-toplevel
    self.config, self.data, self.buckets = config, data, buckets
    self.bucket_at = runner.bucket_schedule(data.train_set, config.seed)

  def __call__(self, index):
    b = self.bucket_at(index)
    rng = random.Random("batch:%d:%d" % (self.config.seed, index))
    pairs = [rng.choice(self.data.train_set[b])
             for _ in range(self.config.batch_size)]
    if self.config.decoder == "dynamic":
      return b, dynamic_batch(pairs, self.buckets[b])
    encoder, decoder, weights = model_lib.batch_from_pairs(pairs,
                                                           self.buckets[b])
    enc, dec = np.stack(encoder, 1), np.stack(decoder, 1)
    targets = np.concatenate([dec[:, 1:], np.full_like(dec[:, :1],
                                                       model_lib.PAD_ID)], 1)
    return b, (enc, dec, targets, np.stack(weights, 1))


def optimizer(config):
  import keras  # pylint: disable=import-outside-toplevel
  if config.optimizer == "sgd":
    return keras.optimizers.SGD(config.learning_rate)
  # TF1's AdamOptimizer: epsilon 1e-8 (Keras's default is 1e-7).
  return keras.optimizers.Adam(config.learning_rate, epsilon=1e-8)


def new_net(config, vocab_size, buckets, strategy=None):
  """``(KerasSeq2Seq or KerasDynamicSeq2Seq, its optimizer)`` from
  ``config.seed`` (the same weights on every worker), built, under
  ``strategy``'s scope if given."""
  import keras  # pylint: disable=import-outside-toplevel
  keras.utils.set_random_seed(config.seed)
  with (contextlib.nullcontext() if strategy is None else strategy.scope()):
    net = new_keras_model(config, vocab_size, buckets)
    opt = optimizer(config)
    opt.build(net.trainable_variables)
  return net, opt


def gradient_fn(net, max_gradient_norm):
  """``(enc, dec, targets, weights) -> (norm, loss, clipped grads)``; a
  ``tf.function`` on TensorFlow (traced once per bucket)."""
  import keras  # pylint: disable=import-outside-toplevel
  # pylint: disable=import-outside-toplevel
  from tf1_models.seq2seq import keras_dynamic, keras_model

  def grads(*batch):
    if getattr(net, "dynamic", False):
      return keras_dynamic.clipped_gradients(net, *batch, max_gradient_norm)
    return keras_model.clipped_gradients(net, *batch, max_gradient_norm)
  if keras.backend.backend() != "tensorflow":
    return grads
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  return tf.function(grads)


def meta_path(keras_file):
  return keras_file + ".run.json"


def load(keras_file):
  """``(the Keras twin, vocabulary, config)`` of a trained file."""
  meta = keras_distributed.read_meta(meta_path(keras_file), keras_file)
  config = config_lib.Config(**meta["config"])
  vocab = corpus.Vocabulary.from_json(meta["vocab"])
  net = new_keras_model(config, len(vocab),
                        config_lib.parse_buckets(config.buckets))
  net.load_weights(keras_file)
  return net, vocab, config


def to_tf1_run(keras_file, checkpoint_dir):
  """Write ``keras_file`` as a TF1 run directory (checkpoint and
  ``run.json``) that ``--mode=decode``/``evaluate``/``export`` read with
  ``--checkpoint_dir``; returns the checkpoint path."""
  import os  # pylint: disable=import-outside-toplevel
  # pylint: disable=import-outside-toplevel
  from tf1_models import training
  from tf1_models.seq2seq import convert, runner
  run_dir = training.RunDir(checkpoint_dir)
  if run_dir.latest_checkpoint():
    raise UserError("%s already holds a checkpoint; import_keras does not "
                    "overwrite a run: choose another --checkpoint_dir" %
                    checkpoint_dir)
  net, vocab, config = load(keras_file)
  buckets = config_lib.parse_buckets(config.buckets)
  path = convert.write_tf1_checkpoint(
      net, lambda: runner.new_model(config, buckets, len(vocab), False),
      os.path.join(checkpoint_dir, "model.ckpt"))
  run_dir.write_meta({"model": runner.MODEL_NAME,
                      "config": config.model_config(),
                      "vocab": vocab.to_json()})
  run_dir.unlock()
  return path


def train(config, keras_file, workers=None, log=print):
  """Train and (on the chief) write ``keras_file``; returns ``(steps,
  losses)``, every step's loss (the mean over all the workers' batches)."""
  from tf1_models.seq2seq import runner  # pylint: disable=import-outside-toplevel
  buckets = check(config)
  keras_distributed.check_new_keras_file(keras_file)
  if workers is not None:
    keras_distributed.require_tensorflow("seq2seq")
  n = 1 if workers is None else workers.num_workers
  rank = 0 if workers is None else workers.task_index
  data = runner.load_data(config, buckets, log)  # bad corpora: before joining
  vocab_size = len(data.vocab)
  if config.decoder == "legacy" and sampled(config, vocab_size):
    raise UserError("--num_samples=%d is below the vocabulary (%d): "
                    "keras_train trains the full softmax; raise "
                    "--num_samples" % (config.num_samples, vocab_size))
  batches = Batches(config, data, buckets)
  strategy = None if workers is None else keras_distributed.start(workers)
  import keras  # pylint: disable=import-outside-toplevel
  net, opt = new_net(config, vocab_size, buckets, strategy)
  gradients = gradient_fn(net, config.max_gradient_norm)
  apply = keras_distributed.apply_mean_gradients(
      opt, net.trainable_variables, strategy)
  log("keras_train on %s: %dx%d %s%s, vocabulary %d, buckets %s, %d steps "
      "of %d x %d phrases, %s %g%s" % (
          keras.backend.backend(), config.num_layers, config.size,
          "LSTM" if config.use_lstm else "GRU",
          " (dynamic, %s attention)" % config.attention
          if config.decoder == "dynamic" else "", vocab_size, config.buckets,
          config.max_steps, n, config.batch_size, config.optimizer,
          config.learning_rate, "" if workers is None else
          "; " + workers.describe(keras.backend.backend())))
  def step_fn(step):
    _, loss, grads = gradients(*batches(step * n + rank)[1])
    return apply(grads, loss)

  losses = keras_distributed.run_steps(
      config.max_steps, step_fn, workers, config.log_every, log,
      lambda step: "  bucket %d" % batches.bucket_at(step * n + rank))
  log("weights fingerprint %s" % fingerprint(
      [keras.ops.convert_to_numpy(v) for v in net.trainable_variables]))
  if rank == 0:
    with files.atomic_path(keras_file, suffix=".weights.h5") as tmp:
      net.save_weights(tmp)
    files.write_json(meta_path(keras_file), {
        "model": MODEL_NAME, "config": config.model_config(),
        "vocab": data.vocab.to_json(), "step": config.max_steps,
        "workers": n, "backend": keras.backend.backend()})
    log("wrote %s and %s" % (keras_file, meta_path(keras_file)))
  return config.max_steps, losses


def new_keras_model(config, vocab_size, buckets):
  """The twin ``config.decoder`` names, built: ``KerasSeq2Seq`` (legacy)
  or ``KerasDynamicSeq2Seq`` (dynamic)."""
  # pylint: disable=import-outside-toplevel
  from tf1_models.seq2seq import convert, keras_dynamic, keras_model
  if config.decoder == "dynamic":
    return convert.build_dynamic(keras_dynamic.KerasDynamicSeq2Seq(
        vocab_size, config.size, config.num_layers, config.use_lstm,
        config.attention))
  net = keras_model.KerasSeq2Seq(vocab_size, vocab_size, config.size,
                                 config.num_layers, use_lstm=config.use_lstm)
  return convert.build(net, *buckets[0])


def dynamic_batch(pairs, bucket):
  """``--decoder=dynamic``'s batch of ``pairs`` (``dynamic_model.
  batch_from_pairs``: ``source, source_length, decoder_inputs,
  decoder_length, targets``), padded to the bucket's widths (encoder
  length, decoder length - 1: GO + phrase in, phrase + EOS out) instead of
  the batch's longest phrase: the padding is masked, so the step is the
  same, and the Keras step keeps one shape per bucket (one trace each)."""
  from tf1_models.seq2seq import dynamic_model  # pylint: disable=import-outside-toplevel
  source, source_length, decoder_inputs, decoder_length, targets = (
      dynamic_model.batch_from_pairs(pairs))
  encoder_size, decoder_size = bucket

  def widen(ids, width):
    out = np.full((len(ids), max(width, ids.shape[1])), model_lib.PAD_ID,
                  np.int32)
    out[:, :ids.shape[1]] = ids
    return out
  return (widen(source, encoder_size), source_length,
          widen(decoder_inputs, decoder_size - 1), decoder_length,
          widen(targets, decoder_size - 1))
