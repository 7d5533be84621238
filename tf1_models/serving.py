"""SavedModel export of a model's in-graph sampler, for TF Serving.

``export_text_generator`` builds a fresh graph whose ``serving_default``
signature takes one request -- ``prime`` (string), ``length``,
``temperature``, ``top_k`` and ``seed`` -- and returns the generated
``text`` (string) in a single call: the prime is split into characters and
looked up in the vocabulary inside the graph, the model's sampler
(``sampling.build_generator``) runs as one ``while`` loop, and the ids are
joined back into a string. Nothing is carried from one request to the next:
draws are stateless functions of (seed, position), so the same request gives
the same text, and ``temperature <= 0`` is greedy.

A bad request never fails the call (a server must keep serving): it returns
an empty ``text`` and a one-line ``error`` naming the problem (empty prime,
characters outside the vocabulary, ``length`` outside 1..max_length, where
max_length is written into the export, a temperature that is NaN or
infinite, a negative ``top_k``). ``error`` is empty on success. Any int64
``seed`` is good; ``top_k`` above the vocabulary size means all of it.

The export folder has TF Serving's layout, ``<export_dir>/<version>/``
(``saved_model.pb`` + ``variables/``), the version being the checkpoint's
global step. It is written to a temporary folder and renamed, so a cut-off
export never looks complete. Loading needs only TensorFlow::

  fn = tf.saved_model.load(path).signatures["serving_default"]
  fn(prime=tf.constant("..."), length=tf.constant(100), temperature=...,
     top_k=..., seed=...)["text"]

The Keras twins export the same signature (``export_keras_twin``: a Keras
``ExportArchive`` over the twin's one-step function in the same loop, or
the twin's step model as ONNX). Sequence-to-sequence models export
``source -> text, error`` instead (``export_decoder``, and
``export_keras_decoder`` for their twins): one phrase in, its decoding out.
"""

import dataclasses
import os
import re
import shutil
from typing import Callable, Sequence

import tensorflow as tf

from tf1_models import sampling
from tf1_models.errors import UserError

v1 = tf.compat.v1

SIGNATURE = "serving_default"
DEFAULT_MAX_LENGTH = 2000


@dataclasses.dataclass
class TextSpec:
  """How a model's ids read as text.

  ``symbols``: the vocabulary (ids are positions). ``prefix``: symbols put
  before the prime (e.g. the poems' start token). ``end_symbol``: the text is
  cut at its first occurrence. ``line_ends``: a newline follows each of
  these (the poems' one sentence per line), except at the very end.
  """
  symbols: Sequence[str]
  prefix: str = ""
  end_symbol: str = ""
  line_ends: Sequence[str] = ()
  max_length: int = DEFAULT_MAX_LENGTH


def _request():
  return {
      "prime": v1.placeholder(tf.string, [], name="request_prime"),
      "length": v1.placeholder(tf.int32, [], name="request_length"),
      "temperature": v1.placeholder(tf.float32, [],
                                    name="request_temperature"),
      "top_k": v1.placeholder(tf.int32, [], name="request_top_k"),
      "seed": v1.placeholder(tf.int64, [], name="request_seed"),
  }


def _encode(request, spec, table):
  """Prime ids [P] (unknown characters -1) and the request's error string
  ("" when the request is good)."""
  chars = tf.strings.unicode_split(request["prime"], "UTF-8",
                                   errors="replace")
  ids = table.lookup(tf.concat([tf.constant(list(spec.prefix), tf.string),
                                chars], 0))
  unknown, _ = tf.unique(tf.boolean_mask(chars, table.lookup(chars) < 0))
  length = request["length"]
  checks = [
      (tf.equal(tf.size(chars), 0),
       tf.constant("empty prime: send at least one character")),
      (tf.size(unknown) > 0,
       tf.strings.join([
           "prime has characters outside the model's vocabulary: ",
           tf.strings.reduce_join(unknown),
           "; use only characters from the training corpus"])),
      (tf.logical_or(length < 1, length > spec.max_length),
       tf.strings.join(["length must be between 1 and %d, got " %
                        spec.max_length, tf.strings.as_string(length)])),
      # NaN would reach the sampler (and fail the call); inf is no number
      # a client means.
      (tf.logical_not(tf.math.is_finite(request["temperature"])),
       tf.strings.join(["temperature must be a finite number (<= 0 is "
                        "greedy), got ",
                        tf.strings.as_string(request["temperature"])])),
      (request["top_k"] < 0,
       tf.strings.join(["top_k must be 0 (every symbol) or positive, got ",
                        tf.strings.as_string(request["top_k"])])),
  ]
  return ids, first_error(checks)


