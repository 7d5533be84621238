"""word2vec data: the notebook's vocabulary and batch generators.

Vocabulary (the notebook's ``build_dataset``): ``UNK`` is id 0, then the
``vocabulary_size - 1`` most frequent words, most frequent first, ties in
first-seen order (``Counter.most_common``); every other word becomes ``UNK``.
The whole corpus is held once, as an int32 id array (text8's 17M words would
be a 70 MB array; no Python list of words or pairs is kept).

Batches (the notebook's ``generate_batch(batch_size, num_skips,
skip_window)``): a deque of ``span = 2 * skip_window + 1`` ids is filled from
``data_index``; for the centre word of the buffer, ``num_skips`` distinct
context positions are drawn at random and give ``num_skips`` (centre,
context) pairs; then the buffer slides one word. ``data_index`` wraps around
at the end of the corpus and carries over to the next call, which starts a
fresh buffer there: so every batch advances the corpus by ``span +
batch_size // num_skips`` words, and the ``span`` words between two batches
are never a centre -- a quirk of the notebook that we keep.

CBOW (the seed's ``cbow.py`` idea, made runnable): the same sliding buffer,
one example per centre word: the input is the ``2 * skip_window`` context
ids (left ones, then right ones), the label the centre id. The seed built
``num_skips`` identical copies of each example and fed a ``[batch,
2*skip_window]`` array to a ``[2*skip_window, batch]`` placeholder, which
TF1 refuses; here each centre appears once, batch-major.

``Batcher.batch(step)`` is a pure function of the global step (the
``data_index`` a run reaches after ``step`` batches is ``step * advance``
modulo the corpus length, and the random draws are seeded with ``(seed,
step)``), so a resumed run sees exactly the batches it would have seen.
"""

import collections
import dataclasses

import numpy as np

from tf1_models.corpus import Vocabulary
from tf1_models.errors import CorpusError

UNK = "UNK"
MODELS = ("skipgram", "cbow")


@dataclasses.dataclass
class Dataset:
  vocab: Vocabulary
  data: np.ndarray  # int32 word ids of the whole corpus
  counts: np.ndarray  # occurrences of each vocabulary id (UNK: unknowns)


def build_dataset(words, vocabulary_size):
  """``UNK`` + the most frequent words, and the corpus as an id array."""
  counter = collections.Counter(words)
  counter.pop(UNK, None)  # a literal "UNK" in the text is an unknown word
  top = counter.most_common(vocabulary_size - 1)
  symbols = [UNK] + [w for w, _ in top]
  index = {w: i for i, w in enumerate(symbols)}
  data = np.fromiter((index.get(w, 0) for w in words), np.int32,
                     count=len(words))
  counts = np.bincount(data, minlength=len(symbols))
  return Dataset(vocab=Vocabulary(symbols), data=data, counts=counts)


def check_batch_shape(batch_size, num_skips, skip_window):
  """The notebook's asserts, as ``ValueError`` messages."""
  if skip_window < 1:
    raise ValueError("skip_window must be at least 1, got %d" % skip_window)
  if not 1 <= num_skips <= 2 * skip_window:
    raise ValueError("num_skips must be between 1 and 2 * skip_window = %d, "
                     "got %d" % (2 * skip_window, num_skips))
  if batch_size % num_skips:
    raise ValueError("batch_size %d is not a multiple of num_skips %d" %
                     (batch_size, num_skips))


def _fill(data, data_index, span):
  buffer = collections.deque(maxlen=span)
  for _ in range(span):
    buffer.append(data[data_index])
    data_index = (data_index + 1) % len(data)
  return buffer, data_index


def _context_picks(rng, centres, num_skips, skip_window):
  """Row i: a random order of the 2*skip_window context positions of centre
  i (buffer positions, the centre skipped), its first ``num_skips``."""
  picks = np.argsort(rng.random_sample((centres, 2 * skip_window)), axis=1)
  picks = picks[:, :num_skips]
  return picks + (picks >= skip_window)


def skipgram_batch(data, data_index, batch_size, num_skips, skip_window, rng):
  """The notebook's ``generate_batch``: ``(batch [B], labels [B, 1],
  next data_index)``. ``rng.random_sample`` orders the context positions."""
  check_batch_shape(batch_size, num_skips, skip_window)
  span = 2 * skip_window + 1
  centres = batch_size // num_skips
  batch = np.empty(batch_size, np.int32)
  labels = np.empty((batch_size, 1), np.int32)
  picks = _context_picks(rng, centres, num_skips, skip_window)
  buffer, data_index = _fill(data, data_index, span)
  for i in range(centres):
    for j in range(num_skips):
      batch[i * num_skips + j] = buffer[skip_window]
      labels[i * num_skips + j, 0] = buffer[picks[i, j]]
    buffer.append(data[data_index])
    data_index = (data_index + 1) % len(data)
  return batch, labels, data_index


