"""next_char's and text8_lstm's Keras twins trained across processes
(``keras_distributed.join``: each worker's gradients averaged by the
engine's collective, JAX's ``process_allgather`` or TF's
``MultiWorkerMirroredStrategy``).

Default tier: flag checks, and text8's averaged-then-clipped step with two
workers as two threads of this process (a barrier for the collective)
against one model on both workers' rows. Slow tier: two real worker
processes on localhost ports on both engines, against one process on the
concatenated batch; a killed worker.
"""

import os
import re
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from tf1_models import corpus, distributed, keras_distributed
from tf1_models.errors import UserError
from tf1_models.next_char import config as nc_config
from tf1_models.next_char import runner as nc_runner
from tf1_models.text8_lstm import config as t8_config
from tf1_models.text8_lstm import keras_train as t8_train

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXT = corpus.shipped("shakespeare_small.txt")
TEXT8 = corpus.shipped("text8_small.txt")
WORKERS = keras_distributed.Workers(("localhost:1", "localhost:2"), 0)


def test_next_char_cluster_flags_pick_the_right_twin():
  for impl, kwargs, message in [
      ("tf1", dict(workers=WORKERS),
       "--worker_hosts without --ps_hosts is the Keras model's"),
      ("keras", dict(cluster=distributed.Cluster(("h:1",), ("h:2",),
                                                 "worker", 0)),
       "--ps_hosts/--job_name are for --impl=tf1"),
  ]:
    with pytest.raises(UserError, match=re.escape(message)):
      nc_runner.train(nc_config.preset("test", impl=impl, corpus=TEXT),
                      log=lambda *_: None, **kwargs)


def test_text8_keras_train_requests_are_checked(tmp_path):
  existing = tmp_path / "old.weights.h5"
  existing.write_bytes(b"a trained model")
  config = t8_config.preset("test", corpus=TEXT8)
  for cfg, path, message in [
      (config, tmp_path / "m.h5", "must end with .weights.h5"),
      (config, existing, "already exists; keras_train does not overwrite"),
      (t8_config.preset("test", tf1_ref_state=True), tmp_path / "m.weights.h5",
       "--tf1_ref_state is the TF1 graph's"),
      (t8_config.preset("test", max_steps=0), tmp_path / "m.weights.h5",
       "--max_steps must be at least 1"),
  ]:
    with pytest.raises(UserError, match=re.escape(message)):
      t8_train.train(cfg, str(path), log=lambda *_: None)
  assert existing.read_bytes() == b"a trained model"


class _ThreadCollective(object):
  """Sums a vector over ``n`` threads (one per simulated worker)."""

  def __init__(self, n):
    self.parts = [None] * n
    self.barrier = threading.Barrier(n)

  def for_worker(self, i):
    def summed(flat):
      self.parts[i] = flat
      self.barrier.wait(timeout=60)
      total = sum(self.parts[1:], self.parts[0].copy())
      self.barrier.wait(timeout=60)
      return total
    return summed


def test_text8_two_workers_clip_their_mean_gradient_like_one_process():
  """Bigram (an embedding: the norm counts each occurrence of a row), the
  clip engaged: two workers on rows 0-3 and 4-7 of every batch, each
  carrying its rows' state, take the steps of one model on all 8 rows
  (losses and weights ~1e-6)."""
  import keras  # pylint: disable=import-outside-toplevel
  from tf1_models import keras_ops  # pylint: disable=import-outside-toplevel
  from tf1_models.text8_lstm import keras_model  # pylint: disable=import-outside-toplevel
  from tf1_models.text8_lstm import runner  # pylint: disable=import-outside-toplevel
  config = t8_config.preset("test", corpus=TEXT8, variant="bigram",
                            keep_prob=1.0)
  data = runner.load_data(config, lambda *_: None, 2)
  clip, steps = 0.05, 2

  def net(batch_size):
    keras.utils.set_random_seed(0)
    k = keras_model.KerasText8LSTM("bigram", 8, batch_size, 6, 1.0)
    k.compile(10.0, 5000, 0.1, clip, own_clip=True)
    return k

  one = net(8)
  x, y = one.batch(data, 0)
  _, grads = keras_distributed.gradient_fn(
      lambda a, b: one.model.loss(b, one.model(a, training=True)),
      one.model.trainable_variables)(x, y)
  assert float(keras_ops.global_norm(grads)) > 2 * clip  # the clip acts
  one.lstm.reset_state()
  single = [one.train_on_batch(*one.batch(data, s)) for s in range(steps)]

  collective = _ThreadCollective(2)
  nets = [net(4), net(4)]
  losses = [[], []]
  errors = []

  def work(i):
    try:
      mean = keras_distributed.GradientMean(
          keras_distributed.Workers(("h:1", "h:2"), i),
          collective.for_worker(i))
      for s in range(steps):
        xs, ys = nets[i].batch(data, s)
        rows = slice(4 * i, 4 * i + 4)
        losses[i].append(nets[i].train_on_batch(xs[rows], ys[rows], mean))
    except Exception as e:  # pylint: disable=broad-except
      errors.append(e)
      collective.barrier.abort()

  threads = [threading.Thread(target=work, args=(i,)) for i in (0, 1)]
  for t in threads:
    t.start()
  for t in threads:
    t.join(120)
  assert not errors, errors
  assert losses[0] == losses[1]
  np.testing.assert_allclose(losses[0], single, rtol=0, atol=1e-6)
  for a, b, c in zip(nets[0].model.get_weights(),
                     nets[1].model.get_weights(), one.model.get_weights()):
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, c, rtol=0, atol=1e-6)
  # Each worker carried its own rows' state: together, the one model's.
  for k in (0, 1):
    np.testing.assert_allclose(
        np.concatenate([keras.ops.convert_to_numpy(n.lstm.states[k])
                        for n in nets]),
        keras.ops.convert_to_numpy(one.lstm.states[k]), rtol=0, atol=1e-6)


