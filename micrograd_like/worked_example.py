"""The report's numeric example, computed with Values and explained number by number.

The project grew out of the report "Backpropagation for Model Optimization",
kept in the repository as ``docs/report.md``. Its numeric example is a 2-2-1
network: two inputs, two sigmoid hidden neurons, one sigmoid output, and
binary cross-entropy loss. The report lists the steps but prints no numbers and
gives no learning rate. `run` builds that network from `Value` operations, runs
the forward pass, ``backward()`` and the update rule, and returns every number;
`to_text`, `to_markdown` and `to_json` lay them out for a student checking by
hand, each naming the report and where to read it.

Weight convention (our reading; the report does not state one): ``w_ij(1)``
joins input ``x_i`` to hidden neuron ``h_j``, so ``w11(1)`` and ``w21(1)`` feed
``h1``; ``w_j(2)`` joins ``h_j`` to the output. Read the other way round
(``w_ij(1)`` from ``x_j`` to ``h_i``), z1(1) = 0.3 and z2(1) = -0.55. In code
the names are ``w11_1, w21_1, w12_1, w22_1, b1_1, b2_1, w1_2, w2_2, b_2`` (name,
underscore, layer).

Example:
    >>> from micrograd_like.worked_example import run
    >>> example = run(lr=0.5)
    >>> round(example.forward["loss"], 6)
    0.634366
    >>> round(example.grads["w11_1"], 6)
    0.016455
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from micrograd_like.engine import Value
from micrograd_like.losses import clamped_log

__all__ = [
    "DEFAULT_LR",
    "DISPLAY_NAMES",
    "INPUTS",
    "PARAMETER_NAMES",
    "REPORT_PARAMETERS",
    "REPORT_PATH",
    "REPORT_TITLE",
    "ChainRuleProduct",
    "Network",
    "Section",
    "WorkedExample",
    "build_network",
    "preamble",
    "run",
    "sections",
    "to_json",
    "to_markdown",
    "to_text",
]

REPORT_TITLE = "Backpropagation for Model Optimization"
"""The title of the report the example comes from."""

REPORT_PATH = "docs/report.md"
"""Where the report is, verbatim, relative to the repository's root."""

PARAMETER_NAMES: tuple[str, ...] = (
    "w11_1",
    "w21_1",
    "w12_1",
    "w22_1",
    "b1_1",
    "b2_1",
    "w1_2",
    "w2_2",
    "b_2",
)

REPORT_PARAMETERS: Mapping[str, float] = {
    "w11_1": 0.15,
    "w21_1": -0.2,
    "w12_1": 0.25,
    "w22_1": 0.2,
    "b1_1": 0.35,
    "b2_1": -0.35,
    "w1_2": -0.3,
    "w2_2": 0.5,
    "b_2": 0.1,
}
"""The report's initial weights and biases."""

INPUTS: Mapping[str, float] = {"x1": 0.5, "x2": -0.5, "y": 1.0}
"""The report's inputs and target."""

DEFAULT_LR = 0.5
"""The report gives no learning rate; this is ours, and every output says so."""

DISPLAY_NAMES = {
    name: f"{name.rsplit('_', 1)[0]}({name.rsplit('_', 1)[1]})" for name in PARAMETER_NAMES
}
"""Each parameter's name as the report writes it, by its name in code: w11_1 -> w11(1)."""


@dataclass(frozen=True)
class Network:
    """The report's network as a graph of Values, from inputs to loss.

    Attributes:
        params: The nine parameters, keyed by `PARAMETER_NAMES`.
        x1: First input.
        x2: Second input.
        y: The target.
        z1_1: Pre-activation of hidden neuron 1.
        z2_1: Pre-activation of hidden neuron 2.
        h1: Activation of hidden neuron 1.
        h2: Activation of hidden neuron 2.
        z_2: Pre-activation of the output.
        y_pred: The prediction, sigmoid(z_2).
        loss: Binary cross-entropy of y_pred against y.

    Example:
        >>> from micrograd_like.worked_example import build_network
        >>> network = build_network()
        >>> network.h1.label, round(network.h1.data, 6), round(network.loss.data, 6)
        ('h1', 0.628316, 0.634366)
    """

    params: dict[str, Value]
    x1: Value
    x2: Value
    y: Value
    z1_1: Value
    z2_1: Value
    h1: Value
    h2: Value
    z_2: Value
    y_pred: Value
    loss: Value


