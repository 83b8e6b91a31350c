"""What to tell a reader whose library is empty: which files are read and how to add some."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

FORMATS = "EPUB (.epub), plain text (.txt), Markdown (.md) and HTML (.html, .htm, .xhtml)"
"""The story formats nightstand reads, as a reader names them (see library.STORY_SUFFIXES)."""


def empty_library(folder: Path, *, folder_exists: bool, commands: Iterable[str] = ()) -> str:
    """The words shown in place of an empty library: formats, the folder, how to start."""
    where = (
        f"Put stories in the library folder: {folder}"
        if folder_exists
        else f"Make the library folder and put stories there: {folder} (it does not exist yet)"
    )
    lines = [
        "No stories yet.",
        "",
        f"nightstand reads {FORMATS}.",
        where,
        "Or open one directly with: nightstand FILE",
    ]
    if "get" in set(commands):
        lines.append("To download a story from an archive: nightstand get URL")
    return "\n".join(lines)
