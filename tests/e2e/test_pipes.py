"""End to end: stories from pipes and FIFOs, the keyboard from the terminal, like less."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Tmux

LIBRARY = Path(__file__).resolve().parents[2] / "library"

pytestmark = pytest.mark.e2e


def _sh(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"


def _start_shell(tmux: Tmux, script: str) -> None:
    """Run a bash ``script`` (with pipes, ``<(…)``) in a fresh tmux session of ``tmux``."""
    env = " ".join(
        f"{k}={_sh(tmux.env[k])}"
        for k in ("NIGHTSTAND_STATE_DIR", "NIGHTSTAND_CONFIG_DIR", "TERM", "COLORTERM")
    )
    command = f"export {env}; {script}; echo exit=$?; sleep 30"
    result = tmux._tmux(
        "new-session",
        "-d",
        "-s",
        tmux.session,
        "-x",
        str(tmux.width),
        "-y",
        str(tmux.height),
        f"bash -c {_sh(command)}",
    )
    assert result.returncode == 0, result.stderr


def _nightstand(*args: str) -> str:
    return " ".join(_sh(a) for a in (sys.executable, "-m", "nightstand", *args))


def _page(screen: str) -> str:
    for line in screen.splitlines():
        if "page " in line and " of " in line:
            return line.split("·")[0].strip()
    return ""


def test_a_piped_story_reads_with_the_keyboard_and_resumes_on_the_same_page(
    tmux: Tmux, seed_path: Path
) -> None:
    pipeline = f"cat {_sh(str(seed_path))} | {_nightstand()}"
    _start_shell(tmux, pipeline)
    title = tmux.wait_for(lambda s: "title page" in s)
    assert "Spoilers: hidden" in title
    assert "Sleeper" not in title  # the spoiler header's value is not on screen
    tmux.send("Space")
    tmux.wait_for(lambda s: _page(s).startswith("page 1 of"))
    tmux.send("Space")
    tmux.wait_for(lambda s: _page(s).startswith("page 2 of"))
    tmux.send("Space")
    before = tmux.wait_for(lambda s: _page(s).startswith("page 3 of"))
    tmux.send("q")
    tmux.wait_for(lambda s: "exit=0" in s)
    tmux.kill()

    _start_shell(tmux, pipeline)
    after = tmux.wait_for(lambda s: _page(s).startswith("page 3 of"))
    assert _page(after) == _page(before)
    tmux.send("q")
    tmux.wait_for(lambda s: "exit=0" in s)


def test_process_substitution_opens_the_story(tmux: Tmux) -> None:
    stories = sorted(LIBRARY.glob("*.txt"))
    if not stories:
        pytest.skip("no bundled stories")
    from nightstand.formats import load

    title = load(stories[0]).title
    _start_shell(tmux, f"{_nightstand()} <(cat {_sh(str(stories[0]))})")
    screen = tmux.wait_for(lambda s: "title page" in s or "page 1 of" in s)
    assert title in screen
    assert "Untitled" not in screen
    tmux.send("q")
    tmux.wait_for(lambda s: "exit=0" in s)


def test_a_fifo_nobody_writes_to_shows_the_waiting_line_and_ctrl_c_quits(
    tmux: Tmux, tmp_path: Path
) -> None:
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    _start_shell(tmux, _nightstand(str(fifo)))
    tmux.wait_for(lambda s: "nightstand: Waiting for the story on f…" in s)
    tmux.send("C-c")
    screen = tmux.wait_for(lambda s: "exit=" in s)
    assert "exit=130" in screen
    assert "Traceback" not in screen


def test_a_fifo_written_later_opens_in_the_reader(tmux: Tmux, tmp_path: Path) -> None:
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    _start_shell(tmux, _nightstand(str(fifo)))
    tmux.wait_for(lambda s: "Waiting for the story on f…" in s)
    with fifo.open("wb") as out:
        out.write(b"Title: Late Letter\n\n" + b"It came after midnight. " * 300)
    screen = tmux.wait_for(lambda s: "title page" in s)
    assert "Late Letter" in screen
    tmux.send("q")
    tmux.wait_for(lambda s: "exit=0" in s)
