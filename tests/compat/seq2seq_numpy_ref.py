"""NumPy (float64) equations of TF 1.15's ``legacy_seq2seq``, written from
the model definitions, to check ``compat.legacy_seq2seq`` against.

Weights come from a dict ``W`` of full variable names (``op.name``, no
``:0``) to arrays, so every lookup also checks a TF1 variable name. Cells are
small step objects: ``cell(x, state) -> (output, new_state)`` plus
``zero_state(batch)``; ``make_cell(kind, W, scope)`` builds the cell whose
variables live under ``scope`` (a prefix ending in ``/``) the way the TF1
cell of that kind names them.
"""

import numpy as np


def sigmoid(x):
  return 1.0 / (1.0 + np.exp(-x))


def softmax(x):
  e = np.exp(x - x.max(axis=-1, keepdims=True))
  return e / e.sum(axis=-1, keepdims=True)


def flatten(state):
  if isinstance(state, (tuple, list)):
    return [leaf for s in state for leaf in flatten(s)]
  return [state]


def affine(W, scope, parts):
  """``concat(parts) @ W[scope+kernel] + W[scope+bias]``."""
  x = np.concatenate(parts, axis=1)
  return x @ W[scope + "kernel"] + W[scope + "bias"]


# ---------------------------------------------------------------------------
# Cells.


class GRU(object):
  """``r, u = sigmoid([x, h] Wg + bg)``; ``c = tanh([x, r h] Wc + bc)``;
  ``h' = u h + (1 - u) c``. Scope: ``<scope>gru_cell/``."""

  def __init__(self, W, scope):
    self.W, self.scope = W, scope + "gru_cell/"

  def zero_state(self, batch):
    return np.zeros((batch, self.W[self.scope + "candidate/bias"].shape[0]))

  def __call__(self, x, h):
    gates = sigmoid(affine(self.W, self.scope + "gates/", [x, h]))
    r, u = np.split(gates, 2, axis=1)
    c = np.tanh(affine(self.W, self.scope + "candidate/", [x, r * h]))
    new_h = u * h + (1.0 - u) * c
    return new_h, new_h


class BasicLSTM(object):
  """Gates ``i, j, f, o`` from ``[x, h] W + b``; forget bias 1.0 added at
  run time; state ``(c, h)``. Scope: ``<scope>basic_lstm_cell/``."""

  def __init__(self, W, scope):
    self.W, self.scope = W, scope + "basic_lstm_cell/"

  def zero_state(self, batch):
    units = self.W[self.scope + "bias"].shape[0] // 4
    return (np.zeros((batch, units)), np.zeros((batch, units)))

  def __call__(self, x, state):
    c, h = state
    i, j, f, o = np.split(affine(self.W, self.scope, [x, h]), 4, axis=1)
    new_c = c * sigmoid(f + 1.0) + sigmoid(i) * np.tanh(j)
    new_h = np.tanh(new_c) * sigmoid(o)
    return new_h, (new_c, new_h)


class Stack(object):
  """MultiRNNCell: layer k under ``<scope>multi_rnn_cell/cell_<k>/``."""

  def __init__(self, layers):
    self.layers = layers

  def zero_state(self, batch):
    return tuple(layer.zero_state(batch) for layer in self.layers)

  def __call__(self, x, state):
    new_states = []
    for layer, s in zip(self.layers, state):
      x, s = layer(x, s)
      new_states.append(s)
    return x, tuple(new_states)


class Projected(object):
  """OutputProjectionWrapper: the cell under
  ``<scope>output_projection_wrapper/``, then its ``kernel``/``bias``."""

  def __init__(self, W, scope, kind):
    self.W = W
    self.scope = scope + "output_projection_wrapper/"
    self.cell = make_cell(kind, W, self.scope)

  def zero_state(self, batch):
    return self.cell.zero_state(batch)

  def __call__(self, x, state):
    out, state = self.cell(x, state)
    return affine(self.W, self.scope, [out]), state


def make_cell(kind, W, scope):
  """``"gru"``: GRUCell; ``"lstm2"``: two BasicLSTMCells in a MultiRNNCell."""
  if kind == "gru":
    return GRU(W, scope)
  if kind == "lstm2":
    return Stack([BasicLSTM(W, scope + "multi_rnn_cell/cell_%d/" % k)
                  for k in range(2)])
  raise ValueError(kind)


def cell_or_projected(kind, W, scope, projected):
  return Projected(W, scope, kind) if projected else make_cell(kind, W,
                                                               scope)


# ---------------------------------------------------------------------------
# Decoders.


def run_rnn(cell, inputs, state):
  outputs = []
  for x in inputs:
    out, state = cell(x, state)
    outputs.append(out)
  return outputs, state


def rnn_decoder(cell, inputs, state, loop_function=None):
  """Step ``i > 0`` reads ``loop_function(previous output, i)`` if given."""
  outputs = []
  for i, x in enumerate(inputs):
    if loop_function is not None and i > 0:
      x = loop_function(outputs[-1], i)
    out, state = cell(x, state)
    outputs.append(out)
  return outputs, state


def argmax_embed(embedding, projection=None):
  """Feed back ``embedding[argmax(prev W + b)]``."""
  def loop_function(prev, _):
    if projection is not None:
      prev = prev @ projection[0] + projection[1]
    return embedding[np.argmax(prev, axis=1)]
  return loop_function


