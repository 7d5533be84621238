"""Train the text8_lstm Keras twin, in one process or across several.

``python -m tf1_models.text8_lstm --mode=keras_train --keras_file=m.weights.h5``
trains ``KerasText8LSTM`` (stateful LSTM, SGD on the staircase decay,
gradients clipped by global norm, by the twin's own step on every backend:
``KerasText8LSTM.train_on_batch`` with ``own_clip``) for ``--max_steps``
steps from ``--seed``'s initial weights, then writes the weights and ``<keras_file>.run.json``
(read by ``load`` and ``sample``) and prints sampled lines.

Across processes (``--worker_hosts``, ``--task_index``; ``--backend=jax``
or ``tensorflow``): as the TF1 cluster, the step's batch has ``N *
--batch_size`` rows (text segments) and worker ``i`` trains on rows ``i*B ..
i*B+B-1`` of every batch, its LSTM carrying the state of its own rows only.
Each worker computes the loss and gradients of its rows; the workers'
means go through one collective (``keras_distributed.GradientMean``), the
mean gradient is clipped (``KerasText8LSTM.train_on_batch``) and every
worker applies the same update: one process's step on the ``N*B`` rows.
The chief (task 0) writes the files.

The run never resumes and refuses an existing ``--keras_file``; the file is
written at the end, to a temporary name and renamed.
"""


import numpy as np

from tf1_models import files, keras_distributed
from tf1_models.char_rnn.keras_train import fingerprint
from tf1_models.errors import UserError
from tf1_models.text8_lstm import data as data_lib
from tf1_models.text8_lstm import runner


def meta_path(keras_file):
  return keras_file + ".run.json"


def _check(config, keras_file):
  runner.validate(config)
  if config.tf1_ref_state:
    raise UserError("--tf1_ref_state is the TF1 graph's; drop it for "
                    "--mode=keras_train")
  if config.max_steps < 1:
    raise UserError("--max_steps must be at least 1 for --mode=keras_train")
  keras_distributed.check_new_keras_file(keras_file)


def _net(cfg, batch_size):
  # pylint: disable=import-outside-toplevel
  from tf1_models.text8_lstm import keras_model
  return keras_model.KerasText8LSTM(
      cfg["variant"], cfg["num_nodes"], batch_size, cfg["embedding_size"],
      cfg["keep_prob"])


def train(config, keras_file, workers=None, log=print):
  """Train and (on the chief) write ``keras_file``; returns ``losses``, the
  loss of every step (the mean over all the workers' rows)."""
  _check(config, keras_file)
  n, rank = (1, 0) if workers is None else (workers.num_workers,
                                            workers.task_index)
  data = runner.load_data(config, log, n)  # bad corpora: before joining
  mean = None if workers is None else keras_distributed.join(workers)
  import keras  # pylint: disable=import-outside-toplevel
  keras.utils.set_random_seed(config.seed)  # the same weights everywhere
  cfg = config.model_config()
  net = _net(dict(cfg, embedding_size=config.embedding_size,
                  keep_prob=config.keep_prob), config.batch_size)
  # The twin's own clipped step on every backend, in one process too: one
  # process and a cluster then run the same code on each engine.
  net.compile(config.learning_rate, config.decay_steps, config.decay_rate,
              config.clip_norm, own_clip=True)
  rows = slice(rank * config.batch_size, (rank + 1) * config.batch_size)
  log("keras_train on %s: %s LSTM, %d nodes, %d steps of %d x %d segments "
      "x %d unrollings%s" % (
          keras.backend.backend(), config.variant, config.num_nodes,
          config.max_steps, n, config.batch_size, config.num_unrollings,
          "" if workers is None else "; " + workers.describe(
              keras.backend.backend()).replace(
                  "Keras DataParallel on JAX", "JAX gradient all-reduce")))
  def step_fn(step):
    x, y = net.batch(data, step)
    return net.train_on_batch(x[rows], y[rows], mean)

  losses = keras_distributed.run_steps(
      config.max_steps, step_fn, workers, config.summary_frequency, log,
      errors=mean.errors if mean else None, digits=6)
  log("weights fingerprint %s" % fingerprint(net.model.get_weights()))
  if rank == 0:
    with files.atomic_path(keras_file, suffix=".weights.h5") as tmp:
      net.model.save_weights(tmp)
    meta = dict(runner.run_meta(config), config=dict(
        cfg, embedding_size=config.embedding_size,
        keep_prob=config.keep_prob), step=config.max_steps, workers=n,
                backend=keras.backend.backend())
    files.write_json(meta_path(keras_file), meta)
    log("wrote %s and %s" % (keras_file, meta_path(keras_file)))
  return losses


def load(keras_file):
  """The twin of a ``keras_train`` run (batch 1) and its ``run.json``."""
  meta = keras_distributed.read_meta(meta_path(keras_file), keras_file)
  net = _net(meta["config"], 1)
  net.model.load_weights(keras_file)
  return net, meta


def sample(keras_file, config):
  """``config.num_samples`` lines of ``config.length`` characters from the
  weights in ``keras_file``, each from ``--prime`` or a random letter (as
  ``runner.sample_lines``)."""
  net, _ = load(keras_file)
  vocab = data_lib.vocabulary()
  rng = np.random.RandomState(config.seed)
  lines = []
  for k in range(config.num_samples):
    prime = config.prime or data_lib.ALPHABET[rng.randint(
        data_lib.VOCAB_SIZE)]
    ids = net.generate(vocab.encode(prime, "--prime"),
                       max(0, config.length - len(prime)),
                       config.temperature, config.top_k, config.seed + k)
    lines.append(prime + "".join(vocab.decode(ids)))
  return "\n".join(lines)
