"""The word2vec models as Keras 3 layers.

TF1 construct                           Keras 3 equivalent
--------------------------------------  --------------------------------------
``embeddings`` + ``embedding_lookup``   ``Embedding(V, D)``, uniform(-1, 1)
CBOW ``reduce_sum``/``reduce_mean``     ``keras.ops.sum``/``mean`` over the
over the context                        context axis
``softmax_weights [V, D]``,             ``SampledSoftmax`` layer: ``kernel``
``softmax_biases [V]``                  ``[V, D]`` (TF1's layout, not
                                        ``Dense``'s ``[D, V]``: the sampled
                                        loss gathers rows), ``bias [V]``
``tf.nn.sampled_softmax_loss``          ``SampledSoftmax.sampled_loss``
                                        (``keras_ops.sampled_softmax_loss``):
                                        the same logits (true class first, log
                                        expected counts subtracted, accidental
                                        hits pushed to -FLT_MAX) for given
                                        candidates (drawn TF-side by
                                        ``model.sample_candidates``)
``AdagradOptimizer(lr)``                ``Adagrad(lr, initial_accumulator_
                                        value=0.1, epsilon=0.0)``: TF1 divides
                                        by ``sqrt(accum)``; Keras by
                                        ``sqrt(accum + epsilon)`` with epsilon
                                        1e-7 by default. The initial
                                        accumulator (0.1) is the same in both;
                                        it is pinned anyway.

Sparse gradients: TF1's optimizer sums the rows of an ``IndexedSlices``
gradient that share an id before squaring them into the accumulator; Keras
3's Adagrad squares each occurrence, so a word seen twice in a batch would
get ``g1^2 + g2^2`` instead of ``(g1 + g2)^2``. ``train_step`` takes dense
gradients (``keras_backend.value_and_grad``, which sums duplicates) to match
TF1. No TensorFlow here: the model runs on any Keras 3 backend.
"""

import math

import keras
import numpy as np
from keras import ops

from tf1_models import keras_backend
from tf1_models.keras_ops import sampled_softmax_loss

MODELS = ("skipgram", "cbow")
COMBINERS = ("sum", "mean")


def adagrad(learning_rate):
  """Keras Adagrad doing TF1's ``AdagradOptimizer`` update."""
  return keras.optimizers.Adagrad(learning_rate,
                                  initial_accumulator_value=0.1, epsilon=0.0)


class SampledSoftmax(keras.layers.Layer):
  """Output weights ``kernel [V, D]`` and ``bias [V]``; ``call`` gives the
  full logits, ``sampled_loss`` TF1's sampled softmax loss per example."""

  def __init__(self, num_classes, **kwargs):
    super().__init__(**kwargs)
    self.num_classes = num_classes

  def build(self, input_shape):
    dim = input_shape[-1]
    self.kernel = self.add_weight(
        name="kernel", shape=(self.num_classes, dim),
        initializer=keras.initializers.TruncatedNormal(
            stddev=1.0 / math.sqrt(dim)))
    self.bias = self.add_weight(name="bias", shape=(self.num_classes,),
                                initializer="zeros")

  def call(self, inputs):
    return ops.matmul(inputs, ops.transpose(self.kernel)) + self.bias

  def full_loss(self, inputs, labels):
    """Softmax cross-entropy over all classes, per example."""
    return keras.losses.sparse_categorical_crossentropy(
        ops.reshape(labels, (-1,)), self(inputs), from_logits=True)

  def sampled_loss(self, inputs, labels, sampled_values):
    """Per-example loss of the true class against the sampled ones."""
    return sampled_softmax_loss(self.kernel, self.bias, labels, inputs,
                                sampled_values)


class KerasWord2Vec(object):
  """Embedding (+ CBOW combiner) -> ``SampledSoftmax``.

  ``encoder`` maps word ids (skip-gram ``[B]``, CBOW ``[B, 2*skip_window]``)
  to the vectors the softmax sees; ``model`` maps them to full logits.
  """

  def __init__(self, model, vocab_size, embedding_size=128, skip_window=1,
               combiner="sum", num_sampled=64, learning_rate=1.0):
    if model not in MODELS:
      raise ValueError("unknown model %r; choose skipgram or cbow" % model)
    if combiner not in COMBINERS:
      raise ValueError("unknown combiner %r; choose sum or mean" % combiner)
    self.model_type = model
    self.vocab_size = vocab_size
    self.num_sampled = num_sampled
    self.embedding = keras.layers.Embedding(
        vocab_size, embedding_size, name="embedding",
        embeddings_initializer=keras.initializers.RandomUniform(-1.0, 1.0))
    self.softmax = SampledSoftmax(vocab_size, name="softmax")
    shape = () if model == "skipgram" else (2 * skip_window,)
    ids = keras.Input(shape, dtype="int32", name="ids")
    x = self.embedding(ids)
    if model == "cbow":
      x = ops.sum(x, axis=1) if combiner == "sum" else ops.mean(x, axis=1)
    self.encoder = keras.Model(ids, x, name=model)
    self.model = keras.Model(ids, self.softmax(x), name=model + "_logits")
    self.optimizer = adagrad(learning_rate)

  @property
  def variables(self):
    """Embeddings, softmax kernel, softmax bias (TF1's creation order)."""
    return [self.embedding.embeddings, self.softmax.kernel, self.softmax.bias]

  def full_loss(self, inputs, labels):
    return ops.mean(self.softmax.full_loss(self.encoder(inputs), labels))

  def sampled_loss(self, inputs, labels, sampled_values):
    """``sampled_values``: see ``model.sample_candidates``."""
    return ops.mean(self.softmax.sampled_loss(self.encoder(inputs), labels,
                                              sampled_values))

  def gradients(self, inputs, labels, sampled_values):
    """``(loss, dense gradients of self.variables)``: dense, duplicates
    summed (see the module docstring: TF1 vs Keras 3 Adagrad on sparse
    gradients)."""
    return keras_backend.value_and_grad(
        lambda: self.sampled_loss(inputs, labels, sampled_values),
        self.variables)

  def train_step(self, inputs, labels, sampled_values):
    """One Adagrad step on the sampled softmax loss; returns the loss."""
    loss, grads = self.gradients(inputs, labels, sampled_values)
    self.optimizer.apply_gradients(zip(grads, self.variables))
    return float(loss)

  def normalized_embeddings(self):
    emb = ops.convert_to_numpy(self.embedding.embeddings)
    return emb / np.sqrt(np.sum(np.square(emb), axis=1, keepdims=True))
