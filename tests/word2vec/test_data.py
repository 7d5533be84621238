"""word2vec vocabulary and batch generators against hand-worked examples.

The corpora are ``np.arange(n)``, so every id is also the word's position
and the expected batches can be read off directly. ``Ordered`` replaces the
random number generator: it makes each centre word take its context
positions left to right (or right to left), so the exact batch is known.
"""

import numpy as np
import pytest

from tf1_models.errors import CorpusError
from tf1_models.word2vec import data as data_lib
from tf1_models.word2vec import neighbours
from tf1_models.corpus import Vocabulary


class Ordered(object):
  """A stand-in for ``RandomState``: increasing (or decreasing) rows."""

  def __init__(self, reverse=False):
    self.reverse = reverse

  def random_sample(self, shape):
    rows = np.tile(np.arange(shape[1], dtype=float), (shape[0], 1))
    return -rows if self.reverse else rows


def test_vocabulary_unk_first_then_frequency_ties_first_seen():
  words = "b a c a b a d x x UNK".split()
  ds = data_lib.build_dataset(words, 4)
  # a:3, then b and x (2 each, b seen first); c, d and the literal UNK -> 0.
  assert ds.vocab.symbols == ["UNK", "a", "b", "x"]
  np.testing.assert_array_equal(ds.data, [2, 1, 0, 1, 2, 1, 0, 3, 3, 0])
  assert ds.data.dtype == np.int32
  np.testing.assert_array_equal(ds.counts, [3, 3, 2, 2])


def test_skipgram_batch_as_the_notebook_then_wraparound():
  data = np.arange(10, dtype=np.int32)
  batch, labels, index = data_lib.skipgram_batch(data, 0, 8, 2, 1, Ordered())
  np.testing.assert_array_equal(batch, [1, 1, 2, 2, 3, 3, 4, 4])
  np.testing.assert_array_equal(labels[:, 0], [0, 2, 1, 3, 2, 4, 3, 5])
  assert labels.shape == (8, 1) and index == 7  # span 3 + 4 centres
  # The next call starts a fresh buffer at 7 (centres 5, 6, 7 are never
  # used, as in the notebook) and wraps around the end of the corpus.
  batch, labels, index = data_lib.skipgram_batch(data, index, 8, 2, 1,
                                                 Ordered())
  np.testing.assert_array_equal(batch, [8, 8, 9, 9, 0, 0, 1, 1])
  np.testing.assert_array_equal(labels[:, 0], [7, 9, 8, 0, 9, 1, 0, 2])
  assert index == 4


def test_skipgram_context_positions_skip_the_centre():
  data = np.arange(10, dtype=np.int32)
  # skip_window 2, one pair per centre, the rightmost context word first.
  batch, labels, index = data_lib.skipgram_batch(data, 0, 3, 1, 2,
                                                 Ordered(reverse=True))
  np.testing.assert_array_equal(batch, [2, 3, 4])
  np.testing.assert_array_equal(labels[:, 0], [4, 5, 6])
  assert index == 8
  batch, labels, _ = data_lib.skipgram_batch(data, 0, 3, 1, 2, Ordered())
  np.testing.assert_array_equal(labels[:, 0], [0, 1, 2])


def test_skipgram_random_pairs_use_distinct_context_words():
  data = np.arange(50, dtype=np.int32)
  rng = np.random.RandomState(0)
  batch, labels, _ = data_lib.skipgram_batch(data, 10, 16, 4, 2, rng)
  for i in range(4):
    centre = 12 + i
    np.testing.assert_array_equal(batch[4 * i:4 * i + 4], [centre] * 4)
    assert sorted(labels[4 * i:4 * i + 4, 0]) == [centre - 2, centre - 1,
                                                  centre + 1, centre + 2]
  # num_skips 1 of skip_window 1: left and right both get drawn.
  _, labels, _ = data_lib.skipgram_batch(data, 0, 40, 1, 1, rng)
  left = np.sum(labels[:, 0] == np.arange(40))
  assert 8 <= left <= 32


