"""A generator of hostile story files, in every format nightstand reads.

Nothing here is committed as a binary: :func:`write_corpus` writes the files into a folder
at test time. Each file says what it attacks and what must be seen when it is read:

* terminal escape sequences (CSI, OSC 0/2 titles, OSC 8 links, OSC 52 clipboard, DCS, APC,
  PM, SOS, RIS), C1 controls (raw, as UTF-8 U+0080-U+009F, and as HTML numeric entities),
  BiDi overrides, NUL and other C0 controls, each carrying a unique marker (``PWNED-…``) so
  that a leak is found byte for byte in what the program writes to its terminal;
* Rich and Textual markup (``[bold]``, ``[/]``, ``[link=file:///etc/passwd]``,
  ``[@click=app.quit]``) that must show literally, and text in the middle of a story that
  looks like a header block (``Spoilers:``, a separator, ``END``);
* broken encodings: lone surrogates in UTF-16, invalid UTF-8, NUL bytes;
* sizes: a 10 MB single line, 100,000 one-word paragraphs, 10,000 chapters, a 10,000-line
  header block, a 0-byte file; for EPUB also a zip bomb and an XML entity bomb.

Every paragraph that carries an attack is framed by two plain tokens, ``ALPHAnn`` before
and ``OMEGAnn`` after, so a test can prove the text around the attack was really shown.
"""

from __future__ import annotations

import base64
import io
import random
import zipfile
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import pytest

MARK = "PWNED"
"""Every hostile payload that a terminal would act on carries this marker."""

HUGE_LINE_BYTES = 10 * 1024 * 1024
MANY_PARAGRAPHS = 100_000
MANY_CHAPTERS = 10_000
HEADER_LINES = 10_000

FORMATS = ("txt", "md", "html", "epub")


@dataclass(frozen=True, slots=True)
class Payload:
    """One attack: its raw text and whether the text after it must still show."""

    label: str
    raw: str
    tail_visible: bool = True
    """False for unterminated sequences, which rightly swallow the rest of their line."""


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


C1_ALL = "".join(chr(c) for c in range(0x80, 0xA0)) + "\x9c"
C0_ALL = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r\x1b")

PAYLOADS: tuple[Payload, ...] = (
    Payload("osc0-title", f"\x1b]0;{MARK}-TITLE-OSC0\x07"),
    Payload("osc2-title-st", f"\x1b]2;{MARK}-TITLE-OSC2\x1b\\"),
    Payload(
        "osc8-link",
        f"\x1b]8;;https://evil.example/{MARK}-LINK-OSC8\x1b\\linktext\x1b]8;;\x1b\\",
    ),
    Payload("osc52-clipboard", f"\x1b]52;c;{_b64(MARK + '-CLIP-OSC52')}\x07"),
    Payload("osc52-query", "\x1b]52;c;?\x07"),
    Payload("osc-colour", f"\x1b]10;rgb:{MARK}/00/00\x07\x1b]4;1;?\x07"),
    Payload("dcs", f"\x1bP1$q{MARK}-DCS\x1b\\"),
    Payload("apc-pm-sos", f"\x1b_{MARK}-APC\x1b\\\x1b^{MARK}-PM\x1b\\\x1bX{MARK}-SOS\x1b\\"),
    Payload("csi-sgr", "\x1b[31;1;4;5;7m"),
    Payload("csi-clear", "\x1b[2J\x1b[3J\x1b[999;999H\x1b[K"),
    Payload("csi-queries", "\x1b[6n\x1b[c\x1b[>c\x1b[21t\x1b[5;9999t"),
    Payload("esc-misc", "\x1bc\x1b(0\x1b#8\x1b7\x1b8\x1bM\x1b="),
    Payload("c1-csi", "\x9b31;1;4;5;7m\x9b2J\x9b6n"),
    Payload("c1-osc", f"\x9d0;{MARK}-TITLE-C1\x9c"),
    Payload("c1-dcs", f"\x90{MARK}-DCS-C1\x9c"),
    Payload("c1-all", C1_ALL),
    Payload("c0-all", C0_ALL),
    Payload("bidi", "\u202eexe.TXT\u202c \u2066\u2067\u2068x\u2069 \u200e\u200f\u202a\u202b\u202d"),
    Payload("fake-prompt", "\r\x1b[Kroot@host:~# "),
    Payload("nul", "\x00\x00"),
    Payload("osc-unterminated", f"\x1b]0;{MARK}-TITLE-OPEN", tail_visible=False),
    Payload("dcs-unterminated", f"\x1bP{MARK}-DCS-OPEN", tail_visible=False),
)

