"""python -m tf1_models.train_speed: the training step of every TF1 model
other than char_rnn (which has its own ``char_rnn.benchmark``), timed and
profiled at the model's default preset.

  python -m tf1_models.train_speed                 # before/after of each model
  python -m tf1_models.train_speed --profile       # FULL_TRACE breakdown
  python -m tf1_models.train_speed --models=word2vec,text8 --rounds=7

Every row is one way of running the same model on the same batches: the
seed's graph and feed ("seed") and each faster path this project has for
it. A round times every row of a model for ``--seconds`` each, one after
another; the figures are medians over ``--rounds`` rounds, so the A/B
comparison is interleaved and a load that moves during the run moves every
row alike. Printed per row: steps/second, the ratio to the seed row, and
the share of a step spent building the feed in Python.

``--profile`` prints, per model and row, where a step's time goes: the
feed built in Python, ``session.run`` overhead (an empty fetch with the same
feed) and the ops a FULL_TRACE ``RunMetadata`` records, by category.
"""

import dataclasses
import os
import statistics
import sys
import time
from typing import Callable, Dict, List

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

v1 = tf.compat.v1


@dataclasses.dataclass
class Step:
  """One way of training a model: a live session and ``run(step)``."""
  session: v1.Session
  feed: Callable[[int], dict]
  fetch: Callable[[int], object]  # the train op(s) of global step n

  def run(self, step):
    return self.session.run(self.fetch(step), self.feed(step))

  def close(self):
    self.session.close()


def _session(task):
  sess = v1.Session(graph=task.graph)
  with task.graph.as_default():
    sess.run([v1.global_variables_initializer(),
              v1.local_variables_initializer()])
  return sess


def task_step(task):
  """A ``Step`` of a ``training.TrainTask``."""
  fetch = (lambda n: task.step_fetches(n)["train_op"]) \
      if task.step_fetches else (lambda n: task.train_op)
  return Step(_session(task), task.feed, fetch)


def _quiet(*_):
  pass


# --- the models ---------------------------------------------------------------
# Each entry: name -> (load(preset) -> data, {row: build(data, preset) -> Step})


def _text8(variant, **overrides):
  from tf1_models.text8_lstm import config, runner  # pylint: disable=import-outside-toplevel

  def cfg(preset):
    return config.preset(preset, variant=variant, **overrides)

  def load(preset):
    return runner.load_data(cfg(preset), _quiet)

  def build(data, preset, **kw):
    task, _ = runner.build_train_task(dataclasses.replace(cfg(preset), **kw),
                                      data, _quiet)
    return task_step(task)
  return load, build


def _next_char():
  from tf1_models.next_char import config, runner  # pylint: disable=import-outside-toplevel

  def load(preset):
    return runner.load_data(config.preset(preset), _quiet)

  def build(data, preset, **kw):
    return task_step(runner.build_train_task(
        config.preset(preset, **kw), data))
  return load, build


def _word2vec(model):
  from tf1_models.word2vec import config, runner  # pylint: disable=import-outside-toplevel

  def load(preset):
    cfg = config.preset(preset, model=model)
    dataset = runner.load_data(cfg, _quiet)
    return dataset, runner.valid_examples(cfg, len(dataset.vocab))

  def build(data, preset, **kw):
    task, _ = runner.build_train_task(
        config.preset(preset, model=model), data[0], data[1], _quiet, **kw)
    return task_step(task)
  return load, build


def _seq2seq(**overrides):
  from tf1_models.seq2seq import config, runner  # pylint: disable=import-outside-toplevel

  def load(preset):
    cfg = config.preset(preset, **overrides)
    return runner.load_data(cfg, runner.buckets_of(cfg), _quiet)

  def build(data, preset, **kw):
    cfg = config.preset(preset, **overrides, **kw)
    task, _ = runner.build_train_task(cfg, runner.buckets_of(cfg), data,
                                      _quiet)
    return task_step(task)
  return load, build


def _rows(pair, rows):
  load, build = pair
  return load, {name: (lambda data, preset, kw=kw: build(data, preset, **kw))
                for name, kw in rows.items()}


TEXT8_ROWS = {"seed": {},
              "--train_graph=fused_gates": {"train_graph": "fused_gates"},
              "--train_graph=hoisted": {"train_graph": "hoisted"}}
W2V_ROWS = {"seed (notebook's loop)": {"vectorised_batches": False},
            "vectorised batches": {}}


