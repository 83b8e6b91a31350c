"""End to end: the real program in tmux, with a temporary state dir."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

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


def test_turn_three_pages_quit_and_resume_on_the_same_page(tmux: Tmux) -> None:
    story = _bundled_story()
    tmux.start(str(story))
    first = tmux.wait_for(lambda s: "title page" in s or "page 1 of" in s)
    first = tmux.wait_stable()
    on_title = "title page" in first
    if on_title:
        tmux.send("Space")
        first = tmux.wait_for_change(first)
    for _ in range(3):
        tmux.send("Space")
        first = tmux.wait_for_change(first)
    before = tmux.wait_for(lambda s: _page_number(s).startswith("page 4 of"))
    tmux.send("q")
    tmux.wait_for(lambda s: "page" not in s)
    tmux.kill()

    tmux.start(str(story))
    after = tmux.wait_for(lambda s: _page_number(s).startswith("page 4 of"))
    after = tmux.wait_stable()
    assert after.splitlines()[:-1] == before.splitlines()[:-1]


def _turn_to_page_four(tmux: Tmux, story: Path) -> str:
    tmux.start(str(story))
    screen = tmux.wait_for(lambda s: "title page" in s or "page 1 of" in s)
    screen = tmux.wait_stable()
    presses = 4 if "title page" in screen else 3
    for _ in range(presses):
        tmux.send("Space")
        screen = tmux.wait_for_change(screen)
    return tmux.wait_for(lambda s: _page_number(s).startswith("page 4 of"))


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
