"""HelpScreen: every key of the screen below, as currently bound (remaps included).

Keys are named by :meth:`App.get_key_display`, as in the footer; there is no table of key
names of our own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from nightstand.ui.keys import display_key

if TYPE_CHECKING:
    from collections.abc import Mapping

    from textual.app import ComposeResult
    from textual.binding import ActiveBinding

MOUSE_HELP = ("mouse wheel, click left/right third", "Previous / next page")
SEARCH_HELP = "Search the whole story; case matters only with a capital; re: for regex"


class HelpScreen(ModalScreen[None]):
    """A table of keys, what they do, and the name to remap them by in settings.toml."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss(None)", "Close"),
        Binding("j,down", "scroll(1)", show=False),
        Binding("k,up", "scroll(-1)", show=False),
    ]

    def __init__(self, bindings: Mapping[str, ActiveBinding], *, reading: bool = True) -> None:
        super().__init__()
        self._keys_below = dict(bindings)
        self._reading = reading

    def _rows(self) -> list[tuple[str, str, str]]:
        """(keys, what they do, [keys] name) for every nightstand binding, as bound now."""
        display = self.app.get_key_display
        grouped: dict[tuple[str, str, str], list[str]] = {}
        for active in self._keys_below.values():
            binding = active.binding
            # Only nightstand's own keys carry an id; Textual's focus and copy keys do not.
            if binding.system or binding.id is None or not binding.description:
                continue
            described = binding.tooltip or binding.description
            keys = grouped.setdefault((binding.action, described, binding.id), [])
            if display(binding) not in keys:
                keys.append(display(binding))
        return [(", ".join(keys), desc, name) for (_, desc, name), keys in grouped.items()]

    def _extra_rows(self, rows: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
        """Mouse and palette hints; the search hint names the search keys as bound."""
        extra: list[tuple[str, str]] = []
        if self._reading:
            extra.append(MOUSE_HELP)
            keys = {name: shown for shown, _, name in rows}
            search = keys.get("search")
            if search:
                matches = ", ".join(
                    k for k in (keys.get("next_match"), keys.get("previous_match")) if k
                )
                extra.append((f"{search} then {matches}" if matches else search, SEARCH_HELP))
        palette = display_key(self.app, self.app.COMMAND_PALETTE_BINDING)
        extra.append((palette, "Command palette (themes, commands)"))
        return extra

    def compose(self) -> ComposeResult:
        """The key table."""
        table = Table(title="nightstand — keys", expand=True, show_edge=False)
        table.add_column("Keys", style="bold", ratio=2)
        table.add_column("Does", ratio=3)
        table.add_column(Text("[keys] name"), style="dim", no_wrap=True, min_width=16)
        rows = self._rows()
        for keys, desc, name in rows:
            table.add_row(Text(keys), Text(desc), Text(name))
        for keys, desc in self._extra_rows(rows):
            table.add_row(Text(keys), Text(desc), "")
        with VerticalScroll():
            yield Static(table)

    def action_scroll(self, lines: int) -> None:
        """Scroll the table."""
        self.query_one(VerticalScroll).scroll_relative(y=lines, animate=False)