def _decode(prime, ids, spec):
  """``prime`` + the generated symbols, cut and broken into lines."""
  text = tf.strings.join([prime, tf.strings.reduce_join(
      tf.gather(tf.constant(list(spec.symbols)), ids))])
  if spec.end_symbol:
    text = tf.strings.regex_replace(
        text, "(?s)" + re.escape(spec.end_symbol) + ".*", "")
  if spec.line_ends:
    ends = "|".join(re.escape(s) for s in spec.line_ends)
    text = tf.strings.regex_replace(text, "(%s)" % ends, "\\1\n")
    text = tf.strings.regex_replace(text, "\n$", "")
  return text


def build_serving_graph(build, spec):
  """In the current graph: the request placeholders, and ``text``/``error``.

  ``build(inputs)`` makes the model's variables and returns its
  ``sampling.Generator`` over ``inputs`` (a ``sampling.GeneratorInputs``).
  """
  request = _request()
  return request, serve_request(request, build, spec,
                                vocabulary_table(spec.symbols))


def serve_request(request, build, spec, table):
  """``{"text", "error"}`` for ``request`` (a dict of the signature's
  tensors), generating with ``build`` (see ``build_serving_graph``);
  ``table`` is ``vocabulary_table(spec.symbols)``. Graph mode or inside a
  ``tf.function``."""
  ids, error = _encode(request, spec, table)
  ok = tf.equal(error, "")
  # A bad request runs the loop on a one-symbol prime for zero steps.
  prime_ids = tf.cond(ok, lambda: ids, lambda: tf.zeros([1], tf.int32))
  gen = build(sampling.GeneratorInputs(
      prime=prime_ids, length=tf.where(ok, request["length"], 0),
      temperature=request["temperature"], top_k=request["top_k"],
      seed=request["seed"]))
  text = tf.where(ok, _decode(request["prime"], gen.ids, spec), "")
  return {"text": text, "error": error}


REQUEST_SIGNATURE = {
    "prime": tf.TensorSpec([], tf.string, name="prime"),
    "length": tf.TensorSpec([], tf.int32, name="length"),
    "temperature": tf.TensorSpec([], tf.float32, name="temperature"),
    "top_k": tf.TensorSpec([], tf.int32, name="top_k"),
    "seed": tf.TensorSpec([], tf.int64, name="seed"),
}


def export_keras_generator(export_dir, version, step, initial_state, models,
                           spec, end_id=-1, log=print):
  """The Keras twin's export: ``<export_dir>/<version>/`` written by Keras's
  ``ExportArchive``, with the same ``serving_default`` signature and
  behaviour as ``export_text_generator``'s (TensorFlow backend only).

  ``step(ids [1], state) -> (logits [1, V], state)`` runs the Keras
  ``models`` (tracked in the archive) one symbol at a time;
  ``initial_state()`` makes the state before the first symbol.
  """
  table = vocabulary_table(spec.symbols)

  @tf.function(input_signature=[REQUEST_SIGNATURE])
  def serve(request):
    return serve_request(
        request, lambda inputs: sampling.build_generator(
            step, initial_state(), end_id=end_id, inputs=inputs), spec, table)

  final = write_archive(export_dir, version, list(models) + [table], serve)
  log("exported %s (Keras ExportArchive, signature %s: prime, length, "
      "temperature, top_k, seed -> text, error; length up to %d)" %
      (final, SIGNATURE, spec.max_length))
  return final


EXPORT_FORMATS = ("tf1", "keras", "onnx")


@dataclasses.dataclass
class KerasTwinStep:
  """A Keras twin seen one symbol at a time, for its exports.

  ``step(ids [1], state) -> (logits [1, V], state)`` (TensorFlow ops around
  the Keras ``models``); ``initial_state()`` makes the state before the
  first symbol; ``onnx_model``: the Keras model written as ONNX.
  """
  models: Sequence
  step: Callable
  initial_state: Callable
  onnx_model: object


