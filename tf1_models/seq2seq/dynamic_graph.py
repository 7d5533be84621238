"""The mirror task's ``tf.contrib.seq2seq`` network (``--decoder=dynamic``),
written once against an ``api`` namespace so the very same code runs on
genuine TF 1.15 (``tests/golden/make_s2s_dynamic_golden.py`` passes
``tf.contrib.seq2seq`` and TF1's cells) and on TF 2.x (``compat.seq2seq``
and ``compat``'s cells). Python 3.7 syntax, ``tensorflow`` only.

The graph is the one TensorFlow's NMT tutorial taught (2017-2019):

* ``encoder/embedding [V, size]`` and ``dynamic_rnn`` of a GRU (LSTM with
  ``use_lstm``; a ``MultiRNNCell`` with ``num_layers > 1``) over the source
  with its ``sequence_length`` (variables ``encoder/rnn/<cell>/...``);
* ``decoder/embedding [V, size]``, the attention mechanism on the encoder
  outputs (``decoder/memory_layer/kernel``; Luong, optionally scaled, or
  Bahdanau, optionally normalised), an ``AttentionWrapper`` around a fresh
  cell of the same kind (``attention_layer_size=size``, the encoder's final
  state as the initial cell state; variables
  ``decoder/attention_wrapper/...``) and ``output_projection`` (``Dense(V,
  use_bias=False)``, ``decoder/output_projection/kernel``);
* training: ``TrainingHelper`` over GO + target (teacher forcing),
  ``BasicDecoder``, ``dynamic_decode``;
* greedy decoding: ``GreedyEmbeddingHelper`` from GO until EOS;
* beam search: encoder outputs, lengths and final state tiled with
  ``tile_batch``, ``BeamSearchDecoder`` (with ``length_penalty_weight``).
"""

import collections

import tensorflow as tf

from tf1_models.seq2seq.symbols import ATTENTIONS, EOS_ID, GO_ID  # noqa: F401

v1 = tf.compat.v1

MODES = ("train", "greedy", "beam")

HParams = collections.namedtuple(
    "HParams", ["vocab_size", "size", "num_layers", "use_lstm", "attention",
                "beam_width", "length_penalty_weight", "max_iterations"])


def make_cell(api, size, num_layers, use_lstm):
  def single():
    return api.BasicLSTMCell(size) if use_lstm else api.GRUCell(size)
  if num_layers > 1:
    return api.MultiRNNCell([single() for _ in range(num_layers)])
  return single()


def attention_mechanism(api, kind, size, memory, memory_length):
  if kind not in ATTENTIONS:
    raise ValueError("unknown attention %r; choose one of %s" %
                     (kind, ", ".join(ATTENTIONS)))
  if kind in ("luong", "scaled_luong"):
    return api.seq2seq.LuongAttention(
        size, memory, memory_sequence_length=memory_length,
        scale=kind == "scaled_luong")
  return api.seq2seq.BahdanauAttention(
      size, memory, memory_sequence_length=memory_length,
      normalize=kind == "normed_bahdanau")


def build(api, hp, mode, source, source_length, decoder_inputs=None,
          decoder_length=None):
  """Build the network into the current graph.

  ``source [B, L]`` int32 (padded after each phrase), ``source_length [B]``;
  for ``mode="train"`` also ``decoder_inputs [B, T]`` (GO + target without
  its EOS) and ``decoder_length [B]``. Returns a dict: ``logits [B, T', V]``
  (train; ``T'`` = longest ``decoder_length``), ``ids [B, T']`` and
  ``lengths [B]`` (greedy), ``ids [B, T', K]``, per-step ``scores [B, T',
  K]`` and ``lengths [B, K]`` (beam; beam 0 is the best).
  """
  if mode not in MODES:
    raise ValueError("unknown mode %r; choose one of %s" % (mode, MODES))
  s2s = api.seq2seq
  with v1.variable_scope("encoder"):
    embedding = v1.get_variable("embedding", [hp.vocab_size, hp.size],
                                tf.float32)
    encoder_outputs, encoder_state = api.dynamic_rnn(
        make_cell(api, hp.size, hp.num_layers, hp.use_lstm),
        tf.nn.embedding_lookup(embedding, source),
        sequence_length=source_length, dtype=tf.float32)
  batch = tf.shape(source)[0]
  with v1.variable_scope("decoder") as scope:
    embedding = v1.get_variable("embedding", [hp.vocab_size, hp.size],
                                tf.float32)
    output_layer = api.Dense(hp.vocab_size, use_bias=False,
                             name="output_projection")
    memory, memory_length, cell_state = (encoder_outputs, source_length,
                                         encoder_state)
    beams = hp.beam_width if mode == "beam" else 1
    if mode == "beam":
      memory, memory_length, cell_state = [
          s2s.tile_batch(t, multiplier=beams)
          for t in (memory, memory_length, cell_state)]
    mechanism = attention_mechanism(api, hp.attention, hp.size, memory,
                                    memory_length)
    cell = s2s.AttentionWrapper(
        make_cell(api, hp.size, hp.num_layers, hp.use_lstm), mechanism,
        attention_layer_size=hp.size)
    initial_state = cell.zero_state(batch * beams, tf.float32).clone(
        cell_state=cell_state)
    start_tokens = tf.fill([batch], GO_ID)
    if mode == "train":
      helper = s2s.TrainingHelper(
          tf.nn.embedding_lookup(embedding, decoder_inputs), decoder_length)
      decoder = s2s.BasicDecoder(cell, helper, initial_state, output_layer)
      outputs, _, _ = s2s.dynamic_decode(decoder, scope=scope)
      return {"logits": outputs.rnn_output}
    if mode == "greedy":
      helper = s2s.GreedyEmbeddingHelper(embedding, start_tokens, EOS_ID)
      decoder = s2s.BasicDecoder(cell, helper, initial_state, output_layer)
      outputs, _, lengths = s2s.dynamic_decode(
          decoder, maximum_iterations=hp.max_iterations, scope=scope)
      return {"ids": outputs.sample_id, "lengths": lengths}
    decoder = s2s.BeamSearchDecoder(
        cell, embedding, start_tokens, EOS_ID, initial_state, beams,
        output_layer=output_layer,
        length_penalty_weight=hp.length_penalty_weight)
    outputs, state, _ = s2s.dynamic_decode(
        decoder, maximum_iterations=hp.max_iterations, scope=scope)
    return {"ids": outputs.predicted_ids,
            "scores": outputs.beam_search_decoder_output.scores,
            "lengths": state.lengths}
