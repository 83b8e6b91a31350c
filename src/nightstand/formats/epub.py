"""EPUB 2 and 3 stories to :class:`~nightstand.story.Story`.

``META-INF/container.xml`` names the package document (OPF); its metadata gives the title,
the authors, the tags (``dc:subject``) and the summary (``dc:description``); its spine gives
the reading order; the EPUB 3 navigation document, or else the EPUB 2 NCX, gives the chapter
titles. Each XHTML document goes through the HTML path (:class:`~nightstand.formats.writer.
BlockWriter`), so AO3 and FanFicFare books are read as their HTML downloads are.

Everything is read from memory: nothing is ever extracted or written to disk. The archive is
distrusted: the entry count is checked before the central directory is read, the sizes it
declares (and the compression ratios) are bounded, every read is capped, names that climb out
of the book (``../``) are never followed, and the XML is parsed by defusedxml, which refuses
entity declarations (billion laughs) and external references. A damaged or missing chapter is
skipped with a warning in ``Story.warnings``; a damaged package is a :class:`StoryError`.
"""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote

from rich import filesize

from nightstand.errors import StoryError
from nightstand.formats.body import Body
from nightstand.formats.decode import decode
from nightstand.formats.htmltree import html_tree
from nightstand.formats.inline import fold, source_is_clean
from nightstand.formats.writer import BlockWriter, paragraphs_of
from nightstand.headers import make_header

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from nightstand.story import Header, Story

MAX_ENTRIES: Final = 10_000
"""More files than any book has; a zip with more is refused before its directory is read."""
MAX_DECLARED: Final = 2 * 1024**3
"""The total uncompressed size an EPUB may declare (2 GiB, pictures included)."""
MAX_DOCUMENT: Final = 64 * 1024**2
"""The largest single XHTML document read (64 MiB: ten times the longest novels)."""
MAX_XML: Final = 16 * 1024**2
"""The largest container, package, NCX or navigation document read."""
MAX_READ: Final = 512 * 1024**2
"""The total of everything read from one EPUB."""
MAX_RATIO: Final = 200
"""The highest compression ratio believed for a large entry; text deflates about 3-10x."""
_RATIO_FROM: Final = 1024**2

_SIZE_UNITS: Final = ["bytes", "KiB", "MiB", "GiB", "TiB"]
_HTML_TYPES: Final = frozenset({"application/xhtml+xml", "text/html", "application/xml"})
_HTML_SUFFIXES: Final = (".xhtml", ".html", ".htm", ".xml")
_SKIPPED_PAGES: Final = frozenset({"fff_tocpage", "fff_logpage", "fff_coverpage"})
_TOC_TITLES: Final = frozenset({"table of contents", "contents", "toc"})
_FRONT_TITLES: Final = frozenset({"title page", "title", "cover", "front matter"})
_AO3_MARKS: Final = "div#preface, div#chapters, div#afterword, div.meta.group"


class _MemberError(Exception):
    """An entry of the archive cannot be read (missing, too large, damaged)."""


@dataclass(frozen=True, slots=True)
class _Item:
    path: str | None
    media_type: str
    properties: frozenset[str]


@dataclass(slots=True)
class _Metadata:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    description: str | None = None
    series: str | None = None

    def headers(self) -> list[Header]:
        out: list[Header] = []
        if self.title:
            out.append(make_header("Title", self.title))
        if self.authors:
            out.append(make_header("Author", ", ".join(self.authors)))
        if self.subjects:
            out.append(make_header("Tags", ", ".join(self.subjects)))
        if self.description:
            out.append(make_header("Summary", self.description))
        if self.series:
            out.append(make_header("Series", self.series))
        return out


