"""Files are written whole or not at all, and JSON files are standard JSON."""

from __future__ import annotations

import json
import math
import os

import pytest

from micrograd_like.files import cannot_write, write_atomic, write_json


def test_write_json_writes_standard_json_that_round_trips(tmp_path):
    document = {"loss": [0.5, 1e-300, -2.0], "sizes": [2, 3, 1], "name": "x\u00e9"}
    path = write_json(tmp_path / "m.json", document)
    assert json.loads(path.read_text(encoding="utf-8")) == document


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_write_json_refuses_what_standard_json_cannot_hold_and_writes_nothing(tmp_path, bad):
    message = rf"write_json: standard JSON has no NaN or infinity, and history.loss\[1\] = {bad!r}"
    with pytest.raises(ValueError, match=message):
        write_json(tmp_path / "m.json", {"history": {"loss": [1.0, bad]}})
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_replaces_the_whole_file_with_the_usual_permissions(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old content, longer than the new one")
    write_atomic(target, "new")
    assert target.read_text() == "new"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "model.json"
    target.write_text('{"old": true}')

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_json(target, {"new": True})
    assert target.read_text() == '{"old": true}'
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_a_missing_directory_is_an_os_error_and_leaves_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "missing" / "x.bin", b"\x00")
    assert list(tmp_path.iterdir()) == []


def test_a_directory_in_the_way_is_an_os_error_and_leaves_nothing(tmp_path):
    (tmp_path / "d.svg").mkdir()
    with pytest.raises(IsADirectoryError):
        write_atomic(tmp_path / "d.svg", "<svg/>")
    assert [p.name for p in tmp_path.iterdir()] == ["d.svg"]


def test_an_existing_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "secret.json"
    target.write_text("{}")
    target.chmod(0o600)
    write_json(target, {"a": 1})
    assert target.stat().st_mode & 0o777 == 0o600


def test_a_symbolic_link_is_written_through(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_an_os_error_names_the_file_asked_for(tmp_path):
    target = tmp_path / "missing" / "x.dot"
    with pytest.raises(FileNotFoundError) as error:
        write_atomic(target, "digraph {}")
    assert error.value.filename == str(target)


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("ok.txt", None),
        ("missing/x.txt", "the directory '{root}/missing' does not exist"),
        ("file.txt/x.txt", "'{root}/file.txt' is not a directory"),
        ("folder", "it is a directory"),
        ("a" * 300, "the file name is longer than the 255 bytes allowed here"),
    ],
)
def test_cannot_write_says_why_and_leaves_nothing(tmp_path, where, reason):
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "folder").mkdir()
    before = sorted(tmp_path.iterdir())
    assert cannot_write(tmp_path / where) == (reason and reason.format(root=tmp_path))
    assert sorted(tmp_path.iterdir()) == before


def test_cannot_write_tries_for_real_where_permission_bits_do_not_tell():
    # /proc lets root pass every permission check and still takes no new file.
    assert cannot_write("/proc/micrograd_like.json") is not None


def test_a_new_file_gets_the_permissions_open_would_give_it(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    path = write_atomic(tmp_path / "new.txt", "x")
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
