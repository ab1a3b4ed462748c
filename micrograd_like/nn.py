"""Neural-network building blocks on top of `Value`: Module, Neuron, Layer, MLP.

Compatible with micrograd's ``nn`` module: ``MLP(nin, nouts)`` has ReLU hidden
layers and a linear output, weights drawn from U(-1, 1), biases at 0, and
``parameters()`` in micrograd's order (layer by layer, neuron by neuron,
weights then bias). Code written for micrograd runs after changing
``from micrograd.nn import MLP`` into ``from micrograd_like.nn import MLP``.

Beyond micrograd: an activation per layer (relu, tanh, sigmoid, linear),
``seed=`` or ``rng=`` for reproducible initialisation, 1-unit hidden layers,
named parameters, and a JSON-friendly ``state_dict`` that is loaded all or
nothing. `mlp_to_dict` and `mlp_from_dict` save and load a whole MLP as plain
JSON data; `mlp_from_dict` builds at most `MAX_PARAMETERS` (1,000,000)
parameters, a limit checked with `parameter_count` from the sizes alone,
before anything is built. Every module call is reported to `micrograd_like.recording` (whose
``record_calls`` and ``ModuleCall`` are importable from here too), so diagrams
can group a graph by module.

Example:
    >>> from micrograd_like.nn import MLP
    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> len(model.parameters())
    337
    >>> score = model([0.5, -1.0])   # a Value
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard

from micrograd_like import validate
from micrograd_like.engine import NOT_COMPUTED, Value
from micrograd_like.fastpath import relu, weighted_sum

# Recording moved to its own module; these names stay importable from nn, where they began.
from micrograd_like.recording import CALL_LOG, ModuleCall, record_calls, record_function_call

__all__ = [
    "ACTIVATIONS",
    "MAX_PARAMETERS",
    "MLP",
    "MODEL_FORMAT",
    "Layer",
    "Module",
    "ModuleCall",
    "Neuron",
    "mlp_from_dict",
    "mlp_to_dict",
    "parameter_count",
    "record_calls",
    "record_function_call",
]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
"""The activations a Neuron can apply to its weighted sum."""

Inputs = Sequence["Value | float"] | Value | float
"""What a module takes: a list of Values or numbers, or one for a single input."""


class _UniformSource(Protocol):
    def uniform(self, a: float, b: float) -> float: ...


def _is_value_list(x: object, expected: int) -> TypeGuard[list[Value]]:
    """Whether x is already what a module computes with: a list of expected Values."""
    return (
        type(x) is list and len(x) == expected and all(map(isinstance, x, itertools.repeat(Value)))
    )


def _as_values(x: Inputs, expected: int, who: object) -> list[Value]:
    """The inputs as a list of Values; who (a module) is named only in an error."""
    if _is_value_list(x, expected):
        return x
    items: Sequence[Value | float] = x if isinstance(x, Sequence) else [x]
    if len(items) != expected:
        raise ValueError(f"{who!r} expects {expected} input(s), got {len(items)}")
    values = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, Value):
            # A number given is an input, labelled as the diagrams show it: x1, x2, ...
            kind = "a Value or a real number"
            number = validate.real(item, f"input x{i}", repr(who), finite=False, kind=kind)
            item = Value(number, label=f"x{i}")
        values.append(item)
    return values


def _flatten(out: Value | list[Value]) -> tuple[Value, ...]:
    return (out,) if isinstance(out, Value) else tuple(out)


class Module:
    """Base class: a module owns parameters and, through its attributes, submodules.

    Subclasses implement ``forward(x)``; calling the module runs it (and
    reports the call to `record_calls`). micrograd-style subclasses that
    define ``__call__`` and ``parameters()`` themselves also work.

    Example:
        >>> from micrograd_like.nn import MLP
        >>> model = MLP(2, [4, 1], seed=0)
        >>> len(model.parameters()), list(model.state_dict())[0]
        (17, 'layers.0.neurons.0.w.0')
        >>> model.zero_grad()
    """

    def __call__(self, x: Inputs) -> Value | list[Value]:
        """Runs ``forward(x)``, telling `record_calls` about it when recording."""
        log = CALL_LOG.get()
        if log is None:
            return self.forward(x)
        inputs = tuple(_as_values(x, self._input_count(x), self))
        out = self.forward(list(inputs))
        log.append(ModuleCall(self, type(self).__name__, inputs, _flatten(out)))
        return out

    def _input_count(self, x: Inputs) -> int:
        return len(x) if isinstance(x, Sequence) else 1

    def forward(self, x: Inputs) -> Value | list[Value]:
        """Computes the module's output from its inputs."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def named_children(self) -> list[tuple[str, Module]]:
        """The direct submodules with their attribute names (list items as name.i)."""
        return []

    def named_modules(self, prefix: str = "") -> list[tuple[str, Module]]:
        """This module and all below it, with dotted paths ("" for this one)."""
        result: list[tuple[str, Module]] = [(prefix, self)]
        for name, child in self.named_children():
            result += child.named_modules(f"{prefix}.{name}" if prefix else name)
        return result

    def named_own_parameters(self) -> list[tuple[str, Value]]:
        """The parameters this module holds itself, not through submodules."""
        return []

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name, in `parameters` order."""
        return [
            (f"{path}.{name}" if path else name, p)
            for path, module in self.named_modules()
            for name, p in module.named_own_parameters()
        ]

    def parameters(self) -> list[Value]:
        """Every parameter, in micrograd's order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Sets every parameter's grad to 0, before the next backward pass."""
        for p in self.parameters():
            p.grad = NOT_COMPUTED  # 0, as micrograd: no backward pass has reached it

    def state_dict(self) -> dict[str, float]:
        """Every parameter's value by name: plain data, ready for ``json.dump``."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Sets every parameter from a `state_dict`, all or nothing.

        Args:
            state: A number for every parameter name, as `state_dict` gives
                (ints too; not bools, as everywhere in the package).

        Raises:
            ValueError: If names are missing or unknown, or a value is not a
                finite number a float can hold (a bool, a str, NaN, 10**400);
                the model is then left unchanged. Whatever is wrong in the
                state is a ValueError, as in ``json.loads``, so one ``except``
                catches a bad file.
            TypeError: If state is not a mapping.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict: expected a mapping, got {type(state).__name__}")
        params = dict(self.named_parameters())
        missing = [name for name in params if name not in state]
        unknown = [name for name in state if name not in params]
        if missing or unknown:
            raise ValueError(
                f"load_state_dict: the state does not fit {type(self).__name__} "
                f"({len(params)} parameters): missing {_some(missing)}, unknown {_some(unknown)}; "
                f"the model is unchanged"
            )
        values: dict[str, float] = {}
        for name, value in state.items():
            try:
                values[name] = validate.real(value, f"state[{name!r}]", "load_state_dict")
            except (TypeError, ValueError) as error:
                # A state is a document, read from a file: all that is wrong in it is a ValueError.
                raise ValueError(f"{error}; the model is unchanged") from None
        for name, p in params.items():
            p.data = values[name]


