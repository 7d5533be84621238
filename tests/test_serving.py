"""SavedModel export for TF Serving (``tf1_models.serving``): every model
that generates text, and word2vec's nearest neighbours, through each
model's ``--mode=export``.

Each export is loaded the way a server would: in a fresh process that can
import TensorFlow but neither this project's packages nor its flags, and
with ``saved_model_cli run``. Its greedy text must equal ``--mode=sample``'s
from the same checkpoint, equal requests must give equal text, and bad
requests must come back as an error string, never as a failed call.
"""

import ast
import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.text8_lstm.helpers import tiny_text
from tests.word2vec.test_runner import TEXT as WORD2VEC_TEXT
from tf1_models import corpus, serving
from tf1_models.char_rnn import config as char_rnn_config
from tf1_models.char_rnn import runner as char_rnn
from tf1_models.errors import UserError
from tf1_models.next_char import config as next_char_config
from tf1_models.next_char import runner as next_char
from tf1_models.text8_lstm import config as text8_config
from tf1_models.text8_lstm import runner as text8_lstm
from tf1_models.word2vec import config as word2vec_config
from tf1_models.word2vec import runner as word2vec

QUIET = dict(log=lambda *_: None)
LENGTH = 30  # the exports' length cap (the presets' --length)

# Run in a fresh interpreter: the project's packages are made unimportable,
# so an export must stand on TensorFlow alone.
_CLIENT = r"""
import json, sys
sys.modules["tf1_models"] = None
sys.modules["compat"] = None
import tensorflow as tf
DTYPES = {"prime": tf.string, "word": tf.string, "source": tf.string,
          "length": tf.int32,
          "temperature": tf.float32, "top_k": tf.int32, "seed": tf.int64}
def plain(tensor):
  value = tensor.numpy()  # scalar strings come back as bytes
  return value.tolist() if hasattr(value, "tolist") else value
results = {}
def value(v):  # {"hex": ...}: raw bytes (e.g. invalid UTF-8)
  return bytes.fromhex(v["hex"]) if isinstance(v, dict) else v
for name, (path, requests) in json.loads(sys.argv[1]).items():
  fn = tf.saved_model.load(path).signatures["serving_default"]
  results[name] = []
  for request in requests:
    out = fn(**{k: tf.constant(value(v), DTYPES[k])
                for k, v in request.items()})
    results[name].append({k: plain(v) for k, v in out.items()})
print(json.dumps(results, default=lambda b: b.decode("utf-8")))
"""


@dataclasses.dataclass
class Export:
  path: str
  prime: str  # a prime in the model's vocabulary
  greedy: str  # --mode=sample's greedy text for (prime, LENGTH generated)


def _char_rnn(tmp):
  config = char_rnn_config.preset(
      "test", corpus=corpus.shipped("poems_small.txt"), max_steps=3,
      checkpoint_dir=str(tmp / "char_rnn"), length=LENGTH)
  char_rnn.train(config, **QUIET)
  greedy = char_rnn.sample(dataclasses.replace(
      config, prime="春", temperature=0.0), **QUIET)
  return config, Export(char_rnn.export_saved_model(config, **QUIET), "春",
                        greedy)


def _text8_lstm(tmp, **overrides):
  text = tmp / "text8.txt"
  text.write_text(tiny_text(2000))
  config = text8_config.preset("test", corpus=str(text),
                               checkpoint_dir=str(tmp / "text8"),
                               length=LENGTH, **overrides)
  text8_lstm.train(config, **QUIET)
  # --mode=sample's --length counts the prime; a request's counts only the
  # generated characters.
  greedy = text8_lstm.sample(dataclasses.replace(
      config, prime="the", temperature=0.0, num_samples=1,
      length=LENGTH + 3), **QUIET)
  return config, Export(text8_lstm.export_saved_model(config, **QUIET),
                        "the", greedy)


