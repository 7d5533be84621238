"""python -m tf1_models.scaling: what a distributed step moves, per model.

For every TF1 model that trains across processes (``tf1_models.distributed``)
this builds the single-process training graph of a preset (default
``default``) and prints the bytes one worker moves per step, derived from
the graph: for each trainable variable, the gradient of the training loss
(``tf.gradients``, evaluated on the first batch) says what the step reads
and sends.

* pulled: a variable with a dense gradient is read whole from the ps; one
  with a sparse gradient (``IndexedSlices``: an embedding lookup, a sampled
  softmax's rows) is gathered on the ps (``embedding_lookup`` runs beside
  its variable) and the gathered rows cross the network, one per index of
  the gradient, repeated ids included (so a lookup of many ids in a small
  table can move more than the table).
* pushed, synchronous (``--sync_replicas``, the default): every gradient is
  sent dense (sparse ones are densified before ``SyncReplicasOptimizer``, see
  ``distributed._dense``), i.e. the variable's full size.
* pushed, asynchronous (``--nosync_replicas``): a sparse gradient is sent as
  its rows plus their int indices.

Optimizer slots (Adam, Adagrad) live and are updated on the ps and do not
cross the network; the global step and the token queue are a few bytes.
seq2seq is measured on its largest bucket.

``--measure=char_rnn,word2vec,...`` also trains each named model for
``--steps`` global steps in one process and then with 1 ps + 2 synchronous
workers on localhost (subprocesses), and prints the steps/s of each, timed
between the first and the last step the process logs (start-up excluded).
"""

import dataclasses
import os
import re
import subprocess
import sys
import tempfile
import time

from absl import app, flags

from tf1_models import distributed

# The models and what the measurement passes to their CLI (every step
# logged, no checkpoint or evaluation in between, the least work after).
MODELS = {
    "char_rnn": ["--checkpoint_every=100000", "--log_every=1", "--length=1"],
    "next_char": ["--impl=tf1", "--checkpoint_every=100000", "--log_every=1",
                  "--length=1", "--val_fraction=0"],
    "word2vec": ["--checkpoint_every=100000", "--log_every=1",
                 "--neighbours_every=100000"],
    "seq2seq": ["--steps_per_checkpoint=100000", "--log_every=1",
                "--max_held_out=1"],
    # One process logs a step with the notebook's summary, which scores the
  # validation text one character per run: keep it short when timing.
  "text8_lstm": ["--checkpoint_every=100000", "--summary_frequency=1",
                 "--sample_every=0", "--num_samples=1", "--length=1",
                 "--valid_size=20"],
}

LINK_BITS_PER_SECOND = 1e9


def build(model, preset, log):
  """``(config, TrainTask)`` of ``model``'s single-process training graph."""
  # pylint: disable=import-outside-toplevel
  if model == "char_rnn":
    from tf1_models.char_rnn import config as config_lib, runner
    config = config_lib.preset(preset)
    fmt, data = runner.load_data(config, log)
    return config, runner.build_train_task(config, fmt, data)[0]
  if model == "next_char":
    from tf1_models.next_char import config as config_lib, runner
    config = config_lib.preset(preset, impl="tf1")
    return config, runner.build_train_task(config, runner.load_data(config,
                                                                    log))
  if model == "word2vec":
    from tf1_models.word2vec import config as config_lib, runner
    config = config_lib.preset(preset)
    dataset = runner.load_data(config, log)
    valid = runner.valid_examples(config, len(dataset.vocab))
    return config, runner.build_train_task(config, dataset, valid, log)[0]
  if model == "seq2seq":
    from tf1_models.seq2seq import config as config_lib, runner
    config = config_lib.preset(preset)
    buckets = runner.buckets_of(config)
    data = runner.load_data(config, buckets, log)
    return config, runner.build_train_task(config, buckets, data, log)[0]
  if model == "text8_lstm":
    from tf1_models.text8_lstm import config as config_lib, runner
    config = config_lib.preset(preset)
    return config, runner.build_train_task(config, runner.load_data(
        config, log), log)[0]
  raise ValueError("unknown model %r; choose from %s" % (model,
                                                          ", ".join(MODELS)))


@dataclasses.dataclass
class Traffic:
  """Bytes one worker moves per step."""
  parameters: int
  pulled: int
  pushed_sync: int
  pushed_async: int
  sparse: list  # names of the variables with a sparse gradient

  @property
  def sync_total(self):
    return self.pulled + self.pushed_sync


