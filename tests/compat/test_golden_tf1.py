"""Every case of ``tests/golden/cases.py`` reproduces TensorFlow 1.15's
numbers: outputs, final states, initial variable values and the gradients of
a fixed loss w.r.t. the inputs and every variable.

The expected values were recorded by ``tests/golden/make_golden.py`` running
the same case code on TF 1.15 with TF1's own classes; here it runs with
``compat``'s. TF 1.15 is not needed to run these tests.
"""

import numpy as np
import pytest

from tests.compat import helpers

RTOL = 1e-5
ATOL = 1e-6

CASE_NAMES = list(helpers.cases.CASES)


def test_golden_file_covers_every_case():
  arrays, meta = helpers.golden_cells()
  assert sorted(arrays) == sorted(CASE_NAMES) == sorted(meta), (
      "tests/golden/tf1_cells.npz is stale: rerun make_golden.py with TF 1.15")


@pytest.mark.tf1_golden
@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_matches_tf1(name):
  expected = helpers.golden_cells()[0][name]
  got, _ = helpers.compat_case(name)
  assert sorted(got) == sorted(expected)
  for key in sorted(expected):
    assert got[key].shape == expected[key].shape, key
    assert got[key].dtype == expected[key].dtype, key
    np.testing.assert_allclose(got[key], expected[key], rtol=RTOL, atol=ATOL,
                               err_msg="%s: %s" % (name, key))


def _case_arrays(name):
  return helpers.golden_cells()[0][name]


@pytest.mark.tf1_golden
def test_gru_default_bias_is_one_in_tf1_and_compat():
  for arrays in (_case_arrays("gru"), helpers.compat_case("gru")[0]):
    np.testing.assert_array_equal(arrays["var:rnn/gru_cell/gates/bias"],
                                  np.ones(8))
    np.testing.assert_array_equal(arrays["var:rnn/gru_cell/candidate/bias"],
                                  np.zeros(4))


@pytest.mark.tf1_golden
@pytest.mark.parametrize("name", [n for n in CASE_NAMES
                                  if n.startswith("dropout")])
def test_dropout_masks_reproduce_tf1(name):
  """Seeded dropout gives TF 1.15's very masks: the same entries are zero
  (and the surviving ones scaled alike, checked by test_case_matches_tf1),
  also in later Session.run calls (``run<k>:`` keys) where the random ops
  continue their streams."""
  expected = _case_arrays(name)
  got, _ = helpers.compat_case(name)
  outputs = [k for k in expected if k.startswith(("out", "run"))]
  dropped = 0
  for key in outputs:
    np.testing.assert_array_equal(got[key] == 0, expected[key] == 0, key)
    dropped += int(np.sum(expected[key] == 0))
  assert dropped > 0, "the case should drop something"
  later = [k for k in outputs if k.startswith("run1:")]
  if later:  # a new draw: not the first run's masks again
    assert any(np.any((expected[k] == 0) != (expected[k[len("run1:"):]] == 0))
               for k in later)


@pytest.mark.tf1_golden
def test_static_rnn_dropout_reuses_one_mask_per_op_seed():
  """TF1 quirk kept: static_rnn builds one dropout op per step, all with the
  same seed, so every step draws the same input mask."""
  with_mask = _case_arrays("dropout_static")
  grad = with_mask["grad:x"]  # zero where the input was dropped
  masks = [grad[:, t] == 0 for t in range(grad.shape[1])]
  assert masks[0].any()
  for mask in masks[1:]:
    np.testing.assert_array_equal(mask, masks[0])
