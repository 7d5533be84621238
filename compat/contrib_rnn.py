"""What ``tensorflow.contrib.rnn`` exported in TF 1.x, over ``compat``.

The cells and wrappers are ours; the RNN drivers are TF's own
``tf.compat.v1.nn`` functions, which still ship and accept these cells.
"""

import tensorflow as tf

from compat.contrib_rnn_cell import (AttentionCellWrapper,
                                     CoupledInputForgetGateLSTMCell,
                                     HighwayWrapper, IndRNNCell, IndyGRUCell,
                                     IndyLSTMCell,
                                     IntersectionRNNCell,
                                     LayerNormBasicLSTMCell,
                                     LayerNormLSTMCell, NASCell, SRUCell,
                                     UGRNNCell)
from compat.cudnn_rnn import CudnnCompatibleGRUCell, CudnnCompatibleLSTMCell
from compat.fused import LSTMBlockCell, LSTMBlockFusedCell
from compat.fused_rnn_cell import (FusedRNNCell, FusedRNNCellAdaptor,
                                   TimeReversedFusedRNN)
from compat.gru_ops import GRUBlockCell, GRUBlockCellV2
from compat.rnn import (best_effort_input_batch_size,
                        stack_bidirectional_dynamic_rnn,
                        stack_bidirectional_rnn, transpose_batch_time)
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
    # contrib's own cells, wrappers and drivers (compat.contrib_rnn_cell,
    # compat.gru_ops, compat.rnn, compat.fused_rnn_cell)
    "AttentionCellWrapper", "CoupledInputForgetGateLSTMCell", "FusedRNNCell",
    "FusedRNNCellAdaptor", "GRUBlockCell", "GRUBlockCellV2", "HighwayWrapper",
    "IndRNNCell", "IndyGRUCell", "IndyLSTMCell", "IntersectionRNNCell",
    "LayerNormBasicLSTMCell", "LayerNormLSTMCell", "NASCell", "SRUCell",
    "TimeReversedFusedRNN", "UGRNNCell", "best_effort_input_batch_size",
    "stack_bidirectional_dynamic_rnn", "stack_bidirectional_rnn",
    "transpose_batch_time",
]
