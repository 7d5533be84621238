"""Shared test setup: quiet TensorFlow, locate ../shared/data."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.path.join(os.path.dirname(REPO), "shared", "data")


@pytest.fixture
def shared_data():
  """Path of ../shared/data; skips the test (saying why) when it is absent."""
  if not os.path.isdir(SHARED_DATA):
    pytest.skip("../shared/data is absent: this test needs the shared corpora")
  return SHARED_DATA
