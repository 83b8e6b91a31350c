"""Tests for formats.plaintext: headers, separators, chapters, end marks, emphasis, prose."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nightstand.errors import StoryError
from nightstand.formats import load
from nightstand.formats.decode import decode
from nightstand.formats.plaintext import (
    is_end_mark,
    is_heading,
    is_separator,
    parse_plaintext,
    prose,
)
from nightstand.story import NBSP, BlockKind, Story

if TYPE_CHECKING:
    from pathlib import Path


def parse(text: str) -> Story:
    return parse_plaintext(text, name="fallback")


def kinds(story: Story) -> list[str]:
    return [b.kind.value for b in story.blocks]


def paragraphs(story: Story) -> list[str]:
    return [story.block_text(b) for b in story.blocks if b.kind is BlockKind.PARAGRAPH]


def emphasised(story: Story) -> list[str]:
    return [story.text[b.start + s.start : b.start + s.end] for b in story.blocks for s in b.spans]


# Header block


def test_seed_style_header_block() -> None:
    story = parse(
        "Disclaimers: None of this is mine.\n\nSpoilers: Through the second book\n\n"
        "= = = = = = = = =\n\nFirst line of prose.\n"
    )
    assert [(h.key, h.value) for h in story.headers] == [
        ("Disclaimers", "None of this is mine."),
        ("Spoilers", "Through the second book"),
    ]
    assert [h.spoiler for h in story.headers] == [False, True]
    assert story.spoiler_keys == ("Spoilers",)
    assert paragraphs(story) == ["First line of prose."]
    assert story.scene_breaks == 0, "the separator closing the header is not a scene break"


@pytest.mark.parametrize(
    ("key", "canonical"),
    [
        ("Title", "title"),
        ("TITLE", "title"),
        ("title", "title"),
        ("Author", "author"),
        ("AUTHOR", "author"),
        ("By", "author"),
        ("by", "author"),
        ("Rating", "rating"),
        ("Rated", "rating"),
        ("Disclaimer", "disclaimer"),
        ("Disclaimers", "disclaimer"),
        ("DISCLAIMER", "disclaimer"),
        ("Spoiler", "spoilers"),
        ("Spoilers", "spoilers"),
        ("Spoiler Warning", "spoilers"),
        ("Spoiler Warnings", "spoilers"),
        ("Warning", "warnings"),
        ("Warnings", "warnings"),
        ("Summary", "summary"),
        ("Pairing", "pairing"),
        ("Pairings", "pairing"),
        ("Category", "category"),
        ("Categories", "category"),
        ("Characters", "characters"),
        ("Archive", "archive"),
        ("Feedback", "feedback"),
        ("A/N", "notes"),
        ("a/n", "notes"),
        ("Author's Note", "notes"),
        ("Author’s Notes", "notes"),
        ("Notes", "notes"),
    ],
)
def test_known_keys_and_variants_match_case_insensitively(key: str, canonical: str) -> None:
    story = parse(f"{key}: some value\n\nThe story begins here.\n")
    assert len(story.headers) == 1
    header = story.headers[0]
    assert header.key == key, "the spelling is kept as written"
    assert header.canonical == canonical
    assert header.value == "some value"
    assert paragraphs(story) == ["The story begins here."]


def test_title_and_author_come_from_headers() -> None:
    story = parse("Title: The Long Road\nBy: A. Writer\n\nProse.\n")
    assert story.title == "The Long Road"
    assert story.author == "A. Writer"


def test_title_falls_back_to_the_name() -> None:
    story = parse("Just prose, no header.\n")
    assert story.title == "fallback"
    assert story.author is None


def test_title_and_byline_opening() -> None:
    story = parse("The Night Garden\nby Someone Kind\n\nThe moon was up.\n")
    assert (story.title, story.author) == ("The Night Garden", "Someone Kind")
    assert paragraphs(story) == ["The moon was up."]


def test_wrapped_continuation_lines_join_the_value() -> None:
    story = parse(
        "Title: A\nSummary: A long summary that goes on\n   and wraps onto a second line\n"
        "  and a third.\nRating: G\n\n~~~\n\nProse.\n"
    )
    summary = story.header("summary")
    assert summary is not None
    assert summary.value == "A long summary that goes on and wraps onto a second line and a third."
    assert [h.key for h in story.headers] == ["Title", "Summary", "Rating"]


def test_unknown_keys_are_kept_in_order() -> None:
    story = parse("Title: A\nMood: Melancholy\nSoundtrack: Rain on a tin roof\n\nProse.\n")
    assert [(h.key, h.value, h.canonical) for h in story.headers] == [
        ("Title", "A", "title"),
        ("Mood", "Melancholy", "mood"),
        ("Soundtrack", "Rain on a tin roof", "soundtrack"),
    ]


def test_unknown_keys_alone_need_a_closing_separator() -> None:
    assert parse("Mood: Melancholy\n\nProse.\n").headers == ()
    closed = parse("Mood: Melancholy\n\n* * *\n\nProse.\n")
    assert [h.key for h in closed.headers] == ["Mood"]


@pytest.mark.parametrize(
    "text",
    [
        "She said: no.\n\nAnd that was that.\n",
        "He had one rule: never look back.\n\nHe looked back.\n",
        "Remember this: the door was open.\n",
        "Note to self: buy milk, he thought, and then forgot.\n",
    ],
)
def test_prose_with_a_colon_is_not_a_header(text: str) -> None:
    story = parse(text)
    assert story.headers == ()
    assert paragraphs(story)[0] == text.split("\n")[0]


def test_no_header_at_all() -> None:
    story = parse("It was late.\n\nThe house was quiet.\n")
    assert story.headers == ()
    assert paragraphs(story) == ["It was late.", "The house was quiet."]


def test_header_block_ends_at_the_first_prose_paragraph() -> None:
    story = parse("Title: A\nAuthor: B\n\nThe rain: it never stopped.\n")
    assert [h.key for h in story.headers] == ["Title", "Author"]
    assert paragraphs(story) == ["The rain: it never stopped."]


def test_a_chapter_heading_with_a_subtitle_is_not_a_header() -> None:
    story = parse("Title: A\nAuthor: B\n\nChapter One: The Shop\n\nText.\n")
    assert [h.key for h in story.headers] == ["Title", "Author"]
    assert [c.title for c in story.chapters] == ["Chapter One: The Shop"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("Spoiler", "the ending"),
        ("Spoilers", "everything up to book three"),
        ("Spoiler Warning", "the twist"),
        ("Spoiler Warnings", "all of them"),
        ("SPOILERS", "yes"),
        ("Warning", "the dog does not make it"),
        ("Warnings", "major character death"),
        ("Notes", "contains spoilers for the finale"),
        ("Summary", "SPOILERY: she wins"),
    ],
)
def test_spoiler_bearing_headers(key: str, value: str) -> None:
    story = parse(f"Title: T\n{key}: {value}\n\n= = =\n\nProse.\n")
    header = story.headers[1]
    assert header.spoiler
    assert story.spoiler_keys == (key,)


@pytest.mark.parametrize("key", ["Title", "Rating", "Disclaimer", "Summary", "Pairing"])
def test_ordinary_headers_are_not_spoilers(key: str) -> None:
    story = parse(f"{key}: something harmless\n\nProse.\n")
    assert not story.headers[0].spoiler
    assert story.spoiler_keys == ()


# Separators


SEPARATORS = [
    "= = =",
    "= = = = = = = = = = = = = = = = = = = = = = = =",
    "* * *",
    "***",
    "~~~",
    "---",
    "###",
    "oOo",
    "OoO",
    "xXx",
    "XxX",
    "~*~*~",
    "-x-x-",
    "~o~o~",
    "+ + +",
    "   *   *   *   ",
    "⁂",
    "❦",
]


@pytest.mark.parametrize("line", SEPARATORS)
def test_separator_shapes(line: str) -> None:
    assert is_separator(line)


@pytest.mark.parametrize(
    "line",
    ["Ok.", "I", "-", "--", "Wait...", "oh", "xox and more", "Exit", "Hmm? Ahh!", "a-b-c-d-e"],
)
def test_not_separators(line: str) -> None:
    assert not is_separator(line)


@pytest.mark.parametrize("line", SEPARATORS)
def test_separator_in_the_body_is_a_scene_break(line: str) -> None:
    story = parse(f"First scene.\n\n{line}\n\nSecond scene.\n")
    assert kinds(story) == ["paragraph", "scene_break", "paragraph"]
    assert paragraphs(story) == ["First scene.", "Second scene."]


@pytest.mark.parametrize("line", ["= = = =", "* * *", "~~~", "---", "###", "oOo", "xXx", "~*~*~"])
def test_separator_closing_the_header_is_not_a_scene_break(line: str) -> None:
    story = parse(f"Title: T\n\nRating: G\n\n{line}\n\nOne.\n\n{line}\n\nTwo.\n")
    assert [h.key for h in story.headers] == ["Title", "Rating"]
    assert kinds(story) == ["paragraph", "scene_break", "paragraph"]


def test_separator_directly_under_header_lines() -> None:
    story = parse("Title: T\nRating: G\n= = = =\nProse.\n")
    assert [h.key for h in story.headers] == ["Title", "Rating"]
    assert kinds(story) == ["paragraph"]


def test_separator_between_lines_of_a_paragraph_splits_it() -> None:
    story = parse("One line\n* * *\nanother line\n")
    assert kinds(story) == ["paragraph", "scene_break", "paragraph"]


def test_repeated_and_trailing_separators_collapse() -> None:
    story = parse("A.\n\n* * *\n\n~~~\n\nB.\n\n* * *\n")
    assert kinds(story) == ["paragraph", "scene_break", "paragraph"]


# Chapters


@pytest.mark.parametrize(
    "line",
    [
        "Chapter 3",
        "CHAPTER 12",
        "chapter 1",
        "Chapter Three",
        "Chapter Twenty-One",
        "Chapter Three: The Road",
        "Chapter 4 - Home Again",
        "Chapter IV",
        "Part II",
        "Part Two",
        "Book 1",
        "Prologue",
        "Epilogue",
        "EPILOGUE",
        "Interlude",
        "Prologue: Before",
    ],
)
def test_chapter_headings(line: str) -> None:
    assert is_heading(line)
    story = parse(f"Opening line.\n\n{line}\n\nThe chapter text.\n")
    assert kinds(story) == ["paragraph", "heading", "paragraph"]
    assert [c.title for c in story.chapters] == [line.strip()]
    chapter = story.chapters[0]
    assert story.text[chapter.offset :].startswith(line.strip())
    assert story.blocks[chapter.block].kind is BlockKind.HEADING


@pytest.mark.parametrize(
    "line",
    [
        "Part of me knew.",
        "Chapter and verse, she thought.",
        "Prologues are for other people.",
        "Book it, Danno.",
        "The epilogue was long.",
        "Act normal.",
    ],
)
def test_not_chapter_headings(line: str) -> None:
    assert not is_heading(line)
    story = parse(f"Opening.\n\n{line}\n\nMore.\n")
    assert story.chapters == ()
    assert line in paragraphs(story)


def test_chapters_in_order_with_offsets() -> None:
    story = parse(
        "Title: Three Parts\n\nPrologue\n\nBefore.\n\nChapter 1\n\nDuring.\n\n"
        "Chapter 2: After\n\nAfter.\n\nEpilogue\n\nLong after.\n"
    )
    assert [c.title for c in story.chapters] == [
        "Prologue",
        "Chapter 1",
        "Chapter 2: After",
        "Epilogue",
    ]
    offsets = [c.offset for c in story.chapters]
    assert offsets == sorted(offsets)
    for chapter in story.chapters:
        assert story.text[chapter.offset : chapter.offset + len(chapter.title)] == chapter.title


def test_a_separator_before_a_chapter_heading_is_dropped() -> None:
    story = parse("One.\n\n* * *\n\nChapter 2\n\nTwo.\n")
    assert kinds(story) == ["paragraph", "heading", "paragraph"]


# End marks


@pytest.mark.parametrize(
    "mark",
    [
        "END",
        "End",
        "end",
        "THE END",
        "The End",
        "Fin",
        "fin",
        "~fin~",
        "~ Fin ~",
        "-END-",
        "The End.",
    ],
)
def test_end_marks(mark: str) -> None:
    assert is_end_mark(mark)
    story = parse(f"The last paragraph.\n\n{mark}\n\n\n")
    assert kinds(story) == ["paragraph", "end_mark"]
    assert story.has_end_mark
    assert story.block_text(story.blocks[-1]) == mark


def test_end_mark_after_a_separator() -> None:
    story = parse("Prose.\n\n= = = =\n\nEND")
    assert kinds(story) == ["paragraph", "end_mark"]


def test_end_inside_the_story_is_prose() -> None:
    story = parse("Start.\n\nEND\n\nBut it went on.\n")
    assert not story.has_end_mark
    assert "END" in paragraphs(story)


@pytest.mark.parametrize(
    "text", ["It was the end.\n", "Nothing ends.\n", "Finally, the end of it all.\n"]
)
def test_sentences_mentioning_the_end_are_not_end_marks(text: str) -> None:
    story = parse(text)
    assert not story.has_end_mark
    assert paragraphs(story) == [text.strip()]


# Emphasis and literal marks


@pytest.mark.parametrize(
    ("raw", "shown", "spans"),
    [
        ("give that -woman- a chance", "give that woman a chance", ["woman"]),
        ("I was *very* sure", "I was very sure", ["very"]),
        ("*two words* here", "two words here", ["two words"]),
        ("an _underlined_ word", "an underlined word", ["underlined"]),
        ("a /slanted/ word", "a slanted word", ["slanted"]),
        ("-this-, at night", "this, at night", ["this"]),
        ("so -alone-.", "so alone.", ["alone"]),
        ("-one- and -two-", "one and two", ["one", "two"]),
        ("**strong** words", "strong words", ["strong"]),
    ],
)
def test_emphasis_becomes_spans(raw: str, shown: str, spans: list[str]) -> None:
    text, got = prose(raw)
    assert text == shown
    assert [text[s.start : s.end] for s in got] == spans


def test_strong_has_its_own_style() -> None:
    _, spans = prose("a **bold** claim and an *aside*")
    assert [s.style for s in spans] == ["strong", "emphasis"]


@pytest.mark.parametrize(
    "raw",
    [
        "a well-known fact",
        "a twenty-first-century man",
        '"You need to -"',
        '"Spike -"',
        "He left - and then - came back.",
        "the files live in /usr/bin/ today",
        "see /usr/local/bin/ and /etc/passwd",
        "at http://example.com/a/b/ now",
        "and/or",
        "2 * 3 * 4",
        "snake_case_name",
        "a - b - c",
        "yes -- no",
        "4/5 of 10/12",
    ],
)
def test_literal_marks_stay_literal(raw: str) -> None:
    # Lone dashes are tied to the word before them with a no-break space; nothing else moves.
    text, spans = prose(raw)
    assert spans == ()
    assert text.replace("\u00a0", " ") == raw


def test_interrupted_speech_keeps_its_dash_in_a_story() -> None:
    story = parse('"It\'s okay. You need to -"\n\n"Go."\n')
    assert paragraphs(story) == ['"It\'s okay. You need to\u00a0-"', '"Go."']
    assert emphasised(story) == []


def test_emphasis_spans_point_into_the_story_text() -> None:
    story = parse("First.\n\nGive that -woman- what she *deserves*.\n")
    assert emphasised(story) == ["woman", "deserves"]


# Ellipses and whitespace


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("the soul . . . her walls", f"the soul{NBSP}.{NBSP}.{NBSP}. her walls"),
        ("Don't . . .", f"Don't{NBSP}.{NBSP}.{NBSP}."),
        (". . . and then", f".{NBSP}.{NBSP}. and then"),
        ("wait . . . . no", f"wait{NBSP}.{NBSP}.{NBSP}.{NBSP}. no"),
        ("Really. . . . yes", f"Really.{NBSP}.{NBSP}.{NBSP}. yes"),
    ],
)
def test_spaced_ellipses_are_one_unit(raw: str, shown: str) -> None:
    text, _ = prose(raw)
    assert text == shown
    assert " . " not in text


def test_ellipsis_never_splits_at_an_ascii_space() -> None:
    text, _ = prose("one . . . two . . . three")
    assert text.split(" ") == [f"one{NBSP}.{NBSP}.{NBSP}.", f"two{NBSP}.{NBSP}.{NBSP}.", "three"]


def test_whitespace_inside_a_paragraph_folds() -> None:
    story = parse("A line\nwrapped   here\nand  there.\n")
    assert paragraphs(story) == ["A line wrapped here and there."]


def test_hard_wrapped_text_without_blank_lines_splits_at_indents() -> None:
    story = parse(
        "It was a long night and nobody in the\nhouse could sleep at all that night.\n"
        "    Morning came slowly over the hills\nand the fields and the river bend.\n"
    )
    assert paragraphs(story) == [
        "It was a long night and nobody in the house could sleep at all that night.",
        "Morning came slowly over the hills and the fields and the river bend.",
    ]


def test_one_paragraph_per_long_line() -> None:
    long_line = "word " * 40
    story = parse(f"{long_line}\n{long_line}\n")
    assert len(paragraphs(story)) == 2


def test_markup_is_kept_literally() -> None:
    raw = "[bold red]x[/] and [link=https://example.com]click[/link] and \\[escaped]"
    story = parse(raw + "\n")
    assert paragraphs(story) == [raw]
    assert emphasised(story) == []


def test_tabs_and_controls_do_not_reach_the_story() -> None:
    story = parse("Title: Evil\x1b]0;pwned\x07\n\n\tIt was\x1b[31m red\x1b[0m.\x00\n")
    assert story.title == "Evil"
    assert paragraphs(story) == ["It was red."]


# Properties

_WORD_TEXT = (
    "the a and of to in he she it was had her his they not but for with as at on said all out "
    "up one into what when there been would could then from like them so back down over just "
    "about now only time night house room door window stairs light dark moon hand face eyes "
    "voice heart head tears chair rope table box breath sound silence morning day week road "
    "stream thought looked turned walked stood sat waited listened slowly softly quietly "
    "suddenly cold warm quiet loud long small old new late early bright tired gentle steady "
    "remember forget believe wonder worry hope fear trust need want know feel hear whispered "
    "well-known half-asleep twenty-one don't can't I'm o'clock 1979 42"
)
_WORDS = _WORD_TEXT.split()
_NAMES = ["Mara", "Tobin", "Elsie", "Corwin", "Ada", "Hollis", "June", "Fenn"]
_SEPARATOR_LINES = ["= = = =", "* * *", "~~~", "---", "###", "oOo", "xXx", "~*~*~"]
_HEADINGS = ["Chapter 3", "Chapter Three: The Road", "Part II", "Prologue", "Epilogue"]
_END_MARKS = ["END", "THE END", "Fin", "~fin~"]
_MARKS = "-*_/"


@st.composite
def _token(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from(_WORDS + _NAMES))
    kind = draw(st.integers(0, 30))
    if kind == 0:
        return f"-{word}-"
    if kind == 1:
        return f"*{word}*"
    if kind == 2:
        return f"_{word}_"
    if kind == 3:
        return f"/{word}/"
    if kind == 4:
        return word + draw(st.sampled_from([",", ".", "!", "?", ";", " . . .", " -", " - "]))
    if kind == 5:
        return f'"{word}'
    if kind == 6:
        return f'{word}"'
    if kind == 7:
        return "/usr/bin/"
    if kind == 8:
        return f"[bold]{word}[/]"
    return word


@st.composite
def _paragraph(draw: st.DrawFn) -> list[str]:
    """A paragraph as its lines; the first word is capitalised so it reads as prose."""
    words = draw(st.lists(_token(), min_size=1, max_size=40))
    words[0] = words[0][:1].upper() + words[0][1:]
    lines: list[str] = []
    i = 0
    while i < len(words):
        step = draw(st.integers(1, 14))
        lines.append(" ".join(words[i : i + step]))
        i += step
    return lines


@st.composite
def _story(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    """(file text, the prose words in order, the headings in order)."""
    out: list[str] = []
    words: list[str] = []
    headings: list[str] = []
    if draw(st.booleans()):
        out.append("Title: " + " ".join(draw(st.lists(st.sampled_from(_WORDS), min_size=1))))
        if draw(st.booleans()):
            out.append("Spoilers: " + " ".join(draw(st.lists(st.sampled_from(_WORDS), min_size=1))))
        out.append("")
        if draw(st.booleans()):
            out += [draw(st.sampled_from(_SEPARATOR_LINES)), ""]
    for _ in range(draw(st.integers(1, 8))):
        element = draw(st.integers(0, 9))
        if element == 0:
            out += [draw(st.sampled_from(_SEPARATOR_LINES)), ""]
        elif element == 1:
            heading = draw(st.sampled_from(_HEADINGS))
            headings.append(heading)
            out += [heading, ""]
        else:
            lines = draw(_paragraph())
            words += " ".join(lines).split()
            out += [*lines, ""]
    if draw(st.booleans()):
        out.append(draw(st.sampled_from(_END_MARKS)))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return newline.join(out), words, headings


def _bare(tokens: list[str]) -> list[str]:
    bare = (t.strip(_MARKS) for t in tokens)
    return [t for t in bare if t]


@given(_story())
@settings(max_examples=150, deadline=None)
def test_every_word_is_in_exactly_one_block_in_order(
    case: tuple[str, list[str], list[str]],
) -> None:
    text, words, headings = case
    story = parse(decode(text.encode("utf-8")).text)
    got: list[str] = []
    for block in story.blocks:
        if block.kind is BlockKind.PARAGRAPH:
            got += story.block_text(block).split()
    assert _bare(got) == _bare(words)
    assert [c.title for c in story.chapters] == headings
    # Blocks tile the text: in order, not overlapping, one newline between neighbours.
    for before, after in zip(story.blocks, story.blocks[1:], strict=False):
        assert before.end + 1 == after.start
        assert story.text[before.end] == "\n"
    assert "\n" not in "".join(story.block_text(b) for b in story.blocks)


_NASTY = st.sampled_from(
    [
        "\x1b[31m",
        "\x1b]0;title\x07",
        "\x1b]8;;http://x\x1b\\",
        "\x1bP1$r\x1b\\",
        "\x9b2J",
        "\x07",
        "\x00",
        "\x85",
        "\u202e",
        "\u2066",
        "\t",
        "\r",
        "\x0c",
        "\x7f",
        "\ufeff",
        "Title: ",
        "Spoilers: ",
        "\n\n= = =\n\n",
        "\nChapter 1\n",
        "\nEND",
        " . . . ",
        "-x-",
    ]
)


def _no_controls(text: str, *, newline_ok: bool) -> bool:
    bidi = {"\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"}
    bidi |= {"\u2066", "\u2067", "\u2068", "\u2069"}
    for c in text:
        if c == "\n" and newline_ok:
            continue
        if unicodedata.category(c) == "Cc" or c in bidi:
            return False
    return True


@given(st.lists(st.one_of(_NASTY, st.text(max_size=20)), max_size=30))
@settings(max_examples=150, deadline=None)
def test_no_control_character_survives(parts: list[str]) -> None:
    raw = "".join(parts)
    story = parse(decode(raw.encode("utf-8", errors="surrogatepass")).text)
    assert _no_controls(story.text, newline_ok=True)
    for block in story.blocks:
        assert _no_controls(story.block_text(block), newline_ok=False)
    for header in story.headers:
        assert _no_controls(header.key + header.value, newline_ok=False)
    assert _no_controls(story.title, newline_ok=False)
    assert _no_controls(story.author or "", newline_ok=False)


@given(st.lists(st.one_of(_NASTY, st.text(max_size=20)), max_size=30))
@settings(max_examples=100, deadline=None)
def test_parse_does_not_trust_its_input_to_be_sanitized(parts: list[str]) -> None:
    story = parse("".join(parts))
    assert _no_controls(story.text, newline_ok=True)
    for header in story.headers:
        assert _no_controls(header.key + header.value, newline_ok=False)


@given(st.binary(max_size=2000) | st.text(max_size=400).map(lambda s: s.encode("utf-8", "replace")))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_loading_never_raises_anything_but_story_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("bytes") / "story.txt"
    path.write_bytes(data)
    try:
        story = load(path)
    except StoryError as exc:
        assert str(exc)
        return
    assert isinstance(story, Story)
    assert _no_controls(story.text, newline_ok=True)


def test_load_reports_undecodable_bytes(tmp_path: Path) -> None:
    path = tmp_path / "damaged.txt"
    path.write_bytes("Crème brûlée, déjà vu, naïve façade. ".encode() * 5 + b"\xff oops\n")
    story = load(path)
    assert story.warnings
    assert "undecodable" in story.warnings[0]
    assert "\ufffd" in story.text


def test_spans_lie_inside_their_blocks() -> None:
    story = parse("A -b- *c d* _e_ /f/ g.\n\nMore -h-.\n")
    for block in story.blocks:
        for span in block.spans:
            assert 0 <= span.start < span.end <= block.end - block.start
    assert re.sub(r"\s+", " ", story.text) == "A b c d e f g. More h."
