"""``BasicDecoder``: a cell, a sampling ``Helper`` and an optional output
layer, stepped by ``dynamic_decode``."""

import collections

import tensorflow as tf

from compat.seq2seq import helper as helper_py
from compat.seq2seq.decoder import Decoder

__all__ = ["BasicDecoderOutput", "BasicDecoder"]


class BasicDecoderOutput(
    collections.namedtuple("BasicDecoderOutput", ("rnn_output", "sample_id"))):
  pass


def rnn_output_size(cell, layer):
  """The per-example size of ``cell``'s output after ``layer`` (if any), as
  TF1 asked ``compute_output_shape``."""
  input_size = cell.output_size
  if layer is None:
    return input_size

  def with_batch(s):
    return tf.TensorShape([None]).concatenate(tf.TensorShape(s))
  compute = getattr(layer, "compute_output_shape", None)
  if compute is not None:
    shape = compute(tf.nest.map_structure(with_batch, input_size))
    return tf.nest.map_structure(lambda s: tf.TensorShape(s)[1:], shape)
  units = getattr(layer, "units", None)
  if units is None:
    raise TypeError("Cannot tell the output size of output_layer %r: give it "
                    "compute_output_shape or units" % (layer,))
  return tf.TensorShape([units])


class BasicDecoder(Decoder):
  """``(rnn_output, sample_id)`` per step from ``cell`` and ``helper``."""

  def __init__(self, cell, helper, initial_state, output_layer=None):
    if not callable(cell):
      raise TypeError("cell must be an RNNCell, received: %s" % type(cell))
    if not isinstance(helper, helper_py.Helper):
      raise TypeError("helper must be a Helper, received: %s" % type(helper))
    if output_layer is not None and not callable(output_layer):
      raise TypeError("output_layer must be a Layer, received: %s" %
                      type(output_layer))
    self._cell = cell
    self._helper = helper
    self._initial_state = initial_state
    self._output_layer = output_layer

  @property
  def batch_size(self):
    return self._helper.batch_size

  def _rnn_output_size(self):
    return rnn_output_size(self._cell, self._output_layer)

  @property
  def output_size(self):
    return BasicDecoderOutput(rnn_output=self._rnn_output_size(),
                              sample_id=self._helper.sample_ids_shape)

  @property
  def output_dtype(self):
    dtype = tf.nest.flatten(self._initial_state)[0].dtype
    return BasicDecoderOutput(
        tf.nest.map_structure(lambda _: dtype, self._rnn_output_size()),
        self._helper.sample_ids_dtype)

  def initialize(self, name=None):
    return self._helper.initialize() + (self._initial_state,)

  def step(self, time, inputs, state, name=None):
    with tf.name_scope(name or "BasicDecoderStep"):
      cell_outputs, cell_state = self._cell(inputs, state)
      if self._output_layer is not None:
        cell_outputs = self._output_layer(cell_outputs)
      sample_ids = self._helper.sample(time=time, outputs=cell_outputs,
                                       state=cell_state)
      finished, next_inputs, next_state = self._helper.next_inputs(
          time=time, outputs=cell_outputs, state=cell_state,
          sample_ids=sample_ids)
    return (BasicDecoderOutput(cell_outputs, sample_ids), next_state,
            next_inputs, finished)
