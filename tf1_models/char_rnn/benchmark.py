"""python -m tf1_models.char_rnn.benchmark: speed ratios measured in one run.

Prints two ratios (each timing is the best of ``--repeats`` runs; run it on
an otherwise idle machine):
  1. generation: the in-graph ``tf.while_loop`` sampler (one ``session.run``
     per text) against one ``session.run`` per character feeding the state
     back (the seed project's way), same weights and length;
  2. training: characters/second of the TF1 graph (``dynamic_rnn`` over
     compat cells, Adam) against the Keras 3 rewrite (``train_on_batch``),
     same config and batches.
Then, for each installed Keras 3 backend (TensorFlow, JAX, PyTorch; each in
its own process, ``keras_speed.py``), the Keras twin's training speed and
greedy generation time (its NumPy loop over ``predict_on_batch``), beside
the TF1 graph's (``--backends=`` limits the list; ``--backends=none`` skips).

Targets (issue): (1) >= 5x; (2) the TF1 graph not slower (ratio >= 1).
"""

import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402

from tf1_models import cli, keras_backend  # noqa: E402
from tf1_models.char_rnn import keras_model, model as model_lib  # noqa: E402
from tf1_models.char_rnn.keras_speed import best_time  # noqa: E402

v1 = tf.compat.v1
FLAGS = flags.FLAGS


def time_generation(model, vocab, rnn_size, num_layers, length, repeats):
  """Seconds for ``length`` characters: (in-graph loop, per-char runs)."""
  with tf.Graph().as_default() as g:
    gen = model_lib.build_generator(model, vocab, rnn_size, num_layers)
    with v1.Session(graph=g) as sess:
      sess.run(v1.global_variables_initializer())
      feed = gen.feed([1], length, temperature=0.0)
      sess.run(gen.ids, gen.feed([1], 5, temperature=0.0))  # warm up
      assert len(sess.run(gen.ids, feed)) == length
      in_graph = best_time(lambda: sess.run(gen.ids, feed), repeats)
  with tf.Graph().as_default() as g:
    inp = v1.placeholder(tf.int32, [1, None])
    ep = model_lib.char_rnn(model, inp, None, vocab, rnn_size=rnn_size,
                            num_layers=num_layers)
    with v1.Session(graph=g) as sess:
      sess.run(v1.global_variables_initializer())
      sess.run(ep["prediction"], {inp: [[1]]})  # warm up

      def one_run_per_char():
        state, token = sess.run(ep["initial_state"]), 1
        for _ in range(length):
          probs, state = sess.run([ep["prediction"], ep["last_state"]],
                                  {inp: [[token]], ep["initial_state"]: state})
          token = int(np.argmax(probs[0, :vocab]))

      per_char = best_time(one_run_per_char, repeats)
  return in_graph, per_char


def time_training(model, vocab, rnn_size, num_layers, batch, seq, steps,
                  repeats):
  """Characters/second: (TF1 graph, Keras rewrite)."""
  rng = np.random.RandomState(0)
  batches = [(rng.randint(0, vocab, (batch, seq)).astype(np.int32),
              rng.randint(0, vocab, (batch, seq)).astype(np.int32))
             for _ in range(steps + 2)]
  chars = batch * seq * steps
  with tf.Graph().as_default() as g:
    inp = v1.placeholder(tf.int32, [batch, None])
    out = v1.placeholder(tf.int32, [batch, None])
    ep = model_lib.char_rnn(model, inp, out, vocab, rnn_size=rnn_size,
                            num_layers=num_layers, batch_size=batch)
    with v1.Session(graph=g) as sess:
      sess.run(v1.global_variables_initializer())
      for x, y in batches[:2]:
        sess.run(ep["train_op"], {inp: x, out: y})

      def tf1_steps():
        for x, y in batches[2:]:
          sess.run(ep["train_op"], {inp: x, out: y})

      tf1 = chars / best_time(tf1_steps, repeats)
  net = keras_model.KerasCharRNN(model, vocab, rnn_size, num_layers)
  net.compile(0.01)
  for x, y in batches[:2]:
    net.model.train_on_batch(x, y)

  def keras_steps():
    for x, y in batches[2:]:
      net.model.train_on_batch(x, y)

  keras = chars / best_time(keras_steps, repeats)
  return tf1, keras


