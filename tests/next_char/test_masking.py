"""Short windows: TF1 ``sequence_length`` vs a Keras mask, and where the two
differ.

* The 16-character prime "Once upon a time", right-padded to the 100-step
  window, gives the same prediction as the 16 characters run unpadded: in
  TF1 (``sequence_length`` + last valid output) and in Keras (mask).
* Right padding is the side that works for both: TF1's ``sequence_length``
  means "the first n steps", so a left-padded window feeds the pads to the
  forward cell; a Keras mask skips masked steps on either side.
* Per-step outputs past the end: zeros in TF1; a masked Keras ``SimpleRNN``
  (``return_sequences=True``) repeats the last valid output there, while
  ``Bidirectional`` forces zeros (it sets ``zero_output_for_mask``).
* The backward direction: TF1 reverses each row's first ``length`` steps
  (``reverse_sequence``) and reverses the outputs back; Keras's backward
  layer (``go_backwards``) with a right-padded mask skips the pads, then
  reads the valid steps last to first. Both agree on every valid step, and
  the backward output that has read the whole window is at time 0, not at
  ``length - 1``. Without a mask the Keras backward pass starts on the pads.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.next_char import helpers as h
from tf1_models.next_char import convert, data as data_lib
from tf1_models.next_char import keras_model, model as model_lib

v1 = tf.compat.v1

PRIME = "Once upon a time"
TEXT = PRIME + ", in a land far away.\n"
SEQ_LENGTH = 100


def tf1_probs(vocab_size, cell, bidirectional, weights, batches):
  """``[probs for (ids, lengths or None) in batches]`` from one TF1 graph."""
  with tf.Graph().as_default() as g:
    ep = model_lib.build_graph(vocab_size, cell, bidirectional, h.EMB,
                               h.HIDDEN)
    with v1.Session(graph=g) as sess:
      convert.assign_tf1(sess, weights)
      out = []
      for ids, lengths in batches:
        feed = {ep["ids"]: ids}
        if lengths is not None:
          feed[ep["lengths"]] = lengths
        out.append(sess.run(ep["probs"], feed))
  return out


@pytest.mark.parametrize("cell,bidirectional", [("rnn", False),
                                                ("gru", True),
                                                ("lstm", False),
                                                ("lstm", True)])
def test_short_prime_matches_unpadded(cell, bidirectional):
  vocab = data_lib.seed_vocabulary(TEXT)
  prime = vocab.encode(PRIME)
  assert len(prime) == 16
  keras.utils.set_random_seed(0)
  net = keras_model.NextCharModel(len(vocab), cell, bidirectional, h.EMB,
                                  h.HIDDEN, seq_length=SEQ_LENGTH)
  weights = convert.keras_to_tf1(convert.get_keras_weights(net), cell,
                                 bidirectional)
  right, lengths = data_lib.pad_windows([prime], SEQ_LENGTH)
  assert lengths.tolist() == [16] and right[0, 16:].tolist() == [0] * 84
  left = np.roll(right, SEQ_LENGTH - 16, axis=1)  # pads first
  unpadded = np.array([prime], np.int32)

  tf1_unpadded, tf1_right, tf1_left = tf1_probs(
      len(vocab), cell, bidirectional, weights,
      [(unpadded, None), (right, lengths), (left, lengths)])
  np.testing.assert_allclose(tf1_right, tf1_unpadded, atol=1e-6)
  # Left padding + sequence_length runs the forward cell over 16 pads.
  assert np.abs(tf1_left - tf1_unpadded).max() > 1e-4

  keras_unpadded = np.asarray(net.unpadded(unpadded))
  np.testing.assert_allclose(keras_unpadded, tf1_unpadded, atol=1e-5)
  np.testing.assert_allclose(net.masked_model([right, lengths]),
                             keras_unpadded, atol=1e-6)
  # A Keras mask works on the left too (not used: TF1 cannot follow).
  left_mask = np.arange(SEQ_LENGTH)[None] >= SEQ_LENGTH - 16
  left_keras = net.dense(net.rnn(net.embedding(left), mask=left_mask))
  np.testing.assert_allclose(left_keras, keras_unpadded, atol=1e-6)
  # Without a mask the padding changes the prediction.
  assert np.abs(np.asarray(net.model(right)) - keras_unpadded).max() > 1e-4


def _sequence_layer(cell, bidirectional, rnn_weights, x, mask):
  layer = keras_model.recurrent_layer(cell, h.HIDDEN, bidirectional,
                                      return_sequences=True)
  layer(x, mask=mask)  # build
  layer.set_weights(rnn_weights)
  return np.asarray(layer(x, mask=mask)), np.asarray(layer(x))


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_outputs_past_the_end(cell):
  data = h.batch(h.MASKED_LENGTHS)
  x_ids, lengths, _ = data
  t = h.tf1_run(cell, False, data)
  kw = convert.tf1_to_keras(t["weights"], cell, False)
  x = np.asarray(kw["embedding"][0])[x_ids]
  mask = np.arange(h.TIME)[None] < lengths[:, None]
  masked, _ = _sequence_layer(cell, False, kw["rnn"], x, mask)
  for b, n in enumerate(lengths):
    np.testing.assert_allclose(masked[b, :n], t["outputs"][b, :n], atol=1e-5)
    # TF1: zeros past the end. Keras: the last valid output, repeated.
    assert not t["outputs"][b, n:].any()
    np.testing.assert_allclose(masked[b, n:],
                               np.repeat(masked[b, n - 1:n], h.TIME - n, 0))
  assert (lengths < h.TIME).any() and np.abs(masked[1, -1]).max() > 1e-3


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_bidirectional_backward_direction(cell):
  data = h.batch(h.MASKED_LENGTHS)
  x_ids, lengths, _ = data
  t = h.tf1_run(cell, True, data)
  fw, bw = t["outputs"]
  kw = convert.tf1_to_keras(t["weights"], cell, True)
  x = np.asarray(kw["embedding"][0])[x_ids]
  mask = np.arange(h.TIME)[None] < lengths[:, None]
  masked, unmasked = _sequence_layer(cell, True, kw["rnn"], x, mask)
  k_fw, k_bw = masked[..., :h.HIDDEN], masked[..., h.HIDDEN:]
  for b, n in enumerate(lengths):
    np.testing.assert_allclose(k_fw[b, :n], fw[b, :n], atol=1e-5)
    np.testing.assert_allclose(k_bw[b, :n], bw[b, :n], atol=1e-5)
    # Past the end both give zeros (Bidirectional forces them in Keras).
    assert not fw[b, n:].any() and not bw[b, n:].any()
    assert not masked[b, n:].any()
  # The features the models use: fw at length-1, bw at 0 (whole window).
  rows = np.arange(len(lengths))
  features = np.concatenate([fw[rows, lengths - 1], bw[:, 0]], -1)
  kw_dense = kw["dense"]
  logits = features @ kw_dense[0] + kw_dense[1]
  probs = np.exp(logits - logits.max(-1, keepdims=True))
  np.testing.assert_allclose(probs / probs.sum(-1, keepdims=True),
                             t["probs"], atol=1e-5)
  short = 1  # a row of length 3: bw at length-1 has seen one step only
  assert lengths[short] < h.TIME
  assert np.abs(bw[short, lengths[short] - 1] - bw[short, 0]).max() > 1e-3
  # Without the mask Keras's backward pass reads the pads first.
  assert np.abs(unmasked[short, 0, h.HIDDEN:] - bw[short, 0]).max() > 1e-3
