"""KeysFooter: Textual's Footer, but a key that does not fit whole is left out, never cut.

Textual's Footer lays its keys out in a row and clips the row at the window's edge, so a
narrow window shows "m Mar▏". This footer measures each key (its text, padding and margin)
and shows the keys, in binding order, only while the whole of each still fits beside the
command palette's key; the rest are hidden until the window is wide enough again. Every key
stays listed on the help screen (?).

Built with ``held=True`` (the reader), the keys wait until :meth:`release`: composing and
styling them costs about 20 ms, which the first page does not wait for; the footer's line
is there from the start, so nothing moves when they appear.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual import events
    from textual.screen import Screen
    from textual.widget import Widget


class KeysFooter(Footer):
    """A footer of whole keys."""

    def __init__(self, *, held: bool = False) -> None:
        super().__init__()
        self._held = held
        self._waiting: Screen[object] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        """The screen's keys changed: show them, or remember them while held."""
        if self._held:
            self._waiting = screen
            return
        super().bindings_changed(screen)

    def release(self) -> None:
        """Show the keys from now on (the page they would have delayed is on screen)."""
        self._held = False
        if self._waiting is not None:
            screen, self._waiting = self._waiting, None
            # From the footer's own queue: its keys bind data to it as they are composed.
            self.call_later(super().bindings_changed, screen)

    async def recompose(self) -> None:
        """The keys are built anew when the bindings change: fit them at once."""
        await super().recompose()
        self.fit()

    def on_resize(self, _event: events.Resize) -> None:
        """A new width: another number of keys fits."""
        self.fit()

    def fit(self) -> None:
        """Show the leading keys that fit whole; hide the others."""
        palette = [c for c in self.children if c.has_class("-command-palette")]
        room = self.size.width - sum(self._width(c) for c in palette)
        used = 0
        fits = True
        for child in self.children:
            if child in palette:
                continue
            used += self._width(child)
            fits = fits and used <= room
            if child.display != fits:
                child.display = fits

    def _width(self, child: Widget) -> int:
        """The cells ``child`` takes in the row: content, padding, border and margin."""
        content = child.get_content_width(self.size, self.app.size)
        return content + child.styles.gutter.width + child.styles.margin.width
