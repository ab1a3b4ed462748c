"""Diagrams of computation graphs that teach: values, operations, local derivatives, backprop.

``draw_dot(root)`` draws the graph below ``root`` as a `Diagram`, a
``graphviz.Digraph`` that renders inline in Jupyter:

- a box per value with its label, data and grad ("not computed" until a
  backward pass reaches it), coloured by role: parameter, input, constant,
  intermediate, output; the grad cell is tinted by the gradient's sign and size;
- a circle per operation, its inputs in argument order;
- on every edge into an operation, the local derivative d(out)/d(in) the chain
  rule multiplies by and, after backward, the gradient it passes back;
- node ids from the graph's topological order, never ``id()``, so the DOT
  source of the same expression is byte-identical across runs and processes;
- a value that feeds more than `FANOUT_LIMIT` operations drawn once per use,
  dashed, so that the layout stays fast.

``draw_dot(root, compact=True)`` draws the same graph for a slide: each
operation a badge in the box of the value it makes, each weighted sum
``b + w1*x1 + ...`` one Σ node, and on each edge its local derivative. Every
edge label is tied to its edge by a line.

``draw_dot(root, blank=True)`` draws a worksheet's diagram, the structure with
empty cells to write each data and grad in (`micrograd_like.worksheet`), and
``draw_dot(root, highlight=value)`` outlines one value's box.

``backprop_steps(root)`` yields one diagram per chain-rule step, and
``backprop_slider(root)`` wraps them in a Jupyter slider.

The module needs the ``viz`` extra, ``pip install "micrograd_like[viz]"``;
without it, importing it raises a ModuleNotFoundError that says so. Rendering
needs a ``dot`` program. The system's Graphviz is used when ``dot`` is on PATH;
otherwise the ``graphviz-pure`` command from PyPI, which the extra installs.
A render that takes longer than `RENDER_TIMEOUT` seconds is stopped.

Example:
    >>> from micrograd_like import Value
    >>> from micrograd_like.viz import draw_dot
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b
    >>> c.label = "c"
    >>> c.backward()
    >>> dot = draw_dot(c)
    >>> "local -3" in dot.source
    True
"""

from __future__ import annotations

import dataclasses
import errno
import math
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from types import MappingProxyType
from typing import Any

try:
    import graphviz
except ModuleNotFoundError as error:
    if error.name != "graphviz":
        raise  # graphviz is there, but something it needs is not: that error says what
    raise ModuleNotFoundError(
        'micrograd_like.viz needs the graphviz package: pip install "micrograd_like[viz]". '
        "No system Graphviz is needed: the extra also installs graphviz-pure, which renders "
        "the diagrams by itself",
        name="graphviz",
    ) from None

from micrograd_like.autograd import backward_steps, gradients
from micrograd_like.autograd import tangents as forward_tangents
from micrograd_like.engine import Value, topological_order
from micrograd_like.files import write_atomic
from micrograd_like.network_view import draw_network
from micrograd_like.nn import Layer, Module, Neuron
from micrograd_like.recording import ModuleCall

__all__ = [
    "BLANK_WIDTH",
    "DEFAULT_MAX_NODES",
    "DISPLAY_MAX_NODES",
    "FANOUT_LIMIT",
    "HIGHLIGHT_COLOUR",
    "MAGNITUDE_COLOURS",
    "MAGNITUDE_ZERO_COLOUR",
    "NEGATIVE_TINTS",
    "NOT_COMPUTED_COLOUR",
    "POSITIVE_TINTS",
    "RENDER_TIMEOUT",
    "ROLE_COLOURS",
    "SPAN_BUDGET",
    "SPAN_LIMIT",
    "TANGENT_COLOUR",
    "Diagram",
    "DrawnValue",
    "GraphTooLargeError",
    "RenderError",
    "backprop_slider",
    "backprop_steps",
    "draw_dot",
    "draw_network",
    "explorable",
    "find_renderer",
    "grad_colour",
    "largest_grad",
    "number_text",
    "render",
    "value_mimebundle",
]

DEFAULT_MAX_NODES = 250
"""draw_dot and backprop_steps refuse to draw more values (and boxes) than this by default.

Past a few hundred boxes a diagram no longer teaches, and Graphviz takes long to lay
it out; ``max_nodes=`` changes the limit, ``max_nodes=None`` lifts it.
"""

FANOUT_LIMIT = 4
"""A value that is an input of more operations than this is drawn once per use.

Each copy is dashed and says how many uses the value has. Graphviz's layout slows
sharply with fan-out (``x + x + ... + x`` with 70 terms took over a minute with
graphviz-pure); with copies every render of a graph ``max_nodes`` admits stays fast.
"""

SPAN_LIMIT = 4
"""In a graph past `SPAN_BUDGET`, an edge spanning more ranks than this starts at a copy.

Long edges cost the layout most (each rank they cross adds a node to place); a
copy of the value drawn next to the operation keeps the graph's edges short.
"""

SPAN_BUDGET = 400
"""The ranks all edges may span together before long edges start at copies (`SPAN_LIMIT`)."""

DISPLAY_MAX_NODES = 40
"""A Value shows as a diagram in Jupyter only when its graph is at most this big."""


class RenderError(RuntimeError):
    """No program to render DOT with, or it failed.

    Raised by `render` (and so by `Diagram.pipe` and `Diagram.save`); the message
    says why and what to do.

    Example:
        >>> from unittest import mock
        >>> with mock.patch.dict("os.environ", {"MICROGRAD_LIKE_DOT": "/no/such/dot"}):
        ...     try:
        ...         render("digraph { a -> b }")
        ...     except RenderError as error:
        ...         print(str(error).split(":")[0])
        could not run /no/such/dot
    """


class GraphTooLargeError(ValueError):
    """The graph has more values than draw_dot was allowed to draw.

    Raised by `draw_dot` and `backprop_steps` past ``max_nodes`` (by default
    `DEFAULT_MAX_NODES`); the message says how to draw the graph instead.

    Example:
        >>> from micrograd_like import Value
        >>> c = Value(2.0, label="a") * Value(-3.0, label="b")
        >>> try:
        ...     draw_dot(c, max_nodes=2)
        ... except GraphTooLargeError as error:
        ...     print(str(error).split(".")[0])
        draw_dot: the graph has 3 values to draw, more than max_nodes=2
    """


# ---------------------------------------------------------------------------
# Rendering: the system's dot, else graphviz-pure.
# ---------------------------------------------------------------------------


def find_renderer() -> list[str] | None:
    """The command that renders DOT here: system ``dot``, else ``graphviz-pure``.

    ``MICROGRAD_LIKE_DOT`` overrides the search with a program of your own.
    ``graphviz-pure`` is also looked for next to the running Python, since a
    Jupyter kernel started from a virtual environment may not have its ``bin``
    directory on PATH.

    Returns:
        The command as a list (the program's path), or None if there is no
        program to render with.

    Example:
        >>> from unittest import mock
        >>> with mock.patch.dict("os.environ", {"MICROGRAD_LIKE_DOT": "/opt/graphviz/bin/dot"}):
        ...     find_renderer()
        ['/opt/graphviz/bin/dot']
    """
    override = os.environ.get("MICROGRAD_LIKE_DOT")
    if override:
        return [override]
    system_dot = shutil.which("dot")
    if system_dot:
        return [system_dot]
    pure = shutil.which("graphviz-pure") or shutil.which(
        "graphviz-pure", path=str(Path(sys.executable).parent)
    )
    return [pure] if pure else None


_NO_RENDERER = (
    "no program to render the diagram with: install Graphviz so that `dot` is on PATH "
    "(apt install graphviz, brew install graphviz, conda install graphviz), or "
    "`pip install 'micrograd_like[viz]'`, which brings the self-contained `graphviz-pure`"
)


RENDER_TIMEOUT = 120.0
"""Seconds a render may take before `render` gives up with a RenderError.

The environment variable ``MICROGRAD_LIKE_RENDER_TIMEOUT`` (seconds) overrides it.
"""


def _render_timeout() -> float:
    raw = os.environ.get("MICROGRAD_LIKE_RENDER_TIMEOUT")
    if not raw:
        return RENDER_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise RenderError(
            f"render: MICROGRAD_LIKE_RENDER_TIMEOUT must be a number of seconds above 0, "
            f"got {raw!r}"
        )
    return seconds


