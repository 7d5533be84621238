"""Chaos runs: kill -9 every model's training at random moments, resume, and
compare the end with an uninterrupted run.

  python -m tests.chaos [model ...] [--kills=5] [--seed=0]

For each model (tiny ``test`` preset, a checkpoint every step) it runs the
command once uninterrupted, then the same command into another folder,
killed with SIGKILL ``--kills`` times at random moments of its training
(uniform over the part of the uninterrupted run's training time that is
left, counted from the first step line, so that kills land in training and
saving rather than in TensorFlow's import), then once more to the end. It prints, per model,
where each kill landed, whether the final weights are bit-identical, the
largest weight difference and both final losses. ``tests/test_chaos.py``
(slow tier) asserts on the same numbers; ``run_all.sh`` runs this module.

Which models can be bit-identical: a resumed run restores variables, not
the state of TensorFlow's random ops (their per-session counters restart).
So a model whose training graph draws random numbers cannot repeat the
uninterrupted run exactly after a resume:
  word2vec: sampled softmax / NCE draw negative classes every step;
  text8_lstm: dropout (``keep_prob`` < 1; run here with ``--keep_prob=1``,
    which makes it deterministic, so it is held to bit-identity).
Their data (batches) are functions of the global step in every model, so
the rest are exact.
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
COMMANDS = {
    "char_rnn": ["--max_steps=%d" % STEPS, "--checkpoint_every=1",
                 "--log_every=1", "--length=1"],
    "text8_lstm": ["--max_steps=%d" % STEPS, "--checkpoint_every=1",
                   "--summary_frequency=1", "--keep_prob=1.0"],
    "word2vec": ["--max_steps=%d" % STEPS, "--checkpoint_every=1",
                 "--log_every=1", "--neighbours_every=1000"],
    "seq2seq": ["--max_steps=%d" % STEPS, "--steps_per_checkpoint=1",
                "--log_every=1"],
    "next_char": ["--max_steps=%d" % STEPS, "--checkpoint_every=1",
                  "--log_every=1", "--impl=tf1"],
}
# Why a model cannot be bit-identical after a resume (see the docstring).
NOT_EXACT = {
    "word2vec": "sampled softmax/NCE draw negatives with a random op whose "
                "state is not in the checkpoint",
}
LOSS_TOLERANCE = 0.25  # relative, mean loss of the last LOSS_WINDOW steps
_STEP_LINE = re.compile(r"step (\d+)/\d+\s.*?loss ([0-9.]+)")


def command(model, run_dir):
  return [sys.executable, "-m", "tf1_models." + model, "--config=test",
          "--checkpoint_dir=" + run_dir] + COMMANDS[model]


def _env():
  return dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="3",
              PYTHONUNBUFFERED="1")


def final_checkpoint(run_dir):
  sys.path.insert(0, REPO)
  from tf1_models import training  # pylint: disable=g-import-not-at-top
  return training.RunDir(run_dir, warn=lambda s: None).latest_checkpoint()


def read_weights(ckpt):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  reader = tf.train.load_checkpoint(ckpt)
  return {n: reader.get_tensor(n) for n in reader.get_variable_to_shape_map()}


LOSS_WINDOW = 20  # steps averaged for the loss comparison


def last_loss(stdout):
  """(last step logged, mean loss of the last ``LOSS_WINDOW`` steps), each
  step's loss from its last log line (a resumed run logs a step again).
  Needs a log line every step (the commands above ask for one)."""
  by_step = {int(s): float(l) for s, l in _STEP_LINE.findall(stdout)}
  if not by_step:
    return None, None
  last = max(by_step)
  window = [by_step[s] for s in range(last - LOSS_WINDOW + 1, last + 1)
            if s in by_step]
  return last, float(np.mean(window))


def _start(model, run_dir, workdir):
  """Popen of the training command, and an Event set at its first step
  line (training under way); a thread keeps reading its stdout."""
  p = subprocess.Popen(command(model, run_dir), stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True, env=_env(),
                       cwd=workdir)
  training_started = threading.Event()
  out, step_times = [], []

  def read():
    for line in p.stdout:
      out.append(line)
      if _STEP_LINE.search(line):
        step_times.append(time.time())
        training_started.set()
    training_started.set()  # ended (or died) without training

  reader = threading.Thread(target=read, daemon=True)
  reader.start()
  return p, training_started, out, step_times, reader


def chaos(model, workdir, kills=5, seed=0, log=print):
  """Returns a dict of what happened (see module docstring)."""
  rng = random.Random("%s:%d" % (model, seed))
  ref_dir = os.path.join(workdir, model + "_ref")
  run_dir = os.path.join(workdir, model + "_chaos")
  t0 = time.time()
  p, _, out, step_times, reader = _start(model, ref_dir, workdir)
  p.wait()
  reader.join()
  # From the first step line to the last (without start-up and teardown).
  train_time = step_times[-1] - step_times[0] if step_times else 0.0
  ref_stdout = "".join(out)
  if p.returncode != 0:
    raise RuntimeError("%s reference run failed (exit %d)" %
                       (model, p.returncode))
  landed, chaos_out, done = [], [], 0
  for _ in range(kills):
    p, started, out, _, _ = _start(model, run_dir, workdir)
    chaos_out.append(out)
    started.wait()
    try:
      # A random moment of what is left of the training.
      p.wait(timeout=rng.uniform(0.0, 1.0) * train_time *
             (STEPS - done) / STEPS)
      landed.append("finished")
    except subprocess.TimeoutExpired:
      p.kill()  # SIGKILL
      p.wait()
      try:
        ckpt = final_checkpoint(run_dir)
      except Exception as e:  # pylint: disable=broad-except
        raise RuntimeError("%s: no intact checkpoint after a kill: %s" %
                           (model, e))
      done = int(ckpt.rsplit("-", 1)[-1]) if ckpt else 0
      landed.append(str(done) if ckpt else "before step 1")
  end = subprocess.run(command(model, run_dir), capture_output=True,
                       text=True, env=_env(), cwd=workdir)
  if end.returncode != 0 or "Traceback" in end.stderr:
    raise RuntimeError("%s resumed run failed:\n%s" % (model, end.stderr))
  ref_w = read_weights(final_checkpoint(ref_dir))
  end_ckpt = final_checkpoint(run_dir)
  end_w = read_weights(end_ckpt)
  same_names = sorted(ref_w) == sorted(end_w)
  identical = same_names and all(
      ref_w[n].tobytes() == end_w[n].tobytes() for n in ref_w)
  max_diff = max((float(np.max(np.abs(ref_w[n].astype(np.float64) -
                                      end_w[n].astype(np.float64))))
                  for n in ref_w if n in end_w and ref_w[n].size and
                  np.issubdtype(ref_w[n].dtype, np.number)), default=0.0)
  ref_step, ref_loss = last_loss(ref_stdout)
  result = dict(model=model, kills=landed, identical=identical,
                max_weight_diff=max_diff, ref_loss=ref_loss,
                step=int(end_ckpt.rsplit("-", 1)[-1]),
                ref_step=ref_step,
                loss=last_loss("".join(sum(chaos_out, [])) + end.stdout)[1],
                wall=time.time() - t0)
  log("%-10s kills landed at %s; final step %d (uninterrupted %s); "
      "weights %s (max |diff| %.3g); mean loss of the last %d steps %.4f vs "
      "%.4f" %
      (model, ", ".join(landed), result["step"], ref_step,
       "bit-identical" if identical else "differ", max_diff, LOSS_WINDOW,
       result["loss"], ref_loss))
  return result


def main(argv):
  models = [a for a in argv if not a.startswith("--")] or list(COMMANDS)
  opts = dict(a[2:].split("=", 1) for a in argv if a.startswith("--"))
  workdir = tempfile.mkdtemp(prefix="chaos_")
  failed = []
  try:
    for model in models:
      r = chaos(model, workdir, int(opts.get("kills", 5)),
                int(opts.get("seed", 0)))
      if model in NOT_EXACT:
        ok = r["step"] == r["ref_step"] and abs(
            r["loss"] - r["ref_loss"]) <= LOSS_TOLERANCE * r["ref_loss"]
      else:
        ok = r["identical"]
      if not ok:
        failed.append(model)
  finally:
    shutil.rmtree(workdir, ignore_errors=True)
  print("chaos: %s" % ("all match" if not failed else
                       "MISMATCH: " + ", ".join(failed)))
  return 1 if failed else 0


if __name__ == "__main__":
  sys.exit(main(sys.argv[1:]))
