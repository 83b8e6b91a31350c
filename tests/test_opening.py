"""What bare ``nightstand`` opens, and what a bug in a command looks like to the reader."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nightstand import cli
from nightstand.formats import load
from nightstand.opening import Opening, plan_opening
from nightstand.state import StateStore
from storymaker import write_story


def _close(opening: Opening) -> None:
    if opening.preload is not None:
        opening.preload.cancel()
    opening.store.close()


def _read(path: Path, offset: int) -> None:
    """Leave a story at ``offset``, as a reading session does."""
    story = load(path)
    with StateStore.open() as store:
        store.save_position(store.story_key(story, path), path, story, offset)


def test_bare_nightstand_with_nothing_read_opens_the_library_folder() -> None:
    library = Path(os.environ["NIGHTSTAND_DATA_DIR"]) / "library"
    opening = plan_opening(None)
    try:
        assert opening.story_path is None
        assert opening.folder == opening.settings.library == library
        assert library.is_dir()  # made on first run
    finally:
        _close(opening)


def test_bare_nightstand_resumes_the_story_read_last(tmp_path: Path) -> None:
    first = write_story(tmp_path / "first.txt", title="The First")
    second = write_story(tmp_path / "second.txt", title="The Second", seed=1)
    _read(first, 40)
    _read(second, 30)
    opening = plan_opening(None)
    try:
        assert opening.story_path == second
        assert opening.folder is None
    finally:
        _close(opening)
    _read(first, 50)
    opening = plan_opening(None)
    try:
        assert opening.story_path == first
    finally:
        _close(opening)
    # A story whose file has gone is passed over for the one read before it.
    first.unlink()
    opening = plan_opening(None)
    try:
        assert opening.story_path == second
    finally:
        _close(opening)


def test_a_bug_in_a_command_is_one_line_and_the_details_go_to_crash_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def jammed(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("the gears jammed at 51c0")

    monkeypatch.setattr(cli, "info_data", jammed)
    path = write_story(tmp_path / "a.txt")
    with pytest.raises(SystemExit) as stopped:
        cli.main(["info", str(path)])
    assert stopped.value.code == 2
    out, err = capsys.readouterr()
    log = Path(os.environ["NIGHTSTAND_STATE_DIR"]) / "crash.log"
    assert err.splitlines() == [
        f"nightstand: error: an internal error stopped nightstand (details in {log})"
    ], err
    assert out == ""
    details = log.read_text(encoding="utf-8")
    assert "Traceback" in details and "the gears jammed at 51c0" in details
