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


def main(argv):
  del argv
  cli.quiet_tensorflow()
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
    proc = subprocess.run(
        [sys.executable, "-m", "tf1_models.char_rnn.keras_speed", backend,
         args], capture_output=True, text=True, check=False)
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
  app.run(main)
