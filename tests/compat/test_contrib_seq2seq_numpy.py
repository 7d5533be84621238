"""``compat.seq2seq`` attention scores and one beam-search step against the
NumPy equations of ``contrib_seq2seq_numpy_ref``."""

import numpy as np
import pytest
import tensorflow as tf

import compat
from compat import seq2seq
from compat.seq2seq import attention_wrapper
from compat.seq2seq import beam_search_decoder
from tests.compat import contrib_seq2seq_numpy_ref as ref

v1 = tf.compat.v1
B, T, D, U = 3, 5, 4, 3
LENGTHS = np.array([5, 2, 4], np.int32)


def _run(build):
  with tf.Graph().as_default():
    fetch = build()
    with v1.Session() as sess:
      sess.run(v1.global_variables_initializer())
      weights = {}
      rng = np.random.RandomState(5)
      for var in v1.global_variables():
        value = rng.uniform(-1, 1, var.shape).astype(np.float32)
        var.load(value, sess)
        weights[var.op.name] = value.astype(np.float64)
      return sess.run(fetch), weights


MEMORY = np.random.RandomState(1).uniform(-1, 1, (B, T, D)).astype(np.float32)
QUERY = np.random.RandomState(2).uniform(-1, 1, (B, U)).astype(np.float32)


@pytest.mark.parametrize("kind,option", [("luong", False), ("luong", True),
                                         ("bahdanau", False),
                                         ("bahdanau", True)])
@pytest.mark.parametrize("lengths", [None, LENGTHS])
def test_attention_scores_match_numpy(kind, option, lengths):
  def build():
    with v1.variable_scope("enc"):
      if kind == "luong":
        mech = seq2seq.LuongAttention(U, MEMORY, lengths, scale=option)
      else:
        mech = seq2seq.BahdanauAttention(U, MEMORY, lengths,
                                         normalize=option)
    with v1.variable_scope("dec"):
      alignments, state = mech(v1.constant(QUERY), state=None)
    return dict(alignments=alignments, state=state, keys=mech.keys,
                values=mech.values)
  got, W = _run(build)
  keys, values = ref.keys(W, MEMORY.astype(np.float64), lengths, "enc/")
  if kind == "luong":
    score = ref.luong(W, QUERY.astype(np.float64), keys, "dec/", option)
  else:
    score = ref.bahdanau(W, QUERY.astype(np.float64), keys, "dec/", option)
  want = ref.alignments(score, lengths)
  np.testing.assert_allclose(got["keys"], keys, rtol=1e-5, atol=1e-6)
  np.testing.assert_allclose(got["values"], values, rtol=1e-6, atol=1e-7)
  np.testing.assert_allclose(got["alignments"], want, rtol=1e-5, atol=1e-6)
  np.testing.assert_array_equal(got["state"], got["alignments"])
  if lengths is not None:
    assert np.all(got["alignments"][1, 2:] == 0)


def _beam_state(coverage):
  rng = np.random.RandomState(9)
  batch, beam, vocab = 2, 3, 5
  logits = rng.uniform(-2, 2, (batch, beam, vocab)).astype(np.float32)
  # Two equal candidates in entry 1: top_k must take the lower index.
  logits[1, 0] = logits[1, 1]
  log_probs = np.array([[-0.5, -1.0, -1.2], [-0.7, -0.7, -3.0]], np.float32)
  finished = np.array([[False, True, False], [False, False, True]])
  lengths = np.array([[2, 1, 2], [2, 2, 1]], np.int64)
  accumulated = rng.uniform(0, 0.6, (batch, beam, 4)).astype(np.float32)
  accumulated[0, 0, 3] = 0.0  # never attended: counts as covered
  attention = rng.uniform(0, 0.6, (batch, beam, 4)).astype(np.float32)
  return logits, log_probs, finished, lengths, accumulated, attention


@pytest.mark.parametrize("length_penalty,coverage", [(0.0, 0.0), (0.8, 0.0),
                                                     (0.6, 0.5)])
