"""Convert a TF1 RNN checkpoint to Keras 3 weights and back, verified.

    python -m compat.convert CHECKPOINT --to=keras OUTPUT.weights.h5 \
        [--optimizer_state]
    python -m compat.convert INPUT.weights.h5 --to=tf1 OUTPUT_PREFIX

``--to=keras`` reads the checkpoint's variable names and shapes, detects the
model they make (an optional ``embedding``, a stack of recurrent cells, then
optional ``dense`` layers), builds the matching Keras 3 model (its summary is
printed), writes its weights, then builds the TF1 graph again with ``compat``,
restores the checkpoint into it and checks, on random inputs, that both give
the same logits, final states, loss and gradients. Only then does it report
success; the comparison is written beside the output as
``OUTPUT.equivalence.json`` (it also holds the detected model, which
``--to=tf1`` needs to rebuild the Keras model). ``--optimizer_state`` also
writes Adam's slots and step as ``OUTPUT.adam.npz`` (load it with
``load_keras_adam``) and checks that one more Adam step agrees.

Detection is table-driven: ``CELL_KINDS`` says, per TF1 cell scope, which
leaf variables a cell has, how its sizes follow from their shapes, which
Keras layer it becomes and how weights map (``compat.keras_mapping``);
``TOPOLOGIES`` says which scope paths place a cell in a stack. Adding a cell
is one ``CellKind`` entry. Dense layers are taken to be linear (a checkpoint
does not store activations); inputs are full-length (no ``sequence_length``).

Adam: TF1's ``AdamOptimizer`` and Keras 3's ``Adam`` compute the same update,
``var -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)``, with
epsilon added to ``sqrt(v)`` in both ("epsilon hat"), so epsilon carries over
unchanged; only the defaults differ (TF1 1e-8, Keras 1e-7): pass TF1's value.
After t steps TF1 holds ``beta1_power = b1^(t+1)`` (the power of the next
step); Keras holds ``iterations = t``.
"""

import argparse
import collections
import json
import math
import os
import re
import sys

import keras
import numpy as np
import tensorflow as tf

from compat import keras_mapping
from compat.fused import LSTMBlockFusedCell
from compat.layers import dense
from compat.rnn_cell import (BasicLSTMCell, BasicRNNCell, GRUCell, LSTMCell,
                             LSTMStateTuple, MultiRNNCell)

v1 = tf.compat.v1

TOLERANCE = 1e-5
FORGET_BIAS = 1.0


class ConvertError(ValueError):
  """A checkpoint or weights file this converter cannot map."""

  def __init__(self, message, unknown=()):
    super(ConvertError, self).__init__(message)
    self.unknown = sorted(unknown)


# --------------------------------------------------------------- cell table

CellKind = collections.namedtuple("CellKind", [
    "leaves",       # leaf variable names under the cell scope
    "unsupported",  # leaf name -> why Keras has no equivalent
    "units",        # shapes {leaf: shape} -> units
    "keras",        # units, name -> a Keras recurrent layer
    "tf1_cell",     # units, forget_bias -> a compat cell
    "to_keras",     # ({leaf: array}, input_depth, forget_bias) -> [arrays]
    "to_tf1",       # ([arrays], forget_bias) -> {leaf: array}
    "state_names",  # TF1's state order; Keras returns h first for an LSTM
])


def _lstm_kind(tf1_cell):
  return CellKind(
      leaves=("kernel", "bias"),
      unsupported={
          "w_f_diag": "peepholes (use_peepholes=True)",
          "w_i_diag": "peepholes (use_peepholes=True)",
          "w_o_diag": "peepholes (use_peepholes=True)",
          "projection/kernel": "an output projection (num_proj)"},
      units=lambda s: s["bias"][0] // 4,
      keras=lambda u, name: keras.layers.LSTM(
          u, return_sequences=True, return_state=True, name=name),
      tf1_cell=tf1_cell,
      to_keras=lambda w, d, fb: keras_mapping.lstm_to_keras(
          w["kernel"], w["bias"], d, fb),
      to_tf1=lambda k, fb: dict(zip(("kernel", "bias"),
                                    keras_mapping.keras_to_lstm(k, fb))),
      state_names=("c", "h"))


