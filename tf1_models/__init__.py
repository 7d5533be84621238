"""tf1-rnn's models.

Importing the package imports TensorFlow quietly: TF 2.21 prints its C++
start-up lines (the CUDA probe "Could not find cuda drivers" on CPU-only
hosts, oneDNN and CPU-feature notices) on stderr while ``tensorflow`` is
first imported, even with ``TF_CPP_MIN_LOG_LEVEL=3``. So, unless you set
``TF_CPP_MIN_LOG_LEVEL`` to something other than 3 (``0`` shows everything),
the package sets it to 3 and imports TensorFlow with file descriptor 2
captured, passing on every captured line that is not a C++ log line.
Without TensorFlow installed (the Keras twins on JAX or PyTorch) nothing is
imported. A command line's ``--backend`` is put in ``KERAS_BACKEND`` first,
as importing TensorFlow imports Keras.
"""

import importlib.util
import os
import re
import sys
import tempfile

_CPP_LOG_LINE = re.compile(
    r"^([IWE]\d{4} |WARNING: All log messages before absl::InitializeLog|"
    r"To enable the following instructions:)")


def _import_tensorflow_quietly():
  level = os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  if "tensorflow" in sys.modules or level != "3":
    return
  try:
    sys.stderr.flush()
    saved = os.dup(2)
  except (OSError, ValueError):  # no real stderr (embedded interpreters)
    return
  with tempfile.TemporaryFile() as capture:
    os.dup2(capture.fileno(), 2)
    try:
      import tensorflow  # pylint: disable=g-import-not-at-top,unused-import
    except ImportError:
      pass  # a Keras-only install (JAX or PyTorch backend): no TensorFlow
    finally:
      os.dup2(saved, 2)
      os.close(saved)
      capture.seek(0)
      text = capture.read().decode("utf-8", "replace")
      kept = [line for line in text.splitlines(True)
              if not _CPP_LOG_LINE.match(line)]
      if kept:
        sys.stderr.write("".join(kept))


def backend_argument(argv):
  """The value of ``--backend=X`` or ``--backend X`` in ``argv[1:]``, or
  None."""
  args = list(argv[1:])
  for i, arg in enumerate(args):
    if arg.startswith("--backend="):
      return arg.split("=", 1)[1]
    if arg == "--backend" and i + 1 < len(args):
      return args[i + 1]
  return None


def _backend_from_command_line():
  """A model command line's ``--backend`` becomes ``KERAS_BACKEND`` before
  TensorFlow is imported: ``import tensorflow`` imports Keras, which reads
  its backend once, so ``cli.preselect_backend`` (which checks the value
  and reports a bad one) would come too late. Only installed backends."""
  value = backend_argument(sys.argv)
  if (value in ("tensorflow", "jax", "torch") and
      importlib.util.find_spec(value) is not None):
    os.environ["KERAS_BACKEND"] = value


_backend_from_command_line()
_import_tensorflow_quietly()
