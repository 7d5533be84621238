"""text8_lstm end to end on a tiny corpus: all three variants train, log the
notebook's lines and sample; resume is exact; a separate run converts to a
fused run that evaluates and continues the same; bad input fails in one
line."""

import os

import numpy as np
import pytest
import tensorflow as tf

from tests.text8_lstm import helpers as H
from tf1_models import training
from tf1_models.errors import (CheckpointMismatchError, CorpusError,
                               UserError, VocabularyError)
from tf1_models.text8_lstm import config as config_lib
from tf1_models.text8_lstm import convert, runner

v1 = tf.compat.v1


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
  path = tmp_path_factory.mktemp("corpus") / "tiny.txt"
  path.write_text("The " + H.tiny_text(600, seed=2) + "\nEnd.\n",
                  encoding="utf-8")
  return str(path)


def cfg(corpus, run_dir, **kw):
  return config_lib.preset("test", corpus=corpus,
                           checkpoint_dir=str(run_dir), **kw)


def train(config):
  lines = []
  result = runner.train(config, log=lines.append)
  return result, lines


def checkpoint(run_dir, variant):
  ckpt = training.RunDir(str(run_dir)).latest_checkpoint()
  return convert.read_checkpoint(ckpt, variant, with_state=True)


@pytest.fixture(scope="module")
def runs(corpus, tmp_path_factory):
  base = tmp_path_factory.mktemp("runs")
  out = {}
  for variant in config_lib.VARIANTS:
    config = cfg(corpus, base / variant, variant=variant)
    out[variant] = (config,) + train(config)
  return out


@pytest.mark.parametrize("variant", config_lib.VARIANTS)
def test_each_variant_trains_logs_and_samples(variant, runs):
  config, result, lines = runs[variant]
  text = "\n".join(lines)
  assert "corpus: note: reduced to a-z and space: lowercased 2 letters" in text
  for step in (0, 2):  # the notebook's numbering: the first step is 0
    assert "Average loss at step %d: " % step in text
  assert "learning rate: 10.000000" in text
  assert text.count("Minibatch perplexity: ") == 2
  assert text.count("Validation set perplexity: ") == 2
  assert text.count("=" * 80) == 4  # two sample blocks (steps 0 and 2)
  assert result.step == 4
  assert 1.0 < result.metrics["val_perplexity"] < 40.0
  sample = runner.sample(config)
  assert len(sample.split("\n")) == config.num_samples
  assert all(len(line) == config.length for line in sample.split("\n"))
  assert set(sample) <= set(" abcdefghijklmnopqrstuvwxyz\n")


def test_resume_continues_exactly(corpus, runs, tmp_path):
  straight = checkpoint(runs["separate"][0].checkpoint_dir, "separate")
  train(cfg(corpus, tmp_path, max_steps=2))
  result, lines = train(cfg(corpus, tmp_path, max_steps=4))
  assert result.resumed_from == 2
  resumed = checkpoint(tmp_path, "separate")
  for name in straight:  # weights, carried state, global step
    np.testing.assert_array_equal(resumed[name], straight[name], name)


def test_separate_run_converts_to_fused(corpus, runs, tmp_path):
  config, result, _ = runs["separate"]
  src = checkpoint(config.checkpoint_dir, "separate")
  path = convert.convert_run(config.checkpoint_dir, str(tmp_path / "f"),
                             "fused")
  assert path.endswith("model.ckpt-4")
  fused = checkpoint(tmp_path / "f", "fused")
  want = convert.separate_to_fused(src)
  assert set(fused) == set(want)
  for name in want:
    np.testing.assert_array_equal(fused[name], want[name], name)
  # the converted run evaluates to the same figure, then trains on
  fcfg = cfg(corpus, tmp_path / "f", variant="fused")
  same, lines = train(fcfg)
  assert any("nothing to do" in l for l in lines)
  np.testing.assert_allclose(same.metrics["val_perplexity"],
                             result.metrics["val_perplexity"], rtol=1e-6)
  more_f, _ = train(cfg(corpus, tmp_path / "f", variant="fused",
                        max_steps=6))
  more_s, _ = train(cfg(corpus, config.checkpoint_dir, max_steps=6))
  np.testing.assert_allclose(more_f.metrics["val_perplexity"],
                             more_s.metrics["val_perplexity"], rtol=1e-5)
  with pytest.raises(UserError, match="already holds a run"):
    convert.convert_run(config.checkpoint_dir, str(tmp_path / "f"), "fused")


