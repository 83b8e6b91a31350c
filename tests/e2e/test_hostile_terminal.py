"""Byte-level proof: no escape sequence from a story file ever reaches the terminal.

Each file of the hostile corpus is run through the real program on a pseudo-terminal:
``nightstand cat`` and the interactive reader, turning through every page (for the huge
files, five pages, the end with G, and back). Every byte the program writes is checked
against the allowlist of sequences nightstand itself sends (``hostile.terminal.audit``):
the count of bytes leaked must be 0. The text around each attack must be on screen, so the
file was really shown, and markup-looking text must show as written.
"""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from hostile.corpus import MARK, MARKUP, corpus
from hostile.terminal import STATUS, Pty, audit, nightstand, pty_env, visible_text
from nightstand.errors import NightstandError
from nightstand.formats import load

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from hostile.corpus import HostileFile

# Every file of the corpus, twice over, through the real program: minutes on a busy machine.
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(1200)]

COLS, ROWS = 100, 40
MAX_TURNS = 40
WORKERS = 2
#: A hostile file can take long to typeset (huge, deeply nested): wait longer for its pages.
PAGE_PATIENCE = 240.0
#: The library's title line once its folder is scanned: "Library · 3 stories · …".
LIBRARY_READY = re.compile(rb"Library \xc2\xb7 \d+ stor")
STATUS_OR_ERROR = re.compile(STATUS.pattern + rb"|Cannot open")


@dataclass
class Run:
    """One program run on one file: what it wrote and what was wrong with it."""

    what: str
    transcript: str = ""
    code: int | None = None
    turns: int = 0
    problems: list[str] = field(default_factory=list)


def _loads(f: HostileFile) -> bool:
    if f.loads is not None:
        return f.loads
    try:
        load(f.path)
    except NightstandError:
        return False
    return True


def _check(run: Run, f: HostileFile, tokens: tuple[str, ...], ok: bool) -> None:
    found = audit(run.transcript, COLS, ROWS, form_feeds=run.what.startswith("cat"))
    run.problems += [f"{run.what}: {v}" for v in found.violations[:5]]
    shown = visible_text(run.transcript)
    if "Traceback" in shown:
        run.problems.append(f"{run.what}: a traceback reached the terminal")
    if ok:
        if run.code != 0:
            run.problems.append(f"{run.what}: exit status {run.code}: {shown[-300:]!r}")
        run.problems += [f"{run.what}: {t!r} never shown" for t in tokens if t not in shown]
    elif run.code != 2 or shown.count("nightstand: error:") != 1:
        run.problems.append(f"{run.what}: not one error line, status {run.code}: {shown!r}")
    if MARK in shown and f.kind == "escapes" and f.fmt != "epub":
        # Raw sequences go whole, payload and all, not only their ESC (the EPUB's metadata
        # cannot hold an ESC at all, so there the payloads are plain text from the start).
        run.problems.append(f"{run.what}: a payload shows as litter")


def _cat(f: HostileFile, tmp: Path) -> Run:
    run = Run(f"cat {f.name}")
    env = pty_env(tmp / "state", tmp / "config")
    p = Pty(nightstand("cat", str(f.path), "--width", "80", "--height", "24"), env, COLS, ROWS)
    try:
        run.code = p.read_to_end(120)
        run.transcript = p.text()
    finally:
        p.close()
    _check(run, f, (*f.visible, *f.end_visible), _loads(f))
    return run


def _read(f: HostileFile, tmp: Path) -> Run:
    run = Run(f"read {f.name}")
    env = pty_env(tmp / "state", tmp / "config")
    p = Pty(nightstand(str(f.path)), env, COLS, ROWS)
    ok = _loads(f)
    try:
        if not ok:
            run.code = p.read_to_end(60)
            run.transcript = p.text()
            _check(run, f, (), ok)
            return run
        # Each key waits for the status line of the page it must bring before the next key
        # goes: keys sent faster than the screen is drawn would skip pages unseen.
        seen = 0  # where the status line taken last ends

        def status_after(accept: Callable[[bytes], bool]) -> bytes:
            """The next status line written after the last one taken that ``accept`` takes."""
            nonlocal seen
            while True:
                found = p.read_until(STATUS, timeout=PAGE_PATIENCE, since=seen)
                seen = found.end()
                if accept(found.group()):
                    return found.group()

        def numbers(status: bytes) -> tuple[int, int] | None:
            """(page, pages) from "page 4 of 9"; None on a title page or before the count."""
            m = STATUS.fullmatch(status)
            return (int(m[1]), int(m[2])) if m and m[1] else None

        def counted(status: bytes) -> bytes:
            """The status line once the pages are counted (it says "page …" until then; a
            story with no page of text says so for good, at 100%)."""
            while not (status.startswith(b"title") or numbers(status) or last(status)):
                status = status_after(lambda s: True)
            return status

        def turn(key: bytes, accept: Callable[[bytes], bool]) -> bytes:
            """Type a key; return the first status line after it that ``accept`` takes."""
            nonlocal seen
            run.turns += 1
            seen = len(p.buffer)
            p.key(key, expect=None)
            return status_after(accept)

        def last(s: bytes) -> bool:
            """The last page: "page 9 of 9", or 100% read."""
            m = STATUS.fullmatch(s)
            if m is None or s.startswith(b"title"):
                return False
            return (m[1] is not None and m[1] == m[2]) or m[3] == b"100"

        status = counted(status_after(lambda s: True))
        limit = 5 if f.big else MAX_TURNS
        while not last(status) and run.turns < limit:
            if (n := numbers(status)) is None:  # a title page: the next one, or page 1
                status = counted(turn(b" ", lambda s, was=status: s != was))
            else:
                status = turn(
                    b" ", lambda s, n=n: (m := numbers(s)) is not None and m[0] == n[0] + 1
                )
        if f.big:
            if not last(status):
                status = turn(b"G", last)
            turn(b"b", lambda s: True)
        p.key(b"q")
        run.code = p.read_to_end()
        run.transcript = p.text()
    except TimeoutError as exc:
        run.transcript = p.text()
        run.problems.append(f"{run.what}: {exc}")
    finally:
        p.close()
    _check(run, f, f.end_visible if f.big else f.visible, ok)
    return run


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[HostileFile]:
    """The hostile corpus."""
    return corpus(tmp_path_factory)


