"""TF1 ops that Keras 3 lacks, written in ``keras.ops`` only, so they run on
every Keras 3 backend (TensorFlow, JAX, PyTorch).

``sampled_softmax_loss`` is ``tf.nn.sampled_softmax_loss`` for one true
class, given the sampled candidates: drawing them (TF's log-uniform
candidate sampler) stays on the TF1 side, and a test feeds the same draws to
both (tests/test_keras_backends.py checks loss and gradients against TF's
op on each backend).
"""

import numpy as np
from keras import ops

LOWEST = float(np.finfo(np.float32).min)


def sampled_softmax_loss(weights, biases, labels, inputs, sampled_values):
  """Per-example loss ``[N]`` of the true class against the sampled ones.

  ``weights [V, d]`` and ``biases [V]`` are TF1's layout (rows are
  gathered); ``labels [N]`` or ``[N, 1]``; ``inputs [N, d]``;
  ``sampled_values = (sampled [S], true_expected_count [N, 1],
  sampled_expected_count [S])``. As TF's op: the true logit comes first, the
  log of each expected count is subtracted, and a sampled class equal to
  the example's label (an accidental hit) is pushed to the lowest float32
  so it adds nothing. No gradient flows into the sampled values.
  """
  sampled, true_expected, sampled_expected = (
      ops.stop_gradient(ops.convert_to_tensor(v)) for v in sampled_values)
  sampled = ops.cast(sampled, "int32")
  labels = ops.cast(ops.reshape(labels, (-1,)), "int32")
  true_logits = (
      ops.sum(inputs * ops.take(weights, labels, axis=0), axis=1,
              keepdims=True) +
      ops.expand_dims(ops.take(biases, labels), 1) -
      ops.log(ops.reshape(ops.cast(true_expected, inputs.dtype), (-1, 1))))
  sampled_logits = (
      ops.matmul(inputs, ops.transpose(ops.take(weights, sampled, axis=0))) +
      ops.take(biases, sampled) -
      ops.log(ops.cast(sampled_expected, inputs.dtype)))
  hits = ops.equal(ops.expand_dims(labels, 1), ops.expand_dims(sampled, 0))
  sampled_logits = ops.where(hits, sampled_logits + LOWEST, sampled_logits)
  logits = ops.concatenate([true_logits, sampled_logits], axis=1)
  return ops.logsumexp(logits, axis=1) - logits[:, 0]


def global_norm(tensors):
  """``tf.global_norm``: the L2 norm of all ``tensors`` together. To count
  an embedding's gradient as TF1's ``IndexedSlices`` does (one row per
  occurrence of an id, duplicates not summed), pass the gradient of the
  gathered rows instead of the embedding's dense gradient (see
  ``keras_backend.value_and_grad``'s ``inputs``)."""
  return ops.sqrt(sum(ops.sum(ops.square(ops.cast(t, "float32")))
                      for t in tensors))


def clip_by_global_norm(tensors, clip_norm, norm):
  """``tf.clip_by_global_norm`` given the norm (``global_norm``): every
  tensor times ``clip_norm * min(1 / norm, 1 / clip_norm)``."""
  scale = clip_norm * ops.minimum(1.0 / norm, 1.0 / clip_norm)
  return [t * ops.cast(scale, t.dtype) for t in tensors]
