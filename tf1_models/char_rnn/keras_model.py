"""The char_rnn model as Keras 3 layers.

TF1 construct                          Keras 3 equivalent
-------------------------------------  ---------------------------------------
``embedding`` + ``embedding_lookup``   ``Embedding(vocab+1, rnn_size)``,
                                       uniform(-1, 1)
``MultiRNNCell`` + ``dynamic_rnn``     one ``SimpleRNN``/``GRU``/``LSTM`` per
                                       layer, ``return_sequences=True``
GRUCell                                ``GRU(reset_after=False)`` (Keras's
                                       default ``True`` is another function)
``Variable``/``Variable_1`` softmax    ``Dense(vocab+1)``, truncated normal
                                       (stddev 1, as the seed)
Adam (epsilon 1e-8)                    ``Adam(epsilon=1e-8)`` (Keras's default
                                       is 1e-7)
softmax_cross_entropy on one-hots      ``SparseCategoricalCrossentropy(
                                       from_logits=True)``

``tie_layers`` has no Keras form: converted weights are copied into every
layer (and converting back checks that the copies are still equal).

``KerasCharRNN.model`` maps ids ``[batch, time]`` to logits; ``step_model``
also takes and returns the recurrent states, for generation.
"""

import keras
import numpy as np

from tf1_models.pick import pick_numpy


def recurrent_layer(model, units, name):
  common = dict(return_sequences=True, return_state=True, name=name)
  if model == "rnn":
    return keras.layers.SimpleRNN(units, **common)
  if model == "gru":
    return keras.layers.GRU(units, reset_after=False, **common)
  if model == "lstm":
    return keras.layers.LSTM(units, **common)
  raise ValueError("unknown model %r; choose rnn, gru or lstm" % model)


def states_per_layer(model):
  return 2 if model == "lstm" else 1


class KerasCharRNN(object):
  """Embedding -> stacked recurrent layers -> Dense logits."""

  def __init__(self, model, vocab_size, rnn_size=128, num_layers=2):
    self.model_type = model
    self.vocab_size = vocab_size
    self.rnn_size = rnn_size
    self.num_layers = num_layers
    self.embedding = keras.layers.Embedding(
        vocab_size + 1, rnn_size, name="embedding",
        embeddings_initializer=keras.initializers.RandomUniform(-1.0, 1.0))
    self.rnns = [recurrent_layer(model, rnn_size, "rnn_%d" % k)
                 for k in range(num_layers)]
    self.softmax = keras.layers.Dense(
        vocab_size + 1, name="softmax",
        kernel_initializer=keras.initializers.TruncatedNormal(stddev=1.0))

    ids = keras.Input((None,), dtype="int32", name="ids")
    self.model = keras.Model(ids, self._forward(ids, None)[0],
                             name="char_rnn")
    n = states_per_layer(model) * num_layers
    state_in = [keras.Input((rnn_size,), name="state_%d" % i)
                for i in range(n)]
    logits, state_out = self._forward(ids, state_in)
    self.step_model = keras.Model([ids] + state_in, [logits] + state_out,
                                  name="char_rnn_step")

  def _forward(self, ids, states):
    x = self.embedding(ids)
    per = states_per_layer(self.model_type)
    out_states = []
    for k, layer in enumerate(self.rnns):
      init = None if states is None else states[k * per:(k + 1) * per]
      x, *st = layer(x, initial_state=init)
      out_states.extend(st)
    return self.softmax(x), out_states

  def compile(self, learning_rate):
    self.model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, epsilon=1e-8),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

  def zero_states(self, batch_size=1):
    n = states_per_layer(self.model_type) * self.num_layers
    return [np.zeros((batch_size, self.rnn_size), np.float32)
            for _ in range(n)]

  def zero_state_tensors(self, batch_size=1):
    """``zero_states`` as a tuple of backend tensors (for ``step_fn``)."""
    return tuple(keras.ops.convert_to_tensor(s)
                 for s in self.zero_states(batch_size))

  def step_fn(self, ids, states):
    """One symbol: ``ids [batch]``, states -> ``(logits [batch, vocab],
    states)``; the softmax's extra "unknown" class is left out, as in the
    TF1 sampler. Traceable (e.g. in a ``tf.while_loop``)."""
    out = self.step_model([keras.ops.reshape(ids, (-1, 1))] + list(states))
    return out[0][:, -1, :self.vocab_size], tuple(out[1:])

  def generate(self, prime_ids, length, temperature=0.0, top_k=0,
               end_id=-1, seed=0):
    """Feed ``prime_ids``, then pick up to ``length`` ids (a NumPy loop over
    ``step_model.predict_on_batch``: compiled once per backend, where an
    eager call would retrace JAX's scan for every character)."""
    rng = np.random.RandomState(seed)
    states = self.zero_states()
    for i in prime_ids[:-1]:
      out = self.step_model.predict_on_batch(
          [np.array([[i]], np.int32)] + states)
      states = list(out[1:])
    token, ids = prime_ids[-1], []
    for _ in range(length):
      out = self.step_model.predict_on_batch(
          [np.array([[token]], np.int32)] + states)
      states = list(out[1:])
      logits = out[0][0, -1, :self.vocab_size]  # no "unknown"
      token = pick_numpy(logits, temperature, top_k, rng)
      ids.append(token)
      if token == end_id:
        break
    return ids
