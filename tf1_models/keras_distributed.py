"""Training a Keras twin across processes, on either of two engines.

Every worker process builds the same Keras model from the same seed and
runs the same loop on its own batch; each step is one step on all the
workers' batches together (the loss their mean, the gradients all-reduced),
and every worker applies the same update. Started like the TF1 side's
workers (no parameter server: every worker holds the variables)::

  python -m tf1_models.char_rnn --mode=keras_train --backend=jax \\
      --worker_hosts=h:2223,h:2224 --task_index=0     # the chief
  ... --task_index=1

``--backend=jax``: Keras 3's distribution API, ``DataParallel`` over all
the processes' devices (``jax.distributed``, CPU collectives over gloo);
``train_on_batch`` works unchanged, Keras assembling the global batch from
the processes' parts. The first worker host is the coordinator (its port
is jax's coordination service); the others' ports are not used.

``--backend=tensorflow``: ``tf.distribute.MultiWorkerMirroredStrategy``
(TF_CONFIG from the hosts, each listening on its port) with a hand-written
step (``train_step``): Keras 3's ``fit`` and ``train_on_batch`` fail under
it.

Measured (tests/test_keras_distributed.py, both engines): two processes'
per-step losses and final weights equal, to float rounding (~1e-7), those
of one process training on the concatenated batches, and both workers hold
the same weights.
"""

import dataclasses
import json
import os
import sys
from typing import Optional, Sequence

from tf1_models.errors import UserError


def parse_hosts(flag, value):
  """``host:port,...`` -> a tuple; a one-line ``UserError`` for a bad
  entry."""
  hosts = tuple(h.strip() for h in value.split(",") if h.strip())
  for host in hosts:
    name, _, port = host.rpartition(":")
    if not name or not port.isdigit():
      raise UserError("bad host %r in --%s; write host:port" % (host, flag))
  return hosts


@dataclasses.dataclass
class Workers:
  """This process's place among the workers of a Keras run."""
  hosts: Sequence[str]
  task_index: int

  @classmethod
  def from_flags(cls, worker_hosts, task_index, ps_hosts="",
                 job_name="") -> Optional["Workers"]:
    """None for one process (no ``--worker_hosts``); else checked."""
    if ps_hosts.strip() or job_name not in ("", "worker"):
      raise UserError("--mode=keras_train has no parameter servers: give "
                      "only --worker_hosts and --task_index (every worker "
                      "holds the variables)")
    hosts = parse_hosts("worker_hosts", worker_hosts)
    if not hosts:
      return None
    if not 0 <= task_index < len(hosts):
      raise UserError("--task_index=%d is out of range: there are %d "
                      "worker hosts" % (task_index, len(hosts)))
    return cls(hosts, task_index)

  @property
  def num_workers(self):
    return len(self.hosts)

  @property
  def is_chief(self):
    return self.task_index == 0

  def describe(self, backend):
    return "worker %d of %d (%s)" % (
        self.task_index, self.num_workers,
        "Keras DataParallel on JAX, coordinator %s" % self.hosts[0]
        if backend == "jax" else "MultiWorkerMirroredStrategy")


def start(workers, timeout=300):
  """Join the other workers; call before any Keras variable is created.

  JAX: Keras becomes data-parallel over all the workers' devices (returns
  None). TensorFlow: returns a ``MultiWorkerMirroredStrategy`` (TF_CONFIG
  set from the hosts) to build the model under and step with
  ``train_step``; before it, ``peers.wait_for_peers`` waits until every
  other worker's port answers (the strategy's own wait can be neither
  timed out nor ended by SIGTERM): after ``timeout`` seconds a one-line
  ``PeersMissing`` (exit code 2); a SIGTERM meanwhile ends the worker at
  once (exit code 143). (JAX's wait gives up after 5 minutes by itself.)"""
  import keras  # pylint: disable=import-outside-toplevel
  backend = keras.backend.backend()
  if backend == "jax":
    # Every process must reach this; jax waits (up to 5 minutes) for all.
    keras.distribution.initialize(",".join(workers.hosts),
                                  workers.num_workers, workers.task_index)
    keras.distribution.set_distribution(keras.distribution.DataParallel(
        devices=keras.distribution.list_devices()))
    return None
  if backend == "tensorflow":
    os.environ["TF_CONFIG"] = json.dumps({
        "cluster": {"worker": list(workers.hosts)},
        "task": {"type": "worker", "index": workers.task_index}})
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    # pylint: disable=import-outside-toplevel
    import signal
    from tf1_models import peers
    # The strategy's own wait cannot be interrupted: wait here first.
    peers.wait_for_peers(workers.hosts, workers.task_index, timeout)
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    # TensorFlow's SIGTERM handler (a preemption notice nothing here
    # reads) would make the worker ignore SIGTERM: back to the default.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return strategy
  raise UserError(
      "--mode=keras_train across processes runs on --backend=jax (Keras 3's "
      "distribution API) or --backend=tensorflow (MultiWorkerMirroredStrategy"
      "), not on %s" % backend)


