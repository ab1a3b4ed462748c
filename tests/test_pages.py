"""The explorable pages, read as files: self-contained, every step right, within size.

What a browser does with them is tests/test_pages_browser.py.
"""

import base64
import hashlib
import importlib.util
import json
import re
import time
from html import escape
from pathlib import Path

import pytest

from micrograd_like import Value, gradients, topological_order, worked_example
from micrograd_like.autograd import backward_steps
from micrograd_like.nn import MLP
from micrograd_like.pages import explorable, seed_page
from micrograd_like.viz import DEFAULT_MAX_NODES, backprop_steps, draw_dot
from tests.cli import run_cli
from tests.graphs import lecture_neuron


def page_data(page: str) -> dict:
    raw = re.search(r'<script type="application/json" id="frames">(.*?)</script>', page, re.S)
    assert raw is not None
    return json.loads(raw.group(1))


def all_lines(page: str) -> list[str]:
    return [line for frame in page_data(page)["frames"] for line in frame["lines"]]


@pytest.fixture(scope="module")
def seed() -> str:
    return seed_page(worked_example.run())


def test_backward_steps_end_at_what_backward_computes_and_touch_no_grad():
    o, _ = lecture_neuron()
    steps = backward_steps(o)
    assert steps[0].operation is None
    assert steps[0].grads == {o: 1.0}
    operations = [node for node in reversed(topological_order(o)) if node.inputs]
    assert [step.operation for step in steps[1:]] == operations
    assert steps[-1].grads == gradients([o])
    assert not any(v.grad_computed for v in topological_order(o))


def test_the_page_loads_nothing_and_its_policy_allows_only_its_own_script():
    o, params = lecture_neuron()
    page = explorable(o, params)
    # No address to fetch: the only URLs are the SVG's XML namespaces.
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
        "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd",
    }
    assert not re.search(r"<(?:script|img|link|iframe)[^>]*\s(?:src|href)=", page)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None
    assert "default-src 'none'" in policy.group(1)
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy.group(1)


def test_the_frames_are_the_inputs_each_operation_forward_the_seed_each_backward_and_a_summary():
    o, params = lecture_neuron()
    frames = page_data(explorable(o, params))["frames"]
    operations = sum(1 for v in topological_order(o) if v.inputs)
    assert len(frames) == 1 + operations + 1 + operations + 1
    titles = [frame["title"] for frame in frames]
    assert titles[0] == "Forward pass, step 0 of 5: the inputs and parameters"
    assert titles[operations + 1] == "Backward pass, step 0 of 5: the seed"
    assert titles[-1] == "Done: every gradient of o"
    assert frames[1]["lines"][0] == "x1 \u00d7 w1 = 2 \u00d7 -3 = -6"
    assert frames[operations]["lines"] == ["o = tanh(n) = tanh(0.8814) = 0.7071"]
    assert frames[-1]["lines"] == ["do/dx1 = -1.5", "do/dw1 = 1", "do/dx2 = 0.5", "do/dw2 = 0",
                                   "do/db = 0.5"]  # fmt: skip


def test_each_backward_step_writes_out_its_chain_rule_product():
    o, params = lecture_neuron()
    lines = all_lines(explorable(o, params))
    assert "do/dn = do/do \u00d7 do/dn = 1 \u00d7 0.5 = 0.5" in lines
    assert "do/dw1 = do/dn \u00d7 dn/dw1 = 0.5 \u00d7 2 = 1" in lines


def test_a_value_used_twice_adds_up_and_says_so():
    x = Value(2.0, label="x")
    u = x * x
    u.label = "u"
    loss = u + x
    loss.label = "L"
    lines = all_lines(explorable(loss))
    assert "dL/dx = dL/dL \u00d7 dL/dx = 1 \u00d7 1 = 1" in lines
    # x feeds u's box twice: each line names its edge, and the sum is said as it grows.
    edge = "(the local derivative of one of the 2 edges from x into u)"
    assert f"dL/dx += dL/du \u00d7 {edge} = 1 \u00d7 2 = 2, so dL/dx is now 3" in lines
    assert f"dL/dx += dL/du \u00d7 {edge} = 1 \u00d7 2 = 2, so dL/dx is now 5" in lines


def test_the_cells_each_frame_sets_end_at_the_last_frames_numbers():
    o, params = lecture_neuron()
    page = explorable(o, params)
    data = page_data(page)
    shown: dict[str, object] = {}
    grads: dict[str, list[str]] = {}
    for frame in data["frames"]:
        shown.update(frame["data"])
        grads.update(frame["grads"])
    diagram = draw_dot(o, params=params, compact=True)
    o.backward()
    final = draw_dot(o, params=params, compact=True)
    order = topological_order(o)
    for value, where in diagram.drawn.items():
        place = str(order.index(value))
        assert data["values"][int(place)] == list(where.nodes)
        if where.nodes:
            assert shown[place] == f"data {value.data:.4g}"
            assert grads[place][0] == f"grad {value.grad:.4g}"
        for node_id in where.nodes:
            assert node_id in data["nodes"]
            assert f'id="{node_id}"' in page
    # The page's diagram is drawn in its last step: as draw_dot draws it after backward().
    assert final.source.count("grad ") == page.count(">grad ")


def test_the_page_leaves_every_grad_as_it_was():
    o, params = lecture_neuron()
    o.backward()
    before = {v: v.grad for v in topological_order(o)}
    explorable(o, params)
    assert {v: v.grad for v in topological_order(o)} == before


