"""The TF1 ``Seq2SeqModel`` vs ``KerasSeq2Seq`` on converted weights.

Same weights give the same teacher-forced decoder logits (<= 1e-5), the same
``sequence_loss``, the same greedy decodings (TF1's ``feed_previous`` graph
vs Keras's loop), with sampled softmax the same loss given the same sampled
candidates, and the same gradient norm and clipped SGD update (TensorFlow's
tape and ``tf.clip_by_global_norm``; and ``keras_model.clipped_sgd_step``,
the backend-independent step, in ``test_backend_run_on_tensorflow`` and on
JAX/PyTorch through ``tests/backend_cases.py``); converting back gives the
TF1 weights again.
"""


import keras
import numpy as np
import pytest
import tensorflow as tf

from tf1_models.seq2seq import convert, keras_model
from tf1_models.seq2seq import model as model_lib

v1 = tf.compat.v1

SOURCE_VOCAB, TARGET_VOCAB, SIZE, BATCH = 7, 9, 6, 3
BUCKET = (4, 5)
PAIRS = [([4, 5, 6], [6, 5, 4, model_lib.EOS_ID]),
         ([5], [8, model_lib.EOS_ID]),
         ([6, 4, 5, 4], [7, 4, 5])]
NUM_SAMPLES = 4
SAMPLED = np.array([3, 7, 0, 5], np.int64)
TRUE_EXPECTED = np.array([[0.9], [0.4], [0.7]], np.float32)
SAMPLED_EXPECTED = np.array([0.3, 0.6, 0.8, 0.5], np.float32)

CASES = [("gru1", 1, False), ("lstm2", 2, True), ("gru2", 2, False)]
# The default suite runs every case for the logits; the costlier checks run
# one or two cases there and the rest with -m slow.
SLOW = pytest.mark.slow
GREEDY_CASES = CASES[:2] + [pytest.param(*CASES[2], marks=SLOW)]
ROUND_TRIP_CASES = [pytest.param(*CASES[0], marks=SLOW), CASES[1],
                    pytest.param(*CASES[2], marks=SLOW)]


def batch():
  return model_lib.batch_from_pairs(PAIRS, BUCKET)


def tf1_run(layers, lstm, sampled=False, forward_only=False, weights=None,
            seed=1):
  """Weights by name, the bucket's loss and outputs (logits, projected)."""
  with tf.Graph().as_default() as g:
    v1.set_random_seed(seed)
    sampled_values = None
    if sampled:
      sampled_values = (tf.constant(SAMPLED), tf.constant(TRUE_EXPECTED),
                        tf.constant(SAMPLED_EXPECTED))
    m = model_lib.Seq2SeqModel(
        SOURCE_VOCAB, TARGET_VOCAB, [BUCKET], SIZE, layers, 5.0, BATCH, 0.5,
        0.9, use_lstm=lstm,
        num_samples=NUM_SAMPLES if sampled else 512,
        forward_only=forward_only, sampled_values=sampled_values)
    with v1.Session(graph=g) as sess:
      sess.run(v1.global_variables_initializer())
      if weights is not None:
        convert.assign_tf1(sess, weights)
      values = dict(zip([v.op.name for v in m.params], sess.run(m.params)))
      _, loss, outputs = m.step(sess, *batch(), 0, True)
      if sampled and not forward_only:
        w, b = sess.run(m.output_projection)
        outputs = [o @ w + b for o in outputs]
  return values, float(loss), np.stack(outputs, 1)


def keras_net(layers, lstm, sampled, tf1_weights):
  keras.utils.set_random_seed(3)
  net = keras_model.KerasSeq2Seq(SOURCE_VOCAB, TARGET_VOCAB, SIZE, layers,
                                 use_lstm=lstm, sampled=sampled)
  convert.build(net, *BUCKET)
  assert sorted(convert.tf1_variable_names(net)) == sorted(tf1_weights)
  convert.tf1_to_keras(tf1_weights, net)
  return net


