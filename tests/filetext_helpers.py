"""A :class:`FileText` made from a string, for tests that compare it with the string."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from typing import TYPE_CHECKING

from nightstand.filetext import FileText, PieceWriter

if TYPE_CHECKING:
    from nightstand.story import Story


def file_text(text: str, *, pieces_of: list[int] | None = None) -> FileText:
    """``text`` written by a :class:`PieceWriter` to a file with no name, as a FileText;
    handed over in stretches of the lengths ``pieces_of`` gives (cycled), or whole."""
    with tempfile.TemporaryFile() as out:
        writer = PieceWriter(out)
        at, k = 0, 0
        while at < len(text):
            step = pieces_of[k % len(pieces_of)] if pieces_of else len(text)
            writer(text[at : at + step])
            at, k = at + step, k + 1
        writer.finish()
        out.write(b"\xda}\x0f\x00\x80")  # what the spool holds after the text: the head
        out.flush()
        return FileText(os.dup(out.fileno()), writer.chars, writer.offsets)


def in_a_file(story: Story) -> Story:
    """``story`` with its text kept in a file."""
    return dataclasses.replace(story, text=file_text(story.text[:]))
