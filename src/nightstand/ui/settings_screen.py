"""SettingsScreen (``o``): the settings a reader changes while reading, and how they stay.

Measure, justify, hyphenate, paragraph style, theme and the spoiler policy. Saving posts
:class:`SettingsChanged`; the app applies it and writes it into ``settings.toml`` in place
(:mod:`nightstand.settings_file`), as it does for a theme picked with Ctrl-P and for + / -.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Switch

from nightstand.settings import PARAGRAPH_STYLES
from nightstand.ui.settings_changed import SettingsChanged

__all__ = ["SettingsChanged", "SettingsScreen", "policy_of", "policy_settings"]

if TYPE_CHECKING:
    from collections.abc import Iterable

    from textual.app import ComposeResult

    from nightstand.settings import Settings

SPOILER_POLICIES = (
    ("Ask once per story", "once"),
    ("Ask every time", "every"),
    ("Ask once; content warnings shown", "warnings"),
)
"""The spoiler policy as the screen offers it; see :func:`policy_settings`."""


def policy_of(settings: Settings) -> str:
    """The settings' spoiler policy as one of :data:`SPOILER_POLICIES`' values."""
    if settings.ask_spoilers_every_time:
        return "every"
    return "warnings" if settings.show_content_warnings else "once"


def policy_settings(policy: str) -> dict[str, bool]:
    """The two settings behind a spoiler policy."""
    return {
        "ask_spoilers_every_time": policy == "every",
        "show_content_warnings": policy == "warnings",
    }


class SettingsScreen(ModalScreen[dict[str, Any] | None]):
    """A small form; dismisses with the changed settings, or None on Esc."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="settings.cancel"),
        Binding("ctrl+s", "save", "Save", id="settings.save"),
    ]

    def __init__(self, settings: Settings, measure: int, themes: Iterable[str]) -> None:
        super().__init__()
        self._settings = settings
        self._measure = measure
        self._themes = sorted(themes)

    def compose(self) -> ComposeResult:
        """One row a setting, then Save and Cancel."""
        s = self._settings
        with Vertical(id="settings-box"):
            yield Label("Settings (saved to settings.toml)", id="settings-title")
            with Horizontal(classes="row"):
                yield Label("Measure (columns)")
                yield Input(str(self._measure), id="measure", type="integer")
            with Horizontal(classes="row"):
                yield Label("Justify")
                yield Switch(s.justify, id="justify")
            with Horizontal(classes="row"):
                yield Label("Hyphenate")
                yield Switch(s.hyphenate, id="hyphenate")
            with Horizontal(classes="row"):
                yield Label("Paragraphs")
                yield Select(
                    [(p, p) for p in PARAGRAPH_STYLES],
                    value=s.paragraph_style,
                    allow_blank=False,
                    id="paragraph_style",
                )
            with Horizontal(classes="row"):
                yield Label("Theme")
                themes = self._themes if s.theme in self._themes else [s.theme, *self._themes]
                yield Select([(t, t) for t in themes], value=s.theme, allow_blank=False, id="theme")
            with Horizontal(classes="row"):
                yield Label("Spoilers")
                yield Select(SPOILER_POLICIES, value=policy_of(s), allow_blank=False, id="spoilers")
            with Horizontal(id="settings-buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        """Start on the first setting."""
        self.query_one("#measure", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Save or cancel."""
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        """Enter in the measure saves, as Save does."""
        self.action_save()

    def values(self) -> dict[str, Any]:
        """What the form holds now, as settings."""
        from nightstand.ui.reader import MAX_MEASURE, MIN_MEASURE

        text = self.query_one("#measure", Input).value.strip()
        measure = int(text) if text.isdigit() else self._measure
        values: dict[str, Any] = {
            "measure": min(max(measure, MIN_MEASURE), MAX_MEASURE),
            "justify": self.query_one("#justify", Switch).value,
            "hyphenate": self.query_one("#hyphenate", Switch).value,
            "paragraph_style": self.query_one("#paragraph_style", Select).value,
            "theme": self.query_one("#theme", Select).value,
        }
        values.update(policy_settings(str(self.query_one("#spoilers", Select).value)))
        return values

    def action_save(self) -> None:
        """Dismiss with what changed."""
        current = {**{k: getattr(self._settings, k) for k in self.values()}}
        current["measure"] = self._measure
        self.dismiss({k: v for k, v in self.values().items() if current.get(k) != v})
