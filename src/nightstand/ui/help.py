"""HelpScreen: every key of the screen below, as currently bound (remaps included)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

if TYPE_CHECKING:
    from collections.abc import Mapping

    from textual.app import ComposeResult
    from textual.binding import ActiveBinding

EXTRA_HELP = (
    ("mouse wheel, click left/right third", "Previous / next page"),
    ("/ then n, N", "Search the whole story; case matters only with a capital; re: for regex"),
    ("ctrl+p", "Command palette (themes, commands)"),
    ("ctrl+c", "Quit"),
)


class HelpScreen(ModalScreen[None]):
    """A table of keys, what they do, and the name to remap them by in settings.toml."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss(None)", "Close"),
        Binding("j,down", "scroll(1)", show=False),
        Binding("k,up", "scroll(-1)", show=False),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 84; max-width: 95%; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, bindings: Mapping[str, ActiveBinding], *, reading: bool = True) -> None:
        super().__init__()
        self._extra = EXTRA_HELP if reading else EXTRA_HELP[2:]
        grouped: dict[tuple[str, str, str], list[str]] = {}
        for key, active in bindings.items():
            binding = active.binding
            # Only nightstand's own keys carry an id; Textual's focus and copy keys do not.
            if binding.system or binding.id is None or not binding.description:
                continue
            display = self._display(key, binding)
            described = binding.tooltip or binding.description
            name = binding.id
            grouped.setdefault((binding.action, described, name), []).append(display)
        self._rows = [(", ".join(keys), desc, name) for (_, desc, name), keys in grouped.items()]

    @staticmethod
    def _display(key: str, binding: Binding) -> str:
        names = {
            "space": "Space",
            "right_square_bracket": "]",
            "left_square_bracket": "[",
            "slash": "/",
            "percent_sign": "%",
            "colon": ":",
            "apostrophe": "'",
            "plus": "+",
            "minus": "-",
            "equals_sign": "=",
            "question_mark": "?",
            "escape": "Esc",
        }
        return names.get(key, binding.key_display or key)

    def compose(self) -> ComposeResult:
        """The key table."""
        table = Table(title="nightstand — keys", expand=True, show_edge=False)
        table.add_column("Keys", style="bold", ratio=2)
        table.add_column("Does", ratio=3)
        table.add_column(Text("[keys] name"), style="dim", no_wrap=True, min_width=16)
        for keys, desc, name in self._rows:
            table.add_row(Text(keys), Text(desc), Text(name))
        for keys, desc in self._extra:
            table.add_row(Text(keys), Text(desc), "")
        with VerticalScroll():
            yield Static(table)

    def action_scroll(self, lines: int) -> None:
        """Scroll the table."""
        self.query_one(VerticalScroll).scroll_relative(y=lines, animate=False)
