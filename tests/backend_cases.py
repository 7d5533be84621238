"""The Keras twins on another Keras 3 backend, against the TF1 graphs.

Keras picks its backend once per process, and the suite runs on the
TensorFlow backend, so ``test_keras_backends`` computes every case's TF1
reference in-process, writes the inputs the Keras side needs (TF1 weights,
by name) to one ``.npz``, and starts ONE process per backend::

  KERAS_BACKEND=jax python -m tests.backend_cases jax IN.npz OUT.npz

which builds every twin, runs its Keras half of the parity test (logits,
loss, gradients through the backend's own autodiff, one optimizer step,
greedy text) and writes the results; the parent checks them with the same
assertions as the in-process TensorFlow-backend parity tests.

A case is ``(reference, keras, check)``: ``reference()`` (TF side) returns
``(inputs, expected)``; ``keras(inputs)`` (any backend) returns a result;
``check(result, expected)`` asserts. Results are nests of dicts, lists,
arrays and numbers (``save``/``load``).
"""

import importlib
import json
import sys
import traceback

import numpy as np


def _module(name):
  return importlib.import_module("tests." + name)


# -- the cases ---------------------------------------------------------------

def char_rnn_case(model, layers=2):
  def reference():
    p = _module("char_rnn.test_parity")
    t = p.tf1_run(model, layers)
    greedy_weights = p.tf1_run(model, layers, seed=5)["weights"]
    inputs = {"weights": t["weights"], "greedy_weights": greedy_weights}
    return inputs, {"tf1": t, "greedy": p.tf1_greedy(model, layers,
                                                      greedy_weights)}

  def keras(inputs):
    p = _module("char_rnn.test_parity")
    k = p.keras_run(model, layers, p.convert.tf1_to_keras(
        inputs["weights"], model, layers))
    k["greedy"] = p.keras_greedy(model, layers, inputs["greedy_weights"])
    return k

  def check(k, expected):
    p = _module("char_rnn.test_parity")
    p.assert_keras_matches_tf1(k, expected["tf1"], model, layers)
    assert k["greedy"] == expected["greedy"]
    assert len(set(k["greedy"])) > 1

  return reference, keras, check


def word2vec_case(model, combiner):
  def reference():
    p = _module("word2vec.test_parity")
    t = p.tf1_run(model, combiner)
    return {"weights": t["weights"], "data": p.batch(model)}, t

  def keras(inputs):
    p = _module("word2vec.test_parity")
    return p.keras_run(model, combiner,
                       p.convert.tf1_to_keras(inputs["weights"]),
                       data=inputs["data"])

  def check(k, t):
    _module("word2vec.test_parity").assert_keras_matches_tf1(k, t)

  return reference, keras, check


def sampled_softmax_case():
  def reference():
    ops = _module("test_keras_ops")
    a = ops.sampled_softmax_inputs()
    return a, ops.tf_sampled_softmax(a)

  def keras(inputs):
    return _module("test_keras_ops").keras_sampled_softmax(inputs)

  def check(got, want):
    _module("test_keras_ops").assert_sampled_softmax_close(got, want)

  return reference, keras, check


def text8_case(variant):
  def reference():
    p = _module("text8_lstm.test_parity")
    data = p.H.tiny_data()
    separate = p.H.random_weights("separate")
    weights = {"separate": separate,
               "fused": p.convert.separate_to_fused(separate),
               "bigram": p.H.random_weights("bigram")}[variant]
    greedy_weights = p.greedy_weights(variant)
    inputs = {"weights": weights, "greedy_weights": greedy_weights}
    return inputs, {"tf1": p.tf1_reference(variant, weights, data),
                    "weights": weights,
                    "greedy": p.tf1_greedy(variant, greedy_weights)}

  def keras(inputs):
    p = _module("text8_lstm.test_parity")
    out = p.keras_reference(variant, inputs["weights"], p.H.tiny_data())
    out["greedy"] = p.keras_greedy(variant, inputs["greedy_weights"])
    return out

  def check(got, expected):
    p = _module("text8_lstm.test_parity")
    # bigram included: the twin's own clipping counts each occurrence of
    # an embedding row in the global norm, as TF1's IndexedSlices do.
    p.assert_keras_matches_tf1(got, expected["tf1"], expected["weights"])
    assert got["greedy"] == expected["greedy"]

  return reference, keras, check


def next_char_case(cell, bidirectional):
  def reference():
    p = _module("next_char.test_parity")
    data, full_x = p.h.batch(p.h.MASKED_LENGTHS), p.h.batch(seed=7)[0]
    t = p.h.tf1_run(cell, bidirectional, data, full_x=full_x)
    greedy_weights = p.greedy_weights(cell, bidirectional)
    inputs = {"weights": t["weights"], "greedy_weights": greedy_weights}
    return inputs, {"tf1": t, "greedy": p.tf1_greedy(cell, bidirectional,
                                                      greedy_weights)}

  def keras(inputs):
    p = _module("next_char.test_parity")
    data, full_x = p.h.batch(p.h.MASKED_LENGTHS), p.h.batch(seed=7)[0]
    k = p.h.keras_run(cell, bidirectional, data, p.convert.tf1_to_keras(
        inputs["weights"], cell, bidirectional), full_x=full_x)
    del k["net"]
    k["greedy"] = p.keras_greedy(cell, bidirectional,
                                 inputs["greedy_weights"])
    return k

  def check(k, expected):
    p = _module("next_char.test_parity")
    p.assert_keras_matches_tf1(k, expected["tf1"], cell, bidirectional)
    assert k["greedy"] == expected["greedy"]

  return reference, keras, check


