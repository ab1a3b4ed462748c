"""Second derivatives: `hessian` and `hvp`, kept here for their old import path.

They live in `micrograd_like.autograd` with ``grad`` and ``gradients``.
"""

from micrograd_like.autograd import hessian, hvp

__all__ = ["hessian", "hvp"]