def _check_parameters(params: Mapping[str, float]) -> None:
    missing = [n for n in PARAMETER_NAMES if n not in params]
    unknown = [n for n in params if n not in PARAMETER_NAMES]
    if missing or unknown:
        raise ValueError(f"worked example parameters: missing {missing}, unknown {unknown}")


def build_network(
    params: Mapping[str, float] = REPORT_PARAMETERS, inputs: Mapping[str, float] = INPUTS
) -> Network:
    """Runs the forward pass of the report's network with Value operations.

    Args:
        params: A float for each of `PARAMETER_NAMES`.
        inputs: ``x1``, ``x2`` and the target ``y`` (0 or 1, or in between).

    Returns:
        The network, every intermediate value labelled as in the report.

    Raises:
        ValueError: If a parameter is missing or unknown.

    Example:
        >>> from micrograd_like.worked_example import INPUTS, REPORT_PARAMETERS, build_network
        >>> round(build_network(REPORT_PARAMETERS, INPUTS).loss.data, 6)  # the report's L
        0.634366
    """
    _check_parameters(params)
    p = {name: Value(params[name], label=DISPLAY_NAMES[name]) for name in PARAMETER_NAMES}
    x1 = Value(inputs["x1"], label="x1")
    x2 = Value(inputs["x2"], label="x2")
    y = Value(inputs["y"], label="y")

    z1_1 = p["w11_1"] * x1 + p["w21_1"] * x2 + p["b1_1"]
    z2_1 = p["w12_1"] * x1 + p["w22_1"] * x2 + p["b2_1"]
    h1 = z1_1.sigmoid()
    h2 = z2_1.sigmoid()
    z_2 = p["w1_2"] * h1 + p["w2_2"] * h2 + p["b_2"]
    y_pred = z_2.sigmoid()
    # Each log floored at -100, as PyTorch's BCELoss: a saturated y_pred of exactly 1.0
    # (a large lr) costs 100 instead of raising; elsewhere it is the plain log node.
    loss = -(y * clamped_log(y_pred) + (1 - y) * clamped_log(1 - y_pred))

    for node, label in [
        (z1_1, "z1(1)"),
        (z2_1, "z2(1)"),
        (h1, "h1"),
        (h2, "h2"),
        (z_2, "z(2)"),
        (y_pred, "y_pred"),
        (loss, "L"),
    ]:
        node.label = label
    return Network(p, x1, x2, y, z1_1, z2_1, h1, h2, z_2, y_pred, loss)


@dataclass(frozen=True)
class ChainRuleProduct:
    """One parameter's gradient as the report's chain-rule product.

    ``gradient = upstream * activation_derivative * input``, where upstream is
    dL/d(activation) of the neuron the parameter feeds, activation_derivative
    is sigmoid'(z) = h(1 - h) of that neuron, and input is what the parameter
    multiplies (1 for a bias).

    Attributes:
        param: The parameter's name, e.g. ``w11_1``.
        upstream_name: e.g. ``dL/dh1``.
        upstream: Its value.
        activation_name: e.g. ``sigmoid'(z1(1))``.
        activation_derivative: Its value.
        input_name: e.g. ``x1``.
        input: Its value.
        product: upstream * activation_derivative * input.
        engine_grad: The gradient backward() computed, for comparison.

    Example:
        >>> from micrograd_like.worked_example import run
        >>> first = run().products[0]
        >>> first.param, round(first.upstream * first.activation_derivative * first.input, 6)
        ('w11_1', 0.016455)
        >>> first.product == first.engine_grad
        True
    """

    param: str
    upstream_name: str
    upstream: float
    activation_name: str
    activation_derivative: float
    input_name: str
    input: float
    product: float
    engine_grad: float


