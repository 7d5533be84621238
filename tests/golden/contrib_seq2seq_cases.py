"""Golden ``tf.contrib.seq2seq`` cases, shared by TensorFlow 1.15 and 2.x.

Runs unchanged under both interpreters: ``make_contrib_seq2seq_golden.py``
runs it with TF 1.15 (``api.s2s`` is ``tf.contrib.seq2seq``, cells are
``tf.nn.rnn_cell``'s, ``api.Dense`` is ``tf.layers.Dense``) and records
numbers and checkpoints; ``tests/compat/test_contrib_seq2seq.py`` runs it
with ``compat.seq2seq`` and compares.

Two attention models (``luong``: LSTM encoder, ``BasicLSTMCell`` decoder,
``LuongAttention(scale=True)``, ``attention_layer_size``; ``bahdanau``: GRU
encoder and decoder, ``BahdanauAttention(normalize=True)``, alignment
history), each built three times in fresh graphs with the same variable
names, as TF1 NMT code did: ``train`` (``TrainingHelper`` +
``sequence_loss``, with gradients), ``greedy`` (``GreedyEmbeddingHelper``)
and ``beam`` (``BeamSearchDecoder``, width 3, length penalty; coverage
penalty for ``bahdanau``), all from one set of name-derived weights.
"""

import json
import zlib

import numpy as np

BATCH, SRC_LEN, TGT_LEN = 3, 5, 4
SRC_VOCAB, TGT_VOCAB, EMBED, UNITS = 7, 6, 3, 4
START, END = 1, 2
MAX_ITERS = 7
BEAM = 3
SRC_LENGTHS = np.array([5, 3, 4], np.int32)
TGT_LENGTHS = np.array([4, 2, 3], np.int32)

MODELS = ("luong", "bahdanau")
MODES = ("train", "greedy", "beam")
SETTINGS = {
    "luong": dict(length_penalty=0.6, coverage_penalty=0.0),
    "bahdanau": dict(length_penalty=1.0, coverage_penalty=0.4),
}


def named_values(name, shape):
  """Uniform(-1.5, 1.5) values seeded by the crc32 of a variable's name
  (wide, so that decoding ends at different steps)."""
  seed = zlib.crc32(name.encode("utf-8")) & 0xFFFFFFFF
  rng = np.random.RandomState(seed)
  return rng.uniform(-1.5, 1.5, size=[int(s) for s in shape]).astype(
      np.float32)


def inputs():
  rng = np.random.RandomState(2017)
  src = rng.randint(3, SRC_VOCAB, size=(BATCH, SRC_LEN)).astype(np.int32)
  tgt = rng.randint(3, TGT_VOCAB, size=(BATCH, TGT_LEN)).astype(np.int32)
  tgt_in = np.concatenate([np.full((BATCH, 1), START, np.int32),
                           tgt[:, :-1]], 1)
  return src, tgt_in, tgt


