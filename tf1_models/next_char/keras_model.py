"""The seed's Keras model on Keras 3, plus GRU/LSTM and bidirectional forms.

The seed (written for Keras 2 / ``tf.keras``)::

  model = tf.keras.Sequential([
      tf.keras.layers.Embedding(len(chars), 256, input_length=seq_length),
      tf.keras.layers.SimpleRNN(256),
      tf.keras.layers.Dense(len(chars), activation='softmax')])
  model.compile(loss='sparse_categorical_crossentropy', optimizer='adam')

``seed_model`` is that model with the changes Keras 3 needs, and no others:

  1. ``Embedding(input_length=...)`` no longer exists (Keras 3 raises on the
     argument): the window length moves to ``keras.Input(shape=(seq_length,),
     dtype="int32")`` as the Sequential's first entry.
  2. ``import keras`` (Keras 3) instead of ``tf.keras``; the layer names and
     arguments are otherwise the seed's.
  3. Generation calls ``predict_on_batch`` on one fixed-shape padded window
     instead of ``model.predict`` on windows of growing length: Keras 3
     retraces ``predict`` for every new input shape, and ``predict`` sets up
     a data adapter per call (seconds per character in a 500-step loop).

``NextCharModel`` builds the same three layers (named ``embedding``, ``rnn``,
``dense``) for ``--cell=rnn|gru|lstm`` and ``--bidirectional``
(``keras.layers.Bidirectional``, ``merge_mode="concat"``), and two models
over them: ``model``, the seed's Sequential (full windows), and
``masked_model``, ``[ids, lengths] -> probs`` for right-padded short windows.

Masking: the mask is computed from ``lengths`` (``LengthMask``) and passed to
the recurrent layer, rather than ``Embedding(mask_zero=True)``: the seed's
vocabulary is ``sorted(set(text))``, so id 0 is a real character (``'\\n'``
in tinyshakespeare) and ``mask_zero`` would silently skip every newline.
With a mask Keras skips the padded steps and keeps the last valid state, so
the final output equals TF1's last valid output with ``sequence_length``.
Where the two differ is documented in ``tests/next_char/test_masking.py``:
per-step outputs past the end (TF1 zeros; a masked Keras ``SimpleRNN`` with
``return_sequences`` repeats the last valid output, while ``Bidirectional``
forces zeros), and the backward direction of a bidirectional layer (both
start the backward pass at the last valid step; a right-padded mask with
``go_backwards`` reproduces TF1's ``reverse_sequence`` by length).

Pinned for parity with the TF1 twin: ``GRU(reset_after=False)`` (Keras's
default ``True`` is another function, not TF1's ``GRUCell``). The LSTM and
SimpleRNN defaults already match TF1's BasicLSTMCell/BasicRNNCell (tanh,
sigmoid gates) once ``convert`` folds TF1's ``forget_bias`` into the bias.
"""

import keras
from keras import ops
import numpy as np

from tf1_models.pick import pick_numpy
from tf1_models.next_char.data import pad_windows


class LengthMask(keras.layers.Layer):
  """``[B, T]`` boolean mask: True for the first ``lengths[b]`` steps."""

  def call(self, ids, lengths):
    steps = ops.arange(ops.shape(ids)[1], dtype="int32")
    return ops.expand_dims(steps, 0) < ops.expand_dims(lengths, 1)

  def compute_output_shape(self, ids_shape, lengths_shape):
    return ids_shape


def recurrent_layer(cell, units, bidirectional=False, return_sequences=False,
                    name="rnn"):
  """The Keras layer for a TF1 cell (optionally wrapped bidirectionally)."""
  # Bidirectional names its own inner layers (forward_/backward_...).
  common = dict(return_sequences=return_sequences,
                name=None if bidirectional else name)
  if cell == "rnn":
    layer = keras.layers.SimpleRNN(units, **common)
  elif cell == "gru":
    layer = keras.layers.GRU(units, reset_after=False, **common)
  elif cell == "lstm":
    layer = keras.layers.LSTM(units, **common)
  else:
    raise ValueError("unknown cell %r; choose rnn, gru or lstm" % cell)
  if bidirectional:
    return keras.layers.Bidirectional(layer, merge_mode="concat", name=name)
  return layer


def seed_model(vocab_size, seq_length=100):
  """The seed's Sequential, with Keras 3's changes only (see above)."""
  return keras.Sequential([
      keras.Input(shape=(seq_length,), dtype="int32"),
      keras.layers.Embedding(vocab_size, 256),
      keras.layers.SimpleRNN(256),
      keras.layers.Dense(vocab_size, activation="softmax"),
  ])


class NextCharModel(object):
  """Embedding -> SimpleRNN/GRU/LSTM (maybe Bidirectional) -> Dense
  softmax, as a full-window Sequential and a masked functional model."""

  def __init__(self, vocab_size, cell="rnn", bidirectional=False,
               embedding_dim=256, rnn_size=256, seq_length=100):
    self.vocab_size = vocab_size
    self.seq_length = seq_length
    self.embedding = keras.layers.Embedding(vocab_size, embedding_dim,
                                            name="embedding")
    self.rnn = recurrent_layer(cell, rnn_size, bidirectional)
    self.dense = keras.layers.Dense(vocab_size, activation="softmax",
                                    name="dense")
    self.model = keras.Sequential([
        keras.Input(shape=(seq_length,), dtype="int32"), self.embedding,
        self.rnn, self.dense], name="next_char")
    ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    lengths = keras.Input(shape=(), dtype="int32", name="lengths")
    mask = LengthMask(name="length_mask")(ids, lengths)
    probs = self.dense(self.rnn(self.embedding(ids), mask=mask))
    self.masked_model = keras.Model([ids, lengths], probs,
                                    name="next_char_masked")

  def layers(self):
    return {"embedding": self.embedding, "rnn": self.rnn,
            "dense": self.dense}

  def unpadded(self, ids):
    """Probabilities for ``ids [B, t]`` with no padding and no mask."""
    return self.dense(self.rnn(self.embedding(ids)))

  def generate(self, prime_ids, length, temperature=0.0, seed=0):
    """The seed's loop: each new id is predicted from the last
    ``seq_length`` ids, right-padded to ``seq_length`` and masked."""
    rng = np.random.RandomState(seed)
    text, out = list(prime_ids), []
    for _ in range(length):
      ids, lengths = pad_windows([text], self.seq_length)
      probs = np.asarray(self.masked_model.predict_on_batch([ids, lengths]))
      token = pick_numpy(np.log(np.maximum(probs[0], 1e-30)),
                                  temperature, 0, rng)
      text.append(token)
      out.append(token)
    return out
