"""Fuzzing the command lines of every model.

Every numeric flag at 0, negative, absurdly large (and floats at NaN/inf),
and odd corpora (BOM, CRLF, UTF-16, only filtered-out poems, one character
repeated): each case is a one-line ``UserError`` or works, never a
traceback or a bad checkpoint.

Default suite: in-process through the same checks ``cli.setup`` and each
runner apply (``configs.check_numbers`` then ``runner.validate``), corpora
through each runner's ``load_data``, and a few subprocess runs of the real
command line. Slow tier: every case that passes validation runs as a real
subprocess (train, then the run directory must hold only intact
checkpoints).
"""

import dataclasses
import importlib
import os
import subprocess
import sys

import pytest

from tf1_models import configs, corpus, training
from tf1_models.errors import UserError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ("char_rnn", "text8_lstm", "word2vec", "seq2seq", "next_char")
INT_VALUES = (0, -1, 10 ** 12)
FLOAT_VALUES = (0.0, -1.0, 1e300, float("nan"), float("inf"))


def modules(model):
  return (importlib.import_module("tf1_models.%s.config" % model),
          importlib.import_module("tf1_models.%s.runner" % model))


def numeric_cases(model):
  config_lib, _ = modules(model)
  base = config_lib.preset("test")
  for field in dataclasses.fields(base):
    value = getattr(base, field.name)
    if isinstance(value, bool):
      continue
    if isinstance(value, int):
      yield field.name, INT_VALUES
    elif isinstance(value, float):
      yield field.name, FLOAT_VALUES


def validate(model, **overrides):
  """None if the config passes every check, else the UserError's text."""
  config_lib, runner = modules(model)
  config = config_lib.preset("test", **overrides)
  try:
    configs.check_numbers(config)
    runner.validate(config)
  except UserError as e:
    assert "\n" not in str(e)
    return str(e)
  return None


def accepted_cases():
  """(model, flag, value) that pass validation: they must then work."""
  for model in MODELS:
    for key, values in numeric_cases(model):
      for value in values:
        if validate(model, **{key: value}) is None:
          yield model, key, value


@pytest.mark.parametrize("model", MODELS)
def test_every_numeric_flag_is_checked_or_harmless(model):
  config_lib, _ = modules(model)
  for name in config_lib.PRESETS:
    configs.check_numbers(config_lib.preset(name))  # no false alarms
  for key, values in numeric_cases(model):
    for value in values:
      problem = validate(model, **{key: value})
      if value in (-1, 10 ** 12, 1e300, float("inf")) or value != value:
        assert problem and "--" + key in problem, (key, value)
      if key in configs.EVERY_FIELDS and value == 0:
        assert problem and "--" + key in problem


def test_temperature_below_zero_is_refused():
  assert "--temperature must not be negative" in validate(
      "char_rnn", temperature=-0.5)


def write_corpora(folder):
  poem = "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。\n"
  text = "the quick brown fox jumps over the lazy dog. " * 40
  cases = {
      "bom": ("\ufeff" + text).encode("utf-8"),
      "crlf": text.replace(". ", ".\r\n").encode("utf-8"),
      "utf16": text.encode("utf-16"),
      "one_char": b"a" * 5000,
      # Poems with a forbidden character or too long: all filtered out.
      "filtered_poems": ("".join("题%d:%s_(%d)\n" % (i, poem.strip(), i)
                                 for i in range(50))).encode("utf-8"),
  }
  paths = {}
  for name, raw in cases.items():
    paths[name] = os.path.join(folder, name + ".txt")
    with open(paths[name], "wb") as f:
      f.write(raw)
  return paths


def load(model, config):
  _, runner = modules(model)
  if model == "seq2seq":
    return runner.load_data(config, runner.buckets_of(config),
                            log=lambda s: None)
  return runner.load_data(config, log=lambda s: None)


