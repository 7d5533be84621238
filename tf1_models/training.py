"""The training loop every TF1 model in this project shares.

A model builds its graph and hands the loop a ``TrainTask``: the loss, the
train op, the global step and a ``feed(step)`` function that returns the
batch for a given global step (so a resumed run continues with the very batch
it would have seen). The loop owns everything else:

* a run directory (``--checkpoint_dir``): checkpoints plus ``run.json`` with
  the model name, the config keys that define the graph, and the vocabulary.
  Before anything is restored or written, ``run.json`` is compared with the
  new run; a mismatch is a one-line ``CheckpointMismatchError``.
* resume from the latest checkpoint (step and epoch continue),
* a checkpoint every ``checkpoint_every`` steps, at the end, and on Ctrl-C
  (the first Ctrl-C finishes the current step and saves; a second one aborts),
* a NaN/inf guard: the run stops with ``TrainingDiverged`` and saves nothing
  from the bad step, so the last good checkpoint stays the latest,
* TensorBoard scalars (``loss``, anything in ``extra_fetches``, evaluation
  metrics) in the run directory,
* a progress line: step, epoch, loss, symbols/second, ETA.
"""

import contextlib
import dataclasses
import fcntl
import json
import math
import os
import signal
import sys
import threading
import time
from typing import Callable, Dict, Optional

import numpy as np
import tensorflow as tf

import compat
from tf1_models import files
from tf1_models.errors import (CheckpointDamagedError, CheckpointMismatchError,
                               RunDirError, TrainingDiverged)

v1 = tf.compat.v1

RUN_FILE = "run.json"
CHECKPOINT_PREFIX = "model.ckpt"
STATE_FILE = "checkpoint"
LOCK_FILE = ".lock"

_WARNED = set()  # damaged checkpoints already reported in this process
_HELD_LOCKS = {}  # abspath -> fd of run dirs this process holds


def _warn(line):
  print(line, file=sys.stderr)


def _step_of(prefix):
  tail = prefix.rsplit("-", 1)[-1]
  return int(tail) if tail.isdigit() else -1


def checkpoint_problem(prefix):
  """None if every tensor of checkpoint ``prefix`` reads back (shards
  present, lengths and checksums right), else a short reason."""
  try:
    reader = tf.train.load_checkpoint(prefix)
    for name in reader.get_variable_to_shape_map():
      reader.get_tensor(name)
  except Exception as e:  # pylint: disable=broad-except
    first = (getattr(e, "message", None) or str(e) or type(e).__name__)
    return first.strip().splitlines()[0][:160]
  return None


@dataclasses.dataclass
class TrainTask:
  """What a model's graph gives the loop. All tensors live in ``graph``."""
  graph: tf.Graph
  loss: tf.Tensor
  train_op: tf.Operation
  global_step: tf.Variable
  feed: Callable[[int], dict]
  steps_per_epoch: int
  symbols_per_step: int
  extra_fetches: Dict[str, tf.Tensor] = dataclasses.field(default_factory=dict)
  evaluate: Optional[Callable[[v1.Session], Dict[str, float]]] = None
  after_step: Optional[Callable[[v1.Session, int, dict], None]] = None
  unit: str = "chars"
  # Several train ops (e.g. one per bucket): ``step_fetches(step)`` returns
  # ``{"loss": tensor, "train_op": op}`` for that global step, replacing
  # ``loss``/``train_op`` in that step's run. None: always the defaults.
  step_fetches: Optional[Callable[[int], dict]] = None
  # Distributed runs only (``tf1_models.distributed``). ``worker_state``:
  # variables each worker keeps for itself (in ``LOCAL_VARIABLES``, placed on
  # the worker, e.g. text8_lstm's carried LSTM state); the chief's are saved
  # under their single-process names. ``sharded_feed``: ``feed(n)`` already
  # returns this worker's share of the n-th single-process batch (its rows),
  # instead of the loop giving worker i of N the batches i, i+N, ...
  worker_state: tuple = ()
  sharded_feed: bool = False
  # Outputs of stateful random ops (e.g. a candidate sampler) that run
  # exactly once per training step, never elsewhere, and whose draws do not
  # depend on the fed values. A checkpoint cannot hold their state, so on
  # resume at step k the loop runs them k times (on ``feed(0)``): their
  # streams then continue as in an uninterrupted run, bit for bit.
  per_step_random: tuple = ()
  # Variables of loop-side state added after checkpoints were first written
  # (e.g. seq2seq's learning-rate plateau windows): restored when the
  # checkpoint holds them, else left at their initial values, so older run
  # directories still resume.
  optional_variables: tuple = ()


