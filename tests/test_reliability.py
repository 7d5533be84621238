"""Run directories under faults: moved, damaged, crash loops, two writers,
disk full, read-only, SIGTERM; and quiet start-up.

The loop is driven on the one-variable task of ``test_training`` (a few ms
per run); two subprocess tests check what a user sees (exit codes, one line
on stderr, nothing from TensorFlow).

Why the toy task stands for every model: char_rnn, text8_lstm, word2vec,
seq2seq and next_char --impl=tf1 train only through ``training.train``,
which owns the run directory (``RunDir``: relative state file, newest
intact checkpoint, ``max_to_keep`` recovery, lock, atomic ``run.json``,
``RunDirError`` on a failed write) and the signals (``StopFlag``); no
runner writes a checkpoint itself. Real-model checks on top: every runner
refuses a locked folder before writing (below); word2vec resumes a copied
run from its own files (tests/word2vec/test_runner.py); char_rnn's
command line on damaged checkpoints (below); every model's kill -9 resume
and SIGTERM from outside (tests/test_chaos.py, slow). next_char
--impl=keras has a loop of its own and its own tests at the end of this
file.
"""

import errno
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest
import tensorflow as tf

from tests.test_training import META, loop, make_task
from tf1_models import files, training
from tf1_models.errors import CheckpointDamagedError, RunDirError, run_main

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def train_to(d, steps, **kw):
  return training.train(make_task()[0], d, META,
                        training.LoopConfig(max_steps=steps,
                                            checkpoint_every=1, log_every=100,
                                            log=lambda s: None, **kw))


def w_of(path):
  return tf.train.load_checkpoint(path).get_tensor("w")


def ckpt_steps(d):
  return sorted(int(n[len("model.ckpt-"):-len(".index")])
                for n in os.listdir(d) if n.endswith(".index"))


def test_state_file_is_relative_and_a_moved_run_uses_its_own_files(tmp_path):
  a, b = str(tmp_path / "a"), str(tmp_path / "b")
  train_to(a, 3)
  state = open(os.path.join(a, "checkpoint")).read()
  assert '"model.ckpt-3"' in state and str(tmp_path) not in state
  shutil.copytree(a, b)
  train_to(a, 5)  # the original moves on; the copy must not follow it
  assert training.RunDir(b).latest_checkpoint() == os.path.join(b,
                                                                "model.ckpt-3")
  r = train_to(b, 4)
  assert (r.resumed_from, r.step) == (3, 4)
  # TF's own reader agrees (relative names resolve in the folder).
  assert tf.train.latest_checkpoint(b) == os.path.join(b, "model.ckpt-4")


def test_old_absolute_state_file_resumes_from_this_folder(tmp_path):
  old, new = str(tmp_path / "old"), str(tmp_path / "new")
  train_to(old, 2)
  # As earlier runs wrote it: absolute paths into the original folder.
  with open(os.path.join(old, "checkpoint"), "w") as f:
    f.write('model_checkpoint_path: "%s/model.ckpt-2"\n'
            'all_model_checkpoint_paths: "%s/model.ckpt-2"\n' % (old, old))
  shutil.copytree(old, new)
  shutil.rmtree(old)
  r = train_to(new, 3)
  assert (r.resumed_from, r.step) == (2, 3)