@dataclass(frozen=True)
class WorkedExample:
    """Every number of the worked example.

    Attributes:
        lr: The learning rate eta.
        inputs: x1, x2 and y.
        forward: z1_1, z2_1, h1, h2, z_2, y_pred and loss, before any update.
        params: The parameters before the first update.
        grads: dL/d(parameter) from backward(), at those parameters.
        products: Each gradient as the report's chain-rule product.
        upstream: dL/dy_pred, dL/dz_2, dL/dh1, dL/dh2, dL/dz1_1, dL/dz2_1.
        updated: The parameters after the first update.
        loss_history: The loss after each of the ``steps`` updates.
        final: The parameters after the last update.

    Example:
        >>> from micrograd_like.worked_example import run
        >>> example = run()
        >>> example.lr, round(example.forward["loss"], 6), round(example.grads["w1_2"], 4)
        (0.5, 0.634366, -0.2951)
    """

    lr: float
    inputs: dict[str, float]
    forward: dict[str, float]
    params: dict[str, float]
    grads: dict[str, float]
    products: tuple[ChainRuleProduct, ...]
    upstream: dict[str, float]
    updated: dict[str, float]
    loss_history: list[float]
    final: dict[str, float]

    @property
    def steps(self) -> int:
        """How many updates were run."""
        return len(self.loss_history)


def _through(node: Value, param: Value) -> float | None:
    """The product of the local derivatives on the path from node down to param, or None.

    Each neuron's pre-activation is a sum of products, so the path is unique: for a
    weight it gives the input it multiplies (the ``*`` row's d/dw), for a bias 1 (the
    ``+`` row's). Read from the graph, the factors obey the table of primitives.
    """
    if node is param:
        return 1.0
    for child, local in zip(node.inputs, node.local_grads or (), strict=False):
        below = _through(child, param)
        if below is not None:
            return local * below
    return None


def _slope(activation: Value) -> float:
    """sigmoid'(z) of a neuron: its node's local derivative, from the table's sigmoid row."""
    (slope,) = activation.local_grads or (math.nan,)
    return slope


def _chain_rule_products(net: Network) -> tuple[ChainRuleProduct, ...]:
    # Every factor is read off the engine's own graph: the upstream gradient is the
    # neuron's grad, sigmoid'(z) its local derivative, the input the product of the local
    # derivatives from z down to the parameter.
    output = ("dL/dy_pred", net.y_pred.grad, "sigmoid'(z(2))", _slope(net.y_pred), net.z_2)
    hidden1 = ("dL/dh1", net.h1.grad, "sigmoid'(z1(1))", _slope(net.h1), net.z1_1)
    hidden2 = ("dL/dh2", net.h2.grad, "sigmoid'(z2(1))", _slope(net.h2), net.z2_1)
    # parameter: (the neuron it feeds, what it multiplies)
    factors = {
        "w11_1": (hidden1, "x1"),
        "w21_1": (hidden1, "x2"),
        "w12_1": (hidden2, "x1"),
        "w22_1": (hidden2, "x2"),
        "b1_1": (hidden1, "bias input"),
        "b2_1": (hidden2, "bias input"),
        "w1_2": (output, "h1"),
        "w2_2": (output, "h2"),
        "b_2": (output, "bias input"),
    }
    products = []
    for name, ((upstream_name, upstream, activation_name, slope, z), input_name) in factors.items():
        input_value = _through(z, net.params[name])
        assert input_value is not None  # every parameter feeds its neuron's z
        products.append(
            ChainRuleProduct(
                param=name,
                upstream_name=upstream_name,
                upstream=upstream,
                activation_name=activation_name,
                activation_derivative=slope,
                input_name=input_name,
                input=input_value,
                product=upstream * slope * input_value,
                engine_grad=net.params[name].grad,
            )
        )
    return tuple(products)


def _check_lr_and_steps(lr: float, steps: int) -> None:
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"worked example: lr must be a positive finite number, got {lr!r}")
    if not (isinstance(steps, int) and steps >= 1):
        raise ValueError(f"worked example: steps must be an integer >= 1, got {steps!r}")


