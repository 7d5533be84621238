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


CASES = {
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
