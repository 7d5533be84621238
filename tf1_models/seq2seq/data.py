"""Data for the seq2seq tasks.

``mirror`` (the course's exercise): phrases of whole words, at most
``max_length`` characters, cut from a lower-case a-z corpus (text8); the
target spells every word backwards ("the quick brown fox" -> "eht kciuq
nworb xof"). Each phrase's length limit is drawn uniformly from 1 to
``max_length`` so short and long phrases are both common. A phrase goes to
the held-out set by a hash of its text, so the same phrase is never on both
sides, wherever it occurs in the corpus.

``self_test``: the translate tutorial's smoke test data, ten symbols and two
buckets.

Ids 0-3 are the tutorial's PAD, GO, EOS and UNK; characters follow.
"""

import hashlib
import random
import re

from tf1_models import corpus
from tf1_models.errors import CorpusError
from tf1_models.seq2seq import model as model_lib

SELF_TEST_BUCKETS = [(3, 3), (6, 6)]
SELF_TEST_DATA = ([([1, 1], [2, 2]), ([3, 3], [4]), ([5], [6])],
                  [([1, 1, 1, 1, 1], [2, 2, 2, 2, 2]), ([3, 3, 3], [5, 6])])


def normalise(text):
  """Lower-case a-z words separated by single spaces (text8's alphabet)."""
  return " ".join(re.sub("[^a-z]+", " ", text.lower()).split())


def mirror(phrase):
  """Every word of ``phrase`` spelled backwards, in place."""
  return " ".join(word[::-1] for word in phrase.split(" "))


def cut_phrases(words, max_length, seed):
  """Consecutive words joined by spaces, each phrase at most a random
  1..``max_length`` characters (at least one word; longer words are
  skipped)."""
  rng = random.Random(seed)
  phrases, current, limit = [], "", rng.randint(1, max_length)
  for word in words:
    if len(word) > max_length:
      continue
    if current and len(current) + 1 + len(word) <= limit:
      current += " " + word
      continue
    if current:
      phrases.append(current)
      limit = rng.randint(1, max_length)
    current = word
  if current:
    phrases.append(current)
  return phrases


def is_held_out(phrase, percent):
  """True for about ``percent``% of distinct phrases, decided by the text."""
  digest = hashlib.md5(phrase.encode("utf-8")).digest()
  return int.from_bytes(digest[:4], "little") % 10000 < percent * 100


def char_vocabulary(text):
  return corpus.Vocabulary(list(model_lib.SPECIAL_SYMBOLS) +
                           sorted(set(text) - {"\n"}))


def encode(vocab, text):
  """Ids of ``text``; characters outside ``vocab`` become UNK."""
  return [vocab.id(c) if c in vocab else model_lib.UNK_ID for c in text]


def decode(vocab, ids):
  return "".join(vocab.symbols[i] for i in ids
                 if i >= len(model_lib.SPECIAL_SYMBOLS))


class MirrorData(object):
  """Training and held-out phrase pairs, bucketed.

  Attributes: ``vocab``; ``train`` and ``held_out`` (lists of phrases);
  ``train_set`` and ``held_out_set`` (per bucket, lists of ``(source ids,
  target ids + EOS)``).
  """

  def __init__(self, text, buckets, max_length=20, held_out_percent=2.0,
               max_held_out=1000, seed=0):
    text = normalise(text)
    if not text:
      raise CorpusError("the corpus has no a-z words to cut phrases from; "
                        "pass a --corpus with English text")
    if max_length > buckets[-1][0] or max_length + 2 > buckets[-1][1]:
      raise ValueError("phrases of %d characters do not fit the largest "
                       "bucket %s: it needs at least (%d, %d) (the decoder "
                       "reads GO + phrase and predicts phrase + EOS)" %
                       (max_length, buckets[-1], max_length, max_length + 2))
    self.vocab = char_vocabulary(text)
    self.buckets = buckets
    phrases = cut_phrases(text.split(" "), max_length, seed)
    self.train, held_out = [], []
    for p in phrases:
      (held_out if is_held_out(p, held_out_percent) else self.train).append(p)
    self.held_out = sorted(set(held_out))
    random.Random(seed).shuffle(self.held_out)
    self.held_out = self.held_out[:max_held_out]
    if not self.train or not self.held_out:
      raise CorpusError("the corpus is too small: %d training and %d "
                        "held-out phrases; use a longer --corpus" %
                        (len(self.train), len(self.held_out)))
    self.train_set = self.bucketed(self.train)
    self.held_out_set = self.bucketed(self.held_out)

  def pair(self, phrase):
    return (encode(self.vocab, phrase),
            encode(self.vocab, mirror(phrase)) + [model_lib.EOS_ID])

  def bucketed(self, phrases):
    sets = [[] for _ in self.buckets]
    for p in phrases:
      source, target = self.pair(p)
      sets[model_lib.bucket_for((len(source), len(target)),
                                self.buckets)].append((source, target))
    return sets


def load_mirror(path, buckets, max_length, held_out_percent, max_held_out,
                max_chars, seed):
  """``MirrorData`` from the first ``max_chars`` characters of ``path``."""
  text = corpus.read_text(path)
  if max_chars:
    text = text[:max_chars]
  return MirrorData(text, buckets, max_length, held_out_percent,
                    max_held_out, seed)
