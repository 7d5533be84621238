"""``python -m tf1_models.next_char --impl=keras --backend=jax|torch``
trains, resumes and samples on a non-TensorFlow Keras backend: a run cut
at step 2 and resumed to step 4 continues from the saved step and ends
with the same weights, optimizer state and greedy text as an uninterrupted
4-step run (a backend's CPU steps are deterministic), and
``--mode=sample`` prints that text. Slow: four processes per backend."""

import importlib.util
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

from tf1_models import corpus
from tf1_models.next_char import convert, runner

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PRIME = "Once upon a time"


def next_char(backend, run_dir, *flags):
  env = dict(os.environ, PYTHONPATH=REPO)
  # --backend alone chooses; and as on a user's machine, the package
  # imports TensorFlow (and so Keras) quietly at its own import.
  env.pop("KERAS_BACKEND", None)
  env.pop("TF_CPP_MIN_LOG_LEVEL", None)
  proc = subprocess.run(
      [sys.executable, "-m", "tf1_models.next_char", "--impl=keras",
       "--backend=" + backend, "--config=test", "--length=20",
       "--corpus=" + corpus.shipped("shakespeare_small.txt"),
       "--prime=" + PRIME, "--checkpoint_dir=" + str(run_dir)] + list(flags),
      capture_output=True, text=True, cwd=REPO, env=env, timeout=600)
  assert proc.returncode == 0, proc.stderr[-3000:]
  return proc.stdout, proc.stdout + proc.stderr  # (text, all output)


def h5_arrays(path):
  out = {}
  with h5py.File(path, "r") as f:
    f.visititems(lambda name, obj: out.__setitem__(name, obj[()])
                 if isinstance(obj, h5py.Dataset) else None)
  return out


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_keras_impl_trains_resumes_and_samples(backend, tmp_path):
  if importlib.util.find_spec(backend) is None:
    pytest.skip("%s is not installed" % backend)
  whole, cut = tmp_path / "whole", tmp_path / "cut"
  whole_out, log = next_char(backend, whole, "--max_steps=4")
  assert "step 4/4" in log
  _, log = next_char(backend, cut, "--max_steps=2")
  assert "step 2/2" in log and "resumed" not in log
  resumed, log = next_char(backend, cut, "--max_steps=4")
  assert "resumed from %s at step 2" % (
      cut / ("%s2.npz" % runner.KERAS_STATE)) in log
  assert "step 3/4" in log and "step 1/" not in log
  want, got = (h5_arrays(convert.keras_weights_path(str(d)))
               for d in (whole, cut))
  assert sorted(got) == sorted(want) and want
  for name in want:
    np.testing.assert_array_equal(got[name], want[name], err_msg=name)
  # The training state (weights, optimizer state, step) of step 4.
  state = "%s4.npz" % runner.KERAS_STATE
  with np.load(os.path.join(str(whole), state)) as a, \
      np.load(os.path.join(str(cut), state)) as b:
    assert a.files == b.files
    for k in a.files:
      np.testing.assert_array_equal(a[k], b[k], err_msg=k)
  text, _ = next_char(backend, cut, "--mode=sample")
  assert text.startswith(PRIME) and len(text) == len(PRIME) + 20 + 1
  assert whole_out.endswith(text) and resumed.endswith(text)