@pytest.mark.parametrize("model", MODELS)
def test_odd_corpora_are_one_line_errors_or_work(model, tmp_path):
  config_lib, _ = modules(model)
  outcomes = {}
  for name, path in write_corpora(str(tmp_path)).items():
    try:
      load(model, config_lib.preset("test", corpus=path))
      outcomes[name] = "works"
    except UserError as e:
      assert "\n" not in str(e)
      outcomes[name] = "error"
  # A BOM, CRLF and UTF-16 are read as the same text as plain UTF-8.
  assert outcomes["bom"] == outcomes["crlf"] == outcomes["utf16"], outcomes


def test_corpus_encodings_read_as_the_same_text(tmp_path):

  paths = write_corpora(str(tmp_path))
  plain = "the quick brown fox jumps over the lazy dog. " * 40
  assert corpus.read_text(paths["bom"]) == plain
  assert corpus.read_text(paths["utf16"]) == plain
  assert "\r" not in corpus.read_text(paths["crlf"])


def run_cli(model, args, cwd):
  env = dict(os.environ, PYTHONPATH=REPO)
  env.pop("TF_CPP_MIN_LOG_LEVEL", None)
  return subprocess.run([sys.executable, "-m", "tf1_models." + model,
                         "--config=test"] + args, capture_output=True,
                        text=True, env=env, cwd=cwd, timeout=600)


def assert_one_line_or_works(p, run_dir=None):
  assert "Traceback" not in p.stderr, p.stderr
  # Nothing but the project's own lines reaches stderr (no TensorFlow logs).
  assert all(l.startswith("warning:") or ": error: " in l
             for l in p.stderr.splitlines()), p.stderr
  if p.returncode != 0:
    lines = [l for l in p.stderr.splitlines()
             if not l.startswith("warning:")]
    assert len(lines) == 1 and ": error: " in lines[0], p.stderr
  if run_dir and os.path.isdir(run_dir):
    for ckpt in training.RunDir(run_dir).checkpoints():
      assert training.checkpoint_problem(ckpt) is None, ckpt


def test_zero_frequency_is_one_line_before_anything_is_written(tmp_path):
  """(top_k beyond the vocabulary and a prime longer than the length are
  run in test_reliability's first-run test.)"""
  d = str(tmp_path / "run")
  p = run_cli("char_rnn", ["--checkpoint_every=0", "--checkpoint_dir=" + d],
              REPO)
  assert p.returncode == 2 and "--checkpoint_every must be at least 1" in (
      p.stderr) and not os.path.exists(d)
  assert_one_line_or_works(p)


@pytest.mark.slow
@pytest.mark.parametrize("model,key,value", list(accepted_cases()))
def test_every_accepted_value_runs(model, key, value, tmp_path):
  d = str(tmp_path / "run")
  args = ["--%s=%r" % (key, value), "--checkpoint_dir=" + d]
  if model == "next_char" and key == "max_steps":
    # 0 means "one epoch": every window of the corpus; keep the corpus tiny.
    tiny = tmp_path / "tiny.txt"
    tiny.write_text(corpus.read_text(corpus.shipped(
        "shakespeare_small.txt"))[:600])
    args.append("--corpus=%s" % tiny)
  p = run_cli(model, args, str(tmp_path))
  if "Unknown command line flag '%s'" % key in p.stderr:
    # A config field without a flag (presets and library callers set it):
    # train in-process; a UserError must be one line.
    config_lib, runner = modules(model)
    try:
      runner.train(config_lib.preset("test", checkpoint_dir=d,
                                     **{key: value}), log=lambda s: None)
    except UserError as e:
      assert "\n" not in str(e)
    for ckpt in training.RunDir(d).checkpoints():
      assert training.checkpoint_problem(ckpt) is None, ckpt
    return
  assert_one_line_or_works(p, d)


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS)
def test_odd_corpora_train_in_subprocesses(model, tmp_path):
  for name, path in write_corpora(str(tmp_path)).items():
    d = str(tmp_path / name)
    p = run_cli(model, ["--corpus=" + path, "--checkpoint_dir=" + d],
                str(tmp_path))
    assert_one_line_or_works(p, d)
