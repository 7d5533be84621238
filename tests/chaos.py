"""Chaos runs: kill -9 every model's training in the middle, resume, and
compare the end with an uninterrupted run, bit for bit.

  python -m tests.chaos [model ...] [--kills=5] [--seed=0]

For each model (tiny ``test`` preset, a checkpoint and a progress line every
step) it runs the command once uninterrupted, then the same command into
another folder, killed with SIGKILL ``--kills`` times, then once more to the
end. Kill moments are chosen by watching the run, not the clock (a tiny
model trains its 60 steps in about a second, so random wall times land
mostly in TensorFlow's start-up or after the end): for each kill a target
step is drawn in its share of the steps before the last (the k-th of
``kills`` equal parts, past the newest checkpoint), and once the
run prints that step's progress line (the loop prints it just before that
step's save) it is killed after a random fraction of one step's time -- in
the save, or in the next step. After each kill the newest intact checkpoint
is read: a kill "landed mid-training" when the process was still running
and that checkpoint is newer than the one before the kill and before the
final step. It prints, per model, each kill's checkpoint step, whether the
final weights are bit-identical and the largest weight difference.
``tests/test_chaos.py`` (slow tier) asserts on the same numbers;
``run_all.sh chaos`` runs this module.

Why every model can be bit-identical: batches are functions of the global
step in every model, and a checkpoint holds every variable (optimizer slots
and the learning rate included). Random ops keep their state in the op, not
in the checkpoint:
  word2vec: sampled softmax's candidate sampler draws once per step; the
    loop replays it on resume (``TrainTask.per_step_random``), so the
    resumed run draws the uninterrupted run's negatives.
  text8_lstm: dropout (``keep_prob`` < 1) draws masks in training and in
    its validation passes, so it is not replayed; run here with
    ``--keep_prob=1``, which makes it deterministic. With dropout a resumed
    run is equal in distribution only.
  seq2seq: no random op in training here (the test vocabulary is smaller
    than ``num_samples``, so no sampled softmax), but its learning-rate
    decay compares loss windows: they are in the checkpoint
    (``runner.plateau_state``), as a window every step decays often.
    With sampled softmax (a target vocabulary above ``--num_samples``) its
    samplers (one per decoder position of each bucket, drawn by training
    steps of that bucket and by evaluation) are not replayed: equal in
    distribution only.
  next_char_keras (``--impl=keras``, Keras's own loop): no random op in
    training; its state file holds weights, optimizer state and step.
"""

import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS = 60
# name -> (module, flags)
COMMANDS = {
    "char_rnn": ("char_rnn", ["--checkpoint_every=1", "--log_every=1",
                              "--length=1"]),
    "text8_lstm": ("text8_lstm", ["--checkpoint_every=1",
                                  "--summary_frequency=1", "--keep_prob=1.0"]),
    "word2vec": ("word2vec", ["--checkpoint_every=1", "--log_every=1",
                              "--neighbours_every=1000"]),
    "seq2seq": ("seq2seq", ["--steps_per_checkpoint=1", "--log_every=1"]),
    "next_char": ("next_char", ["--checkpoint_every=1", "--log_every=1",
                                "--impl=tf1"]),
    "next_char_keras": ("next_char", ["--checkpoint_every=1",
                                      "--log_every=1", "--impl=keras",
                                      "--backend=tensorflow"]),
}
_STEP_LINE = re.compile(r"step (\d+)/\d+\s.*?loss ([0-9.]+)")
_CKPT_STEP = re.compile(r"-(\d+)(\.npz)?$")


def command(model, run_dir):
  module, flags = COMMANDS[model]
  return [sys.executable, "-m", "tf1_models." + module, "--config=test",
          "--checkpoint_dir=" + run_dir, "--max_steps=%d" % STEPS] + flags


def _env():
  return dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="3",
              PYTHONUNBUFFERED="1")


def _import_repo():
  if REPO not in sys.path:
    sys.path.insert(0, REPO)


def final_checkpoint(model, run_dir):
  """The newest intact checkpoint (a Keras state file for next_char_keras),
  or None."""
  _import_repo()
  if model == "next_char_keras":
    from tf1_models.next_char import runner  # pylint: disable=g-import-not-at-top
    from tf1_models import training  # pylint: disable=g-import-not-at-top
    return training.RunDir(run_dir, warn=lambda s: None).newest_intact(
        candidates=runner.state_paths(run_dir),
        problem_of=lambda p: runner.state_problem(p, {}))
  from tf1_models import training  # pylint: disable=g-import-not-at-top
  return training.RunDir(run_dir, warn=lambda s: None).latest_checkpoint()


def step_of(ckpt):
  return int(_CKPT_STEP.search(ckpt).group(1)) if ckpt else 0


def read_weights(ckpt):
  if ckpt.endswith(".npz"):
    with np.load(ckpt) as z:
      return {k: z[k] for k in z.files}
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  reader = tf.train.load_checkpoint(ckpt)
  return {n: reader.get_tensor(n) for n in reader.get_variable_to_shape_map()}