class _Archive:
    """A zip archive held in memory, read only within limits."""

    def __init__(self, data: bytes) -> None:
        self.warnings: list[str] = []
        self._read = 0
        entries = _declared_entries(data)
        if entries is not None and entries > MAX_ENTRIES:
            raise StoryError(
                f"the EPUB holds {entries:,} files (the limit is {MAX_ENTRIES:,}); "
                "refusing what looks like a zip bomb"
            )
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            NotImplementedError,
            EOFError,
            OSError,
            ValueError,
            struct.error,
            IndexError,
            KeyError,
        ) as exc:
            # zipfile reports a damaged directory in many ways; all mean the same to a reader.
            raise StoryError(f"the EPUB is damaged or incomplete: {exc}") from None
        if len(infos) > MAX_ENTRIES:
            raise StoryError(f"the EPUB holds {len(infos):,} files (the limit is {MAX_ENTRIES:,})")
        declared = sum(i.file_size for i in infos)
        if declared > MAX_DECLARED:
            raise StoryError(
                f"the EPUB declares {_size(declared)} of content (the limit is "
                f"{_size(MAX_DECLARED)}); refusing what looks like a zip bomb"
            )
        self.members: dict[str, zipfile.ZipInfo] = {}
        unsafe: list[str] = []
        for info in infos:
            info.filename = _utf8_name(info)
            if not _safe_name(info.filename):
                unsafe.append(info.filename)
            elif info.filename not in self.members and not info.is_dir():
                self.members[info.filename] = info
        if unsafe:
            self.warnings.append(
                f"ignored {len(unsafe)} file(s) whose names leave the book, like {unsafe[0]!r}"
            )

    def read(self, name: str, limit: int) -> bytes:
        """The bytes of one entry, or :class:`_MemberError` saying why not."""
        info = self.members.get(name)
        if info is None:
            raise _MemberError(f"{name} is missing from the EPUB")
        if info.file_size > limit:
            raise _MemberError(f"{name} is too large ({_size(info.file_size)})")
        if info.file_size > _RATIO_FROM and info.file_size > info.compress_size * MAX_RATIO:
            raise _MemberError(f"{name} is compressed suspiciously well (a zip bomb?)")
        if info.flag_bits & 0x1:
            raise _MemberError(f"{name} is encrypted")
        if self._read + info.file_size > MAX_READ:
            raise _MemberError(f"{name} is past the {_size(MAX_READ)} this EPUB may use")
        try:
            with self._zip.open(info) as f:
                data = f.read(limit + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError) as exc:
            raise _MemberError(f"{name} is damaged ({exc})") from None
        except NotImplementedError:
            raise _MemberError(f"{name} uses a compression method nightstand cannot read") from None
        if len(data) > limit:
            raise _MemberError(f"{name} is too large")
        self._read += len(data)
        return data


def _declared_entries(data: bytes) -> int | None:
    """The entry count the zip's end record declares, read without parsing the directory."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    (count,) = struct.unpack_from("<H", data, end + 10)
    if count != 0xFFFF:
        return int(count)
    locator = end - 20
    if locator < 0 or data[locator : locator + 4] != b"PK\x06\x07":
        return None
    (offset,) = struct.unpack_from("<Q", data, locator + 8)
    if offset + 40 > len(data) or data[offset : offset + 4] != b"PK\x06\x06":
        return None
    (count64,) = struct.unpack_from("<Q", data, offset + 32)
    return int(count64)


def _utf8_name(info: zipfile.ZipInfo) -> str:
    """An entry's name, read as UTF-8 even when the zip's UTF-8 flag (bit 11) is unset.

    Many EPUB tools store UTF-8 names without setting the flag; zipfile then decodes them as
    cp437, and ``一.xhtml`` would no longer match the manifest's href. Names that are not
    valid UTF-8 either way stay as zipfile read them.
    """
    name = info.filename
    if info.flag_bits & 0x800 or name.isascii():
        return name
    try:
        return name.encode("cp437").decode("utf-8")
    except UnicodeError:
        return name


def _safe_name(name: str) -> bool:
    """Whether an entry name stays inside the book: relative, no ``..``, no drive."""
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        return False
    parts = name.split("/")
    return ".." not in parts and ":" not in parts[0]


def _size(n: int) -> str:
    """A byte count for an error line, in binary units (rich picks the unit)."""
    unit, suffix = filesize.pick_unit_and_suffix(n, _SIZE_UNITS, 1024)
    return f"{n:,} bytes" if unit == 1 else f"{n / unit:.1f} {suffix}"


def _resolve(base: str, href: str) -> tuple[str | None, str]:
    """An href relative to ``base`` (a folder in the archive) as (path, fragment).

    The path is None when the href leaves the book (``../../etc/passwd``) or is a URL.
    """
    href, _, fragment = href.strip().partition("#")
    if not href:
        return None, unquote(fragment)
    if "://" in href or href.startswith(("/", "data:", "mailto:")):
        return None, ""
    path = posixpath.normpath(posixpath.join(base, unquote(href)))
    if path == ".." or path.startswith("../") or path.startswith("/"):
        return None, ""
    return path, unquote(fragment)


# --------------------------------------------------------------------------- XML


def _xml(archive: _Archive, name: str, what: str) -> Element:
    """Parse one XML entry safely; a :class:`StoryError` naming ``what`` if it cannot be."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        data = archive.read(name, MAX_XML)
    except _MemberError as exc:
        raise StoryError(f"the EPUB's {what} cannot be read: {exc}") from None
    try:
        root: Element = fromstring(data)
    except DefusedXmlException:
        raise StoryError(
            f"the EPUB's {what} ({name}) declares XML entities or external references; "
            "refusing it as unsafe"
        ) from None
    except (ParseError, ValueError) as exc:
        raise StoryError(f"the EPUB's {what} ({name}) is not well-formed XML: {exc}") from None
    return root


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _attr(element: Element, name: str) -> str:
    """An attribute by its local name, whatever namespace prefix the file used."""
    value = element.get(name)
    if value is not None:
        return value
    for key, val in element.attrib.items():
        if _local(key) == name:
            return val
    return ""