def traffic(task):
  """``Traffic`` of one step of ``task`` (a single-process ``TrainTask``)."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  v1 = tf.compat.v1
  with task.graph.as_default():
    variables = v1.trainable_variables()
    grads = tf.gradients(task.loss, variables)
    rows = {v.op.name: tf.size(g.indices)
            for g, v in zip(grads, variables)
            if isinstance(g, tf.IndexedSlices)}
    init = v1.global_variables_initializer()
  feed = task.feed(0)
  if task.step_fetches is not None:  # seq2seq: the loss is the last bucket's
    feed = next(task.feed(s) for s in range(1000)
                if task.step_fetches(s)["loss"] is task.loss)
  with v1.Session(graph=task.graph) as sess:
    sess.run(init)
    rows = sess.run(rows, feed) if rows else {}
  out = Traffic(0, 0, 0, 0, sorted(rows))
  for g, v in zip(grads, variables):
    size = int(np.prod(v.shape.as_list())) * v.dtype.base_dtype.size
    out.parameters += int(np.prod(v.shape.as_list()))
    if g is None:
      continue
    out.pushed_sync += size
    if v.op.name in rows:
      row = size // max(1, v.shape.as_list()[0])
      sent = int(rows[v.op.name]) * row
      out.pulled += sent
      out.pushed_async += sent + int(rows[v.op.name]) * 4  # int32 ids
    else:
      out.pulled += size
      out.pushed_async += size
  return out


def _mb(n):
  return "%.2f MB" % (n / 1e6) if n >= 1e5 else "%.1f kB" % (n / 1e3)


def report(model, preset, t):
  link_ms = 8 * t.sync_total / LINK_BITS_PER_SECOND * 1e3
  return ("%-10s --config=%s: %d parameters; per worker per step: pulled %s, "
          "pushed %s synchronous (dense) / %s asynchronous; %s in all "
          "(sync), %.1f ms at 1 Gbit/s%s" % (
              model, preset, t.parameters, _mb(t.pulled), _mb(t.pushed_sync),
              _mb(t.pushed_async), _mb(t.sync_total), link_ms,
              "; sparse gradients: " + ", ".join(t.sparse) if t.sparse
              else ""))


def _command(model, preset, run_dir, steps, *extra):
  return [sys.executable, "-m", "tf1_models." + model, "--config=" + preset,
          "--checkpoint_dir=" + run_dir, "--max_steps=%d" % steps
          ] + MODELS[model] + list(extra)


def _steps_per_second(proc):
  """Global steps/s between the first and the last step ``proc`` logs."""
  seen = []
  for line in proc.stdout:
    step = re.match(r"(?:worker \d+: )?step (\d+)/", line)
    if step:
      seen.append((time.time(), int(step.group(1))))
  proc.wait()
  if len(seen) < 2:
    raise RuntimeError("fewer than two step lines (exit %s)" %
                       proc.returncode)
  (t0, s0), (t1, s1) = seen[0], seen[-1]
  return (s1 - s0) / (t1 - t0)


def measure_single(model, preset, steps):
  with tempfile.TemporaryDirectory() as tmp:
    return _steps_per_second(subprocess.Popen(
        _command(model, preset, tmp, steps), stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True))


def measure_cluster(model, preset, steps, workers=2, sync=True):
  """Global steps/s of 1 ps + ``workers`` synchronous workers (timed on the
  chief); asynchronous (``sync=False``), every worker's update is a global
  step."""
  with tempfile.TemporaryDirectory() as tmp:
    hosts = distributed.free_local_hosts(1 + workers)
    flags_ = ["--ps_hosts=" + hosts[0], "--worker_hosts=" + ",".join(
        hosts[1:])] + ([] if sync else ["--nosync_replicas"])
    tasks = [("ps", 0)] + [("worker", i) for i in range(workers - 1, -1, -1)]
    procs = [subprocess.Popen(
        _command(model, preset, tmp, steps, *flags_, "--job_name=" + job,
                 "--task_index=%d" % i), stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True) for job, i in tasks]
    try:
      rate = _steps_per_second(procs[-1])
      for p in procs[1:-1]:
        p.wait(timeout=120)
    finally:
      for p in procs:
        if p.poll() is None:
          p.kill()
    return rate


FLAGS = flags.FLAGS


def define_flags(default_steps=40):
  flags.DEFINE_string("config", "default", "Preset of every model.")
  flags.DEFINE_list("models", list(MODELS), "Models to report.")
  flags.DEFINE_list("measure", [], "Models to time: 1 process vs 1 ps + 2 "
                    "synchronous workers on this machine.")
  flags.DEFINE_integer("steps", default_steps, "Global steps of each timed "
                       "run.")
  flags.DEFINE_boolean("asynchronous", False, "Also time 1 ps + 2 "
                       "asynchronous workers (--nosync_replicas).")


def measure_lines(model, preset, steps, asynchronous=False):
  single = measure_single(model, preset, steps)
  cluster = measure_cluster(model, preset, steps)
  lines = ["%-10s --config=%s, %d steps, timed between the first and the "
           "last logged step:" % (model, preset, steps),
           "  1 process:             %.2f steps/s" % single,
           "  1 ps + 2 sync workers: %.2f steps/s = %.2f batches/s (%.2fx "
           "the single process's batches/s)" % (cluster, 2 * cluster,
                                                2 * cluster / single)]
  if asynchronous:
    updates = measure_cluster(model, preset, steps, sync=False)
    lines.append("  1 ps + 2 async workers: %.2f updates/s = batches/s "
                 "(%.2fx)" % (updates, updates / single))
  return lines


def main(argv):
  del argv
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  from tf1_models import cli  # pylint: disable=g-import-not-at-top
  cli.quiet_tensorflow()
  for model in FLAGS.models:
    print(report(model, FLAGS.config,
                 traffic(build(model, FLAGS.config, lambda *_: None)[1])),
          flush=True)
  for model in FLAGS.measure:
    print("\n".join(measure_lines(model, FLAGS.config, FLAGS.steps,
                                 FLAGS.asynchronous)), flush=True)
  return 0


if __name__ == "__main__":
  define_flags()
  app.run(main)
