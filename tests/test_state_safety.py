"""The reading state never crashes the reader: damaged, read-only, full or unusable stores."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nightstand.cli import main
from nightstand.formats import load
from nightstand.state import DB_NAME, StateStore
from storymaker import write_story

REPO = Path(__file__).resolve().parents[1]


def _saved(directory: Path, path: Path, offset: int) -> str:
    story = load(path)
    with StateStore.open(directory) as store:
        key = store.story_key(story, path)
        store.save_position(key, path, story, offset)
        assert store.warnings == []
    return key


def _usable(store: StateStore, path: Path) -> None:
    """Reading goes on: a key, a position saved and read back in this session."""
    story = load(path)
    key = store.story_key(story, path)
    store.save_position(key, path, story, 77)
    saved = store.position(key)
    assert saved is not None
    assert saved.offset == 77


def test_a_garbage_database_is_moved_aside(tmp_path: Path) -> None:
    directory = tmp_path / "state"
    directory.mkdir()
    garbage = os.urandom(8192)
    (directory / DB_NAME).write_bytes(garbage)
    path = write_story(tmp_path / "a.txt")
    with StateStore.open(directory) as store:
        [warning] = store.warnings
        assert "moved aside" in warning
        assert not store.read_only
        _usable(store, path)
    [aside] = directory.glob(f"{DB_NAME}.corrupt-*")
    assert aside.read_bytes() == garbage
    # The fresh database holds what was saved since.
    with StateStore.open(directory) as store:
        assert store.warnings == []
        assert store.position(store.story_key(load(path), path)) is not None


def test_a_truncated_database_is_moved_aside(tmp_path: Path) -> None:
    directory = tmp_path / "state"
    paths = [write_story(tmp_path / f"s{i}.txt", seed=i) for i in range(30)]
    with StateStore.open(directory) as store:
        for p in paths:
            story = load(p)
            key = store.story_key(story, p)
            store.save_position(key, p, story, 10)
            for n in range(20):
                store.add_bookmark(key, story, n * 10, f"mark {n} " + "x" * 200)
    db = directory / DB_NAME
    size = db.stat().st_size
    assert size > 8 * 4096
    with db.open("r+b") as f:
        f.truncate(size // 2)
    with StateStore.open(directory) as store:
        assert len(store.warnings) == 1
        assert "damaged" in store.warnings[0]
        _usable(store, paths[0])
    assert len(list(directory.glob(f"{DB_NAME}.corrupt-*"))) == 1


def test_the_cli_warns_once_about_a_damaged_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = Path(os.environ["NIGHTSTAND_STATE_DIR"])
    (directory / DB_NAME).write_bytes(b"this is not a database at all" * 100)
    path = write_story(tmp_path / "a.txt")
    main(["info", str(path)])
    captured = capsys.readouterr()
    assert "Title:" in captured.out
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("nightstand: warning: the reading state")
    assert "moved aside" in lines[0]


def test_an_unusable_state_folder_gives_one_warning_and_reading_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    path = write_story(tmp_path / "a.txt")
    with StateStore.open(blocker / "state") as store:
        assert store.read_only
        assert len(store.warnings) == 1
        assert "reading goes on" in store.warnings[0]
        _usable(store, path)
        store.add_bookmark(store.story_key(load(path), path), load(path), 5)
        assert len(store.warnings) == 1


def test_a_full_disk_gives_one_warning_and_the_session_goes_on(tmp_path: Path) -> None:
    directory = tmp_path / "state"
    path = write_story(tmp_path / "a.txt")
    story = load(path)
    with StateStore.open(directory) as store:
        key = store.story_key(story, path)
        store.save_position(key, path, story, 10)
        # SQLite reports a full disk when the file may not grow past its current size.
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages}")
        for n in range(2000):
            store.add_bookmark(key, story, n, f"bookmark {n} " + "y" * 300)
            if store.read_only:
                break
        assert store.read_only
        assert len(store.warnings) == 1
        assert "full" in store.warnings[0]
        # What was saved before stays readable, and the session keeps its own changes.
        store.save_position(key, path, story, 999)
        saved = store.position(key)
        assert saved is not None
        assert saved.offset == 999
        assert any(b.name.startswith(f"bookmark {n} ") for b in store.bookmarks(key))
        assert len(store.warnings) == 1
    with StateStore.open(directory) as store:
        saved = store.position(key)
        assert saved is not None
        assert saved.offset == 10


def test_closed_store_saves_nothing_and_does_not_raise(tmp_path: Path) -> None:
    path = write_story(tmp_path / "a.txt")
    story = load(path)
    store = StateStore.open(tmp_path / "state")
    key = store.story_key(story, path)
    store.save_position(key, path, story, 3)
    store.close()
    store.save_position(key, path, story, 5)
    store.close()
    # What a closed store holds says nothing (it answers None for everything): the file does.
    with StateStore.open(tmp_path / "state") as again:
        saved = again.position(key)
        assert saved is not None
        assert saved.offset == 3


_CHILD = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from nightstand.formats import load
    from nightstand.state import StateStore

    state, story_path = Path(sys.argv[1]), Path(sys.argv[2])
    story = load(story_path)
    store = StateStore.open(state)
    key = store.story_key(story, story_path)
    before = store.position(key)
    store.save_position(key, story_path, story, 10)
    store.add_bookmark(key, story, 5)
    store.set_spoiler_consent(key, True)
    after = store.position(key)
    print(json.dumps({
        "before": before.offset if before else None,
        "after": after.offset if after else None,
        "warnings": store.warnings,
        "read_only": store.read_only,
    }))
    """
)