def keras_inputs():
  encoder, decoder, weights = batch()
  enc = np.stack(encoder, 1)
  dec = np.stack(decoder, 1)
  targets = np.concatenate([dec[:, 1:], np.zeros((BATCH, 1), np.int32)], 1)
  return enc, dec, targets, np.stack(weights, 1)


@pytest.mark.parametrize("name,layers,lstm", CASES)
def test_teacher_forced_logits_and_loss(name, layers, lstm):
  weights, loss, logits = tf1_run(layers, lstm)
  net = keras_net(layers, lstm, False, weights)
  enc, dec, targets, target_weights = keras_inputs()
  k_logits = np.asarray(net((enc, dec)))
  assert k_logits.shape == (BATCH, BUCKET[1], TARGET_VOCAB)
  np.testing.assert_allclose(k_logits, logits, atol=1e-5, rtol=0)
  k_loss = float(keras_model.sequence_loss(k_logits, targets, target_weights))
  assert abs(k_loss - loss) <= 1e-5, (name, k_loss, loss)


@pytest.mark.parametrize("name,layers,lstm", GREEDY_CASES)
def test_greedy_decodings_are_identical(name, layers, lstm):
  weights, _, _ = tf1_run(layers, lstm, seed=7)
  _, _, tf1_logits = tf1_run(layers, lstm, forward_only=True, weights=weights)
  net = keras_net(layers, lstm, False, weights)
  enc = keras_inputs()[0]
  k_logits = np.asarray(net((enc, keras_inputs()[1]), feed_previous=True))
  np.testing.assert_allclose(k_logits, tf1_logits, atol=1e-5, rtol=0)
  ids = net.greedy(enc, BUCKET[1])
  np.testing.assert_array_equal(ids, np.argmax(tf1_logits, 2))
  # Not a degenerate constant decoding: the test can tell models apart.
  assert len(set(ids.ravel().tolist())) > 1


def test_sampled_softmax_loss_and_projected_logits():
  weights, loss, logits = tf1_run(2, False, sampled=True)
  assert "proj_w" in weights and weights["proj_w"].shape == (TARGET_VOCAB,
                                                             SIZE)
  net = keras_net(2, False, True, weights)
  enc, dec, targets, target_weights = keras_inputs()
  np.testing.assert_allclose(np.asarray(net((enc, dec))), logits, atol=1e-5,
                             rtol=0)
  outputs = net.decoder_outputs(enc, dec)
  steps = BUCKET[1]
  # Keras rows are batch-major (b * T + t); TF1 fed [batch, 1] per step.
  values = (SAMPLED, np.repeat(TRUE_EXPECTED, steps, axis=0),
            SAMPLED_EXPECTED)
  k_loss = float(keras_model.sequence_loss(
      outputs, targets, target_weights,
      per_step_loss=lambda labels, x: keras_model.sampled_softmax_loss(
          weights["proj_w"], weights["proj_b"], labels, x, values)))
  assert abs(k_loss - loss) <= 1e-5, (k_loss, loss)
  full = float(keras_model.sequence_loss(np.asarray(net((enc, dec))),
                                         targets, target_weights))
  assert abs(full - k_loss) > 1e-3  # the sampled loss is another number


def test_sampled_greedy_decoding_projects_fed_back_outputs():
  weights, _, _ = tf1_run(1, True, sampled=True, seed=5)
  _, _, tf1_logits = tf1_run(1, True, sampled=True, forward_only=True,
                             weights=weights)
  net = keras_net(1, True, True, weights)
  ids = net.greedy(keras_inputs()[0], BUCKET[1])
  np.testing.assert_array_equal(ids, np.argmax(tf1_logits, 2))


