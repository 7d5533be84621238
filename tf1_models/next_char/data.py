"""next_char data: every window of the text, streamed from one int array.

The seed built the training set up front::

  for i in range(0, len(text) - seq_length):
    input_seq.append(ids of text[i:i + seq_length])
    target_seq.append(id of text[i + seq_length])

which materialises ``(len(text) - 100) * 100`` integers: 1.1 * 10^8 for
tinyshakespeare (0.9 GB as int64 NumPy, several GB as the Python lists it
went through). Here the text is encoded once into an int32 array and a batch
is cut out of it on demand: window ``i`` is ``ids[i:i + seq_length]`` and its
target ``ids[i + seq_length]``, exactly the seed's pairs, and only one batch
of windows exists at a time.

The vocabulary is the seed's: ``sorted(set(text))``, so ids are code-point
order (in tinyshakespeare ``'\\n'`` is id 0 -- one reason masks here come
from lengths, not from a reserved padding id).

Order: ``Windows.batch(step)`` is a pure function of the global step --
epoch ``e`` visits the training windows in ``RandomState(seed + e)``'s
permutation (the seed's ``fit`` shuffled every epoch too) -- so a resumed
run continues with the very batch it would have seen, and the TF1 and Keras
implementations train on identical batches. ``val_fraction`` holds out the
end of the text (no window crosses the cut); the seed held out nothing.
"""

import dataclasses

import numpy as np

from tf1_models.corpus import Vocabulary
from tf1_models.errors import CorpusError


def seed_vocabulary(text):
  """The seed's ``sorted(list(set(text)))``."""
  return Vocabulary(sorted(set(text)))


@dataclasses.dataclass
class Windows:
  """Training and held-out windows over one encoded text."""
  vocab: Vocabulary
  ids: np.ndarray  # int32 [len(text)]
  seq_length: int
  batch_size: int
  train_windows: int  # windows 0 .. train_windows-1
  val_start: int  # held-out windows val_start .. len(ids)-seq_length-1
  seed: int = 0

  def __post_init__(self):
    self._order = (None, None)  # (epoch, permutation) cache
    self._steps = np.arange(self.seq_length)

  @property
  def steps_per_epoch(self):
    return self.train_windows // self.batch_size

  @property
  def val_windows(self):
    return max(0, len(self.ids) - self.seq_length - self.val_start)

  def cut(self, starts):
    """``(x int32 [n, seq_length], y int32 [n])`` for window ``starts``."""
    starts = np.asarray(starts, np.int64)
    x = self.ids[starts[:, None] + self._steps]
    return x, self.ids[starts + self.seq_length]

  def order(self, epoch):
    if self._order[0] != epoch:
      self._order = (epoch, np.random.RandomState(self.seed + epoch)
                     .permutation(self.train_windows))
    return self._order[1]

  def batch(self, step):
    """The training batch of global step ``step``."""
    epoch, index = divmod(step, self.steps_per_epoch)
    rows = self.order(epoch)[index * self.batch_size:
                             (index + 1) * self.batch_size]
    return self.cut(rows)

  def val_batches(self, max_batches):
    """Up to ``max_batches`` held-out batches, spread evenly over the
    held-out text (the same ones on every call)."""
    n = min(max_batches, self.val_windows // self.batch_size)
    if n == 0:
      return
    starts = self.val_start + np.linspace(
        0, self.val_windows - 1, n * self.batch_size).astype(np.int64)
    for b in range(n):
      yield self.cut(starts[b * self.batch_size:(b + 1) * self.batch_size])


def windows(text, seq_length, batch_size, val_fraction=0.0, seed=0,
            vocab=None):
  """Encode ``text`` and describe its windows; ``CorpusError`` if too short."""
  if vocab is None:
    vocab = seed_vocabulary(text)
  ids = np.asarray(vocab.encode(text, "corpus"), np.int32)
  cut = len(ids) - int(round(len(ids) * val_fraction))
  train = cut - seq_length
  if train < batch_size or (val_fraction > 0 and
                            len(ids) - cut - seq_length < batch_size):
    raise CorpusError(
        "the corpus has %d characters: too few for one training%s batch of "
        "%d windows of %d characters; use a longer corpus or a smaller "
        "--batch_size/--seq_length" %
        (len(ids), " and one held-out" if val_fraction > 0 else "",
         batch_size, seq_length))
  return Windows(vocab=vocab, ids=ids, seq_length=seq_length,
                 batch_size=batch_size, train_windows=train, val_start=cut,
                 seed=seed)


def pad_windows(sequences, seq_length, pad_id=0):
  """Right-pad id lists to ``seq_length`` (keeping each one's last
  ``seq_length`` ids, as the seed's ``generated_text[-seq_length:]``).

  Returns ``(ids int32 [n, seq_length], lengths int32 [n])``. Right padding
  because TF1's ``sequence_length`` means "the first ``length`` steps are
  real": ``dynamic_rnn`` stops updating the state after them and
  ``bidirectional_dynamic_rnn`` reverses only those steps for the backward
  cell. Left padding would feed the pads first to the forward cell in TF1.
  Keras masks would accept either side.
  """
  ids = np.full((len(sequences), seq_length), pad_id, np.int32)
  lengths = np.zeros(len(sequences), np.int32)
  for row, seq in enumerate(sequences):
    seq = list(seq)[-seq_length:]
    if not seq:
      raise ValueError("an empty window has no last character to predict "
                       "from")
    ids[row, :len(seq)] = seq
    lengths[row] = len(seq)
  return ids, lengths
