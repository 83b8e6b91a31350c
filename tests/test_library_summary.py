"""A library row read without building the story: the same as from the story the loader builds."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nightstand.formats.summary as summary
from hostile.corpus import corpus
from nightstand.errors import StoryError
from nightstand.formats import load
from nightstand.formats.plaintext import parse_plaintext
from nightstand.formats.summary import (
    Summary,
    of_story,
    summarize,
    summarize_file,
    summarize_plaintext,
)
from nightstand.library import read_file
from nightstand.state import identify
from nightstand.state.identity import OPENING_CHARS
from storymaker import PUNCTUATED, write_story

if TYPE_CHECKING:
    from nightstand.story import Story

HERE = Path(__file__).resolve().parent
SEED = HERE.parents[1] / "shared" / "seed" / "000_8f7cc97363ebb6a8.txt"
BUNDLED = sorted((HERE.parent / "library").glob("*.*"))


def _stories(tmp_path: Path) -> list[Path]:
    paths = [*BUNDLED, write_story(tmp_path / "made.txt", seed=3)]
    punctuated = tmp_path / "punctuated.txt"
    punctuated.write_text(PUNCTUATED, encoding="utf-8")
    paths.append(punctuated)
    for suffix in (".md", ".html"):
        other = tmp_path / f"punctuated{suffix}"
        other.write_text(PUNCTUATED, encoding="utf-8")
        paths.append(other)
    if SEED.exists():
        paths.append(SEED)
    return paths


def test_there_are_bundled_stories() -> None:
    assert len(BUNDLED) >= 5


def assert_summarises(got: Summary, story: Story) -> None:
    """``got`` is ``story``'s summary: the same fields, and an opening the identity reads
    as it reads the story's (a prefix, whole or long enough)."""
    expected = of_story(story)
    assert got._replace(opening="") == expected._replace(opening="")
    assert expected.opening.startswith(got.opening)
    assert got.opening == expected.opening or (
        len(" ".join(got.opening.split())) >= summary.OPENING_WORDS
    )


def test_the_opening_is_what_the_identity_reads() -> None:
    assert summary.OPENING_WORDS == OPENING_CHARS
    assert summary.OPENING_TEXT == 4 * OPENING_CHARS


@pytest.mark.parametrize("typography", ["as-written", "smart"])
def test_a_summary_is_what_the_loaded_story_gives(tmp_path: Path, typography: str) -> None:
    for path in _stories(tmp_path):
        story = load(path, typography=typography)
        assert_summarises(summarize(path, typography), story)
        assert story.words() > 0


def test_a_library_row_is_what_the_loaded_story_gives(tmp_path: Path) -> None:
    for path in _stories(tmp_path):
        stat = path.stat()
        info, ident, chapters = read_file(str(path), stat.st_size, stat.st_mtime_ns)
        # The library reads plain text as written, everything else as the reader does.
        as_written = path.suffix == ".txt"
        story = load(path, typography="as-written" if as_written else "smart")
        assert ident == identify(story, path), path.name
        assert info.fingerprint == ident.fingerprint
        assert (info.title, info.author, info.format, info.words, info.error) == (
            story.title,
            story.author,
            story.format,
            story.words(),
            None,
        )
        assert chapters == len(story.chapters)


def test_hostile_files_are_summarised_as_they_load(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    summarised = 0
    for hostile in corpus(tmp_path_factory):
        path = hostile.path
        if path.suffix != ".txt":
            continue  # Other formats are loaded in full to be summarised.
        _, _, _, got = summarize_file(str(path), 0, 0)
        try:
            story = load(path, typography="as-written")
        except StoryError as exc:
            assert got == str(exc), path.name
            continue
        assert isinstance(got, Summary), path.name
        assert_summarises(got, story)
        summarised += 1
    assert summarised > 10


# Lines of every kind the plain-text loader tells apart, and prose around them.
_LINES = [
    "Title: A Title",
    "Author: Some One",
    "Rating: G",
    "Spoilers: all of it",
    "Odd Key: value",
    "  continued value",
    "by An Author",
    "= = = = =",
    "* * *",
    "oOo",
    "  xXx  ",
    "OoO",
    "~*~",
    "§",
    "o",
    "- - -",
    "Chapter 1",
    "CHAPTER TWO: The Road",
    "  Prologue  ",
    "Part iv (again)",
    "Chapter 3" + " " * 130,
    "END",
    "~ The End ~",
    "fin",
    "",
    "   ",
    "\t",
    "Plain words in a row.",
    "A -marked- word, *two words* and _under_ and /slash/ too.",
    'He said "wait . . . no" - and left.',
    "“Curly” quotes — dashes… and\u00a0no-break.",
    "    An indented line starting a paragraph.",
    "Short.",
    "A line that goes on " + "and on " * 25 + "to the end.",
    "x marks the spot",
    "Odd control \x1b[31m red \x07 bell\r",
    "1990's numbers 42",
]


@st.composite
def _plain_text(draw: st.DrawFn) -> str:
    lines = draw(
        st.lists(
            st.sampled_from(_LINES) | st.text(max_size=12),
            max_size=60,
        )
    )
    return "\n".join(lines)


@given(_plain_text(), st.sampled_from([(8, 2), (40, 10), (200, 50), (4096, 1024)]))
@settings(max_examples=300, deadline=None)
def test_summarising_plain_text_is_summarising_its_story(
    text: str, opening: tuple[int, int]
) -> None:
    # A small opening makes the summary cut the lines early, as a long story does.
    with (
        mock.patch.object(summary, "OPENING_TEXT", opening[0]),
        mock.patch.object(summary, "OPENING_WORDS", opening[1]),
    ):
        story = parse_plaintext(text, name="fallback")
        assert_summarises(summarize_plaintext(text, name="fallback"), story)
