"""Training across processes on TF1's own distributed runtime.

The classic TF1 between-graph replication, as TF 2.x still ships it: one or
more parameter servers hold the variables, every worker builds the same
graph with ``replica_device_setter`` (variables on the ps tasks, compute on
itself), and runs it through ``MonitoredTrainingSession``. Started the way
TF1 scripts were::

  python -m tf1_models.char_rnn --ps_hosts=h:2222 --worker_hosts=h:2223,h:2224 \\
      --job_name=ps --task_index=0          # blocks, serving the variables
  ... --job_name=worker --task_index=0      # the chief: init/restore, saves
  ... --job_name=worker --task_index=1

With ``--sync_replicas`` (the default), ``SyncReplicasOptimizer`` averages
one gradient from every worker into each update, so a step of N workers on
batches of B is one step on their N*B examples. Without it, workers update
the variables asynchronously (Hogwild-style, as TF1 did). Worker ``i`` of
``N`` at global step ``s`` trains on the batch a single process would have
seen at step ``s*N + i``: each worker reads its own shard. (A model whose
batches carry state from one to the next, text8_lstm, shards by rows
instead: ``TrainTask.sharded_feed``.)

Every TF1 model trains this way (char_rnn, text8_lstm, word2vec, seq2seq's
legacy and dynamic models, next_char's tf1 twin): its ``train(config,
cluster=...)`` calls ``start`` and ``run``, and its graph builder takes a
``Replication``.

Only the chief (worker 0) initialises or restores the variables, writes
``run.json``, checkpoints (every ``checkpoint_every`` steps and at the end)
and TensorBoard scalars; the checkpoint has the single-process run's
variables under the same names, so a distributed run resumes or samples in
one process and the other way round. A worker that dies can be started
again with the same flags; it rejoins the running cluster.
"""

import contextlib
import dataclasses
import math
import socket
import threading
import time
from typing import Optional, Sequence

import numpy as np
import tensorflow as tf

from tf1_models import training
from tf1_models.errors import TrainingDiverged, UserError

v1 = tf.compat.v1

JOBS = ("ps", "worker")


@dataclasses.dataclass
class Cluster:
  """This process's place in a cluster (the classic TF1 flags)."""
  ps_hosts: Sequence[str]
  worker_hosts: Sequence[str]
  job_name: str
  task_index: int
  sync_replicas: bool = True

  @classmethod
  def from_flags(cls, ps_hosts, worker_hosts, job_name, task_index,
                 sync_replicas=True) -> Optional["Cluster"]:
    """None for a single-process run (no hosts given); else a checked
    ``Cluster`` (a one-line ``UserError`` for bad values)."""
    ps = [h.strip() for h in ps_hosts.split(",") if h.strip()]
    workers = [h.strip() for h in worker_hosts.split(",") if h.strip()]
    if not ps and not workers and not job_name:
      return None
    if not ps or not workers:
      raise UserError("a distributed run needs both --ps_hosts and "
                      "--worker_hosts (comma-separated host:port lists)")
    for host in ps + workers:
      name, _, port = host.rpartition(":")
      if not name or not port.isdigit():
        raise UserError("bad host %r in --ps_hosts/--worker_hosts; write "
                        "host:port" % host)
    if job_name not in JOBS:
      raise UserError("--job_name must be ps or worker in a distributed "
                      "run, got %r" % job_name)
    count = len(ps) if job_name == "ps" else len(workers)
    if not 0 <= task_index < count:
      raise UserError("--task_index=%d is out of range: there are %d %s "
                      "hosts" % (task_index, count, job_name))
    return cls(tuple(ps), tuple(workers), job_name, task_index,
               sync_replicas)

  @property
  def num_workers(self):
    return len(self.worker_hosts)

  @property
  def is_chief(self):
    return self.job_name == "worker" and self.task_index == 0

  def spec(self):
    return tf.train.ClusterSpec({"ps": list(self.ps_hosts),
                                 "worker": list(self.worker_hosts)})

  def describe(self):
    return "%s %d of %d ps + %d workers (%s)" % (
        self.job_name, self.task_index, len(self.ps_hosts),
        self.num_workers, "synchronous" if self.sync_replicas else
        "asynchronous")


def free_local_hosts(n):
  """``n`` ``localhost:port`` addresses with ports free right now (for
  tests and benchmarks that start a cluster on one machine)."""
  socks = [socket.socket() for _ in range(n)]
  try:
    for s in socks:
      s.bind(("localhost", 0))
    return ["localhost:%d" % s.getsockname()[1] for s in socks]
  finally:
    for s in socks:
      s.close()


