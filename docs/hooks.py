"""MkDocs hooks for the site (mkdocs.yml loads this file).

- A page line ``<!-- readme: Diagrams -->`` is replaced, at build time, by that section of the
  README (``<!-- readme: (opening) -->``: the text above its first section), so the site says
  what the README says, and the README's examples, which ``tests/test_readme.py`` runs, are
  the site's. Links are rewritten for the site: ``docs/images/x.svg`` becomes
  ``images/x.svg``, a README anchor the page of the section that holds it, and a raw
  ``<img>`` a Markdown image. A section that is not in the README stops the build.
- The notebooks link to the repository's files from ``notebooks/``: ``../docs/pages/seed.html``.
  On the site a notebook is the page ``notebooks/NAME/``, and those files are at the site's
  root, so such links climb to the root instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
OPENING = "(opening)"
_MARKER = re.compile(r"^<!-- readme: (.+?) -->[ \t]*$", re.MULTILINE)
_HEADING = re.compile(r"^(#{1,6}) +(.+?) *$")
_FENCE = re.compile(r"^```")
_IMG = re.compile(r'<img src="([^"]+)" width="(\d+)" alt="([^"]+)">')


def slug(title: str) -> str:
    """The anchor GitHub and Python-Markdown give a heading: 'The worked example' -> ..."""
    text = re.sub(r"[`*_]", "", title).strip().lower()
    return re.sub(r"[\s]+", "-", re.sub(r"[^\w\s-]", "", text))


def readme_sections() -> dict[str, tuple[int, list[str]]]:
    """Every README section by title, with its level and its lines (subsections included)."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    headings = []  # (line index, level, title), outside code blocks
    in_code = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            in_code = not in_code
        elif not in_code and (match := _HEADING.match(line)):
            headings.append((i, len(match.group(1)), match.group(2)))
    sections = {OPENING: (1, lines[1 : headings[1][0]] if len(headings) > 1 else lines[1:])}
    for n, (start, level, title) in enumerate(headings[1:], 1):
        end = next((i for i, lvl, _ in headings[n + 1 :] if lvl <= level), len(lines))
        sections[title] = (level, lines[start + 1 : end])
    return sections


def anchors_to_pages(docs_dir: Path) -> dict[str, str]:
    """Each README anchor that a page includes, as that page's path (with an anchor if inner)."""
    sections = readme_sections()
    found: dict[str, str] = {}
    for page in sorted(docs_dir.glob("*.md")):
        for title in _MARKER.findall(page.read_text(encoding="utf-8")):
            if title not in sections:
                continue
            found.setdefault(slug(title), page.name)
            for line in sections[title][1]:
                if match := _HEADING.match(line):
                    found.setdefault(slug(match.group(2)), f"{page.name}#{slug(match.group(2))}")
    return found


def for_the_site(lines: list[str], level: int, page: str, anchors: dict[str, str]) -> str:
    """A README section's lines as a page shows them: headings one level up, links rewritten."""
    out = []
    in_code = False
    for line in lines:
        if _FENCE.match(line):
            in_code = not in_code
        if in_code or _FENCE.match(line):
            out.append(line)
            continue
        if match := _HEADING.match(line):
            depth = max(2, len(match.group(1)) - level + 1)
            line = "#" * depth + " " + match.group(2)
        line = line.replace("](docs/", "](").replace('src="docs/', 'src="')
        line = _IMG.sub(r'![\3](\1){ width="\2" }', line).replace("<p>", "").replace("</p>", "")

        def anchor(match: re.Match[str]) -> str:
            target = anchors.get(match.group(1))
            if target is None:
                return match.group(0)  # left as it is: MkDocs reports it if it is broken
            if target.split("#")[0] == page:
                target = "#" + target.split("#", 1)[1] if "#" in target else "#"
            return f"]({target})"

        out.append(re.sub(r"\]\(#([\w-]+)\)", anchor, line))
    return "\n".join(out).strip("\n")


def on_page_markdown(markdown: str, page: Any, config: Any, **kwargs: Any) -> str:
    """Replaces each ``<!-- readme: TITLE -->`` line with that README section."""
    if not _MARKER.search(markdown):
        return markdown
    sections = readme_sections()
    anchors = anchors_to_pages(Path(config["docs_dir"]))

    def include(match: re.Match[str]) -> str:
        title = match.group(1)
        if title not in sections:
            raise PluginError(f"{page.file.src_uri}: the README has no section {title!r}")
        level, lines = sections[title]
        return for_the_site(lines, level, page.file.src_uri, anchors)

    return _MARKER.sub(include, markdown)


def on_page_content(html: str, page: Any, **kwargs: Any) -> str:
    """Points a notebook page's ``../docs/`` links at the same files on the site."""
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    root = "../" * page.url.strip("/").count("/") + "../"
    for attribute in ("href", "src"):
        html = html.replace(f'{attribute}="../docs/', f'{attribute}="{root}')
    return html
