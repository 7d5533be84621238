"""Helpers every model's ``config.py`` and ``runner.py`` share: choosing a
named preset, and checking config values with one-line ``UserError``s."""

import dataclasses

from tf1_models.errors import UserError


def choose(presets, name, **overrides):
  """``presets[name]`` with ``overrides`` applied (unknown keys raise
  TypeError; an unknown preset name raises KeyError)."""
  if name not in presets:
    raise KeyError("unknown preset %r; choose one of %s" %
                   (name, ", ".join(sorted(presets))))
  return dataclasses.replace(presets[name], **overrides)


def require_choice(flag, value, choices):
  if value not in choices:
    raise UserError("unknown --%s=%s; choose one of %s" %
                    (flag, value, ", ".join(choices)))


def require_positive(config, keys):
  """Integers that must be >= 1 (layer sizes, batch sizes, ...)."""
  for key in keys:
    if getattr(config, key) < 1:
      raise UserError("--%s must be at least 1, got %d" %
                      (key, getattr(config, key)))


def require_positive_float(config, key):
  if not getattr(config, key) > 0:
    raise UserError("--%s must be positive, got %g" % (key, getattr(config,
                                                                      key)))


# Numeric checks every model's config gets (``check_numbers``, run by
# ``cli.setup`` before a model's own ``validate``), keyed by field name.
INT32_MAX = 2 ** 31 - 1
FLOAT32_MAX = 3.4028234663852886e38  # the graphs compute in float32
# Loop frequencies: a step count is taken modulo these.
EVERY_FIELDS = ("checkpoint_every", "log_every", "summary_frequency",
                "steps_per_checkpoint", "neighbours_every", "decay_steps")
# Floats (all must be >= 0) that must be > 0 / in [0, 1).
POSITIVE_FLOATS = ("learning_rate", "clip_norm", "max_gradient_norm",
                   "decay_rate", "learning_rate_decay_factor")
FRACTIONS = ("val_fraction",)


def check_numbers(config):
  """One-line ``UserError`` for a numeric field no model can run with:
  integers negative or past int32 (TensorFlow's step and size type), floats
  negative, NaN/inf or past float32, a loop frequency of 0, a fraction
  outside [0, 1). Model-specific ranges stay in each model's ``validate``."""
  for field in dataclasses.fields(config):
    key, value = field.name, getattr(config, field.name)
    if isinstance(value, bool):
      continue
    if isinstance(value, int):
      if value < 0:
        raise UserError("--%s must not be negative, got %d" % (key, value))
      if value > INT32_MAX:
        raise UserError("--%s=%d is too large (at most %d)" %
                        (key, value, INT32_MAX))
      if key in EVERY_FIELDS and value < 1:
        raise UserError("--%s must be at least 1 (steps), got %d" %
                        (key, value))
    elif isinstance(value, float):
      if value != value or value in (float("inf"), float("-inf")):
        raise UserError("--%s must be a finite number, got %s" % (key, value))
      if abs(value) > FLOAT32_MAX:
        raise UserError("--%s=%g is too large for float32 (at most %g)" %
                        (key, value, FLOAT32_MAX))
      if key in POSITIVE_FLOATS and not value > 0:
        raise UserError("--%s must be positive, got %g" % (key, value))
      if value < 0:
        raise UserError("--%s must not be negative%s, got %g" %
                        (key, " (0 is greedy)" if key == "temperature" else
                         "", value))
      if key in FRACTIONS and not 0 <= value < 1:
        raise UserError("--%s must be in [0, 1), got %g" % (key, value))
