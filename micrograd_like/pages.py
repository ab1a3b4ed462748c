"""Self-contained HTML pages: a graph's forward and backward passes, one step at a time.

`explorable` returns one HTML file that works opened from disk, offline, with no
server and no install: the graph drawn once in the compact style, a slider over
the steps (the forward pass, operation by operation, then the backward pass), the
chain-rule product of each step written out in words and numbers, and the
details of any node on hover or keyboard focus. Its script and style are inline,
and a Content-Security-Policy forbids every other source, so the page cannot
load anything. Without JavaScript it shows the last step, and lists every step
in words. `seed_page` adds the report's tables around the report's example.

The steps are the engine's own: the forward values are the graph's, and the
backward pass is `micrograd_like.autograd.backward_steps`, the chain-rule loop
run one operation at a time. Rendering needs what the diagrams need (the
``viz`` extra); the numbers in the text and in the diagram are shown to the same
precision.

Example:
    >>> from micrograd_like import Value
    >>> from micrograd_like.pages import explorable
    >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    >>> page = explorable((x * w).tanh())  # doctest: +SKIP
    >>> open("neuron.html", "w").write(page)  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from typing import Any

from micrograd_like import worked_example
from micrograd_like.autograd import backward_steps, borrowed_grads
from micrograd_like.engine import Value, topological_order
from micrograd_like.replay import BOUNDARY_RESOLUTION, CLASS_COLOURS, Recording
from micrograd_like.train import History, sample_loss
from micrograd_like.viz import (
    DEFAULT_MAX_NODES,
    HIGHLIGHT_COLOUR,
    NOT_COMPUTED_COLOUR,
    Diagram,
    DrawnValue,
    draw_dot,
    grad_colour,
    largest_grad,
    number_text,
    render,
)

__all__ = ["explorable", "seed_page", "training_page"]

_SYMBOLS = {"*": "\u00d7", "+": "+", "/": "/", "**": "^"}
_LONGEST_NAME = 28  # past this, an unlabelled value is named by its operation alone


@dataclass
class _Frame:
    """One step of the page: what it says, and what changes in the diagram.

    Attributes:
        title: The step's heading, e.g. "Backward pass, step 3 of 9: z(2)".
        lines: The step in words and numbers, one sentence each.
        focus: The DOT id of the node to outline, if any.
        edges: The DOT ids of the edges to highlight.
        data: The data cells this step changes, by the value's place in the
            topological order.
        grads: The grad cells this step changes, likewise: (text, fill).
        network: In a replay, which recorded network view to show.
        boundary: In a replay, the boundary's cell colours at this step.
        upto: In a replay, how far (in the curves' pixels) the curves are drawn.
    """

    title: str
    lines: list[str]
    focus: str | None = None
    edges: list[str] = field(default_factory=list)
    data: dict[str, str] = field(default_factory=dict)
    grads: dict[str, tuple[str, str]] = field(default_factory=dict)
    network: int | None = None
    boundary: list[str] | None = None
    upto: float | None = None


class _Namer:
    """Names for the values of a graph, as the step texts use them."""

    def __init__(self, params: Mapping[Value, str], precision: int) -> None:
        self.params = params
        self.precision = precision

    def __call__(self, node: Value) -> str:
        """A label, a parameter's name, a constant's number, or a short expression."""
        if node.label:
            return node.label
        if self.params.get(node):
            return self.params[node]
        if not node.inputs:
            return number_text(node.data, self.precision)
        text = self._expression(node, 0)
        return text if len(text) <= _LONGEST_NAME else f"{node.op or '?'} node"

    def _expression(self, node: Value, depth: int) -> str:
        if depth >= 3:
            return "..."
        parts = [self._operand(child, node, depth + 1) for child in node.inputs]
        if len(parts) == 2 and node.op in _SYMBOLS:
            space = " " if node.op == "+" else ""
            return f"{space}{_SYMBOLS[node.op]}{space}".join(parts)
        if len(parts) == 1 and node.op.startswith("**"):
            return f"{parts[0]}{node.op}"
        # A function's argument is in its own parentheses: tanh(m + a), not tanh((m + a)).
        inner = [p[1:-1] if p.startswith("(") and p.endswith(")") else p for p in parts]
        return f"{node.op or '?'}({', '.join(inner)})"

    def _operand(self, child: Value, parent: Value, depth: int) -> str:
        if child.label or self.params.get(child) or not child.inputs:
            return self(child)
        text = self._expression(child, depth)
        # A sum inside a product or a power needs parentheses; a product inside a sum does not.
        loose = child.op == "+" and parent.op != "+"
        return f"({text})" if loose or parent.op.startswith("**") else text

    def wrt(self, node: Value) -> str:
        """The name as it reads after a d: dL/dw1, or dL/d(x1 times w1) in parentheses."""
        name = self(node)
        plain = name.replace("_", "").replace("(", "").replace(")", "")
        return name if plain.isalnum() else f"({name})"


def _formula(node: Value, name: _Namer) -> str:
    """How an operation computes its value, in names and then in numbers."""
    shown = [number_text(child.data, name.precision) for child in node.inputs]
    operands = [name(child) for child in node.inputs]
    operands = [o if " " not in o else f"({o})" for o in operands]
    result = number_text(node.data, name.precision)
    if len(node.inputs) == 2 and node.op in _SYMBOLS:
        symbol = f" {_SYMBOLS[node.op]} "
        formula, numbers = symbol.join(operands), symbol.join(shown)
    elif len(node.inputs) == 1 and node.op.startswith("**"):
        formula, numbers = f"{operands[0]}{node.op}", f"{shown[0]}{node.op}"
    else:  # a function's argument has parentheses of its own
        operands = [name(child) for child in node.inputs]
        formula = f"{node.op or '?'}({', '.join(operands)})"
        numbers = f"{node.op or '?'}({', '.join(shown)})"
    named = f"{node.label} = " if node.label else ""  # an expression is its own name
    return f"{named}{formula} = {numbers} = {result}"


def _grad_cell(grad: float | None, largest: float, precision: int) -> tuple[str, str]:
    """A grad cell's text and fill, as the diagrams draw it; "grad ?" before it is computed."""
    if grad is None:
        return ("grad ?", NOT_COMPUTED_COLOUR)
    return (f"grad {number_text(grad, precision)}", grad_colour(grad, largest))


def _path_local(
    node: Value, within: Value, members: Mapping[Value, tuple[Value, float]]
) -> float | None:
    """d(within)/d(node) along the one path inside a Σ box: the product of its local grads.

    None when the path goes through a node built by hand, which records no local derivative.
    """
    product = 1.0
    while node is not within:
        if node not in members:
            return None
        node, local = members[node]
        product *= local
    return product


def _is_constant(node: Value, params: Mapping[Value, str]) -> bool:
    """A number written into an expression: a leaf with no label that is not a parameter."""
    return not node.inputs and not node.label and not params.get(node) and node not in params


def _frames(
    root: Value,
    drawn: Mapping[Value, DrawnValue],
    params: Mapping[Value, str],
    precision: int = 4,
) -> list[_Frame]:
    """The page's steps: the inputs, each operation forward, the seed, each one backward.

    Args:
        root: The value whose passes to step through.
        drawn: Where the compact diagram of root shows each value.
        params: The parameters' names, by value.
        precision: Significant digits of every number shown.

    Returns:
        The frames, first to last; the last one sums up every gradient.
    """
    name = _Namer(params, precision)
    order = topological_order(root)
    operations = [node for node in order if node.inputs]
    steps = backward_steps(root)
    final = steps[-1].grads
    largest = largest_grad(final.values())

    def grad_cell(grad: float | None) -> tuple[str, str]:
        return _grad_cell(grad, largest, precision)

    # A frame names the values it changes by their place here; the page knows their nodes.
    key = {node: str(i) for i, node in enumerate(order)}

    def cells(node: Value, value: Any) -> dict[str, Any]:
        return {key[node]: value} if drawn[node].nodes else {}

    def box(node: Value) -> str | None:
        nodes = drawn[drawn[node].shown_in].nodes
        return nodes[0] if nodes else None

    # Inside a Σ box, each member's one user and the local derivative to it.
    inside: dict[Value, tuple[Value, float]] = {}
    for node in order:
        for child, local in zip(node.inputs, node.local_grads or (), strict=False):
            if drawn[child].shown_in is drawn[node].shown_in:
                inside[child] = (node, local)

    forward_total, backward_total = len(operations), len(steps) - 1
    leaves = [n for n in order if not n.inputs and drawn[n].nodes and not _is_constant(n, params)]
    # How many edges each value sends into each box: x*x + x sends three into its Σ.
    edges_into: dict[tuple[Value, Value], int] = {}
    for node in order:
        for child in node.inputs:
            if drawn[child].shown_in is not drawn[node].shown_in:
                pair = (child, drawn[node].shown_in)
                edges_into[pair] = edges_into.get(pair, 0) + 1
    first = _Frame(
        f"Forward pass, step 0 of {forward_total}: the inputs and parameters",
        [f"{name(leaf)} = {number_text(leaf.data, precision)}" for leaf in leaves[:12]]
        + ([f"... and {len(leaves) - 12} more"] if len(leaves) > 12 else []),
    )
    for node in order:
        first.data.update(
            cells(node, None if node.inputs else f"data {number_text(node.data, precision)}")
        )
        first.grads.update(cells(node, grad_cell(None)))
    result = [first]
    for k, node in enumerate(operations, start=1):
        frame = _Frame(
            f"Forward pass, step {k} of {forward_total}: {name(drawn[node].shown_in)}",
            [_formula(node, name)],
            box(node),
            list(drawn[node].edges),
            cells(node, f"data {number_text(node.data, precision)}"),
        )
        if drawn[node].shown_in is not node:
            frame.lines.append(
                f"(inside the {name(drawn[node].shown_in)} box, which shows only its total)"
            )
        result.append(frame)

    total = name.wrt(root)
    seed = _Frame(
        f"Backward pass, step 0 of {backward_total}: the seed",
        [f"d{total}/d{total} = 1: the gradient of {name(root)} with respect to itself"],
        box(root),
    )
    seed.grads.update(cells(root, grad_cell(1.0)))
    result.append(seed)
    for k in range(1, len(steps)):
        before, after = steps[k - 1].grads, steps[k].grads
        operation = steps[k].operation
        assert operation is not None  # every step after the seed runs an operation
        shown_in = drawn[operation].shown_in
        frame = _Frame(
            f"Backward pass, step {k} of {backward_total}: {name(shown_in)}",
            [],
            box(operation),
            list(drawn[operation].edges),
        )
        locals_ = operation.local_grads
        if locals_ is None:
            frame.lines.append(f"{name(operation)} was built by hand: its _backward ran")
        running = dict(before)  # the grads as this step adds to them, input by input
        for j, child in enumerate(operation.inputs):
            if child not in after:
                continue
            frame.grads.update(cells(child, grad_cell(after[child])))
            if locals_ is None:
                continue
            if drawn[child].shown_in is shown_in:  # a step inside a Σ box, to a term of it
                if _is_constant(child, params):
                    continue  # a number in a badge
                frame.lines.append(
                    f"inside the {name(shown_in)} box: {name(operation)} passes its grad to "
                    f"{name(child)}, times the local derivative "
                    f"{number_text(locals_[j], precision)}"
                )
                continue
            path = _path_local(operation, shown_in, inside)
            upstream, box_grad = before.get(operation), before.get(shown_in)
            if path is None or upstream is None or box_grad is None:
                continue  # past a node built by hand: no local derivatives to write out
            old = running.get(child)
            passed = upstream * locals_[j]  # the engine's step: grad x local derivative
            new = running[child] = passed if old is None else old + passed
            if _is_constant(child, params):
                continue  # a number in the formula: its grad is drawn, not talked about
            wrt, into = name.wrt(child), name.wrt(shown_in)
            several = edges_into.get((child, shown_in), 1)
            # With several edges into the box, d(box)/d(child) is their sum: name the one edge.
            local_name = (
                f"(the local derivative of one of the {several} edges from {name(child)} "
                f"into {name(shown_in)})"
                if several > 1
                else f"d{into}/d{wrt}"
            )
            line = (
                f"d{total}/d{wrt} {'+=' if old is not None else '='} d{total}/d{into} \u00d7 "
                f"{local_name} = {number_text(box_grad, precision)} \u00d7 "
                f"{number_text(path * locals_[j], precision)} = {number_text(passed, precision)}"
            )
            if old is not None:
                line += f", so d{total}/d{wrt} is now {number_text(new, precision)}"
            frame.lines.append(line)
        result.append(frame)

    named = [node for node in order if not node.inputs and (node.label or node in params)]
    result.append(
        _Frame(
            f"Done: every gradient of {name(root)}",
            [
                f"d{total}/d{name.wrt(node)} = "
                + (number_text(final[node], precision) if node in final else "not computed")
                for node in named
            ],
        )
    )
    return result


def _asset(name: str) -> str:
    return resources.files("micrograd_like").joinpath(name).read_text(encoding="utf-8")


def _final_diagram(
    root: Value, params: Any, precision: int, max_nodes: int | None
) -> tuple[str, Diagram, dict[str, Any]]:
    """Root's compact diagram in its last step, its SVG, and what the script needs of it."""
    order = topological_order(root)
    with borrowed_grads(order):  # the final state, drawn without touching anyone's .grad
        root.backward()
        diagram = draw_dot(
            root, compact=True, params=params, precision=precision, max_nodes=max_nodes
        )
        svg = render(diagram.source).decode("utf-8")
    name = _Namer(diagram.params, precision)
    info = {
        # Each drawn node's name and operation, for the details shown on hover and focus.
        "nodes": {
            node_id: {"name": name(value), "op": value.op}
            for value, where in diagram.drawn.items()
            for node_id in where.nodes
        },
        # The nodes that show each value, by its place in the topological order.
        "values": [list(diagram.drawn[value].nodes) for value in order],
    }
    return svg[svg.index("<svg") :], diagram, info


def _explorer(
    root: Value, params: Any, precision: int, max_nodes: int | None
) -> tuple[str, list[_Frame], dict[str, Any]]:
    """The diagram's SVG in its final state, the frames, and what the script needs."""
    svg, diagram, info = _final_diagram(root, params, precision, max_nodes)
    return svg, _frames(root, diagram.drawn, diagram.params, precision), info


_CSP = (
    "default-src 'none'; script-src '{script}'; style-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


def _page(title: str, body: str, steps: list[_Frame], info: dict[str, Any]) -> str:
    script = _asset("page.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    data = json.dumps(
        {"frames": [vars(frame) for frame in steps], **info, "highlight": HIGHLIGHT_COLOUR},
        ensure_ascii=False,
        allow_nan=False,
    ).replace("<", "\\u003c")  # no "</script>" in the data can end it early
    listing = "".join(
        f"<li><b>{escape(frame.title)}</b>"
        + "".join(f"<br>{escape(line)}" for line in frame.lines)
        + "</li>"
        for frame in steps
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_CSP.format(script="sha256-" + digest)}">
<title>{escape(title)}</title>
<style>{_asset("page.css")}</style>
</head>
<body>
<h1>{escape(title)}</h1>
{body}
<script type="application/json" id="frames">{data}</script>
<noscript><p class="note">JavaScript is off, so the diagram shows the last step. Every step:</p>
<ol class="listing">{listing}</ol></noscript>
<script>{script}</script>
</body>
</html>
"""


def _natural_width(svg: str) -> float:
    """The SVG's width in CSS pixels, from its width in points (1 pt = 4/3 px)."""
    head = svg[: svg.index(">")]
    width = head.split('width="', 1)[1].split('"', 1)[0]
    return float(width.removesuffix("pt")) * 4 / 3


_SIDE_BY_SIDE_WIDTH = 800  # px: a graph wider than this gets the page's whole width


def _controls_html() -> str:
    """The slider and its buttons, hidden until the script shows them."""
    return """<div id="controls" hidden>
<button type="button" id="previous" aria-label="previous step">&larr; Previous</button>
<input type="range" id="step" min="0" value="0" aria-label="step">
<button type="button" id="next" aria-label="next step">Next &rarr;</button>
<span id="counter"></span>
</div>
"""


def _explorer_html(svg: str) -> str:
    # A wide graph takes the page's width, with the step's text above it rather than beside.
    layout = "explorer stacked" if _natural_width(svg) > _SIDE_BY_SIDE_WIDTH else "explorer"
    return (
        _controls_html()
        + f"""<div class="{layout}">
<div id="graph"><div style="max-width: {1.6 * _natural_width(svg):.0f}px">{svg}</div></div>
<div class="side" hidden>
<section id="explain" aria-live="polite">
<h2 id="step-title">The last step</h2><ul id="step-lines"></ul>
</section>
<section id="details" aria-live="polite">
<p>Hover over a value, or focus it with Tab, to see it here.</p>
</section>
</div>
</div>
<p class="note">Keys: &larr; and &rarr; step back and forth. Each edge carries its local
derivative d(out)/d(in); "data ?" and "grad ?" are not computed yet.</p>"""
    )


def explorable(
    root: Value,
    params: Iterable[Value] | Mapping[str, Value] | None = None,
    *,
    title: str | None = None,
    precision: int = 4,
    max_nodes: int | None = DEFAULT_MAX_NODES,
) -> str:
    """One self-contained HTML page that steps through root's forward and backward passes.

    The graph is drawn once, in the compact style; a slider, Previous/Next
    buttons and the arrow keys move through the steps, each outlined in the
    diagram and written out beside it. Nothing on the page is fetched: it
    works opened from disk. No ``.grad`` changes.

    Args:
        root: The value whose graph to step through, usually a loss.
        params: As for `micrograd_like.viz.draw_dot`: which leaves are parameters.
        title: The page's title; by default it names root.
        precision: Significant digits of every number shown.
        max_nodes: As for `micrograd_like.viz.draw_dot`.

    Returns:
        The page's HTML source.

    Raises:
        GraphTooLargeError: If the graph has more than max_nodes values.
        RenderError: If the diagram cannot be rendered.

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.pages import explorable
        >>> x, w = Value(0.5, label="x"), Value(-3.0, label="w")
        >>> page = explorable((x * w).tanh(), [w])
        >>> page.startswith("<!DOCTYPE html>")
        True
    """
    svg, steps, info = _explorer(root, params, precision, max_nodes)
    shown = title or f"Backpropagation through {root.label or 'the graph'}, step by step"
    return _page(shown, _explorer_html(svg), steps, info)


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def seed_page(example: worked_example.WorkedExample) -> str:
    """The report's worked example as a page: the network, its graph step by step, the tables.

    The tables are those of `micrograd_like.worked_example.to_text`, with the
    same numbers; the graph is the example's loss, before the update.

    Args:
        example: What `micrograd_like.worked_example.run` returned.

    Returns:
        The page's HTML source.

    Example:
        >>> from micrograd_like import worked_example
        >>> from micrograd_like.pages import seed_page
        >>> "-0.2951" in seed_page(worked_example.run())  # dL/dw1(2), as the report has it
        True
    """
    title, *facts = worked_example.preamble(example)
    net = worked_example.build_network(example.params, example.inputs)
    svg, steps, info = _explorer(net.loss, list(net.params.values()), 4, DEFAULT_MAX_NODES)
    sections = "".join(
        f"<section><h2>{escape(section.title)}</h2>"
        + "".join(f"<p class='note'>{escape(note)}</p>" for note in section.notes)
        + _table(section.header, section.rows)
        + "</section>"
        for section in worked_example.sections(example)
    )
    body = (
        "<section><h2>The network</h2><ul>"
        + "".join(f"<li>{escape(fact)}</li>" for fact in facts)
        + "</ul></section>"
        + "<section><h2>The graph, step by step</h2>"
        + _explorer_html(svg)
        + "</section>"
        + sections
    )
    return _page(title, body, steps, info)


# -- the training replay ---------------------------------------------------------------

_CURVES_WIDTH, _PANEL_HEIGHT, _MARGIN = 460.0, 120.0, 44.0


def _curves_svg(history: History) -> tuple[str, Callable[[int], float]]:
    """The loss and the accuracy over the steps, on their own axes, and step -> x."""
    steps = len(history.loss)
    plot_width = _CURVES_WIDTH - _MARGIN - 12

    def x_of(step: int) -> float:
        return _MARGIN + plot_width * ((step - 1) / max(1, steps - 1))

    accuracy = [a if a is not None else math.nan for a in history.accuracy]
    panels: list[tuple[str, list[float], tuple[float, float] | None]] = [
        ("loss", list(history.loss), None)
    ]
    if any(a is not None for a in history.accuracy):
        panels.append(("accuracy", accuracy, (0.0, 1.0)))
    parts = []
    for k, (name, values, fixed) in enumerate(panels):
        top = 22 + k * (_PANEL_HEIGHT + 34)
        finite = [v for v in values if math.isfinite(v)]
        low, high = fixed or (min(finite, default=0.0), max(finite, default=1.0))
        if high == low:
            low, high = low - 0.5, high + 0.5

        def y_of(v: float, top: float = top, low: float = low, high: float = high) -> float:
            return top + _PANEL_HEIGHT * (1 - (v - low) / (high - low))

        points = " ".join(
            f"{x_of(i + 1):.1f},{y_of(v):.1f}" for i, v in enumerate(values) if math.isfinite(v)
        )
        shown_low = f"{low:.0%}" if fixed else f"{low:.3g}"
        shown_high = f"{high:.0%}" if fixed else f"{high:.3g}"
        colour = CLASS_COLOURS[1] if k == 0 else CLASS_COLOURS[5]  # Okabe-Ito blue, vermillion
        parts.append(
            f'<rect x="{_MARGIN}" y="{top}" width="{plot_width}" height="{_PANEL_HEIGHT}" '
            'fill="none" stroke="#9ca3af"/>'
            f'<text x="{_MARGIN - 4}" y="{top + 10}" text-anchor="end">{shown_high}</text>'
            f'<text x="{_MARGIN - 4}" y="{top + _PANEL_HEIGHT}" '
            f'text-anchor="end">{shown_low}</text>'
            f'<text x="{_MARGIN}" y="{top - 5}" font-weight="bold">{name}</text>'
            f'<polyline points="{points}" fill="none" stroke="{colour}" '
            'stroke-width="2" clip-path="url(#upto)"/>'
        )
    height = 22 + len(panels) * (_PANEL_HEIGHT + 34)
    bottom = height - 12
    parts.append(
        f'<text x="{_MARGIN}" y="{bottom}">step 1</text>'
        f'<text x="{x_of(steps)}" y="{bottom}" text-anchor="end">step {steps}</text>'
        f'<line id="marker" x1="{x_of(steps)}" x2="{x_of(steps)}" y1="22" y2="{bottom - 14}" '
        f'stroke="{HIGHLIGHT_COLOUR}" stroke-dasharray="4 3"/>'
    )
    svg = (
        f'<svg id="curves" viewBox="0 0 {_CURVES_WIDTH} {height}" role="img" '
        f'aria-label="loss and accuracy over the steps" font-family="sans-serif" font-size="12">'
        f'<clipPath id="upto"><rect id="upto-rect" x="0" y="0" width="{x_of(steps) + 2}" '
        f'height="{height}"/></clipPath>{"".join(parts)}</svg>'
    )
    return svg, x_of


def _boundary_svg(recording: Recording, cells: list[str]) -> str:
    """The decision boundary's cells, blurred smooth, under the data points."""
    left, right, bottom, top = recording.extent()
    n = BOUNDARY_RESOLUTION
    size = 300.0
    cell = size / n

    def x_of(x: float) -> float:
        return (x - left) / (right - left) * size

    def y_of(y: float) -> float:
        return (top - y) / (top - bottom) * size

    rects = "".join(
        f'<rect class="cell" x="{(k % n) * cell:.2f}" y="{(k // n) * cell:.2f}" '
        f'width="{cell + 0.5:.2f}" height="{cell + 0.5:.2f}" fill="{colour}"/>'
        for k, colour in enumerate(cells)
    )
    classes = recording.classes()
    points = "".join(
        f'<circle cx="{x_of(row[0]):.1f}" cy="{y_of(row[1]):.1f}" r="3.5" '
        f'fill="{CLASS_COLOURS[classes.index(t) % len(CLASS_COLOURS)]}" stroke="#1f2937" '
        'stroke-width="0.8"/>'
        for row, t in zip(recording.X, recording.targets, strict=True)
    )
    legend = ", ".join(
        f"class {label:g}: {name}" for label, name in zip(classes, _COLOUR_NAMES, strict=False)
    )
    return (
        f'<svg id="boundary" viewBox="0 0 {size} {size}" role="img" '
        f'aria-label="decision boundary; {legend}">'
        f'<filter id="smooth"><feGaussianBlur stdDeviation="{cell * 0.6:.2f}"/></filter>'
        f'<g filter="url(#smooth)">{rects}</g>{points}</svg>'
        f'<p class="note">Background: the class the model predicts, paler where it is less '
        f"sure; points: the data ({escape(legend)}).</p>"
    )


_COLOUR_NAMES = ("orange", "blue", "green", "purple", "sky blue", "vermillion", "yellow")


def training_page(recording: Recording, title: str | None = None) -> str:
    """The replay page of a recorded training run; see `micrograd_like.replay.Recording`.

    Args:
        recording: A Recording that `micrograd_like.train.fit` has called.
        title: The page's title.

    Returns:
        The page's HTML source.

    Example:
        >>> from micrograd_like.datasets import make_moons
        >>> from micrograd_like.nn import MLP
        >>> from micrograd_like.pages import training_page
        >>> from micrograd_like.replay import Recording
        >>> from micrograd_like.train import fit
        >>> X, y = make_moons(n=20, noise=0.1, seed=0)
        >>> recording = Recording(X, y, loss="hinge", every=5)
        >>> _ = fit(MLP(2, [4, 1], seed=0), X, y, loss="hinge", steps=10, progress=False,
        ...         callbacks=[recording])
        >>> training_page(recording).startswith("<!DOCTYPE html>")
        True
    """
    model, history = recording.model, recording.history
    if model is None or history is None or not recording.snapshots:
        raise ValueError("training_page: nothing recorded yet; pass the Recording to fit first")
    steps = len(history.loss)
    curves, x_of = _curves_svg(history)
    loss, _ = sample_loss(
        model, recording.X[recording.sample], recording.targets[recording.sample], recording.loss
    )
    order = topological_order(loss)
    drawn = len(order) <= recording.max_nodes
    info: dict[str, Any] = {"nodes": {}, "values": []}
    if drawn:
        svg, _, info = _final_diagram(loss, dict(model.named_parameters()), 4, recording.max_nodes)
        graph = (
            f"<h2>Sample {recording.sample}'s loss</h2>"
            f'<div id="graph"><div style="max-width: {1.6 * _natural_width(svg):.0f}px">'
            f"{svg}</div></div>"
        )
    else:
        graph = (
            f"<h2>Sample {recording.sample}'s loss</h2><p class='note'>Its graph has "
            f"{len(order):,} values, more than the {recording.max_nodes} a diagram shows: "
            "train a smaller model (say --hidden 4,4) to see it here.</p>"
        )
    frames = []
    for k, snapshot in enumerate(recording.snapshots):
        # The model after the step's update, scored on all the data (the curves show each
        # step's batch loss, before its update).
        lines = [f"loss {snapshot.loss:.4g}"]
        if snapshot.accuracy is not None:
            lines.append(f"accuracy {snapshot.accuracy:.0%}")
        lines.append(f"over all {len(recording.X)} samples, after the update")
        frame = _Frame(
            f"Step {snapshot.step} of {steps}",
            lines,
            network=k,
            boundary=snapshot.boundary or None,
            upto=x_of(snapshot.step),
        )
        if drawn and len(snapshot.graph.get("data", ())) != len(order):
            lines.append("(the sample's graph had another shape at this step: not shown)")
        elif drawn and "data" in snapshot.graph:
            largest = largest_grad(snapshot.graph["grads"])
            for place, ids in enumerate(info["values"]):
                if ids:
                    frame.data[str(place)] = f"data {number_text(snapshot.graph['data'][place])}"
                    frame.grads[str(place)] = _grad_cell(snapshot.graph["grads"][place], largest, 4)
        frames.append(frame)
    last = len(recording.snapshots) - 1
    width = 1.3 * _natural_width(recording.snapshots[-1].network)
    networks = "".join(
        f'<div class="network" style="max-width: {width:.0f}px"'
        f"{'' if k == last else ' hidden'}>{snapshot.network}</div>"
        for k, snapshot in enumerate(recording.snapshots)
    )
    boundary = recording.snapshots[-1].boundary
    boundary_section = (
        f"<section><h2>Decision boundary</h2>{_boundary_svg(recording, boundary)}</section>"
        if boundary
        else ""
    )
    body = (
        _controls_html()
        + '<div class="replay">'
        + '<section class="side wide" hidden><div id="explain" aria-live="polite">'
        + '<h2 id="step-title"></h2><ul id="step-lines"></ul></div>'
        + '<div id="details" aria-live="polite"></div></section>'
        + f"<section><h2>Loss and accuracy</h2>{curves}</section>"
        + boundary_section
        + f"<section class='wide'><h2>The network</h2>{networks}</section>"
        + f"<section class='wide'>{graph}</section>"
        + "</div>"
    )
    shown = title or f"Training replay: {steps} steps, MLP {'-'.join(map(str, model.sizes))}"
    return _page(shown, body, frames, info)
