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


class CheckpointDamagedError(CheckpointMismatchError):
  """No checkpoint in a run directory loads (truncated, missing shard...)."""


class RunDirError(UserError):
  """The run directory cannot be written (disk full, read-only) or another
  process is training into it."""


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
      _fail(prog, argv, str(e), e.exit_code)
    except MemoryError:
      _fail(prog, argv, "out of memory; use smaller sizes (--batch_size, "
            "--rnn_size, ...)", 1)
    except Exception as e:  # pylint: disable=broad-except
      # TensorFlow's allocation failure (ResourceExhaustedError) is a
      # resource problem, not a bug: one line as well.
      if type(e).__name__ != "ResourceExhaustedError":
        raise
      _fail(prog, argv, "out of memory (%s); use smaller sizes (--batch_size,"
            " --rnn_size, ...)" % str(e).splitlines()[0][:200], 1)

  return wrapped


def _fail(prog, argv, message, code):
  name = prog or (argv[0] if argv else "tf1_models")
  print("%s: error: %s" % (name, message.strip().replace("\n", " ")),
        file=sys.stderr)
  sys.exit(code)
