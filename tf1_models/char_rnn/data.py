"""char_rnn data: tensorflow_poems' poem format and plain-text windows.

Poems (``title:content`` per line), as the seed project read them:
  * a line whose split on ':' does not give exactly two parts is skipped;
    spaces are removed from the content;
  * poems containing ``_ ( （ 《 [`` or the start/end tokens are dropped, and
    so are poems shorter than 5 or longer than 79 characters;
  * each poem becomes ``B`` + poem + ``E`` (the seed's start/end tokens);
  * the vocabulary is every character, most frequent first, then ``' '``,
    which pads batches. The graph's tables have ``len(vocab) + 1`` rows: the
    seed mapped unknown characters to id ``len(vocab)``.
  * batches are consecutive poems in file order (the seed meant to sort by
    length, but its sort key read a stale variable, so the order stayed the
    file's; we keep that), padded with ``' '`` to the longest poem; targets
    are inputs shifted left by one, the last column repeating the input's.

Plain text: the character stream is cut into ``seq_length`` windows (targets
shifted by one); the last ``val_fraction`` of windows is held out for
validation; training windows are shuffled per epoch with a seed, so the batch
of a given global step is always the same (resume continues exactly).
"""

import dataclasses
from typing import List

import numpy as np

from tf1_models import corpus
from tf1_models.corpus import Vocabulary
from tf1_models.errors import CorpusError

START_TOKEN = "B"
END_TOKEN = "E"
PAD = " "
_BANNED = ("_", "(", "（", "《", "[", START_TOKEN, END_TOKEN)
LINE_ENDS = ("。", "！", "？", "；")


def parse_poems(text):
  """The kept poems, each wrapped in start/end tokens, in file order."""
  poems = []
  for line in text.split("\n"):
    parts = line.strip().split(":")
    if len(parts) != 2:
      continue
    content = parts[1].replace(" ", "")
    if any(b in content for b in _BANNED):
      continue
    if len(content) < 5 or len(content) > 79:
      continue
    poems.append(START_TOKEN + content + END_TOKEN)
  return poems


def looks_like_poems(text):
  """True when most of the first 200 non-empty lines are ``title:content``
  with text on both sides (a play's ``First Citizen:`` lines are not)."""
  lines = [l for l in text.split("\n") if l.strip()][:200]
  poem_like = sum(1 for l in lines
                  if l.count(":") == 1 and all(p.strip() for p in
                                               l.split(":")))
  return bool(lines) and poem_like > 0.5 * len(lines)


@dataclasses.dataclass
class PoemData:
  vocab: Vocabulary
  poems: List[List[int]]
  batch_size: int

  @property
  def steps_per_epoch(self):
    return len(self.poems) // self.batch_size

  def batch(self, index):
    """``(x, y)`` int32 ``[batch_size, longest]`` for batch ``index``."""
    chunk = self.poems[index * self.batch_size:(index + 1) * self.batch_size]
    width = max(len(p) for p in chunk)
    x = np.full((self.batch_size, width), self.vocab.id(PAD), np.int32)
    for row, poem in enumerate(chunk):
      x[row, :len(poem)] = poem
    y = x.copy()
    y[:, :-1] = x[:, 1:]
    return x, y


def poem_data(text, batch_size, vocab=None):
  poems = parse_poems(text)
  if len(poems) < batch_size:
    raise CorpusError(
        "the corpus has %d usable poems, fewer than one batch of %d; use a "
        "larger corpus or a smaller --batch_size" % (len(poems), batch_size))
  if vocab is None:
    vocab = Vocabulary.by_frequency("".join(poems), extra=[PAD])
  ids = [vocab.encode(p, "corpus") for p in poems]
  return PoemData(vocab=vocab, poems=ids, batch_size=batch_size)


@dataclasses.dataclass
class TextData:
  vocab: Vocabulary
  train_x: np.ndarray  # [n_windows, seq_length]
  train_y: np.ndarray
  val_x: np.ndarray
  val_y: np.ndarray
  batch_size: int
  seed: int = 0

  @property
  def steps_per_epoch(self):
    return len(self.train_x) // self.batch_size

  def batch(self, index, epoch=0):
    order = np.random.RandomState(self.seed + epoch).permutation(
        len(self.train_x))
    rows = order[index * self.batch_size:(index + 1) * self.batch_size]
    return self.train_x[rows], self.train_y[rows]

  def val_batches(self):
    for i in range(len(self.val_x) // self.batch_size):
      s = slice(i * self.batch_size, (i + 1) * self.batch_size)
      yield self.val_x[s], self.val_y[s]


def text_data(text, batch_size, seq_length, val_fraction=0.1, seed=0,
              vocab=None):
  if vocab is None:
    vocab = Vocabulary.by_frequency(text)
  ids = np.asarray(vocab.encode(text, "corpus"), np.int32)
  n = (len(ids) - 1) // seq_length
  n_val = int(round(n * val_fraction))
  if n - n_val < batch_size or (val_fraction > 0 and n_val < batch_size):
    raise CorpusError(
        "the corpus gives %d windows of %d characters, too few for one "
        "training and one validation batch of %d; use a longer corpus or a "
        "smaller --batch_size/--seq_length" % (n, seq_length, batch_size))
  x = ids[:n * seq_length].reshape(n, seq_length)
  y = ids[1:n * seq_length + 1].reshape(n, seq_length)
  split = n - n_val
  return TextData(vocab=vocab, train_x=x[:split], train_y=y[:split],
                  val_x=x[split:], val_y=y[split:], batch_size=batch_size,
                  seed=seed)


def format_poem(text):
  """Cut at the end token and put each sentence on its own line."""
  text = text.split(END_TOKEN)[0]
  lines, line = [], ""
  for ch in text:
    line += ch
    if ch in LINE_ENDS:
      lines.append(line)
      line = ""
  if line:
    lines.append(line)
  return "\n".join(lines)


def load_data(config, log=print):
  """Read the corpus and build poem or text batches."""
  path, origin = corpus.resolve_corpus(config.corpus, config.shared_corpus,
                                       config.shipped_corpus)
  text = corpus.read_text(path)
  fmt = config.format
  if fmt == "auto":
    fmt = "poems" if looks_like_poems(text) else "text"
  log("corpus: %s (%s, %d characters, read as %s)" %
      (path, origin, len(text), fmt))
  if fmt == "poems":
    return fmt, poem_data(text, config.batch_size)
  return fmt, text_data(text, config.batch_size, config.seq_length,
                        config.val_fraction, config.seed)


def batch_at(data, step):
  """``(x, y)`` of global batch ``step`` (epochs wrap around; plain text is
  reshuffled per epoch)."""
  epoch, index = divmod(step, data.steps_per_epoch)
  if isinstance(data, PoemData):
    return data.batch(index)
  return data.batch(index, epoch)
