"""The documentation site: every public name in the API reference, every link in the site.

- From the sources (always run): each public module has an API page whose ``:::`` directive
  hides none of its ``__all__``, every name ``micrograd_like`` exports is on one of those
  pages, and every Python example of the site is one of the README's, which
  ``tests/test_readme.py`` runs.
- From the built site: each public name has its anchor on its module's page, and every
  internal link and image of every page resolves to a file of the site. The site is the one
  ``MICROGRAD_LIKE_SITE`` names (CI builds ``site/`` with ``mkdocs build --strict`` and
  points here), or else one built into a temporary directory when MkDocs is installed (the
  ``docs`` extra; about 15 to 30 s); without either these tests are skipped.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.test_readme import parse_blocks

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "micrograd_like"
DOCS = ROOT / "docs"
API = DOCS / "api"
MKDOCS_YML = ROOT / "mkdocs.yml"


def exported_names(path: Path) -> list[str]:
    """The ``__all__`` of a module, read from its source without importing it."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            names = ast.literal_eval(node.value)
            assert isinstance(names, list)
            return names
    return []


PUBLIC_MODULES = {
    path.stem: exported_names(path)
    for path in sorted(PACKAGE.glob("*.py"))
    if not path.stem.startswith("_") and exported_names(path)
}
TOP_LEVEL = exported_names(PACKAGE / "__init__.py")

# "::: micrograd_like.engine" and the indented YAML options under it.
_DIRECTIVE = re.compile(r"^::: *(\S+)[ \t]*\n((?:[ \t]+\S.*\n?)*)", re.MULTILINE)
_ANCHOR = re.compile(r"\{#([\w.]+)\}")


def directives(page: Path) -> dict[str, str]:
    """Each ``:::`` identifier of a page, with the text of its options (empty if none)."""
    text = page.read_text(encoding="utf-8")
    return {match.group(1): match.group(2) for match in _DIRECTIVE.finditer(text)}


def global_filters() -> list[str]:
    """The mkdocstrings filters of mkdocs.yml (regexes; ``!`` excludes what matches)."""
    text = MKDOCS_YML.read_text(encoding="utf-8")
    match = re.search(r"^\s*filters: *\[(.*)\]", text, re.MULTILINE)
    return re.findall(r'"([^"]*)"', match.group(1)) if match else []


def hidden_by_filters(name: str) -> bool:
    """Whether mkdocs.yml's filters keep name out of the reference."""
    kept = True
    for pattern in global_filters():
        if pattern.startswith("!") and re.search(pattern[1:], name):
            kept = False
        elif not pattern.startswith("!") and re.search(pattern, name):
            kept = True
    return not kept


def documented_on_page(module: str, name: str) -> bool:
    """Whether docs/api/<module>.md shows name: its module's directive or its own entry."""
    page = API / f"{module}.md"
    if not page.exists():
        return False
    found = directives(page)
    dotted = f"micrograd_like.{module}"
    if f"{dotted}.{name}" in found or f"{dotted}.{name}" in _ANCHOR.findall(page.read_text()):
        return True
    if dotted not in found or hidden_by_filters(name):
        return False
    options = found[dotted]
    if re.search(r"^\s*members:\s*(false|\[\]|$)", options, re.MULTILINE):
        listed = re.findall(r"^\s*-\s*(\w+)", options, re.MULTILINE)
        return name in listed
    members = re.search(r"^\s*members:\s*\[(.*)\]", options, re.MULTILINE)
    return members is None or name in re.findall(r"\w+", members.group(1))


