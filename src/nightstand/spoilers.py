"""Which headers carry spoilers, and how their values are hidden until the reader consents."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nightstand.story import Header

HIDDEN = "hidden"
"""What stands in for a spoiler value wherever it would otherwise be shown."""

_SPOILER_KEY = re.compile(r"^(?:spoilers?|spoiler warnings?|warnings?|archive warnings?)$", re.I)
_MENTIONS_SPOILER = re.compile(r"spoil", re.I)


def is_spoiler_header(key: str, value: str) -> bool:
    """Whether a header may give the story away: Spoiler(s), Warning(s), or says "spoiler"."""
    key = " ".join(key.split())
    return bool(_SPOILER_KEY.match(key) or _MENTIONS_SPOILER.search(key + " " + value))


def shown_value(header: Header, *, revealed: bool) -> str:
    """The value to display for a header: the real one, or :data:`HIDDEN` before consent."""
    return header.value if revealed or not header.spoiler else HIDDEN
