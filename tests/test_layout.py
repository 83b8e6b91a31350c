"""Golden tests of the typesetting engine: hand-made stories and the exact pages they give."""

from __future__ import annotations

import threading
from unittest import mock

import pytest
from rich.cells import cell_len

from nightstand.formats.plaintext import prose
from nightstand.layout import LayoutSettings, Line, Page, Paginator, Segment, lines, sections
from nightstand.layout.render import page_text, text_pages, title_lines
from nightstand.story import Header, Span, Story, StoryBuilder

BARE = LayoutSettings(margin_top=0, margin_side=0)


def story_of(*paragraphs: str, spans: tuple[Span, ...] = ()) -> Story:
    builder = StoryBuilder()
    for i, text in enumerate(paragraphs):
        if text == "***":
            builder.scene_break()
        elif text.startswith("# "):
            builder.heading(text[2:])
        elif text == "END":
            builder.end_mark(text)
        else:
            body, found = prose(text)
            builder.paragraph(body, spans if i == 0 and spans else found)
    return builder.build(title="Golden")


def book(story: Story, width: int, height: int, settings: LayoutSettings = BARE) -> list[list[str]]:
    """The pages as lists of plain lines (column at the left edge, no top margin)."""
    pag = Paginator(story, width, height, settings)
    out: list[list[str]] = []
    page: Page | None = pag.first()
    while page is not None:
        out.append(page_text(page.lines, 0).split("\n"))
        page = pag.next(page)
    return out


def lines_of(text: str, width: int, settings: LayoutSettings = BARE) -> list[str]:
    return book(story_of(text), width, 1000, settings)[0]


def test_an_ellipsis_at_the_line_end_stays_whole() -> None:
    text = "The rain came down on the slow old house . . . and she waited."
    assert lines_of(text, 20) == [
        "The rain came down",
        "on the slow old",
        "house . . . and she",
        "waited.",
    ]
    # One cell narrower, the ellipsis goes down whole with its word.
    assert lines_of(text, 17) == [
        "The rain came",
        "down on the slow",
        "old house . . .",
        "and she waited.",
    ]


def test_a_2000_character_word_is_cut_at_the_column() -> None:
    word = "x" * 2000
    out = lines_of(f"Before {word} after.", 16)
    assert out[0] == "Before"
    assert out[1:126] == ["x" * 16] * 125
    assert out[126:] == ["after."]
    wide = lines_of("漢" * 1000, 21)
    assert wide == ["漢" * 10] * 100


def test_cjk_and_emoji_are_measured_in_cells() -> None:
    text = "漢字かな混じり文 と 😀 絵文字 👨\u200d👩\u200d👧 家族 cafe\u0301 終わり"
    out = lines_of(text, 15)
    assert out == [
        "漢字かな混じり",
        "文 と 😀 絵文字",
        "👨\u200d👩\u200d👧 家族 cafe\u0301",
        "終わり",
    ]
    assert [cell_len(line) for line in out] == [14, 15, 12, 6]


def test_emphasis_is_styled_across_a_line_break() -> None:
    text = "She said it was over and she -meant every word- of it."
    pag = Paginator(story_of(text), 20, 10, BARE)
    got = pag.first().lines
    assert got[1].segments == (
        Segment("and she ", None, 21),
        Segment("meant every", "emphasis", 29),
    )
    assert got[2].segments == (Segment("word", "emphasis", 41), Segment(" of it.", None, 45))
    assert "-" not in "".join(line.text for line in got)


def test_a_justified_paragraph_fills_the_column_but_its_last_line() -> None:
    text = (
        "The rain came down on the slow old house and she waited by the window "
        "for a word that never came, until morning."
    )
    out = lines_of(text, 24, LayoutSettings(margin_top=0, margin_side=0, justify=True))
    assert out == [
        "The  rain  came  down on",
        "the slow old  house  and",
        "she waited by the window",
        "for a  word  that  never",
        "came, until morning.",
    ]


def test_justification_never_opens_gaps_wider_than_three_cells() -> None:
    text = "Abcdefghij klmnopqrstu vwxyzabcdefghij and more"
    out = lines_of(text, 30, LayoutSettings(margin_top=0, margin_side=0, justify=True))
    # Filling the first line would take one gap of 9 cells: it stays ragged.
    assert out == ["Abcdefghij klmnopqrstu", "vwxyzabcdefghij and more"]