def train_step(model, strategy=None):
  """``(x, y) -> loss``: one optimizer step of a compiled ``model``.

  Not on TensorFlow: ``model.train_on_batch`` (on JAX, under
  ``DataParallel`` when ``start`` set it). On TensorFlow, a hand-written
  step, run by ``strategy`` (one replica per worker) when given: the
  embedding's ``IndexedSlices`` gradient is made dense first (duplicate rows
  summed, as TF1's Adam takes it), and the loss is the compiled loss as is.
  Under a strategy Keras 3 already divides a loss by the number of
  replicas and its optimizer already sums the gradients over them
  (``apply_gradients`` all-reduces): dividing once more, as a tf.distribute
  custom loop usually does, halves the gradient; with Adam that is nearly
  invisible, except where a gradient is near epsilon (measured: weights a
  few % off after 4 steps). ``fit`` and ``train_on_batch`` themselves fail
  under this strategy with Keras 3.15 (their inputs arrive as
  ``PerReplica`` values Keras cannot convert)."""
  import keras  # pylint: disable=import-outside-toplevel
  if keras.backend.backend() != "tensorflow":
    return lambda x, y: float(model.train_on_batch(x, y))
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  variables = model.trainable_variables

  def replica_step(x, y):
    with tf.GradientTape() as tape:
      loss = model.loss(y, model(x, training=True))
    grads = [tf.convert_to_tensor(g) for g in tape.gradient(loss, variables)]
    model.optimizer.apply_gradients(zip(grads, variables))
    return loss

  @tf.function(reduce_retracing=True)
  def step(x, y):
    if strategy is None:
      return replica_step(x, y)
    # Each replica's loss is its mean over the global batch's share.
    return strategy.reduce("SUM", strategy.run(replica_step, args=(x, y)),
                           axis=None)

  return lambda x, y: float(step(tf.constant(x), tf.constant(y)))


class WorkerLost(UserError):
  """Another worker of the run died or became unreachable mid-run."""


def peer_errors():
  """The exceptions a step raises when another worker is gone (a
  collective's connection reset or aborted)."""
  import keras  # pylint: disable=import-outside-toplevel
  if keras.backend.backend() == "jax":
    import jax  # pylint: disable=import-outside-toplevel
    return (jax.errors.JaxRuntimeError,)
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  return (tf.errors.OpError,)


def _reason(error):
  """The informative line of a collective's error (TensorFlow's first line
  is only "Graph execution error:")."""
  lines = [l.strip() for l in str(error).splitlines() if l.strip()]
  for line in lines:
    if any(w in line.lower() for w in ("reset", "abort", "unavailable")):
      return line[:200]
  return lines[0][:200] if lines else type(error).__name__


def lost(workers, step, error,
         advice="keras_train does not resume: start every worker again"):
  """Stop this worker after ``error`` (one of ``peer_errors``) at ``step``.

  Raises ``WorkerLost``. On JAX the process ends here instead (the one line
  on stderr, exit code 2): jax's exit handler would wait for the dead worker
  at its shutdown barrier for 5 minutes, then abort with a C++ fatal
  error."""
  import keras  # pylint: disable=import-outside-toplevel
  message = ("worker %d stopped at step %d: another worker is gone (%s); "
             "%s" % (workers.task_index, step, _reason(error), advice))
  if keras.backend.backend() == "jax":
    sys.stderr.write("error: %s\n" % message)
    sys.stderr.flush()
    sys.stdout.flush()
    os._exit(WorkerLost.exit_code)  # pylint: disable=protected-access
  raise WorkerLost(message)


def stop():
  """Back to one process's own devices (e.g. to sample on the chief alone:
  a model built under ``DataParallel`` expects every worker's batch)."""
  import keras  # pylint: disable=import-outside-toplevel
  keras.distribution.set_distribution(None)


def step_batches(batch_at, step, num_workers, pad_id=None):
  """The ``num_workers`` single-process batches of global ``step``
  (``step*N .. step*N+N-1``; ``batch_at(index) -> (x, y)``), padded with
  ``pad_id`` to one width when they differ (``pad_id=None``: they must
  not). Worker ``i`` trains on item ``i``; one process training on their
  concatenation takes the same step."""
  import numpy as np  # pylint: disable=import-outside-toplevel
  batches = [batch_at(step * num_workers + i) for i in range(num_workers)]
  width = max(x.shape[1] for x, _ in batches)
  out = []
  for x, y in batches:
    if x.shape[1] < width:
      if pad_id is None:
        raise ValueError("batches of different widths and no pad id")
      extra = ((0, 0), (0, width - x.shape[1]))
      x = np.pad(x, extra, constant_values=pad_id)
      y = np.pad(y, extra, constant_values=pad_id)
    out.append((x, y))
  return out


