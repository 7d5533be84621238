"""Seq2SeqModel weights: TF1 checkpoint names <-> ``KerasSeq2Seq``, both ways.

``S`` = ``embedding_attention_seq2seq``, ``A`` =
``S/embedding_attention_decoder/attention_decoder``, ``<cell k>`` =
``[multi_rnn_cell/cell_k/]gru_cell`` (``basic_lstm_cell``; the
``multi_rnn_cell`` level only with more than one layer), ``W`` =
``output_projection_wrapper/`` without sampled softmax, else empty:

TF1                                        Keras (``KerasSeq2Seq``)
-----------------------------------------  ---------------------------------
``S/rnn/embedding_wrapper/embedding``      ``encoder_embedding``
``S/rnn/embedding_wrapper/<cell k>/...``   ``encoder_k`` (``compat.
                                           keras_mapping``)
``S/embedding_attention_decoder/           ``decoder.embedding``
embedding``
``A/AttnW_h``, ``A/AttnV_h``               ``decoder.attn_w_h``, ``attn_v_h``
``A/kernel``, ``A/bias``                   ``decoder.merge``
``A/W<cell k>/...``                        ``decoder.cell_k``
``A/output_projection_wrapper/kernel,      ``decoder.cell_projection``
bias``
``A/Attention_h/kernel, bias``             ``decoder.attn_query_h``
``A/AttnOutputProjection/kernel, bias``    ``decoder.attn_output``
``proj_w [V, size]``, ``proj_b``           ``projection`` (kernel =
                                           ``proj_w`` transposed)
"""

import os

import numpy as np
import tensorflow as tf

from compat import keras_mapping
from tf1_models.errors import CheckpointMismatchError
from tf1_models.tf1_weights import assign_tf1

v1 = tf.compat.v1

S = "embedding_attention_seq2seq/"
ENCODER = S + "rnn/embedding_wrapper/"
DECODER = S + "embedding_attention_decoder/"
ATTENTION = DECODER + "attention_decoder/"
FORGET_BIAS = 1.0  # BasicLSTMCell's default, added at run time in TF1


def cell_path(k, num_layers, use_lstm):
  multi = "multi_rnn_cell/cell_%d/" % k if num_layers > 1 else ""
  return multi + ("basic_lstm_cell/" if use_lstm else "gru_cell/")


def cell_names(prefix, use_lstm):
  if use_lstm:
    return [prefix + "kernel", prefix + "bias"]
  return [prefix + "gates/kernel", prefix + "gates/bias",
          prefix + "candidate/kernel", prefix + "candidate/bias"]


def _cell_to_keras(arrays, size, use_lstm):
  if use_lstm:
    return keras_mapping.lstm_to_keras(*arrays, size, FORGET_BIAS)
  return keras_mapping.gru_to_keras(*arrays, size)


def _cell_to_tf1(weights, use_lstm):
  if use_lstm:
    return list(keras_mapping.keras_to_lstm(weights, FORGET_BIAS))
  return list(keras_mapping.keras_to_gru(weights))


def _identity(arrays):
  return list(arrays)


