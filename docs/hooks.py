"""MkDocs hooks for the site (mkdocs.yml loads this file).

The notebooks link to the repository's files from ``notebooks/``: ``../docs/pages/seed.html``.
On the site a notebook is the page ``notebooks/NAME/``, and those files are at the site's root,
so such links are rewritten to climb to the root instead.
"""

from __future__ import annotations

from typing import Any


def on_page_content(html: str, page: Any, **kwargs: Any) -> str:
    """Points a notebook page's ``../docs/`` links at the same files on the site."""
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    root = "../" * page.url.strip("/").count("/") + "../"
    for attribute in ("href", "src"):
        html = html.replace(f'{attribute}="../docs/', f'{attribute}="{root}')
    return html