def test_a_widow_is_avoided() -> None:
    text = " ".join(f"word{i:02d}" for i in range(24))  # six lines of four words at width 27
    got = book(story_of(text), 27, 5)
    # Greedy would leave the sixth line alone on the second page.
    assert [len(p) for p in got] == [4, 2]
    assert got[1] == ["word16 word17 word18 word19", "word20 word21 word22 word23"]


def test_an_orphan_is_avoided() -> None:
    first = " ".join(f"a{i}" for i in range(9))
    second = " ".join(f"b{i}" for i in range(9))
    got = book(story_of(first, second), 9, 5)
    # Greedy would end the first page with the second paragraph's first line alone.
    assert got == [["a0 a1 a2", "a3 a4 a5", "a6 a7 a8"], ["b0 b1 b2", "b3 b4 b5", "b6 b7 b8"]]


def test_a_scene_break_never_opens_a_page() -> None:
    first = " ".join(f"a{i}" for i in range(12))
    got = book(story_of(first, "***", "After the break."), 9, 5)
    # Greedy would fill the first page with the paragraph and open the next with the
    # ornament; taking only its last line along would leave a widow, so two lines go.
    assert got == [
        ["a0 a1 a2", "a3 a4 a5", "a6 a7 a8"],
        ["a9 a10", "a11", "", "    ⁂"],
        ["After the", "break."],
    ]


def test_chapter_headings_start_a_page_and_are_styled_and_centred() -> None:
    story = story_of("# Chapter 1", "Short.", "# Chapter 2", "Also short.", "END")
    pag = Paginator(story, 24, 20, BARE)
    first = pag.first()
    second = pag.next(first)
    assert second is not None
    assert first.chapter == 0 and second.chapter == 1
    heading = second.lines[0]
    assert heading.segments == (Segment("Chapter 2", "heading", story.chapters[1].offset),)
    assert heading.left == (24 - 9) // 2
    end = second.lines[-1]
    assert end.segments[0].style == "end" and end.left == (24 - 3) // 2
    assert pag.next(second) is None
    assert [line.text for line in second.lines] == ["Chapter 2", "", "Also short.", "", "END"]


def test_indented_paragraphs_have_no_blank_lines_between_them() -> None:
    settings = LayoutSettings(margin_top=0, margin_side=0, paragraph_style="indent", indent=3)
    got = book(
        story_of("# Chapter 1", "One two three.", "Four five six.", "***", "Seven."),
        20,
        20,
        settings,
    )
    assert got == [
        [
            "     Chapter 1",
            "",
            "One two three.",  # the first paragraph after a heading is not indented
            "   Four five six.",
            "",
            "         ⁂",
            "",
            "Seven.",
        ]
    ]


def test_the_ascii_ornament() -> None:
    settings = LayoutSettings(margin_top=0, margin_side=0, ascii=True)
    assert book(story_of("One.", "***", "Two."), 11, 10, settings) == [
        ["One.", "", "   * * *", "", "Two."]
    ]


def test_an_ornament_from_the_settings_is_cleaned_and_fits() -> None:
    dirty = LayoutSettings(margin_top=0, margin_side=0, ornament="\x1b[31m~\x07~")
    assert book(story_of("One.", "***", "Two."), 10, 10, dirty)[0][2] == "    ~~"
    wide = LayoutSettings(margin_top=0, margin_side=0, ornament="❦" * 40)
    assert book(story_of("One.", "***", "Two."), 10, 10, wide)[0][2] == "    *"


def test_hyphenation_breaks_words_at_syllables() -> None:
    pytest.importorskip("pyphen")
    settings = LayoutSettings(margin_top=0, margin_side=0, hyphenate=True)
    out = lines_of("An extraordinarily unconventional hyphenation", 20, settings)
    assert out == ["An extraordinarily", "unconventional hy-", "phenation"]
    assert all(cell_len(line) <= 20 for line in out)


def test_without_pyphen_hyphenation_falls_back_to_greedy() -> None:
    settings = LayoutSettings(margin_top=0, margin_side=0, hyphenate=True)
    with mock.patch.dict(lines._HYPHENATORS, {"en_US": None}):
        out = lines_of("An extraordinarily unconventional hyphenation", 20, settings)
    assert out == ["An extraordinarily", "unconventional", "hyphenation"]


def test_margins_and_measure_place_the_column() -> None:
    pag = Paginator(story_of("Text."), 100, 10, LayoutSettings(measure=60, margin_side=2))
    page = pag.first()
    assert (page.column_width, page.column_left) == (60, 20)
    narrow = Paginator(story_of("Text."), 30, 10, LayoutSettings(measure=60, margin_side=2)).first()
    assert (narrow.column_width, narrow.column_left) == (26, 2)
    assert pag.lines_per_page == 9