@pytest.mark.parametrize("name,layers,lstm", ROUND_TRIP_CASES)
def test_keras_to_tf1_round_trip(name, layers, lstm, tmp_path):
  weights, loss, _ = tf1_run(layers, lstm)
  net = keras_net(layers, lstm, False, weights)
  back = convert.keras_to_tf1(net)
  assert sorted(back) == sorted(weights)
  for k in weights:
    np.testing.assert_allclose(back[k], weights[k], atol=1e-6, rtol=0)
  path = convert.write_tf1_checkpoint(
      net, lambda: model_lib.Seq2SeqModel(
          SOURCE_VOCAB, TARGET_VOCAB, [BUCKET], SIZE, layers, 5.0, BATCH, 0.5,
          0.9, use_lstm=lstm), str(tmp_path / "model.ckpt"))
  read = convert.read_checkpoint(path, net)
  _, loss_back, _ = tf1_run(layers, lstm, weights=read, seed=99)
  assert abs(loss_back - loss) <= 1e-5


def test_wrong_checkpoint_is_one_clear_error():
  weights, _, _ = tf1_run(1, False)
  net = keras_model.KerasSeq2Seq(SOURCE_VOCAB, TARGET_VOCAB, SIZE, 1,
                                 use_lstm=True)
  convert.build(net, *BUCKET)
  with pytest.raises(Exception, match="basic_lstm_cell/kernel.*1 LSTM"):
    convert.tf1_to_keras(weights, net)


CLIP, LR = 0.1, 0.5  # CLIP is below these batches' gradient norms


def tf1_sgd_step(layers, lstm, weights):
  """The tutorial's update on ``weights``: ``(norm, loss, weights after)``."""
  with tf.Graph().as_default() as g:
    m = model_lib.Seq2SeqModel(
        SOURCE_VOCAB, TARGET_VOCAB, [BUCKET], SIZE, layers, CLIP, BATCH, LR,
        0.9, use_lstm=lstm)
    with v1.Session(graph=g) as sess:
      sess.run(v1.global_variables_initializer())
      convert.assign_tf1(sess, weights)
      norm, loss, _ = m.step(sess, *batch(), 0, False)
      after = dict(zip([v.op.name for v in m.params], sess.run(m.params)))
  return float(norm), float(loss), after


def keras_sgd_step(net):
  """The same update in Keras: clip the tape's gradients by global norm as
  they come (``IndexedSlices`` for the embeddings, like TF1's), then SGD."""
  enc, dec, targets, target_weights = keras_inputs()
  variables = net.trainable_variables
  with tf.GradientTape() as tape:
    loss = keras_model.sequence_loss(net((enc, dec)), targets,
                                     target_weights)
  grads = tape.gradient(loss, variables)
  clipped, norm = tf.clip_by_global_norm(grads, CLIP)
  for var, grad in zip(variables, clipped):
    var.assign_sub(LR * tf.convert_to_tensor(grad))
  return float(norm), float(loss)


@pytest.mark.parametrize("name,layers,lstm", GREEDY_CASES)
def test_gradients_and_one_clipped_sgd_step(name, layers, lstm):
  """Same gradient norm before clipping, and the same update: each weight
  moves by the same clipped gradient step (the update compares gradients
  through every TF1 <-> Keras weight mapping, forget bias included)."""
  before, _, _ = tf1_run(layers, lstm, seed=11)
  norm, loss, after = tf1_sgd_step(layers, lstm, before)
  net = keras_net(layers, lstm, False, before)
  k_norm, k_loss = keras_sgd_step(net)
  assert_sgd_step_matches(k_norm, k_loss, convert.keras_to_tf1(net),
                          norm, loss, before, after)


def assert_sgd_step_matches(k_norm, k_loss, k_after, norm, loss, before,
                            after):
  assert norm > 2 * CLIP  # clipping acts
  assert abs(k_loss - loss) <= 1e-5
  np.testing.assert_allclose(k_norm, norm, rtol=1e-5)
  for name in before:
    step, k_step = after[name] - before[name], k_after[name] - before[name]
    assert np.abs(step).max() > 0, name  # every variable gets a gradient
    # Relative to the step (attention queries start with steps of ~1e-7),
    # plus an ulp of each weight: both sides round the updated weight.
    err, size = np.linalg.norm(k_step - step), np.linalg.norm(step)
    ulps = np.linalg.norm(np.spacing(np.abs(after[name])))
    assert err <= 1e-3 * size + 2 * ulps, (name, err, size, ulps)