CELL_KINDS = {
    "basic_rnn_cell": CellKind(
        leaves=("kernel", "bias"), unsupported={},
        units=lambda s: s["bias"][0],
        keras=lambda u, name: keras.layers.SimpleRNN(
            u, return_sequences=True, return_state=True, name=name),
        tf1_cell=lambda u, fb: BasicRNNCell(u),
        to_keras=lambda w, d, fb: keras_mapping.basic_rnn_to_keras(
            w["kernel"], w["bias"], d),
        to_tf1=lambda k, fb: dict(zip(("kernel", "bias"),
                                      keras_mapping.keras_to_basic_rnn(k))),
        state_names=("h",)),
    "gru_cell": CellKind(
        leaves=("gates/kernel", "gates/bias", "candidate/kernel",
                "candidate/bias"), unsupported={},
        units=lambda s: s["candidate/bias"][0],
        keras=lambda u, name: keras.layers.GRU(
            u, reset_after=False, return_sequences=True, return_state=True,
            name=name),
        tf1_cell=lambda u, fb: GRUCell(u),
        to_keras=lambda w, d, fb: keras_mapping.gru_to_keras(
            w["gates/kernel"], w["gates/bias"], w["candidate/kernel"],
            w["candidate/bias"], d),
        to_tf1=lambda k, fb: dict(zip(
            ("gates/kernel", "gates/bias", "candidate/kernel",
             "candidate/bias"), keras_mapping.keras_to_gru(k))),
        state_names=("h",)),
    "basic_lstm_cell": _lstm_kind(
        lambda u, fb: BasicLSTMCell(u, forget_bias=fb)),
    # LSTMCell and LSTMBlockCell share this scope and layout.
    "lstm_cell": _lstm_kind(
        lambda u, fb: LSTMCell(u, forget_bias=fb)),
    # LSTMBlockFusedCell: a whole time-major sequence, topology "fused".
    "lstm_fused_cell": _lstm_kind(
        lambda u, fb: LSTMBlockFusedCell(u, forget_bias=fb)),
}

# Scope paths before the cell scope: topology, direction, layer.
TOPOLOGIES = [
    (re.compile(r"^rnn$"), "uni"),
    (re.compile(r"^rnn/multi_rnn_cell/cell_(?P<layer>\d+)$"), "uni"),
    (re.compile(r"^bidirectional_rnn/(?P<dir>fw|bw)$"), "bi"),
    (re.compile(r"^bidirectional_rnn/(?P<dir>fw|bw)/multi_rnn_cell/"
                r"cell_(?P<layer>\d+)$"), "bi"),
    (re.compile(r"^stack_bidirectional_rnn/cell_(?P<layer>\d+)/"
                r"bidirectional_rnn/(?P<dir>fw|bw)$"), "stack_bi"),
    (re.compile(r"^$"), "fused"),
]
_CELL_RE = re.compile(r"^(?P<prefix>(?:.*/)?)(?P<kind>%s)/(?P<leaf>.+)$" %
                      "|".join(sorted(CELL_KINDS, key=len, reverse=True)))
_DENSE_RE = re.compile(r"^dense(?:_(?P<n>\d+))?/(?P<leaf>kernel|bias)$")
_ADAM_SLOT_RE = re.compile(r"^(?P<var>.+)/Adam(?P<second>_1)?$")
_ADAM_GLOBALS = ("beta1_power", "beta2_power")
_STEP = "global_step"


# ------------------------------------------------------------------ detect

def _split_optimizer(shapes):
  model, slots, other = {}, {}, {}
  for name, shape in shapes.items():
    match = _ADAM_SLOT_RE.match(name)
    if match and match.group("var") in shapes:
      slots[name] = shape
    elif name in _ADAM_GLOBALS or name == _STEP:
      other[name] = shape
    else:
      model[name] = shape
  return model, slots, other


def detect(shapes, forget_bias=FORGET_BIAS):
  """The model spec (a JSON-able dict) that a checkpoint's ``{name: shape}``
  makes; ``ConvertError`` listing the variables it did not understand."""
  model, _, _ = _split_optimizer(shapes)
  unknown, problems = set(), []
  cells = collections.OrderedDict()  # (topology, layer, dir) -> cell info
  dense_found = {}
  embedding = None
  for name, shape in sorted(model.items()):
    shape = list(shape)
    match = _CELL_RE.match(name)
    if match:
      prefix = match.group("prefix").rstrip("/")
      kind_name, leaf = match.group("kind"), match.group("leaf")
      kind = CELL_KINDS[kind_name]
      if leaf in kind.unsupported:
        problems.append("%s: %s has no Keras 3 equivalent" %
                        (name, kind.unsupported[leaf]))
        unknown.add(name)
        continue
      place = None
      for pattern, topology in TOPOLOGIES:
        found = pattern.match(prefix)
        if found and (topology != "fused") == (kind_name != "lstm_fused_cell"):
          groups = found.groupdict()
          place = (topology, int(groups.get("layer") or 0),
                   groups.get("dir") or "fw")
          break
      if place is None or leaf not in kind.leaves:
        unknown.add(name)
        continue
      cell = cells.setdefault(place, {"kind": kind_name, "scope": prefix,
                                      "shapes": {}, "names": {}})
      if cell["kind"] != kind_name or cell["scope"] != prefix:
        unknown.add(name)  # two cells claim one place
        continue
      cell["shapes"][leaf] = shape
      cell["names"][leaf] = name
      continue
    match = _DENSE_RE.match(name)
    if match:
      layer = dense_found.setdefault(int(match.group("n") or 0), {})
      layer[match.group("leaf")] = (name, shape)
      continue
    if name == "embedding" and len(shape) == 2:
      embedding = shape
      continue
    unknown.add(name)
  if unknown:
    raise ConvertError(
        "cannot map this checkpoint to Keras 3%s" %
        ("; " + "; ".join(problems) if problems else ""), unknown)
  if not cells:
    raise ConvertError("no recurrent cell found in the checkpoint",
                       list(model))
  topologies = {t for t, _, _ in cells}
  if len(topologies) != 1:
    raise ConvertError("cells of several RNNs (%s) in one checkpoint" %
                       ", ".join(sorted(topologies)),
                       [n for c in cells.values() for n in c["names"].values()])
  topology = topologies.pop()
  layers = []
  for (_, layer, direction), cell in sorted(cells.items(),
                                            key=lambda kv: kv[0][1:]):
    kind = CELL_KINDS[cell["kind"]]
    missing = [l for l in kind.leaves if l not in cell["shapes"]]
    if missing:
      raise ConvertError("cell %s/%s lacks %s" % (
          cell["scope"], cell["kind"], ", ".join(missing)),
                         cell["names"].values())
    units = int(kind.units(cell["shapes"]))
    first = cell["shapes"][kind.leaves[0]]
    layers.append({"layer": layer, "dir": direction, "kind": cell["kind"],
                   "units": units, "input_depth": first[0] - units,
                   "names": {l: cell["names"][l] for l in kind.leaves},
                   "shapes": {l: cell["shapes"][l] for l in kind.leaves}})
  spec = {"embedding": embedding, "topology": topology,
          "multi": any("multi_rnn_cell" in n for c in cells.values()
                       for n in c["names"].values()),
          "cells": layers, "dense": [], "forget_bias": forget_bias}
  for n in sorted(dense_found):
    if "kernel" not in dense_found[n]:
      raise ConvertError("dense layer without kernel",
                         [v[0] for v in dense_found[n].values()])
    name, shape = dense_found[n]["kernel"]
    spec["dense"].append({"name": name.rsplit("/", 1)[0], "units": shape[1],
                          "input_depth": shape[0],
                          "use_bias": "bias" in dense_found[n]})
  _check_chain(spec)
  return spec


