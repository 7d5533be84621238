"""How far float32 rounding alone moves text8_lstm's final figure.

  python -m tf1_models.text8_lstm --mode=reproducibility      # 5 runs of 7001 steps
  python -m tf1_models.text8_lstm --mode=reproducibility --nudges=1 --max_steps=2000

``separate`` and ``fused`` compute the same function: on the same weights
their training logits are bit for bit equal (tests/text8_lstm/
test_parity.py), and ``separate``'s checkpoint converted to ``fused``
evaluates to ``separate``'s exact figure. Trained from the same seed they
still end on different figures, because their backward passes add the same
products in a different order: ``fused`` gets the recurrent gradient from
one matmul over the 4*nodes gate columns, ``separate`` from four matmuls
whose results are added. The weights part by a float32 rounding step at
the first update, and the notebook's SGD (learning rate 10, 7001 steps)
magnifies any such difference into the second decimal of the figure. No
fused cell that is still one matmul can avoid it.

To show the size of that effect, ``measure`` trains from one seed (into
``--output_dir``, default ``runs/text8_lstm_reproducibility``; runs that
exist are resumed, not retrained):

  separate           the notebook's cell
  separate nudged k  the same, with the initial weight ix[k, 0] moved up by
                     one float32 ulp (k = 0 .. --nudges - 1)
  fused              the fused cell

and prints each final validation perplexity, then ``|fused - separate|``
beside the range of ``|nudged - separate|`` and its ratio to the largest of
those. A ratio at or below 1 means fused differs from separate by no more
than separate differs from itself after a one-ulp change.

Measured (default preset, ``text8_prefix.txt``, seed 0, 2 CPU cores,
2026-11-23; about 7 minutes): separate 3.9863; nudged 3.9893, 4.0112,
3.9894; fused 3.9788: ``|fused - separate|`` 7.6e-03 against 3.0e-03 to
2.5e-02, ratio 0.30. Each figure repeats exactly when rerun. For scale,
other seeds: separate 3.9932 (seed 1), 4.0121 (seed 2); fused 3.9846
(seed 1).
"""

import dataclasses
import os

import numpy as np
import tensorflow as tf

from tf1_models import training
from tf1_models.errors import UserError
from tf1_models.text8_lstm import data as data_lib
from tf1_models.text8_lstm import runner

v1 = tf.compat.v1
DEFAULT_DIR = os.path.join("runs", "text8_lstm_reproducibility")


def write_nudged_start(config, data, run_path, k):
  """Write a step-0 run of ``config`` (``separate``) into ``run_path``: the
  weights ``config.seed`` gives, except ``ix[k, 0]``, one ulp higher (``k``
  None: nothing changed, a control). Training ``config`` in ``run_path``
  then resumes from it."""
  task, g = runner.build_train_task(config, data, log=lambda line: None)
  with task.graph.as_default():
    saver = v1.train.Saver()
    init = v1.global_variables_initializer()
  with v1.Session(graph=task.graph) as sess:
    sess.run(init)
    if k is not None:
      ix = g.cell.vars["ix"]
      value = sess.run(ix)
      value[k, 0] = np.nextafter(value[k, 0], np.float32(np.inf))
      ix.load(value, sess)
    return training.RunDir(run_path).save(sess, saver,
                                          runner.run_meta(config), 0)


def measure(config, output_dir, nudges, log=print):
  """Train the runs listed in the module docstring; returns
  ``{run name: final validation perplexity}`` in the order trained."""
  if config.variant != "separate":
    raise UserError("the reproducibility runs start from --variant=separate")
  if not 0 <= nudges <= data_lib.VOCAB_SIZE:
    raise UserError("--nudges must be between 0 and %d, got %d" %
                    (data_lib.VOCAB_SIZE, nudges))
  quiet = lambda line: None  # noqa: E731
  data = runner.load_data(config, log)
  runs = [("separate", config, None)]
  runs += [("separate nudged %d" % k, config, k) for k in range(nudges)]
  runs += [("fused", dataclasses.replace(config, variant="fused"), None)]
  figures = {}
  for name, cfg, k in runs:
    path = os.path.join(output_dir, name.replace(" ", "_"))
    cfg = dataclasses.replace(cfg, checkpoint_dir=path, sample_every=0)
    if k is not None and not training.RunDir(path).read_meta():
      write_nudged_start(cfg, data, path, k)
    log("training %s in %s" % (name, path))
    result = runner.train(cfg, log=quiet)
    figures[name] = result.metrics["val_perplexity"]
    log("%-18s %.4f" % (name, figures[name]))
  return figures


def summary(figures):
  """The closing line: fused's difference from separate beside the
  nudged runs' differences."""
  base = figures["separate"]
  fused = abs(figures["fused"] - base)
  nudged = [abs(v - base) for n, v in figures.items() if "nudged" in n]
  line = "|fused - separate| = %.2e" % fused
  if nudged:
    line += "; |nudged - separate| from %.2e to %.2e" % (min(nudged),
                                                        max(nudged))
    if max(nudged) > 0:
      line += "; ratio to the largest %.2f" % (fused / max(nudged))
  return line