@dataclasses.dataclass
class LoopConfig:
  """How long to train and how often to log, evaluate and save."""
  max_steps: int
  checkpoint_every: int = 500
  log_every: int = 50
  eval_every: int = 0  # 0: evaluate only at checkpoints and the end
  max_to_keep: int = 3
  log: Callable[[str], None] = print


@dataclasses.dataclass
class TrainResult:
  step: int
  loss: float
  metrics: Dict[str, float]
  interrupted: bool
  resumed_from: int


def _describe(d):
  return ", ".join("%s=%s" % (k, d[k]) for k in sorted(d))


class RunDir(object):
  """A checkpoint directory and its ``run.json``.

  Relocatable: the ``checkpoint`` state file holds names relative to the
  folder, and every path read from it (also absolute ones written by older
  runs) is looked up *in this folder*, so a copied or moved run uses its own
  files. A checkpoint that does not load is skipped with one warning line;
  ``latest_checkpoint`` is the newest intact one. Writers hold an exclusive
  ``flock`` on ``.lock`` for the life of the process (the kernel drops it
  when the process dies, even by kill -9).
  """

  def __init__(self, path, warn=None):
    self.path = path
    self._warn = warn or _warn

  @property
  def meta_path(self):
    return os.path.join(self.path, RUN_FILE)

  def _local(self, recorded):
    """A path from the state file (absolute or relative), in this folder."""
    return os.path.join(self.path, os.path.basename(recorded))

  def checkpoints(self):
    """Every checkpoint prefix in the folder, oldest first: the state file's
    entries (as names in this folder) and any ``*.index`` left beside it."""
    if not os.path.isdir(self.path):
      return []
    found = []
    try:
      state = tf.train.get_checkpoint_state(self.path)
    except Exception:  # pylint: disable=broad-except  (a torn state file)
      state = None
    if state is not None:
      for p in list(state.all_model_checkpoint_paths) + [
          state.model_checkpoint_path]:
        local = self._local(p)
        if p and local not in found:
          found.append(local)
    for name in os.listdir(self.path):
      if name.endswith(".index") and ".tmp" not in name:
        local = os.path.join(self.path, name[:-len(".index")])
        if local not in found:
          found.append(local)
    found = [p for p in found if os.path.exists(p + ".index") or
             os.path.exists(p + ".data-00000-of-00001")]
    order = {p: i for i, p in enumerate(found)}
    return sorted(found, key=lambda p: (_step_of(p), order[p]))

  def latest_checkpoint(self):
    """The newest checkpoint that reads back whole, or None when there is no
    checkpoint. Damaged ones are skipped with one warning line each; raises
    ``CheckpointDamagedError`` when there are checkpoints but none loads."""
    return self.newest_intact()

  def restore(self, sess, var_list=None):
    """Restore the newest checkpoint that loads into ``sess`` (intact files
    and matching names and shapes); return its path, or None when the folder
    has no checkpoint. Skips and raises as ``latest_checkpoint``."""
    return self.newest_intact(
        lambda path: compat.restore_checkpoint(sess, path, var_list))

  def newest_intact(self, load=None, candidates=None,
                     problem_of=checkpoint_problem):
    """The newest of ``candidates`` (oldest first; default: this folder's
    TF checkpoints) that ``problem_of`` finds whole and ``load`` (if given)
    loads; damaged ones are skipped with one warning line each."""
    if candidates is None:
      candidates = self.checkpoints()
    for path in reversed(candidates):
      problem = problem_of(path)
      if problem is None and load is not None:
        try:
          load(path)
        except (compat.LegacyNameError, tf.errors.OpError) as e:
          problem = str(e).strip().splitlines()[0][:160]
      if problem is None:
        return path
      key = os.path.abspath(path)
      if key not in _WARNED:
        _WARNED.add(key)
        self._warn("warning: skipping damaged checkpoint %s (%s)" %
                   (path, problem))
    if candidates:
      raise CheckpointDamagedError(
          "no intact checkpoint in %s (%d damaged: %s); restore the folder "
          "from a copy or train into a new --checkpoint_dir" %
          (self.path, len(candidates),
           ", ".join(os.path.basename(p) for p in candidates)))
    return None

  def read_meta(self):
    if not os.path.isfile(self.meta_path):
      return None
    try:
      with open(self.meta_path, encoding="utf-8") as f:
        return json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
      raise CheckpointMismatchError(
          "%s is damaged (%s); restore it from a copy or use another "
          "--checkpoint_dir" % (self.meta_path, e))

  def lock(self):
    """Take the run directory for this process; return True if this call
    took it (False: this process already held it). Raises ``RunDirError``
    when another live process holds it or the folder is unwritable."""
    key = os.path.abspath(self.path)
    if key in _HELD_LOCKS:
      return False
    path = os.path.join(self.path, LOCK_FILE)
    try:
      os.makedirs(self.path, exist_ok=True)
      fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
      raise files.unwritable(self.path, e)
    try:
      fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
      try:
        holder = os.read(fd, 32).decode("ascii", "replace").strip()
      finally:
        os.close(fd)
      raise RunDirError(
          "another process%s is writing to %s; wait for it to finish or "
          "pass another --checkpoint_dir" %
          (" (pid %s)" % holder if holder else "", self.path))
    try:
      os.ftruncate(fd, 0)
      os.write(fd, str(os.getpid()).encode("ascii"))
    except OSError as e:
      os.close(fd)
      raise files.unwritable(self.path, e)
    _HELD_LOCKS[key] = fd
    return True

  @contextlib.contextmanager
  def hold(self):
    """``lock()`` for the ``with`` block (released after it unless this
    process held the folder already)."""
    took = self.lock()
    try:
      yield self
    finally:
      if took:
        self.unlock()

  def unlock(self):
    fd = _HELD_LOCKS.pop(os.path.abspath(self.path), None)
    if fd is not None:
      os.close(fd)

  def write_meta(self, meta):
    self.lock()
    files.write_json(self.meta_path, meta, indent=1)

  def write_state(self, checkpoints):
    """The ``checkpoint`` state file, names relative to this folder, newest
    last (what ``tf.train.latest_checkpoint`` of TF1 and TF2 reads)."""
    names = [os.path.basename(p) for p in checkpoints]
    lines = ["model_checkpoint_path: %s" % json.dumps(names[-1])]
    lines += ["all_model_checkpoint_paths: %s" % json.dumps(n) for n in names]
    files.write_text(os.path.join(self.path, STATE_FILE),
                     "\n".join(lines) + "\n")

  def save(self, sess, saver, meta, step):
    """``run.json`` (``meta`` at ``step``), then ``saver``'s checkpoint at
    ``step``; returns the checkpoint path. Disk full or an unwritable folder
    is a ``RunDirError``; the checkpoints already there stay as they were.
    (``run.json`` is written first only when absent, so a checkpoint never
    lacks one, and otherwise after the checkpoint, so a failed save leaves
    it describing the checkpoints that exist.)"""
    if not os.path.isfile(self.meta_path):
      self.write_meta(dict(meta, step=step))
    self.lock()
    try:
      path = saver.save(sess, os.path.join(self.path, CHECKPOINT_PREFIX),
                        global_step=step)
    except (OSError, ValueError, tf.errors.OpError) as e:
      raise files.unwritable(self.path, e)
    # The Saver's own rotation (max_to_keep) ran inside save(); write the
    # state it now keeps, relative.
    self.write_state(saver.last_checkpoints or [path])
    self.write_meta(dict(meta, step=step))
    return path

  def check_compatible(self, meta):
    """Raise ``CheckpointMismatchError`` if the saved run differs in model,
    graph-defining config or vocabulary from ``meta``."""
    old = self.read_meta()
    if old is None:
      if self.latest_checkpoint():
        raise CheckpointMismatchError(
            "%s holds a checkpoint but no %s, so its model and vocabulary "
            "cannot be checked; use another --checkpoint_dir" %
            (self.path, RUN_FILE))
      return
    if old.get("model") != meta["model"]:
      raise CheckpointMismatchError(
          "%s holds a %s checkpoint, not %s; use another --checkpoint_dir" %
          (self.path, old.get("model"), meta["model"]))
    old_cfg, new_cfg = old.get("config", {}), meta.get("config", {})
    diff = sorted(k for k in set(old_cfg) | set(new_cfg)
                  if old_cfg.get(k) != new_cfg.get(k))
    if diff:
      raise CheckpointMismatchError(
          "%s was trained with %s but this run asks for %s; pass the same "
          "flags or use another --checkpoint_dir" %
          (self.path, _describe({k: old_cfg.get(k) for k in diff}),
           _describe({k: new_cfg.get(k) for k in diff})))
    if old.get("vocab") != meta.get("vocab"):
      raise CheckpointMismatchError(
          "%s was trained on another vocabulary (%d symbols; this corpus has "
          "%d); use the same corpus or another --checkpoint_dir" %
          (self.path, len(old.get("vocab") or []),
           len(meta.get("vocab") or [])))

  def load_for_inference(self, model):
    """``run.json`` and the latest checkpoint, for sampling without a corpus."""
    ckpt = self.latest_checkpoint()
    meta = self.read_meta()
    if ckpt is None or meta is None:
      raise CheckpointMismatchError(
          "no trained checkpoint in %s; train first (--mode=train) or pass "
          "the --checkpoint_dir of a trained run" % self.path)
    if meta.get("model") != model:
      raise CheckpointMismatchError(
          "%s holds a %s checkpoint, not %s; use another --checkpoint_dir" %
          (self.path, meta.get("model"), model))
    return meta, ckpt


