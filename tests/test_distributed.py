"""Between-graph replication on TF1's distributed runtime
(``tf1_models.distributed``), through char_rnn.

The default tier runs a real cluster (1 ps + 2 workers, gRPC on localhost
ports) inside this process, one thread per worker, to keep it fast; the slow
tier launches real processes, kills a worker mid-run and starts it again.
"""

import dataclasses
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from tf1_models import corpus, distributed
from tf1_models.char_rnn import config as config_lib
from tf1_models.char_rnn import runner
from tf1_models.errors import UserError
from tests.cluster_helpers import train_in_cluster

v1 = tf.compat.v1
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXT = corpus.shipped("shakespeare_small.txt")


def _config(run_dir, **kw):
  kw.setdefault("max_steps", 1)
  return config_lib.preset("test", corpus=TEXT, format="text",
                           checkpoint_dir=str(run_dir), checkpoint_every=1,
                           log_every=1, **kw)


def _checkpoint(run_dir, step):
  return tf.train.load_checkpoint(os.path.join(str(run_dir),
                                               "model.ckpt-%d" % step))


def test_cluster_flags_are_checked():
  assert distributed.Cluster.from_flags("", "", "", 0) is None
  cluster = distributed.Cluster.from_flags(
      "h:1", "h:2,h:3", "worker", 1, sync_replicas=False)
  assert (cluster.num_workers, cluster.is_chief) == (2, False)
  for args, message in [
      (("h:1", "", "worker", 0), "needs both --ps_hosts and --worker_hosts"),
      (("h:1", "h:2", "boss", 0), "--job_name must be ps or worker"),
      (("h:1", "h:2", "worker", 1), "--task_index=1 is out of range"),
      (("h:1", "h2", "worker", 0), "bad host 'h2'"),
  ]:
    with pytest.raises(UserError, match=re.escape(message)):
      distributed.Cluster.from_flags(*args)


# pytest replaces the thread-exception hook that hides the chief's token
# thread ending with CancelledError when its session closes.
@pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_two_synchronous_workers_step_like_one_process_on_both_batches(
    tmp_path):
  """1 ps + 2 workers in this process: the first synchronous update equals
  one single-process Adam step on the two workers' batches together; the
  chief's checkpoint has exactly the single-process variables; the run
  resumes and samples in one process."""
  config = _config(tmp_path / "run")
  train_in_cluster(runner.train, config)

  # The same step in one process, on worker 0's and worker 1's batches.
  fmt, data = runner.load_data(config, log=lambda *_: None)
  double = dataclasses.replace(config, batch_size=2 * config.batch_size)
  single, _ = runner.build_train_task(double, fmt, data)
  one, _ = runner.build_train_task(config, fmt, data)
  # Worker i's first batch is the single-process batch i.
  firsts = [{p.name: x for p, x in one.feed(i).items()} for i in (0, 1)]
  feed = {p: np.concatenate([b[p.name] for b in firsts])
          for p in single.feed(0)}
  before, after = _checkpoint(tmp_path / "run", 0), _checkpoint(
      tmp_path / "run", 1)
  with single.graph.as_default():
    variables = v1.global_variables()
    init = v1.global_variables_initializer()
  names = sorted(v.op.name for v in variables)
  assert sorted(after.get_variable_to_shape_map()) == names
  with v1.Session(graph=single.graph) as sess:
    sess.run(init)
    for var in variables:
      var.load(before.get_tensor(var.op.name), sess)
    sess.run(single.train_op, feed)
    for var in variables:
      np.testing.assert_allclose(sess.run(var), after.get_tensor(var.op.name),
                                 rtol=1e-5, atol=1e-6, err_msg=var.op.name)

  # A distributed run's checkpoint resumes and samples in one process.
  more = runner.train(dataclasses.replace(config, max_steps=2),
                      log=lambda *_: None)
  assert (more.resumed_from, more.step) == (1, 2)
  assert runner.sample(dataclasses.replace(config, prime="A", length=5),
                       log=lambda *_: None).startswith("A")


def _launch(run_dir, hosts, job, index, max_steps, extra=()):
  ps, workers = hosts[0], ",".join(hosts[1:])
  env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="3")
  return subprocess.Popen(
      [sys.executable, "-m", "tf1_models.char_rnn", "--config=test",
       "--corpus=" + TEXT, "--format=text", "--checkpoint_dir=" + run_dir,
       "--max_steps=%d" % max_steps, "--log_every=1", "--checkpoint_every=2",
       "--ps_hosts=" + ps, "--worker_hosts=" + workers,
       "--job_name=" + job, "--task_index=%d" % index] + list(extra),
      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
      cwd=REPO)


def _losses(stdout, worker):
  return [float(m) for m in re.findall(
      r"^worker %d: step \d+/\d+  loss ([0-9.]+)" % worker, stdout, re.M)]


@pytest.mark.slow
def test_processes_train_survive_a_killed_worker_and_resume_both_ways(
    tmp_path):
  """Real processes: a single-process checkpoint resumes in a cluster;
  worker 1 is killed with SIGKILL and started again, and the run finishes;
  the loss falls; the result samples in one process."""
  run_dir = str(tmp_path / "run")
  config = _config(run_dir, max_steps=2)
  runner.train(config, log=lambda *_: None)  # one process, to step 2
  hosts = distributed.free_local_hosts(3)
  ps = _launch(run_dir, hosts, "ps", 0, 30)
  chief = _launch(run_dir, hosts, "worker", 0, 30)
  other = _launch(run_dir, hosts, "worker", 1, 30)
  try:
    deadline = time.time() + 120
    while not os.path.exists(os.path.join(run_dir, "model.ckpt-6.index")):
      assert time.time() < deadline and chief.poll() is None, "no progress"
      time.sleep(0.2)
    other.send_signal(signal.SIGKILL)
    other.wait()
    time.sleep(2)
    other = _launch(run_dir, hosts, "worker", 1, 30)
    out, err = chief.communicate(timeout=300)
    assert chief.returncode == 0, err[-3000:]
    other_out, _ = other.communicate(timeout=60)
  finally:
    for proc in (ps, chief, other):
      if proc.poll() is None:
        proc.kill()
  losses = _losses(out, 0)
  steps = [int(m) for m in re.findall(r"^worker 0: step (\d+)/", out, re.M)]
  assert steps[0] == 3 and steps[-1] == 30  # resumed from step 2
  assert losses and np.mean(losses[-3:]) < np.mean(losses[:3])
  # The restarted worker rejoins; whether it still gets to train depends on
  # timing (the chief may take both tokens of an update and finish alone).
  assert other.returncode == 0
  assert "worker 1 of 1 ps + 2 workers" in other_out
  assert tf.train.load_checkpoint(run_dir).get_tensor("global_step") == 30
  text = runner.sample(dataclasses.replace(config, prime="A", length=5),
                       log=lambda *_: None)
  assert text.startswith("A")
