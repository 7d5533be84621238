"""A TF1 checkpoint, converted, generates the same text on a machine with
Keras and JAX (or PyTorch) but no TensorFlow.

The TF1 run, its export to ``.weights.h5`` and the TF1 sample run here; the
Keras side runs ``python -m tf1_models.char_rnn --mode=keras_sample
--backend=...`` in a subprocess whose ``sitecustomize`` makes ``import
tensorflow`` fail (as on a machine without it).
"""

import importlib.util
import os
import subprocess
import sys

import pytest

from tests.char_rnn.test_cli import POEM_LINES, REPO, run_cli

NO_TF = "import sys\nsys.modules['tensorflow'] = None  # import fails\n"


def without_tensorflow(tmp_path, *args, backend="jax"):
  shim = tmp_path / "no_tf"
  shim.mkdir(exist_ok=True)
  (shim / "sitecustomize.py").write_text(NO_TF)
  env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(shim), REPO]))
  env.pop("KERAS_BACKEND", None)
  return subprocess.run([sys.executable] + list(args), capture_output=True,
                        text=True, env=env, cwd=REPO, timeout=600)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
  """A 2-step TF1 GRU run on poems, exported; and its greedy TF1 text."""
  tmp = tmp_path_factory.mktemp("tf1_run")
  poems = tmp / "poems.txt"
  poems.write_text("\n".join(POEM_LINES) + "\n", encoding="utf-8")
  ckpt, keras_file = str(tmp / "run"), str(tmp / "net.weights.h5")
  run_cli("--corpus=%s" % poems, "--checkpoint_dir=" + ckpt,
          "--max_steps=2", "--model=gru")
  run_cli("--mode=export_keras", "--checkpoint_dir=" + ckpt,
          "--keras_file=" + keras_file)
  from tf1_models.char_rnn import config, runner  # pylint: disable=import-outside-toplevel
  text = runner.sample(config.preset(
      "test", checkpoint_dir=ckpt, temperature=0.0, length=30, prime="春"))
  return keras_file, text


def test_the_shim_really_hides_tensorflow(tmp_path):
  r = without_tensorflow(tmp_path, "-c", "import tensorflow")
  assert r.returncode != 0 and "import of tensorflow halted" in r.stderr


TWINS = ["char_rnn.keras_model", "text8_lstm.keras_model",
         "next_char.keras_model", "word2vec.keras_model",
         "seq2seq.keras_model", "seq2seq.keras_dynamic"]


def test_every_keras_twin_imports_without_tensorflow(tmp_path):
  if importlib.util.find_spec("jax") is None:
    pytest.skip("jax is not installed")
  r = without_tensorflow(tmp_path, "-c", (
      "import os; os.environ['KERAS_BACKEND'] = 'jax'\n"
      "import importlib, keras\n"
      "for m in %r: importlib.import_module('tf1_models.' + m)\n"
      "print(keras.backend.backend())" % TWINS))
  assert r.returncode == 0, r.stderr[-2000:]
  assert r.stdout == "jax\n"


@pytest.mark.parametrize("backend", [
    "jax", pytest.param("torch", marks=pytest.mark.slow)])
def test_tf1_checkpoint_generates_the_same_text_without_tensorflow(
    backend, exported, tmp_path):
  if importlib.util.find_spec(backend) is None:
    pytest.skip("%s is not installed" % backend)
  keras_file, tf1_text = exported
  r = without_tensorflow(
      tmp_path, "-m", "tf1_models.char_rnn", "--mode=keras_sample",
      "--backend=" + backend, "--keras_file=" + keras_file,
      "--temperature=0", "--length=30", "--prime=春")
  assert r.returncode == 0, r.stderr[-2000:]
  assert r.stdout == tf1_text + "\n"
  assert len(set(tf1_text)) > 2