def test_a_long_story_without_chapters_is_typeset_one_section_at_a_time() -> None:
    paragraph = " ".join(["word"] * 60)
    story = story_of(*[paragraph] * 1000)  # about 300,000 characters, no chapter
    seen: list[tuple[int, int]] = []
    real = Paginator._lines

    def spy(self: Paginator, start: int, end: int) -> tuple[list[int], list[int], list[int]]:
        seen.append((start, end))
        return real(self, start, end)

    with mock.patch.object(Paginator, "_lines", spy):
        pag = Paginator(story, 80, 24)
        page = pag.page_at(len(story.text) - 10)
        assert pag.next(page) is None
    assert seen and all(end - start <= 1.5 * sections.SECTION_CHARS for start, end in seen)
    assert len(seen) == 1
    # Sections restart pages at paragraph boundaries.
    assert story.text[page.start - 1] in "\n"


def test_a_giant_paragraph_is_cut_into_sections_after_a_space() -> None:
    story = story_of(" ".join(["word"] * 20_000))  # 100,000 characters in one paragraph
    pag = Paginator(story, 80, 24)
    page = pag.page_at(50_000)
    assert page.start > 0
    assert story.text[page.start - 1] == " "
    before = pag.previous(page)
    assert before is not None and pag.next(before) == page
    assert pag.count_pages() == sum(1 for _ in text_pages(story, 80, 24)) - 1


def test_the_page_count_can_be_cancelled() -> None:
    pag = Paginator(story_of(*["Some words here."] * 50), 40, 10)
    cancel = threading.Event()
    cancel.set()
    assert pag.count_pages(cancel) is None
    assert pag.page_count() is None
    assert pag.page_number(pag.first()) is None
    assert 0 < pag.percent(pag.first()) < 100
    assert pag.count_pages() == pag.page_count()
    assert pag.page_number(pag.last()) == pag.page_count()
    assert pag.percent(pag.last()) == 100.0


def test_pages_by_number_once_counted() -> None:
    body = " ".join(["word"] * 300)
    with mock.patch.object(sections, "SECTION_CHARS", 500):
        story = story_of("# Chapter 1", body, body, "# Chapter 2", body, "END")
        pag = Paginator(story, 30, 10)
        assert pag.page_by_number(3) is None
        total = pag.count_pages()
        assert total is not None and total > 6
        walked = [pag.first()]
        while (nxt := pag.next(walked[-1])) is not None:
            walked.append(nxt)
        assert [pag.page_by_number(n) for n in range(1, total + 1)] == walked
        assert pag.page_by_number(0) == walked[0] and pag.page_by_number(total + 5) == walked[-1]


def test_an_empty_story_has_one_empty_page() -> None:
    story = StoryBuilder().build(title="Nothing")
    pag = Paginator(story, 80, 24)
    page = pag.first()
    assert page.lines == () and pag.next(page) is None and pag.previous(page) is None
    assert pag.count_pages() == 1


def test_highlighting_splits_segments_by_story_offsets() -> None:
    line = Line((Segment("and she ", None, 21), Segment("meant every", "emphasis", 29)), 0, 21)
    got = line.highlighted([(25, 34)])
    assert got.segments == (
        Segment("and ", None, 21),
        Segment("she ", "match", 25),
        Segment("meant", "match", 29),
        Segment(" every", "emphasis", 34),
    )
    assert got.text == line.text
    assert line.highlighted([(0, 5)]) is line


def test_title_page_masks_spoilers() -> None:
    builder = StoryBuilder()
    builder.paragraph("Body.")
    story = builder.build(
        title="A \x1b[31mTitle",
        author="Someone",
        headers=(
            Header("Rating", "PG", False, "rating"),
            Header("Spoilers", "Everyone lives", True, "spoilers"),
        ),
    )
    hidden = [line.text for line in title_lines(story, 40)]
    assert hidden == ["A Title", "by Someone", "", "Rating: PG", "Spoilers: hidden"]
    shown = [line.text for line in title_lines(story, 40, reveal_spoilers=True)]
    assert shown[-1] == "Spoilers: Everyone lives"
    pages_ = list(text_pages(story, 44, 10))
    assert len(pages_) == 2 and "Everyone" not in "".join(pages_)
    assert not any(ch < " " and ch != "\n" for ch in "".join(pages_))
