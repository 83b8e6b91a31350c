"""What the README promises about the reader and the library, driven with Pilot.

Each test waits on a state (a row in the state file, a notification, a screen in front),
never for a fixed time, and every wait has an upper bound (see ``pilot_tools``).
"""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING, Any

from textual.drivers.headless_driver import HeadlessDriver
from textual.widgets import Input
from textual.worker import WorkerState

from nightstand.ui.app import NightstandApp
from nightstand.ui.bookmarks import BookmarksScreen
from nightstand.ui.library import LibraryScreen
from nightstand.ui.lists import OptionList
from nightstand.ui.reader import ReaderScreen
from nightstand.ui.spoiler import SpoilerGate
from pilot_tools import settle, wait_until, widget_text

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pytest
    from textual.pilot import Pilot


SIZE = (80, 24)
SPOILER_VALUE = "The lighthouse keeper was the thief all along"


def reader(pilot: Pilot[None]) -> ReaderScreen:
    """The reader screen in front."""
    screen = pilot.app.screen
    assert isinstance(screen, ReaderScreen), type(screen)
    return screen


def messages(app: NightstandApp) -> list[str]:
    """The notifications shown so far."""
    return [n.message for n in app._notifications]


async def turn_pages(pilot: Pilot[None], n: int) -> None:
    """From the title page of a new story to body page ``n``."""
    await settle(pilot)
    for _ in range(n):
        await pilot.press("space")
    await settle(pilot)


def saved_offset(app: NightstandApp) -> int | None:
    """The offset the state file holds for the story in the reader."""
    screen = next(s for s in app.screen_stack if isinstance(s, ReaderScreen))
    saved = app.store.position(screen.opened.key)
    return None if saved is None else saved.offset


async def forget_in_the_file(pilot: Pilot[None]) -> int:
    """Let the saves of the page turns land, then put 0 in the file; the reader's offset."""
    app = pilot.app
    assert isinstance(app, NightstandApp)
    screen = reader(pilot)
    anchor = screen.reading_position
    assert anchor > 0
    await wait_until(pilot, lambda: saved_offset(app) == anchor, "page turns saved")
    app.store.save_position(screen.opened.key, screen.opened.path, screen.story, 0)
    assert saved_offset(app) == 0
    return anchor


# -- saving on suspend and on resize ------------------------------------------------------


async def test_ctrl_z_saves_the_place_before_suspending(
    make_app: Callable[[Path], NightstandApp], story_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test terminal cannot suspend; pretend it can, and catch the stop signal.
    sent: list[int] = []
    monkeypatch.setattr(HeadlessDriver, "can_suspend", True, raising=False)
    monkeypatch.setattr("textual.app.os.kill", lambda _pid, sig: sent.append(sig))
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await turn_pages(pilot, 3)
        anchor = await forget_in_the_file(pilot)
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: sent, "the stop signal sent")
        assert sent == [signal.SIGTSTP]
        # Written on the spot, before the process stops: not left to the saver thread.
        assert saved_offset(app) == anchor


