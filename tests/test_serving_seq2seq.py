"""seq2seq's ``--mode=export`` (``tf1_models.serving.export_decoder``): one
phrase in, its decoding out, in one call of a SavedModel loaded with
TensorFlow alone.

The legacy model picks the bucket in the graph, so phrases of each bucket's
lengths are sent and each answer must equal ``--decode``'s (greedy) for the
same checkpoint. In the slow tier, the same for the dynamic decoder's TF1
and Keras exports (greedy and beam search) and the legacy Keras export, and
the ONNX exports against the TF1 graph. Bad requests come back as error
strings.
"""

import dataclasses
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.seq2seq.test_runner import TEXT
from tests.test_serving import _env, _serve_job
from tf1_models.errors import UserError
from tf1_models.seq2seq import config as config_lib
from tf1_models.seq2seq import data as data_lib
from tf1_models.seq2seq import model as model_lib
from tf1_models.seq2seq import runner

QUIET = dict(log=lambda *_: None)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The test preset's buckets are 3:5 and 6:8, max_length 6: phrases of 1-3
# characters go to bucket 0, 4-6 to bucket 1. Case, extra spaces and
# characters outside the vocabulary are prepared as --decode prepares them.
PHRASES = ["a", "at", "the", "a cat", "on mat", "sat on", " Dog  Ra ",
           "tree", "q!", "big \u00e9", "\u2603\u00c9\u2603"]
BAD = [("", "empty source: send at least one character"),
       ("   ", "empty source: send at least one character"),
       ("a cat sat", "source has 9 characters; this model takes at most 6"),
       ("\u00e9" * 7, "source has 7 characters; this model takes at most 6")]


def _train(tmp, **overrides):
  """A checkpoint after one step: still near its random start, so the
  decodings are long and differ from phrase to phrase."""
  path = tmp / "corpus.txt"
  path.write_text(TEXT, encoding="utf-8")
  config = config_lib.preset("test", corpus=str(path), max_steps=1,
                             checkpoint_dir=str(tmp / "run"), **overrides)
  runner.train(config, **QUIET)
  return config


def _serve(paths, sources, cwd):
  """Each export's ``(text, error)`` for each source, from one process
  where the project cannot be imported."""
  job = {path: [path, [dict(source=s) for s in sources]] for path in paths}
  results = _serve_job(job, cwd)
  return [[(r["text"], r["error"]) for r in results[p]] for p in paths]


def _check_export(config, tmp, keras=False):
  paths = [runner.export_saved_model(config, **QUIET)]
  assert paths[0] == os.path.join(config.checkpoint_dir, "export", "1")
  assert sorted(os.listdir(paths[0])) == ["saved_model.pb", "variables"]
  if keras:  # the Keras twin's export, on the converted weights
    paths.append(runner.export_saved_model(config, str(tmp / "keras"),
                                           "keras", **QUIET))
  greedy = runner.decode(config, PHRASES)
  # Long, varied decodings: a wrong bucket or id would show.
  assert len(set(greedy)) > 3 and sum(map(bool, greedy)) > 3, greedy
  for path, out in zip(paths, _serve(
      paths, PHRASES + [s for s, _ in BAD] + PHRASES[:1], tmp)):
    _check_answers(path, greedy, out)
  with pytest.raises(UserError, match="already exists"):
    runner.export_saved_model(config, **QUIET)


def _check_answers(name, greedy, out):
  """``out`` ((text, error) pairs) for ``PHRASES``, ``BAD`` and the first
  phrase again, from an export whose --mode=decode gives ``greedy``."""
  assert out[:len(PHRASES)] == [(g, "") for g in greedy], name
  assert out[len(PHRASES):-1] == [("", e) for _, e in BAD], name
  assert out[-1] == out[0], name


def test_legacy_export_decodes_as_decode_in_every_bucket(tmp_path):
  _check_export(_train(tmp_path), tmp_path)


@pytest.mark.slow
def test_legacy_keras_export_decodes_as_decode(tmp_path):
  _check_export(_train(tmp_path), tmp_path, keras=True)


@pytest.mark.slow
@pytest.mark.parametrize("beam_width", [0, 3])
def test_dynamic_export_decodes_as_decode(tmp_path, beam_width):
  """Greedy and beam search (beam 0): the TF1 graph's export and the Keras
  twin's (its fixed-step beam search) give ``--mode=decode``'s text for
  every phrase, and the same errors."""
  config = dataclasses.replace(_train(tmp_path, decoder="dynamic"),
                               beam_width=beam_width)
  _check_export(config, tmp_path, keras=True)
  if beam_width:  # beam search is what was exported: it differs somewhere
    assert runner.decode(config, PHRASES) != runner.decode(
        dataclasses.replace(config, beam_width=0), PHRASES)


