"""Between-graph replication (``tf1_models.distributed``) for the TF1 models
other than char_rnn (tests/test_distributed.py): word2vec, next_char,
text8_lstm and seq2seq (the legacy bucketed model and the dynamic one).

Each test runs a real 1 ps + 2 worker cluster (gRPC on localhost ports)
inside this process, one thread per worker, for one synchronous step; then
checks that update against the same model in one process, that the chief's
checkpoint holds exactly the single-process variables, and that one process
resumes from it. The slow tier adds asynchronous runs, text8_lstm above its
gradient clip, and the chief's after-step work (samples, neighbours,
seq2seq's plateau decay, evaluation); real processes and a killed worker
are in tests/test_distributed_processes.py.
"""

import dataclasses
import importlib
import os
import re

import numpy as np
import pytest
import tensorflow as tf

from tf1_models import distributed
from tests.cluster_helpers import train_in_cluster, worker_losses

v1 = tf.compat.v1
QUIET = lambda *_: None  # noqa: E731
TEXT = ("the cat sat on a mat and a dog ran to the cat so the cat ran up a "
        "big old tree and sat there all day long one two three four five "
        "six seven eight nine ") * 30

# pytest replaces the thread-exception hook that hides the chief's token
# thread ending with CancelledError when its session closes.
pytestmark = pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnhandledThreadExceptionWarning")


def _corpus(tmp_path):
  path = tmp_path / "corpus.txt"
  path.write_text(TEXT, encoding="utf-8")
  return str(path)


def _checkpoint(config, step):
  return tf.train.load_checkpoint(os.path.join(config.checkpoint_dir,
                                               "model.ckpt-%d" % step))


def _variables(graph):
  with graph.as_default():
    return v1.global_variables(), v1.global_variables_initializer()


def _by_name(feed):
  return {p.name: x for p, x in feed.items()}


def _one_step_on_both_batches(config, build, names_graph, first_feeds,
                              skip=(), probe=None):
  """Load checkpoint 0 into the single-process task ``build(config with
  twice the batch)``, run one step on ``first_feeds`` (each worker's first
  feed, by placeholder name) concatenated, and compare every variable with
  the chief's checkpoint 1 (``skip``: names compared by the caller). Also:
  the checkpoint has exactly ``names_graph``'s variables. ``probe``: a
  tensor name of the single-process graph, evaluated by that step, whose
  value is returned as ``values["probe"]``."""
  before, after = _checkpoint(config, 0), _checkpoint(config, 1)
  names = sorted(v.op.name for v in _variables(names_graph)[0])
  assert sorted(after.get_variable_to_shape_map()) == names
  double = build(dataclasses.replace(config,
                                     batch_size=2 * config.batch_size))
  feed = {p: np.concatenate([f[p.name] for f in first_feeds])
          for p in double.feed(0)}
  variables, init = _variables(double.graph)
  with v1.Session(graph=double.graph) as sess:
    sess.run(init)
    for var in variables:
      if var.op.name not in skip:
        var.load(before.get_tensor(var.op.name), sess)
    fetches = {"train_op": double.train_op}
    if probe is not None:
      fetches["probe"] = double.graph.get_tensor_by_name(probe)
    out = sess.run(fetches, feed)
    values = {v.op.name: sess.run(v) for v in variables}
  for name, value in values.items():
    if name not in skip:
      np.testing.assert_allclose(value, after.get_tensor(name), rtol=1e-5,
                                 atol=1e-6, err_msg=name)
  if probe is not None:
    values["probe"] = out["probe"]
  return values, after


def test_word2vec_synchronous_step_equals_one_process_step(tmp_path):
  """The sampled-softmax candidates are the same draw in every worker and in
  one process (same graph, same seeds, first run), and Adagrad's dense
  update equals its sparse one, so the step matches exactly."""
  from tf1_models.word2vec import config as config_lib
  from tf1_models.word2vec import runner
  config = config_lib.preset("test", corpus=_corpus(tmp_path), max_steps=1,
                             checkpoint_dir=str(tmp_path / "run"),
                             checkpoint_every=1)
  train_in_cluster(runner.train, config)
  dataset = runner.load_data(config, QUIET)
  valid = runner.valid_examples(config, len(dataset.vocab))

  def build(cfg):
    return runner.build_train_task(cfg, dataset, valid, QUIET)[0]

  one = build(config)
  _one_step_on_both_batches(config, build, one.graph,
                            [_by_name(one.feed(i)) for i in (0, 1)])
  # The chief wrote the projector files; one process resumes.
  assert os.path.isdir(os.path.join(config.checkpoint_dir, "projector"))
  more = runner.train(dataclasses.replace(config, max_steps=2), log=QUIET)
  assert (more.resumed_from, more.step) == (1, 2)


