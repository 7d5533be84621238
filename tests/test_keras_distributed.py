"""char_rnn's Keras twin trained with ``--mode=keras_train``, in one process
and across worker processes (``tf1_models.keras_distributed``: Keras 3's
``DataParallel`` on JAX, ``MultiWorkerMirroredStrategy`` on TensorFlow).

The default tier checks flags, batches and a one-process run in this
process; the slow tier starts two real worker processes on localhost ports
and one single-process run on their batches together, and compares them.
"""

import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest

from tf1_models import corpus, distributed, keras_distributed
from tf1_models.char_rnn import config as config_lib
from tf1_models.char_rnn import data as data_lib
from tf1_models.char_rnn import keras_sample, keras_train
from tf1_models.errors import UserError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXT = corpus.shipped("shakespeare_small.txt")
POEMS = corpus.shipped("poems_small.txt")


def test_worker_flags_are_checked():
  assert keras_distributed.Workers.from_flags("", 0) is None
  workers = keras_distributed.Workers.from_flags("h:1, h:2", 1)
  assert (workers.hosts, workers.num_workers, workers.is_chief) == (
      ("h:1", "h:2"), 2, False)
  for args, message in [
      (("h:1,h:2", 2), "--task_index=2 is out of range: there are 2"),
      (("h:1,h2", 0), "bad host 'h2' in --worker_hosts"),
      (("h:1", 0, "h:9"), "has no parameter servers"),
      (("h:1", 0, "", "ps"), "has no parameter servers"),
  ]:
    with pytest.raises(UserError, match=re.escape(message)):
      keras_distributed.Workers.from_flags(*args)


def test_keras_train_across_processes_is_not_on_torch(monkeypatch):
  import keras  # pylint: disable=import-outside-toplevel
  monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
  with pytest.raises(UserError, match=re.escape(
      "runs on --backend=jax (Keras 3's distribution API) or "
      "--backend=tensorflow (MultiWorkerMirroredStrategy), not on torch")):
    keras_distributed.start(keras_distributed.Workers(("h:1", "h:2"), 0))


def test_step_batches_are_the_single_process_batches_padded_alike():
  """Poem batches of one step are padded to their longest; worker i gets
  single-process batch step*N+i."""
  data = data_lib.poem_data(corpus.read_text(POEMS), 4)
  pad = data.vocab.id(data_lib.PAD)
  parts = keras_distributed.step_batches(data.batch, 3, 2, pad)
  width = max(data.batch(6)[0].shape[1], data.batch(7)[0].shape[1])
  for (x, y), index in zip(parts, (6, 7)):
    x0, y0 = data.batch(index)
    assert x.shape == y.shape == (4, width)
    np.testing.assert_array_equal(x[:, :x0.shape[1]], x0)
    np.testing.assert_array_equal(y[:, :y0.shape[1]], y0)
    assert (x[:, x0.shape[1]:] == pad).all()
    assert (y[:, y0.shape[1]:] == pad).all()
  # Plain text: the concatenation is the batch of a run with twice the
  # batch size (the slow test's single-process reference relies on it).
  text = corpus.read_text(TEXT)
  small, big = (data_lib.text_data(text, b, 12) for b in (4, 8))
  (xa, ya), (xb, yb) = keras_distributed.step_batches(
      lambda i: data_lib.batch_at(small, i), 1, 2)
  np.testing.assert_array_equal(np.concatenate([xa, xb]),
                                data_lib.batch_at(big, 1)[0])
  np.testing.assert_array_equal(np.concatenate([ya, yb]),
                                data_lib.batch_at(big, 1)[1])


def _config(**kw):
  kw.setdefault("max_steps", 4)
  return config_lib.preset("test", corpus=TEXT, format="text", **kw)


def test_bad_keras_train_requests_are_one_line_errors(tmp_path):
  existing = tmp_path / "old.weights.h5"
  existing.write_bytes(b"a trained model")
  for config, path, message in [
      (_config(tie_layers=True), tmp_path / "m.weights.h5",
       "--tie_layers has no Keras form"),
      (_config(), tmp_path / "m.h5", "must end with .weights.h5"),
      (_config(), existing, "already exists; keras_train does not overwrite"),
      (_config(epochs=0, max_steps=0), tmp_path / "m.weights.h5",
       "no step to train"),
  ]:
    with pytest.raises(UserError, match=re.escape(message)):
      keras_train.train(config, str(path), log=lambda *_: None)
  assert existing.read_bytes() == b"a trained model"
  assert os.listdir(tmp_path) == ["old.weights.h5"]


def test_one_process_trains_and_the_weights_sample_in_keras_and_tf1(
    tmp_path):
  keras_file = str(tmp_path / "m.weights.h5")
  lines = []
  steps, losses = keras_train.train(_config(max_steps=6), keras_file,
                                    log=lines.append)
  assert steps == 6 and losses[-1] < losses[0]
  assert any(l.startswith("weights fingerprint ") for l in lines)
  net, vocab, cfg = keras_sample.load(keras_file)
  assert (cfg["format"], len(vocab), net.rnn_size) == ("text", 61, 16)
  greedy = keras_sample.sample(keras_file, "Th", 20, 0.0)
  assert len(greedy) == 22
  # Converted to a TF1 checkpoint, the TF1 sampler writes the same text.
  from tf1_models.char_rnn import runner  # pylint: disable=g-import-not-at-top
  config = _config(checkpoint_dir=str(tmp_path / "tf1"), prime="Th",
                   length=20, temperature=0.0)
  runner.import_keras(config, keras_file, log=lambda *_: None)
  assert runner.sample(config) == greedy