# --- issue 14: peers.py ``--extra`` callables and the graph-variant run ----
# cfg (peers.py): {vocab, batch, seq_length, rnn_size, num_layers, lr,
# sample_chars}. ``vocab`` counts every class, so the char_rnn graphs (which
# add the seed's "unknown" class) are built with ``vocab - 1``.

DEFAULT_LSTM_IMPL = "cell"  # see README "Performance": which graph runs by default


def onednn_enabled():
  """Whether this TensorFlow build runs oneDNN kernels (None: unknown)."""
  try:
    from tensorflow.python.util import _pywrap_util_port as port  # pylint: disable=g-import-not-at-top
    return bool(port.IsMklEnabled())
  except Exception:  # pylint: disable=broad-except
    return None


def _batches(cfg, count=4, seed=0):
  rng = np.random.RandomState(seed)
  shape = (cfg["batch"], cfg["seq_length"])
  return [(rng.randint(0, cfg["vocab"], shape).astype(np.int32),
           rng.randint(0, cfg["vocab"], shape).astype(np.int32))
          for _ in range(count)]


def _session_config(threads):
  """``threads``: None (TF's default) or (intra_op, inter_op)."""
  if threads is None:
    return None
  return v1.ConfigProto(intra_op_parallelism_threads=threads[0],
                        inter_op_parallelism_threads=threads[1])


def make_tf1_train_step(cfg, lstm_impl=None, sparse_loss=False, threads=None):
  """peers.py train callable: the char_rnn TF1 graph (Adam, feed_dict).
  ``lstm_impl=None``: the default graph (``DEFAULT_LSTM_IMPL``)."""
  lstm_impl = lstm_impl or DEFAULT_LSTM_IMPL
  g = tf.Graph()
  with g.as_default():
    inp = v1.placeholder(tf.int32, [cfg["batch"], None])
    out = v1.placeholder(tf.int32, [cfg["batch"], None])
    ep = model_lib.char_rnn("lstm", inp, out, cfg["vocab"] - 1,
                            rnn_size=cfg["rnn_size"],
                            num_layers=cfg["num_layers"],
                            batch_size=cfg["batch"],
                            learning_rate=cfg["lr"], lstm_impl=lstm_impl,
                            sparse_loss=sparse_loss)
    sess = v1.Session(graph=g, config=_session_config(threads))
    sess.run(v1.global_variables_initializer())
  feeds = [{inp: x, out: y} for x, y in _batches(cfg)]
  counter = [0]

  def step():
    counter[0] += 1
    sess.run(ep["train_op"], feeds[counter[0] % len(feeds)])

  step.session, step.end_points, step.inputs = sess, ep, (inp, out)
  return step


def make_tf1_seed_train_step(cfg):
  """The seed's graph (``dynamic_rnn`` over the ``MultiRNNCell``)."""
  return make_tf1_train_step(cfg, lstm_impl="cell")


def make_tf1_hoisted_train_step(cfg):
  """The hoisted-input-projection graph (same variables)."""
  return make_tf1_train_step(cfg, lstm_impl="hoisted")


def make_tf1_hoisted_grad_train_step(cfg):
  """Hoisted projection plus the batched recurrent weight gradient."""
  return make_tf1_train_step(cfg, lstm_impl="hoisted_grad")


def make_tf1_block_train_step(cfg):
  """Each layer one fused ``BlockLSTM`` op (same variables)."""
  return make_tf1_train_step(cfg, lstm_impl="block")


def make_keras_train_step(cfg):
  """peers.py train callable: the Keras twin's ``train_on_batch``."""
  net = keras_model.KerasCharRNN("lstm", cfg["vocab"] - 1, cfg["rnn_size"],
                                 cfg["num_layers"])
  net.compile(cfg["lr"])
  batches = _batches(cfg)
  counter = [0]

  def step():
    counter[0] += 1
    x, y = batches[counter[0] % len(batches)]
    net.model.train_on_batch(x, y)

  return step