MARKUP: tuple[str, ...] = (
    "[bold]MARKUP-BOLD[/bold]",
    "[/]",
    "[link=file:///etc/passwd]MARKUP-LINK[/link]",
    "[@click=app.quit]MARKUP-CLICK[/]",
    "[red on white]MARKUP-COLOR[/]",
    "[b]MARKUP-B[/b]",
    "$accent",
    ":skull:",
)
"""Rich/Textual markup that must be shown as written, never interpreted."""

BROKEN_MARKUP_CHAPTER = "Chapter 2: [/] [@click=app.quit]MARKUPCH2[/] [link=file:///x"

LOOKALIKE: tuple[str, ...] = (
    "Spoilers: LOOKALIKE-SPOILER the keeper did it",
    "Title: LOOKALIKE-TITLE",
    "Author: LOOKALIKE-AUTHOR",
    "Warnings: LOOKALIKE-WARNING",
    "= = = = = = = = = = = =",
    "END",
    "LOOKALIKE-AFTER the story goes on after a false ending.",
)
"""Paragraphs in the middle of a story that look like a header block and an end mark."""

_WORDS = [
    "amber",
    "lantern",
    "river",
    "cottage",
    "orchard",
    "silver",
    "window",
    "morning",
    "letter",
    "garden",
    "harbour",
    "quiet",
    "distant",
    "careful",
    "golden",
    "winter",
    "candle",
    "meadow",
    "thunder",
    "sparrow",
    "kettle",
    "ribbon",
    "pocket",
    "whisper",
    "wander",
    "gather",
    "linger",
    "borrow",
    "follow",
    "answer",
    "remember",
    "forgive",
    "promise",
    "travel",
    "bright",
    "narrow",
]


@dataclass(slots=True)
class Doc:
    """A story before it is written in one format: raw strings, controls and all."""

    title: str
    author: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    chapters: list[tuple[str, list[str]]] = field(default_factory=list)
    """(heading, paragraphs); an empty heading writes no heading."""


@dataclass(frozen=True, slots=True)
class HostileFile:
    """One file of the corpus and what reading it must do."""

    name: str
    path: Path
    fmt: str
    kind: str
    loads: bool | None
    """True: must load; False: must be refused with a NightstandError; None: either."""
    visible: tuple[str, ...] = ()
    """Tokens that must be on screen when the whole file is paged through."""
    big: bool = False
    """Too long to page through: a test turns a few pages and jumps to the end."""
    end_visible: tuple[str, ...] = ()
    """For big files: tokens that must show on the first or the last page."""


def prose(rng: random.Random, words: int) -> str:
    """Plain filler words."""
    return " ".join(rng.choice(_WORDS) for _ in range(words)) + "."


def framed(i: int, payload: str, rng: random.Random) -> str:
    """A paragraph with ``payload`` between ``ALPHAnn`` and ``OMEGAnn``."""
    return f"{prose(rng, 6)} ALPHA{i:02d} {payload} OMEGA{i:02d} {prose(rng, 8)}"


