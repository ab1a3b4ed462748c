"""A griffe extension for the API reference: the package's ``Example:`` sections as examples.

The docstrings say ``Example:`` (Google style, singular). Griffe's Google parser reads only
``Examples:`` as a section of doctests and takes ``Example:`` for an admonition, whose
``>>>`` lines Markdown would turn into quotes. This renames the heading, in the loaded
docstring only, so every example is shown as code. mkdocs.yml loads it.
"""

from __future__ import annotations

import re
from typing import Any

from griffe import Extension, Object

_EXAMPLE = re.compile(r"^(\s*)Example:[ \t]*$", re.MULTILINE)


class ExampleSections(Extension):
    """Renames each ``Example:`` section heading to ``Examples:`` as objects are loaded."""

    def on_instance(self, *, obj: Object, **kwargs: Any) -> None:
        """Rewrites obj's docstring heading, if it has one."""
        if obj.docstring is not None:
            obj.docstring.value = _EXAMPLE.sub(r"\1Examples:", obj.docstring.value)
