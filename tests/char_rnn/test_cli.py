"""python -m tf1_models.char_rnn end to end, on tiny corpora.

In-process runs parse real command lines with absl (restored by flagsaver);
the error contract (one line on stderr, exit status 2, nothing written) is
checked in subprocesses, as a user sees it.
"""

import os
import subprocess
import sys

import pytest
from absl import flags
from absl.testing import flagsaver

from tf1_models.char_rnn import __main__ as cli_main
from tf1_models.char_rnn import data
from tf1_models.errors import (CheckpointMismatchError, CorpusError,
                               UserError, VocabularyError)

FLAGS = flags.FLAGS
REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

POEM_LINES = ["山中送别:山中相送罢，日暮掩柴扉。春草明年绿，王孙归不归。",
              "相思:红豆生南国，春来发几枝。愿君多采撷，此物最相思。",
              "鹿柴:空山不见人，但闻人语响。返景入深林，复照青苔上。",
              "竹里馆:独坐幽篁里，弹琴复长啸。深林人不知，明月来相照。",
              "杂诗:君自故乡来，应知故乡事。来日绮窗前，寒梅著花未。"] * 2


@pytest.fixture
def poems(tmp_path):
  path = tmp_path / "poems.txt"
  path.write_text("\n".join(POEM_LINES) + "\n", encoding="utf-8")
  return str(path)


def run_cli(*args, capsys=None):
  """Parse ``args`` as a command line and run main; return stdout."""
  with flagsaver.flagsaver():
    FLAGS.unparse_flags()
    FLAGS(["char_rnn", "--config=test"] + list(args))
    cli_main.main(["char_rnn"])
  return capsys.readouterr().out if capsys else None


def test_train_resume_and_sample(poems, tmp_path, capsys):
  ckpt = str(tmp_path / "run")
  out = run_cli("--corpus=" + poems, "--checkpoint_dir=" + ckpt,
                "--max_steps=2", capsys=capsys)
  assert "step 2/2" in out and "saved" in out
  out = run_cli("--corpus=" + poems, "--checkpoint_dir=" + ckpt,
                "--max_steps=4", "--epochs=5", capsys=capsys)
  assert "resumed from" in out and "at step 2" in out and "step 4/4" in out
  assert os.path.exists(os.path.join(ckpt, "model.ckpt-4.index"))
  # Sampling needs only the checkpoint directory, and is seed-reproducible.
  args = ["--mode=sample", "--checkpoint_dir=" + ckpt, "--corpus=/nonexistent",
          "--temperature=1.5", "--seed=3"]
  a = run_cli(*args, capsys=capsys)
  b = run_cli(*args, capsys=capsys)
  assert a == b and a.strip()
  assert data.START_TOKEN not in a


def test_acrostic_and_prime(poems, tmp_path, capsys):
  ckpt = str(tmp_path / "run")
  run_cli("--corpus=" + poems, "--checkpoint_dir=" + ckpt, "--max_steps=1",
          capsys=capsys)
  out = run_cli("--mode=sample", "--checkpoint_dir=" + ckpt,
                "--acrostic=春山", "--length=40", capsys=capsys)
  lines = out.strip().split("\n")
  assert lines[0].startswith("春")
  for line, head in zip(lines, "春山"):
    assert line.startswith(head)
  out = run_cli("--mode=sample", "--checkpoint_dir=" + ckpt, "--prime=明月",
                "--length=5", capsys=capsys)
  assert out.startswith("明月")


def test_faster_graphs_train_the_same_checkpoint_and_xla_samples_alike(
    poems, tmp_path, capsys):
  """--lstm_impl picks the training graph (same variables, so a run resumes
  across impls); --sampler=xla gives the seed sampler's greedy text, also
  with acrostic heads."""
  ckpt = str(tmp_path / "run")
  run_cli("--corpus=" + poems, "--checkpoint_dir=" + ckpt, "--max_steps=2",
          "--lstm_impl=hoisted_grad", capsys=capsys)
  out = run_cli("--corpus=" + poems, "--checkpoint_dir=" + ckpt,
                "--max_steps=3", "--epochs=5", "--lstm_impl=cell",
                capsys=capsys)
  assert "at step 2" in out and "step 3/3" in out
  for extra in ([], ["--acrostic=春山"]):
    args = ["--mode=sample", "--checkpoint_dir=" + ckpt, "--temperature=0",
            "--length=30"] + extra
    graph = run_cli(*args, capsys=capsys)
    assert run_cli(*(args + ["--sampler=xla"]), capsys=capsys) == graph
  with pytest.raises(UserError, match="--lstm_impl=hoisted is for "
                     "--model=lstm"):
    run_cli("--corpus=" + poems, "--model=gru", "--lstm_impl=hoisted",
            "--checkpoint_dir=" + str(tmp_path / "gru"))


def test_oov_prime_and_acrostic_name_the_characters(poems, tmp_path, capsys):
  ckpt = str(tmp_path / "run")
  run_cli("--corpus=" + poems, "--checkpoint_dir=" + ckpt, "--max_steps=1",
          capsys=capsys)
  with pytest.raises(VocabularyError, match=r"--prime contains 1 symbol.*'龘'"):
    run_cli("--mode=sample", "--checkpoint_dir=" + ckpt, "--prime=明龘")
  with pytest.raises(VocabularyError, match="--acrostic"):
    run_cli("--mode=sample", "--checkpoint_dir=" + ckpt, "--acrostic=Q")


