"""``python -m compat.scan``: parses (never imports) a tree, follows import
aliases, and sorts every TensorFlow name into compat / core TF 2.x /
unsupported (with advice and file:line), deriving "compat" from what
``compat.install()`` installs. In-process: ``main`` returns the exit status."""

import re
import textwrap

import tensorflow as tf

import compat
from compat import scan

SUPPORTED = {
    # tf_upgrade_v2 output style
    "model.py": """\
        import tensorflow as tf
        from tensorflow.contrib import rnn
        from tensorflow.contrib.rnn import LSTMCell as Cell

        def build(x):
          cell = rnn.MultiRNNCell([Cell(4), tf.compat.v1.nn.rnn_cell.GRUCell(4)])
          state = tf.nn.rnn_cell.LSTMStateTuple(x, x)
          out, _ = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
          return tf.compat.v1.layers.dense(out, 3)
        """,
    # `import tensorflow.compat.v1 as tf` style and `import tensorflow.contrib.rnn`
    "sub/v1style.py": """\
        import tensorflow.compat.v1 as tf
        import tensorflow.contrib.rnn

        with tf.Graph().as_default():
          x = tf.placeholder(tf.float32, [None, 3])
          cell = tensorflow.contrib.rnn.GRUCell(3)
        """,
    # a TF module that is no attribute of tf, only importable
    "protos.py": "from tensorflow.core.protobuf import rewriter_config_pb2\n",
    # TF 2.x code: its summaries have a writer
    "tf2_summaries.py": """\
        import tensorflow as tf
        writer = tf.summary.create_file_writer("/tmp/logs")
        tf.summary.scalar("loss", 1.0, step=1)
        """,
    # TF 2.21's tf_upgrade_v2 leaves tf.layers.dense as it was
    "layers.py": "import tensorflow as tf\ntf.layers.dense(tf.ones([2, 2]), 3)\n",
    "not_tf.py": "import numpy as np\nx = np.zeros(3).T\n"
                 "raise SystemExit('compat.scan must not import me')\n",
}

UNSUPPORTED = {
    "train.py": """\
        import tensorflow as tf
        import tensorflow.contrib.crf

        FLAGS = tf.flags.FLAGS
        x = tf.compat.v1.placeholder(tf.float32, [None, 3])

        def main():
          v = tf.compat.v1.get_variable("v", [3])
          tf.compat.v1.add_to_collection("my_vars", v)
          sv = tf.compat.v1.train.Supervisor(logdir="/tmp/x")
          est = tf.estimator.Estimator(model_fn=None)
          sess = tf.compat.v1.keras.backend.get_session()

        class Model(object):
          def __init__(self):
            self._lr = tf.Variable(0.0, trainable=False)
            tf.compat.v1.add_to_collection("lr", self._lr)
            tf.compat.v1.add_to_collection("logits", tf.ones([2]))
        """,
    "py2.py": "print 'hello'\n",
    "private.py": "from tensorflow.python.ops import rnn_cell_impl\n",
    # PTB tutorial's export_ops/import_ops: the variable is not visible
    "meta_graph.py": """\
        import tensorflow as tf

        def export_ops(ops):
          for name, op in ops.items():
            tf.compat.v1.add_to_collection(name, op)

        def import_ops(path):
          tf.compat.v1.train.import_meta_graph(path)
          lr = tf.compat.v1.get_collection_ref("lr")[0]
          step = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.GLOBAL_STEP)
          return lr, tf.compat.v1.get_collection("cost")[0], step
        """,
    # TF 2.21's tf_upgrade_v2 leaves tf.summary.scalar in TF1 code
    "summaries.py": """\
        import tensorflow as tf
        tf.summary.scalar("loss", 1.0)
        tf.compat.v1.summary.merge_all()
        """,
    # runs as in TF 1.x: it turns eager execution off itself
    "graph_mode.py": """\
        import tensorflow.compat.v1 as tf
        tf.disable_v2_behavior()
        x = tf.placeholder(tf.float32, [None, 3])
        sv = tf.train.Supervisor(logdir="/tmp/x")
        """,
}


def _tree(root, files):
  for name, text in files.items():
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
  return root


def _scan(capsys, *paths):
  status = scan.main(["compat.scan"] + [str(p) for p in paths])
  out = capsys.readouterr().out
  return status, out


def _sections(out):
  """{section title prefix: {symbol: [lines of its entry]}}."""
  sections, current = {}, None
  for line in out.splitlines():
    if line and not line.startswith(" ") and line.endswith(tuple("0123456789")) \
        and ": " in line:
      current = sections.setdefault(line.split(" (")[0].split(":")[0], {})
    elif line.startswith("  ") and current is not None:
      fields = re.split(r"\s{2,}", line.strip())
      if fields[0].startswith("-> "):
        current[last].append(fields[0])
      else:
        last = fields[0]
        current[last] = fields[1:]
  return sections


