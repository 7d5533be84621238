"""Run the TF1 and Keras next_char models on one batch, same weights."""

import numpy as np
import tensorflow as tf
import keras

from tf1_models import keras_backend
from tf1_models.next_char import convert, keras_model, model as model_lib

v1 = tf.compat.v1

VOCAB, EMB, HIDDEN, TIME, LR = 11, 5, 6, 8, 0.001
# Rows 1-3 are shorter than TIME: right-padded windows with a mask/lengths.
MASKED_LENGTHS = np.array([TIME, 3, 1, 5], np.int32)


def batch(lengths=None, seed=0):
  rng = np.random.RandomState(seed)
  n = 4
  x = rng.randint(0, VOCAB, size=(n, TIME)).astype(np.int32)
  y = rng.randint(0, VOCAB, size=n).astype(np.int32)
  if lengths is None:
    lengths = np.full(n, TIME, np.int32)
  for row, length in enumerate(lengths):
    x[row, length:] = 0  # the padding id; it must never matter
  return x, np.asarray(lengths, np.int32), y


def tf1_run(cell, bidirectional, data, weights=None, seed=1, full_x=None):
  """Probabilities, loss, (dense) gradients and weights after one Adam
  step of the TF1 graph; ``weights`` (TF1 names) replace the initial ones.
  ``full_x``: also the probabilities of these windows with the default
  (full) lengths, i.e. without feeding ``lengths`` at all."""
  x, lengths, y = data
  with tf.Graph().as_default() as g:
    v1.set_random_seed(seed)
    ep = model_lib.build_graph(VOCAB, cell, bidirectional, EMB, HIDDEN,
                               learning_rate=LR)
    names = convert.tf1_variable_names(cell, bidirectional)
    variables = model_lib.model_variables(g)
    assert sorted(variables) == sorted(names)
    var_list = [variables[n] for n in names]
    grads = [tf.convert_to_tensor(gr) for gr in
             tf.gradients(ep["loss"], var_list)]
    with v1.Session(graph=g) as sess:
      sess.run(v1.global_variables_initializer())
      if weights is not None:
        convert.assign_tf1(sess, weights)
      feed = {ep["ids"]: x, ep["lengths"]: lengths, ep["targets"]: y}
      w0, probs, outputs, loss, gr = sess.run(
          [var_list, ep["probs"], ep["outputs"], ep["loss"], grads], feed)
      probs_full = None if full_x is None else sess.run(
          ep["probs"], {ep["ids"]: full_x})
      sess.run(ep["train_op"], feed)
      w1 = sess.run(var_list)
  as_dict = lambda vals: dict(zip(names, vals))
  return dict(weights=as_dict(w0), probs=probs, outputs=outputs, loss=loss,
              grads=as_dict(gr), after=as_dict(w1), probs_full=probs_full)


def keras_net(cell, bidirectional, layer_weights=None, seed=3):
  keras.utils.set_random_seed(seed)
  net = keras_model.NextCharModel(VOCAB, cell, bidirectional, EMB, HIDDEN,
                                  seq_length=TIME)
  if layer_weights is not None:
    convert.set_keras_weights(net, layer_weights)
  return net


def keras_run(cell, bidirectional, data, layer_weights=None, full_x=None):
  """``tf1_run`` for Keras; ``full_x`` goes through the unmasked Sequential."""
  x, lengths, y = data
  net = keras_net(cell, bidirectional, layer_weights)
  w0 = convert.get_keras_weights(net)
  probs_full = None if full_x is None else keras.ops.convert_to_numpy(
      net.model(full_x))
  loss_fn = keras.losses.SparseCategoricalCrossentropy()
  opt = keras.optimizers.Adam(LR)  # Keras's "adam": epsilon 1e-7
  variables = net.masked_model.trainable_variables
  probs = keras.ops.convert_to_numpy(net.masked_model([x, lengths]))
  # Dense gradients (keras_backend): Keras 3's Adam squares IndexedSlices
  # values per occurrence before duplicates are summed (sum g_i^2 instead
  # of TF1's (sum g_i)^2), so a character seen twice in a batch would get
  # another second moment. Dense gradients match TF1.
  loss, grads = keras_backend.train_step(
      opt, lambda: loss_fn(y, net.masked_model([x, lengths])), variables)
  return dict(net=net, weights=w0, probs=probs, loss=float(loss),
              probs_full=probs_full,
              grads=_by_layer(net, variables, grads),
              after=convert.get_keras_weights(net))


def _by_layer(net, variables, values):
  index = {id(v): i for i, v in enumerate(variables)}
  return {name: [keras.ops.convert_to_numpy(values[index[id(w)]])
                 for w in layer.trainable_weights]
          for name, layer in net.layers().items()}
