"""Properties of the typesetting engine over random stories, areas and settings."""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from typing import TYPE_CHECKING
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from nightstand.layout import LayoutSettings, Page, Paginator, lines, sections
from nightstand.story import NBSP, Span, Story, StoryBuilder

if TYPE_CHECKING:
    from collections.abc import Iterator

COMMON = ["the", "a", "night", "stand", "reader's", "well-known", "“quoted”", "naïve", "—", "I"]
ELLIPSIS = f"night{NBSP}.{NBSP}.{NBSP}."
ODD = ["漢字", "日本語", "😀", "👨\u200d👩\u200d👧", "❤\ufe0f", "e\u0301", "\u200bzw", "ｆｕｌｌ"]

# Words of at most 12 cells: they fit every column the properties use (16 cells, 13 on an
# indented first line), so no word is ever cut and the words test can compare words.
short_word = st.one_of(
    st.sampled_from(COMMON),
    st.just(ELLIPSIS),
    st.sampled_from(ODD),
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S"]),
        min_size=1,
        max_size=6,
    ),
)
long_word = st.text(alphabet=st.sampled_from("abcdé漢😀\u0301"), min_size=20, max_size=400)


@st.composite
def paragraphs(draw: st.DrawFn, long_words: bool) -> tuple[str, tuple[Span, ...]]:
    words = draw(
        st.lists(
            st.one_of(short_word, long_word) if long_words else short_word, min_size=1, max_size=40
        )
    )
    seps = draw(
        st.lists(st.sampled_from([" ", " ", " ", "  "]), min_size=len(words), max_size=len(words))
    )
    text = "".join(w + s for w, s in zip(words, seps, strict=True)).rstrip(" ")
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=6))))
    spans = tuple(
        Span(a, b, draw(st.sampled_from(["emphasis", "strong"])))
        for a, b in zip(cuts[::2], cuts[1::2], strict=False)
        if a < b
    )
    return text, spans


@st.composite
def stories(draw: st.DrawFn, long_words: bool = False) -> Story:
    builder = StoryBuilder()
    n = 0
    ops = draw(st.lists(st.sampled_from("pppppsh"), min_size=1, max_size=30))
    for op in [*ops, "p"] if "p" not in ops else ops:
        if op == "p":
            text, spans = draw(paragraphs(long_words))
            # A block indent narrows the column below the longest short word.
            indent = draw(st.sampled_from([0, 0, 0, 4])) if long_words else 0
            builder.paragraph(text, spans, indent=indent)
        elif op == "s":
            builder.scene_break()
        else:
            n += 1
            builder.heading(
                draw(st.sampled_from([f"Chapter {n}", f"Chapter {n}: A Rather Long Title"]))
            )
    if draw(st.booleans()):
        builder.end_mark("END")
    return builder.build(title="Random")


layouts = st.builds(
    LayoutSettings,
    measure=st.integers(20, 100),
    justify=st.booleans(),
    hyphenate=st.booleans(),
    paragraph_style=st.sampled_from(["blank", "indent"]),
    line_breaking=st.sampled_from(["optimal", "greedy"]),
)
widths = st.integers(20, 200)
heights = st.integers(5, 80)
# Small sections make random stories exercise page restarts at section boundaries.
section_sizes = st.sampled_from([sections.SECTION_CHARS, 300, 60])

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def section_chars(n: int) -> Iterator[None]:
    with mock.patch.object(sections, "SECTION_CHARS", n):
        yield


def all_pages(pag: Paginator) -> list[Page]:
    out = [pag.first()]
    while (nxt := pag.next(out[-1])) is not None:
        out.append(nxt)
        assert len(out) < 100_000
    return out


def line_story_text(page: Page) -> list[str]:
    """Each line's story text; the gaps of a justified line stay, ornaments and hyphens go."""
    return [
        "".join(s.text for s in line.segments if s.offset >= 0 or not s.text.strip())
        for line in page.lines
    ]


def check_coverage(story: Story, book: list[Page]) -> None:
    """Every segment that claims an offset is that slice of the story, in reading order, and
    every character but spaces and newlines is on some page."""
    text = story.text
    covered = bytearray(len(text))
    last = 0
    for page in book:
        for line in page.lines:
            for seg in line.segments:
                if seg.offset < 0:
                    continue
                end = seg.offset + len(seg.text)
                assert text[seg.offset : end] == seg.text
                assert seg.offset >= last
                last = end
                covered[seg.offset : end] = b"\x01" * len(seg.text)
    missing = [i for i, ch in enumerate(text) if ch not in " \n" and not covered[i]]
    assert not missing