def make_sampler(cfg, fold_embedding=False, jit=False):
  """peers.py sample callable: the in-graph ``tf.while_loop`` sampler, one
  ``session.run`` for ``n`` characters (batch 1, temperature 1)."""
  g = tf.Graph()
  with g.as_default():
    gen = model_lib.build_generator("lstm", cfg["vocab"] - 1,
                                    cfg["rnn_size"], cfg["num_layers"],
                                    fold_embedding=fold_embedding, jit=jit)
    sess = v1.Session(graph=g)
    sess.run(v1.global_variables_initializer())

  def sample(n):
    return sess.run(gen.ids, gen.feed([1], n, temperature=1.0))

  return sample


def make_folded_sampler(cfg):
  """The sampler with the embedding folded into layer 0's projection."""
  return make_sampler(cfg, fold_embedding=True)


def make_xla_sampler(cfg):
  """``--sampler=xla``: the folded sampler's loop compiled by XLA."""
  return make_sampler(cfg, fold_embedding=True, jit=True)


def _median_time(fn, seconds, minimum=3):
  fn()  # warm-up
  times, end = [], time.perf_counter() + seconds
  while len(times) < minimum or time.perf_counter() < end:
    start = time.perf_counter()
    fn()
    times.append(time.perf_counter() - start)
  return float(np.median(times))


_CEILING_SCRIPT = """
import sys, time
import numpy as np
b, t, h, v, layers, seconds = map(float, sys.argv[1:])
b, t, h, v, layers = int(b), int(t), int(h), int(v), int(layers)
rng = np.random.RandomState(0)

def median_time(x, w):
  np.dot(x, w)
  times, end = [], time.perf_counter() + seconds / 2
  while len(times) < 5 or time.perf_counter() < end:
    start = time.perf_counter()
    np.dot(x, w)
    times.append(time.perf_counter() - start)
  return float(np.median(times))

cell = median_time(rng.rand(b, 2 * h).astype(np.float32),
                   rng.rand(2 * h, 4 * h).astype(np.float32))
soft = median_time(rng.rand(b * t, h).astype(np.float32),
                   rng.rand(h, v).astype(np.float32))
print(b * t / (3 * (layers * t * cell + soft)))
"""


def numpy_train_ceiling(cfg, seconds=1.0):
  """Characters/second if a step cost only 3x its forward matmuls at numpy
  sgemm speed (peers.py's FLOP formula; forward shapes only, so rougher
  than its ``numpy_limit`` row, which also tries the backward layouts).
  Measured in fresh processes (BLAS threads beside TF's thread pools in one
  process measure contention, not BLAS), with BLAS's default threads and
  with one thread (faster for small shapes on a busy machine); the best."""
  args = [str(cfg[k]) for k in ("batch", "seq_length", "rnn_size", "vocab",
                                "num_layers")] + [str(seconds)]
  best = 0.0
  for threads in (None, "1"):
    env = dict(os.environ)
    if threads:
      env.update(OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads,
                 MKL_NUM_THREADS=threads)
    out = subprocess.run([sys.executable, "-c", _CEILING_SCRIPT] + args,
                         check=True, capture_output=True, text=True,
                         env=env).stdout
    best = max(best, float(out.split()[-1]))
  return best


_GEMV_SCRIPT = """
import sys, time
import numpy as np
h, v, layers, seconds = map(float, sys.argv[1:])
h, v, layers = int(h), int(v), int(layers)
rng = np.random.RandomState(0)
x, w = rng.rand(1, 2 * h).astype(np.float32), rng.rand(2 * h, 4 * h).astype(
    np.float32)
xs, ws = rng.rand(1, h).astype(np.float32), rng.rand(h, v).astype(np.float32)

def step():
  for _ in range(layers):
    np.dot(x, w)
  np.dot(xs, ws)

step()
times, end = [], time.perf_counter() + seconds
while len(times) < 20 or time.perf_counter() < end:
  start = time.perf_counter()
  step()
  times.append(time.perf_counter() - start)
print(1.0 / float(np.min(times)))
"""


def numpy_sample_ceiling(cfg, seconds=1.0):
  """Characters/second if sampling cost only its batch-1 forward matmuls
  (one ``[1, 2H] x [2H, 4H]`` gemv per layer and the softmax's) at numpy's
  best gemv time: peers.py's ``sample_numpy_limit``, measured in a fresh
  process."""
  out = subprocess.run(
      [sys.executable, "-c", _GEMV_SCRIPT, str(cfg["rnn_size"]),
       str(cfg["vocab"]), str(cfg["num_layers"]), str(seconds)],
      check=True, capture_output=True, text=True).stdout
  return float(out.split()[-1])


