"""Closing the terminal, SIGTERM, or a hang-up through `uv run` ends nightstand: nothing lingers.

Thirty launches of a million-word book for each way out. Every launch is ended at a random
instant from a seeded generator: a third during start-up (up to 1.5 s after launch), the
rest up to two seconds after the first page appeared (timed from when the test saw it), with
Space pressed now and then in between. Five seconds after the end, no process of that launch
(found by a marker in its environment: the reader, its loader child, `uv`) is alive, the
database passes SQLite's integrity check, and the saved place is the start of a page the
reader had reached. Launches run in a few lanes at once, each lane with its own state
folder, so that the whole takes tens of seconds rather than minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from hostile.terminal import REPO, TmuxServer, pty_env
from nightstand.formats import load
from nightstand.opening import OpenStory
from nightstand.settings import load_settings
from nightstand.state import DB_NAME, StateStore
from nightstand.ui.app import NightstandApp
from nightstand.ui.reader import ReaderScreen

if TYPE_CHECKING:
    from collections.abc import Iterator

    from nightstand.layout import Paginator
    from nightstand.story import Story

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LAUNCHES = int(os.environ.get("NIGHTSTAND_HANGUP_LAUNCHES", "30"))
LANES = int(os.environ.get("NIGHTSTAND_HANGUP_LANES", "4"))
SEED = int(os.environ.get("NIGHTSTAND_HANGUP_SEED", "20"))
WORDS = 1_000_000
GONE_WITHIN = 5.0  # seconds after the kill by which every process must have ended
MARKER = "NIGHTSTAND_TEST_LAUNCH"
# The status line once a page (or the title page) is drawn: "page … · 3%", "title page · 0%".
FIRST_PAGE = re.compile(r"(title page|page (…|\d+ of \d+)).*\d+%")


@pytest.fixture(scope="session")
def big_book() -> Path:
    """A million-word book, made once and kept in the temporary folder between sessions."""
    maker = REPO / "benchmarks" / "novel.py"
    digest = hashlib.sha256(maker.read_bytes()).hexdigest()[:12]
    cache = Path(tempfile.gettempdir()) / "nightstand-tests"
    book = cache / f"novel-{WORDS}-{digest}.txt"
    if not book.exists():
        cache.mkdir(parents=True, exist_ok=True)
        part = cache / f"{book.name}.{os.getpid()}.part"
        subprocess.run(
            [sys.executable, str(maker), str(part), "--words", str(WORDS)], check=True, timeout=300
        )
        part.replace(book)
    return book


@pytest.fixture
def server(tmp_path: Path) -> Iterator[TmuxServer]:
    """A private tmux server."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    tmux = TmuxServer(pty_env(tmp_path / "state", tmp_path / "config"), tmp_path)
    yield tmux
    tmux.kill_server()


@dataclass(frozen=True)
class Book:
    """The book, loaded, and the paginator the reader uses for it in an 80x24 pane."""

    path: Path
    story: Story
    paginator: Paginator


@pytest.fixture(scope="session")
def book(big_book: Path, tmp_path_factory: pytest.TempPathFactory) -> Book:
    """The book and its pages, worked out once for the session."""
    config = tmp_path_factory.mktemp("config")
    before = os.environ.get("NIGHTSTAND_CONFIG_DIR")
    os.environ["NIGHTSTAND_CONFIG_DIR"] = str(config)
    try:
        story, paginator = reader_paginator(big_book, 80, 24, config)
    finally:
        if before is None:
            del os.environ["NIGHTSTAND_CONFIG_DIR"]
        else:
            os.environ["NIGHTSTAND_CONFIG_DIR"] = before
    return Book(big_book, story, paginator)


def reader_paginator(book: Path, cols: int, rows: int, config: Path) -> tuple[Story, Paginator]:
    """The story and the paginator the reader uses for ``book`` in a terminal of this size."""

    async def run() -> tuple[Story, Paginator]:
        settings, _ = load_settings()
        story = load(book)
        with StateStore.open(config / "scratch-state") as store:
            opened = OpenStory(book, story, store.story_key(story, book))
            app = NightstandApp(settings=settings, store=store, story=opened)
            async with app.run_test(size=(cols, rows)) as pilot:
                await pilot.pause()
                screen = app.screen
                assert isinstance(screen, ReaderScreen)
                assert screen.paginator is not None
                paginator = screen.paginator
                await pilot.press("ctrl+c")
            app.saver.close()
        return story, paginator

    return asyncio.run(run())


# ------------------------------------------------------------------------- processes


def processes_of(marker: str) -> list[int]:
    """Live processes (not zombies) whose environment holds ``marker``."""
    found = []
    needle = marker.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes():
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            found.append(int(entry.name))
    return found


def wait_gone(marker: str, within: float) -> tuple[list[int], float]:
    """Wait until no process holds ``marker``; what is left after ``within`` s, and when."""
    began = time.monotonic()
    left = processes_of(marker)
    while left and time.monotonic() - began < within:
        time.sleep(0.02)
        left = processes_of(marker)
    return left, time.monotonic() - began


def saved_offset(state: Path, book: Book) -> int | None:
    """The place saved in ``state`` for ``book``, after checking the database's integrity."""
    db = state / DB_NAME
    if not db.exists():
        return None
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    with StateStore.open(state) as store:
        assert store.warnings == [], store.warnings
        key = store.find_key(book.story, book.path)
        saved = store.position(key) if key else None
        return saved.offset if saved else None


# ------------------------------------------------------------------------- launches