def start_server(cluster):
  """This process's ``tf.compat.v1.train.Server``."""
  config = v1.ConfigProto(device_filters=(
      ["/job:ps", "/job:worker/task:%d" % cluster.task_index]
      if cluster.job_name == "worker" else None))
  try:
    return v1.train.Server(cluster.spec(), job_name=cluster.job_name,
                           task_index=cluster.task_index, config=config)
  except (tf.errors.UnknownError, tf.errors.InternalError) as e:
    raise UserError("cannot start the %s server on %s: %s" % (
        cluster.job_name, (cluster.ps_hosts if cluster.job_name == "ps" else
                           cluster.worker_hosts)[cluster.task_index],
        str(e).strip().split("\n")[0]))


class Replication(object):
  """What one worker's graph needs: variable placement and the optimizer.

  Build the graph inside ``placement()`` and pass every optimizer through
  ``optimizer()``; ``hooks()`` then returns the session hooks it needs.
  ``replication=None`` in a model's builder means a single process.
  """

  def __init__(self, cluster):
    self.cluster = cluster
    self._sync = None
    self._release = None

  def placement(self):
    return v1.device(v1.train.replica_device_setter(
        worker_device="/job:worker/task:%d" % self.cluster.task_index,
        cluster=self.cluster.spec()))

  def worker_local(self):
    """Build variables each worker keeps for itself (e.g. an RNN state
    carried from batch to batch) inside this: they stay on this worker
    instead of going to a ps task. Create them in ``LOCAL_VARIABLES`` and
    list them in the task's ``worker_state`` (see ``train``)."""
    return v1.device("/job:worker/task:%d" % self.cluster.task_index)

  def optimizer(self, optimizer):
    if not self.cluster.sync_replicas:
      return optimizer
    if self._sync is not None:
      raise ValueError("one optimizer per replicated graph")
    self._sync = _SyncOptimizer(optimizer, self.cluster.num_workers)
    return self._sync

  def clipping_optimizer(self, optimizer, clip_norm):
    """``optimizer(optimizer)`` for a model that clips its gradients by
    their global norm ``clip_norm``: ``(optimizer, clip_here)``.

    Synchronously, the average of the workers' gradients is clipped inside
    the update the chief applies (``_ClipInUpdate``), so a step is one
    process's clipped step on all the workers' examples together, also
    above the clip; the worker then sends its gradient unclipped
    (``clip_here`` False). Asynchronously each worker's update is its own
    batch's, clipped by the worker as one process clips (``clip_here``
    True)."""
    if not self.cluster.sync_replicas:
      return self.optimizer(optimizer), True
    return self.optimizer(_ClipInUpdate(optimizer, clip_norm)), False

  def hooks(self):
    """The session hooks (call in the graph, before the session starts).

    No token is handed out before the first update, so that update holds
    exactly one gradient from every worker. Later, as in TF1, the tokens
    released after each update go to whichever workers ask first.
    """
    if self._sync is None:
      return []
    if self.cluster.is_chief:
      self._release = self._sync.sync.get_init_tokens_op(
          num_tokens=self.cluster.num_workers)
    return [self._sync.sync.make_session_run_hook(self.cluster.is_chief,
                                                  num_tokens=0)]

  def release_workers(self, session):
    """Chief, at the end: hand every worker a token, so none stays blocked
    waiting for an update that will not come."""
    if self._sync is not None and self.cluster.is_chief:
      session.run(self._release)

  def batch_index(self, count):
    """The single-process batch of this worker's ``count``-th step: worker
    ``i`` of ``N`` takes batches ``i, i+N, i+2N, ...``."""
    return count * self.cluster.num_workers + self.cluster.task_index


def _dense(gradient):
  """A sparse (``IndexedSlices``) gradient made dense.

  ``SyncReplicasOptimizer`` sends a sparse gradient (an embedding's) to a
  sparse accumulator, whose average is not the one a single process takes
  over the workers' batches together (measured on char_rnn: 155 of 992
  embedding values differed after one step); a dense accumulator averages
  over the workers, so a synchronous step equals the single-process step on
  all the workers' examples. The cost: an embedding's whole gradient crosses
  the network each step.
  """
  if isinstance(gradient, tf.IndexedSlices):
    return tf.convert_to_tensor(gradient)
  return gradient


