"""Real 1 ps + 2 worker clusters for the distributed tests
(tests/test_distributed*.py): inside the test process (``train_in_cluster``)
or as processes of a model's command line (``launch``,
``kill_and_restart_worker``)."""

import os
import re
import signal
import subprocess
import sys
import threading
import time

from tf1_models import distributed


def train_in_cluster(train, config, last_step=1, sync_replicas=True,
                     timeout=60, logs=None):
  """``train(config, cluster=...)`` on 2 workers of a fresh 1 ps + 2 worker
  cluster (threads), to global step ``last_step`` (synchronous updates, or
  asynchronous ones with ``sync_replicas=False``); returns the chief's
  ``TrainResult``. ``logs``: a dict that gets each worker's log lines, a
  list per task index."""
  ps, w0, w1 = distributed.free_local_hosts(3)
  clusters = [distributed.Cluster.from_flags(ps, w0 + "," + w1, job, i,
                                             sync_replicas=sync_replicas)
              for job, i in (("ps", 0), ("worker", 0), ("worker", 1))]
  distributed.start_server(clusters[0])  # serves while the workers run
  results, errors = {}, []

  def worker(cluster):
    try:
      log = (lambda *_: None) if logs is None else logs.setdefault(
          cluster.task_index, []).append
      results[cluster.task_index] = train(config, log=log, cluster=cluster)
    except Exception as e:  # pylint: disable=broad-except
      errors.append(e)

  threads = [threading.Thread(target=worker, args=(c,), daemon=True)
             for c in clusters[1:]]
  for t in threads:
    t.start()
  for t in threads:
    t.join(timeout=timeout)
  assert not errors, [str(e)[:2000] for e in errors]
  assert sorted(results) == [0, 1]
  # Asynchronous workers may both update past the last step.
  assert (results[0].step == last_step if sync_replicas else
          results[0].step >= last_step), results[0].step
  return results[0]


# Real processes (the slow tests): each model's command line, tiny preset.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Per model: its flags for a tiny run on ``corpus`` (a text file), and the
# names of its checkpoint-interval and log-interval flags.
MODEL_FLAGS = {
    "char_rnn": (["--config=test", "--format=text"], "checkpoint_every",
                 "log_every"),
    "text8_lstm": (["--config=test", "--variant=fused"], "checkpoint_every",
                   "summary_frequency"),
    "word2vec": (["--config=test"], "checkpoint_every", "log_every"),
    "seq2seq": (["--config=test", "--decoder=legacy"], "steps_per_checkpoint",
                "log_every"),
    "next_char": (["--config=test", "--impl=tf1", "--epochs=0",
                   "--prime=the"], "checkpoint_every", "log_every"),
}


def model_command(model, corpus, run_dir, max_steps, checkpoint_every=2,
                  extra=()):
  """``python -m tf1_models.<model>`` training a tiny preset on ``corpus``
  in ``run_dir`` to ``max_steps``, logging every step."""
  flags, every, log = MODEL_FLAGS[model]
  return ([sys.executable, "-m", "tf1_models." + model] + flags +
          ["--corpus=" + corpus, "--checkpoint_dir=" + run_dir,
           "--max_steps=%d" % max_steps, "--%s=%d" % (every, checkpoint_every),
           "--%s=1" % log] + list(extra))


def launch(command, hosts=None, job="worker", index=0):
  """Start ``command`` (``model_command``) as task ``index`` of ``job`` in
  the cluster ``hosts`` (``[ps, worker0, worker1, ...]``; None: one
  process); stdout and stderr piped, as text."""
  if hosts is not None:
    command = list(command) + [
        "--ps_hosts=" + hosts[0], "--worker_hosts=" + ",".join(hosts[1:]),
        "--job_name=" + job, "--task_index=%d" % index]
  env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="3")
  return subprocess.Popen(command, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env,
                          cwd=REPO)


def worker_losses(stdout, worker):
  """``(step, loss)`` of every log line of ``worker`` in its stdout."""
  return [(int(s), float(l)) for s, l in re.findall(
      r"^worker %d: step (\d+)/\d+  loss ([0-9.]+)" % worker, stdout, re.M)]


def kill_and_restart_worker(command, run_dir, kill_after, timeout=300):
  """1 ps + 2 worker processes run ``command``; once the
  chief's checkpoint ``kill_after`` exists, worker 1 is killed (SIGKILL)
  and started again with the same flags. Returns the chief's stdout and the
  restarted worker's. Asserts every process that should end ended with 0."""
  hosts = distributed.free_local_hosts(3)
  ps = launch(command, hosts, "ps", 0)
  chief = launch(command, hosts, "worker", 0)
  other = launch(command, hosts, "worker", 1)
  procs = [ps, chief, other]
  try:
    deadline = time.time() + timeout
    marker = os.path.join(run_dir, "model.ckpt-%d.index" % kill_after)
    while not os.path.exists(marker):
      assert time.time() < deadline, "no checkpoint %d" % kill_after
      assert chief.poll() is None, chief.communicate()[1][-3000:]
      time.sleep(0.2)
    other.send_signal(signal.SIGKILL)
    other.wait()
    time.sleep(2)
    other = launch(command, hosts, "worker", 1)
    procs.append(other)
    out, err = chief.communicate(timeout=timeout)
    assert chief.returncode == 0, err[-3000:]
    other_out, other_err = other.communicate(timeout=60)
    assert other.returncode == 0, other_err[-3000:]
  finally:
    for proc in procs:
      if proc.poll() is None:
        proc.kill()
        proc.wait()
  return out, other_out