def test_supported_tree_exits_0_and_resolves_every_alias(tmp_path, capsys):
  root = _tree(tmp_path, SUPPORTED)
  status, out = _scan(capsys, root)
  assert status == 0, out
  got = _sections(out)
  assert set(got) == {"provided by compat", "provided by core TF 2.x"}
  model, v1style = root / "model.py", root / "sub" / "v1style.py"
  assert got["provided by compat"].pop("tf.layers.dense") == [
      "%s:2" % (root / "layers.py")]
  assert got["provided by compat"] == {
      "tf.compat.v1.layers.dense": ["%s:9" % model],
      "tf.compat.v1.nn.rnn_cell.GRUCell": ["%s:6" % model],
      "tf.contrib.rnn": ["%s:2, %s:2" % (model, v1style)],
      "tf.contrib.rnn.GRUCell": ["%s:6" % v1style],
      "tf.contrib.rnn.LSTMCell": ["%s:3" % model],
      "tf.contrib.rnn.MultiRNNCell": ["%s:6" % model],
      "tf.nn.rnn_cell.LSTMStateTuple": ["%s:7" % model],
  }
  core = got["provided by core TF 2.x"]
  assert core["tf.compat.v1.nn.dynamic_rnn"] == ["%s:8" % model]
  assert core["tf.compat.v1.placeholder"] == ["%s:5" % v1style]  # alias
  assert core["tf.float32"] == ["%s:8" % model]
  assert core["tf.core.protobuf.rewriter_config_pb2"] == [
      "%s:1" % (root / "protos.py")]
  assert not any("np" in s or "numpy" in s for s in core)
  assert core["tf.summary.scalar"] == ["%s:3" % (root / "tf2_summaries.py")]
  assert out.rstrip().endswith(
      "6 files, 18 TensorFlow symbols: 8 by compat, 10 by core TF 2.x, "
      "0 unsupported")


def test_unsupported_names_and_patterns_exit_1_with_advice(tmp_path,
                                                           capsys):
  root = _tree(tmp_path, UNSUPPORTED)
  status, out = _scan(capsys, root / "train.py", root / "py2.py",
                      root / "private.py", root / "graph_mode.py",
                      root / "meta_graph.py", root / "summaries.py")
  assert status == 1
  bad = _sections(out)["unsupported"]
  train = root / "train.py"

  def advice(symbol):
    where, arrow = bad[symbol]
    return where, arrow[len("-> "):]

  assert advice("tf.contrib.crf")[0] == "%s:2" % train
  assert "tf.contrib module is not in compat" in advice("tf.contrib.crf")[1]
  assert advice("tf.flags.FLAGS") == (
      "%s:4" % train, "removed from TF 2.x's main namespace: it is "
      "tf.compat.v1.flags.FLAGS (tf_upgrade_v2 rewrites it)")
  where, text = advice("tf.compat.v1.placeholder (module level)")
  assert where == "%s:5" % train and "--graph-mode" in text
  assert "tf.Graph().as_default()" in text
  where, text = advice("tf.compat.v1.add_to_collection('my_vars', "
                       "<a variable>)")
  assert where == "%s:9" % train and "global_variables()" in text
  where, _ = advice("tf.compat.v1.add_to_collection('lr', <a variable>)")
  assert where == "%s:17" % train  # and not line 18's tensor
  where, text = advice("tf.compat.v1.train.Supervisor")
  assert where == "%s:10" % train and "compat.run --graph-mode" in text
  assert "Estimator is gone" in advice("tf.estimator.Estimator")[1]
  assert "Keras 2 API absent from Keras 3" in advice(
      "tf.compat.v1.keras.backend.get_session")[1]
  where, text = advice("(file does not parse)")
  assert where == "%s:1" % (root / "py2.py") and "2to3" in text
  assert "private modules" in advice("tf.python.ops.rnn_cell_impl")[1]
  where, text = advice("tf.summary.scalar")
  assert where == "%s:2" % (root / "summaries.py")
  assert "tf.compat.v1.summary.scalar" in text
  meta = root / "meta_graph.py"
  where, text = advice("(collections read after import_meta_graph)")
  assert where == "%s:9, %s:11" % (meta, meta)  # not GraphKeys' (line 10)
  assert "resource handle" in text and "global_variables()" in text
  assert set(bad) == {"tf.python.ops.rnn_cell_impl",
      "tf.contrib.crf", "tf.flags.FLAGS", "tf.compat.v1.train.Supervisor",
      "tf.compat.v1.placeholder (module level)", "tf.estimator.Estimator",
      "tf.compat.v1.add_to_collection('my_vars', <a variable>)",
      "tf.compat.v1.add_to_collection('lr', <a variable>)",
      "(collections read after import_meta_graph)", "tf.summary.scalar",
      "tf.compat.v1.keras.backend.get_session", "(file does not parse)"}
  core = _sections(out)["provided by core TF 2.x"]
  assert "tf.compat.v1.get_variable" in core
  # graph_mode.py disables eager execution: its placeholder and Supervisor
  # are fine (and listed apart from train.py's Supervisor)
  assert core["tf.compat.v1.train.Supervisor"] == [
      "%s:4" % (root / "graph_mode.py")]
  assert bad["tf.compat.v1.placeholder (module level)"][0] == "%s:5" % train


def test_coverage_comes_from_what_install_installs(tmp_path, capsys,
                                                   monkeypatch):
  root = _tree(tmp_path, {"a.py": "import tensorflow as tf\n"
                                  "tf.contrib.rnn.FutureCell(3)\n"})
  status, out = _scan(capsys, root)
  assert status == 1 and "tf.contrib.rnn.FutureCell" in _sections(out)[
      "unsupported"]
  # A name another branch adds to the installed module is known at once.
  compat.install()
  monkeypatch.setattr(tf.contrib.rnn, "FutureCell", compat.GRUCell,
                      raising=False)
  status, out = _scan(capsys, root)
  assert status == 0
  assert "tf.contrib.rnn.FutureCell" in _sections(out)["provided by compat"]


def test_bad_usage_exits_2(tmp_path, capsys):
  assert scan.main(["compat.scan"]) == 2
  assert capsys.readouterr().err.startswith("usage: python -m compat.scan")
  assert scan.main(["compat.scan", str(tmp_path / "nope")]) == 2
  assert "no such file or folder" in capsys.readouterr().err
  assert scan.main(["compat.scan", "--json", str(tmp_path)]) == 2
  assert "unknown option --json" in capsys.readouterr().err
