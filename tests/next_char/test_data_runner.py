"""next_char windows (exact batches on a tiny text), training both
implementations end to end, converting runs both ways, and user errors."""

import numpy as np
import pytest

from tf1_models import corpus
from tf1_models.errors import (CheckpointMismatchError, CorpusError,
                               UserError, VocabularyError)
from tf1_models.next_char import config as config_lib
from tf1_models.next_char import data as data_lib
from tf1_models.next_char import runner


def test_windows_are_the_seeds_pairs():
  text = "hello world"
  w = data_lib.windows(text, seq_length=3, batch_size=2, seed=0)
  assert w.vocab.symbols == sorted(set(text))  # the seed's char_to_idx
  assert w.train_windows == len(text) - 3  # range(0, len(text) - seq_length)
  x, y = w.cut([0, 7])
  assert ["".join(w.vocab.decode(r)) for r in x] == ["hel", "orl"]
  assert "".join(w.vocab.decode(y)) == "ld"
  # One epoch visits every window once, in a seeded order; steps are pure.
  seen = []
  for step in range(w.steps_per_epoch):
    xb, yb = w.batch(step)
    assert xb.dtype == np.int32 and xb.shape == (2, 3)
    seen += ["".join(w.vocab.decode(r)) for r in xb]
  assert sorted(seen) == sorted(text[i:i + 3] for i in range(8))
  again = data_lib.windows(text, 3, 2, seed=0)
  np.testing.assert_array_equal(again.batch(5)[0], w.batch(5)[0])
  assert not np.array_equal(w.batch(0)[0], w.batch(w.steps_per_epoch)[0]) or \
      not np.array_equal(w.batch(1)[0], w.batch(w.steps_per_epoch + 1)[0])


def test_windows_hold_one_int_array_not_a_window_matrix():
  text = "abcdefghij" * 300
  w = data_lib.windows(text, seq_length=100, batch_size=8)
  w.batch(0)
  arrays = [v for v in vars(w).values() if isinstance(v, np.ndarray)]
  arrays += [v for v in w._order if isinstance(v, np.ndarray)]
  total = sum(a.nbytes for a in arrays)
  assert w.ids.nbytes == len(text) * 4
  # ids + one permutation of window indices; the seed's matrix: 100x more.
  assert total < w.ids.nbytes + w.train_windows * 8 + 1000
  assert total * 50 < w.train_windows * 100 * 8


def test_held_out_windows_do_not_cross_the_cut():
  text = "".join(chr(ord("a") + i % 26) for i in range(400))
  w = data_lib.windows(text, seq_length=10, batch_size=4, val_fraction=0.25)
  assert w.val_start == 300 and w.train_windows == 290
  for x, _ in w.val_batches(3):
    assert x.shape == (4, 10)
  x, y = w.cut([w.train_windows - 1])
  assert "".join(w.vocab.decode(x[0])) + w.vocab.decode(y)[0] == text[289:300]
  with pytest.raises(CorpusError, match="too few"):
    data_lib.windows("abc" * 5, 10, 4, val_fraction=0.1)


def test_pad_windows_right_pads_and_keeps_the_tail():
  ids, lengths = data_lib.pad_windows([[5, 6, 7], [1, 2, 3, 4, 5, 6]], 4)
  assert ids.tolist() == [[5, 6, 7, 0], [3, 4, 5, 6]]
  assert lengths.tolist() == [3, 4]


def _config(tmp_path, impl, **kw):
  kw.setdefault("checkpoint_dir", str(tmp_path / impl))
  kw.setdefault("prime", "Once upon a time")
  return config_lib.preset(
      "test", impl=impl, corpus=corpus.shipped("shakespeare_small.txt"),
      length=25, **kw)


def test_train_both_convert_both_ways_same_text(tmp_path):
  logs = []
  texts = {}
  for impl in ("tf1", "keras"):
    config = _config(tmp_path, impl)
    result = runner.train(config, log=logs.append)
    assert result.step == 3 and np.isfinite(result.loss)
    assert "val_loss" in result.metrics
    texts[impl] = runner.sample(config)
    assert texts[impl].startswith("Once upon a time")
    assert len(texts[impl]) == 16 + 25
    other = str(tmp_path / (impl + "_converted"))
    runner.convert_run(config.checkpoint_dir, other, log=logs.append)
    converted = _config(tmp_path, "tf1" if impl == "keras" else "keras",
                        checkpoint_dir=other)
    assert runner.sample(converted) == texts[impl]
    # A converted run has no optimizer state: training it is refused.
    with pytest.raises(CheckpointMismatchError, match="converted from"):
      runner.train(converted, log=logs.append)
  # Resume continues at the saved step (Keras's own loop included).
  result = runner.train(_config(tmp_path, "keras", max_steps=4),
                        log=logs.append)
  assert result.resumed_from == 3 and result.step == 4


def test_user_errors(tmp_path):
  config = _config(tmp_path, "tf1", max_steps=1)
  runner.train(config, log=lambda s: None)
  with pytest.raises(CheckpointMismatchError, match="impl=tf1"):
    runner.train(_config(tmp_path, "keras", checkpoint_dir=str(
        tmp_path / "tf1")), log=lambda s: None)
  with pytest.raises(VocabularyError, match="--prime"):
    runner.sample(_config(tmp_path, "tf1", prime="Once \u2603"))
  with pytest.raises(UserError, match="--prime is empty"):
    runner.sample(_config(tmp_path, "tf1", prime=""))
  with pytest.raises(CheckpointMismatchError, match="no trained run"):
    runner.sample(_config(tmp_path, "tf1", checkpoint_dir=str(
        tmp_path / "nothing")))
  with pytest.raises(CheckpointMismatchError, match="already holds"):
    runner.convert_run(str(tmp_path / "tf1"), str(tmp_path / "tf1"))
  with pytest.raises(UserError, match="--cell"):
    runner.train(_config(tmp_path, "tf1", cell="cnn"))


@pytest.mark.slow
def test_sampler_xla_and_folded_train_graph_on_a_run(tmp_path):
  """A seed-graph run resumes under --train_graph=folded (same variables,
  Adam slots); --sampler=xla writes its greedy text; bad combinations are
  one-line errors."""
  runner.train(_config(tmp_path, "tf1", max_steps=2), log=lambda s: None)
  result = runner.train(_config(tmp_path, "tf1", max_steps=3,
                                train_graph="folded"), log=lambda s: None)
  assert result.resumed_from == 2 and result.step == 3
  assert np.isfinite(result.loss)
  graph = runner.sample(_config(tmp_path, "tf1"))
  assert runner.sample(_config(tmp_path, "tf1", sampler="xla")) == graph
  with pytest.raises(UserError, match="--train_graph=folded is for"):
    runner.train(_config(tmp_path, "tf1", cell="gru", train_graph="folded"))
  with pytest.raises(UserError, match="--sampler=jit"):
    runner.train(_config(tmp_path, "tf1", sampler="jit"))
  runner.train(_config(tmp_path, "keras"), log=lambda s: None)
  with pytest.raises(UserError, match="--sampler=xla is for TF1 runs"):
    runner.sample(_config(tmp_path, "keras", sampler="xla"))
