"""What ``tensorflow.contrib.rnn`` exported in TF 1.x, over ``compat``.

The cells and wrappers are ours; the RNN drivers are TF's own
``tf.compat.v1.nn`` functions, which still ship and accept these cells.
"""

import tensorflow as tf

from compat.cudnn_rnn import CudnnCompatibleGRUCell, CudnnCompatibleLSTMCell
from compat.fused import LSTMBlockCell, LSTMBlockFusedCell
from compat.rnn_cell import (BasicLSTMCell, BasicRNNCell, GRUCell,
                             LayerRNNCell, LSTMCell, LSTMStateTuple,
                             MultiRNNCell, RNNCell)
from compat.wrappers import (DeviceWrapper, DropoutWrapper, EmbeddingWrapper,
                             InputProjectionWrapper, OutputProjectionWrapper,
                             ResidualWrapper)

static_rnn = tf.compat.v1.nn.static_rnn
static_state_saving_rnn = tf.compat.v1.nn.static_state_saving_rnn
static_bidirectional_rnn = tf.compat.v1.nn.static_bidirectional_rnn

__all__ = [
    "CudnnCompatibleGRUCell", "CudnnCompatibleLSTMCell",
    "BasicLSTMCell", "BasicRNNCell", "DeviceWrapper", "DropoutWrapper",
    "EmbeddingWrapper", "GRUCell", "InputProjectionWrapper", "LSTMBlockCell",
    "LSTMBlockFusedCell", "LSTMCell", "LSTMStateTuple", "LayerRNNCell",
    "MultiRNNCell", "OutputProjectionWrapper", "RNNCell", "ResidualWrapper",
    "static_bidirectional_rnn", "static_rnn", "static_state_saving_rnn",
]
