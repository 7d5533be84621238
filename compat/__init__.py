"""TF1's RNN API (``tf.nn.rnn_cell``, ``tf.layers.dense``, ``tf.contrib.rnn``,
``tf.contrib.legacy_seq2seq``) rebuilt for TensorFlow 2.x with Keras 3.

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
