"""``python -m compat.run``: unmodified TF1 scripts (as tf_upgrade_v2 leaves
them, or in ``import tensorflow.compat.v1 as tf`` style) run like
``python SCRIPT ARGS``, and ``--graph-mode`` runs the ones that need eager
execution off. Three subprocesses (each imports TensorFlow)."""

import json
import math
import os
import subprocess
import sys

import numpy as np

from compat import run
from tests.compat import helpers

UPGRADED = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "upgraded")
SMALL_LM = os.path.join(UPGRADED, "small_lm.py")
SUPERVISOR = os.path.join(UPGRADED, "supervisor_script.py")


def _compat_run(args):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
  return subprocess.run([sys.executable, "-m", "compat.run"] + args,
                        cwd=helpers.REPO, env=env, capture_output=True,
                        text=True, timeout=600)


def test_upgraded_script_runs_as_main_with_its_argv_and_exit_status():
  proc = _compat_run([SMALL_LM, "--exit_code=3"])
  assert proc.returncode == 3, proc.stderr[-3000:]
  got = json.loads(proc.stdout.strip().splitlines()[-1])
  assert got["argv"] == [SMALL_LM, "--exit_code=3"]
  assert got["name"] == "__main__"
  assert got["path0"] == UPGRADED
  # tf.nn.rnn_cell.LSTMStateTuple, tf.compat.v1.nn.rnn_cell.*,
  # tf.contrib.rnn.DropoutWrapper and legacy_seq2seq all resolved, with TF1's
  # variable names.
  assert got["variables"] == [
      "Model/embedding",
      "Model/rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
      "Model/rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
      "Model/rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias",
      "Model/rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel",
      "Model/softmax_b", "Model/softmax_w"]
  # The converted xavier_initializer honours the graph seed: both builds
  # start from the same weights (Keras 3's initialiser would not).
  assert got["same_initial_weights"] is True
  # ... and from run to run (recorded from an earlier process; TF 1.15
  # numbered graph-seeded op seeds otherwise, so its numbers differ).
  np.testing.assert_allclose(got["softmax_w"][0][:3],
                             [-0.16847712, 0.30275005, -0.25111002],
                             rtol=1e-6)
  limit = math.sqrt(6.0 / (4 + 10))  # Glorot uniform over [4, 10]
  flat = [x for row in got["softmax_w"] for x in row]
  assert max(abs(x) for x in flat) <= limit and max(flat) > 0.5 * limit
  assert abs(got["cost"] - 3 * math.log(10)) < 0.1  # near-uniform start


def test_graph_mode_runs_supervisor_and_module_level_placeholders(tmp_path):
  module = "tests.compat.upgraded.supervisor_script"
  proc = _compat_run(["--graph-mode", "-m", module, str(tmp_path)])
  assert proc.returncode == 0, proc.stderr[-3000:]
  line = proc.stdout.strip().splitlines()[-1]
  assert line.startswith("global_step 5, loss "), line
  first, last = map(float, line.split("loss ")[1].split(" -> "))
  assert last < first
  assert any(n.startswith("graph.pbtxt") for n in os.listdir(tmp_path))


def test_without_graph_mode_the_script_fails_with_its_own_traceback(
    tmp_path):
  proc = _compat_run([SUPERVISOR, str(tmp_path)])
  assert proc.returncode == 1
  frames = [l for l in proc.stderr.splitlines()
            if l.startswith('  File "')]
  assert frames[0].startswith('  File "%s", line 15' % SUPERVISOR), frames
  assert not any("runpy" in f or "compat/run.py" in f for f in frames)
  assert proc.stderr.rstrip().endswith(
      "tf.placeholder() is not compatible with eager execution.")


def test_bad_usage_exits_2_with_one_line(capsys, tmp_path):
  for argv, message in (
      ([], "no script given"),
      (["--graph"], "unknown option --graph"),
      (["-m"], "-m needs a module name"),
      ([str(tmp_path / "missing.py")], "no such script: "),
  ):
    assert run.main(["compat.run"] + argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("compat.run: " + message), err
    assert "usage: python -m compat.run [--graph-mode] SCRIPT" in err
  assert run.main(["compat.run", "--graph-mode", "--help"]) == 0
  assert capsys.readouterr().out.startswith("usage: python -m compat.run")
