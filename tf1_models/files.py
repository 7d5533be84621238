"""Writes that a crash, kill -9 or full disk cannot leave half done.

Every file the project writes whole (``run.json``, the checkpoint state file,
vocabularies, exported weights) goes to a temporary file in the same folder
and is renamed over the target only once complete and flushed to disk, so a
reader sees the old file or the new one, never a torn one. An ``OSError``
(disk full, read-only folder, permission) becomes a one-line
``RunDirError`` naming the folder.
"""

import contextlib
import json
import os

from tf1_models.errors import RunDirError


def unwritable(folder, err):
  """The ``RunDirError`` for ``err`` (an OSError or TF error) in ``folder``."""
  reason = getattr(err, "strerror", None) or getattr(err, "message", None) or (
      str(err).splitlines()[0] if str(err) else type(err).__name__)
  return RunDirError(
      "cannot write to %s (%s); free disk space or make it writable, or pass "
      "another --checkpoint_dir; files already there are unchanged" %
      (os.path.abspath(folder), reason))


def _fsync_dir(folder):
  try:
    fd = os.open(folder or ".", os.O_RDONLY)
  except OSError:
    return
  try:
    os.fsync(fd)
  except OSError:
    pass
  finally:
    os.close(fd)


@contextlib.contextmanager
def atomic_path(path, suffix=""):
  """Yield a temporary path beside ``path``; on success rename it to ``path``.

  ``suffix`` keeps a file-type ending some writers insist on (Keras wants
  ``.weights.h5``). On any error the temporary file is removed and ``path``
  is left as it was.
  """
  folder = os.path.dirname(path) or "."
  tmp = "%s.tmp%d%s" % (path, os.getpid(), suffix)
  try:
    os.makedirs(folder, exist_ok=True)
    yield tmp
    with open(tmp, "rb") as f:
      os.fsync(f.fileno())
    os.replace(tmp, path)
  except OSError as e:
    _discard(tmp)
    raise unwritable(folder, e)
  except BaseException:
    _discard(tmp)
    raise
  _fsync_dir(folder)


def _discard(tmp):
  try:
    os.remove(tmp)
  except OSError:
    pass


def write_text(path, text):
  """Write ``text`` (UTF-8) to ``path`` atomically."""
  with atomic_path(path) as tmp:
    with open(tmp, "w", encoding="utf-8") as f:
      f.write(text)


def write_json(path, obj, **kwargs):
  """``json.dump(obj)`` to ``path`` atomically (non-ASCII kept as is)."""
  kwargs.setdefault("ensure_ascii", False)
  write_text(path, json.dumps(obj, **kwargs))
