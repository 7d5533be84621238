"""Mirror-task data: phrases, targets, held-out split, vocabulary."""

import pytest

from tf1_models import corpus
from tf1_models.errors import CorpusError
from tf1_models.seq2seq import data as data_lib
from tf1_models.seq2seq import model as model_lib

TEXT = ("the quick brown fox jumps over the lazy dog and then the quick "
        "brown fox sleeps under an old tree while the lazy dog keeps watch "
        "over the farm every night of the long cold winter ") * 20


def test_mirror_reverses_every_word_in_place():
  assert data_lib.mirror("the quick brown fox") == "eht kciuq nworb xof"
  assert data_lib.mirror("a") == "a"


def test_normalise_to_text8_alphabet():
  assert data_lib.normalise("To be, or NOT\n to-be!") == "to be or not to be"


def test_phrases_are_whole_words_within_limit():
  words = data_lib.normalise(TEXT).split(" ")
  phrases = data_lib.cut_phrases(words, 12, seed=1)
  assert " ".join(phrases).split(" ") == [w for w in words if len(w) <= 12]
  assert all(1 <= len(p) <= 12 for p in phrases)
  assert len({len(p) for p in phrases}) > 5  # short and long phrases


def test_held_out_phrases_never_in_training():
  d = data_lib.MirrorData(TEXT, [(6, 8), (12, 14)], max_length=12,
                          held_out_percent=30.0, seed=0)
  assert d.held_out and d.train
  assert not set(d.held_out) & set(d.train)
  assert len(set(d.held_out)) == len(d.held_out)
  # decided by the text alone: another seed cuts other phrases, same rule
  assert all(data_lib.is_held_out(p, 30.0) for p in d.held_out)
  assert not any(data_lib.is_held_out(p, 30.0) for p in d.train)


def test_pairs_vocabulary_and_buckets():
  d = data_lib.MirrorData(TEXT, [(6, 8), (12, 14)], max_length=12,
                          held_out_percent=30.0, seed=0)
  assert d.vocab.symbols[:4] == list(model_lib.SPECIAL_SYMBOLS)
  assert d.vocab.symbols[4] == " "
  source, target = d.pair("the fox")
  assert data_lib.decode(d.vocab, source) == "the fox"
  assert target[-1] == model_lib.EOS_ID
  assert data_lib.decode(d.vocab, target) == "eht xof"
  for b, pairs in enumerate(d.train_set):
    for s, t in pairs:
      assert model_lib.bucket_for((len(s), len(t)), d.buckets) == b
  assert data_lib.encode(d.vocab, "the?") == data_lib.encode(
      d.vocab, "the") + [model_lib.UNK_ID]


def test_bad_corpora_and_buckets():
  with pytest.raises(CorpusError, match="no a-z words"):
    data_lib.MirrorData("123 456", [(20, 22)])
  with pytest.raises(CorpusError, match="too small"):
    data_lib.MirrorData("abc", [(20, 22)], held_out_percent=2.0)
  with pytest.raises(ValueError, match="at least \\(20, 22\\)"):
    data_lib.MirrorData(TEXT, [(20, 21)], max_length=20)


def test_shipped_fallback_corpus_exists():
  path, origin = corpus.resolve_corpus("", None, "text8_small.txt")
  assert "shipped" in origin
  d = data_lib.load_mirror(path, [(20, 22)], 20, 2.0, 50, 100000, 0)
  assert len(d.held_out) == 50
