"""The XLA-compiled sampling loop (``jit=True``) of every model that
generates gives the graph loop's greedy text, on the test presets with
random weights (``python -m tf1_models.sampler_speed`` times the two)."""

import functools

import numpy as np
import pytest

from tf1_models import sampler_speed

BUILDERS = {
    "char_rnn": functools.partial(sampler_speed.char_rnn_generator,
                                  preset="test"),
    "text8_separate": sampler_speed.text8_generator("separate", "test"),
    "text8_bigram": sampler_speed.text8_generator("bigram", "test"),
    "next_char": functools.partial(sampler_speed.next_char_generator,
                                   preset="test"),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_xla_loop_gives_the_graph_loops_greedy_text(name):
  # Tiny nets need larger weights than the benchmark's not to be constant.
  time = functools.partial(sampler_speed.time_sampler, BUILDERS[name],
                           length=30, repeats=1, weight_std=0.7)
  rate, graph = time(jit=False)
  assert rate > 0 and len(graph) == 100
  assert len(set(graph)) > 1  # not a constant sequence
  np.testing.assert_array_equal(
      time(jit=True)[1], graph)
