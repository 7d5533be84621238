"""Peak memory while training next_char on tinyshakespeare.

  python -m tf1_models.next_char.benchmark              # both impls, 40 steps each
  python -m tf1_models.next_char.benchmark --impl=tf1 --steps=200

The seed turned the 1.1 M windows of tinyshakespeare into Python lists and
then an int64 matrix of ``(len(text) - 100) x 100`` entries (0.85 GB for
the matrix alone, several GB for the lists of Python ints it came from).
``data.Windows`` keeps one int32 array of the text and cuts each batch from
it. Each implementation is measured in its own process (``ru_maxrss`` is a
per-process high-water mark), training the seed's model (Embedding 256,
SimpleRNN 256, windows of 100, batch 128, Adam) for ``--steps`` steps; the
target is under 1.5 GB.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

LIMIT_MB = 1536


def peak_rss_mb():
  return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure(impl, steps):
  """Train ``steps`` steps of the seed model in this process; one line."""
  from tf1_models import cli  # pylint: disable=g-import-not-at-top
  cli.quiet_tensorflow()
  from tf1_models.next_char import config as config_lib  # pylint: disable=g-import-not-at-top
  from tf1_models.next_char import runner  # pylint: disable=g-import-not-at-top
  before = peak_rss_mb()
  with tempfile.TemporaryDirectory() as tmp:
    config = config_lib.preset(
        "seed", impl=impl, max_steps=steps, checkpoint_dir=tmp,
        checkpoint_every=10 ** 9, log_every=10 ** 9, val_fraction=0.0)
    data = runner.load_data(config, log=lambda s: None)
    seed_bytes = data.train_windows * config.seq_length * 8
    t0 = time.time()
    runner.train(config, log=lambda s: None)
    seconds = time.time() - t0
  peak = peak_rss_mb()
  print("%-5s peak RSS %6.0f MB (%.0f MB after imports) over %d steps, "
        "%.2f s/step; the seed's window matrix alone: %.0f MB; %s" % (
            impl, peak, before, steps, seconds / steps, seed_bytes / 2 ** 20,
            "OK (< %d MB)" % LIMIT_MB if peak < LIMIT_MB else
            "OVER %d MB" % LIMIT_MB))
  return peak


def main(argv=None):
  parser = argparse.ArgumentParser(prog="python -m "
                                   "tf1_models.next_char.benchmark")
  parser.add_argument("--impl", choices=["tf1", "keras", "both"],
                      default="both")
  parser.add_argument("--steps", type=int, default=40)
  args = parser.parse_args(argv)
  if args.impl != "both":
    return 0 if measure(args.impl, args.steps) < LIMIT_MB else 1
  status = 0
  for impl in ("tf1", "keras"):
    status |= subprocess.call(
        [sys.executable, "-m", "tf1_models.next_char.benchmark",
         "--impl=" + impl, "--steps=%d" % args.steps],
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
  return status


if __name__ == "__main__":
  sys.exit(main())