def _depth_after_rnn(spec):
  by_layer = _by_layer(spec)
  last = by_layer[-1]
  return sum(c["units"] for c in last)


def _by_layer(spec):
  """Per layer, its cells (fw then bw)."""
  out = collections.OrderedDict()
  for cell in spec["cells"]:
    out.setdefault(cell["layer"], []).append(cell)
  return [sorted(v, key=lambda c: c["dir"] != "fw") for _, v in
          sorted(out.items())]


def _check_chain(spec):
  layers = _by_layer(spec)
  if [c["layer"] for c in spec["cells"] if c["dir"] == "fw"] != list(
      range(len(layers))):
    raise ConvertError("cell layers are not numbered 0..n-1", [])
  bi = spec["topology"] in ("bi", "stack_bi")
  depth = spec["embedding"][1] if spec["embedding"] else layers[0][0][
      "input_depth"]
  prev = {"fw": depth, "bw": depth}
  for k, cells in enumerate(layers):
    if bi and [c["dir"] for c in cells] != ["fw", "bw"]:
      raise ConvertError("layer %d lacks a fw or bw cell" % k,
                         [n for c in cells for n in c["names"].values()])
    for cell in cells:
      if cell["input_depth"] != prev[cell["dir"]]:
        raise ConvertError(
            "%s takes %d inputs but its input has depth %d" %
            (cell["names"][CELL_KINDS[cell["kind"]].leaves[0]],
             cell["input_depth"], prev[cell["dir"]]), cell["names"].values())
    if spec["topology"] == "stack_bi":
      prev = {"fw": cells[0]["units"] + cells[1]["units"]}
      prev["bw"] = prev["fw"]
    else:
      prev = {c["dir"]: c["units"] for c in cells}
  if spec["topology"] in ("bi", "stack_bi") and len(layers) == 1 or (
      spec["topology"] == "stack_bi"):
    for cells in layers:
      if (cells[0]["kind"], cells[0]["units"]) != (cells[1]["kind"],
                                                   cells[1]["units"]):
        raise ConvertError("fw and bw cells differ; keras Bidirectional "
                           "needs the same layer twice", [])
  depth = _depth_after_rnn(spec)
  for layer in spec["dense"]:
    if layer["input_depth"] != depth:
      raise ConvertError("%s takes %d inputs, gets %d" % (
          layer["name"], layer["input_depth"], depth), [layer["name"]])
    depth = layer["units"]


# ------------------------------------------------------------ keras model

def _reverse_time():
  return keras.layers.Lambda(lambda t: keras.ops.flip(t, axis=1))


