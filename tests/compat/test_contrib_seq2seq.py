"""``compat.seq2seq`` against TF 1.15's ``tf.contrib.seq2seq``.

The goldens (``tests/golden/make_contrib_seq2seq_golden.py``, run with TF
1.15) hold, for a Luong and a Bahdanau attention model built the NMT way in
separate train / greedy / beam-search graphs: variable names and shapes,
training logits, losses and gradients, greedy ids, beam ids, scores,
parents and lengths, and a TF1-written checkpoint of each model. Here
``compat.seq2seq`` builds the same graphs, restores that checkpoint by name
and must reproduce every number (1e-5) and every id exactly.
"""

import importlib.util
import os
import types

import numpy as np
import pytest
import tensorflow as tf

import compat
from compat import seq2seq

GOLDEN_DIR = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "golden")


def _load_cases():
  spec = importlib.util.spec_from_file_location(
      "contrib_seq2seq_cases",
      os.path.join(GOLDEN_DIR, "contrib_seq2seq_cases.py"))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


cases = _load_cases()
API = types.SimpleNamespace(s2s=seq2seq, LSTMCell=compat.LSTMCell,
                            BasicLSTMCell=compat.BasicLSTMCell,
                            GRUCell=compat.GRUCell, Dense=compat.Dense)


@pytest.fixture(scope="module")
def golden():
  with np.load(os.path.join(GOLDEN_DIR, "tf1_contrib_seq2seq.npz")) as data:
    return {k: data[k] for k in data.files}


def _golden_case(golden, model, mode):
  prefix = "%s|%s|" % (model, mode)
  return {k[len(prefix):]: v for k, v in golden.items()
          if k.startswith(prefix)}


@pytest.mark.parametrize("model", cases.MODELS)
@pytest.mark.parametrize("mode", cases.MODES)
def test_restores_tf1_checkpoint_and_matches_tf1(golden, model, mode):
  expected = _golden_case(golden, model, mode)
  ckpt = os.path.join(GOLDEN_DIR, "tf1_contrib_seq2seq_ckpt",
                      model + ".ckpt")
  values, meta = cases.run(tf, API, model, mode, restore=ckpt)
  assert meta == cases.decode_meta(expected.pop("meta"))
  assert sorted(values) == sorted(expected)
  for key, want in expected.items():
    got = values[key]
    assert got.shape == want.shape, key
    if want.dtype.kind in "iub":
      np.testing.assert_array_equal(got, want, err_msg=key)
    else:
      np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5,
                                 err_msg=key)


def _assert_matches(values, expected):
  assert sorted(values) == sorted(expected)
  for key, want in expected.items():
    got = values[key]
    assert got.shape == want.shape, key
    if want.dtype.kind in "iub":
      np.testing.assert_array_equal(got, want, err_msg=key)
    else:
      np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5,
                                 err_msg=key)


# The two-monotonic-mechanism case takes ~9 s on loaded cores: slow.
_EXTRA_PARAMS = [pytest.param(n, marks=pytest.mark.slow)
                 if n == "multi_monotonic" else n
                 for n in sorted(cases.EXTRAS)]


@pytest.mark.parametrize("name", _EXTRA_PARAMS)
def test_rest_of_the_api_matches_tf1(golden, name):
  expected = _golden_case(golden, "extra", name)
  values, meta = cases.run_extra(tf, API, name)
  assert meta == cases.decode_meta(expected.pop("meta"))
  _assert_matches(values, expected)


# TF 1.15's public tf.contrib.seq2seq names (dir() of the module).
TF1_NAMES = (
    "AttentionMechanism", "AttentionWrapper", "AttentionWrapperState",
    "BahdanauAttention", "BahdanauMonotonicAttention", "BasicDecoder",
    "BasicDecoderOutput", "BeamSearchDecoder", "BeamSearchDecoderOutput",
    "BeamSearchDecoderState", "CustomHelper", "Decoder",
    "FinalBeamSearchDecoderOutput", "GreedyEmbeddingHelper", "Helper",
    "InferenceHelper", "LuongAttention", "LuongMonotonicAttention",
    "SampleEmbeddingHelper", "ScheduledEmbeddingTrainingHelper",
    "ScheduledOutputTrainingHelper", "TrainingHelper", "dynamic_decode",
    "gather_tree", "hardmax", "monotonic_attention", "safe_cumprod",
    "sequence_loss", "tile_batch",
)


def test_install_makes_tf_contrib_seq2seq_importable():
  compat.install()
  assert tf.contrib.seq2seq is seq2seq
  assert tf.compat.v1.contrib.seq2seq is seq2seq
  from tensorflow.contrib import seq2seq as imported  # pylint: disable=g-import-not-at-top
  import tensorflow.contrib.seq2seq as module  # pylint: disable=g-import-not-at-top
  assert imported is seq2seq and module is seq2seq
  missing = [n for n in TF1_NAMES if not hasattr(tf.contrib.seq2seq, n)]
  assert not missing
  assert sorted(seq2seq.__all__) == sorted(TF1_NAMES)
