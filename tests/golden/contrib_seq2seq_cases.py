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


# ---------------------------------------------------------------------------
# Smaller cases for the rest of the API, all name-derived weights.


def _memory(v1):
  """Fixed memory [BATCH, SRC_LEN, UNITS] and decoder inputs."""
  rng = np.random.RandomState(7)
  memory = rng.uniform(-1, 1, (BATCH, SRC_LEN, UNITS)).astype(np.float32)
  dec = rng.uniform(-1, 1, (BATCH, TGT_LEN, EMBED)).astype(np.float32)
  return v1.constant(memory), v1.constant(dec)


def _grads(v1, loss, out):
  variables = v1.trainable_variables()
  for var, grad in zip(variables, v1.gradients(loss, variables)):
    if grad is not None:
      out["grad:" + var.op.name] = v1.convert_to_tensor(grad)


def extra_multi_monotonic(tf, api):
  """Two monotonic mechanisms in one wrapper, output_attention=False,
  time-major output, impute_finished."""
  v1 = tf.compat.v1
  s2s = api.s2s
  memory, dec = _memory(v1)
  src_len = v1.constant(SRC_LENGTHS)
  mechs = [
      s2s.BahdanauMonotonicAttention(UNITS, memory, src_len, normalize=True,
                                     score_bias_init=-0.5, mode="parallel"),
      s2s.LuongMonotonicAttention(UNITS, memory, src_len, scale=True,
                                  mode="recursive"),
  ]
  cell = s2s.AttentionWrapper(api.GRUCell(UNITS), mechs,
                              attention_layer_size=[3, 2],
                              alignment_history=True, output_attention=False)
  helper = s2s.TrainingHelper(dec, v1.constant(TGT_LENGTHS))
  decoder = s2s.BasicDecoder(cell, helper,
                             cell.zero_state(BATCH, v1.float32))
  outputs, state, lengths = s2s.dynamic_decode(decoder,
                                               output_time_major=True,
                                               impute_finished=True)
  out = dict(rnn_output=outputs.rnn_output, lengths=lengths,
             attention=state.attention, time=state.time,
             alignments0=state.alignments[0],
             alignments1=state.alignments[1],
             history0=state.alignment_history[0].stack(),
             history1=state.alignment_history[1].stack())
  _grads(v1, v1.reduce_sum(outputs.rnn_output ** 2), out)
  return out