def _some(names: Sequence[object], limit: int = 5) -> str:
    """A few names for a message, each cut short (a name read from a file can be 1 MB long)."""
    shown = ", ".join(map(validate.shown, names[:limit]))
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"[{shown}{more}]"


def _activation_name(nonlin: bool, activation: str | None, who: str) -> str:
    if activation is None:
        return "relu" if nonlin else "linear"
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"{who}: activation must be one of {ACTIVATIONS}, got {validate.shown(activation)}"
        )
    return activation


def _rng(seed: int | None, rng: _UniformSource | None, who: str) -> _UniformSource:
    """The generator to draw weights from: a private one for a seed, rng, or the global one."""
    seed = validate.seed(seed, "seed", who)
    if seed is not None and rng is not None:
        raise ValueError(f"{who}: give seed or rng, not both")
    if rng is not None:
        return rng
    if seed is not None:
        return random.Random(seed)
    # The global generator, as micrograd: random.seed(s) then MLP(...) gives its weights.
    return random


class Neuron(Module):
    """``activation(w . x + b)``: nin weights from U(-1, 1) and a bias at 0.

    Args:
        nin: The number of inputs.
        nonlin: micrograd's switch: ReLU if true, linear if false.
        activation: One of `ACTIVATIONS`; overrides nonlin.
        seed: Seeds a private generator for the weights.
        rng: A generator with ``uniform(a, b)`` to draw the weights from.

    Example:
        >>> from micrograd_like.nn import Neuron
        >>> neuron = Neuron(2, activation="tanh", seed=0)
        >>> len(neuron.parameters()), neuron([0.0, 0.0]).data  # tanh(b) with b = 0
        (3, 0.0)
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        activation: str | None = None,
        seed: int | None = None,
        rng: _UniformSource | None = None,
    ) -> None:
        nin = validate.count(nin, "nin", "Neuron")
        self.activation = _activation_name(nonlin, activation, "Neuron")
        source = _rng(seed, rng, "Neuron")
        self.w = [Value(source.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)

    @property
    def nonlin(self) -> bool:
        """Whether an activation other than linear is applied (micrograd's attribute)."""
        return self.activation != "linear"

    def forward(self, x: Inputs) -> Value:
        """The activation of the weighted sum of x."""
        # b + w0*x0 + w1*x1 + ...: micrograd's sum(), node for node and bit for bit, built
        # faster. A list of Values (what a Layer hands on) goes straight in; anything else
        # is converted first (numbers become labelled inputs) or refused, naming this neuron.
        if not _is_value_list(x, len(self.w)):
            x = _as_values(x, len(self.w), self)
        act = weighted_sum(self.w, x, self.b)
        if self.activation == "relu":
            return relu(act)
        if self.activation == "tanh":
            return act.tanh()
        if self.activation == "sigmoid":
            return act.sigmoid()
        return act

    if TYPE_CHECKING:  # typing only: at run time Module.__call__ runs without an extra frame

        def __call__(self, x: Inputs) -> Value:
            """The neuron's output Value."""

    def named_own_parameters(self) -> list[tuple[str, Value]]:
        """The weights ``w.0 ... w.(nin-1)`` then the bias ``b``."""
        return [*((f"w.{i}", w) for i, w in enumerate(self.w)), ("b", self.b)]

    def __repr__(self) -> str:
        kind = "ReLU" if self.activation == "relu" else self.activation.capitalize()
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """nout neurons over the same inputs.

    Calling it returns a list of Values, or a bare Value when nout is 1
    (as micrograd does).

    Args:
        nin: The number of inputs of each neuron.
        nout: The number of neurons.
        **kwargs: Passed to each `Neuron` (nonlin, activation, seed, rng).

    Example:
        >>> from micrograd_like.nn import Layer
        >>> layer = Layer(2, 3, seed=0)
        >>> len(layer([1.0, 2.0])), len(layer.parameters())
        (3, 9)
    """

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        validate.count(nout, "nout", "Layer")
        if kwargs.get("seed") is not None:
            # One generator for the whole layer, so neurons do not repeat each other.
            kwargs["rng"] = _rng(kwargs.pop("seed"), kwargs.get("rng"), "Layer")
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def forward(self, x: Inputs) -> Value | list[Value]:
        """Each neuron's output; a bare Value for a 1-neuron layer."""
        inputs = _as_values(x, len(self.neurons[0].w), self)
        out = [n(inputs) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def named_children(self) -> list[tuple[str, Module]]:
        """The neurons, as ``neurons.i``."""
        return [(f"neurons.{i}", n) for i, n in enumerate(self.neurons)]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: layers of sizes nouts after nin inputs.

    Args:
        nin: The number of inputs.
        nouts: The size of each layer, the last being the output.
        activation: The hidden layers' activation (default relu, as micrograd),
            or a list with one per layer, output included.
        output_activation: The last layer's activation when activation is a
            single name (default linear, as micrograd).
        seed: Seeds the weights; the same seed gives the same model.
        rng: A generator with ``uniform(a, b)`` to draw the weights from.

    Example:
        >>> from micrograd_like.nn import MLP
        >>> model = MLP(2, [16, 16, 1], seed=0)  # micrograd's moons model
        >>> model.sizes, len(model.parameters())
        ([2, 16, 16, 1], 337)
        >>> type(model([0.5, -1.0])).__name__  # one output: a bare Value
        'Value'
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activation: str | Sequence[str] = "relu",
        output_activation: str = "linear",
        seed: int | None = None,
        rng: _UniformSource | None = None,
    ) -> None:
        validate.count(nin, "nin", "MLP")
        if isinstance(nouts, (int, str)) or len(nouts) == 0:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        for i, size in enumerate(nouts):
            validate.count(size, f"nouts[{i}]", "MLP")
        if isinstance(activation, str):
            activations = [activation] * (len(nouts) - 1) + [output_activation]
        else:
            activations = list(activation)
            if len(activations) != len(nouts):
                raise ValueError(
                    f"MLP: {len(activations)} activations given for {len(nouts)} layers"
                )
        for name in activations:
            _activation_name(True, name, "MLP")
        source = _rng(seed, rng, "MLP")
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation=activations[i], rng=source)
            for i in range(len(nouts))
        ]

    def forward(self, x: Inputs) -> Value | list[Value]:
        """The last layer's output: a Value for a 1-unit output, else a list."""
        out: Value | list[Value] | Inputs = x
        for layer in self.layers:
            # A 1-unit hidden layer returns a bare Value; the next layer takes it as is.
            out = layer(out)
        assert isinstance(out, (Value, list))
        return out

    def named_children(self) -> list[tuple[str, Module]]:
        """The layers, as ``layers.i``."""
        return [(f"layers.{i}", layer) for i, layer in enumerate(self.layers)]

    @property
    def sizes(self) -> list[int]:
        """The number of inputs followed by every layer's size."""
        return [len(self.layers[0].neurons[0].w), *(len(layer.neurons) for layer in self.layers)]

    @property
    def activations(self) -> list[str]:
        """Each layer's activation."""
        return [layer.neurons[0].activation for layer in self.layers]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