def test_one_beam_search_step_matches_numpy(length_penalty, coverage):
  logits, log_probs, finished, lengths, accumulated, attention = (
      _beam_state(coverage))
  end_token, beam = 2, 3

  def build():
    cell_state = attention_wrapper.AttentionWrapperState(
        cell_state=v1.zeros([2, beam, 1]), attention=v1.zeros([2, beam, 1]),
        time=v1.constant(1), alignments=v1.constant(attention),
        alignment_history=(), attention_state=v1.constant(attention))
    state = beam_search_decoder.BeamSearchDecoderState(
        cell_state=cell_state, log_probs=v1.constant(log_probs),
        finished=v1.constant(finished), lengths=v1.constant(lengths),
        accumulated_attention_probs=(v1.constant(accumulated) if coverage
                                     else ()))
    out, next_state = beam_search_decoder._beam_search_step(  # pylint: disable=protected-access
        time=1, logits=v1.constant(logits), next_cell_state=cell_state,
        beam_state=state, batch_size=v1.constant(2), beam_width=beam,
        end_token=end_token, length_penalty_weight=length_penalty,
        coverage_penalty_weight=coverage)
    fetch = dict(scores=out.scores, word_ids=out.predicted_ids,
                 parent_ids=out.parent_ids, log_probs=next_state.log_probs,
                 lengths=next_state.lengths, finished=next_state.finished)
    if coverage:
      fetch["accumulated"] = next_state.accumulated_attention_probs
    return fetch
  got, _ = _run(build)
  want = ref.beam_step(logits, log_probs.astype(np.float64), finished,
                       lengths, end_token, beam, length_penalty, coverage,
                       accumulated.astype(np.float64),
                       attention.astype(np.float64))
  assert sorted(got) == sorted(want)
  for key in ("word_ids", "parent_ids", "lengths", "finished"):
    np.testing.assert_array_equal(got[key], want[key], err_msg=key)
  for key in ("scores", "log_probs") + (("accumulated",) if coverage
                                         else ()):
    np.testing.assert_allclose(got[key], want[key], rtol=1e-5, atol=1e-5,
                               err_msg=key)
  # A finished beam only continues with end_token at unchanged log-prob.
  finished_rows = np.nonzero(got["finished"] & (got["word_ids"] == end_token))
  assert finished_rows[0].size


def test_gather_tree_matches_numpy_backtracking():
  rng = np.random.RandomState(3)
  time, batch, beam = 6, 2, 3
  step_ids = rng.randint(3, 9, (time, batch, beam)).astype(np.int32)
  step_ids[2, 0, 1] = 2  # an end token mid-path
  parent_ids = rng.randint(0, beam, (time, batch, beam)).astype(np.int32)
  lengths = np.array([6, 4], np.int32)
  with tf.Graph().as_default(), v1.Session() as sess:
    got = sess.run(seq2seq.gather_tree(step_ids, parent_ids, lengths, 2))
  want = np.full_like(step_ids, 2)
  for b in range(batch):
    for k in range(beam):
      n, parent = lengths[b], k
      for t in range(n - 1, -1, -1):
        want[t, b, k] = step_ids[t, b, parent]
        parent = parent_ids[t, b, parent]
      ended = False
      for t in range(n):
        if ended:
          want[t, b, k] = 2
        ended = ended or want[t, b, k] == 2
  np.testing.assert_array_equal(got, want)


def test_bad_inputs_get_clear_errors():
  with tf.Graph().as_default():
    memory = v1.constant(MEMORY)
    mech = seq2seq.LuongAttention(D, memory)
    cell = seq2seq.AttentionWrapper(compat.GRUCell(U), mech)
    untiled = cell.zero_state(B, tf.float32)
    # Beam search over an untiled state.
    with pytest.raises(ValueError, match="tile_batch"):
      seq2seq.BeamSearchDecoder(cell, v1.zeros([6, 2]), v1.fill([B], 1), 2,
                                untiled, beam_width=2)
    with pytest.raises(ValueError, match="tile_batch"):
      untiled.clone(cell_state=v1.zeros([B * 2, U]))
    with pytest.raises(ValueError, match="exactly one integer"):
      seq2seq.AttentionWrapper(compat.GRUCell(U), [mech, mech],
                               attention_layer_size=[2])
    with pytest.raises(TypeError, match="AttentionMechanism"):
      seq2seq.AttentionWrapper(compat.GRUCell(U), memory)
    logits = v1.zeros([B, 2, 4])
    with pytest.raises(ValueError, match="sum_over_timesteps"):
      seq2seq.sequence_loss(logits, v1.zeros([B, 2], tf.int32),
                            v1.ones([B, 2]), sum_over_timesteps=True)
    with pytest.raises(ValueError, match="Logits must be"):
      seq2seq.sequence_loss(v1.zeros([B, 4]), v1.zeros([B, 2], tf.int32),
                            v1.ones([B, 2]))
    with pytest.raises(TypeError, match="Decoder"):
      seq2seq.dynamic_decode(cell)
    with pytest.raises(ValueError, match="mode must be"):
      seq2seq.monotonic_attention(v1.ones([1, 2]), v1.ones([1, 2]), "soft")
