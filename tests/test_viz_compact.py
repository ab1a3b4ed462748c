"""Diagrams for a slide: the compact style, unmistakable edge labels, bounded rendering.

Sizes, fonts and label positions are read from SVG rendered by graphviz-pure, the
renderer a pip-only install has, so the checks hold where the slowest layout runs.
"""

from __future__ import annotations

import os
import re
import stat
import time
from pathlib import Path

import pytest

pytest.importorskip("graphviz")

from micrograd_like import Value, viz
from micrograd_like.viz import RenderError, draw_dot, render


@pytest.fixture
def pure(monkeypatch):
    """graphviz-pure as the renderer, even where a system dot is on PATH."""
    paths = [p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "dot").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join(paths))
    monkeypatch.delenv("MICROGRAD_LIKE_DOT", raising=False)
    monkeypatch.delenv("MICROGRAD_LIKE_RENDER_TIMEOUT", raising=False)
    renderer = viz.find_renderer()
    assert renderer is not None
    assert Path(renderer[0]).name == "graphviz-pure"


def sum_of_copies(terms: int) -> Value:
    """x + x + ... + x: one leaf feeding every operation, Graphviz's slowest case."""
    x = Value(1.0, label="x")
    total = x
    for _ in range(terms - 1):
        total = total + x
    return total


# -- bounded rendering --


def test_a_value_feeding_many_operations_is_drawn_once_per_use():
    total = sum_of_copies(10)
    total.backward()
    source = draw_dot(total).source
    copies = re.findall(r"^\t(v0_use\d+) \[label=<", source, re.M)
    assert len(copies) == 10  # x + x, then 8 more: 10 uses
    assert not re.search(r"^\tv0 \[", source, re.M)  # the leaf itself is not drawn apart
    assert source.count("same value, 10 uses") == 10
    assert "style=dashed" in source


def test_a_value_with_few_uses_is_drawn_once():
    total = sum_of_copies(viz.FANOUT_LIMIT)
    assert "_use" not in draw_dot(total).source


def test_an_operation_feeding_many_is_drawn_with_its_inputs_and_copied_at_each_use():
    x = Value(0.5, label="x")
    h = x.tanh()
    h.label = "h"
    total = h
    for _ in range(9):
        total = total + h
    source = draw_dot(total).source
    assert re.search(r"^\tv1 \[label=<.*<b>h</b>.*10 uses: dashed copies", source, re.M)
    assert len(re.findall(r"^\tv1_use\d+ \[", source, re.M)) == 10
    assert re.search(r"^\tv0 -> v1_op", source, re.M)  # x still feeds tanh


def test_the_largest_fan_out_the_size_guard_admits_renders_within_5_s(pure):
    total = sum_of_copies(viz.DEFAULT_MAX_NODES)  # x and 249 sums: 250 values
    diagram = draw_dot(total)
    start = time.perf_counter()
    svg = render(diagram.source).decode()
    assert time.perf_counter() - start < 5
    assert "<svg" in svg


@pytest.fixture
def slow_renderer(tmp_path, monkeypatch):
    script = tmp_path / "slow-dot"
    script.write_text("#!/bin/sh\ncat > /dev/null\nsleep 30\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("MICROGRAD_LIKE_DOT", str(script))
    return script


def test_a_render_past_the_timeout_stops_and_says_what_to_do(slow_renderer, monkeypatch):
    monkeypatch.setenv("MICROGRAD_LIKE_RENDER_TIMEOUT", "0.5")
    start = time.perf_counter()
    with pytest.raises(RenderError) as caught:
        draw_dot(Value(1.0, label="x")).pipe(format="svg")
    assert time.perf_counter() - start < 10
    message = str(caught.value)
    assert "longer than 0.5 s" in message
    assert "MICROGRAD_LIKE_RENDER_TIMEOUT" in message
    assert "apt install graphviz" in message
    assert "smaller part" in message
    assert "compact=True" in message


def test_the_timeout_defaults_to_the_module_constant(slow_renderer, monkeypatch):
    monkeypatch.delenv("MICROGRAD_LIKE_RENDER_TIMEOUT", raising=False)
    monkeypatch.setattr(viz, "RENDER_TIMEOUT", 0.5)
    with pytest.raises(RenderError, match=r"longer than 0\.5 s"):
        render("digraph { a }")


@pytest.mark.parametrize("raw", ["soon", "0", "-1", "nan", "inf"])
def test_a_timeout_that_is_not_a_positive_number_is_refused(monkeypatch, raw):
    monkeypatch.setenv("MICROGRAD_LIKE_RENDER_TIMEOUT", raw)
    expected = rf"MICROGRAD_LIKE_RENDER_TIMEOUT.*{re.escape(repr(raw))}"
    with pytest.raises(RenderError, match=expected):
        render("digraph { a }")