def _next_char(tmp):
  config = next_char_config.preset(
      "test", corpus=corpus.shipped("shakespeare_small.txt"),
      checkpoint_dir=str(tmp / "next_char"), length=LENGTH)
  next_char.train(config, **QUIET)
  greedy = next_char.sample(dataclasses.replace(
      config, prime="Once", temperature=0.0), **QUIET)
  return config, Export(next_char.export_saved_model(config, **QUIET),
                        "Once", greedy)


def word2vec_export(tmp):
  """A tiny word2vec run's export; ``greedy`` holds ``--nearest=cat``."""
  text = tmp / "words.txt"
  text.write_text(WORD2VEC_TEXT)
  config = word2vec_config.preset("test", corpus=str(text),
                                  checkpoint_dir=str(tmp / "word2vec"))
  word2vec.train(config, **QUIET)
  lines = word2vec.nearest(dataclasses.replace(config, nearest="cat"))
  return config, Export(word2vec.export_saved_model(config, **QUIET), "cat",
                        lines[0])


MODELS = {"char_rnn": _char_rnn, "text8_lstm": _text8_lstm,
          "next_char": _next_char}


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
  tmp = tmp_path_factory.mktemp("serving")
  made = {name: make(tmp) for name, make in MODELS.items()}
  # The Keras twin's export of char_rnn's checkpoint: the same signature
  # and the same greedy text as the TF1 graph's.
  config, tf1 = made["char_rnn"]
  made["char_rnn_keras"] = config, Export(char_rnn.export_saved_model(
      config, str(tmp / "char_rnn_keras"), "keras", **QUIET), tf1.prime,
                                          tf1.greedy)
  for name, runner in (("text8_lstm", text8_lstm), ("next_char", next_char)):
    config, tf1 = made[name]
    made[name + "_keras"] = config, Export(runner.export_saved_model(
        config, str(tmp / (name + "_keras")), "keras", **QUIET), tf1.prime,
                                           tf1.greedy)
  return made, tmp


def _requests(prime):
  """Requests for a text generator, good and bad, ending with the first
  again (a bad request must leave the server answering); ``_check_answers``
  knows what each must give."""
  def request(prime, length=LENGTH, temperature=0.0, top_k=0, seed=1):
    return dict(prime=prime, length=length, temperature=temperature,
                top_k=top_k, seed=seed)
  return [
      request(prime),                   # greedy: --mode=sample's text
      request(prime, temperature=1.0, top_k=5, seed=7),  # sampled ...
      request(prime, temperature=1.0, top_k=5, seed=7),  # ... and again
      request(""),                      # empty prime
      request(prime + "\u2603"),        # a character never seen
      request(prime, length=0),         # length out of range
      request(prime, length=LENGTH + 1),
      request(prime, length=-5),
      request(prime, temperature=float("nan")),
      request(prime, temperature=float("inf"), top_k=3),
      request(prime, temperature=1.0, top_k=-3),
      request({"hex": "fffe"}),         # not UTF-8
      # good: any seed, top_k beyond the vocabulary, temperature < 0
      request(prime, temperature=1.0, seed=2 ** 63 - 1),
      request(prime, temperature=1.0, seed=-2 ** 63),
      request(prime, temperature=1.0, top_k=2 ** 31 - 1, seed=7),
      request(prime, temperature=-1.0),
      request(prime),
  ]