def cbow_batch(data, data_index, batch_size, skip_window):
  """``(context [B, 2*skip_window], labels [B, 1], next data_index)``."""
  span = 2 * skip_window + 1
  context = np.empty((batch_size, 2 * skip_window), np.int32)
  labels = np.empty((batch_size, 1), np.int32)
  buffer, data_index = _fill(data, data_index, span)
  for i in range(batch_size):
    words = list(buffer)
    labels[i, 0] = words.pop(skip_window)
    context[i] = words
    buffer.append(data[data_index])
    data_index = (data_index + 1) % len(data)
  return context, labels, data_index


def _windows(data, data_index, count, span):
  """``[count, span]``: row ``i`` is the buffer ``skipgram_batch`` and
  ``cbow_batch`` hold for their ``i``-th centre word (wrapping around)."""
  rows = data_index + np.arange(count)[:, None] + np.arange(span)[None, :]
  return data[rows % len(data)]


def skipgram_batch_vectorised(data, data_index, batch_size, num_skips,
                              skip_window, rng):
  """``skipgram_batch`` without its Python loop: the same arrays and next
  ``data_index`` for the same ``rng`` state (tests/word2vec/test_data.py)."""
  check_batch_shape(batch_size, num_skips, skip_window)
  span = 2 * skip_window + 1
  centres = batch_size // num_skips
  picks = _context_picks(rng, centres, num_skips, skip_window)
  windows = _windows(data, data_index, centres, span)
  batch = np.repeat(windows[:, skip_window], num_skips).astype(np.int32)
  labels = np.take_along_axis(windows, picks, axis=1).astype(np.int32)
  return (batch, labels.reshape(batch_size, 1),
          (data_index + span + centres) % len(data))


def cbow_batch_vectorised(data, data_index, batch_size, skip_window):
  """``cbow_batch`` without its Python loop (same arrays, same index)."""
  span = 2 * skip_window + 1
  windows = _windows(data, data_index, batch_size, span)
  context = np.delete(windows, skip_window, axis=1).astype(np.int32)
  labels = windows[:, skip_window:skip_window + 1].astype(np.int32)
  return context, labels, (data_index + span + batch_size) % len(data)


class Batcher(object):
  """The batch of any global step, as a pure function of the step.

  ``vectorised`` (default): the batch built with NumPy indexing
  (``*_batch_vectorised``); False: the notebook's loop over a deque. Both
  give identical arrays; the loop and a fresh ``RandomState`` per batch took
  about a quarter of a skip-gram training step
  (``python -m tf1_models.train_speed --models=word2vec``)."""

  def __init__(self, data, model, batch_size, num_skips, skip_window,
               seed=0, vectorised=True):
    if model not in MODELS:
      raise ValueError("unknown model %r; choose skipgram or cbow" % model)
    check_batch_shape(batch_size, num_skips, skip_window)
    span = 2 * skip_window + 1
    if len(data) < span:
      raise CorpusError(
          "the corpus has %d words, fewer than one window of 2 * skip_window "
          "+ 1 = %d; use a longer corpus or a smaller --skip_window" %
          (len(data), span))
    self.data = data
    self.model = model
    self.batch_size = batch_size
    self.num_skips = num_skips
    self.skip_window = skip_window
    self.seed = seed
    self.vectorised = vectorised
    self._rng = np.random.RandomState()
    per_batch = batch_size // num_skips if model == "skipgram" else batch_size
    self.advance = span + per_batch  # words a batch moves data_index on

  @property
  def steps_per_epoch(self):
    return max(1, len(self.data) // self.advance)

  def data_index(self, step):
    return int(step) * self.advance % len(self.data)

  def batch(self, step):
    start = self.data_index(step)
    if self.model == "cbow":
      cbow = cbow_batch_vectorised if self.vectorised else cbow_batch
      return cbow(self.data, start, self.batch_size, self.skip_window)[:2]
    if not self.vectorised:
      return skipgram_batch(self.data, start, self.batch_size,
                            self.num_skips, self.skip_window,
                            np.random.RandomState([self.seed, int(step)]))[:2]
    # Re-seeding one RandomState gives the stream a new RandomState([seed,
    # step]) would, in a tenth of the time (constructing one: 0.2 ms).
    self._rng.seed([self.seed, int(step)])
    return skipgram_batch_vectorised(self.data, start, self.batch_size,
                                     self.num_skips, self.skip_window,
                                     self._rng)[:2]
