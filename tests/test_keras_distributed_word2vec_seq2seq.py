"""word2vec's and seq2seq's Keras twins trained with ``--mode=keras_train``
across worker processes (``MultiWorkerMirroredStrategy`` with gradients
computed by each worker alone and one all-reduced update,
``keras_distributed.apply_mean_gradients``).

The default tier checks the candidate draw, the refusals and a short
one-process word2vec run in this process; the slow tier starts two real
worker processes on localhost ports and compares them with the same steps
computed in this process.
"""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

from tf1_models import corpus, distributed, keras_distributed
from tf1_models.errors import UserError
from tf1_models.seq2seq import config as s2s_config
from tf1_models.seq2seq import data as s2s_data
from tf1_models.seq2seq import model as s2s_model
from tf1_models.seq2seq import keras_train as s2s_train
from tf1_models.word2vec import config as w2v_config
from tf1_models.word2vec import data as w2v_data
from tf1_models.word2vec import keras_train as w2v_train

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXT8 = corpus.shipped("text8_small.txt")
QUIET = lambda *_: None  # noqa: E731


def _w2v(**kw):
  kw.setdefault("max_steps", 6)
  return w2v_config.preset("test", corpus=TEXT8, **kw)


def _s2s(**kw):
  kw.setdefault("max_steps", 6)
  return s2s_config.preset("test", corpus=TEXT8, optimizer="sgd",
                           learning_rate=0.5, **kw)


def test_the_candidate_draw_has_tf_expected_counts():
  """Distinct classes; their expected counts are TF's log-uniform
  sampler's for the number of draws taken: a draw of TF's own op gives
  one count per class consistent with a single number of tries, and ours
  for that number equals TF's."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  labels = np.array([[0], [3], [17], [59]], np.int64)
  sampled, true_exp, sampled_exp = tf.random.log_uniform_candidate_sampler(
      labels, 1, 20, True, 60, seed=3)
  p = lambda k: (np.log(k + 2.0) - np.log(k + 1.0)) / np.log(61.0)  # noqa: E731
  tries = np.log1p(-np.asarray(sampled_exp, np.float64)) / np.log1p(
      -p(np.asarray(sampled, np.float64)))
  assert np.ptp(tries) < 1e-2 and tries[0] > 20
  ours = w2v_train.log_uniform_candidates(
      labels, 20, 60, _FixedTries(int(round(tries[0])), 20))
  assert len(set(ours[0].tolist())) == 20 and ours[0].dtype == np.int64
  np.testing.assert_allclose(ours[1], true_exp, rtol=1e-5)
  np.testing.assert_allclose(ours[2], -np.expm1(tries[0] * np.log1p(
      -p(ours[0].astype(np.float64)))), rtol=1e-4)


class _FixedTries(object):
  """A ``random_sample`` that gives ``num_sampled`` distinct classes only
  after ``tries`` draws (repeating class 0 in between)."""

  def __init__(self, tries, num_sampled):
    # u in [0, log(2)/log(61)) -> class 0; class k needs u = log(k+1.5)/...
    us = [np.log(k + 1.5) / np.log(61.0) for k in range(num_sampled)]
    self.values = us[:1] + [0.0] * (tries - num_sampled) + us[1:]

  def random_sample(self, n):
    out, self.values = self.values[:n], self.values[n:]
    return np.array(out)


def test_every_worker_draws_the_steps_candidates_for_any_batch():
  """The sampled classes and their counts depend on the step alone; the
  true classes' counts on each label: so one process's draw for the
  concatenated batch is the workers' draws put together."""
  config = _w2v()
  y0, y1 = np.array([[1], [2]]), np.array([[5], [1]])
  a, b = (w2v_train.candidates(config, 3, y, 60) for y in (y0, y1))
  both = w2v_train.candidates(config, 3, np.concatenate([y0, y1]), 60)
  for i in (0, 2):
    np.testing.assert_array_equal(a[i], b[i])
    np.testing.assert_array_equal(a[i], both[i])
  np.testing.assert_array_equal(np.concatenate([a[1], b[1]]), both[1])
  assert not np.array_equal(a[0], w2v_train.candidates(config, 4, y0, 60)[0])


