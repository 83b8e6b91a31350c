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


class SpoilerGate(ModalScreen[bool]):
    """A confirmation naming the headers that will be shown; dismisses with the answer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Reveal", id="spoiler.reveal"),
        Binding("n,escape,q", "answer(False)", "Keep hidden", id="spoiler.keep"),
    ]

    def __init__(self, title: str, keys: Sequence[str]) -> None:
        super().__init__()
        self._title = title
        self._keys = tuple(keys)

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
                    self._label("Reveal", "spoiler.reveal"), id="reveal", variant="warning"
                )
                yield Button(
                    self._label("Keep hidden", "spoiler.keep"), id="keep", variant="primary"
                )

    def _label(self, words: str, binding_id: str) -> str:
        """A button's words and the key that answers the same, as bound now."""
        key = key_hint(self, binding_id)
        return f"{words} ({key})" if key else words

    def on_mount(self) -> None:
        """Focus the safe choice."""
        self.query_one("#keep", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Answer with the button."""
        self.dismiss(event.button.id == "reveal")

    def action_answer(self, reveal: bool) -> None:
        """Answer from the keyboard."""
        self.dismiss(reveal)
