"""ListDialog: the base of the dialogs that list places in a story to jump to.

A title line over an option list in a box; Enter (or a click) dismisses with the story
offset of the chosen row, j and k move as in vim. The table of contents and the bookmarks
are subclasses that say what their rows are. The box's look is in nightstand.tcss.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from nightstand.ui.lists import OptionList

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.widgets.option_list import Option


class ListDialog(ModalScreen[int | None]):
    """A titled list of places; dismisses with the chosen place's offset, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", show=False),
        Binding("k", "cursor_up", show=False),
    ]

    def heading(self) -> str:
        """The title line (may name keys: it is written once the list has focus)."""
        raise NotImplementedError

    def options(self) -> list[Option]:
        """The rows; their prompts are story text, so Text or Content, never markup."""
        raise NotImplementedError

    def offset_of(self, index: int) -> int:
        """The story offset of row ``index``."""
        raise NotImplementedError

    def start_index(self) -> int:
        """The row highlighted when the dialog opens."""
        return 0

    def compose(self) -> ComposeResult:
        """A title and the list."""
        with Vertical():
            yield Static(classes="heading")
            yield OptionList(*self.options())

    def on_mount(self) -> None:
        """Highlight the starting row and give the list the keys."""
        options = self.query_one(OptionList)
        options.highlighted = self.start_index()
        options.focus()
        # Written once the list has focus, so its keys count among the bindings named.
        self.call_after_refresh(self.refresh_heading)

    def refresh_heading(self) -> None:
        """Write the title line again (after the rows or the keys changed)."""
        self.query_one(".heading", Static).update(self.heading())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Jump to the chosen place."""
        self.dismiss(self.offset_of(event.option_index))

    def action_cursor_down(self) -> None:
        """vim's j."""
        self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        """vim's k."""
        self.query_one(OptionList).action_cursor_up()