def test_bad_keras_train_requests_are_one_line_errors(tmp_path, monkeypatch):
  existing = tmp_path / "old.weights.h5"
  existing.write_bytes(b"a trained model")
  two = keras_distributed.Workers(("h:1", "h:2"), 0)
  cases = [
      (w2v_train.train, _w2v(), tmp_path / "m.h5", None,
       "must end with .weights.h5"),
      (w2v_train.train, _w2v(), existing, None,
       "already exists; keras_train does not overwrite"),
      (w2v_train.train, _w2v(max_steps=0), tmp_path / "m.weights.h5", None,
       "needs at least one step"),
      (s2s_train.train, _s2s(num_samples=8), tmp_path / "m.weights.h5",
       None, "--num_samples=8 is below the vocabulary (31)"),
      (s2s_train.train, _s2s(), existing, None, "already exists"),
  ]
  for train, config, path, workers, message in cases:
    with pytest.raises(UserError, match=re.escape(message)):
      train(config, str(path), workers, log=QUIET)
  import keras  # pylint: disable=import-outside-toplevel
  monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
  for train, config in [(w2v_train.train, _w2v()), (s2s_train.train, _s2s())]:
    with pytest.raises(UserError, match=re.escape(
        "across processes runs on --backend=tensorflow (MultiWorkerMirrored"
        "Strategy), not on jax")):
      train(config, str(tmp_path / "m.weights.h5"), two, log=QUIET)
  assert existing.read_bytes() == b"a trained model"
  assert os.listdir(tmp_path) == ["old.weights.h5"]


def test_word2vec_trains_in_one_process_and_the_file_loads(tmp_path):
  from tf1_models.word2vec import convert  # pylint: disable=import-outside-toplevel
  keras_file = str(tmp_path / "w.weights.h5")
  lines = []
  steps, losses = w2v_train.train(_w2v(max_steps=4), keras_file,
                                  log=lines.append)
  assert steps == 4 and len(losses) == 4 and np.isfinite(losses).all()
  net, vocab, meta = w2v_train.load(keras_file)
  assert (len(vocab), meta["workers"], meta["step"]) == (60, 1, 4)
  fp = re.search(r"weights fingerprint (.*)", "\n".join(lines)).group(1)
  import keras  # pylint: disable=import-outside-toplevel
  from tf1_models.char_rnn.keras_train import fingerprint  # pylint: disable=import-outside-toplevel
  assert fingerprint([keras.ops.convert_to_numpy(v)
                      for v in net.variables]) == fp
  tf1 = convert.keras_to_tf1(convert.get_keras_weights(net))
  assert sorted(tf1) == ["Variable", "Variable_1", "Variable_2"]


# -- real worker processes (slow) --------------------------------------------

def _launch(package, keras_file, extra):
  env = dict(os.environ, PYTHONPATH=REPO, PYTHONUNBUFFERED="1",
             KERAS_BACKEND="tensorflow")
  cmd = [sys.executable, "-m", "tf1_models." + package, "--mode=keras_train",
         "--backend=tensorflow", "--config=test", "--corpus=" + TEXT8,
         "--log_every=1", "--keras_file=" + keras_file]
  return subprocess.Popen(cmd + list(extra), cwd=REPO, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)


def _two_workers(package, keras_file, extra):
  """Run two workers; ``[(output, losses, fingerprint)]`` of worker 0, 1."""
  hosts = ",".join(distributed.free_local_hosts(2))
  procs = [_launch(package, keras_file, list(extra) + [
      "--worker_hosts=" + hosts, "--task_index=%d" % i]) for i in (1, 0)]
  try:
    out = []
    for proc in procs:
      text, _ = proc.communicate(timeout=300)
      assert proc.returncode == 0, text
      losses = [float(v) for v in re.findall(r"loss ([\d.]+)", text)]
      out.append((text, np.array(losses),
                  re.search(r"weights fingerprint (.*)", text).group(1)))
  finally:
    for proc in procs:
      if proc.poll() is None:
        proc.kill()
  return out[::-1]


