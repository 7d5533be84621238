"""What ``tf_upgrade_v2`` writes, after ``compat.install()``:
``tf.nn.rnn_cell.*`` and ``tf.layers.*`` on plain ``tf`` (and nothing else in
``tf.nn`` changed), graph-seeded ``tf.compat.v1.keras.initializers`` (TF 1.15's numbers
for the same seeds), and the fix the README gives for variables in meta-graph
collections. In-process; the converted scripts run in test_run.py."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

import compat
from tests.compat import helpers

v1 = tf.compat.v1


def test_tf_nn_rnn_cell_and_tf_layers_are_compat_the_rest_untouched():
  before = dict(vars(tf.nn))
  compat.install()
  after = dict(vars(tf.nn))
  assert tf.nn.rnn_cell is v1.nn.rnn_cell
  assert tf.nn.rnn_cell.LSTMStateTuple is compat.LSTMStateTuple
  assert tf.nn.rnn_cell.BasicLSTMCell is compat.BasicLSTMCell
  changed = {k for k in set(before) | set(after)
             if before.get(k, None) is not after.get(k, None)}
  assert changed <= {"rnn_cell"}
  ours = {k for k, v in after.items()
          if (getattr(v, "__module__", None) or "").startswith("compat.") or
          getattr(v, "__name__", "").endswith("rnn_cell")}
  assert ours == {"rnn_cell"}
  assert not hasattr(tf.nn, "dynamic_rnn")  # still TF 2.x's tf.nn
  # TF 2.21's tf_upgrade_v2 leaves tf.layers.dense alone
  assert tf.layers is v1.layers and tf.layers.dense is compat.dense
  # tf_upgrade_v2's spelling builds a graph
  with tf.Graph().as_default():
    x = tf.ones([2, 3])
    cell = v1.nn.rnn_cell.BasicLSTMCell(4)
    state = tf.nn.rnn_cell.LSTMStateTuple(tf.zeros([2, 4]), tf.zeros([2, 4]))
    out, new_state = cell(x, state)
    assert isinstance(new_state, compat.LSTMStateTuple)
    assert out.shape.as_list() == [2, 4]


def _initial_weights(initializer_expr, graph_seed=1234):
  """Builds one variable the way converted code does; its initial value."""
  with tf.Graph().as_default():
    v1.set_random_seed(graph_seed)
    init = eval(initializer_expr, {"tf": tf})  # pylint: disable=eval-used
    w = v1.get_variable("w", [4, 6], initializer=init)
    with v1.Session(config=helpers.session_config()) as sess:
      sess.run(v1.global_variables_initializer())
      return sess.run(w)


# What tf_upgrade_v2 writes for xavier_initializer() and the Keras names.
UPGRADED = (
    'tf.compat.v1.keras.initializers.VarianceScaling(scale=1.0, '
    'mode="fan_avg", distribution="uniform")',
    'tf.compat.v1.keras.initializers.glorot_uniform()',
    'tf.compat.v1.keras.initializers.he_normal()',
    'tf.compat.v1.keras.initializers.RandomUniform()',
)


@pytest.fixture
def restore_install():
  yield
  compat.install()


def test_seeded_initializers_repeat_under_the_graph_seed(restore_install):
  compat.install(seeded_initializers=False)  # Keras 3's: the bug
  assert not np.array_equal(_initial_weights(UPGRADED[0]),
                            _initial_weights(UPGRADED[0]))
  compat.install()  # seeded_initializers=True is the default
  for expr in UPGRADED:
    first = _initial_weights(expr)
    np.testing.assert_array_equal(first, _initial_weights(expr))
    assert not np.array_equal(first, _initial_weights(expr, graph_seed=5))
  limit = np.sqrt(6.0 / (4 + 6))  # xavier uniform over [4, 6]
  w = _initial_weights(UPGRADED[0])
  assert np.abs(w).max() <= limit and np.abs(w).max() > 0.7 * limit
  w = _initial_weights(UPGRADED[3])  # TF1 Keras default range +-0.05
  assert np.abs(w).max() <= 0.05 and np.abs(w).max() > 0.03
  assert isinstance(tf.compat.v1.keras.layers.Dense(2), tf.keras.layers.Dense)


def test_seeded_initializers_give_tf1_values_for_the_same_seeds():
  compat.install()
  with open(os.path.join(helpers.GOLDEN, "tf1_initializers.json")) as f:
    golden = json.load(f)
  assert len(golden) == 6
  for expr, values in golden.items():
    got = _initial_weights("tf.compat.v1.keras.initializers." + expr,
                           graph_seed=42)
    np.testing.assert_allclose(got, values, rtol=1e-6, atol=1e-7,
                               err_msg=expr)


def test_meta_graph_collection_variable_fix_from_readme():
  with tf.Graph().as_default():
    v = v1.get_variable("v", [2], initializer=v1.ones_initializer())
    v1.add_to_collection("my_vars", v)
    meta_graph = v1.train.export_meta_graph()
  with tf.Graph().as_default():
    v1.train.import_meta_graph(meta_graph)
    raw = v1.get_collection("my_vars")
    assert raw[0].dtype == tf.resource and not hasattr(raw[0], "assign_add")
    # The README's fix: look the variables up by name.
    by_name = {var.name: var for var in v1.global_variables()}
    my_vars = [by_name[t.name] for t in raw]
    with v1.Session(config=helpers.session_config()) as sess:
      sess.run(v1.global_variables_initializer())
      sess.run(my_vars[0].assign_add([1.0, 2.0]))
      np.testing.assert_array_equal(sess.run(my_vars[0]), [2.0, 3.0])