class StopFlag(object):
  """First Ctrl-C (or SIGTERM, as schedulers and ``docker stop`` send) asks
  the loop to stop after this step and save; a second one aborts."""

  def __init__(self):
    self.requested = False
    self._previous = None

  def __enter__(self):
    if threading.current_thread() is threading.main_thread():
      self._previous = {s: signal.signal(s, self._handle)
                        for s in (signal.SIGINT, signal.SIGTERM)}
    return self

  def _handle(self, signum, frame):
    if self.requested:
      raise KeyboardInterrupt
    self.requested = True

  def __exit__(self, *exc):
    for signum, handler in (self._previous or {}).items():
      signal.signal(signum, handler)


def _restore(sess, task, run_dir):
  """``run_dir.restore`` of every variable, ``task.optional_variables``
  only when the checkpoint has them; the checkpoint's path or None."""
  if not task.optional_variables:
    return run_dir.restore(sess)
  optional = {v.op.name for v in task.optional_variables}
  ckpt = run_dir.restore(sess, [
      v for v in task.graph.get_collection(v1.GraphKeys.GLOBAL_VARIABLES)
      if v.op.name not in optional])
  if ckpt:
    have = tf.train.load_checkpoint(ckpt).get_variable_to_shape_map()
    present = [v for v in task.optional_variables if v.op.name in have]
    if present:
      compat.restore_checkpoint(sess, ckpt, present)
  return ckpt


