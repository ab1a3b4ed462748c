"""The benchmark: micrograd_like beside micrograd and PyTorch, measured in one run.

``python -m micrograd_like bench`` runs four workloads, each engine in a fresh
Python process (so one engine's garbage cannot slow another down), and prints
a Markdown table of medians and ratios:

- W1: one full-batch training step of micrograd's moons demo (MLP 2-16-16-1,
  ReLU, SVM hinge loss plus 1e-4 L2, 100 points, about 65,800 nodes);
- W2: a deep chain ``x = 0.0001 + 1.0001*x`` of N steps, then backward;
- W3: a sum of 1e5 products ``a_i * b_i`` (a chain, because ``sum`` adds one
  term at a time), then backward;
- W4: memory: bytes per node of a graph of 1e6 nodes, and the peak RSS.

W1 runs micrograd's training loop as its README writes it on micrograd
(default GC, and GC disabled) and, unchanged, on micrograd_like; then the
same step through micrograd_like's ``fit()``, which backpropagates sample
by sample (a sample's graph at a time); then PyTorch (0-d tensors, batched
matrices) and ``micrograd_like.jit``.

W1 runs in rounds: each engine in turn, three times, each time in a fresh
process, and an engine's median is over all of its steps, so a slow spell
of a shared machine slows every engine alike.

micrograd (``pip install micrograd==0.1.0``) and PyTorch are measured when
installed; an engine asked for but not installed is skipped, with a note on
stderr that names the command that installs it (`missing_engines`), and if
none is installed that is the one error. ``--quick`` is a smoke run with
small sizes and few repeats. ``--json FILE`` also writes the results as
standard JSON (`micrograd_like.files.write_json`); the file is tried before
anything is measured.
Machines are noisy: compare the ratios within one run, not absolute times
across runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import importlib
import itertools
import json
import math
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from micrograd_like.files import cannot_write, write_json
from micrograd_like.validate import shown

__all__ = [
    "ENGINES",
    "Result",
    "add_arguments",
    "missing_engines",
    "run",
    "run_benchmark",
    "to_markdown",
]

ENGINES = (
    "micrograd",
    "micrograd-nogc",
    "micrograd_like",
    "micrograd_like-fit",
    "torch-scalar",
    "torch-batched",
    "micrograd_like-jit",
)
"""Every engine the benchmark knows; those not installed are skipped."""


@dataclass(frozen=True)
class Result:
    """One measurement.

    Attributes:
        workload: W1 .. W4, with its size.
        engine: One of `ENGINES`.
        seconds: The median time, or None when it failed.
        note: What failed, or extra facts (bytes per node, RSS).

    Example:
        >>> from micrograd_like.bench import Result
        >>> Result("W1 moons step", "micrograd_like", 0.2, "").seconds
        0.2
    """

    workload: str
    engine: str
    seconds: float | None
    note: str = ""


# ---------------------------------------------------------------------------
# The workloads, run inside a worker process.
# ---------------------------------------------------------------------------


def _moons(n: int = 100) -> tuple[list[list[float]], list[float]]:
    from micrograd_like.datasets import make_moons, to_plus_minus_one

    X, y = make_moons(n=n, noise=0.1, seed=0)
    return X, [float(t) for t in to_plus_minus_one(y)]


def _optional(module: str) -> Any:
    """An optional dependency, imported by name (untyped: micrograd and torch vary)."""
    return importlib.import_module(module)


def _scalar_modules(engine: str) -> tuple[Any, Any]:
    package = "micrograd_like" if engine.startswith("micrograd_like") else "micrograd"
    return _optional(f"{package}.engine").Value, _optional(f"{package}.nn").MLP


def _w1_scalar(engine: str, repeats: int) -> list[float]:
    """Micrograd's demo step, written as its README writes it, on micrograd or on us."""
    value_cls, mlp_cls = _scalar_modules(engine)
    X, y = _moons()
    random.seed(1337)
    model = mlp_cls(2, [16, 16, 1])
    times = []
    for k in range(repeats + 1):  # the first step warms up
        start = time.perf_counter()
        inputs = [list(map(value_cls, row)) for row in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        if k:
            times.append(time.perf_counter() - start)
        if engine.endswith("nogc"):
            del inputs, scores, losses, data_loss, reg_loss, total
            gc.collect()  # outside the timed part: free the cycles micrograd made
    return times


def _w1_fit(repeats: int) -> list[float]:
    """The same step through `micrograd_like.train.fit`, which backpropagates sample by sample."""
    from micrograd_like.nn import MLP
    from micrograd_like.optim import SGD, LinearDecay
    from micrograd_like.train import fit

    X, y = _moons()
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LinearDecay(optimizer, start=1.0, end=0.1, total_steps=100)
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        l2=1e-4,
        optimizer=optimizer,
        schedule=schedule,
        steps=repeats + 1,
        progress=False,
    )
    return history.seconds[1:]  # the first step warms up


