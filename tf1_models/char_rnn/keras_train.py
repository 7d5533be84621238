"""Train the char_rnn Keras twin, in one process or across several.

``python -m tf1_models.char_rnn --mode=keras_train --keras_file=m.weights.h5``
trains ``KerasCharRNN`` with ``train_on_batch`` on the run's batches
(initial weights from ``--seed``, Adam with TF1's epsilon) and writes the
weights plus ``<keras_file>.run.json``, which ``--mode=keras_sample`` and
``--mode=import_keras`` (to a TF1 checkpoint) read. Any backend in one
process.

On TensorFlow the step densifies the embedding's gradient first, as TF1's
Adam sees it (``keras_distributed.train_step``).

Across processes (``--worker_hosts``, ``--task_index``; ``--backend=jax``
or ``tensorflow``, see ``tf1_models.keras_distributed``): global step
``s`` is the single-process batches ``s*N .. s*N+N-1``, worker ``i``
taking batch ``s*N+i`` (poem batches padded to their longest), so
``--batch_size`` is per worker and an epoch has ``N`` times fewer steps. Every worker holds the same weights; the
chief (task 0) writes the files.

The run trains from the seed's initial weights, never resumes, and refuses
an existing ``--keras_file`` (so a trained model is never overwritten); the
file is written at the end, to a temporary name and renamed.
"""

import contextlib

import numpy as np

from tf1_models import files, keras_distributed
from tf1_models.char_rnn import config as config_lib
from tf1_models.char_rnn import data as data_lib
from tf1_models.char_rnn import keras_sample
from tf1_models.errors import UserError


def _check(config, keras_file):
  config_lib.validate(config)
  if config.tie_layers:
    raise UserError("--tie_layers has no Keras form (the twin has one set "
                    "of weights per layer); train with --notie_layers")
  keras_distributed.check_new_keras_file(keras_file)


def fingerprint(weights):
  """Sum and sum of squares of all the weights (float64), as text: equal on
  every worker of a run (they hold the same weights)."""
  flat = np.concatenate([np.asarray(w, np.float64).ravel() for w in weights])
  return "%.17g %.17g" % (flat.sum(), np.square(flat).sum())


def global_steps(config, steps_per_epoch, num_workers):
  """Steps of ``num_workers`` batches each: ``--epochs`` over the data,
  capped by ``--max_steps`` (``--epochs=0``: ``--max_steps`` alone)."""
  steps = config.epochs * steps_per_epoch // num_workers
  if config.max_steps:
    steps = min(steps, config.max_steps) if config.epochs else (
        config.max_steps)
  if steps < 1:
    raise UserError("no step to train: %d batches per epoch, %d worker(s), "
                    "--epochs=%d, --max_steps=%d" % (
                        steps_per_epoch, num_workers, config.epochs,
                        config.max_steps))
  return steps


def train(config, keras_file, workers=None, log=print):
  """Train and (on the chief) write ``keras_file``; returns
  ``(steps, losses)``, the loss of every step (the mean over all the
  workers' batches)."""
  _check(config, keras_file)
  n = 1 if workers is None else workers.num_workers
  rank = 0 if workers is None else workers.task_index
  fmt, data = data_lib.load_data(config, log)  # bad corpora: before joining
  steps = global_steps(config, data.steps_per_epoch, n)
  pad_id = data.vocab.id(data_lib.PAD) if fmt == "poems" else None
  strategy = None if workers is None else keras_distributed.start(workers)
  import keras  # pylint: disable=import-outside-toplevel
  # pylint: disable=import-outside-toplevel
  from tf1_models.char_rnn import keras_model
  keras.utils.set_random_seed(config.seed)  # the same weights everywhere
  with (contextlib.nullcontext() if strategy is None else strategy.scope()):
    net = keras_model.KerasCharRNN(config.model, len(data.vocab),
                                   config.rnn_size, config.num_layers)
    net.compile(config.learning_rate)
    net.model.optimizer.build(net.model.trainable_variables)
  train_step = keras_distributed.train_step(net.model, strategy)
  log("keras_train on %s: %s %dx%d, vocabulary %d, %d steps of %d x %d "
      "sequences%s" % (
          keras.backend.backend(), config.model, config.num_layers,
          config.rnn_size, len(data.vocab), steps, n, config.batch_size,
          "" if workers is None else "; " + workers.describe(
              keras.backend.backend())))

  def step_fn(step):
    x, y = keras_distributed.step_batches(
        lambda i: data_lib.batch_at(data, i), step, n, pad_id)[rank]
    return train_step(x, y)

  losses = keras_distributed.run_steps(steps, step_fn, workers,
                                       config.log_every, log)
  log("weights fingerprint %s" % fingerprint(net.model.get_weights()))
  if workers is not None:
    # Saving builds a throwaway optimizer: under DataParallel its variables
    # would wait for every worker (a hang on the chief alone).
    keras_distributed.stop()
  if rank == 0:
    with files.atomic_path(keras_file, suffix=".weights.h5") as tmp:
      net.model.save_weights(tmp)
    meta = keras_sample.run_meta(config, fmt, data.vocab)
    meta.update(step=steps, workers=n, backend=keras.backend.backend())
    files.write_json(keras_sample.meta_path(keras_file), meta)
    log("wrote %s and %s" % (keras_file, keras_sample.meta_path(keras_file)))
  return steps, losses
