"""The TF1 graph twin of the seed's Keras next-character model.

The seed is ``Sequential([Embedding(V, 256), SimpleRNN(256), Dense(V,
softmax)])``. Written the TF1 way that is:

  * ``embedding [V, embedding_dim]`` (``get_variable``) and
    ``tf.nn.embedding_lookup``;
  * a ``BasicRNNCell`` (``--cell=gru|lstm``: ``GRUCell`` /
    ``BasicLSTMCell``) under ``tf.nn.dynamic_rnn`` with ``sequence_length``,
    so a window shorter than the padded width runs only over its real steps:
    after ``length`` steps TF1 writes zero outputs and copies the state
    through;
  * the last VALID output, ``outputs[b, length[b] - 1]`` (Keras's
    ``SimpleRNN`` without ``return_sequences``). ``outputs[:, -1]`` would be
    a zero row for every short window;
  * ``--bidirectional``: ``tf.nn.bidirectional_dynamic_rnn`` with a forward
    and a backward cell. TF1 reverses the first ``length`` steps of each row
    (``reverse_sequence``) for the backward cell and reverses its outputs
    back, so the backward cell's final output -- the one that has read the
    whole window -- sits at time 0. The features are
    ``[fw[b, length - 1], bw[b, 0]]``, which is what Keras's
    ``Bidirectional(..., merge_mode="concat")`` returns without sequences;
  * ``tf.layers.dense`` (``compat.dense``) to ``V`` logits, a softmax for the
    probabilities, and ``sparse_softmax_cross_entropy_with_logits``, which is
    what Keras computes for ``sparse_categorical_crossentropy`` on a softmax
    output (it reads the logits under the softmax);
  * ``AdamOptimizer(0.001, epsilon=1e-7)``: Keras's ``"adam"``, whose
    epsilon is 1e-7 where TF1's default was 1e-8.

Initialisers follow TF1 defaults (Glorot uniform kernels, zero biases), the
embedding Keras's uniform(-0.05, 0.05); weights move between the two
implementations through ``convert``, so initialisers never have to match.

``NextCharNet`` holds the cells, embedding and dense layer so the graph can
be applied twice (the sampler runs it inside a ``tf.while_loop``) on one set
of variables.
"""

import tensorflow as tf

import compat
from tf1_models import sampling

v1 = tf.compat.v1

CELLS = {"rnn": compat.BasicRNNCell, "gru": compat.GRUCell,
         "lstm": compat.BasicLSTMCell}
ADAM_EPSILON = 1e-7  # Keras's default; TF1's AdamOptimizer had 1e-8


def make_cell(cell, units):
  if cell not in CELLS:
    raise ValueError("unknown cell %r; choose rnn, gru or lstm" % cell)
  return CELLS[cell](units)


def last_valid(outputs, lengths):
  """``outputs[b, lengths[b] - 1]`` for every row ``b``."""
  return tf.gather(outputs, lengths - 1, axis=1, batch_dims=1)


TRAIN_GRAPHS = ("seed", "folded")


def _rnn_recurrence(projected, lengths, h0, w_h):
  """The SimpleRNN recurrence over ``projected [T, B, H]`` (``x W_x + b``
  per step) with ``dynamic_rnn``'s lengths rule (past ``lengths[b]`` the
  state is copied through), returning the last state ``[B, H]``, with a
  hand-written gradient: a reverse loop carries only ``dh`` and keeps each
  step's ``d pre-activation``; ``dW_h`` is then ONE ``[H, T*B] x [T*B, H]``
  matmul instead of a small matmul and an accumulation per step."""

  @tf.custom_gradient
  def recurrence(projected, h0, w_h):
    steps_n = tf.shape(projected)[0]

    def body(t, h, hs):
      new = tf.tanh(tf.add(projected[t], tf.matmul(h, w_h)))
      h = tf.where((t < lengths)[:, None], new, h)
      return t + 1, h, hs.write(t, h)

    _, h_last, hs = tf.while_loop(
        lambda t, *_: t < steps_n, body,
        (tf.constant(0), h0, tf.TensorArray(tf.float32, size=steps_n)))
    hs = hs.stack()

    def grad(d_h_last):
      def back(t, dh, d_pres):
        live = (t < lengths)[:, None]
        d_pre = tf.where(live, dh * (1.0 - hs[t] * hs[t]), tf.zeros_like(dh))
        dh = tf.where(live, tf.matmul(d_pre, w_h, transpose_b=True), dh)
        return t - 1, dh, d_pres.write(t, d_pre)

      _, dh0, d_pres = tf.while_loop(
          lambda t, *_: t >= 0, back,
          (steps_n - 1, d_h_last, tf.TensorArray(tf.float32, size=steps_n)))
      d_pres = d_pres.stack()
      units = h0.shape[-1]
      h_prev = tf.reshape(tf.concat([h0[None], hs[:-1]], 0), [-1, units])
      d_w_h = tf.matmul(h_prev, tf.reshape(d_pres, [-1, units]),
                        transpose_a=True)
      return d_pres, dh0, d_w_h

    return h_last, grad

  return recurrence(projected, h0, w_h)