@dataclass
class Lane:
    """One state folder and the launches made on it, one after another."""

    number: int
    state: Path
    rng: random.Random
    place: int | None = None  # the saved place after the last launch
    exit_times: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def launch_command(book: Path, state: Path, config: Path, marker: str, *, via_uv: bool) -> str:
    """The pane's command: nightstand itself (``exec``), or ``uv run nightstand``."""
    env = {
        MARKER: marker,
        "NIGHTSTAND_STATE_DIR": str(state),
        "NIGHTSTAND_CONFIG_DIR": str(config),
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "PYTHONPATH": str(REPO / "src"),
    }
    uv = shutil.which("uv") or "uv"
    program = (
        [uv, "run", "--no-sync", "--project", str(REPO), "nightstand", str(book)]
        if via_uv
        else [sys.executable, "-m", "nightstand", str(book)]
    )
    words = ["exec", "env", *(f"{k}={v}" for k, v in env.items()), *program]
    return " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)


def one_launch(
    server: TmuxServer, lane: Lane, run: int, book: Book, config: Path, how: str
) -> None:
    """Launch, read a little, end it at a random instant, and check what is left."""
    marker = f"{MARKER}={uuid.uuid4().hex}"
    session = f"l{lane.number}r{run}"
    command = launch_command(book.path, lane.state, config, marker, via_uv=how == "uv")
    size = ["-x", str(server.cols), "-y", str(server.rows)]
    launched = time.monotonic()
    result = server.tmux("new-session", "-d", "-s", session, *size, command)
    assert result.returncode == 0, result.stderr
    pane = int(server.tmux("display-message", "-p", "-t", session, "#{pane_pid}").stdout)
    rng = lane.rng
    early = rng.random() < 1 / 3
    kill_at = launched + rng.uniform(0.0, 1.5) if early else None
    first_page: float | None = None
    spaces = 0
    next_space = 0.0
    while True:
        now = time.monotonic()
        if kill_at is not None and now >= kill_at:
            break
        if first_page is None:
            if FIRST_PAGE.search(server.screen(session)):
                first_page = time.monotonic()
                if kill_at is None:
                    kill_at = first_page + rng.uniform(0.0, 2.0)
                next_space = first_page + rng.uniform(0.05, 0.3)
            elif now - launched > 60:
                raise AssertionError(f"no first page in a minute:\n{server.screen(session)}")
        elif now >= next_space:
            server.send(session, "Space")
            spaces += 1
            next_space = now + rng.uniform(0.05, 0.3)
        time.sleep(0.01)
    if how == "term":
        with contextlib.suppress(ProcessLookupError):
            os.kill(pane, signal.SIGTERM)
    else:
        server.tmux("kill-session", "-t", session)  # the terminal hangs up
    left, took = wait_gone(marker, GONE_WITHIN)
    for pid in left:  # leave nothing behind, whatever the verdict
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.tmux("kill-session", "-t", session)
    lane.exit_times.append(took)
    saved = saved_offset(lane.state, book)
    if left:
        lane.failures.append(f"{session}: processes {left} alive {GONE_WITHIN} s after the kill")
        lane.place = saved  # what the killed leftovers saved is where the next launch opens
        return
    if first_page is not None and saved is None:
        lane.failures.append(f"{session}: a page was shown but no place was saved")
    if saved is not None:
        # The reachable places: where this launch opened, and up to one page a Space on.
        paginator = book.paginator
        start = paginator.page_at(lane.place or 0)
        reachable = [start.start]
        page = start
        for _ in range(spaces):
            nxt = paginator.next(page)
            if nxt is None:
                break
            page = nxt
            reachable.append(page.start)
        if saved not in reachable:
            lane.failures.append(
                f"{session}: saved {saved}, not a page shown from {lane.place} in {spaces} turns"
            )
    lane.place = saved


def run_launches(server: TmuxServer, tmp_path: Path, book: Book, how: str) -> None:
    assert (server.cols, server.rows) == (80, 24)  # the size the book's pages are for
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    base = random.Random(f"{SEED}-{how}")
    lanes = [Lane(n, tmp_path / f"state-{n}", random.Random(base.random())) for n in range(LANES)]
    runs = [list(range(n, LAUNCHES, LANES)) for n in range(LANES)]
    errors: list[BaseException] = []

    def drive(lane: Lane, numbers: list[int]) -> None:
        try:
            for run in numbers:
                one_launch(server, lane, run, book, config, how)
        except BaseException as exc:  # reported on the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=drive, args=(lane, runs[lane.number])) for lane in lanes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    times = sorted(t for lane in lanes for t in lane.exit_times)
    print(
        f"\n{how}: {len(times)} launches; every process gone after "
        f"median {times[len(times) // 2]:.2f} s, at most {times[-1]:.2f} s"
    )
    failures = [f for lane in lanes for f in lane.failures]
    assert not failures, "\n".join(failures)
    assert len(times) == LAUNCHES


def test_closing_the_terminal_ends_every_process(
    server: TmuxServer, tmp_path: Path, book: Book
) -> None:
    run_launches(server, tmp_path, book, "hangup")


def test_sigterm_ends_every_process(server: TmuxServer, tmp_path: Path, book: Book) -> None:
    run_launches(server, tmp_path, book, "term")


def test_closing_the_terminal_of_uv_run_ends_every_process(
    server: TmuxServer, tmp_path: Path, book: Book
) -> None:
    if shutil.which("uv") is None:
        pytest.skip("uv is not installed")
    run_launches(server, tmp_path, book, "uv")
