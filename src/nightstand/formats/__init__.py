"""Story files to :class:`~nightstand.story.Story`: sniff the format, apply limits, dispatch.

The format is decided by the content first (an EPUB is a zip with an EPUB mimetype, HTML
has a doctype or tags, Markdown has headings or front matter) and by the file name second,
so a file with the wrong extension still loads.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from nightstand.errors import StoryError
from nightstand.text import sanitize

if TYPE_CHECKING:
    from typing import BinaryIO

    from nightstand.story import Story

MAX_BYTES = 256 * 1024 * 1024
"""The largest story file nightstand opens (256 MiB): far past any real book."""

# Format signs in the first few KiB, after any byte-order mark, XML declaration or comment.
_HTML_START = re.compile(
    r"<(?:!doctype\s+html|html|head|body|meta|title|p|div|h[1-6]|center|table|span|br|b|i|em"
    r"|strong|style|link|section|article|font|pre|blockquote|hr|dl|ul|ol)[\s/>]",
    re.IGNORECASE,
)
_HTML_ANYWHERE = re.compile(r"^[ \t]*<(?:!doctype\s+html|html|body)[\s>]", re.IGNORECASE | re.M)
_PROLOG = re.compile(r"\s*(?:<\?xml[^>]{0,200}\?>|<!--.{0,2000}?-->)", re.S)
_FRONT_MATTER = re.compile(
    r"\A---[ \t]*\n(?:[A-Za-z_][\w '-]{0,40}:.*\n|[ \t#-].*\n|\n){1,200}(?:---|\.\.\.)[ \t]*$", re.M
)
_MD_SIGN = re.compile(r"^#{1,6}[ \t]+\S|^```|\[[^\]\n]{1,200}\]\((?:https?://|#)[^)\s]*\)", re.M)
_MD_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd", ".mkdn"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".xht"}
_TEXT_SUFFIXES = {".txt", ".text", ""}
_EPUB_MIMETYPE = b"mimetypeapplication/epub+zip"
_SNIFF_BYTES = 8192


def title_from_file_name(path: Path) -> str:
    """A title for a story that names none: the file name made readable.

    ``snow-on-the-night-train.txt`` becomes "Snow on the night train"; a name that already
    has capitals is kept as written. A file name is text from outside like the file's
    content, so it is sanitized the same way (a name can hold escape sequences).
    """
    stem = sanitize(path.stem or path.name)
    words = " ".join(stem.replace("_", " ").replace("-", " ").split()) or stem
    return words[:1].upper() + words[1:] if words.islower() else words


def epub_file(path: Path) -> BinaryIO | None:
    """``path`` opened for reading when it is a regular file whose first bytes say EPUB
    (the mimetype entry first, or a zip named .epub), else None.

    An EPUB is read from its file, its members as the loader needs them, rather than held
    in memory whole (the Mahabharata is 11 MB of zip). Anything else, and any failure here,
    is left to :func:`read_bytes`, which reports it.
    """
    try:
        # Without blocking: a FIFO put in the file's place is not waited on, only refused.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            return None
        f = os.fdopen(fd, "rb")
    except OSError:
        os.close(fd)
        return None
    try:
        size = info.st_size
        head = f.read(58)
        if (
            size <= MAX_BYTES
            and head[:4] == b"PK\x03\x04"
            and (head[30:58] == _EPUB_MIMETYPE or path.suffix.lower() == ".epub")
        ):
            f.seek(0)
            return f
    except OSError:
        pass
    f.close()
    return None


def read_bytes(path: Path) -> bytes:
    """Read a story file's bytes, turning every OS failure into one reader-facing error."""
    try:
        if path.is_dir():
            raise StoryError(f"{path} is a folder, not a story file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise StoryError(f"{path} is too large ({size // 2**20} MiB; the limit is 256 MiB)")
        with path.open("rb") as f:
            # The size seen and a byte more first (read(n) takes n bytes of memory at once),
            # then the rest of a file that grew or says 0 (procfs), up to the limit.
            data = f.read(size + 1)
            if len(data) > size:
                data += f.read(MAX_BYTES + 1 - len(data))
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


def sniff(data: bytes, suffix: str | None) -> str:
    """The format of a file's bytes: content first, extension second.

    An EPUB is a zip whose first entry is the EPUB ``mimetype`` (or that holds
    ``META-INF/container.xml``); HTML opens with a doctype or a tag; Markdown shows front
    matter, ``#`` headings, fenced code or links. When the content is not decisive the file
    name decides, and plain text is the default, so a file with the wrong extension loads.
    A ``suffix`` of None (a pipe has no file name) leaves it all to the content.
    """
    if data[:4] == b"PK\x03\x04":
        if data[30:58] == _EPUB_MIMETYPE or suffix == ".epub":
            return "epub"
        if b"META-INF/container.xml" in data[-1_048_576:]:
            return "epub"
        raise StoryError("not a story file: a zip archive that is not an EPUB")
    head = _head_text(data[:_SNIFF_BYTES])
    body = head
    while True:
        m = _PROLOG.match(body)
        if not m or not m.group():
            break
        body = body[m.end() :]
    body = body.lstrip()
    if _HTML_START.match(body) or _HTML_ANYWHERE.search(head):
        return "html"
    if suffix in _HTML_SUFFIXES and "<" in body:
        return "html"
    if suffix in _MD_SUFFIXES:
        return "markdown"
    if suffix in _TEXT_SUFFIXES:
        # Plain-text stories use "---" separators and "# " lines too: a .txt stays text.
        return "text"
    return "markdown" if _FRONT_MATTER.match(head) or _MD_SIGN.search(head) else "text"


def _head_text(head: bytes) -> str:
    """The start of a file as text, enough to look for format signs (UTF-8/16/32 aware)."""
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="replace")
    if len(head) >= 4 and head.count(0) > len(head) // 3:
        codec = "utf-16-le" if head[1] == 0 else "utf-16-be"
        return head.decode(codec, errors="replace")
    return head.decode("utf-8", errors="replace")


def load(path: str | Path, *, typography: str = "smart") -> Story:
    """Load a story file of any supported format; raise :class:`StoryError` if it cannot be.

    ``typography`` is ``"smart"`` (curly quotes, dashes, ellipses in plain text and
    Markdown) or ``"as-written"``; HTML and EPUB are always shown as written.
    """
    path = Path(path)
    epub = epub_file(path)
    if epub is not None:
        from nightstand.formats.epub import parse_epub

        with epub:
            return parse_epub(epub, name=title_from_file_name(path))
    from nightstand.formats.textstream import read_stream

    # A big plain-text file is read a stretch at a time where that gives the same story.
    streamed = read_stream(path, name=title_from_file_name(path), typography=typography)
    if streamed is not None:
        return streamed[0]
    # Handed over without a name here, so that load_bytes can let the bytes go once decoded.
    return load_bytes(
        read_bytes(path),
        name=title_from_file_name(path),
        suffix=path.suffix.lower(),
        label=str(path),
        typography=typography,
    )


def load_bytes(
    data: bytes, *, name: str, suffix: str | None, label: str = "", typography: str = "smart"
) -> Story:
    """Load a story from its bytes (a file's, or a pipe's: see :mod:`nightstand.source`).

    ``name`` is the title when the story names none; ``suffix`` the file name's extension
    (None when there is no file name); ``label`` names the source in errors; ``typography``
    as for :func:`load`.
    """
    if len(data) > MAX_BYTES:
        raise StoryError(f"{label or 'the story'} is too large (the limit is 256 MiB)")
    fmt = sniff(data, suffix)
    if fmt == "epub":
        from nightstand.formats.epub import parse_epub

        return parse_epub(data, name=name)
    # Imported here: the reader's start-up needs this package, not the decoders.
    from nightstand.formats.decode import check_not_binary, decode

    try:
        check_not_binary(data)
    except StoryError as exc:
        # "/bin/ls: not a story (binary data)": the file named, and what it is.
        raise StoryError(f"{label}: {exc}" if label else str(exc)) from None
    decoded = decode(data)
    del data  # a million-word file's bytes are not held through the parse
    warnings = (decoded.warning,) if decoded.warning else ()
    if fmt == "html":
        from nightstand.formats.html import parse_html

        return parse_html(decoded.text, name=name, encoding=decoded.encoding, warnings=warnings)
    if fmt == "markdown":
        from nightstand.formats.markdown import parse_markdown

        return parse_markdown(
            decoded.text,
            name=name,
            encoding=decoded.encoding,
            warnings=warnings,
            typography=typography,
        )
    from nightstand.formats.plaintext import parse_plaintext

    return parse_plaintext(
        decoded.text,
        name=name,
        encoding=decoded.encoding,
        warnings=warnings,
        typography=typography,
    )
