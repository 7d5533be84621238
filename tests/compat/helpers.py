"""Shared helpers of the compat tests: the ``api`` namespace over ``compat``,
golden-file paths and loaders."""

import functools
import json
import os
import sys
import types

import numpy as np
import tensorflow as tf

import compat

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(TESTS, "golden")
REPO = os.path.dirname(TESTS)

if GOLDEN not in sys.path:
  sys.path.insert(0, GOLDEN)

import cases  # noqa: E402  pylint: disable=wrong-import-position


def session_config():
  """Sessions without Grappler's graph rewrites: the graphs here are tiny,
  and this makes the suite about a third faster (the ops run as built)."""
  config = tf.compat.v1.ConfigProto()
  config.graph_options.rewrite_options.disable_meta_optimizer = True
  return config


def compat_api():
  """What ``tests/golden/cases.py`` calls through ``api``, from ``compat``."""
  names = ("RNNCell", "BasicRNNCell", "GRUCell", "BasicLSTMCell", "LSTMCell",
           "MultiRNNCell", "LSTMStateTuple", "DropoutWrapper",
           "ResidualWrapper", "DeviceWrapper", "EmbeddingWrapper",
           "InputProjectionWrapper", "OutputProjectionWrapper",
           "LSTMBlockCell", "LSTMBlockFusedCell", "dense", "Dense")
  return types.SimpleNamespace(**{n: getattr(compat, n) for n in names})


@functools.lru_cache(maxsize=None)
def golden_cells():
  """``(arrays by case, meta by case)`` recorded with TF 1.15."""
  data = np.load(os.path.join(GOLDEN, "tf1_cells.npz"))
  arrays = {}
  for key in data.files:
    name, item = key.split("|", 1)
    arrays.setdefault(name, {})[item] = data[key]
  with open(os.path.join(GOLDEN, "tf1_cells.json")) as f:
    meta = json.load(f)
  return arrays, meta


@functools.lru_cache(maxsize=None)
def compat_case(name):
  """``cases.run_case`` under TF 2.x with ``compat`` (cached per session)."""
  return cases.run_case(tf, compat_api(), name, session_config())