def _advance_random(sess, task, steps):
  """Run ``task.per_step_random`` ``steps`` times (see ``TrainTask``)."""
  feed = task.feed(0)
  run = sess.make_callable(list(task.per_step_random), list(feed))
  values = list(feed.values())
  for _ in range(steps):
    run(*values)


def _fmt_duration(seconds):
  seconds = int(max(0, seconds))
  if seconds >= 3600:
    return "%dh%02dm" % (seconds // 3600, seconds % 3600 // 60)
  if seconds >= 60:
    return "%dm%02ds" % (seconds // 60, seconds % 60)
  return "%ds" % seconds


def summary(values):
  """A TensorBoard ``Summary`` of the scalars in ``values`` (name -> number)."""
  return v1.Summary(value=[v1.Summary.Value(tag=k, simple_value=float(v))
                           for k, v in values.items()])


def train(task, run_dir, meta, loop):
  """Train ``task`` until ``loop.max_steps``, resuming from ``run_dir``.

  Args:
    task: a ``TrainTask``.
    run_dir: a ``RunDir`` (or path).
    meta: ``{"model": name, "config": {graph-defining keys}, "vocab": [...]}``
      plus any informational keys; saved as ``run.json``.
    loop: a ``LoopConfig``.

  Returns:
    A ``TrainResult``.
  """
  if not isinstance(run_dir, RunDir):
    run_dir = RunDir(run_dir)
  with run_dir.hold():
    return _train(task, run_dir, meta, loop)


def _train(task, run_dir, meta, loop):
  run_dir.check_compatible(meta)
  log = loop.log
  with task.graph.as_default():
    saver = v1.train.Saver(max_to_keep=loop.max_to_keep,
                           save_relative_paths=True)
    init = v1.global_variables_initializer()
  with v1.Session(graph=task.graph) as sess:
    sess.run(init)
    ckpt = _restore(sess, task, run_dir)
    # max_to_keep counts the checkpoints earlier runs left (oldest deleted
    # first), so a crash loop cannot fill the disk.
    saver.recover_last_checkpoints(run_dir.checkpoints())
    start = int(sess.run(task.global_step))
    if ckpt:
      log("resumed from %s at step %d (epoch %d)" %
          (ckpt, start, start // max(1, task.steps_per_epoch) + 1))
    if start and task.per_step_random:
      t0 = time.time()
      _advance_random(sess, task, start)
      log("replayed %d random op(s) for %d steps in %.1f s, so the draws "
          "continue as in an uninterrupted run" %
          (len(task.per_step_random), start, time.time() - t0))
    writer = v1.summary.FileWriter(run_dir.path,
                                   graph=None if ckpt else task.graph)

    def save(step):
      path = run_dir.save(sess, saver, meta, step)
      writer.flush()
      return path

    def evaluate(step):
      if task.evaluate is None:
        return {}
      metrics = task.evaluate(sess)
      writer.add_summary(summary(metrics), step)
      log("eval at step %d: %s" % (step, ", ".join(
          "%s %.4f" % kv for kv in sorted(metrics.items()))))
      return metrics

    fetches = {"loss": task.loss, "train_op": task.train_op}
    fetches.update(task.extra_fetches)
    step, loss, metrics = start, float("nan"), {}
    interrupted = False
    window_start, window_steps, window_loss = time.time(), 0, 0.0
    total = max(loop.max_steps, start)
    if start >= loop.max_steps:
      log("already trained to step %d (max_steps %d): nothing to do" %
          (start, loop.max_steps))
    with StopFlag() as stop:
      while step < loop.max_steps:
        step_fetches = fetches
        if task.step_fetches is not None:
          step_fetches = dict(fetches, **task.step_fetches(step))
        out = sess.run(step_fetches, feed_dict=task.feed(step))
        loss = float(out["loss"])
        if not math.isfinite(loss):
          raise TrainingDiverged(
              "loss became %s at step %d; nothing from this step was saved "
              "and the last checkpoint in %s is intact; lower "
              "--learning_rate and rerun" % (loss, step + 1, run_dir.path))
        step += 1  # train_op increments global_step by exactly one
        window_steps += 1
        window_loss += loss
        scalars = {"loss": loss}
        scalars.update({k: float(out[k]) for k in task.extra_fetches
                        if np.ndim(out[k]) == 0})
        writer.add_summary(summary(scalars), step)
        if task.after_step is not None:
          task.after_step(sess, step, out)
        done = step >= loop.max_steps
        if loop.eval_every and step % loop.eval_every == 0 and not done:
          metrics = evaluate(step)
        if step % loop.log_every == 0 or done or stop.requested:
          elapsed = time.time() - window_start
          rate = window_steps * task.symbols_per_step / max(elapsed, 1e-9)
          eta = (total - step) * elapsed / max(window_steps, 1)
          extra = "".join(" %s %.4g" % (k, scalars[k])
                          for k in sorted(scalars) if k != "loss")
          log("step %d/%d  epoch %d  loss %.4f%s  %s/s %.0f  ETA %s" %
              (step, total, (step - 1) // max(1, task.steps_per_epoch) + 1,
               window_loss / window_steps, extra, task.unit, rate,
               _fmt_duration(eta)))
          window_start, window_steps, window_loss = time.time(), 0, 0.0
        if stop.requested:
          interrupted = True
          metrics = evaluate(step)
          log("interrupted: saved %s" % save(step))
          break
        if step % loop.checkpoint_every == 0 and not done:
          metrics = evaluate(step)
          save(step)
    if not interrupted and step > start:
      metrics = evaluate(step)
      log("saved %s" % save(step))
    elif not interrupted and task.evaluate is not None and ckpt:
      metrics = evaluate(step)
    writer.close()
  return TrainResult(step=step, loss=loss, metrics=metrics,
                     interrupted=interrupted, resumed_from=start)
