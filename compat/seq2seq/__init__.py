"""``tf.contrib.seq2seq`` rebuilt on TF 2.x (``compat.install()`` makes it
importable under that name). Modules mirror TF1's: ``decoder``,
``basic_decoder``, ``helper``, ``attention_wrapper``,
``beam_search_decoder``, ``beam_search_ops``, ``loss``."""

from compat.seq2seq.attention_wrapper import (AttentionMechanism,
                                              AttentionWrapper,
                                              AttentionWrapperState,
                                              BahdanauAttention,
                                              BahdanauMonotonicAttention,
                                              LuongAttention,
                                              LuongMonotonicAttention,
                                              hardmax, monotonic_attention,
                                              safe_cumprod)
from compat.seq2seq.basic_decoder import BasicDecoder, BasicDecoderOutput
from compat.seq2seq.beam_search_decoder import (BeamSearchDecoder,
                                                BeamSearchDecoderOutput,
                                                BeamSearchDecoderState,
                                                FinalBeamSearchDecoderOutput,
                                                tile_batch)
from compat.seq2seq.beam_search_ops import gather_tree
from compat.seq2seq.decoder import Decoder, dynamic_decode
from compat.seq2seq.helper import (CustomHelper, GreedyEmbeddingHelper,
                                   Helper, InferenceHelper,
                                   SampleEmbeddingHelper,
                                   ScheduledEmbeddingTrainingHelper,
                                   ScheduledOutputTrainingHelper,
                                   TrainingHelper)
from compat.seq2seq.loss import sequence_loss

__all__ = [
    "AttentionMechanism", "AttentionWrapper", "AttentionWrapperState",
    "BahdanauAttention", "BahdanauMonotonicAttention", "BasicDecoder",
    "BasicDecoderOutput", "BeamSearchDecoder", "BeamSearchDecoderOutput",
    "BeamSearchDecoderState", "CustomHelper", "Decoder",
    "FinalBeamSearchDecoderOutput", "GreedyEmbeddingHelper", "Helper",
    "InferenceHelper", "LuongAttention", "LuongMonotonicAttention",
    "SampleEmbeddingHelper", "ScheduledEmbeddingTrainingHelper",
    "ScheduledOutputTrainingHelper", "TrainingHelper", "dynamic_decode",
    "gather_tree", "hardmax", "monotonic_attention", "safe_cumprod",
    "sequence_loss", "tile_batch",
]