# -- custom steps whose workers run different shapes (word2vec, seq2seq) ----

def check_new_keras_file(keras_file):
  """A ``--keras_file`` that ``keras_train`` may write: Keras 3's weights
  format, and not an existing (trained) file."""
  if not keras_file.endswith(".weights.h5"):
    raise UserError("--keras_file must end with .weights.h5 (Keras 3's "
                    "weights format), got %s" % keras_file)
  if os.path.exists(keras_file):
    raise UserError("%s already exists; keras_train does not overwrite a "
                    "trained model: choose another --keras_file or delete "
                    "it" % keras_file)


def apply_mean_gradients(optimizer, variables, strategy=None):
  """``(grads, loss) -> mean loss``: ``optimizer`` steps ``variables`` with
  the mean of every worker's ``grads`` and returns the mean of their
  ``loss`` (one process: its own).

  The gradients are computed before, by each worker alone (no collective:
  its batch may have another shape than the others', e.g. a seq2seq bucket,
  and tf.distribute would pair the collectives of differently traced
  functions wrongly); this one function, traced once, holds the only
  collectives. Keras 3's optimizer under a strategy sums the replicas'
  gradients (``apply_gradients`` all-reduces), so each worker passes its
  gradients times ``1 / workers``. Not under a strategy (one process, any
  backend): ``optimizer.apply_gradients`` as is."""
  variables = list(variables)
  if strategy is None:
    def apply_one(grads, loss):
      optimizer.apply_gradients(zip(grads, variables))
      return float(loss)
    return apply_one
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  share = 1.0 / strategy.num_replicas_in_sync

  def replica_apply(grads, loss):
    optimizer.apply_gradients(zip([g * share for g in grads], variables))
    return loss * share

  @tf.function
  def apply(grads, loss):
    return strategy.reduce("SUM", strategy.run(replica_apply,
                                               args=(grads, loss)), axis=None)

  return lambda grads, loss: float(apply(
      [tf.convert_to_tensor(g) for g in grads], tf.convert_to_tensor(loss)))


def require_tensorflow(what):
  """``start``'s engine for a hand-written step of gradients computed
  before the all-reduce (``apply_mean_gradients``): TensorFlow's
  ``MultiWorkerMirroredStrategy`` only."""
  import keras  # pylint: disable=import-outside-toplevel
  backend = keras.backend.backend()
  if backend != "tensorflow":
    raise UserError(
        "%s --mode=keras_train across processes runs on --backend="
        "tensorflow (MultiWorkerMirroredStrategy), not on %s; on %s it "
        "trains in one process (no --worker_hosts)" % (what, backend,
                                                       backend))


def run_steps(steps, step_fn, workers=None, log_every=1, log=print,
              detail=lambda step: "", errors=None, digits=4):
  """``step_fn(step) -> loss`` for ``step`` in ``0 .. steps-1``; returns the
  losses (a NumPy array). Logs every ``log_every`` steps and the last
  (``detail(step)``: more text for the line; the loss with ``digits``
  decimals); a non-finite loss raises ``TrainingDiverged``; another
  worker's death (``errors``, by default ``peer_errors()``) ends this one
  (``lost``)."""
  import math  # pylint: disable=import-outside-toplevel
  import time  # pylint: disable=import-outside-toplevel
  import numpy as np  # pylint: disable=import-outside-toplevel
  from tf1_models.errors import TrainingDiverged  # pylint: disable=import-outside-toplevel
  losses, start = [], time.time()
  for step in range(steps):
    try:
      loss = step_fn(step)
    except Exception as e:  # pylint: disable=broad-except
      if workers is None or not isinstance(e, errors or peer_errors()):
        raise
      lost(workers, step + 1, e)
    if not math.isfinite(loss):
      raise TrainingDiverged(
          "loss became %s at step %d; nothing was written; lower "
          "--learning_rate and rerun" % (loss, step + 1))
    losses.append(loss)
    if (step + 1) % log_every == 0 or step + 1 == steps:
      log("step %d/%d%s  loss %.*f  (%.1f steps/s)" % (
          step + 1, steps, detail(step), digits, loss,
          (step + 1) / (time.time() - start)))
  return np.asarray(losses)


