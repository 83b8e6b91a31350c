"""The library: a folder of stories as entries, cached, with progress from the state."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from nightstand.cli import main
from nightstand.errors import StoryError
from nightstand.formats import load
from nightstand.library import LibraryEntry, scan
from nightstand.state import StateStore
from storymaker import write_story

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "library"


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    s = StateStore.open(tmp_path / "state")
    yield s  # type: ignore[misc]
    s.close()


def _folder(root: Path) -> list[Path]:
    return [
        write_story(root / "a.txt", title="Amber Lantern", seed=1),
        write_story(root / "nested" / "deeper" / "b.md", title="Borrowed Winter", seed=2),
        write_story(root / "c.txt", title="Candle Meadow", author=None, seed=3),
    ]


def _read(store: StateStore, path: Path, offset: int) -> str:
    story = load(path)
    key = store.story_key(story, path)
    store.save_position(key, path, story, offset)
    return key


def test_scan_lists_stories_recursively_and_ignores_hidden_and_other_files(
    tmp_path: Path, store: StateStore
) -> None:
    root = tmp_path / "lib"
    paths = _folder(root)
    write_story(root / ".hidden.txt", seed=9)
    write_story(root / ".git" / "inside.txt", seed=10)
    (root / "cover.jpg").write_bytes(b"\xff\xd8\xff")
    (root / "notes.pdf").write_bytes(b"%PDF")
    entries = scan(root, store)
    assert sorted(e.path for e in entries) == sorted(p.resolve() for p in paths)
    by_title = {e.title: e for e in entries}
    assert set(by_title) == {"Amber Lantern", "Borrowed Winter", "Candle Meadow"}
    a = by_title["Amber Lantern"]
    assert a.author == "Wren Halloway"
    assert a.format == "text"
    assert a.words == load(paths[0]).words()
    assert (a.percent, a.last_read, a.missing, a.error, a.key) == (0.0, None, False, None, None)
    assert by_title["Candle Meadow"].author is None


def test_most_recently_read_first_then_by_title(tmp_path: Path, store: StateStore) -> None:
    root = tmp_path / "lib"
    a, _, c = _folder(root)
    _read(store, c, 10)
    key_a = _read(store, a, 2000)
    entries = scan(root, store)
    assert [e.title for e in entries] == ["Amber Lantern", "Candle Meadow", "Borrowed Winter"]
    assert entries[0].key == key_a
    assert entries[0].percent > entries[1].percent > 0
    assert entries[0].last_read is not None
    assert entries[2].last_read is None


def test_progress_follows_a_renamed_file(tmp_path: Path, store: StateStore) -> None:
    root = tmp_path / "lib"
    a, _, _ = _folder(root)
    key = _read(store, a, 1500)
    a.rename(root / "nested" / "renamed.txt")
    entries = scan(root, store)
    [entry] = [e for e in entries if e.title == "Amber Lantern"]
    assert entry.key == key
    assert entry.percent > 0
    assert not entry.missing
    assert len(entries) == 3  # Not listed twice: the old place is not "missing".


def test_a_missing_story_keeps_its_state_and_shows_as_missing(
    tmp_path: Path, store: StateStore
) -> None:
    root = tmp_path / "lib"
    a, _, _ = _folder(root)
    key = _read(store, a, 1500)
    a.unlink()
    entries = scan(root, store)
    [gone] = [e for e in entries if e.missing]
    assert gone.title == "Amber Lantern"
    assert gone.key == key
    assert gone.percent > 0
    assert gone.path == a.resolve()
    assert store.position(key) is not None
    # Back from the unmounted drive: no longer missing, same progress.
    write_story(a, title="Amber Lantern", seed=1)
    again = scan(root, store)
    assert not any(e.missing for e in again)
    assert [e.key for e in again if e.title == "Amber Lantern"] == [key]


def test_the_cache_is_used_until_a_file_changes(
    tmp_path: Path, store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nightstand.library as library

    root = tmp_path / "lib"
    a, _, _ = _folder(root)
    scan(root, store)
    loaded: list[str] = []
    real = library.read_file

    def counting(path: str, size: int, mtime_ns: int):  # type: ignore[no-untyped-def]
        loaded.append(Path(path).name)
        return real(path, size, mtime_ns)

    monkeypatch.setattr(library, "read_file", counting)
    assert len(scan(root, store)) == 3
    assert loaded == []
    write_story(a, title="Amber Lantern Revised", seed=1)
    os.utime(a, ns=(1, 1))  # A new mtime even on a coarse clock.
    entries = scan(root, store)
    assert loaded == ["a.txt"]
    assert "Amber Lantern Revised" in {e.title for e in entries}
    # The cache lives in the state database: a new store (a new process) uses it too.
    loaded.clear()
    with StateStore.open(store.path.parent) as other:
        assert len(scan(root, other)) == 3
    assert loaded == []


def test_deleted_files_leave_the_cache(tmp_path: Path, store: StateStore) -> None:
    root = tmp_path / "lib"
    _, b, _ = _folder(root)
    scan(root, store)
    b.unlink()
    assert len(scan(root, store)) == 2
    assert str(b.resolve()) not in store.cached_files(root.resolve())


def test_a_broken_file_is_listed_with_its_error(tmp_path: Path, store: StateStore) -> None:
    root = tmp_path / "lib"
    _folder(root)
    (root / "empty.txt").write_text("   \n")
    (root / "binary.txt").write_bytes(b"PK\x03\x04" + bytes(200))  # A zip, not a story.
    entries = scan(root, store)
    broken = {e.path.name: e for e in entries if e.error}
    assert set(broken) == {"empty.txt", "binary.txt"}
    assert "empty" in (broken["empty.txt"].error or "")
    assert len(entries) == 5


def test_scan_can_be_cancelled(tmp_path: Path, store: StateStore) -> None:
    root = tmp_path / "lib"
    _folder(root)
    cancel = threading.Event()
    cancel.set()
    assert scan(root, store, cancel) == []
    assert len(scan(root, store)) == 3


def test_scan_of_a_missing_folder_is_a_reader_facing_error(
    tmp_path: Path, store: StateStore
) -> None:
    with pytest.raises(StoryError, match="no such folder"):
        scan(tmp_path / "nope", store)
    write_story(tmp_path / "a.txt")
    with pytest.raises(StoryError, match="not a folder"):
        scan(tmp_path / "a.txt", store)


def test_a_symlink_loop_does_not_hang(tmp_path: Path, store: StateStore) -> None:
    root = tmp_path / "lib"
    _folder(root)
    (root / "nested" / "loop").symlink_to(root, target_is_directory=True)
    assert len(scan(root, store)) == 3


def test_list_json_of_a_generated_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "lib"
    a, _, _ = _folder(root)
    with StateStore.open() as store:
        _read(store, a, 1000)
    main(["list", str(root), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert [d["title"] for d in data] == ["Amber Lantern", "Borrowed Winter", "Candle Meadow"]
    first = data[0]
    assert set(first) >= {"title", "author", "format", "words", "percent", "last_read"}
    assert first["percent"] > 0
    assert first["last_read"].startswith("20")
    assert data[1]["last_read"] is None


def test_list_human_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "lib"
    _folder(root)
    main(["list", str(root)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["READ", "LAST", "READ", "WORDS", "FORMAT", "TITLE"]
    assert len(lines) == 4
    assert "Amber Lantern — Wren Halloway" in lines[1]


def test_list_without_a_folder_uses_the_library_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NIGHTSTAND_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("NIGHTSTAND_DATA_DIR", str(tmp_path / "data"))
    main(["list"])
    out = capsys.readouterr().out
    assert "No stories yet" in out
    assert str(tmp_path / "data" / "library") in out and ".epub" in out
    _folder(tmp_path / "data" / "library")
    main(["list", "--json"])
    assert len(json.loads(capsys.readouterr().out)) == 3


def test_list_json_lists_every_bundled_story(capsys: pytest.CaptureFixture[str]) -> None:
    stories = sorted(p for p in BUNDLED.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not stories:
        pytest.skip("no bundled stories in library/ yet")
    main(["list", str(BUNDLED), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert sorted(Path(d["path"]) for d in data) == [p.resolve() for p in stories]
    for d in data:
        assert d["error"] is None
        assert d["title"]
        assert d["words"] > 100
        assert d["percent"] == 0.0


def test_entries_are_frozen() -> None:
    entry = LibraryEntry(Path("a"), "t", None, "text", 1, 0.0, None, False, None, None)
    with pytest.raises(AttributeError):
        entry.title = "x"  # type: ignore[misc]
