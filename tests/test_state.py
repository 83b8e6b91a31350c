"""The reading state: identity, positions, consent, bookmarks, recent stories, forgetting."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import threading
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nightstand.cli import main, saved_summary
from nightstand.errors import StateError
from nightstand.formats import load
from nightstand.state import (
    DB_NAME,
    QUOTE_CHARS,
    SCHEMA_VERSION,
    StateStore,
    identify,
    resolve_offset,
    state_dir,
)
from nightstand.story import StoryBuilder
from storymaker import append_chapter, story_text, write_story

if TYPE_CHECKING:
    from pathlib import Path

_SENTENCE = re.compile(r"(?<=[.?!] )[A-Z][^.?!\n]*[.?!]")


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    s = StateStore.open(tmp_path / "state")
    yield s  # type: ignore[misc]
    s.close()


def _open_at(store: StateStore, path: Path) -> tuple[str, int | None]:
    """What the reader does on opening a file: the key, and the offset to open at."""
    story = load(path)
    key = store.story_key(story, path)
    saved = store.position(key)
    return key, store.resolve(story, saved) if saved else None


def _middle(path: Path) -> tuple[int, str]:
    """A position in the middle of a story, at the start of a sentence, and its sentence."""
    story = load(path)
    found = _SENTENCE.search(story.text, len(story.text) // 2)
    assert found is not None
    return found.start(), found.group()


def test_state_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIGHTSTAND_STATE_DIR", str(tmp_path / "x"))
    assert state_dir() == tmp_path / "x"


def test_save_and_reopen_same_position(tmp_path: Path) -> None:
    path = write_story(tmp_path / "orchard.txt")
    offset, _ = _middle(path)
    story = load(path)
    with StateStore.open(tmp_path / "state") as first:
        key = first.story_key(story, path)
        first.save_position(key, path, story, offset)
    with StateStore.open(tmp_path / "state") as again:
        assert again.warnings == []
        key2, at = _open_at(again, path)
        saved = again.position(key2)
    assert key2 == key
    assert at == offset
    assert saved is not None
    assert saved.quote == story.text[offset : offset + QUOTE_CHARS]
    assert saved.words == story.words()
    assert saved.chapter == "Chapter 2"
    assert 40 < saved.percent < 60


def test_the_database_is_in_wal_mode_with_a_versioned_schema(store: StateStore) -> None:
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()


@pytest.mark.parametrize("title", ["The Glass Orchard", None])
def test_rename_and_move_keep_the_position(tmp_path: Path, title: str | None) -> None:
    path = write_story(tmp_path / "downloads" / "orchard.txt", title=title)
    offset, _ = _middle(path)
    with StateStore.open(tmp_path / "state") as store:
        story = load(path)
        key = store.story_key(story, path)
        store.save_position(key, path, story, offset)
        renamed = path.with_name("glass-orchard-final.txt")
        path.rename(renamed)
        assert _open_at(store, renamed) == (key, offset)
        moved = tmp_path / "elsewhere" / "deep" / "o.txt"
        moved.parent.mkdir(parents=True)
        renamed.rename(moved)
        assert _open_at(store, moved) == (key, offset)
        # The re-link is remembered: the recent list points at the new place.
        store.save_position(key, moved, load(moved), offset)
        [recent] = store.recent()
    assert recent.path == moved.resolve()
    assert not recent.missing


def test_redownload_with_changed_headers_keeps_the_position(tmp_path: Path) -> None:
    path = write_story(tmp_path / "a.txt", extra_headers=("Words: 2,400", "Status: WIP"))
    offset, _ = _middle(path)
    with StateStore.open(tmp_path / "state") as store:
        story = load(path)
        key = store.story_key(story, path)
        store.save_position(key, path, story, offset)
        again = write_story(
            tmp_path / "Downloads" / "a (1).txt", extra_headers=("Words: 3,100", "Status: Done")
        )
        assert _open_at(store, again) == (key, offset)


def test_appending_a_chapter_keeps_the_position(tmp_path: Path) -> None:
    path = write_story(tmp_path / "wip.txt", chapters=2)
    offset, sentence = _middle(path)
    with StateStore.open(tmp_path / "state") as store:
        story = load(path)
        key = store.story_key(story, path)
        store.save_position(key, path, story, offset)
        append_chapter(path, 3)
        grown = load(path)
        assert len(grown.chapters) == 3
        assert _open_at(store, path) == (key, offset)
        # Downloaded again under another name, grown by one more chapter: still the same.
        other = tmp_path / "new" / "wip (2).txt"
        other.parent.mkdir()
        shutil.copy(path, other)
        append_chapter(other, 4, seed=7)
        k, at = _open_at(store, other)
    assert k == key
    assert at is not None
    assert load(other).text[at:].startswith(sentence)


def test_a_short_story_that_grows_keeps_its_state(tmp_path: Path) -> None:
    """A first chapter shorter than the fingerprinted opening: its opening changes."""
    path = write_story(tmp_path / "short.txt", chapters=1, paragraphs=2, end=False)
    with StateStore.open(tmp_path / "state") as store:
        story = load(path)
        key = store.story_key(story, path)
        store.save_position(key, path, story, 40)
        append_chapter(path, 2)
        moved = tmp_path / "moved.txt"
        path.rename(moved)
        assert _open_at(store, moved) == (key, 40)


@pytest.mark.parametrize("where", ["opening", "later"])
def test_editing_a_paragraph_before_the_position_keeps_the_sentence(
    tmp_path: Path, where: str
) -> None:
    path = write_story(tmp_path / "edited.txt", chapters=4)
    offset, sentence = _middle(path)
    with StateStore.open(tmp_path / "state") as store:
        story = load(path)
        key = store.story_key(story, path)
        store.save_position(key, path, story, offset)
        text = path.read_text(encoding="utf-8")
        # The first paragraph falls in the fingerprinted opening; a later one does not.
        paragraphs = [p for p in text.split("\n\n") if len(p) > 80]
        target = paragraphs[0] if where == "opening" else paragraphs[len(paragraphs) // 3]
        assert text.index(target) < text.index(sentence)
        edited = target.replace(" ", " very much longer than it was, ", 1) + " An added line."
        path.write_text(text.replace(target, edited, 1), encoding="utf-8")
        changed = identify(story, path).fingerprint != identify(load(path), path).fingerprint
        assert changed == (where == "opening")
        k, at = _open_at(store, path)
    assert k == key
    new_text = load(path).text
    assert at != offset
    assert at is not None
    assert new_text[at:].startswith(sentence)


def test_an_edited_opening_in_a_renamed_file_still_finds_the_story(tmp_path: Path) -> None:
    path = write_story(tmp_path / "a.txt", paragraphs=10)
    offset, sentence = _middle(path)
    with StateStore.open(tmp_path / "state") as store:
        story = load(path)
        key = store.story_key(story, path)
        store.save_position(key, path, story, offset)
        text = path.read_text(encoding="utf-8")
        # A typo fixed past the first few lines: the start of the opening stays.
        body = text.index("Chapter 1")
        at = text.index(" ", body + 400)
        path.unlink()
        (tmp_path / "b.txt").write_text(text[:at] + " indeed" + text[at:], encoding="utf-8")
        new = load(tmp_path / "b.txt")
        assert identify(new, tmp_path / "b.txt").fingerprint != identify(story, path).fingerprint
        k, where = _open_at(store, tmp_path / "b.txt")
    assert k == key
    assert where is not None
    assert load(tmp_path / "b.txt").text[where:].startswith(sentence)


def test_different_stories_never_share_state(tmp_path: Path) -> None:
    with StateStore.open(tmp_path / "state") as store:
        keys = set()
        # Same title and author, different text (a series' parts).
        for seed in range(3):
            p = write_story(tmp_path / f"part{seed}.txt", seed=seed)
            keys.add(store.story_key(load(p), p))
        # Untitled stories by nobody, each in a file of the same name.
        for seed in range(3, 6):
            p = write_story(
                tmp_path / f"dir{seed}" / "story.txt", title=None, author=None, seed=seed
            )
            keys.add(store.story_key(load(p), p))
        # Same text, other author.
        p = write_story(tmp_path / "other.txt", seed=0, author="Someone Else")
        keys.add(store.story_key(load(p), p))
        assert len(keys) == 7
        # A download overwritten by a different story does not inherit the old state.
        dl = write_story(tmp_path / "download.txt", title=None, author=None, seed=10)
        old = store.story_key(load(dl), dl)
        store.save_position(old, dl, load(dl), 100)
        write_story(dl, title=None, author=None, seed=11)
        new = store.story_key(load(dl), dl)
        assert new != old
        assert store.position(new) is None
        assert store.position(old) is not None


def test_spoiler_consent_is_remembered_per_story(tmp_path: Path) -> None:
    a = write_story(tmp_path / "a.txt", seed=1)
    b = write_story(tmp_path / "b.txt", seed=2)
    with StateStore.open(tmp_path / "state") as store:
        ka, kb = store.story_key(load(a), a), store.story_key(load(b), b)
        assert not store.spoiler_consent(ka)
        store.set_spoiler_consent(ka, True)
    with StateStore.open(tmp_path / "state") as store:
        assert store.spoiler_consent(ka)
        assert not store.spoiler_consent(kb)
        store.set_spoiler_consent(ka, False)
        assert not store.spoiler_consent(ka)


def test_bookmarks(tmp_path: Path) -> None:
    path = write_story(tmp_path / "a.txt")
    story = load(path)
    with StateStore.open(tmp_path / "state") as store:
        key = store.story_key(story, path)
        first = store.add_bookmark(key, story, 900)
        second = store.add_bookmark(key, story, 300)
        named = store.add_bookmark(key, story, 600, "  the   lantern ")
        assert (first.name, second.name, named.name) == ("1", "2", "the lantern")
        assert second.quote == story.text[300 : 300 + QUOTE_CHARS]
        store.add_bookmark(key, story, 700, "the lantern")  # replaced, like a mark in less
    with StateStore.open(tmp_path / "state") as store:
        marks = store.bookmarks(key)
        assert [(m.name, m.offset) for m in marks] == [("2", 300), ("the lantern", 700), ("1", 900)]
        store.remove_bookmark(key, "2")
        store.remove_bookmark(key, "no such mark")
        assert [m.name for m in store.bookmarks(key)] == ["the lantern", "1"]
        assert store.add_bookmark(key, story, 10).name == "2"
        assert resolve_offset(story, marks[0].offset, marks[0].quote) == 300


def test_recent_lists_most_recent_first_and_flags_missing_files(tmp_path: Path) -> None:
    paths = [write_story(tmp_path / f"s{i}.txt", seed=i, title=f"Story {i}") for i in range(3)]
    with StateStore.open(tmp_path / "state") as store:
        for p in (paths[1], paths[0], paths[2]):
            story = load(p)
            store.save_position(store.story_key(story, p), p, story, 50)
        paths[0].unlink()
        recent = store.recent()
        assert [r.title for r in recent] == ["Story 2", "Story 0", "Story 1"]
        assert [r.missing for r in recent] == [False, True, False]
        assert recent[1].percent > 0
        assert len(store.recent(limit=2)) == 2
    # A missing file's state is never deleted on its own.
    with StateStore.open(tmp_path / "state") as store:
        assert store.position(recent[1].key) is not None


def test_forget_deletes_one_story_only(tmp_path: Path) -> None:
    a = write_story(tmp_path / "a.txt", seed=1)
    b = write_story(tmp_path / "b.txt", seed=2)
    with StateStore.open(tmp_path / "state") as store:
        ka, kb = (store.story_key(load(p), p) for p in (a, b))
        for k, p in ((ka, a), (kb, b)):
            store.save_position(k, p, load(p), 20)
            store.add_bookmark(k, load(p), 30)
            store.set_spoiler_consent(k, True)
        store.forget(ka)
        assert store.position(ka) is None
        assert store.bookmarks(ka) == []
        assert not store.spoiler_consent(ka)
        assert store.find_key(load(a), a) is None
        assert store.position(kb) is not None
        assert store.bookmarks(kb)
        assert store.spoiler_consent(kb)


def test_find_key_never_creates_state(tmp_path: Path) -> None:
    path = write_story(tmp_path / "a.txt")
    with StateStore.open(tmp_path / "state") as store:
        assert store.find_key(load(path), path) is None
        assert store.recent() == []
        key = store.story_key(load(path), path)
        assert store.find_key(load(path), path) == key


def test_saved_summary(tmp_path: Path) -> None:
    path = write_story(tmp_path / "a.txt")
    story = load(path)
    assert saved_summary(path, story) == {}
    with StateStore.open() as store:
        key = store.story_key(story, path)
        store.save_position(key, path, story, 1234, percent=37.5)
    summary = saved_summary(path, story)
    assert summary["position"] == 1234
    assert summary["percent"] == 37.5
    assert summary["chapter"] == "Chapter 1"
    assert summary["last_read"][:2] == "20" and "T" in summary["last_read"]


def test_info_shows_the_saved_position(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_story(tmp_path / "a.txt")
    story = load(path)
    with StateStore.open() as store:
        store.save_position(store.story_key(story, path), path, story, 2000)
    main(["info", str(path), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["position"] == 2000
    assert data["percent"] == pytest.approx(100 * 2000 / len(story.text), abs=0.1)
    main(["info", str(path)])
    assert "Read:" in capsys.readouterr().out


def test_forget_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_story(tmp_path / "a.txt")
    story = load(path)
    with StateStore.open() as store:
        key = store.story_key(story, path)
        store.save_position(key, path, story, 2000)
    path.unlink()  # Forgetting works for a file that is gone, by its last known place.
    main(["forget", str(path)])
    assert "Forgot" in capsys.readouterr().out
    with StateStore.open() as store:
        assert store.position(key) is None
    main(["forget", str(path)])
    assert "Nothing is saved" in capsys.readouterr().out


def test_threads_share_one_store(tmp_path: Path) -> None:
    """The UI saves from worker threads: every thread's last write is what stays."""
    paths = [write_story(tmp_path / f"t{i}.txt", seed=i) for i in range(4)]
    stories = [load(p) for p in paths]
    with StateStore.open(tmp_path / "state") as store:
        keys = [store.story_key(s, p) for s, p in zip(stories, paths, strict=True)]
        errors: list[BaseException] = []

        def work(i: int) -> None:
            try:
                for n in range(150):
                    store.save_position(keys[i], paths[i], stories[i], n * 3 + i)
                    store.add_bookmark(keys[i], stories[i], n, f"m{n % 5}")
                    assert store.position(keys[i]) is not None
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert store.warnings == []
        for i, key in enumerate(keys):
            saved = store.position(key)
            assert saved is not None
            assert saved.offset == 149 * 3 + i
            assert len(store.bookmarks(key)) == 5