def _check_answers(name, export, answers):
  """``answers`` (dicts of text and error) to ``_requests(export.prime)``."""
  out = [[r["text"], r["error"]] for r in answers]
  assert out[0] == [export.greedy, ""], name
  assert out[1] == out[2], name
  assert out[1][1] == "" and out[1][0].startswith(export.prime), name
  assert out[3] == ["", "empty prime: send at least one character"], name
  assert out[4][0] == "", name
  assert "outside the model's vocabulary: \u2603;" in out[4][1], name
  for got, length in zip(out[5:8], (0, LENGTH + 1, -5)):
    assert got == ["", "length must be between 1 and %d, got %d" %
                   (LENGTH, length)], name
  assert out[8] == ["", "temperature must be a finite number (<= 0 is "
                    "greedy), got nan"], name
  assert out[9] == ["", "temperature must be a finite number (<= 0 is "
                    "greedy), got inf"], name
  assert out[10] == ["", "top_k must be 0 (every symbol) or positive, got "
                     "-3"], name
  assert out[11] == ["", "prime has characters outside the model's "
                     "vocabulary: \ufffd; use only characters from the "
                     "training corpus"], name
  for got in out[12:15]:
    assert got[1] == "" and got[0].startswith(export.prime), name
  assert out[12] != out[13], name  # the seed is used, all 64 bits
  assert out[15:] == [out[0], out[0]], name


WORD2VEC_REQUESTS = [dict(word="cat", top_k=3), dict(word="zebra", top_k=3),
                     dict(word="cat", top_k=0), dict(word="", top_k=3),
                     dict(word="cat", top_k=2 ** 31 - 1),
                     dict(word="cat", top_k=3)]


def _check_word2vec(export, answers):
  """``answers`` to ``WORD2VEC_REQUESTS`` from ``word2vec_export``'s."""
  good, unknown, bad_k, empty, huge_k, again = answers
  assert good["error"] == "" and again == good
  assert export.greedy == "Nearest to cat: " + ", ".join(good["neighbours"])
  assert good["similarities"] == sorted(good["similarities"], reverse=True)
  assert unknown["neighbours"] == [] and unknown["error"].startswith(
      "'zebra' is not in the model's")
  assert empty["neighbours"] == [] and empty["error"].startswith(
      "'' is not in the model's")
  for bad in (bad_k, huge_k):
    assert bad["neighbours"] == [] and bad["error"].startswith(
        "top_k must be between 1 and ")


def _env():
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
  env.pop("PYTHONPATH", None)
  return env


def _serve_job(job, cwd):
  """``{name: [export path, requests]}`` -> ``{name: answers}``, all
  served by one fresh TensorFlow-only process (which must not fail)."""
  proc = subprocess.run([sys.executable, "-c", _CLIENT, json.dumps(job)],
                        capture_output=True, text=True, env=_env(),
                        cwd=str(cwd), timeout=600)
  assert proc.returncode == 0, proc.stderr[-2000:]
  return json.loads(proc.stdout.strip().split("\n")[-1])


def test_exports_serve_with_tensorflow_alone(exports):
  models, tmp = exports
  job = {name: [e.path, _requests(e.prime)]
         for name, (_, e) in models.items()}
  config, neighbours = word2vec_export(tmp)
  job["word2vec"] = [neighbours.path, WORD2VEC_REQUESTS]
  # The Keras twin's export answers the same (normalising in the function).
  job["word2vec_keras"] = [word2vec.export_saved_model(
      config, str(tmp / "word2vec_keras"), export_format="keras", **QUIET),
                           WORD2VEC_REQUESTS]
  results = _serve_job(job, tmp)
  keras_answers = results.pop("word2vec_keras")
  answers = results.pop("word2vec")
  for ours, theirs in zip(keras_answers, answers):
    assert ours["neighbours"] == theirs["neighbours"]
    assert ours["error"] == theirs["error"]
    np.testing.assert_allclose(ours["similarities"], theirs["similarities"],
                               atol=1e-5)
  _check_word2vec(neighbours, answers)
  for name, (_, export) in models.items():
    _check_answers(name, export, results[name])
  # The Keras twins' exports of text8_lstm and next_char also draw the TF1
  # exports' samples (the same logits up to float rounding, the same
  # stateless draws).
  for name in ("text8_lstm", "next_char"):
    assert results[name + "_keras"][1] == results[name][1], name


