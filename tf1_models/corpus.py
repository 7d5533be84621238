"""Corpus files and character vocabularies shared by every model.

``read_text`` turns every way a corpus can be bad into a one-line
``CorpusError``. ``resolve_corpus`` picks the corpus a model runs on: the
``--corpus`` flag, else a file in ``../shared/data`` when present, else the
small corpus the package ships (``tf1_models/data``, see its SOURCES.md).
``Vocabulary`` maps characters (or words) to ids and back, and is what is
saved beside a checkpoint so sampling needs no corpus.
"""

import collections
import os

from tf1_models import files
from tf1_models.errors import CorpusError, VocabularyError

PACKAGE_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "data")
# ../shared/data relative to the repository checkout (absent on installs).
SHARED_DATA = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data"))


def shipped(name):
  """Path of a corpus shipped inside the package."""
  return os.path.join(PACKAGE_DATA, name)


def resolve_corpus(flag_value, shared_name=None, shipped_name=None):
  """The corpus path to use, and a short description of where it came from."""
  if flag_value:
    return flag_value, "--corpus"
  if shared_name:
    path = os.path.join(SHARED_DATA, shared_name)
    if os.path.isfile(path):
      return path, "../shared/data/" + shared_name
  if shipped_name:
    return shipped(shipped_name), "shipped corpus " + shipped_name
  raise CorpusError("no corpus given; pass --corpus=PATH")


def read_text(path, min_chars=1):
  """Read a UTF-8 (or BOM-marked UTF-16) text file, refusing missing, empty
  and binary files; CRLF line ends become "\n"."""
  if not os.path.exists(path):
    raise CorpusError("corpus file %s does not exist; pass --corpus=PATH to "
                      "a UTF-8 text file" % path)
  if os.path.isdir(path):
    raise CorpusError("corpus %s is a directory; pass --corpus=PATH to a "
                      "UTF-8 text file" % path)
  with open(path, "rb") as f:
    raw = f.read()
  if not raw.strip():
    raise CorpusError("corpus file %s is empty; pass --corpus=PATH to a "
                      "non-empty UTF-8 text file" % path)
  # UTF-16 with its byte-order mark (and the NUL bytes its newlines and
  # spaces have, which tell it from bytes that are merely not UTF-8).
  if raw[:2] in (b"\xff\xfe", b"\xfe\xff") and b"\x00" in raw:
    try:
      raw = raw.decode("utf-16").encode("utf-8")
    except UnicodeError:
      pass  # not UTF-16 after all: reported below as not UTF-8
  if b"\x00" in raw[:1 << 20]:
    raise CorpusError("corpus file %s looks binary (it contains NUL bytes); "
                      "pass a UTF-8 text file" % path)
  try:
    text = raw.decode("utf-8")
  except UnicodeDecodeError as e:
    raise CorpusError("corpus file %s is not valid UTF-8 (byte %d); convert "
                      "it to UTF-8 or pass another --corpus" % (path, e.start))
  if text.startswith("\ufeff"):
    text = text[1:]
  # Windows line ends read as Python's text mode (the originals' open())
  # reads them: one "\n".
  text = text.replace("\r\n", "\n")
  if len(text) < min_chars:
    raise CorpusError("corpus file %s has %d characters, fewer than the %d "
                      "this configuration needs; use a longer corpus or a "
                      "smaller --batch_size/--seq_length" %
                      (path, len(text), min_chars))
  return text


class Vocabulary(object):
  """An ordered list of symbols; ids are list positions."""

  def __init__(self, symbols):
    self.symbols = list(symbols)
    if len(set(self.symbols)) != len(self.symbols):
      raise ValueError("vocabulary has duplicate symbols")
    self._index = {s: i for i, s in enumerate(self.symbols)}

  @classmethod
  def by_frequency(cls, items, extra=()):
    """Most frequent first (ties in first-seen order), then ``extra``."""
    counts = collections.Counter(items)
    ordered = sorted(counts, key=lambda s: -counts[s])
    return cls(ordered + [s for s in extra if s not in counts])

  def __len__(self):
    return len(self.symbols)

  def __eq__(self, other):
    return isinstance(other, Vocabulary) and self.symbols == other.symbols

  def __contains__(self, symbol):
    return symbol in self._index

  def id(self, symbol):
    return self._index[symbol]

  def encode(self, items, what="text"):
    """Ids of ``items``; a ``VocabularyError`` names unknown symbols."""
    unknown = sorted(set(s for s in items if s not in self._index))
    if unknown:
      shown = "".join(unknown[:20]) if all(
          isinstance(s, str) and len(s) == 1 for s in unknown) else unknown
      raise VocabularyError(
          "%s contains %d symbol(s) the model's vocabulary does not have: %r;"
          " use only characters from the training corpus" %
          (what, len(unknown), shown))
    return [self._index[s] for s in items]

  def decode(self, ids):
    return [self.symbols[i] for i in ids]

  def to_json(self):
    return list(self.symbols)

  @classmethod
  def from_json(cls, data):
    return cls(data)

  def save(self, path):
    files.write_json(path, self.to_json())