def attend(W, scope, query, states, num_heads):
  """Per head k: ``s_t = v_k . tanh(W1_k h_t + W2_k q + b_k)``,
  ``a = softmax(s)``, ``read_k = sum_t a_t h_t`` (``h``: ``states [B, L,
  A]``, ``q``: the flattened, concatenated query)."""
  q = np.concatenate(flatten(query), axis=1)
  reads = []
  for k in range(num_heads):
    w1 = W[scope + "AttnW_%d" % k][0, 0]
    keys = np.einsum("bla,ac->blc", states, w1)
    y = affine(W, scope + "Attention_%d/" % k, [q])
    scores = np.sum(W[scope + "AttnV_%d" % k] * np.tanh(keys + y[:, None, :]),
                    axis=2)
    a = softmax(scores)
    reads.append(np.einsum("bl,bla->ba", a, states))
  return reads


def attention_decoder(W, scope, cell, inputs, state, states, num_heads=1,
                      loop_function=None, initial_state_attention=False):
  """``x = [inp, reads] K + b`` (``<scope>kernel``); ``out, state = cell(x,
  state)``; ``reads = attend(state)``; ``y = [out, reads] P + c``
  (``<scope>AttnOutputProjection/``). First reads: zeros, or
  ``attend(initial state)``."""
  batch, _, size = states.shape
  if initial_state_attention:
    reads = attend(W, scope, state, states, num_heads)
  else:
    reads = [np.zeros((batch, size)) for _ in range(num_heads)]
  outputs = []
  for i, inp in enumerate(inputs):
    if loop_function is not None and i > 0:
      inp = loop_function(outputs[-1], i)
    x = affine(W, scope, [inp] + reads)
    out, state = cell(x, state)
    reads = attend(W, scope, state, states, num_heads)
    outputs.append(affine(W, scope + "AttnOutputProjection/", [out] + reads))
  return outputs, state


def embed(embedding, ids):
  return [embedding[np.asarray(i)] for i in ids]


def embedding_encoder(W, scope, kind, enc_ids):
  """EmbeddingWrapper(cell) over ``static_rnn``: ``<scope>rnn/
  embedding_wrapper/``."""
  wscope = scope + "rnn/embedding_wrapper/"
  cell = make_cell(kind, W, wscope)
  batch = len(enc_ids[0])
  return run_rnn(cell, embed(W[wscope + "embedding"], enc_ids),
                 cell.zero_state(batch))


def embedding_attention_seq2seq(W, kind, enc_ids, dec_ids, num_heads=1,
                                projection=None, feed_previous=False,
                                initial_state_attention=False,
                                scope="embedding_attention_seq2seq/"):
  enc_outputs, state = embedding_encoder(W, scope, kind, enc_ids)
  states = np.stack(enc_outputs, axis=1)
  dscope = scope + "embedding_attention_decoder/"
  ascope = dscope + "attention_decoder/"
  cell = cell_or_projected(kind, W, ascope, projection is None)
  embedding = W[dscope + "embedding"]
  loop = argmax_embed(embedding, projection) if feed_previous else None
  return attention_decoder(W, ascope, cell, embed(embedding, dec_ids), state,
                           states, num_heads, loop, initial_state_attention)


def embedding_rnn_seq2seq(W, kind, enc_ids, dec_ids, projection=None,
                          feed_previous=False,
                          scope="embedding_rnn_seq2seq/"):
  _, state = embedding_encoder(W, scope, kind, enc_ids)
  dscope = scope + "embedding_rnn_decoder/"
  cell = cell_or_projected(kind, W, dscope + "rnn_decoder/",
                           projection is None)
  embedding = W[dscope + "embedding"]
  loop = argmax_embed(embedding, projection) if feed_previous else None
  return rnn_decoder(cell, embed(embedding, dec_ids), state, loop)


def embedding_tied_rnn_seq2seq(W, kind, enc_ids, dec_ids, projection=None,
                               feed_previous=False,
                               scope="embedding_tied_rnn_seq2seq/"):
  embedding = W[scope + "embedding"]
  cscope = scope + "combined_tied_rnn_seq2seq/tied_rnn_seq2seq/"
  cell = cell_or_projected(kind, W, cscope, projection is None)
  batch = len(enc_ids[0])
  _, state = run_rnn(cell, embed(embedding, enc_ids), cell.zero_state(batch))
  loop = argmax_embed(embedding, projection) if feed_previous else None
  return rnn_decoder(cell, embed(embedding, dec_ids), state, loop)


# ---------------------------------------------------------------------------
# Losses.


def sparse_xent(labels, logits):
  shifted = logits - logits.max(axis=1, keepdims=True)
  log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
  return -log_probs[np.arange(len(labels)), labels]


def sequence_loss_by_example(logits, targets, weights,
                             average_across_timesteps=True, xent=None):
  xent = xent or sparse_xent
  total = sum(xent(t, l) * w for l, t, w in zip(logits, targets, weights))
  if average_across_timesteps:
    total = total / (sum(weights) + 1e-12)
  return total


def sequence_loss(logits, targets, weights, average_across_timesteps=True,
                  average_across_batch=True, xent=None):
  cost = np.sum(sequence_loss_by_example(logits, targets, weights,
                                         average_across_timesteps, xent))
  if average_across_batch:
    cost = cost / len(targets[0])
  return cost