@pytest.mark.slow
def test_next_char_synchronous_step_equals_one_process_step(tmp_path):
  from tf1_models.next_char import config as config_lib
  from tf1_models.next_char import runner
  config = config_lib.preset("test", corpus=_corpus(tmp_path), max_steps=1,
                             checkpoint_dir=str(tmp_path / "run"),
                             checkpoint_every=1)
  train_in_cluster(runner.train, config)
  data = runner.load_data(config, QUIET)

  def build(cfg):
    return runner.build_train_task(cfg, data)

  one = build(config)
  _one_step_on_both_batches(config, build, one.graph,
                            [_by_name(one.feed(i)) for i in (0, 1)])
  more = runner.train(dataclasses.replace(config, max_steps=2), log=QUIET)
  assert (more.resumed_from, more.step) == (1, 2)
  assert runner.sample(dataclasses.replace(config, prime="the", length=5),
                       log=QUIET).startswith("the")


@pytest.mark.parametrize("clip_norm", [
    1e6, pytest.param(0.05, marks=pytest.mark.slow, id="above_the_clip")])
def test_text8_workers_keep_their_own_state_and_step_like_one_process(
    tmp_path, clip_norm):
  """Worker i trains on rows i*B.. of the single-process batches of 2B rows,
  and keeps its carried LSTM state on itself (not on the ps): the step
  equals one process's step on the 2B-row batch, and the chief's saved
  state is the first B rows of that process's state. Below the clip and
  above it: the chief clips the workers' averaged gradient, as one process
  clips its batch's."""
  from tf1_models.text8_lstm import config as config_lib
  from tf1_models.text8_lstm import runner
  config = config_lib.preset("test", corpus=_corpus(tmp_path), max_steps=1,
                             checkpoint_dir=str(tmp_path / "run"),
                             checkpoint_every=1, variant="fused",
                             clip_norm=clip_norm)
  train_in_cluster(runner.train, config)

  built = []

  def build(cfg):
    task, g = runner.build_train_task(cfg, runner.load_data(cfg, QUIET),
                                      QUIET)
    built.append(g)
    return task

  one = build(config)
  state = ("saved_output", "saved_state")
  # The workers' first feeds: the two halves of one process's 2B-row batch.
  double = build(dataclasses.replace(config,
                                     batch_size=2 * config.batch_size))
  rows = [{k: v[i * config.batch_size:(i + 1) * config.batch_size]
           for k, v in _by_name(double.feed(0)).items()} for i in (0, 1)]
  values, after = _one_step_on_both_batches(config, build, one.graph, rows,
                                            skip=state)
  for name in state:  # the chief's own rows of the carried state
    np.testing.assert_allclose(values[name][:config.batch_size],
                               after.get_tensor(name), rtol=1e-5, atol=1e-6)
    assert np.abs(after.get_tensor(name)).sum() > 0
  more = runner.train(dataclasses.replace(config, max_steps=2), log=QUIET)
  assert (more.resumed_from, more.step) == (1, 2)


