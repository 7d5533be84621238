"""``python -m compat.run [--graph-mode] SCRIPT [ARGS...]``: run an unmodified
TF1 script on TF 2.x with ``compat.install()`` done first.

Otherwise it is ``python SCRIPT ARGS``: ``sys.argv`` is ``[SCRIPT, ARGS...]``,
the script runs as ``__main__`` with its own folder first on ``sys.path``,
its exit status and ``SystemExit`` codes are passed through, and an uncaught
exception prints its traceback (from the script's frames on) and exits with
status 1. ``-m MODULE`` runs a module as ``python -m MODULE`` would.

``--graph-mode`` also disables eager execution before the script starts, as
TF 1.x ran: ``tf.compat.v1.train.Supervisor`` and placeholders created at
module level then work. Keras 3 cannot run in such a process, so use it only
for scripts that do not use Keras.
"""

import os
import runpy
import sys
import traceback

USAGE = ("usage: python -m compat.run [--graph-mode] SCRIPT [ARGS...]\n"
         "       python -m compat.run [--graph-mode] -m MODULE [ARGS...]")


def _parse(args):
  """``(graph_mode, module, target, script_args)``, or None for --help;
  raises ValueError."""
  graph_mode = False
  while args and args[0].startswith("-"):
    option, args = args[0], args[1:]
    if option == "--graph-mode":
      graph_mode = True
    elif option == "-m":
      if not args:
        raise ValueError("-m needs a module name")
      return graph_mode, True, args[0], args[1:]
    elif option in ("-h", "--help"):
      return None
    elif option == "--":
      break
    else:
      raise ValueError("unknown option %s" % option)
  if not args:
    raise ValueError("no script given")
  if not os.path.isfile(args[0]):
    raise ValueError("no such script: %s" % args[0])
  return graph_mode, False, args[0], args[1:]


def _print_script_traceback(error):
  """The traceback of ``error`` from the first frame of the user's code."""
  tb = error.__traceback__
  here = os.path.abspath(__file__)
  while tb is not None and (
      os.path.abspath(tb.tb_frame.f_code.co_filename) == here or
      tb.tb_frame.f_code.co_filename.startswith("<frozen") or
      tb.tb_frame.f_globals.get("__name__") == "runpy"):
    tb = tb.tb_next
  traceback.print_exception(type(error), error, tb)


def run(graph_mode, is_module, target, script_args):
  """Runs ``target`` as ``__main__``; returns the exit status."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  import compat  # pylint: disable=g-import-not-at-top

  compat.install()
  if graph_mode:
    tf.compat.v1.disable_eager_execution()
  sys.argv = [target] + list(script_args)  # run_module sets argv[0] itself
  try:
    if is_module:
      sys.path[0] = os.getcwd()
      runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
      sys.path[0] = os.path.dirname(os.path.abspath(target))
      runpy.run_path(target, run_name="__main__")
  except Exception as e:  # pylint: disable=broad-except
    # SystemExit and KeyboardInterrupt pass through, as under python.
    _print_script_traceback(e)
    return 1
  return 0


def main(argv):
  try:
    parsed = _parse(list(argv[1:]))
  except ValueError as e:
    print("compat.run: %s\n%s" % (e, USAGE), file=sys.stderr)
    return 2
  if parsed is None:
    print(USAGE)
    return 0
  return run(*parsed)


if __name__ == "__main__":
  sys.exit(main(sys.argv))
