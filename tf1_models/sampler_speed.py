"""python -m tf1_models.sampler_speed: each model's in-graph sampler, the
graph loop against the XLA-compiled loop (``sampling.build_generator``'s
``jit``), at the model's default preset with random weights.

Prints characters/second of both, measured in this one run (best of
``--repeats`` timings after a warm-up that includes XLA's compilation), the
ratio, and whether greedy text is identical. Speeds only mean something on
an idle machine; ratios within one run are what to compare.
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

v1 = tf.compat.v1
WEIGHT_STD = 0.1  # larger random weights make the nets chaotic: float
# rounding (XLA fuses tanh differently) then flips greedy picks


def char_rnn_generator(jit, preset="default"):
  from tf1_models.char_rnn import config, model  # pylint: disable=import-outside-toplevel
  cfg = config.preset(preset)
  return model.build_generator(cfg.model, 3000, cfg.rnn_size, cfg.num_layers,
                               fold_embedding=jit, jit=jit)


def text8_generator(variant, preset="default"):
  def build(jit):
    from tf1_models.text8_lstm import config, runner  # pylint: disable=import-outside-toplevel
    from tf1_models.text8_lstm import model  # pylint: disable=import-outside-toplevel
    cfg = config.preset(preset, variant=variant).model_config()
    g = runner.build_graph(cfg, with_generator=False)
    return model.build_generator(g.cell, g.classifier, g.embeddings,
                                 cfg["num_nodes"], jit=jit)
  return build


def next_char_generator(jit, preset="default"):
  from tf1_models.next_char import config, model  # pylint: disable=import-outside-toplevel
  cfg = config.preset(preset)
  return model.build_generator(70, cfg.cell, cfg.bidirectional,
                               cfg.embedding_dim, cfg.rnn_size,
                               cfg.seq_length, jit=jit)[0]


MODELS = {
    "char_rnn (lstm 2x128, vocabulary 3000)": char_rnn_generator,
    "text8_lstm separate": text8_generator("separate"),
    "text8_lstm fused": text8_generator("fused"),
    "text8_lstm bigram": text8_generator("bigram"),
    "next_char (SimpleRNN 256, 100-char window)": next_char_generator,
}


def time_sampler(build, jit, length, repeats, weight_std=WEIGHT_STD):
  """``(chars/s, greedy ids)`` of one generator built fresh, its weights
  drawn from N(0, ``weight_std``)."""
  with tf.Graph().as_default() as g:
    v1.set_random_seed(0)
    gen = build(jit)
    with v1.Session(graph=g) as sess:
      rng = np.random.RandomState(0)
      for var in v1.global_variables():
        if var.dtype.base_dtype == tf.float32:
          var.load(rng.normal(0, weight_std, var.shape).astype(np.float32), sess)
      greedy = sess.run(gen.ids, gen.feed([1], 100, temperature=0.0))
      feed = gen.feed([1], length, temperature=1.0)
      sess.run(gen.ids, feed)  # warm-up (and XLA's compilation)
      best = float("inf")
      for _ in range(repeats):
        start = time.perf_counter()
        n = len(sess.run(gen.ids, feed))
        best = min(best, time.perf_counter() - start)
  return n / best, greedy


def report(length=1000, repeats=3, models=None):
  for name, build in MODELS.items():
    if models and not any(m in name for m in models):
      continue
    graph, greedy_graph = time_sampler(build, False, length, repeats)
    xla, greedy_xla = time_sampler(build, True, length, repeats)
    print("%-44s graph %8.0f chars/s  xla %8.0f chars/s  %.2fx  greedy "
          "text %s" % (name, graph, xla, xla / graph,
                       "identical" if np.array_equal(greedy_graph, greedy_xla)
                       else "DIFFERENT"), flush=True)


if __name__ == "__main__":
  from tf1_models import cli  # pylint: disable=import-outside-toplevel
  cli.quiet_tensorflow()
  report()
