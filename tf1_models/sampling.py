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

from tf1_models.pick import pick_numpy  # noqa: F401 (re-export)

v1 = tf.compat.v1

SAMPLE_OP_SEED = 1234
# A CLI's --sampler: graph, the loop as TF1 graph ops; xla, build_generator(jit=True).
SAMPLERS = ("graph", "xla")


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

  acrostic: bool = True

  def feed(self, prime, length, temperature=1.0, top_k=0, heads=()):
    if len(heads) and not self.acrostic:
      raise ValueError("this generator was built without line_end_ids, so "
                       "it cannot force acrostic heads")
    return {self.prime: np.asarray(prime, np.int32),
            self.length: int(length),
            self.temperature: float(temperature),
            self.top_k: int(top_k),
            self.heads: np.asarray(heads, np.int32).reshape([-1])}


def pick(logits, temperature, top_k, seed=SAMPLE_OP_SEED, stateless=None,
         xla=False):
  """Choose ids [B] from logits [B, V] (graph ops, no control flow).

  With ``top_k <= 0`` only the maximum is looked up (``top_k(k=1)``), so an
  unused top-k costs no sort of the vocabulary. ``stateless``: an int64 [2]
  seed tensor; the draw is then a pure function of it and the logits
  (``tf.random.stateless_categorical``), as a server needs: no random state
  is carried from one request to the next. ``xla`` (the compiled loop):
  find the k-th largest by a full sort (same cut), and draw by inverse CDF.
  """
  vocab = tf.shape(logits)[-1]
  greedy = tf.argmax(logits, axis=-1, output_type=tf.int32)
  scaled = logits / tf.maximum(temperature, 1e-6)
  use_top_k = top_k > 0
  k = tf.where(use_top_k, tf.minimum(top_k, vocab), 1)
  if xla:  # XLA needs a static k: take the k-th of a full sort,
    # and only when a cut is asked for (XLA runs both sides of a tf.where)
    kth = tf.cond(use_top_k,
                  lambda: tf.gather(tf.sort(scaled, direction="DESCENDING"),
                                    [k - 1], axis=1),
                  lambda: scaled[:, :1])
  else:
    kth = tf.math.top_k(scaled, k=k).values[:, -1:]
  cut = tf.logical_and(use_top_k, scaled < kth)
  scaled = tf.where(cut, tf.fill(tf.shape(scaled), -np.inf), scaled)
  if stateless is None:
    sampled = tf.random.categorical(scaled, 1, seed=seed)[:, 0]
  elif xla:
    # XLA: one uniform draw against the cumulative softmax (XLA's
    # categorical draws a Gumbel number per class: 3x slower at 3,000).
    cdf = tf.cumsum(tf.nn.softmax(scaled), axis=-1)
    u = tf.random.stateless_uniform([tf.shape(scaled)[0], 1], stateless)
    sampled = tf.minimum(tf.reduce_sum(tf.cast(cdf <= u * cdf[:, -1:],
                                               tf.int32), axis=-1), vocab - 1)
  else:
    sampled = tf.random.stateless_categorical(scaled, 1, seed=stateless)[:, 0]
  sampled = tf.cast(sampled, tf.int32)
  return tf.where(temperature <= 0, greedy, sampled)


@dataclasses.dataclass
class GeneratorInputs:
  """Tensors to generate from instead of the placeholders ``build_generator``
  makes (e.g. a serving graph that computes ``prime`` from a string).
  ``seed``: an int64 scalar; when given, the draws are stateless functions of
  (seed, position), so equal requests give equal text."""
  prime: tf.Tensor
  length: tf.Tensor
  temperature: tf.Tensor
  top_k: tf.Tensor
  seed: tf.Tensor
  heads: tf.Tensor = None


