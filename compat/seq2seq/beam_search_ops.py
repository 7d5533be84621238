"""``gather_tree``: beam-search back-tracking, as TF1's ``GatherTree`` op.

TF 2.x has no public op for it, so it is built from a reverse ``scan``.
For every batch entry ``b`` and beam ``k`` with ``L = max_sequence_lengths
[b]``: step ``L - 1`` holds ``step_ids[L - 1, b, k]``; earlier steps follow
``parent_ids`` back from there; steps at or past ``L`` hold ``end_token``,
and so does every step after the first ``end_token`` of a path.
"""

import tensorflow as tf

__all__ = ["gather_tree"]


def gather_tree(step_ids, parent_ids, max_sequence_lengths, end_token,
                name=None):
  """Full beams from per-step ids and parents, all ``[max_time, batch,
  beam]``; ``max_sequence_lengths`` is ``[batch]``."""
  with tf.name_scope(name or "GatherTree"):
    step_ids = tf.convert_to_tensor(step_ids, name="step_ids")
    parent_ids = tf.convert_to_tensor(parent_ids, dtype=step_ids.dtype,
                                      name="parent_ids")
    lengths = tf.convert_to_tensor(max_sequence_lengths, dtype=tf.int32,
                                   name="max_sequence_lengths")
    end_token = tf.cast(end_token, step_ids.dtype)
    shape = tf.shape(step_ids)
    max_time, beam = shape[0], shape[2]
    own_beam = tf.broadcast_to(tf.range(beam, dtype=step_ids.dtype),
                               shape[1:])
    times = tf.range(max_time)
    # Walk back from the last step, following the parents of each beam.
    in_range = times[:, None] < lengths[None, :]  # [time, batch]

    def back(carry, xs):
      _, parent = carry
      ids, parents, valid = xs
      valid = valid[:, None]
      picked = tf.gather(ids, parent, batch_dims=1)
      next_parent = tf.gather(parents, parent, batch_dims=1)
      return (tf.where(valid, picked, end_token),
              tf.where(valid, next_parent, parent))

    out, _ = tf.scan(back, (step_ids, parent_ids, in_range),
                     initializer=(tf.zeros_like(own_beam), own_beam),
                     reverse=True)
    # Past the first end token of a path, only end tokens.
    ended = tf.cast(tf.equal(out, end_token), tf.int32)
    ended_before = tf.cumsum(ended, axis=0, exclusive=True) > 0
    out = tf.where(ended_before, end_token, out)
    out = tf.reshape(out, shape)
    out.set_shape(step_ids.shape)
    return out