@pytest.mark.parametrize("damage", ["truncate", "missing_shard", "garbage"])
def test_damaged_newest_checkpoint_is_skipped_with_one_line(tmp_path, damage,
                                                            capsys):
  d = str(tmp_path)
  train_to(d, 3)
  w2 = w_of(os.path.join(d, "model.ckpt-2"))
  data = os.path.join(d, "model.ckpt-3.data-00000-of-00001")
  if damage == "truncate":
    os.truncate(data, os.path.getsize(data) // 2)
  elif damage == "missing_shard":
    os.remove(data)
  else:
    with open(data, "r+b") as f:
      f.write(b"\xff" * os.path.getsize(data))
  warnings = []
  run_dir = training.RunDir(d, warn=warnings.append)
  assert run_dir.latest_checkpoint() == os.path.join(d, "model.ckpt-2")
  assert len(warnings) == 1 and "model.ckpt-3" in warnings[0]
  r = training.train(make_task()[0], training.RunDir(d, warn=warnings.append),
                     META, loop(2))
  assert (r.resumed_from, r.step) == (2, 2) and len(warnings) == 1
  assert w_of(run_dir.latest_checkpoint()) == w2


def test_checkpoint_of_wrong_shapes_is_skipped_on_resume(tmp_path):
  """A readable checkpoint that does not fit the graph (``w`` of another
  shape, as a file copied in from another run leaves it): restore skips it
  with one line and resumes from the one before."""
  d = str(tmp_path)
  train_to(d, 3)
  graph = tf.Graph()
  with graph.as_default():
    tf.compat.v1.get_variable("w", initializer=[0.0, 0.0])
    tf.compat.v1.train.get_or_create_global_step()
    saver = tf.compat.v1.train.Saver()
  with tf.compat.v1.Session(graph=graph) as sess:
    sess.run(tf.compat.v1.global_variables_initializer())
    saver.save(sess, os.path.join(d, "model.ckpt-3"), write_state=False)
  warnings = []
  r = training.train(make_task()[0], training.RunDir(d, warn=warnings.append),
                     META, loop(4))
  assert (r.resumed_from, r.step) == (2, 4)
  assert len(warnings) == 1 and "model.ckpt-3" in warnings[0] and (
      "shape" in warnings[0]), warnings


def test_no_intact_checkpoint_is_one_line_and_exit_2(tmp_path, capsys):
  d = str(tmp_path)
  train_to(d, 2)
  for n in os.listdir(d):
    if n.endswith(".index"):
      open(os.path.join(d, n), "wb").close()
  with pytest.raises(CheckpointDamagedError, match="no intact checkpoint"):
    training.RunDir(d, warn=lambda s: None).latest_checkpoint()

  def main(argv):
    training.train(make_task()[0], training.RunDir(d, warn=lambda s: None),
                   META, loop(4))

  with pytest.raises(SystemExit) as e:
    run_main(main, "prog")(["prog"])
  assert e.value.code == 2
  err = capsys.readouterr().err
  assert err.count("\n") == 1 and "no intact checkpoint in %s" % d in err


def test_max_to_keep_holds_across_restarts(tmp_path):
  d = str(tmp_path)
  for end in (2, 4, 6, 8, 10):  # a crash loop: five restarts
    train_to(d, end, max_to_keep=3)
  assert ckpt_steps(d) == [8, 9, 10]


def test_second_writer_refuses_and_a_killed_holder_leaves_no_lock(tmp_path):
  d = str(tmp_path)
  # The holder takes the lock as RunDir.lock does (flock on .lock, its pid
  # inside), without importing TensorFlow, to keep the test fast.
  code = ("import fcntl, os, time\n"
          "fd = os.open(%r, os.O_RDWR | os.O_CREAT)\n"
          "fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
          "os.write(fd, str(os.getpid()).encode())\n"
          "print('locked', flush=True); time.sleep(60)\n" %
          os.path.join(d, training.LOCK_FILE))
  holder = subprocess.Popen([sys.executable, "-c", code],
                            stdout=subprocess.PIPE)
  try:
    assert holder.stdout.readline().strip() == b"locked"
    with pytest.raises(RunDirError,
                       match="another process \\(pid %d\\) is writing" %
                       holder.pid):
      train_to(d, 1)
  finally:
    holder.kill()  # kill -9: no cleanup runs in the holder
    holder.wait()
  assert train_to(d, 1).step == 1


@pytest.mark.parametrize("model", ["char_rnn", "text8_lstm", "word2vec",
                                   "seq2seq", "next_char"])
def test_every_model_refuses_a_locked_run_dir_before_writing(tmp_path,
                                                             model):
  """The real runners (not only the toy task): another writer's lock on
  the folder is one line, and nothing is written into it."""
  import fcntl  # pylint: disable=g-import-not-at-top
  import importlib  # pylint: disable=g-import-not-at-top
  config_lib = importlib.import_module("tf1_models.%s.config" % model)
  runner = importlib.import_module("tf1_models.%s.runner" % model)
  d = str(tmp_path)
  fd = os.open(os.path.join(d, training.LOCK_FILE), os.O_RDWR | os.O_CREAT)
  try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    config = config_lib.preset("test", checkpoint_dir=d)
    if getattr(config, "shipped_corpus", ""):  # not the large shared one
      from tf1_models import corpus  # pylint: disable=g-import-not-at-top
      config.corpus = corpus.shipped(config.shipped_corpus)
    with pytest.raises(RunDirError, match="another process is writing to"):
      runner.train(config, log=lambda s: None)
  finally:
    os.close(fd)
  assert os.listdir(d) == [training.LOCK_FILE]


def _enospc(*args, **kwargs):
  raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_names_the_folder_and_keeps_checkpoints(tmp_path,
                                                          monkeypatch):
  d = str(tmp_path)
  train_to(d, 2)
  before = {n: open(os.path.join(d, n), "rb").read() for n in os.listdir(d)
            if n.startswith("model.ckpt")}
  # The checkpoint writer fails as on a full disk ...
  monkeypatch.setattr(tf.compat.v1.train.Saver, "save", _enospc)
  with pytest.raises(RunDirError, match="cannot write to %s \\(No space" % d):
    train_to(d, 4)
  monkeypatch.undo()
  # ... and so does the run.json writer.
  monkeypatch.setattr(files.os, "replace", _enospc)
  with pytest.raises(RunDirError, match="No space left"):
    train_to(d, 4)
  monkeypatch.undo()
  after = {n: open(os.path.join(d, n), "rb").read() for n in before}
  assert after == before
  assert not [n for n in os.listdir(d) if ".tmp" in n]
  # The first failure saved nothing; the second failed after checkpoint 3's
  # files were written (on its state file and run.json), and a rerun
  # resumes from it.
  assert train_to(d, 5).resumed_from == 3


def test_unwritable_run_dir_is_one_line(tmp_path, monkeypatch):
  d = str(tmp_path / "run")
  train_to(d, 1)
  real_open = os.open

  def deny(path, *a, **k):
    if str(path).startswith(d):
      raise PermissionError(errno.EACCES, "Permission denied")
    return real_open(path, *a, **k)

  monkeypatch.setattr(training.os, "open", deny)
  with pytest.raises(RunDirError, match="cannot write to %s \\(Permission" % d):
    train_to(d, 2)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only "
                    "folders; the monkeypatched EACCES test covers it")