def test_checkpoint_from_another_model_is_refused_untouched(poems, tmp_path,
                                                            capsys):
  ckpt = str(tmp_path / "run")
  run_cli("--corpus=" + poems, "--checkpoint_dir=" + ckpt, "--max_steps=1",
          capsys=capsys)
  before = sorted(os.listdir(ckpt))
  with pytest.raises(CheckpointMismatchError,
                     match="model=lstm.*asks for model=gru"):
    run_cli("--corpus=" + poems, "--checkpoint_dir=" + ckpt, "--model=gru",
            "--max_steps=2")
  other = tmp_path / "other.txt"
  other.write_text("\n".join(POEM_LINES[:4] + ["x:天地玄黄宇宙洪荒"] * 4),
                   encoding="utf-8")
  with pytest.raises(CheckpointMismatchError, match="another vocabulary"):
    run_cli("--corpus=" + str(other), "--checkpoint_dir=" + ckpt,
            "--max_steps=2")
  assert sorted(os.listdir(ckpt)) == before


@pytest.mark.parametrize("content,message", [
    (b"", "is empty"),
    (b"\x00\x01\x02binary\x00", "looks binary"),
    (b"\xff\xfe\xfa not utf8", "not valid UTF-8"),
])
def test_bad_corpus_files(tmp_path, content, message):
  path = tmp_path / "corpus.txt"
  path.write_bytes(content)
  with pytest.raises(CorpusError, match=message):
    run_cli("--corpus=" + str(path), "--checkpoint_dir=" + str(tmp_path))


def test_plain_text_reports_validation_loss(tmp_path, capsys):
  out = run_cli("--corpus=" + os.path.join(REPO, "tf1_models", "data",
                                           "shakespeare_small.txt"),
                "--checkpoint_dir=" + str(tmp_path / "run"), "--max_steps=2",
                capsys=capsys)
  assert "read as text" in out and "final: step 2, val_loss" in out


def _subprocess(*args):
  env = dict(os.environ, PYTHONPATH=REPO)
  return subprocess.run([sys.executable, "-m", "tf1_models.char_rnn"] +
                        list(args), capture_output=True, text=True, env=env,
                        cwd=REPO, timeout=300)


def _last_line(stderr):
  return [l for l in stderr.strip().split("\n") if l][-1]


def test_errors_are_one_line_with_nonzero_exit(tmp_path):
  r = _subprocess("--corpus=" + str(tmp_path / "missing.txt"),
                  "--checkpoint_dir=" + str(tmp_path / "run"))
  assert r.returncode == 2
  assert _last_line(r.stderr).startswith(
      "python -m tf1_models.char_rnn: error: corpus file ")
  assert "does not exist" in _last_line(r.stderr)
  assert "Traceback" not in r.stderr
  assert not os.path.exists(tmp_path / "run")
  r = _subprocess("--model=transformer")
  assert r.returncode != 0
  assert "--model=transformer: value should be one of <rnn|gru|lstm>" in (
      r.stderr)


def test_export_to_keras_and_import_back_generate_the_same_text(
    poems, tmp_path, capsys):
  from tf1_models.char_rnn import keras_model  # pylint: disable=g-import-not-at-top
  from tf1_models.char_rnn import runner  # pylint: disable=g-import-not-at-top
  from tf1_models.corpus import Vocabulary  # pylint: disable=g-import-not-at-top
  ckpt, back = str(tmp_path / "run"), str(tmp_path / "back")
  keras_file = str(tmp_path / "net.weights.h5")
  run_cli("--corpus=" + poems, "--checkpoint_dir=" + ckpt, "--max_steps=2",
          "--model=gru", capsys=capsys)
  run_cli("--mode=export_keras", "--checkpoint_dir=" + ckpt,
          "--keras_file=" + keras_file, capsys=capsys)
  run_cli("--mode=import_keras", "--checkpoint_dir=" + back,
          "--keras_file=" + keras_file, capsys=capsys)
  greedy = ["--mode=sample", "--temperature=0", "--length=30", "--prime=春"]
  original = run_cli("--checkpoint_dir=" + ckpt, *greedy, capsys=capsys)
  imported = run_cli("--checkpoint_dir=" + back, *greedy, capsys=capsys)
  assert original == imported
  meta = runner.training.RunDir(ckpt).read_meta()
  vocab = Vocabulary.from_json(meta["vocab"])
  net = keras_model.KerasCharRNN("gru", len(vocab), 16, 2)
  net.model.load_weights(keras_file)
  ids = net.generate(vocab.encode("B春"), 30, temperature=0.0,
                     end_id=vocab.id("E"))
  assert runner.format_poem("春" + "".join(vocab.decode(ids))) + "\n" == (
      original)
  with pytest.raises(Exception, match="already holds a checkpoint"):
    run_cli("--mode=import_keras", "--checkpoint_dir=" + back,
            "--keras_file=" + keras_file)
