"""Writing files so that an interrupted run never leaves half of one.

`write_atomic` writes to a temporary file beside the target and renames it
over the target only once every byte is on disk, so a reader sees either the
old file or the whole new one. `write_json` does the same for standard JSON:
``NaN`` and ``Infinity`` are refused, since other JSON readers refuse them.
`cannot_write` says, before any work is done, why a file could not be written.

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
import math
import os
import secrets
from pathlib import Path
from typing import Any

__all__ = ["cannot_write", "write_atomic", "write_json"]


def _name_limit(folder: Path) -> int:
    """The longest file name, in bytes, that folder's file system takes."""
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # no pathconf (Windows), or no answer
        return 255


def cannot_write(path: str | os.PathLike[str]) -> str | None:
    """Why a file could not be written at path, found by trying; None if it can be.

    The check creates and removes a temporary file in path's folder, since
    permission bits do not tell (root passes them, and ``/proc`` or a
    read-only mount refuse anyway). Nothing else is created.

    Args:
        path: The file that is to be written.

    Returns:
        A short reason, e.g. "the directory 'out' does not exist", or None.

    Example:
        >>> import tempfile, pathlib
        >>> from micrograd_like.files import cannot_write
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> cannot_write(folder / "out.txt") is None
        True
        >>> cannot_write(folder / "missing" / "out.txt").endswith("missing' does not exist")
        True
    """
    target = Path(path)
    folder = target.parent
    try:
        if len(os.fsencode(target.name)) > _name_limit(folder):
            return f"the file name is longer than the {_name_limit(folder)} bytes allowed here"
        if target.is_dir():
            return "it is a directory"
        if not folder.exists():
            return f"the directory {str(folder)!r} does not exist"
        if not folder.is_dir():
            return f"{str(folder)!r} is not a directory"
        handle, probe = _temporary(folder)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:  # a name too long for the system, no permission, ...
        return error.strerror or str(error)
    return None


def _temporary(folder: Path) -> tuple[int, str]:
    """A new file in folder, open for writing, with the permissions open() would give it.

    A short name, since the target's own may be near the length limit; the
    mode 0o666 less the umask is applied by the system, as for any new file.
    """
    name = os.path.join(folder, f".tmp-{secrets.token_hex(6)}.part")
    return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), name


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Writes data (text as UTF-8) to path through a temporary file and a rename.

    A symbolic link is written through, to the file it points to, and an
    existing file keeps its permissions.

    Args:
        path: The file to write; its directory must exist.
        data: The whole content.

    Returns:
        The path written, as a `Path`.

    Raises:
        OSError: If the directory is missing or not writable, or the path is a
            directory; its filename is the path. No temporary file is left behind.

    Example:
        >>> import tempfile, pathlib
        >>> from micrograd_like.files import write_atomic
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> write_atomic(folder / "notes.txt", "hi").read_text()
        'hi'
    """
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    content = data.encode("utf-8") if isinstance(data, str) else data
    try:
        handle, temporary = _temporary(target.parent)
    except OSError as error:
        raise type(error)(error.errno, error.strerror, str(path)) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, target.stat().st_mode & 0o7777)
        os.replace(temporary, target)
    except BaseException as error:  # Ctrl-C too: never leave the temporary file
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError) and error.filename != str(path):
            raise type(error)(error.errno, error.strerror, str(path)) from None
        raise
    return target


def _first_non_finite(document: Any, where: str = "") -> str | None:
    """Where document holds NaN or an infinity, as "history.loss[3] = inf", else None."""
    if isinstance(document, float) and not math.isfinite(document):
        return f"{where or 'the document'} = {document!r}"
    if isinstance(document, dict):
        items: Any = ((f"{where}.{key}" if where else str(key), v) for key, v in document.items())
    elif isinstance(document, (list, tuple)):
        items = ((f"{where}[{i}]", value) for i, value in enumerate(document))
    else:
        return None
    return next(filter(None, (_first_non_finite(v, w) for w, v in items)), None)


def write_json(path: str | os.PathLike[str], document: Any, *, indent: int = 1) -> Path:
    """Writes document as standard JSON, atomically.

    Args:
        path: The file to write.
        document: Plain data: dicts, lists, strings, numbers, booleans and None.
        indent: The indentation, as for ``json.dump``.

    Returns:
        The path written, as a `Path`.

    Raises:
        ValueError: If the document holds NaN or an infinity, which standard
            JSON cannot hold; the message says where. Nothing is written.
        OSError: As `write_atomic`.

    Example:
        >>> import json, tempfile, pathlib
        >>> from micrograd_like.files import write_json
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> json.loads(write_json(folder / "model.json", {"x": 1.5}).read_text())
        {'x': 1.5}
        >>> write_json(folder / "bad.json", {"x": float("nan")})
        Traceback (most recent call last):
        ValueError: write_json: standard JSON has no NaN or infinity, and x = nan
    """
    where = _first_non_finite(document)
    if where is not None:
        raise ValueError(f"write_json: standard JSON has no NaN or infinity, and {where}")
    return write_atomic(path, json.dumps(document, indent=indent, allow_nan=False) + "\n")