def _read_only_command(state: Path, command: list[str]) -> list[str]:
    """Run ``command`` where ``state`` cannot be written, or skip if that cannot be arranged."""
    if os.geteuid() != 0:
        return command
    # Root writes through permissions; a read-only bind mount stops even root.
    if shutil.which("unshare") is None:
        pytest.skip("running as root without unshare: cannot make a folder read-only")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False, timeout=30)
    if probe.returncode != 0:
        pytest.skip("running as root and user namespaces are not available")
    mount = f"mount --bind '{state}' '{state}' && mount -o remount,ro,bind '{state}' '{state}'"
    script = f'{mount} && exec "$@"'
    return ["unshare", "-rm", "sh", "-c", script, "sh", *command]


def test_a_read_only_state_folder_reads_and_warns_once(tmp_path: Path) -> None:
    state = tmp_path / "state"
    path = write_story(tmp_path / "a.txt")
    _saved(state, path, 3000)
    mode = state.stat().st_mode
    state.chmod(0o555)
    (state / DB_NAME).chmod(0o444)
    env = {**os.environ, "NIGHTSTAND_STATE_DIR": str(state)}
    try:
        child = subprocess.run(
            _read_only_command(state, [sys.executable, "-c", _CHILD, str(state), str(path)]),
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=60,
        )
        info = subprocess.run(
            _read_only_command(state, [sys.executable, "-m", "nightstand", "info", str(path)]),
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=60,
            cwd=REPO,
        )
    finally:
        state.chmod(mode)
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout)
    assert result["before"] == 3000
    assert result["after"] == 10  # The session goes on in memory...
    assert result["read_only"]
    assert len(result["warnings"]) == 1
    assert "read-only" in result["warnings"][0]
    assert info.returncode == 0, info.stderr
    assert "Read:" in info.stdout
    assert len(info.stderr.splitlines()) == 1
    assert info.stderr.startswith("nightstand: warning: cannot save the reading state")
    # ...and nothing was written.
    with StateStore.open(state) as store:
        saved = store.position(store.story_key(load(path), path))
        assert saved is not None
        assert saved.offset == 3000


def test_a_database_that_cannot_be_read_at_all_starts_empty_in_memory(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / DB_NAME).mkdir(parents=True)  # A folder where the file should be.
    path = write_story(tmp_path / "a.txt")
    with StateStore.open(state) as store:
        assert store.read_only
        assert len(store.warnings) == 1
        _usable(store, path)


def test_busy_database_does_not_lose_the_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write held up past the timeout by another process is reported, not fatal."""
    import nightstand.state.database as state_module

    monkeypatch.setattr(state_module, "BUSY_TIMEOUT", 0.2)
    state = tmp_path / "state"
    path = write_story(tmp_path / "a.txt")
    key = _saved(state, path, 1)
    holder = sqlite3.connect(state / DB_NAME, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with StateStore.open(state) as store:
            store.save_position(key, path, load(path), 500)
            assert not store.read_only
            assert len(store.warnings) == 1
            assert "busy" in store.warnings[0]
            holder.execute("ROLLBACK")
            store.save_position(key, path, load(path), 600)
            saved = store.position(key)
            assert saved is not None
            assert saved.offset == 600
    finally:
        holder.close()