def _launch(backend, keras_file, batch_size, extra=(),
            stdout=subprocess.PIPE):
  env = dict(os.environ, PYTHONPATH=REPO, PYTHONUNBUFFERED="1")
  cmd = [sys.executable, "-m", "tf1_models.char_rnn", "--mode=keras_train",
         "--backend=" + backend, "--config=test", "--corpus=" + TEXT,
         "--format=text", "--max_steps=5", "--log_every=1", "--length=20",
         "--temperature=0", "--batch_size=%d" % batch_size,
         "--keras_file=" + keras_file]
  return subprocess.Popen(cmd + list(extra), cwd=REPO, env=env,
                          stdout=stdout, stderr=subprocess.STDOUT, text=True)


def _finish(proc):
  out, _ = proc.communicate(timeout=240)
  assert proc.returncode == 0, out
  losses = [float(v) for v in re.findall(r"step \d+/\d+  loss ([\d.]+)", out)]
  fingerprint = re.search(r"weights fingerprint (.*)", out).group(1)
  return out, np.array(losses), fingerprint


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "tensorflow"])
def test_two_worker_processes_train_like_one_process_on_both_batches(
    tmp_path, backend):
  """Two worker processes (batch 4 each) against one process with
  batch 8, which sees exactly their two batches together: every step's loss
  (a function of the weights before it) and the final weights agree to
  float rounding; both workers end with the same weights; the loss falls;
  the chief's file samples in this process."""
  pytest.importorskip(backend)
  dist_file = str(tmp_path / "dist.weights.h5")
  single_file = str(tmp_path / "single.weights.h5")
  hosts = ",".join(distributed.free_local_hosts(2))
  workers = [_launch(backend, dist_file, 4, ["--worker_hosts=" + hosts,
                                    "--task_index=%d" % i])
             for i in (1, 0)]
  single = _launch(backend, single_file, 8)
  try:
    (out1, losses1, fp1), (out0, losses0, fp0) = map(_finish, workers)
    _, single_losses, _ = _finish(single)
  finally:
    for proc in workers + [single]:
      if proc.poll() is None:
        proc.kill()
  assert "worker 0 of 2" in out0 and "worker 1 of 2" in out1
  # --backend took effect although TensorFlow (imported by the package)
  # imports keras.
  assert "keras_train on %s:" % backend in out0
  assert len(losses0) == 5 and losses0[-1] < losses0[0] - 0.1
  np.testing.assert_array_equal(losses0, losses1)
  assert fp0 == fp1  # the same weights in both workers
  np.testing.assert_allclose(losses0, single_losses, rtol=0, atol=1e-5)
  dist, _, _ = keras_sample.load(dist_file)
  ref, _, _ = keras_sample.load(single_file)
  for a, b in zip(dist.model.get_weights(), ref.model.get_weights()):
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
  # The chief printed its greedy sample; the same file gives it here, in
  # one process on the TensorFlow backend.
  assert keras_sample.sample(dist_file, "", 20, 0.0) in out0


def test_backend_flag_takes_effect_although_tensorflow_imports_keras():
  """Importing the package imports TensorFlow, which imports keras: a
  command's ``--backend`` must be in place before that."""
  pytest.importorskip("jax")
  code = ("import sys; sys.argv[1:] = ['--mode=keras_sample', '--backend', "
          "'jax']; import tf1_models, keras; print(keras.backend.backend())")
  env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
  out = subprocess.run([sys.executable, "-c", code], cwd=REPO,
                       env=dict(env, PYTHONPATH=REPO), capture_output=True,
                       text=True, timeout=120, check=True).stdout
  assert out.split() == ["jax"]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "tensorflow"])
def test_a_killed_worker_stops_the_other_with_one_line(tmp_path, backend):
  """Worker 1 killed mid-run: the chief ends within a minute with exit code
  2 and one line (no traceback, no JAX shutdown-barrier wait), and writes
  no file."""
  pytest.importorskip(backend)
  keras_file = str(tmp_path / "k.weights.h5")
  hosts = ",".join(distributed.free_local_hosts(2))
  logs = [tmp_path / ("w%d.txt" % i) for i in (0, 1)]
  procs = []
  try:
    for i in (1, 0):
      with open(logs[i], "w") as out:
        procs.append(_launch(backend, keras_file, 4, [
            "--worker_hosts=" + hosts, "--task_index=%d" % i,
            "--max_steps=100000", "--epochs=0"], stdout=out))
    worker1, chief = procs
    deadline = time.time() + 240
    while "step 3/" not in logs[0].read_text() and time.time() < deadline:
      assert chief.poll() is None, logs[0].read_text()
      time.sleep(0.5)
    worker1.kill()
    worker1.wait()
    code = chief.wait(timeout=60)
  finally:
    for proc in procs:
      if proc.poll() is None:
        proc.kill()
  out = logs[0].read_text()
  assert code == 2, out
  errors = [l for l in out.splitlines()
            if re.match(r"(error|python -m tf1_models.char_rnn: error):", l)]
  assert len(errors) == 1 and re.search(
      r"error: worker 0 stopped at step \d+: another worker is gone .*"
      r"start every worker again", errors[0]), out
  assert "Traceback" not in out
  assert not os.path.exists(keras_file)
