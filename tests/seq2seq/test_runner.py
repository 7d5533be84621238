"""seq2seq train/resume/evaluate/decode on a tiny corpus, and the CLI's
one-line errors (in subprocesses: each model's ``__main__`` defines its own
absl flags, which cannot share one test process)."""

import dataclasses
import os
import subprocess
import sys

import pytest

from tf1_models.errors import CheckpointMismatchError, UserError
from tf1_models.seq2seq import config as config_lib
from tf1_models.seq2seq import runner

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TEXT = ("the cat sat on a mat and a dog ran to the cat so the cat ran up a "
        "big old tree and sat there all day long ") * 30


@pytest.fixture
def tiny(tmp_path):
  path = tmp_path / "corpus.txt"
  path.write_text(TEXT, encoding="utf-8")
  return config_lib.preset("test", corpus=str(path),
                           checkpoint_dir=str(tmp_path / "run"))


def test_train_resume_evaluate_decode(tiny):
  logs = []
  result = runner.train(tiny, log=logs.append)
  assert result.step == 4 and not result.interrupted
  assert any("eval_ppl_bucket0" in l and "eval_ppl_bucket1" in l
             for l in logs)
  more = dataclasses.replace(tiny, max_steps=6)
  result = runner.train(more, log=logs.append)
  assert result.resumed_from == 4 and result.step == 6
  acc = runner.evaluate(tiny, log=logs.append)
  assert 0.0 <= acc["exact_match"] <= 1.0 and acc["held_out"] > 0
  # decoding needs only the run directory; blank lines stay blank
  no_corpus = dataclasses.replace(tiny, corpus="/nonexistent")
  out = runner.decode(no_corpus, ["A Cat\n", "\n", "sat on\n"])
  assert len(out) == 3 and out[1] == ""
  assert all(set(o) <= set(" abcdefghijklmnopqrstuvwxyz") for o in out)
  decoder = runner.Decoder(no_corpus)
  try:
    assert decoder.decode(["a cat", "sat on"]) == [out[0], out[2]]
    with pytest.raises(UserError, match="input 2 has 9 characters; this "
                       "model takes at most 6"):
      decoder.decode(["a cat", "the cats!"])
  finally:
    decoder.close()
  with pytest.raises(CheckpointMismatchError, match="size=8.*size=16"):
    runner.train(dataclasses.replace(tiny, size=16), log=logs.append)


def test_learning_rate_decays_when_loss_stops_improving():
  class FakeModel(object):
    learning_rate_decay_op = "decay"

  class FakeSession(object):
    runs = []

    def run(self, op):
      self.runs.append(op)
      return 0.5

  logs, sess = [], FakeSession()
  decay = runner.DecayOnPlateau(FakeModel(), 2, logs.append)
  losses = [3, 3, 2, 2, 1, 1, 1.5, 1.5, 0.5, 0.5]  # windows 3, 2, 1, 1.5, .5
  for step, loss in enumerate(losses, 1):
    decay(sess, step, {"loss": loss})
  # 1.5 is above the window before it but not above max(3, 2, 1): no decay
  assert sess.runs == []
  decay(sess, 11, {"loss": 4.0})
  decay(sess, 12, {"loss": 4.0})  # window 4.0 > max(1, 1.5, 0.5)
  assert sess.runs == ["decay"] and "learning rate now 0.5" in logs[-1]


def test_bad_flags_are_user_errors(tiny):
  for bad, match in [(dict(task="translate"), "unknown --task"),
                     (dict(buckets="5:3,2"), "--buckets"),
                     (dict(max_length=9), "--max_length=9 does not fit"),
                     (dict(learning_rate=0.0), "positive")]:
    with pytest.raises(UserError, match=match):
      runner.train(dataclasses.replace(tiny, **bad))


def _cli(*args, stdin=""):
  env = dict(os.environ, PYTHONPATH=REPO)
  return subprocess.run([sys.executable, "-m", "tf1_models.seq2seq"] +
                        list(args), input=stdin, capture_output=True,
                        text=True, env=env, cwd=REPO, timeout=600)


def test_cli_decode_without_checkpoint_is_one_line(tmp_path):
  r = _cli("--decode", "--checkpoint_dir=" + str(tmp_path / "none"),
           stdin="the cat\n")
  assert r.returncode == 2
  last = [l for l in r.stderr.strip().split("\n") if l][-1]
  assert last.startswith("python -m tf1_models.seq2seq: error: no trained "
                         "checkpoint in ")
  assert "Traceback" not in r.stderr


def test_dynamic_decoder_trains_evaluates_and_beam_decodes(tiny):
  dyn = dataclasses.replace(tiny, decoder="dynamic", attention="bahdanau")
  logs = []
  result = runner.train(dyn, log=logs.append)
  assert result.step == 4
  assert any("contrib.seq2seq bahdanau attention" in l for l in logs)
  greedy = runner.evaluate(dyn, log=logs.append)
  assert greedy["decoding"] == "greedy" and greedy["held_out"] > 0
  out = runner.decode(dataclasses.replace(dyn, beam_width=2),
                      ["a cat", "", "sat"])
  assert len(out) == 3 and out[1] == ""
  assert all(set(o) <= set(" abcdefghijklmnopqrstuvwxyz") for o in out)
  with pytest.raises(CheckpointMismatchError, match="decoder=dynamic"):
    runner.train(tiny, log=logs.append)  # a legacy run in a dynamic dir
  with pytest.raises(UserError, match="--beam_width needs --decoder=dynamic"):
    runner.train(dataclasses.replace(tiny, beam_width=2), log=logs.append)
  for bad, match in [(dict(decoder="basic"), "unknown --decoder"),
                     (dict(attention="dot"), "unknown --attention"),
                     (dict(beam_width=-1), "--beam_width=-1")]:
    with pytest.raises(UserError, match=match):
      runner.train(dataclasses.replace(dyn, **bad))
