"""kill -9 every model's training in the middle, resume, compare with an
uninterrupted run (slow tier; the driver is ``tests/chaos.py``, which
``run_all.sh chaos`` runs too).

For every model -- char_rnn, text8_lstm (``--keep_prob=1``: dropout's masks
are not replayed, see chaos.py), word2vec (its candidate sampler is
replayed on resume), seq2seq, next_char's TF1 twin and its Keras loop --
at least one kill must land mid-training (the process still running, its
newest checkpoint newer than the one before the kill and before the last
step), the resumed run must end at the same step, and its final weights
must equal the uninterrupted run's bit for bit.
"""

import signal
import subprocess

import pytest

from tests import chaos


@pytest.mark.slow
@pytest.mark.parametrize("model", sorted(chaos.COMMANDS))
def test_kill_9_mid_training_and_resume_is_bit_identical(model, tmp_path):
  r = chaos.chaos(model, str(tmp_path), kills=3, seed=1)
  assert r["step"] == r["ref_step"] == chaos.STEPS, r
  assert r["mid_kills"] >= 1, r
  assert r["identical"], r
  assert chaos.ok(r)


@pytest.mark.slow
@pytest.mark.parametrize("model", ["char_rnn", "next_char_keras"])
def test_sigterm_from_outside_saves_and_exits_cleanly(model, tmp_path):
  """What ``docker stop`` does: SIGTERM to the real command mid-training.
  The shared loop (char_rnn) and next_char's Keras loop both finish the
  step, save it, say so and exit 0; the rerun resumes from that step.
  (The in-process tests in test_reliability send the same signal from
  inside; this one is the real process and command line.)"""
  d = str(tmp_path / "run")
  p, reached, out, _, reader = chaos._start(model, d, str(tmp_path),
                                            kill_at=5)
  reached.wait()
  p.send_signal(signal.SIGTERM)
  assert p.wait(timeout=120) == 0
  reader.join()
  saved = [l for l in out if l.startswith("interrupted: saved")]
  assert len(saved) == 1, out
  step = chaos.step_of(chaos.final_checkpoint(model, d))
  assert 5 <= step < chaos.STEPS, (saved, step)
  assert chaos.step_of(saved[0].split()[-1]) == step, (saved, step)
  end = subprocess.run(
      chaos.command(model, d), capture_output=True, text=True,
      env=chaos._env(), cwd=str(tmp_path))
  assert end.returncode == 0 and "resumed from" in end.stdout, end.stderr
  assert "at step %d" % step in end.stdout