def _w1_torch_scalar(repeats: int) -> list[float]:
    torch = _optional("torch")

    X, y = _moons()
    gen = torch.Generator().manual_seed(0)
    sizes = [2, 16, 16, 1]
    layers = [
        [
            (
                [torch.rand((), generator=gen, dtype=torch.float64) * 2 - 1 for _ in range(nin)],
                torch.zeros((), dtype=torch.float64),
            )
            for _ in range(nout)
        ]
        for nin, nout in itertools.pairwise(sizes)
    ]
    params = [p for layer in layers for w, b in layer for p in (*w, b)]
    for p in params:
        p.requires_grad_(True)
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        losses = []
        for row, yi in zip(X, y, strict=True):
            h = [torch.tensor(v, dtype=torch.float64) for v in row]
            for depth, layer in enumerate(layers):
                out = [sum((wi * hi for wi, hi in zip(w, h, strict=True)), b) for w, b in layer]
                h = [o.relu() for o in out] if depth < len(layers) - 1 else out
            losses.append((1 - yi * h[0]).relu())
        total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)
        _torch_sgd_step(torch, params, total)
        times.append(time.perf_counter() - start)
    return times[1:]


def _torch_sgd_step(torch: Any, params: list[Any], total: Any) -> None:
    for p in params:
        p.grad = None
    total.backward()
    with torch.no_grad():
        for p in params:
            p -= 0.5 * p.grad


def _w1_torch_batched(repeats: int) -> list[float]:
    torch = _optional("torch")

    X, y = _moons()
    xs = torch.tensor(X, dtype=torch.float64)
    ys = torch.tensor(y, dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)
    shapes = [(2, 16), (16,), (16, 16), (16,), (16, 1), (1,)]
    params = [
        (torch.rand(s, generator=gen, dtype=torch.float64) * 2 - 1).requires_grad_(True)
        for s in shapes
    ]
    times = []
    for _ in range(max(repeats, 20) + 1):
        start = time.perf_counter()
        w1, b1, w2, b2, w3, b3 = params
        scores = ((xs @ w1 + b1).relu() @ w2 + b2).relu() @ w3 + b3
        total = (1 - ys * scores[:, 0]).relu().mean() + 1e-4 * sum((p * p).sum() for p in params)
        _torch_sgd_step(torch, params, total)
        times.append(time.perf_counter() - start)
    return times[1:]


def _w1_jit(repeats: int) -> list[float]:
    from micrograd_like import jit
    from micrograd_like.nn import MLP

    X, y = _moons()
    model = MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()

    def sample_loss(x: Any, target: Any) -> Any:
        score = model(x)
        return (1 + -target * score).relu() + 1e-4 * sum(p * p for p in params)

    step = jit(sample_loss, params)
    times = []
    for k in range(max(repeats, 20) + 1):
        start = time.perf_counter()
        step(X, y)
        for p in params:
            p.data -= (1.0 - 0.9 * min(k, 100) / 100) * p.grad
        times.append(time.perf_counter() - start)
    return times[1:]


def _w2_chain(engine: str, n: int) -> float:
    value_cls = _value_class(engine)
    start = time.perf_counter()
    x = value_cls(1.0)
    for _ in range(n):
        x = 0.0001 + 1.0001 * x
    x.backward()
    return time.perf_counter() - start


def _w3_sum(engine: str, n: int) -> float:
    value_cls = _value_class(engine)
    rng = random.Random(0)
    a = [value_cls(rng.uniform(-1, 1)) for _ in range(n)]
    b = [value_cls(rng.uniform(-1, 1)) for _ in range(n)]
    start = time.perf_counter()
    total = sum(ai * bi for ai, bi in zip(a, b, strict=True))
    total.backward()
    return time.perf_counter() - start


