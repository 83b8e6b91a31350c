"""What an EPUB says about where it came from: source URL, site, status, chapter count.

FanFicFare records the story's URL as ``dc:source`` (and as a URL ``dc:identifier``), the
site as ``dc:publisher`` and the status as one of the ``dc:subject`` tags; its chapters are
the ``fileNNNN.xhtml`` documents. Any EPUB with an http(s) source counts, whoever wrote it.
Only the container and the package document are read, through the same guarded archive
reader as the EPUB loader, so this costs a millisecond and never FanFicFare's import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from nightstand.errors import StoryError
from nightstand.formats.decode import sanitize
from nightstand.formats.epub import _Archive, _attr, _local, _rootfile, _text, _xml

if TYPE_CHECKING:
    from pathlib import Path

MAX_EPUB: Final = 256 * 1024**2
"""The same size limit as for reading a story."""

_CHAPTER_ID: Final = re.compile(r"file\d+")
_STATUSES: Final = {
    "in-progress": "In-Progress",
    "complete": "Complete",
    "completed": "Complete",
}


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """A story's origin as its EPUB records it."""

    source: str | None
    """The story's URL (http or https), None when the EPUB names none."""
    site: str | None
    status: str | None
    """"In-Progress", "Complete" or None."""
    chapters: int


def clean(text: str) -> str:
    """One line of text from a file or a site, with no control characters or escapes."""
    return " ".join(sanitize(text).split())


def _url(text: str) -> str | None:
    text = clean(text)
    parts = urlsplit(text)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return text
    return None


def source_info(path: Path) -> SourceInfo | None:
    """The source of an EPUB file, or None when it is not an EPUB that can be read."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_EPUB + 1)
    except OSError:
        return None
    if len(data) > MAX_EPUB or not data.startswith(b"PK"):
        return None
    return source_info_of(data)


def source_info_of(data: bytes) -> SourceInfo | None:
    """:func:`source_info` for an EPUB already in memory."""
    try:
        archive = _Archive(data)
        opf = _rootfile(archive)
        package = _xml(archive, opf, "package document")
    except StoryError:
        return None
    source = identifier = site = status = None
    chapters = spine = 0
    for element in package.iter():
        local = _local(element.tag)
        if local == "source" and source is None:
            source = _url(_text(element))
        elif local == "identifier" and identifier is None:
            identifier = _url(_text(element))
        elif local == "publisher" and site is None:
            site = clean(_text(element)) or None
        elif local == "subject" and status is None:
            status = _STATUSES.get(clean(_text(element)).casefold())
        elif local == "item" and _CHAPTER_ID.fullmatch(_attr(element, "id")):
            chapters += 1
        elif local == "itemref" and _attr(element, "linear") != "no":
            spine += 1
    source = source or identifier
    if source and site is None:
        site = urlsplit(source).hostname
    return SourceInfo(source, site, status, chapters or spine)
