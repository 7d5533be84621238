"""The 6_lstm notebook's graphs under ``tf.compat.v1``.

All three variants build what the notebook built, in one graph:

* the cell, written by hand. ``separate``: for each of the input gate ``i``,
  forget gate ``f``, memory cell update ``c`` and output gate ``o`` an input
  matrix ``<g>x [27, nodes]``, a recurrent matrix ``<g>m [nodes, nodes]`` and
  a bias ``<g>b [1, nodes]``; ``fused``: one ``input_weights [27,
  4*nodes]``, one ``output_weights [nodes, 4*nodes]``, one ``bias [1,
  4*nodes]``, the pre-activations cut into i, f, c, o by ``tf.split``. Then
  ``state = sigmoid(f) * state + sigmoid(i) * tanh(c)`` and ``output =
  sigmoid(o) * tanh(state)``: no forget-gate bias, no peepholes.
* matrices initialised ``truncated_normal(shape, -0.1, 0.1)``, which is mean
  -0.1, stddev 0.1 (the notebook passed mean and stddev positionally; we
  keep that literally), biases zeros; the classifier ``w [nodes, 27]`` the
  same way and ``b [27]`` zeros.
* ``num_unrollings + 1`` one-hot placeholders (inputs are the first U,
  labels the last U), the cell unrolled in Python from the non-trainable
  ``saved_output``/``saved_state`` variables, which are assigned the last
  output and state before the loss is computed: the state carries over from
  batch to batch and the gradient is truncated at batch boundaries.
* mean softmax cross-entropy, SGD with ``exponential_decay(10, step, 5000,
  0.1, staircase=True)``, gradients clipped by global norm 1.25.
* a batch-1 sampling/validation cell on ``saved_sample_output``/
  ``saved_sample_state`` with a ``reset_sample_state`` op, fed one
  character per ``session.run``.

``bigram`` feeds ``embedding_lookup(embeddings [729, E], 27 * prev + cur)``
to a fused cell and applies dropout (``keep_prob``) to the cell's inputs and
to its outputs before the classifier, not to the recurrent connection; the
labels stay characters.

Differences from the notebook, all deliberate:
  * variables have names (the notebook's were ``Variable``..``Variable_18``;
    ``convert.NOTEBOOK_NAMES`` maps a checkpoint of the notebook's own graph);
  * every initialiser has a fixed op seed, and a fused matrix is drawn as
    the four gate blocks ``separate`` draws, concatenated: with the same
    ``--seed`` both variants start from the same weights;
  * ``minibatch_perplexity`` is computed in the graph (the notebook computed
    it in NumPy from the fetched predictions, with the same 1e-10 floor).
  * the carried state is a resource variable (TF 2's default), so the
    gradient uses the state the batch started from. Under TF 1.x the
    notebook's variables were ref variables: the backward pass re-read
    ``saved_output``/``saved_state`` after the control-dependent assigns, so
    the first unrolled step's recurrent gradients were taken at the batch's
    *last* output and state (the forward pass was unaffected). Measured
    against TF 1.15 (tests/text8_lstm/test_tf1_golden.py): same logits and
    loss, global gradient norm 0.2% apart. ``ref_state=True``
    (``--tf1_ref_state``) builds those variables as ref variables and
    reproduces TF 1.x's numbers exactly; Keras computes the resource
    (snapshot) gradient, which is the default here.
"""

import dataclasses
from typing import List, Optional

import tensorflow as tf

from tf1_models import sampling
from tf1_models.text8_lstm.data import BIGRAM_VOCAB_SIZE, VOCAB_SIZE

v1 = tf.compat.v1

GATES = ("i", "f", "c", "o")
FUSED_NAMES = ("input_weights", "output_weights", "bias")
# Fixed op seeds: one per gate block and per other initialiser.
_SEEDS = {"x": 11, "m": 21, "w": 31, "embeddings": 41, "dropout": 51}


def _gate_block(gate, kind, shape):
  seed = _SEEDS[kind] + GATES.index(gate)
  return v1.truncated_normal(shape, -0.1, 0.1, seed=seed)


