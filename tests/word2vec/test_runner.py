"""word2vec end to end on a tiny corpus: train, resume, projector, query.

Both models train a few steps (the ``test`` preset); then the run
directory must hold what TensorBoard's projector reads, ``--nearest`` must
answer from it, and bad input must end in one clear error.
"""

import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from tf1_models.errors import CheckpointMismatchError, UserError
from tf1_models.errors import VocabularyError
from tf1_models.word2vec import config as config_lib
from tf1_models.word2vec import neighbours, runner

TEXT = " ".join(["one two three four five six seven eight nine the cat sat "
                 "on a mat and the dog ran to the park"] * 30)


@pytest.fixture
def corpus(tmp_path):
  path = tmp_path / "tiny.txt"
  path.write_text(TEXT)
  return str(path)


def config(tmp_path, corpus, **kw):
  kw.setdefault("checkpoint_dir", str(tmp_path / "run"))
  return config_lib.preset("test", corpus=corpus, **kw)


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_train_resume_export_and_query(tmp_path, corpus, model):
  lines = []
  cfg = config(tmp_path, corpus, model=model)
  result = runner.train(cfg, log=lines.append)
  assert result.step == 6 and np.isfinite(result.loss)
  assert "number_words" in result.metrics
  text = "\n".join(lines)
  assert "vocabulary 21" in text  # 20 distinct words + UNK
  assert text.count("Nearest to ") == 2 * cfg.valid_size  # steps 3 and 6
  assert "number words one..nine: on average" in text

  proj = os.path.join(cfg.checkpoint_dir, runner.PROJECTOR_DIR)
  vocab, normalized = runner.load_embeddings(cfg.checkpoint_dir)
  with open(os.path.join(proj, "metadata.tsv"), encoding="utf-8") as f:
    assert f.read().splitlines() == vocab.symbols
  exported = tf.train.load_checkpoint(
      tf.train.latest_checkpoint(proj)).get_tensor(runner.PROJECTOR_TENSOR)
  np.testing.assert_allclose(exported, normalized)
  np.testing.assert_allclose(np.linalg.norm(exported, axis=1), 1.0,
                             rtol=1e-5)
  with open(os.path.join(proj, "projector_config.pbtxt")) as f:
    pbtxt = f.read()
  assert 'tensor_name: "normalized_embeddings"' in pbtxt
  assert 'metadata_path: "metadata.tsv"' in pbtxt
  assert any(n.startswith("events.out.tfevents") for n in os.listdir(proj))

  # Resume continues at step 6 and trains on to 8.
  more = runner.train(config(tmp_path, corpus, model=model, max_steps=8),
                      log=lines.append)
  assert (more.resumed_from, more.step) == (6, 8)

  query = runner.nearest(config(tmp_path, corpus, model=model,
                                nearest="one, cat"))
  assert query == neighbours.neighbour_lines(
      runner.load_embeddings(cfg.checkpoint_dir)[1], vocab,
      [vocab.id("one"), vocab.id("cat")], cfg.top_k)
  assert query[0].startswith("Nearest to one: ")
  assert len(query[1].split(": ")[1].split(", ")) == cfg.top_k


def test_batches_resume_exactly(tmp_path, corpus):
  """Training 4 steps then 2 more feeds the same batches as 6 at once."""
  cfg = config(tmp_path, corpus)
  dataset = runner.load_data(cfg, log=lambda s: None)
  valid = runner.valid_examples(cfg, len(dataset.vocab))
  task, _ = runner.build_train_task(cfg, dataset, valid, log=lambda s: None)
  again, _ = runner.build_train_task(cfg, dataset, valid, log=lambda s: None)
  for step in (0, 4, 5):
    a, b = task.feed(step), again.feed(step)
    for (pa, va), (pb, vb) in zip(sorted(a.items(), key=lambda kv: kv[0].name),
                                  sorted(b.items(),
                                         key=lambda kv: kv[0].name)):
      np.testing.assert_array_equal(va, vb)
  assert not np.array_equal(list(task.feed(0).values())[0],
                            list(task.feed(1).values())[0])


def test_errors_are_one_line(tmp_path, corpus):
  cfg = config(tmp_path, corpus)
  with pytest.raises(CheckpointMismatchError, match="no trained checkpoint"):
    runner.nearest(config(tmp_path, corpus, nearest="one"))
  runner.train(cfg, log=lambda s: None)
  with pytest.raises(VocabularyError, match="'zebra' not in the model's"):
    runner.nearest(config(tmp_path, corpus, nearest="one,zebra"))
  with pytest.raises(CheckpointMismatchError, match="model=skipgram"):
    runner.train(config(tmp_path, corpus, model="cbow"), log=lambda s: None)
  with pytest.raises(UserError, match="not a multiple of num_skips"):
    runner.train(config(tmp_path, corpus, batch_size=7), log=lambda s: None)
  with pytest.raises(UserError, match="too few to sample"):
    runner.train(config(tmp_path, corpus, num_sampled=40,
                        checkpoint_dir=str(tmp_path / "other")),
                 log=lambda s: None)


def _final_weights(d):
  from tf1_models import training  # pylint: disable=g-import-not-at-top
  reader = tf.train.load_checkpoint(training.RunDir(d).latest_checkpoint())
  return {n: reader.get_tensor(n).tobytes()
          for n in reader.get_variable_to_shape_map()}


def test_resume_draws_the_uninterrupted_runs_negatives(tmp_path, corpus,
                                                       monkeypatch):
  """Sampled softmax's candidate sampler keeps its state in the op, not in
  the checkpoint; the loop replays it on resume (``per_step_random``), so
  3 steps + a resume to 6 end bit-identical to 6 at once. Without the
  replay they differ (the check can fail)."""
  from tf1_models import training  # pylint: disable=g-import-not-at-top
  quiet = lambda s: None  # noqa: E731

  def run(name, end):
    runner.train(config(tmp_path, corpus, max_steps=end, checkpoint_dir=str(
        tmp_path / name), neighbours_every=1000), log=quiet)
    return _final_weights(str(tmp_path / name))

  ref = run("ref", 6)
  run("resumed", 3)
  shutil.copytree(str(tmp_path / "resumed"), str(tmp_path / "not_replayed"))
  assert run("resumed", 6) == ref
  monkeypatch.setattr(training, "_advance_random", lambda *a: None)
  assert run("not_replayed", 6) != ref