class NextCharNet(object):
  """Embedding -> (bi)directional RNN with lengths -> dense logits.

  ``train_graph``: ``seed``, the graph above; ``folded`` (SimpleRNN,
  one direction): the same variables (``rnn/basic_rnn_cell/kernel`` and
  ``bias``), but the embedding folded into the input projection (``table =
  embedding W_x + b``, ``[V, E] x [E, H]`` once instead of ``[B*T, E] x [E,
  H]``: a row of the product is the product of the row), each step's
  projection a row lookup, and ``_rnn_recurrence``'s batched ``dW_h``. The
  features are the last state, which is ``outputs[b, lengths[b] - 1]``.
  Same function up to float rounding (tests/next_char/test_train_graph.py).
  """

  def __init__(self, vocab_size, cell="rnn", bidirectional=False,
               embedding_dim=256, rnn_size=256, train_graph="seed"):
    if train_graph not in TRAIN_GRAPHS:
      raise ValueError("unknown train_graph %r; choose %s" %
                       (train_graph, " or ".join(TRAIN_GRAPHS)))
    if train_graph != "seed" and (cell != "rnn" or bidirectional):
      raise ValueError("train_graph %r is for the one-direction SimpleRNN "
                       "(cell rnn, not bidirectional)" % train_graph)
    self.train_graph = train_graph
    self.vocab_size = vocab_size
    self.bidirectional = bidirectional
    self.embedding_dim = embedding_dim
    self.fw = make_cell(cell, rnn_size)
    self.bw = make_cell(cell, rnn_size) if bidirectional else None
    self.dense = compat.Dense(vocab_size, name="dense")
    self.embedding = None

  def __call__(self, ids, lengths):
    """End points for ``ids [B, T]`` whose first ``lengths [B]`` steps are
    real: ``outputs`` (per step; a pair for bidirectional), ``features``
    (the last valid output), ``logits`` and ``probs`` ``[B, V]``."""
    if self.embedding is None:
      self.embedding = v1.get_variable(
          "embedding", [self.vocab_size, self.embedding_dim],
          initializer=v1.random_uniform_initializer(-0.05, 0.05))
    if self.train_graph == "folded":
      return self._end_points(self._folded_features(ids, lengths), None)
    x = tf.nn.embedding_lookup(self.embedding, ids)
    if self.bidirectional:
      outputs, _ = v1.nn.bidirectional_dynamic_rnn(
          self.fw, self.bw, x, sequence_length=lengths, dtype=tf.float32)
      fw, bw = outputs
      features = tf.concat([last_valid(fw, lengths), bw[:, 0]], axis=-1)
    else:
      outputs, _ = v1.nn.dynamic_rnn(self.fw, x, sequence_length=lengths,
                                     dtype=tf.float32)
      features = last_valid(outputs, lengths)
    return self._end_points(features, outputs)

  def _end_points(self, features, outputs):
    logits = self.dense(features)
    return {"outputs": outputs, "features": features, "logits": logits,
            "probs": tf.nn.softmax(logits)}

  def _folded_features(self, ids, lengths):
    cell, depth = self.fw, self.embedding_dim
    with v1.variable_scope("rnn"):  # dynamic_rnn's scope: the same names
      with cell._enter_scope(None, tf.zeros([1, depth])):  # pylint: disable=protected-access
        pass  # builds the cell's variables
    kernel, bias = cell._kernel, cell._bias  # pylint: disable=protected-access
    table = tf.nn.bias_add(tf.matmul(self.embedding, kernel[:depth]), bias)
    projected = tf.gather(table, tf.transpose(ids))  # [T, B, H]
    h0 = tf.zeros([tf.shape(ids)[0], cell.output_size])
    return _rnn_recurrence(projected, lengths, h0, kernel[depth:])


