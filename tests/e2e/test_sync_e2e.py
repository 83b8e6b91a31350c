"""Sync end to end: the real program in tmux against a kosync server on 127.0.0.1.

The issue's acceptance: log in with --register --password-stdin; read a 1,000,000-word EPUB
a few pages in and quit, and the server holds, under the file's partial MD5, the reader's
place (±1 %) as an XPointer; another device's ``/body/DocFragment[6]/body/p[3]/text().0``
is offered on opening, and ``y`` shows the page holding that paragraph.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from kosync_server import KosyncServer
from nightstand.formats import load
from nightstand.formats.epub import spine_documents
from nightstand.sync.digest import partial_md5
from nightstand.sync.service import percentage_of
from sync_helpers import write_epub
from test_sync import MAKE_NOVEL, paragraph_texts

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Tmux

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

KOBO_POINTER = "/body/DocFragment[6]/body/p[3]/text().0"


def nightstand(tmux: Tmux, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nightstand", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=tmux.env,
        timeout=120,
        check=False,
    )


def big_book(tmp_path: Path) -> Path:
    """The 1,000,000-word EPUB from make_novel.py, or a small one when ../shared is absent."""
    path = tmp_path / "novel.epub"
    if MAKE_NOVEL.is_file():
        subprocess.run(
            [sys.executable, str(MAKE_NOVEL), "--words", "1000000", "--format", "epub", str(path)],
            check=True,
            timeout=300,
        )
        return path
    return write_epub(path, chapters=12)


def test_push_on_quit_then_offered_on_open(tmux: Tmux, tmp_path: Path) -> None:
    book = big_book(tmp_path)
    document = partial_md5(book)
    with KosyncServer() as server:
        login = nightstand(
            tmux,
            *("sync", "login", server.url, "reader", "--register", "--password-stdin"),
            stdin="correct horse\n",
        )
        assert login.returncode == 0, login.stderr
        assert "Registered and logged in" in login.stdout

        # Read a few pages in, then quit: the place goes to the server.
        tmux.start(str(book))
        tmux.wait_for(lambda s: "Next" in s and "%" in s, timeout=120)
        for _ in range(6):
            before = tmux.screen()
            tmux.send("Space")
            tmux.wait_for_change(before, timeout=60)
        tmux.send("q")
        deadline = time.monotonic() + 60
        while server.progress("reader", document) is None:
            assert time.monotonic() < deadline, "nothing was pushed"
            time.sleep(0.05)
        record = server.progress("reader", document)
        assert record is not None
        info = json.loads(nightstand(tmux, "info", "--json", str(book)).stdout)
        story = load(book)
        assert info["position"] > 0
        assert record["percentage"] == pytest.approx(info["position"] / len(story.text), abs=0.01)
        assert record["percentage"] * 100 == pytest.approx(info["percent"], abs=1.0)
        assert record["progress"].startswith("/body/DocFragment[")
        assert info["sync"]["document"] == document
        tmux.kill()

        # Another device read on to chapter 6's third paragraph: opening offers it, y goes.
        server.store(
            "reader",
            document,
            percentage=0.03,
            progress=KOBO_POINTER,
            device="Kobo",
            device_id="KOBO-1",
        )
        sixth = dict(spine_documents(book.read_bytes()))[6]
        words = " ".join(paragraph_texts(sixth)[2].replace("\u00a0", " ").split()[:5])
        tmux.start(str(book))
        tmux.wait_for(lambda s: "Go there?" in s, timeout=120)
        assert "Kobo is at 3 % (chapter 6)" in tmux.screen()
        tmux.send("y")
        tmux.wait_for(lambda s: words in " ".join(s.replace("\u00a0", " ").split()), timeout=60)
        tmux.send("q")


@pytest.mark.parametrize("how", ["SIGTERM", "SIGHUP"])
def test_a_signal_pushes_the_place(tmux: Tmux, tmp_path: Path, how: str) -> None:
    book = write_epub(tmp_path / "book.epub", chapters=12)
    document = partial_md5(book)
    with KosyncServer() as server:
        login = nightstand(
            tmux,
            *("sync", "login", server.url, "reader", "--register", "--password-stdin"),
            stdin="pw\n",
        )
        assert login.returncode == 0, login.stderr
        tmux.start(str(book))
        screen = tmux.wait_for(lambda s: "Next" in s and "%" in s, timeout=120)
        for _ in range(5):
            tmux.send("Space")
            screen = tmux.wait_for_change(screen, timeout=60)
        if how == "SIGTERM":
            shell = tmux.pane_pid()
            found = subprocess.run(
                ["pgrep", "-f", "-P", str(shell), "nightstand"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.split()
            assert found, "the reader process was not found"
            os.kill(int(found[0]), signal.SIGTERM)
        else:
            tmux.kill()  # The terminal hangs up, as closing its window does.
        deadline = time.monotonic() + 60
        while server.progress("reader", document) is None:
            assert time.monotonic() < deadline, "nothing was pushed"
            time.sleep(0.05)
        info = json.loads(nightstand(tmux, "info", "--json", str(book)).stdout)
        record = server.progress("reader", document)
        assert record is not None
        assert info["position"] > 0
        assert record["percentage"] == percentage_of(info["position"], load(book))
