"""User-facing errors: one line that names the problem and the fix.

Library code raises these; each model's ``__main__`` runs through
``run_main``, which prints ``<prog>: error: <message>`` to stderr and exits
with status 2, without a traceback. Anything else is a bug and keeps its
traceback.
"""

import sys


class UserError(Exception):
  """Bad input from the user (flags, files, checkpoints)."""

  exit_code = 2


class CorpusError(UserError):
  """A corpus file is missing, empty, not text, or too short."""


class CheckpointMismatchError(UserError):
  """A checkpoint belongs to another model, config or vocabulary."""


class VocabularyError(UserError):
  """Text (a prime, acrostic heads) uses characters the model never saw."""


class TrainingDiverged(UserError):
  """The loss became NaN or infinite; nothing was saved from that step."""

  exit_code = 3


def run_main(main, prog=None):
  """Wrap an absl ``main(argv)`` so ``UserError`` ends in one clean line."""

  def wrapped(argv):
    try:
      return main(argv)
    except UserError as e:
      name = prog or (argv[0] if argv else "tf1_models")
      message = str(e).strip().replace("\n", " ")
      print("%s: error: %s" % (name, message), file=sys.stderr)
      sys.exit(e.exit_code)

  return wrapped
