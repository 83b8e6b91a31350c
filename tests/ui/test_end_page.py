"""Space on the last page shows the end page and marks the story finished (#13)."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from textual.widgets import DataTable

import nightstand.ui.end_page as end_page
from nightstand.cli import main
from nightstand.finishing import ending
from nightstand.library import scan
from nightstand.ui.end_page import EndPage
from nightstand.ui.library import LibraryScreen, reading_state
from nightstand.ui.reader import ReaderScreen
from pilot_tools import settle, wait_until
from screen_text import screen_text

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pytest
    from textual.pilot import Pilot

    from nightstand.ui.app import NightstandApp

SIZE = (100, 30)


def test_the_summary_names_words_and_reading_time() -> None:
    assert ending("T", 12_345, 250).summary == "12,345 words · about 49 min of reading"
    assert ending("T", 0, 250).minutes == 0


async def test_space_on_the_last_page_shows_finished_and_marks_the_story(
    make_app: Callable[[Path], NightstandApp],
    story_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    unread = story_file.parent / "next-one.txt"
    unread.write_text("Title: The Next One\n\nNot read yet.\n", encoding="utf-8")
    app = make_app(story_file)
    app.settings = replace(app.settings, library=story_file.parent)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "G")
        await settle(pilot)
        await pilot.press("space")
        await wait_until(pilot, lambda: isinstance(app.screen, EndPage), "the end page")
        end = app.screen
        assert isinstance(end, EndPage)
        await wait_until(pilot, lambda: end.looked, "the next story was looked for")
        shown = screen_text(pilot)
        assert "Finished" in shown
        assert "words" in shown and "of reading" in shown
        assert "Next: The Next One" in shown
        assert "Read next" in shown  # the footer offers Enter once there is a next story
        key = next(s for s in app.screen_stack if isinstance(s, ReaderScreen)).opened.key
        assert app.store.finished(key) is not None
        # Back goes to the last page; Space there shows the end again.
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), "the last page")
        await pilot.press("space")
        await wait_until(pilot, lambda: isinstance(app.screen, EndPage), "the end page again")
        await wait_until(pilot, lambda: app.screen.looked, "looked again")  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, ReaderScreen) and app.screen.story.title == "The Next One"
            ),
            "the next story opens",
        )
        await settle(pilot)
        await pilot.press("q")
    entries = scan(story_file.parent, app.store, history=True)
    states = {e.title: e.read_state for e in entries}
    assert states == {"The Missing Lamp": "finished", "The Next One": "reading"}
    shown_state = reading_state(next(e for e in entries if e.read_state == "finished"))
    assert shown_state.plain == "finished"
    main(["list", "--json", str(story_file.parent)])
    rows = {r["title"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["The Missing Lamp"]["finished"] is True
    assert rows["The Next One"]["finished"] is False


async def test_the_library_shows_unread_reading_and_finished(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    (story_file.parent / "never-opened.txt").write_text(
        "Title: Never Opened\n\nUnread.\n", encoding="utf-8"
    )
    app = make_app(story_file.parent)
    async with app.run_test(size=SIZE) as pilot:
        library = app.screen
        assert isinstance(library, LibraryScreen)
        await wait_until(pilot, lambda: len(library.entries) == 2, "the scan")
        assert {e.title: e.read_state for e in library.entries} == {
            "The Missing Lamp": "unread",
            "Never Opened": "unread",
        }
        await settle(pilot)
        assert "unread" in screen_text(pilot)


async def _last_page_then_end(pilot: Pilot[None]) -> EndPage:
    """G, then Space: the end page, once it has looked for the next story."""
    app = pilot.app
    await settle(pilot)
    await pilot.press("G")
    await settle(pilot)
    await pilot.press("space")
    end = await wait_until(
        pilot,
        lambda: isinstance(app.screen, EndPage) and app.screen.looked and app.screen,
        "the end page, the library looked through",
    )
    assert isinstance(end, EndPage)
    return end


async def test_enter_is_not_offered_when_no_story_is_left(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    app.settings = replace(app.settings, library=story_file.parent)
    async with app.run_test(size=SIZE) as pilot:
        end = await _last_page_then_end(pilot)
        await settle(pilot)
        shown = screen_text(pilot)
        assert "No unread story left" in shown
        assert "Read next" not in shown
        assert "Last page" in shown  # the footer is there, only without Enter
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is end


async def test_escape_before_the_next_story_is_found_leaves_the_reader_working(
    make_app: Callable[[Path], NightstandApp],
    story_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = threading.Event()
    release = threading.Event()
    real_scan = end_page.scan

    def slow_scan(*args: object, **kwargs: object) -> object:
        started.set()
        release.wait(30)
        return real_scan(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(end_page, "scan", slow_scan)
    app = make_app(story_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        await pilot.press("space")
        await wait_until(pilot, lambda: isinstance(app.screen, EndPage), "the end page")
        await wait_until(pilot, started.is_set, "the look for the next story began")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), "the last page")
        release.set()
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, ReaderScreen)
        assert app.is_running
    assert app.return_code in (0, None), app.return_code


async def test_the_next_story_comes_from_the_folder_the_reader_browsed(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    # `nightstand FOLDER` on a folder other than the settings' library: the end page once
    # said "No unread story left" with four unread stories in the list it came from.
    (story_file.parent / "next-one.txt").write_text(
        "Title: The Next One\n\nNot read yet.\n", encoding="utf-8"
    )
    app = make_app(story_file.parent)
    assert app.settings.library != story_file.parent
    async with app.run_test(size=SIZE) as pilot:
        library = app.screen
        assert isinstance(library, LibraryScreen)
        await wait_until(pilot, lambda: len(library.entries) == 2, "the scan")
        table = library.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(str(story_file)))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), "the story")
        end = await _last_page_then_end(pilot)
        assert end.next_story is not None and end.next_story.title == "The Next One"
        assert "Next: The Next One" in screen_text(pilot)