def models():
  """name -> (load, {row name: build}); the first row is the seed's."""
  return {
      "text8_lstm separate": _rows(_text8("separate"), TEXT8_ROWS),
      "text8_lstm fused": _rows(_text8("fused"), TEXT8_ROWS),
      "text8_lstm bigram": _rows(_text8("bigram"), TEXT8_ROWS),
      "next_char (SimpleRNN 256, 100-char window)": _rows(
          _next_char(), {"seed": {},
                         "--train_graph=folded": {"train_graph": "folded"}}),
      "seq2seq (legacy, GRU 128x2, 4 buckets)": _rows(_seq2seq(),
                                                      {"seed": {}}),
      "word2vec skipgram": _rows(_word2vec("skipgram"), W2V_ROWS),
      "word2vec cbow": _rows(_word2vec("cbow"), W2V_ROWS),
  }


# --- timing -------------------------------------------------------------------


WARM_UP = 3.0  # seconds; seq2seq's first step per bucket builds executors


def time_steps(step, first, seconds):
  """``(steps/s, feed share)`` over about ``seconds`` of consecutive
  global steps from ``first``; returns the next step too."""
  n, feed_s = 0, 0.0
  start = time.perf_counter()
  while True:
    t0 = time.perf_counter()
    feed = step.feed(first + n)
    feed_s += time.perf_counter() - t0
    step.session.run(step.fetch(first + n), feed)
    n += 1
    elapsed = time.perf_counter() - start
    if elapsed >= seconds and n >= 3:
      return n / elapsed, feed_s / elapsed, first + n


def compare(name, load, rows, preset, rounds, seconds, log=print,
            warm_up=WARM_UP):
  """Interleaved medians of every row of one model; returns
  ``{row: (steps/s, feed share)}``."""
  data = load(preset)
  steps = {row: build(data, preset) for row, build in rows.items()}
  rates = {row: [] for row in rows}
  shares = {row: [] for row in rows}
  nxt = {row: 0 for row in rows}
  try:
    for row, step in steps.items():  # warm-up: every bucket's first run
      nxt[row] = time_steps(step, 0, warm_up)[2]
    for _ in range(rounds):
      for row, step in steps.items():
        rate, share, nxt[row] = time_steps(step, nxt[row], seconds)
        rates[row].append(rate)
        shares[row].append(share)
  finally:
    for step in steps.values():
      step.close()
  out = {row: (statistics.median(rates[row]), statistics.median(shares[row]))
         for row in rows}
  seed = out[next(iter(rows))][0]
  for row, (rate, share) in out.items():
    log("%-42s %-26s %9.1f steps/s  %5.2fx seed  feed in Python %4.1f%%" %
        (name, row, rate, rate / seed, 100 * share))
  return out


# --- profile ------------------------------------------------------------------

_MATMUL = ("MatMul", "BatchMatMul", "Conv2D")
_LOSS = {"SoftmaxCrossEntropyWithLogits", "SparseSoftmaxCrossEntropyWithLogits",
         "Softmax", "LogSoftmax", "Log", "Exp"}
_SAMPLER = ("CandidateSampler", "ComputeAccidentalHits")
_EMBED = {"GatherV2", "ResourceGather", "UnsortedSegmentSum", "Unique",
          "ResourceScatterAdd", "ScatterAdd", "SparseSegmentSum"}
_SHAPE = {"ConcatV2", "Split", "SplitV", "Slice", "StridedSlice", "Reshape",
          "Transpose", "Pack", "Unpack", "Tile", "Shape", "Fill",
          "ZerosLike", "OnesLike", "BroadcastTo"}


def category(node_name, op_type):
  if any(m in op_type for m in _MATMUL):
    return "matmul"
  if op_type.startswith(("Apply", "ResourceApply", "ResourceSparseApply",
                         "SparseApply")) or "/update_" in node_name:
    return "optimizer"
  if op_type.endswith(_SAMPLER):
    return "candidate sampler"
  if op_type in _LOSS:
    return "softmax/loss"
  if op_type in _EMBED:
    return "embedding gather/scatter"
  if op_type in _SHAPE:
    return "concat/split/reshape"
  if op_type in ("AddN", "Add", "AddV2") and "gradients" in node_name:
    return "gradient AddN"
  if op_type in ("_Recv", "_Send", "_Arg", "_Retval", "NoOp", "Const",
                 "Identity", "ReadVariableOp", "VarHandleOp", "Placeholder"):
    return "bookkeeping (reads, consts)"
  return "elementwise & other"


