"""Record TensorFlow 1.15's numbers for ``tf.compat.v1.layers`` and
``tf.contrib.cudnn_rnn`` (cases in ``layers_cases.py``).

    /tmp/tf1/bin/python tests/golden/make_layers_golden.py

Writes next to this file:
  * ``tf1_layers.npz`` / ``tf1_layers.json``: every case (outputs, gradients,
    variables before and after the update ops, variable names and shapes);
    the JSON also holds, per cuDNN configuration, the names under which TF
    1.15's ``CudnnLSTM``/``CudnnGRU`` layer saves its canonical weights (read
    from the layer's saveable: building the graph works on a CPU, running
    it does not) and its variables;
  * ``tf1_cudnn_layout.npz``: TF 1.15's own conversion (its
    ``CudnnParamsFormatConverter*``, whose canonical <-> cuDNN-matrix part
    runs on a CPU) of name-derived canonical weights to cuDNN's per-gate
    matrices and bias vectors, and back;
  * ``tf1_ckpt_cudnn/``: a checkpoint as TF1's cuDNN layers wrote it
    (``cudnn_lstm/...`` bidirectional 2-layer LSTM and ``cudnn_gru/...``
    2-layer GRU canonical weights, plus each layer's ``opaque_kernel``: TF
    1.15's cuDNN matrices laid out as TF1 documented, weights then biases)
    with ``expected.npz``: input and outputs computed by TF 1.15's
    CudnnCompatible cells.
"""

import json
import os
import shutil
import sys
import types

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cases  # noqa: E402  pylint: disable=g-import-not-at-top,unused-import
import layers_cases  # noqa: E402  pylint: disable=g-import-not-at-top

from tensorflow.contrib import cudnn_rnn  # noqa: E402
from tensorflow.contrib.cudnn_rnn.python.ops import cudnn_rnn_ops  # noqa: E402

v1 = tf.compat.v1

CELLS = {"lstm": cudnn_rnn.CudnnCompatibleLSTMCell,
         "gru": cudnn_rnn.CudnnCompatibleGRUCell,
         "rnn_tanh": lambda n: v1.nn.rnn_cell.BasicRNNCell(n)}
LAYERS = {"lstm": cudnn_rnn.CudnnLSTM, "gru": cudnn_rnn.CudnnGRU,
          "rnn_tanh": cudnn_rnn.CudnnRNNTanh}
CONVERTERS = {"lstm": cudnn_rnn_ops.CudnnParamsFormatConverterLSTM,
              "gru": cudnn_rnn_ops.CudnnParamsFormatConverterGRU,
              "rnn_tanh": cudnn_rnn_ops.CudnnParamsFormatConverterTanh}


def cudnn_stack(mode, num_layers, num_units, direction, x, lengths):
  """The CudnnCompatible-cell graph TF1's cuDNN checkpoints are named for,
  under the cuDNN layer's default scope; returns (outputs, stacked states)
  as the cuDNN layer did."""
  scope = {"lstm": "cudnn_lstm", "gru": "cudnn_gru",
           "rnn_tanh": "cudnn_rnn_tanh"}[mode]
  cell = CELLS[mode]
  with v1.variable_scope(scope):
    if direction == "unidirectional":
      stack = v1.nn.rnn_cell.MultiRNNCell(
          [cell(num_units) for _ in range(num_layers)])
      out, finals = v1.nn.dynamic_rnn(stack, x, sequence_length=lengths,
                                      time_major=True, dtype=tf.float32)
      finals = list(finals)
    else:
      out, fw, bw = tf.contrib.rnn.stack_bidirectional_dynamic_rnn(
          [cell(num_units) for _ in range(num_layers)],
          [cell(num_units) for _ in range(num_layers)], x,
          sequence_length=lengths, time_major=True, dtype=tf.float32)
      finals = [s for pair in zip(fw, bw) for s in pair]
  if mode == "lstm":
    return out, (tf.stack([s.h for s in finals]),
                 tf.stack([s.c for s in finals]))
  return out, (tf.stack(finals),)