def _value_class(engine: str) -> Callable[[float], Any]:
    if engine == "torch-scalar":
        torch = _optional("torch")

        def tensor(x: float) -> Any:
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)

        return tensor
    return _scalar_modules(engine)[0]  # type: ignore[no-any-return]


def _w4_memory(engine: str, nodes: int) -> dict[str, float]:
    value_cls = _value_class(engine)
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    x = value_cls(0.5)
    # Four nodes per step in both scalar engines: two constants, a product, a sum.
    for _ in range(nodes // 4):
        x = 0.0001 + 1.0001 * x
    allocated = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "bytes_per_node": allocated / nodes,
        "peak_rss_mb": rss_after / 1024,
        "rss_growth_mb": (rss_after - rss_before) / 1024,
    }


def _worker(task: str, engine: str, size: int, repeats: int) -> dict[str, Any]:
    if engine.endswith("nogc"):
        gc.disable()
    if task == "W1":
        if engine in ("micrograd", "micrograd-nogc", "micrograd_like"):
            times = _w1_scalar(engine, repeats)
        elif engine == "micrograd_like-fit":
            times = _w1_fit(repeats)
        elif engine == "torch-scalar":
            times = _w1_torch_scalar(repeats)
        elif engine == "torch-batched":
            times = _w1_torch_batched(repeats)
        else:
            times = _w1_jit(repeats)
        return {"seconds": statistics.median(times), "all": times}
    if task == "W2":
        return {"seconds": _w2_chain(engine, size)}
    if task == "W3":
        return {"seconds": _w3_sum(engine, size)}
    return _w4_memory(engine, size)


# ---------------------------------------------------------------------------
# The driver.
# ---------------------------------------------------------------------------


# The package each optional engine needs, and the command that installs it.
_NEEDS = {
    "micrograd": ("micrograd", "pip install micrograd"),
    "micrograd-nogc": ("micrograd", "pip install micrograd"),
    "torch-scalar": ("torch", "pip install torch"),
    "torch-batched": ("torch", "pip install torch"),
    "micrograd_like-jit": ("numpy", 'pip install "micrograd_like[jit]"'),
}


def missing_engines(engines: Sequence[str]) -> dict[str, str]:
    """The engines among these that cannot run here, each with the command that installs it.

    Each package is tried once, in a fresh Python (importing it here would
    weigh on the measurements), so a package that is there but broken counts
    as missing too.

    Args:
        engines: Names among `ENGINES`; micrograd_like's own engines need nothing.

    Returns:
        Each engine that cannot run here, by the command that installs what it
        needs; {} when all can.

    Example:
        >>> missing_engines(["micrograd_like", "micrograd_like-fit"])
        {}
    """
    importable: dict[str, bool] = {}
    missing = {}
    for engine in engines:
        if engine not in _NEEDS:
            continue  # micrograd_like itself: always here
        module, install = _NEEDS[engine]
        if module not in importable:
            probe = subprocess.run(
                [sys.executable, "-c", f"import {module}"], capture_output=True, check=False
            )
            importable[module] = probe.returncode == 0
        if not importable[module]:
            missing[engine] = install
    return missing


