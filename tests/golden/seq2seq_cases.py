"""Golden ``legacy_seq2seq`` cases, shared by TensorFlow 1.15 and 2.x.

Runs unchanged under both interpreters:

  * ``make_seq2seq_golden.py`` runs it with TF 1.15, where ``api.s2s`` is
    ``tf.contrib.legacy_seq2seq`` and the cells are ``tf.nn.rnn_cell``'s,
    and writes ``tf1_seq2seq.npz``;
  * ``tests/compat/test_legacy_seq2seq.py`` runs it with TF 2.x, where
    ``api.s2s`` is ``compat.legacy_seq2seq`` and the cells are ``compat``'s,
    and compares.

Only ``tf.compat.v1`` (present in TF 1.15 too) and ``api`` are used. Each
case builds one graph: ``embedding_attention_seq2seq`` or
``model_with_buckets`` over it, on fixed integer inputs, with every float
variable set after initialisation to values derived from its full name
(``named_values``), so the two implementations agree on the numbers only if
they agree on the names. A case returns the outputs, logits, final states,
losses and the gradients of each loss with respect to every trainable
variable, plus the variable names and shapes in creation order.
"""

import collections
import json
import zlib

import numpy as np

BATCH, ENC_LEN, DEC_LEN = 3, 4, 3
ENC_SYMBOLS, DEC_SYMBOLS, EMBED, UNITS = 7, 8, 3, 4
BUCKETS = [(2, 2), (ENC_LEN, DEC_LEN)]


def _spec(kind, cell, heads, feed_previous, projection=False, isa=False,
          per_example=False):
  return dict(kind=kind, cell=cell, heads=heads, feed_previous=feed_previous,
              projection=projection, isa=isa, per_example=per_example)


# feed_previous: False, True, or "tensor" (a boolean placeholder, run with
# both values).
CASES = collections.OrderedDict([
    ("eas_gru_h1", _spec("eas", "gru", 1, False)),
    ("eas_gru_h2_fp", _spec("eas", "gru", 2, True)),
    ("eas_lstm2_h1_fp_proj", _spec("eas", "lstm2", 1, True, projection=True)),
    ("eas_lstm2_h2_proj_isa", _spec("eas", "lstm2", 2, False, projection=True,
                                    isa=True)),
    ("eas_gru_h2_fptensor_proj", _spec("eas", "gru", 2, "tensor",
                                       projection=True)),
    ("buckets_gru_h2", _spec("buckets", "gru", 2, False)),
    ("buckets_lstm2_h1_fp_proj_perex", _spec("buckets", "lstm2", 1, True,
                                             projection=True,
                                             per_example=True)),
])


# ---------------------------------------------------------------------------
# Deterministic values and inputs.


def named_values(name, shape):
  """Uniform(-0.8, 0.8) values seeded by the crc32 of a variable's name."""
  seed = zlib.crc32(name.encode("utf-8")) & 0xFFFFFFFF
  rng = np.random.RandomState(seed)
  return rng.uniform(-0.8, 0.8, size=[int(s) for s in shape]).astype(
      np.float32)


def input_ids():
  """Encoder ids, decoder ids, targets (decoder ids shifted by one) and
  target weights (two padded positions), as ``[time][batch]`` arrays."""
  rng = np.random.RandomState(2016)
  enc = rng.randint(0, ENC_SYMBOLS, size=(ENC_LEN, BATCH)).astype(np.int32)
  dec = rng.randint(0, DEC_SYMBOLS, size=(DEC_LEN, BATCH)).astype(np.int32)
  targets = np.concatenate([dec[1:], np.zeros((1, BATCH), np.int32)])
  weights = np.ones((DEC_LEN, BATCH), np.float32)
  weights[-1, 0] = 0.0
  weights[-1, 2] = 0.0
  return enc, dec, targets, weights


# ---------------------------------------------------------------------------
# Building.


def _flat(structure):
  if isinstance(structure, (tuple, list)):
    return [t for s in structure for t in _flat(s)]
  return [structure]


def make_cell(api, kind):
  if kind == "gru":
    return api.GRUCell(UNITS)
  if kind == "lstm2":
    return api.MultiRNNCell([api.BasicLSTMCell(UNITS) for _ in range(2)])
  raise ValueError(kind)


def _constants(v1):
  enc, dec, targets, weights = input_ids()
  return ([v1.constant(e) for e in enc], [v1.constant(d) for d in dec],
          [v1.constant(t) for t in targets], [v1.constant(w)
                                              for w in weights])


def _projection(v1, spec):
  if not spec["projection"]:
    return None
  w = v1.get_variable("proj_w", [UNITS, DEC_SYMBOLS])
  b = v1.get_variable("proj_b", [DEC_SYMBOLS])
  return w, b


def _logits(v1, outputs, projection):
  if projection is None:
    return list(outputs)
  return [v1.nn.xw_plus_b(o, projection[0], projection[1]) for o in outputs]


def _feed_previous(v1, spec):
  if spec["feed_previous"] == "tensor":
    return v1.placeholder_with_default(True, [], name="feed_previous")
  return spec["feed_previous"]


