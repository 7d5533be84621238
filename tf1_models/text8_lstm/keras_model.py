"""The 6_lstm models as Keras 3 layers.

TF1 construct (notebook)                Keras 3 equivalent
--------------------------------------  --------------------------------------
hand-written cell, separate or fused    ``LSTM(nodes, stateful=True,
gates (i, f, c, o; no forget bias)      return_sequences=True,
                                        unit_forget_bias=False)``: Keras's
                                        gate order is i, f, c, o too, so the
                                        fused matrices are its weights as-is
``saved_output``/``saved_state``        the stateful LSTM's ``states`` (h, c);
carried between batches                 ``reset_state()`` zeroes them
``reset_sample_state`` + batch-1 cell   validation: a second model built for
                                        batch 1 (``with_batch_size(1)``), same
                                        weights; sampling: the LSTM's cell
                                        stepped from zeros (``generate``)
one-hot placeholders, time-major list   one-hot ``[batch, time, 27]``
                                        (bigram: ids ``[batch, time]``)
``embedding_lookup(embeddings, ids)``   ``Embedding(729, E)``, uniform(-1, 1)
``tf.nn.dropout`` on inputs, outputs    ``Dropout(1 - keep_prob)`` before and
                                        after the LSTM (different random
                                        streams: masks never match TF1's)
``xw_plus_b(outputs, w, b)``            ``Dense(27)``
truncated_normal(shape, -0.1, 0.1)      ``TruncatedNormal(mean=-0.1,
                                        stddev=0.1)``
SGD + exponential_decay(staircase)      ``SGD(ExponentialDecay(10, 5000, 0.1,
                                        staircase=True), global_clipnorm=1.25)``
+ clip_by_global_norm(1.25)             (JAX, PyTorch: ``train_on_batch``
                                        clips with TF1's norm itself)
mean softmax cross-entropy              ``SparseCategoricalCrossentropy(
                                        from_logits=True)``
"""

import keras
import numpy as np
from keras import ops

from tf1_models import keras_backend, keras_ops
from tf1_models.pick import pick_numpy
from tf1_models.text8_lstm import data as data_lib


def _notebook_normal():
  return keras.initializers.TruncatedNormal(mean=-0.1, stddev=0.1)