def report_variants(sizes=(128, 512), seconds=3.0):
  """Prints chars/s of the TF1 graph variants, Keras, and the ceiling, all
  timed in this one run (medians of steps after a warm-up)."""
  print("oneDNN: %s (TF_ENABLE_ONEDNN_OPTS=%s)" %
        (onednn_enabled(), os.environ.get("TF_ENABLE_ONEDNN_OPTS")))
  variants = [
      ("seed graph (dynamic_rnn, one-hot loss)", dict(lstm_impl="cell")),
      ("hoisted projection", dict(lstm_impl="hoisted")),
      ("hoisted + batched dW_h gradient", dict(lstm_impl="hoisted_grad")),
      ("BlockLSTM per layer", dict(lstm_impl="block")),
      ("seed graph, sparse loss", dict(lstm_impl="cell", sparse_loss=True)),
      ("hoisted_grad + sparse loss", dict(lstm_impl="hoisted_grad",
                                          sparse_loss=True)),
      ("seed graph, threads intra 2 / inter 1", dict(lstm_impl="cell",
                                                    threads=(2, 1))),
      ("seed graph, threads intra 1 / inter 1", dict(lstm_impl="cell",
                                                    threads=(1, 1))),
  ]
  for size in sizes:
    cfg = dict(vocab=65, batch=64, seq_length=50, rnn_size=size,
               num_layers=2, lr=2e-3, sample_chars=1000)
    chars = cfg["batch"] * cfg["seq_length"]
    ceiling = numpy_train_ceiling(cfg)
    print("H=%d: numpy matmul ceiling %.0f chars/s" % (size, ceiling))
    base = None
    for name, kwargs in variants:
      step = make_tf1_train_step(cfg, **kwargs)
      rate = chars / _median_time(step, seconds)
      step.session.close()
      base = base or rate
      print("  %-40s %8.0f chars/s  %.2fx seed  %.2f of ceiling" %
            (name, rate, rate / base, rate / ceiling))
    rate = chars / _median_time(make_keras_train_step(cfg), seconds)
    print("  %-40s %8.0f chars/s  %.2fx seed  %.2f of ceiling" %
          ("Keras train_on_batch", rate, rate / base, rate / ceiling))
    ceiling = numpy_sample_ceiling(cfg)
    print("H=%d sampling 1000 chars, batch 1: numpy gemv ceiling %.0f chars/s"
          % (size, ceiling))
    base = None
    for name, fold, jit in (("seed sampler (--sampler=graph)", False, False),
                            ("  embedding folded in", True, False),
                            ("  folded + XLA loop (--sampler=xla)", True,
                             True)):
      sample = make_sampler(cfg, fold_embedding=fold, jit=jit)
      rate = cfg["sample_chars"] / _median_time(
          lambda: sample(cfg["sample_chars"]), seconds)  # pylint: disable=cell-var-from-loop
      base = base or rate
      print("  %-40s %8.0f chars/s  %.2fx seed  %.2f of ceiling" %
            (name, rate, rate / base, rate / ceiling))


# Op type -> profile category (any *MatMul*: "matmul"; (anything else: "elementwise & other").
_LOSS = {"SoftmaxCrossEntropyWithLogits", "SparseSoftmaxCrossEntropyWithLogits",
         "OneHot", "Softmax", "LogSoftmax", "Mean", "Sum"}
_LOOP = {"Enter", "Exit", "Merge", "Switch", "NextIteration", "LoopCond",
         "Less", "TensorArrayV3", "TensorArrayReadV3", "TensorArrayWriteV3",
         "TensorArrayGatherV3", "TensorArrayScatterV3", "TensorArraySizeV3",
         "TensorArrayGradV3", "StackV2", "StackPushV2", "StackPopV2",
         "RefEnter", "Identity", "ControlTrigger"}
_EMBED = {"GatherV2", "ResourceGather", "UnsortedSegmentSum", "Unique"}