def _tokens(payloads: tuple[Payload, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for i, p in enumerate(payloads):
        out.append(f"ALPHA{i:02d}")
        if p.tail_visible:
            out.append(f"OMEGA{i:02d}")
    return tuple(out)


# ----------------------------------------------------------------------------- documents


_C1_STRING_STARTERS = "\x90\x98\x9d\x9e\x9f"


def escapes_doc(*, html_entities: bool = False) -> tuple[Doc, tuple[str, ...]]:
    """Every payload in the title, author, headers, chapter headings and paragraphs.

    With ``html_entities`` the tokens that are not shown when the document is written with
    HTML numeric references are left out: HTML reads ``&#x9c;`` (the C1 string terminator)
    as cp1252's "œ", so a C1 string control written that way is unterminated and rightly
    swallows the rest of its paragraph.
    """
    rng = random.Random(7)
    doc = Doc(
        title=f"TITLEALPHA \x1b]0;{MARK}-TITLE-HDR\x07\x9b2J\u202e TITLEOMEGA",
        author=f"AUTHORALPHA \x1b]52;c;{_b64(MARK + '-CLIP-AUTHOR')}\x07 AUTHOROMEGA",
        headers=[
            ("Rating", f"RATINGALPHA \x1b[2J\x1b[999;999H\x1bP{MARK}-DCS-HDR\x1b\\ RATINGOMEGA"),
            ("Spoilers", f"the keeper \x1b]8;;https://evil.example/{MARK}-LINK-HDR\x1b\\"),
        ],
    )
    per = 8
    paragraphs = [framed(i, p.raw, rng) for i, p in enumerate(PAYLOADS)]
    # An unterminated sequence swallows the rest of its line: end those paragraphs there.
    for i, p in enumerate(PAYLOADS):
        if not p.tail_visible:
            paragraphs[i] = f"{prose(rng, 6)} ALPHA{i:02d} {p.raw}"
    for c in range(0, len(paragraphs), per):
        n = c // per + 1
        heading = f"Chapter {n}: CHALPHA{n} \x1b]0;{MARK}-TITLE-CH{n}\x07\x9d0;x\x9c CHOMEGA{n}"
        doc.chapters.append((heading, paragraphs[c : c + per]))
    tokens = _tokens(PAYLOADS)
    if html_entities:
        swallowed = {
            f"OMEGA{i:02d}"
            for i, p in enumerate(PAYLOADS)
            if any(c in p.raw for c in _C1_STRING_STARTERS)
        }
        tokens = tuple(t for t in tokens if t not in swallowed)
    visible = (
        *tokens,
        "TITLEALPHA",
        "TITLEOMEGA",
        "AUTHORALPHA",
        "AUTHOROMEGA",
        "RATINGALPHA",
        "RATINGOMEGA",
        "CHALPHA1",
        *(() if html_entities else ("CHOMEGA1",)),
        "linktext",
    )
    return doc, visible


def markup_doc() -> tuple[Doc, tuple[str, ...]]:
    """Markup that must show literally, and a false header block in mid-story."""
    rng = random.Random(11)
    doc = Doc(
        title="[bold]MARKUPTITLE[/bold]",
        author="[@click=app.quit]MARKUPAUTHOR[/]",
        headers=[("Rating", "[link=file:///etc/passwd]MARKUPRATING[/link]")],
    )
    paragraphs = [f"{prose(rng, 5)} {m} {prose(rng, 5)}" for m in MARKUP]
    paragraphs += [prose(rng, 30) for _ in range(3)]
    doc.chapters.append(("Chapter 1: [bold]MARKUPCHAPTER[/bold]", paragraphs))
    # Markup that does not even parse (a closing tag with nothing open, an unclosed one):
    # drawn as markup it raises; as text it is only text.
    later = ["[/] [link=file:///etc/passwd [@click=app.quit]MARKUP-BROKEN[/] opens a page"]
    later += list(LOOKALIKE)
    later += [prose(rng, 30), "LOOKALIKE-LAST paragraph of the story."]
    doc.chapters.append((BROKEN_MARKUP_CHAPTER, later))
    # The title is not among them: Markdown front matter reads "[a]b[c]" as a list.
    visible = (*MARKUP, "MARKUPTITLE", "MARKUP-BROKEN", "LOOKALIKE-SPOILER", "LOOKALIKE-LAST")
    return doc, visible


def huge_line_doc() -> tuple[Doc, tuple[str, ...]]:
    """One paragraph of about 10 MB: words, 5,000-character words and payloads inside."""
    rng = random.Random(3)
    chunk = prose(rng, 9000)
    long_word = "x" * 5000
    parts = ["FIRSTWORD"]
    size = 0
    i = 0
    while size < HUGE_LINE_BYTES:
        payload = PAYLOADS[i % len(PAYLOADS)]
        piece = f"{chunk} {long_word} ALPHA-HUGE {payload.raw if payload.tail_visible else ''}"
        parts.append(piece)
        size += len(piece) + 1
        i += 1
    parts.append("LASTWORD.")
    doc = Doc("Huge Line", "Hostile Corpus", chapters=[("", [" ".join(parts)])])
    return doc, ("FIRSTWORD", "LASTWORD")


def many_paragraphs_doc() -> tuple[Doc, tuple[str, ...]]:
    """100,000 one-word paragraphs."""
    words = [f"word{n:06d}" for n in range(MANY_PARAGRAPHS)]
    words[0], words[-1] = "FIRSTWORD", "LASTWORD"
    doc = Doc("Many Paragraphs", "Hostile Corpus", chapters=[("", words)])
    return doc, ("FIRSTWORD", "LASTWORD")


def many_chapters_doc() -> tuple[Doc, tuple[str, ...]]:
    """10,000 chapters of one paragraph each; some headings carry payloads."""
    chapters: list[tuple[str, list[str]]] = []
    for n in range(1, MANY_CHAPTERS + 1):
        heading = f"Chapter {n}"
        if n % 1000 == 0:
            heading += f": \x1b]0;{MARK}-TITLE-CH{n}\x07\x9b2J"
        text = f"Paragraph of chapter {n}."
        if n == 1:
            text = "FIRSTWORD " + text
        if n == MANY_CHAPTERS:
            text += " LASTWORD"
        chapters.append((heading, [text]))
    doc = Doc("Many Chapters", "Hostile Corpus", chapters=chapters)
    return doc, ("FIRSTWORD", "LASTWORD")


def header_block_doc() -> tuple[Doc, tuple[str, ...]]:
    """A header block of 10,000 lines, payloads among them, then a short story."""
    headers: list[tuple[str, str]] = []
    for n in range(HEADER_LINES - 2):
        key = ("Notes", "Summary", "Rating", "Warnings", "Pairing")[n % 5]
        value = f"line {n} of the header block"
        if n % 997 == 0:
            value += f" \x1b]0;{MARK}-TITLE-HB{n}\x07\x9b6n"
        headers.append((key, value))
    rng = random.Random(5)
    body = ["FIRSTWORD " + prose(rng, 40), prose(rng, 40), prose(rng, 40) + " LASTWORD"]
    doc = Doc("Header Block", "Hostile Corpus", headers=headers, chapters=[("", body)])
    return doc, ("LASTWORD",)


def small_doc(title: str, marker: str) -> Doc:
    """A short ordinary story whose paragraphs contain ``marker`` (a placeholder to replace)."""
    rng = random.Random(9)
    paragraphs = [
        f"FIRSTWORD {prose(rng, 10)} {marker} ALPHA-ENC {prose(rng, 10)}",
        *(f"{prose(rng, 20)} {marker} {prose(rng, 10)}" for _ in range(8)),
        f"{prose(rng, 10)} {marker} LASTWORD",
    ]
    return Doc(title, "Hostile Corpus", chapters=[("Chapter 1", paragraphs)])


# ----------------------------------------------------------------------------- formats


def _entities(text: str, *, xml: bool = False) -> str:
    """Escape for HTML, writing every control and BiDi character as a numeric reference."""
    out: list[str] = []
    n = 0
    for ch in escape(text, quote=True):
        code = ord(ch)
        if code < 0x20 or 0x7F <= code < 0xA0 or 0x200E <= code <= 0x206F:
            if xml and code < 0x20:
                out.append(ch)  # keep raw: XML forbids the reference and the byte alike
                continue
            forms = (f"&#{code};", f"&#x{code:x};", f"&#X{code:X};", f"&#{code:07d};")
            out.append(forms[n % len(forms)])
            n += 1
        else:
            out.append(ch)
    return "".join(out)


def _html_text(text: str, entities: bool) -> str:
    return _entities(text) if entities else escape(text, quote=True)


def to_txt(doc: Doc) -> str:
    """The plain-text layout: header block, separator, chapters, END."""
    parts = [f"Title: {doc.title}", f"Author: {doc.author}"]
    parts += [f"{k}: {v}" for k, v in doc.headers]
    parts.append("= = = = = = = = = = = =")
    for heading, paragraphs in doc.chapters:
        if heading:
            parts.append(heading)
        parts.extend(paragraphs)
    parts.append("END")
    return "\n\n".join(parts) + "\n"


def to_md(doc: Doc, *, entities: bool = False) -> str:
    """Markdown with a front matter block; headings are chapters."""

    def text(s: str) -> str:
        return _entities(s).replace("&lt;", "<").replace("&gt;", ">") if entities else s

    lines = ["---", f"title: {text(doc.title)}", f"author: {text(doc.author)}"]
    lines += [f"{k.lower()}: {text(v)}" for k, v in doc.headers]
    lines += ["---", ""]
    for heading, paragraphs in doc.chapters:
        if heading:
            lines += [f"## {text(heading)}", ""]
        for p in paragraphs:
            lines += [text(p), ""]
    return "\n".join(lines)


def to_html(doc: Doc, *, entities: bool = False) -> str:
    """An HTML document: title and author in the head, a preface, chapters as h2."""
    out = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8">',
        f"<title>{_html_text(doc.title, entities)}</title>",
        f'<meta name="author" content="{_html_text(doc.author, entities)}">',
        "</head><body>",
        f"<h1>{_html_text(doc.title, entities)}</h1>",
        f"<p>by {_html_text(doc.author, entities)}</p>",
    ]
    out += [
        f"<p><b>{_html_text(k, entities)}:</b> {_html_text(v, entities)}</p>"
        for k, v in doc.headers
    ]
    out.append("<hr>")
    for heading, paragraphs in doc.chapters:
        if heading:
            out.append(f"<h2>{_html_text(heading, entities)}</h2>")
        out.extend(f"<p>{_html_text(p, entities)}</p>" for p in paragraphs)
    out.append("</body></html>")
    return "\n".join(out)


_CONTAINER = (
    '<?xml version="1.0"?><container version="1.0" '
    'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
    '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
    "</rootfiles></container>"
)


def _xhtml(title: str, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
        f"<head><title>{title}</title></head><body>{body}</body></html>"
    )


def to_epub(
    doc: Doc,
    *,
    entities: bool = False,
    chapters_per_file: int = 1,
    extra: dict[str, bytes] | None = None,
    opf_prolog: str = "",
    raw_metadata: bool = False,
) -> bytes:
    """An EPUB 3: the stored mimetype first, an OPF, a nav document, XHTML chapters."""

    def text(s: str) -> str:
        return _entities(s) if entities else escape(s, quote=True)

    def meta_text(s: str) -> str:
        # The package document is parsed as strict XML, which refuses C0 controls outright
        # (raw or as references): keep C1 and BiDi there, unless asked for a refused book.
        if not raw_metadata:
            s = "".join(c for c in s if ord(c) >= 0x20 or c in "\t\n")
        return text(s)

    files: dict[str, bytes] = {}
    nav: list[str] = []
    spine: list[str] = []
    groups = [
        doc.chapters[i : i + chapters_per_file]
        for i in range(0, max(len(doc.chapters), 1), chapters_per_file)
    ]
    if doc.headers:
        # A title page of "Key: value" lines, as FanFicFare writes one.
        lines = "".join(f"<p><b>{text(k)}:</b> {text(v)}</p>" for k, v in doc.headers)
        title_page = f"<h1>{text(doc.title)}</h1><p>by {text(doc.author)}</p>{lines}"
        files["OEBPS/title.xhtml"] = _xhtml(meta_text(doc.title), title_page).encode(
            "utf-8", "surrogatepass"
        )
        spine.append("title.xhtml")
    for g, group in enumerate(groups):
        name = f"c{g:05d}.xhtml"
        body: list[str] = []
        for c, (heading, paragraphs) in enumerate(group):
            anchor = f"h{g}-{c}"
            if heading:
                body.append(f'<h2 id="{anchor}">{text(heading)}</h2>')
                nav.append(f'<li><a href="{name}#{anchor}">{meta_text(heading)}</a></li>')
            body.extend(f"<p>{text(p)}</p>" for p in paragraphs)
        files[f"OEBPS/{name}"] = _xhtml(meta_text(doc.title), "\n".join(body)).encode(
            "utf-8", "surrogatepass"
        )
        spine.append(name)
    files["OEBPS/nav.xhtml"] = _xhtml(
        "Contents", f'<nav epub:type="toc"><ol>{"".join(nav)}</ol></nav>'
    ).encode("utf-8", "surrogatepass")
    meta = "".join(
        f'<meta property="nightstand:{i}">{meta_text(f"{k}: {v}")}</meta>'
        for i, (k, v) in enumerate(doc.headers)
    )
    items = "".join(
        f'<item id="i{i}" href="{n}" media-type="application/xhtml+xml"/>'
        for i, n in enumerate(spine)
    )
    refs = "".join(f'<itemref idref="i{i}"/>' for i in range(len(spine)))
    opf = (
        f'<?xml version="1.0" encoding="utf-8"?>{opf_prolog}'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:identifier id="id">urn:uuid:hostile</dc:identifier>'
        f"<dc:title>{meta_text(doc.title)}</dc:title>"
        f"<dc:creator>{meta_text(doc.author)}</dc:creator>"
        f"<dc:language>en</dc:language>{meta}</metadata>"
        '<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" '
        f'properties="nav"/>{items}</manifest><spine>{refs}</spine></package>'
    )
    files["OEBPS/content.opf"] = opf.encode("utf-8", "surrogatepass")
    files.update(extra or {})
    return _zip(files)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml", _CONTAINER, zipfile.ZIP_DEFLATED)
        for name, data in files.items():
            z.writestr(name, data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def render(doc: Doc, fmt: str, *, entities: bool = False, chapters_per_file: int = 1) -> bytes:
    """A document in one format, as the bytes of a file (UTF-8)."""
    if fmt == "txt":
        return to_txt(doc).encode("utf-8", "surrogatepass")
    if fmt == "md":
        return to_md(doc, entities=entities).encode("utf-8", "surrogatepass")
    if fmt == "html":
        return to_html(doc, entities=entities).encode("utf-8", "surrogatepass")
    return to_epub(doc, entities=entities, chapters_per_file=chapters_per_file)


# ----------------------------------------------------------------------------- encodings

_PLACEHOLDER = "\ue000"
_BAD_UTF8 = (
    b"\xff",
    b"\xc0\xaf",  # overlong "/"
    b"\xe0\x80\x9b",  # overlong C1 CSI
    b"\xed\xa0\x80",  # a surrogate encoded in UTF-8
    b"\xf4\x90\x80\x80",  # past U+10FFFF
    b"\xc2",  # truncated
    b"\x9b",  # a bare C1 CSI byte
    b"\x80\x80",
)


def _with_bad_utf8(data: bytes) -> bytes:
    placeholder = _PLACEHOLDER.encode("utf-8", "surrogatepass")
    pieces = data.split(placeholder)
    out = [pieces[0]]
    for i, piece in enumerate(pieces[1:]):
        out += [_BAD_UTF8[i % len(_BAD_UTF8)], piece]
    return b"".join(out)


def _utf16_surrogates(text: str, *, bom: bool) -> bytes:
    lone = ("\ud800", "\udfff", "\udc00x\ud83d")
    parts = text.split(_PLACEHOLDER)
    joined = parts[0] + "".join(lone[i % len(lone)] + p for i, p in enumerate(parts[1:]))
    data = joined.encode("utf-16-le", "surrogatepass")
    return (b"\xff\xfe" + data) if bom else data


def _text_of(doc: Doc, fmt: str) -> str:
    if fmt == "txt":
        return to_txt(doc)
    if fmt == "md":
        return to_md(doc)
    return to_html(doc)


# ----------------------------------------------------------------------------- the corpus


def _epub_zip_bomb() -> bytes:
    """An EPUB whose one chapter inflates from about 100 KB to 100 MB of spaces."""
    doc = Doc("Zip Bomb", "Hostile Corpus", chapters=[("Chapter 1", ["x"])])
    small = zipfile.ZipFile(io.BytesIO(to_epub(doc)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml", _CONTAINER, zipfile.ZIP_DEFLATED)
        for name in ("OEBPS/content.opf", "OEBPS/nav.xhtml"):
            z.writestr(name, small.read(name), zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("OEBPS/c00000.xhtml", (2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>')
            block = b" " * (1 << 20)
            for _ in range(100):
                f.write(block)
            f.write(b"</p></body></html>")
    return buffer.getvalue()


def _billion_laughs_epub() -> bytes:
    """An EPUB whose package document defines the "billion laughs" entity bomb."""
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    prolog = f"<!DOCTYPE package [{''.join(entities)}]>"
    doc = Doc("&lol9;", "Hostile Corpus", chapters=[("Chapter 1", ["text"])])
    return to_epub(doc, opf_prolog=prolog).replace(b"&amp;lol9;", b"&lol9;")


def _specs() -> Iterator[tuple[str, str, str, bool | None, bytes, tuple[str, ...], bool]]:
    """(name, fmt, kind, loads, bytes, visible, big) for every file."""
    esc, esc_visible = escapes_doc()
    markup, markup_visible = markup_doc()
    huge, huge_visible = huge_line_doc()
    many_p, many_p_visible = many_paragraphs_doc()
    many_c, many_c_visible = many_chapters_doc()
    block, block_visible = header_block_doc()
    encoded = small_doc("Broken Encoding", _PLACEHOLDER)
    enc_visible = ("FIRSTWORD", "ALPHA-ENC", "LASTWORD")
    nul = small_doc("Nul Bytes", "\x00")
    for fmt in FORMATS:
        yield f"escapes.{fmt}", fmt, "escapes", True, render(esc, fmt), esc_visible, False
        if fmt != "txt":
            data = render(esc, fmt, entities=True)
            _, visible = escapes_doc(html_entities=fmt != "md")
            yield f"entities.{fmt}", fmt, "entities", True, data, visible, False
        yield f"markup.{fmt}", fmt, "markup", True, render(markup, fmt), markup_visible, False
        yield f"huge-line.{fmt}", fmt, "huge-line", True, render(huge, fmt), huge_visible, True
        data = render(many_p, fmt)
        yield f"many-paragraphs.{fmt}", fmt, "many-paragraphs", True, data, many_p_visible, True
        data = render(many_c, fmt, chapters_per_file=100)
        yield f"many-chapters.{fmt}", fmt, "many-chapters", True, data, many_c_visible, True
        data = render(block, fmt)
        yield f"header-block.{fmt}", fmt, "header-block", True, data, block_visible, True
        yield f"empty.{fmt}", fmt, "empty", False, b"", (), False
        yield f"nul-bytes.{fmt}", fmt, "nul-bytes", True, render(nul, fmt), enc_visible, False
        if fmt == "epub":
            data = to_epub(esc, raw_metadata=True)
            yield "escapes-metadata.epub", fmt, "escapes-metadata", False, data, (), False
            chapter = to_html(encoded).replace("<!DOCTYPE html>", "")
            for kind, data in (
                ("utf16-surrogates", _utf16_surrogates(chapter, bom=True)),
                ("invalid-utf8", _with_bad_utf8(chapter.encode("utf-8"))),
            ):
                epub = zipfile.ZipFile(io.BytesIO(render(encoded, "epub")))
                files = {n: epub.read(n) for n in epub.namelist() if n.startswith("OEBPS/")}
                files["OEBPS/c00000.xhtml"] = data
                yield f"{kind}.epub", fmt, kind, True, _zip(files), enc_visible, False
            yield "zip-bomb.epub", fmt, "zip-bomb", None, _epub_zip_bomb(), (), False
            yield "entity-bomb.epub", fmt, "entity-bomb", None, _billion_laughs_epub(), (), False
            continue
        text = _text_of(encoded, fmt)
        data = _utf16_surrogates(text, bom=True)
        yield f"utf16-surrogates.{fmt}", fmt, "utf16-surrogates", True, data, enc_visible, False
        data = _with_bad_utf8(text.encode("utf-8"))
        yield f"invalid-utf8.{fmt}", fmt, "invalid-utf8", True, data, enc_visible, False
    text = _text_of(encoded, "txt")
    data = _utf16_surrogates(text, bom=False)
    yield "utf16-no-bom.txt", "txt", "utf16-surrogates", True, data, enc_visible, False
    rng = random.Random(1)
    data = bytes(rng.choice((0, 0, 0, 65, 27, 0x9B)) for _ in range(20000))
    yield "nul-heavy.txt", "txt", "nul-heavy", None, data, (), False
    # Structure with no text in it, and nesting deep enough to stall a parser.
    data = b"Title: Only Separators\n\n" + b"= = = =\n\n" * 50_000
    yield "only-separators.txt", "txt", "no-text", True, data, (), False
    data = b"# Deep\n\n" + b">" * 100_000 + b" text\n"
    yield "deep-nesting.md", "md", "deep-nesting", None, data, (), False
    data = b"<!DOCTYPE html><html><body>" + b"<div>" * 100_000 + b"text"
    yield "deep-nesting.html", "html", "deep-nesting", None, data, (), False
    data = b"<!DOCTYPE html><html><body>" + b"".join(
        b'<p><b class="c%d">x' % i for i in range(10_000)
    )
    yield "formatting-bomb.html", "html", "deep-nesting", None, data, (), False
    zalgo = Doc(
        "Zalgo",
        "Hostile Corpus",
        chapters=[
            (
                "Chapter 1",
                [
                    "FIRSTWORD z" + "\u0301\u0336\u0489" * 3000 + " after",
                    "漢字かな交じり文" * 300 + " 🏳️‍🌈👨‍👩‍👧‍👦" * 200,
                    "\u00ad" * 2000 + " \u200b" * 2000 + " \ufeff" * 100 + " LASTWORD",
                ],
            )
        ],
    )
    yield "zalgo.txt", "txt", "zalgo", True, render(zalgo, "txt"), ("FIRSTWORD", "LASTWORD"), False


HOSTILE_NAME = f"\x1b]0;{MARK}-TITLE-NAME\x07\x1b[2J\u202eNAMEWORD.txt"
"""A file name that is itself an attack (the title falls back to it)."""


def write_corpus(root: Path) -> list[HostileFile]:
    """Write every hostile file under ``root``; return their descriptions."""
    root.mkdir(parents=True, exist_ok=True)
    out: list[HostileFile] = []
    for name, fmt, kind, loads, data, visible, big in _specs():
        path = root / name
        path.write_bytes(data)
        if big:
            out.append(HostileFile(name, path, fmt, kind, loads, end_visible=visible, big=True))
        else:
            out.append(HostileFile(name, path, fmt, kind, loads, visible=visible))
    # No header block: the title comes from the hostile file name.
    rng = random.Random(2)
    body = "\n\n".join(["FIRSTWORD " + prose(rng, 30), prose(rng, 30) + " LASTWORD"]) + "\n"
    path = root / HOSTILE_NAME
    path.write_text(body, encoding="utf-8")
    out.append(HostileFile("hostile-name.txt", path, "txt", "hostile-name", True, ("NAMEWORD",)))
    empty = root / ("empty-" + HOSTILE_NAME)
    empty.write_bytes(b"")
    out.append(HostileFile("hostile-name-empty.txt", empty, "txt", "empty", False))
    return out


_CACHE: dict[str, list[HostileFile]] = {}


def corpus(factory: pytest.TempPathFactory) -> list[HostileFile]:
    """The corpus, written once per test session into a pytest temporary folder."""
    if "files" not in _CACHE:
        _CACHE["files"] = write_corpus(factory.mktemp("hostile"))
    return _CACHE["files"]
