"""text8_lstm weights: separate <-> fused, and TF1 <-> Keras, both ways.

separate (twelve variables)        fused (three)                Keras LSTM
---------------------------------  ---------------------------  -----------------
``ix fx cx ox`` ``[27, H]`` each   ``input_weights [27, 4H]``   ``kernel``
``im fm cm om`` ``[H, H]`` each    ``output_weights [H, 4H]``   ``recurrent_kernel``
``ib fb cb ob`` ``[1, H]`` each    ``bias [1, 4H]``             ``bias [4H]``
``w [H, 27]``, ``b [27]``          same                         ``classifier`` Dense
``embeddings [729, E]`` (bigram)                                ``embeddings``
``saved_output``, ``saved_state``  same                         ``lstm.states``
                                                                (h, c)

The column blocks are in the order i, f, c, o, which is Keras's order, and
the notebook's cell has no forget bias, so nothing is reordered or added:
the fused matrices are the Keras weights as they are.

``convert_run`` turns a whole run directory (``run.json`` + checkpoint,
including the carried-over state and the global step) from one character
variant into the other; SGD has no slot variables, so the converted run
resumes exactly where the original stopped.
"""

import numpy as np
import tensorflow as tf

from tf1_models import training
from tf1_models.errors import CheckpointMismatchError, UserError
from tf1_models.text8_lstm import model as model_lib
from tf1_models.text8_lstm import runner
from tf1_models.tf1_weights import assign_tf1  # noqa: F401 (re-export)

v1 = tf.compat.v1

SEPARATE_NAMES = tuple(g + k for g in model_lib.GATES for k in "xmb")
CELL_NAMES = {"separate": SEPARATE_NAMES,
              "fused": model_lib.FUSED_NAMES,
              "bigram": ("embeddings",) + model_lib.FUSED_NAMES}
STATE_NAMES = ("saved_output", "saved_state", "saved_sample_output",
               "saved_sample_state", "global_step")
# The notebook created every variable with tf.Variable and no name; in a
# checkpoint of its own (separate) graph they are Variable, Variable_1, ...
NOTEBOOK_ORDER = SEPARATE_NAMES + (
    "saved_output", "saved_state", "w", "b", "global_step",
    "saved_sample_output", "saved_sample_state")
NOTEBOOK_NAMES = {("Variable_%d" % k if k else "Variable"): name
                  for k, name in enumerate(NOTEBOOK_ORDER)}


def model_names(variant):
  """The trainable variables of ``variant``'s graph, checkpoint names."""
  return CELL_NAMES[variant] + ("w", "b")


def separate_to_fused(weights):
  """``{name: array}`` of a separate graph -> the fused graph's."""
  out = {k: v for k, v in weights.items() if k not in SEPARATE_NAMES}
  for name, kind in zip(model_lib.FUSED_NAMES, "xmb"):
    out[name] = np.concatenate([weights[g + kind] for g in model_lib.GATES],
                               axis=1)
  return out


def fused_to_separate(weights):
  """``{name: array}`` of a fused graph -> the separate graph's."""
  out = {k: v for k, v in weights.items() if k not in model_lib.FUSED_NAMES}
  for name, kind in zip(model_lib.FUSED_NAMES, "xmb"):
    for g, block in zip(model_lib.GATES, np.split(weights[name], 4, axis=1)):
      out[g + kind] = block
  return out


def to_variant(weights, src, dst):
  if src == dst:
    return dict(weights)
  if {src, dst} != {"separate", "fused"}:
    raise UserError("cannot convert a %s model to %s: only separate <-> fused "
                    "share a cell" % (src, dst))
  return separate_to_fused(weights) if dst == "fused" else fused_to_separate(
      weights)


def tf1_to_keras(weights, variant):
  """TF1 ``{name: array}`` -> ``{keras layer name: [arrays]}``."""
  fused = to_variant(weights, variant, "bigram" if variant == "bigram" else
                     "fused")
  out = {"lstm": [fused["input_weights"], fused["output_weights"],
                  fused["bias"].reshape(-1)],
         "classifier": [fused["w"], fused["b"]]}
  if variant == "bigram":
    out["embeddings"] = [fused["embeddings"]]
  return out


def keras_to_tf1(layer_weights, variant):
  """``{keras layer name: [arrays]}`` -> TF1 ``{name: array}``."""
  kernel, recurrent, bias = layer_weights["lstm"]
  fused = {"input_weights": kernel, "output_weights": recurrent,
           "bias": np.asarray(bias).reshape(1, -1),
           "w": layer_weights["classifier"][0],
           "b": layer_weights["classifier"][1]}
  if variant == "bigram":
    fused["embeddings"] = layer_weights["embeddings"][0]
    return fused
  return to_variant(fused, "fused", variant)


def read_checkpoint(path, variant, with_state=False):
  """``{name: array}`` of ``variant``'s model variables (and, with
  ``with_state``, the carried state and global step) in a TF1 checkpoint.
  A checkpoint of the notebook's own unnamed variables is renamed."""
  reader = tf.train.load_checkpoint(path)
  have = reader.get_variable_to_shape_map()
  names = model_names(variant) + (STATE_NAMES if with_state else ())
  rename = {n: n for n in names}
  if variant == "separate" and "ix" not in have and "Variable" in have:
    rename = {n: old for old, n in NOTEBOOK_NAMES.items() if n in names}
  out = {}
  for name in names:
    if rename[name] not in have:
      raise CheckpointMismatchError(
          "checkpoint %s has no variable %s: it is not a text8_lstm %s model"
          % (path, rename[name], variant))
    out[name] = reader.get_tensor(rename[name])
  return out




def set_keras_weights(keras_lstm, layer_weights, states=None):
  """Set a ``KerasText8LSTM``'s weights (and its LSTM's stateful ``h, c``
  from TF1's ``saved_output, saved_state`` when ``states`` is given)."""
  for name, arrays in layer_weights.items():
    keras_lstm.model.get_layer(name).set_weights(arrays)
  if states is not None:
    for var, value in zip(keras_lstm.lstm.states, states):
      var.assign(value)


def get_keras_weights(keras_lstm):
  names = ["lstm", "classifier"] + (
      ["embeddings"] if keras_lstm.variant == "bigram" else [])
  return {n: [np.asarray(w) for w in keras_lstm.model.get_layer(n)
              .get_weights()] for n in names}


def convert_run(src_dir, dst_dir, dst_variant):
  """Write the run in ``src_dir`` as ``dst_variant`` into ``dst_dir``;
  returns the new checkpoint path."""
  meta, ckpt = training.RunDir(src_dir).load_for_inference(runner.MODEL_NAME)
  src_variant = meta["config"]["variant"]
  dst = training.RunDir(dst_dir)
  if dst.latest_checkpoint() or dst.read_meta():
    raise UserError("%s already holds a run; pass an empty --output_dir" %
                    dst_dir)
  weights = to_variant(read_checkpoint(ckpt, src_variant, with_state=True),
                       src_variant, dst_variant)
  cfg = dict(meta["config"], variant=dst_variant)
  graph = tf.Graph()
  with graph.as_default():
    runner.build_graph(cfg, with_generator=False)
    saver = v1.train.Saver()
    init = v1.global_variables_initializer()
  with v1.Session(graph=graph) as sess:
    sess.run(init)
    assign_tf1(sess, weights)
    return dst.save(sess, saver, dict(meta, config=cfg),
                    int(weights["global_step"]))