class SeparateCell(object):
  """The notebook's cell: twelve variables, eight matmuls per step."""

  def __init__(self, input_size, num_nodes):
    self.num_nodes = num_nodes
    self.vars = {}
    for g in GATES:
      self.vars[g + "x"] = tf.Variable(
          _gate_block(g, "x", [input_size, num_nodes]), name=g + "x")
      self.vars[g + "m"] = tf.Variable(
          _gate_block(g, "m", [num_nodes, num_nodes]), name=g + "m")
      self.vars[g + "b"] = tf.Variable(tf.zeros([1, num_nodes]), name=g + "b")

  def _pre(self, g, i, o):
    v = self.vars
    return tf.matmul(i, v[g + "x"]) + tf.matmul(o, v[g + "m"]) + v[g + "b"]

  def fused_weights(self):
    """``(input [in, 4n], recurrent [n, 4n], bias [1, 4n])``: the twelve
    variables concatenated gate by gate in the graph (order i, f, c, o), the
    layout ``FusedCell`` holds as variables."""
    return tuple(tf.concat([self.vars[g + kind] for g in GATES], 1)
                 for kind in ("x", "m", "b"))

  def __call__(self, i, o, state):
    input_gate = tf.sigmoid(self._pre("i", i, o))
    forget_gate = tf.sigmoid(self._pre("f", i, o))
    update = self._pre("c", i, o)
    state = forget_gate * state + input_gate * tf.tanh(update)
    output_gate = tf.sigmoid(self._pre("o", i, o))
    return output_gate * tf.tanh(state), state


class FusedCell(object):
  """The same cell with one input matmul, one recurrent matmul, one bias and
  ``tf.split`` into the four gates (order i, f, c, o)."""

  def __init__(self, input_size, num_nodes):
    self.num_nodes = num_nodes
    x = tf.concat([_gate_block(g, "x", [input_size, num_nodes])
                   for g in GATES], 1)
    m = tf.concat([_gate_block(g, "m", [num_nodes, num_nodes])
                   for g in GATES], 1)
    self.vars = {
        "input_weights": tf.Variable(x, name="input_weights"),
        "output_weights": tf.Variable(m, name="output_weights"),
        "bias": tf.Variable(tf.zeros([1, 4 * num_nodes]), name="bias")}

  def fused_weights(self):
    return tuple(self.vars[name] for name in FUSED_NAMES)

  def __call__(self, i, o, state):
    v = self.vars
    return _from_gates(tf.matmul(i, v["input_weights"]) +
                       tf.matmul(o, v["output_weights"]) + v["bias"], state)


def _from_gates(values, state):
  """``(output, state)`` from the pre-activations ``[B, 4n]`` (i, f, c, o)."""
  y_input, y_forget, update, y_output = tf.split(values, 4, axis=1)
  state = tf.sigmoid(y_forget) * state + tf.sigmoid(y_input) * tf.tanh(update)
  return tf.sigmoid(y_output) * tf.tanh(state), state


TRAIN_GRAPHS = ("seed", "fused_gates", "hoisted")


def unroll(cell, inputs, output, state, train_graph="seed"):
  """The training unroll: the per-step outputs and the last ``(output,
  state)``. ``seed``: ``cell`` once per step, as the notebook.
  ``fused_gates``: the gate weights as one input and one recurrent matrix
  (``cell.fused_weights()``; for ``separate`` a ``tf.concat`` of its
  variables, so variables and checkpoints stay the same), two matmuls per
  step instead of eight: ``fused``'s own graph. ``hoisted``: the same, with
  the input projection of all steps one ``[T*B, in] x [in, 4n]`` matmul
  before the loop and one ``[B, n] x [n, 4n]`` matmul per step. Same
  function; floats round differently (tests/text8_lstm/test_train_graph.py).
  """
  if train_graph not in TRAIN_GRAPHS:
    raise ValueError("unknown train_graph %r; choose %s" %
                     (train_graph, " or ".join(TRAIN_GRAPHS)))
  xs, step = inputs, cell
  if train_graph != "seed":
    w_x, w_m, bias = cell.fused_weights()
    if train_graph == "fused_gates":
      def step(i, o, c):
        return _from_gates(tf.matmul(i, w_x) + tf.matmul(o, w_m) + bias, c)
    else:
      xs = tf.split(tf.matmul(tf.concat(inputs, 0), w_x) + bias, len(inputs),
                    axis=0)

      def step(x, o, c):
        return _from_gates(x + tf.matmul(o, w_m), c)
  outputs = []
  for x in xs:
    output, state = step(x, output, state)
    outputs.append(output)
  return outputs, output, state


