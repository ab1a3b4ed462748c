"""Graduating to PyTorch: rebuild your model and your graph in torch, and compare every number.

- `to_torch(model)`: an `MLP` as a ``torch.nn.Sequential`` of float64 ``Linear`` layers
  and the same activations (``ReLU``, ``Tanh``, ``Sigmoid``; nothing after a linear
  layer), holding exactly the MLP's weights.
- `from_torch(seq)`: the reverse. ``from_torch(to_torch(model))`` has the model's
  weights bit for bit; a Sequential that an MLP cannot be is refused, naming the module.
- `replay_in_torch(root)`: any recorded `Value` graph rebuilt node by node with float64
  tensors, torch's ``backward()`` run on it, and a `ReplayTable` with one row per node:
  our data and grad beside torch's, their difference, and the ``grad_fn`` torch recorded
  (``*`` is ``MulBackward0``). It prints as an aligned table and shows as HTML in Jupyter.
- `compare_training(model, X, y)`: the same full-batch training, micrograd's hinge loss
  with L2, run by our `SGD` and by ``torch.optim.SGD`` from the same weights, loss by loss.

PyTorch is imported only when one of these functions runs; without it they raise an
ImportError that says how to install it. Nothing here changes a ``.grad`` of yours.

Example::

    from micrograd_like.nn import MLP
    from micrograd_like.torch_bridge import from_torch, replay_in_torch, to_torch

    model = MLP(2, [4, 1], seed=0)
    seq = to_torch(model)        # Sequential(Linear(2, 4), ReLU(), Linear(4, 1)), float64
    assert from_torch(seq).state_dict() == model.state_dict()
    table = replay_in_torch(model([0.5, -1.0]))
    print(table)                 # every node: ours, torch's, |difference|, grad_fn
    print(table.largest_difference)
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from micrograd_like import validate
from micrograd_like.autograd import gradients
from micrograd_like.engine import Value, topological_order
from micrograd_like.losses import hinge, l2
from micrograd_like.nn import MAX_PARAMETERS, MLP, mlp_from_dict, mlp_to_dict
from micrograd_like.optim import SGD

__all__ = [
    "INSTALL_HINT",
    "TOLERANCE",
    "TORCH_ACTIVATIONS",
    "ReplayRow",
    "ReplayTable",
    "TrainingComparison",
    "compare_training",
    "from_torch",
    "replay_in_torch",
    "to_torch",
]

INSTALL_HINT = (
    'pip install "micrograd_like[torch]"; on a machine without a GPU install the CPU build '
    "instead (pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu), "
    "as an unpinned torch may download a multi-GB GPU build"
)
"""How to get PyTorch, as the ImportError of every function here says it."""

TORCH_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": None}
"""Each of `micrograd_like.nn.ACTIVATIONS` by the ``torch.nn`` module that computes it."""

TOLERANCE = 1e-12
"""How far a replayed node may differ: 1e-12, times its largest number where that is above 1."""

_KNOWN_OPS = "+ * / ** **n exp log tanh sigmoid ReLU"


def _import_torch(who: str) -> Any:
    """The torch module, or an ImportError that names the extra to install."""
    try:
        import torch
    except ImportError as error:
        raise ImportError(f"{who} needs PyTorch, which is not installed: {INSTALL_HINT}") from error
    return torch


# -- the model: to_torch and from_torch -------------------------------------------------


def to_torch(model: MLP) -> Any:
    """The MLP as a ``torch.nn.Sequential`` in float64, with exactly its weights.

    Each layer becomes a ``Linear(nin, nout)`` whose row j holds neuron j's weights
    and whose bias holds the neurons' biases, followed by ``ReLU()``, ``Tanh()`` or
    ``Sigmoid()`` for those activations, and by nothing for a linear layer.

    Args:
        model: A `micrograd_like.nn.MLP`; it is not changed.

    Returns:
        A ``torch.nn.Sequential`` whose parameters require grad, on the CPU.

    Raises:
        ImportError: If PyTorch is not installed.
        TypeError: If model is not an MLP.

    Example:
        >>> import pytest
        >>> torch = pytest.importorskip("torch")       # skipped without PyTorch
        >>> from micrograd_like.nn import MLP
        >>> from micrograd_like.torch_bridge import to_torch
        >>> model = MLP(2, [4, 1], seed=0)
        >>> seq = to_torch(model)
        >>> seq
        Sequential(
          (0): Linear(in_features=2, out_features=4, bias=True)
          (1): ReLU()
          (2): Linear(in_features=4, out_features=1, bias=True)
        )
        >>> seq[0].weight.dtype
        torch.float64
        >>> seq[0].weight[0].tolist() == [w.data for w in model.layers[0].neurons[0].w]
        True
    """
    torch = _import_torch("to_torch")
    if not isinstance(model, MLP):
        raise TypeError(f"to_torch: expected a micrograd_like.nn.MLP, got {type(model).__name__}")
    modules: list[Any] = []
    for layer, activation in zip(model.layers, model.activations, strict=True):
        neurons = layer.neurons
        linear = torch.nn.Linear(len(neurons[0].w), len(neurons), dtype=torch.float64)
        weight = [[w.data for w in neuron.w] for neuron in neurons]
        bias = [neuron.b.data for neuron in neurons]
        linear.weight = torch.nn.Parameter(torch.tensor(weight, dtype=torch.float64))
        linear.bias = torch.nn.Parameter(torch.tensor(bias, dtype=torch.float64))
        modules.append(linear)
        name = TORCH_ACTIVATIONS[activation]
        if name is not None:
            modules.append(getattr(torch.nn, name)())
    return torch.nn.Sequential(*modules)


def from_torch(seq: Any) -> MLP:
    """The MLP a ``torch.nn.Sequential`` of Linear layers and activations computes.

    Each ``Linear`` (with a bias) becomes a layer; the ``ReLU``, ``Tanh`` or
    ``Sigmoid`` after it is the layer's activation (``Identity`` or nothing: linear).
    Weights of any real floating dtype are read exactly as float64, so
    ``from_torch(to_torch(model))`` has the model's parameters bit for bit.

    Args:
        seq: A ``torch.nn.Sequential``; it is not changed.

    Returns:
        A new `micrograd_like.nn.MLP`.

    Raises:
        ImportError: If PyTorch is not installed.
        TypeError: If seq is not a ``torch.nn.Sequential``.
        ValueError: If an MLP cannot compute what seq computes: a module other than
            those above (a subclass too, which may compute something else), two
            activations in a row or one before any Linear, a Linear without a bias,
            sizes that do not chain, weights that are not finite real numbers, or
            more than `micrograd_like.nn.MAX_PARAMETERS` parameters. The message
            names the module by its index in seq.

    Example:
        >>> import pytest
        >>> torch = pytest.importorskip("torch")       # skipped without PyTorch
        >>> from micrograd_like.nn import MLP
        >>> from micrograd_like.torch_bridge import from_torch, to_torch
        >>> seq = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
        >>> model = from_torch(seq)
        >>> model.sizes, model.activations
        ([3, 2, 1], ['tanh', 'linear'])
        >>> original = MLP(2, [4, 1], seed=0)
        >>> from_torch(to_torch(original)).state_dict() == original.state_dict()  # bit for bit
        True
        >>> from_torch(torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.GELU()))
        Traceback (most recent call last):
        ValueError: from_torch: module 1 (GELU(approximate='none')) has no counterpart in ...
    """
    torch = _import_torch("from_torch")
    if not isinstance(seq, torch.nn.Sequential):
        raise TypeError(f"from_torch: expected a torch.nn.Sequential, got {type(seq).__name__}")
    activations = {
        torch.nn.ReLU: "relu",
        torch.nn.Tanh: "tanh",
        torch.nn.Sigmoid: "sigmoid",
        torch.nn.Identity: "linear",
    }
    linears: list[Any] = []
    layer_activations: list[str] = []
    for name, module in seq.named_children():
        where = f"from_torch: module {name} ({module!r})"
        if type(module) is torch.nn.Linear:
            if len(layer_activations) < len(linears):
                layer_activations.append("linear")  # a Linear right after a Linear
            _check_linear(torch, module, linears[-1] if linears else None, where)
            linears.append(module)
        elif type(module) in activations:
            if len(layer_activations) == len(linears):
                before = "another activation" if linears else "no Linear"
                raise ValueError(
                    f"{where} follows {before}: an MLP applies one activation to each "
                    f"Linear layer's output"
                )
            layer_activations.append(activations[type(module)])
        else:
            raise ValueError(
                f"{where} has no counterpart in micrograd_like.nn: an MLP is made of Linear "
                f"layers, each followed by ReLU, Tanh, Sigmoid, Identity or nothing"
            )
    if not linears:
        raise ValueError("from_torch: the Sequential holds no Linear layer")
    if len(layer_activations) < len(linears):
        layer_activations.append("linear")
    sizes = [linears[0].in_features, *(linear.out_features for linear in linears)]
    count = sum(linear.weight.numel() + linear.bias.numel() for linear in linears)
    if count > MAX_PARAMETERS:
        raise ValueError(
            f"from_torch: {count:,} parameters, more than MAX_PARAMETERS = {MAX_PARAMETERS:,}"
        )
    state: dict[str, float] = {}
    for i, linear in enumerate(linears):
        weight = linear.weight.detach().cpu().to(torch.float64).tolist()
        bias = linear.bias.detach().cpu().to(torch.float64).tolist()
        for j, (row, b) in enumerate(zip(weight, bias, strict=True)):
            state.update({f"layers.{i}.neurons.{j}.w.{k}": w for k, w in enumerate(row)})
            state[f"layers.{i}.neurons.{j}.b"] = b
    model = MLP(sizes[0], sizes[1:], activation=layer_activations, seed=0)
    model.load_state_dict(state)
    return model


def _check_linear(torch: Any, linear: Any, previous: Any, where: str) -> None:
    """Refuses a Linear an MLP layer cannot be, with where (its name) in the message."""
    if linear.bias is None:
        raise ValueError(f"{where} has no bias, and every micrograd_like Neuron has one")
    if previous is not None and linear.in_features != previous.out_features:
        raise ValueError(
            f"{where} takes {linear.in_features} inputs, but the Linear before it gives "
            f"{previous.out_features}"
        )
    for tensor in (linear.weight, linear.bias):
        if not tensor.dtype.is_floating_point:
            raise ValueError(f"{where} holds {tensor.dtype} numbers, not real floating point")
        if not bool(torch.isfinite(tensor).all()):
            raise ValueError(f"{where} holds a weight that is not finite (inf or nan)")


# -- the graph: replay_in_torch ---------------------------------------------------------


@dataclass(frozen=True)
class ReplayRow:
    """One node of a replayed graph: our numbers beside PyTorch's.

    Attributes:
        index: The node's place in topological order (inputs first), from 0.
        label: The node's label ("" if it has none).
        op: The operation that made it (``"*"``, ``"**2"``); "" for a leaf.
        data: Our value.
        torch_data: PyTorch's value of the same operation on the same inputs.
        grad: Our d(root)/d(node), computed without touching ``.grad``.
        torch_grad: PyTorch's, read from ``.grad`` after ``retain_grad()``.
        difference: The larger of |data - torch_data| and |grad - torch_grad|
            (0 where both are the same infinity, or both NaN).
        grad_fn: The name of torch's ``grad_fn`` (``"MulBackward0"``); None for a
            leaf, whose gradient torch's AccumulateGrad collects.

    Example:
        >>> from micrograd_like.torch_bridge import ReplayRow
        >>> row = ReplayRow(index=2, label="", op="*", data=-6.0, torch_data=-6.0, grad=1.0,
        ...                 torch_grad=1.0 + 1e-9, difference=1e-9, grad_fn="MulBackward0")
        >>> row.name, row.agrees                       # 1e-9 is above TOLERANCE
        ('#2', False)
    """

    index: int
    label: str
    op: str
    data: float
    torch_data: float
    grad: float
    torch_grad: float
    difference: float
    grad_fn: str | None

    @property
    def agrees(self) -> bool:
        """Whether difference is at most `TOLERANCE`, relative for numbers above 1."""
        scale = max(1.0, abs(self.data), abs(self.grad), abs(self.torch_data), abs(self.torch_grad))
        if self.difference == 0:
            return True
        return math.isfinite(scale) and self.difference <= TOLERANCE * scale  # NaN: False

    @property
    def name(self) -> str:
        """The label, or ``#index`` for a node without one."""
        return self.label or f"#{self.index}"


