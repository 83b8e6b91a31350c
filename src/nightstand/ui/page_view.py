"""PageView: draws one typeset page with Textual's Line API.

The widget owns no story logic: the reader screen hands it a :class:`~nightstand.layout.Page`
and it serves one cached :class:`~textual.strip.Strip` per line, rebuilt only when the page,
the highlights or the theme change. Style names from the layout engine map to component
classes, so themes and the stylesheet decide how emphasis or a heading looks.

A page turn does not wait for its strips: the reader has the next page drawn ahead
(:meth:`PageView.prepare`) once a frame is out, and the last pages drawn are kept, so a
turn forward or back finds its strips made. Each strip is given its width in cells, which
Textual would otherwise measure again (one character at a time for curly quotes).
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textual import events
    from textual.timer import Timer

    from nightstand.layout import Line, Page


_PLAIN = Style()
_KEPT = 3
"""Pages whose strips are kept: the one on screen, the one drawn ahead, the one before."""

Highlights = tuple[tuple[int, int], ...]


class _Drawn:
    """The strips of one page, drawn with given highlights, top row and size."""

    __slots__ = ("page", "state", "strips")

    def __init__(self, page: Page, state: tuple[object, ...]) -> None:
        self.page = page
        self.state = state
        self.strips: dict[int, Strip] = {}


class PageView(Widget, can_focus=True):
    """A page of prose, drawn line by line from the layout engine's output."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "page-view--emphasis",
        "page-view--strong",
        "page-view--heading",
        "page-view--ornament",
        "page-view--end",
        "page-view--match",
        "page-view--current",
        "page-view--key",
        "page-view--hidden",
        "page-view--title",
        "page-view--marker",
    }

    DEFAULT_CSS = """
    PageView {
        height: 1fr;
        width: 1fr;
        background: $background;
        color: $foreground;
    }
    PageView > .page-view--emphasis { text-style: italic; }
    PageView > .page-view--strong { text-style: bold; }
    PageView > .page-view--heading { text-style: bold; color: $accent; }
    PageView > .page-view--title { text-style: bold; color: $accent; }
    PageView > .page-view--ornament { color: $foreground-muted; }
    PageView > .page-view--end { text-style: bold; color: $foreground-muted; }
    PageView > .page-view--match { background: $warning 40%; color: $text; }
    PageView > .page-view--current { background: $warning; color: $text; text-style: bold; }
    PageView > .page-view--key { text-style: bold; }
    PageView > .page-view--hidden { text-style: italic; color: $warning; }
    PageView > .page-view--marker { text-style: bold; color: $accent; }
    """

    MARK_SECONDS: ClassVar[float] = 2.0
    """How long the place marker stays after a resize, unless a key comes first."""
    MARKER = "▸"

    class AreaChanged(Message):
        """The drawable area changed size: the page must be typeset again."""

        def __init__(self, width: int, height: int) -> None:
            self.width = width
            self.height = height
            super().__init__()

    class Turn(Message):
        """The reader asked for the next (+1) or previous (-1) page by mouse."""

        def __init__(self, direction: int) -> None:
            self.direction = direction
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._page: Page | None = None
        self._top = 0
        self._highlights: Highlights = ()
        self._current: tuple[int, int] | None = None
        self._all_highlights: Sequence[tuple[int, int]] = ()
        self._all_current: tuple[int, int] | None = None
        self._strips: dict[int, Strip] = {}
        """The strips of the page on screen (its ``_Drawn``'s)."""
        self._drawn: list[_Drawn] = []
        """The pages drawn last, the latest used last."""
        self._base: Style | None = None
        """The widget's own style, worked out once per page: it walks every ancestor."""
        self._marker: int | None = None
        self._marker_timer: Timer | None = None

    @property
    def page(self) -> Page | None:
        """The page on screen."""
        return self._page

    def show(
        self,
        page: Page,
        highlights: Sequence[tuple[int, int]] = (),
        *,
        current: tuple[int, int] | None = None,
        top: int = 0,
    ) -> None:
        """Put a page on screen ``top`` rows down, search matches (offset ranges) highlighted.

        ``current`` is the match the reader moved to last; it stands out from the others.
        """
        self.unmark()
        self._page = page
        self._top = top
        self._all_highlights, self._all_current = highlights, current
        self._highlights, self._current = _on_page(page, highlights, current)
        state = (self._highlights, self._current, top, self.size)
        drawn = self._find(page, state)
        if drawn is None:
            drawn = _Drawn(page, state)
            self._base = None
        self._use(drawn)
        before, self._strips = self._strips, drawn.strips
        self.refresh(*self._changed(before, drawn.strips))

    def _changed(self, before: dict[int, Strip], after: dict[int, Strip]) -> list[Region]:
        """The rows that differ between two pages drawn whole (none: redraw every row).

        Blank rows and the margin are the same on most pages: Textual need not draw them.
        """
        width, height = self.size
        if len(before) < height or len(after) < height:
            return []
        regions: list[Region] = []
        for y in range(height):
            if before.get(y) != after.get(y):
                if regions and regions[-1].bottom == y:
                    last = regions.pop()
                    regions.append(Region(0, last.y, width, last.height + 1))
                else:
                    regions.append(Region(0, y, width, 1))
        return regions or [Region(0, 0, width, 1)]

    def prepare(self, page: Page | None) -> None:
        """Draw ``page`` ahead (if any), highlighted as the page on screen is, for :meth:`show`."""
        if self._page is None or page is None:
            return
        highlights, current = _on_page(page, self._all_highlights, self._all_current)
        state = (highlights, current, self._top, self.size)
        if self._find(page, state) is not None:
            return
        drawn = _Drawn(page, state)
        for y in range(self.size.height):
            drawn.strips[y] = self._render_row(y, page, self._top, highlights, current, None)
        self._use(drawn)

    def _find(self, page: Page, state: tuple[object, ...]) -> _Drawn | None:
        for drawn in self._drawn:
            if drawn.page is page and drawn.state == state:
                return drawn
        return None

    def _use(self, drawn: _Drawn) -> None:
        if drawn in self._drawn:
            self._drawn.remove(drawn)
        self._drawn.append(drawn)
        del self._drawn[:-_KEPT]

    def _forget(self) -> None:
        """Drop every strip drawn (the style or the size changed)."""
        self._drawn.clear()
        self._strips.clear()
        self._base = None

    @property
    def marker_row(self) -> int | None:
        """The page line marked as holding the reader's place, if a marker is shown."""
        return self._marker

    def mark_place(self, offset: int) -> None:
        """Mark the line holding story ``offset`` in the left margin, for a moment.

        The marker goes on the next key or after :attr:`MARK_SECONDS`.
        """
        page = self._page
        if page is None or page.column_left < 2:
            return
        row = None
        for i, line in enumerate(page.lines):
            if line.segments and line.offset <= offset:
                row = i
        if row is None:
            return
        self.unmark()
        self._marker = row
        self._marker_timer = self.set_timer(self.MARK_SECONDS, self.unmark)
        self._strips.clear()
        self.refresh()

    def unmark(self) -> None:
        """Take the place marker away."""
        if self._marker_timer is not None:
            self._marker_timer.stop()
            self._marker_timer = None
        if self._marker is not None:
            self._marker = None
            self._strips.clear()
            self.refresh()

    def on_key(self, event: events.Key) -> None:
        """Any key takes the place marker away (the key still does what it does)."""
        if self._marker is not None:
            self.unmark()

    def notify_style_update(self) -> None:
        """Drop cached strips when the theme or stylesheet changes."""
        super().notify_style_update()
        self._forget()

    def on_resize(self, event: events.Resize) -> None:
        """Ask the screen to typeset for the new size."""
        self._forget()
        self.post_message(self.AreaChanged(event.size.width, event.size.height))

    def on_click(self, event: events.Click) -> None:
        """A click on the left third turns back, on the right third forward."""
        third = max(self.size.width // 3, 1)
        if event.x < third:
            self.post_message(self.Turn(-1))
        elif event.x >= self.size.width - third:
            self.post_message(self.Turn(+1))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        """The wheel turns pages."""
        event.stop()
        self.post_message(self.Turn(+1))

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        """The wheel turns pages."""
        event.stop()
        self.post_message(self.Turn(-1))

    def render_line(self, y: int) -> Strip:
        """The strip for row ``y`` of the widget."""
        strip = self._strips.get(y)
        if strip is None:
            strip = self._render_row(
                y, self._page, self._top, self._highlights, self._current, self._marker
            )
            self._strips[y] = strip
        return strip

    def _render_row(
        self,
        y: int,
        page: Page | None,
        top: int,
        highlights: Highlights,
        current: tuple[int, int] | None,
        marker: int | None,
    ) -> Strip:
        base = self._base
        if base is None:
            base = self._base = self.rich_style
        width = self.size.width
        row = y - top
        if page is None or not 0 <= row < len(page.lines):
            return Strip.blank(width, base)
        line = page.lines[row]
        if highlights:
            line = line.highlighted(highlights)
            if current is not None:
                line = line.highlighted([current], "current")
        segments = self._segments(line, page.column_left, base)
        if row == marker:
            pad = segments[0].text
            at = page.column_left - 2
            style = base + self.get_component_rich_style("page-view--marker", partial=True)
            segments[0:1] = [
                Segment(pad[:at], base),
                Segment(self.MARKER, style),
                Segment(pad[at + 1 :], base),
            ]
        # The marker takes one cell of the padding: the width is the line's.
        strip = Strip(segments, page.column_left + line.cell_length())
        return strip.adjust_cell_length(width, base)

    def _segments(self, line: Line, column_left: int, base: Style) -> list[Segment]:
        segments = [Segment(" " * (column_left + line.left), base)]
        for seg in line.segments:
            style = base
            if seg.style:
                style = base + self.get_component_rich_style(
                    f"page-view--{seg.style}", partial=True, default=_PLAIN
                )
            segments.append(Segment(seg.text, style))
        return segments


def _on_page(
    page: Page, highlights: Sequence[tuple[int, int]], current: tuple[int, int] | None
) -> tuple[Highlights, tuple[int, int] | None]:
    """The ``highlights`` (sorted offset ranges) that fall on ``page``, and ``current`` if it
    is one of them."""
    lo = bisect.bisect_left(highlights, (page.start - 10_000, 0))
    shown = tuple(h for h in highlights[lo:] if h[0] < page.end and h[1] > page.start)
    return shown, current if current in shown else None
