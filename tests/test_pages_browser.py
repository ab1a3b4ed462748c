"""The explorable pages in a real browser: headless Chromium, opened from file://, offline.

Skipped, with the reason, where no Chromium is found or playwright is missing;
`.ci/run` installs both, so CI always runs them. ``MICROGRAD_LIKE_CHROMIUM``
names another Chromium binary. Each test leaves a screenshot in
``MICROGRAD_LIKE_SCREENSHOTS`` when that names a directory, to be looked at.
"""

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from micrograd_like import Value
from micrograd_like.pages import explorable
from micrograd_like.viz import draw_dot
from tests.cli import run_cli
from tests.graphs import lecture_neuron


def chromium() -> str | None:
    named = os.environ.get("MICROGRAD_LIKE_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


# CI sets MICROGRAD_LIKE_REQUIRE_BROWSER=1: there, a missing browser fails instead of skipping.
REQUIRED = os.environ.get("MICROGRAD_LIKE_REQUIRE_BROWSER") == "1"
if REQUIRED:
    import playwright.sync_api as sync_api
else:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed: pip install playwright"
    )
CHROMIUM = chromium()
if REQUIRED and CHROMIUM is None:
    raise RuntimeError("MICROGRAD_LIKE_REQUIRE_BROWSER=1, but no Chromium is found")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium found for the browser tests: apt-get install chromium "
    "(or set MICROGRAD_LIKE_CHROMIUM to a Chromium binary)",
)

# Chromium on a closed network: no background connections, no sandbox as root.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


class Opened:
    """A page opened from disk with every request but the file itself refused."""

    def __init__(self, browser, path: Path, javascript: bool = True) -> None:
        self.url = path.resolve().as_uri()
        self.context = browser.new_context(
            viewport={"width": 1400, "height": 900}, java_script_enabled=javascript
        )
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(self.url)

    def _route(self, route) -> None:
        self.requests.append(route.request.url)
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def _console(self, message) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(message.text)

    def frames(self) -> list[dict]:
        return json.loads(self.page.locator("#frames").text_content())["frames"]

    def highlighted(self) -> str | None:
        return self.page.evaluate("() => document.querySelector('[data-highlighted]')?.id ?? null")

    def screenshot(self, name: str) -> None:
        folder = os.environ.get("MICROGRAD_LIKE_SCREENSHOTS")
        if folder:
            self.page.screenshot(path=str(Path(folder) / name), full_page=True)

    def close(self) -> None:
        self.context.close()


def neuron_page(tmp_path: Path) -> Path:
    o, params = lecture_neuron()
    return draw_dot(o, params=params).save(tmp_path / "neuron.html")


def seed_page(tmp_path: Path) -> Path:
    result = run_cli("seed", "--format", "html", "-o", str(tmp_path / "seed.html"))
    assert result.returncode == 0, result.stderr
    return tmp_path / "seed.html"


def formula_page(tmp_path: Path) -> Path:
    target = tmp_path / "formula.html"
    result = run_cli("graph", "x*x + x*y", "--set", "x=2", "y=3", "-o", str(target))
    assert result.returncode == 0, result.stderr
    return target


PAGES = {"neuron": neuron_page, "seed": seed_page, "formula": formula_page}


@pytest.mark.parametrize("kind", PAGES)
def test_the_page_works_offline_and_steps_with_the_keys(browser, tmp_path, kind):
    opened = Opened(browser, PAGES[kind](tmp_path))
    try:
        page, frames = opened.page, opened.frames()
        assert opened.requests == [opened.url]  # nothing but the file itself
        assert page.locator("#controls").is_visible()
        slider = page.locator("#step")
        assert int(slider.get_attribute("min")) == 0
        assert int(page.evaluate("() => document.getElementById('step').max")) + 1 == len(frames)
        assert page.locator("#step-title").text_content() == frames[0]["title"]
        # The → key moves one step, the outline moves to that step's node.
        page.locator("h1").click()  # the page, not the slider, has the focus
        seen = []
        for k in range(1, len(frames)):
            page.keyboard.press("ArrowRight")
            assert slider.input_value() == str(k)
            assert page.locator("#step-title").text_content() == frames[k]["title"]
            assert opened.highlighted() == frames[k]["focus"]
            seen.append(opened.highlighted())
        assert len({node for node in seen if node}) >= 2  # the outline went somewhere else
        page.keyboard.press("ArrowRight")  # past the end: it stays
        assert slider.input_value() == str(len(frames) - 1)
        page.keyboard.press("ArrowLeft")
        assert slider.input_value() == str(len(frames) - 2)
        opened.screenshot(f"{kind}.png")
        assert opened.errors == []
    finally:
        opened.close()


def test_the_slider_and_buttons_show_each_frames_numbers(browser, tmp_path):
    opened = Opened(browser, neuron_page(tmp_path))
    try:
        page, frames = opened.page, opened.frames()
        page.locator("#step").fill(str(len(frames) - 1))
        grads = page.locator("#v1 text").all_text_contents()  # w1, second in topological order
        assert "grad 1" in grads
        page.locator("#step").fill("0")
        assert "grad ?" in page.locator("#v1 text").all_text_contents()
        assert "data ?" in page.locator("#v9 text").all_text_contents()  # o, not computed yet
        page.locator("#next").click()
        assert page.locator("#step").input_value() == "1"
        page.locator("#previous").click()
        assert page.locator("#step").input_value() == "0"
        lines = page.locator("#step-lines li").all_text_contents()
        assert lines == frames[0]["lines"]
        assert page.locator("#explain").get_attribute("aria-live") == "polite"
        assert opened.errors == []
    finally:
        opened.close()


