"""Title pages: headers masked until revealed, long headers run on, nothing cut off."""

from __future__ import annotations

from nightstand.layout import Paginator
from nightstand.layout.title import SPOILER_HINT, START_HINT, title_pages
from nightstand.story import Header, StoryBuilder


def _story(summary_words: int = 5):  # type: ignore[no-untyped-def]
    b = StoryBuilder()
    b.paragraph("Body text.")
    summary = " ".join(f"word{i}" for i in range(summary_words))
    return b.build(
        title="A Title",
        author="An Author",
        headers=(
            Header("Summary", summary, False, "summary"),
            Header("Spoilers", "the butler did it", True, "spoilers"),
            Header("Notes", "last header", False, "notes"),
        ),
    )


def _text(pages) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(line.text for page in pages for line in page.lines)


def test_spoiler_value_hidden_until_revealed_with_hint() -> None:
    pag = Paginator(_story(), 60, 20)
    hidden = _text(title_pages(pag, revealed=False))
    assert "the butler did it" not in hidden
    assert "Spoilers: hidden" in hidden
    assert SPOILER_HINT in hidden
    shown = _text(title_pages(pag, revealed=True))
    assert "the butler did it" in shown
    assert SPOILER_HINT not in shown


def test_long_headers_run_on_over_several_pages_and_nothing_is_lost() -> None:
    pag = Paginator(_story(summary_words=400), 50, 12)
    pages = title_pages(pag, revealed=False)
    assert len(pages) > 1
    assert all(len(p.lines) <= pag.lines_per_page for p in pages)
    text = _text(pages)
    assert "word399" in text
    assert "Notes: last header" in text
    assert START_HINT in "\n".join(line.text for line in pages[-1].lines)


def test_lines_fit_the_column() -> None:
    pag = Paginator(_story(summary_words=100), 24, 10)
    for page in title_pages(pag, revealed=True):
        assert all(line.cell_length() <= page.column_width for line in page.lines)