def home_module(name: str) -> str | None:
    """The module ``micrograd_like/__init__.py`` imports name from, if it imports it."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("micrograd_like.")
            and any((alias.asname or alias.name) == name for alias in node.names)
        ):
            return (node.module or "").split(".", 1)[1]
    return None


def test_there_are_public_modules_to_document():
    assert {"engine", "autograd", "nn", "viz", "exercises"} <= set(PUBLIC_MODULES)
    assert "Value" in TOP_LEVEL


@pytest.mark.parametrize("module", sorted(PUBLIC_MODULES))
def test_every_public_module_has_an_api_page_in_the_nav(module):
    assert (API / f"{module}.md").exists(), f"docs/api/{module}.md is missing"
    assert f"api/{module}.md" in MKDOCS_YML.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("module", "name"),
    [(module, name) for module, names in PUBLIC_MODULES.items() for name in names],
    ids=lambda value: str(value),
)
def test_every_name_in_a_modules_all_is_in_the_api_reference(module, name):
    assert documented_on_page(module, name), f"micrograd_like.{module}.{name}"


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_every_name_the_package_exports_is_in_the_api_reference(name):
    module = home_module(name)
    index = (API / "index.md").read_text(encoding="utf-8")
    explicit = f"| `{name}` |" in index or f"| [`{name}`][" in index
    from_module = module is not None and documented_on_page(module, name)
    assert explicit or from_module, f"micrograd_like.{name}"


def test_the_coverage_check_can_fail(tmp_path, monkeypatch):
    # Positive controls: a members filter, a filtered name and a missing page are caught.
    monkeypatch.setattr(sys.modules[__name__], "API", tmp_path)
    (tmp_path / "engine.md").write_text(
        "::: micrograd_like.engine\n    options:\n      members: [Value]\n", encoding="utf-8"
    )
    assert documented_on_page("engine", "Value")
    assert not documented_on_page("engine", "PRIMITIVES")
    assert not documented_on_page("nn", "MLP")
    (tmp_path / "engine.md").write_text(
        "::: micrograd_like.engine\n    options:\n      members: false\n", encoding="utf-8"
    )
    assert not documented_on_page("engine", "Value")
    assert hidden_by_filters("_private")
    assert not hidden_by_filters("__version__") or "__version__" not in TOP_LEVEL


def test_every_python_example_of_the_site_is_one_the_readme_checks():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    readme_blocks = {block.code for block in parse_blocks(readme) if block.language == "python"}
    for page in sorted(DOCS.glob("*.md")):
        for block in parse_blocks(page.read_text(encoding="utf-8")):
            if block.language == "python":
                where = f"{page.relative_to(ROOT)}:{block.line}"
                assert block.code in readme_blocks, f"{where} is not a README example"


def test_every_readme_section_a_page_includes_is_in_the_readme():
    # docs/hooks.py puts the README's sections into the pages at build time.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    titles = set(re.findall(r"^#{2,6} +(.+?) *$", readme, re.MULTILINE)) | {"(opening)"}
    included = {
        f"{page.name}: {title}"
        for page in sorted(DOCS.glob("*.md"))
        for title in re.findall(r"^<!-- readme: (.+?) -->", page.read_text(), re.MULTILINE)
    }
    assert len(included) >= 15
    assert [entry for entry in sorted(included) if entry.split(": ", 1)[1] not in titles] == []


def test_getting_started_gives_the_readmes_test_command_as_it_is():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"<!-- test-command.*?\n```bash\n(.+?)\n```", readme, re.DOTALL)
    assert command is not None
    page = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    assert f"```bash\n{command.group(1)}\n```" in page


# ---------------------------------------------------------------------------
# The built site.
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The built site: MICROGRAD_LIKE_SITE, or one built now if MkDocs is installed."""
    named = os.environ.get("MICROGRAD_LIKE_SITE")
    if named:
        path = Path(named).resolve()
        assert (path / "index.html").exists(), f"MICROGRAD_LIKE_SITE={named} has no index.html"
        return path
    if not _importable("mkdocs"):
        pytest.skip(
            'the site checks need MkDocs: pip install ".[docs]", or MICROGRAD_LIKE_SITE=site/ '
            "after mkdocs build"
        )
    out = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT,
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    return out


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


class _Links(HTMLParser):
    """The href and src of every element of a page, with the ids it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for attr, value in attrs:
            if value is None:
                continue
            if attr in ("href", "src") and tag != "base":
                self.links.append(value)
            elif attr == "id":
                self.ids.add(value)


def parse_page(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def broken_links(site_dir: Path) -> list[str]:
    """Every internal link or image of site_dir's pages whose target is not in site_dir."""
    broken = []
    for page in sorted(site_dir.rglob("*.html")):
        for link in parse_page(page).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("#", "data:", "mailto:")):
                continue  # external, or on the page itself
            if not parts.path:
                continue
            base = site_dir if parts.path.startswith("/") else page.parent
            target = (base / unquote(parts.path).lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file() or site_dir.resolve() not in target.parents:
                broken.append(f"{page.relative_to(site_dir)}: {link}")
    return broken


def test_every_internal_link_and_image_of_the_site_resolves(site):
    pages = list(site.rglob("*.html"))
    assert len(pages) > 40, "the site has too few pages"
    assert broken_links(site) == []


def test_the_link_check_can_fail(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text(
        '<a href="../b/">b</a><img src="pic.png"><a href="https://x.org/">x</a>'
        '<a href="#top">top</a><a href="../index.html">home</a>',
        encoding="utf-8",
    )
    (tmp_path / "index.html").write_text("<p>home</p>", encoding="utf-8")
    assert broken_links(tmp_path) == ["a/index.html: ../b/", "a/index.html: pic.png"]


def test_the_site_copies_the_explorable_pages_screenshots_and_notebooks(site):
    for path in ("pages/seed.html", "pages/neuron.html", "screenshots/seed.png"):
        assert (site / path).is_file(), path
    seed = (site / "worked-example" / "index.html").read_text(encoding="utf-8")
    assert 'href="../pages/seed.html"' in seed
    notebook = (site / "notebooks" / "01_backprop_worked_example" / "index.html").read_text(
        encoding="utf-8"
    )
    assert "0.634366" in notebook, "the notebook's outputs are not on its page"


@pytest.mark.parametrize("module", sorted(PUBLIC_MODULES))
def test_every_public_name_has_its_anchor_on_its_module_page(site, module):
    ids = parse_page(site / "api" / module / "index.html").ids
    names = PUBLIC_MODULES[module]
    missing = [name for name in names if f"micrograd_like.{module}.{name}" not in ids]
    assert missing == []