def build_keras(spec, time_steps=None):
  """``(model, probe, rnn_layers)``: ``model`` maps inputs to logits (its
  weights are what ``--to=keras`` writes); ``probe`` also returns every final
  state; ``rnn_layers[i]`` is the Keras layer of ``spec["cells"]`` entries
  (a Bidirectional layer holds a fw and a bw cell)."""
  if spec["embedding"]:
    inp = keras.Input((time_steps,), dtype="int32", name="ids")
    x = keras.layers.Embedding(*spec["embedding"], name="embedding")(inp)
  else:
    inp = keras.Input((time_steps, spec["cells"][0]["input_depth"]),
                      name="inputs")
    x = inp
  states, owners = [], []
  layers = _by_layer(spec)

  def make(cell, name):
    return CELL_KINDS[cell["kind"]].keras(cell["units"], name)

  if spec["topology"] == "bi" and len(layers) > 1:
    # Two independent stacks; the bw one runs on the reversed sequence.
    outs = {}
    for direction in ("fw", "bw"):
      y = _reverse_time()(x) if direction == "bw" else x
      for k, cells in enumerate(layers):
        cell = cells[0 if direction == "fw" else 1]
        layer = make(cell, "rnn_%s_%d" % (direction, k))
        y, *st = layer(y)
        states.append(st)
        owners.append((layer, [cell]))
      outs[direction] = _reverse_time()(y) if direction == "bw" else y
    x = keras.layers.Concatenate(name="concat")([outs["fw"], outs["bw"]])
  else:
    for k, cells in enumerate(layers):
      if len(cells) == 2:
        layer = keras.layers.Bidirectional(make(cells[0], "rnn_%d" % k),
                                           name="bidirectional_%d" % k)
        y, *st = layer(x)
        half = len(st) // 2
        states += [st[:half], st[half:]]
      else:
        layer = make(cells[0], "rnn_%d" % k)
        y, *st = layer(x)
        states.append(st)
      owners.append((layer, cells))
      x = y
  for layer in spec["dense"]:
    x = keras.layers.Dense(layer["units"], use_bias=layer["use_bias"],
                           name=layer["name"])(x)
  flat = [s for st in states for s in st]
  return (keras.Model(inp, x, name="converted"),
          keras.Model(inp, [x] + flat, name="converted_probe"), owners)


def _keras_states_tf1_order(spec, owners, flat):
  """Keras's final states, reordered as TF1 returns them (per cell in spec
  order; LSTM ``c, h``)."""
  out, i = {}, 0
  for _, cells in owners:
    for cell in cells:
      kind = CELL_KINDS[cell["kind"]]
      got = flat[i:i + len(kind.state_names)]
      i += len(kind.state_names)
      if kind.state_names == ("c", "h"):
        got = [got[1], got[0]]
      for s, value in zip(kind.state_names, got):
        out["%s/%d/%s" % (cell["dir"], cell["layer"], s)] = value
  return out


def tf1_to_keras(spec, weights):
  """``{tf1 name: array}`` -> ``{keras layer name: [arrays]}``."""
  _, _, owners = build_keras(spec)
  return _map_to_keras(spec, owners, weights, spec["forget_bias"])


def _map_to_keras(spec, owners, weights, forget_bias):
  out = {}
  if spec["embedding"]:
    out["embedding"] = [weights["embedding"]]
  for layer, cells in owners:
    arrays = []
    for cell in cells:
      kind = CELL_KINDS[cell["kind"]]
      arrays += kind.to_keras({l: weights[n] for l, n in cell["names"].items()},
                              cell["input_depth"], forget_bias)
    out[layer.name] = arrays
  for layer in spec["dense"]:
    out[layer["name"]] = [weights[layer["name"] + "/kernel"]] + (
        [weights[layer["name"] + "/bias"]] if layer["use_bias"] else [])
  return out


def _map_to_tf1(spec, owners, by_layer, forget_bias):
  """``{keras layer name: [arrays]}`` -> ``{tf1 name: array}``."""
  out = {}
  if spec["embedding"]:
    out["embedding"] = by_layer["embedding"][0]
  for layer, cells in owners:
    arrays = list(by_layer[layer.name])
    per = len(arrays) // len(cells)
    for j, cell in enumerate(cells):
      mapped = CELL_KINDS[cell["kind"]].to_tf1(
          arrays[j * per:(j + 1) * per], forget_bias)
      for leaf, value in mapped.items():
        out[cell["names"][leaf]] = np.asarray(value)
  for layer in spec["dense"]:
    values = by_layer[layer["name"]]
    out[layer["name"] + "/kernel"] = values[0]
    if layer["use_bias"]:
      out[layer["name"] + "/bias"] = values[1]
  return out


def keras_layer_weights(model, names, variables=False):
  out = {}
  for name in names:
    layer = model.get_layer(name)
    out[name] = (list(layer.trainable_weights) if variables else
                 [np.asarray(w) for w in layer.get_weights()])
  return out


def _layer_names(spec, owners):
  return (["embedding"] if spec["embedding"] else []) + [
      l.name for l, _ in owners] + [d["name"] for d in spec["dense"]]


# --------------------------------------------------------------- tf1 graph

