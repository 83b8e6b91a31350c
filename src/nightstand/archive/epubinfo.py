"""What an EPUB says about where it came from: source URL, site, status, chapter count.

FanFicFare records the story's URL as ``dc:source`` (and as a URL ``dc:identifier``), the
site as ``dc:publisher`` and the status as one of the ``dc:subject`` tags; its chapters are
the ``fileNNNN.xhtml`` documents. Any EPUB with an http(s) source counts, whoever wrote it.
Only the zip's directory, the container and the package document are read, within the EPUB
loader's limits, so this costs a millisecond, never FanFicFare's import, and (since it does
not import the loaders either) little memory in the reader, which asks it of every EPUB.
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from nightstand.errors import StoryError
from nightstand.text import sanitize

if TYPE_CHECKING:
    from pathlib import Path
    from xml.etree.ElementTree import Element

MAX_EPUB: Final = 256 * 1024**2
"""The same size limit as for reading a story."""
MAX_ENTRIES: Final = 10_000
"""As in the EPUB loader: more files than any book has."""
MAX_XML: Final = 16 * 1024**2
"""As in the EPUB loader: the largest container or package document read."""

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
    """The source of an EPUB file, or None when it is not an EPUB that can be read.

    Only the zip's directory, the container and the package document are read from the
    file (a book is not loaded whole, so the reader pays nothing for asking), within the
    EPUB loader's limits.
    """
    try:
        with path.open("rb") as f:
            if f.read(2) != b"PK":
                return None
            f.seek(0, os.SEEK_END)
            size = f.tell()
            if size > MAX_EPUB:
                return None
            f.seek(max(0, size - 65_600))
            entries = _declared_entries(f.read())
            if entries is not None and entries > MAX_ENTRIES:
                return None
            f.seek(0)
            with zipfile.ZipFile(f) as archive:
                if len(archive.infolist()) > MAX_ENTRIES:
                    return None
                container = _member(archive, "META-INF/container.xml")
                if container is None:
                    return None
                opf = next(
                    (
                        _attr(e, "full-path")
                        for e in container.iter()
                        if _local(e.tag) == "rootfile"
                    ),
                    "",
                )
                package = _member(archive, opf) if opf else None
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return None
    except (NotImplementedError, RuntimeError, KeyError, IndexError, struct.error, zlib.error):
        return None
    return _read_package(package) if package is not None else None


def _member(archive: zipfile.ZipFile, name: str) -> Element | None:
    """One small XML member, parsed safely; None if missing, too large or unsafe."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_XML or info.flag_bits & 0x1:
        return None
    with archive.open(info) as f:
        data = f.read(MAX_XML + 1)
    if len(data) > MAX_XML:
        return None
    try:
        root: Element = fromstring(data)
    except (DefusedXmlException, ParseError, ValueError):
        return None
    return root


def source_info_of(data: bytes) -> SourceInfo | None:
    """:func:`source_info` for an EPUB already in memory (through the EPUB loader's reader)."""
    from nightstand.formats.epub import _rootfile, _xml
    from nightstand.formats.epubzip import Archive

    try:
        archive = Archive(data)
        opf = _rootfile(archive)
        package = _xml(archive, opf, "package document")
    except StoryError:
        return None
    return _read_package(package)


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _attr(element: Element, name: str) -> str:
    """An attribute by its local name, whatever namespace prefix the file used."""
    for key, value in element.attrib.items():
        if _local(key) == name or key == name:
            return value
    return ""


def _text(element: Element) -> str:
    return "".join(element.itertext())


def _declared_entries(tail: bytes) -> int | None:
    """The entry count in the zip's end record (``tail`` ends the file), if plainly there."""
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or end + 22 > len(tail):
        return None
    (count,) = struct.unpack_from("<H", tail, end + 10)
    return None if count == 0xFFFF else int(count)


def _read_package(package: Element) -> SourceInfo:
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
