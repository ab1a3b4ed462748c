"""Writing files so that an interrupted run never leaves half of one.

`write_atomic` writes to a temporary file beside the target and renames it
over the target only once every byte is on disk, so a reader sees either the
old file or the whole new one. `write_json` does the same for standard JSON:
``NaN`` and ``Infinity`` are refused, since other JSON readers refuse them.

Example:
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from micrograd_like.files import write_json
    >>> path = write_json(Path(tempfile.mkdtemp()) / "model.json", {"loss": 0.25})
    >>> json.loads(path.read_text())
    {'loss': 0.25}
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["write_atomic", "write_json"]


def _default_mode() -> int:
    """The permissions a plain ``open(path, "w")`` would give a new file (0o666 less the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Writes data (text as UTF-8) to path through a temporary file and a rename.

    Args:
        path: The file to write; its directory must exist.
        data: The whole content.

    Returns:
        The path written, as a `Path`.

    Raises:
        OSError: If the directory is missing or not writable, or the path is a
            directory; no temporary file is left behind.
    """
    target = Path(path)
    content = data.encode("utf-8") if isinstance(data, str) else data
    # A short temporary name: the target's own name may be near the length limit.
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file private (0o600); give it the usual permissions.
        os.chmod(temporary, _default_mode())
        os.replace(temporary, target)
    except BaseException:  # Ctrl-C too: never leave the temporary file
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target


def write_json(path: str | os.PathLike[str], document: Any, *, indent: int = 1) -> Path:
    """Writes document as standard JSON, atomically.

    Raises:
        ValueError: If the document holds NaN or an infinity, which standard
            JSON cannot hold; nothing is written.
        OSError: As `write_atomic`.
    """
    text = json.dumps(document, indent=indent, allow_nan=False)
    return write_atomic(path, text + "\n")