# --- the slow tier: real worker processes ---------------------------------

def _env():
  return dict(os.environ, PYTHONPATH=REPO, PYTHONUNBUFFERED="1")


def _start(args, stdout=subprocess.PIPE):
  return subprocess.Popen([sys.executable, "-m"] + list(args), cwd=REPO,
                          env=_env(), stdout=stdout,
                          stderr=subprocess.STDOUT, text=True)


def _finish(proc):
  out, _ = proc.communicate(timeout=300)
  assert proc.returncode == 0, out
  losses = [float(v) for v in re.findall(r"step \d+/\d+ .*?loss ([\d.]+)",
                                         out)]
  found = re.search(r"weights fingerprint (.*)", out)
  return out, np.array(losses), found.group(1) if found else None


def _run_pair(make_args, single_args):
  """Two workers (task 1 started first) and one single process, together;
  their outputs (worker 0, worker 1, single)."""
  hosts = ",".join(distributed.free_local_hosts(2))
  procs = [_start(make_args(hosts, i)) for i in (1, 0)] + [
      _start(single_args)]
  try:
    w1, w0, single = [_finish(p) for p in procs]
  finally:
    for proc in procs:
      if proc.poll() is None:
        proc.kill()
  return w0, w1, single


def _next_char_args(backend, run_dir, batch_size, max_steps=5):
  return ["tf1_models.next_char", "--impl=keras", "--backend=" + backend,
          "--config=test", "--corpus=" + TEXT, "--learning_rate=0.02",
          "--max_steps=%d" % max_steps, "--checkpoint_every=2",
          "--length=20", "--batch_size=%d" % batch_size,
          "--checkpoint_dir=" + run_dir]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "tensorflow"])
def test_next_char_two_workers_train_like_one_process(tmp_path, backend):
  """Two workers at batch 4 against one process at batch 8 (their two
  batches together): per-step losses and final weights equal to ~1e-5,
  both workers' weights identical, the loss falls; the chief's run
  directory samples in this process, and a single-process run resumes
  from it."""
  pytest.importorskip(backend)
  dist, single_dir = str(tmp_path / "dist"), str(tmp_path / "single")
  (out0, losses0, fp0), (out1, losses1, fp1), (_, single, _) = _run_pair(
      lambda hosts, i: _next_char_args(backend, dist, 4) + [
          "--worker_hosts=" + hosts, "--task_index=%d" % i],
      _next_char_args(backend, single_dir, 8))
  assert "worker 0 of 2" in out0 and "worker 1 of 2" in out1
  assert len(losses0) == 5 and losses0[-1] < losses0[0] - 0.02
  np.testing.assert_array_equal(losses0, losses1)
  assert fp0 == fp1
  # The log's 4 decimals; the saved state below to 1e-5.
  np.testing.assert_allclose(losses0, single, rtol=0, atol=1.01e-4)
  # The chief saved as one process does (global steps); worker 1 nothing.
  assert sorted(f for f in os.listdir(dist) if f != ".lock") == [
      "keras.ckpt-2.npz", "keras.ckpt-4.npz", "keras.ckpt-5.npz",
      "model.weights.h5", "run.json"]
  with np.load(os.path.join(dist, "keras.ckpt-5.npz")) as a, np.load(
      os.path.join(single_dir, "keras.ckpt-5.npz")) as b:
    assert sorted(a.files) == sorted(b.files) and int(a["step"]) == 5
    for name in a.files:
      np.testing.assert_allclose(a[name], b[name], rtol=0, atol=1e-5)
  config = nc_config.preset("test", impl="keras", corpus=TEXT,
                            checkpoint_dir=dist, length=20)
  assert nc_runner.sample(config) in out0  # the chief's printed sample
  result = nc_runner.train(dataclass_replace(config, max_steps=7),
                           log=lambda *_: None)
  assert (result.resumed_from, result.step) == (5, 7)