def build_tf1(spec, inputs):
  """Logits and ``{state key: tensor}`` of the TF1 graph the spec describes,
  built with ``compat`` (variable names as in the checkpoint)."""
  fb = spec["forget_bias"]
  if spec["embedding"]:
    emb = v1.get_variable("embedding", spec["embedding"])
    x = tf.nn.embedding_lookup(emb, inputs)
  else:
    x = inputs
  layers = _by_layer(spec)

  def cell_of(cell):
    return CELL_KINDS[cell["kind"]].tf1_cell(cell["units"], fb)

  def stacked(direction):
    cells = [cell_of(c[0 if direction == "fw" else 1]) for c in layers]
    return MultiRNNCell(cells) if spec["multi"] else cells[0]

  states = {}

  def record(direction, state, layer=None):
    per = state if spec["multi"] and layer is None else (state,)
    for k, st in enumerate(per):
      k = k if layer is None else layer
      names = ("c", "h") if isinstance(st, LSTMStateTuple) else ("h",)
      values = st if names == ("c", "h") else (st,)
      for n, value in zip(names, values):
        states["%s/%d/%s" % (direction, k, n)] = value

  topology = spec["topology"]
  if topology == "uni":
    x, state = v1.nn.dynamic_rnn(stacked("fw"), x, dtype=tf.float32)
    record("fw", state)
  elif topology == "fused":
    out, state = cell_of(layers[0][0])(tf.transpose(x, [1, 0, 2]),
                                       dtype=tf.float32)
    x = tf.transpose(out, [1, 0, 2])
    record("fw", state, 0)
  elif topology == "bi":
    (fw, bw), (sf, sb) = v1.nn.bidirectional_dynamic_rnn(
        stacked("fw"), stacked("bw"), x, dtype=tf.float32)
    x = tf.concat([fw, bw], -1)
    record("fw", sf)
    record("bw", sb)
  else:  # stack_bi, as tf.contrib.rnn.stack_bidirectional_dynamic_rnn
    with v1.variable_scope("stack_bidirectional_rnn"):
      for k, cells in enumerate(layers):
        with v1.variable_scope("cell_%d" % k):
          (fw, bw), (sf, sb) = v1.nn.bidirectional_dynamic_rnn(
              cell_of(cells[0]), cell_of(cells[1]), x, dtype=tf.float32)
        x = tf.concat([fw, bw], -1)
        record("fw", sf, k)
        record("bw", sb, k)
  for layer in spec["dense"]:
    x = dense(x, layer["units"], use_bias=layer["use_bias"],
                     name=layer["name"])
  return x, states


def model_variable_names(spec):
  names = ["embedding"] if spec["embedding"] else []
  for cell in spec["cells"]:
    names += list(cell["names"].values())
  for layer in spec["dense"]:
    names += [layer["name"] + "/kernel"] + (
        [layer["name"] + "/bias"] if layer["use_bias"] else [])
  return names


# ------------------------------------------------------------ comparison

def _session_config():
  """No Grappler rewrites: the graphs are tiny and run once."""
  config = v1.ConfigProto()
  config.graph_options.rewrite_options.disable_meta_optimizer = True
  return config


def _random_batch(spec, batch, time_steps, seed):
  rng = np.random.RandomState(seed)
  if spec["embedding"]:
    x = rng.randint(0, spec["embedding"][0], (batch, time_steps)).astype(
        np.int32)
  else:
    x = rng.normal(size=(batch, time_steps, spec["cells"][0]["input_depth"])
                   ).astype(np.float32)
  depth = spec["dense"][-1]["units"] if spec["dense"] else _depth_after_rnn(
      spec)
  labels = rng.randint(0, depth, (batch, time_steps)).astype(np.int32)
  return x, labels


def _loss(labels, logits):
  return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
      labels=labels, logits=logits))


def run_tf1(spec, checkpoint, x, labels, adam=None, weights=None):
  """TF1's logits, states, loss, ``{name: gradient}`` (and, with ``adam``,
  the model variables after one more Adam step) for a checkpoint."""
  with tf.Graph().as_default() as graph:
    inputs = tf.constant(x)
    logits, states = build_tf1(spec, inputs)
    loss = _loss(tf.constant(labels), logits)
    by_name = {v.op.name: v for v in v1.global_variables()}
    names = model_variable_names(spec)
    variables = [by_name[n] for n in names]
    grads = [tf.convert_to_tensor(g) for g in tf.gradients(loss, variables)]
    step = None
    if adam:
      opt = v1.train.AdamOptimizer(adam["learning_rate"], adam["beta1"],
                                   adam["beta2"], adam["epsilon"])
      gs = v1.train.get_or_create_global_step() if adam["has_step"] else None
      step = opt.apply_gradients(zip(grads, variables), global_step=gs)
    with v1.Session(graph=graph, config=_session_config()) as sess:
      if weights is None:
        v1.train.Saver(var_list=v1.global_variables()).restore(sess,
                                                               checkpoint)
      else:
        for name, value in weights.items():
          by_name[name].load(value, sess)
      out = sess.run({"logits": logits, "states": states, "loss": loss,
                      "grads": dict(zip(names, grads)),
                      "values": dict(zip(names, variables))})
      if step is not None:
        sess.run(step)
        out["after_step"] = dict(zip(names, sess.run(variables)))
  return out


