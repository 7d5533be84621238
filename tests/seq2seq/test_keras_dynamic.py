"""``KerasDynamicSeq2Seq`` (the ``--decoder=dynamic`` twin) against genuine
TF 1.15 ``tf.contrib.seq2seq`` (``tests/golden/tf1_s2s_dynamic.npz``, from
``make_s2s_dynamic_golden.py``): the TF1 weights, mapped by name, give the
same teacher-forced logits and ``sequence_loss`` (<= 1e-5), the same greedy
ids and lengths, and the same beam-search ids (after ``gather_tree``),
per-step scores and lengths, for Luong, scaled Luong, Bahdanau and
normalised Bahdanau attention, GRU and LSTM, one and two layers, with and
without a length penalty (two cases in the default suite, all four with
``-m slow``). Plus NumPy references for ``gather_tree`` and a
beam step's finished-beam handling."""

import os

import keras
import numpy as np
import pytest

from tf1_models.seq2seq import convert, keras_dynamic

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(__file__)), "golden",
                      "tf1_s2s_dynamic.npz")
# name: (attention, layers, use_lstm, length_penalty_weight), as recorded
CASES = {
    "luong_gru1": ("luong", 1, False, 0.0),
    "scaled_luong_gru2": ("scaled_luong", 2, False, 1.0),
    "bahdanau_lstm2": ("bahdanau", 2, True, 0.6),
    "normed_bahdanau_gru1": ("normed_bahdanau", 1, False, 0.6),
}
VOCAB, SIZE, BEAM, MAX_ITER = 9, 5, 3, 6
SHARED_ARRAYS = ("source", "source_length", "decoder_inputs",
                 "decoder_length", "targets")


@pytest.fixture(scope="module")
def golden():
  return dict(np.load(GOLDEN))


def case_arrays(golden, name):
  prefix = name + "|"
  return {k[len(prefix):]: v for k, v in golden.items()
          if k.startswith(prefix)}


def net_for(golden, name):
  attention, layers, lstm, _ = CASES[name]
  keras.utils.set_random_seed(0)
  net = keras_dynamic.KerasDynamicSeq2Seq(VOCAB, SIZE, layers, lstm,
                                          attention)
  convert.build_dynamic(net)
  arrays = case_arrays(golden, name)
  weights = {k[4:]: v for k, v in arrays.items() if k.startswith("var:")}
  assert sorted(convert.tf1_variable_names(net)) == sorted(weights)
  convert.tf1_to_keras(weights, net)
  return net, arrays


@pytest.mark.parametrize("name", [
    "luong_gru1", "bahdanau_lstm2",
    pytest.param("scaled_luong_gru2", marks=pytest.mark.slow),
    pytest.param("normed_bahdanau_gru1", marks=pytest.mark.slow)])
def test_matches_tf1_contrib_seq2seq(golden, name):
  assert_matches_tf1(keras_run(golden, name), case_arrays(golden, name))


def keras_run(golden, name):
  """Teacher-forced logits and loss, greedy and beam decodings of case
  ``name`` on the current Keras backend (also run on JAX and PyTorch by
  ``tests/backend_cases.py``)."""
  net, _ = net_for(golden, name)
  source, length = golden["source"], golden["source_length"]
  logits = keras.ops.convert_to_numpy(
      net((source, length, golden["decoder_inputs"])))
  mask = (np.arange(logits.shape[1])[None] <
          golden["decoder_length"][:, None]).astype(np.float32)
  out = {"logits": logits, "loss": float(keras_dynamic.sequence_loss(
      logits, golden["targets"], mask))}
  out["greedy_ids"], out["greedy_lengths"] = net.greedy(source, length,
                                                        MAX_ITER)
  out["beam_ids"], out["beam_scores"], out["beam_lengths"] = (
      net.beam_search(source, length, BEAM, MAX_ITER, CASES[name][3]))
  return out


def assert_matches_tf1(got, want):
  np.testing.assert_allclose(got["logits"], want["logits"], atol=1e-5,
                             rtol=0)
  assert abs(got["loss"] - float(want["loss"])) <= 1e-5
  for key in ("greedy_ids", "greedy_lengths", "beam_ids", "beam_lengths"):
    np.testing.assert_array_equal(got[key], want[key], err_msg=key)
  np.testing.assert_allclose(got["beam_scores"], want["beam_scores"],
                             atol=1e-5, rtol=1e-6)