def _measure(task: str, engine: str, size: int, repeats: int, timeout: float) -> dict[str, Any]:
    code = (
        "import json, sys; from micrograd_like.bench import _worker; "
        f"print(json.dumps(_worker({task!r}, {engine!r}, {size}, {repeats})))"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["crashed"])[-1]
        if done.returncode < 0:
            last = f"killed by signal {-done.returncode}"
        return {"error": last.split(":")[0] if "Error" in last else last}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run_benchmark(
    quick: bool = False,
    engines: Sequence[str] = ENGINES,
    progress: Callable[[str], None] | None = None,
    *,
    missing: Mapping[str, str] | None = None,
) -> list[Result]:
    """Runs every workload on every installed engine; returns the results.

    Args:
        quick: A smoke run: small sizes, few repeats.
        engines: The engines to measure, among `ENGINES`.
        progress: Told a line per measurement.
        missing: The engines among these known not to be installed, as
            `missing_engines` gives them; None finds them out here. (`run`
            has already, and each probe starts a Python.)

    Returns:
        One `Result` per measurement, W1 first; an engine that failed has
        seconds None and what failed as its note, and W4's results carry
        their numbers (bytes per node, peak RSS) in the note, with seconds None.

    Example:
        >>> from micrograd_like.bench import run_benchmark
        >>> results = run_benchmark(quick=True, engines=["micrograd_like"])  # about 2 s
        >>> [r.workload for r in results][:3]
        ['W1 moons step', 'W2 chain 1,000', 'W2 chain 10,000']
        >>> [r.workload for r in results][3:]
        ['W3 sum 10,000', 'W4 memory 40,000 nodes']
        >>> all(r.seconds > 0 for r in results[:4]), results[4].note.endswith(" MB")
        (True, True)
        >>> run_benchmark(engines=["torch-scalar"], missing={"torch-scalar": "pip install torch"})
        []
    """
    say = progress or (lambda _: None)
    if missing is None:
        missing = missing_engines(engines)
    present = [e for e in engines if e not in missing]
    rounds, repeats = (1, 2) if quick else (3, 3)
    chain_sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000, 1_000_000]
    sum_size = 10_000 if quick else 100_000
    memory_nodes = 40_000 if quick else 1_000_000
    timeout = 300.0 if quick else 900.0
    results: list[Result] = []

    def record(workload: str, engine: str, outcome: dict[str, Any]) -> None:
        seconds = outcome.get("seconds")
        note = outcome.get("error", "")
        results.append(Result(workload, engine, seconds, note))
        shown = "failed: " + note if seconds is None else f"{seconds * 1000:.2f} ms"
        say(f"{workload:<14} {engine:<20} {shown}")

    # W1 in rounds, every engine in turn: a slow spell of a shared machine then slows all alike.
    steps: dict[str, list[float]] = {engine: [] for engine in present}
    failed: dict[str, str] = {}
    for _ in range(rounds):
        for engine in present:
            if engine not in failed:
                outcome = _measure("W1", engine, 0, repeats, timeout)
                if "error" in outcome:
                    failed[engine] = outcome["error"]
                else:
                    steps[engine] += outcome["all"]
    for engine in present:
        if engine in failed:
            record("W1 moons step", engine, {"error": failed[engine]})
        else:
            record("W1 moons step", engine, {"seconds": statistics.median(steps[engine])})
    scalar = [e for e in present if e in ("micrograd", "micrograd_like", "torch-scalar")]
    for n in chain_sizes:
        for engine in scalar:
            if engine == "torch-scalar" and n > 100_000:
                continue  # minutes of Python-level tensor ops, and PyTorch is not the point here
            record(f"W2 chain {n:,}", engine, _measure("W2", engine, n, 1, timeout))
    for engine in scalar:
        record(f"W3 sum {sum_size:,}", engine, _measure("W3", engine, sum_size, 1, timeout))
    for engine in [e for e in scalar if e != "torch-scalar"]:
        outcome = _measure("W4", engine, memory_nodes, 1, timeout)
        note = outcome.get("error") or (
            f"{outcome['bytes_per_node']:.0f} B/node, peak RSS {outcome['peak_rss_mb']:.0f} MB"
        )
        results.append(Result(f"W4 memory {memory_nodes:,} nodes", engine, None, note))
        say(f"W4 {engine:<20} {note}")
    return results