def run_keras(spec, keras_weights, x, labels, adam_state=None):
  model, probe, owners = build_keras(spec, x.shape[1])
  for name, values in keras_weights.items():
    model.get_layer(name).set_weights(values)
  names = _layer_names(spec, owners)
  variables = keras_layer_weights(model, names, variables=True)
  flat_vars = [v for n in names for v in variables[n]]
  with tf.GradientTape() as tape:
    logits, *flat = probe(x)
    loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
        labels, logits, from_logits=True))
  grads = [tf.convert_to_tensor(g) for g in tape.gradient(loss, flat_vars)]
  by_layer, i = {}, 0
  for n in names:
    by_layer[n] = [np.asarray(g) for g in grads[i:i + len(variables[n])]]
    i += len(variables[n])
  out = {"logits": np.asarray(logits), "loss": float(loss),
         "states": {k: np.asarray(v) for k, v in _keras_states_tf1_order(
             spec, owners, flat).items()},
         "grads": _map_to_tf1(spec, owners, by_layer, 0.0),
         "values": _map_to_tf1(spec, owners, keras_layer_weights(model, names),
                               spec["forget_bias"])}
  if adam_state is not None:
    opt = load_keras_adam(model, adam_state)
    opt.apply_gradients(zip(grads, flat_vars))
    out["after_step"] = _map_to_tf1(spec, owners,
                                    keras_layer_weights(model, names),
                                    spec["forget_bias"])
  return out


def _diff(a, b):
  a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
  return float(np.max(np.abs(a - b))) if a.size else 0.0


def compare(spec, tf1, keras_out, tolerance=TOLERANCE):
  """The equivalence report (a dict); ``report["ok"]`` says whether every
  difference is within ``tolerance`` (gradients and Adam steps relative to
  their largest magnitude when that exceeds 1)."""
  def entry(a, b, relative=False):
    scale = 1.0
    if relative and np.size(a):
      scale = max(1.0, float(np.max(np.abs(a))))
    d = _diff(a, b)
    return {"shape": list(np.shape(a)), "max_abs_diff": d,
            "tolerance": tolerance * scale, "ok": d <= tolerance * scale}

  report = {
      "tolerance": tolerance,
      "variables": {n: list(np.shape(v)) for n, v in tf1["values"].items()},
      "logits": entry(tf1["logits"], keras_out["logits"]),
      "loss": dict(entry(tf1["loss"], keras_out["loss"]),
                   tf1=float(tf1["loss"]), keras=float(keras_out["loss"])),
      "states": {k: entry(tf1["states"][k], keras_out["states"][k])
                 for k in sorted(tf1["states"])},
      "gradients": {n: entry(tf1["grads"][n], keras_out["grads"][n], True)
                    for n in sorted(tf1["grads"])},
  }
  if "after_step" in tf1:
    report["adam_step"] = {n: entry(tf1["after_step"][n],
                                    keras_out["after_step"][n], True)
                           for n in sorted(tf1["after_step"])}
  oks = [report["logits"]["ok"], report["loss"]["ok"]]
  for key in ("states", "gradients", "adam_step"):
    oks += [e["ok"] for e in report.get(key, {}).values()]
  report["ok"] = all(oks)
  return report


# ----------------------------------------------------------- adam state

def adam_state_from_checkpoint(reader, spec, beta1, beta2):
  """``{"iterations": t, "m": {name: array}, "v": {...}}`` from TF1 slots."""
  shapes = reader.get_variable_to_shape_map()
  missing = [n + s for n in model_variable_names(spec)
             for s in ("/Adam", "/Adam_1") if n + s not in shapes]
  missing += [n for n in _ADAM_GLOBALS if n not in shapes]
  if missing:
    raise ConvertError("--optimizer_state: the checkpoint has no Adam state "
                       "for every variable (was it trained with Adam?)",
                       missing)
  steps = []
  for name, beta in (("beta1_power", beta1), ("beta2_power", beta2)):
    power = float(reader.get_tensor(name))
    steps.append(math.log(power) / math.log(beta))
  # TF1 keeps the power of the *next* step: after t steps, b1^(t + 1).
  steps = [s - 1 for s in steps]
  t = int(round(steps[0]))
  # float32 powers: t is exact to well under one step for any real run.
  if abs(steps[0] - t) > 0.01 * max(1, t) or abs(steps[1] - t) > 0.01 * max(
      1, t):
    raise ConvertError(
        "beta1_power/beta2_power say step %.3f/%.3f, not one integer step: "
        "pass the --beta1/--beta2 the model was trained with" % tuple(steps),
        list(_ADAM_GLOBALS))
  if _STEP in shapes:
    t_step = int(reader.get_tensor(_STEP))
    if t_step != t:
      print("note: global_step is %d but Adam has taken %d steps; Keras "
            "iterations = %d" % (t_step, t, t), file=sys.stderr)
  names = model_variable_names(spec)
  return {"iterations": t,
          "m": {n: reader.get_tensor(n + "/Adam") for n in names},
          "v": {n: reader.get_tensor(n + "/Adam_1") for n in names}}


