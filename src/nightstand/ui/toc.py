"""TocScreen: the table of contents, to jump from."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.widgets.option_list import Option

from nightstand.ui.lists import OptionList

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textual.app import ComposeResult

    from nightstand.story import Chapter


class TocScreen(ModalScreen[int | None]):
    """Lists the chapters; dismisses with the chosen chapter's offset, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,t", "dismiss(None)", "Close"),
        Binding("j", "cursor_down", show=False),
        Binding("k", "cursor_up", show=False),
    ]

    DEFAULT_CSS = """
    TocScreen { align: center middle; }
    TocScreen > Vertical {
        width: 70; max-width: 95%; height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    TocScreen OptionList { height: 1fr; border: none; }
    """

    def __init__(self, chapters: Sequence[Chapter], current: int) -> None:
        super().__init__()
        self._chapters = tuple(chapters)
        self._current = current

    def compose(self) -> ComposeResult:
        """A title and the list of chapters."""
        with Vertical():
            yield Static(f"Contents ({len(self._chapters)} chapters)", classes="title")
            yield OptionList(
                *(
                    Option(Text(f"{i + 1:>4}  {c.title}"), id=str(i))
                    for i, c in enumerate(self._chapters)
                )
            )

    def on_mount(self) -> None:
        """Highlight the chapter being read."""
        options = self.query_one(OptionList)
        options.highlighted = max(self._current, 0)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Jump to the chosen chapter."""
        self.dismiss(self._chapters[event.option_index].offset)

    def action_cursor_down(self) -> None:
        """vim's j."""
        self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        """vim's k."""
        self.query_one(OptionList).action_cursor_up()
