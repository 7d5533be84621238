"""A model written the way TensorFlow's NMT tutorial wrote one, run as
unmodified TF1 code after ``compat.install()``: embeddings, a bidirectional
LSTM encoder, a two-layer ``AttentionWrapper`` decoder trained with
``TrainingHelper`` and ``sequence_loss``, saved, then restored by name in a
separate inference graph that decodes with ``BeamSearchDecoder`` over
``tile_batch``-ed memory (and, for comparison, greedily).

The task is copying a short sequence of symbols; 70 Adam steps on a tiny
model learn it, so the decoded ids are checked, not just shapes. Marked
slow (run with ``-m slow``).
"""

import numpy as np
import pytest
import tensorflow as tf_v2

import compat

VOCAB, EMBED, UNITS, LENGTH = 8, 8, 16, 4
SOS, EOS = 1, 2  # symbols 3..7 are the content
BEAM = 3
STEPS = 70


def _batch(rng, size):
  src = rng.randint(3, VOCAB, (size, LENGTH)).astype(np.int32)
  tgt_in = np.concatenate([np.full((size, 1), SOS, np.int32), src], 1)
  tgt_out = np.concatenate([src, np.full((size, 1), EOS, np.int32)], 1)
  return src, tgt_in, tgt_out


def _model(tf, mode, batch):
  """The NMT-style graph; ``mode`` "train" or "beam" or "greedy"."""
  src = tf.placeholder(tf.int32, [batch, LENGTH], name="src")
  src_len = tf.fill([batch], LENGTH)
  embedding = tf.get_variable("embedding", [VOCAB, EMBED])
  with tf.variable_scope("encoder"):
    fw = tf.nn.rnn_cell.LSTMCell(UNITS // 2)
    bw = tf.nn.rnn_cell.LSTMCell(UNITS // 2)
    (out_fw, out_bw), (state_fw, state_bw) = tf.nn.bidirectional_dynamic_rnn(
        fw, bw, tf.nn.embedding_lookup(embedding, src),
        sequence_length=src_len, dtype=tf.float32)
    memory = tf.concat([out_fw, out_bw], -1)
    encoder_state = tuple(
        tf.nn.rnn_cell.LSTMStateTuple(tf.concat([f.c, b.c], -1),
                                      tf.concat([f.h, b.h], -1))
        for f, b in [(state_fw, state_bw)])
  s2s = tf.contrib.seq2seq
  width = BEAM if mode == "beam" else 1
  if mode == "beam":
    memory = s2s.tile_batch(memory, BEAM)
    src_len = s2s.tile_batch(src_len, BEAM)
    encoder_state = s2s.tile_batch(encoder_state, BEAM)
  with tf.variable_scope("decoder") as decoder_scope:
    mechanism = s2s.LuongAttention(UNITS, memory,
                                   memory_sequence_length=src_len,
                                   scale=True)
    cell = tf.nn.rnn_cell.MultiRNNCell(
        [tf.nn.rnn_cell.LSTMCell(UNITS) for _ in range(2)])
    cell = s2s.AttentionWrapper(cell, mechanism, attention_layer_size=UNITS,
                                alignment_history=(mode == "greedy"),
                                name="attention")
    zero = cell.zero_state(batch * width, tf.float32)
    # Layer 1 starts from the encoder, layer 2 from zeros (as NMT did).
    initial_state = zero.clone(cell_state=(encoder_state[0],
                                           zero.cell_state[1]))
    projection = tf.layers.Dense(VOCAB, use_bias=False,
                                 name="output_projection")
    if mode == "train":
      tgt_in = tf.placeholder(tf.int32, [batch, LENGTH + 1], name="tgt_in")
      tgt_out = tf.placeholder(tf.int32, [batch, LENGTH + 1], name="tgt_out")
      helper = s2s.TrainingHelper(tf.nn.embedding_lookup(embedding, tgt_in),
                                  tf.fill([batch], LENGTH + 1))
      decoder = s2s.BasicDecoder(cell, helper, initial_state)
      outputs, _, _ = s2s.dynamic_decode(decoder, scope=decoder_scope)
      logits = projection(outputs.rnn_output)
      loss = s2s.sequence_loss(logits, tgt_out,
                               tf.ones([batch, LENGTH + 1]))
      params = tf.trainable_variables()
      grads, _ = tf.clip_by_global_norm(tf.gradients(loss, params), 5.0)
      train_op = tf.train.AdamOptimizer(0.02).apply_gradients(
          zip(grads, params))
      return dict(src=src, tgt_in=tgt_in, tgt_out=tgt_out, loss=loss,
                  train_op=train_op)
    start = tf.fill([batch], SOS)
    if mode == "beam":
      decoder = s2s.BeamSearchDecoder(cell, embedding, start, EOS,
                                      initial_state, BEAM,
                                      output_layer=projection,
                                      length_penalty_weight=0.0)
    else:
      helper = s2s.GreedyEmbeddingHelper(embedding, start, EOS)
      decoder = s2s.BasicDecoder(cell, helper, initial_state,
                                 output_layer=projection)
    outputs, state, lengths = s2s.dynamic_decode(
        decoder, maximum_iterations=2 * LENGTH, scope=decoder_scope)
  if mode == "beam":
    return dict(src=src, ids=outputs.predicted_ids,
                scores=outputs.beam_search_decoder_output.scores,
                lengths=lengths)
  return dict(src=src, ids=outputs.sample_id, lengths=lengths,
              history=state.alignment_history.stack())


@pytest.mark.slow  # ~15 s on 2 loaded cores: over the default-suite budget
def test_nmt_style_model_trains_saves_and_beam_decodes(tmp_path):
  compat.install()
  import tensorflow.compat.v1 as tf  # pylint: disable=g-import-not-at-top
  rng = np.random.RandomState(0)
  ckpt = str(tmp_path / "nmt.ckpt")
  with tf_v2.Graph().as_default():
    tf.set_random_seed(1)
    model = _model(tf, "train", 32)
    names = sorted(v.op.name for v in tf.global_variables()
                   if "Adam" not in v.op.name and "power" not in v.op.name)
    with tf.Session() as sess:
      sess.run(tf.global_variables_initializer())
      losses = []
      for _ in range(STEPS):
        src, tgt_in, tgt_out = _batch(rng, 32)
        loss, _ = sess.run([model["loss"], model["train_op"]], {
            model["src"]: src, model["tgt_in"]: tgt_in,
            model["tgt_out"]: tgt_out})
        losses.append(loss)
      tf.train.Saver().save(sess, ckpt)
  assert "decoder/memory_layer/kernel" in names
  assert "decoder/attention/attention_layer/kernel" in names
  assert "decoder/attention/multi_rnn_cell/cell_0/lstm_cell/kernel" in names
  assert "decoder/attention/luong_attention/attention_g" in names
  assert "decoder/output_projection/kernel" in names
  assert np.mean(losses[-10:]) < 0.25 * np.mean(losses[:10]), losses

  src, _, tgt_out = _batch(np.random.RandomState(99), 8)
  results = {}
  for mode in ("beam", "greedy"):
    with tf_v2.Graph().as_default():
      model = _model(tf, mode, 8)
      inference_names = sorted(v.op.name for v in tf.global_variables())
      assert inference_names == names
      with tf.Session() as sess:
        tf.train.Saver().restore(sess, ckpt)
        results[mode] = sess.run({k: v for k, v in model.items()
                                  if k != "src"}, {model["src"]: src})
  beam, greedy = results["beam"], results["greedy"]
  assert beam["ids"].shape[0] == 8 and beam["ids"].shape[2] == BEAM
  # Beams come out best first.
  final_scores = beam["scores"][:, -1, :]
  assert np.all(np.diff(final_scores, axis=1) <= 1e-6)
  best = beam["ids"][:, :, 0]
  beam_exact = np.mean([np.array_equal(best[i, :LENGTH + 1], tgt_out[i])
                        for i in range(8)])
  greedy_exact = np.mean([np.array_equal(greedy["ids"][i, :LENGTH + 1],
                                         tgt_out[i]) for i in range(8)])
  assert beam_exact >= 0.75, (best, tgt_out)
  assert beam_exact >= greedy_exact - 0.125
  # Alignment history: one row per decoded step, each a distribution.
  history = greedy["history"]
  assert history.shape[1:] == (8, LENGTH)
  np.testing.assert_allclose(history.sum(-1), 1.0, rtol=1e-5)