class KerasText8LSTM(object):
  """(Embedding -> Dropout ->) stateful LSTM (-> Dropout) -> Dense logits."""

  def __init__(self, variant, num_nodes=64, batch_size=64,
               embedding_size=128, keep_prob=1.0):
    self.variant = variant
    self.num_nodes = num_nodes
    self.batch_size = batch_size
    self.embedding_size = embedding_size
    self.keep_prob = keep_prob
    self.model = self._build()
    self.lstm = self.model.get_layer("lstm")

  def _build(self):
    bigram = self.variant == "bigram"
    if bigram:
      inp = keras.Input((None,), batch_size=self.batch_size, dtype="int32",
                        name="bigrams")
      x = keras.layers.Embedding(
          data_lib.BIGRAM_VOCAB_SIZE, self.embedding_size, name="embeddings",
          embeddings_initializer=keras.initializers.RandomUniform(-1.0, 1.0)
      )(inp)
      x = keras.layers.Dropout(1.0 - self.keep_prob, name="input_dropout")(x)
    else:
      inp = keras.Input((None, data_lib.VOCAB_SIZE),
                        batch_size=self.batch_size, name="one_hots")
      x = inp
    x = keras.layers.LSTM(
        self.num_nodes, stateful=True, return_sequences=True,
        unit_forget_bias=False, kernel_initializer=_notebook_normal(),
        recurrent_initializer=_notebook_normal(), bias_initializer="zeros",
        name="lstm")(x)
    if bigram:
      x = keras.layers.Dropout(1.0 - self.keep_prob, name="output_dropout")(x)
    logits = keras.layers.Dense(data_lib.VOCAB_SIZE, name="classifier",
                                kernel_initializer=_notebook_normal())(x)
    return keras.Model(inp, logits, name="text8_lstm_" + self.variant)

  def compile(self, learning_rate=10.0, decay_steps=5000, decay_rate=0.1,
              clip_norm=1.25, own_clip=None):
    """SGD on the staircase decay, clipped by global norm ``clip_norm``:
    by Keras's ``global_clipnorm`` on TensorFlow, by ``train_on_batch``
    itself on JAX and PyTorch (see there). ``own_clip=True``: by
    ``train_on_batch`` on TensorFlow too (a multi-process step, which
    clips the workers' mean gradient)."""
    self.clip_norm = clip_norm
    schedule = keras.optimizers.schedules.ExponentialDecay(
        learning_rate, decay_steps, decay_rate, staircase=True)
    if own_clip is None:
      own_clip = keras.backend.backend() != "tensorflow"
    self.own_clip = own_clip
    self.model.compile(
        optimizer=keras.optimizers.SGD(
            schedule, global_clipnorm=None if own_clip else clip_norm),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

  def train_on_batch(self, x, y, mean=None):
    """One clipped SGD step carrying the LSTM state, on every backend;
    returns the loss. TensorFlow: ``model.train_on_batch`` (the embedding's
    gradient is an ``IndexedSlices``, and Keras's ``global_clipnorm``, like
    TF1's ``clip_by_global_norm``, counts each occurrence of a row in it).

    JAX and PyTorch: Keras 3's JAX trainer compiles the step with the
    stateful layer's states as constants (they are not among the variables
    it threads through), so every step would start from the states of its
    first trace and carry nothing. The step is ``keras_backend.
    value_and_grad`` (stateless), then an eager forward pass on the same
    batch with the same pre-update weights carries the state, as TF1's
    ``saved_output``/``saved_state`` (with dropout that pass draws its own
    masks). Dense gradients there sum a repeated bigram's rows before any
    norm is taken, so the embedding's share of the global norm is taken
    from the gradient of the gathered rows (zeros added to the embedding's
    output), one row per occurrence, as TF1's; the clipped dense gradients
    then go to the (unclipped) optimizer.

    Across processes (``mean``, a ``keras_distributed.GradientMean``;
    compiled with ``own_clip=True``): ``x, y`` are this worker's rows of
    the step's batch and the LSTM carries their state. The loss and the
    dense gradients are averaged over the workers before the clip, and the
    embedding's per-occurrence share of the norm is the workers' sums of
    squares over ``N**2`` (each occurrence's gradient in the loss of all
    the rows is ``1/N`` of its gradient in this worker's loss): the clipped
    update is the one of one process on all the rows."""
    if not self.own_clip:
      return float(self.model.train_on_batch(x, y))
    variables = self.model.trainable_variables
    bigram = self.variant == "bigram"
    offsets = ([ops.zeros(tuple(np.shape(x)) + (self.embedding_size,))]
               if bigram else [])

    def loss_fn(*offsets):
      return self.model.loss(y, self._logits(x, offsets))

    loss, grads, row_grads = keras_backend.value_and_grad(
        loss_fn, variables, offsets)
    if mean is not None:
      squares = sum(float(ops.sum(ops.square(g))) for g in row_grads)
      averaged = mean([loss, np.float32(squares)] + list(grads))
      loss, grads = averaged[0], averaged[2:]
      row_grads = [np.sqrt(averaged[1] / mean.num_workers)]
    embedding = (self.model.get_layer("embeddings").embeddings
                 if bigram else None)
    norm = keras_ops.global_norm(
        [g for v, g in zip(variables, grads) if v is not embedding] +
        row_grads)
    grads = keras_ops.clip_by_global_norm(grads, self.clip_norm, norm)
    self.model(x, training=True)  # assigns the carried states
    self.model.optimizer.apply_gradients(zip(grads, variables))
    return float(loss)

  def _logits(self, x, offsets):
    """The model's training pass, ``offsets[0]`` (bigram) added to the
    embedding's output."""
    h = x
    for layer in self.model.layers:
      if isinstance(layer, keras.layers.InputLayer):
        continue
      h = layer(h, training=True)
      if layer.name == "embeddings":
        h = h + offsets[0]
    return h

  def model_inputs(self, ids):
    """Model input for ``[batch, time]`` ids (bigram ids or characters)."""
    if self.variant == "bigram":
      return np.asarray(ids, np.int32)
    return data_lib.one_hot(ids)

  def batch(self, data, step):
    """``(x, y)`` of global step ``step``, batch-major."""
    if self.variant == "bigram":
      bigrams, labels = data.bigram_batch(step)
      return self.model_inputs(bigrams.T), labels.T
    chars = data.char_batch(step)
    return self.model_inputs(chars[:-1].T), chars[1:].T

  def with_batch_size(self, batch_size):
    """A copy for another batch size (a stateful layer's batch is fixed)."""
    other = KerasText8LSTM(self.variant, self.num_nodes, batch_size,
                           self.embedding_size, self.keep_prob)
    other.model.set_weights(self.model.get_weights())
    return other

  def step_model(self):
    """A one-symbol, batch-1 model for serving: ``[x, h, c] -> [logits, h,
    c]``, ``x`` one one-hot character ``[1, 1, 27]`` (bigram: one bigram id
    ``[1, 1]``). A stateless LSTM holding this model's weights; the state is
    passed in and out instead of carried, and dropout is off (inference)."""
    bigram = self.variant == "bigram"
    if bigram:
      x = keras.Input((1,), batch_size=1, dtype="int32", name="bigram")
      y = self.model.get_layer("embeddings")(x)
    else:
      x = keras.Input((1, data_lib.VOCAB_SIZE), batch_size=1, name="one_hot")
      y = x
    h = keras.Input((self.num_nodes,), batch_size=1, name="h")
    c = keras.Input((self.num_nodes,), batch_size=1, name="c")
    lstm = keras.layers.LSTM(self.num_nodes, return_state=True,
                             unit_forget_bias=False, name="step_lstm")
    out, h_out, c_out = lstm(y, initial_state=[h, c])
    lstm.set_weights(self.lstm.get_weights())
    logits = self.model.get_layer("classifier")(out)
    return keras.Model([x, h, c], [logits, h_out, c_out],
                       name="text8_lstm_step")

  def validation_perplexity(self, valid_ids):
    """The notebook's validation figure: batch 1 from a zero state, every
    character predicted from the ones before it (one pass over the same
    pairs the TF1 graph scores one ``session.run`` at a time)."""
    if self.variant == "bigram":
      inputs, labels = data_lib.valid_bigram_pairs(valid_ids)
    else:
      inputs, labels = data_lib.valid_pairs(valid_ids)
    scorer = self.with_batch_size(1)
    scorer.lstm.reset_state()
    logits = ops.convert_to_numpy(scorer.model(scorer.model_inputs(inputs[None]),
                                     training=False))[0].astype(np.float64)
    logits -= logits.max(-1, keepdims=True)
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    p = np.maximum(p[np.arange(len(labels)), labels], 1e-10)
    return float(np.exp(-np.log(p).mean()))

  def generate(self, prime_ids, length, temperature=1.0, top_k=0, seed=0):
    """Sampling with feedback: feed ``prime_ids``, then each picked
    character; returns the ``length`` picked ids. One character at a time
    through the LSTM's cell from a zero state (the notebook's batch-1
    sampling cell), eagerly: calling the layer on one step would run a
    one-step scan, which JAX compiles again at every call."""
    bigram = self.variant == "bigram"
    embedding = self.model.get_layer("embeddings") if bigram else None
    classifier = self.model.get_layer("classifier")
    state = [ops.zeros((1, self.num_nodes)), ops.zeros((1, self.num_nodes))]
    rng = np.random.RandomState(seed)
    prev, ids = data_lib.ALPHABET.index(" "), []
    history = list(prime_ids)
    for k in range(len(prime_ids) - 1 + length):
      cur = history[k]
      if bigram:
        x = embedding(np.asarray([data_lib.bigram_ids(prev, cur)], np.int32))
      else:
        x = data_lib.one_hot([cur])
      out, state = self.lstm.cell(x, state, training=False)
      prev = cur
      if k >= len(prime_ids) - 1:
        logits = ops.convert_to_numpy(classifier(out))[0]
        token = pick_numpy(logits, temperature, top_k, rng)
        ids.append(token)
        history.append(token)
    return ids
