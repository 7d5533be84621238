"""Waiting for the other workers of a Keras TensorFlow-engine run
(``tf1_models.peers``, called by ``keras_distributed.start``): a timeout and
SIGTERM end a worker whose peers never start."""

import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from tf1_models import corpus, distributed, peers

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXT = corpus.shipped("shakespeare_small.txt")


def test_returns_once_the_peers_answer_and_times_out_naming_the_silent():
  own, peer, silent = distributed.free_local_hosts(3)
  listener = socket.socket()
  listener.bind(("localhost", int(peer.rpartition(":")[2])))
  listener.listen(1)
  try:
    peers.wait_for_peers([own, peer], 0, timeout=5)
    start = time.time()
    with pytest.raises(peers.PeersMissing, match=re.escape(
        "worker 1: the other workers %s did not start within 0.3 s; start "
        "every worker with the same --worker_hosts" % silent)):
      peers.wait_for_peers([silent, own, peer], 1, timeout=0.3)
    assert time.time() - start < 3
  finally:
    listener.close()
  # Its own port is free again, for the strategy's server.
  with socket.socket() as again:
    again.bind(("localhost", int(own.rpartition(":")[2])))


def _worker(hosts, index, extra=()):
  env = dict(os.environ, PYTHONPATH=REPO, PYTHONUNBUFFERED="1",
             TF_CPP_MIN_LOG_LEVEL="3")
  return subprocess.Popen(
      [sys.executable, "-m", "tf1_models.char_rnn", "--mode=keras_train",
       "--backend=tensorflow", "--config=test", "--corpus=" + TEXT,
       "--format=text", "--log_every=1",
       "--worker_hosts=" + ",".join(hosts), "--task_index=%d" % index] +
      list(extra), cwd=REPO, env=env, stdout=subprocess.PIPE,
      stderr=subprocess.STDOUT, text=True)


@pytest.mark.slow
def test_a_worker_alone_ends_on_sigterm_with_one_line(tmp_path):
  """Worker 0 of 2, its peer never started: SIGTERM a few seconds into its
  wait ends it within 10 s, with one line and exit code 143 (the strategy's own
  wait used to ignore SIGTERM)."""
  hosts = distributed.free_local_hosts(2)
  proc = _worker(hosts, 0, ["--max_steps=5",
                            "--keras_file=%s" % (tmp_path / "k.weights.h5")])
  try:
    deadline = time.time() + 120
    while not peers._answers(hosts[0]):  # it listens while it waits
      assert time.time() < deadline and proc.poll() is None, (
          proc.communicate()[0] if proc.poll() is not None else "")
      time.sleep(0.2)
    time.sleep(3)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=10)
  finally:
    if proc.poll() is None:
      proc.kill()
  assert proc.returncode == peers.SIGTERM_EXIT_CODE, out
  assert re.search(r"^error: worker 0 stopped by SIGTERM while waiting for "
                   r"the other workers \(.*\) to start$", out, re.M), out
  assert "Traceback" not in out


@pytest.mark.slow
def test_joined_workers_end_on_sigterm(tmp_path):
  """Two workers join and train; SIGTERM then ends the chief promptly
  (TensorFlow's strategy installs a SIGTERM handler that ignored it)."""
  hosts = distributed.free_local_hosts(2)
  keras_file = str(tmp_path / "k.weights.h5")
  extra = ["--max_steps=100000", "--epochs=0", "--keras_file=" + keras_file]
  procs = [_worker(hosts, i, extra) for i in (1, 0)]
  other, chief = procs
  try:
    lines, deadline = [], time.time() + 240
    while not any("step 2/" in l for l in lines):
      assert time.time() < deadline and chief.poll() is None, lines
      lines.append(chief.stdout.readline())
    chief.send_signal(signal.SIGTERM)
    chief.wait(timeout=10)
    other.wait(timeout=120)  # its peer gone: it stops too
  finally:
    for proc in procs:
      if proc.poll() is None:
        proc.kill()
  assert chief.returncode == -signal.SIGTERM
  assert not os.path.exists(keras_file)
