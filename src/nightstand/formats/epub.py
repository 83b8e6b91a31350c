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

import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote

from nightstand.errors import StoryError
from nightstand.formats.body import Body
from nightstand.formats.decode import decode
from nightstand.formats.epubzip import Archive, MemberError
from nightstand.formats.fragments import paragraphs_of
from nightstand.formats.htmltree import html_tree
from nightstand.formats.inline import fold, source_is_clean
from nightstand.formats.writer import BlockWriter
from nightstand.headers import make_header

if TYPE_CHECKING:
    from typing import BinaryIO
    from xml.etree.ElementTree import Element

    from nightstand.story import Header, Story

MAX_DOCUMENT: Final = 64 * 1024**2
"""The largest single XHTML document read (64 MiB: ten times the longest novels)."""
MAX_XML: Final = 16 * 1024**2
"""The largest container, package, NCX or navigation document read."""

_HTML_TYPES: Final = frozenset({"application/xhtml+xml", "text/html", "application/xml"})
_HTML_SUFFIXES: Final = (".xhtml", ".html", ".htm", ".xml")
_SKIPPED_PAGES: Final = frozenset({"fff_tocpage", "fff_logpage", "fff_coverpage"})
_TOC_TITLES: Final = frozenset({"table of contents", "contents", "toc"})
_FRONT_TITLES: Final = frozenset({"title page", "title", "cover", "front matter"})
_AO3_MARKS: Final = "div#preface, div#chapters, div#afterword, div.meta.group"


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


def _xml(archive: Archive, name: str, what: str) -> Element:
    """Parse one XML entry safely; a :class:`StoryError` naming ``what`` if it cannot be."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        data = archive.read(name, MAX_XML)
    except MemberError as exc:
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


def _rootfile(archive: Archive) -> str:
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


def _nav_toc(archive: Archive, path: str) -> list[tuple[str, str, str]]:
    """(path, fragment, title) entries of an EPUB 3 navigation document."""
    try:
        raw = archive.read(path, MAX_XML)
        tree = html_tree(decode(raw).text)
    except (MemberError, StoryError) as exc:
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


def _ncx_toc(archive: Archive, path: str) -> list[tuple[str, str, str]]:
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


def parse_epub(data: bytes | BinaryIO, *, name: str) -> Story:
    """Parse an EPUB (its bytes, or its file open for reading) into a Story; ``name`` is
    the fallback title.

    Each spine document is a part of the story (``Story.parts``), see ``formats.parts``.
    """
    return read_epub(data, name=name)[0]


PREFIX_CHARS: Final = 4096
"""Text a partial read takes from the book's start: identity, title page, first page."""


def read_epub(
    data: bytes | BinaryIO, *, name: str, want: int | None = None
) -> tuple[Story, tuple[int, ...], int]:
    """(story, spine numbers of the parts read, number of parts) of an EPUB.

    With ``want``, only the parts from the start until :data:`PREFIX_CHARS` of text are
    read, and part ``want``: enough to show that part's pages and know the book.
    """
    archive = Archive(data)
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
    read: list[int] = []
    for number, idref in enumerate(spine):
        if want is not None and number != want and body.chars >= PREFIX_CHARS:
            continue
        read.append(number)
        body.part()
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
        except MemberError as exc:
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
            tree,
            toc_titles=titles,
            anchors=anchors,
            title_page="fff_titlepage" in page.split(),
            source=decoded.text,
        )
    if not read_any:
        reason = f": {warnings[-1]}" if warnings else ""
        raise StoryError(f"the EPUB has no readable chapters{reason}")
    if not (text_seen or body.has_text):
        raise StoryError(
            f"the book has no text to read: its pages hold {pictures:,} image(s) and no prose"
        )
    story = body.story(
        title=meta.title or writer.title or fold(name) or "untitled",
        author=", ".join(meta.authors) or writer.author,
        headers=tuple(_merge_headers(meta.headers(), writer.headers)),
        format="epub",
        encoding=encoding or "utf-8",
        warnings=tuple(warnings),
    )
    return story, tuple(read), len(spine)


def _is_html(item: _Item) -> bool:
    return item.media_type in _HTML_TYPES or (
        not item.media_type and (item.path or "").lower().endswith(_HTML_SUFFIXES)
    )


def _toc(
    archive: Archive, manifest: dict[str, _Item], ncx_id: str
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


def _encrypted(archive: Archive) -> set[str]:
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
    archive = Archive(data)
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
        except MemberError:
            continue
    return out
