"""How spoiler values are hidden until the reader consents.

Which headers carry spoilers is decided by the header vocabulary, :mod:`nightstand.headers`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nightstand.headers import is_content_warning

if TYPE_CHECKING:
    from nightstand.story import Header

HIDDEN = "hidden"
"""What stands in for a spoiler value wherever it would otherwise be shown."""


def shown_value(header: Header, *, revealed: bool, warnings: bool = False) -> str:
    """The value to display for a header: the real one, or :data:`HIDDEN` before consent.

    With ``warnings``, content warnings (AO3's Archive Warnings) are shown while the other
    spoiler headers stay hidden: readers use them to decide whether to read at all.
    """
    if revealed or not header.spoiler or (warnings and is_content_warning(header)):
        return header.value
    return HIDDEN