def _run_all(jobs: list[tuple[str, HostileFile]], tmp: Path) -> list[Run]:
    def one(job: tuple[int, tuple[str, HostileFile]]) -> Run:
        n, (kind, f) = job
        where = tmp / f"run{n}"
        where.mkdir()
        return _cat(f, where) if kind == "cat" else _read(f, where)

    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(one, enumerate(jobs)))


def _report(runs: list[Run]) -> None:
    problems = [p for r in runs for p in r.problems]
    leaked = sum(1 for p in problems if "not the app's own" in p or "control character" in p)
    print(
        f"\n{len(runs)} runs, {sum(r.turns for r in runs)} keys, "
        f"{sum(len(r.transcript) for r in runs):,} characters audited, {leaked} leaks"
    )
    assert not problems, "\n".join(problems[:40])


def test_cat_writes_no_escape_sequence_from_any_file(
    files: list[HostileFile], tmp_path: Path
) -> None:
    runs = _run_all([("cat", f) for f in files], tmp_path)
    assert len(runs) == len(files) >= 50
    _report(runs)


def test_the_reader_writes_no_escape_sequence_from_any_file(
    files: list[HostileFile], tmp_path: Path
) -> None:
    runs = _run_all([("read", f) for f in files], tmp_path)
    assert len(runs) == len(files)
    assert sum(r.turns for r in runs) > 100
    _report(runs)


def test_markup_shows_literally_and_does_not_act(files: list[HostileFile], tmp_path: Path) -> None:
    f = next(f for f in files if f.kind == "markup" and f.fmt == "txt")
    run = _read(f, tmp_path)
    assert not run.problems, run.problems
    shown = visible_text(run.transcript)
    for markup in MARKUP:
        assert markup in shown
    # [@click=app.quit] did not end the reader: it quit on q, after every page was shown.
    assert run.turns >= 1
    assert run.code == 0


def test_the_library_shows_hostile_file_names_and_titles_safely(
    files: list[HostileFile], tmp_path: Path
) -> None:
    folder = tmp_path / f"library \x1b]0;{MARK}-TITLE-DIR\x07\x1b[2J"
    folder.mkdir()
    for f in files:
        if (f.kind in ("hostile-name", "escapes", "markup") and f.fmt == "txt") or (
            f.kind == "empty" and MARK in f.path.name
        ):
            shutil.copy(f.path, folder / f.path.name)
    assert len(list(folder.iterdir())) == 4
    env = pty_env(tmp_path / "state", tmp_path / "config")
    p = Pty(nightstand(str(folder)), env, COLS, ROWS)
    try:
        p.read_until(LIBRARY_READY)  # the folder is scanned
        p.read_until(b"NAMEWORD")
        for row in range(4):
            for _ in range(row):
                p.key(b"\x1b[B", expect=None)  # down: keys are read in order
            # The story opens in the background: the reader's status line, or an error.
            opened = p.key(b"\r", STATUS_OR_ERROR)
            if opened is not None and STATUS.fullmatch(opened.group()):
                p.key(b" ", expect=None)
                p.key(b"q", LIBRARY_READY)  # back in the library, scanned again
            p.key(b"g", expect=None)  # back to the first row
        # An error toast stays up and is drawn again, so an old one may have stood for a
        # story that opened later: ctrl+c quits from whichever screen is in front.
        p.key(b"\x03", expect=None)
        code = p.read_to_end()
        transcript = p.text()
    finally:
        p.close()
    found = audit(transcript, COLS, ROWS)
    assert found.violations == [], "\n".join(sorted(set(found.violations))[:20])
    shown = visible_text(transcript)
    assert "NAMEWORD" in shown
    assert "TITLEALPHA" in shown
    assert "Traceback" not in shown
    assert code == 0
