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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from typing import Any

from micrograd_like import worked_example
from micrograd_like.autograd import backward_steps, borrowed_grads
from micrograd_like.engine import Value, topological_order
from micrograd_like.viz import (
    DEFAULT_MAX_NODES,
    HIGHLIGHT_COLOUR,
    NOT_COMPUTED_COLOUR,
    DrawnValue,
    draw_dot,
    grad_colour,
    number_text,
    render,
)

__all__ = ["explorable", "seed_page"]

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
        data: The data cells this step changes, by node id.
        grads: The grad cells this step changes, by node id: (text, fill).
    """

    title: str
    lines: list[str]
    focus: str | None = None
    edges: list[str] = field(default_factory=list)
    data: dict[str, str] = field(default_factory=dict)
    grads: dict[str, tuple[str, str]] = field(default_factory=dict)


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
        return text if len(text) <= _LONGEST_NAME else f"the {node.op or '?'} node"

    def _expression(self, node: Value, depth: int) -> str:
        if depth >= 3:
            return "..."
        parts = [self._operand(child, node, depth + 1) for child in node.inputs]
        if len(parts) == 2 and node.op in _SYMBOLS:
            space = " " if node.op == "+" else ""
            return f"{space}{_SYMBOLS[node.op]}{space}".join(parts)
        if len(parts) == 1 and node.op.startswith("**"):
            return f"{parts[0]}{node.op}"
        return f"{node.op or '?'}({', '.join(parts)})"

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
    else:
        formula = f"{node.op or '?'}({', '.join(operands)})"
        numbers = f"{node.op or '?'}({', '.join(shown)})"
    named = f"{node.label} = " if node.label else ""  # an expression is its own name
    return f"{named}{formula} = {numbers} = {result}"


def _path_local(node: Value, within: Value, members: Mapping[Value, tuple[Value, float]]) -> float:
    """d(within)/d(node) along the one path inside a Σ box: the product of its local grads."""
    product = 1.0
    while node is not within:
        node, local = members[node]
        product *= local
    return product


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
    largest = max((abs(g) for g in final.values() if g == g and abs(g) != float("inf")), default=0)

    def grad_cell(grad: float | None) -> tuple[str, str]:
        if grad is None:
            return ("grad ?", NOT_COMPUTED_COLOUR)
        return (f"grad {number_text(grad, precision)}", grad_colour(grad, largest))

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
    leaves = [node for node in order if not node.inputs and drawn[node].nodes]
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
                frame.lines.append(
                    f"inside the {name(shown_in)} box: {name(operation)} passes its grad to "
                    f"{name(child)}, times the local derivative "
                    f"{number_text(locals_[j], precision)}"
                )
                continue
            local = _path_local(operation, shown_in, inside) * locals_[j]
            old = running.get(child)
            passed = before[operation] * locals_[j]  # the engine's step: grad x local derivative
            new = running[child] = passed if old is None else old + passed
            wrt = name.wrt(child)
            line = (
                f"d{total}/d{wrt} {'+=' if old is not None else '='} "
                f"d{total}/d{name.wrt(shown_in)} \u00d7 d{name.wrt(shown_in)}/d{wrt} = "
                f"{number_text(after[shown_in], precision)} \u00d7 "
                f"{number_text(local, precision)} = {number_text(passed, precision)}"
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
                f"d{total}/d{name.wrt(node)} = {number_text(final[node], precision)}"
                for node in named
            ],
        )
    )
    return result


def _asset(name: str) -> str:
    return resources.files("micrograd_like").joinpath(name).read_text(encoding="utf-8")


def _explorer(
    root: Value, params: Any, precision: int, max_nodes: int | None
) -> tuple[str, list[_Frame], dict[str, Any]]:
    """The diagram's SVG in its final state, the frames, and what the script needs."""
    order = topological_order(root)
    with borrowed_grads(order):  # the final state, drawn without touching anyone's .grad
        root.backward()
        diagram = draw_dot(
            root, compact=True, params=params, precision=precision, max_nodes=max_nodes
        )
        svg = render(diagram.source).decode("utf-8")
    steps = _frames(root, diagram.drawn, diagram.params, precision)
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
    return svg[svg.index("<svg") :], steps, info


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


def _explorer_html(svg: str) -> str:
    return f"""<div id="controls" hidden>
<button type="button" id="previous" aria-label="previous step">&larr; Previous</button>
<input type="range" id="step" min="0" value="0" aria-label="step">
<button type="button" id="next" aria-label="next step">Next &rarr;</button>
<span id="counter"></span>
</div>
<div class="explorer">
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
