"""The library's cold scan: files read in worker processes, and plain text read as written."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import nightstand.library as library
import nightstand.library_read as library_read
from nightstand.formats import load
from nightstand.library import LibraryEntry, read_file, scan
from nightstand.state import StateStore, identify
from storymaker import PUNCTUATED, write_story

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_8f7cc97363ebb6a8.txt"


def _shown(entries: list[LibraryEntry]) -> set[tuple[object, ...]]:
    return {(e.path, e.title, e.author, e.format, e.words, e.error, e.key) for e in entries}


def _library(root: Path, count: int) -> list[Path]:
    paths = [
        write_story(root / f"shelf{i % 3}" / f"story-{i:02}.txt", title=f"Story {i}", seed=i)
        for i in range(count)
    ]
    (root / "broken.txt").write_bytes(b"PK\x03\x04" + bytes(200))
    return paths


@pytest.fixture
def pooled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Scans use a worker from 4 files on, 3 files a task; the files read here are listed."""
    monkeypatch.setattr(library_read, "POOL_FROM", 4)
    monkeypatch.setattr(library_read, "CHUNK", 3)
    monkeypatch.setattr(library_read, "_cpus", lambda: 2)
    here: list[str] = []
    real = library.read_file

    def counting(path: str, size: int, mtime_ns: int) -> library_read.FileRead:
        here.append(path)
        return real(path, size, mtime_ns)

    monkeypatch.setattr(library, "read_file", counting)
    return here


def test_plain_text_read_as_written_is_listed_as_the_reader_loads_it(tmp_path: Path) -> None:
    paths = [tmp_path / "punctuated.txt", write_story(tmp_path / "made.txt", seed=4)]
    paths[0].write_text(PUNCTUATED, encoding="utf-8")
    if SEED.exists():
        paths.append(SEED)
    for path in paths:
        stat = path.stat()
        info, ident, chapters = read_file(str(path), stat.st_size, stat.st_mtime_ns)
        story = load(path)  # the reader's load: smart punctuation
        assert "\u201c" in story.text or path.name == "made.txt"
        assert ident is not None
        assert info.fingerprint == ident.fingerprint == identify(story, path).fingerprint
        assert (info.title, info.author, info.words) == (story.title, story.author, story.words())
        assert chapters == len(story.chapters)


def test_a_scan_shared_with_a_worker_lists_what_a_serial_scan_lists(
    tmp_path: Path, pooled: list[str]
) -> None:
    root = tmp_path / "lib"
    paths = _library(root, 20)
    with StateStore.open(tmp_path / "state-a") as store:
        shared = scan(root, store)
    # The worker read its first task at least: this process never takes a task given away.
    assert 0 < len(pooled) <= 21 - 3
    library_read.POOL_FROM = 10**6
    with StateStore.open(tmp_path / "state-b") as store:
        serial = scan(root, store)
    assert _shown(shared) == _shown(serial)
    assert len(shared) == len(paths) + 1
    assert [e.path.name for e in shared if e.error] == ["broken.txt"]


def test_after_a_shared_scan_the_cache_follows_changes_and_deletions(
    tmp_path: Path, pooled: list[str]
) -> None:
    root = tmp_path / "lib"
    paths = _library(root, 12)
    with StateStore.open(tmp_path / "state") as store:
        scan(root, store)
        story = load(paths[0])
        key = store.story_key(story, paths[0])
        store.save_position(key, paths[0], story, 100)
        write_story(paths[1], title="Retitled", seed=1)
        os.utime(paths[1], ns=(1, 1))
        paths[0].unlink()
        pooled.clear()
        entries = {e.path.name: e for e in scan(root, store)}
        assert pooled == [str(paths[1].resolve())]  # only the changed file is read again
        assert entries[paths[1].name].title == "Retitled"
        assert entries[paths[0].name].missing
        assert entries[paths[0].name].key == key
        assert str(paths[0].resolve()) not in store.cached_files(root.resolve())


@pytest.mark.parametrize("program", ["/bin/false", "/nonexistent/python"])
def test_workers_that_fail_leave_their_files_to_the_scan(
    tmp_path: Path, pooled: list[str], monkeypatch: pytest.MonkeyPatch, program: str
) -> None:
    root = tmp_path / "lib"
    paths = _library(root, 10)
    monkeypatch.setattr(library_read.sys, "executable", program)
    with StateStore.open(tmp_path / "state") as store:
        entries = scan(root, store)
    assert len(entries) == len(paths) + 1
    assert len(pooled) == len(paths) + 1  # every file read here


def test_a_cancelled_shared_scan_stops_its_workers(
    tmp_path: Path, pooled: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "lib"
    _library(root, 30)
    cancel = threading.Event()
    started: list[library_read._Worker] = []
    real_worker = library_read._Worker

    def tracked() -> library_read._Worker:
        worker = real_worker()
        started.append(worker)
        return worker

    monkeypatch.setattr(library_read, "_Worker", tracked)
    real = library.read_file

    def cancelling(path: str, size: int, mtime_ns: int) -> library_read.FileRead:
        cancel.set()
        return real(path, size, mtime_ns)

    monkeypatch.setattr(library, "read_file", cancelling)
    with StateStore.open(tmp_path / "state") as store:
        entries = scan(root, store, cancel)
        assert len(entries) < 31
        assert started
        assert all(w.proc.returncode is not None for w in started)
        # A scan after it reads the rest.
        assert len(scan(root, store)) == 31
