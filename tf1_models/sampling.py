"""Text generation inside the TF1 graph: one ``session.run`` per text.

``build_generator`` wraps a model's one-step function in a ``tf.while_loop``
that feeds the prime, then samples one symbol per iteration until ``length``
symbols, an end symbol, or (acrostic mode) the last forced line is done.
Running a single op for the whole text is about 10x faster than one
``session.run`` per character (see each model's benchmark).

Choosing the next symbol (``pick``): ``temperature <= 0`` is greedy
(argmax); otherwise logits are divided by the temperature, optionally cut to
the ``top_k`` best, and sampled. With a graph seed and a fixed op seed the
first run in a fresh session is reproducible.
"""

import dataclasses

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1

SAMPLE_OP_SEED = 1234


@dataclasses.dataclass
class Generator:
  """Placeholders to feed and the output to fetch.

  Feed ``prime`` (int32 [P], P >= 1), ``length`` (max symbols to generate),
  ``temperature``, ``top_k`` (0 = all), and optionally ``heads`` (int32 [H],
  acrostic line starts; empty = none). Fetch ``ids`` (int32 [N], generated
  symbols without the prime).
  """
  prime: tf.Tensor
  length: tf.Tensor
  temperature: tf.Tensor
  top_k: tf.Tensor
  heads: tf.Tensor
  ids: tf.Tensor

  def feed(self, prime, length, temperature=1.0, top_k=0, heads=()):
    return {self.prime: np.asarray(prime, np.int32),
            self.length: int(length),
            self.temperature: float(temperature),
            self.top_k: int(top_k),
            self.heads: np.asarray(heads, np.int32).reshape([-1])}


def pick(logits, temperature, top_k, seed=SAMPLE_OP_SEED):
  """Choose ids [B] from logits [B, V] (graph ops)."""
  vocab = tf.shape(logits)[-1]
  greedy = tf.argmax(logits, axis=-1, output_type=tf.int32)
  scaled = logits / tf.maximum(temperature, 1e-6)
  k = tf.where(top_k > 0, tf.minimum(top_k, vocab), vocab)
  kth = tf.math.top_k(scaled, k=k).values[:, -1:]
  scaled = tf.where(scaled < kth, tf.fill(tf.shape(scaled), -np.inf), scaled)
  sampled = tf.cast(tf.random.categorical(scaled, 1, seed=seed)[:, 0],
                    tf.int32)
  return tf.where(temperature <= 0, greedy, sampled)


def pick_numpy(logits, temperature, top_k, rng):
  """``pick`` for one row of logits in NumPy (eager/Keras generation)."""
  logits = np.asarray(logits, np.float64)
  if temperature <= 0:
    return int(np.argmax(logits))
  scaled = logits / temperature
  if 0 < top_k < scaled.size:
    kth = np.sort(scaled)[-top_k]
    scaled = np.where(scaled < kth, -np.inf, scaled)
  p = np.exp(scaled - scaled.max())
  p /= p.sum()
  return int(rng.choice(p.size, p=p))


def build_generator(step_fn, initial_state, end_id=-1, line_end_ids=(),
                    max_length=100000):
  """Build the in-graph sampler.

  Args:
    step_fn: ``(ids [1] int32, state) -> (logits [1, V], new_state)``; it may
      create variables on first call (they are created outside the loop).
    initial_state: the state before the first prime symbol.
    end_id: generation stops after emitting this id (it is included in
      ``ids``); -1 for none.
    line_end_ids: ids that end a line, for acrostic heads: after one of them
      (and at the very start) the next head is forced instead of sampled;
      after the last head's line ends, generation stops.
    max_length: a hard cap on generated symbols.

  Returns:
    A ``Generator``.
  """
  prime = v1.placeholder(tf.int32, [None], name="prime")
  length = v1.placeholder_with_default(np.int32(400), [], name="length")
  temperature = v1.placeholder_with_default(1.0, [], name="temperature")
  top_k = v1.placeholder_with_default(np.int32(0), [], name="top_k")
  heads = v1.placeholder_with_default(np.zeros([0], np.int32), [None],
                                      name="heads")
  n_prime = tf.shape(prime)[0]
  n_heads = tf.shape(heads)[0]
  padded_heads = tf.concat([heads, [0]], 0)  # safe to index when empty
  limit = tf.minimum(length, max_length)
  line_ends = tf.constant(list(line_end_ids) or [-2], tf.int32)

  def cond(t, token, state, out, n, k, done):
    del token, state, out, k
    return tf.logical_and(tf.logical_not(done), n < limit)

  def body(t, token, state, out, n, k, done):
    logits, state = step_fn(tf.reshape(token, [1]), state)
    in_prime = t < n_prime - 1

    def next_prime():
      return prime[t + 1], out, n, k, done

    def emit():
      chosen = pick(logits, temperature, top_k)[0]
      last = tf.cond(n > 0, lambda: out.read(tf.maximum(n - 1, 0)),
                     lambda: tf.constant(-3, tf.int32))
      at_line_start = tf.logical_or(
          tf.equal(n, 0), tf.reduce_any(tf.equal(last, line_ends)))
      force = tf.logical_and(at_line_start, k < n_heads)
      chosen = tf.where(force, padded_heads[tf.minimum(k, n_heads)], chosen)
      new_k = k + tf.cast(force, tf.int32)
      ended_line = tf.reduce_any(tf.equal(chosen, line_ends))
      finished = tf.logical_or(
          tf.equal(chosen, end_id),
          tf.logical_and(n_heads > 0,
                         tf.logical_and(ended_line, new_k >= n_heads)))
      return chosen, out.write(n, chosen), n + 1, new_k, finished

    token, out, n, k, done = tf.cond(in_prime, next_prime, emit)
    return t + 1, token, state, out, n, k, done

  out = tf.TensorArray(tf.int32, size=0, dynamic_size=True,
                       element_shape=[])
  loop_vars = (tf.constant(0), prime[0], initial_state, out, tf.constant(0),
               tf.constant(0), tf.constant(False))
  result = tf.while_loop(cond, body, loop_vars, back_prop=False,
                         parallel_iterations=1)
  ids = result[3].stack()
  return Generator(prime=prime, length=length, temperature=temperature,
                   top_k=top_k, heads=heads, ids=ids)
