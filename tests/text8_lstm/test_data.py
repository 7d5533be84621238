"""text8_lstm data: the notebook's BatchGenerator as a pure function of the
step, the bigram generator, validation pairs and corpus reduction."""

import numpy as np
import pytest

from tf1_models.errors import CorpusError
from tf1_models.text8_lstm import data as data_lib


class NotebookBatchGenerator(object):
  """The behaviour described in the notebook: stateful cursors, one-hots,
  the last batch carried over as the first of the next call."""

  def __init__(self, ids, batch_size, num_unrollings):
    self.ids, self.u = ids, num_unrollings
    segment = len(ids) // batch_size
    self.cursor = [b * segment for b in range(batch_size)]
    self.last = self._next()

  def _next(self):
    out = np.zeros((len(self.cursor), 27), np.float32)
    for b, c in enumerate(self.cursor):
      out[b, self.ids[c]] = 1.0
      self.cursor[b] = (c + 1) % len(self.ids)
    return out

  def next(self):
    batches = [self.last] + [self._next() for _ in range(self.u)]
    self.last = batches[-1]
    return batches


def test_char_batches_equal_the_stateful_generator_with_wrapping():
  ids = data_lib.encode("the quick brown fox jumps")  # 25 chars: wraps soon
  gen = NotebookBatchGenerator(ids, 3, 4)
  for step in range(9):
    want = np.stack(gen.next())
    got = data_lib.one_hot(data_lib.char_batches(ids, 3, 4, step))
    np.testing.assert_array_equal(got, want, err_msg="step %d" % step)


def test_char_batch_layout():
  ids = data_lib.encode("abcdefghijkl")
  batch = data_lib.char_batches(ids, 2, 3, 1)  # segments at 0 and 6
  assert data_lib.vocabulary().decode(batch[:, 0]) == list("defg")
  assert data_lib.vocabulary().decode(batch[:, 1]) == list("jkla")


def test_bigram_batches():
  ids = data_lib.encode("abcdefghijkl")
  bigrams, labels = data_lib.bigram_batches(ids, 2, 3, 0)
  # segment 0 starts at 'a', preceded by the text's last character 'l'
  assert bigrams[:, 0].tolist() == [12 * 27 + 1, 1 * 27 + 2, 2 * 27 + 3]
  assert labels[:, 0].tolist() == [2, 3, 4]  # b c d
  assert bigrams[:, 1].tolist() == [6 * 27 + 7, 7 * 27 + 8, 8 * 27 + 9]
  # the next call continues where this one ended
  nxt, nxt_labels = data_lib.bigram_batches(ids, 2, 3, 1)
  assert nxt[0, 0] == 3 * 27 + 4 and nxt_labels[0, 0] == 5
  assert bigrams.max() < data_lib.BIGRAM_VOCAB_SIZE


def test_validation_pairs_wrap_like_the_batch_1_generator():
  valid = data_lib.encode("hello world")
  inputs, labels = data_lib.valid_pairs(valid)
  gen = NotebookBatchGenerator(valid, 1, 1)
  for k in range(len(valid) + 3):  # a second pass repeats the first
    x, y = gen.next()
    j = k % len(valid)
    assert (x.argmax(), y.argmax()) == (inputs[j], labels[j])
  bigrams, blabels = data_lib.valid_bigram_pairs(valid)
  assert bigrams[0] == 4 * 27 + 8 and blabels[-1] == 8  # 'd' 'h', then 'h'


def test_reduce_text_notes_what_changed():
  assert data_lib.reduce_text("only letters here") == ("only letters here",
                                                       None)
  text, note = data_lib.reduce_text("Hello,  World!\nIt's 42.")
  assert text == "hello world its "
  assert "lowercased 3 letters" in note
  assert "dropped 6 characters" in note
  assert "single spaces" in note


def test_corpus_too_small_is_one_clear_error():
  with pytest.raises(CorpusError, match="need 1024.*--corpus"):
    data_lib.text8_data("ab " * 100, 4, 5, valid_size=1000)