def tf1_api():
  layers = v1.layers
  return types.SimpleNamespace(
      dropout=layers.dropout, batch_normalization=layers.batch_normalization,
      conv1d=layers.conv1d, conv2d=layers.conv2d,
      max_pooling1d=layers.max_pooling1d, max_pooling2d=layers.max_pooling2d,
      average_pooling1d=layers.average_pooling1d,
      average_pooling2d=layers.average_pooling2d, flatten=layers.flatten,
      dense=layers.dense,
      CudnnCompatibleLSTMCell=cudnn_rnn.CudnnCompatibleLSTMCell,
      CudnnCompatibleGRUCell=cudnn_rnn.CudnnCompatibleGRUCell,
      cudnn_stack=cudnn_stack, contrib=tf.contrib.layers)


def saveable_names(mode, num_layers, direction):
  """What TF 1.15's real cuDNN layer saves (graph built, never run)."""
  with tf.Graph().as_default():
    x = v1.placeholder(tf.float32, [5, 3, 4])
    layer = LAYERS[mode](num_layers, 3, direction=direction)
    h = tf.zeros(tf.stack([num_layers * (2 if direction != "unidirectional"
                                         else 1), 3, 3]))
    layer(x, initial_state=(h, h) if mode == "lstm" else (h,))
    return dict(
        variables=[v.op.name for v in v1.global_variables()],
        canonical=[s.name for s in layer.saveable.specs])


def write_cases():
  api = tf1_api()
  arrays, meta = {}, {}
  for name in layers_cases.CASES:
    values, info = layers_cases.run_case(tf, api, name)
    for key, value in values.items():
      arrays["%s|%s" % (name, key)] = value
    meta[name] = info
    print("case %-36s %3d arrays" % (name, len(values)))
  meta["saveables"] = {
      name: saveable_names(mode, layers, direction)
      for name, (mode, layers, direction, _) in
      layers_cases.CUDNN_STACKS.items()}
  for key, value in layers_cases.run_optimize_loss(tf, api).items():
    arrays["optimize_loss|" + key] = value
  np.savez_compressed(os.path.join(HERE, "tf1_layers.npz"), **arrays)
  with open(os.path.join(HERE, "tf1_layers.json"), "w") as f:
    json.dump(meta, f, indent=1, sort_keys=True)


def tf1_layout(mode, num_layers, num_units, input_size, direction, names):
  """TF 1.15's canonical -> cuDNN matrices (and back) for name-derived
  canonical weights; returns (canonical, cu_weights, cu_biases, back)."""
  with tf.Graph().as_default():
    shapes = saveable_shapes(mode, num_layers, num_units, input_size,
                             direction)
    canonical = [cases.named_values(n, s).astype(np.float32)
                 for n, s in zip(names, shapes)]
    conv = CONVERTERS[mode](num_layers, num_units, input_size,
                            direction=direction)
    cu_w, cu_b = conv._tf_canonical_to_cu_canonical(  # pylint: disable=protected-access
        [tf.constant(c) for c in canonical], None)
    back = conv._cu_canonical_to_tf_canonical(cu_w, cu_b)  # pylint: disable=protected-access
    with v1.Session() as sess:
      cu_w, cu_b, back = sess.run((cu_w, cu_b, back))
  return canonical, cu_w, cu_b, list(back[0]) + list(back[1])


def saveable_shapes(mode, num_layers, num_units, input_size, direction):
  """Shapes of the canonical tensors, in the saveable's order."""
  dirs = 2 if direction == "bidirectional" else 1
  weights, biases = [], []
  for layer in range(num_layers):
    width = input_size if layer == 0 else num_units * dirs
    for _ in range(dirs):
      if mode == "gru":
        weights += [[width + num_units, 2 * num_units], [width, num_units],
                    [num_units, num_units]]
        biases += [[2 * num_units], [num_units], [num_units]]
      else:
        gates = 4 if mode == "lstm" else 1
        weights.append([width + num_units, gates * num_units])
        biases.append([gates * num_units])
  return weights + biases