def render(source: str, fmt: str = "svg") -> bytes:
    """Renders DOT source to ``fmt`` (svg, png, pdf, ...) with `find_renderer`'s program.

    The render is stopped after `RENDER_TIMEOUT` seconds (or
    ``MICROGRAD_LIKE_RENDER_TIMEOUT``), never left to hang.

    Args:
        source: The DOT source, e.g. a diagram's ``.source``.
        fmt: The output format, as the renderer's ``-T`` option takes it.

    Returns:
        The rendered file's bytes.

    Raises:
        RenderError: If there is no renderer, or it fails or takes too long, or
            ``MICROGRAD_LIKE_RENDER_TIMEOUT`` is not a number of seconds above 0;
            the message says why and what to do.

    Example:
        >>> svg = render("digraph { a -> b }")  # a tiny graph renders in milliseconds
        >>> b"<svg" in svg
        True
    """
    command = find_renderer()
    if command is None:
        raise RenderError(_NO_RENDERER)
    timeout = _render_timeout()
    try:
        result = subprocess.run(
            [*command, f"-T{fmt}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except OSError as error:
        raise RenderError(f"could not run {command[0]}: {error}") from error
    except subprocess.TimeoutExpired as error:
        raise RenderError(
            f"render: {command[0]} took longer than {timeout:g} s "
            "(MICROGRAD_LIKE_RENDER_TIMEOUT) and was stopped. Install the system Graphviz, "
            "which lays big graphs out much faster (apt install graphviz, brew install "
            "graphviz, conda install graphviz); or draw a smaller part of the graph; or "
            "draw it with draw_dot(root, compact=True)"
        ) from error
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"{command[0]} -T{fmt} failed: {message}")
    return result.stdout


@dataclass(frozen=True)
class DrawnValue:
    """Where a compact diagram shows one value: the DOT ids a page finds it by.

    Every node and edge of a compact diagram has an ``id`` attribute, which
    becomes the ``id`` of its group in the rendered SVG.

    Attributes:
        nodes: The nodes that show this value's data and grad: its own box and
            any dashed copies. Empty for a value drawn inside another's box (the
            ``+`` and ``*`` nodes inside a Σ, a constant in a badge).
        shown_in: The value whose box stands for this one: itself, or the Σ
            (or badge) it is drawn inside.
        edges: The edges along which this value's operation passes its grad
            back to its inputs.

    Example:
        >>> from micrograd_like import Value
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> c = a * b
        >>> diagram = draw_dot(c, compact=True)
        >>> diagram.drawn[c].nodes, diagram.drawn[c].edges
        (('v2',), ('v2_in0', 'v2_in1'))
        >>> diagram.drawn[a].shown_in is a
        True
    """

    nodes: tuple[str, ...]
    shown_in: Value
    edges: tuple[str, ...]


class Diagram(graphviz.Digraph):  # type: ignore[misc]  # graphviz ships no type hints
    """A ``graphviz.Digraph`` whose rendering uses `find_renderer` (dot or graphviz-pure).

    It displays inline in Jupyter as SVG, and ``save(path)`` writes svg, png,
    pdf or dot by the file's suffix, or, for a diagram `draw_dot` drew, an
    explorable HTML page (.html).

    Attributes:
        root: The value `draw_dot` drew the graph of; None for other diagrams.
        params: The parameters' names, by value, as `draw_dot` was given them.
        drawn: In the compact style, where each value is drawn (`DrawnValue`).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from micrograd_like import Value
        >>> c = Value(2.0, label="a") * Value(-3.0, label="b")
        >>> diagram = draw_dot(c)
        >>> isinstance(diagram, Diagram), diagram.root is c
        (True, True)
        >>> with tempfile.TemporaryDirectory() as folder:  # .dot is written without rendering
        ...     saved = diagram.save(Path(folder) / "product.dot")
        ...     saved.read_text() == diagram.source
        True
    """

    root: Value | None = None
    params: Mapping[Value, str] = MappingProxyType({})
    drawn: Mapping[Value, DrawnValue] = MappingProxyType({})

    def pipe(  # the signature of graphviz's pipe; the renderer options are not used
        self,
        format: str | None = None,  # graphviz's own parameter name
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """Returns the diagram rendered to ``format`` (default: the diagram's format).

        It is graphviz's ``pipe``, rendered with `render`; of its options only
        ``format`` and ``encoding`` are used.

        Args:
            format: The output format, e.g. "svg" or "png"; None for the
                diagram's own format (svg if it has none).
            renderer: Ignored.
            formatter: Ignored.
            neato_no_op: Ignored.
            quiet: Ignored.
            engine: Ignored.
            encoding: Decode the output with this encoding; None returns bytes.

        Returns:
            The rendered diagram: bytes, or str if encoding is given.

        Raises:
            RenderError: If rendering fails (see `render`).

        Example:
            >>> from micrograd_like import Value
            >>> svg = draw_dot(Value(1.5, label="x")).pipe("svg", encoding="utf-8")
            >>> "<svg" in svg
            True
        """
        data = render(self.source, format or self.format or "svg")
        return data.decode(encoding) if encoding is not None else data

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Writes the diagram to path, in the format its suffix names.

        .svg, .png, .pdf and .dot (or .gv) write the diagram; .html writes
        `explorable` of the value `draw_dot` drew, a page that steps through its
        forward and backward passes. The file is written whole or not at all
        (`micrograd_like.files.write_atomic`): a failed or interrupted save
        leaves any old file as it was. A path in a missing directory, or a
        directory, is refused before rendering.

        Args:
            path: The file to write; its suffix names the format.

        Returns:
            The path written, as a Path.

        Raises:
            ValueError: If the suffix is not one of those, or .html for a
                diagram that `draw_dot` did not draw.
            RenderError: If rendering fails.
            GraphTooLargeError: For .html, if the graph is too large to draw
                in the compact style.
            OSError: If path cannot be written: its directory is missing or
                read-only, or path is a directory. Nothing is written then.

        Example:
            >>> from micrograd_like import Value
            >>> diagram = draw_dot(Value(2.0, label="a") * Value(-3.0, label="b"))
            >>> diagram.save("product.txt")  # doctest: +ELLIPSIS
            Traceback (most recent call last):
            ...
            ValueError: save: cannot tell the format from 'product.txt'; use .svg, ...
        """
        target = Path(path)
        fmt = target.suffix.lower().lstrip(".")
        if fmt not in ("dot", "gv", "svg", "png", "pdf", "html"):
            raise ValueError(
                f"save: cannot tell the format from {target.name!r}; "
                "use .svg, .png, .pdf, .dot or .html"
            )
        if fmt == "html" and self.root is None:
            raise ValueError(
                f"save: {target.name!r}: only a diagram that draw_dot drew can be saved as a "
                "page (it steps through that graph); save this one as .svg"
            )
        # Rendering may take a while: a target that cannot be written fails first.
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "save: the path is a directory", str(target))
        if not target.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, "save: no such directory", str(target.parent))
        data: str | bytes
        if fmt == "html":
            assert self.root is not None  # refused above
            named = {name: value for value, name in self.params.items() if name}
            data = explorable(
                self.root, named if len(named) == len(self.params) else list(self.params)
            )
        else:
            data = self.source if fmt in ("dot", "gv") else render(self.source, fmt)
        return write_atomic(target, data)


# ---------------------------------------------------------------------------
# Drawing.
# ---------------------------------------------------------------------------

# The palette, public so that tests and lessons can name the colours they look for.
ROLE_COLOURS = {
    "parameter": "#fde68a",
    "input": "#bfdbfe",
    "constant": "#e5e7eb",
    "intermediate": "#ffffff",
    "output": "#bbf7d0",
}
# Tints for |grad| / max |grad| in four steps, positive then negative.
POSITIVE_TINTS = ("#eff6ff", "#dbeafe", "#93c5fd", "#60a5fa")
NEGATIVE_TINTS = ("#fef2f2", "#fee2e2", "#fca5a5", "#f87171")
NOT_COMPUTED_COLOUR = "#f3f4f6"
HIGHLIGHT_COLOUR = "#dc2626"
# draw_dot(color="magnitude"): one colour per decade, the largest first, from ColorBrewer's
# sequential PuBu (colour-blind safe); the last is for 7 decades below the largest and lower.
MAGNITUDE_COLOURS = (
    "#023858",
    "#045a8d",
    "#0570b0",
    "#3690c0",
    "#74a9cf",
    "#a6bddb",
    "#d0d1e6",
    "#ece7f2",
)
MAGNITUDE_ZERO_COLOUR = "#bdbdbd"  # an edge that passes exactly 0 (a dead ReLU), dashed


@dataclass(frozen=True)
class _Style:
    precision: int
    local_grads: bool
    grad_of: Callable[[Value], float | None]
    passed_on: Callable[[Value], bool]  # has this node handed its grad to its inputs yet?
    highlight: Value | None
    params: Mapping[Value, str]
    root: Value
    # backprop_steps: the highlighted operation is the running step, its edges red once it
    # has passed its grad on; draw_dot's highlight= only outlines the box.
    running_step: bool = True
    blank: bool = False  # a worksheet's diagram: the data of operations and every grad empty
    # color="magnitude": d(root)/d(node) for every node, and the decade of the largest edge
    path_grads: Mapping[Value, float] | None = None
    top_decade: int = 0
    # tangents=: each node's forward-mode tangent d(node)/d(input), shown beside its grad.
    tangent_of: Callable[[Value], float] | None = None
    tangent_name: str = ""


def number_text(x: float, precision: int = 4) -> str:
    """A number as the diagrams show it, to ``precision`` significant digits.

    Args:
        x: The number.
        precision: How many significant digits to show.

    Returns:
        The number as text, in ``%g`` style; -0.0 shows as 0.

    Example:
        >>> number_text(2 / 3), number_text(2 / 3, precision=2), number_text(-0.0)
        ('0.6667', '0.67', '0')
    """
    return f"{x + 0.0:.{precision}g}"  # + 0.0 turns -0.0 into 0.0


BLANK_WIDTH = 84
"""The width, in points, of a blank data or grad cell of ``draw_dot(blank=True)``: room to write."""


def _blank_cell(name: str, attrs: str = "") -> str:
    """An empty cell to write a number in, named in small grey type at its left."""
    return (
        f'<td{attrs} width="{BLANK_WIDTH}" height="24" align="left">'
        f'<font color="#6b7280" point-size="8">{name}</font></td>'
    )


def _role(node: Value, style: _Style) -> str:
    if node is style.root:
        return "output"
    if node.inputs:
        return "intermediate"
    if node in style.params:
        return "parameter"
    return "input" if node.label else "constant"


def largest_grad(grads: Iterable[float | None]) -> float:
    """The largest finite size among grads (None: not computed), the scale of `grad_colour`.

    Args:
        grads: The gradients a diagram shows.

    Returns:
        The largest ``abs(g)`` of the finite ones; 0.0 if there is none.

    Example:
        >>> largest_grad([0.5, None, -2.0, float("inf")])
        2.0
    """
    return max((abs(g) for g in grads if g is not None and math.isfinite(g)), default=0.0)


def grad_colour(grad: float, largest: float) -> str:
    """The fill of a grad cell: blue for positive, red for negative, darker when larger.

    Args:
        grad: The gradient shown.
        largest: The largest absolute gradient in the diagram, for the scale.

    Returns:
        One of `POSITIVE_TINTS` or `NEGATIVE_TINTS`: the lightest for
        |grad| up to a quarter of largest, the darkest above three quarters;
        white for a grad of 0, a largest of 0, or a grad that is not finite.

    Example:
        >>> grad_colour(-2.0, largest=2.0) == NEGATIVE_TINTS[-1]
        True
        >>> grad_colour(0.1, largest=2.0) == POSITIVE_TINTS[0]
        True
        >>> grad_colour(0.0, largest=2.0)
        '#ffffff'
    """
    if not math.isfinite(grad) or largest == 0 or grad == 0:
        return "#ffffff"
    # The ratio first: it is at most 1, where 4 * |grad| overflows past about 4.5e307.
    level = min(3, int(4 * (abs(grad) / largest) - 1e-12))
    return (POSITIVE_TINTS if grad > 0 else NEGATIVE_TINTS)[level]


def _value_label(
    node: Value,
    role: str,
    grad: float | None,
    largest: float,
    style: _Style,
    group: str = "",
    note: str = "",
) -> str:
    param_name = style.params.get(node, "")
    if group and param_name.startswith(group + "."):
        param_name = param_name[len(group) + 1 :]  # inside its neuron's cluster, "w.0" says it
    name = node.label or param_name or ("const" if role == "constant" else "")
    cells = []
    if name:
        cells.append(f'<td bgcolor="{ROLE_COLOURS[role]}"><b>{escape(name)}</b></td>')
    if style.blank and node.inputs:
        cells.append(_blank_cell("data"))
    else:
        cells.append(f"<td>data {number_text(node.data, style.precision)}</td>")
    if style.blank:
        cells.append(_blank_cell("grad"))
    elif grad is None:
        cells.append(f'<td bgcolor="{NOT_COMPUTED_COLOUR}"><i>grad not computed</i></td>')
    else:
        shown = number_text(grad, style.precision)
        cells.append(f'<td bgcolor="{grad_colour(grad, largest)}">grad {shown}</td>')
    if style.tangent_of is not None:
        cells.append(_tangent_cell(node, style))
    if note:
        cells.append(f"<td><i>{escape(note)}</i></td>")
    return (
        '<<table border="0" cellborder="1" cellspacing="0" cellpadding="4"><tr>'
        + "".join(cells)
        + "</tr></table>>"
    )


@dataclass(frozen=True)
class _Grouping:
    """Which module each value belongs to, for clusters, and which modules are boxes."""

    path_of: Mapping[Value, str]  # the innermost module path of each grouped value
    titles: Mapping[str, str]  # module path -> cluster title
    parent: Mapping[str, str | None]  # module path -> the path of the module holding it
    collapsed: frozenset[str] = frozenset()  # paths drawn as one box each
    cluster_style: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)
    # collapsed path -> the module whose one node draws it as a row (a neuron -> its layer):
    # Graphviz's dot orders separate boxes by crossing minimisation, a table's rows stay put.
    rows: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def chain(self, path: str) -> list[str]:
        """The module paths from the outermost module down to path itself."""
        chain = [path]
        while (up := self.parent.get(chain[-1])) is not None:
            chain.append(up)
        return chain[::-1]

    def box_of(self, node: Value) -> str | None:
        """The collapsed module containing node, if any (the outermost one)."""
        path = self.path_of.get(node)
        if path is None or not self.collapsed:
            return None
        return next((p for p in self.chain(path) if p in self.collapsed), None)


_NO_GROUPS = _Grouping({}, {}, {})


def _path_key(path: str) -> tuple[tuple[int, int, str], ...]:
    """Sorts module paths with their numbers as numbers: neurons.2 before neurons.10."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in path.split("."))


def _rows_label(title: str, rows: list[str]) -> str:
    """An HTML table: the module's title, then one row per box, each with its port nK."""
    cells = "".join(
        f'<tr><td port="n{k}" bgcolor="#ede9fe" align="left">{escape(row)}</td></tr>'
        for k, row in enumerate(rows)
    )
    return (
        '<<table border="1" cellborder="1" cellspacing="0" cellpadding="4" color="#6b7280">'
        f'<tr><td bgcolor="#ddd6fe"><b>{escape(title)}</b></td></tr>{cells}</table>>'
    )


def _cluster_id(path: str) -> str:
    return "cluster_" + ("model" if path == "" else re.sub(r"\W", "_", path))


def _draw(
    root: Value,
    order: list[Value],
    style: _Style,
    caption: str = "",
    grouping: _Grouping = _NO_GROUPS,
) -> Diagram:
    dot = Diagram(
        graph_attr={"rankdir": "LR", "fontname": "Helvetica", "fontsize": "11"},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        # decorate: a line ties each label to its own edge; where edges meet at a
        # value, a label between two of them could otherwise be read as either's.
        edge_attr={
            "fontname": "Helvetica",
            "fontsize": "9",
            "color": "#4b5563",
            "decorate": "true",
        },
    )
    if caption:
        dot.attr(label=caption, labelloc="t")
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    grads = {node: style.grad_of(node) for node in order}
    largest = largest_grad(grads.values())
    contributions = {
        (node, k): g * local
        for node in order
        if (g := grads[node]) is not None
        and style.passed_on(node)
        and (known := node.local_grads) is not None
        for k, local in enumerate(known)
    }
    largest_contribution = max(
        (abs(c) for c in contributions.values() if math.isfinite(c)), default=0
    )

    clusters: dict[str, graphviz.Digraph] = {}

    def container(path: str | None) -> graphviz.Digraph:
        if path is None:
            return dot
        for prefix in grouping.chain(path):
            if prefix not in clusters:
                cluster = graphviz.Digraph(name=_cluster_id(prefix))
                attrs = {"style": "rounded", "color": "#9ca3af", "fontcolor": "#374151"}
                attrs.update(grouping.cluster_style.get(prefix, {}))
                cluster.attr(label=escape(grouping.titles.get(prefix, prefix)), **attrs)
                clusters[prefix] = cluster
        return clusters[path]

    boxes: dict[str, str] = {}  # collapsed module path -> its node id
    box_edges: set[tuple[str, str]] = set()
    box_edge_list: list[tuple[str, str]] = []

    # The boxes drawn as rows of one node, by that node's path, in index order.
    row_boxes: dict[str, list[str]] = {}
    held_boxes = {b for node in order if (b := grouping.box_of(node)) is not None}
    for box in sorted(held_boxes & grouping.rows.keys(), key=_path_key):
        row_boxes.setdefault(grouping.rows[box], []).append(box)

    for holder, held in row_boxes.items():  # in index order: layers.0 before layers.1
        boxes[holder] = f"m_{_cluster_id(holder)[8:]}"
        prefix = f"{holder}." if holder else ""
        titles = [grouping.titles.get(b, b).removeprefix(prefix) for b in held]
        container(grouping.parent.get(holder)).node(
            boxes[holder], _rows_label(grouping.titles.get(holder, holder), titles), shape="plain"
        )

    def endpoint(node: Value) -> str:
        """The id an edge meets node at: its own, its box's, or its row's (holder:nK)."""
        box = grouping.box_of(node)
        if box is None:
            return ids[node]
        holder = grouping.rows.get(box)
        if holder is not None:
            return f"{boxes[holder]}:n{row_boxes[holder].index(box)}"
        if box not in boxes:
            boxes[box] = f"m_{_cluster_id(box)[8:]}"
            container(grouping.parent.get(box)).node(
                boxes[box],
                escape(grouping.titles.get(box, box)),
                shape="box3d",
                style="filled",
                fillcolor="#ede9fe",
            )
        return boxes[box]

    def out_of(tail: str) -> str:
        return f"{tail}:e" if ":" in tail else tail

    def box_edge(tail: str, head: str) -> None:
        if tail == head:
            return  # inside one box
        tail, head = out_of(tail), f"{head}:w" if ":" in head else head
        if (tail, head) not in box_edges:
            box_edges.add((tail, head))
            box_edge_list.append((tail, head))

    uses = _use_counts(order, grouping.box_of)
    copied = {node for node, count in uses.items() if count > FANOUT_LIMIT}
    level = _levels([(node, node.inputs) for node in order])
    span = _span_limit(
        [(node, node.inputs) for node in order if grouping.box_of(node) is None], level
    )
    far = {
        child
        for node in order
        for child in node.inputs
        if level[node] - level[child] > span and grouping.box_of(child) is None
    }
    copies_made: dict[Value, int] = {}

    def use_of(child: Value, target: graphviz.Digraph, user: Value) -> str:
        """The node an edge from child to user starts at: child's box, or a copy of it."""
        if grouping.box_of(child) is not None:
            return out_of(endpoint(child))
        if child not in copied and level[user] - level[child] <= span:
            return endpoint(child)
        copy = copies_made.get(child, 0)
        copies_made[child] = copy + 1
        copy_id = f"{ids[child]}_use{copy}"
        note = f"same value, {_count_uses(uses[child])}"
        label = _value_label(child, _role(child, style), grads[child], largest, style, "", note)
        target.node(copy_id, label, shape="box", style="dashed", margin="0", color="#6b7280")
        return copy_id

    for node in order:
        if grouping.box_of(node) is not None:
            here = endpoint(node)
            for child in node.inputs:
                box_edge(endpoint(child), here)
            continue
        if node in copied and not node.inputs:
            continue  # a leaf feeding many operations is drawn at each of them instead
        target = container(grouping.path_of.get(node))
        role = _role(node, style)
        highlighted = node is style.highlight
        # The seed frame outlines the root's box; its operation and edges turn red only once
        # that operation has run and passed its grad on.
        running = highlighted and style.running_step and style.passed_on(node)
        attrs = {"shape": "plain"}
        if role == "output" or highlighted:
            attrs = {"shape": "box", "style": "rounded", "margin": "0.02"}
            attrs["color"] = HIGHLIGHT_COLOUR if highlighted else "#15803d"
            attrs["penwidth"] = "2.5"
        label = _value_label(
            node,
            role,
            grads[node],
            largest,
            style,
            grouping.path_of.get(node, ""),
            f"{_count_uses(uses[node])}: dashed copies" if node in copied | far else "",
        )
        target.node(ids[node], label, **attrs)
        if not node.inputs:
            continue
        op_id = f"{ids[node]}_op"
        target.node(
            op_id,
            escape(node.op) or "?",
            shape="circle",
            width="0.3",
            style="filled",
            fillcolor="#fecaca" if running else "#f9fafb",
        )
        dot.edge(op_id, ids[node])
        # A node built by hand (micrograd's Value(data, children, op)) has no rule to show.
        locals_ = node.local_grads
        for k, child in enumerate(node.inputs):
            edge: dict[str, str] = {}
            if style.local_grads:
                shown = "?" if locals_ is None else number_text(locals_[k], style.precision)
                lines = [f"local {shown}"]
                if (node, k) in contributions:
                    lines.append(f"passes {number_text(contributions[node, k], style.precision)}")
                edge["label"] = "\n".join(lines)
            contribution = contributions.get((node, k))
            if (
                contribution is not None
                and largest_contribution > 0
                and math.isfinite(contribution)
            ):
                ratio = abs(contribution) / largest_contribution  # at most 1: no overflow
                edge["penwidth"] = f"{1 + 3 * ratio:.2f}"
            if style.path_grads is not None and locals_ is not None:
                edge.update(_magnitude_edge(style, node, locals_[k]))
            if running:
                edge["color"] = HIGHLIGHT_COLOUR
            dot.edge(use_of(child, target, node), op_id, **edge)

    for tail, head in box_edge_list:
        dot.edge(tail, head)
    # Nest the clusters, innermost first, then hang the outermost on the diagram.
    for path in sorted(clusters, key=lambda p: (-len(grouping.chain(p)), _path_key(p))):
        parent = grouping.parent.get(path)
        (clusters[parent] if parent is not None else dot).subgraph(clusters[path])
    return dot


# ---------------------------------------------------------------------------
# The compact style: an operation drawn inside the value it makes.
# ---------------------------------------------------------------------------

# The times sign and the Greek sigma, escaped so that they cannot be mistaken for x and o.
_BADGES = {"*": "\u00d7", "sigmoid": "\u03c3"}  # every other op is its own badge: +, tanh, **2


@dataclass(frozen=True)
class _Edge:
    """One edge into a compact node: from source, with d(node)/d(source) along it."""

    source: Value
    local: float | None  # None for a node built by hand: it has no rule to show
    via: Value  # the operation source is an input of: inside a Σ, one of its + or * nodes


@dataclass(frozen=True)
class _CompactNode:
    """A drawn value of the compact style, with its badge and its incoming edges."""

    value: Value
    badge: str
    edges: tuple[_Edge, ...]
    members: frozenset[Value]  # the nodes it stands for (a Σ: the chain's + and * nodes)


def _is_constant(node: Value, params: Mapping[Value, str]) -> bool:
    return not node.inputs and not node.label and node not in params


def _times(factor: float | None, local: float | None) -> float | None:
    return None if factor is None or local is None else factor * local


def _weighted_sum(
    node: Value, uses: Mapping[Value, int], params: Mapping[Value, str]
) -> _CompactNode | None:
    """The value as one Σ node, if it is a sum of products ``b + w1*x1 + w2*x2 + ...``.

    The sum's inner ``+`` and ``*`` nodes are taken in only when nothing else uses
    them and they have no label of their own; each edge's local derivative is the
    product of the local derivatives on its path (1 through every built-in ``+``).
    """
    if node.op != "+":
        return None
    edges: list[_Edge] = []
    members = {node}
    products = 0
    constant_factor = False

    def private(inner: Value) -> bool:
        return uses[inner] == 1 and not inner.label

    def walk(plus: Value, factor: float | None) -> None:
        nonlocal products, constant_factor
        locals_ = plus.local_grads
        for k, child in enumerate(plus.inputs):
            through = _times(factor, None if locals_ is None else locals_[k])
            if child.op == "+" and private(child):
                members.add(child)
                walk(child, through)
            elif child.op == "*" and len(child.inputs) == 2 and private(child):
                members.add(child)
                products += 1
                inner = child.local_grads
                for j, operand in enumerate(child.inputs):
                    constant_factor |= _is_constant(operand, params)
                    edges.append(
                        _Edge(operand, _times(through, None if inner is None else inner[j]), child)
                    )
            else:
                edges.append(_Edge(child, through, plus))

    walk(node, 1.0)
    if products >= 2 or (products == 1 and not constant_factor):
        return _CompactNode(node, "Σ", tuple(edges), frozenset(members))
    return None


def _compact_nodes(
    order: list[Value], uses: Mapping[Value, int], params: Mapping[Value, str]
) -> list[_CompactNode]:
    """The values the compact style draws, root first, and what each one stands for."""
    drawn: list[_CompactNode] = []
    taken: set[Value] = set()
    for node in reversed(order):  # from the root down: a Σ claims its chain first
        if node in taken:
            continue
        if not node.inputs:
            drawn.append(_CompactNode(node, "", (), frozenset({node})))
            continue
        summed = _weighted_sum(node, uses, params)
        if summed is not None:
            taken |= summed.members
            drawn.append(summed)
            continue
        badge = _BADGES.get(node.op, node.op) or "?"
        locals_ = node.local_grads
        edges = []
        members = {node}
        for k, child in enumerate(node.inputs):
            local = None if locals_ is None else locals_[k]
            other = node.inputs[1 - k] if len(node.inputs) == 2 else None
            if (
                other is not None
                and not _is_constant(other, params)
                and uses[child] == 1
                and _is_constant(child, params)
            ):
                # A constant used once is part of the badge ("times -1", "+ 1"), not a box;
                # of two constants neither is, or the badge would read "times 2 3".
                number = number_text(child.data, 4)
                badge = f"{badge} {number}" if k == 1 or node.op in "*+" else f"{number} {badge}"
                members.add(child)
                taken.add(child)
                continue
            edges.append(_Edge(child, local, node))
        drawn.append(_CompactNode(node, badge, tuple(edges), frozenset(members)))
    return drawn


def _levels(inputs_of: Sequence[tuple[Value, Sequence[Value]]]) -> dict[Value, int]:
    """Each value's rank, about where dot's layout puts it.

    Args:
        inputs_of: Each drawn value with the values its edges come from, in
            topological order.

    Returns:
        An operation's rank is one past its inputs' highest; a leaf's is just
        before its first use, as dot's ranking moves it there.
    """
    level: dict[Value, int] = {}
    for node, sources in inputs_of:
        level[node] = 1 + max((level[source] for source in sources), default=-1)
    first_use: dict[Value, int] = {}
    for node, sources in inputs_of:
        for source in sources:
            first_use[source] = min(first_use.get(source, level[node]), level[node])
    for node, sources in inputs_of:
        if not sources and node in first_use:
            level[node] = first_use[node] - 1
    return level


def _span_limit(
    inputs_of: Sequence[tuple[Value, Sequence[Value]]], level: Mapping[Value, int]
) -> float:
    """How many ranks an edge may span before it starts at a copy of its value.

    Any number while the edges' spans add up to at most `SPAN_BUDGET`: a small
    graph keeps every value in one box. Past it, `SPAN_LIMIT`.
    """
    total = sum(level[node] - level[source] for node, sources in inputs_of for source in sources)
    return math.inf if total <= SPAN_BUDGET else SPAN_LIMIT


def _auto_rankdir(nodes: Sequence[_CompactNode]) -> str:
    """LR or TB, whichever makes the diagram's estimated shape fit a 16:9 slide better."""
    level = _levels([(item.value, [e.source for e in item.edges]) for item in reversed(nodes)])
    depth = max(level.values(), default=0) - min(level.values(), default=0) + 1
    widest = max((list(level.values()).count(v) for v in set(level.values())), default=1)
    box_width, box_height, label_gap = 90.0, 52.0, 40.0
    wide = max(depth * (box_width + label_gap) / 1280, widest * (box_height + 8) / 720)
    tall = max(widest * (box_width + 8) / 1280, depth * (box_height + label_gap) / 720)
    return "LR" if wide <= tall else "TB"


def _short_name(path: str) -> str:
    """A parameter's path, each name-and-index cut to letter-and-index: l0.n2.w1, l1.n0.b."""
    return re.sub(r"([A-Za-z_]+)\.(\d+)", lambda match: match[1][0] + match[2], path)


TANGENT_COLOUR = "#d1fae5"  # a tangent's cell: green, apart from the grads' blue and red


def _tangent_cell(node: Value, style: _Style, span: str = "") -> str:
    """A node's forward-mode tangent, as a cell beside its grad."""
    assert style.tangent_of is not None  # callers check it
    shown = number_text(style.tangent_of(node), style.precision)
    return f'<td{span} bgcolor="{TANGENT_COLOUR}">{escape(style.tangent_name)} {shown}</td>'


def _compact_label(
    node: Value,
    badge: str,
    role: str,
    grad: float | None,
    largest: float,
    style: _Style,
    note: str = "",
) -> str:
    name = node.label or _short_name(style.params.get(node, ""))
    name = name or ("const" if role == "constant" else "")
    top = []
    if badge:
        top.append(f'<td bgcolor="#ede9fe"><b>{escape(badge)}</b></td>')
    if name:
        top.append(f'<td bgcolor="{ROLE_COLOURS[role]}"><b>{escape(name)}</b></td>')
    if not top:  # an unlabelled leaf drawn alone, a formula like "3": a row needs a cell
        top.append(f'<td bgcolor="{ROLE_COLOURS[role]}"><b>value</b></td>')
    span = f' colspan="{len(top)}"' if len(top) > 1 else ""
    rows = ["<tr>" + "".join(top) + "</tr>"]
    if style.blank and node.inputs:
        rows.append(f"<tr>{_blank_cell('data', span)}</tr>")
    else:
        rows.append(f"<tr><td{span}>data {number_text(node.data, style.precision)}</td></tr>")
    if style.blank:
        rows.append(f"<tr>{_blank_cell('grad', span)}</tr>")
    elif grad is None:
        rows.append(f'<tr><td{span} bgcolor="{NOT_COMPUTED_COLOUR}"><i>no grad yet</i></td></tr>')
    else:
        tint = grad_colour(grad, largest)
        rows.append(
            f'<tr><td{span} bgcolor="{tint}">grad {number_text(grad, style.precision)}</td></tr>'
        )
    if style.tangent_of is not None:
        rows.append(f"<tr>{_tangent_cell(node, style, span)}</tr>")
    if note:
        rows.append(f"<tr><td{span}><i>{escape(note)}</i></td></tr>")
    return (
        '<<table border="0" cellborder="1" cellspacing="0" cellpadding="2">'
        + "".join(rows)
        + "</table>>"
    )


def _draw_compact(
    root: Value, order: list[Value], style: _Style, rankdir: str | None, caption: str = ""
) -> Diagram:
    uses = _use_counts(order, lambda node: None)
    nodes = _compact_nodes(order, uses, style.params)
    drawn_uses = dict.fromkeys((item.value for item in nodes), 0)
    for item in nodes:
        for e in item.edges:
            drawn_uses[e.source] += 1
    copied = {value for value, count in drawn_uses.items() if count > FANOUT_LIMIT}
    inputs_of = [(item.value, [e.source for e in item.edges]) for item in reversed(nodes)]
    level = _levels(inputs_of)
    span = _span_limit(inputs_of, level)
    far = {
        e.source for item in nodes for e in item.edges if level[item.value] - level[e.source] > span
    }
    direction = rankdir or _auto_rankdir(nodes)
    legend = (
        "write each value's data and grad in its box"
        if style.blank
        else "edge: local derivative d(out)/d(in)"
    )
    dot = Diagram(
        graph_attr={
            "rankdir": direction,
            "fontname": "Helvetica",
            "fontsize": "9",
            "nodesep": "0.18",
            "ranksep": "0.12",
            "label": f"{caption}\n{legend}" if caption else legend,
            "labelloc": "t" if caption else "b",
        },
        node_attr={"fontname": "Helvetica", "fontsize": "10"},
        edge_attr={
            "fontname": "Helvetica",
            "fontsize": "9",
            "color": "#4b5563",
            "decorate": "true",  # as in the full style: each label tied to its edge
            "arrowsize": "0.6",
        },
    )
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    grads = {node: style.grad_of(node) for node in order}
    largest = largest_grad(grads.values())
    shown: dict[Value, list[str]] = {}  # the nodes that show each value: its box, its copies
    passes_along: dict[Value, list[str]] = {}  # the edges each operation passes grad along

    def use_of(source: Value, user: Value) -> str:
        if source not in copied and level[user] - level[source] <= span:
            return ids[source]
        copy_id = f"{ids[source]}_use{sum(1 for id_ in shown.get(source, ()) if '_use' in id_)}"
        shown.setdefault(source, []).append(copy_id)
        badge = next((item.badge for item in nodes if item.value is source), "")
        label = _compact_label(
            source,
            badge if source.inputs else "",
            _role(source, style),
            grads[source],
            largest,
            style,
            f"same value, {_count_uses(drawn_uses[source])}",
        )
        dot.node(
            copy_id, label, id=copy_id, shape="box", style="dashed", margin="0", color="#6b7280"
        )
        return copy_id

    for item in reversed(nodes):  # leaves and inputs first: ids and lines in topological order
        node = item.value
        if node in copied and not node.inputs:
            continue  # a leaf feeding many operations is drawn at each of them instead
        highlighted = style.highlight is not None and style.highlight in item.members
        role = _role(node, style)
        attrs = {"shape": "plain"}
        if role == "output" or highlighted:
            attrs = {"shape": "box", "style": "rounded", "margin": "0.02"}
            attrs["color"] = HIGHLIGHT_COLOUR if highlighted else "#15803d"
            attrs["penwidth"] = "2.5"
        note = f"{_count_uses(drawn_uses[node])}: dashed copies" if node in copied | far else ""
        label = _compact_label(node, item.badge, role, grads[node], largest, style, note)
        dot.node(ids[node], label, id=ids[node], **attrs)
        shown.setdefault(node, []).insert(0, ids[node])
        for k, e in enumerate(item.edges):
            edge = {"id": f"{ids[node]}_in{k}"}
            passes_along.setdefault(e.via, []).append(edge["id"])
            if style.local_grads:
                edge["label"] = "?" if e.local is None else number_text(e.local, style.precision)
            if style.path_grads is not None and e.local is not None:
                edge.update(_magnitude_edge(style, node, e.local))
            # The running step's grad passes along it.
            if e.via is style.highlight and style.running_step and style.passed_on(e.via):
                edge["color"] = HIGHLIGHT_COLOUR
            dot.edge(use_of(e.source, node), ids[node], **edge)
    dot.drawn = MappingProxyType(
        {
            member: DrawnValue(
                tuple(shown.get(member, ())), item.value, tuple(passes_along.get(member, ()))
            )
            for item in nodes
            for member in item.members
        }
    )
    return dot


def _count_uses(count: int) -> str:
    return "1 use" if count == 1 else f"{count} uses"


def _use_counts(order: list[Value], box_of: Callable[[Value], str | None]) -> dict[Value, int]:
    """How many operation inputs each value is, counting only operations drawn one by one."""
    uses = dict.fromkeys(order, 0)
    for node in order:
        if box_of(node) is None:
            for child in node.inputs:
                uses[child] += 1
    return uses


def _pass_grouping(order: list[Value], forward: Value) -> _Grouping:
    """Forward-pass nodes in one cluster, the nodes create_graph added in another."""
    in_forward = set(_graph_order(forward))
    path_of = {node: "forward" if node in in_forward else "backward" for node in order}
    return _Grouping(
        path_of,
        {"forward": "forward pass", "backward": "backward pass, recorded by create_graph=True"},
        {"forward": None, "backward": None},
        cluster_style={"backward": {"style": "dashed,rounded", "color": "#7c3aed"}},
    )


_INPUTS = "inputs"  # the box that gathers a collapsed diagram's input values


def _module_grouping(
    order: list[Value],
    model: Module,
    calls: Sequence[ModuleCall],
    collapse: str | type[Module] | None,
) -> _Grouping:
    """Assigns each value to the innermost module (or loss function) call that computed it."""
    modules = model.named_modules()
    paths = {id(module): path for path, module in modules}
    parent: dict[str, str | None] = {"": None}
    for path, module in modules:
        for name, _ in module.named_children():
            parent[f"{path}.{name}" if path else name] = path

    def path_of_call(call: ModuleCall) -> str | None:
        if call.module is None:
            return f"{call.name}()"  # a loss function: a group of its own, at the top
        return paths.get(id(call.module))

    known: list[tuple[ModuleCall, str]] = []
    for call in calls:
        call_path = path_of_call(call)
        if call_path is not None:
            known.append((call, call_path))
            parent.setdefault(call_path, None)
    chains = _Grouping({}, {}, parent)
    in_graph = set(order)
    path_of: dict[Value, str] = {}
    # Outer calls first, so that the calls nested in them overwrite their claim.
    for call, path in sorted(known, key=lambda item: len(chains.chain(item[1]))):
        stop = set(call.inputs)
        stack = [v for v in call.outputs if v in in_graph]
        seen = set(stack)
        while stack:
            node = stack.pop()
            path_of[node] = path
            for child in node.inputs:
                if child not in seen and child not in stop:
                    seen.add(child)
                    stack.append(child)

    counts: dict[str, int] = {}
    for _, path in known:
        counts[path] = counts.get(path, 0) + 1
    titles = {}
    for path, module in modules:
        kind = type(module).__name__
        summary = repr(module) if kind == "Neuron" else kind
        calls_note = f", {counts[path]} calls" if counts.get(path, 0) > 1 else ""
        titles[path] = f"{path or 'model'}: {summary}{calls_note}"
    for call, path in known:
        if call.module is None:
            calls_note = f", {counts[path]} calls" if counts[path] > 1 else ""
            titles[path] = f"{call.name}(...){calls_note}"

    if collapse is None:
        return _Grouping(path_of, titles, parent)
    boxed = _collapse_kind(collapse)
    collapsed = {path for path, module in modules if isinstance(module, boxed)}
    collapsed |= {path for call, path in known if call.module is None}
    grouping = _Grouping(path_of, titles, parent, frozenset(collapsed))
    # Leaves that feed only boxes (a batch's input values) go into one box too.
    consumers: dict[Value, list[Value]] = {}
    for node in order:
        for child in node.inputs:
            consumers.setdefault(child, []).append(node)
    gathered = [
        node
        for node in order
        if not node.inputs
        and node not in path_of
        and node in consumers
        and all(grouping.box_of(c) is not None for c in consumers[node])
    ]
    if len(gathered) > 1:
        path_of.update(dict.fromkeys(gathered, _INPUTS))
        parent[_INPUTS] = None
        titles[_INPUTS] = f"{len(gathered)} input values"
        collapsed.add(_INPUTS)
    # Neurons collapsed to boxes become rows of one node per layer, drawn in index order.
    by_path = dict(modules)
    rows = {
        path: up
        for path in collapsed
        if isinstance(by_path.get(path), Neuron)
        and (up := parent.get(path)) is not None
        and isinstance(by_path.get(up), Layer)
    }
    return _Grouping(path_of, titles, parent, frozenset(collapsed), rows=rows)


def _collapse_kind(collapse: str | type[Module]) -> type[Module]:
    if isinstance(collapse, type) and issubclass(collapse, Module):
        return collapse
    kinds: dict[str, type[Module]] = {"neuron": Neuron, "layer": Layer}
    if collapse not in kinds:
        raise ValueError(
            f"draw_dot: collapse must be 'neuron', 'layer' or a Module class, got {collapse!r}"
        )
    return kinds[collapse]


def _param_names(params: Iterable[Value] | Mapping[str, Value] | None) -> dict[Value, str]:
    if params is None:
        return {}
    if isinstance(params, Mapping):
        return {p: name for name, p in params.items()}
    return dict.fromkeys(params, "")


def _graph_order(root: Value) -> list[Value]:
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__}")
    return topological_order(root)


def _drawn_count(order: list[Value], grouping: _Grouping) -> int:
    """How many records and boxes a diagram of order with this grouping has."""
    boxes = {grouping.box_of(node) for node in order}
    return sum(1 for node in order if grouping.box_of(node) is None) + len(boxes - {None})


_OUTSIDE = "outside"  # the box that gathers the values no recorded call made


def _gather_outside(order: list[Value], grouping: _Grouping, root: Value) -> _Grouping:
    """Every value of no recorded call but root (a loss written by hand) in one box."""
    outside = [node for node in order if node is not root and node not in grouping.path_of]
    if len(outside) < 2:
        return grouping
    operations = sum(1 for node in outside if node.inputs)
    constants = sum(1 for node in outside if not node.inputs and not node.label)
    kinds = [
        f"{count:,} {kind}"
        for count, kind in [
            (operations, "operations"),
            (constants, "constants"),
            (len(outside) - operations - constants, "inputs"),
        ]
        if count
    ]
    title = f"{len(outside):,} values outside the model: {', '.join(kinds)}"
    return _Grouping(
        {**grouping.path_of, **dict.fromkeys(outside, _OUTSIDE)},
        {**grouping.titles, _OUTSIDE: title},
        {**grouping.parent, _OUTSIDE: None},
        grouping.collapsed | {_OUTSIDE},
        grouping.cluster_style,
    )


def _check_size(
    who: str,
    order: list[Value],
    grouping: _Grouping,
    max_nodes: int | None,
    advice: Callable[[], str],
) -> None:
    """Raises GraphTooLargeError, with advice(), if more than max_nodes would be drawn."""
    if max_nodes is None:
        return
    drawn = _drawn_count(order, grouping)
    if drawn > max_nodes:
        raise GraphTooLargeError(
            f"{who}: the graph has {drawn:,} values to draw, more than "
            f"max_nodes={max_nodes:,}. {advice()}"
        )


def _advice(
    order: list[Value],
    grouping: _Grouping,
    calls: Sequence[ModuleCall] | None,
    collapse: str | type[Module] | None,
) -> str:
    """What would make draw_dot's diagram fit, given what is already in use."""
    larger = "pass a larger max_nodes (None draws any size)"
    if calls is None:
        return (
            "Draw a smaller part of it (one sample's loss); or group it by module and collapse "
            "each layer into a box: compute it inside nn.record_calls() as calls, then "
            f"draw_dot(loss, model=model, calls=calls, collapse='layer'); or {larger}"
        )
    if collapse is None:
        outside = sum(1 for node in order if node not in grouping.path_of)
        return (
            f"{outside:,} of them {'is' if outside == 1 else 'are'} outside any recorded call. "
            f"Collapse each layer or neuron into a box (collapse='layer' or collapse='neuron'), "
            f"or {larger}"
        )
    boxes = len({grouping.box_of(node) for node in order} - {None})
    if collapse == "neuron":  # each neuron is a row of its layer's node, and takes a box's room
        fewer = "collapse='layer' draws fewer"
        return f"Collapsed, it still has {boxes:,} neuron rows: {fewer}, or {larger}"
    return f"Collapsed, it still has {boxes:,} boxes: {larger}"


def _reached(node: Value) -> bool:
    return node.grad_computed


def _real_grad(node: Value) -> float | None:
    return node.grad if node.grad_computed else None


def _nothing(node: Value) -> float | None:
    return None


def _never(node: Value) -> bool:
    return False


def _edge_magnitude(path_grads: Mapping[Value, float], node: Value, local: float) -> float:
    """|d root/d node| x |local|: what an edge into node's operation passes to its input."""
    return abs(path_grads.get(node, 0.0)) * abs(local)


def _top_decade(path_grads: Mapping[Value, float], order: list[Value]) -> int:
    """The decade of the largest finite edge magnitude of the graph (0 if all are 0)."""
    largest = max(
        (
            m
            for node in order
            for local in node.local_grads or ()
            if math.isfinite(m := _edge_magnitude(path_grads, node, local))
        ),
        default=0.0,
    )
    return math.floor(math.log10(largest)) if largest > 0 else 0


def _magnitude_edge(style: _Style, node: Value, local: float) -> dict[str, str]:
    """The colour and width of an edge into node's operation, by its magnitude's decade."""
    assert style.path_grads is not None  # color="magnitude" only
    m = _edge_magnitude(style.path_grads, node, local)
    if m == 0:
        return {"color": MAGNITUDE_ZERO_COLOUR, "style": "dashed", "penwidth": "1"}
    if not math.isfinite(m):
        return {}  # drawn as any edge; its label says inf or nan
    level = min(len(MAGNITUDE_COLOURS) - 1, max(0, style.top_decade - math.floor(math.log10(m))))
    width = 3 - 2 * level / (len(MAGNITUDE_COLOURS) - 1)  # 3 points for the largest, 1 faint
    return {"color": MAGNITUDE_COLOURS[level], "penwidth": f"{width:.2f}"}


def _magnitude_legend(top: int, title: str) -> str:
    """The caption of a magnitude-coloured diagram: title, then one cell per decade."""
    last = len(MAGNITUDE_COLOURS) - 1
    cells = [
        f'<td bgcolor="{colour}"><font color="{"#ffffff" if k < 4 else "#111827"}">'
        f"{'below ' if k == last else ''}1e{top - k + (k == last)}</font></td>"
        for k, colour in enumerate(MAGNITUDE_COLOURS)
    ]
    cells.append(f'<td bgcolor="{MAGNITUDE_ZERO_COLOUR}">0 (dashed)</td>')
    heading = "".join(f"{escape(line)}<br/>" for line in title.splitlines() if line)
    return (
        f'<<table border="0" cellspacing="0" cellpadding="3"><tr><td colspan="{len(cells)}">'
        f"{heading}edge colour: |d root/d out| \u00d7 |d out/d in|, what the edge passes "
        f"back, by decade</td></tr><tr>{''.join(cells)}</tr></table>>"
    )


def draw_dot(
    root: Value,
    rankdir: str | None = None,
    *,
    compact: bool = False,
    params: Iterable[Value] | Mapping[str, Value] | None = None,
    model: Module | None = None,
    calls: Sequence[ModuleCall] | None = None,
    collapse: str | type[Module] | None = None,
    forward: Value | None = None,
    local_grads: bool = True,
    precision: int = 4,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    highlight: Value | None = None,
    blank: bool = False,
    color: str | None = None,
    tangents: Value | Mapping[Value, float] | None = None,
) -> Diagram:
    """Draws the computation graph below root.

    Args:
        root: The value whose graph to draw, usually a loss.
        rankdir: Graphviz's layout direction: "LR" (left to right) or "TB".
            By default LR; in the compact style, whichever fits a 16:9 slide better.
        compact: Draw each operation inside the value it makes, as a badge
            (times, +, sigma, tanh, ...), and each weighted sum ``b + w1*x1 + ...`` as
            one Σ node; boxes are stacked (label, data, grad) and each edge
            carries its local derivative, so the diagram fits a slide. Not
            with ``calls`` or ``forward``.
        params: The model's parameters (or a name-to-parameter mapping), to
            colour them apart from inputs; leaves without a label count as
            constants.
        model: The model whose parameters these are; its parameters are then
            named and coloured without ``params``.
        calls: The module calls recorded by `micrograd_like.nn.record_calls`
            while root was computed; with ``model``, the diagram groups the
            values into clusters, one per layer and per neuron.
        collapse: With calls, draw every module of this kind as one box:
            "neuron", "layer", or a Module class. This is how a big network's
            graph fits on a page. With "neuron", a layer's neurons are the rows
            of one node, top to bottom in index order.
        forward: For a gradient computed with ``create_graph=True``: the
            value it is the gradient of. Its graph is drawn as the forward
            pass, and every node the backward pass added apart from it.
        local_grads: Label each edge with the local derivative d(out)/d(in)
            and, once backward has run, the gradient it passes back.
        precision: Significant digits of every number shown.
        max_nodes: Refuse to draw more values (and boxes) than this; None
            lifts the limit. With ``collapse``, where the values that no
            recorded call made (a loss written by hand around the model)
            would be too many to draw one by one, they are drawn as one box
            instead, all but root.
        highlight: A value of the graph whose box to outline in
            `HIGHLIGHT_COLOUR`, e.g. the first node whose gradient is wrong.
            Only the box is marked; its edges and numbers are drawn as usual.
            In the compact style, a value drawn inside a Σ outlines the Σ.
        blank: Draw a worksheet's diagram, in either style: the labels,
            operations and edges, each leaf's data (the givens), and an empty
            cell, `BLANK_WIDTH` points wide, for every other data and for every
            grad. Edges carry no local derivatives, and no tint tells a
            gradient's sign: nothing of the answers is drawn, whether or not
            backward has run.
        color: "magnitude" colours every edge, in either style, by how much
            gradient flows along it from root: for an edge from x into the
            operation that makes y, ``|d root/d y| x |d y/d x|``, the gradient
            reaching y times the edge's local derivative, i.e. that edge's
            contribution to x's gradient (computed afresh from root with
            `micrograd_like.autograd.gradients`; no ``.grad`` is read or
            changed). In the compact style an edge into a Σ carries the product
            of the local derivatives inside it. The scale is logarithmic: one
            colour of `MAGNITUDE_COLOURS` per decade, darkest and widest for the
            decade of the largest edge, fainter and thinner each decade down,
            the faintest for 7 decades below it and less; an edge that passes
            exactly 0 (a ReLU that is off) is dashed in `MAGNITUDE_ZERO_COLOUR`.
            The caption lists the decades. Where a deep chain of sigmoids fades
            out is where its gradient vanishes. None (the default) draws edges
            grey.
        tangents: Forward mode beside reverse mode: an input Value (each box
            then shows its tangent d(node)/d(input), computed in one forward
            pass by `micrograd_like.autograd.tangents`, labelled "d/dx1"), or
            a mapping from Values to tangents of your own (labelled "tangent";
            a value without one shows 0).

    Returns:
        The diagram; in Jupyter it shows inline as SVG.

    Raises:
        GraphTooLargeError: If more than max_nodes would be drawn.
        TypeError: If root or highlight is not a Value.
        ValueError: If an argument is not valid, e.g. calls without model, or
            a highlight that is not in root's graph.

    Example:
        >>> from micrograd_like import Value
        >>> x, w = Value(0.5, label="x"), Value(-2.0, label="w")
        >>> y = x * w
        >>> y.label = "y"
        >>> sheet = draw_dot(y, blank=True)
        >>> "data 0.5" in sheet.source, "data -1" in sheet.source
        (True, False)
        >>> y.backward()
        >>> marked = draw_dot(y, highlight=w)
        >>> HIGHLIGHT_COLOUR in marked.source
        True
    """
    if rankdir is not None and rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be LR, TB, RL or BT, got {rankdir!r}")
    if not (isinstance(precision, int) and 1 <= precision <= 17):
        raise ValueError(f"draw_dot: precision must be an int from 1 to 17, got {precision!r}")
    if calls is not None and model is None:
        raise ValueError("draw_dot: calls need the model they were recorded from (model=...)")
    if collapse is not None and calls is None:
        raise ValueError("draw_dot: collapse needs the recorded calls (calls=..., model=...)")
    if forward is not None and calls is not None:
        raise ValueError("draw_dot: give forward= or calls=, not both")
    if compact and (calls is not None or forward is not None):
        raise ValueError(
            "draw_dot: compact=True draws no clusters; give it without calls or forward"
        )
    if color not in (None, "magnitude"):
        raise ValueError(f"draw_dot: color must be None or 'magnitude', got {color!r}")
    if color is not None and blank:
        raise ValueError("draw_dot: a blank worksheet shows no gradients; give color or blank")
    order = _graph_order(root)
    if highlight is not None and not isinstance(highlight, Value):
        raise TypeError(f"draw_dot: highlight must be a Value, got {type(highlight).__name__}")
    if highlight is not None and highlight not in set(order):
        raise ValueError(f"draw_dot: highlight {highlight!r} is not in root's graph")
    grouping = _NO_GROUPS
    if model is not None and calls is not None:
        grouping = _module_grouping(order, model, calls, collapse)
        too_many = max_nodes is not None and _drawn_count(order, grouping) > max_nodes
        if collapse is not None and too_many:
            grouping = _gather_outside(order, grouping, root)
    if forward is not None:
        grouping = _pass_grouping(order, forward)
    _check_size(
        "draw_dot",
        order,
        grouping,
        max_nodes,
        lambda: (
            _advice(order, grouping, calls, collapse)
            if forward is None
            else "Draw a smaller part of it, or pass a larger max_nodes (None draws any size)"
        ),
    )
    names = _param_names(
        params if params is not None or model is None else dict(model.named_parameters())
    )
    style = _Style(
        precision,
        local_grads and not blank,
        _nothing if blank else _real_grad,
        _never if blank else _reached,
        highlight,
        names,
        root,
        running_step=False,
        blank=blank,
    )
    if tangents is not None:
        if isinstance(tangents, Value):
            found = forward_tangents(root, tangents, [1.0])
            name = f"d/d{tangents.label or 'input'}"
        else:
            found, name = dict(tangents), "tangent"
        style = dataclasses.replace(
            style, tangent_of=lambda node: found.get(node, 0.0), tangent_name=name
        )
    if color == "magnitude":
        path_grads = gradients([root])
        style = dataclasses.replace(
            style, path_grads=path_grads, top_decade=_top_decade(path_grads, order)
        )
    if compact:
        dot = _draw_compact(root, order, style, rankdir)
    else:
        dot = _draw(root, order, style, grouping=grouping)
        dot.graph_attr["rankdir"] = rankdir or "LR"
    if style.path_grads is not None:
        dot.graph_attr["label"] = _magnitude_legend(
            style.top_decade, dot.graph_attr.get("label", "")
        )
        dot.graph_attr["labelloc"] = "b"
    dot.root, dot.params = root, MappingProxyType(names)
    return dot


def backprop_steps(
    root: Value,
    *,
    params: Iterable[Value] | Mapping[str, Value] | None = None,
    precision: int = 4,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    compact: bool = False,
) -> Iterator[Diagram]:
    """Yields one diagram per step of backpropagation from root.

    The first frame seeds d(root)/d(root) = 1. Each later frame processes one
    operation, in the order backward() does: it is highlighted, and its
    inputs' grads grow by (its grad) x (local derivative). Grads not reached
    yet show as "not computed". The real ``.grad`` fields are not touched:
    the frames compute their own gradients, as from a fresh zero_grad, with
    `micrograd_like.autograd.backward_steps`, before the first frame is yielded.

    Args:
        root: The value to backpropagate from.
        params: As for `draw_dot`.
        precision: As for `draw_dot`.
        max_nodes: As for `draw_dot`.
        compact: As for `draw_dot`; a Σ node is highlighted while any step
            inside its sum is processed.

    Yields:
        The diagrams, one per step.

    Raises:
        TypeError: If root is not a Value (when the first frame is asked for).
        GraphTooLargeError: If the graph has more than max_nodes values.

    Example:
        >>> from micrograd_like import Value
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> c = a * b
        >>> c.label = "c"
        >>> frames = list(backprop_steps(c))
        >>> len(frames)  # the seed, then c's one operation
        2
        >>> "step 0 of 1: seed dc/dc = 1" in frames[0].source
        True
        >>> a.grad  # the frames computed their own gradients
        0
    """
    order = _graph_order(root)
    _check_size(
        "backprop_steps",
        order,
        _NO_GROUPS,
        max_nodes,
        lambda: "Step through a smaller part of it (one neuron), or pass a larger max_nodes",
    )
    names = _param_names(params)
    steps = backward_steps(root)
    total = len(steps) - 1
    for step, state in enumerate(steps):
        node = state.operation or root
        done = frozenset(s.operation for s in steps[1 : step + 1])
        style = _Style(precision, True, state.grads.get, done.__contains__, node, names, root)
        if step == 0:
            caption = f"step 0 of {total}: seed d{_name(root)}/d{_name(root)} = 1"
        else:
            made = f"{node.label} = {node.op}(...)" if node.label else f"an unlabelled {node.op}"
            passed = number_text(steps[step - 1].grads.get(node, 0.0), precision)
            caption = (
                f"step {step} of {total}: {made} passes grad {passed} x local derivative "
                f"to its inputs"
            )
        yield (
            _draw_compact(root, order, style, None, caption)
            if compact
            else _draw(root, order, style, caption)
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

    The page is `micrograd_like.pages.explorable`'s (see there); it is here
    beside the other views of a graph.

    Args:
        root: The value whose graph to step through, usually a loss.
        params: As for `draw_dot`.
        title: The page's title; by default it names root.
        precision: Significant digits of every number shown.
        max_nodes: As for `draw_dot`.

    Returns:
        The page's HTML source.

    Raises:
        GraphTooLargeError: If the graph has more than max_nodes values.
        RenderError: If the diagram cannot be rendered.

    Example:
        >>> from micrograd_like import Value
        >>> x, w = Value(0.5, label="x"), Value(-3.0, label="w")
        >>> page = explorable((x * w).tanh(), [w], title="One neuron")
        >>> page.startswith("<!DOCTYPE html>"), "One neuron" in page
        (True, True)
    """
    from micrograd_like.pages import explorable as page  # it needs this module: imported here

    return page(root, params, title=title, precision=precision, max_nodes=max_nodes)


def _name(node: Value) -> str:
    return node.label or "out"


class _SVGFrame:
    """An SVG string that Jupyter displays as an image."""

    def __init__(self, svg: str) -> None:
        self.svg = svg

    def _repr_svg_(self) -> str:
        return self.svg


def backprop_slider(root: Value, **kwargs: Any) -> Any:
    """A Jupyter slider over `backprop_steps` (needs ipywidgets).

    Args:
        root: The value to backpropagate from.
        **kwargs: Passed on to `backprop_steps`.

    Returns:
        What ``ipywidgets.interact`` returns: the function that shows a step,
        whose ``widget`` attribute is the slider's interactive widget. Every
        frame is rendered before it returns.

    Raises:
        ImportError: If ipywidgets is not installed; the message names the fix.
        RenderError: If a frame cannot be rendered.
        GraphTooLargeError: If the graph has more values than max_nodes.

    Example:
        >>> import contextlib, io
        >>> from micrograd_like import Value
        >>> c = Value(2.0, label="a") * Value(-3.0, label="b")
        >>> with contextlib.redirect_stdout(io.StringIO()):  # outside Jupyter it prints text
        ...     slider = backprop_slider(c)
        >>> slider.widget.children[0].max  # the last step
        1
    """
    try:
        import ipywidgets
    except ImportError as error:
        raise ImportError(
            "backprop_slider needs ipywidgets: pip install 'micrograd_like[notebooks]'"
        ) from error
    frames = [
        _SVGFrame(render(frame.source, "svg").decode("utf-8"))
        for frame in backprop_steps(root, **kwargs)
    ]

    def show(step: int) -> _SVGFrame:
        return frames[step]

    slider = ipywidgets.IntSlider(min=0, max=len(frames) - 1, value=0, description="step")
    return ipywidgets.interact(show, step=slider)


def value_mimebundle(
    value: Value, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
) -> dict[str, str]:
    """Jupyter's view of a Value: an SVG diagram if its graph is small, and its repr.

    Never raises: without a renderer, or for a big graph, only the text is given.
    The diagram is drawn only for a graph of at most `DISPLAY_MAX_NODES` values.

    Args:
        value: The value to show.
        include: The MIME types wanted; None for both.
        exclude: MIME types not wanted.

    Returns:
        A dict from MIME type to content: "text/plain" (the repr) always, and
        "image/svg+xml" when it is wanted and could be drawn.

    Example:
        >>> from micrograd_like import Value
        >>> value_mimebundle(Value(2.0) * 3, exclude=["image/svg+xml"])
        {'text/plain': 'Value(data=6.0, grad=0)'}
    """
    bundle = {"text/plain": repr(value)}
    wanted = set(include) if include is not None else {"image/svg+xml", "text/plain"}
    wanted -= set(exclude or ())
    if "image/svg+xml" not in wanted:
        return bundle
    try:
        dot = draw_dot(value, max_nodes=DISPLAY_MAX_NODES)
        bundle["image/svg+xml"] = render(dot.source, "svg").decode("utf-8")
    except (GraphTooLargeError, RenderError):
        pass
    return bundle