def groups(net):
  """``(get, set, tf1 names, to_keras, to_tf1)`` per Keras weight group."""
  n, lstm, size = net.num_layers, net.use_lstm, net.size
  dec = net.decoder

  def layer(obj):
    return obj.get_weights, obj.set_weights

  def cell(obj):
    return (obj.get_weights, obj.set_weights,
            lambda a: _cell_to_keras(a, size, lstm),
            lambda w: _cell_to_tf1(w, lstm))

  out = [layer(net.encoder_embedding) + ([ENCODER + "embedding"], _identity,
                                         _identity)]
  for k, encoder in enumerate(net.encoders):
    get, set_, to_k, to_t = cell(encoder)
    out.append((get, set_, cell_names(ENCODER + cell_path(k, n, lstm), lstm),
                to_k, to_t))
  out.append(layer(dec.embedding) + ([DECODER + "embedding"], _identity,
                                     _identity))
  for h in range(net.num_heads):
    out.append(layer(dec.attn_w[h]) + ([ATTENTION + "AttnW_%d" % h],
                                       _identity, _identity))
    var = dec.attn_v[h]
    out.append((lambda var=var: [np.asarray(var)],
                lambda w, var=var: var.assign(w[0]),
                [ATTENTION + "AttnV_%d" % h], _identity, _identity))
  out.append(layer(dec.merge) + ([ATTENTION + "kernel", ATTENTION + "bias"],
                                 _identity, _identity))
  wrapper = "" if net.sampled else "output_projection_wrapper/"
  for k, c in enumerate(dec.cells):
    get, set_, to_k, to_t = cell(c)
    out.append((get, set_, cell_names(
        ATTENTION + wrapper + cell_path(k, n, lstm), lstm), to_k, to_t))
  if not net.sampled:
    p = ATTENTION + wrapper
    out.append(layer(dec.cell_projection) + ([p + "kernel", p + "bias"],
                                             _identity, _identity))
  for h in range(net.num_heads):
    p = ATTENTION + "Attention_%d/" % h
    out.append(layer(dec.attn_query[h]) + ([p + "kernel", p + "bias"],
                                           _identity, _identity))
  p = ATTENTION + "AttnOutputProjection/"
  out.append(layer(dec.attn_output) + ([p + "kernel", p + "bias"], _identity,
                                       _identity))
  if net.sampled:
    out.append(layer(net.projection) + (
        ["proj_w", "proj_b"], lambda a: [a[0].T, a[1]],
        lambda w: [w[0].T, w[1]]))
  return out


DYNAMIC_DECODER = "decoder/"
DYNAMIC_WRAPPER = DYNAMIC_DECODER + "attention_wrapper/"
DYNAMIC_MECHANISM = {"luong": "luong_attention/",
                     "scaled_luong": "luong_attention/",
                     "bahdanau": "bahdanau_attention/",
                     "normed_bahdanau": "bahdanau_attention/"}


def _scalar_group(var, name, to_keras=_identity, to_tf1=_identity):
  return (lambda: [np.asarray(var)], lambda w: var.assign(w[0]), [name],
          to_keras, to_tf1)


def dynamic_groups(net):
  """``groups`` of a ``KerasDynamicSeq2Seq`` (``--decoder=dynamic``):

  TF1 (``dynamic_graph.py``)                 Keras (``KerasDynamicSeq2Seq``)
  -----------------------------------------  -------------------------------
  ``encoder/embedding``                      ``encoder_embedding``
  ``encoder/rnn/<cell k>/...``               ``encoder_k``
  ``decoder/embedding``                      ``decoder.embedding``
  ``decoder/memory_layer/kernel``            ``decoder.memory_layer``
  ``decoder/attention_wrapper/<cell k>/...`` ``decoder.cell_k`` (layer 0
                                             reads ``[input, attention]``)
  ``.../bahdanau_attention/query_layer/      ``decoder.query_layer``
  kernel``
  ``.../bahdanau_attention/attention_v,      ``decoder.attention_v``,
  attention_g, attention_b``,                ``attention_g``, ``attention_b``
  ``.../luong_attention/attention_g``
  ``decoder/attention_wrapper/               ``decoder.attention_layer``
  attention_layer/kernel``
  ``decoder/output_projection/kernel``       ``decoder.output_projection``
  """
  n, lstm, size = net.num_layers, net.use_lstm, net.size
  dec = net.decoder

  def layer(obj, names):
    return (obj.get_weights, obj.set_weights, names, _identity, _identity)

  def cell(obj, names, input_depth):
    to_keras = ((lambda a: keras_mapping.lstm_to_keras(*a, input_depth,
                                                       FORGET_BIAS))
                if lstm else
                (lambda a: keras_mapping.gru_to_keras(*a, input_depth)))
    return (obj.get_weights, obj.set_weights, names, to_keras,
            lambda w: _cell_to_tf1(w, lstm))

  out = [layer(net.encoder_embedding, ["encoder/embedding"])]
  for k, encoder in enumerate(net.encoders):
    out.append(cell(encoder, cell_names("encoder/rnn/" + cell_path(k, n, lstm),
                                        lstm), size))
  out.append(layer(dec.embedding, [DYNAMIC_DECODER + "embedding"]))
  out.append(layer(dec.memory_layer,
                   [DYNAMIC_DECODER + "memory_layer/kernel"]))
  for k, c in enumerate(dec.cells):
    out.append(cell(c, cell_names(DYNAMIC_WRAPPER + cell_path(k, n, lstm),
                                  lstm), 2 * size if k == 0 else size))
  mechanism = DYNAMIC_WRAPPER + DYNAMIC_MECHANISM[net.attention]
  if dec.query_layer is not None:
    out.append(layer(dec.query_layer, [mechanism + "query_layer/kernel"]))
  for var, name in ((dec.attention_v, "attention_v"),
                    (dec.attention_g, "attention_g"),
                    (dec.attention_b, "attention_b")):
    if var is not None:
      out.append(_scalar_group(var, mechanism + name))
  out.append(layer(dec.attention_layer,
                   [DYNAMIC_WRAPPER + "attention_layer/kernel"]))
  out.append(layer(dec.output_projection,
                   [DYNAMIC_DECODER + "output_projection/kernel"]))
  return out


