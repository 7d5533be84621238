"""Shared command-line plumbing for ``python -m tf1_models.<model>``.

Only ``__main__`` modules import this: it quiets TensorFlow's C++ and
deprecation logging (the TF1 API is deprecated by design here) and turns
absl flags into a model's config dataclass.
"""

import dataclasses
import logging
import os
import sys

from tf1_models import configs

# 3 also hides the CUDA-probe error the GPU wheel prints on CPU-only hosts;
# set TF_CPP_MIN_LOG_LEVEL yourself to see C++ logs again.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


class _DropDeprecations(logging.Filter):
  """Hide TF's "is deprecated" notices; keep real warnings (e.g. shared
  MultiRNNCell weights)."""

  def filter(self, record):
    msg = record.getMessage()
    return not ("deprecat" in msg or "Instructions for updating" in msg or
                "Restoring parameters from" in msg or
                # SyncReplicasOptimizer's own unused tensors (TF's code)
                "Object was never used" in msg)


def preselect_backend(argv):
  """Act on ``--backend`` (``--backend=X`` or ``--backend X``) before any
  model module imports keras: Keras reads ``KERAS_BACKEND`` once, at its
  first import, and a ``__main__`` imports its runner before absl parses
  flags. Call it above those imports; the flag itself is defined with
  ``define_backend_flag`` (for --help), and a bad value is a one-line
  error."""
  import tf1_models  # pylint: disable=g-import-not-at-top
  from tf1_models import errors, keras_backend  # pylint: disable=g-import-not-at-top
  value = tf1_models.backend_argument(argv)
  if value is None:
    return
  try:
    keras_backend.select(value)
  except errors.UserError as e:
    sys.stderr.write("error: %s\n" % e)
    sys.exit(e.exit_code)


def define_backend_flag():
  from absl import flags  # pylint: disable=g-import-not-at-top
  from tf1_models import keras_backend  # pylint: disable=g-import-not-at-top
  flags.DEFINE_enum(
      "backend", os.environ.get("KERAS_BACKEND", "tensorflow"),
      list(keras_backend.BACKENDS),
      "Keras 3 backend for the Keras model (default: $KERAS_BACKEND, else "
      "tensorflow). The TF1 graph always runs on TensorFlow.")


def quiet_tensorflow():
  try:
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
  except ImportError:  # a Keras-only install (JAX or PyTorch backend)
    return
  from absl import logging as absl_logging  # pylint: disable=g-import-not-at-top
  absl_logging.set_verbosity(absl_logging.WARNING)
  tf.get_logger().addFilter(_DropDeprecations())
  logging.getLogger("tensorflow").addFilter(_DropDeprecations())
  absl_logging.get_absl_logger().addFilter(_DropDeprecations())


def config_from_flags(flag_values, config_cls, preset_fn, preset_name):
  """``preset_fn(preset_name, **overrides)`` with every config field whose
  flag was given explicitly on the command line."""
  names = {f.name for f in dataclasses.fields(config_cls)}
  overrides = {n: flag_values[n].value for n in names
               if n in flag_values and flag_values[n].present}
  return preset_fn(preset_name, **overrides)


def setup(argv, flag_values, config_module):
  """Start of every ``main``: refuse stray arguments, quiet TensorFlow, and
  return ``config_module.preset(--config)`` with explicit flags applied and
  its numbers checked (``configs.check_numbers``)."""
  from absl import app  # pylint: disable=g-import-not-at-top
  if len(argv) > 1:
    raise app.UsageError("unexpected arguments: %s" % " ".join(argv[1:]))
  quiet_tensorflow()
  config = config_from_flags(flag_values, config_module.Config,
                             config_module.preset, flag_values.config)
  configs.check_numbers(config)
  return config


def define_sampler_flag(default, applies_to=""):
  """``--sampler=graph|xla`` of a model whose generator is
  ``sampling.build_generator`` (``applies_to``: e.g. "TF1 runs: ")."""
  from absl import flags  # pylint: disable=g-import-not-at-top
  from tf1_models import sampling  # pylint: disable=g-import-not-at-top
  flags.DEFINE_enum("sampler", default, list(sampling.SAMPLERS),
                    applies_to + "graph, the generation loop as graph ops; "
                    "xla, compiled (about a second once, then faster; same "
                    "greedy text, other draws at temperature > 0).")


def define_export_flags(formats, format_help):
  """``--export_dir`` and ``--export_format`` (``formats``, ``tf1`` first)
  of a model's ``--mode=export`` (``tf1_models.serving``)."""
  from absl import flags  # pylint: disable=g-import-not-at-top
  flags.DEFINE_string("export_dir", "",
                      "export: the SavedModel base folder; the version "
                      "folder <step>/ is written in it (default "
                      "<checkpoint_dir>/export).")
  flags.DEFINE_enum("export_format", formats[0], list(formats),
                    "export: " + format_help)


def define_cluster_flags():
  """The classic TF1 flags of between-graph replication
  (``tf1_models.distributed``); none given: one process."""
  from absl import flags  # pylint: disable=g-import-not-at-top
  flags.DEFINE_string("ps_hosts", "",
                      "Distributed training: comma-separated host:port of "
                      "the parameter servers.")
  flags.DEFINE_string("worker_hosts", "",
                      "Distributed training: comma-separated host:port of "
                      "the workers (worker 0 is the chief).")
  flags.DEFINE_string("job_name", "", "Distributed training: ps or worker.")
  flags.DEFINE_integer("task_index", 0,
                       "Distributed training: this task's index in its job.")
  flags.DEFINE_boolean("sync_replicas", True,
                       "Distributed training: aggregate one gradient from "
                       "every worker per update (SyncReplicasOptimizer); "
                       "--nosync_replicas updates asynchronously.")


def cluster_from_flags(flag_values):
  """A ``distributed.Cluster`` from ``define_cluster_flags``'s flags, or None
  for a single-process run."""
  from tf1_models import distributed  # pylint: disable=g-import-not-at-top
  return distributed.Cluster.from_flags(
      flag_values.ps_hosts, flag_values.worker_hosts, flag_values.job_name,
      flag_values.task_index, flag_values.sync_replicas)


def train(train_fn, config, flag_values):
  """``train_fn(config, cluster=...)`` with the cluster flags' cluster;
  returns ``(result, go_on)``: ``go_on`` is False after a Ctrl-C and on
  every task of a distributed run but the chief (which samples or
  evaluates, like a single process)."""
  cluster = cluster_from_flags(flag_values)
  result = train_fn(config, cluster=cluster)
  go_on = report(result) and (cluster is None or cluster.is_chief)
  return result, go_on


def report(result):
  """Print a ``training.TrainResult``'s final metrics; return whether the run
  finished (False after a Ctrl-C, when there is nothing more to do)."""
  if result.metrics:
    print("final: step %d, %s" % (result.step, ", ".join(
        "%s %.4f" % kv for kv in sorted(result.metrics.items()))))
  return not result.interrupted
