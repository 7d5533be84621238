"""``tf.compat.v1.keras.initializers`` as TF 1.x had it: seeded by the graph.

``tf_upgrade_v2`` rewrites TF1 initialisers into these names (e.g.
``tf.contrib.layers.xavier_initializer()`` becomes
``tf.compat.v1.keras.initializers.VarianceScaling(scale=1.0, mode="fan_avg",
distribution="uniform")``). In TF 1.x they were TensorFlow's graph
initialisers, so ``tf.compat.v1.set_random_seed`` made them reproducible. On
TF 2.16+ the same name is Keras 3's ``keras.initializers``, which ignores the
graph seed: every run of a converted model starts from other weights.

Here each name is TF's own v1 initialiser (``tf.compat.v1.*_initializer``,
still public in TF 2.x), which draws its op seed from the graph seed exactly
as TF 1.x did, with the defaults the TF 1.x Keras names had (``RandomUniform``
in [-0.05, 0.05], ``RandomNormal`` and ``TruncatedNormal`` with stddev 0.05).
``compat.install()`` puts this module at ``tf.compat.v1.keras.initializers``
(``seeded_initializers=True``, the default).
"""

import tensorflow as tf

_v1 = tf.compat.v1
_inits = _v1.initializers

Zeros = zeros = _v1.zeros_initializer
Ones = ones = _v1.ones_initializer
Constant = constant = _v1.constant_initializer
VarianceScaling = _v1.variance_scaling_initializer
Orthogonal = orthogonal = _v1.orthogonal_initializer
Identity = identity = _inits.identity
GlorotUniform = glorot_uniform = _v1.glorot_uniform_initializer
GlorotNormal = glorot_normal = _v1.glorot_normal_initializer
lecun_normal = _inits.lecun_normal
lecun_uniform = _inits.lecun_uniform
he_normal = _inits.he_normal
he_uniform = _inits.he_uniform
Initializer = _v1.zeros_initializer.__base__  # TF's v1 initialiser base


class RandomUniform(_v1.random_uniform_initializer):
  """TF 1.x Keras ``RandomUniform``: uniform in [-0.05, 0.05) by default."""

  def __init__(self, minval=-0.05, maxval=0.05, seed=None,
               dtype=tf.float32):
    super().__init__(minval=minval, maxval=maxval, seed=seed, dtype=dtype)


class RandomNormal(_v1.random_normal_initializer):
  """TF 1.x Keras ``RandomNormal``: stddev 0.05 by default."""

  def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype=tf.float32):
    super().__init__(mean=mean, stddev=stddev, seed=seed, dtype=dtype)


class TruncatedNormal(_v1.truncated_normal_initializer):
  """TF 1.x Keras ``TruncatedNormal``: stddev 0.05 by default."""

  def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype=tf.float32):
    super().__init__(mean=mean, stddev=stddev, seed=seed, dtype=dtype)


uniform = random_uniform = RandomUniform
normal = random_normal = RandomNormal
truncated_normal = TruncatedNormal

__all__ = [
    "Constant", "GlorotNormal", "GlorotUniform", "Identity", "Initializer",
    "Ones", "Orthogonal", "RandomNormal", "RandomUniform", "TruncatedNormal",
    "VarianceScaling", "Zeros", "constant", "glorot_normal", "glorot_uniform",
    "he_normal", "he_uniform", "identity", "lecun_normal", "lecun_uniform",
    "normal", "ones", "orthogonal", "random_normal", "random_uniform",
    "truncated_normal", "uniform", "zeros",
]