@SETTINGS
@given(stories(), widths, heights, layouts, section_sizes)
def test_pages_hold_the_body_words_in_order(
    story: Story, width: int, height: int, layout: LayoutSettings, section: int
) -> None:
    layout = LayoutSettings(
        measure=layout.measure,
        justify=layout.justify,
        paragraph_style=layout.paragraph_style,
        line_breaking=layout.line_breaking,
    )
    with section_chars(section):
        book = all_pages(Paginator(story, width, height, layout))
    words = [w for page in book for text in line_story_text(page) for w in text.split()]
    assert words == story.text.split()
    check_coverage(story, book)


@SETTINGS
@given(stories(long_words=True), widths, heights, layouts, section_sizes)
def test_lines_fit_the_column_and_pages_the_area(
    story: Story, width: int, height: int, layout: LayoutSettings, section: int
) -> None:
    with section_chars(section):
        pag = Paginator(story, width, height, layout)
        book = all_pages(pag)
    assert pag.column_width <= min(layout.measure, width - 2 * layout.margin_side)
    for page in book:
        assert 0 < len(page.lines) <= height - layout.margin_top - layout.margin_bottom
        for line in page.lines:
            whole = cell_len(line.text)
            assert line.left + whole <= page.column_width
            assert line.cell_length() <= page.column_width
            assert not any(ch < " " for ch in line.text)
    check_coverage(story, book)


@SETTINGS
@given(stories(long_words=True), widths, heights, layouts, section_sizes)
def test_next_then_previous_and_no_page_opens_with_a_scene_break(
    story: Story, width: int, height: int, layout: LayoutSettings, section: int
) -> None:
    with section_chars(section):
        pag = Paginator(story, width, height, layout)
        book = all_pages(pag)
        for page, nxt in itertools.pairwise(book):
            assert pag.previous(nxt) == page
            assert nxt.start > page.start
        assert pag.previous(book[0]) is None
        assert pag.last() == book[-1]
        # The same page whichever way it was reached.
        fresh = Paginator(story, width, height, layout)
        for page in book:
            assert fresh.page_at(page.start) == page
            assert fresh.page_at(page.end - 1 if page.end > page.start else page.start) == page
        assert pag.count_pages() == len(book)
        assert [pag.page_number(p) for p in book] == list(range(1, len(book) + 1))
        assert [pag.page_by_number(n) for n in range(1, len(book) + 1)] == book
        percents = [pag.percent(p) for p in book]
        assert percents == sorted(percents)
        assert percents[-1] == 100.0
    for page in book:
        first = page.lines[0]
        assert first.segments, "a page never starts with a blank line"
        assert first.segments[0].style != "ornament"


@SETTINGS
@given(
    stories(long_words=True),
    st.tuples(widths, heights, layouts),
    st.tuples(widths, heights, layouts),
    st.integers(0, 10**6),
    section_sizes,
)
def test_a_resize_keeps_the_first_character_on_the_page(
    story: Story,
    before: tuple[int, int, LayoutSettings],
    after: tuple[int, int, LayoutSettings],
    where: int,
    section: int,
) -> None:
    with section_chars(section):
        old = Paginator(story, *before).page_at(where % max(1, len(story.text)))
        new = Paginator(story, *after).page_at(old.start)
    assert any(
        s.offset >= 0 and s.offset <= old.start < s.offset + len(s.text)
        for line in new.lines
        for s in line.segments
    )


def breaks(text: str, width: int, first: int, path: str) -> list[tuple[int, int]]:
    starts: list[int] = []
    ends: list[int] = []
    codes: list[int] = []
    if path == "words":
        simple = lines.is_simple(text)
        lines._break_words(text, 0, len(text), width, first, starts, ends, codes, 0, simple, None)
    else:
        lines.break_lines(text, 0, len(text), width, first, starts, ends, codes)
    return list(zip(starts, ends, strict=True))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            short_word,
            long_word,
            st.text(st.sampled_from("ab 漢\u0301\u200b"), min_size=1, max_size=30),
        ),
        min_size=1,
        max_size=30,
    ),
    st.integers(2, 40),
    st.integers(0, 3),
)
def test_the_fast_paths_break_like_the_word_by_word_breaker(
    words: list[str], width: int, indent: int
) -> None:
    text = " ".join(words).replace("\u200d", "").replace("\ufe0f", "").strip(" ")
    first = max(2, width - indent)
    assert breaks(text, width, first, "fast") == breaks(text, width, first, "words")


_MIXED = st.sampled_from("ab .“”‘’—–…\u00a0\u00ad漢\u0301\u200b😀Ωŝ\u2028")


@settings(max_examples=300, deadline=None)
@given(st.text(_MIXED, max_size=40) | st.text())
def test_cells_is_rich_cell_len(text: str) -> None:
    # The page view gives Textual each line's width from this: it must be rich's own.
    assert lines.cells(text) == cell_len(text)
