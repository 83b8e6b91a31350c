"""What the screen looks like: reader, spoiler gate, help and library at two sizes.

Update the stored pictures after an intended change with
``uv run pytest -n0 tests/ui/test_snapshots.py --snapshot-update`` and look at them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from nightstand.ui.library import LibraryScreen
from pilot_tools import settle

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from textual.pilot import Pilot

    from nightstand.ui.app import NightstandApp

SIZES = [(80, 24), (120, 40)]


async def _settle(pilot: Pilot[None]) -> None:
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_reader_page(
    snap_compare: Callable[..., bool],
    make_app: Callable[[Path], NightstandApp],
    story_file: Path,
    size: tuple[int, int],
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await _settle(pilot)
        await pilot.press("space", "space")
        await _settle(pilot)

    assert snap_compare(make_app(story_file), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_title_page_with_hidden_spoilers(
    snap_compare: Callable[..., bool],
    make_app: Callable[[Path], NightstandApp],
    story_file: Path,
    size: tuple[int, int],
) -> None:
    assert snap_compare(make_app(story_file), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_spoiler_gate(
    snap_compare: Callable[..., bool],
    make_app: Callable[[Path], NightstandApp],
    story_file: Path,
    size: tuple[int, int],
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await _settle(pilot)
        await pilot.press("s")
        await _settle(pilot)

    assert snap_compare(make_app(story_file), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_help_screen(
    snap_compare: Callable[..., bool],
    make_app: Callable[[Path], NightstandApp],
    story_file: Path,
    size: tuple[int, int],
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await _settle(pilot)
        await pilot.press("space", "question_mark")
        await _settle(pilot)

    assert snap_compare(make_app(story_file), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_library(
    snap_compare: Callable[..., bool],
    make_app: Callable[[Path], NightstandApp],
    story_file: Path,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (story_file.parent / "another-tale.txt").write_text(
        "Title: Another Tale\n\nAuthor: Someone Else\n\nA short tale of one line.\n",
        encoding="utf-8",
    )
    # A relative folder, so that the title line is the same on every machine.
    monkeypatch.chdir(story_file.parent.parent)
    folder = type(story_file)(story_file.parent.name)

    async def run_before(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, LibraryScreen)
        for _ in range(200):  # the scan runs in a thread; a loaded machine can be slow
            await _settle(pilot)
            if len(screen.entries) == 2:
                break
        await _settle(pilot)

    assert snap_compare(make_app(folder), terminal_size=size, run_before=run_before)