def run(
    lr: float = DEFAULT_LR,
    steps: int = 1,
    params: Mapping[str, float] = REPORT_PARAMETERS,
    inputs: Mapping[str, float] = INPUTS,
) -> WorkedExample:
    """Forward pass, backward pass and update, ``steps`` times, keeping every number.

    Args:
        lr: The learning rate eta of ``w = w - eta * dL/dw``.
        steps: How many updates to run; the tables describe the first.
        params: The initial parameters (the report's by default).
        inputs: x1, x2 and y (the report's by default).

    Returns:
        All the numbers; see `WorkedExample`.

    Raises:
        ValueError: If lr is not positive and finite, steps is not a positive
            integer, or a parameter is missing or unknown.

    Example:
        >>> from micrograd_like.worked_example import run
        >>> [round(loss, 6) for loss in run(lr=0.5, steps=3).loss_history]
        [0.475099, 0.370589, 0.299232]
    """
    _check_lr_and_steps(lr, steps)
    net = build_network(params, inputs)
    net.loss.backward()
    first = net
    current = {name: float(params[name]) for name in PARAMETER_NAMES}
    updated: dict[str, float] = {}
    loss_history: list[float] = []
    for step in range(steps):
        current = {name: p.data - lr * p.grad for name, p in net.params.items()}
        if step == 0:
            updated = dict(current)
        net = build_network(current, inputs)
        loss_history.append(net.loss.data)
        if step + 1 < steps:
            net.loss.backward()

    return WorkedExample(
        lr=float(lr),
        inputs=dict(inputs),
        forward={
            "z1_1": first.z1_1.data,
            "z2_1": first.z2_1.data,
            "h1": first.h1.data,
            "h2": first.h2.data,
            "z_2": first.z_2.data,
            "y_pred": first.y_pred.data,
            "loss": first.loss.data,
        },
        params={name: p.data for name, p in first.params.items()},
        grads={name: p.grad for name, p in first.params.items()},
        products=_chain_rule_products(first),
        upstream={
            "dL/dy_pred": first.y_pred.grad,
            "dL/dz_2": first.z_2.grad,
            "dL/dh1": first.h1.grad,
            "dL/dh2": first.h2.grad,
            "dL/dz1_1": first.z1_1.grad,
            "dL/dz2_1": first.z2_1.grad,
        },
        updated=updated,
        loss_history=loss_history,
        final=current,
    )


# ---------------------------------------------------------------------------
# Output. Each section is a list of rows, rendered as text or as markdown.
# ---------------------------------------------------------------------------


def _num(x: float) -> str:
    return f"{x + 0.0:.12g}"  # + 0.0 turns -0.0 (a loss of -(0.0)) into 0.0