def _assert_workers_agree(runs, steps):
  (out0, losses0, fp0), (out1, losses1, fp1) = runs
  assert "worker 0 of 2" in out0 and "worker 1 of 2" in out1
  assert "keras_train on tensorflow:" in out0
  assert len(losses0) == steps
  np.testing.assert_array_equal(losses0, losses1)  # the mean, all-reduced
  assert fp0 == fp1  # the same weights in both workers
  return losses0


def _assert_close_weights(got, want):
  diff = max(float(np.abs(np.asarray(a) - np.asarray(b)).max())
             for a, b in zip(got, want))
  print("largest weight difference to one process: %.2g" % diff)
  assert diff <= 1e-5


@pytest.mark.slow
def test_word2vec_two_workers_equal_one_process_on_both_batches(tmp_path):
  """Each global step's loss and the final weights equal one process's
  steps on the two workers' batches together with the step's candidates
  (weights 1e-5, losses as logged); the loss falls; the chief's file
  loads here."""
  import keras  # pylint: disable=import-outside-toplevel
  if keras.backend.backend() != "tensorflow":
    pytest.skip("the reference runs on the TensorFlow backend")
  keras_file = str(tmp_path / "w.weights.h5")
  losses = _assert_workers_agree(_two_workers(
      "word2vec", keras_file, ["--max_steps=6"]), 6)
  config = _w2v()
  from tf1_models.word2vec import runner  # pylint: disable=import-outside-toplevel
  dataset = runner.load_data(config, QUIET)
  batcher = w2v_data.Batcher(dataset.data, config.model, config.batch_size,
                             config.num_skips, config.skip_window,
                             config.seed)
  vocab_size = len(dataset.vocab)
  net = w2v_train.new_net(config, vocab_size)
  ref = []
  for step in range(6):
    (x0, y0), (x1, y1) = batcher.batch(2 * step), batcher.batch(2 * step + 1)
    x, y = np.concatenate([x0, x1]), np.concatenate([y0, y1])
    loss, grads = net.gradients(x, y, w2v_train.candidates(config, step, y,
                                                           vocab_size))
    net.optimizer.apply_gradients(zip(grads, net.variables))
    ref.append(float(loss))
  # The logs print 4 decimals; the weights below are the 1e-5 check.
  np.testing.assert_allclose(losses, ref, rtol=0, atol=5.1e-5)
  assert losses[3:].mean() < losses[:3].mean() - 0.3
  dist, vocab, meta = w2v_train.load(keras_file)
  assert (meta["workers"], vocab.symbols) == (2, dataset.vocab.symbols)
  _assert_close_weights(dist.variables, net.variables)


def _s2s_reference_and_tf1_run(config, losses, keras_file, tmp_path):
  """seq2seq's two-worker run checked against this process: 6 SGD steps on
  the mean of the two workers' clipped gradients (each global step's logged
  loss the mean of theirs; the chief's weights 1e-5), then the chief's file
  as a TF1 run and TF1's greedy decoding of 4 held-out phrases there.
  Returns ``(buckets, batches, gradient norms before clipping, the chief's
  twin, TF1's decodings, the phrases)``."""
  from tf1_models.seq2seq import runner  # pylint: disable=import-outside-toplevel
  buckets = s2s_train.check(config)
  data = runner.load_data(config, buckets, QUIET)
  batches = s2s_train.Batches(config, data, buckets)
  net, opt = s2s_train.new_net(config, len(data.vocab), buckets)
  grads_of = s2s_train.gradient_fn(net, config.max_gradient_norm)
  ref, norms = [], []
  for step in range(6):
    parts = [grads_of(*batches(2 * step + i)[1]) for i in (0, 1)]
    clipped = [(a + b) / 2 for a, b in zip(parts[0][2], parts[1][2])]
    opt.apply_gradients(zip(clipped, net.trainable_variables))
    ref.append((float(parts[0][1]) + float(parts[1][1])) / 2)
    norms += [float(p[0]) for p in parts]
  # The logs print 4 decimals; the weights below are the 1e-5 check.
  np.testing.assert_allclose(losses, ref, rtol=0, atol=5.1e-5)
  dist, vocab, _ = s2s_train.load(keras_file)
  assert vocab.symbols == data.vocab.symbols
  _assert_close_weights(dist.trainable_variables, net.trainable_variables)
  # The chief's file as a TF1 run (--mode=import_keras).
  run = str(tmp_path / "tf1_run")
  s2s_train.to_tf1_run(keras_file, run)
  phrases = data.held_out[:4]
  tf1_out = runner.decode(s2s_config.preset("test", checkpoint_dir=run),
                          phrases)
  with pytest.raises(UserError, match="already holds a checkpoint"):
    s2s_train.to_tf1_run(keras_file, run)
  return buckets, batches, norms, dist, tf1_out, phrases