class _SyncOptimizer(object):
  """``optimizer`` under ``SyncReplicasOptimizer``, with dense gradients
  (``_dense``) and room for several update ops over the same variables.

  A model with one update op per input shape (seq2seq's buckets) calls
  ``apply_gradients`` once per bucket. The first call builds the
  ``SyncReplicasOptimizer`` as usual: one accumulator per variable on its ps
  task, the token queue, and the chief's queue runner that takes
  ``num_workers`` gradients from every accumulator and applies one update.
  Each later call only pushes its gradients into those same accumulators
  and waits on the same token queue (TF shares them by name on the ps:
  ``<variable>/grad_accum``, ``sync_token_q``). So there is one set of
  accumulators and one update per global step, averaging one gradient from
  each worker, whichever bucket each worker ran; every update op must
  produce a gradient for the same variables.
  """

  def __init__(self, optimizer, num_workers):
    self._optimizer = optimizer
    self.sync = v1.train.SyncReplicasOptimizer(
        optimizer, replicas_to_aggregate=num_workers,
        total_num_replicas=num_workers)
    self._variables = None

  def compute_gradients(self, *args, **kwargs):
    return self._optimizer.compute_gradients(*args, **kwargs)

  def minimize(self, loss, global_step=None, var_list=None, name=None,
               **kwargs):
    return self.apply_gradients(
        self.compute_gradients(loss, var_list=var_list, **kwargs),
        global_step=global_step, name=name)

  def apply_gradients(self, grads_and_vars, global_step=None, name=None):
    pairs = [(_dense(g), v) for g, v in grads_and_vars]
    with_gradient = [v.name for g, v in pairs if g is not None]
    if self._variables is None:
      self._variables = with_gradient
      return self.sync.apply_gradients(pairs, global_step=global_step,
                                       name=name)
    if with_gradient != self._variables:
      raise ValueError("every update op of a synchronous replicated graph "
                       "needs gradients for the same variables")
    local_step = self.sync._local_step  # pylint: disable=protected-access
    pushes = []
    for g, v in pairs:
      if g is None:
        continue
      with tf.device(v.device):
        accumulator = v1.ConditionalAccumulator(
            g.dtype, shape=v.get_shape(), shared_name=v.name + "/grad_accum")
        pushes.append(accumulator.apply_grad(g, local_step=local_step))
    with tf.device(global_step.device), tf.control_dependencies(pushes):
      tokens = v1.FIFOQueue(-1, global_step.dtype.base_dtype, shapes=(),
                            shared_name="sync_token_q")
      return v1.assign(local_step, tokens.dequeue()).op

  def __getattr__(self, name):
    return getattr(self._optimizer, name)


class _ClipInUpdate(object):
  """``optimizer`` whose ``apply_gradients`` first clips the gradients by
  their global norm (what ``SyncReplicasOptimizer`` wraps: it clips the
  averaged gradient). A norm over a dense gradient: an embedding's
  ``IndexedSlices`` gradient, which one process clips with every repeated
  row counted apart, arrives here already summed (``_dense``), so a model
  with an embedding clips slightly differently from one process."""

  def __init__(self, optimizer, clip_norm):
    self._optimizer = optimizer
    self._clip_norm = clip_norm

  def apply_gradients(self, grads_and_vars, global_step=None, name=None):
    grads, variables = zip(*grads_and_vars)
    clipped, _ = tf.clip_by_global_norm(grads, self._clip_norm)
    return self._optimizer.apply_gradients(
        zip(clipped, variables), global_step=global_step, name=name)

  def __getattr__(self, name):
    return getattr(self._optimizer, name)


def placement(replication):
  """``replication.placement()``, or no placement for a single process."""
  if replication is None:
    return contextlib.nullcontext()
  return replication.placement()


def wrap_optimizer(replication, optimizer):
  return optimizer if replication is None else replication.optimizer(
      optimizer)


def _quiet_queue_runners():
  """When the chief's session closes, its token queue-runner thread ends
  with a ``CancelledError``, possibly after ``train`` returns; that is the
  normal end, not worth a traceback on stderr. Installed once per process;
  every other thread exception still reaches the previous hook."""
  previous = threading.excepthook
  if getattr(previous, "quiet_queue_runners", False):
    return

  def hook(args):
    if not (args.thread is not None and
            args.thread.name.startswith("QueueRunnerThread") and
            issubclass(args.exc_type, tf.errors.CancelledError)):
      previous(args)

  hook.quiet_queue_runners = True
  threading.excepthook = hook


