"""tf1-rnn's models.

Importing the package imports TensorFlow quietly: TF 2.21 prints its C++
start-up lines (the CUDA probe "Could not find cuda drivers" on CPU-only
hosts, oneDNN and CPU-feature notices) on stderr while ``tensorflow`` is
first imported, even with ``TF_CPP_MIN_LOG_LEVEL=3``. So, unless you set
``TF_CPP_MIN_LOG_LEVEL`` to something other than 3 (``0`` shows everything),
the package sets it to 3 and imports TensorFlow with file descriptor 2
captured, passing on every captured line that is not a C++ log line.
Without TensorFlow installed (the Keras twins on JAX or PyTorch) nothing is
imported.
"""

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



def _apply_backend_flag():
  """``python -m tf1_models.X --backend=jax``: importing TensorFlow (below)
  imports Keras, which fixes its backend for the process at that moment,
  before the command line's ``cli.preselect_backend`` runs. So a valid
  ``--backend`` on the command line is applied here first (an invalid one
  is left to ``preselect_backend``'s one-line error)."""
  from tf1_models import keras_backend  # pylint: disable=g-import-not-at-top
  args = sys.argv[1:]
  for i, arg in enumerate(args):
    value = (arg.split("=", 1)[1] if arg.startswith("--backend=") else
             args[i + 1] if arg == "--backend" and i + 1 < len(args) else
             None)
    if value in keras_backend.BACKENDS and "keras" not in sys.modules:
      try:
        keras_backend.select(value)
      except Exception:  # pylint: disable=broad-except
        pass  # not installed: preselect_backend says so in one line


_apply_backend_flag()
_import_tensorflow_quietly()
