"""Schema 3: a database written by schema 2 gains the finished table and keeps everything."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from nightstand.formats import load
from nightstand.state import DB_NAME, MIGRATIONS, SCHEMA_VERSION, StateStore

if TYPE_CHECKING:
    from pathlib import Path


def test_a_schema_2_database_is_migrated_and_keeps_its_positions(tmp_path: Path) -> None:
    story_path = tmp_path / "tale.txt"
    story_path.write_text("Title: Tale\n\nOnce upon a time, and then more.\n", encoding="utf-8")
    story = load(story_path)
    state = tmp_path / "state"
    state.mkdir()
    conn = sqlite3.connect(state / DB_NAME, isolation_level=None)
    for step in MIGRATIONS[:2]:
        for statement in step:
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    with StateStore.open(state) as store:
        key = store.story_key(story, story_path)
        store.save_position(key, story_path, story, 5)
    conn = sqlite3.connect(state / DB_NAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    conn.close()
    with StateStore.open(state) as store:
        assert store.finished(key) is None
        store.mark_finished(key)
        first = store.finished(key)
        store.mark_finished(key)  # the first time counts
        assert first is not None and store.finished(key) == first
        assert store.position(key) is not None
        store.forget(key)
        assert store.finished(key) is None