def _build_eas(v1, api, spec):
  enc, dec, targets, weights = _constants(v1)
  projection = _projection(v1, spec)
  outputs, state = api.s2s.embedding_attention_seq2seq(
      enc, dec, make_cell(api, spec["cell"]), ENC_SYMBOLS, DEC_SYMBOLS,
      EMBED, num_heads=spec["heads"], output_projection=projection,
      feed_previous=_feed_previous(v1, spec),
      initial_state_attention=spec["isa"])
  logits = _logits(v1, outputs, projection)
  loss = api.s2s.sequence_loss(logits, targets, weights)
  return dict(outputs=[outputs], logits=[logits], states=_flat(state),
              losses=[loss])


def _build_buckets(v1, api, spec):
  enc, dec, targets, weights = _constants(v1)
  projection = _projection(v1, spec)
  cell = make_cell(api, spec["cell"])
  feed_previous = _feed_previous(v1, spec)
  states = []

  def seq2seq(encoder_inputs, decoder_inputs):
    # As the TF1 translate tutorial: a fresh copy of the cell per bucket (a
    # built cell could not be deep-copied in TF1).
    outputs, state = api.s2s.embedding_attention_seq2seq(
        encoder_inputs, decoder_inputs, api.deepcopy(cell), ENC_SYMBOLS,
        DEC_SYMBOLS, EMBED, num_heads=spec["heads"],
        output_projection=projection, feed_previous=feed_previous,
        initial_state_attention=spec["isa"])
    states.extend(_flat(state))
    return outputs, state

  def projected_loss(labels, logits):
    return v1.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=v1.nn.xw_plus_b(logits, projection[0],
                                              projection[1]))

  loss_fn = projected_loss if projection is not None else None
  outputs, losses = api.s2s.model_with_buckets(
      enc, dec, targets, weights, BUCKETS, seq2seq,
      softmax_loss_function=loss_fn, per_example_loss=spec["per_example"])
  logits = [_logits(v1, o, projection) for o in outputs]
  losses = [v1.reduce_sum(l) for l in losses]
  return dict(outputs=outputs, logits=logits, states=states, losses=losses)


def _set_variables(sess, variables):
  sess.run([var.assign(named_values(var.op.name, var.shape))
            for var in variables if var.dtype.base_dtype.is_floating])


def run_case(tf, api, name):
  """Build and run case ``name``. Returns ``(arrays, meta)``.

  ``arrays`` keys (``<run>`` is ``""`` or ``"fp=True|"``/``"fp=False|"``
  for a tensor ``feed_previous``): ``<run>out.<bucket>.<t>``,
  ``<run>logits.<bucket>.<t>``, ``<run>state.<i>``, ``<run>loss.<bucket>``,
  ``<run>grad.<bucket>:<variable>``.
  ``meta``: ``variables`` ([name, shape] in creation order), ``no_grad``
  (``<run>grad.<bucket>:<variable>`` keys whose gradient is None).
  """
  spec = CASES[name]
  v1 = tf.compat.v1
  build = _build_eas if spec["kind"] == "eas" else _build_buckets
  with tf.Graph().as_default():
    built = build(v1, api, spec)
    variables = v1.global_variables()
    trainable = v1.trainable_variables()
    fetch, no_grad = collections.OrderedDict(), []
    for b, outs in enumerate(built["outputs"]):
      for t, o in enumerate(outs):
        fetch["out.%d.%d" % (b, t)] = o
    for b, logits in enumerate(built["logits"]):
      for t, l in enumerate(logits):
        fetch["logits.%d.%d" % (b, t)] = l
    for i, s in enumerate(built["states"]):
      fetch["state.%d" % i] = s
    for b, loss in enumerate(built["losses"]):
      fetch["loss.%d" % b] = loss
      for var, g in zip(trainable, v1.gradients(loss, trainable)):
        key = "grad.%d:%s" % (b, var.op.name)
        if g is None:
          no_grad.append(key)
        else:
          fetch[key] = v1.convert_to_tensor(g)
    graph = v1.get_default_graph()
    feeds = [("", None)]
    if spec["feed_previous"] == "tensor":
      pred = graph.get_tensor_by_name("feed_previous:0")
      feeds = [("fp=True|", {pred: True}), ("fp=False|", {pred: False})]
    arrays = collections.OrderedDict()
    with v1.Session() as sess:
      sess.run(v1.global_variables_initializer())
      _set_variables(sess, variables)
      for prefix, feed in feeds:
        values = sess.run(dict(fetch), feed_dict=feed)
        for key in fetch:
          arrays[prefix + key] = np.asarray(values[key])
  meta = {
      "variables": [[v.op.name, [int(d) for d in v.shape]]
                    for v in variables],
      "no_grad": [p + k for p, _ in feeds for k in no_grad],
  }
  return arrays, meta


def argmax_margins(arrays):
  """Smallest gap between the two largest logits of every fed-back step
  (a tiny gap would let rounding pick another symbol)."""
  gaps = []
  for key, value in arrays.items():
    if "logits." in key:
      top = np.sort(value, axis=1)
      gaps.append(float(np.min(top[:, -1] - top[:, -2])))
  return min(gaps)


def encode_meta(meta):
  return np.array(json.dumps(meta, sort_keys=True))


def decode_meta(array):
  return json.loads(str(array))