@pytest.mark.slow
def test_text8_single_process_checkpoint_resumes_in_a_cluster(tmp_path):
  """The other way round: a single-process run's checkpoint (its carried
  state included) restores in the cluster's chief, which goes on from it
  and keeps its restored state instead of zeros."""
  from tf1_models.text8_lstm import config as config_lib
  from tf1_models.text8_lstm import runner
  config = config_lib.preset("test", corpus=_corpus(tmp_path), max_steps=1,
                             checkpoint_dir=str(tmp_path / "run"),
                             checkpoint_every=1, variant="fused",
                             clip_norm=1e6)
  runner.train(config, log=QUIET)
  restored = _checkpoint(config, 1).get_tensor("saved_state")
  assert np.abs(restored).sum() > 0
  result = train_in_cluster(runner.train, dataclasses.replace(
      config, max_steps=2), last_step=2)
  assert result.resumed_from == 1
  # The chief's step 2 started from the restored state: rerun it in one
  # process from checkpoint 1 on the chief's rows (rows 0..B-1 of the
  # 2B-row batch of step 1) and compare the state it leaves.
  double = runner.load_data(dataclasses.replace(
      config, batch_size=2 * config.batch_size), QUIET)
  task, g = runner.build_train_task(config, runner.load_data(config, QUIET),
                                    QUIET)
  feed = {p: x[:config.batch_size]
          for p, x in runner.feed_for(g, "fused", double, 1).items()}
  variables, init = _variables(task.graph)
  before = _checkpoint(config, 1)
  with v1.Session(graph=task.graph) as sess:
    sess.run(init)
    for var in variables:
      var.load(before.get_tensor(var.op.name), sess)
    sess.run(g.loss, feed)  # the forward pass assigns the carried state
    state = sess.run(g.state_variables[1])
  np.testing.assert_allclose(_checkpoint(config, 2).get_tensor("saved_state"),
                             state, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_seq2seq_buckets_share_one_accumulator(tmp_path):
  """Each worker runs the bucket of its own batch; both push into the same
  accumulators and one SGD update applies the mean of the two clipped
  gradients, whichever buckets they came from. One process cannot take that
  step (its batches of two buckets cannot be concatenated), so the update is
  checked against the two gradients computed in one process."""
  from tf1_models.seq2seq import config as config_lib
  from tf1_models.seq2seq import runner
  config = config_lib.preset("test", corpus=_corpus(tmp_path), max_steps=1,
                             checkpoint_dir=str(tmp_path / "run"),
                             steps_per_checkpoint=1, learning_rate=0.5,
                             optimizer="sgd")
  buckets = runner.buckets_of(config)
  # A seed whose first two batches (one per worker) are in different
  # buckets: bucket 0's update op is SyncReplicasOptimizer's own, bucket
  # 1's pushes into its accumulators. (The seed also splits the data.)
  for seed in range(100):
    config = dataclasses.replace(config, seed=seed)
    data = runner.load_data(config, buckets, QUIET)
    if [runner.bucket_schedule(data.train_set, seed)(i)
        for i in (0, 1)] == [0, 1]:
      break
  train_in_cluster(runner.train, config)
  task, model = runner.build_train_task(config, buckets, data, QUIET)
  bucket_at = runner.bucket_schedule(data.train_set, config.seed)
  before, after = _checkpoint(config, 0), _checkpoint(config, 1)
  variables, init = _variables(task.graph)
  assert sorted(after.get_variable_to_shape_map()) == sorted(
      v.op.name for v in variables)
  with task.graph.as_default():
    clipped = []
    for loss in model.losses:
      # Clipped as the model clips (an embedding's IndexedSlices counts
      # repeated ids separately in the norm), then dense.
      grads = tf.clip_by_global_norm(tf.gradients(loss, model.params),
                                     config.max_gradient_norm)[0]
      clipped.append([tf.convert_to_tensor(g) for g in grads])
  with v1.Session(graph=task.graph) as sess:
    sess.run(init)
    for var in variables:
      var.load(before.get_tensor(var.op.name), sess)
    grads = [sess.run(clipped[bucket_at(i)], task.feed(i)) for i in (0, 1)]
  for k, var in enumerate(model.params):
    want = before.get_tensor(var.op.name) - config.learning_rate * (
        grads[0][k] + grads[1][k]) / 2
    np.testing.assert_allclose(after.get_tensor(var.op.name), want,
                               rtol=1e-5, atol=1e-6, err_msg=var.op.name)
  assert after.get_tensor(model.global_step.op.name) == 1
  more = runner.train(dataclasses.replace(config, max_steps=2), log=QUIET)
  assert (more.resumed_from, more.step) == (1, 2)


@pytest.mark.slow
def test_seq2seq_dynamic_step_is_the_mean_of_the_workers_clipped_gradients(
    tmp_path):
  """``--decoder=dynamic`` in a synchronous cluster: each worker clips its
  own batch's gradient (as one process does) and one SGD update applies
  their mean, embeddings densified. (One process's step on the two batches
  concatenated is another step: ``sequence_loss`` averages over a batch's
  target tokens, whose count differs between the workers' batches.) The
  chief's checkpoint has the single-process variables, the batches differ
  and the step is above the clip for at least one worker (so clipping is
  exercised), and one process resumes and decodes."""
  from tf1_models.seq2seq import config as config_lib
  from tf1_models.seq2seq import runner
  config = config_lib.preset("test", corpus=_corpus(tmp_path), max_steps=1,
                             checkpoint_dir=str(tmp_path / "run"),
                             steps_per_checkpoint=1, learning_rate=0.5,
                             optimizer="sgd", decoder="dynamic",
                             max_gradient_norm=0.1)
  buckets = runner.buckets_of(config)
  data = runner.load_data(config, buckets, QUIET)
  train_in_cluster(runner.train, config)
  task, model = runner.build_train_task(config, buckets, data, QUIET)
  before, after = _checkpoint(config, 0), _checkpoint(config, 1)
  variables, init = _variables(task.graph)
  assert sorted(after.get_variable_to_shape_map()) == sorted(
      v.op.name for v in variables)
  with task.graph.as_default():
    # Clipped as the model clips (IndexedSlices rows counted per
    # occurrence), then dense.
    grads, norm = tf.clip_by_global_norm(tf.gradients(model.loss,
                                                      model.params),
                                         config.max_gradient_norm)
    clipped = [tf.convert_to_tensor(g) for g in grads]
  feeds = [task.feed(i) for i in (0, 1)]
  assert any(not np.array_equal(feeds[0][p], feeds[1][p]) for p in feeds[0])
  with v1.Session(graph=task.graph) as sess:
    sess.run(init)
    for var in variables:
      var.load(before.get_tensor(var.op.name), sess)
    got = [sess.run([clipped, norm], feed) for feed in feeds]
  assert max(n for _, n in got) > config.max_gradient_norm, got
  for k, var in enumerate(model.params):
    want = before.get_tensor(var.op.name) - config.learning_rate * (
        got[0][0][k] + got[1][0][k]) / 2
    np.testing.assert_allclose(after.get_tensor(var.op.name), want,
                               rtol=1e-5, atol=1e-6, err_msg=var.op.name)
  assert after.get_tensor(model.global_step.op.name) == 1
  more = runner.train(dataclasses.replace(config, max_steps=2), log=QUIET)
  assert (more.resumed_from, more.step) == (1, 2)
  assert len(runner.decode(config, ["ab c"])) == 1


def test_models_refuse_what_does_not_run_in_a_cluster(tmp_path):
  """One-line errors, before any server starts: the Keras next_char takes
  no parameter servers (it has its own --worker_hosts path), and
  text8_lstm's TF 1.x ref-variable mode trains in one process only."""
  from tf1_models.errors import UserError
  from tf1_models.next_char import config as next_char_config
  from tf1_models.next_char import runner as next_char
  from tf1_models.text8_lstm import config as text8_config
  from tf1_models.text8_lstm import runner as text8
  cluster = distributed.Cluster.from_flags("localhost:1", "localhost:2",
                                           "worker", 0)
  corpus = _corpus(tmp_path)
  for train, config, message in [
      (next_char.train, next_char_config.preset("test", impl="keras",
                                                corpus=corpus),
       "are for --impl=tf1; the Keras model trains across processes"),
      (text8.train, text8_config.preset("test", tf1_ref_state=True,
                                        corpus=corpus),
       "--tf1_ref_state is for one process")]:
    with pytest.raises(UserError, match=message):
      train(dataclasses.replace(config, checkpoint_dir=str(tmp_path / "r")),
            log=QUIET, cluster=cluster)


@pytest.mark.slow
@pytest.mark.parametrize("model", ["text8_lstm", "word2vec", "seq2seq",
                                   "next_char"])
def test_every_model_takes_the_cluster_flags(model):
  """The CLI defines the five flags and checks them (a bad --job_name is a
  one-line error)."""
  import subprocess
  import sys
  repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  proc = subprocess.run(
      [sys.executable, "-m", "tf1_models." + model, "--ps_hosts=h:1",
       "--worker_hosts=h:2,h:3", "--job_name=boss", "--task_index=0",
       "--nosync_replicas"], capture_output=True, text=True, cwd=repo,
      env=dict(os.environ, PYTHONPATH=repo), timeout=300)
  assert proc.returncode != 0
  assert "--job_name must be ps or worker" in proc.stderr
  assert "Traceback" not in proc.stderr


# Each model's tiny preset, logging every step, for 40 asynchronous steps.
ASYNC = {
    # (SGD at the preset's rate 10 is too fast for stale gradients.)
    "text8_lstm": dict(variant="fused", summary_frequency=1,
                       checkpoint_every=20, learning_rate=2.0),
    "word2vec": dict(log_every=1, checkpoint_every=20),
    "seq2seq": dict(log_every=1, steps_per_checkpoint=20),
    "next_char": dict(log_every=1, checkpoint_every=20, epochs=0),
}


@pytest.mark.slow
@pytest.mark.parametrize("model", sorted(ASYNC))
def test_asynchronous_workers_lower_the_loss_and_one_process_resumes(
    model, tmp_path):
  """``--nosync_replicas``: each worker updates the variables on its own
  (1 ps + 2 workers, 40 global steps); the loss falls, and one process
  resumes from the chief's last checkpoint."""
  config_lib = importlib.import_module("tf1_models.%s.config" % model)
  runner = importlib.import_module("tf1_models.%s.runner" % model)
  config = config_lib.preset("test", corpus=_corpus(tmp_path), max_steps=40,
                             checkpoint_dir=str(tmp_path / "run"),
                             **ASYNC[model])
  logs = {}
  train_in_cluster(runner.train, config, last_step=40, sync_replicas=False,
                   timeout=240, logs=logs)
  lines = logs[0] + logs[1]
  assert any("1 ps + 2 workers (asynchronous)" in l for l in lines)
  # Both workers' losses, in global-step order.
  out = "\n".join(lines)
  losses = [loss for _, loss in sorted(worker_losses(out, 0) +
                                       worker_losses(out, 1))]
  assert len(losses) >= 30, lines
  assert np.mean(losses[-10:]) < np.mean(losses[:10]), losses
  last = int(re.search(r"-(\d+)$", tf.train.latest_checkpoint(
      config.checkpoint_dir)).group(1))
  assert last >= 40
  more = runner.train(dataclasses.replace(config, max_steps=last + 1),
                      log=QUIET)
  assert (more.resumed_from, more.step) == (last, last + 1)


@pytest.mark.slow
def test_the_chief_does_the_after_step_work_of_one_process(tmp_path):
  """In a synchronous cluster the chief, and only it, does what one process
  does after its steps: text8_lstm's summaries, samples and validation,
  word2vec's neighbours, evaluation at the checkpoints and the end (the
  metrics returned)."""
  from tf1_models.text8_lstm import config as text8_config
  from tf1_models.text8_lstm import runner as text8
  from tf1_models.word2vec import config as word2vec_config
  from tf1_models.word2vec import runner as word2vec
  corpus = _corpus(tmp_path)
  for runner, config, wanted, metric in [
      (text8, text8_config.preset(
          "test", corpus=corpus, checkpoint_dir=str(tmp_path / "text8"),
          variant="fused", max_steps=5, checkpoint_every=2,
          summary_frequency=2, sample_every=2),
       ["Average loss at step 4:", "Minibatch perplexity:", "=" * 80,
        "Validation set perplexity:", "eval at step 2: val_perplexity"],
       "val_perplexity"),
      (word2vec, word2vec_config.preset(
          "test", corpus=corpus, checkpoint_dir=str(tmp_path / "w2v"),
          max_steps=6, checkpoint_every=4, neighbours_every=3),
       ["Nearest to ", "eval at step 4: number_words"], "number_words")]:
    logs = {}
    result = train_in_cluster(runner.train, config,
                              last_step=config.max_steps, timeout=240,
                              logs=logs)
    for line in wanted:
      assert any(l.startswith(line) for l in logs[0]), (line, logs[0])
      assert not any(l.startswith(line) for l in logs[1]), (line, logs[1])
    assert metric in result.metrics
    assert any(l.startswith("eval at step %d:" % config.max_steps)
               for l in logs[0])
  # The chief's TensorBoard scalars: text8's extra fetches and evaluation.
  tags = set()
  for path in (tmp_path / "text8").glob("events.out.tfevents.*"):
    for event in v1.train.summary_iterator(str(path)):
      tags.update(v.tag for v in event.summary.value)
  assert {"loss", "learning_rate", "minibatch_perplexity",
          "val_perplexity"} <= tags, tags


@pytest.mark.slow
def test_seq2seq_chief_decays_the_learning_rate_once_per_window(tmp_path):
  """seq2seq's plateau decay in a synchronous cluster: the chief alone
  decides, once per window of steps_per_checkpoint steps, on its own
  batches' losses; its window state and the decayed rate are in the
  checkpoint, and the per-bucket evaluation runs on the chief."""
  from tf1_models.seq2seq import config as config_lib
  from tf1_models.seq2seq import runner
  config = config_lib.preset("test", corpus=_corpus(tmp_path), max_steps=12,
                             checkpoint_dir=str(tmp_path / "run"),
                             steps_per_checkpoint=1, learning_rate=0.5,
                             learning_rate_decay_factor=0.5)
  logs = {}
  result = train_in_cluster(runner.train, config, last_step=12, timeout=240,
                            logs=logs)
  decays = [l for l in logs[0] if "learning rate now" in l]
  assert decays, logs[0]  # window = 1 step: some batch loss beats the 3
  assert not any("learning rate now" in l for l in logs[1])
  steps = [int(re.match(r"step (\d+):", l).group(1)) for l in decays]
  assert len(set(steps)) == len(steps)  # at most once per window
  after = _checkpoint(config, 12)
  np.testing.assert_allclose(after.get_tensor("Variable"),  # the rate
                             0.5 * 0.5 ** len(decays), rtol=1e-6)
  state = after.get_tensor("decay_on_plateau_state")
  assert state[1] == runner.DECAY_HISTORY  # windows held
  assert any(k.startswith("eval_ppl_bucket") for k in result.metrics)
