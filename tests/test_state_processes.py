"""Several processes on one reading state: no lost updates, no damage when killed."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from typing import TYPE_CHECKING

import pytest

from nightstand.formats import load
from nightstand.state import DB_NAME, StateStore
from storymaker import write_story
from waiting import wait_until

if TYPE_CHECKING:
    from pathlib import Path

HAMMER_SECONDS = 10.0

_HAMMER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from nightstand.formats import load
    from nightstand.state import StateStore

    state, own_path, shared_path, tag, seconds = sys.argv[1:6]
    own, shared = load(own_path), load(shared_path)
    store = StateStore.open(Path(state))
    own_key = store.story_key(own, Path(own_path))
    shared_key = store.story_key(shared, Path(shared_path))
    marks = {}
    n = 0
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        n += 1
        offset = n % len(own.text)
        store.save_position(own_key, Path(own_path), own, offset)
        name = f"{tag}-{n % 20}"
        marks[name] = store.add_bookmark(shared_key, shared, n % len(shared.text), name).offset
        store.set_spoiler_consent(own_key, n % 2 == 0)
    print(json.dumps({
        "own_key": own_key,
        "shared_key": shared_key,
        "last_offset": n % len(own.text),
        "last_consent": n % 2 == 0,
        "writes": n,
        "marks": marks,
        "warnings": store.warnings,
        "read_only": store.read_only,
    }))
    store.close()
    """
)


@pytest.mark.slow
def test_two_processes_hammering_never_lose_an_update(tmp_path: Path) -> None:
    state = tmp_path / "state"
    shared = write_story(tmp_path / "shared.txt", seed=100)
    owns = [write_story(tmp_path / f"own{i}.txt", seed=i, chapters=6) for i in range(2)]
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _HAMMER,
                str(state),
                str(own),
                str(shared),
                f"p{i}",
                str(HAMMER_SECONDS),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, own in enumerate(owns)
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=HAMMER_SECONDS + 60)
        assert child.returncode == 0, err
        results.append(json.loads(out))
    assert results[0]["shared_key"] == results[1]["shared_key"]
    assert results[0]["own_key"] != results[1]["own_key"]
    with StateStore.open(state) as store:
        assert store.warnings == []
        marks = {m.name: m.offset for m in store.bookmarks(results[0]["shared_key"])}
        for r in results:
            assert r["warnings"] == []
            assert not r["read_only"]
            assert r["writes"] > 100  # Both really wrote, at the same time.
            saved = store.position(r["own_key"])
            assert saved is not None
            assert saved.offset == r["last_offset"]
            assert store.spoiler_consent(r["own_key"]) == r["last_consent"]
            for name, offset in r["marks"].items():
                assert marks[name] == offset
    assert len(marks) == 40
    print("writes per process:", [r["writes"] for r in results])


_WRITER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from nightstand.formats import load
    from nightstand.state import StateStore

    state, path, log = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    story = load(path)
    store = StateStore.open(Path(state))
    key = store.story_key(story, path)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.write(fd, b"ready\\n")
    n = int(sys.argv[4])
    while True:
        n += 1
        store.save_position(key, path, story, n)
        if n % 7 == 0:
            store.add_bookmark(key, story, n, f"b{n % 50}")
        # Written after the commit returns: every number logged is a saved position.
        os.write(fd, f"{n}\\n".encode())
    """
)


def test_killing_a_writer_at_any_moment_never_damages_the_state(tmp_path: Path) -> None:
    state = tmp_path / "state"
    path = write_story(tmp_path / "a.txt", chapters=20)
    rng = random.Random(4)
    start = 0
    for round_ in range(12):
        log = tmp_path / f"log{round_}"
        child = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(state), str(path), str(log), str(start)],
            stderr=subprocess.PIPE,
        )

        def saving(child: subprocess.Popen[bytes] = child, log: Path = log) -> bool:
            """Whether the writer is ready and has logged a save (it must not have died)."""
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
            return log.exists() and len(log.read_bytes().split()) > 1

        # The kill instant is drawn from the first save, not from the start: a busy machine
        # can take longer than any drawn instant just to start the writer.
        wait_until(saving, "the writer to log its first save")
        time.sleep(rng.uniform(0.02, 0.25))  # the random instant of the kill, not a wait
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        if child.stderr:
            child.stderr.close()
        logged = [int(x) for x in log.read_text().split()[1:]]
        assert logged, "the writer saved nothing before it was killed"
        last = logged[-1]

        conn = sqlite3.connect(state / DB_NAME)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()
        with StateStore.open(state) as store:
            assert store.warnings == []
            saved = store.position(store.story_key(load(path), path))
            assert saved is not None
            # At most the write in flight is lost (or it landed just before the kill).
            assert saved.offset in (last, last + 1)
            start = saved.offset
