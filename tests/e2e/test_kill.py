"""The reading state survives SIGKILL at random instants and a second program beside it.

The real program runs in tmux (80x24) while keys are typed into it; it is killed with
SIGKILL at a random instant, 50 times, each run resuming where the last one saved. After
every kill the database passes SQLite's integrity check, opens without a warning, and the
saved position is the first character of a page the reader can show, never behind the
position saved before (no lost place) and never past the pages that were asked for.

Two programs on one state folder, turning pages side by side, lose neither's position nor
either's bookmark.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import sqlite3
import time
from typing import TYPE_CHECKING

import pytest

from hostile.terminal import TmuxServer, pty_env
from nightstand.formats import load
from nightstand.opening import OpenStory
from nightstand.settings import load_settings
from nightstand.state import DB_NAME, StateStore
from nightstand.ui.app import NightstandApp
from nightstand.ui.reader import ReaderScreen
from pilot_tools import wait_until as pilot_wait_until
from storymaker import write_story
from waiting import status_page, wait_for_exit, wait_until

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

KILLS = int(os.environ.get("NIGHTSTAND_KILL_RUNS", "50"))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[TmuxServer]:
    """A private tmux server with its own state and config folders."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    env = pty_env(tmp_path / "state", tmp_path / "config")
    tmux = TmuxServer(env, tmp_path)
    yield tmux
    tmux.kill_server()


def page_starts(path: Path, width: int, height: int, config: Path) -> list[int]:
    """Every page's first character, as the reader typesets the story at this terminal size."""

    async def run() -> list[int]:
        os.environ["NIGHTSTAND_CONFIG_DIR"] = str(config)
        settings, _ = load_settings()
        story = load(path)
        with StateStore.open(config / "scratch-state") as store:
            opened = OpenStory(path, story, store.story_key(story, path))
            app = NightstandApp(settings=settings, store=store, story=opened)
            async with app.run_test(size=(width, height)) as pilot:
                screen = await pilot_wait_until(
                    pilot,
                    lambda: app.screen if isinstance(app.screen, ReaderScreen) else None,
                    "the reader to open",
                )
                paginator = await pilot_wait_until(
                    pilot, lambda: screen.paginator, "the reader's first layout"
                )
                starts = []
                page = paginator.first()
                while page is not None:
                    starts.append(page.start)
                    page = paginator.next(page)
                await pilot.press("ctrl+c")
            app.saver.close()
        return starts

    return asyncio.run(run())


def _check_db(state: Path) -> None:
    db = state / DB_NAME
    if not db.exists():
        return
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def _saved(state: Path, path: Path) -> int | None:
    with StateStore.open(state) as store:
        assert store.warnings == [], store.warnings
        key = store.find_key(load(path), path)
        saved = store.position(key) if key else None
        return saved.offset if saved else None


@pytest.mark.timeout(1200)
def test_sigkill_at_random_instants_never_loses_or_damages_the_place(
    server: TmuxServer, tmp_path: Path
) -> None:
    # Long enough that no run of Space reaches the end: every kill can move the place on.
    story = write_story(tmp_path / "long.txt", chapters=4 * KILLS, paragraphs=12, seed=8)
    state = tmp_path / "state"
    # The pane is the program's terminal: typeset at its size to know the reader's pages.
    width, height = server.cols, server.rows
    starts = page_starts(story, width, height, tmp_path / "config")
    assert len(starts) > 10 * KILLS
    index = {s: i for i, s in enumerate(starts)}
    rng = random.Random(int(os.environ.get("NIGHTSTAND_KILL_SEED", "7")))
    previous: int | None = None
    advanced = 0
    spaces_total = 0
    began = time.monotonic()
    for run in range(KILLS):
        session = f"r{run}"
        pid = server.start(session, str(story))
        assert server.pane_size(session) == (width, height)
        # The kill instant is drawn from the moment a page is on screen, not from the start:
        # on a busy machine the start-up alone can outlast any instant drawn from the start.
        server.wait_for(session, "page")
        kill_at = time.monotonic() + rng.uniform(0.05, 0.7)
        spaces = 0
        while time.monotonic() < kill_at:
            server.send(session, "Space")
            spaces += 1
            time.sleep(rng.uniform(0.02, 0.09))  # a reader's pace between keys, not a wait
        os.kill(pid, signal.SIGKILL)
        wait_for_exit(pid, f"run {run}: the killed program to end")
        spaces_total += spaces
        _check_db(state)
        saved = _saved(state, story)
        if saved is None:
            assert previous is None, f"run {run}: the saved place was lost"
            continue
        assert saved in index, f"run {run}: {saved} is not the start of a page"
        before = index.get(previous, 0) if previous is not None else 0
        # From the title page or a resumed page, at most one page a Space.
        assert before <= index[saved] <= before + spaces, (run, previous, saved, spaces)
        advanced += saved != previous
        previous = saved
    elapsed = time.monotonic() - began
    print(f"\n{KILLS} kills in {elapsed:.0f} s, {spaces_total} keys, {advanced} saves moved on")
    assert advanced >= KILLS // 4  # The kills fell on a session that was really reading.


def _turn_to(server: TmuxServer, session: str, target: int) -> None:
    """Press Space until the status line says ``page target``."""

    def number() -> int | None:
        return status_page(server.screen(session))

    def show() -> str:
        return server.screen(session)

    at = wait_until(lambda: number() is not None, f"a page number on {session}", show=show)
    at = number()
    while at != target:
        assert at is not None and at < target, f"{session} went past page {target}:\n{show()}"
        server.send(session, "Space")
        wait_until(lambda was=at: number() not in (None, was), f"{session} to turn", show=show)
        at = number()


def _quit(server: TmuxServer, session: str, pid: int) -> None:
    server.send(session, "q")
    wait_for_exit(pid, f"{session} to quit")


@pytest.mark.timeout(600)
def test_two_programs_on_one_state_folder_lose_nothing(server: TmuxServer, tmp_path: Path) -> None:
    first = write_story(tmp_path / "first.txt", chapters=12, seed=1)
    second = write_story(tmp_path / "second.txt", chapters=12, seed=2, title="Other Story")
    state = tmp_path / "state"
    a = server.start("a", str(first))
    b = server.start("b", str(second))
    c = server.start("c", str(first))  # a second reader of the same story
    for session in ("a", "b", "c"):
        server.wait_for(session, "page")
    # Interleaved page turns and bookmarks, in three programs at once.
    for step in range(1, 7):
        _turn_to(server, "a", step * 2)
        _turn_to(server, "b", step)
        if step == 3:
            for session in ("a", "c"):
                server.send(session, "m")
    _turn_to(server, "c", 3)
    server.wait_for("a", "Bookmarked")
    server.wait_for("c", "Bookmarked")
    _quit(server, "a", a)  # first.txt: page 12 ...
    _quit(server, "c", c)  # ... then page 3, saved last: the last reader to leave wins
    _quit(server, "b", b)

    _check_db(state)
    width, height = server.cols, server.rows
    first_starts = page_starts(first, width, height, tmp_path / "config")
    second_starts = page_starts(second, width, height, tmp_path / "config")
    assert _saved(state, first) == first_starts[2]
    assert _saved(state, second) == second_starts[5]
    with StateStore.open(state) as store:
        key = store.find_key(load(first), first)
        assert key is not None
        marks = sorted((m.name, m.offset) for m in store.bookmarks(key))
    # Both programs bookmarked at once: two bookmarks, neither lost nor overwritten.
    assert marks == [("1", first_starts[5]), ("2", first_starts[0])] or marks == [
        ("1", first_starts[0]),
        ("2", first_starts[5]),
    ]