def seq2seq_case(layers, lstm, sampled=True):
  """``sampled``: also the output-projection form's sampled softmax."""
  def reference():
    p = _module("seq2seq.test_parity")
    return p.tf1_backend_reference(layers, lstm, sampled)

  def keras(inputs):
    return _module("seq2seq.test_parity").keras_backend_run(layers, lstm,
                                                            inputs)

  def check(got, expected):
    _module("seq2seq.test_parity").assert_backend_run_matches(got, expected)

  return reference, keras, check


def seq2seq_dynamic_case(name):
  """The dynamic (``tf.contrib.seq2seq``) twin against TF 1.15's recorded
  values (``tests/golden/tf1_s2s_dynamic.npz``)."""
  def reference():
    t = _module("seq2seq.test_keras_dynamic")
    with np.load(t.GOLDEN) as f:
      golden = {k: f[k] for k in f.files
                if k.startswith(name + "|") or k in t.SHARED_ARRAYS}
    return golden, t.case_arrays(golden, name)

  def keras(inputs):
    return _module("seq2seq.test_keras_dynamic").keras_run(inputs, name)

  def check(got, want):
    _module("seq2seq.test_keras_dynamic").assert_matches_tf1(got, want)

  return reference, keras, check


CASES = {
    "text8_separate": text8_case("separate"),
    "text8_fused": text8_case("fused"),
    "text8_bigram": text8_case("bigram"),
    "next_char_rnn": next_char_case("rnn", False),
    "next_char_gru_bidirectional": next_char_case("gru", True),
    "next_char_lstm_bidirectional": next_char_case("lstm", True),
    "seq2seq_gru1": seq2seq_case(1, False, sampled=False),
    "seq2seq_lstm2": seq2seq_case(2, True),
    "seq2seq_dynamic_luong_gru1": seq2seq_dynamic_case("luong_gru1"),
    "seq2seq_dynamic_bahdanau_lstm2": seq2seq_dynamic_case("bahdanau_lstm2"),
    "seq2seq_dynamic_scaled_luong_gru2": seq2seq_dynamic_case(
        "scaled_luong_gru2"),
    "seq2seq_dynamic_normed_bahdanau_gru1": seq2seq_dynamic_case(
        "normed_bahdanau_gru1"),
    "sampled_softmax": sampled_softmax_case(),
    "word2vec_skipgram": word2vec_case("skipgram", "sum"),
    "word2vec_cbow_mean": word2vec_case("cbow", "mean"),
    "char_rnn_rnn": char_rnn_case("rnn"),
    "char_rnn_gru": char_rnn_case("gru"),  # GRU(reset_after=False)
    "char_rnn_lstm": char_rnn_case("lstm"),
}


# -- nests <-> .npz ----------------------------------------------------------

def _flatten(obj, leaves):
  if isinstance(obj, dict):
    return {"d": {str(k): _flatten(v, leaves) for k, v in obj.items()}}
  if isinstance(obj, (list, tuple)):
    return {"l": [_flatten(v, leaves) for v in obj]}
  if obj is None:
    return {"n": 0}
  leaves.append(np.asarray(obj))
  return len(leaves) - 1


def _unflatten(tree, leaves):
  if isinstance(tree, int):
    leaf = leaves[tree]
    return leaf.item() if leaf.ndim == 0 else leaf
  if "d" in tree:
    return {k: _unflatten(v, leaves) for k, v in tree["d"].items()}
  if "l" in tree:
    return [_unflatten(v, leaves) for v in tree["l"]]
  return None


def save(path, nest):
  leaves = []
  tree = _flatten(nest, leaves)
  np.savez(path, tree=np.asarray(json.dumps(tree)),
           **{"leaf_%d" % i: leaf for i, leaf in enumerate(leaves)})


def load(path):
  with np.load(path) as f:
    tree = json.loads(str(f["tree"]))
    leaves = [f["leaf_%d" % i] for i in range(len(f.files) - 1)]
  return _unflatten(tree, leaves)


def main(argv):
  backend, in_path, out_path = argv[1:4]
  from tf1_models import keras_backend  # pylint: disable=import-outside-toplevel
  keras_backend.select(backend)  # before anything imports keras
  import keras  # pylint: disable=import-outside-toplevel
  assert keras.backend.backend() == backend
  inputs, results = load(in_path), {}
  for name, case_inputs in inputs.items():
    try:
      results[name] = {"result": CASES[name][1](case_inputs)}
    except Exception:  # pylint: disable=broad-except
      results[name] = {"error": traceback.format_exc()}
  save(out_path, results)


if __name__ == "__main__":
  main(sys.argv)
