"""Waiting, from Python, for the other workers of a run to start.

``tf.distribute.MultiWorkerMirroredStrategy`` waits for its peers inside one
C++ call that holds the interpreter and never gives up, and TensorFlow puts
its own SIGTERM handler (its preemption notice) in place meanwhile: a worker
whose peers never start hangs there until SIGKILL. ``wait_for_peers`` runs
first and returns only once every other worker's port answers, so that wait
happens here, where a timeout and SIGTERM still end the process.

Each waiting worker listens on its own port meanwhile (without accepting:
the kernel completes a peer's connection); it closes that socket before it
returns, leaving the port to the strategy's server. A peer that answers has
either reached this point or already started its server, so the strategy
then finds every worker.
"""

import signal
import socket
import sys
import time

from tf1_models.errors import UserError

SIGTERM_EXIT_CODE = 128 + signal.SIGTERM  # as a shell reports a SIGTERM


class PeersMissing(UserError):
  """The other workers did not all start in time."""


def _answers(host, timeout=0.5):
  name, _, port = host.rpartition(":")
  try:
    with socket.create_connection((name, int(port)), timeout=timeout):
      return True
  except OSError:
    return False


def _listen(host):
  """A listening socket on ``host``'s port (None when it cannot bind, e.g.
  the port is another machine's)."""
  name, _, port = host.rpartition(":")
  sock = socket.socket()
  sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
  try:
    sock.bind(("", int(port)))
    sock.listen(16)
    return sock
  except OSError:
    sock.close()
    return None


def wait_for_peers(hosts, index, timeout, what="worker", poll=0.2):
  """Return once every host of ``hosts`` but ``hosts[index]`` (this
  process's) accepts a connection.

  After ``timeout`` seconds: ``PeersMissing`` naming the silent hosts. A
  SIGTERM meanwhile ends the process at once with one line on stderr (exit
  code 143), whatever handler was in place; the previous handler is back
  when this returns or raises."""
  def on_sigterm(signum, frame):
    del signum, frame
    sys.stderr.write("error: %s %d stopped by SIGTERM while waiting for the "
                     "other workers (%s) to start\n" % (
                         what, index, ",".join(hosts)))
    sys.stderr.flush()
    sys.exit(SIGTERM_EXIT_CODE)

  previous = signal.getsignal(signal.SIGTERM)
  try:
    signal.signal(signal.SIGTERM, on_sigterm)
    ours = True
  except ValueError:  # not the main thread: no handler of ours
    ours = False
  own = _listen(hosts[index])
  try:
    waiting = [h for i, h in enumerate(hosts) if i != index]
    deadline = time.time() + timeout
    while True:
      waiting = [h for h in waiting if not _answers(h)]
      if not waiting:
        return
      if time.time() > deadline:
        raise PeersMissing(
            "%s %d: the other workers %s did not start within %g s; start "
            "every worker with the same --worker_hosts" % (
                what, index, ",".join(waiting), timeout))
      time.sleep(poll)
  finally:
    if own is not None:
      own.close()
    if ours:
      signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None
                    else previous)