def export_keras_twin(export_format, export_dir, version, twin, spec,
                      end_id=-1, log=print):
  """``--export_format=keras|onnx`` of a ``KerasTwinStep``: the serving
  signature as a Keras ``ExportArchive`` (``export_keras_generator``), or
  the step model as ``<export_dir>/<version>.onnx`` (``export_onnx``)."""
  if export_format == "onnx":
    # Keras exports only a model that has been called.
    twin.step(tf.zeros([1], tf.int32), twin.initial_state())
    return export_onnx(export_dir, version, twin.onnx_model, log=log)
  return export_keras_generator(export_dir, version, twin.step,
                                twin.initial_state, twin.models, spec,
                                end_id=end_id, log=log)


def export_onnx(export_dir, version, model, log=print, suffix=""):
  """``model`` (a built Keras model) as ``<export_dir>/<version><suffix>.onnx``,
  written under a temporary name and renamed; returns the path."""
  os.makedirs(export_dir, exist_ok=True)
  name = "%d%s" % (int(version), suffix)
  path = os.path.join(export_dir, name + ".onnx")
  tmp = os.path.join(export_dir, ".%s.tmp-%d.onnx" % (name, os.getpid()))
  try:
    model.export(tmp, format="onnx", verbose=False)
    os.replace(tmp, path)
  finally:
    if os.path.exists(tmp):
      os.remove(tmp)
  log("exported %s (the Keras twin's step model, %s)" % (
      path, ", ".join(t.name for t in model.inputs)))
  return path


def write_archive(export_dir, version, tracked, serve):
  """A Keras ``ExportArchive`` tracking ``tracked`` (models, tables) with
  ``serve`` as ``SIGNATURE``, written as ``<export_dir>/<version>/``."""
  import keras  # pylint: disable=g-import-not-at-top
  final = _version_folder(export_dir, version)
  archive = keras.export.ExportArchive()
  for item in tracked:
    archive.track(item)
  archive.add_endpoint(SIGNATURE, serve)
  _write_atomically(export_dir, version, final,
                    lambda path: archive.write_out(path, verbose=False))
  return final


def export_text_generator(export_dir, version, build, spec,
                          restore: Callable[[v1.Session], None], log=print):
  """Write ``<export_dir>/<version>/`` serving ``build_serving_graph(build,
  spec)``; return its path. ``restore(sess)`` loads the model's weights into
  the fresh graph's session (e.g. from a checkpoint)."""
  path = write_saved_model(
      export_dir, version, lambda: build_serving_graph(build, spec), restore)
  log("exported %s (signature %s: prime, length, temperature, top_k, seed "
      "-> text, error; length up to %d)" % (path, SIGNATURE,
                                             spec.max_length))
  return path


@dataclasses.dataclass
class DecoderSpec:
  """How a sequence-to-sequence model reads a request and writes its answer.

  ``symbols``: the vocabulary (ids are positions). ``max_length``: the
  longest source, in characters. ``unknown_id``: what characters outside
  the vocabulary become. ``end_id``: the output is cut at its first
  occurrence. ``first_symbol``: ids below it are special symbols, left out
  of the text.
  """
  symbols: Sequence[str]
  max_length: int
  unknown_id: int
  end_id: int
  first_symbol: int


def serve_decode(source, decode, spec, table):
  """``{"text", "error"}`` for one ``source`` string tensor: the phrase is
  lower-cased, its whitespace runs made single spaces and its ends stripped,
  split into characters and looked up (unknown -> ``spec.unknown_id``);
  ``decode(ids [T]) -> ids [L]`` is the model's decoding, cut at the end id
  and joined back into a string."""
  phrase = tf.strings.strip(tf.strings.regex_replace(
      tf.strings.lower(source, encoding="utf-8"), r"\s+", " "))
  chars = tf.strings.unicode_split(phrase, "UTF-8", errors="replace")
  ids = table.lookup(chars)
  ids = tf.where(ids < 0, spec.unknown_id, ids)
  n = tf.size(chars)
  error = first_error([
      (tf.equal(n, 0), tf.constant("empty source: send at least one "
                                   "character")),
      (n > spec.max_length, tf.strings.join([
          "source has ", tf.strings.as_string(n), " characters; this model "
          "takes at most %d" % spec.max_length])),
  ])
  ok = tf.equal(error, "")
  # A bad request decodes a one-symbol phrase, and its text is dropped.
  out = decode(tf.cond(ok, lambda: ids,
                       lambda: tf.constant([spec.unknown_id], tf.int32)))
  ends = tf.cast(tf.where(tf.equal(out, spec.end_id))[:, 0], tf.int32)
  out = out[:tf.reduce_min(tf.concat([ends, tf.size(out)[None]], 0))]
  out = tf.boolean_mask(out, out >= spec.first_symbol)
  text = tf.strings.reduce_join(tf.gather(tf.constant(list(spec.symbols)),
                                          out))
  return {"text": tf.where(ok, text, ""), "error": error}


