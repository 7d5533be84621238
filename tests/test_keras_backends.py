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
# One small case per twin model in the default suite (one JAX process;
# text8's bigram, whose embedding and per-occurrence clipping the other two
# variants lack; word2vec covers the sampled softmax); the rest (text8's
# separate and fused among them), and every case on PyTorch, under -m slow
# (run_all.sh), to keep the default suite under CI's 10 minutes. The dynamic
# seq2seq twin is slow only: its eager decoding loops cost ~10 s on JAX
# (every new op shape compiles once).
DEFAULT = ["char_rnn_gru", "next_char_rnn", "seq2seq_gru1", "text8_bigram",
           "word2vec_cbow_mean"]
MORE = [n for n in NAMES if n not in DEFAULT]
_REFERENCES = {}


def references(names):
  """TF1 references by case name, each computed once per session."""
  for name in names:
    if name not in _REFERENCES:
      _REFERENCES[name] = backend_cases.CASES[name][0]()
  return {name: _REFERENCES[name] for name in names}


def run_backend(backend, names, tmp_path):
  """One process of ``backend`` runs the Keras side of ``names``."""
  if importlib.util.find_spec(backend) is None:
    pytest.skip("%s is not installed (pip install %s)" % (backend, backend))
  refs = references(names)
  in_path, out_path = tmp_path / "in.npz", tmp_path / "out.npz"
  backend_cases.save(in_path, {n: r[0] for n, r in refs.items()})
  env = dict(os.environ, KERAS_BACKEND=backend, PYTHONPATH=REPO,
             TF_CPP_MIN_LOG_LEVEL="3")
  proc = subprocess.run(
      [sys.executable, "-m", "tests.backend_cases", backend, str(in_path),
       str(out_path)], cwd=REPO, env=env, capture_output=True, text=True,
      timeout=900)
  assert proc.returncode == 0, proc.stderr[-3000:]
  return backend_cases.load(out_path)


@pytest.fixture(scope="module")
def jax_results(tmp_path_factory):
  return run_backend("jax", DEFAULT, tmp_path_factory.mktemp("jax"))


@pytest.fixture(scope="module")
def jax_more_results(tmp_path_factory):
  return run_backend("jax", MORE, tmp_path_factory.mktemp("jax_more"))


@pytest.fixture(scope="module")
def torch_results(tmp_path_factory):
  return run_backend("torch", NAMES, tmp_path_factory.mktemp("torch"))


def check(results, name):
  got = results[name]
  assert "error" not in got, got.get("error")
  backend_cases.CASES[name][2](got["result"], references([name])[name][1])


@pytest.mark.parametrize("name", DEFAULT)
def test_jax_matches_tf1(name, jax_results):
  check(jax_results, name)


@pytest.mark.slow
@pytest.mark.parametrize("name", MORE)
def test_jax_matches_tf1_more_cases(name, jax_more_results):
  check(jax_more_results, name)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_torch_matches_tf1(name, torch_results):
  check(torch_results, name)