def test_a_label_cannot_end_the_pages_data_or_script_early():
    x = Value(1.0, label="</script><script>alert(1)</script>")
    page = explorable(x * 2)
    assert page.count("<script") == 2  # the data and the page's script
    assert "alert(1)" in page_data(page)["frames"][0]["lines"][0]


def test_the_seed_page_shows_the_reports_sections_with_the_texts_numbers(seed):
    example = worked_example.run()
    text = worked_example.to_text(example)
    for section in worked_example.sections(example):
        assert f"<h2>{escape(section.title)}</h2>" in seed
        for row in section.rows:
            for cell in row:
                assert cell in text
                assert f"<td>{escape(cell)}</td>" in seed
    assert "<h2>The network</h2>" in seed


def test_the_seed_page_steps_through_dl_dw1_2_as_the_report_writes_it(seed):
    lines = all_lines(seed)
    assert "dL/dw1(2) = dL/dz(2) \u00d7 dz(2)/dw1(2) = -0.4697 \u00d7 0.6283 = -0.2951" in lines
    assert "dL/dw1(2) = -0.2951" in page_data(seed)["frames"][-1]["lines"]


def test_the_cli_writes_the_seed_page_and_a_formulas_page(tmp_path, seed):
    result = run_cli("seed", "--format", "html", "-o", str(tmp_path / "seed.html"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "seed.html").read_text() == seed + "\n"
    formula = ["graph", "tanh(x*w + b)", "--set", "x=0.5", "w=-3", "b=1"]
    result = run_cli(*formula, "-o", str(tmp_path / "g.html"))
    assert result.returncode == 0, result.stderr
    assert f"wrote {tmp_path / 'g.html'}" in result.stdout
    assert page_data((tmp_path / "g.html").read_text())["frames"]


def test_only_a_diagram_draw_dot_drew_saves_as_a_page(tmp_path):
    o, params = lecture_neuron()
    draw_dot(o, params=params).save(tmp_path / "full.html")
    assert "Backpropagation through o" in (tmp_path / "full.html").read_text()
    frame = next(backprop_steps(o))
    with pytest.raises(ValueError, match="only a diagram that draw_dot drew"):
        frame.save(tmp_path / "frame.html")
    assert not (tmp_path / "frame.html").exists()


def biggest_graphs():
    """Graphs at the size guard: a 250-value fan-out, and an MLP's loss near 250 values."""
    x = Value(1.0, label="x")
    total = x
    for _ in range(249):
        total = total + x
    model = MLP(2, [4, 4, 1], seed=0)
    out = model([0.5, -1.0])
    assert isinstance(out, Value)  # one output neuron: a Value, not a list
    loss = (out - 1.0) ** 2
    extra = loss
    while len(topological_order(extra)) + 2 <= DEFAULT_MAX_NODES:
        extra = extra * 1.0001
    return {"fan-out": total, "mlp": extra}


@pytest.mark.parametrize("name", ["fan-out", "mlp"])
def test_a_page_at_the_size_guard_stays_under_2_mb(name):
    root = biggest_graphs()[name]
    assert len(topological_order(root)) >= DEFAULT_MAX_NODES - 2
    started = time.perf_counter()
    page = explorable(root)
    seconds = time.perf_counter() - started
    print(f"{name}: {len(page.encode()):,} bytes in {seconds:.2f} s")
    assert len(page.encode()) < 2_000_000


def test_the_pages_in_docs_are_what_make_images_writes():
    from micrograd_like.viz import find_renderer

    command = find_renderer()
    if command is None or "graphviz-pure" not in Path(command[0]).name:
        pytest.skip("the committed pages were laid out by graphviz-pure; another dot differs")
    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("make_images", root / "docs" / "make_images.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, source in module.pages().items():
        # Run `python docs/make_images.py` after changing a page.
        assert (root / "docs" / "pages" / name).read_text(encoding="utf-8") == source, name


def hand_added(p: Value, q: Value) -> Value:
    """micrograd's way: a node built by hand, its _backward written out."""
    out = Value(p.data + q.data, (p, q), "+")

    def backward() -> None:
        p.grad += out.grad
        q.grad += out.grad

    out._backward = backward
    return out


def test_a_node_built_by_hand_among_built_in_ones_makes_a_page():
    a = Value(2.0, label="a")
    square = Value(4.0, (a * 3,), "square")  # no _backward: it passes nothing on
    last = page_data(explorable(square * 2))["frames"][-1]["lines"]
    assert last == ["d(square(a\u00d73)\u00d72)/da = 0"]
    x, w, b = Value(0.5, label="x"), Value(1.0, label="w"), Value(2.0, label="b")
    o = hand_added(hand_added(x * w, x * b), b).tanh()
    o.label = "o"
    lines = all_lines(explorable(o))
    assert "x\u00d7w + x\u00d7b + b was built by hand: its _backward ran" in lines
    o.backward()
    assert page_data(explorable(o))["frames"][-1]["lines"] == [
        f"do/d{name} = {value.grad:.4g}" for name, value in [("x", x), ("w", w), ("b", b)]
    ]


def test_a_leaf_alone_makes_a_page():
    assert page_data(explorable(Value(3.0)))["frames"][-1]["title"] == "Done: every gradient of 3"