def test_bigram_cannot_convert(runs, tmp_path):
  with pytest.raises(UserError, match="only separate <-> fused"):
    convert.convert_run(runs["bigram"][0].checkpoint_dir, str(tmp_path),
                        "fused")


def test_notebook_checkpoint_names_are_read(tmp_path):
  """A checkpoint of the notebook's unnamed variables maps onto ours."""
  values = {name: np.full([2], k, np.float32)
            for k, name in enumerate(convert.NOTEBOOK_ORDER)}
  graph = tf.Graph()
  with graph.as_default():
    variables = [tf.Variable(values[n]) for n in convert.NOTEBOOK_ORDER]
    assert variables[1].op.name == "Variable_1"
    saver = v1.train.Saver()
    init = v1.global_variables_initializer()
  with v1.Session(graph=graph) as sess:
    sess.run(init)
    path = saver.save(sess, str(tmp_path / "nb"))
  got = convert.read_checkpoint(path, "separate", with_state=True)
  for name, value in got.items():
    np.testing.assert_array_equal(value, values[name], name)


def test_user_errors(corpus, runs, tmp_path):
  sep_dir = runs["separate"][0].checkpoint_dir
  with pytest.raises(CheckpointMismatchError, match="variant=separate"):
    runner.train(cfg(corpus, sep_dir, variant="fused"), log=lambda s: None)
  with pytest.raises(VocabularyError, match="--prime"):
    runner.sample(cfg(corpus, sep_dir, prime="Hello"))
  short = tmp_path / "short.txt"
  short.write_text("a b c " * 10, encoding="utf-8")
  with pytest.raises(CorpusError, match="use a longer --corpus"):
    runner.train(cfg(str(short), tmp_path / "x"), log=lambda s: None)
  with pytest.raises(UserError, match="--keep_prob"):
    runner.train(cfg(corpus, tmp_path / "y", keep_prob=0.0),
                 log=lambda s: None)
  assert not os.path.exists(tmp_path / "x") and not os.path.exists(
      tmp_path / "y")


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["separate", "bigram"])
def test_sampler_xla_writes_the_same_greedy_text(variant, runs):
  """``--sampler=xla`` on a trained run: the graph loop's greedy lines."""
  config = runs[variant][0]
  greedy = dict(temperature=0.0, prime="the ", length=30)
  graph = runner.sample(config_lib.preset(
      "test", **{**config.__dict__, **greedy, "sampler": "graph"}))
  xla = runner.sample(config_lib.preset(
      "test", **{**config.__dict__, **greedy, "sampler": "xla"}))
  assert graph == xla and len(graph.split("\n")[0]) == 30


@pytest.mark.slow
def test_train_graph_hoisted_resumes_a_seed_run(corpus, runs, tmp_path):
  """Same variables: a seed-graph run resumes under --train_graph=hoisted
  and its first step's loss is the seed graph's to float rounding."""
  import shutil  # pylint: disable=import-outside-toplevel
  config = runs["separate"][0]
  ckpt = training.RunDir(config.checkpoint_dir).latest_checkpoint()
  step = int(ckpt.rsplit("-", 1)[1])
  out = {}
  for graph in ("seed", "hoisted"):
    run = tmp_path / graph
    shutil.copytree(config.checkpoint_dir, run)
    _, lines = train(cfg(corpus, run, variant="separate", max_steps=step + 1,
                         summary_frequency=1, train_graph=graph))
    out[graph] = [l for l in lines if l.startswith("Average loss at step")]
  assert len(out["seed"]) == len(out["hoisted"]) == 1
  seed_loss = float(out["seed"][0].split(":")[1].split()[0])
  hoisted_loss = float(out["hoisted"][0].split(":")[1].split()[0])
  assert abs(seed_loss - hoisted_loss) < 1e-4
