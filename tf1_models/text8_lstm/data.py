"""text8_lstm data: the notebook's 27-character alphabet and batch generators.

The notebook read text8 as one string of lowercase letters and spaces:
  * the vocabulary is ``' '`` (id 0) then ``a``..``z`` (ids 1..26);
  * the first 1000 characters are the validation text, the rest trains;
  * ``BatchGenerator(text, batch_size, num_unrollings)`` cut the text into
    ``batch_size`` equal segments with one cursor each; every ``next()``
    returned ``num_unrollings + 1`` one-hot batches, the first being the last
    batch of the previous call, cursors wrapping at the end of the text.
    Call ``k`` therefore covers characters ``b * segment + k * num_unrollings
    + t`` (mod the text length) for segment ``b`` and ``t = 0..U``:
    ``char_batches(ids, ..., step)`` computes exactly that, so the batch of
    a global step is a pure function of the step (a resumed run continues
    with the batch it would have seen);
  * validation used the same generator with batch 1 and one unrolling over
    the 1000 characters: pairs ``(c[k], c[k+1 mod 1000])`` for k = 0..999,
    scored one character at a time (the last pair predicts the first
    character again, as the wrapping cursor did).

Bigrams (the notebook's problem 2): the input at each position is the pair
(previous character, current character), one of 27 x 27 = 729 ids
``27 * prev + cur``; the target is still the next character, so the model is
trained and scored on characters and its perplexity compares with the
character models'. The character before a segment's first position is the
one before it in the (wrapping) text.

Other corpora are reduced to the alphabet the way text8 itself was made:
letters lowercased, any whitespace becomes a space, every other character is
dropped, runs of spaces collapse; ``reduce_text`` reports what changed.
"""

import collections
import dataclasses
import re
import string

import numpy as np

from tf1_models.corpus import Vocabulary
from tf1_models.errors import CorpusError

ALPHABET = " " + string.ascii_lowercase
VOCAB_SIZE = len(ALPHABET)  # 27
BIGRAM_VOCAB_SIZE = VOCAB_SIZE * VOCAB_SIZE  # 729


def vocabulary():
  return Vocabulary(ALPHABET)


def reduce_text(text):
  """``(text reduced to a-z and space, note or None)``."""
  lowered = text.lower()
  spaced = re.sub(r"\s", " ", lowered)
  dropped = collections.Counter(c for c in spaced if c not in ALPHABET)
  kept = "".join(c for c in spaced if c in ALPHABET)
  reduced = re.sub(" +", " ", kept)
  if reduced == text:
    return reduced, None
  parts = []
  n_upper = sum(1 for a, b in zip(text, lowered) if a != b)
  if n_upper:
    parts.append("lowercased %d letters" % n_upper)
  if dropped:
    shown = "".join(sorted(dropped)[:20]).replace("\n", "")
    parts.append("dropped %d characters outside a-z and space (%r)" %
                 (sum(dropped.values()), shown))
  if len(kept) != len(reduced) or spaced != lowered:
    parts.append("turned whitespace into single spaces")
  return reduced, "reduced to a-z and space: " + ", ".join(parts)


def encode(text):
  """Ids of a text already in the alphabet."""
  return np.asarray(vocabulary().encode(text, "corpus"), np.int32)


def one_hot(ids):
  """float32 ``[..., 27]`` one-hots of int ids."""
  return np.eye(VOCAB_SIZE, dtype=np.float32)[np.asarray(ids)]


def bigram_ids(prev, cur):
  return np.asarray(prev) * VOCAB_SIZE + np.asarray(cur)


def _positions(n, batch_size, num_unrollings, step, before=0):
  """``[before + U + 1, B]`` text positions of call ``step``."""
  segment = n // batch_size
  start = np.arange(batch_size) * segment + step * num_unrollings
  t = np.arange(-before, num_unrollings + 1)
  return (start[None, :] + t[:, None]) % n


def char_batches(ids, batch_size, num_unrollings, step):
  """int32 ``[U + 1, B]``: the notebook's ``BatchGenerator.next()`` number
  ``step`` (0-based), as ids instead of one-hots."""
  return ids[_positions(len(ids), batch_size, num_unrollings, step)]


def bigram_batches(ids, batch_size, num_unrollings, step):
  """``(bigrams [U, B], labels [U, B])`` over the same character windows as
  ``char_batches``: input t is (char t-1, char t), its label char t+1."""
  chars = ids[_positions(len(ids), batch_size, num_unrollings, step, 1)]
  return bigram_ids(chars[:-2], chars[1:-1]), chars[2:]


def valid_pairs(valid_ids):
  """``(inputs, labels)``: the validation generator's 1000 pairs."""
  return valid_ids, np.roll(valid_ids, -1)


def valid_bigram_pairs(valid_ids):
  """``(bigram inputs, labels)`` for validation, wrapping like the pairs."""
  return (bigram_ids(np.roll(valid_ids, 1), valid_ids),
          np.roll(valid_ids, -1))


@dataclasses.dataclass
class Text8Data:
  valid: np.ndarray  # int32 ids of the validation text
  train: np.ndarray  # int32 ids of the training text
  batch_size: int
  num_unrollings: int

  @property
  def steps_per_epoch(self):
    return max(1, len(self.train) // (self.batch_size * self.num_unrollings))

  def char_batch(self, step):
    return char_batches(self.train, self.batch_size, self.num_unrollings,
                        step)

  def bigram_batch(self, step):
    return bigram_batches(self.train, self.batch_size, self.num_unrollings,
                          step)


def text8_data(text, batch_size, num_unrollings, valid_size=1000):
  """Split a reduced text into validation and training ids."""
  ids = encode(text)
  need = valid_size + batch_size * (num_unrollings + 1)
  if valid_size < 2 or len(ids) < need:
    raise CorpusError(
        "the corpus has %d characters after reduction to a-z and space; "
        "%d validation characters plus one batch of %d segments x %d "
        "characters need %d; use a longer --corpus or smaller "
        "--batch_size/--num_unrollings/--valid_size" %
        (len(ids), valid_size, batch_size, num_unrollings + 1, need))
  return Text8Data(valid=ids[:valid_size], train=ids[valid_size:],
                   batch_size=batch_size, num_unrollings=num_unrollings)