def save_keras_adam(path, spec, state, hyper):
  """Write Adam's state in Keras layout (``m:<layer>:<k>`` arrays)."""
  _, _, owners = build_keras(spec)
  arrays = {"iterations": np.asarray(state["iterations"], np.int64)}
  for key, value in hyper.items():
    arrays["hyper:" + key] = np.asarray(value, np.float64)
  for slot in ("m", "v"):
    by_layer = _map_to_keras(spec, owners, state[slot], 0.0)
    for layer, values in by_layer.items():
      for k, value in enumerate(values):
        arrays["%s:%s:%d" % (slot, layer, k)] = value
  np.savez(path, **arrays)


def load_keras_adam(model, path_or_arrays):
  """A ``keras.optimizers.Adam`` for ``model`` holding the state written by
  ``--optimizer_state`` (hyper-parameters, step, ``m`` and ``v``)."""
  arrays = (np.load(path_or_arrays) if isinstance(path_or_arrays, str)
            else path_or_arrays)
  hyper = {k[len("hyper:"):]: float(arrays[k]) for k in arrays.keys()
           if k.startswith("hyper:")}
  opt = keras.optimizers.Adam(learning_rate=hyper["learning_rate"],
                              beta_1=hyper["beta1"], beta_2=hyper["beta2"],
                              epsilon=hyper["epsilon"])
  opt.build(model.trainable_variables)
  opt.iterations.assign(int(arrays["iterations"]))
  for key in arrays.keys():
    if key[:2] not in ("m:", "v:"):
      continue
    slot, layer, k = key.split(":")
    var = model.get_layer(layer).trainable_weights[int(k)]
    # Keras 3 has no public accessor for Adam's slots of one variable.
    # pylint: disable=protected-access
    slots = opt._momentums if slot == "m" else opt._velocities
    slots[opt._get_variable_index(var)].assign(arrays[key])
  return opt


# ---------------------------------------------------------------- driver

def _report_path(weights_or_prefix):
  base = weights_or_prefix
  if base.endswith(".weights.h5"):
    base = base[:-len(".weights.h5")]
  return base + ".equivalence.json"


def _make_parent(path):
  parent = os.path.dirname(os.path.abspath(path))
  if not os.path.isdir(parent):
    os.makedirs(parent)


def _adam_path(weights_path):
  return weights_path[:-len(".weights.h5")] + ".adam.npz"


def _verify(spec, model, owners, tf1_out, keras_out, report_path, extra):
  report = compare(spec, tf1_out, keras_out)
  report.update(extra)
  report["keras_weights"] = {w.path: list(w.shape) for w in model.weights}
  report["keras_layer_from_tf1"] = {
      layer.name: [n for c in cells for n in c["names"].values()]
      for layer, cells in owners}
  report["spec"] = spec
  with open(report_path, "w") as f:
    json.dump(report, f, indent=1, sort_keys=True)
  return report


def to_keras(checkpoint, output, optimizer_state=False, learning_rate=0.001,
             beta1=0.9, beta2=0.999, epsilon=1e-8, forget_bias=FORGET_BIAS,
             batch=3, time_steps=5, seed=0, summary=print):
  """Convert; returns the equivalence report (also written beside
  ``output``). Raises ``ConvertError`` if unmappable or not equivalent."""
  if not output.endswith(".weights.h5"):
    raise ConvertError("the Keras output must end in .weights.h5 (Keras 3 "
                       "requires it): got %s" % output)
  if tf.io.gfile.isdir(checkpoint):
    found = tf.train.latest_checkpoint(checkpoint)
    if found is None:
      raise ConvertError("no checkpoint in directory %s" % checkpoint)
    checkpoint = found
  try:
    reader = tf.train.load_checkpoint(checkpoint)
  except (tf.errors.NotFoundError, tf.errors.DataLossError, ValueError) as e:
    raise ConvertError("cannot read checkpoint %s: %s" % (
        checkpoint, str(e).splitlines()[0]))
  shapes = reader.get_variable_to_shape_map()
  spec = detect(shapes, forget_bias)
  _make_parent(output)
  names = model_variable_names(spec)
  spec_names = set(names)
  weights = {n: reader.get_tensor(n) for n in names}
  model, _, owners = build_keras(spec)
  keras_weights = _map_to_keras(spec, owners, weights, forget_bias)
  for name, values in keras_weights.items():
    model.get_layer(name).set_weights(values)
  if summary:
    model.summary(print_fn=summary)
  x, labels = _random_batch(spec, batch, time_steps, seed)
  adam, adam_arrays, hyper = None, None, None
  if not optimizer_state and _split_optimizer(shapes)[1]:
    print("note: the checkpoint holds Adam slots; --optimizer_state would "
          "convert them too", file=sys.stderr)
  if optimizer_state:
    hyper = {"learning_rate": learning_rate, "beta1": beta1, "beta2": beta2,
             "epsilon": epsilon}
    state = adam_state_from_checkpoint(reader, spec, beta1, beta2)
    adam = dict(hyper, has_step=_STEP in shapes)
    save_keras_adam(_adam_path(output), spec, state, hyper)
    adam_arrays = _adam_path(output)
  tf1_out = run_tf1(spec, checkpoint, x, labels, adam=adam)
  keras_out = run_keras(spec, keras_weights, x, labels, adam_arrays)
  report = _verify(spec, model, owners, tf1_out, keras_out, _report_path(output), {
      "direction": "tf1->keras", "checkpoint": checkpoint, "output": output,
      "inputs": {"batch": batch, "time": time_steps, "seed": seed},
      "optimizer": dict(hyper, iterations=int(np.load(adam_arrays)[
          "iterations"]), state=_adam_path(output), tf1_slots={
              n: list(s) for n, s in sorted(shapes.items())
              if n not in spec_names}) if hyper else None})
  if not report["ok"]:
    raise ConvertError("TF1 and Keras disagree beyond %g; see %s" % (
        TOLERANCE, _report_path(output)))
  model.save_weights(output)
  return report


