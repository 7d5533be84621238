"""Running the Keras twins on any Keras 3 backend (TensorFlow, JAX, PyTorch).

Keras reads ``KERAS_BACKEND`` once, when ``keras`` is first imported, so
``select`` must run before that (the command lines call it before importing
any model code). ``value_and_grad`` differentiates a loss through the
backend's own autodiff (``tf.GradientTape``, ``jax.value_and_grad`` over
the variables' values, ``torch.autograd.grad``) and returns dense gradients,
rows of a repeated id summed (as TF1's optimizers sum an ``IndexedSlices``
before using it), ready for ``optimizer.apply_gradients``. On JAX and
PyTorch the loss runs in a ``keras.StatelessScope``: assignments to
variables inside it (a stateful layer's carried state) are dropped.

Nothing here imports TensorFlow unless TensorFlow is the backend.
"""

import importlib.util
import os
import sys

from tf1_models.errors import UserError

BACKENDS = ("tensorflow", "jax", "torch")


def select(backend):
  """Make ``backend`` Keras's backend; must run before ``import keras``."""
  if backend not in BACKENDS:
    raise UserError("unknown backend %r; choose one of %s"
                    % (backend, ", ".join(BACKENDS)))
  if importlib.util.find_spec(backend) is None:
    raise UserError("backend %r is not installed; pip install %s (or choose "
                    "another --backend)" % (backend, backend))
  keras = sys.modules.get("keras")
  if keras is not None and keras.backend.backend() != backend:
    raise UserError("keras was already imported with the %r backend; select "
                    "%r before importing keras (or set KERAS_BACKEND=%s)"
                    % (keras.backend.backend(), backend, backend))
  os.environ["KERAS_BACKEND"] = backend
  if backend == "torch" and "OMP_NUM_THREADS" not in os.environ:
    # PyTorch runs each small op of Keras's generic RNN loop on its
    # intra-op thread pool; on busy cores every op waits for the slowest
    # thread (README: 8-9x slower training with 2 threads on 2 loaded
    # cores). One thread unless OMP_NUM_THREADS says otherwise.
    import torch  # pylint: disable=import-outside-toplevel
    torch.set_num_threads(1)


def installed():
  """The backends importable here, in ``BACKENDS`` order."""
  return [b for b in BACKENDS if importlib.util.find_spec(b) is not None]


def value_and_grad(loss_fn, variables, inputs=None):
  """``(loss, grads)`` of ``loss_fn()`` (a scalar computed from
  ``variables``, Keras variables) on the current backend.

  With ``inputs`` (a list of float tensors), ``loss_fn(*inputs)`` is
  differentiated with respect to them too and ``(loss, grads,
  input_grads)`` returned: e.g. zeros added to an embedding's output give
  the gradient of each occurrence of a row (``clip_by_global_norm``)."""
  import keras  # pylint: disable=import-outside-toplevel
  backend = keras.backend.backend()
  with_inputs = inputs is not None
  inputs = [keras.ops.convert_to_tensor(x) for x in inputs or ()]
  if backend == "tensorflow":
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    with tf.GradientTape() as tape:
      tape.watch(inputs)
      loss = loss_fn(*inputs)
    grads = tape.gradient(loss, list(variables) + inputs)
    # IndexedSlices -> dense, duplicate rows summed.
    grads = [tf.convert_to_tensor(g) for g in grads]
  elif backend == "jax":
    import jax  # pylint: disable=import-outside-toplevel

    def of_values(values, extra):
      with keras.StatelessScope(state_mapping=list(zip(variables, values))):
        return loss_fn(*extra)

    # One compiled function: eagerly, every scan inside would compile alone.
    loss, (grads, input_grads) = jax.jit(jax.value_and_grad(
        of_values, argnums=(0, 1)))([v.value for v in variables], inputs)
    grads = list(grads) + list(input_grads)
  elif backend == "torch":
    import torch  # pylint: disable=import-outside-toplevel
    inputs = [x.detach().requires_grad_(True) for x in inputs]
    # Stateless as on JAX: an in-place state assignment (a stateful RNN)
    # would invalidate the tensors autograd saved.
    with keras.StatelessScope():
      loss = loss_fn(*inputs)
    grads = list(torch.autograd.grad(loss, [v.value for v in variables] +
                                     inputs))
    loss = loss.detach()
  else:
    raise UserError("backend %r has no gradient helper; use one of %s"
                    % (backend, ", ".join(BACKENDS)))
  n = len(variables)
  if with_inputs:
    return loss, grads[:n], grads[n:]
  return loss, grads


def train_step(optimizer, loss_fn, variables):
  """One optimizer step on ``loss_fn``; returns ``(loss, grads)``."""
  loss, grads = value_and_grad(loss_fn, variables)
  optimizer.apply_gradients(zip(grads, variables))
  return loss, grads
