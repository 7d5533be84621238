"""``python -m tf1_models.train_speed`` runs every row of every model (at
the tiny ``test`` presets) and its FULL_TRACE profile."""

import pytest

from tf1_models import train_speed


@pytest.mark.slow
def test_every_row_runs_and_profiles(capsys):
  results = train_speed.main(["--preset=test", "--rounds=1", "--seconds=0.05",
                              "--warm_up=0"])
  assert set(results) == set(train_speed.models())
  rows = sum(len(r) for _, r in train_speed.models().values())
  assert sum(len(r) for r in results.values()) == rows >= 12
  assert all(rate > 0 for r in results.values() for rate, _ in r.values())
  out = capsys.readouterr().out
  assert out.count("x seed") == rows
  train_speed.main(["--preset=test", "--models=word2vec cbow", "--profile",
                    "--warm_up=0"])
  out = capsys.readouterr().out
  assert out.count("traced op time") == 2 and "optimizer" in out
