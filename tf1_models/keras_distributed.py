"""Training a Keras twin across processes: Keras 3's distribution API on JAX.

Every worker process runs the same Keras model and the same
``train_on_batch`` loop; ``keras.distribution.DataParallel`` over all the
processes' devices makes each step one step on the workers' batches
together (JAX all-reduces the gradients with its CPU collectives, gloo):
worker ``i`` of ``N`` passes its own batch, Keras assembles the global batch
from the processes' parts, the loss is the mean over all of it, and every
worker applies the same update. Started like the TF1 side's workers::

  python -m tf1_models.char_rnn --mode=keras_train --backend=jax \\
      --worker_hosts=h:2223,h:2224 --task_index=0     # the chief
  ... --task_index=1

The first worker host is the coordinator (``jax.distributed``'s service
listens on its port); the other hosts' ports are not used, only their
count. There is no parameter server: every worker holds the variables.

Measured (tests/test_keras_distributed.py): two processes end, after
several Adam steps, within float rounding (~1e-7) of one process training on
the concatenated batches, and both workers hold identical weights.
"""

import dataclasses
from typing import Optional, Sequence

from tf1_models.errors import UserError


def parse_hosts(flag, value):
  """``host:port,...`` -> a tuple; a one-line ``UserError`` for a bad
  entry."""
  hosts = tuple(h.strip() for h in value.split(",") if h.strip())
  for host in hosts:
    name, _, port = host.rpartition(":")
    if not name or not port.isdigit():
      raise UserError("bad host %r in --%s; write host:port" % (host, flag))
  return hosts


@dataclasses.dataclass
class Workers:
  """This process's place among the workers of a Keras run."""
  hosts: Sequence[str]
  task_index: int

  @classmethod
  def from_flags(cls, worker_hosts, task_index, ps_hosts="",
                 job_name="") -> Optional["Workers"]:
    """None for one process (no ``--worker_hosts``); else checked."""
    if ps_hosts.strip() or job_name not in ("", "worker"):
      raise UserError("--mode=keras_train has no parameter servers: give "
                      "only --worker_hosts and --task_index (every worker "
                      "holds the variables)")
    hosts = parse_hosts("worker_hosts", worker_hosts)
    if not hosts:
      return None
    if not 0 <= task_index < len(hosts):
      raise UserError("--task_index=%d is out of range: there are %d "
                      "worker hosts" % (task_index, len(hosts)))
    return cls(hosts, task_index)

  @property
  def num_workers(self):
    return len(self.hosts)

  @property
  def is_chief(self):
    return self.task_index == 0

  def describe(self):
    return "worker %d of %d (Keras DataParallel on JAX, coordinator %s)" % (
        self.task_index, self.num_workers, self.hosts[0])


def start(workers):
  """Join the other workers and make Keras data-parallel over all their
  devices. Call before any Keras variable is created; the backend must be
  JAX (``--backend=jax``)."""
  import keras  # pylint: disable=import-outside-toplevel
  backend = keras.backend.backend()
  if backend != "jax":
    raise UserError(
        "--mode=keras_train across processes runs on the JAX backend "
        "(Keras 3's distribution API); add --backend=jax (got %s)" % backend)
  # Every process must reach this; jax waits (up to 5 minutes) for all.
  keras.distribution.initialize(",".join(workers.hosts), workers.num_workers,
                                workers.task_index)
  keras.distribution.set_distribution(keras.distribution.DataParallel(
      devices=keras.distribution.list_devices()))


def stop():
  """Back to one process's own devices (e.g. to sample on the chief alone:
  a model built under ``DataParallel`` expects every worker's batch)."""
  import keras  # pylint: disable=import-outside-toplevel
  keras.distribution.set_distribution(None)


def step_batches(batch_at, step, num_workers, pad_id=None):
  """The ``num_workers`` single-process batches of global ``step``
  (``step*N .. step*N+N-1``; ``batch_at(index) -> (x, y)``), padded with
  ``pad_id`` to one width when they differ (``pad_id=None``: they must
  not). Worker ``i`` trains on item ``i``; one process training on their
  concatenation takes the same step."""
  import numpy as np  # pylint: disable=import-outside-toplevel
  batches = [batch_at(step * num_workers + i) for i in range(num_workers)]
  width = max(x.shape[1] for x, _ in batches)
  out = []
  for x, y in batches:
    if x.shape[1] < width:
      if pad_id is None:
        raise ValueError("batches of different widths and no pad id")
      extra = ((0, 0), (0, width - x.shape[1]))
      x = np.pad(x, extra, constant_values=pad_id)
      y = np.pad(y, extra, constant_values=pad_id)
    out.append((x, y))
  return out