def _category(node_name, op_type):
  if "MatMul" in op_type:
    return "matmul"
  if "Adam" in node_name or op_type.startswith(("Apply", "ResourceApply")):
    return "optimizer (Adam)"
  if op_type in _LOSS:
    return "softmax/loss"
  if op_type in _LOOP:
    return "loop control / TensorArray"
  if op_type in _EMBED:
    return "embedding gather/scatter"
  return "elementwise & other"


def profile_step(cfg, lstm_impl, runs=5):
  """One training step's time by category, from a FULL_TRACE RunMetadata.

  Op times are summed over the ops the trace records (two cores run ops in
  parallel, so the sum can exceed the wall time); "feed + session" is a
  ``session.run`` of the same feed that computes almost nothing, timed
  without tracing. Returns ``(wall_s, feed_s, {category: op_seconds},
  {op_type: op_seconds})``."""
  step = make_tf1_train_step(cfg, lstm_impl=lstm_impl)
  sess = step.session
  inp, out = step.inputs
  train_op = step.end_points["train_op"]
  with sess.graph.as_default():
    cheap = tf.add(tf.reduce_sum(inp[:, :1]), tf.reduce_sum(out[:, :1]))
  x, y = _batches(cfg, 1)[0]
  feed = {inp: x, out: y}
  wall = _median_time(step, 2.0)
  feed_s = _median_time(lambda: sess.run(cheap, feed), 0.5)
  by_cat, by_type = {}, {}
  for _ in range(runs):
    meta = v1.RunMetadata()
    sess.run(train_op, feed,
             options=v1.RunOptions(trace_level=v1.RunOptions.FULL_TRACE),
             run_metadata=meta)
    for dev in meta.step_stats.dev_stats:
      for node in dev.node_stats:
        label = node.timeline_label
        op_type = label.split(" = ")[1].split("(")[0] if " = " in label \
            else node.node_name
        secs = node.op_end_rel_micros / 1e6 / runs
        cat = _category(node.node_name, op_type)
        by_cat[cat] = by_cat.get(cat, 0.0) + secs
        by_type[op_type] = by_type.get(op_type, 0.0) + secs
  sess.close()
  return wall, feed_s, by_cat, by_type


def report_profile(impls, sizes=(128, 512)):
  print("oneDNN: %s (TF_ENABLE_ONEDNN_OPTS=%s)" %
        (onednn_enabled(), os.environ.get("TF_ENABLE_ONEDNN_OPTS")))
  for size in sizes:
    cfg = dict(vocab=65, batch=64, seq_length=50, rnn_size=size,
               num_layers=2, lr=2e-3, sample_chars=1000)
    for impl in impls:
      wall, feed_s, by_cat, by_type = profile_step(cfg, impl)
      ops = sum(by_cat.values())
      print("H=%d %s: step %.1f ms wall; feed + session.run overhead %.2f ms "
            "(%.1f%%); traced op time %.1f ms:" %
            (size, impl, wall * 1e3, feed_s * 1e3,
             100 * feed_s / wall, ops * 1e3))
      for cat, secs in sorted(by_cat.items(), key=lambda kv: -kv[1]):
        print("   %-28s %7.2f ms  %5.1f%%" % (cat, secs * 1e3,
                                              100 * secs / ops))
      top = sorted(by_type.items(), key=lambda kv: -kv[1])[:8]
      print("   top op types: " + ", ".join("%s %.1f%%" % (t, 100 * v / ops)
                                            for t, v in top))


# --- end of issue 14 block ---------------------------------------------------