def build_generator(step_fn, initial_state, end_id=-1, line_end_ids=(),
                    max_length=100000, inputs=None, jit=False):
  """Build the in-graph sampler.

  Two ``tf.while_loop``s in one graph: the first feeds the prime (all but its
  last symbol) to advance the state; the second feeds the last prime symbol,
  then each chosen symbol, and picks the next. Neither body has a
  ``tf.cond``: per-step work is the model step plus a few elementwise ops.

  Args:
    step_fn: ``(ids [1] int32, state) -> (logits [1, V], new_state)``; it may
      create variables on first call (they are created outside the loop).
    initial_state: the state before the first prime symbol.
    end_id: generation stops after emitting this id (it is included in
      ``ids``); -1 for none.
    line_end_ids: ids that end a line, for acrostic heads: after one of them
      (and at the very start) the next head is forced instead of sampled;
      after the last head's line ends, generation stops. Empty: no acrostic
      ops are built (``heads`` must then be fed empty), which keeps the
      per-symbol step as small as possible.
    max_length: a hard cap on generated symbols.
    inputs: a ``GeneratorInputs`` to use instead of new placeholders.
    jit: compile the generation loop with XLA (``tf.function(jit_compile=
      True)`` called from the graph): the per-symbol step becomes one
      compiled loop instead of a dozen executor ops, 3x faster at small
      sizes (README, Performance). Same variables, same greedy text; the
      draw is one stateless uniform number per position (keyed by the int32
      seed and the position) against the cumulative softmax, so a
      temperature > 0 gives other (equally distributed) text than
      ``jit=False`` for the same seed. ``max_length`` must then be small
      enough to allocate (XLA needs a static output size).

  Returns:
    A ``Generator``.
  """
  seed = None
  if inputs is None:
    prime = v1.placeholder(tf.int32, [None], name="prime")
    length = v1.placeholder_with_default(np.int32(400), [], name="length")
    temperature = v1.placeholder_with_default(1.0, [], name="temperature")
    top_k = v1.placeholder_with_default(np.int32(0), [], name="top_k")
    heads = v1.placeholder_with_default(np.zeros([0], np.int32), [None],
                                        name="heads")
  else:
    prime, length, temperature, top_k, seed = (
        inputs.prime, inputs.length, inputs.temperature, inputs.top_k,
        inputs.seed)
    heads = inputs.heads
    if heads is None:
      heads = tf.zeros([0], tf.int32)
  limit = tf.minimum(length, max_length)

  def feed_prime(t, state):
    return t + 1, step_fn(tf.reshape(prime[t], [1]), state)[1]

  _, state = tf.while_loop(lambda t, state: t < tf.shape(prime)[0] - 1,
                           feed_prime, (tf.constant(0), initial_state),
                           back_prop=False, parallel_iterations=1)
  loop = _GenerationLoop(step_fn, end_id, line_end_ids)
  if jit:
    if seed is None:
      # One stateful draw per session.run (reproducible in a fresh session
      # under a graph seed, as the stateful sampler is), then stateless.
      seed = v1.random.uniform([], maxval=np.iinfo(np.int32).max,
                               dtype=tf.int32, seed=SAMPLE_OP_SEED)
    else:  # XLA's stateless_categorical takes int32 seeds only
      seed = tf.cast(tf.math.floormod(tf.cast(seed, tf.int64),
                                      np.iinfo(np.int32).max), tf.int32)
    ids = loop.compiled(max_length)(prime[-1], state, limit, temperature,
                                    top_k, heads, seed)
  else:
    if seed is not None:
      seed = tf.cast(seed, tf.int64)
    ids = loop(prime[-1], state, limit, temperature, top_k, heads, seed,
               tf.TensorArray(tf.int32, size=0, dynamic_size=True,
                              element_shape=[]))
  return Generator(prime=prime, length=length, temperature=temperature,
                   top_k=top_k, heads=heads, ids=ids,
                   acrostic=bool(line_end_ids))


class _GenerationLoop:
  """``build_generator``'s second loop: feed the last prime symbol, then each
  chosen one, until ``limit`` symbols, ``end_id``, or (acrostic) the last
  forced line is done. ``seed``: None (a stateful draw) or a scalar whose
  pair with the position keys a stateless draw."""

  def __init__(self, step_fn, end_id, line_end_ids):
    self.step_fn, self.end_id = step_fn, end_id
    self.line_end_ids = list(line_end_ids)

  def __call__(self, token, state, limit, temperature, top_k, heads, seed,
               out, xla=False):
    n_heads = tf.shape(heads)[0]
    padded_heads = tf.concat([heads, [0]], 0)  # safe to index when empty
    line_ends = tf.constant(self.line_end_ids or [-2], tf.int32)

    def keep_going(n, token, state, k, done, out):
      del token, state, k, out
      return tf.logical_and(tf.logical_not(done), n < limit)

    def generate(n, token, state, k, done, out):
      logits, state = self.step_fn(tf.reshape(token, [1]), state)
      stateless = None if seed is None else tf.stack(
          [seed, tf.cast(n, seed.dtype)])
      chosen = pick(logits, temperature, top_k, stateless=stateless,
                    xla=xla)[0]
      done = tf.equal(chosen, self.end_id)
      if self.line_end_ids:
        # Acrostic: at the start and after a line end, force the next head;
        # stop when the last head's line ends.
        after_line_end = tf.reduce_any(tf.equal(token, line_ends))
        at_line_start = tf.logical_or(tf.equal(n, 0), after_line_end)
        force = tf.logical_and(at_line_start, k < n_heads)
        chosen = tf.where(force, padded_heads[tf.minimum(k, n_heads)],
                          chosen)
        k += tf.cast(force, tf.int32)
        ends_line = tf.reduce_any(tf.equal(chosen, line_ends))
        done = tf.logical_or(
            tf.equal(chosen, self.end_id),
            tf.logical_and(n_heads > 0,
                           tf.logical_and(ends_line, k >= n_heads)))
      return n + 1, chosen, state, k, done, out.write(n, chosen)

    n, _, _, _, _, out = tf.while_loop(
        keep_going, generate,
        (tf.constant(0), token, state, tf.constant(0), tf.constant(False),
         out), back_prop=False, parallel_iterations=1)
    return out.stack()[:n]

  def compiled(self, max_length):
    """The loop as one XLA-compiled function (called from the graph):
    a static-size output array, the top-k cut from a sort."""

    @tf.function(jit_compile=True, autograph=False)
    def generation(token, state, limit, temperature, top_k, heads, seed):
      return self(token, state, tf.minimum(limit, max_length), temperature,
                  top_k, heads, seed,
                  tf.TensorArray(tf.int32, size=max_length, element_shape=[]),
                  xla=True)

    return generation
