"""The story loaded in a child process is the story loaded in place."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pytest

import nightstand.filetext as filetext
import nightstand.preload as preload_module
import nightstand.story as story_module
from nightstand.errors import StoryError
from nightstand.filetext import FileText
from nightstand.formats import load
from nightstand.preload import Preload, load_kept, pack, unpack
from nightstand.story import Story, StoryBuilder
from preload_helpers import loads_in_the_parent

if TYPE_CHECKING:
    from nightstand.filetext import BookText

FIXTURES = Path(__file__).parent / "fixtures" / "formats"

STORY = """Title: Packed

Spoilers: the end

= = = =

Chapter 1

She said -no- and meant it . . . mostly.

* * *

Chapter 2

Done.

END
"""


def test_pack_then_unpack_gives_an_equal_story(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text(STORY, encoding="utf-8")
    story = load(path)
    again = unpack(pack(story))
    assert again == story
    assert again.block_index_at(story.chapters[1].offset) == story.chapters[1].block


def test_preload_in_a_child_equals_loading_in_place(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text(STORY * 50, encoding="utf-8")
    assert Preload(path).result() == load(path)


@pytest.mark.parametrize("kept", [True, False], ids=["kept-in-the-file", "read-back-whole"])
@pytest.mark.parametrize(
    "body",
    [STORY * 50, STORY + "\n\nनमस्ते दुनिया, यह कहानी है।\n" * 300],
    ids=["english", "devanagari"],
)
def test_the_whole_text_comes_back_through_the_spool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, kept: bool
) -> None:
    """A long text stays in the spool, read from there a piece at a time; a short one is
    read back whole, as a string. Either is the text loaded in place."""
    path = tmp_path / "s.txt"
    path.write_text(body, encoding="utf-8")
    spool_path = tmp_path / "spool"
    made = preload_module._spool_file

    def named(folder: Path) -> object:
        assert made(folder) is not None  # a file with no name can be made there
        return spool_path.open("w+b")

    monkeypatch.setattr(preload_module, "_spool_file", named)
    monkeypatch.setattr(story_module, "_SPOOL_EVERY", 7)  # the child hands out many pieces
    monkeypatch.setattr(filetext, "PIECE_CHARS", 100)  # written in many pieces
    monkeypatch.setattr(preload_module, "KEEP_IN_FILE_CHARS", 1000 if kept else 10**9)
    loaded_here = loads_in_the_parent(monkeypatch)
    story = Preload(path, spool=tmp_path / "cache").result()
    assert isinstance(story.text, FileText if kept else str)
    assert story == load(path)
    assert loaded_here == []  # it came from the child, not from a fallback
    # The child wrote the text there as UTF-8, then the rest of the story.
    spooled = spool_path.read_bytes()
    text = story.text[:].encode()
    assert spooled.startswith(text)
    assert len(spooled) > len(text)


def test_the_child_is_gone_before_the_text_is_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The point of the spool: the child's memory is back before the reader reads."""
    path = tmp_path / "s.txt"
    path.write_text(STORY * 50, encoding="utf-8")
    preload = Preload(path, spool=tmp_path)
    alive: list[bool] = []
    spooled_text = preload_module._spooled_text

    def read_after_checking(spool: BinaryIO, chars: int, offsets: bytes) -> BookText:
        try:
            os.kill(preload._pid, 0)
            alive.append(True)
        except ProcessLookupError:  # reaped: no such process any more
            alive.append(False)
        return spooled_text(spool, chars, offsets)

    monkeypatch.setattr(preload_module, "_spooled_text", read_after_checking)
    assert preload.result() == load(path)
    assert alive == [False]


def test_a_spool_that_does_not_hold_the_text_is_loaded_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cut short after the child wrote it (a full disk): the reader loads the book."""
    path = tmp_path / "s.txt"
    path.write_text(STORY * 50, encoding="utf-8")
    spooled_text = preload_module._spooled_text

    def cut_short(spool: BinaryIO, chars: int, offsets: bytes) -> BookText:
        spool.truncate(10)
        return spooled_text(spool, chars, offsets)

    monkeypatch.setattr(preload_module, "_spooled_text", cut_short)
    _assert_loaded_in_place(path, tmp_path, monkeypatch)


def test_a_spool_that_cannot_be_written_is_loaded_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk, say: the child fails to write the text, and the reader loads the book."""
    path = tmp_path / "s.txt"
    path.write_text(STORY * 50, encoding="utf-8")
    spool_path = tmp_path / "spool"
    spool_path.write_bytes(b"")
    monkeypatch.setattr(preload_module, "_spool_file", lambda folder: spool_path.open("rb"))
    _assert_loaded_in_place(path, tmp_path, monkeypatch)


