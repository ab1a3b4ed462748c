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

The package, module by module: `engine` (Value, the table of primitives, the
chain rule), `operators` (the math the table is written in), `grad_mode`
(no_grad, detect_anomaly), `autograd` (grad, gradients, hessian, hvp, and
forward mode: jvp, jacobian, path_sum), `fastpath` (weighted_sum and the switch
for fast paths), `nn`, `losses`, `optim`, `train`, `datasets`, `plots`, `live`
(training drawn as it runs, in Jupyter), `viz` (graph diagrams) and
`network_view` (the network as circles in columns), `pages` and `replay`
(self-contained HTML pages to step through), `exercises` (checkers that name
the mistake), `formula`, `files` (atomic writes, standard JSON), `jit` and
`worked_example`.
"""

from micrograd_like import engine
from micrograd_like.autograd import grad, gradients, hessian, hvp, jacobian, jvp
from micrograd_like.engine import PRIMITIVES, Primitive, Value, topological_order
from micrograd_like.fastpath import fast_paths, weighted_sum
from micrograd_like.grad_mode import detect_anomaly, is_anomaly_enabled, is_grad_enabled, no_grad
from micrograd_like.gradcheck import GradcheckError, GradcheckResult, gradcheck
from micrograd_like.jit import jit

__version__ = "0.2.0"

__all__ = [
    "PRIMITIVES",
    "GradcheckError",
    "GradcheckResult",
    "Primitive",
    "Value",
    "__version__",
    "detect_anomaly",
    "fast_paths",
    "grad",
    "gradcheck",
    "gradients",
    "hessian",
    "hvp",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jacobian",
    "jit",
    "jvp",
    "no_grad",
    "topological_order",
    "weighted_sum",
]

# These names lived in micrograd_like.engine before it was split into modules named for
# what they do; `from micrograd_like.engine import no_grad` and the like keep working.
for _moved in (
    detect_anomaly,
    grad,
    gradients,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    weighted_sum,
):
    setattr(engine, _moved.__name__, _moved)
del _moved
