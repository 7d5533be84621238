"""Between-graph replication on TF1's distributed runtime
(``tf1_models.distributed``), through char_rnn.

The default tier runs a real cluster (1 ps + 2 workers, gRPC on localhost
ports) inside this process, one thread per worker, to keep it fast; the slow
tier launches real processes, kills a worker mid-run and starts it again.
"""

import dataclasses
import os
import re

import numpy as np
import pytest
import tensorflow as tf

from tf1_models import corpus, distributed
from tf1_models.char_rnn import config as config_lib
from tf1_models.char_rnn import runner
from tf1_models.errors import UserError
from tests.cluster_helpers import (kill_and_restart_worker, model_command,
                                   train_in_cluster, worker_losses)

v1 = tf.compat.v1
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


@pytest.mark.slow
def test_processes_train_survive_a_killed_worker_and_resume_both_ways(
    tmp_path):
  """Real processes: a single-process checkpoint resumes in a cluster;
  worker 1 is killed with SIGKILL and started again, and the run finishes;
  the loss falls; the result samples in one process."""
  run_dir = str(tmp_path / "run")
  config = _config(run_dir, max_steps=2)
  runner.train(config, log=lambda *_: None)  # one process, to step 2
  out, other_out = kill_and_restart_worker(
      model_command("char_rnn", TEXT, run_dir, 30), run_dir, kill_after=6)
  steps, losses = zip(*worker_losses(out, 0))
  assert steps[0] == 3 and steps[-1] == 30  # resumed from step 2
  assert losses and np.mean(losses[-3:]) < np.mean(losses[:3])
  # The restarted worker rejoins; whether it still gets to train depends on
  # timing (the chief may take both tokens of an update and finish alone).
  assert "worker 1 of 1 ps + 2 workers" in other_out
  assert tf.train.load_checkpoint(run_dir).get_tensor("global_step") == 30
  text = runner.sample(dataclasses.replace(config, prime="A", length=5),
                       log=lambda *_: None)
  assert text.startswith("A")
