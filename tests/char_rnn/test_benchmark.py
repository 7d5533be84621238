"""The benchmark's peers.py callables (../shared/perf/peers.py ``--extra``)
on a tiny configuration: each builds, runs, and does what peers.py expects.
Speed itself is measured by ``python -m tf1_models.char_rnn.benchmark``,
never asserted here."""

import numpy as np
import pytest

from tf1_models.char_rnn import benchmark

CFG = dict(vocab=12, batch=3, seq_length=5, rnn_size=8, num_layers=2,
           lr=2e-3, sample_chars=20)


@pytest.mark.parametrize("make", [
    benchmark.make_tf1_train_step, benchmark.make_tf1_seed_train_step,
    benchmark.make_tf1_hoisted_train_step,
    benchmark.make_tf1_hoisted_grad_train_step,
    benchmark.make_tf1_block_train_step])
def test_tf1_train_steps_update_the_weights(make):
  step = make(CFG)
  sess = step.session
  kernel = [v for v in sess.graph.get_collection("trainable_variables")
            if v.name.endswith("cell_0/basic_lstm_cell/kernel:0")][0]
  before = sess.run(kernel)
  step()
  assert not np.allclose(sess.run(kernel), before)


@pytest.mark.parametrize("make", [benchmark.make_sampler,
                                  benchmark.make_folded_sampler,
                                  benchmark.make_xla_sampler])
def test_samplers_return_n_ids_of_the_vocabulary(make):
  ids = make(CFG)(17)
  assert len(ids) == 17
  assert 0 <= min(ids) and max(ids) < CFG["vocab"] - 1


def test_numpy_ceilings_are_measured():
  assert benchmark.numpy_sample_ceiling(CFG, seconds=0.05) > 0
  assert benchmark.numpy_train_ceiling(CFG, seconds=0.05) > 0
