"""python -m tf1_models.char_rnn.scaling: one process vs a local cluster.

Trains the same char_rnn (a preset, default ``default``) for ``--steps``
global steps in one process, then with 1 ps + 2 synchronous workers on
localhost, and prints the global steps/s and examples/s of each, measured in
this one run, plus what crosses the network per step: each worker reads
every trainable variable from the ps and sends back one dense gradient of
the same size (Adam's slots stay on the ps), so 2 x 4 bytes x parameters per
worker per step. On one 2-core machine the workers compete for the same
cores; across machines the step time is about the single-process time plus
that traffic at the link's speed.
"""

import os
import re
import subprocess
import sys
import tempfile
import time

from absl import app, flags

from tf1_models import distributed

flags.DEFINE_integer("steps", 40, "Global steps of each run.")
flags.DEFINE_string("config", "default", "char_rnn preset.")
FLAGS = flags.FLAGS


def _command(run_dir, steps, *extra):
  return [sys.executable, "-m", "tf1_models.char_rnn", "--config=" +
          FLAGS.config, "--checkpoint_dir=" + run_dir,
          "--max_steps=%d" % steps, "--checkpoint_every=100000",
          "--log_every=1", "--length=1"] + list(extra)


def _steps_per_second(proc):
  """Global steps/s between the first and the last step ``proc`` logs (so
  start-up is not counted), and its first line naming the model."""
  seen, model = [], None
  for line in proc.stdout:
    step = re.match(r"(?:worker \d+: )?step (\d+)/", line)
    if step:
      seen.append((time.time(), int(step.group(1))))
    described = re.match(r"model: (.*?), \d+ steps/epoch", line)
    if described:
      model = described.group(1)
  proc.wait()
  (t0, s0), (t1, s1) = seen[0], seen[-1]
  return (s1 - s0) / (t1 - t0), model


def _model_parameters(run_dir):
  """Trainable parameters in the run's checkpoint (no optimizer slots)."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  shapes = tf.train.load_checkpoint(run_dir).get_variable_to_shape_map()
  return int(sum(np.prod(shape) for name, shape in shapes.items()
                 if not re.search(r"(/Adam(_1)?|beta[12]_power|global_step)$",
                                  name)))


def _single(steps):
  """Steps/s in one process, the model, and its parameter count."""
  with tempfile.TemporaryDirectory() as tmp:
    proc = subprocess.Popen(_command(tmp, steps), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    rate, model = _steps_per_second(proc)
    return rate, model, _model_parameters(tmp)


def _cluster(steps):
  """Global steps/s of 1 ps + 2 synchronous workers (timed on the chief)."""
  with tempfile.TemporaryDirectory() as tmp:
    ps, w0, w1 = distributed.free_local_hosts(3)
    hosts = ["--ps_hosts=" + ps, "--worker_hosts=%s,%s" % (w0, w1)]
    procs = [subprocess.Popen(
        _command(tmp, steps, *hosts, "--job_name=" + job,
                 "--task_index=%d" % i), stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True)
             for job, i in (("ps", 0), ("worker", 1), ("worker", 0))]
    try:
      rate, _ = _steps_per_second(procs[-1])
      procs[1].wait(timeout=120)
    finally:
      for p in procs:
        if p.poll() is None:
          p.kill()
    return rate


def main(argv):
  del argv
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  steps = FLAGS.steps
  single, model, params = _single(steps)
  cluster = _cluster(steps)
  print("char_rnn --config=%s (%s; %d parameters), %d steps, measured "
        "between the first and the last step:" % (FLAGS.config, model,
                                                   params, steps))
  print("  1 process:                   %.2f steps/s" % single)
  print("  1 ps + 2 sync workers:       %.2f steps/s = %.2f batches/s (%.2fx "
        "the single process's batches/s)" % (cluster, 2 * cluster,
                                             2 * cluster / single))
  print("  network per step per worker: %.1f MB (variables in, dense "
        "gradient out)" % (2 * 4 * params / 1e6))
  return 0


if __name__ == "__main__":
  app.run(main)