def dataclass_replace(config, **changes):
  import dataclasses  # pylint: disable=import-outside-toplevel
  return dataclasses.replace(config, **changes)


def _text8_args(backend, keras_file, batch_size):
  return ["tf1_models.text8_lstm", "--mode=keras_train",
          "--backend=" + backend, "--config=test", "--corpus=" + TEXT8,
          "--variant=bigram", "--keep_prob=1", "--clip_norm=0.05",
          "--max_steps=5", "--summary_frequency=1", "--length=20",
          "--batch_size=%d" % batch_size, "--keras_file=" + keras_file]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "tensorflow"])
def test_text8_two_workers_train_like_one_process(tmp_path, backend):
  """Bigram twin, clip engaged: two workers on rows 0-3 / 4-7 of every
  8-row batch against one process on all 8 rows: losses and weights
  ~1e-5, workers identical, loss falls; the chief's file samples the
  chief's printed lines in this process."""
  pytest.importorskip(backend)
  dist, single_file = (str(tmp_path / n) for n in ("d.weights.h5",
                                                   "s.weights.h5"))
  (out0, losses0, fp0), (out1, losses1, fp1), (_, single, _) = _run_pair(
      lambda hosts, i: _text8_args(backend, dist, 4) + [
          "--worker_hosts=" + hosts, "--task_index=%d" % i],
      _text8_args(backend, single_file, 8))
  assert "worker 0 of 2" in out0 and "worker 1 of 2" in out1
  assert len(losses0) == 5 and losses0[-1] < losses0[0] - 0.05
  np.testing.assert_array_equal(losses0, losses1)
  assert fp0 == fp1
  np.testing.assert_allclose(losses0, single, rtol=0, atol=1e-5)
  net, meta = t8_train.load(dist)
  ref, _ = t8_train.load(single_file)
  assert (meta["workers"], meta["backend"], meta["step"]) == (2, backend, 5)
  for a, b in zip(net.model.get_weights(), ref.model.get_weights()):
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
  lines = t8_train.sample(dist, t8_config.preset("test", length=20))
  assert lines in out0


@pytest.mark.slow
@pytest.mark.parametrize("model,backend", [
    ("next_char", "jax"), ("next_char", "tensorflow"), ("text8_lstm", "jax")])
def test_a_killed_worker_stops_the_chief_with_one_line(tmp_path, model,
                                                       backend):
  """Worker 1 killed mid-run: the chief ends with exit code 2 and one line
  (no traceback; on JAX no shutdown-barrier abort), and writes nothing
  (next_char: no state after its last checkpoint, here none)."""
  pytest.importorskip(backend)
  out_path = str(tmp_path / "run")
  if model == "next_char":
    args = _next_char_args(backend, out_path, 4, 100000) + [
        "--checkpoint_every=100000", "--epochs=0"]
    advice = "start every worker again: they resume from the last checkpoint"
  else:
    out_path += ".weights.h5"
    args = _text8_args(backend, out_path, 4) + ["--max_steps=100000"]
    advice = "keras_train does not resume: start every worker again"
  hosts = ",".join(distributed.free_local_hosts(2))
  logs = [tmp_path / ("w%d.txt" % i) for i in (0, 1)]
  procs = []
  try:
    for i in (1, 0):
      with open(logs[i], "w") as out:
        procs.append(_start(args + ["--worker_hosts=" + hosts,
                                    "--task_index=%d" % i], stdout=out))
    worker1, chief = procs
    deadline = time.time() + 240
    while "step 3/" not in logs[0].read_text() and time.time() < deadline:
      assert chief.poll() is None, logs[0].read_text()
      time.sleep(0.5)
    worker1.kill()
    worker1.wait()
    code = chief.wait(timeout=90)
  finally:
    for proc in procs:
      if proc.poll() is None:
        proc.kill()
  out = logs[0].read_text()
  assert code == 2, out
  errors = [l for l in out.splitlines() if re.match(
      r"(error|python -m tf1_models.%s: error):" % model, l)]
  assert len(errors) == 1 and re.search(
      r"error: worker 0 stopped at step \d+: another worker is gone .*" +
      re.escape(advice), errors[0]), out
  assert "Traceback" not in out
  if model == "next_char":
    assert not nc_runner.state_paths(out_path)
  else:
    assert not os.path.exists(out_path)