def _text(element: Element) -> str:
    return fold("".join(element.itertext()))


def _rootfile(archive: _Archive) -> str:
    """The package document's path, from container.xml (or the only .opf there is)."""
    if "META-INF/container.xml" in archive.members:
        root = _xml(archive, "META-INF/container.xml", "container (META-INF/container.xml)")
        for element in root.iter():
            if _local(element.tag) == "rootfile":
                path, _ = _resolve("", _attr(element, "full-path"))
                if path:
                    return path
        raise StoryError("the EPUB's container.xml names no package document")
    opfs = [n for n in archive.members if n.lower().endswith(".opf")]
    if not opfs:
        raise StoryError("not an EPUB: it has neither META-INF/container.xml nor a .opf file")
    return opfs[0]


def _metadata(package: Element) -> _Metadata:
    meta = _Metadata()
    for element in package.iter():
        local = _local(element.tag)
        if local == "title" and meta.title is None:
            meta.title = _text(element) or None
        elif local == "creator":
            role = _attr(element, "role")
            name = _text(element)
            if name and role in ("", "aut"):
                meta.authors.append(name)
        elif local == "subject":
            subject = _text(element)
            if subject:
                meta.subjects.append(subject)
        elif local == "description" and meta.description is None:
            meta.description = _description("".join(element.itertext()))
        elif local == "meta":
            if _attr(element, "name") == "calibre:series":
                meta.series = fold(_attr(element, "content")) or None
            elif _attr(element, "property") == "belongs-to-collection":
                meta.series = _text(element) or None
    return meta


def _description(raw: str) -> str | None:
    """A dc:description, which calibre and FanFicFare fill with (escaped) HTML."""
    if "<" not in raw:
        return fold(raw) or None
    try:
        tree = html_tree(raw)
    except StoryError:
        return None
    if tree.body is None:
        return None
    return " ".join(paragraphs_of(tree.body)) or None


# --------------------------------------------------------------------------- TOC


def _nav_toc(archive: _Archive, path: str) -> list[tuple[str, str, str]]:
    """(path, fragment, title) entries of an EPUB 3 navigation document."""
    try:
        raw = archive.read(path, MAX_XML)
        tree = html_tree(decode(raw).text)
    except (_MemberError, StoryError) as exc:
        archive.warnings.append(f"the table of contents cannot be read: {exc}")
        return []
    navs = tree.css("nav")
    chosen = next(
        (
            n
            for n in navs
            if "toc" in (n.attributes.get("epub:type") or "").split()
            or n.attributes.get("role") == "doc-toc"
        ),
        navs[0] if navs else None,
    )
    if chosen is None:
        return []
    base = posixpath.dirname(path)
    out: list[tuple[str, str, str]] = []
    for link in chosen.css("a"):
        target, fragment = _resolve(base, link.attributes.get("href") or "")
        title = fold(link.text())
        if target and title:
            out.append((target, fragment, title))
    return out


