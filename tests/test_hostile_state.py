"""A reading session under storage faults: the disk fills up, or the state folder is unusable.

Reading goes on, the reader is told once, and what was saved before the fault is intact.
The disk-full case is simulated with SQLite's own limit (``PRAGMA max_page_count`` on the
session's connection makes SQLite report SQLITE_FULL exactly as a full disk does); a real
read-only folder is in ``tests/e2e/test_hostile_readonly.py``.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from nightstand.formats import load
from nightstand.opening import OpenStory
from nightstand.settings import load_settings
from nightstand.state import DB_NAME, StateStore
from nightstand.ui.app import NightstandApp
from nightstand.ui.page_view import PageView
from nightstand.ui.reader import ReaderScreen
from pilot_tools import settle, wait_until
from storymaker import write_story

if TYPE_CHECKING:
    from pathlib import Path

    from textual.pilot import Pilot


def _recording(app: NightstandApp) -> list[tuple[str, str]]:
    """Record every notification as (title, message)."""
    shown: list[tuple[str, str]] = []
    notify = app.notify

    def record(message: str, **kwargs: Any) -> None:
        shown.append((kwargs.get("title", ""), message))
        notify(message, **kwargs)

    app.notify = record  # type: ignore[method-assign]
    return shown


def _reader(pilot: Pilot[None]) -> ReaderScreen:
    screen = pilot.app.screen
    assert isinstance(screen, ReaderScreen)
    return screen


async def _all_reported(pilot: Pilot[None]) -> None:
    """Wait until the reader has dealt with every store warning there is (it polls them)."""
    screen = _reader(pilot)
    store = screen._store
    await wait_until(
        pilot, lambda: store.warnings and screen._warned == len(store.warnings), "warnings seen"
    )


async def test_a_disk_that_fills_up_mid_session_warns_once_and_reading_goes_on(
    tmp_path: Path,
) -> None:
    path = write_story(tmp_path / "a.txt", chapters=30)
    story = load(path)
    state = tmp_path / "state"
    settings, _ = load_settings()
    store = StateStore.open(state)
    key = store.story_key(story, path)
    app = NightstandApp(settings=settings, store=store, story=OpenStory(path, story, key))
    shown = _recording(app)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            for _ in range(4):
                await pilot.press("space")
            await pilot.pause()
            app.saver.flush()
            before_fault = _reader(pilot).reading_position
            saved = store.position(key)
            assert saved is not None
            assert saved.offset == before_fault
            # From here the file may not grow: SQLite answers "database or disk is full".
            pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
            store._conn.execute(f"PRAGMA max_page_count = {pages}")
            marks = 0
            while not store.read_only and marks < 200:
                await pilot.press("m")
                marks += 1
            assert store.read_only, "the bookmarks never filled the database"
            print(f"\nthe disk filled after {marks} bookmarks")
            await _all_reported(pilot)  # the reader reports store warnings on a timer
            for _ in range(4):
                await pilot.press("space", "m", "b", "space")
            app.saver.flush()
            await _all_reported(pilot)
            assert app.is_running
            assert app._exception is None
            # Reading went on: pages still turn, and the session keeps its own place.
            position = _reader(pilot).reading_position
            assert position > before_fault
            view = app.screen.query_one(PageView)
            assert view.page is not None
            assert view.page.start == position
            app.saver.flush()
            in_session = store.position(key)
            assert in_session is not None
            assert in_session.offset == position
            await pilot.press("ctrl+c")
    finally:
        app.saver.close()
        store.close()
    warnings = [(t, m) for t, m in shown if "full" in m or "cannot save" in m]
    assert len(warnings) == 1, shown
    assert "reading goes on" in warnings[0][1]
    # The file holds what was saved before the disk filled, undamaged.
    conn = sqlite3.connect(state / DB_NAME)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    with StateStore.open(state) as again:
        assert again.warnings == []
        saved = again.position(key)
        assert saved is not None
        assert saved.offset >= before_fault


async def test_an_unusable_state_folder_warns_once_and_reading_goes_on(tmp_path: Path) -> None:
    path = write_story(tmp_path / "a.txt", chapters=10)
    story = load(path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the state folder should be")
    settings, _ = load_settings()
    store = StateStore.open(blocker / "state")
    assert store.read_only
    key = store.story_key(story, path)
    app = NightstandApp(
        settings=settings,
        store=store,
        story=OpenStory(path, story, key),
        warnings=store.warnings,
    )
    shown = _recording(app)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            for _ in range(6):
                await pilot.press("space", "m")
            await pilot.press("apostrophe", "escape", "t", "escape", "b")
            await settle(pilot)
            app.saver.flush()
            await _all_reported(pilot)
            assert app.is_running
            assert _reader(pilot).reading_position > 0
            # The session's own changes are kept in memory while it lasts.
            assert len(store.bookmarks(key)) == 6
            await pilot.press("ctrl+c")
    finally:
        app.saver.close()
        store.close()
    warnings = [m for _t, m in shown if "cannot save" in m]
    assert len(warnings) == 1, shown
    assert "reading goes on" in warnings[0]
    assert blocker.read_text() == "a file where the state folder should be"
