"""Shared command-line plumbing for ``python -m tf1_models.<model>``.

Only ``__main__`` modules import this: it quiets TensorFlow's C++ and
deprecation logging (the TF1 API is deprecated by design here) and turns
absl flags into a model's config dataclass.
"""

import dataclasses
import logging
import os

from tf1_models import configs

# 3 also hides the CUDA-probe error the GPU wheel prints on CPU-only hosts;
# set TF_CPP_MIN_LOG_LEVEL yourself to see C++ logs again.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


class _DropDeprecations(logging.Filter):
  """Hide TF's "is deprecated" notices; keep real warnings (e.g. shared
  MultiRNNCell weights)."""

  def filter(self, record):
    msg = record.getMessage()
    return not ("deprecat" in msg or "Instructions for updating" in msg or
                "Restoring parameters from" in msg)


def quiet_tensorflow():
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from absl import logging as absl_logging  # pylint: disable=g-import-not-at-top
  absl_logging.set_verbosity(absl_logging.WARNING)
  tf.get_logger().addFilter(_DropDeprecations())
  logging.getLogger("tensorflow").addFilter(_DropDeprecations())
  absl_logging.get_absl_logger().addFilter(_DropDeprecations())


def config_from_flags(flag_values, config_cls, preset_fn, preset_name):
  """``preset_fn(preset_name, **overrides)`` with every config field whose
  flag was given explicitly on the command line."""
  names = {f.name for f in dataclasses.fields(config_cls)}
  overrides = {n: flag_values[n].value for n in names
               if n in flag_values and flag_values[n].present}
  return preset_fn(preset_name, **overrides)


def setup(argv, flag_values, config_module):
  """Start of every ``main``: refuse stray arguments, quiet TensorFlow, and
  return ``config_module.preset(--config)`` with explicit flags applied and
  its numbers checked (``configs.check_numbers``)."""
  from absl import app  # pylint: disable=g-import-not-at-top
  if len(argv) > 1:
    raise app.UsageError("unexpected arguments: %s" % " ".join(argv[1:]))
  quiet_tensorflow()
  config = config_from_flags(flag_values, config_module.Config,
                             config_module.preset, flag_values.config)
  configs.check_numbers(config)
  return config


def report(result):
  """Print a ``training.TrainResult``'s final metrics; return whether the run
  finished (False after a Ctrl-C, when there is nothing more to do)."""
  if result.metrics:
    print("final: step %d, %s" % (result.step, ", ".join(
        "%s %.4f" % kv for kv in sorted(result.metrics.items()))))
  return not result.interrupted