@dataclass(frozen=True)
class Section:
    """One section of the example's output: a title, notes, and a table of strings.

    Attributes:
        title: e.g. "1. Forward pass".
        notes: Sentences shown under the title.
        header: The table's column names.
        rows: The table's rows, every number already written out.

    Example:
        >>> from micrograd_like.worked_example import run, sections
        >>> first = sections(run())[0]
        >>> first.title, first.header
        ('1. Forward pass', ('quantity', 'formula', 'value'))
    """

    title: str
    notes: tuple[str, ...]
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def sections(ex: WorkedExample) -> list[Section]:
    """The example's sections, as every output format shows them: forward to update.

    Args:
        ex: What `run` returned.

    Returns:
        The sections in order, from the forward pass to the update.

    Example:
        >>> from micrograd_like.worked_example import run, sections
        >>> [section.title for section in sections(run())][0]
        '1. Forward pass'
    """
    f = ex.forward
    forward_rows = (
        ("z1(1)", "w11(1)*x1 + w21(1)*x2 + b1(1)", _num(f["z1_1"])),
        ("h1", "sigmoid(z1(1))", _num(f["h1"])),
        ("z2(1)", "w12(1)*x1 + w22(1)*x2 + b2(1)", _num(f["z2_1"])),
        ("h2", "sigmoid(z2(1))", _num(f["h2"])),
        ("z(2)", "w1(2)*h1 + w2(2)*h2 + b(2)", _num(f["z_2"])),
        ("y_pred", "sigmoid(z(2))", _num(f["y_pred"])),
        ("L", "-[y*log(y_pred) + (1-y)*log(1-y_pred)]", _num(f["loss"])),
    )
    u = ex.upstream
    upstream_rows = (
        ("dL/dy_pred", "-y/y_pred + (1-y)/(1-y_pred)", _num(u["dL/dy_pred"])),
        ("dL/dz(2)", "dL/dy_pred * y_pred*(1-y_pred)  (= y_pred - y)", _num(u["dL/dz_2"])),
        ("dL/dh1", "dL/dz(2) * w1(2)", _num(u["dL/dh1"])),
        ("dL/dh2", "dL/dz(2) * w2(2)", _num(u["dL/dh2"])),
    )
    product_rows = tuple(
        (
            DISPLAY_NAMES[r.param],
            f"{r.upstream_name} = {_num(r.upstream)}",
            f"{r.activation_name} = {_num(r.activation_derivative)}",
            f"{r.input_name} = {_num(r.input)}",
            _num(r.product),
            _num(r.engine_grad),
        )
        for r in ex.products
    )
    update_rows = tuple(
        (
            DISPLAY_NAMES[name],
            _num(ex.params[name]),
            _num(ex.grads[name]),
            _num(ex.lr * ex.grads[name]),
            _num(ex.updated[name]),
        )
        for name in PARAMETER_NAMES
    )
    sections = [
        Section(
            "1. Forward pass",
            (),
            ("quantity", "formula", "value"),
            forward_rows,
        ),
        Section(
            "2. Backward pass: gradients flowing back from the loss",
            (),
            ("gradient", "chain rule", "value"),
            upstream_rows,
        ),
        Section(
            "3. Backward pass: each parameter's gradient as a chain-rule product",
            (
                "gradient = upstream dL/d(activation) x activation derivative sigmoid'(z) "
                "x input (1 for a bias)",
                "sigmoid'(z) = h*(1-h); the last column is what backward() computed",
            ),
            ("parameter", "upstream", "x activation derivative", "x input", "= product", "engine"),
            product_rows,
        ),
        Section(
            f"4. Update: w_new = w - eta * dL/dw, eta = {_num(ex.lr)}"
            + (
                f"; the first of {ex.steps} updates (section 5 lists the loss after every step)"
                if ex.steps > 1
                else ""
            ),
            (),
            ("parameter", "old", "dL/dw", "eta * dL/dw", "new"),
            update_rows,
        ),
    ]
    if ex.steps > 1:
        sections.append(
            Section(
                f"5. Loss after each of {ex.steps} steps (started at {_num(f['loss'])})",
                (),
                ("step", "loss"),
                tuple((str(k + 1), _num(loss)) for k, loss in enumerate(ex.loss_history)),
            )
        )
    else:
        sections.append(
            Section(
                "5. Loss after the update",
                (),
                ("before", "after"),
                ((_num(f["loss"]), _num(ex.loss_history[0])),),
            )
        )
    return sections


def preamble(ex: WorkedExample) -> list[str]:
    """The lines before the tables: the title, the report, inputs, learning rate, weights.

    Args:
        ex: What `run` returned.

    Returns:
        The lines, without line ends.

    Example:
        >>> from micrograd_like.worked_example import preamble, run
        >>> preamble(run())[0]
        "The report's worked example: a 2-2-1 sigmoid network with binary cross-entropy loss"
    """
    if ex.lr == DEFAULT_LR:
        lr_note = "the report gives none; this is our default, change it with --lr"
    else:
        lr_note = f"set with --lr; the default is {DEFAULT_LR}"
    i = ex.inputs
    return [
        "The report's worked example: a 2-2-1 sigmoid network with binary cross-entropy loss",
        f'from the report "{REPORT_TITLE}" ({REPORT_PATH} in the repository)',
        f"inputs x1 = {_num(i['x1'])}, x2 = {_num(i['x2'])}; target y = {_num(i['y'])}",
        f"learning rate eta = {_num(ex.lr)} ({lr_note})",
        "weights: w_ij(1) joins input x_i to hidden neuron h_j; w_j(2) joins h_j to the output",
    ]


