"""The Keras twin's training and sampling speed on one Keras 3 backend.

Run by ``benchmark.py`` once per installed backend, in its own process
(Keras picks its backend at import)::

  python -m tf1_models.char_rnn.keras_speed jax '{"model": "gru", ...}'

prints one JSON line: ``train_chars_per_s`` (``train_on_batch``, random
batches, best of ``repeats``) and ``generate_s`` (``length`` greedy
characters through ``KerasCharRNN.generate``, best of ``repeats``). No
TensorFlow unless it is the backend. GRU is ``reset_after=False``, which
Keras runs on its generic (non-cuDNN, non-fused) path on every backend.
"""

import json
import sys
import time

import numpy as np


def best_time(fn, repeats):
  """The shortest of ``repeats`` wall-clock timings of ``fn()``."""
  times = []
  for _ in range(repeats):
    start = time.perf_counter()
    fn()
    times.append(time.perf_counter() - start)
  return min(times)


def measure(model, vocab, rnn_size, num_layers, batch_size, seq_length,
            train_steps, repeats, length):
  from tf1_models.char_rnn import keras_model  # pylint: disable=import-outside-toplevel
  rng = np.random.RandomState(0)
  batches = [(rng.randint(0, vocab, (batch_size, seq_length)).astype(np.int32),
              rng.randint(0, vocab, (batch_size, seq_length)).astype(np.int32))
             for _ in range(train_steps + 2)]
  net = keras_model.KerasCharRNN(model, vocab, rnn_size, num_layers)
  net.compile(0.01)
  for x, y in batches[:2]:  # compile / warm up
    net.model.train_on_batch(x, y)

  def steps():
    for x, y in batches[2:]:
      net.model.train_on_batch(x, y)

  chars = batch_size * seq_length * train_steps
  train = chars / best_time(steps, repeats)
  net.generate([1], 5)  # compile / warm up
  generate = best_time(lambda: net.generate([1], length), repeats)
  return {"train_chars_per_s": train, "generate_s": generate}


def main(argv):
  from tf1_models import keras_backend  # pylint: disable=import-outside-toplevel
  keras_backend.select(argv[1])
  print(json.dumps(measure(**json.loads(argv[2]))))


if __name__ == "__main__":
  main(sys.argv)