def test_hovering_or_focusing_a_node_shows_its_details(browser, tmp_path):
    opened = Opened(browser, neuron_page(tmp_path))
    try:
        page = opened.page
        page.locator("#step").fill(str(len(opened.frames()) - 1))
        page.locator("#v9").hover()
        assert page.locator("#details h2").text_content() == "o"
        assert page.locator("#details p").text_content() == "made by tanh; data 0.7071; grad 1"
        page.locator("#v0").focus()  # a leaf, by keyboard
        assert page.locator("#details h2").text_content() == "x1"
        details = page.locator("#details p").text_content()
        assert details == "a leaf (no operation); data 2; grad -1.5"
        assert opened.errors == []
    finally:
        opened.close()


def test_the_seed_pages_last_frame_shows_dl_dw1_2(browser, tmp_path):
    opened = Opened(browser, seed_page(tmp_path))
    try:
        page, frames = opened.page, opened.frames()
        page.locator("#step").fill(str(len(frames) - 1))
        assert "dL/dw1(2) = -0.2951" in page.locator("#step-lines").text_content()
        assert page.locator("h2", has_text="4. Update").is_visible()
        opened.screenshot("seed-last.png")
        assert opened.errors == []
    finally:
        opened.close()


@pytest.mark.parametrize("kind", PAGES)
def test_without_javascript_the_page_shows_the_last_frame_and_lists_every_step(
    browser, tmp_path, kind
):
    path = PAGES[kind](tmp_path)
    frames = json.loads(path.read_text().split('id="frames">', 1)[1].split("</script>", 1)[0])[
        "frames"
    ]
    opened = Opened(browser, path, javascript=False)
    try:
        page = opened.page
        assert not page.locator("#controls").is_visible()
        assert page.locator(".listing li").count() == len(frames)
        assert page.locator(".listing").is_visible()
        texts = page.locator("#graph svg text").all_text_contents()
        assert not any(text.endswith(" ?") for text in texts)  # every number is in
        if kind == "seed":
            assert "grad -0.2951" in texts
        assert opened.requests == [opened.url]
        opened.screenshot(f"{kind}-no-js.png")
    finally:
        opened.close()


def training_page(tmp_path: Path) -> Path:
    folder = tmp_path / "run"
    result = run_cli(
        "train", "--out", str(folder), "--steps", "12", "--hidden", "4,4", "--no-progress"
    )
    assert result.returncode == 0, result.stderr
    return folder / "training.html"


def test_the_training_replay_steps_through_the_recorded_steps(browser, tmp_path):
    opened = Opened(browser, training_page(tmp_path))
    try:
        page, frames = opened.page, opened.frames()
        assert opened.requests == [opened.url]
        assert int(page.evaluate("() => document.getElementById('step').max")) + 1 == len(frames)
        shown = "() => [...document.querySelectorAll('.network')].map((v) => !v.hidden)"
        cells = (
            "() => [...document.querySelectorAll('#boundary rect.cell')]"
            ".map((c) => c.getAttribute('fill'))"
        )
        marker = "() => Number(document.getElementById('marker').getAttribute('x1'))"
        page.locator("h1").click()
        for k in range(len(frames)):
            if k:
                page.keyboard.press("ArrowRight")
            assert page.locator("#step-title").text_content() == frames[k]["title"]
            assert page.evaluate(shown) == [j == k for j in range(len(frames))]
            assert page.evaluate(cells) == frames[k]["boundary"]
            assert page.evaluate(marker) == pytest.approx(frames[k]["upto"])
        # The sample's graph: its grad cells follow the recorded steps.
        page.locator("#step").fill("0")
        first = page.locator("#graph svg").text_content()
        page.locator("#step").fill(str(len(frames) - 1))
        assert page.locator("#graph svg").text_content() != first
        opened.screenshot("training.png")
        assert opened.errors == []
    finally:
        opened.close()


def test_without_javascript_the_replay_shows_its_last_step(browser, tmp_path):
    opened = Opened(browser, training_page(tmp_path), javascript=False)
    try:
        page = opened.page
        views = page.locator(".network")
        assert [views.nth(k).is_visible() for k in range(views.count())][-1]
        assert sum(views.nth(k).is_visible() for k in range(views.count())) == 1
        assert page.locator(".listing li").count() == views.count()
        opened.screenshot("training-no-js.png")
    finally:
        opened.close()


def test_a_label_that_reads_like_a_cell_stays_a_label(browser, tmp_path):
    a, b = Value(2.0, label="grad of b"), Value(3.0, label="data x")
    c = a * b
    c.label = "c"
    path = tmp_path / "labels.html"
    path.write_text(explorable(c), encoding="utf-8")
    opened = Opened(browser, path)
    try:
        page = opened.page
        page.locator("#step").fill(str(len(opened.frames()) - 1))
        assert page.locator("#v0 text").all_text_contents() == ["grad of b", "data 2", "grad 3"]
        assert page.locator("#v1 text").all_text_contents() == ["data x", "data 3", "grad 2"]
        assert opened.errors == []
    finally:
        opened.close()
