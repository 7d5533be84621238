"""python -m tf1_models.char_rnn.scaling: one process vs a local cluster.

char_rnn's part of ``python -m tf1_models.scaling``: trains char_rnn (a
preset, default ``default``) for ``--steps`` global steps in one process,
then with 1 ps + 2 synchronous workers on localhost, prints the global
steps/s of each, measured in this one run, and what crosses the network per
step (``tf1_models.scaling.traffic``). On one 2-core machine the workers
compete for the same cores; across machines the step time is about the
single-process time plus that traffic at the link's speed.
"""

import os

from absl import app, flags

from tf1_models import scaling

FLAGS = flags.FLAGS
MODEL = "char_rnn"


def main(argv):
  del argv
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  from tf1_models import cli  # pylint: disable=g-import-not-at-top
  cli.quiet_tensorflow()
  print("\n".join(scaling.measure_lines(MODEL, FLAGS.config, FLAGS.steps)))
  print(scaling.report(MODEL, FLAGS.config, scaling.traffic(
      scaling.build(MODEL, FLAGS.config, lambda *_: None)[1])))
  return 0


if __name__ == "__main__":
  scaling.define_flags()
  app.run(main)
