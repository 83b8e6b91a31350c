"""SettingsChanged: the message a screen posts when the reader changed settings.

Kept apart from the settings screen so the reader can post it without importing the
form's widgets at start-up.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message


class SettingsChanged(Message):
    """Settings changed while reading; the app applies them and saves them."""

    def __init__(self, changes: dict[str, Any]) -> None:
        self.changes = changes
        super().__init__()