def test_a_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    directory = tmp_path / "state"
    with StateStore.open(directory):
        pass
    conn = sqlite3.connect(directory / DB_NAME)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = (directory / DB_NAME).read_bytes()
    with pytest.raises(StateError, match="newer version of nightstand"):
        StateStore.open(directory)
    assert (directory / DB_NAME).read_bytes() == before
    assert not list(directory.glob("*.corrupt-*"))


def test_the_cli_reports_a_newer_schema_as_a_warning_for_info(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with StateStore.open() as store:
        db = store.path
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    path = write_story(tmp_path / "a.txt")
    main(["info", str(path)])
    captured = capsys.readouterr()
    assert "Title:" in captured.out
    assert captured.err.startswith("nightstand: warning: the reading state")
    with pytest.raises(SystemExit) as exit_info:
        main(["list", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "newer version" in capsys.readouterr().err


# -- resolving positions ---------------------------------------------------------------------


def _story(text: str):  # type: ignore[no-untyped-def]
    builder = StoryBuilder()
    for para in text.split("\n"):
        builder.paragraph(para)
    return builder.build(title="t")


def test_resolve_clamps_and_falls_back() -> None:
    story = _story("one two three\nfour five six")
    assert resolve_offset(story, 10_000, "gone") == len(story.text)
    assert resolve_offset(story, -5, "") == 0
    assert resolve_offset(story, 4, "two three") == 4
    assert resolve_offset(story, 4, "nothing like it at all anywhere") == 4


def test_resolve_picks_the_nearest_of_repeated_quotes() -> None:
    text = "\n".join(["The same line again."] * 6)
    story = _story(text)
    line = len("The same line again.") + 1
    assert resolve_offset(story, 3 * line + 2, "The same line again.") == 3 * line


def test_resolve_finds_a_quote_that_was_itself_edited() -> None:
    old = "Alpha beta gamma.\nThe kettle sang in the narrow kitchen while the rain kept on.\nEnd."
    story = _story(old)
    offset = old.index("The kettle")
    quote = old[offset : offset + QUOTE_CHARS]
    new = _story(
        "A new first line, much longer than before.\n"
        "The kettle sang loudly in the narrow kitchen while the rain kept on.\nEnd."
    )
    assert story.text[offset:].startswith("The kettle")
    assert new.text[resolve_offset(new, offset, quote) :].startswith("The kettle sang")


_prose = st.text(alphabet="abcdefgh .,", min_size=0, max_size=300)


@settings(max_examples=150, deadline=None)
@given(
    before=_prose,
    inserted=_prose,
    target=st.text(alphabet="ABCDEFGHIJ xyz", min_size=24, max_size=80),
    after=_prose,
    cut=st.integers(0, 300),
)
def test_resolve_survives_any_edit_before_the_position(
    before: str, inserted: str, target: str, after: str, cut: int
) -> None:
    """Text inserted anywhere before the position never moves it off its quote."""
    old = before + target + after
    offset = len(before)
    quote = old[offset : offset + QUOTE_CHARS]
    cut = min(cut, len(before))
    new_text = before[:cut] + inserted + before[cut:] + target + after
    new = _story(new_text)
    at = resolve_offset(new, offset, quote)
    assert new.text[at:].startswith(quote)
    # The nearest occurrence wins: none lies closer to the old offset than the one chosen.
    assert abs(at - offset) <= abs(len(before) + len(inserted) - offset)


def test_story_text_is_deterministic() -> None:
    assert story_text(seed=3) == story_text(seed=3)
    assert story_text(seed=3) != story_text(seed=4)
