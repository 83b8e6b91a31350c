"""Words read and left, chapter and scene numbers, from a position."""

from __future__ import annotations

from nightstand.progress import ReadingIndex
from nightstand.story import Story, StoryBuilder


def _story() -> Story:
    b = StoryBuilder()
    b.paragraph("one two three")  # 3 words before any chapter
    b.heading("Chapter 1")
    b.paragraph("four five")
    b.scene_break()
    b.paragraph("six seven eight")
    b.heading("Chapter 2")
    b.paragraph("nine ten")
    return b.build(title="t")


def test_totals_count_headings_as_words() -> None:
    index = ReadingIndex(_story())
    # "Chapter 1" and "Chapter 2" are two words each.
    assert index.words_total == 3 + 2 + 2 + 3 + 2 + 2


def test_progress_in_second_scene_of_first_chapter() -> None:
    story = _story()
    index = ReadingIndex(story)
    pos = story.text.index("seven")
    pr = index.progress(pos)
    assert (pr.chapter, pr.chapters) == (1, 2)
    assert (pr.scene, pr.scenes) == (2, 2)
    assert pr.words_read == 3 + 2 + 2 + 1
    assert pr.words_left_in_chapter == 2


def test_progress_before_first_chapter() -> None:
    story = _story()
    pr = ReadingIndex(story).progress(0)
    assert pr.chapter == 0
    assert pr.words_read == 0


def test_minutes_left() -> None:
    story = _story()
    pr = ReadingIndex(story).progress(story.text.index("nine"))
    chapter, book = pr.minutes_left(1)
    assert (chapter, book) == (2, 2)


def test_format_minutes() -> None:
    from nightstand.progress import format_minutes

    assert format_minutes(0) == "0 min"
    assert format_minutes(45) == "45 min"
    assert format_minutes(185) == "3 h 05 min"


# -- the percentage: the share of the words before the reader's place --------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from nightstand.layout import LayoutSettings, Paginator  # noqa: E402
from nightstand.progress import place_percent  # noqa: E402

_WORDS = st.lists(
    st.sampled_from(["the", "night", "reader", "a", "lamp", "burned", "low", "—", "漢字"]),
    min_size=1,
    max_size=80,
)


@st.composite
def _stories(draw: st.DrawFn) -> Story:
    b = StoryBuilder()
    for n, op in enumerate(draw(st.lists(st.sampled_from("pppph"), min_size=1, max_size=25))):
        if op == "h":
            b.heading(f"Chapter {n}")
        else:
            b.paragraph(" ".join(draw(_WORDS)))
    b.paragraph(" ".join(draw(_WORDS)))
    return b.build(title="Percent")


def _figure(story: Story, index: ReadingIndex, place: int, size: tuple[int, int]) -> tuple:
    pag = Paginator(story, size[0], size[1], LayoutSettings(measure=size[0]))
    page = pag.page_at(place)
    first, last = pag.previous(page) is None, pag.next(page) is None
    return place_percent(index, story, place, first_page=first, last_page=last), first, last


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _stories(),
    st.integers(0, 10**6),
    st.lists(st.tuples(st.integers(20, 140), st.integers(5, 60)), min_size=2, max_size=5),
)
def test_the_same_place_reads_the_same_percent_at_any_size(
    story: Story, where: int, sizes: list[tuple[int, int]]
) -> None:
    index = ReadingIndex(story)
    place = where % len(story.text)
    figures = [_figure(story, index, place, size) for size in sizes]
    for percent, first, last in figures:
        if last:
            assert percent == 100.0
        elif first:
            assert percent == 0.0
        else:
            assert 0.0 <= percent <= 99.0
    middle = {percent for percent, first, last in figures if not first and not last}
    assert len(middle) <= 1
    total = index.words_total
    expected = 100 * index.words_before(place) / total if total else 0.0
    assert all(abs(p - min(99.0, expected)) < 1e-9 for p in middle)


def test_first_page_zero_last_page_hundred_and_nothing_else_hundred() -> None:
    b = StoryBuilder()
    for _ in range(40):
        b.paragraph("word " * 60)
    story = b.build(title="Long")
    index = ReadingIndex(story)
    pag = Paginator(story, 60, 20)
    page = pag.first()
    seen = []
    while page is not None:
        nxt = pag.next(page)
        seen.append(
            place_percent(
                index,
                story,
                page.start,
                first_page=pag.previous(page) is None,
                last_page=nxt is None,
            )
        )
        page = nxt
    assert seen[0] == 0.0
    assert seen[-1] == 100.0
    assert max(seen[:-1]) <= 99.0
    assert seen == sorted(seen)
    # Halfway through the pages is about halfway through the words (all paragraphs alike).
    assert 45 <= seen[len(seen) // 2] <= 55
    # Without the word index the figure goes by characters, with the same first/last rule.
    half = place_percent(None, story, len(story.text) // 2, first_page=False, last_page=False)
    assert round(half) == 50