@pytest.mark.slow
def test_seq2seq_two_workers_update_with_the_mean_clipped_gradient(tmp_path):
  """Workers in different buckets: each global step's update equals SGD on
  the mean of the two batches' clipped gradients computed here (weights
  after 6 steps 1e-5; the logged loss is the mean of theirs); the loss
  falls; the chief's file becomes a TF1 run whose greedy decoding is the
  Keras twin's."""
  import keras  # pylint: disable=import-outside-toplevel
  if keras.backend.backend() != "tensorflow":
    pytest.skip("the reference runs on the TensorFlow backend")
  keras_file = str(tmp_path / "s.weights.h5")
  config = _s2s()
  losses = _assert_workers_agree(_two_workers(
      "seq2seq", keras_file, ["--max_steps=6", "--optimizer=sgd",
                              "--learning_rate=0.5"]), 6)
  buckets, batches, _, dist, tf1_out, phrases = _s2s_reference_and_tf1_run(
      config, losses, keras_file, tmp_path)
  assert any(batches.bucket_at(2 * s) != batches.bucket_at(2 * s + 1)
             for s in range(6))  # the workers ran different buckets
  assert losses[3:].mean() < losses[:3].mean()
  vocab = batches.data.vocab
  keras_out = []
  for phrase in phrases:
    ids = s2s_data.encode(vocab, phrase)
    bucket = buckets[s2s_model.bucket_for((len(ids), 0), buckets)]
    encoder, _, _ = s2s_model.batch_from_pairs([(ids, [])], bucket)
    logits = np.asarray(dist.greedy_logits(np.stack(encoder, 1), bucket[1]))
    ids = s2s_model.greedy_ids([logits[:, t] for t in range(bucket[1])])[0]
    keras_out.append(s2s_data.decode(vocab, ids))
  assert tf1_out == keras_out


@pytest.mark.slow
def test_seq2seq_dynamic_two_workers_update_with_the_mean_clipped_gradient(
    tmp_path):
  """``--decoder=dynamic``'s twin on two worker processes: each global
  step's update equals SGD on the mean of the two workers' clipped
  gradients computed here (weights after 6 steps 1e-5; the logged loss is
  the mean of theirs), batches above and below the clip; the workers
  hold the same weights; the chief's file becomes a TF1 run
  (``import_keras``) whose greedy decoding is the Keras twin's."""
  import keras  # pylint: disable=import-outside-toplevel
  if keras.backend.backend() != "tensorflow":
    pytest.skip("the reference runs on the TensorFlow backend")
  # pylint: disable=import-outside-toplevel
  from tf1_models.seq2seq import dynamic_model
  keras_file = str(tmp_path / "d.weights.h5")
  config = _s2s(decoder="dynamic", max_gradient_norm=0.15)
  losses = _assert_workers_agree(_two_workers(
      "seq2seq", keras_file, ["--max_steps=6", "--optimizer=sgd",
                              "--learning_rate=0.5", "--decoder=dynamic",
                              "--max_gradient_norm=0.15"]), 6)
  _, batches, norms, dist, tf1_out, phrases = _s2s_reference_and_tf1_run(
      config, losses, keras_file, tmp_path)
  assert min(norms) < config.max_gradient_norm < max(norms), norms
  _, _, meta_config = s2s_train.load(keras_file)
  assert meta_config.decoder == "dynamic"
  vocab = batches.data.vocab
  sources = [s2s_data.encode(vocab, p) for p in phrases]
  ids, _ = dist.greedy(dynamic_model.pad(sources),
                       np.array([len(s) for s in sources], np.int32),
                       config.max_length + 2)
  keras_out = [s2s_data.decode(vocab, dynamic_model.cut_at_eos(row))
               for row in ids]
  assert tf1_out == keras_out
