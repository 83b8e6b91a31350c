"""The reader's chrome: the header line and the status lines, drawn from reactive fields.

The reader screen sets plain values (title, chapter, "page 2 of 10", the optional parts,
the percentage) and each widget redraws itself when one of them changes, fitted to its own
width: the header is cut by CSS (``text-overflow: ellipsis``), the status line keeps its
optional parts in order as far as they fit and draws the progress rule below them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from nightstand.progress import format_minutes

if TYPE_CHECKING:
    from nightstand.progress import Progress


def fit_parts(first: str, optional: list[str], last: str, width: int) -> str:
    """``first · optional… · last`` with as many optional parts, in order, as fit ``width``."""
    chosen: list[str] = []
    for part in optional:
        if cell_len(" · ".join([first, *chosen, part, last])) <= width:
            chosen.append(part)
    line = " · ".join([first, *chosen, last])
    return line if cell_len(line) <= width else set_cell_size(line, width)


def progress_details(progress: Progress, words_per_minute: int) -> list[str]:
    """The status line's chapter, scene and time-left parts, in the order they are dropped."""
    scene = f"scene {progress.scene}/{progress.scenes}"
    # Before the first chapter heading there is no chapter number to give.
    in_chapter = progress.chapters and progress.chapter
    details = [f"chapter {progress.chapter}/{progress.chapters} · {scene}" if in_chapter else scene]
    chapter_left, book_left = progress.minutes_left(words_per_minute)
    if in_chapter:
        details.append(f"{format_minutes(chapter_left)} left in chapter")
    details.append(f"{format_minutes(book_left)} left in book")
    return details


class ReaderHeader(Widget):
    """``title · author · chapter`` on one line, cut with an ellipsis where it ends."""

    story_title: reactive[str] = reactive("")
    author: reactive[str] = reactive("")
    chapter: reactive[str] = reactive("")
    """The chapter being read; empty on the title page and before the first heading."""

    def __init__(self, story_title: str, author: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(ReaderHeader.story_title, story_title)
        self.set_reactive(ReaderHeader.author, author)

    def render(self) -> Text:
        """The line; titles, authors and chapter names are story text, so a Text."""
        header = Text(self.story_title, style="bold")
        if self.author:
            header.append(f" · {self.author}", style="not bold")
        if self.chapter:
            header.append(f" · {self.chapter}", style="not bold italic")
        return header


class StatusLine(Widget):
    """Where the reader is, in words and as a rule across the width.

    ``place`` ("page 2 of 10") and the percentage always show; ``details`` (search, chapter,
    scene, minutes left) are added in order as far as the width allows.
    """

    place: reactive[str] = reactive("")
    details: reactive[tuple[str, ...]] = reactive(())
    percent: reactive[float] = reactive(0.0)
    shown: reactive[bool] = reactive(False)
    """False until the first page is typeset: until then the lines stay empty."""

    _BOLD = Style(bold=True)
    _DIM = Style(dim=True)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._drawn: tuple[tuple[object, ...], tuple[Strip, Strip]] | None = None

    def render(self) -> Text:
        """The two lines as rich Text: the words fitted to the width, then the progress rule.

        Textual draws the widget with :meth:`render_line`, to the same cells and styles.
        """
        if not self.shown:
            return Text("")
        width = max(self.content_size.width, 10)
        text = Text(
            fit_parts(self.place, list(self.details), f"{self.percent:.0f}%", width), no_wrap=True
        )
        text.append("\n")
        filled = round(width * self.percent / 100)
        text.append("━" * filled, style="bold")
        text.append("─" * (width - filled), style="dim")
        return text

    def render_line(self, y: int) -> Strip:
        """Line 0: the words fitted to the width; line 1: the progress rule.

        Drawn as strips (the Line API): the line changes on every page turn, and going
        through rich Text and Textual's Content costs more than the rest of the turn's
        chrome.
        """
        width = self.content_size.width
        base = self.rich_style
        key = (self.shown, self.place, self.details, self.percent, width, base)
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = key, self._lines(width, base)
        return self._drawn[1][y] if y < 2 else Strip.blank(width, Style(bgcolor=base.bgcolor))

    def _lines(self, width: int, base: Style) -> tuple[Strip, Strip]:
        background = Style(bgcolor=base.bgcolor)
        if not self.shown:
            # As Textual draws an empty Text: an empty run, then the background.
            empty = [Segment("", base), Segment(" " * width, background)]
            return Strip(empty, width), Strip.blank(width, base)
        # As wide as the words and the rule would be drawn at 10 cells, cut to the width.
        wide = max(width, 10)
        words = fit_parts(self.place, list(self.details), f"{self.percent:.0f}%", wide)
        filled = round(wide * self.percent / 100)
        rule = [
            Segment(text, base + style)
            for text, style in (("━" * filled, self._BOLD), ("─" * (wide - filled), self._DIM))
            if text
        ]
        # The space after the words has the background alone, as Textual pads a Text.
        if cell_len(words) > width:  # Under 10 cells, which the reader never is (20 or more).
            words = set_cell_size(words, width)
        line = [Segment(words, base)]
        if cell_len(words) < width:
            line.append(Segment(" " * (width - cell_len(words)), background))
        return Strip(line, width), Strip(rule, wide).crop(0, width)
