"""The TF1 models other than char_rnn (tests/test_distributed.py) trained by
real processes of their command lines on localhost: 1 ps + 2 workers, tiny
presets (slow tier)."""


import pytest
import tensorflow as tf

from tests.cluster_helpers import (kill_and_restart_worker, launch,
                                   model_command, worker_losses)

MODELS = ["text8_lstm", "word2vec", "seq2seq", "next_char"]
TEXT = ("the cat sat on a mat and a dog ran to the cat so the cat ran up a "
        "big old tree and sat there all day long one two three four five "
        "six seven eight nine ") * 30

pytestmark = pytest.mark.slow


def _corpus(tmp_path):
  path = tmp_path / "corpus.txt"
  path.write_text(TEXT, encoding="utf-8")
  return str(path)


def _last_checkpoint(run_dir):
  """(step, variable names) of the newest checkpoint in ``run_dir``."""
  path = tf.train.latest_checkpoint(run_dir)
  assert path, "no checkpoint in %s" % run_dir
  names = set(tf.train.load_checkpoint(path).get_variable_to_shape_map())
  return int(path.rsplit("-", 1)[1]), names


def _one_process(command):
  proc = launch(command)
  out, err = proc.communicate(timeout=300)
  assert proc.returncode == 0, err[-3000:]
  return out


@pytest.mark.parametrize("model", MODELS)
def test_killed_worker_restarts_and_one_process_resumes(model, tmp_path):
  """Worker 1 is killed with SIGKILL after the chief's checkpoint 4 and
  started again with the same flags: the run finishes, the chief's last
  checkpoint is at the final step, and one process resumes from it and
  saves the same variables (a restore fails on a missing one)."""
  corpus, run_dir = _corpus(tmp_path), str(tmp_path / "run")
  steps = 16
  out, other_out = kill_and_restart_worker(
      model_command(model, corpus, run_dir, steps), run_dir, kill_after=4)
  assert worker_losses(out, 0)[-1][0] == steps
  assert "worker 1 of 1 ps + 2 workers" in other_out
  step, names = _last_checkpoint(run_dir)
  assert step == steps
  _one_process(model_command(model, corpus, run_dir, steps + 2))
  assert _last_checkpoint(run_dir) == (steps + 2, names)
