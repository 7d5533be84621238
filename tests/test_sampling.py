"""The in-graph sampler on a fixed Markov chain whose answers are known.

The step function ignores its state and returns fixed logits for the
previous symbol, so greedy output, forced acrostic heads, end symbols and
length caps can be worked out by hand. Every rule is checked on both loops:
the graph's ``tf.while_loop`` and the XLA-compiled one (``jit=True``).
"""

import numpy as np
import pytest
import tensorflow as tf

from tf1_models import sampling

v1 = tf.compat.v1

# Next-symbol logits given the current symbol (6 symbols).
# Greedy chain: 0 -> 1 -> 2 -> 3 -> 1 ...; 4 -> 5 (5 is the "line end");
# 5 -> 0.
# Off-chain logits are distinct (-5.00 .. -4.95) so "top k" has no ties.
TABLE = np.tile(np.linspace(-5.0, -4.95, 6, dtype=np.float32), (6, 1))
for cur, nxt in [(0, 1), (1, 2), (2, 3), (3, 1), (4, 5), (5, 0)]:
  TABLE[cur, nxt] = 5.0
TABLE[2, 5] = 4.0  # second choice after 2


@pytest.fixture(params=[False, True], ids=["graph", "xla"])
def jit(request):
  return request.param


def run(prime, length, temperature=0.0, top_k=0, heads=(), end_id=-1,
        line_end_ids=(), seed=7, jit=False):
  with tf.Graph().as_default() as g:
    v1.set_random_seed(seed)
    table = tf.constant(TABLE)

    def step(ids, state):
      return tf.gather(table, ids), state + 1.0

    gen = sampling.build_generator(step, tf.zeros([1, 1]), end_id=end_id,
                                   line_end_ids=line_end_ids, jit=jit,
                                   max_length=1000)
    with v1.Session(graph=g) as sess:
      return list(sess.run(gen.ids, gen.feed(prime, length, temperature,
                                             top_k, heads)))


def test_greedy_follows_the_chain_after_the_prime(jit):
  assert run([0], 6, jit=jit) == [1, 2, 3, 1, 2, 3]
  # The prime is fed in full; generation continues from its last symbol.
  assert run([4, 5, 0, 2], 3, jit=jit) == [3, 1, 2]


def test_end_symbol_stops_and_is_included(jit):
  assert run([0], 50, end_id=3, jit=jit) == [1, 2, 3]


def test_acrostic_forces_a_head_at_the_start_of_each_line(jit):
  # Line ends are symbol 5. Heads [4, 4]: 4 is forced, 5 follows (greedy),
  # then the next line starts with the second head; after it ends, stop.
  assert run([0], 50, heads=[4, 4], line_end_ids=[5], jit=jit) == [4, 5, 4, 5]
  # A head that does not lead to a line end runs until the length cap.
  assert run([0], 5, heads=[2], line_end_ids=[5], jit=jit) == [2, 3, 1, 2, 3]


def test_top_k_one_is_greedy_even_when_hot(jit):
  assert run([0], 8, temperature=5.0, top_k=1, jit=jit) == run([0], 8, jit=jit)


def test_sampling_is_reproducible_with_a_seed_and_varies_without_top_k(jit):
  a = run([0], 40, temperature=3.0, seed=1, jit=jit)
  b = run([0], 40, temperature=3.0, seed=1, jit=jit)
  c = run([0], 40, temperature=3.0, seed=2, jit=jit)
  assert a == b
  assert a != c
  assert set(a) > {1, 2, 3}  # hot sampling leaves the greedy cycle


def test_top_k_two_never_picks_outside_the_two_best(jit):
  out = run([2], 200, temperature=50.0, top_k=2, seed=3, jit=jit)
  prev = 2
  for sym in out:
    best_two = set(np.argsort(TABLE[prev])[-2:])
    assert sym in best_two
    prev = sym


def test_pick_numpy_matches_the_rules():
  rng = np.random.RandomState(0)
  logits = np.array([0.0, 3.0, 1.0])
  assert sampling.pick_numpy(logits, 0.0, 0, rng) == 1
  assert {sampling.pick_numpy(logits, 10.0, 2, rng)
          for _ in range(100)} == {1, 2}


def test_heads_need_a_generator_built_with_line_ends(jit):
  with pytest.raises(ValueError, match="without line_end_ids"):
    run([0], 5, heads=[4], jit=jit)
