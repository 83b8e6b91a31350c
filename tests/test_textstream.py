"""A big plain-text file read a stretch at a time is the story read from the whole text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nightstand.formats.textstream as textstream
from nightstand.errors import StoryError
from nightstand.formats import load, load_bytes, read_bytes, title_from_file_name
from nightstand.formats.parts import _read_text, read_partial
from nightstand.formats.textstream import read_stream
from storymaker import story_text

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_8f7cc97363ebb6a8.txt"

HEADERS = ["Title: Lanterns", "Author: Someone", "Rating: T", "Spoilers: the end", "Summary:"]
LINES = [
    "She came back . . . at last.",
    '"Quoted," he said -softly- and left--',
    "  indented line",
    "short line.",
    "Chapter 3",
    "Chapter Four: Home",
    "Prologue",
    "= = = =",
    "* * *",
    "oOo",
    "END",
    "THE END",
    "x\ty",
    "\u2029",
    "\ufffd replaced",
    "Rating: M",
    "naïve café",
    "",
    "",
    "",
    " ",
]


@st.composite
def text_files(draw: st.DrawFn) -> bytes:
    head = draw(st.lists(st.sampled_from(HEADERS), max_size=4))
    if head and draw(st.booleans()):
        head.append("= = = =")
    body = draw(st.lists(st.sampled_from(LINES), min_size=1, max_size=60))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join([*head, "", *body]) + draw(st.sampled_from(["", newline, newline * 3]))
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + text).encode()


def whole(data: bytes, name: str, want: int | None, typography: str) -> object:
    """The story (and parts) of the whole decoded text, as a file that is not read in
    stretches gives it."""
    return _read_text(data, name, want, typography)


@pytest.fixture
def small_stretches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textstream, "STREAM_BYTES", 1)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text_files(),
    st.integers(1, 120),
    st.sampled_from([None, 0, 1, 2, 3, 7]),
    st.sampled_from(["smart", "as-written"]),
)
def test_a_file_read_in_stretches_is_the_file_read_whole(
    tmp_path_factory: pytest.TempPathFactory,
    data: bytes,
    stretch: int,
    want: int | None,
    typography: str,
) -> None:
    """Stretches of a few bytes, cut after each blank line: the same story, parts and all;
    or None, the file then read whole."""
    path = tmp_path_factory.mktemp("t") / "story.txt"
    path.write_bytes(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(textstream, "STREAM_BYTES", 1)
        patch.setattr(textstream, "STRETCH_BYTES", stretch)
        got = read_stream(path, name="story", want=want, typography=typography)
    if got is not None:
        assert got == whole(data, "story", want, typography)


@pytest.mark.usefixtures("small_stretches")
def test_a_book_is_read_in_stretches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a vacuous property: a real book is read a stretch at a time, and is the same."""
    path = tmp_path / "book.txt"
    path.write_text(story_text(chapters=30), encoding="utf-8")
    monkeypatch.setattr(textstream, "STRETCH_BYTES", 500)
    stretches: list[int] = []
    lines = textstream._lines

    def counted(text: str, last: bool) -> list[str]:
        stretches.append(len(text))
        return lines(text, last)

    monkeypatch.setattr(textstream, "_lines", counted)
    data = path.read_bytes()
    for want in (None, 0, 12):
        got = read_stream(path, name="book", want=want, typography="smart")
        assert got is not None
        assert got == whole(data, "book", want, "smart")
    assert len(stretches) > 30
    assert max(stretches) < 2000


@pytest.mark.parametrize("tail", ["END\n\n* * *\n\n\n", "END\r\n\r\n= = = =\r\n", "END"])
@pytest.mark.usefixtures("small_stretches")
def test_the_end_line_is_found_behind_separators_in_a_stretch_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tail: str
) -> None:
    path = tmp_path / "book.txt"
    path.write_bytes((story_text(chapters=3, end=False) + "\n\n" + tail).encode())
    monkeypatch.setattr(textstream, "STRETCH_BYTES", 2)  # a cut at every blank line
    got = read_stream(path, name="book")
    assert got is not None
    assert got[0].has_end_mark
    assert got == whole(path.read_bytes(), "book", None, "as-written")


@pytest.mark.skipif(not SEED.exists(), reason="../shared/seed is not beside the repo")
@pytest.mark.usefixtures("small_stretches")
def test_the_seed_read_in_stretches_is_the_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textstream, "STRETCH_BYTES", 300)
    data = SEED.read_bytes()
    name = title_from_file_name(SEED)
    got = read_stream(SEED, name=name, typography="smart")
    assert got is not None
    assert got == whole(data, name, None, "smart")


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ("Title: T\n\nWords.\n\n".encode("cp1252") + b"caf\xe9\n\n" * 10, "not UTF-8"),
        (b"Words.\n\n\x1b[31mred\n\n" * 10, "an escape sequence"),
        ("Words.\n\n\u009b31m\n\n".encode() * 10, "a C1 control"),
        ("\ufeffWords.\n\nMore.\n".encode("utf-16"), "UTF-16"),
        (b"\x00W\x00o\x00r\x00d\x00s\x00.\x00\n\x00\n" * 10, "UTF-16 without a BOM"),
        (b"Title: T\nAuthor: A\nRating: T\n\n" + b"Spoilers: x\n\n" * 50, "a header to the end"),
    ],
)
@pytest.mark.usefixtures("small_stretches")
def test_files_read_whole(tmp_path: Path, data: bytes, why: str) -> None:
    path = tmp_path / "s.txt"
    path.write_bytes(data)
    assert read_stream(path, name="s", typography="smart") is None, why


def test_small_files_and_pipes_are_read_whole(tmp_path: Path) -> None:
    small = tmp_path / "small.txt"
    small.write_text("Words.\n\n" * 100, encoding="utf-8")
    assert read_stream(small, name="s") is None  # under a MiB: it takes no time anyway
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert read_stream(fifo, name="f") is None  # not opened: a pipe is read once
    assert read_stream(tmp_path / "missing.txt", name="m") is None


@pytest.mark.slow
@pytest.mark.usefixtures("small_stretches")
def test_every_hostile_file_loads_as_it_did(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file of the hostile corpus, every fixture: the story (or the error) of the
    whole read, and so for the part read first."""
    from hostile.corpus import corpus

    monkeypatch.setattr(textstream, "STRETCH_BYTES", 4096)
    paths = [f.path for f in corpus(tmp_path_factory)]
    paths += sorted((Path(__file__).parent / "fixtures" / "formats").glob("*"))
    streamed = 0
    for path in paths:
        try:
            expected: object = load_bytes(
                read_bytes(path), name=title_from_file_name(path), suffix=path.suffix.lower()
            )
        except StoryError as exc:
            expected = str(exc).replace(f"{path}: ", "")
        try:
            got: object = load(path)
        except StoryError as exc:
            got = str(exc).replace(f"{path}: ", "")
        assert got == expected, path.name
        streamed += read_stream(path, name="x") is not None
        read_partial(path, 1)  # never raises
    assert streamed >= 5
