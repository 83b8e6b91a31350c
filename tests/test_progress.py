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
