"""SearchScreen and GotoScreen: one-line prompts at the bottom, as in less."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Input

if TYPE_CHECKING:
    from textual.app import ComposeResult

_GOTO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$")


class SearchScreen(ModalScreen[str | None]):
    """Asks for a search query; dismisses with it, or None on Esc."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, last: str = "") -> None:
        super().__init__()
        self._last = last

    def compose(self) -> ComposeResult:
        """The query input."""
        yield Input(
            value=self._last,
            placeholder="Search the story (smart case; re: for a regular expression)",
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Search for what was typed."""
        self.dismiss(event.value.strip() or None)


def parse_goto(text: str, bare: str = "page") -> tuple[str, float] | None:
    """``"42%"`` → ("percent", 42.0); ``"120"`` → (``bare``, 120.0); else None.

    ``bare`` is what a number without a sign means: a page after ``:``, a percentage
    after ``%``.
    """
    m = _GOTO.match(text)
    if not m:
        return None
    return ("percent" if m.group(2) else bare, float(m.group(1)))


class GotoScreen(ModalScreen[tuple[str, float] | None]):
    """Asks for a percentage or a page number."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    PROMPTS: ClassVar[dict[str, str]] = {
        "percent": "Go to a percentage (50 is half way)",
        "page": "Go to a page number (or 42% for a percentage)",
    }

    def __init__(self, bare: str = "page") -> None:
        super().__init__()
        self.bare = bare
        """What a plain number means here: "percent" (after %) or "page" (after :)."""

    def compose(self) -> ComposeResult:
        """The target input."""
        yield Input(placeholder=self.PROMPTS.get(self.bare, self.PROMPTS["page"]))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Go where the reader asked, or say what is expected."""
        target = parse_goto(event.value, self.bare)
        if target is None and event.value.strip():
            self.notify("Type a percentage like 42% or a page number like 120.", severity="error")
            return
        self.dismiss(target)