def _assert_loaded_in_place(path: Path, spool: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The child failed with the spool: the reader loads the book itself, the same story."""
    loaded_here = loads_in_the_parent(monkeypatch)
    assert Preload(path, spool=spool).result() == load(path)
    assert loaded_here == [path]


def test_a_story_built_before_the_spool_comes_down_the_pipe(tmp_path: Path) -> None:
    """A loader that hands over a story it already has (its builder did not run in the
    spool): the text goes down the pipe, not lost for an empty spool."""
    path = tmp_path / "s.txt"
    path.write_text(STORY * 50, encoding="utf-8")
    story = load(path)
    assert Preload(path, loader=lambda: story, spool=tmp_path).result() == story


def test_without_a_spool_the_text_comes_down_the_pipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.txt"
    path.write_text(STORY * 50, encoding="utf-8")
    monkeypatch.setattr(preload_module, "_spool_file", lambda folder: None)
    assert Preload(path, spool=tmp_path).result() == load(path)
    assert Preload(path).result() == load(path)  # no folder given: no spool


def test_preload_reports_errors_as_load_does(tmp_path: Path) -> None:
    with pytest.raises(StoryError, match="no such file"):
        Preload(tmp_path / "missing.txt").result()
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(StoryError, match="empty"):
        Preload(empty).result()


def test_cancel_reaps_the_child(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text(STORY, encoding="utf-8")
    preload = Preload(path)
    preload.cancel()
    with pytest.raises(ChildProcessError):
        import os

        os.waitpid(preload._pid, 0)


@pytest.mark.slow
def test_every_hostile_and_archive_file_comes_back_through_the_spool(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every format and every fallback (Markdown read as plain text, a damaged EPUB), and
    the archives' own books (AO3's HTML and EPUB, FanFicFare's EPUB with its title page
    and summary): the story a child spools is the story loaded in place, and so is the
    error; and a story that loads is loaded by the child, not again by the reader."""
    from hostile.corpus import corpus
    from test_epub import ao3_epub, fanficfare_epub

    paths = [f.path for f in corpus(tmp_path_factory)]
    paths += sorted(FIXTURES.glob("*"))
    paths += [ao3_epub(tmp_path / "ao3.epub"), fanficfare_epub(tmp_path / "fff.epub")]
    loaded_here = loads_in_the_parent(monkeypatch)
    suffixes = set()
    for path in paths:
        try:
            expected: Story | str = load(path)
        except StoryError as exc:
            expected = str(exc)
        loaded_here.clear()
        try:
            got: Story | str = Preload(path, spool=tmp_path).result()
        except StoryError as exc:
            got = str(exc)
        assert got == expected, path.name
        if isinstance(expected, Story):
            assert loaded_here == [], f"{path.name} was loaded again by the reader"
            suffixes.add(path.suffix)
    assert {".txt", ".md", ".html", ".epub"} <= suffixes


@pytest.mark.parametrize("kept", [True, False], ids=["kept-in-the-file", "read-back-whole"])
def test_a_story_loaded_here_keeps_a_long_text_in_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: bool
) -> None:
    """A story opened from the library is read in the reader's process, its long text
    kept in a file as a preloaded one's is; the story is the one load gives."""
    path = tmp_path / "s.txt"
    path.write_text(STORY * 50, encoding="utf-8")
    monkeypatch.setattr(filetext, "PIECE_CHARS", 100)
    monkeypatch.setattr(preload_module, "KEEP_IN_FILE_CHARS", 1000 if kept else 10**9)
    story = load_kept(path, "smart", tmp_path / "cache")
    assert isinstance(story.text, FileText if kept else str)
    assert story == load(path)
    assert list((tmp_path / "cache").iterdir()) == []  # a file with no name
    with pytest.raises(StoryError, match="no such file"):
        load_kept(tmp_path / "missing.txt", "smart", tmp_path / "cache")


def test_a_story_loaded_here_without_a_spool_is_loaded_as_ever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No folder for the spool, or a loader that builds a second story in it (which
    raises there): the story as load gives it."""
    path = tmp_path / "s.txt"
    path.write_text(STORY * 50, encoding="utf-8")
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    assert load_kept(path, "smart", blocked) == load(path)
    import nightstand.formats as formats

    real = formats.load
    calls: list[Path] = []

    def twice(where: Path, typography: str = "smart") -> Story:
        calls.append(where)
        StoryBuilder().build(title="a scratch story, not a scratch builder")
        return real(where, typography=typography)

    monkeypatch.setattr(formats, "load", twice)
    monkeypatch.setattr(preload_module, "KEEP_IN_FILE_CHARS", 1000)
    story = load_kept(path, "smart", tmp_path / "cache")
    assert story == real(path)
    assert isinstance(story.text, str)
    assert calls == [path, path]  # the first, in the spool, raised; the second is the story
