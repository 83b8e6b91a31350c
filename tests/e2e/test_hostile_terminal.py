"""Byte-level proof: no escape sequence from a story file ever reaches the terminal.

Each file of the hostile corpus is run through the real program on a pseudo-terminal:
``nightstand cat`` and the interactive reader, turning through every page (for the huge
files, five pages, the end with G, and back). Every byte the program writes is checked
against the allowlist of sequences nightstand itself sends (``hostile.terminal.audit``):
the count of bytes leaked must be 0. The text around each attack must be on screen, so the
file was really shown, and markup-looking text must show as written.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from hostile.corpus import MARK, MARKUP, corpus
from hostile.terminal import Pty, audit, nightstand, pty_env, visible_text
from nightstand.errors import NightstandError
from nightstand.formats import load

if TYPE_CHECKING:
    from pathlib import Path

    from hostile.corpus import HostileFile

pytestmark = pytest.mark.e2e

COLS, ROWS = 100, 40
MAX_TURNS = 40
WORKERS = 2


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
        p.read_until(b"page", timeout=90)
        p.drain(0.3)
        at_end = b"100%" in p.buffer[p.buffer.rfind(b"page") :]

        def turn(key: bytes, wait: float = 2.0) -> bool:
            """Type a key; True when it drew the last page (100%) or drew nothing."""
            mark = len(p.buffer)
            redrawn = p.key(key, wait=wait)
            run.turns += 1
            return not redrawn or b"100%" in p.buffer[mark:]

        limit = 5 if f.big else MAX_TURNS
        while not at_end and run.turns < limit:
            at_end = turn(b" ")
        if f.big:
            if not at_end:
                turn(b"G", wait=30)
            if not turn(b"b"):
                turn(b"G")
        p.key(b"q")
        run.code = p.read_to_end(30)
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
        p.read_until(b"Library", timeout=60)
        p.read_until(b"NAMEWORD", timeout=30)
        p.drain(0.3)
        for row in range(4):
            for _ in range(row):
                p.key(b"\x1b[B")  # down
            p.key(b"\r", wait=10)
            p.drain(0.5)
            p.key(b" ")
            p.key(b"q", wait=5)
            p.drain(0.3)
            p.key(b"g")  # back to the first row
        p.key(b"q")
        code = p.read_to_end(30)
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
