"""The release a course can pin: the built wheel installs cleanly and runs the main demo.

CI builds the wheel and the sdist with ``python -m build`` into ``dist/`` before it runs this
file; ``MICROGRAD_LIKE_DIST`` names another folder. Without a wheel of this version there, the
tests that need one are skipped, saying so (``python -m build`` makes one in about 10 s).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import micrograd_like
from tests.test_readme import parse_blocks

ROOT = Path(__file__).resolve().parent.parent
DIST = Path(os.environ.get("MICROGRAD_LIKE_DIST", ROOT / "dist"))
VERSION = micrograd_like.__version__


def built(suffix: str) -> Path:
    """This version's wheel or sdist in DIST, or a skip that says how to make one."""
    name = f"micrograd_like-{VERSION}{suffix}"
    path = DIST / name
    if not path.is_file():
        pytest.skip(f"no {name} in {DIST}: run `python -m build` first (CI does)")
    return path


def readme_demo_output() -> str:
    """The demo's first lines as the README shows them, under 'Try it'."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in parse_blocks(readme) if b.section == "Try it" and b.language == "text"]
    assert len(blocks) == 1, "the README's 'Try it' section should show the demo's output once"
    return blocks[0].code


def test_the_changelog_has_a_section_for_this_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## [{VERSION}] - " in changelog
    assert "\n## [Unreleased]" in changelog


def test_the_wheel_holds_the_package_with_its_data_and_no_tests():
    names = zipfile.ZipFile(built("-py3-none-any.whl")).namelist()
    for needed in ("__init__.py", "__main__.py", "engine.py", "py.typed", "page.css", "page.js"):
        assert f"micrograd_like/{needed}" in names, needed
    assert not [name for name in names if name.startswith("tests/")]


def test_the_sdist_holds_the_sources_readme_changelog_and_licence():
    with tarfile.open(built(".tar.gz")) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for needed in (
        "pyproject.toml",
        "README.md",
        "CHANGELOG.md",
        "LICENSE",
        "micrograd_like/engine.py",
    ):
        assert needed in names, needed


def test_the_wheel_installs_into_a_fresh_venv_and_runs_the_demo_as_the_readme_says(tmp_path):
    wheel = built("-py3-none-any.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # The engine and the demo need nothing beyond the standard library.
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
    )
    elsewhere = tmp_path / "elsewhere"  # not the clone, so the clone's package is not imported
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    demo = subprocess.run(
        [str(python), "-m", "micrograd_like"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert demo.stdout.startswith(readme_demo_output())
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.metadata as m, micrograd_like as p; "
            "print(m.version('micrograd_like'), p.__version__, p.__file__)",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert where[:2] == [VERSION, VERSION]
    assert Path(where[2]).resolve().is_relative_to(venv.resolve())