def _groups(net):
  return dynamic_groups(net) if getattr(net, "dynamic", False) else groups(
      net)


def _describe(net):
  if getattr(net, "dynamic", False):
    return ("a dynamic (contrib.seq2seq) model with %s attention and %d %s "
            "layer(s) of %d" % (net.attention, net.num_layers,
                                "LSTM" if net.use_lstm else "GRU", net.size))
  return ("an embedding_attention_seq2seq with %d %s layer(s) of %d%s" %
          (net.num_layers, "LSTM" if net.use_lstm else "GRU", net.size,
           " and sampled softmax" if net.sampled else ""))


def tf1_variable_names(net):
  return [name for g in _groups(net) for name in g[2]]


def build(net, encoder_length=2, decoder_length=2):
  """Create the Keras weights (a call on dummy ids)."""
  net((np.zeros((1, encoder_length), np.int32),
       np.zeros((1, decoder_length), np.int32)))
  return net


def build_dynamic(net, source_length=2, decoder_length=2):
  """Create a ``KerasDynamicSeq2Seq``'s weights (a call on dummy ids)."""
  net((np.zeros((1, source_length), np.int32),
       np.full((1,), source_length, np.int32),
       np.zeros((1, decoder_length), np.int32)))
  return net


def tf1_to_keras(weights, net):
  """Set ``net``'s weights from TF1 ``{name: array}``."""
  for _, set_, names, to_keras, _ in _groups(net):
    missing = [n for n in names if n not in weights]
    if missing:
      raise CheckpointMismatchError(
          "no TF1 variable %s: the checkpoint is not %s" %
          (missing[0], _describe(net)))
    set_(to_keras([np.asarray(weights[n]) for n in names]))


def keras_to_tf1(net):
  """TF1 ``{name: array}`` of ``net``'s weights."""
  out = {}
  for get, _, names, _, to_tf1 in _groups(net):
    out.update(zip(names, to_tf1([np.asarray(w) for w in get()])))
  return out


def read_checkpoint(path, net):
  """``{name: array}`` of ``net``'s TF1 variables from a checkpoint."""
  reader = tf.train.load_checkpoint(path)
  have = reader.get_variable_to_shape_map()
  return {n: reader.get_tensor(n) for n in tf1_variable_names(net)
          if n in have}




def write_tf1_checkpoint(net, make_model, path):
  """Save ``net``'s weights as a TF1 checkpoint of the graph ``make_model()``
  builds (a ``Seq2SeqModel``; other variables keep their initial values)."""
  weights = keras_to_tf1(net)  # eagerly, before entering the TF1 graph
  graph = tf.Graph()
  with graph.as_default():
    make_model()
    saver = v1.train.Saver()
    with v1.Session(graph=graph) as sess:
      sess.run(v1.global_variables_initializer())
      assign_tf1(sess, weights)
      os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
      return saver.save(sess, path)
