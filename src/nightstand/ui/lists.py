"""Textual's option list and command palette, minus a crash on paging in a small terminal.

In Textual 8, ``OptionList._move_page`` looks the highlighted option up in a table of lines
that is only filled when the list is drawn. A list with no room to be drawn (the contents,
the bookmarks or the command palette in a terminal a few rows high) raises ``KeyError`` on
PageUp or PageDown, and the app dies. Found by the keyboard fuzzing in
``tests/test_hostile_keys.py``. With no lines there is no page to move by, so the key does
nothing.
"""

from __future__ import annotations

import contextlib
from typing import ClassVar

from textual import command
from textual.binding import Binding, BindingType
from textual.widgets import OptionList as _OptionList


class OptionList(_OptionList):
    """An option list whose PageUp and PageDown never raise."""

    def action_page_up(self) -> None:
        """Move the highlight up one page (nothing while the list has not been drawn)."""
        with contextlib.suppress(KeyError):
            super().action_page_up()  # type: ignore[no-untyped-call]

    def action_page_down(self) -> None:
        """Move the highlight down one page (nothing while the list has not been drawn)."""
        with contextlib.suppress(KeyError):
            super().action_page_down()  # type: ignore[no-untyped-call]


class CommandPalette(command.CommandPalette):
    """Textual's command palette, paging its list as :class:`OptionList` does."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pagedown", "page_commands(1)", "Next page", show=False),
        Binding("pageup", "page_commands(-1)", "Previous page", show=False),
    ]

    def action_page_commands(self, direction: int) -> None:
        """Page through the commands (nothing while the list has not been drawn)."""
        commands = self.query_one(command.CommandList)
        with contextlib.suppress(KeyError):
            if direction > 0:
                commands.action_page_down()  # type: ignore[no-untyped-call]
            else:
                commands.action_page_up()  # type: ignore[no-untyped-call]
