"""``tf1_models.keras_ops`` (keras.ops only) against TensorFlow's own ops.

``sampled_softmax_loss``: given the same sampled candidates (one of them an
accidental hit), the same per-example loss and the same gradients for the
weights, biases and inputs as ``tf.nn.sampled_softmax_loss``. Here on the
TensorFlow backend; ``test_keras_backends`` runs ``keras_sampled_softmax``
on JAX and PyTorch against the same reference.
"""

import numpy as np

V, D, N, S = 12, 5, 4, 6


def sampled_softmax_inputs():
  rng = np.random.RandomState(0)
  weights = rng.normal(0, 1, (V, D)).astype(np.float32)
  biases = rng.normal(0, 1, (V,)).astype(np.float32)
  inputs = rng.normal(0, 1, (N, D)).astype(np.float32)
  labels = np.array([[1], [4], [7], [4]], np.int64)
  sampled = np.array([4, 0, 9, 2, 11, 3], np.int64)  # 4: accidental hits
  true_expected = rng.uniform(0.1, 1.0, (N, 1)).astype(np.float32)
  sampled_expected = rng.uniform(0.1, 1.0, (S,)).astype(np.float32)
  return dict(weights=weights, biases=biases, inputs=inputs, labels=labels,
              sampled=sampled, true_expected=true_expected,
              sampled_expected=sampled_expected)


def tf_sampled_softmax(a):
  """TF's op: per-example loss and gradients of its sum."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  w, b, x = (tf.Variable(a[k]) for k in ("weights", "biases", "inputs"))
  with tf.GradientTape() as tape:
    loss = tf.nn.sampled_softmax_loss(
        w, b, a["labels"], x, num_sampled=S, num_classes=V,
        sampled_values=(a["sampled"], a["true_expected"],
                        a["sampled_expected"]),
        remove_accidental_hits=True)
    total = tf.reduce_sum(loss)
  grads = tape.gradient(total, [w, b, x])
  return dict(loss=loss.numpy(),
              grads=[tf.convert_to_tensor(g).numpy() for g in grads])


def keras_sampled_softmax(a):
  """The same through ``keras_ops`` on the current Keras backend."""
  import keras  # pylint: disable=import-outside-toplevel
  from tf1_models import keras_backend  # pylint: disable=import-outside-toplevel
  from tf1_models.keras_ops import sampled_softmax_loss  # pylint: disable=import-outside-toplevel
  variables = [keras.Variable(a[k]) for k in ("weights", "biases", "inputs")]
  values = (a["sampled"], a["true_expected"], a["sampled_expected"])

  def per_example():
    return sampled_softmax_loss(*variables[:2], a["labels"], variables[2],
                                values)

  _, grads = keras_backend.value_and_grad(
      lambda: keras.ops.sum(per_example()), variables)
  return dict(loss=keras.ops.convert_to_numpy(per_example()),
              grads=[keras.ops.convert_to_numpy(g) for g in grads])


def assert_sampled_softmax_close(got, want):
  np.testing.assert_allclose(got["loss"], want["loss"], rtol=1e-5, atol=1e-6)
  for name, g, w in zip(("weights", "biases", "inputs"), got["grads"],
                        want["grads"]):
    np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6, err_msg=name)


def test_sampled_softmax_loss_and_gradients_match_tf():
  a = sampled_softmax_inputs()
  want = tf_sampled_softmax(a)
  assert np.abs(want["grads"][0]).sum() > 0
  assert_sampled_softmax_close(keras_sampled_softmax(a), want)


def test_accidental_hit_matters():
  """Without removing hits TF's loss differs: the case above tests it."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  a = sampled_softmax_inputs()
  kept = tf.nn.sampled_softmax_loss(
      a["weights"], a["biases"], a["labels"], a["inputs"], S, V,
      sampled_values=(a["sampled"], a["true_expected"],
                      a["sampled_expected"]),
      remove_accidental_hits=False).numpy()
  removed = tf_sampled_softmax(a)["loss"]
  assert not np.allclose(kept[[1, 3]], removed[[1, 3]], rtol=1e-3)
  np.testing.assert_allclose(kept[[0, 2]], removed[[0, 2]], rtol=1e-6)
