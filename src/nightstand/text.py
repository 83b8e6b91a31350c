"""The one sanitizer: text from outside (stories, file names, settings) made safe to draw.

Neither rich nor Textual strips ESC, CSI, OSC or C1 controls from text they draw, so every
string from a file, an archive or a server passes through :func:`sanitize` before it can
become displayable. This module sits below everything and imports nothing of nightstand.
"""

from __future__ import annotations

import re

# One pattern for everything that must not reach a terminal: whole escape sequences (so
# their parameters do not show up as litter), lone controls, C1 controls, BiDi overrides
# and isolates, and invisible format characters that only confuse layout.
_ESCAPES = (
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI
    r"|\x1b\][^\x07\x1b\n]{0,4096}(?:\x07|\x1b\\)?"  # OSC (titles, links, clipboard)
    r"|\x1b[PX^_][^\x1b\n]{0,4096}(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]?"  # other ESC sequences, or a lone ESC
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # 8-bit CSI
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x9c\x1b\n]{0,4096}[\x07\x9c]?"  # 8-bit string controls
)
_CONTROL_CHARS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb"
)
_UNSAFE = re.compile(f"{_ESCAPES}|[{_CONTROL_CHARS}]")
_NEEDS_WORK = re.compile(f"[{_CONTROL_CHARS}\r\t\u2028\u2029]")
_HAS_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
_ASCII_NEEDS_WORK = tuple(chr(c) for c in range(0x80) if _NEEDS_WORK.match(chr(c)))


def sanitize(text: str) -> str:
    """Normalise newlines and tabs and drop every control character and escape sequence."""
    if text.isprintable():
        return text  # No control, no line or paragraph separator, no tab: nothing to do.
    if text.isascii():
        # Most books are ASCII; a handful of substring scans beat the regex four to one.
        if not any(c in text for c in _ASCII_NEEDS_WORK):
            return text
    elif not _NEEDS_WORK.search(text):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n").replace("\t", "    ")
    # Every escape sequence starts with a control character: CRLF files (most EPUBs made
    # on Windows) often have none left, and the search is far cheaper than the substitution.
    if not _HAS_CONTROL.search(text):
        return text
    return _UNSAFE.sub("", text)