@pytest.mark.slow
def test_one_server_survives_bad_requests_to_every_model(exports, tmp_path):
  """Every model's TF1 export loaded in one process (text generators,
  word2vec, seq2seq legacy and dynamic with beam search) and sent its bad
  requests in turn, interleaved with good ones: each bad one is an error
  string, none fails the call, and the good ones still give the right
  answers afterwards."""
  from tests import test_serving_seq2seq as s2s  # pylint: disable=g-import-not-at-top
  from tf1_models.seq2seq import runner as s2s_runner  # pylint: disable=g-import-not-at-top
  models, _ = exports
  job = {name: [e.path, _requests(e.prime)]
         for name, (_, e) in models.items() if not name.endswith("_keras")}
  _, neighbours = word2vec_export(tmp_path)
  job["word2vec"] = [neighbours.path, WORD2VEC_REQUESTS]
  sources = [dict(source=s) for s in s2s.PHRASES + [b for b, _ in s2s.BAD] +
             s2s.PHRASES[:1]]
  greedy = {}
  for name, overrides in (("legacy", {}), ("dynamic", {"decoder": "dynamic"})):
    (tmp_path / name).mkdir()
    config = dataclasses.replace(s2s._train(tmp_path / name, **overrides),  # pylint: disable=protected-access
                                 beam_width=3 if overrides else 0)
    job["seq2seq_" + name] = [s2s_runner.export_saved_model(config, **QUIET),
                              sources]
    greedy[name] = s2s_runner.decode(config, s2s.PHRASES)
  # Each model's bad requests, while the others are loaded too; then all of
  # them once more: the answers do not change.
  results = _serve_job(dict(job, **{k + "_again": v for k, v in job.items()}),
                       tmp_path)
  for name, (_, export) in models.items():
    if name in job:
      _check_answers(name, export, results[name])
  _check_word2vec(neighbours, results["word2vec"])
  for name, decoded in greedy.items():
    out = [(r["text"], r["error"]) for r in results["seq2seq_" + name]]
    s2s._check_answers(name, decoded, out)  # pylint: disable=protected-access
  for name in job:
    assert results[name + "_again"] == results[name], name


def test_saved_model_cli_prints_the_greedy_sample(exports):
  models, tmp = exports
  export = models["char_rnn"][1]
  proc = subprocess.run(
      ["saved_model_cli", "run", "--dir", export.path, "--tag_set", "serve",
       "--signature_def", serving.SIGNATURE, "--input_exprs",
       'prime="%s";length=%d;temperature=0.0;top_k=0;seed=1' %
       (export.prime, LENGTH)],
      capture_output=True, text=True, env=_env(), cwd=str(tmp), timeout=300)
  assert proc.returncode == 0, proc.stderr[-2000:]
  lines = proc.stdout.strip().split("\n")
  text = lines[lines.index("Result for output key text:") + 1]
  assert ast.literal_eval(text).decode("utf-8") == export.greedy


def test_export_layout_is_tf_servings(exports):
  models, _ = exports
  config, export = models["char_rnn"]
  assert os.path.basename(export.path) == "3"  # the checkpoint's step
  assert os.path.dirname(export.path) == os.path.join(config.checkpoint_dir,
                                                      "export")
  assert sorted(os.listdir(export.path)) == ["saved_model.pb", "variables"]
  with pytest.raises(UserError, match="already exists"):
    char_rnn.export_saved_model(config, **QUIET)


def test_export_needs_a_tf1_checkpoint(tmp_path):
  with pytest.raises(UserError, match="no checkpoint|train first"):
    char_rnn.export_saved_model(char_rnn_config.preset(
        "test", checkpoint_dir=str(tmp_path / "none")), **QUIET)


def test_poem_text_is_cut_and_broken_into_lines():
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  spec = serving.TextSpec(list("B春风。花E"), prefix="B", end_symbol="E",
                          line_ends=("。",))
  with tf.Graph().as_default():
    text = serving._decode(tf.constant("春"), tf.constant([2, 3, 4, 3, 5, 1]),
                           spec)
    with tf.compat.v1.Session() as sess:
      out = sess.run(text).decode("utf-8")
  assert out == char_rnn.format_poem("春风。花。E春") == "春风。\n花。"


