"""`nightstand list` with no folder lists every story read, plus the library folder (#13)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from nightstand.cli import main
from nightstand.formats import load
from nightstand.state import StateStore

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def _read_once(path: Path) -> str:
    story = load(path)
    with StateStore.open() as store:
        key = store.story_key(story, path)
        store.save_position(key, path, story, len(story.text) // 2)
    return key


def test_list_without_a_folder_lists_stories_read_elsewhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    away = tmp_path / "away"
    away.mkdir()
    kept = away / "kept.txt"
    kept.write_text("Title: Kept Tale\n\nIt is still here.\n", encoding="utf-8")
    gone = away / "gone.txt"
    gone.write_text("Title: Gone Tale\n\nIt will be deleted.\n", encoding="utf-8")
    _read_once(kept)
    _read_once(gone)
    gone.unlink()
    main(["list", "--json"])
    rows = {row["title"]: row for row in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"Kept Tale", "Gone Tale"}
    assert rows["Kept Tale"]["missing"] is False
    assert rows["Gone Tale"]["missing"] is True
    assert rows["Kept Tale"]["path"] == str(kept.resolve())
    assert rows["Kept Tale"]["finished"] is False
    # A folder named on the command line lists that folder only.
    other = tmp_path / "other"
    other.mkdir()
    main(["list", "--json", str(other)])
    assert json.loads(capsys.readouterr().out) == []
