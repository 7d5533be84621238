"""The Udacity word2vec graphs (skip-gram and CBOW) under ``tf.compat.v1``.

As in the notebook, on ``/cpu:0``:
  * ``embeddings [V, D]`` uniform(-1, 1); ``softmax_weights [V, D]``
    truncated normal with stddev ``1/sqrt(D)``; ``softmax_biases [V]`` zeros.
    The notebook made them with ``tf.Variable`` and no name, so in a
    checkpoint they are ``Variable``, ``Variable_1`` and ``Variable_2``.
  * skip-gram: the input word's embedding; CBOW: the ``2*skip_window``
    context embeddings combined by ``sum`` (the seed's ``reduce_sum``) or
    ``mean``.
  * ``tf.nn.sampled_softmax_loss`` with ``num_sampled`` classes drawn by the
    default log-uniform (Zipfian) sampler, unique draws, accidental hits
    removed, averaged over the batch; ``AdagradOptimizer(learning_rate)``
    (initial accumulator 0.1, no epsilon).
  * cosine similarity of the validation words to every word, from the
    row-normalised embeddings.

Added here: ``full_loss`` (the exact softmax over all V classes, for checking
and parity), ``sampled_values`` to pass the sampled candidates explicitly
(as TF1's own argument of that name), and a ``global_step`` the train op
increments (for checkpoints and resume).
"""

import math

import tensorflow as tf

from tf1_models import serving

v1 = tf.compat.v1

MODELS = ("skipgram", "cbow")
COMBINERS = ("sum", "mean")
# The notebook's unnamed tf.Variables, in creation order.
EMBEDDINGS, SOFTMAX_WEIGHTS, SOFTMAX_BIASES = (
    "Variable", "Variable_1", "Variable_2")
VARIABLE_NAMES = (EMBEDDINGS, SOFTMAX_WEIGHTS, SOFTMAX_BIASES)


def sample_candidates(labels, num_sampled, num_classes, seed=None):
  """TF1's default sampler: ``(sampled, true_expected_count,
  sampled_expected_count)`` from the log-uniform (Zipfian) distribution,
  unique draws (eager; for feeding the same draws to the Keras twin)."""
  return tf.random.log_uniform_candidate_sampler(
      true_classes=tf.cast(labels, tf.int64), num_true=1,
      num_sampled=num_sampled, unique=True, range_max=num_classes, seed=seed)


def combine(embed, model, combiner):
  """The vector the softmax sees: skip-gram's embedding, or CBOW's context
  embeddings ``[B, 2*skip_window, D]`` summed or averaged."""
  if model == "skipgram":
    return embed
  if model != "cbow":
    raise ValueError("unknown model %r; choose skipgram or cbow" % model)
  if combiner == "sum":
    return tf.reduce_sum(embed, 1)
  if combiner == "mean":
    return tf.reduce_mean(embed, 1)
  raise ValueError("unknown combiner %r; choose sum or mean" % combiner)