def test_golden_cases_exercise_what_they_claim(golden):
  """Beams that end (EOS then EOS padding), beam != greedy somewhere."""
  eos = keras_dynamic.EOS_ID
  ended = differ = 0
  for name in CASES:
    a = case_arrays(golden, name)
    ended += int((a["beam_ids"] == eos).any())
    differ += int(not np.array_equal(
        a["beam_ids"][:, :a["greedy_ids"].shape[1], 0], a["greedy_ids"]))
  assert ended >= 2 and differ >= 2


def test_gather_tree_follows_parents_and_pads_after_end():
  # T=4, B=1, K=2: beam 0's last token came from beam 1, and so on.
  step = np.array([[[5, 6]], [[7, 8]], [[2, 9]], [[4, 3]]], np.int32)
  parent = np.array([[[0, 0]], [[1, 0]], [[1, 0]], [[1, 0]]], np.int32)
  out = keras_dynamic.gather_tree(step, parent, np.array([4]), end_token=2)
  # beam 0: t3 4 (parent 1) <- t2 9 (parent 0) <- t1 7 (parent 1) <- t0 6
  # beam 1: t3 3 (parent 0) <- t2 2 (p 1) <- t1 8 (p 0) <- t0 5; after the
  # EOS at t2 everything is EOS.
  np.testing.assert_array_equal(out[:, 0, 0], [6, 7, 9, 4])
  np.testing.assert_array_equal(out[:, 0, 1], [5, 8, 2, 2])
  short = keras_dynamic.gather_tree(step, parent, np.array([2]), end_token=2)
  np.testing.assert_array_equal(short[:, 0, 0], [6, 7, 2, 2])


def test_beam_step_finished_beams_only_extend_with_free_eos():
  logits = np.log(np.array([[[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]]],
                           np.float32))
  beam = {"log_probs": np.array([[-1.0, -0.5]], np.float32),
          "finished": np.array([[False, True]]),
          "lengths": np.array([[2, 3]], np.int32)}
  out, nxt = keras_dynamic.beam_search_step(logits, beam, 0.0, end_token=2)
  # finished beam 1 continues with EOS at score -0.5; beam 0's best is
  # token 3 at -1 + log 0.4.
  np.testing.assert_array_equal(np.asarray(out["parent_ids"]), [[1, 0]])
  np.testing.assert_array_equal(np.asarray(out["predicted_ids"]), [[2, 3]])
  np.testing.assert_allclose(np.asarray(out["scores"]),
                             [[-0.5, -1 + np.log(0.4)]], rtol=1e-6)
  np.testing.assert_array_equal(np.asarray(nxt["lengths"]), [[3, 3]])
  np.testing.assert_array_equal(np.asarray(nxt["finished"]), [[True, False]])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["normed_bahdanau_gru1", "bahdanau_lstm2",
                                  "scaled_luong_gru2"])
def test_fixed_step_beam_ids_traced_match_tf1(golden, name):
  """``beam_ids`` (the exports' formulation: a fixed number of steps, in a
  ``tf.function``) gives TF 1.15's beam ids."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  net, arrays = net_for(golden, name)
  traced = tf.function(lambda s, n: net.beam_ids(s, n, BEAM, MAX_ITER,
                                                 CASES[name][3]))
  got = traced(tf.constant(golden["source"]),
               tf.constant(golden["source_length"]))
  np.testing.assert_array_equal(np.asarray(got), arrays["beam_ids"])


@pytest.mark.parametrize("penalty", [
    0.0, pytest.param(0.2, marks=pytest.mark.slow)])
def test_fixed_step_beam_ids_equal_the_stopping_search(golden, penalty):
  """Beams pushed to end early (EOS's logit raised): after every beam has
  finished the fixed-step search changes nothing, so its ids are the
  stopping search's, then EOS. (With a length penalty, stepping finished
  beams on could re-rank beams of different lengths; these beams do not
  happen to re-rank, so the freeze itself is not what this checks.)"""
  net, _ = net_for(golden, "luong_gru1")
  step = net.decoder.step
  eos = 0.3 * np.eye(VOCAB, dtype=np.float32)[keras_dynamic.EOS_ID]

  def eos_raised(*args):
    logits, state = step(*args)
    return logits + eos, state
  net.decoder.step = eos_raised
  source = np.array([[3, 4, 5, 6], [7, 8, 0, 0], [5, 5, 5, 0]], np.int32)
  length = np.array([4, 2, 3], np.int32)
  ids, _, lengths = net.beam_search(source, length, BEAM, 10, penalty)
  assert ids.shape[1] < 10 and len(set(lengths.ravel().tolist())) > 1
  fixed = np.asarray(net.beam_ids(source, length, BEAM, 10, penalty))
  np.testing.assert_array_equal(fixed[:, :ids.shape[1]], ids)
  assert (fixed[:, ids.shape[1]:] == keras_dynamic.EOS_ID).all()
