"""Choosing the next symbol in NumPy, for the Keras twins' generation loops.

The rules are ``sampling.pick``'s (TF1's in-graph picker), without
TensorFlow, so a twin generates text on any Keras 3 backend (and on a
machine with no TensorFlow installed).
"""

import numpy as np


def pick_numpy(logits, temperature, top_k, rng):
  """``pick`` for one row of logits in NumPy (eager/Keras generation)."""
  logits = np.asarray(logits, np.float64)
  if temperature <= 0:
    return int(np.argmax(logits))
  scaled = logits / temperature
  if 0 < top_k < scaled.size:
    kth = np.sort(scaled)[-top_k]
    scaled = np.where(scaled < kth, -np.inf, scaled)
  p = np.exp(scaled - scaled.max())
  p /= p.sum()
  return int(rng.choice(p.size, p=p))