def build(tf, api, model, mode):
  """Build one graph's model; returns ``{key: tensor}`` to fetch."""
  v1 = tf.compat.v1
  s2s = api.s2s
  src, tgt_in, tgt = inputs()
  src_emb = v1.get_variable("src_embedding", [SRC_VOCAB, EMBED])
  tgt_emb = v1.get_variable("tgt_embedding", [TGT_VOCAB, EMBED])
  src_len = v1.constant(SRC_LENGTHS)
  with v1.variable_scope("encoder"):
    enc_cell = (api.LSTMCell(UNITS) if model == "luong" else
                api.GRUCell(UNITS))
    memory, enc_state = v1.nn.dynamic_rnn(
        enc_cell, v1.nn.embedding_lookup(src_emb, v1.constant(src)),
        sequence_length=src_len, dtype=v1.float32)
  batch = BATCH
  if mode == "beam":
    memory = s2s.tile_batch(memory, BEAM)
    src_len = s2s.tile_batch(src_len, BEAM)
    enc_state = s2s.tile_batch(enc_state, BEAM)
    batch = BATCH * BEAM
  if model == "luong":
    mechanism = s2s.LuongAttention(UNITS, memory,
                                   memory_sequence_length=src_len,
                                   scale=True)
    cell = s2s.AttentionWrapper(api.BasicLSTMCell(UNITS), mechanism,
                                attention_layer_size=5)
  else:
    mechanism = s2s.BahdanauAttention(UNITS, memory,
                                      memory_sequence_length=src_len,
                                      normalize=True)
    cell = s2s.AttentionWrapper(api.GRUCell(UNITS), mechanism,
                                attention_layer_size=4,
                                alignment_history=True)
  initial_state = cell.zero_state(batch, v1.float32).clone(
      cell_state=enc_state)
  projection = api.Dense(TGT_VOCAB, use_bias=False, name="output_projection")
  out = {}
  if mode == "train":
    helper = s2s.TrainingHelper(
        v1.nn.embedding_lookup(tgt_emb, v1.constant(tgt_in)),
        v1.constant(TGT_LENGTHS))
    decoder = s2s.BasicDecoder(cell, helper, initial_state,
                               output_layer=projection)
    outputs, state, lengths = s2s.dynamic_decode(decoder)
    logits = outputs.rnn_output
    weights = v1.sequence_mask(v1.constant(TGT_LENGTHS), TGT_LEN,
                               dtype=v1.float32)
    loss = s2s.sequence_loss(logits, v1.constant(tgt), weights)
    per_step = s2s.sequence_loss(logits, v1.constant(tgt), weights,
                                 average_across_timesteps=False,
                                 average_across_batch=False)
    out.update(logits=logits, loss=loss, per_step_loss=per_step,
               lengths=lengths, sample_id=outputs.sample_id)
    variables = v1.trainable_variables()
    grads = v1.gradients(loss, variables)
    for var, grad in zip(variables, grads):
      if grad is not None:
        out["grad:" + var.op.name] = v1.convert_to_tensor(grad)
    if model == "bahdanau":
      out["alignment_history"] = state.alignment_history.stack()
  elif mode == "greedy":
    helper = s2s.GreedyEmbeddingHelper(tgt_emb, v1.fill([BATCH], START), END)
    decoder = s2s.BasicDecoder(cell, helper, initial_state,
                               output_layer=projection)
    outputs, state, lengths = s2s.dynamic_decode(
        decoder, maximum_iterations=MAX_ITERS, impute_finished=True)
    out.update(ids=outputs.sample_id, logits=outputs.rnn_output,
               lengths=lengths, final_attention=state.attention)
  else:
    settings = SETTINGS[model]
    decoder = s2s.BeamSearchDecoder(
        cell, tgt_emb, v1.fill([BATCH], START), END, initial_state, BEAM,
        output_layer=projection,
        length_penalty_weight=settings["length_penalty"],
        coverage_penalty_weight=settings["coverage_penalty"])
    outputs, state, lengths = s2s.dynamic_decode(
        decoder, maximum_iterations=MAX_ITERS)
    raw = outputs.beam_search_decoder_output
    out.update(ids=outputs.predicted_ids, scores=raw.scores,
               step_ids=raw.predicted_ids, parent_ids=raw.parent_ids,
               lengths=lengths, beam_lengths=state.lengths,
               log_probs=state.log_probs, finished=state.finished)
    if model == "bahdanau":
      out["alignment_history"] = state.cell_state.alignment_history.stack()
  return out


def variables_meta(v1):
  return [(v.op.name, [int(d) for d in v.shape]) for v in
          v1.global_variables()]


def set_named_values(sess, v1):
  for var in v1.global_variables():
    var.load(named_values(var.op.name, var.shape), sess)


def run(tf, api, model, mode, restore=None):
  """Build in a fresh graph, set the weights (name-derived, or restored
  from checkpoint ``restore``), run; ``(arrays, variables_meta)``."""
  v1 = tf.compat.v1
  with tf.Graph().as_default():
    fetch = build(tf, api, model, mode)
    meta = variables_meta(v1)
    with v1.Session() as sess:
      if restore is None:
        sess.run(v1.global_variables_initializer())
        set_named_values(sess, v1)
      else:
        v1.train.Saver(v1.global_variables()).restore(sess, restore)
      values = sess.run(fetch)
  return {k: np.asarray(v) for k, v in values.items()}, meta


def encode_meta(meta):
  return np.array(json.dumps(meta))


def decode_meta(array):
  return [(name, shape) for name, shape in json.loads(str(array))]
