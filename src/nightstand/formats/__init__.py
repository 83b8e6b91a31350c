"""Story files to :class:`~nightstand.story.Story`: sniff the format, apply limits, dispatch.

The format is decided by the content first (an EPUB is a zip with an EPUB mimetype, HTML
has a doctype or tags, Markdown has headings or front matter) and by the file name second,
so a file with the wrong extension still loads.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from nightstand.errors import StoryError
from nightstand.formats.decode import check_not_binary, decode

if TYPE_CHECKING:
    from nightstand.story import Story

MAX_BYTES = 256 * 1024 * 1024
"""The largest story file nightstand opens (256 MiB): far past any real book."""

FORMATS = ("text", "markdown", "html", "epub")

_HTML_SIGN = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!doctype\s+html|<html|<head|<body|<p[\s>]|<div[\s>]|<h[1-6][\s>])", re.I)
_MD_SIGN = re.compile(r"^(?:#{1,6} \S|---\s*$)", re.M)
_MD_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


def read_bytes(path: Path) -> bytes:
    """Read a story file's bytes, turning every OS failure into one reader-facing error."""
    try:
        if path.is_dir():
            raise StoryError(f"{path} is a folder, not a story file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise StoryError(f"{path} is too large ({size // 2**20} MiB; the limit is 256 MiB)")
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise StoryError(f"{path}: no such file") from None
    except PermissionError:
        raise StoryError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise StoryError(f"{path} is a folder, not a story file") from None
    except OSError as exc:
        raise StoryError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise StoryError(f"{path} is too large (the limit is 256 MiB)")
    if not data.strip():
        raise StoryError(f"{path} is empty")
    return data


def sniff(data: bytes, suffix: str) -> str:
    """The format of a file's bytes: content first, extension second."""
    if data[:4] == b"PK\x03\x04":
        if b"application/epub+zip" in data[:200] or suffix == ".epub":
            return "epub"
        raise StoryError("not a story file: a zip archive that is not an EPUB")
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if _HTML_SIGN.match(head) or suffix in _HTML_SUFFIXES and b"<" in head:
        return "html"
    if suffix in _MD_SUFFIXES:
        return "markdown"
    if suffix in {".txt", ".text", ""}:
        return "text"
    text = head.decode("utf-8", errors="replace")
    return "markdown" if _MD_SIGN.search(text) else "text"


def load(path: str | Path) -> Story:
    """Load a story file of any supported format; raise :class:`StoryError` if it cannot be."""
    path = Path(path)
    data = read_bytes(path)
    fmt = sniff(data, path.suffix.lower())
    name = path.stem or path.name
    if fmt == "epub":
        from nightstand.formats.epub import parse_epub

        return parse_epub(data, name=name)
    check_not_binary(data)
    decoded = decode(data)
    warnings = (decoded.warning,) if decoded.warning else ()
    if fmt == "html":
        from nightstand.formats.html import parse_html

        return parse_html(decoded.text, name=name, encoding=decoded.encoding, warnings=warnings)
    if fmt == "markdown":
        from nightstand.formats.markdown import parse_markdown

        return parse_markdown(decoded.text, name=name, encoding=decoded.encoding, warnings=warnings)
    from nightstand.formats.plaintext import parse_plaintext

    return parse_plaintext(decoded.text, name=name, encoding=decoded.encoding, warnings=warnings)