def to_markdown(results: Sequence[Result], quick: bool) -> str:
    """The results as a Markdown table, each time also as a ratio against micrograd.

    Args:
        results: What `run_benchmark` returned.
        quick: Whether it was a smoke run, which the line above the table says.

    Returns:
        A line naming the Python and the run, then the table.

    Example:
        >>> from micrograd_like.bench import Result, to_markdown
        >>> results = [Result("W1 moons step", "micrograd", 2.0, ""),
        ...            Result("W1 moons step", "micrograd_like", 0.2, "")]
        >>> to_markdown(results, quick=True).splitlines()[-1]
        '| W1 moons step | micrograd_like | 200.0 ms | 10.0x |  |'
    """
    baseline = {r.workload: r.seconds for r in results if r.engine == "micrograd" and r.seconds}
    lines = [
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{'quick smoke run' if quick else 'full run'}; medians; "
        "x = how many times faster than micrograd (default GC) in this run.",
        "",
        "| workload | engine | median | vs micrograd | note |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        time_text = "" if r.seconds is None else _duration(r.seconds)
        base = baseline.get(r.workload)
        ratio = f"{base / r.seconds:,.1f}x" if base and r.seconds else ""
        note = r.note if r.seconds is not None or r.note else "failed"
        lines.append(f"| {r.workload} | {r.engine} | {time_text} | {ratio} | {note} |")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} us"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command line options of ``python -m micrograd_like bench``.

    Args:
        parser: The parser (or subparser) to add them to.

    Example:
        >>> import argparse
        >>> from micrograd_like.bench import add_arguments
        >>> parser = argparse.ArgumentParser()
        >>> add_arguments(parser)
        >>> parser.parse_args(["--quick"]).quick
        True
    """
    parser.add_argument("--quick", action="store_true", help="a smoke run: small sizes")
    parser.add_argument("--json", metavar="FILE", help="also write the raw results here")
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help="comma-separated subset of the engines"
    )


def _as_json(result: Result) -> dict[str, Any]:
    """A result as standard JSON: a time that is not a finite number is null."""
    seconds = result.seconds
    finite = seconds is not None and math.isfinite(seconds)
    return {**dataclasses.asdict(result), "seconds": seconds if finite else None}


# A path in a message is cut only when absurdly long: at 60 characters, many real ones would be.
_PATH_SHOWN = 160


def _fail(message: str) -> int:
    """A failure outside the user's control, as the command line reports one: a line, status 1."""
    print(f"error: {message}", file=sys.stderr)
    return 1


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Runs the benchmark from parsed options, prints the table; exit status 0 if anything ran.

    Bad options are usage errors (status 2), found before anything is
    measured: an engine name that is not in `ENGINES`, none at all, or a
    ``--json`` file that cannot be written (`micrograd_like.files.cannot_write`
    tries it). Each engine asked for but not installed is skipped with a note
    on stderr naming the command that installs it; if none is installed, one
    error line names them all, no table is printed, and the status is 1.

    Args:
        args: The options `add_arguments` defines, parsed.
        parser: The parser that parsed them, which reports the usage errors.

    Returns:
        The exit status: 0 if a measurement succeeded; 1 if no engine asked for
        is installed, every measurement failed, or the ``--json`` file could
        not be written after measuring (each reported in one line on stderr).

    Raises:
        SystemExit: With status 2, from ``parser.error``, on a bad option.

    Example:
        >>> import argparse, contextlib, io
        >>> from micrograd_like.bench import add_arguments, run
        >>> parser = argparse.ArgumentParser(prog="bench")
        >>> add_arguments(parser)
        >>> table = io.StringIO()
        >>> with contextlib.redirect_stdout(table):  # about 2 s; progress lines go to stderr
        ...     status = run(parser.parse_args(["--quick", "--engines", "micrograd_like"]), parser)
        >>> status, table.getvalue().splitlines()[2]
        (0, '| workload | engine | median | vs micrograd | note |')
        >>> run(parser.parse_args(["--engines", "nope"]), parser)
        Traceback (most recent call last):
        SystemExit: 2
    """
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not engines:
        parser.error(f"argument --engines: no engine named; choose from {', '.join(ENGINES)}")
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        parser.error(f"argument --engines: unknown {', '.join(map(shown, unknown[:3]))}{more}; "
                     f"choose from {', '.join(ENGINES)}")  # fmt: skip
    if args.json is not None:
        # Tried now, not found out after minutes of measuring.
        reason = cannot_write(args.json)
        if reason is not None:
            parser.error(f"argument --json: cannot write {shown(args.json, _PATH_SHOWN)}: {reason}")
    missing = missing_engines(engines)
    present = [e for e in engines if e not in missing]
    if not present:
        named = ", ".join(f"{engine} ({install})" for engine, install in missing.items())
        return _fail(f"none of the engines asked for is installed: {named}")
    for engine, install in missing.items():
        print(f"note: {engine} is not installed, skipped: {install}", file=sys.stderr)
    results = run_benchmark(
        args.quick, present, progress=lambda s: print(s, file=sys.stderr), missing={}
    )
    print(to_markdown(results, args.quick), flush=True)
    if args.json is not None:
        try:
            write_json(args.json, [_as_json(r) for r in results])
        except OSError as error:  # the disk filled up while measuring, ...
            return _fail(f"cannot write {shown(args.json, _PATH_SHOWN)}: {error.strerror or error}")
    if not any(r.seconds is not None and not math.isnan(r.seconds) for r in results):
        return _fail("every measurement failed; the table's notes say why")
    return 0
