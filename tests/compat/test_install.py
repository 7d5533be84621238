"""``compat.install()``: an unmodified TF1-style script (``tf.contrib.rnn``,
``from tensorflow.contrib import rnn``, ``import tensorflow.contrib.rnn``,
``tf.compat.v1.nn.rnn_cell``, ``tf.compat.v1.layers.dense``) runs and
reproduces TF 1.15's losses; install() is idempotent and leaves eager
execution on.
"""

import importlib
import json
import os
import subprocess
import sys

import numpy as np
import tensorflow as tf

import compat
from tests.compat import helpers

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "legacy_tf1_script.py")

# Runs the script twice in one interpreter: before install() it must fail to
# import tensorflow.contrib (so the test below is not vacuous), after it it
# must run.
_RUN_BEFORE_AND_AFTER_INSTALL = (
    "import runpy, sys\n"
    "sys.argv = [sys.argv[1]]\n"
    "try:\n"
    "  runpy.run_path(sys.argv[0], run_name='__main__')\n"
    "except ImportError as e:\n"
    "  print('before install: %s' % e, file=sys.stderr)\n"
    "else:\n"
    "  sys.exit('the script ran without compat.install()')\n"
    "import compat\n"
    "compat.install()\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n")


def _run(args):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
  return subprocess.run([sys.executable] + args, cwd=helpers.REPO, env=env,
                        capture_output=True, text=True, timeout=600)


def test_legacy_script_runs_unmodified_after_install():
  proc = _run(["-c", _RUN_BEFORE_AND_AFTER_INSTALL, SCRIPT])
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert ("before install: No module named 'tensorflow.contrib'"
          in proc.stderr)
  got = json.loads(proc.stdout.strip().splitlines()[-1])
  with open(os.path.join(helpers.GOLDEN, "legacy_script_tf1.json")) as f:
    expected = json.load(f)
  assert got["variables"] == expected["variables"]
  np.testing.assert_allclose(got["losses"], expected["losses"], rtol=1e-5)
  np.testing.assert_allclose(got["final"], expected["final"], rtol=1e-5)
  assert got["restored"] == got["final"]
  assert got["losses"][-1] < got["losses"][0]  # it trained


def _api_objects():
  import tensorflow.compat.v1 as tf_v1  # pylint: disable=g-import-not-at-top
  import tensorflow.contrib.rnn  # pylint: disable=g-import-not-at-top
  from tensorflow.contrib import rnn  # pylint: disable=g-import-not-at-top
  return {
      "contrib": tf.contrib,
      "contrib.rnn": tf.contrib.rnn,
      "import contrib.rnn": tensorflow.contrib.rnn,
      "from contrib import rnn": rnn,
      "v1.contrib": tf.compat.v1.contrib,
      "v1.nn.rnn_cell": tf.compat.v1.nn.rnn_cell,
      "compat.v1 as tf: nn.rnn_cell": tf_v1.nn.rnn_cell,
      "v1.layers": tf.compat.v1.layers,
      "compat.v1 as tf: layers": tf_v1.layers,
  }


def test_install_is_idempotent_and_keeps_eager_execution():
  assert tf.executing_eagerly()
  contrib = compat.install()
  first = _api_objects()
  assert compat.install() is contrib
  second = _api_objects()
  assert first == second and all(a is second[k] for k, a in first.items())
  assert tf.executing_eagerly()

  import tensorflow.compat.v1 as tf_v1  # pylint: disable=g-import-not-at-top
  for v1 in (tf.compat.v1, tf_v1):
    assert v1.nn.rnn_cell.BasicLSTMCell is compat.BasicLSTMCell
    assert v1.nn.rnn_cell.MultiRNNCell is compat.MultiRNNCell
    assert v1.nn.rnn_cell.DropoutWrapper is compat.DropoutWrapper
    assert v1.layers.dense is compat.dense
    assert v1.layers.Dense is compat.Dense
  assert tf.contrib.rnn.LSTMBlockFusedCell is compat.LSTMBlockFusedCell
  assert tf.contrib.rnn.OutputProjectionWrapper is (
      compat.OutputProjectionWrapper)
  assert tf.contrib.rnn.static_rnn is tf.compat.v1.nn.static_rnn
  try:
    seq2seq = importlib.import_module("compat.legacy_seq2seq")
  except ImportError:
    seq2seq = None
  if seq2seq is not None:
    assert tf.contrib.legacy_seq2seq is seq2seq


def test_installed_api_builds_graphs_and_stays_eager():
  compat.install()
  v1 = tf.compat.v1
  with tf.Graph().as_default():
    cell = v1.nn.rnn_cell.MultiRNNCell(
        [tf.contrib.rnn.LSTMBlockCell(3), v1.nn.rnn_cell.GRUCell(3)])
    outputs, _ = v1.nn.dynamic_rnn(cell, tf.ones([2, 4, 5]),
                                   dtype=tf.float32)
    logits = v1.layers.dense(outputs, 2)
    assert logits.shape.as_list() == [2, 4, 2]
    assert not tf.executing_eagerly()
  assert tf.executing_eagerly()
  assert tf.reduce_sum(tf.ones([2])).numpy() == 2.0
