"""The real reader on a read-only state folder: it resumes, warns once, and reads on.

Root writes through file permissions, so as root the folder is made read-only the way
that stops even root: a read-only bind mount in a private mount namespace (``unshare``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from typing import TYPE_CHECKING

import pytest

from hostile.terminal import STATUS, Pty, audit, nightstand, pty_env, visible_text
from nightstand.formats import load
from nightstand.state import DB_NAME, StateStore
from nightstand.story import BlockKind
from storymaker import write_story

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.e2e

COLS, ROWS = 100, 30


def _read_only(state: Path, command: list[str]) -> list[str]:
    """``command`` run where ``state`` cannot be written (skip if that cannot be arranged)."""
    if os.geteuid() != 0:
        return command
    if shutil.which("unshare") is None:
        pytest.skip("running as root without unshare: cannot make a folder read-only")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False, timeout=30)
    if probe.returncode != 0:
        pytest.skip("running as root and user namespaces are not available")
    mount = f"mount --bind '{state}' '{state}' && mount -o remount,ro,bind '{state}' '{state}'"
    return ["unshare", "-rm", "sh", "-c", f'{mount} && exec "$@"', "sh", *command]


def test_a_read_only_state_folder_resumes_warns_once_and_reads_on(tmp_path: Path) -> None:
    path = write_story(tmp_path / "story.txt", chapters=12, seed=3)
    story = load(path)
    state = tmp_path / "state"
    middle = story.blocks[len(story.blocks) // 2 :]
    paragraph = next(b for b in middle if b.kind is BlockKind.PARAGRAPH)
    offset = paragraph.start
    with StateStore.open(state) as store:
        key = store.story_key(story, path)
        store.save_position(key, path, story, offset)
    opening = " ".join(story.text[offset : offset + 200].split()[:3])
    mode = state.stat().st_mode
    state.chmod(0o555)
    (state / DB_NAME).chmod(0o444)
    env = pty_env(state, tmp_path / "config")
    try:
        p = Pty(_read_only(state, nightstand(str(path))), env, COLS, ROWS)
        try:
            p.read_until(STATUS)  # the status line comes after the page above it
            resumed = visible_text(p.text())
            for _ in range(3):
                p.key(b" ", STATUS)
            p.wait_shown("cannot save the reading state")
            # A warning is shown as soon as a save fails: a second one, which a page turn
            # would bring, would show within this window.
            p.watch(1.5)
            p.key(b"q", expect=None)
            code = p.read_to_end()
            transcript = p.text()
        finally:
            p.close()
    finally:
        state.chmod(mode)
        (state / DB_NAME).chmod(0o644)
    shown = visible_text(transcript)
    assert code == 0, shown[-500:]
    assert opening in resumed  # it opened where the reader stopped
    assert "cannot save the reading state" in shown
    assert "Reading position not saved" not in shown  # one warning, not one a page
    assert audit(transcript, COLS, ROWS).violations == []
    # Nothing was written: the folder was read-only.
    conn = sqlite3.connect(state / DB_NAME)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    with StateStore.open(state) as store:
        saved = store.position(key)
        assert saved is not None
        assert saved.offset == offset