MODEL_FORMAT = "micrograd_like.MLP"
MODEL_VERSION = 1

MAX_PARAMETERS = 1_000_000
"""The most parameters `mlp_from_dict` builds (about 150 MB of Values); the CLI's limit too.

A saved model's sizes say how big it is before anything is built, so a small
document that asks for a huge model (``"sizes": [2, 3000, 3000, 1]``, nine
million parameters) is refused at once instead of filling the memory.
"""


def _layer_sizes(sizes: object, who: str, maximum: int | None = None) -> list[int]:
    """The sizes of an MLP, checked: the inputs then every layer, at least two counts >= 1."""
    wanted = "a list of the inputs and every layer's size (at least 2 whole numbers)"
    if not isinstance(sizes, (list, tuple)):
        raise TypeError(f"{who}: sizes must be {wanted}, got {type(sizes).__name__}")
    if len(sizes) < 2:
        raise ValueError(f"{who}: sizes must be {wanted}, got {len(sizes)}")
    return [validate.count(size, f"sizes[{i}]", who, 1, maximum) for i, size in enumerate(sizes)]


def _parameter_total(sizes: list[int]) -> int:
    # Each neuron has a weight per input and a bias: (nin + 1) * nout per layer.
    return sum((nin + 1) * nout for nin, nout in itertools.pairwise(sizes))


