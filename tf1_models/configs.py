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