def test_onnx_step_model_gives_the_tf1_logits(exports):
  """The Keras twin's step model as ONNX, run by onnxruntime: the TF1
  graph's logits on the same checkpoint, to 1e-5."""
  ort = pytest.importorskip("onnxruntime")
  pytest.importorskip("tf2onnx")
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tf1_models import tf1_weights  # pylint: disable=g-import-not-at-top
  from tf1_models.char_rnn import model as model_lib  # pylint: disable=g-import-not-at-top
  models, tmp = exports
  config, _ = models["char_rnn"]
  path = char_rnn.export_saved_model(config, str(tmp / "onnx"), "onnx",
                                     **QUIET)
  ids = np.array([[3, 1, 4, 1, 5, 9, 2, 6]], np.int32)
  session = ort.InferenceSession(path)
  feed = {}
  for i, spec in enumerate(session.get_inputs()):
    feed[spec.name] = ids if i == 0 else np.zeros(
        [1, config.rnn_size], np.float32)
  logits = session.run(None, feed)[0]
  with tf.Graph().as_default() as graph:
    inp = tf.compat.v1.placeholder(tf.int32, [1, None])
    meta = json.load(open(os.path.join(config.checkpoint_dir, "run.json")))
    end_points = model_lib.char_rnn(
        config.model, inp, None, len(meta["vocab"]), config.rnn_size,
        config.num_layers, batch_size=1)
    with tf.compat.v1.Session(graph=graph) as sess:
      tf1_weights.restore_tf1(sess, tf.train.latest_checkpoint(
          config.checkpoint_dir))
      expected = sess.run(end_points["logits"], {inp: ids})
  np.testing.assert_allclose(logits.reshape(expected.shape), expected,
                             rtol=1e-5, atol=1e-5)


def _onnx_session(runner, config, tmp, name):
  ort = pytest.importorskip("onnxruntime")
  pytest.importorskip("tf2onnx")
  path = runner.export_saved_model(config, str(tmp / ("onnx_" + name)),
                                   "onnx", **QUIET)
  assert path.endswith(".onnx") and os.path.isfile(path)
  return ort.InferenceSession(path)


def test_onnx_text8_step_model_gives_the_tf1_logits(exports):
  models, tmp = exports
  _check_text8_onnx(models["text8_lstm"][0], tmp)