@dataclasses.dataclass
class Graph:
  """The tensors and ops of one variant's graph."""
  train_data: List[tf.Tensor]  # char: U+1 one-hots; bigram: U ids
  train_labels: List[tf.Tensor]  # U one-hot [B, 27]
  logits: tf.Tensor  # [U*B, 27], time-major rows
  loss: tf.Tensor
  train_op: tf.Operation
  global_step: tf.Variable
  learning_rate: tf.Tensor
  global_norm: tf.Tensor  # before clipping
  minibatch_perplexity: tf.Tensor
  sample_input: tf.Tensor  # char: one-hot [1, 27]; bigram: int32 [1]
  sample_prediction: tf.Tensor  # [1, 27] softmax
  reset_sample_state: tf.Operation
  generator: Optional[sampling.Generator]
  cell: object
  classifier: tuple  # (w, b)
  embeddings: Optional[tf.Variable]
  state_variables: tuple  # (saved_output, saved_state)
  model_variables: list  # trainable, in checkpoint order


def _dropout(x, keep_prob, site):
  """Dropout with its own op seed per ``site`` (ops sharing a graph and an
  op seed would draw the same mask)."""
  if keep_prob >= 1.0:
    return x
  return v1.nn.dropout(x, keep_prob=keep_prob, seed=_SEEDS["dropout"] + site)