def word2vec(model, train_inputs, train_labels, vocab_size,
             embedding_size=128, num_sampled=64, learning_rate=1.0,
             combiner="sum", valid_examples=None, sampled_values=None,
             wrap_optimizer=None):
  """The notebook's graph; returns its tensors in a dict.

  Args:
    model: ``skipgram`` (``train_inputs`` int32 ``[B]``) or ``cbow``
      (``train_inputs`` int32 ``[B, 2*skip_window]``).
    train_labels: int32 ``[B, 1]``.
    valid_examples: word ids whose neighbours ``similarity`` scores.
    sampled_values: ``(sampled, true_expected_count,
      sampled_expected_count)`` to use instead of drawing candidates.
    wrap_optimizer: ``optimizer -> optimizer`` (a distributed run's
      ``SyncReplicasOptimizer``).
  """
  with tf.device("/cpu:0"):
    embeddings = v1.Variable(
        v1.random_uniform([vocab_size, embedding_size], -1.0, 1.0))
    softmax_weights = v1.Variable(v1.truncated_normal(
        [vocab_size, embedding_size], stddev=1.0 / math.sqrt(embedding_size)))
    softmax_biases = v1.Variable(tf.zeros([vocab_size]))

    embed = combine(tf.nn.embedding_lookup(embeddings, train_inputs), model,
                    combiner)
    loss = tf.reduce_mean(v1.nn.sampled_softmax_loss(
        weights=softmax_weights, biases=softmax_biases, labels=train_labels,
        inputs=embed, num_sampled=num_sampled, num_classes=vocab_size,
        sampled_values=sampled_values))
    logits = tf.matmul(embed, softmax_weights, transpose_b=True)
    logits = tf.nn.bias_add(logits, softmax_biases)
    full_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.reshape(train_labels, [-1]), logits=logits))

    global_step = v1.train.get_or_create_global_step()
    optimizer = v1.train.AdagradOptimizer(learning_rate)
    if wrap_optimizer is not None:
      optimizer = wrap_optimizer(optimizer)
    train_op = optimizer.minimize(loss, global_step=global_step)

    norm = tf.sqrt(tf.reduce_sum(tf.square(embeddings), 1, keepdims=True))
    normalized_embeddings = embeddings / norm
    end_points = dict(
        embeddings=embeddings, softmax_weights=softmax_weights,
        softmax_biases=softmax_biases, embed=embed, loss=loss,
        full_loss=full_loss, logits=logits, train_op=train_op,
        global_step=global_step,
        normalized_embeddings=normalized_embeddings)
    if valid_examples is not None and len(valid_examples):
      valid = tf.constant(valid_examples, dtype=tf.int32)
      valid_embeddings = tf.nn.embedding_lookup(normalized_embeddings, valid)
      end_points["similarity"] = tf.matmul(
          valid_embeddings, normalized_embeddings, transpose_b=True)
  return end_points


def nearest_neighbours_graph(symbols, embedding_size, max_k):
  """A nearest-neighbour query over the normalised embeddings, for serving.

  Builds, in the default graph, the variable ``normalized_embeddings [V, D]``
  (load it with the normalised rows) and the request ``word`` (string) and
  ``top_k`` (int32, 1..``max_k``). Returns ``(inputs, outputs)`` (see
  ``neighbours_query``).
  """
  normalized = v1.get_variable(
      "normalized_embeddings", [len(symbols), embedding_size],
      initializer=v1.zeros_initializer(), trainable=False)
  word = v1.placeholder(tf.string, [], name="request_word")
  top_k = v1.placeholder(tf.int32, [], name="request_top_k")
  return ({"word": word, "top_k": top_k},
          neighbours_query(normalized, symbols, max_k, word, top_k,
                           serving.vocabulary_table(symbols)))


def neighbours_query(normalized, symbols, max_k, word, top_k, table):
  """The serving answer for ``word``/``top_k`` over ``normalized [V, D]``:
  the ``top_k`` most cosine-similar other words, best first (``neighbours``,
  string [k]), their ``similarities`` (float32 [k]) and ``error`` (string,
  "" for a good request; a bad one returns empty lists). ``table``: word ->
  id (``serving.vocabulary_table``). Plain TensorFlow ops: the TF1 graph's
  export and the Keras twin's (a ``tf.function``) share it."""
  word_id = table.lookup(word)
  error = serving.first_error([
      (word_id < 0, tf.strings.join([
          "'", word, "' is not in the model's %d-word vocabulary (rarer "
          "words are UNK); ask for another word" % len(symbols)])),
      (tf.logical_or(top_k < 1, top_k > max_k), tf.strings.join([
          "top_k must be between 1 and %d, got " % max_k,
          tf.strings.as_string(top_k)])),
  ])
  ok = tf.equal(error, "")
  safe_id = tf.maximum(word_id, 0)
  sims = tf.matmul(normalized[safe_id:safe_id + 1], normalized,
                   transpose_b=True)[0]
  sims = tf.tensor_scatter_nd_update(sims, [[safe_id]], [-float("inf")])
  best = tf.math.top_k(sims, k=tf.where(ok, top_k, 0))
  return {"neighbours": tf.gather(tf.constant(list(symbols)), best.indices),
          "similarities": best.values, "error": error}
