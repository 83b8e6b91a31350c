"""SpoilerGate: asks before a story's spoiler headers are shown."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from nightstand.ui.keys import key_hint

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textual.app import ComposeResult


class SpoilerGate(ModalScreen[bool | str]):
    """A confirmation naming the headers that will be shown; dismisses with the answer.

    True shows everything, False nothing, ``"warnings"`` only the content warnings (offered
    when the story has some).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Show everything", id="spoiler.reveal"),
        Binding("w", "warnings", "Warnings only", id="spoiler.warnings"),
        Binding("n,escape,q", "answer(False)", "Keep hidden", id="spoiler.keep"),
    ]

    AUTO_FOCUS = "#keep"
    """The safe choice has the focus (Textual's own focusing: keys typed faster than the
    screen mounts, "s" then "n", dismissed it before an on_mount could find the button)."""

    def __init__(self, title: str, keys: Sequence[str], *, offer_warnings: bool = False) -> None:
        super().__init__()
        self._title = title
        self._keys = tuple(keys)
        self.offer_warnings = offer_warnings

    def compose(self) -> ComposeResult:
        """The question, what will be shown, and two buttons."""
        question = Text("Reveal spoilers for ", style="bold")
        question.append(self._title, style="bold italic")
        question.append("?", style="bold")
        question.append("\n\nThis shows the story's ")
        question.append(", ".join(self._keys), style="bold")
        question.append(
            " header(s), which may give away what happens. Your answer is remembered "
            "for this story."
        )
        with Vertical():
            yield Static(question, id="question")
            with Horizontal():
                yield Button(
                    self._label("Show everything", "spoiler.reveal"),
                    id="reveal",
                    variant="warning",
                )
                if self.offer_warnings:
                    yield Button(
                        self._label("Show content warnings only", "spoiler.warnings"),
                        id="warnings",
                    )
                yield Button(
                    self._label("Keep hidden", "spoiler.keep"), id="keep", variant="primary"
                )

    def _label(self, words: str, binding_id: str) -> str:
        """A button's words and the key that answers the same, as bound now."""
        key = key_hint(self, binding_id)
        return f"{words} ({key})" if key else words

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Answer with the button."""
        if event.button.id == "warnings":
            self.dismiss("warnings")
        else:
            self.dismiss(event.button.id == "reveal")

    def action_answer(self, reveal: bool) -> None:
        """Answer from the keyboard."""
        self.dismiss(reveal)

    def action_warnings(self) -> None:
        """Show the content warnings only (when the story has some)."""
        if self.offer_warnings:
            self.dismiss("warnings")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The warnings key is only shown and bound when the story has content warnings."""
        if action == "warnings":
            return self.offer_warnings
        return True
