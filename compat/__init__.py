"""TF1's RNN-era API rebuilt for TensorFlow 2.x with Keras 3.

Where to find what, as TF1 laid it out:
  * ``tf.nn.rnn_cell``: ``compat/rnn_cell.py``, ``compat/wrappers.py``
  * ``tf.contrib.rnn``: ``compat/contrib_rnn.py`` (its exports), contrib's
    own cells in ``compat/contrib_rnn_cell.py``, ``LSTMBlockCell`` and
    ``LSTMBlockFusedCell`` in ``compat/fused.py``, ``GRUBlockCell`` in
    ``compat/gru_ops.py``, stacked bidirectional drivers in ``compat/rnn.py``,
    fused adaptors in ``compat/fused_rnn_cell.py``
  * ``tf.contrib.cudnn_rnn``: ``compat/cudnn_rnn.py``
  * ``tf.contrib.seq2seq``: ``compat/seq2seq/`` (``AttentionWrapper``,
    ``BeamSearchDecoder``, ...); ``tf.contrib.legacy_seq2seq``:
    ``compat/legacy_seq2seq.py``
  * ``tf.layers``: ``compat/layers.py``; ``tf.contrib.layers``:
    ``compat/contrib_layers.py``
  * command-line tools: ``python -m compat.scan``, ``compat.run``,
    ``compat.convert``, ``compat.checkpoints``

Use the names directly (``compat.BasicLSTMCell``) or call
``compat.install()`` so unmodified TF1 code finds them. Build graphs inside
``tf.Graph().as_default()`` and run them with ``tf.compat.v1.Session``.
"""

from compat.checkpoints import (LegacyNameError, legacy_name_map,
                                restore_checkpoint)
from compat.fused import LSTMBlockCell, LSTMBlockFusedCell
from compat.install import install
from compat.layers import Dense, dense
from compat.rnn_cell import (BasicLSTMCell, BasicRNNCell, GRUCell,
                             LayerRNNCell, LSTMCell, LSTMStateTuple,
                             MultiRNNCell, RNNCell)
from compat.wrappers import (DeviceWrapper, DropoutWrapper, EmbeddingWrapper,
                             InputProjectionWrapper, Linear,
                             OutputProjectionWrapper, ResidualWrapper)
