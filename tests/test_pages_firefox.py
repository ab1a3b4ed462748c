"""The explorable pages in Firefox too: headless, driven through Marionette, from file://.

Skipped, with the reason, where Firefox or the marionette_driver package is not
found. `.ci/run` installs Debian's firefox-esr. Chromium's tests
(tests/test_pages_browser.py) are the thorough ones; these check that the same
script runs in Firefox's engine: the controls appear (the script ran to its
end), the slider has a step per frame, and the arrow key moves the outline.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from micrograd_like.viz import draw_dot
from tests.cli import run_cli
from tests.graphs import lecture_neuron

marionette = pytest.importorskip(
    "marionette_driver.marionette",
    reason="marionette_driver is not installed: pip install marionette-driver",
)
FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")
pytestmark = pytest.mark.skipif(
    FIREFOX is None, reason="no Firefox found for the Firefox tests: apt-get install firefox-esr"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    pytest.fail(f"Firefox did not open its Marionette port {port} in {seconds:g} s")


@pytest.fixture(scope="module")
def firefox() -> Iterator[object]:
    profile = Path(tempfile.mkdtemp(prefix="micrograd-like-firefox-"))
    port = free_port()
    (profile / "user.js").write_text(f'user_pref("marionette.port", {port});\n')
    process = subprocess.Popen(
        [str(FIREFOX), "--marionette", "--headless", "--no-remote", "--profile", str(profile)],
        env={**os.environ, "MOZ_HEADLESS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)  # marionette_driver's own wait leaks a socket per try
        client = marionette.Marionette(host="127.0.0.1", port=port, startup_timeout=60)
        client.start_session()
        yield client
        client.delete_session()
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)


def open_page(client, path: Path) -> list[dict]:
    client.navigate(path.resolve().as_uri())
    for _ in range(50):  # the script runs at the end of the page: wait for its controls
        if client.execute_script("return !document.getElementById('controls').hidden"):
            break
        time.sleep(0.1)
    else:
        pytest.fail("the page's script did not show its controls in Firefox")
    raw = client.execute_script("return document.getElementById('frames').textContent")
    return list(json.loads(raw)["frames"])


def press_right(client) -> None:
    client.execute_script(
        "document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight'}))"
    )


def state(client) -> tuple[str, str, str | None]:
    return tuple(
        client.execute_script(
            "const h = document.querySelector('[data-highlighted]');"
            "return [document.getElementById('step').value,"
            " document.getElementById('step-title').textContent, h ? h.id : null];"
        )
    )


def test_the_neuron_page_steps_in_firefox(firefox, tmp_path):
    o, params = lecture_neuron()
    frames = open_page(firefox, draw_dot(o, params=params).save(tmp_path / "neuron.html"))
    assert int(firefox.execute_script("return document.getElementById('step').max")) + 1 == len(
        frames
    )
    for k in range(1, len(frames)):
        press_right(firefox)
        assert state(firefox) == (str(k), frames[k]["title"], frames[k]["focus"])


def test_the_seed_pages_last_frame_shows_dl_dw1_2_in_firefox(firefox, tmp_path):
    result = run_cli("seed", "--format", "html", "-o", str(tmp_path / "seed.html"))
    assert result.returncode == 0, result.stderr
    frames = open_page(firefox, tmp_path / "seed.html")
    for _ in range(len(frames) - 1):
        press_right(firefox)
    lines = firefox.execute_script("return document.getElementById('step-lines').textContent")
    assert "dL/dw1(2) = -0.2951" in lines


def test_the_training_replay_steps_in_firefox(firefox, tmp_path):
    folder = tmp_path / "run"
    result = run_cli("train", "--out", str(folder), "--steps", "6", "--no-progress")
    assert result.returncode == 0, result.stderr
    frames = open_page(firefox, folder / "training.html")
    shown = "return [...document.querySelectorAll('.network')].map((v) => !v.hidden)"
    assert firefox.execute_script(shown) == [j == 0 for j in range(len(frames))]
    press_right(firefox)
    assert firefox.execute_script(shown) == [j == 1 for j in range(len(frames))]
