"""Pages from any position: the Paginator (skeleton; the engine lands next)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nightstand.layout.lines import LayoutSettings, Line, Segment

if TYPE_CHECKING:
    import threading

    from nightstand.story import Story

_DEFAULT = LayoutSettings()


@dataclass(frozen=True, slots=True)
class Page:
    """One page: its lines and the story range it covers."""

    start: int
    """Position of the page's first character: the anchor for resume and resize."""
    end: int
    """Position just past the page's last character."""
    lines: tuple[Line, ...]
    chapter: int
    """Index into ``Story.chapters``; -1 before the first chapter."""
    column_left: int
    """Cells from the area's left edge to the column."""
    column_width: int


class Paginator:
    """Pages of one story for one area and one set of settings."""

    def __init__(
        self, story: Story, width: int, height: int, settings: LayoutSettings = _DEFAULT
    ) -> None:
        self.story = story
        self.width = width
        self.height = height
        self.settings = settings
        self.column_width = max(2, min(settings.measure, width - 2 * settings.margin_side))
        self.column_left = max(0, (width - self.column_width) // 2)

    def _whole(self) -> Page:
        text = self.story.text
        return Page(
            0,
            len(text),
            (Line((Segment(text[: self.column_width], None, 0),)),),
            -1,
            self.column_left,
            self.column_width,
        )

    def page_at(self, position: int) -> Page:
        """The page containing ``position`` (clamped into the story)."""
        return self._whole()

    def next(self, page: Page) -> Page | None:
        """The page after ``page``, or None at the end."""
        return None

    def previous(self, page: Page) -> Page | None:
        """The page before ``page``, or None at the start."""
        return None

    def first(self) -> Page:
        """The first page."""
        return self._whole()

    def last(self) -> Page:
        """The last page."""
        return self._whole()

    def page_number(self, page: Page) -> int | None:
        """The 1-based number of ``page`` in the whole book, None until counted."""
        return None

    def page_count(self) -> int | None:
        """The number of pages in the book, None until counted."""
        return None

    def count_pages(self, cancel: threading.Event | None = None) -> int | None:
        """Count the whole book's pages (call from a thread); None if cancelled."""
        return 1

    def chapter_pages(self, page: Page) -> tuple[int, int]:
        """(N, M): the page's number within its chapter and the chapter's page count."""
        return (1, 1)

    def percent(self, page: Page) -> float:
        """How far through the book ``page`` is, 0..100."""
        return 100.0 * page.start / max(1, len(self.story.text))
