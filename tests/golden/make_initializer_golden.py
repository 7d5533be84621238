"""Record TensorFlow 1.15's seeded initial weights for
tests/compat/test_upgrade_patterns.py.

Run with a TF 1.15 interpreter:

    /tmp/tf1/bin/python tests/golden/make_initializer_golden.py

Writes ``tf1_initializers.json`` next to this file: for each TF1 initialiser
as 2017-era code wrote it (``tf.contrib.layers.xavier_initializer``,
``tf.keras.initializers.*``), the [4, 6] weights it gave under graph seed 42
with op seed 7. ``tf_upgrade_v2`` turns every one of them into a
``tf.compat.v1.keras.initializers`` name (the key); the test checks that,
after ``compat.install()``, those names give the same numbers on TF 2.x.
(With the graph seed alone TF 1.15 numbers its op seeds by the graph's op
count, which TF 2.x does not reproduce: see README.md here.)
"""

import json
import os

import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPE = [4, 6]
SEED = 7

# upgraded spelling (as tf_upgrade_v2 writes it) -> original TF1 initialiser
CASES = {
    'VarianceScaling(scale=1.0, mode="fan_avg", distribution="uniform", '
    'seed=7)': lambda: tf.contrib.layers.xavier_initializer(seed=SEED),
    'glorot_uniform(seed=7)':
        lambda: tf.keras.initializers.glorot_uniform(seed=SEED),
    'he_normal(seed=7)': lambda: tf.keras.initializers.he_normal(seed=SEED),
    'RandomUniform(seed=7)':
        lambda: tf.keras.initializers.RandomUniform(seed=SEED),
    'TruncatedNormal(seed=7)':
        lambda: tf.keras.initializers.TruncatedNormal(seed=SEED),
    'Orthogonal(seed=7)': lambda: tf.keras.initializers.Orthogonal(seed=SEED),
}


def main():
  assert tf.__version__.startswith("1.15"), "run this with TF 1.15"
  out = {}
  for key, make in sorted(CASES.items()):
    with tf.Graph().as_default():
      tf.set_random_seed(42)
      w = tf.get_variable("w", SHAPE, initializer=make())
      with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out[key] = sess.run(w).tolist()
  with open(os.path.join(HERE, "tf1_initializers.json"), "w") as f:
    json.dump(out, f, indent=0, sort_keys=True)
    f.write("\n")


if __name__ == "__main__":
  main()
