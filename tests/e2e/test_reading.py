"""End to end: the real program in tmux, with a temporary state dir."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from storymaker import story_text
from test_openssl_later import openssl_linked_dynamically
from waiting import status_page

if TYPE_CHECKING:
    from conftest import Tmux

LIBRARY = Path(__file__).resolve().parents[2] / "library"

pytestmark = pytest.mark.e2e


def _bundled_story() -> Path:
    """The longest bundled story, so that there are pages to turn."""
    stories = sorted(LIBRARY.glob("*.txt"), key=lambda p: p.stat().st_size)
    if not stories:
        pytest.skip("no bundled stories")
    return stories[-1]


def _page_number(screen: str) -> str:
    for line in screen.splitlines():
        if "page " in line and " of " in line:
            return line.split("·")[0].strip()
    return ""


def _title_status(screen: str) -> str | None:
    """The title page's status ("title page 1/2"), None on a page of the story."""
    return next(
        (" ".join(ln.split()[:3]) for ln in screen.splitlines() if "title page" in ln), None
    )


def test_turn_three_pages_quit_and_resume_on_the_same_page(tmux: Tmux) -> None:
    story = _bundled_story()
    before = _turn_to_page_four(tmux, story)
    tmux.send("q")
    tmux.wait_for(lambda s: "page" not in s)
    tmux.kill()

    tmux.start(str(story))
    # The same page comes back: the body above the status line, line for line.
    after = tmux.wait_for(lambda s: s.splitlines()[:-1] == before.splitlines()[:-1])
    assert status_page(after) == 4


def _reader_pid(tmux: Tmux) -> int:
    """The reader's process: the pane's shell runs it (``env`` execs Python)."""
    children = subprocess.run(
        ["ps", "-o", "pid=,args=", "--ppid", str(tmux.pane_pid())],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    pids = [int(line.split()[0]) for line in children if "nightstand" in line]
    assert len(pids) == 1, children
    return pids[0]


def test_the_reader_runs_without_openssl(tmux: Tmux) -> None:
    """Nothing a reader needs loads OpenSSL's libraries (see ``nightstand.openssl_later``)."""
    if not openssl_linked_dynamically():
        pytest.skip("this Python has OpenSSL linked in: no libcrypto file to look for")
    _turn_to_page_four(tmux, _bundled_story())
    maps = Path(f"/proc/{_reader_pid(tmux)}/maps").read_text()
    assert "libcrypto" not in maps
    assert "libssl" not in maps


def _turn_to_page_four(tmux: Tmux, story: Path) -> str:
    """Start the reader and press Space until page 4, waiting for each page to show."""
    tmux.start(str(story))
    screen = tmux.wait_for(lambda s: status_page(s) in (0, 1))
    while status_page(screen) == 0:  # through the title page(s): "title page 1/2" ...
        was = _title_status(screen)
        tmux.send("Space")
        screen = tmux.wait_for(lambda s, was=was: status_page(s) == 1 or _title_status(s) != was)
    for number in range(1, 4):
        tmux.send("Space")
        screen = tmux.wait_for_page(number + 1)
    return screen


def test_closing_the_terminal_window_keeps_the_place(tmux: Tmux) -> None:
    """Killing tmux hangs up the terminal (SIGHUP), as closing a window does."""
    story = _bundled_story()
    before = _turn_to_page_four(tmux, story)
    tmux.kill()
    tmux.start(str(story))
    after = tmux.wait_for(lambda s: _page_number(s).startswith("page 4 of"))
    assert _page_number(after) == _page_number(before)


def test_sigterm_keeps_the_place(tmux: Tmux) -> None:
    story = _bundled_story()
    before = _turn_to_page_four(tmux, story)
    shell = tmux.pane_pid()
    reader = subprocess.run(
        ["pgrep", "-f", "-P", str(shell), "nightstand"], capture_output=True, text=True, check=False
    ).stdout.split()
    assert reader, "the reader process was not found"
    os.kill(int(reader[0]), signal.SIGTERM)
    tmux.wait_for(lambda s: "page 4 of" not in s)
    tmux.kill()
    tmux.start(str(story))
    after = tmux.wait_for(lambda s: _page_number(s).startswith("page 4 of"))
    assert _page_number(after) == _page_number(before)


def test_a_long_story_resumes_from_its_chapter_and_then_counts_the_whole(
    tmux: Tmux, tmp_path: Path
) -> None:
    """Over a MiB, plain text is shown from the chapter holding the place before the rest is
    read: the page that comes back is the one left, and the whole story is counted after."""
    story = tmp_path / "long.txt"
    story.write_text(story_text(chapters=100, paragraphs=40), encoding="utf-8")
    assert story.stat().st_size > 1 << 20
    tmux.start(str(story))
    tmux.wait_for(lambda s: "title page" in s)
    tmux.send("Space")
    tmux.wait_for(lambda s: " of " in _page_number(s))  # the whole story is in and counted
    tmux.send("%")
    tmux.wait_for(lambda s: "%" in s.splitlines()[-1] or "Go to" in s)
    tmux.send("7", "5", "%", "Enter")
    # Its words indexed too (they are, after the count): the status line is whole.
    before = tmux.wait_for(lambda s: ("· 75%" in s or "· 74%" in s) and " left in " in s)
    tmux.send("q")
    tmux.wait_for(lambda s: "page" not in s)
    tmux.kill()
    # Saved with its chapter: the next start reads that part first.
    with sqlite3.connect(tmp_path / "state" / "state.db") as db:
        (part,) = db.execute("SELECT part FROM positions").fetchone()
    assert 70 <= part <= 80

    tmux.start(str(story))
    after = tmux.wait_for(
        lambda s: (
            _page_number(s) == _page_number(before) and "counting" not in s and " left in " in s
        )
    )
    assert after.splitlines()[:-2] == before.splitlines()[:-2]


def test_the_bundled_library_shows_whole_titles(tmux: Tmux) -> None:
    # Rows drawn before their column widths were known stayed cut to the headings' widths.
    title = "Letters from the Lighthouse"  # library/letters-from-the-lighthouse.txt
    tmux.start(str(LIBRARY))
    screen = tmux.wait_for(lambda s: " stories " in s and "never" in s)  # the scan is in
    assert title in tmux.wait_for(lambda s: title in s, timeout=10), screen
