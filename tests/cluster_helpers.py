"""A real 1 ps + 2 worker cluster inside the test process, for the
distributed tests (tests/test_distributed*.py)."""

import threading

from tf1_models import distributed


def train_in_cluster(train, config, last_step=1):
  """``train(config, cluster=...)`` on 2 workers of a fresh 1 ps + 2 worker
  cluster (threads), to global step ``last_step``; returns the chief's
  ``TrainResult``."""
  ps, w0, w1 = distributed.free_local_hosts(3)
  clusters = [distributed.Cluster.from_flags(ps, w0 + "," + w1, job, i)
              for job, i in (("ps", 0), ("worker", 0), ("worker", 1))]
  distributed.start_server(clusters[0])  # serves while the workers run
  results, errors = {}, []

  def worker(cluster):
    try:
      results[cluster.task_index] = train(config, log=lambda *_: None,
                                          cluster=cluster)
    except Exception as e:  # pylint: disable=broad-except
      errors.append(e)

  threads = [threading.Thread(target=worker, args=(c,), daemon=True)
             for c in clusters[1:]]
  for t in threads:
    t.start()
  for t in threads:
    t.join(timeout=60)
  assert not errors, [str(e)[:2000] for e in errors]
  assert sorted(results) == [0, 1] and results[0].step == last_step
  return results[0]
