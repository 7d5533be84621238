"""kill -9 at random moments of every model's training, resume, compare with
an uninterrupted run (slow tier; the driver is ``tests/chaos.py``, which
``run_all.sh chaos`` runs too).

Exact models must end bit-identical; word2vec draws negative samples with a
TensorFlow random op whose state is not checkpointed, so it must end at the
same step with the mean loss of its last ``chaos.LOSS_WINDOW`` steps within
``chaos.LOSS_TOLERANCE`` of the uninterrupted run's.
"""

import pytest

from tests import chaos


@pytest.mark.slow
@pytest.mark.parametrize("model", sorted(chaos.COMMANDS))
def test_kill_9_and_resume_matches_an_uninterrupted_run(model, tmp_path):
  r = chaos.chaos(model, str(tmp_path), kills=4, seed=1)
  assert r["step"] == r["ref_step"] == chaos.STEPS
  assert any(k not in ("finished",) for k in r["kills"]), r["kills"]
  if model in chaos.NOT_EXACT:
    assert abs(r["loss"] - r["ref_loss"]) <= (
        chaos.LOSS_TOLERANCE * r["ref_loss"]), r
  else:
    assert r["identical"], r
