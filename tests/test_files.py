"""Files are written whole or not at all, and JSON files are standard JSON."""

from __future__ import annotations

import json
import math
import os

import pytest

from micrograd_like.files import write_atomic, write_json


def test_write_json_writes_standard_json_that_round_trips(tmp_path):
    document = {"loss": [0.5, 1e-300, -2.0], "sizes": [2, 3, 1], "name": "x\u00e9"}
    path = write_json(tmp_path / "m.json", document)
    assert json.loads(path.read_text(encoding="utf-8")) == document


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_write_json_refuses_what_standard_json_cannot_hold_and_writes_nothing(tmp_path, bad):
    with pytest.raises(ValueError, match="JSON compliant"):
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