def to_tf1(weights_path, prefix, spec_path=None, batch=3, time_steps=5,
           seed=0, summary=print, verify=True):
  """Keras weights written by ``--to=keras`` -> a TF1 checkpoint at
  ``prefix``, verified like ``to_keras`` (unless ``verify=False``: returns
  None); the model comes from the equivalence report beside the weights (or
  ``spec_path``)."""
  spec_path = spec_path or _report_path(weights_path)
  if not os.path.exists(spec_path):
    raise ConvertError("%s not found: --to=tf1 rebuilds the model from the "
                       "equivalence report that --to=keras wrote" % spec_path)
  with open(spec_path) as f:
    spec = json.load(f)["spec"]
  model, _, owners = build_keras(spec)
  model.load_weights(weights_path)
  if summary:
    model.summary(print_fn=summary)
  names = _layer_names(spec, owners)
  keras_weights = keras_layer_weights(model, names)
  weights = _map_to_tf1(spec, owners, keras_weights, spec["forget_bias"])
  _make_parent(prefix)
  with tf.Graph().as_default() as graph:
    build_tf1(spec, tf.zeros(
        [1, 1] + ([] if spec["embedding"] else
                  [spec["cells"][0]["input_depth"]]),
        tf.int32 if spec["embedding"] else tf.float32))
    with v1.Session(graph=graph, config=_session_config()) as sess:
      by_name = {v.op.name: v for v in v1.global_variables()}
      for name, value in weights.items():
        by_name[name].load(value, sess)
      v1.train.Saver(var_list=v1.global_variables()).save(
          sess, prefix, write_meta_graph=False)
  if not verify:
    return None
  x, labels = _random_batch(spec, batch, time_steps, seed)
  tf1_out = run_tf1(spec, prefix, x, labels)
  keras_out = run_keras(spec, keras_weights, x, labels)
  report = _verify(spec, model, owners, tf1_out, keras_out, _report_path(prefix), {
      "direction": "keras->tf1", "weights": weights_path, "output": prefix,
      "inputs": {"batch": batch, "time": time_steps, "seed": seed}})
  if not report["ok"]:
    raise ConvertError("TF1 and Keras disagree beyond %g; see %s" % (
        TOLERANCE, _report_path(prefix)))
  return report


def main(argv=None):
  parser = argparse.ArgumentParser(
      prog="python -m compat.convert",
      description="Convert a TF1 RNN checkpoint to Keras 3 weights "
      "(--to=keras CHECKPOINT OUTPUT.weights.h5) or back (--to=tf1 "
      "INPUT.weights.h5 OUTPUT_PREFIX), verified on random inputs.")
  parser.add_argument("source")
  parser.add_argument("output")
  parser.add_argument("--to", choices=("keras", "tf1"), required=True)
  parser.add_argument("--optimizer_state", action="store_true",
                      help="also convert Adam's slots and step (--to=keras)")
  parser.add_argument("--learning_rate", type=float, default=0.001)
  parser.add_argument("--beta1", type=float, default=0.9)
  parser.add_argument("--beta2", type=float, default=0.999)
  parser.add_argument("--epsilon", type=float, default=1e-8,
                      help="TF1's Adam epsilon (same meaning in Keras)")
  parser.add_argument("--forget_bias", type=float, default=FORGET_BIAS)
  args = parser.parse_args(argv)
  try:
    if args.to == "keras":
      report = to_keras(args.source, args.output, args.optimizer_state,
                        args.learning_rate, args.beta1, args.beta2,
                        args.epsilon, args.forget_bias)
    else:
      if args.optimizer_state:
        raise ConvertError("--optimizer_state is only supported with "
                           "--to=keras")
      report = to_tf1(args.source, args.output)
  except ConvertError as e:
    print("error: %s" % e, file=sys.stderr)
    for name in e.unknown:
      print("  not understood: %s" % name, file=sys.stderr)
    return 2
  worst = max([report["logits"]["max_abs_diff"], report["loss"][
      "max_abs_diff"]] + [e["max_abs_diff"] for e in
                          report["states"].values()])
  print("wrote %s; TF1 and Keras agree (max |diff| %.2g on logits, states "
        "and loss; report %s)" % (args.output, worst,
                                  _report_path(args.output)))
  return 0


if __name__ == "__main__":
  sys.exit(main())