_HEADER = ("node", "op", "data", "torch data", "grad", "torch grad", "|difference|", "grad_fn")
_NUMERIC = (False, False, True, True, True, True, True, False)


def _number(x: float) -> str:
    return f"{x:.12g}"


def _shown_difference(x: float) -> str:
    return "0" if x == 0 else f"{x:.1e}"


def _cells(row: ReplayRow) -> tuple[str, ...]:
    return (
        row.name,
        row.op or "leaf",
        _number(row.data),
        _number(row.torch_data),
        _number(row.grad),
        _number(row.torch_grad),
        _shown_difference(row.difference),
        row.grad_fn or "None (leaf)",
    )


class ReplayTable:
    """The rows `replay_in_torch` gives: a sequence of `ReplayRow`, leaves and inputs first.

    ``str(table)`` is an aligned text table, ``table._repr_html_()`` an HTML one (shown by
    Jupyter, a row that does not `ReplayRow.agrees` shaded), ``table.largest_difference``
    the largest difference of all, and ``table.grad_fns()`` the map from our operations to
    torch's ``grad_fn`` names.

    Args:
        rows: The rows, in topological order.

    Example:
        >>> import pytest
        >>> torch = pytest.importorskip("torch")       # skipped without PyTorch
        >>> from micrograd_like import Value
        >>> from micrograd_like.torch_bridge import replay_in_torch
        >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
        >>> f = x * w + x
        >>> f.label = "f"
        >>> table = replay_in_torch(f)
        >>> print(table)
        node  op    data  torch data  grad  torch grad  |difference|  grad_fn
        x     leaf     2           2    -2          -2             0  None (leaf)
        w     leaf    -3          -3     2           2             0  None (leaf)
        #2    *       -6          -6     1           1             0  MulBackward0
        f     +       -4          -4     1           1             0  AddBackward0
        largest difference: 0 over 4 nodes
        >>> table.grad_fns()
        {'*': 'MulBackward0', '+': 'AddBackward0'}
    """

    def __init__(self, rows: Sequence[ReplayRow]) -> None:
        self.rows = tuple(rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[ReplayRow]:
        return iter(self.rows)

    def __getitem__(self, index: int) -> ReplayRow:
        return self.rows[index]

    @property
    def largest_difference(self) -> float:
        """The largest difference of any row (NaN if a row's is NaN; 0 for no rows)."""
        differences = [row.difference for row in self.rows]
        if any(math.isnan(d) for d in differences):
            return math.nan
        return max(differences, default=0.0)

    def largest(self, n: int = 10) -> ReplayTable:
        """The n rows with the largest differences, largest first: where to look.

        Args:
            n: How many rows, at least 0.

        Returns:
            A new `ReplayTable` of those rows (NaN differences count as the largest).

        Raises:
            TypeError: If n is not an int, or is a bool.
            ValueError: If n is negative.
        """
        n = validate.count(n, "n", "ReplayTable.largest", minimum=0)
        key = lambda row: math.inf if math.isnan(row.difference) else row.difference
        return ReplayTable(sorted(self.rows, key=key, reverse=True)[:n])

    def grad_fns(self) -> dict[str, str]:
        """Each of our operations in the graph by the name of torch's ``grad_fn`` for it."""
        return {row.op: row.grad_fn for row in self.rows if row.grad_fn is not None}

    def __str__(self) -> str:
        table = [_HEADER, *map(_cells, self.rows)]
        widths = [max(len(cells[c]) for cells in table) for c in range(len(_HEADER))]
        lines = []
        for cells in table:
            parts = [
                cell.rjust(width) if numeric and cells is not _HEADER else cell.ljust(width)
                for cell, width, numeric in zip(cells, widths, _NUMERIC, strict=True)
            ]
            lines.append("  ".join(parts).rstrip())
        lines.append(f"largest difference: {self.largest_difference:.3g} over {len(self)} nodes")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ReplayTable: {len(self)} nodes, largest difference {self.largest_difference:.3g}>"

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(name)}</th>" for name in _HEADER)
        body = []
        for row in self.rows:
            cells = "".join(
                f'<td style="text-align: {"right" if numeric else "left"}">{html.escape(cell)}</td>'
                for cell, numeric in zip(_cells(row), _NUMERIC, strict=True)
            )
            style = "" if row.agrees else ' style="background: #fdd"'
            body.append(f"<tr{style}>{cells}</tr>")
        caption = f"largest difference: {self.largest_difference:.3g} over {len(self)} nodes"
        return (
            f'<table class="micrograd-replay"><caption>{html.escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )


def _exponent(op: str) -> float:
    """The constant n of a ``**n`` node, as `micrograd_like.engine.power_by` wrote it."""
    text = op[2:]
    try:
        return int(text)
    except ValueError:
        return float(text)


def _torch_node(torch: Any, op: str, args: list[Any]) -> Any:
    """Our operation op on tensors, as torch computes it; None for an op it does not know."""
    unary = {
        "exp": torch.exp,
        "log": torch.log,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "ReLU": torch.relu,
    }
    if op in unary and len(args) == 1:
        return unary[op](args[0])
    if len(args) == 2 and op in ("+", "*", "/", "**"):
        a, b = args
        return a + b if op == "+" else a * b if op == "*" else a / b if op == "/" else a**b
    if op.startswith("**") and len(args) == 1:
        try:
            n = _exponent(op)
        except ValueError:
            return None
        return args[0] ** n
    return None


def _difference(ours: float, theirs: float) -> float:
    if ours == theirs or (math.isnan(ours) and math.isnan(theirs)):
        return 0.0
    return abs(ours - theirs)


def replay_in_torch(root: Value) -> ReplayTable:
    """Rebuilds root's graph with torch float64 tensors, runs torch's backward, compares.

    Every leaf becomes a leaf tensor with ``requires_grad=True`` (constants too: they
    have a gradient in our graph as well), every operation the torch operation of the
    same name on the tensors of its inputs (``**2`` is ``t ** 2``; a node used twice is
    one tensor used twice), with ``retain_grad()`` on each. Our gradients come from
    `micrograd_like.autograd.gradients`, which leaves every ``.grad`` as it was.

    An edited row of `micrograd_like.PRIMITIVES` is used by our side and not by
    torch's, so the table shows where the edit makes the two disagree.

    Args:
        root: The Value to differentiate, usually a loss.

    Returns:
        A `ReplayTable`, one row per node in topological order (root last).

    Raises:
        ImportError: If PyTorch is not installed.
        TypeError: If root is not a Value.
        ValueError: If a node was built by hand (``Value(data, (a, b), "op")``, no
            ``local_grads``: its rule is a Python function torch cannot replay) or was
            made by an operation torch has no counterpart for here (a new row of the
            table); the message names the node.

    Example:
        >>> import pytest
        >>> torch = pytest.importorskip("torch")       # skipped without PyTorch
        >>> from micrograd_like import Value
        >>> from micrograd_like.torch_bridge import replay_in_torch
        >>> x = Value(0.5, label="x")
        >>> table = replay_in_torch((x * x).tanh())
        >>> [(row.name, row.op, row.grad_fn) for row in table]
        [('x', '', None), ('#1', '*', 'MulBackward0'), ('#2', 'tanh', 'TanhBackward0')]
        >>> table.largest_difference <= 1e-12, x.grad     # x.grad left as it was
        (True, 0)
    """
    torch = _import_torch("replay_in_torch")
    if not isinstance(root, Value):
        raise TypeError(f"replay_in_torch: root must be a Value, got {type(root).__name__}")
    order = topological_order(root)
    tensors: dict[Value, Any] = {}
    for index, node in enumerate(order):
        where = f"replay_in_torch: node #{index} {node.label or ''}({node.op!r}, data {node.data})"
        if node.local_grads is None:
            raise ValueError(
                f"{where} was built by hand, with a _backward of its own and no local "
                f"derivatives; torch cannot replay a Python function as an operation"
            )
        if not node.inputs:
            tensor = torch.tensor(node.data, dtype=torch.float64, requires_grad=True)
        else:
            tensor = _torch_node(torch, node.op, [tensors[x] for x in node.inputs])
            if tensor is None:
                raise ValueError(
                    f"{where}: torch has no counterpart here for {node.op!r}; "
                    f"replay_in_torch knows {_KNOWN_OPS}"
                )
            tensor.retain_grad()
        tensors[node] = tensor
    tensors[root].backward()
    ours = gradients([root])
    rows = []
    for index, node in enumerate(order):
        tensor = tensors[node]
        torch_data = float(tensor.item())
        torch_grad = 0.0 if tensor.grad is None else float(tensor.grad.item())
        grad = float(ours.get(node, 0.0))
        differences = (_difference(node.data, torch_data), _difference(grad, torch_grad))
        difference = math.nan if any(map(math.isnan, differences)) else max(differences)
        grad_fn = None if tensor.grad_fn is None else type(tensor.grad_fn).__name__
        rows.append(
            ReplayRow(
                index=index,
                label=node.label,
                op=node.op,
                data=node.data,
                torch_data=torch_data,
                grad=grad,
                torch_grad=torch_grad,
                difference=difference,
                grad_fn=grad_fn,
            )
        )
    return ReplayTable(rows)


# -- the training: compare_training -----------------------------------------------------


@dataclass(frozen=True)
class TrainingComparison:
    """The losses of the same training run by micrograd_like and by PyTorch, step by step.

    Attributes:
        ours: Our loss at each step, before that step's update.
        torch: PyTorch's loss at each step.
        largest_weight_difference: The largest |our weight - torch's| after the last step.

    Example:
        >>> from micrograd_like.torch_bridge import TrainingComparison
        >>> run = TrainingComparison(ours=(0.75, 0.5), torch=(0.75, 0.25),
        ...                          largest_weight_difference=0.0)
        >>> run.differences, run.largest_difference
        ((0.0, 0.25), 0.25)
    """

    ours: tuple[float, ...]
    torch: tuple[float, ...]
    largest_weight_difference: float

    @property
    def differences(self) -> tuple[float, ...]:
        """|ours - torch's| at each step."""
        return tuple(_difference(a, b) for a, b in zip(self.ours, self.torch, strict=True))

    @property
    def largest_difference(self) -> float:
        """The largest difference between the two losses over all steps."""
        return max(self.differences, default=0.0)

    def __str__(self) -> str:
        lines = [f"{'step':>4}  {'ours':>22}  {'torch':>22}  |difference|"]
        rows = zip(self.ours, self.torch, self.differences, strict=True)
        for step, (a, b, d) in enumerate(rows, 1):
            lines.append(f"{step:>4}  {a!r:>22}  {b!r:>22}  {_shown_difference(d)}")
        lines.append(
            f"largest loss difference {self.largest_difference:.3g}; "
            f"weights after the last step differ by at most {self.largest_weight_difference:.3g}"
        )
        return "\n".join(lines)


def compare_training(
    model: MLP,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    *,
    steps: int = 20,
    lr: float = 0.1,
    alpha: float = 1e-4,
    momentum: float = 0.0,
) -> TrainingComparison:
    """Trains copies of model with our SGD and with torch.optim.SGD, and compares the losses.

    Both start from the model's weights (`to_torch`; ours is a copy, so model is not
    changed) and take full-batch steps on micrograd's demo loss, the mean hinge loss
    plus ``alpha`` times the L2 penalty: ``mean(relu(1 - y*score)) + alpha * sum(p*p)``.
    Each step computes the loss, zeroes the gradients, backpropagates and updates.

    Args:
        model: An MLP with one output (a score).
        X: The inputs, one row per sample.
        y: The labels, +1 or -1 (`micrograd_like.datasets.to_plus_minus_one`).
        steps: How many steps.
        lr: The learning rate of both optimizers.
        alpha: The L2 coefficient.
        momentum: The momentum of both optimizers (0: plain gradient descent).

    Returns:
        A `TrainingComparison` with both losses at every step.

    Raises:
        ImportError: If PyTorch is not installed.
        TypeError: If model is not an MLP.
        ValueError: If the model has more than one output, or X and y differ in length.

    Example:
        >>> import pytest
        >>> torch = pytest.importorskip("torch")       # skipped without PyTorch
        >>> from micrograd_like.nn import MLP
        >>> from micrograd_like.torch_bridge import compare_training
        >>> model = MLP(2, [4, 1], seed=0)
        >>> X, y = [[0.5, -1.0], [-0.5, 1.0]], [1.0, -1.0]
        >>> run = compare_training(model, X, y, steps=3)
        >>> len(run.ours), run.largest_difference <= 1e-12
        (3, True)
        >>> run.largest_weight_difference <= 1e-12
        True
    """
    torch = _import_torch("compare_training")
    if not isinstance(model, MLP):
        raise TypeError(f"compare_training: expected an MLP, got {type(model).__name__}")
    if model.sizes[-1] != 1:
        raise ValueError(
            f"compare_training: the hinge loss takes one score, but the model has "
            f"{model.sizes[-1]} outputs"
        )
    if len(X) != len(y):
        raise ValueError(f"compare_training: {len(X)} samples but {len(y)} labels")
    seq = to_torch(model)
    ours_model = mlp_from_dict(mlp_to_dict(model))
    ours_opt = SGD(ours_model.parameters(), lr=lr, momentum=momentum)
    torch_opt = torch.optim.SGD(seq.parameters(), lr=lr, momentum=momentum)
    inputs = torch.tensor([list(row) for row in X], dtype=torch.float64)
    targets = torch.tensor(list(y), dtype=torch.float64)
    ours_losses, torch_losses = [], []
    for _ in range(steps):
        scores: list[Any] = [ours_model(list(row)) for row in X]
        loss = hinge(scores, list(y)) + alpha * l2(ours_model.parameters())
        ours_opt.zero_grad()
        loss.backward()
        ours_opt.step()
        ours_losses.append(loss.data)

        margins = torch.relu(1 + -targets * seq(inputs).squeeze(1))
        penalty = sum((p * p).sum() for p in seq.parameters())
        torch_loss = margins.mean() + alpha * penalty
        torch_opt.zero_grad()
        torch_loss.backward()
        torch_opt.step()
        torch_losses.append(torch_loss.item())
    trained = from_torch(seq).parameters()
    weight_difference = max(
        _difference(p.data, q.data) for p, q in zip(ours_model.parameters(), trained, strict=True)
    )
    return TrainingComparison(tuple(ours_losses), tuple(torch_losses), weight_difference)