class _NanLossHook(v1.train.SessionRunHook):
  """Stop with ``NanLossDuringTrainingError`` when the step's ``"loss"``
  fetch is not finite, whichever loss that is (a model with one loss per
  bucket fetches another each step). Listed before the chief's checkpoint
  hook, so a NaN step is never saved."""

  def before_run(self, run_context):
    fetches = run_context.original_args.fetches
    if isinstance(fetches, dict) and "loss" in fetches:
      return v1.train.SessionRunArgs(fetches["loss"])
    return None

  def after_run(self, run_context, run_values):
    if run_values.results is not None and not math.isfinite(
        float(run_values.results)):
      raise v1.train.NanLossDuringTrainingError


def _initialize_if_missing(variable):
  """Initialise ``variable`` unless it already holds a value (restored)."""
  def initialize():
    with tf.control_dependencies([variable.assign(variable.initial_value)]):
      return tf.constant(True)
  return tf.cond(v1.is_variable_initialized(variable),
                 lambda: tf.constant(False), initialize)


def _scaffold(saver, worker_state):
  """The session's scaffold. With ``worker_state``, the local initialisation
  fills only those of its variables that a restore did not (runs after the
  chief's restore and before its first checkpoint), so the chief keeps a
  restored state and every other worker starts from zeros."""
  if not worker_state:
    return v1.train.Scaffold(saver=saver)
  others = [v for v in v1.local_variables() if v not in worker_state]
  return v1.train.Scaffold(
      saver=saver,
      local_init_op=tf.group(v1.variables_initializer(others),
                             v1.tables_initializer(),
                             *[_initialize_if_missing(v)
                               for v in worker_state]))


