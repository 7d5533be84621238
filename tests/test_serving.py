"""SavedModel export for TF Serving (``tf1_models.serving``), through
char_rnn's ``--mode=export``.

The export is loaded the way a server would: in a fresh process that can
import TensorFlow but neither this project's packages nor its flags, and
with ``saved_model_cli run``. Its greedy text must equal ``--mode=sample``'s
from the same checkpoint, and bad requests must come back as an error
string, never as a failed call.
"""

import ast
import dataclasses
import json
import os
import subprocess
import sys

import pytest

from tf1_models import serving
from tf1_models.char_rnn import config as config_lib
from tf1_models.char_rnn import runner
from tf1_models.errors import UserError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POEMS = os.path.join(REPO, "tf1_models", "data", "poems_small.txt")

# Run in a fresh interpreter: the project's packages are made unimportable,
# so the export must stand on TensorFlow alone.
_CLIENT = r"""
import json, sys
sys.modules["tf1_models"] = None
sys.modules["compat"] = None
import tensorflow as tf
fn = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
results = []
for prime, length, temperature, top_k, seed in json.loads(sys.argv[2]):
  out = fn(prime=tf.constant(prime), length=tf.constant(length, tf.int32),
           temperature=tf.constant(temperature, tf.float32),
           top_k=tf.constant(top_k, tf.int32), seed=tf.constant(seed, tf.int64))
  results.append([out["text"].numpy().decode("utf-8"),
                  out["error"].numpy().decode("utf-8")])
print(json.dumps(results))
"""


def _env():
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
  env.pop("PYTHONPATH", None)
  return env


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
  tmp = tmp_path_factory.mktemp("serving")
  config = config_lib.preset("test", corpus=POEMS, max_steps=3,
                             checkpoint_dir=str(tmp / "run"), length=40)
  runner.train(config, log=lambda *_: None)
  path = runner.export_saved_model(config, log=lambda *_: None)
  return config, path, tmp


def _greedy(config, prime):
  return runner.sample(dataclasses.replace(config, temperature=0.0,
                                           prime=prime), log=lambda *_: None)


def test_export_layout_is_tf_servings(exported):
  config, path, _ = exported
  assert os.path.basename(path) == "3"  # the checkpoint's step
  assert os.path.dirname(path) == os.path.join(config.checkpoint_dir,
                                               "export")
  assert sorted(os.listdir(path)) == ["saved_model.pb", "variables"]
  with pytest.raises(UserError, match="already exists"):
    runner.export_saved_model(config, log=lambda *_: None)


def test_loads_with_tensorflow_alone_and_matches_sample(exported):
  config, path, tmp = exported
  requests = [
      ["春", 40, 0.0, 0, 1],      # greedy: must equal --mode=sample
      ["春", 40, 1.0, 5, 7],      # sampled, seed 7
      ["春", 40, 1.0, 5, 7],      # the same request again
      ["", 40, 0.0, 0, 1],        # empty prime
      ["春x", 40, 0.0, 0, 1],     # a character outside the vocabulary
      ["春", 0, 0.0, 0, 1],       # length out of range
      ["春", 41, 0.0, 0, 1],
  ]
  proc = subprocess.run([sys.executable, "-c", _CLIENT, path,
                         json.dumps(requests)], capture_output=True,
                        text=True, env=_env(), cwd=str(tmp), timeout=300)
  assert proc.returncode == 0, proc.stderr[-2000:]
  out = json.loads(proc.stdout.strip().split("\n")[-1])
  assert out[0] == [_greedy(config, "春"), ""]
  assert out[1] == out[2] and out[1][1] == "" and out[1][0].startswith("春")
  assert out[3] == ["", "empty prime: send at least one character"]
  assert out[4][0] == "" and "outside the model's vocabulary: x;" in out[4][1]
  assert out[5] == ["", "length must be between 1 and 40, got 0"]
  assert out[6] == ["", "length must be between 1 and 40, got 41"]


def test_saved_model_cli_prints_the_greedy_sample(exported):
  config, path, tmp = exported
  proc = subprocess.run(
      ["saved_model_cli", "run", "--dir", path, "--tag_set", "serve",
       "--signature_def", serving.SIGNATURE, "--input_exprs",
       'prime="春";length=40;temperature=0.0;top_k=0;seed=1'],
      capture_output=True, text=True, env=_env(), cwd=str(tmp), timeout=300)
  assert proc.returncode == 0, proc.stderr[-2000:]
  lines = proc.stdout.strip().split("\n")
  text = ast.literal_eval(lines[lines.index(
      "Result for output key text:") + 1]).decode("utf-8")
  assert text == _greedy(config, "春")


def test_export_without_checkpoint_is_one_line(tmp_path):
  config = config_lib.preset("test", checkpoint_dir=str(tmp_path / "none"))
  with pytest.raises(UserError):
    runner.export_saved_model(config, log=lambda *_: None)


def test_poem_text_is_cut_and_broken_into_lines():
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  spec = serving.TextSpec(list("B春风。花E"), prefix="B", end_symbol="E",
                          line_ends=("。",))
  with tf.Graph().as_default():
    text = serving._decode(tf.constant("春"), tf.constant([2, 3, 4, 3, 5, 1]),
                           spec)
    with tf.compat.v1.Session() as sess:
      out = sess.run(text).decode("utf-8")
  assert out == runner.format_poem("春" + "风。花。E春")
  assert out == "春风。\n花。"
