"""micrograd_like: a small scalar autograd engine for learning and teaching backprop.

Build expressions from `Value` objects, call ``backward()`` on the result, and
read every gradient off the leaves::

    from micrograd_like import Value

    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = (a * b + a).tanh()
    c.backward()
    print(a.grad, b.grad)

Code written for Karpathy's micrograd runs after changing its imports from
``micrograd`` to ``micrograd_like``.
"""

from micrograd_like.engine import (
    PRIMITIVES,
    Primitive,
    Value,
    detect_anomaly,
    grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    topological_order,
    weighted_sum,
)
from micrograd_like.functional import hessian, hvp
from micrograd_like.gradcheck import GradcheckError, GradcheckResult, gradcheck
from micrograd_like.jit import jit

__version__ = "0.1.0"

__all__ = [
    "PRIMITIVES",
    "GradcheckError",
    "GradcheckResult",
    "Primitive",
    "Value",
    "__version__",
    "detect_anomaly",
    "grad",
    "gradcheck",
    "hessian",
    "hvp",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jit",
    "no_grad",
    "topological_order",
    "weighted_sum",
]
