"""The library is every story read, wherever its file is, plus the library folder (#13)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from nightstand.library import entry_data, scan
from nightstand.state import StateStore
from nightstand.ui.library import LibraryScreen
from nightstand.ui.reader import ReaderScreen
from pilot_tools import settle, wait_until

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from nightstand.ui.app import NightstandApp

SIZE = (100, 30)


def _reader(app: NightstandApp) -> ReaderScreen:
    screen = app.screen
    assert isinstance(screen, ReaderScreen), type(screen)
    return screen


async def test_l_from_a_directly_opened_story_lists_it_selected_and_esc_returns(
    make_app: Callable[[Path], NightstandApp], story_file: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "library"  # The library folder is empty; the story lives elsewhere.
    elsewhere.mkdir()
    (elsewhere / "in-the-folder.txt").write_text(
        "Title: In The Folder\n\nA tale kept in the library folder.\n", encoding="utf-8"
    )
    app = make_app(story_file)
    app.settings = replace(app.settings, library=elsewhere)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "space")
        await settle(pilot)
        page_before = _reader(app).reading_position
        assert page_before > 0
        await pilot.press("L")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, LibraryScreen) and app.screen.entries,
            "the library lists its stories",
        )
        library = app.screen
        assert isinstance(library, LibraryScreen)
        titles = sorted(e.title for e in library.entries)
        assert titles == ["In The Folder", "The Missing Lamp"]
        selected = library.selected()
        assert selected is not None and selected.title == "The Missing Lamp"
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), "back to the page")
        assert _reader(app).reading_position == page_before
        # Enter on the same story is also the way back to its page.
        await pilot.press("L")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, LibraryScreen) and app.screen.entries,
            "the library again",
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), "the story again")
        assert _reader(app).reading_position == page_before


async def test_a_story_whose_file_is_gone_shows_as_missing_and_keeps_its_state(
    make_app: Callable[[Path], NightstandApp], story_file: Path, tmp_path: Path
) -> None:
    app = make_app(story_file)
    app.settings = replace(app.settings, library=tmp_path / "no-such-folder")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "space")
        await settle(pilot)
        key = _reader(app).opened.key
    story_file.unlink()
    with StateStore.open() as store:
        entries = scan(tmp_path / "no-such-folder", store, history=True)
        assert store.position(key) is not None
    assert [(e.title, e.missing) for e in entries] == [("The Missing Lamp", True)]
    data = entry_data(entries[0])
    assert data["missing"] is True
    assert data["path"] == str(story_file.resolve())
