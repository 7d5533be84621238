"""Every Keras twin on the JAX (and PyTorch) backend vs the TF1 graph.

The TF1 references are computed here (TensorFlow backend); each other
backend runs all twins in one subprocess (see ``tests/backend_cases.py``).
JAX runs in the default suite; PyTorch, when installed, under ``-m slow``
(run_all.sh), as its CPU wheel is large and its process start slow.
"""

import importlib.util
import os
import subprocess
import sys

import pytest

from tests import backend_cases

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = sorted(backend_cases.CASES)


@pytest.fixture(scope="module")
def references():
  return {name: backend_cases.CASES[name][0]() for name in NAMES}


def run_backend(backend, references, tmp_path):
  if importlib.util.find_spec(backend) is None:
    pytest.skip("%s is not installed (pip install %s)" % (backend, backend))
  in_path, out_path = tmp_path / "in.npz", tmp_path / "out.npz"
  backend_cases.save(in_path, {n: r[0] for n, r in references.items()})
  env = dict(os.environ, KERAS_BACKEND=backend, PYTHONPATH=REPO,
             TF_CPP_MIN_LOG_LEVEL="3")
  proc = subprocess.run(
      [sys.executable, "-m", "tests.backend_cases", backend, str(in_path),
       str(out_path)], cwd=REPO, env=env, capture_output=True, text=True,
      timeout=600)
  assert proc.returncode == 0, proc.stderr[-3000:]
  return backend_cases.load(out_path)


@pytest.fixture(scope="module")
def jax_results(references, tmp_path_factory):
  return run_backend("jax", references, tmp_path_factory.mktemp("jax"))


@pytest.fixture(scope="module")
def torch_results(references, tmp_path_factory):
  return run_backend("torch", references, tmp_path_factory.mktemp("torch"))


def check(results, references, name):
  got = results[name]
  assert "error" not in got, got.get("error")
  backend_cases.CASES[name][2](got["result"], references[name][1])


@pytest.mark.parametrize("name", NAMES)
def test_jax_matches_tf1(name, jax_results, references):
  check(jax_results, references, name)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_torch_matches_tf1(name, torch_results, references):
  check(torch_results, references, name)