# -- the same checks on another Keras backend (tests/backend_cases.py) -------

def tf1_backend_reference(layers, lstm, sampled=True):
  """``(inputs, expected)``: TF1 weights, and TF1's teacher-forced logits
  and loss, greedy (``feed_previous``) logits, one clipped SGD step
  (gradient norm, loss, weights after) and, with ``sampled``, the
  sampled-softmax model's loss (given ``SAMPLED``) and projected logits."""
  weights, loss, logits = tf1_run(layers, lstm, seed=7)
  _, _, greedy_logits = tf1_run(layers, lstm, forward_only=True,
                                weights=weights)
  before, _, _ = tf1_run(layers, lstm, seed=11)
  norm, step_loss, after = tf1_sgd_step(layers, lstm, before)
  inputs = dict(weights=weights, before_step=before)
  want = dict(loss=loss, logits=logits, greedy_logits=greedy_logits,
              before_step=before, norm=norm, step_loss=step_loss,
              after=after)
  if sampled:
    inputs["sampled_weights"], want["sampled_loss"], want[
        "sampled_logits"] = tf1_run(layers, lstm, sampled=True)
  return inputs, want


def keras_backend_run(layers, lstm, inputs):
  """The Keras side of ``tf1_backend_reference`` on the current backend."""
  to_numpy = keras.ops.convert_to_numpy
  enc, dec, targets, target_weights = keras_inputs()
  net = keras_net(layers, lstm, False, inputs["before_step"])
  out = {}
  out["norm"], out["step_loss"] = keras_model.clipped_sgd_step(
      net, enc, dec, targets, target_weights, LR, CLIP)
  out["after"] = convert.keras_to_tf1(net)
  convert.tf1_to_keras(inputs["weights"], net)
  logits = to_numpy(net((enc, dec)))
  out.update(logits=logits, loss=float(keras_model.sequence_loss(
      logits, targets, target_weights)))
  out["greedy_logits"] = to_numpy(net((enc, dec), feed_previous=True))
  out["greedy"] = net.greedy(enc, BUCKET[1])
  if "sampled_weights" not in inputs:
    return out
  w = inputs["sampled_weights"]
  net = keras_net(layers, lstm, True, w)
  out["sampled_logits"] = to_numpy(net((enc, dec)))
  values = (SAMPLED, np.repeat(TRUE_EXPECTED, BUCKET[1], axis=0),
            SAMPLED_EXPECTED)
  out["sampled_loss"] = float(keras_model.sequence_loss(
      net.decoder_outputs(enc, dec), targets, target_weights,
      per_step_loss=lambda labels, x: keras_model.sampled_softmax_loss(
          w["proj_w"], w["proj_b"], labels, x, values)))
  return out


def assert_backend_run_matches(got, want):
  sampled = ("sampled_logits", "sampled_loss")
  assert all(k in got for k in sampled) == all(k in want for k in sampled)
  for key in ("logits", "greedy_logits", "sampled_logits"):
    if key not in want:
      continue
    np.testing.assert_allclose(got[key], want[key], atol=1e-5, rtol=0,
                               err_msg=key)
  for key in ("loss", "sampled_loss"):
    if key not in want:
      continue
    assert abs(got[key] - want[key]) <= 1e-5, (key, got[key], want[key])
  np.testing.assert_array_equal(got["greedy"],
                                np.argmax(want["greedy_logits"], 2))
  assert len(set(got["greedy"].ravel().tolist())) > 1
  assert_sgd_step_matches(got["norm"], got["step_loss"], got["after"],
                          want["norm"], want["step_loss"],
                          want["before_step"], want["after"])


@pytest.mark.slow  # ~10 s; the default suite runs the same check on JAX
def test_backend_run_on_tensorflow():
  """The functions above, in-process (the TensorFlow backend)."""
  inputs, want = tf1_backend_reference(1, False)
  assert_backend_run_matches(keras_backend_run(1, False, inputs), want)