def test_read_only_run_dir(tmp_path):
  d = str(tmp_path / "run")
  train_to(d, 1)
  os.chmod(d, 0o555)
  try:
    with pytest.raises(RunDirError, match="cannot write to"):
      train_to(d, 2)
  finally:
    os.chmod(d, 0o755)


@pytest.mark.parametrize("signals", [1, 2])
def test_sigterm_saves_then_stops_and_a_second_aborts(tmp_path, signals):
  """One SIGTERM at step 2: step 2 is saved and the run stops. Two: abort
  at once (KeyboardInterrupt), nothing from step 2 saved, lock released."""
  d = str(tmp_path)

  def after_step(sess, step, out):
    if step == 2:
      for _ in range(signals):
        os.kill(os.getpid(), signal.SIGTERM)

  task, _ = make_task(after_step=after_step)
  if signals == 1:
    r = training.train(task, d, META, loop(50))
    assert (r.step, r.interrupted) == (2, True)
    assert training.RunDir(d).latest_checkpoint().endswith("model.ckpt-2")
  else:
    with pytest.raises(KeyboardInterrupt):
      training.train(task, d, META, training.LoopConfig(
          max_steps=50, checkpoint_every=1, log=lambda s: None))
    assert training.RunDir(d).latest_checkpoint().endswith("model.ckpt-1")
  assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
  assert os.path.abspath(d) not in training._HELD_LOCKS


def test_atomic_write_leaves_the_old_file_when_cut(tmp_path, monkeypatch):
  path = str(tmp_path / "run.json")
  files.write_json(path, {"step": 1})

  def cut(*a, **k):
    raise KeyboardInterrupt  # killed half way through

  monkeypatch.setattr(files.os, "fsync", cut)
  with pytest.raises(KeyboardInterrupt):
    files.write_json(path, {"step": 2})
  assert json.load(open(path)) == {"step": 1}
  assert os.listdir(str(tmp_path)) == ["run.json"]