def read_meta(meta_file, keras_file):
  """The ``run.json`` beside a ``keras_train`` file, or a one-line
  ``UserError``."""
  try:
    with open(meta_file, encoding="utf-8") as f:
      return json.load(f)
  except (OSError, ValueError) as e:
    raise UserError("cannot read %s (%s): is %s a keras_train file?" % (
        meta_file, getattr(e, "strerror", None) or e, keras_file))


# -- steps that average the workers' gradients themselves (next_char, text8) --

class CollectiveFailed(Exception):
  """``GradientMean``'s collective failed: another worker is gone (on JAX
  ``process_allgather`` raises a plain ``ValueError``, "Gloo AllGather
  failed ... Connection reset by peer")."""


class GradientMean(object):
  """The workers' mean of a list of arrays, on the engine's collective:
  ``reduce(arrays) -> [numpy arrays]``, the same values on every worker.

  For a twin whose step Keras cannot run across processes as is (next_char,
  text8_lstm): each worker computes its gradients on its own rows with one
  process's code, this averages them (and the loss) in one collective over
  one flat float32 vector, and every worker applies the same update. Made
  by ``join``."""

  def __init__(self, workers, collective):
    self.workers = workers
    self.num_workers = workers.num_workers
    self._collective = collective  # flat float32 vector -> workers' sum

  @property
  def errors(self):
    """What a step raises when another worker is gone (for ``lost``)."""
    return peer_errors() + (CollectiveFailed,)

  def __call__(self, arrays):
    import numpy as np  # pylint: disable=import-outside-toplevel
    import keras  # pylint: disable=import-outside-toplevel
    values = [np.asarray(keras.ops.convert_to_numpy(a), np.float32)
              for a in arrays]
    try:
      total = np.asarray(self._collective(np.concatenate(
          [v.ravel() for v in values])), np.float32)
    except Exception as e:  # pylint: disable=broad-except
      raise CollectiveFailed(str(e) or type(e).__name__) from e
    mean = total / np.float32(self.num_workers)
    out, start = [], 0
    for v in values:
      out.append(mean[start:start + v.size].reshape(v.shape))
      start += v.size
    return out


def join(workers):
  """Join the other workers for steps whose gradients the caller averages
  itself (``GradientMean``); call before anything runs on the backend.

  JAX: ``keras.distribution.initialize`` (``jax.distributed``, the first
  host the coordinator) and no Keras distribution: each process keeps its
  own model on its own device; the sum is ``process_allgather`` added up in
  worker order (the same bits everywhere). TensorFlow: a
  ``MultiWorkerMirroredStrategy`` (TF_CONFIG from the hosts) reducing the
  vector across its replicas; the model lives outside its scope."""
  import keras  # pylint: disable=import-outside-toplevel
  backend = keras.backend.backend()
  if backend == "jax":
    keras.distribution.initialize(",".join(workers.hosts),
                                  workers.num_workers, workers.task_index)
    from jax.experimental import multihost_utils  # pylint: disable=import-outside-toplevel

    def gathered_sum(flat):
      parts = multihost_utils.process_allgather(flat)  # [workers, size]
      total = parts[0].copy()
      for part in parts[1:]:
        total += part
      return total
    return GradientMean(workers, gathered_sum)
  if backend == "tensorflow":
    strategy = start(workers)
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    @tf.function
    def summed(flat):
      return strategy.reduce("SUM", strategy.run(tf.identity, args=(flat,)),
                             axis=None)
    return GradientMean(workers, lambda flat: summed(tf.constant(flat)))
  return start(workers)  # the one-line error for other backends


def gradient_fn(loss_of, variables):
  """``(x, y) -> (loss, gradients)`` of ``loss_of(x, y)`` (a scalar from
  ``variables``, Keras variables), compiled once with ``x, y`` as
  arguments: on JAX ``jax.jit`` over the variables' values (a
  ``StatelessScope``; other variables are read as constants), on
  TensorFlow a ``tf.function`` (an embedding's ``IndexedSlices`` made
  dense, duplicate rows summed, as TF1's Adam takes it)."""
  import keras  # pylint: disable=import-outside-toplevel
  variables = list(variables)
  if keras.backend.backend() == "jax":
    import jax  # pylint: disable=import-outside-toplevel

    def of_values(values, x, y):
      with keras.StatelessScope(state_mapping=list(zip(variables, values))):
        return loss_of(x, y)

    compiled = jax.jit(jax.value_and_grad(of_values))
    return lambda x, y: compiled([v.value for v in variables], x, y)
  import tensorflow as tf  # pylint: disable=import-outside-toplevel

  @tf.function(reduce_retracing=True)
  def compiled_tf(x, y):
    with tf.GradientTape() as tape:
      loss = loss_of(x, y)
    return loss, [tf.convert_to_tensor(g)
                  for g in tape.gradient(loss, variables)]
  return compiled_tf