def profile(step, first=0, runs=5, warm_up=WARM_UP):
  """``(wall, feed_python, session_overhead, {category: s}, {op: s})`` per
  step; op times summed over both cores' traced ops."""
  first = time_steps(step, first, warm_up)[2]
  wall, _, first = time_steps(step, first, 1.0)
  wall = 1.0 / wall
  feed = step.feed(first)
  t0 = time.perf_counter()
  for i in range(runs):
    step.feed(first + i)
  feed_py = (time.perf_counter() - t0) / runs
  t0 = time.perf_counter()
  for _ in range(runs):
    step.session.run([], feed)
  overhead = (time.perf_counter() - t0) / runs
  by_cat, by_type = {}, {}
  for i in range(runs):
    meta = v1.RunMetadata()
    step.session.run(step.fetch(first + i), step.feed(first + i),
                     options=v1.RunOptions(
                         trace_level=v1.RunOptions.FULL_TRACE),
                     run_metadata=meta)
    for dev in meta.step_stats.dev_stats:
      for node in dev.node_stats:
        label = node.timeline_label
        op_type = (label.split(" = ")[1].split("(")[0] if " = " in label
                   else node.node_name)
        secs = node.op_end_rel_micros / 1e6 / runs
        cat = category(node.node_name, op_type)
        by_cat[cat] = by_cat.get(cat, 0.0) + secs
        by_type[op_type] = by_type.get(op_type, 0.0) + secs
  return wall, feed_py, overhead, by_cat, by_type


def report_profile(name, load, rows, preset, log=print, warm_up=WARM_UP):
  data = load(preset)
  for row, build in rows.items():
    step = build(data, preset)
    try:
      wall, feed_py, overhead, by_cat, by_type = profile(step,
                                                         warm_up=warm_up)
    finally:
      step.close()
    ops = sum(by_cat.values())
    log("%s, %s: step %.2f ms wall; feed built in Python %.2f ms (%.0f%%), "
        "session.run with an empty fetch %.2f ms (%.0f%%); traced op time "
        "%.2f ms:" % (name, row, wall * 1e3, feed_py * 1e3,
                      100 * feed_py / wall, overhead * 1e3,
                      100 * overhead / wall, ops * 1e3))
    for cat, secs in sorted(by_cat.items(), key=lambda kv: -kv[1]):
      log("   %-30s %7.3f ms  %5.1f%%" % (cat, secs * 1e3, 100 * secs / ops))
    top = sorted(by_type.items(), key=lambda kv: -kv[1])[:8]
    log("   top op types: " + ", ".join("%s %.1f%%" % (t, 100 * v / ops)
                                        for t, v in top))


def main(argv=None):
  import argparse  # pylint: disable=import-outside-toplevel
  parser = argparse.ArgumentParser(prog="python -m tf1_models.train_speed",
                                   description=__doc__.split("\n\n")[0])
  parser.add_argument("--models", default="",
                      help="comma-separated substrings of model names "
                      "(default: all)")
  parser.add_argument("--preset", default="default",
                      help="every model's preset (test: a smoke run)")
  parser.add_argument("--rounds", type=int, default=5)
  parser.add_argument("--seconds", type=float, default=2.0,
                      help="per row per round")
  parser.add_argument("--warm_up", type=float, default=WARM_UP,
                      help="seconds of steps before timing each row")
  parser.add_argument("--profile", action="store_true",
                      help="print a FULL_TRACE breakdown instead")
  args = parser.parse_args(argv)
  from tf1_models import cli  # pylint: disable=import-outside-toplevel
  cli.quiet_tensorflow()
  wanted = [m for m in args.models.split(",") if m]
  print("load average %s; rows of a model interleaved, medians of %d rounds"
        % (" ".join("%.2f" % x for x in os.getloadavg()), args.rounds))
  results: Dict[str, dict] = {}
  for name, (load, rows) in models().items():
    if wanted and not any(w in name for w in wanted):
      continue
    if args.profile:
      report_profile(name, load, rows, args.preset, warm_up=args.warm_up)
    else:
      results[name] = compare(name, load, rows, args.preset, args.rounds,
                              args.seconds, warm_up=args.warm_up)
    sys.stdout.flush()
  return results


if __name__ == "__main__":
  main()