def test_first_run_stderr_is_clean_and_errors_are_one_line(tmp_path):
  """A tiny char_rnn run on a CPU-only host: nothing from TensorFlow on
  stderr; then sampling from a run dir whose checkpoints are all damaged is
  one line and exit 2."""
  env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
  env["PYTHONPATH"] = REPO
  d = str(tmp_path / "run")
  cmd = [sys.executable, "-m", "tf1_models.char_rnn", "--config=test",
         "--max_steps=2", "--checkpoint_dir=" + d]
  # Also fuzz cases that must work: top_k beyond the vocabulary, a prime
  # longer than the length.
  p = subprocess.run(cmd + ["--top_k=1000000", "--length=3",
                            "--prime=春眠不觉晓处处闻啼鸟"],
                     capture_output=True, text=True, env=env, cwd=REPO)
  assert p.returncode == 0, p.stderr
  assert p.stderr == ""
  assert p.stdout.splitlines()[-1].startswith("春眠不觉晓")
  for n in os.listdir(d):
    if n.startswith("model.ckpt") and ".data-" in n:
      os.truncate(os.path.join(d, n), 10)
  p = subprocess.run(cmd + ["--mode=sample"], capture_output=True, text=True,
                     env=env, cwd=REPO)
  assert p.returncode == 2
  lines = p.stderr.splitlines()
  assert lines[-1].startswith("python -m tf1_models.char_rnn: error: no "
                              "intact checkpoint in " + d)
  assert all(l.startswith("warning: skipping damaged checkpoint")
             for l in lines[:-1]) and "Traceback" not in p.stderr


# next_char --impl=keras trains in a loop of its own (Keras has no Session);
# it takes the same lock, StopFlag and newest-intact rule from ``training``.


def keras_config(d, **kw):
  from tf1_models import corpus  # pylint: disable=g-import-not-at-top
  from tf1_models.next_char import config as config_lib  # pylint: disable=g-import-not-at-top
  kw.setdefault("checkpoint_every", 1)
  return config_lib.preset("test", impl="keras", checkpoint_dir=d,
                           corpus=corpus.shipped("shakespeare_small.txt"),
                           val_fraction=0.0, log_every=1, **kw)


def keras_train(d, steps, log=None, **kw):
  from tf1_models.next_char import runner  # pylint: disable=g-import-not-at-top
  return runner.train(keras_config(d, max_steps=steps, **kw),
                      log=log or (lambda s: None))


def keras_states(d):
  from tf1_models.next_char import runner  # pylint: disable=g-import-not-at-top
  return [int(os.path.basename(p)[len(runner.KERAS_STATE):-len(".npz")])
          for p in runner.state_paths(d)]


def npz_arrays(path):
  import numpy as np  # pylint: disable=g-import-not-at-top
  with np.load(path) as z:
    return {k: z[k].tobytes() for k in z.files}