def full_lengths(ids):
  """Every row uses all its steps: the default ``lengths`` feed."""
  shape = tf.shape(ids)
  return v1.placeholder_with_default(tf.fill([shape[0]], shape[1]), [None],
                                     name="lengths")


def build_graph(vocab_size, cell="rnn", bidirectional=False,
                embedding_dim=256, rnn_size=256, learning_rate=None,
                wrap_optimizer=None, train_graph="seed"):
  """Placeholders ``ids [B, T]`` (int32), ``lengths [B]`` (default: T) and,
  with ``learning_rate``, ``targets [B]`` plus ``loss``, ``train_op`` and
  ``global_step``. Call inside a fresh ``tf.Graph``. ``wrap_optimizer``:
  ``optimizer -> optimizer`` (a distributed run's ``SyncReplicasOptimizer``;
  ``optimizer`` stays the Adam whose slots the checkpoint holds;
  ``train_graph``: see ``NextCharNet``)."""
  ids = v1.placeholder(tf.int32, [None, None], name="ids")
  lengths = full_lengths(ids)
  net = NextCharNet(vocab_size, cell, bidirectional, embedding_dim, rnn_size,
                    train_graph)
  end_points = net(ids, lengths)
  end_points.update(ids=ids, lengths=lengths, net=net)
  if learning_rate is not None:
    targets = v1.placeholder(tf.int32, [None], name="targets")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=targets, logits=end_points["logits"]))
    global_step = v1.train.get_or_create_global_step()
    optimizer = v1.train.AdamOptimizer(learning_rate, epsilon=ADAM_EPSILON)
    end_points.update(
        targets=targets, loss=loss, global_step=global_step,
        optimizer=optimizer,
        train_op=(wrap_optimizer or (lambda o: o))(optimizer).minimize(
            loss, global_step=global_step))
  return end_points


def model_variables(graph):
  """``{name: variable}`` of the model (no optimizer slots, no step)."""
  out = {}
  for var in graph.get_collection(v1.GraphKeys.TRAINABLE_VARIABLES):
    out[var.op.name] = var
  return out


def build_generator(vocab_size, cell, bidirectional, embedding_dim, rnn_size,
                    seq_length, inputs=None, jit=False):
  """The seed's generation loop in one ``tf.while_loop``.

  The seed re-read the last ``seq_length`` characters of the text for every
  new character (``generated_text[-seq_length:]``); it did not carry an RNN
  state. The sampler's "state" is therefore the window itself, right-padded
  to ``seq_length`` with its length: each step appends the chosen id (once
  full, the oldest drops out) and runs the network over the window.
  Variables are named as in ``build_graph``, so its checkpoints restore.
  ``inputs``, ``jit``: see ``sampling.build_generator``. Returns
  ``(sampling.Generator, net)``.
  """
  net = NextCharNet(vocab_size, cell, bidirectional, embedding_dim, rnn_size)
  warm = tf.zeros([1, seq_length], tf.int32)
  net(warm, tf.ones([1], tf.int32))  # creates the variables outside the loop

  def step(token, state):
    window, n = advance_window(state, token, seq_length)
    return net(window, tf.reshape(n, [1]))["logits"], (window, n)

  generator = sampling.build_generator(step, (warm, tf.constant(0)),
                                       inputs=inputs, jit=jit)
  return generator, net


def advance_window(state, token, seq_length):
  """The sampler's state ``(window [1, seq_length], n)`` after ``token``
  ([1] int32): appended after the ``n`` ids so far, or, once the window is
  full, shifted in at the end with the oldest dropped."""
  window, n = state
  shifted = tf.concat([window[:, 1:], tf.reshape(token, [1, 1])], axis=1)
  appended = tf.tensor_scatter_nd_update(
      window, [[0, tf.minimum(n, seq_length - 1)]], token)
  return (tf.where(n >= seq_length, shifted, appended),
          tf.minimum(n + 1, seq_length))
