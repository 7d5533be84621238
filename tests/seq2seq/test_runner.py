"""seq2seq train/resume/evaluate/decode on a tiny corpus, and the CLI's
one-line errors (in subprocesses: each model's ``__main__`` defines its own
absl flags, which cannot share one test process)."""

import dataclasses
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tf1_models import training
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
  # A distributed chief can see the global step jump past a window's end
  # (here 14): the window still closes, once, at the next call (15).
  decay(sess, 13, {"loss": 8.0})
  decay(sess, 15, {"loss": 8.0})  # window 8.0 > max(1.5, 0.5, 4)
  decay(sess, 16, {"loss": 0.0})  # closes the next window: no decay
  assert sess.runs == ["decay", "decay"]
  assert logs[-1].startswith("step 15: loss 8.0000 above the last 3")


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


def _plateau_task(with_state=True):
  """A one-variable task whose loss keeps growing (the target runs away
  faster than the weight follows), with the seq2seq learning-rate rule over windows of 2 steps."""
  v1 = tf.compat.v1
  graph = tf.Graph()
  with graph.as_default():
    target = v1.placeholder(tf.float32, [])
    w = v1.get_variable("w", initializer=0.0)
    rate = v1.get_variable("learning_rate", initializer=0.4,
                           trainable=False)
    step = v1.train.get_or_create_global_step()
    loss = tf.square(w - target)
    train_op = v1.train.GradientDescentOptimizer(rate).minimize(
        loss, global_step=step)

    class Model(object):
      learning_rate_decay_op = rate.assign(rate * 0.5)

  state = runner.plateau_state(graph) if with_state else None
  return training.TrainTask(
      graph=graph, loss=loss, train_op=train_op, global_step=step,
      feed=lambda s: {target: float(s * s)}, steps_per_epoch=100,
      symbols_per_step=1,
      after_step=runner.DecayOnPlateau(Model(), 2, lambda s: None, state),
      optional_variables=(state["variable"],) if state else ())


def test_resumed_run_decays_as_an_uninterrupted_one(tmp_path):
  """The plateau windows are in the checkpoint: 5 steps + a resume to 16
  (a resume mid-window) ends with the learning rate and weights of 16 at
  once, after several decays; a run dir from before the state variable
  existed still resumes."""

  def run(d, steps, **kw):
    training.train(_plateau_task(**kw), str(d), {"model": "toy"},
                   training.LoopConfig(max_steps=steps, checkpoint_every=1,
                                       log_every=100, log=lambda s: None))
    reader = tf.train.load_checkpoint(training.RunDir(str(d))
                                      .latest_checkpoint())
    return {n: reader.get_tensor(n).tobytes() for n in ("w", "learning_rate")}

  ref = run(tmp_path / "ref", 16)
  assert np.frombuffer(ref["learning_rate"], np.float32)[0] < 0.4 * 0.5 ** 2
  run(tmp_path / "resumed", 5)
  assert run(tmp_path / "resumed", 16) == ref
  run(tmp_path / "old", 3, with_state=False)
  run(tmp_path / "old", 6)  # resumes; the windows start empty
