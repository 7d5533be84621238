"""text8_lstm against numbers recorded with TensorFlow 1.15.

``tests/golden/make_text8_lstm_golden.py`` ran the notebook's own graph
(unnamed variables) under TF 1.15: three SGD steps with clipping and the
staircase decay acting, the batch-1 sampling cell over a short sequence,
and a checkpoint. Our ``separate`` graph, fed the same weights and batches,
built with ``ref_state=True`` must give the same logits, losses, norms,
learning rates, weights, carried state and predictions; the default
(resource) graph the same forward pass and a slightly different gradient;
and ``convert.read_checkpoint`` must read the TF 1.15
checkpoint's ``Variable_N`` names as the notebook's variables.
"""

import os

import numpy as np
import pytest
import tensorflow as tf

from tests.text8_lstm import helpers as H
from tf1_models.text8_lstm import convert, data as data_lib

v1 = tf.compat.v1
GOLDEN = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "golden")

pytestmark = pytest.mark.tf1_golden


@pytest.fixture(scope="module")
def golden():
  with np.load(os.path.join(GOLDEN, "tf1_text8_lstm.npz")) as f:
    return {k: f[k] for k in f.files}


def test_default_graph_differs_from_tf1_15_only_in_the_ref_read(golden):
  """Resource variables (the default): the forward pass is TF 1.15's, the
  gradient is the snapshot one (see model.py), so the norm differs."""
  weights = {k[3:]: v for k, v in golden.items() if k.startswith("w0/")}
  sess, g = H.session("separate", weights, decay_steps=2, clip_norm=0.2,
                      with_generator=False)
  with sess.graph.as_default():
    grads = tf.gradients(g.loss, g.cell.vars["ix"])
    feed = dict(zip(g.train_data, data_lib.one_hot(golden["ids"][0])))
    logits, loss, norm, (d_ix,) = sess.run(
        [g.logits, g.loss, g.global_norm, grads], feed)
  np.testing.assert_allclose(logits, golden["logits"][0], atol=1e-5)
  np.testing.assert_allclose(loss, golden["loss"][0], rtol=1e-6)
  np.testing.assert_allclose(d_ix, golden["grads"][0], atol=1e-7)
  assert abs(norm / golden["norm"][0] - 1) > 1e-3


@pytest.mark.parametrize("variant", ["separate", "fused"])
def test_ref_state_graph_matches_tf1_15(golden, variant):
  weights = {k[3:]: v for k, v in golden.items() if k.startswith("w0/")}
  if variant == "fused":
    weights = convert.separate_to_fused(weights)
  sess, g = H.session(variant, weights, decay_steps=2, clip_norm=0.2,
                      with_generator=False, ref_state=True)
  with sess.graph.as_default():
    for s, ids in enumerate(golden["ids"]):
      feed = dict(zip(g.train_data, data_lib.one_hot(ids)))
      r = sess.run({"train": g.train_op, "logits": g.logits, "loss": g.loss,
                    "norm": g.global_norm, "lr": g.learning_rate}, feed)
      np.testing.assert_allclose(r["logits"], golden["logits"][s], atol=1e-5)
      np.testing.assert_allclose(r["loss"], golden["loss"][s], rtol=1e-6)
      np.testing.assert_allclose(r["norm"], golden["norm"][s], rtol=1e-5)
      assert r["lr"] == golden["lr"][s]
    after = H.model_weights(sess, variant)
    if variant == "fused":
      after = convert.fused_to_separate(after)
    for name, value in after.items():
      np.testing.assert_allclose(value, golden["w3/" + name], atol=1e-5,
                                 err_msg=name)
    state = sess.run(list(g.state_variables))
    np.testing.assert_allclose(state[0], golden["saved_output"], atol=1e-5)
    np.testing.assert_allclose(state[1], golden["saved_state"], atol=1e-5)
    sess.run(g.reset_sample_state)
    predictions = np.concatenate([
        sess.run(g.sample_prediction,
                 {g.sample_input: data_lib.one_hot(golden["valid"][k:k + 1])})
        for k in range(len(golden["valid"]))])
  np.testing.assert_allclose(predictions, golden["valid_predictions"],
                             atol=1e-6)


def test_reads_the_notebooks_tf1_15_checkpoint(golden):
  path = os.path.join(GOLDEN, "tf1_text8_lstm_ckpt", "notebook.ckpt-3")
  got = convert.read_checkpoint(path, "separate", with_state=True)
  for name in convert.model_names("separate"):
    np.testing.assert_array_equal(got[name], golden["w3/" + name], name)
  np.testing.assert_array_equal(got["saved_output"], golden["saved_output"])
  assert got["global_step"] == 3
