"""Key hints from the live bindings: the keys of an action as bound now, as Textual shows them.

Every hint that names a key (the title page, dialog titles and buttons, notifications, the
help screen) asks here, so a key remapped in settings.toml's ``[keys]`` (or by any Textual
keymap) is named as remapped. Names come from :meth:`App.get_key_display`, as in the footer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.binding import Binding

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen


def bound_keys(screen: Screen[Any], action: str) -> list[str]:
    """The keys bound to ``action`` (an action or a binding id) on ``screen``, for display.

    In binding order, without repeats; empty when nothing is bound to it.
    """
    shown: list[str] = []
    for active in screen.active_bindings.values():
        binding = active.binding
        if action in (binding.action, binding.id):
            display = screen.app.get_key_display(binding)
            if display not in shown:
                shown.append(display)
    return shown


def key_hint(screen: Screen[Any], action: str, *, most: int = 1, joiner: str = " or ") -> str:
    """The first ``most`` keys of ``action`` joined for a sentence (``""`` when unbound)."""
    return joiner.join(bound_keys(screen, action)[:most])


def display_key(app: App[Any], key: str) -> str:
    """How the footer names a key given as a Textual key string (``"ctrl+p"`` → ``^p``)."""
    return app.get_key_display(Binding(key, ""))
