"""The reproducibility runs (tf1_models/text8_lstm/reproducibility.py): a
nudged start differs from the seed's weights in one element by one ulp and
in nothing else; starting from a written step-0 run is the same as starting
fresh, so the nudge is the only difference; the summary line and the
command line."""

import os
import subprocess
import sys

import numpy as np
import pytest

from tests.text8_lstm import helpers as H
from tf1_models import training
from tf1_models.errors import UserError
from tf1_models.text8_lstm import config as config_lib
from tf1_models.text8_lstm import convert, reproducibility, runner

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
  path = tmp_path_factory.mktemp("corpus") / "tiny.txt"
  path.write_text(H.tiny_text(600, seed=3), encoding="utf-8")
  return str(path)


def cfg(corpus, run_dir, **kw):
  return config_lib.preset("test", corpus=corpus, sample_every=0,
                           checkpoint_dir=str(run_dir), **kw)


def weights(run_dir):
  ckpt = training.RunDir(str(run_dir)).latest_checkpoint()
  return convert.read_checkpoint(ckpt, "separate", with_state=True)


def start(config, run_dir, k):
  data = runner.load_data(config, log=lambda line: None)
  reproducibility.write_nudged_start(config, data, str(run_dir), k)
  return weights(run_dir)


def test_a_nudge_moves_one_weight_by_one_ulp(corpus, tmp_path):
  control = start(cfg(corpus, tmp_path / "a"), tmp_path / "a", None)
  nudged = start(cfg(corpus, tmp_path / "b"), tmp_path / "b", 2)
  assert int(control["global_step"]) == int(nudged["global_step"]) == 0
  for name in control:
    if name != "ix":
      np.testing.assert_array_equal(control[name], nudged[name], name)
  changed = np.argwhere(control["ix"] != nudged["ix"])
  assert changed.tolist() == [[2, 0]]
  assert nudged["ix"][2, 0] == np.nextafter(control["ix"][2, 0], np.inf)


def test_starting_from_a_written_start_equals_starting_fresh(corpus,
                                                             tmp_path):
  fresh = cfg(corpus, tmp_path / "fresh")
  runner.train(fresh, log=lambda line: None)
  control = cfg(corpus, tmp_path / "control")
  start(control, tmp_path / "control", None)
  result = runner.train(control, log=lambda line: None)
  assert result.resumed_from == 0 and result.step == fresh.max_steps
  a, b = weights(tmp_path / "fresh"), weights(tmp_path / "control")
  for name in a:
    np.testing.assert_array_equal(a[name], b[name], name)


@pytest.mark.slow  # ~7 s; test_command_line runs the mode end to end
def test_measure_trains_every_run_and_resumes(corpus, tmp_path):
  config = cfg(corpus, "", max_steps=3)
  lines = []
  figures = reproducibility.measure(config, str(tmp_path), 2, lines.append)
  assert list(figures) == ["separate", "separate nudged 0",
                           "separate nudged 1", "fused"]
  assert all(np.isfinite(v) and v > 1 for v in figures.values())
  assert "training separate nudged 1 in %s" % (
      tmp_path / "separate_nudged_1") in lines
  again = reproducibility.measure(config, str(tmp_path), 2, lambda l: None)
  assert again == figures


def test_summary_line():
  line = reproducibility.summary({"separate": 4.0, "separate nudged 0": 4.02,
                                  "separate nudged 1": 3.995, "fused": 3.99})
  assert line == ("|fused - separate| = 1.00e-02; |nudged - separate| from "
                  "5.00e-03 to 2.00e-02; ratio to the largest 0.50")
  assert reproducibility.summary({"separate": 4.0, "fused": 4.0}) == (
      "|fused - separate| = 0.00e+00")


def test_bad_arguments(corpus, tmp_path):
  with pytest.raises(UserError, match="start from --variant=separate"):
    reproducibility.measure(cfg(corpus, "", variant="fused"), str(tmp_path),
                            1, lambda l: None)
  with pytest.raises(UserError, match="--nudges must be between 0 and 27"):
    reproducibility.measure(cfg(corpus, ""), str(tmp_path), 28,
                            lambda l: None)


def test_command_line(corpus, tmp_path):
  """``--mode=reproducibility`` as a user runs it (in a subprocess: the
  models' flag sets cannot share one process)."""
  out = subprocess.run(
      [sys.executable, "-m", "tf1_models.text8_lstm", "--config=test",
       "--mode=reproducibility", "--corpus=" + corpus, "--nudges=1",
       "--max_steps=2", "--output_dir=" + str(tmp_path)],
      capture_output=True, text=True, cwd=REPO, check=False)
  assert out.returncode == 0, out.stderr[-2000:]
  lines = [l for l in out.stdout.strip().splitlines()
           if not l.startswith(("corpus:", "training "))]
  assert [l.rsplit(None, 1)[0] for l in lines[:3]] == [
      "separate", "separate nudged 0", "fused"]
  assert lines[3].startswith("|fused - separate| = ") and len(lines) == 4
  assert sorted(os.listdir(tmp_path)) == ["fused", "separate",
                                          "separate_nudged_0"]