def extra_functions(tf, api):
  """hardmax, safe_cumprod, monotonic_attention (3 modes), gather_tree,
  tile_batch on a nest, and sequence_loss in every reduction."""
  v1 = tf.compat.v1
  s2s = api.s2s
  rng = np.random.RandomState(11)
  logits = rng.uniform(-2, 2, (3, 5)).astype(np.float32)
  p = rng.uniform(0.05, 0.95, (3, 5)).astype(np.float32)
  prev = np.abs(rng.uniform(0, 1, (3, 5))).astype(np.float32)
  prev /= prev.sum(1, keepdims=True)
  hard_p = (p > 0.5).astype(np.float32)
  one_hot_prev = np.eye(5, dtype=np.float32)[[0, 2, 1]]
  out = dict(
      hardmax=s2s.hardmax(v1.constant(logits)),
      safe_cumprod=s2s.safe_cumprod(v1.constant(p), axis=1),
      safe_cumprod_excl=s2s.safe_cumprod(v1.constant(p), axis=1,
                                         exclusive=True),
      mono_recursive=s2s.monotonic_attention(v1.constant(p),
                                             v1.constant(prev), "recursive"),
      mono_parallel=s2s.monotonic_attention(v1.constant(p),
                                            v1.constant(prev), "parallel"),
      mono_hard=s2s.monotonic_attention(v1.constant(hard_p),
                                        v1.constant(one_hot_prev), "hard"))
  # [time, batch, beam], a trajectory with ids after an end token.
  step_ids = np.array([[[2, 5, 1], [4, 4, 3]], [[3, 2, 6], [1, 2, 5]],
                       [[7, 3, 2], [6, 6, 6]], [[5, 5, 5], [3, 2, 1]]],
                      np.int32)
  parent_ids = np.array([[[0, 0, 0], [0, 0, 0]], [[2, 0, 1], [1, 1, 0]],
                         [[1, 1, 0], [2, 0, 1]], [[0, 2, 1], [0, 0, 2]]],
                        np.int32)
  out["gather_tree"] = s2s.gather_tree(
      v1.constant(step_ids), v1.constant(parent_ids),
      max_sequence_lengths=v1.constant([4, 3]), end_token=2)
  tiled = s2s.tile_batch((v1.constant(logits), [v1.constant(p[:, :2])]), 2)
  out["tiled_a"], out["tiled_b"] = tiled[0], tiled[1][0]
  seq_logits = v1.constant(
      rng.uniform(-2, 2, (BATCH, TGT_LEN, TGT_VOCAB)).astype(np.float32))
  targets = v1.constant(rng.randint(0, TGT_VOCAB, (BATCH, TGT_LEN)).astype(
      np.int32))
  weights = v1.constant(np.array([[1, 1, 0.5, 0], [1, 0, 0, 0],
                                  [2, 1, 1, 1]], np.float32))
  combos = {
      "avg_both": dict(),
      "avg_time": dict(average_across_batch=False),
      "avg_batch": dict(average_across_timesteps=False),
      "none": dict(average_across_timesteps=False,
                   average_across_batch=False),
      "sum_both": dict(average_across_timesteps=False,
                       average_across_batch=False, sum_over_timesteps=True,
                       sum_over_batch=True),
      "sum_time": dict(average_across_timesteps=False,
                       average_across_batch=False, sum_over_timesteps=True),
      "sum_batch": dict(average_across_timesteps=False,
                        average_across_batch=False, sum_over_batch=True),
  }
  for key, kwargs in combos.items():
    out["loss_" + key] = s2s.sequence_loss(seq_logits, targets, weights,
                                           **kwargs)

  def squared(labels, logits):
    return v1.reduce_sum((v1.one_hot(labels, TGT_VOCAB) - logits) ** 2, -1)
  out["loss_custom"] = s2s.sequence_loss(seq_logits, targets, weights,
                                         softmax_loss_function=squared)
  return out


def extra_helpers(tf, api):
  """The scheduled, sampling, inference and custom helpers on one cell with
  fixed seeds."""
  v1 = tf.compat.v1
  s2s = api.s2s
  v1.set_random_seed(1234)
  _, dec = _memory(v1)
  emb = v1.get_variable("embedding", [TGT_VOCAB, EMBED])
  lengths = v1.constant(TGT_LENGTHS)
  out = {}

  def decode(name, helper, layer_units=TGT_VOCAB, **kwargs):
    with v1.variable_scope(name):
      cell = api.GRUCell(UNITS)
      layer = api.Dense(layer_units, name="out")
      decoder = s2s.BasicDecoder(cell, helper,
                                 cell.zero_state(BATCH, v1.float32),
                                 output_layer=layer)
      outputs, _, seq_lengths = s2s.dynamic_decode(decoder, **kwargs)
    out[name + ":rnn_output"] = outputs.rnn_output
    out[name + ":sample_id"] = outputs.sample_id
    out[name + ":lengths"] = seq_lengths

  # The scheduling draws do not depend on the previous step, so parallel
  # loop iterations could take them in any order: run the steps in order.
  decode("scheduled_embedding", s2s.ScheduledEmbeddingTrainingHelper(
      dec, lengths, emb, 0.5, seed=3, scheduling_seed=4),
         parallel_iterations=1)
  decode("scheduled_output", s2s.ScheduledOutputTrainingHelper(
      dec, lengths, 0.5, seed=5), layer_units=EMBED, parallel_iterations=1)
  decode("scheduled_output_fn", s2s.ScheduledOutputTrainingHelper(
      dec[:, :, :2], lengths, 0.6, seed=6,
      next_inputs_fn=lambda o: v1.tanh(o[:, :2]),
      auxiliary_inputs=dec[:, :, 2:]), layer_units=EMBED,
         parallel_iterations=1)
  decode("sample_embedding", s2s.SampleEmbeddingHelper(
      emb, v1.fill([BATCH], START), END, softmax_temperature=0.7, seed=8),
         maximum_iterations=MAX_ITERS)
  decode("inference", s2s.InferenceHelper(
      sample_fn=lambda o: v1.tanh(o), sample_shape=[EMBED],
      sample_dtype=v1.float32, start_inputs=dec[:, 0],
      end_fn=lambda s: s[:, 0] > 0.6), layer_units=EMBED,
         maximum_iterations=MAX_ITERS)

  def initialize_fn():
    return v1.constant([False, False, True]), dec[:, 0]

  def sample_fn(time, outputs, state):
    del time, state
    return v1.argmax(outputs, -1, output_type=v1.int32)

  def next_inputs_fn(time, outputs, state, sample_ids):
    del outputs
    return (v1.logical_or(v1.equal(sample_ids, END), time >= 3),
            v1.nn.embedding_lookup(emb, sample_ids), state)
  decode("custom", s2s.CustomHelper(initialize_fn, sample_fn,
                                    next_inputs_fn),
         maximum_iterations=MAX_ITERS, impute_finished=True)
  return out