LAYOUT_CASES = {
    "lstm_bidi_2layer": ("lstm", 2, "bidirectional"),
    "lstm_1layer": ("lstm", 1, "unidirectional"),
    "gru_2layer": ("gru", 2, "unidirectional"),
    "gru_bidi": ("gru", 1, "bidirectional"),
    "rnn_tanh_2layer": ("rnn_tanh", 2, "unidirectional"),
}
SCOPES = {"lstm": "cudnn_lstm", "gru": "cudnn_gru", "rnn_tanh":
          "cudnn_rnn_tanh"}


def write_layout_and_checkpoint():
  arrays = {}
  opaque = {}
  for key, (mode, num_layers, direction) in LAYOUT_CASES.items():
    names = saveable_names_for(mode, num_layers, direction)
    canonical, cu_w, cu_b, back = tf1_layout(mode, num_layers, 3, 4,
                                             direction, names)
    for i, a in enumerate(canonical):
      arrays["%s|canonical%02d" % (key, i)] = a
    for i, a in enumerate(cu_w):
      arrays["%s|cu_weight%02d" % (key, i)] = a
    for i, a in enumerate(cu_b):
      arrays["%s|cu_bias%02d" % (key, i)] = a
    for i, a in enumerate(back):
      arrays["%s|back%02d" % (key, i)] = a
    # The documented opaque layout: every weight flattened, then biases.
    opaque[key] = np.concatenate([w.reshape(-1) for w in cu_w] +
                                 [b.reshape(-1) for b in cu_b])
    arrays["%s|opaque" % key] = opaque[key]
  np.savez_compressed(os.path.join(HERE, "tf1_cudnn_layout.npz"), **arrays)
  write_checkpoint(opaque)


def saveable_names_for(mode, num_layers, direction):
  return saveable_names(mode, num_layers, direction)["canonical"]


def write_checkpoint(opaque):
  """A checkpoint with the names TF1's Saver gave a cuDNN layer's weights."""
  out_dir = os.path.join(HERE, "tf1_ckpt_cudnn")
  shutil.rmtree(out_dir, ignore_errors=True)
  os.makedirs(out_dir)
  x_value = cases.input_values([5, 3, 4]).astype(np.float32)
  with tf.Graph().as_default():
    getter = layers_cases._getter(tf)  # pylint: disable=protected-access
    x = tf.constant(x_value)
    with v1.variable_scope(v1.get_variable_scope(), custom_getter=getter):
      lstm_out, lstm_states = cudnn_stack("lstm", 2, 3, "bidirectional", x,
                                          [5, 3, 4])
      gru_out, gru_states = cudnn_stack("gru", 2, 3, "unidirectional", x,
                                        None)
    extra = [v1.get_variable("cudnn_lstm/opaque_kernel",
                             initializer=opaque["lstm_bidi_2layer"]),
             v1.get_variable("cudnn_gru/opaque_kernel",
                             initializer=opaque["gru_2layer"])]
    del extra
    saver = v1.train.Saver()
    with v1.Session() as sess:
      sess.run(v1.global_variables_initializer())
      values = sess.run(dict(lstm_out=lstm_out, lstm_h=lstm_states[0],
                             lstm_c=lstm_states[1], gru_out=gru_out,
                             gru_h=gru_states[0]))
      saver.save(sess, os.path.join(out_dir, "model.ckpt"),
                 write_meta_graph=False)
  with open(os.path.join(out_dir, "checkpoint"), "w") as f:
    f.write('model_checkpoint_path: "model.ckpt"\n'
            'all_model_checkpoint_paths: "model.ckpt"\n')
  np.savez_compressed(os.path.join(out_dir, "expected.npz"), x=x_value,
                      **values)


def main():
  if not tf.__version__.startswith("1.15"):
    sys.exit("make_layers_golden.py must run on TensorFlow 1.15 (found %s)" %
             tf.__version__)
  write_cases()
  write_layout_and_checkpoint()


if __name__ == "__main__":
  main()
