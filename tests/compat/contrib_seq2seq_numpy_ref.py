"""NumPy (float64) equations of TF 1.15's ``tf.contrib.seq2seq`` attention
scores and of one beam-search step, written from the definitions, to check
``compat.seq2seq`` against.

Weights come from a dict ``W`` of full variable names to arrays, so every
lookup also checks a TF1 variable name.
"""

import numpy as np

from tests.compat.seq2seq_numpy_ref import softmax


def masked(score, lengths, mask_value=-np.inf):
  """Scores past each entry's memory length set to ``mask_value``."""
  if lengths is None:
    return score
  keep = np.arange(score.shape[1])[None, :] < np.asarray(lengths)[:, None]
  return np.where(keep, score, mask_value)


def keys(W, memory, lengths, scope=""):
  """``memory_layer(memory)`` with rows past the lengths zeroed first."""
  if lengths is not None:
    keep = np.arange(memory.shape[1])[None, :] < np.asarray(lengths)[:, None]
    memory = memory * keep[:, :, None]
  return memory @ W[scope + "memory_layer/kernel"], memory


def luong(W, query, keys_, scope, scale=False):
  """``score[b, t] = g * <query[b], keys[b, t]>``."""
  score = np.einsum("bu,btu->bt", query, keys_)
  if scale:
    score = W[scope + "luong_attention/attention_g"] * score
  return score


def bahdanau(W, query, keys_, scope, normalize=False):
  """``score[b, t] = v . tanh(keys[b, t] + q W_q (+ b))`` with
  ``v = g v / |v|`` when normalised."""
  prefix = scope + "bahdanau_attention/"
  processed = query @ W[prefix + "query_layer/kernel"]
  v = W[prefix + "attention_v"]
  if normalize:
    v = W[prefix + "attention_g"] * v / np.sqrt(np.sum(v ** 2))
    hidden = np.tanh(keys_ + processed[:, None, :] +
                     W[prefix + "attention_b"])
  else:
    hidden = np.tanh(keys_ + processed[:, None, :])
  return np.einsum("btu,u->bt", hidden, v)


def alignments(score, lengths):
  return softmax(masked(score, lengths))


def log_softmax(x):
  m = x.max(-1, keepdims=True)
  return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def beam_step(logits, log_probs, finished, lengths, end_token, beam_width,
              length_penalty=0.0, coverage_weight=0.0, accumulated=None,
              attention=None):
  """One step for ``logits [batch, beam, vocab]``; returns a dict of the
  chosen scores, word ids, parent ids, log-probs, lengths, finished (and
  accumulated attention with a coverage penalty)."""
  batch, beam, vocab = logits.shape
  step = log_softmax(logits.astype(np.float64))
  # Finished beams may only repeat end_token, at log-prob 0.
  only_end = np.full(vocab, np.finfo(np.float32).min, np.float64)
  only_end[end_token] = 0.0
  step = np.where(finished[:, :, None], only_end[None, None, :], step)
  total = log_probs[:, :, None] + step
  grows = np.where(np.arange(vocab) == end_token, 0, 1)[None, None, :] * (
      ~finished)[:, :, None]
  cand_lengths = lengths[:, :, None] + grows
  if length_penalty:
    penalty = ((5.0 + cand_lengths) / 6.0) ** length_penalty
  else:
    penalty = 1.0
  scores = total / penalty
  new_accumulated = None
  if coverage_weight:
    new_accumulated = accumulated + attention * (~finished)[:, :, None]
    acc = np.where(new_accumulated == 0, 1.0, new_accumulated)
    coverage = np.log(np.minimum(acc, 1.0)).sum(-1) * finished
    scores = scores + coverage_weight * coverage[:, :, None]
  flat = scores.reshape(batch, -1)
  # top_k: largest first, ties to the lower flat index.
  order = np.argsort(-flat, axis=1, kind="stable")[:, :beam_width]
  rows = np.arange(batch)[:, None]
  parents = order // vocab
  words = order % vocab
  parent_finished = finished[rows, parents]
  out = dict(
      scores=flat[rows, order], word_ids=words, parent_ids=parents,
      log_probs=total.reshape(batch, -1)[rows, order],
      lengths=lengths[rows, parents] + (~parent_finished),
      finished=parent_finished | (words == end_token))
  if new_accumulated is not None:
    out["accumulated"] = new_accumulated[rows, parents]
  return out