def export_decoder(export_dir, version, decode, spec: DecoderSpec,
                   restore: Callable[[v1.Session], None], log=print):
  """Write ``<export_dir>/<version>/`` whose ``serving_default`` takes
  ``source`` (string) and returns ``text`` and ``error``
  (``serve_decode``); ``decode(ids)`` builds the model's variables and
  decoding in the fresh graph, ``restore(sess)`` loads its weights."""
  def build():
    source = v1.placeholder(tf.string, [], name="request_source")
    return {"source": source}, serve_decode(
        source, decode, spec, vocabulary_table(spec.symbols))
  path = write_saved_model(export_dir, version, build, restore)
  log("exported %s (signature %s: source -> text, error; sources up to %d "
      "characters)" % (path, SIGNATURE, spec.max_length))
  return path


def export_keras_decoder(export_dir, version, decode, models,
                         spec: DecoderSpec, log=print):
  """``export_decoder``'s signature from Keras ``models`` (Keras's
  ``ExportArchive``, TensorFlow backend): ``decode(ids)`` runs them."""
  table = vocabulary_table(spec.symbols)

  @tf.function(input_signature=[tf.TensorSpec([], tf.string, name="source")])
  def serve(source):
    return serve_decode(source, decode, spec, table)

  final = write_archive(export_dir, version, list(models) + [table], serve)
  log("exported %s (Keras ExportArchive, signature %s: source -> text, "
      "error; sources up to %d characters)" % (final, SIGNATURE,
                                               spec.max_length))
  return final


def write_saved_model(export_dir, version, build,
                      restore: Callable[[v1.Session], None]):
  """Build ``build() -> (inputs, outputs)`` (dicts of tensors) in a fresh
  graph, ``restore(sess)`` its variables, and write it as
  ``<export_dir>/<version>/`` with one predict signature, ``SIGNATURE``.
  Lookup tables are initialised when the export is loaded."""
  final = _version_folder(export_dir, version)
  graph = tf.Graph()
  with graph.as_default():
    inputs, outputs = build()
    signature = v1.saved_model.signature_def_utils.predict_signature_def(
        inputs=inputs, outputs=outputs)
    with v1.Session(graph=graph) as sess:
      restore(sess)

      def write(path):
        builder = v1.saved_model.Builder(path)
        builder.add_meta_graph_and_variables(
            sess, [v1.saved_model.tag_constants.SERVING],
            signature_def_map={SIGNATURE: signature},
            main_op=v1.tables_initializer(), strip_default_attrs=True)
        builder.save()

      _write_atomically(export_dir, version, final, write)
  return final


def _version_folder(export_dir, version):
  final = os.path.join(export_dir, str(int(version)))
  if os.path.exists(final):
    raise UserError("%s already exists; remove it, or export a later "
                    "checkpoint (the folder is named by its step)" % final)
  return final


def _write_atomically(export_dir, version, final, write):
  """``write(path)`` into a temporary folder, then rename it ``final``."""
  os.makedirs(export_dir, exist_ok=True)
  tmp = os.path.join(export_dir, ".%d.tmp-%d" % (int(version), os.getpid()))
  shutil.rmtree(tmp, ignore_errors=True)
  try:
    write(tmp)
    os.rename(tmp, final)
  except BaseException:
    shutil.rmtree(tmp, ignore_errors=True)
    raise


def vocabulary_table(symbols):
  """A lookup table symbol -> id (int32; -1 for unknown symbols)."""
  return tf.lookup.StaticHashTable(
      tf.lookup.KeyValueTensorInitializer(
          tf.constant(list(symbols)),
          tf.range(len(symbols), dtype=tf.int32)), default_value=-1)


def first_error(checks):
  """The message of the first ``(bad, message)`` whose ``bad`` is true, or
  "" (all scalar tensors)."""
  error = tf.constant("")
  for bad, message in reversed(checks):
    error = tf.where(bad, message, error)
  return error


def checkpoint_step(checkpoint):
  """The global step in a checkpoint prefix's name (``model.ckpt-1200``)."""
  match = re.search(r"-(\d+)$", checkpoint)
  if not match:
    raise UserError("cannot tell the step of checkpoint %s (expected a name "
                    "ending in -<step>)" % checkpoint)
  return int(match.group(1))
