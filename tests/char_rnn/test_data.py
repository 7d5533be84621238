"""char_rnn data readers: exact batches on tiny inputs."""

import numpy as np
import pytest

from tf1_models.char_rnn import data
from tf1_models.errors import CorpusError

POEMS = "\n".join([
    "t1:春眠不觉晓，处处闻啼鸟。",       # kept
    "t2:夜来 风雨声，花落知多少。",      # kept, space removed
    "t3:床前明月光(一作看)，疑是地上霜。",  # dropped: "("
    "t4:短诗",                       # dropped: under 5 characters
    "bad line without colon",        # dropped: no title:content
    "t5:a:b:c",                      # dropped: more than one ':'
    "t6:《书名》里的诗句，不可保留。",    # dropped: "《"
    "t7:举头望明月，低头思故乡。",       # kept
])


def test_parse_poems_filters_and_wraps_like_the_seed():
  assert data.parse_poems(POEMS) == [
      "B春眠不觉晓，处处闻啼鸟。E",
      "B夜来风雨声，花落知多少。E",
      "B举头望明月，低头思故乡。E",
  ]
  assert data.parse_poems("t:" + "字" * 79) != []
  assert data.parse_poems("t:" + "字" * 80) == []


def test_poem_vocabulary_is_by_frequency_with_pad_last():
  d = data.poem_data(POEMS, batch_size=2)
  v = d.vocab.symbols
  assert v[-1] == data.PAD
  counts = [sum(p.count(s) for p in data.parse_poems(POEMS)) for s in v[:-1]]
  assert counts == sorted(counts, reverse=True)
  assert v[:3] == ["B", "，", "。"]  # 3 each; ties keep first-seen order


def test_poem_batches_are_padded_and_shifted():
  text = "a:一二三四五\nb:六七八九十一二"
  d = data.poem_data(text, batch_size=2)
  ids = {s: d.vocab.id(s) for s in d.vocab.symbols}
  x, y = d.batch(0)
  first = [ids[c] for c in "B一二三四五E"] + [ids[" "]] * 2
  second = [ids[c] for c in "B六七八九十一二E"]
  np.testing.assert_array_equal(x, [first, second])
  np.testing.assert_array_equal(y[:, :-1], x[:, 1:])
  np.testing.assert_array_equal(y[:, -1], x[:, -1])
  assert d.steps_per_epoch == 1


def test_too_few_poems_for_a_batch_is_a_clear_error():
  with pytest.raises(CorpusError, match="3 usable poems, fewer than one "
                     "batch of 4"):
    data.poem_data(POEMS, batch_size=4)


def test_text_windows_validation_split_and_epoch_shuffle():
  text = "abcdefghijklmnopqrstuvwxyz" * 2  # 52 chars -> 12 windows of 4
  d = data.text_data(text, batch_size=2, seq_length=4, val_fraction=0.25,
                     seed=0)
  dec = lambda row: "".join(d.vocab.decode(row))
  assert len(d.train_x) == 9 and len(d.val_x) == 3
  assert dec(d.train_x[0]) == "abcd" and dec(d.train_y[0]) == "bcde"
  assert dec(d.val_x[0]) == "klmn" and dec(d.val_y[-1]) == "tuvw"
  assert d.steps_per_epoch == 4
  x0, _ = d.batch(0, epoch=0)
  np.testing.assert_array_equal(x0, d.batch(0, epoch=0)[0])
  order = [tuple(r) for i in range(4) for r in d.batch(i, epoch=0)[0]]
  assert len(set(order)) == 8  # no window twice in an epoch
  assert not np.array_equal(d.batch(0, epoch=0)[0], d.batch(0, epoch=1)[0])
  val = [[dec(row) for row in x] for x, _ in d.val_batches()]
  assert val == [["klmn", "opqr"]]  # full batches only


def test_text_too_short_is_a_clear_error():
  with pytest.raises(CorpusError, match="too few for one training and one "
                     "validation batch"):
    data.text_data("abcdefgh", batch_size=2, seq_length=4)


def test_looks_like_poems():
  assert data.looks_like_poems(POEMS)
  assert not data.looks_like_poems("First Citizen:\nBefore we proceed any "
                                   "further, hear me speak.\n\nAll:\nSpeak.")
