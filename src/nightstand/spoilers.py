"""How spoiler values are hidden until the reader consents.

Which headers carry spoilers is decided by the header vocabulary, :mod:`nightstand.headers`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nightstand.story import Header

HIDDEN = "hidden"
"""What stands in for a spoiler value wherever it would otherwise be shown."""


def shown_value(header: Header, *, revealed: bool) -> str:
    """The value to display for a header: the real one, or :data:`HIDDEN` before consent."""
    return header.value if revealed or not header.spoiler else HIDDEN