def test_keras_resume_is_exact_skips_damage_and_keeps_max_to_keep(
    tmp_path, capsys, monkeypatch):
  """Disk full while saving: one line, states untouched. Resume from the
  middle, bit for bit; the newest state damaged (a truncated file, as a
  full disk leaves it): one warning line, the one before is used;
  max_to_keep holds across restarts; sample skips damage too, and a copied
  run samples from its own files; none intact: one-line
  CheckpointDamagedError."""
  from tf1_models.next_char import runner  # pylint: disable=g-import-not-at-top
  ref, d = str(tmp_path / "ref"), str(tmp_path / "run")
  keras_train(ref, 4)
  assert keras_states(ref) == [2, 3, 4]  # max_to_keep 3
  # Disk full while saving: one line naming the folder, states untouched.
  before = {n: open(os.path.join(ref, n), "rb").read()
            for n in os.listdir(ref)}
  monkeypatch.setattr(runner.np, "savez", _enospc)
  with pytest.raises(RunDirError, match="cannot write to %s \\(No space"
                     % ref):
    keras_train(ref, 5)
  monkeypatch.undo()
  assert {n: open(os.path.join(ref, n), "rb").read()
          for n in os.listdir(ref)} == before
  assert keras_train(d, 2).step == 2
  state2 = os.path.join(d, runner.KERAS_STATE + "2.npz")
  os.truncate(state2, os.path.getsize(state2) // 2)
  capsys.readouterr()
  r = keras_train(d, 4)
  err = capsys.readouterr().err
  assert err.count("\n") == 1 and (
      "warning: skipping damaged checkpoint %s" % state2) in err
  assert (r.resumed_from, r.step) == (1, 4)
  assert keras_states(d) == [2, 3, 4]
  final = runner.KERAS_STATE + "4.npz"
  assert npz_arrays(os.path.join(d, final)) == npz_arrays(
      os.path.join(ref, final))
  # Sampling reads the newest intact state, skipping a damaged one.
  text = runner.sample(keras_config(d, length=5))
  for p in runner.state_paths(d)[1:]:
    with open(p, "r+b") as f:
      f.write(b"\0" * 64)
  assert runner.sample(keras_config(d, length=5)) != "" and (
      "keras.ckpt-4.npz" in capsys.readouterr().err)
  assert text.startswith("Once upon a time")
  # A copied run (the original deleted) samples from its own files.
  moved = str(tmp_path / "moved")
  shutil.copytree(ref, moved)
  shutil.rmtree(ref)
  assert runner.sample(keras_config(moved, length=5)).startswith("Once")
  os.truncate(runner.state_paths(d)[0], 10)
  with pytest.raises(CheckpointDamagedError, match="no intact checkpoint"):
    keras_train(d, 6)


def test_keras_lock_is_taken_before_anything_is_read_or_trained(tmp_path):
  import fcntl  # pylint: disable=g-import-not-at-top
  d = str(tmp_path)
  fd = os.open(os.path.join(d, training.LOCK_FILE), os.O_RDWR | os.O_CREAT)
  try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another writer
    os.write(fd, b"4242")
    with pytest.raises(RunDirError,
                       match="another process \\(pid 4242\\) is writing"):
      keras_train(d, 2)
    assert os.listdir(d) == [training.LOCK_FILE]
  finally:
    os.close(fd)
  assert keras_train(d, 1).step == 1


@pytest.mark.parametrize("signals", [1, 2])
def test_keras_sigterm_saves_then_stops_and_a_second_aborts(tmp_path,
                                                            signals):
  """A real SIGTERM to this process at step 2 (sent from the progress line,
  which the loop prints after each step): one saves step 2 and stops; two
  abort at once (KeyboardInterrupt), nothing from step 2 saved."""
  d = str(tmp_path)

  def log(line):
    if line.startswith("step 2/"):
      for _ in range(signals):
        os.kill(os.getpid(), signal.SIGTERM)

  if signals == 1:
    r = keras_train(d, 50, log=log)
    assert (r.step, r.interrupted) == (2, True)
    assert keras_states(d) == [1, 2]
  else:
    with pytest.raises(KeyboardInterrupt):
      keras_train(d, 50, log=log)
    assert keras_states(d) == [1]
  assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
  assert os.path.abspath(d) not in training._HELD_LOCKS  # released


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_backend_flag_survives_the_quiet_tensorflow_import(tmp_path, backend):
  """Importing tf1_models imports TensorFlow (quietly), which imports Keras
  and fixes its backend: ``--backend`` must be applied before that."""
  pytest.importorskip(backend)
  env = {k: v for k, v in os.environ.items()
         if k not in ("KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL")}
  env["PYTHONPATH"] = REPO
  p = subprocess.run(
      [sys.executable, "-m", "tf1_models.next_char", "--config=test",
       "--impl=keras", "--backend=" + backend, "--max_steps=1",
       "--length=3", "--checkpoint_dir=" + str(tmp_path / "run")],
      capture_output=True, text=True, env=env, cwd=str(tmp_path))
  assert p.returncode == 0, p.stderr
  assert p.stdout.splitlines()[-1].startswith("Once upon a time")