def _check_text8_onnx(config, tmp):
  """text8_lstm's Keras twin, one character per call with the state passed
  in and out, as ONNX: the TF1 cell's logits along a text, to 1e-5."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  session = _onnx_session(text8_lstm, config, tmp, "text8")
  names = [i.name for i in session.get_inputs()]
  chars = [20, 8, 5, 0, 3, 1, 20, 0, 19]  # "the cat s"
  nodes, bigram = config.num_nodes, config.variant == "bigram"
  with tf.Graph().as_default() as graph:
    meta = json.load(open(os.path.join(config.checkpoint_dir, "run.json")))
    g = text8_lstm.build_graph(meta["config"], with_generator=False)
    ids = tf.compat.v1.placeholder(tf.int32, [1])
    x = (tf.nn.embedding_lookup(g.embeddings, ids) if bigram else
         tf.one_hot(ids, 27))
    h = tf.compat.v1.placeholder(tf.float32, [1, nodes])
    c = tf.compat.v1.placeholder(tf.float32, [1, nodes])
    out, c_out = g.cell(x, h, c)
    logits = tf.compat.v1.nn.xw_plus_b(out, *g.classifier)
    with tf.compat.v1.Session(graph=graph) as sess:
      text8_lstm.restore(sess, tf.train.latest_checkpoint(
          config.checkpoint_dir))
      state = [np.zeros([1, nodes], np.float32)] * 2
      onnx_state = list(state)
      for prev, char in zip([0] + chars, chars):
        token = np.array([prev * 27 + char if bigram else char], np.int32)
        want, h_new, c_new = sess.run([logits, out, c_out], {
            ids: token, h: state[0], c: state[1]})
        state = [h_new, c_new]
        x_in = (token[:, None] if bigram else
                np.eye(27, dtype=np.float32)[token][:, None, :])
        got, *onnx_state = session.run(None, dict(zip(
            names, [x_in] + onnx_state)))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(onnx_state[0], h_new, rtol=1e-5,
                                   atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["fused", "bigram"])
def test_text8_variants_keras_and_onnx_exports(tmp_path, variant):
  """The default suite checks the separate variant; the others here: the
  Keras export gives the TF1 export's greedy and sampled text, and the
  ONNX step model the TF1 logits."""
  config, tf1 = _text8_lstm(tmp_path, variant=variant)
  keras_path = text8_lstm.export_saved_model(
      config, str(tmp_path / "keras"), "keras", **QUIET)
  requests = _requests(tf1.prime)[:2]
  job = {"tf1": [tf1.path, requests], "keras": [keras_path, requests]}
  results = _serve_job(job, tmp_path)
  assert results["tf1"][0] == {"text": tf1.greedy, "error": ""}
  assert results["keras"] == results["tf1"]
  _check_text8_onnx(config, tmp_path)


def test_onnx_next_char_model_gives_the_tf1_probabilities(exports):
  """next_char's Keras twin (ids and lengths in; it ends in a softmax, so
  probabilities out) as ONNX: softmax of the TF1 graph's logits, to 1e-5,
  for a full and a part-filled window."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tf1_models import tf1_weights  # pylint: disable=g-import-not-at-top
  from tf1_models.next_char import model as model_lib  # pylint: disable=g-import-not-at-top
  models, tmp = exports
  config, _ = models["next_char"]
  session = _onnx_session(next_char, config, tmp, "next_char")
  names = [i.name for i in session.get_inputs()]
  ids = np.array([[3, 1, 4, 1, 5, 9, 2, 6, 5, 3],
                  [2, 7, 1, 8, 0, 0, 0, 0, 0, 0]], np.int32)
  lengths = np.array([10, 4], np.int32)
  got = session.run(None, dict(zip(names, [ids, lengths])))[0]
  meta = json.load(open(os.path.join(config.checkpoint_dir, "run.json")))
  cfg = meta["config"]
  with tf.Graph().as_default() as graph:
    net = model_lib.NextCharNet(len(meta["vocab"]), cfg["cell"],
                                cfg["bidirectional"], cfg["embedding_dim"],
                                cfg["rnn_size"])
    probs = tf.nn.softmax(net(tf.constant(ids), tf.constant(lengths))[
        "logits"])
    with tf.compat.v1.Session(graph=graph) as sess:
      tf1_weights.restore_tf1(sess, tf.train.latest_checkpoint(
          config.checkpoint_dir))
      want = sess.run(probs)
  np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("model", ["text8_lstm", "next_char"])
def test_keras_and_onnx_exports_from_the_command_line(exports, model):
  """``--export_format=keras|onnx`` through each model's flags."""
  models, tmp = exports
  config, _ = models[model]
  repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  for export_format in ("keras", "onnx"):
    if export_format == "onnx":
      pytest.importorskip("tf2onnx")
    out = tmp / ("cli_%s_%s" % (model, export_format))
    proc = subprocess.run(
        [sys.executable, "-m", "tf1_models." + model, "--mode=export",
         "--config=test", "--checkpoint_dir=" + config.checkpoint_dir,
         "--export_dir=" + str(out), "--export_format=" + export_format],
        capture_output=True, text=True, cwd=repo, timeout=300,
        env=dict(os.environ, PYTHONPATH=repo))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert os.listdir(str(out)), export_format