def train(task, run_dir, meta, loop, replication, server):
  """Run this worker's part of a distributed training run.

  ``task`` is the model's ``TrainTask``, built with ``replication``; the
  run ends at global step ``loop.max_steps``. Returns a
  ``training.TrainResult``.

  The chief also does what one process does after a step: ``after_step``
  (given the global step, and its own batch's loss and ``extra_fetches``:
  the other workers' losses never reach it), and ``evaluate`` whenever the
  global step crosses a multiple of ``checkpoint_every`` and at the end
  (logged, written to TensorBoard, its ``metrics`` returned). The other
  workers do neither. The global step can advance by more than one between
  two of the chief's steps (asynchronous updates, or a synchronous update
  made from another worker's gradients), so ``after_step`` must act on
  crossing an interval's end rather than on landing on it.
  """
  cluster = replication.cluster
  log = loop.log
  if not isinstance(run_dir, training.RunDir):
    run_dir = training.RunDir(run_dir)
  if cluster.is_chief:
    run_dir.check_compatible(meta)
    run_dir.write_meta(meta)
  worker_state = list(task.worker_state)
  with task.graph.as_default():
    # The hooks find the step through this collection (a model that made
    # its step with tf.Variable has not put it there).
    if not v1.get_collection(v1.GraphKeys.GLOBAL_STEP):
      v1.add_to_collection(v1.GraphKeys.GLOBAL_STEP, task.global_step)
    saver = v1.train.Saver(v1.global_variables() + worker_state,
                           max_to_keep=loop.max_to_keep,
                           save_relative_paths=True)
    hooks = replication.hooks() + [
        v1.train.StopAtStepHook(last_step=loop.max_steps), _NanLossHook()]
    writer = v1.summary.FileWriter(run_dir.path) if cluster.is_chief else None
    uninitialized = v1.report_uninitialized_variables(v1.global_variables())
    scaffold = _scaffold(saver, worker_state)
  config = v1.ConfigProto(device_filters=[
      "/job:ps", "/job:worker/task:%d" % cluster.task_index])
  log("%s: training to global step %d in %s" % (
      cluster.describe(), loop.max_steps, run_dir.path))
  if not cluster.is_chief:
    # MonitoredTrainingSession's own check for the chief's variables sleeps
    # 30 s between tries; poll more often, so a worker starts promptly.
    with v1.Session(server.target, graph=task.graph, config=config) as sess:
      while sess.run(uninitialized).size:
        time.sleep(0.2)
  step = start = 0
  loss = float("nan")
  metrics = {}
  hook_writer = False
  window_start, window_steps, window_loss = time.time(), 0, 0.0
  try:
    _quiet_queue_runners()
    with task.graph.as_default(), v1.train.MonitoredTrainingSession(
        master=server.target, is_chief=cluster.is_chief,
        checkpoint_dir=run_dir.path, scaffold=scaffold,
        hooks=hooks, save_checkpoint_steps=loop.checkpoint_every,
        save_summaries_steps=None, save_summaries_secs=None,
        log_step_count_steps=None, config=config,
        # The chief's aggregation thread waits for gradients that no longer
        # come; it is a daemon thread, so give up on it quickly.
        stop_grace_period_secs=2) as sess:
      # The chief's checkpoint hook writes the graph through TF's cached
      # writer for this folder (flushed below, or a reader of the folder
      # can meet a half-written record).
      hook_writer = cluster.is_chief
      # Outside the hooks (their fetches need a batch's feeds): the raw
      # session.
      def raw(fn):
        return sess.run_step_fn(lambda step_context: fn(step_context.session))

      def evaluate(at):
        found = raw(task.evaluate)
        writer.add_summary(training.summary(found), at)
        log("eval at step %d: %s" % (at, ", ".join(
            "%s %.4f" % kv for kv in sorted(found.items()))))
        return found

      step = start = int(raw(lambda s: s.run(task.global_step)))
      count = start  # this worker's own steps, for its shard of batches
      while step < loop.max_steps and not sess.should_stop():
        batch = count if task.sharded_feed else replication.batch_index(
            count)
        fetches = {"loss": task.loss, "train_op": task.train_op}
        if cluster.is_chief:
          fetches.update(task.extra_fetches)
        if task.step_fetches is not None:
          fetches.update(task.step_fetches(batch))
        out = sess.run(fetches, feed_dict=task.feed(batch))
        count += 1
        loss = float(out["loss"])
        previous, step = step, int(raw(lambda s: s.run(task.global_step)))
        window_steps += 1
        window_loss += loss
        if writer is not None:  # the chief: as one process writes them
          scalars = {"loss": loss}
          scalars.update({k: float(out[k]) for k in task.extra_fetches
                          if np.ndim(out[k]) == 0})
          writer.add_summary(training.summary(scalars), step)
        # The chief's after-step work, as one process does it (on its own
        # batches' losses); evaluation when a checkpoint interval is crossed.
        if cluster.is_chief and task.after_step is not None:
          raw(lambda s, at=step, got=out: task.after_step(s, at, got))
        if (cluster.is_chief and task.evaluate is not None and
            step < loop.max_steps and step // loop.checkpoint_every >
            previous // loop.checkpoint_every):
          metrics = evaluate(step)
        if count % loop.log_every == 0 or step >= loop.max_steps:
          elapsed = time.time() - window_start
          log("%s %d: step %d/%d  loss %.4f  %s/s %.0f" % (
              cluster.job_name, cluster.task_index, step, loop.max_steps,
              window_loss / window_steps, task.unit,
              window_steps * task.symbols_per_step / max(elapsed, 1e-9)))
          window_start, window_steps, window_loss = time.time(), 0, 0.0
      if cluster.is_chief and task.evaluate is not None and step > start:
        metrics = evaluate(step)
      raw(replication.release_workers)
  except v1.train.NanLossDuringTrainingError:
    raise TrainingDiverged(
        "loss became NaN after global step %s; the chief saved nothing "
        "from that step; lower --learning_rate and rerun" % step)
  finally:
    if writer is not None:
      writer.close()
    if hook_writer:
      v1.summary.FileWriterCache.get(run_dir.path).flush()
  if cluster.is_chief:
    run_dir.write_meta(dict(meta, step=step))
    log("saved %s" % run_dir.latest_checkpoint())
  return training.TrainResult(step=step, loss=loss, metrics=metrics,
                              interrupted=False, resumed_from=start)


def start(cluster, log=print):
  """A model's ``train(config, cluster=...)`` calls this first: ``(server,
  replication)`` for a worker, ``(None, None)`` for a single process. A ps
  task serves the variables here and never returns."""
  if cluster is None:
    return None, None
  server = start_server(cluster)
  if cluster.job_name == "ps":
    serve_parameters(server, cluster, log)
  return server, Replication(cluster)


def hold(run_dir, replication):
  """``run_dir.hold()`` (the one-writer lock, taken before anything is read)
  for a single process; the workers of a distributed run share the folder,
  so none is taken (the chief alone writes it)."""
  return run_dir.hold() if replication is None else contextlib.nullcontext()


def run(task, run_dir, meta, loop, replication, server):
  """``training.train`` in one process, else this worker's ``train``."""
  if replication is None:
    return training.train(task, run_dir, meta, loop)
  return train(task, run_dir, meta, loop, replication, server)


def serve_parameters(server, cluster, log=print):
  """A ps task: serve the variables until the process is killed."""
  log("%s: serving variables on %s" % (cluster.describe(),
                                       cluster.ps_hosts[cluster.task_index]))
  server.join()