def parameter_count(sizes: Sequence[int]) -> int:
    """The number of parameters of ``MLP(sizes[0], sizes[1:])``, from the sizes alone.

    Each layer of nout neurons over nin inputs has ``(nin + 1) * nout``
    parameters (a weight per input and a bias per neuron); nothing is built,
    so a size can be checked against `MAX_PARAMETERS` before a model is made.

    Args:
        sizes: The number of inputs, then every layer's size (`MLP.sizes`).

    Returns:
        The number of parameters, as ``len(MLP(...).parameters())`` would give.

    Raises:
        TypeError: If sizes is not a list or tuple, or a size is not a whole
            number (a bool neither).
        ValueError: If there are fewer than two sizes, or a size is below 1.

    Example:
        >>> parameter_count([2, 16, 16, 1])   # micrograd's moons MLP
        337
    """
    return _parameter_total(_layer_sizes(sizes, "parameter_count"))


def _parameter_names(sizes: list[int]) -> list[str]:
    """The names `MLP.state_dict` gives an MLP of these sizes, in its order."""
    return [
        f"layers.{i}.neurons.{j}.{name}"
        for i, (nin, nout) in enumerate(itertools.pairwise(sizes))
        for j in range(nout)
        for name in [*(f"w.{k}" for k in range(nin)), "b"]
    ]