def _start(model, run_dir, workdir, kill_at=None):
  """Popen of the training command, a list its stdout lines go to, the
  times of its step lines, and an Event set once it prints the progress
  line of step ``kill_at`` (or later), or ends."""
  p = subprocess.Popen(command(model, run_dir), stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True, env=_env(),
                       cwd=workdir)
  reached = threading.Event()
  out, step_times = [], []

  def read():
    for line in p.stdout:
      out.append(line)
      m = _STEP_LINE.search(line)
      if m:
        step_times.append(time.time())
        if kill_at is not None and int(m.group(1)) >= kill_at:
          reached.set()
    reached.set()  # ended (or died)

  reader = threading.Thread(target=read, daemon=True)
  reader.start()
  return p, reached, out, step_times, reader


def chaos(model, workdir, kills=5, seed=0, log=print):
  """Returns a dict of what happened (see the module docstring)."""
  rng = random.Random("%s:%d" % (model, seed))
  ref_dir = os.path.join(workdir, model + "_ref")
  run_dir = os.path.join(workdir, model + "_chaos")
  t0 = time.time()
  p, _, out, step_times, reader = _start(model, ref_dir, workdir)
  p.wait()
  reader.join()
  if p.returncode != 0:
    raise RuntimeError("%s reference run failed (exit %d)" %
                       (model, p.returncode))
  step_time = ((step_times[-1] - step_times[0]) / max(1, len(step_times) - 1)
               if len(step_times) > 1 else 0.05)
  landed, mid, done = [], 0, 0
  for k in range(kills):
    # A target step in the k-th of ``kills`` equal parts of steps
    # 1 .. STEPS-1, past the newest checkpoint.
    lo, hi = k * (STEPS - 1) // kills + 1, (k + 1) * (STEPS - 1) // kills
    target = min(STEPS - 1, max(done + 1, rng.randint(lo, max(lo, hi))))
    p, reached, out, _, reader = _start(model, run_dir, workdir, target)
    reached.wait()
    time.sleep(rng.uniform(0.0, 1.0) * step_time)
    running = p.poll() is None
    p.kill()  # SIGKILL
    p.wait()
    reader.join()
    try:
      ckpt = final_checkpoint(model, run_dir)
    except Exception as e:  # pylint: disable=broad-except
      raise RuntimeError("%s: no intact checkpoint after a kill: %s" %
                         (model, e))
    now = step_of(ckpt)
    if running and done < now < STEPS:
      mid += 1
      landed.append("%d (target %d)" % (now, target))
    else:
      landed.append("%d (target %d, %s)" % (
          now, target, "not running" if not running else "no new save"))
    done = now
  end = subprocess.run(command(model, run_dir), capture_output=True,
                       text=True, env=_env(), cwd=workdir)
  if end.returncode != 0 or "Traceback" in end.stderr:
    raise RuntimeError("%s resumed run failed:\n%s" % (model, end.stderr))
  ref_ckpt, end_ckpt = (final_checkpoint(model, ref_dir),
                        final_checkpoint(model, run_dir))
  ref_w, end_w = read_weights(ref_ckpt), read_weights(end_ckpt)
  identical = sorted(ref_w) == sorted(end_w) and all(
      ref_w[n].tobytes() == end_w[n].tobytes() for n in ref_w)
  max_diff = max((float(np.max(np.abs(ref_w[n].astype(np.float64) -
                                      end_w[n].astype(np.float64))))
                  for n in ref_w if n in end_w and ref_w[n].size and
                  ref_w[n].shape == end_w[n].shape and
                  np.issubdtype(ref_w[n].dtype, np.number)), default=0.0)
  result = dict(model=model, kills=landed, mid_kills=mid,
                identical=identical, max_weight_diff=max_diff,
                step=step_of(end_ckpt), ref_step=step_of(ref_ckpt),
                wall=time.time() - t0)
  log("%-15s kills left checkpoints %s; %d mid-training; final step %d "
      "(uninterrupted %d); weights %s (max |diff| %.3g); %.0f s" %
      (model, ", ".join(landed), mid, result["step"], result["ref_step"],
       "bit-identical" if identical else "DIFFER", max_diff, result["wall"]))
  return result


def ok(r):
  return (r["identical"] and r["mid_kills"] >= 1 and
          r["step"] == r["ref_step"] == STEPS)


def main(argv):
  models = [a for a in argv if not a.startswith("--")] or list(COMMANDS)
  opts = dict(a[2:].split("=", 1) for a in argv if a.startswith("--"))
  workdir = tempfile.mkdtemp(prefix="chaos_")
  failed = []
  try:
    for model in models:
      r = chaos(model, workdir, int(opts.get("kills", 5)),
                int(opts.get("seed", 0)))
      if not ok(r):
        failed.append(model)
  finally:
    shutil.rmtree(workdir, ignore_errors=True)
  print("chaos: %s" % ("all bit-identical, every model killed mid-training"
                       if not failed else "FAILED: " + ", ".join(failed)))
  return 1 if failed else 0


if __name__ == "__main__":
  sys.exit(main(sys.argv[1:]))
