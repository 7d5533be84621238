"""The shared training loop on a one-variable problem.

``loss = (w - target)^2`` with SGD; the feed supplies the target per step, so
a NaN can be injected at a chosen step and resume can be checked exactly.
"""

import json
import os
import signal

import numpy as np
import pytest
import tensorflow as tf

from tf1_models import training
from tf1_models.errors import CheckpointMismatchError, TrainingDiverged

v1 = tf.compat.v1

META = {"model": "toy", "config": {"size": 1}, "vocab": ["a", "b"]}


def make_task(nan_at=None, after_step=None):
  graph = tf.Graph()
  with graph.as_default():
    target = v1.placeholder(tf.float32, [])
    w = v1.get_variable("w", initializer=0.0)
    loss = tf.square(w - target)
    step = v1.train.get_or_create_global_step()
    train_op = v1.train.GradientDescentOptimizer(0.1).minimize(
        loss, global_step=step)

  def feed(s):
    return {target: np.nan if s == nan_at else 1.0}

  return training.TrainTask(
      graph=graph, loss=loss, train_op=train_op, global_step=step,
      feed=feed, steps_per_epoch=4, symbols_per_step=1,
      after_step=after_step), w


def loop(max_steps, **kw):
  return training.LoopConfig(max_steps=max_steps, checkpoint_every=3,
                             log_every=100, log=lambda s: None, **kw)


def read_w(run_dir):
  path = tf.train.latest_checkpoint(run_dir)
  return tf.train.load_checkpoint(path).get_tensor("w"), path


def test_trains_saves_and_resumes_exactly(tmp_path):
  d = str(tmp_path)
  task, _ = make_task()
  r = training.train(task, d, META, loop(5))
  assert (r.step, r.resumed_from, r.interrupted) == (5, 0, False)
  w5, path = read_w(d)
  assert path.endswith("model.ckpt-5")
  assert w5 == pytest.approx(1 - 0.8 ** 5)  # w_{t+1} = w_t + 0.2 (1 - w_t)
  task, _ = make_task()
  r = training.train(task, d, META, loop(8))
  assert (r.step, r.resumed_from) == (8, 5)
  assert read_w(d)[0] == pytest.approx(1 - 0.8 ** 8)
  saved = json.load(open(os.path.join(d, "run.json")))
  assert saved["model"] == "toy" and saved["step"] == 8


def test_nan_stops_without_saving_the_bad_step(tmp_path):
  d = str(tmp_path)
  training.train(make_task()[0], d, META, loop(3))
  before = read_w(d)
  with pytest.raises(TrainingDiverged, match="loss became nan at step 5"):
    training.train(make_task(nan_at=4)[0], d, META, loop(10))
  # Step 4 was fine but is not a checkpoint step; the NaN step saved nothing.
  assert read_w(d) == before


def test_first_ctrl_c_finishes_the_step_and_saves(tmp_path):
  d = str(tmp_path)

  def interrupt(sess, step, out):
    if step == 2:
      os.kill(os.getpid(), signal.SIGINT)

  r = training.train(make_task(after_step=interrupt)[0], d, META, loop(50))
  assert r.interrupted and r.step == 2
  assert read_w(d)[1].endswith("model.ckpt-2")


def test_mismatched_run_is_refused_before_anything_is_written(tmp_path):
  d = str(tmp_path)
  training.train(make_task()[0], d, META, loop(3))
  files = sorted(os.listdir(d))
  stamp = os.path.getmtime(os.path.join(d, "run.json"))
  other = dict(META, config={"size": 2})
  with pytest.raises(CheckpointMismatchError,
                     match=r"trained with size=1 but this run asks for size=2"):
    training.train(make_task()[0], d, other, loop(6))
  with pytest.raises(CheckpointMismatchError, match="another vocabulary"):
    training.train(make_task()[0], d, dict(META, vocab=["a", "c"]), loop(6))
  with pytest.raises(CheckpointMismatchError, match="holds a toy checkpoint"):
    training.train(make_task()[0], d, dict(META, model="other"), loop(6))
  assert sorted(os.listdir(d)) == files
  assert os.path.getmtime(os.path.join(d, "run.json")) == stamp


def test_load_for_inference_needs_a_trained_run(tmp_path):
  with pytest.raises(CheckpointMismatchError, match="no trained checkpoint"):
    training.RunDir(str(tmp_path)).load_for_inference("toy")
