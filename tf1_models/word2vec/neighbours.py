"""Nearest neighbours by cosine similarity, in numpy.

The notebook normalised every embedding row to unit length and took, for
each validation word, the ``top_k`` words of highest dot product after
dropping the first (the word itself). Here the word itself is excluded
explicitly, which is the same unless two rows are identical.

``number_word_score`` is the quality figure of the run_all.sh run: for each
of the number words one..nine, how many of its 8 nearest neighbours are
number words too (at most 8: the other eight), averaged.
"""

import numpy as np

NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven",
                "eight", "nine")


def normalize(embeddings):
  """Rows scaled to unit length (the notebook's ``normalized_embeddings``)."""
  norm = np.sqrt(np.sum(np.square(embeddings), axis=1, keepdims=True))
  return embeddings / norm


def nearest(normalized, ids, top_k):
  """``[len(ids), top_k]`` ids of the most similar words, best first."""
  ids = np.asarray(ids)
  sims = normalized[ids] @ normalized.T
  sims[np.arange(len(ids)), ids] = -np.inf
  return np.argsort(-sims, axis=1, kind="stable")[:, :top_k]


def neighbour_lines(normalized, vocab, ids, top_k):
  """The notebook's ``Nearest to X: a, b, ...`` lines."""
  near = nearest(normalized, ids, top_k)
  return ["Nearest to %s: %s" % (vocab.symbols[i], ", ".join(
      vocab.symbols[j] for j in row)) for i, row in zip(ids, near)]


def number_word_score(normalized, vocab, top_k=8):
  """Average count of number words among the ``top_k`` neighbours of the
  number words; ``None`` when the vocabulary lacks them."""
  if not all(w in vocab for w in NUMBER_WORDS):
    return None
  ids = [vocab.id(w) for w in NUMBER_WORDS]
  near = nearest(normalized, ids, top_k)
  return float(np.mean(np.isin(near, ids).sum(axis=1)))


def number_word_line(score, top_k=8):
  return ("number words one..nine: on average %.2f of %d nearest neighbours "
          "are number words" % (score, top_k))
