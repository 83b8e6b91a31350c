"""The story loaded in a child process is the story loaded in place."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from nightstand.errors import StoryError
from nightstand.formats import load
from nightstand.preload import Preload, pack, unpack

if TYPE_CHECKING:
    from pathlib import Path

STORY = """Title: Packed

Spoilers: the end

= = = =

Chapter 1

She said -no- and meant it . . . mostly.

* * *

Chapter 2

Done.

END
"""


def test_pack_then_unpack_gives_an_equal_story(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text(STORY, encoding="utf-8")
    story = load(path)
    again = unpack(pack(story))
    assert again == story
    assert again.block_index_at(story.chapters[1].offset) == story.chapters[1].block


def test_preload_in_a_child_equals_loading_in_place(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text(STORY * 50, encoding="utf-8")
    assert Preload(path).result() == load(path)


def test_preload_reports_errors_as_load_does(tmp_path: Path) -> None:
    with pytest.raises(StoryError, match="no such file"):
        Preload(tmp_path / "missing.txt").result()
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(StoryError, match="empty"):
        Preload(empty).result()


def test_cancel_reaps_the_child(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text(STORY, encoding="utf-8")
    preload = Preload(path)
    preload.cancel()
    with pytest.raises(ChildProcessError):
        import os

        os.waitpid(preload._pid, 0)