def _ncx_toc(archive: _Archive, path: str) -> list[tuple[str, str, str]]:
    """(path, fragment, title) entries of an EPUB 2 NCX, in reading order."""
    try:
        root = _xml(archive, path, "table of contents (NCX)")
    except StoryError as exc:
        archive.warnings.append(str(exc))
        return []
    base = posixpath.dirname(path)
    out: list[tuple[str, str, str]] = []
    for point in root.iter():
        if _local(point.tag) != "navPoint":
            continue
        title, src = "", ""
        for child in point:
            local = _local(child.tag)
            if local == "navLabel":
                title = _text(child)
            elif local == "content":
                src = _attr(child, "src")
        target, fragment = _resolve(base, src)
        if target and title:
            out.append((target, fragment, title))
    return out


# --------------------------------------------------------------------------- the book


def parse_epub(data: bytes, *, name: str) -> Story:
    """Parse an EPUB's bytes into a Story; ``name`` is the fallback title."""
    archive = _Archive(data)
    opf_path = _rootfile(archive)
    package = _xml(archive, opf_path, "package document")
    base = posixpath.dirname(opf_path)
    meta = _metadata(package)

    manifest: dict[str, _Item] = {}
    spine: list[str] = []
    ncx_id = ""
    for element in package.iter():
        local = _local(element.tag)
        if local == "item":
            path, _ = _resolve(base, _attr(element, "href"))
            manifest.setdefault(
                _attr(element, "id"),
                _Item(
                    path,
                    _attr(element, "media-type"),
                    frozenset(_attr(element, "properties").split()),
                ),
            )
        elif local == "spine":
            ncx_id = _attr(element, "toc")
        elif local == "itemref" and _attr(element, "linear") != "no":
            spine.append(_attr(element, "idref"))
    if not spine:
        raise StoryError("the EPUB's spine lists no chapters")

    toc = _toc(archive, manifest, ncx_id)
    encrypted = _encrypted(archive)
    nav_paths = {i.path for i in manifest.values() if "nav" in i.properties}

    body = Body()
    writer = BlockWriter(
        body,
        known_title=meta.title,
        known_author=", ".join(meta.authors) or None,
        title_from_h1=False,
    )
    warnings = archive.warnings
    encoding = ""
    read_any = False
    pictures = 0  # images and drawings on the pages, counted until the first paragraph
    text_seen = False
    for idref in spine:
        item = manifest.get(idref)
        if item is None:
            warnings.append(f"skipped a chapter the manifest does not list ({idref!r})")
            continue
        if item.path is None:
            warnings.append(f"skipped a chapter whose path leaves the book ({idref!r})")
            continue
        if not _is_html(item) or item.path in nav_paths:
            continue
        if item.path in encrypted:
            raise StoryError("this EPUB is encrypted (DRM); nightstand cannot read it")
        try:
            raw = archive.read(item.path, MAX_DOCUMENT)
        except _MemberError as exc:
            warnings.append(f"skipped a chapter: {exc}")
            continue
        decoded = decode(raw)
        if decoded.warning:
            warnings.append(f"{item.path}: {decoded.warning}")
        encoding = encoding or decoded.encoding
        try:
            # Every page is examined: many small crafted pages add up.
            tree = html_tree(decoded.text, check_from=0)
        except StoryError as exc:
            warnings.append(f"skipped a chapter: {item.path}: {exc}")
            continue
        read_any = True
        text_seen = text_seen or body.has_text
        if not text_seen:
            pictures += len(tree.css("img, svg"))
        page = tree.body.attributes.get("class") or "" if tree.body is not None else ""
        if _SKIPPED_PAGES.intersection(page.split()):
            continue
        entries = toc.get(item.path, [])
        titles = [t for fragment, t in entries if not fragment]
        anchors = {fragment: t for fragment, t in entries if fragment}
        if any(t.casefold() in _TOC_TITLES for t in titles):
            continue
        titles = [t for t in titles if t.casefold() not in _FRONT_TITLES]
        if writer.ao3 or tree.css_first(_AO3_MARKS) is not None:
            titles, anchors = [], {}
        writer.clean = source_is_clean(decoded.text)
        writer.walk(
            tree, toc_titles=titles, anchors=anchors, title_page="fff_titlepage" in page.split()
        )
    if not read_any:
        reason = f": {warnings[-1]}" if warnings else ""
        raise StoryError(f"the EPUB has no readable chapters{reason}")
    if not (text_seen or body.has_text):
        raise StoryError(
            f"the book has no text to read: its pages hold {pictures:,} image(s) and no prose"
        )
    return body.story(
        title=meta.title or writer.title or fold(name) or "untitled",
        author=", ".join(meta.authors) or writer.author,
        headers=tuple(_merge_headers(meta.headers(), writer.headers)),
        format="epub",
        encoding=encoding or "utf-8",
        warnings=tuple(warnings),
    )