def mlp_to_dict(model: MLP) -> dict[str, Any]:
    """An MLP as plain JSON-ready data: its shape, activations and parameters.

    Args:
        model: The MLP to save.

    Returns:
        A dict with ``format``, ``version``, ``sizes``, ``activations`` and ``state``.

    Example:
        >>> from micrograd_like.nn import MLP, mlp_to_dict
        >>> document = mlp_to_dict(MLP(2, [3, 1], seed=0))
        >>> document["sizes"], document["activations"]
        ([2, 3, 1], ['relu', 'linear'])
    """
    return {
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        "sizes": model.sizes,
        "activations": model.activations,
        "state": model.state_dict(),
    }


def mlp_from_dict(document: Mapping[str, Any]) -> MLP:
    """Rebuilds an MLP saved by `mlp_to_dict`.

    Everything that can be checked without the model is checked first: the
    sizes, the parameter count (at most `MAX_PARAMETERS`, computed with
    `parameter_count`) and the names of the state's parameters. A document
    that asks for too big a model, or whose state does not fit its sizes, is
    refused before anything is built.

    Raises:
        ValueError: If the document is not a saved MLP of a known version, or
            its shape or parameters are not valid, or it has more than
            `MAX_PARAMETERS` parameters: whatever is wrong in a document is a
            ValueError, as in `Module.load_state_dict`. The message names
            mlp_from_dict and the value.

    Args:
        document: What `mlp_to_dict` made, perhaps read back from JSON.

    Returns:
        A new MLP with the saved weights.

    Example:
        >>> from micrograd_like.nn import MLP, mlp_from_dict, mlp_to_dict
        >>> model = MLP(2, [3, 1], seed=0)
        >>> mlp_from_dict(mlp_to_dict(model)).state_dict() == model.state_dict()
        True
    """
    who = "mlp_from_dict"
    if not isinstance(document, Mapping) or document.get("format") != MODEL_FORMAT:
        raise ValueError(f"{who}: not a saved micrograd_like MLP (format {MODEL_FORMAT!r})")
    version = document.get("version")
    # True == 1 in Python, but a bool is not a version number (validate: never a number here).
    if isinstance(version, bool) or version != MODEL_VERSION:
        raise ValueError(
            f"{who}: saved MLP version {validate.shown(version)} is not supported "
            f"(this micrograd_like reads version {MODEL_VERSION})"
        )
    activations, state = document.get("activations"), document.get("state")
    try:
        # No one size can exceed the limit of the whole: that also keeps the numbers short.
        sizes = _layer_sizes(document.get("sizes"), who, MAX_PARAMETERS)
    except TypeError as error:  # a document read from a file: all that is wrong is a ValueError
        raise ValueError(str(error)) from None
    count = _parameter_total(sizes)
    if count > MAX_PARAMETERS:
        raise ValueError(
            f"{who}: sizes {validate.shown(sizes)} give {count:,} parameters, more than "
            f"MAX_PARAMETERS = {MAX_PARAMETERS:,}; nothing was built"
        )
    if not isinstance(activations, list) or len(activations) != len(sizes) - 1:
        raise ValueError(
            f"{who}: activations must list one name per layer ({len(sizes) - 1}), "
            f"got {validate.shown(activations)}"
        )
    if not isinstance(state, Mapping):
        raise ValueError(
            f"{who}: state must map parameter names to numbers, got {validate.shown(state)}"
        )
    names = _parameter_names(sizes)
    if len(state) != count or not all(name in state for name in names):
        known = set(names)
        missing = [name for name in names if name not in state]
        unknown = [name for name in state if name not in known]
        raise ValueError(
            f"{who}: the state has {len(state):,} parameters and sizes {validate.shown(sizes)} "
            f"need {count:,}: "
            f"missing {_some(missing)}, unknown {_some(unknown)}; nothing was built"
        )
    try:
        model = MLP(sizes[0], sizes[1:], activation=activations, seed=0)
        model.load_state_dict(state)
    except (TypeError, ValueError) as error:
        # A document read from a file: all that is wrong in it is a ValueError.
        raise ValueError(f"{who}: {error}") from None
    return model