def extra_wrapper_options(tf, api):
  """AttentionWrapper options: initial_cell_state, cell_input_fn, no
  attention layer, user attention_layer, hardmax, score_mask_value,
  Luong without scale, Bahdanau without normalize."""
  v1 = tf.compat.v1
  s2s = api.s2s
  memory, dec = _memory(v1)
  src_len = v1.constant(SRC_LENGTHS)
  lengths = v1.constant(TGT_LENGTHS)
  out = {}
  luong = s2s.LuongAttention(UNITS, memory, src_len,
                             probability_fn=s2s.hardmax)
  start = v1.constant(np.linspace(-1, 1, BATCH * UNITS).reshape(
      BATCH, UNITS).astype(np.float32))
  cell = s2s.AttentionWrapper(
      api.GRUCell(UNITS), luong, initial_cell_state=start,
      cell_input_fn=lambda inputs, attention: inputs + attention[:, :EMBED])
  decoder = s2s.BasicDecoder(cell, s2s.TrainingHelper(dec, lengths),
                             cell.zero_state(BATCH, v1.float32))
  outputs, state, _ = s2s.dynamic_decode(decoder, scope="first")
  out.update(first_output=outputs.rnn_output, first_state=state.cell_state,
             first_alignments=state.alignments)
  bahdanau = s2s.BahdanauAttention(UNITS, memory, src_len,
                                   score_mask_value=-30.0)
  cell = s2s.AttentionWrapper(
      api.GRUCell(UNITS), bahdanau,
      attention_layer=api.Dense(3, name="my_attention", use_bias=True),
      output_attention=False)
  decoder = s2s.BasicDecoder(cell, s2s.TrainingHelper(dec, lengths),
                             cell.zero_state(BATCH, v1.float32))
  outputs, state, _ = s2s.dynamic_decode(decoder, scope="second")
  out.update(second_output=outputs.rnn_output,
             second_attention=state.attention,
             second_alignments=state.alignments)
  _grads(v1, v1.reduce_sum(outputs.rnn_output ** 2) +
         v1.reduce_sum(state.attention ** 2), out)
  return out


EXTRAS = {
    "wrapper_options": extra_wrapper_options,
    "multi_monotonic": extra_multi_monotonic,
    "functions": extra_functions,
    "helpers": extra_helpers,
}


def run_extra(tf, api, name):
  v1 = tf.compat.v1
  with tf.Graph().as_default():
    fetch = EXTRAS[name](tf, api)
    meta = variables_meta(v1)
    with v1.Session() as sess:
      sess.run(v1.global_variables_initializer())
      set_named_values(sess, v1)
      values = sess.run(fetch)
  return {k: np.asarray(v) for k, v in values.items()}, meta