def _is_html(item: _Item) -> bool:
    return item.media_type in _HTML_TYPES or (
        not item.media_type and (item.path or "").lower().endswith(_HTML_SUFFIXES)
    )


def _toc(
    archive: _Archive, manifest: dict[str, _Item], ncx_id: str
) -> dict[str, list[tuple[str, str]]]:
    """Chapter titles by document path: (fragment, title) in order; nav first, NCX second."""
    entries: list[tuple[str, str, str]] = []
    nav = next((i for i in manifest.values() if "nav" in i.properties and i.path), None)
    if nav is not None and nav.path:
        entries = _nav_toc(archive, nav.path)
    if not entries:
        ncx = manifest.get(ncx_id) or next(
            (i for i in manifest.values() if i.media_type == "application/x-dtbncx+xml"), None
        )
        if ncx is not None and ncx.path:
            entries = _ncx_toc(archive, ncx.path)
    toc: dict[str, list[tuple[str, str]]] = {}
    for path, fragment, title in entries:
        toc.setdefault(path, []).append((fragment, title))
    return toc


def _encrypted(archive: _Archive) -> set[str]:
    """Paths META-INF/encryption.xml says are encrypted (obfuscated fonts included)."""
    if "META-INF/encryption.xml" not in archive.members:
        return set()
    try:
        root = _xml(archive, "META-INF/encryption.xml", "encryption list")
    except StoryError as exc:
        archive.warnings.append(str(exc))
        return set()
    out: set[str] = set()
    for element in root.iter():
        if _local(element.tag) == "CipherReference":
            path, _ = _resolve("", _attr(element, "URI"))
            if path:
                out.add(path)
    return out


def _merge_headers(package: list[Header], content: list[Header]) -> list[Header]:
    """The book's own header list (AO3 preface, FanFicFare title page) wins over the OPF's.

    The OPF's subjects are dropped when the content has headers: they are the same tags,
    flattened so that archive warnings can no longer be told apart from the rest.
    """
    if not content:
        return package
    have = {h.canonical for h in content}
    first = [h for h in package if h.canonical in ("title", "author") and h.canonical not in have]
    last = [h for h in package if h.canonical in ("summary", "series") and h.canonical not in have]
    return first + content + last


def spine_documents(data: bytes) -> list[tuple[int, str]]:
    """The XHTML documents of the spine as (DocFragment number, decoded text), for sync.

    KOReader's engine (crengine) numbers each XHTML document of the spine from 1, the
    non-linear ones and the navigation document included, so the numbers here count every
    spine entry whose manifest item is HTML; a document that cannot be read is left out
    but keeps its number. The same limits as :func:`parse_epub` apply.
    """
    archive = _Archive(data)
    opf_path = _rootfile(archive)
    package = _xml(archive, opf_path, "package document")
    base = posixpath.dirname(opf_path)
    manifest: dict[str, _Item] = {}
    spine: list[str] = []
    for element in package.iter():
        local = _local(element.tag)
        if local == "item":
            path, _ = _resolve(base, _attr(element, "href"))
            manifest.setdefault(
                _attr(element, "id"), _Item(path, _attr(element, "media-type"), frozenset())
            )
        elif local == "itemref":
            spine.append(_attr(element, "idref"))
    out: list[tuple[int, str]] = []
    number = 0
    for idref in spine:
        entry = manifest.get(idref)
        if entry is None or not _is_html(entry):
            continue
        number += 1
        if entry.path is None:
            continue
        try:
            out.append((number, decode(archive.read(entry.path, MAX_DOCUMENT)).text))
        except _MemberError:
            continue
    return out