def _text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
    return [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def to_text(example: WorkedExample) -> str:
    """The tables as aligned plain text, for a terminal.

    Args:
        example: What `run` returned.

    Returns:
        The text, what ``python -m micrograd_like seed`` prints.

    Example:
        >>> from micrograd_like.worked_example import run, to_text
        >>> to_text(run()).splitlines()[0]
        "The report's worked example: a 2-2-1 sigmoid network with binary cross-entropy loss"
    """
    lines = preamble(example)
    for section in sections(example):
        lines += ["", section.title, *(f"  {note}" for note in section.notes)]
        lines += _text_table(section.header, section.rows)
    return "\n".join(lines)


def to_markdown(example: WorkedExample) -> str:
    """The tables as GitHub-flavoured markdown.

    Args:
        example: What `run` returned.

    Returns:
        The Markdown, what ``seed --format markdown`` prints.

    Example:
        >>> from micrograd_like.worked_example import run, to_markdown
        >>> to_markdown(run()).splitlines()[0]
        "# The report's worked example: a 2-2-1 sigmoid network with binary cross-entropy loss"
    """
    title, _, *facts = preamble(example)
    lines = [
        "# " + title,
        "",
        f"From the report [{REPORT_TITLE}]({REPORT_PATH}).",
        "",
        *(f"- {fact}" for fact in facts),
    ]
    for section in sections(example):
        lines += ["", f"## {section.title}", ""]
        lines += [f"{note}" for note in section.notes]
        if section.notes:
            lines.append("")
        lines.append("| " + " | ".join(section.header) + " |")
        lines.append("|" + "---|" * len(section.header))
        lines += ["| " + " | ".join(row) + " |" for row in section.rows]
    return "\n".join(lines)


def to_json(example: WorkedExample) -> str:
    """Every number at full precision, as JSON.

    The keys: ``lr``, ``forward`` (``z1_1, z2_1, h1, h2, z_2, y_pred, loss``),
    ``params``, ``grads`` and ``updated`` (keyed by `PARAMETER_NAMES`),
    ``loss_history`` (the loss after each step) and ``final`` (the parameters
    after the last step). Also ``report`` (its ``title`` and ``path``),
    ``lr_note``, ``inputs``, ``upstream`` and ``chain_rule``.

    Args:
        example: What `run` returned.

    Returns:
        The JSON text, what ``seed --format json`` prints.

    Example:
        >>> import json
        >>> from micrograd_like.worked_example import run, to_json
        >>> document = json.loads(to_json(run()))
        >>> document["lr"], round(document["forward"]["loss"], 6)
        (0.5, 0.634366)
    """
    document: dict[str, object] = {
        "lr": example.lr,
        "lr_note": f"the report gives no learning rate; default {DEFAULT_LR}, set with --lr",
        "inputs": example.inputs,
        "forward": {**example.forward, "loss": example.forward["loss"] + 0.0},  # as below
        "params": example.params,
        "grads": example.grads,
        "upstream": example.upstream,
        "chain_rule": {
            r.param: {
                "upstream": [r.upstream_name, r.upstream],
                "activation_derivative": [r.activation_name, r.activation_derivative],
                "input": [r.input_name, r.input],
                "product": r.product,
            }
            for r in example.products
        },
        "updated": example.updated,
        # A loss is never negative, but -(0.0) is -0.0, which JSON would keep; + 0.0 makes it
        # 0.0, as the text tables print it (_num), and leaves every other number as it is.
        "loss_history": [loss + 0.0 for loss in example.loss_history],
        "final": example.final,
        "report": {"title": REPORT_TITLE, "path": REPORT_PATH},
    }
    # json writes floats with repr(), which round-trips: full precision.
    return json.dumps(document, indent=2)