def build_graph(variant, num_nodes=64, batch_size=64, num_unrollings=10,
                embedding_size=128, keep_prob=1.0, learning_rate=10.0,
                decay_steps=5000, decay_rate=0.1, clip_norm=1.25,
                with_generator=True, ref_state=False, generator_inputs=None,
                replication=None, train_graph="seed", sampler="graph"):
  """Build the notebook's graph for ``variant`` in the default graph
  (``ref_state``: carry the state in TF 1.x ref variables, see above;
  ``generator_inputs``: see ``sampling.build_generator``; ``replication``:
  a ``distributed.Replication`` for one worker of a distributed run, which
  keeps the carried training state on the worker, in ``LOCAL_VARIABLES``,
  and wraps the optimizer (a synchronous run clips the averaged gradient in
  the chief's update instead of each worker's own); ``train_graph``: see
  ``unroll``; ``sampler``: ``graph``, the generator's loop as graph ops, or
  ``xla``, compiled)."""
  def state_variable(shape, name, trainable, local=False):
    if local and replication is not None:
      with replication.worker_local():
        return v1.Variable(tf.zeros(shape), trainable=False, name=name,
                           use_resource=not ref_state,
                           collections=[v1.GraphKeys.LOCAL_VARIABLES])
    return v1.Variable(tf.zeros(shape), trainable=trainable, name=name,
                       use_resource=not ref_state)

  bigram = variant == "bigram"
  embeddings = None
  if bigram:
    embeddings = tf.Variable(
        v1.random_uniform([BIGRAM_VOCAB_SIZE, embedding_size], -1.0, 1.0,
                          seed=_SEEDS["embeddings"]), name="embeddings")
    cell = FusedCell(embedding_size, num_nodes)
  elif variant == "fused":
    cell = FusedCell(VOCAB_SIZE, num_nodes)
  elif variant == "separate":
    cell = SeparateCell(VOCAB_SIZE, num_nodes)
  else:
    raise ValueError("unknown variant %r; choose separate, fused or bigram" %
                     variant)
  saved_output = state_variable([batch_size, num_nodes], "saved_output",
                                False, local=True)
  saved_state = state_variable([batch_size, num_nodes], "saved_state", False,
                               local=True)
  w = tf.Variable(v1.truncated_normal([num_nodes, VOCAB_SIZE], -0.1, 0.1,
                                      seed=_SEEDS["w"]), name="w")
  b = tf.Variable(tf.zeros([VOCAB_SIZE]), name="b")

  if bigram:
    train_data = [v1.placeholder(tf.int32, [batch_size])
                  for _ in range(num_unrollings)]
    train_labels = [v1.placeholder(tf.float32, [batch_size, VOCAB_SIZE])
                    for _ in range(num_unrollings)]
    inputs = [_dropout(tf.nn.embedding_lookup(embeddings, ids), keep_prob,
                       1 + t) for t, ids in enumerate(train_data)]
  else:
    train_data = [v1.placeholder(tf.float32, [batch_size, VOCAB_SIZE])
                  for _ in range(num_unrollings + 1)]
    inputs, train_labels = train_data[:num_unrollings], train_data[1:]

  outputs, output, state = unroll(cell, inputs, saved_output, saved_state,
                                  train_graph)
  with tf.control_dependencies([saved_output.assign(output),
                                saved_state.assign(state)]):
    features = _dropout(tf.concat(outputs, 0), keep_prob, 0)
    logits = tf.compat.v1.nn.xw_plus_b(features, w, b)
    labels = tf.concat(train_labels, 0)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(
        labels=labels, logits=logits))

  global_step = tf.Variable(0, trainable=False, name="global_step")
  lr = v1.train.exponential_decay(learning_rate, global_step, decay_steps,
                                  decay_rate, staircase=True)
  optimizer = v1.train.GradientDescentOptimizer(lr)
  clip_here = True
  if replication is not None:
    optimizer, clip_here = replication.clipping_optimizer(optimizer,
                                                          clip_norm)
  gradients, variables = zip(*optimizer.compute_gradients(loss))
  global_norm = tf.linalg.global_norm(gradients)
  if clip_here:
    gradients, _ = tf.clip_by_global_norm(gradients, clip_norm,
                                          use_norm=global_norm)
  train_op = optimizer.apply_gradients(zip(gradients, variables),
                                       global_step=global_step)
  prediction = tf.nn.softmax(logits)
  minibatch_perplexity = tf.exp(tf.reduce_mean(tf.reduce_sum(
      -labels * tf.math.log(tf.maximum(prediction, 1e-10)), 1)))

  # Sampling and validation: batch 1, one character per run.
  if bigram:
    sample_input = v1.placeholder(tf.int32, [1])
    sample_x = tf.nn.embedding_lookup(embeddings, sample_input)
  else:
    sample_input = v1.placeholder(tf.float32, [1, VOCAB_SIZE])
    sample_x = sample_input
  saved_sample_output = state_variable([1, num_nodes], "saved_sample_output",
                                       True)
  saved_sample_state = state_variable([1, num_nodes], "saved_sample_state",
                                      True)
  reset_sample_state = tf.group(
      saved_sample_output.assign(tf.zeros([1, num_nodes])),
      saved_sample_state.assign(tf.zeros([1, num_nodes])))
  sample_output, sample_state = cell(sample_x, saved_sample_output,
                                     saved_sample_state)
  with tf.control_dependencies([saved_sample_output.assign(sample_output),
                                saved_sample_state.assign(sample_state)]):
    sample_prediction = tf.nn.softmax(
        tf.compat.v1.nn.xw_plus_b(sample_output, w, b))

  generator = None
  if with_generator:
    if sampler not in sampling.SAMPLERS:
      raise ValueError("unknown sampler %r; choose graph or xla" % sampler)
    generator = build_generator(cell, (w, b), embeddings, num_nodes,
                                inputs=generator_inputs,
                                jit=sampler == "xla")
  return Graph(
      train_data=train_data, train_labels=train_labels, logits=logits,
      loss=loss, train_op=train_op, global_step=global_step,
      learning_rate=lr, global_norm=global_norm,
      minibatch_perplexity=minibatch_perplexity, sample_input=sample_input,
      sample_prediction=sample_prediction,
      reset_sample_state=reset_sample_state, generator=generator, cell=cell,
      classifier=(w, b), embeddings=embeddings,
      state_variables=(saved_output, saved_state),
      model_variables=list(variables))


def build_generator(cell, classifier, embeddings, num_nodes, inputs=None,
                    jit=False):
  """The notebook's sampling with feedback, as one in-graph loop.

  Each generated character is fed back as the next input (for ``bigram``
  the state also carries the previous character, starting from a space).
  ``jit``: compile the loop with XLA (``sampling.build_generator``).
  """
  w, b = classifier
  zeros = tf.zeros([1, num_nodes])

  def step(ids, state):
    if embeddings is None:
      out, c = cell(tf.one_hot(ids, VOCAB_SIZE), state[0], state[1])
      return tf.compat.v1.nn.xw_plus_b(out, w, b), (out, c)
    x = tf.nn.embedding_lookup(embeddings, state[2] * VOCAB_SIZE + ids)
    out, c = cell(x, state[0], state[1])
    return tf.compat.v1.nn.xw_plus_b(out, w, b), (out, c, ids)

  initial = (zeros, zeros)
  if embeddings is not None:
    initial += (tf.zeros([1], tf.int32),)
  return sampling.build_generator(step, initial, inputs=inputs, jit=jit)