@pytest.mark.slow
def test_export_from_the_command_line(tmp_path):
  """``--mode=export`` and ``--mode=decode`` as a user runs them, and
  ``saved_model_cli run`` on the export prints ``--decode``'s text."""
  config = _train(tmp_path)

  def run(*flags, stdin=None):
    proc = subprocess.run(
        [sys.executable, "-m", "tf1_models.seq2seq", "--config=test",
         "--checkpoint_dir=" + config.checkpoint_dir] + list(flags),
        input=stdin, capture_output=True, text=True, cwd=REPO, timeout=300,
        env=dict(os.environ, PYTHONPATH=REPO))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout
  served = str(tmp_path / "served" / "1")
  assert "exported %s" % served in run(
      "--mode=export", "--export_dir=" + str(tmp_path / "served"))
  greedy = runner.decode(config, ["a cat"])[0]
  assert run("--mode=decode", stdin="a cat\n").strip() == greedy
  assert _serve([served], ["a cat"], tmp_path) == [[(greedy, "")]]
  proc = subprocess.run(
      ["saved_model_cli", "run", "--dir", served, "--tag_set", "serve",
       "--signature_def", "serving_default", "--input_exprs",
       'source="a cat"'],
      capture_output=True, text=True, env=_env(), cwd=str(tmp_path),
      timeout=300)
  assert proc.returncode == 0, proc.stderr[-2000:]
  lines = proc.stdout.strip().split("\n")
  text = lines[lines.index("Result for output key text:") + 1]
  assert text == repr(greedy.encode("utf-8"))


@pytest.mark.slow
def test_onnx_export_gives_the_tf1_greedy_logits_in_every_bucket(tmp_path):
  """``--export_format=onnx``: one file per bucket; onnxruntime, fed the
  encoder ids as the TF1 model lays them out, gives the TF1 graph's greedy
  logits (1e-5), so its argmax is ``--mode=decode``'s output."""
  ort = pytest.importorskip("onnxruntime")
  config = _train(tmp_path)
  paths = runner.export_saved_model(config, str(tmp_path / "onnx"), "onnx",
                                    **QUIET)
  assert [os.path.basename(p) for p in paths] == ["1_bucket0.onnx",
                                                  "1_bucket1.onnx"]
  decoder = runner.Decoder(config)
  try:
    checked = set()
    for phrase in PHRASES:
      ids = data_lib.encode(decoder.vocab, runner.prepare_line(phrase))
      b = model_lib.bucket_for((len(ids), 0), decoder.buckets)
      batch = model_lib.batch_from_pairs([(ids, [])], decoder.buckets[b])
      tf1 = np.stack(decoder.model.step(decoder.sess, *batch, b, True)[2], 1)
      session = ort.InferenceSession(paths[b])
      name = session.get_inputs()[0].name
      got = session.run(None, {name: np.array(batch[0], np.int32).T})[0]
      np.testing.assert_allclose(got, tf1, atol=1e-5)
      checked.add(b)
  finally:
    decoder.close()
  assert checked == {0, 1}


@pytest.mark.slow
def test_dynamic_onnx_export_decodes_as_the_tf1_graph(tmp_path):
  """The dynamic twin's ONNX export: its argmax ids are the TF1 graph's
  greedy ids, and its logits the Keras twin's (which the parity suite holds
  to the TF1 graph's), for every phrase."""
  decoder, cases = _onnx_and_tf1(_train(tmp_path, decoder="dynamic"),
                                 tmp_path, "1.onnx")
  net, _ = runner._keras_twin(decoder)  # pylint: disable=protected-access
  seen = set()
  for source, length, tf1, got in cases:
    tf1, got = tf1[0], got[:, :tf1.shape[1]]
    np.testing.assert_array_equal(got[0].argmax(-1), tf1)
    forced = np.array([[model_lib.GO_ID] + list(tf1[:-1])], np.int32)
    np.testing.assert_allclose(got, np.asarray(net((source, length,
                                                    forced))), atol=1e-5)
    seen.add(tuple(tf1))
  assert len(seen) > 3  # varied decodings: a wrong step would show


def _onnx_and_tf1(config, tmp, name):
  """``--export_format=onnx`` of ``config``'s checkpoint (one file,
  ``name``), and for each of ``PHRASES`` ``(source, length, the TF1
  graph's ids, onnxruntime's output)``; the decoder (closed), too."""
  ort = pytest.importorskip("onnxruntime")
  paths = runner.export_saved_model(config, str(tmp / "onnx"), "onnx",
                                    **QUIET)
  assert [os.path.basename(p) for p in paths] == [name]
  session = ort.InferenceSession(paths[0])
  decoder = runner.Decoder(config)
  cases = []
  try:
    for phrase in PHRASES:
      ids = data_lib.encode(decoder.vocab, runner.prepare_line(phrase))
      source = np.array([ids], np.int32)
      length = np.array([len(ids)], np.int32)
      tf1 = decoder.sess.run(decoder.model.outputs["ids"],
                             decoder.model.feed_dict(source, length))
      cases.append((source, length, tf1, session.run(
          None, {"source": source, "source_length": length})[0]))
  finally:
    decoder.close()
  return decoder, cases


@pytest.mark.slow
def test_dynamic_onnx_beam_export_gives_the_tf1_beam_ids(tmp_path):
  """``--beam_width=3 --export_format=onnx``: ``<step>_beam.onnx`` runs the
  twin's fixed-step beam search; onnxruntime's ids (every beam, after
  gather_tree) are the TF1 graph's for every phrase, then EOS."""
  config = dataclasses.replace(_train(tmp_path, decoder="dynamic"),
                               beam_width=3)
  _, cases = _onnx_and_tf1(config, tmp_path, "1_beam.onnx")
  seen = set()
  for _, _, tf1, got in cases:
    assert got.shape == (1, config.max_length + 2, 3)
    np.testing.assert_array_equal(got[:, :tf1.shape[1]], tf1)
    assert (got[:, tf1.shape[1]:] == model_lib.EOS_ID).all()
    seen.add(tuple(tf1[0, :, 0]))
  assert len(seen) > 3