def define_flags():
  """The command line's flags (defined only when run as a program, so that
  importing the peers.py callables defines none)."""
  flags.DEFINE_enum("model", "lstm", ["rnn", "gru", "lstm"], "Cell type.")
  flags.DEFINE_integer("rnn_size", 128, "Units per layer.")
  flags.DEFINE_integer("num_layers", 2, "Layers.")
  flags.DEFINE_integer("vocab", 3000, "Vocabulary size (poems: ~3,500).")
  flags.DEFINE_integer("length", 400, "Characters to generate (the CLI default).")
  flags.DEFINE_integer("batch_size", 64, "Training batch.")
  flags.DEFINE_integer("seq_length", 50, "Training window.")
  flags.DEFINE_integer("train_steps", 30, "Timed training steps per side.")
  flags.DEFINE_integer("repeats", 5, "Timings per measurement; the best counts.")
  flags.DEFINE_list("backends", None, "Keras backends to time (default: every "
                    "installed one; 'none': skip).")
  flags.DEFINE_integer("backend_repeats", 2, "Timings per measurement on each "
                       "Keras backend (PyTorch's generic path is slow).")
  flags.DEFINE_integer("backend_length", 100, "Characters generated per timing "
                       "on each Keras backend.")
  flags.DEFINE_bool("profile", False, "Only print a FULL_TRACE profile of one "
                    "training step (each lstm_impl, H=128 and 512).")
  flags.DEFINE_list("profile_impls", ["cell", "hoisted", "hoisted_grad", "block"],
                    "lstm_impl values --profile traces.")
  flags.DEFINE_bool("variants", True, "Also time the TF1 graph variants (seed "
                    "vs hoisted projection vs BlockLSTM, loss, session threads) against a "
                    "numpy matmul ceiling measured in the same run.")


def main(argv):
  del argv
  cli.quiet_tensorflow()
  if FLAGS.profile:
    report_profile(FLAGS.profile_impls)
    return
  print("char_rnn benchmark: %s %dx%d, vocabulary %d, %d CPU threads" %
        (FLAGS.model, FLAGS.num_layers, FLAGS.rnn_size, FLAGS.vocab,
         os.cpu_count()))
  in_graph, per_char = time_generation(FLAGS.model, FLAGS.vocab,
                                       FLAGS.rnn_size, FLAGS.num_layers,
                                       FLAGS.length, FLAGS.repeats)
  print("generation of %d chars: in-graph while_loop %.3fs, one "
        "session.run per char %.3fs -> in-graph is %.1fx faster" %
        (FLAGS.length, in_graph, per_char, per_char / in_graph))
  tf1, keras = time_training(FLAGS.model, FLAGS.vocab, FLAGS.rnn_size,
                             FLAGS.num_layers, FLAGS.batch_size,
                             FLAGS.seq_length, FLAGS.train_steps,
                             FLAGS.repeats)
  print("training (batch %d x %d chars, %d steps): TF1 graph %.0f chars/s, "
        "Keras 3 %.0f chars/s -> TF1/Keras = %.2f" %
        (FLAGS.batch_size, FLAGS.seq_length, FLAGS.train_steps, tf1, keras,
         tf1 / keras))
  if FLAGS.variants:
    report_variants()
  backends = FLAGS.backends or keras_backend.installed()
  if backends == ["none"]:
    return
  args = json.dumps(dict(
      model=FLAGS.model, vocab=FLAGS.vocab, rnn_size=FLAGS.rnn_size,
      num_layers=FLAGS.num_layers, batch_size=FLAGS.batch_size,
      seq_length=FLAGS.seq_length, train_steps=FLAGS.train_steps,
      repeats=FLAGS.backend_repeats, length=FLAGS.backend_length))
  in_graph *= FLAGS.backend_length / FLAGS.length  # per backend_length chars
  print("Keras twin per backend (TF1 graph: training %.0f chars/s, in-graph "
        "generation of %d chars %.3fs, scaled):" % (tf1, FLAGS.backend_length,
                                                   in_graph))
  for backend in backends:
    # KERAS_BACKEND too: importing tf1_models imports TensorFlow, which
    # imports Keras before keras_speed could select the backend.
    proc = subprocess.run(
        [sys.executable, "-m", "tf1_models.char_rnn.keras_speed", backend,
         args], capture_output=True, text=True, check=False,
        env=dict(os.environ, KERAS_BACKEND=backend))
    if proc.returncode != 0:
      print("  %-10s failed: %s" % (backend, proc.stderr.strip()
                                    .splitlines()[-1:]))
      continue
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    print("  %-10s training %7.0f chars/s (TF1/Keras = %.2f), generation of "
          "%d chars %.3fs (%.1fx the in-graph loop)" %
          (backend, r["train_chars_per_s"], tf1 / r["train_chars_per_s"],
           FLAGS.backend_length, r["generate_s"], r["generate_s"] / in_graph))


if __name__ == "__main__":
  define_flags()
  app.run(main)