async def test_a_resize_saves_the_place(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await turn_pages(pilot, 3)
        anchor = await forget_in_the_file(pilot)
        await pilot.resize_terminal(100, 30)
        await wait_until(pilot, lambda: saved_offset(app) == anchor, "the place saved on resize")
        assert reader(pilot).reading_position == anchor


# -- search -------------------------------------------------------------------------------

# A regular expression that backtracks for far longer than 2 s on a few pages of prose.
RUNAWAY = r"re:(.+)(.+)(.+)\3\2\1"


def search_running(app: NightstandApp) -> bool:
    """Whether the reader's search worker is still at work."""
    return any(w.group == "search" and w.state == WorkerState.RUNNING for w in app.workers)


async def test_a_runaway_search_keeps_the_page_live_and_gives_up_after_2_s(
    make_app: Callable[[Path], NightstandApp],
    story_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The search is held at its start until the page has turned, so that "the page turned
    # while the search ran" does not depend on how fast this machine turns a page; then the
    # real runaway expression runs and is given up.
    import nightstand.search

    real_search = nightstand.search.search
    release = threading.Event()

    def held_search(text: str, query: str) -> Any:
        release.wait(60)
        return real_search(text, query)

    monkeypatch.setattr(nightstand.search, "search", held_search)
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await turn_pages(pilot, 1)
        before = reader(pilot).reading_position
        await pilot.press("slash")
        prompt = await wait_until(
            pilot, lambda: next(iter(app.screen.query(Input)), None), "the search prompt"
        )
        prompt.value = RUNAWAY  # typed whole: a key name per character would spell ":" oddly
        await pilot.press("enter")
        await wait_until(pilot, lambda: search_running(app), "the search started")
        # While it runs, pages turn.
        await pilot.press("space")
        await pilot.pause()
        turned = reader(pilot).reading_position
        assert turned > before
        assert search_running(app), "the search ended before the page turned"
        given_up = [m for m in messages(app) if "took over 2 s" in m]
        assert not given_up
        release.set()
        await wait_until(
            pilot, lambda: any("took over 2 s" in m for m in messages(app)), "the give-up message"
        )
        assert not search_running(app)
        assert app.is_running and reader(pilot).reading_position == turned
        await pilot.press("space")
        await pilot.pause()
        assert reader(pilot).reading_position > turned


async def test_a_search_stops_counting_at_100000_matches_and_says_so(
    make_app: Callable[[Path], NightstandApp], tmp_path: Path
) -> None:
    path = tmp_path / "many.txt"
    paragraph = " ".join(["aaaa"] * 1000)  # 4,000 matches of "a" a paragraph
    path.write_text("Title: Many\n\n" + "\n\n".join([paragraph] * 30) + "\n", encoding="utf-8")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", "a", "enter")
        await settle(pilot)
        status = widget_text(reader(pilot).query_one("#status"))
        assert "“a” 1/100000+" in status, status


# -- spoilers -----------------------------------------------------------------------------


async def test_ask_spoilers_every_time_asks_on_every_opening(
    make_app: Callable[[Path], NightstandApp], story_file: Path, tmp_path: Path
) -> None:
    # Consent given once with the default setting: remembered for this story.
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s", "y")
        await pilot.pause()
        assert reader(pilot).revealed
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / "settings.toml").write_text("ask_spoilers_every_time = true\n", encoding="utf-8")
    for opening in range(2):
        app = make_app(story_file)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert not reader(pilot).revealed, f"opening {opening}: shown without asking"
            await pilot.press("s")
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, SpoilerGate), "asked")
            await pilot.press("y")
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, ReaderScreen), "answered")
            assert reader(pilot).on_title_page and reader(pilot).revealed


# -- library rescan and bookmark deletion ------------------------------------------------


async def test_r_in_the_library_finds_a_story_added_since(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file.parent)
    async with app.run_test(size=SIZE) as pilot:
        library = app.screen
        assert isinstance(library, LibraryScreen)
        await wait_until(pilot, lambda: len(library.entries) == 1, "the first scan")
        (story_file.parent / "new-arrival.txt").write_text(
            "Title: A New Arrival\n\nIt came in the post.\n", encoding="utf-8"
        )
        await settle(pilot)
        assert len(library.entries) == 1  # nothing rescans on its own
        await pilot.press("r")
        await wait_until(pilot, lambda: len(library.entries) == 2, "the rescan")
        titles = sorted(e.title for e in library.filtered_entries())
        assert titles == ["A New Arrival", "The Missing Lamp"]


async def test_d_in_the_bookmarks_deletes_the_highlighted_mark(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await turn_pages(pilot, 1)
        await pilot.press("m", "space", "space", "m")
        await pilot.pause()
        screen = reader(pilot)
        key = screen.opened.key
        assert [m.name for m in app.store.bookmarks(key)] == ["1", "2"]
        await pilot.press("apostrophe")
        await wait_until(pilot, lambda: isinstance(app.screen, BookmarksScreen), "the list")
        await pilot.press("d")
        await pilot.pause()
        assert [m.name for m in app.store.bookmarks(key)] == ["2"]
        shown = widget_text(app.screen.query_one(OptionList))
        assert shown.lstrip().startswith("2 ") and "\n1 " not in shown, shown
        await pilot.press("escape", "apostrophe")
        await wait_until(pilot, lambda: isinstance(app.screen, BookmarksScreen), "the list")
        assert app.screen.query_one(OptionList).option_count == 1


# -- an internal error --------------------------------------------------------------------


def test_an_internal_error_is_one_line_and_the_details_go_to_crash_log(
    make_app: Callable[[Path], NightstandApp],
    story_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def jammed(_self: ReaderScreen) -> None:
        raise RuntimeError("the gears jammed at 7f3a")

    monkeypatch.setattr(ReaderScreen, "action_toc", jammed)
    app = make_app(story_file)

    async def press_t(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("t")

    # The whole run, as `nightstand FILE` does it, up to what is printed after the screen.
    app.run(headless=True, size=SIZE, auto_pilot=press_t)
    out, err = capsys.readouterr()
    log = tmp_path / "state" / "crash.log"
    assert err.splitlines() == [
        f"nightstand: error: an internal error stopped the reader (details in {log})"
    ], err
    assert "Traceback" not in out + err and "7f3a" not in out + err
    details = log.read_text(encoding="utf-8")
    assert "RuntimeError" in details and "the gears jammed at 7f3a" in details