def test_cbow_batch_context_then_wraparound():
  data = np.arange(6, dtype=np.int32)
  context, labels, index = data_lib.cbow_batch(data, 3, 4, 1)
  np.testing.assert_array_equal(context, [[3, 5], [4, 0], [5, 1], [0, 2]])
  np.testing.assert_array_equal(labels[:, 0], [4, 5, 0, 1])
  assert index == 4  # (3 + span 3 + 4 centres) % 6
  context, labels, _ = data_lib.cbow_batch(np.arange(8, dtype=np.int32), 0,
                                           2, 2)
  np.testing.assert_array_equal(context, [[0, 1, 3, 4], [1, 2, 4, 5]])
  np.testing.assert_array_equal(labels[:, 0], [2, 3])


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_batcher_step_equals_carried_data_index(model):
  data = np.arange(23, dtype=np.int32)  # not a multiple of the advance
  b = data_lib.Batcher(data, model, 8, 2, 1, seed=5)
  index = 0
  for step in range(12):
    rng = np.random.RandomState([5, step])
    if model == "cbow":
      x, y, index_next = data_lib.cbow_batch(data, index, 8, 1)
    else:
      x, y, index_next = data_lib.skipgram_batch(data, index, 8, 2, 1, rng)
    bx, by = b.batch(step)
    np.testing.assert_array_equal(bx, x)
    np.testing.assert_array_equal(by, y)
    assert b.data_index(step) == index
    index = index_next
  assert index == 12 * b.advance % 23


def test_batch_shape_errors():
  with pytest.raises(ValueError, match="not a multiple of num_skips"):
    data_lib.check_batch_shape(9, 2, 1)
  with pytest.raises(ValueError, match="between 1 and 2"):
    data_lib.check_batch_shape(8, 4, 1)
  with pytest.raises(CorpusError, match="fewer than one window"):
    data_lib.Batcher(np.arange(2, dtype=np.int32), "cbow", 4, 2, 1)


def test_number_word_score():
  others = ["w%d" % i for i in range(9)]
  vocab = Vocabulary(["UNK"] + list(neighbours.NUMBER_WORDS) + others)
  rng = np.random.RandomState(0)
  emb = rng.normal(scale=0.01, size=(len(vocab), 4))
  emb[1:10, 0] += 1.0  # the number words point one way
  emb[10:, 1] += 1.0  # the others another
  emb[0, 2] = 1.0
  normalized = neighbours.normalize(emb)
  assert neighbours.number_word_score(normalized, vocab) == 8.0
  emb[vocab.id("nine"), 0] = -1.0  # "nine" turns away from the numbers
  score = neighbours.number_word_score(neighbours.normalize(emb), vocab)
  # one..eight keep 7 numbers (+1 word near cosine 0: nine is at -1);
  # nine's 8 nearest are all non-numbers.
  assert score == pytest.approx(8 * 7 / 9)
  near = neighbours.nearest(normalized, [1], 3)
  assert 1 not in near[0] and set(near[0]) <= set(range(2, 10))
  assert neighbours.number_word_score(normalized, Vocabulary(others)) is None


@pytest.mark.parametrize("batch_size,num_skips,skip_window", [
    (128, 2, 1), (16, 4, 2), (12, 3, 3), (5, 1, 1)])
def test_vectorised_batches_equal_the_notebook_loop(batch_size, num_skips,
                                                    skip_window):
  """The default (vectorised) batches are the notebook loop's, bit for bit,
  including the random context picks, wraparound and the next index."""
  data = np.random.RandomState(1).randint(0, 50, 37).astype(np.int32)
  for start in (0, 5, 30, 36):
    loop = data_lib.skipgram_batch(data, start, batch_size, num_skips,
                                   skip_window, np.random.RandomState(start))
    fast = data_lib.skipgram_batch_vectorised(
        data, start, batch_size, num_skips, skip_window,
        np.random.RandomState(start))
    for a, b in zip(loop, fast):
      np.testing.assert_array_equal(a, b)
    assert [np.asarray(x).dtype for x in loop[:2]] == [
        x.dtype for x in fast[:2]]
    loop = data_lib.cbow_batch(data, start, batch_size, skip_window)
    fast = data_lib.cbow_batch_vectorised(data, start, batch_size,
                                          skip_window)
    for a, b in zip(loop, fast):
      np.testing.assert_array_equal(a, b)
  for model in data_lib.MODELS:
    args = (data, model, batch_size, num_skips, skip_window, 3)
    loop, fast = data_lib.Batcher(*args, vectorised=False), data_lib.Batcher(
        *args)
    for step in (0, 1, 7, 1000):
      for a, b in zip(loop.batch(step), fast.batch(step)):
        np.testing.assert_array_equal(a, b)
