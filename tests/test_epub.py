"""EPUB loading: AO3, FanFicFare, EPUB 2 (NCX) and EPUB 3 (nav) books, and a hostile set.

Every book here is built in tmp_path by the helpers below, after the structure the real
producers emit: AO3's EPUB is calibre's conversion of its HTML download (EPUB 2, an NCX,
``content.opf`` at the root, the HTML split into several files with AO3's ids and classes);
FanFicFare writes ``content.opf`` at the root, ``OEBPS/title_page.xhtml`` with ``<b>Label:</b>
value<br />`` lines, ``OEBPS/fileNNNN.xhtml`` chapters with ``<h3 class="fff_chapter_title">``.
"""

from __future__ import annotations

import contextlib
import json
import struct
import zipfile
from html import escape
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nightstand.cli import main
from nightstand.errors import StoryError
from nightstand.formats import load
from nightstand.formats.epub import parse_epub

XHTML = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
    '"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">\n'
    '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>{title}</title></head>'
    "<body{body_attrs}>{body}</body></html>"
)
CONTAINER = (
    '<?xml version="1.0"?><container version="1.0" '
    'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
    '<rootfile full-path="{opf}" media-type="application/oebps-package+xml"/>'
    "</rootfiles></container>"
)


def xhtml(body: str, *, title: str = "", body_class: str = "") -> str:
    attrs = f' class="{body_class}"' if body_class else ""
    return XHTML.format(title=escape(title), body_attrs=attrs, body=body)


def write_epub(
    path: Path,
    files: dict[str, str | bytes],
    *,
    opf_path: str = "content.opf",
    mimetype: bool = True,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """A zip in EPUB order: the stored mimetype first, then container.xml, then the rest."""
    with zipfile.ZipFile(path, "w") as z:
        if mimetype:
            z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml", CONTAINER.format(opf=opf_path), zipfile.ZIP_DEFLATED)
        for name, content in files.items():
            z.writestr(name, content, compression)
    return path


def opf(
    *,
    version: str = "2.0",
    title: str,
    creators: list[str],
    subjects: list[str] = (),  # type: ignore[assignment]
    description: str = "",
    items: list[tuple[str, str, str]],
    spine: list[str],
    extra_meta: str = "",
    properties: dict[str, str] | None = None,
    toc_id: str = "ncx",
) -> str:
    props = properties or {}
    meta = [f"<dc:title>{escape(title)}</dc:title>"]
    meta += [f'<dc:creator opf:role="aut">{escape(c)}</dc:creator>' for c in creators]
    meta += [f"<dc:subject>{escape(s)}</dc:subject>" for s in subjects]
    if description:
        meta.append(f"<dc:description>{escape(description)}</dc:description>")
    manifest = "".join(
        f'<item id="{i}" href="{h}" media-type="{t}"'
        + (f' properties="{props[i]}"' if i in props else "")
        + "/>"
        for i, h, t in items
    )
    itemrefs = "".join(f'<itemref idref="{i}"/>' for i in spine)
    toc = f' toc="{toc_id}"' if toc_id else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<package xmlns="http://www.idpf.org/2007/opf" version="{version}" '
        'unique-identifier="uid">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:opf="http://www.idpf.org/2007/opf">'
        '<dc:identifier id="uid">test-book</dc:identifier><dc:language>en</dc:language>'
        f"{''.join(meta)}{extra_meta}</metadata>"
        f"<manifest>{manifest}</manifest><spine{toc}>{itemrefs}</spine></package>"
    )


def ncx(
    points: list[tuple[str, str]], *, nested: dict[int, list[tuple[str, str]]] | None = None
) -> str:
    nested = nested or {}
    out = []
    order = 0
    for n, (label, src) in enumerate(points):
        order += 1
        inner = ""
        for sub_label, sub_src in nested.get(n, []):
            order += 1
            inner += (
                f'<navPoint id="s{order}" playOrder="{order}"><navLabel><text>'
                f'{escape(sub_label)}</text></navLabel><content src="{sub_src}"/></navPoint>'
            )
        out.append(
            f'<navPoint id="p{order}" playOrder="{order}"><navLabel><text>{escape(label)}'
            f'</text></navLabel><content src="{src}"/>{inner}</navPoint>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE ncx PUBLIC "-//NISO//DTD ncx 2005-1//EN" '
        '"http://www.daisy.org/z3986/2005/ncx-2005-1.dtd">\n'
        '<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">'
        '<head><meta name="dtb:uid" content="test-book"/></head>'
        f"<docTitle><text>Book</text></docTitle><navMap>{''.join(out)}</navMap></ncx>"
    )


def info(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    """``nightstand info --json PATH`` through the real CLI entry point."""
    main(["info", "--json", *extra, str(path)])
    out = capsys.readouterr().out
    data: dict[str, Any] = json.loads(out)
    return data


def cli_error(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``info`` on a file that must fail; return the one error line."""
    with pytest.raises(SystemExit) as exit_info:
        main(["info", "--json", str(path)])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nightstand: error: ")
    return lines[0]


# --------------------------------------------------------------------------- AO3


AO3_PREFACE = """
<div class="meta" id="preface">
<h2 class="toc-heading">Preface</h2>
<p class="message"><b>The Lantern Keeper</b><br/>Posted originally on the
<a href="https://archiveofourown.org/">Archive of Our Own</a> at
<a href="https://archiveofourown.org/works/000000">https://archiveofourown.org/works/000000</a>.</p>
<div class="meta">
<dl class="tags">
<dt>Rating:</dt><dd><a href="#">Mature</a></dd>
<dt>Archive Warnings:</dt><dd><a href="#">Graphic Depictions Of Violence</a>,
  <a href="#">Major Character Death</a></dd>
<dt>Category:</dt><dd><a href="#">F/M</a></dd>
<dt>Fandom:</dt><dd><a href="#">Original Work</a></dd>
<dt>Relationship:</dt><dd><a href="#">Mara/Tobin</a></dd>
<dt>Characters:</dt><dd><a href="#">Mara</a>, <a href="#">Tobin</a></dd>
<dt>Additional Tags:</dt><dd><a href="#">Angst</a>, <a href="#">Sad Ending</a></dd>
<dt>Language:</dt><dd>English</dd>
<dt>Stats:</dt><dd>Published: 2022-01-01 Words: 300 Chapters: 2/2</dd>
</dl>
<h1>The Lantern Keeper</h1>
<div class="byline">by <a rel="author" href="#">Wren_Halloway</a></div>
<p>Summary</p>
<blockquote class="userstuff"><p>The light goes out.</p></blockquote>
</div>
</div>
"""


def ao3_epub(path: Path) -> Path:
    """An AO3 EPUB as calibre makes it from the HTML download: split files, NCX, EPUB 2."""
    files: dict[str, str | bytes] = {
        "The_Lantern_Keeper_split_000.xhtml": xhtml(AO3_PREFACE, title="The Lantern Keeper"),
        "The_Lantern_Keeper_split_001.xhtml": xhtml(
            '<div class="userstuff" id="chapters"><div class="meta group">'
            '<h2 class="heading">Chapter 1: Stairs</h2>'
            "<p>Chapter Notes</p>"
            '<blockquote class="userstuff"><p>Beta: a friend.</p></blockquote></div>'
            '<div class="userstuff"><p>Mara <em>climbed</em>.</p><hr/>'
            "<p>It was <strong>cold</strong> at the top.</p></div></div>",
            title="The Lantern Keeper",
        ),
        "The_Lantern_Keeper_split_002.xhtml": xhtml(
            '<div class="userstuff"><div class="meta group">'
            '<h2 class="heading">Chapter 2: The Dark</h2></div>'
            '<div class="userstuff"><p>The light went out.</p><p>Fin</p></div>'
            '<div class="meta" id="endnotes2"><p>Chapter End Notes</p>'
            '<blockquote class="userstuff"><p>Sorry!</p></blockquote></div></div>',
            title="The Lantern Keeper",
        ),
        "The_Lantern_Keeper_split_003.xhtml": xhtml(
            '<div id="afterword"><h2 class="toc-heading">Afterword</h2><div class="meta">'
            '<div id="endnotes"><p>End Notes</p><blockquote class="userstuff">'
            "<p>Thanks for reading.</p></blockquote></div></div>"
            '<p class="message">Please drop by the Archive and comment.</p></div>',
            title="The Lantern Keeper",
        ),
        "toc.ncx": ncx(
            [
                ("Preface", "The_Lantern_Keeper_split_000.xhtml#preface"),
                ("Chapter 1: Stairs", "The_Lantern_Keeper_split_001.xhtml"),
                ("Chapter 2: The Dark", "The_Lantern_Keeper_split_002.xhtml"),
                ("Afterword", "The_Lantern_Keeper_split_003.xhtml"),
            ]
        ),
        "stylesheet.css": "body { margin: 0 }",
    }
    names = [n for n in files if n.endswith(".xhtml")]
    files["content.opf"] = opf(
        title="The Lantern Keeper",
        creators=["Wren_Halloway"],
        subjects=["Fanworks", "Mature", "Major Character Death", "Angst", "Sad Ending"],
        description="<p>The light goes out.</p>",
        items=[(f"id{i}", n, "application/xhtml+xml") for i, n in enumerate(names)]
        + [("ncx", "toc.ncx", "application/x-dtbncx+xml"), ("css", "stylesheet.css", "text/css")],
        spine=[f"id{i}" for i in range(len(names))],
        extra_meta='<meta name="calibre:series" content="Harbour Lights"/>'
        "<dc:publisher>Archive of Our Own</dc:publisher>",
    )
    return write_epub(path, files)


def test_ao3_epub_headers_spoilers_chapters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = info(ao3_epub(tmp_path / "ao3.epub"), capsys)
    assert data["format"] == "epub"
    assert data["title"] == "The Lantern Keeper"
    assert data["author"] == "Wren_Halloway"
    keys = [h["key"] for h in data["headers"]]
    assert keys == [
        "Title",
        "Author",
        "Rating",
        "Archive Warnings",
        "Category",
        "Fandom",
        "Relationship",
        "Characters",
        "Additional Tags",
        "Language",
        "Stats",
        "Summary",
        "Series",
    ]
    assert data["spoiler_keys"] == ["Archive Warnings", "Additional Tags"]
    hidden = {h["key"]: h["value"] for h in data["headers"]}
    assert hidden["Archive Warnings"] is None and hidden["Rating"] == "Mature"
    assert hidden["Series"] == "Harbour Lights"
    assert [c["title"] for c in data["chapters"]] == ["Chapter 1: Stairs", "Chapter 2: The Dark"]
    assert [e["text"] for e in data["emphasis"]] == [
        "Chapter Notes",
        "climbed",
        "cold",
        "Chapter End Notes",
        "End Notes",
    ]
    assert data["scene_breaks"] == 1
    assert data["warnings"] == []


def test_ao3_epub_reveal_and_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = ao3_epub(tmp_path / "ao3.epub")
    data = info(path, capsys, "--reveal-spoilers")
    values = {h["key"]: h["value"] for h in data["headers"]}
    assert values["Archive Warnings"] == "Graphic Depictions Of Violence, Major Character Death"
    assert values["Additional Tags"] == "Angst, Sad Ending"
    story = load(path)
    texts = [story.block_text(b) for b in story.blocks]
    # Chapter notes stay with their chapter, the work's end notes at the very end.
    assert texts.index("Beta: a friend.") < texts.index("Mara climbed.")
    assert texts.index("Sorry!") > texts.index("The light went out.")
    assert texts[-1] == "Thanks for reading."
    assert "Please drop by the Archive and comment." not in texts
    assert "Preface" not in story.text and "Afterword" not in story.text


# --------------------------------------------------------------------------- FanFicFare


def fanficfare_epub(path: Path) -> Path:
    """A FanFicFare EPUB 2: title page, TOC page, chapters, update log, NCX at the root."""
    title_page = xhtml(
        '<h3><a href="https://www.fanfiction.net/s/1/1/">Salt and Iron</a> by '
        '<a href="https://www.fanfiction.net/u/2/">quillfeather</a></h3><div>'
        "<b>Category:</b> Supernatural<br />"
        "<b>Genre:</b> Angst, Hurt/Comfort<br />"
        "<b>Rating:</b> T<br />"
        "<b>Warnings:</b> Character death<br />"
        "<b>Status:</b> Completed<br />"
        "<b>Chapters:</b> 2<br />"
        "<b>Words:</b> 2,150<br />"
        "<b>Summary:</b> Two brothers, one <i>very</i> long drive.<br />"
        "</div>",
        title="Salt and Iron by quillfeather",
        body_class="fff_titlepage",
    )
    toc_page = xhtml(
        '<div><h3>Table of Contents</h3><a href="file0001.xhtml">Chapter 1: Road</a><br />'
        '<a href="file0002.xhtml">Chapter 2: Motel</a><br /></div>',
        body_class="fff_tocpage",
    )

    def chapter(title: str, paras: str) -> str:
        return xhtml(
            f'<h3 class="fff_chapter_title">{escape(title)}</h3>'
            f'<div class="storytext">{paras}</div>',
            title=title,
            body_class="fff_chapter",
        )

    files: dict[str, str | bytes] = {
        "OEBPS/title_page.xhtml": title_page,
        "OEBPS/toc_page.xhtml": toc_page,
        "OEBPS/file0001.xhtml": chapter(
            "Chapter 1: Road",
            "<p>The Impala <em>purred</em>.</p><p>&#160;</p><p>oOo</p><p>Rain.</p>",
        ),
        "OEBPS/file0002.xhtml": chapter(
            "Chapter 2: Motel", "<p>They <b>slept</b>&#8230; finally.</p><p>The End</p>"
        ),
        "OEBPS/log_page.xhtml": xhtml(
            '<h3>Update Log</h3><p class="log_entry"><b>Updated:</b> 2020-01-01</p>',
            body_class="fff_logpage",
        ),
        "OEBPS/stylesheet.css": "",
        "toc.ncx": ncx(
            [
                ("Title Page", "OEBPS/title_page.xhtml"),
                ("Table of Contents", "OEBPS/toc_page.xhtml"),
                ("Chapter 1: Road", "OEBPS/file0001.xhtml"),
                ("Chapter 2: Motel", "OEBPS/file0002.xhtml"),
                ("Update Log", "OEBPS/log_page.xhtml"),
            ]
        ),
    }
    ids = ["title_page", "toc_page", "file0001", "file0002", "log_page"]
    paths = [f"OEBPS/{i}.xhtml" for i in ids]
    files["content.opf"] = opf(
        title="Salt and Iron",
        creators=["quillfeather"],
        subjects=["FanFiction", "Supernatural", "Angst", "Hurt/Comfort", "Completed"],
        description="Two brothers, one very long drive.",
        items=[(i, p, "application/xhtml+xml") for i, p in zip(ids, paths, strict=True)]
        + [("ncx", "toc.ncx", "application/x-dtbncx+xml")],
        spine=ids,
        extra_meta="<dc:publisher>www.fanfiction.net</dc:publisher>"
        "<dc:source>https://www.fanfiction.net/s/1/1/</dc:source>",
    )
    return write_epub(path, files)


def test_fanficfare_epub(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = info(fanficfare_epub(tmp_path / "fff.epub"), capsys)
    assert data["title"] == "Salt and Iron"
    assert data["author"] == "quillfeather"
    assert [h["key"] for h in data["headers"]] == [
        "Title",
        "Author",
        "Category",
        "Genre",
        "Rating",
        "Warnings",
        "Status",
        "Chapters",
        "Words",
        "Summary",
    ]
    assert data["spoiler_keys"] == ["Warnings"]
    values = {h["key"]: h["value"] for h in data["headers"]}
    assert values["Summary"] == "Two brothers, one very long drive."
    assert [c["title"] for c in data["chapters"]] == ["Chapter 1: Road", "Chapter 2: Motel"]
    assert [e["text"] for e in data["emphasis"]] == ["purred", "slept"]
    assert data["scene_breaks"] == 1
    assert data["end_mark"] is True
    story = load(tmp_path / "fff.epub")
    assert "Update Log" not in story.text and "Table of Contents" not in story.text
    assert "finally" in story.text and "Salt and Iron" not in story.text


# --------------------------------------------------------------------------- EPUB 2 / 3


def ncx_only_epub(path: Path) -> Path:
    """A plain EPUB 2: OPF under OEBPS/, only an NCX, a chapter starting mid-file."""
    ch1 = xhtml(
        "<h1>Chapter One</h1><p>It began <i>quietly</i>.</p>"
        '<p class="center">~ ~ ~</p><p>Then less so.</p>',
        title="Chapter One",
    )
    # Chapter 3 starts inside ch2.xhtml: the NCX points at its anchor.
    ch2 = xhtml(
        "<h1>Chapter Two</h1><p>Middle.</p>"
        '<h1 id="c3">Chapter Three</h1><p>Last &amp; <b>best</b>.</p><p>END</p>',
        title="Chapter Two",
    )
    files: dict[str, str | bytes] = {
        "OEBPS/Text/ch1.xhtml": ch1,
        "OEBPS/Text/ch2.xhtml": ch2,
        "OEBPS/toc.ncx": ncx(
            [("Chapter One", "Text/ch1.xhtml"), ("Chapter Two", "Text/ch2.xhtml")],
            nested={1: [("Chapter Three", "Text/ch2.xhtml#c3")]},
        ),
        "OEBPS/content.opf": opf(
            title="A Quiet Book",
            creators=["A. Writer", "B. Writer"],
            subjects=["Fiction", "Spoilers for book one"],
            description="What happens.",
            items=[
                ("c1", "Text/ch1.xhtml", "application/xhtml+xml"),
                ("c2", "Text/ch2.xhtml", "application/xhtml+xml"),
                ("ncx", "toc.ncx", "application/x-dtbncx+xml"),
            ],
            spine=["c1", "c2"],
        ),
    }
    return write_epub(path, files, opf_path="OEBPS/content.opf")


def test_epub2_with_only_an_ncx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = info(ncx_only_epub(tmp_path / "plain.epub"), capsys)
    assert data["title"] == "A Quiet Book"
    assert data["author"] == "A. Writer, B. Writer"
    assert [(h["key"], h["spoiler"]) for h in data["headers"]] == [
        ("Title", False),
        ("Author", False),
        ("Tags", True),
        ("Summary", False),
    ]
    assert [c["title"] for c in data["chapters"]] == ["Chapter One", "Chapter Two", "Chapter Three"]
    assert [e["text"] for e in data["emphasis"]] == ["quietly", "best"]
    assert data["scene_breaks"] == 1
    assert data["end_mark"] is True
    story = load(tmp_path / "plain.epub")
    # The documents' own <h1>s repeat the TOC's titles and are not doubled.
    assert story.text.count("Chapter Two") == 1


def epub3(
    path: Path,
    *,
    chapters: list[tuple[str, str]],
    extra: dict[str, str | bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """An EPUB 3 with a navigation document (not in the spine) and a cover page."""
    files: dict[str, str | bytes] = {
        "EPUB/cover.xhtml": xhtml('<div><img src="cover.jpg" alt="cover"/></div>'),
        "EPUB/nav.xhtml": xhtml(
            '<nav epub:type="toc" xmlns:epub="http://www.idpf.org/2007/ops"><ol>'
            + "".join(
                f'<li><a href="text/c{i}.xhtml">{escape(t)}</a></li>'
                for i, (t, _) in enumerate(chapters)
            )
            + "</ol></nav>"
        ),
    }
    items = [
        ("cover", "cover.xhtml", "application/xhtml+xml"),
        ("nav", "nav.xhtml", "application/xhtml+xml"),
    ]
    for i, (title, body) in enumerate(chapters):
        files[f"EPUB/text/c{i}.xhtml"] = (
            body if body.startswith("<?xml") else xhtml(body, title=title)
        )
        items.append((f"c{i}", f"text/c{i}.xhtml", "application/xhtml+xml"))
    files.update(extra or {})
    files["EPUB/package.opf"] = opf(
        version="3.0",
        title="Nav Book",
        creators=["N. Author"],
        items=items,
        spine=["cover", "nav"] + [f"c{i}" for i in range(len(chapters))],
        properties={"nav": "nav"},
        toc_id="",
    )
    return write_epub(path, files, opf_path="EPUB/package.opf", compression=compression)


def test_epub3_nav_titles_and_xhtml_self_closing_title(tmp_path: Path) -> None:
    # <title/> written the XML way would swallow an HTML parser's whole document.
    self_closing = (
        '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
        "<head><title/></head><body><section><h2>Two</h2><p>Second <em>part</em>.</p>"
        "</section></body></html>"
    )
    path = epub3(
        tmp_path / "nav.epub",
        chapters=[
            ("One", "<section><h2>1. One</h2><p>First.</p></section>"),
            ("Two", self_closing),
        ],
    )
    story = load(path)
    assert story.format == "epub"
    assert [c.title for c in story.chapters] == ["One", "Two"]
    assert [story.block_text(b) for b in story.blocks] == ["One", "First.", "Two", "Second part."]
    assert story.blocks[3].spans[0].style == "emphasis"
    assert story.title == "Nav Book"
    assert "cover" not in story.text


def test_one_file_book_with_anchored_chapters(tmp_path: Path) -> None:
    book = xhtml(
        '<h2 id="c1">I. Arrival</h2><p>First.</p>'
        '<p><a id="c2"/></p><h2>II. Departure</h2><p>Second <b id="c3">bold</b> start.</p>'
        "<p>Third.</p>",
        title="One File",
    )
    files: dict[str, str | bytes] = {
        "book.xhtml": book,
        "toc.ncx": ncx(
            [
                ("I. Arrival", "book.xhtml#c1"),
                ("II. Departure", "book.xhtml#c2"),
                ("III. Return", "book.xhtml#c3"),
            ]
        ),
        "content.opf": opf(
            title="One File",
            creators=["Someone"],
            items=[
                ("b", "book.xhtml", "application/xhtml+xml"),
                ("ncx", "toc.ncx", "application/x-dtbncx+xml"),
            ],
            spine=["b"],
        ),
    }
    story = load(write_epub(tmp_path / "one.epub", files))
    assert [c.title for c in story.chapters] == ["I. Arrival", "II. Departure", "III. Return"]
    assert [story.block_text(b) for b in story.blocks] == [
        "I. Arrival",
        "First.",
        "II. Departure",
        "Second",
        "III. Return",
        "bold start.",
        "Third.",
    ]


# --------------------------------------------------------------------------- hostile set


def test_zip_bomb_declaring_10_gb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = ncx_only_epub(tmp_path / "bomb.epub")
    with zipfile.ZipFile(path, "a") as z:
        for n in range(3):
            z.writestr(f"OEBPS/Images/huge{n}.png", b"x" * 100, zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    # Make each picture's central directory entry declare 3.5 GB: 10.5 GB in all.
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        name = bytes(data[pos + 46 : pos + 46 + name_len])
        if name.startswith(b"OEBPS/Images/huge"):
            struct.pack_into("<I", data, pos + 24, 3_500_000_000)
        pos += 4
    path.write_bytes(bytes(data))
    line = cli_error(path, capsys)
    assert "zip bomb" in line and "GiB" in line


def test_entry_too_large_or_too_compressible_is_skipped(tmp_path: Path) -> None:
    big = "<p>" + "a" * (3 * 1024 * 1024) + "</p>"  # deflates about 1000x
    path = epub3(
        tmp_path / "ratio.epub",
        chapters=[("One", "<p>Fine.</p>"), ("Two", big), ("Three", "<p>Also fine.</p>")],
    )
    story = load(path)
    assert [c.title for c in story.chapters] == ["One", "Three"]
    assert any("compressed suspiciously well" in w for w in story.warnings)


def test_entry_larger_than_declared_is_caught(tmp_path: Path) -> None:
    path = epub3(
        tmp_path / "liar.epub",
        chapters=[("One", "<p>Fine.</p>"), ("Two", "<p>" + "lie " * 5000 + "</p>")],
    )
    data = bytearray(path.read_bytes())
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46 : pos + 46 + name_len]) == b"EPUB/text/c1.xhtml":
            struct.pack_into("<I", data, pos + 24, 100)  # declares 100 bytes; holds 20 KB
        pos += 4
    path.write_bytes(bytes(data))
    story = load(path)
    assert [c.title for c in story.chapters] == ["One"]
    assert any("EPUB/text/c1.xhtml is damaged" in w for w in story.warnings)


@pytest.mark.parametrize("shape", ["plain", "long comment", "zip64 end record"])
def test_the_entry_count_reads_the_same_from_the_file_and_from_memory(
    tmp_path: Path, shape: str
) -> None:
    from unittest import mock

    from nightstand.formats.epubzip import declared_entries, declared_entries_in

    path = tmp_path / "book.zip"
    limit = 2 if shape == "zip64 end record" else zipfile.ZIP_FILECOUNT_LIMIT
    # zipfile writes the zip64 end records once the entries pass its limit.
    with mock.patch.object(zipfile, "ZIP_FILECOUNT_LIMIT", limit), zipfile.ZipFile(path, "w") as z:
        for n in range(5):
            z.writestr(f"f{n}", b"x" * n)
        if shape == "long comment":
            z.comment = b"c" * 65_535
    data = path.read_bytes()
    assert (b"PK\x06\x06" in data) == (shape == "zip64 end record")
    with path.open("rb") as f:
        assert declared_entries_in(f) == declared_entries(data) == 5


def test_an_epub_is_read_from_its_file_not_held_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nightstand.formats as formats

    path = ncx_only_epub(tmp_path / "book.epub")
    whole = load(path)

    def refuse(_path: Path) -> bytes:
        raise AssertionError("the EPUB's bytes were read whole")

    monkeypatch.setattr(formats, "read_bytes", refuse)
    assert load(path) == whole
    # Its bytes read whole (a pipe) give the same story.
    assert parse_epub(path.read_bytes(), name="book") == whole


def test_only_a_regular_file_is_opened_as_an_epub(tmp_path: Path) -> None:
    import os

    from nightstand.formats import epub_file

    fifo = tmp_path / "pipe.epub"
    os.mkfifo(fifo)
    assert epub_file(fifo) is None  # refused at once, never waited on for a writer
    assert epub_file(tmp_path) is None
    assert epub_file(tmp_path / "missing.epub") is None
    book = epub_file(ncx_only_epub(tmp_path / "book.epub"))
    assert book is not None
    with book:
        assert book.read(4) == b"PK\x03\x04"


def test_too_many_entries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "many.epub"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        for n in range(10_001):
            z.writestr(zipfile.ZipInfo(f"f{n}"), b"")
    line = cli_error(path, capsys)
    assert "10,00" in line and "files" in line


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE package [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + ']><package xmlns="http://www.idpf.org/2007/opf" version="2.0">'
    '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&lol9;</dc:title>'
    "</metadata><manifest/><spine/></package>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE package [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<package xmlns="http://www.idpf.org/2007/opf" version="2.0">'
    '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&xxe;</dc:title>'
    "</metadata><manifest/><spine/></package>"
)


@pytest.mark.parametrize("package", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "xxe"])
def test_entity_attacks_in_the_opf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], package: str
) -> None:
    path = write_epub(tmp_path / "xml.epub", {"content.opf": package})
    line = cli_error(path, capsys)
    assert "entities" in line and "unsafe" in line
    assert "root:" not in line


def test_external_dtd_is_not_fetched(tmp_path: Path) -> None:
    path = ncx_only_epub(tmp_path / "dtd.epub")
    files = {}
    with zipfile.ZipFile(path) as z:
        for i in z.infolist():
            files[i.filename] = z.read(i)
    opf_text = files["OEBPS/content.opf"].decode()
    files["OEBPS/content.opf"] = opf_text.replace(
        "<package", '<!DOCTYPE package SYSTEM "http://127.0.0.1:9/never.dtd"><package', 1
    ).encode()
    del files["mimetype"], files["META-INF/container.xml"]
    story = load(write_epub(tmp_path / "dtd2.epub", files, opf_path="OEBPS/content.opf"))
    assert story.title == "A Quiet Book"


def test_dotdot_entries_are_never_followed_or_written(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    path = epub3(
        work / "dots.epub",
        chapters=[("One", "<p>Inside.</p>")],
        extra={"../evil.xhtml": xhtml("<p>Outside!</p>"), "EPUB/../../evil2.xhtml": "x"},
    )
    # Point a spine item outside the book too.
    files = {}
    with zipfile.ZipFile(path) as z:
        for i in z.infolist():
            files[i.filename] = z.read(i)
    package = files["EPUB/package.opf"].decode()
    package = package.replace(
        "</manifest>",
        '<item id="evil" href="../../evil.xhtml" media-type="application/xhtml+xml"/></manifest>',
    ).replace("</spine>", '<itemref idref="evil"/></spine>')
    files["EPUB/package.opf"] = package.encode()
    del files["mimetype"], files["META-INF/container.xml"]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    cwd_before = sorted(p.name for p in Path().iterdir())
    story = load(write_epub(work / "dots2.epub", files, opf_path="EPUB/package.opf"))
    assert "Outside" not in story.text and "Inside." in story.text
    assert any("leave" in w for w in story.warnings)
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted([*before, "dots2.epub"])
    assert sorted(p.name for p in Path().iterdir()) == cwd_before


def test_spine_pointing_at_missing_files(tmp_path: Path) -> None:
    path = ncx_only_epub(tmp_path / "gap.epub")
    files = {}
    with zipfile.ZipFile(path) as z:
        for i in z.infolist():
            if i.filename != "OEBPS/Text/ch1.xhtml":
                files[i.filename] = z.read(i)
    package = (
        files["OEBPS/content.opf"]
        .decode()
        .replace("</spine>", '<itemref idref="nowhere"/></spine>')
    )
    files["OEBPS/content.opf"] = package.encode()
    del files["mimetype"], files["META-INF/container.xml"]
    story = load(write_epub(tmp_path / "gap2.epub", files, opf_path="OEBPS/content.opf"))
    assert [c.title for c in story.chapters] == ["Chapter Two", "Chapter Three"]
    assert any("OEBPS/Text/ch1.xhtml is missing" in w for w in story.warnings)
    assert any("'nowhere'" in w for w in story.warnings)


def test_all_chapters_missing_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = opf(
        title="Empty",
        creators=[],
        items=[("a", "a.xhtml", "application/xhtml+xml")],
        spine=["a"],
    )
    line = cli_error(write_epub(tmp_path / "none.epub", {"content.opf": package}), capsys)
    assert "no readable chapters" in line and "a.xhtml is missing" in line


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_zip(tmp_path: Path, capsys: pytest.CaptureFixture[str], keep: float) -> None:
    data = ao3_epub(tmp_path / "whole.epub").read_bytes()
    path = tmp_path / "cut.epub"
    path.write_bytes(data[: int(len(data) * keep)])
    line = cli_error(path, capsys)
    assert "damaged or incomplete" in line


def test_missing_container_and_opf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bare.epub"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("chapter.xhtml", xhtml("<p>x</p>"))
    assert "not an EPUB" in cli_error(path, capsys)


def test_drm_encrypted_book(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = ncx_only_epub(tmp_path / "drm.epub")
    with zipfile.ZipFile(path, "a") as z:
        z.writestr(
            "META-INF/encryption.xml",
            '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
            'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
            '<enc:CipherData><enc:CipherReference URI="OEBPS/Text/ch1.xhtml"/>'
            "</enc:CipherData></enc:EncryptedData></encryption>",
        )
    assert "DRM" in cli_error(path, capsys)


def test_hostile_chapter_html(tmp_path: Path) -> None:
    nested = "<div>" * 100_000 + "deep" + "</div>" * 100_000
    scripted = "<script>alert(1)</script><p>Safe &#27;]0;title&#7; text.</p><style>p{}</style>"
    # Stored, not deflated: a deflated page this repetitive is refused as a bomb first.
    path = epub3(
        tmp_path / "deep.epub",
        chapters=[("One", scripted), ("Two", nested)],
        compression=zipfile.ZIP_STORED,
    )
    story = load(path)
    assert [c.title for c in story.chapters] == ["One"]
    # The whole OSC sequence goes, its "title" parameter with it.
    assert story.block_text(story.blocks[1]) == "Safe text."
    assert any("too many tags" in w for w in story.warnings)


# --------------------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_only_raise_story_error(data: bytes) -> None:
    for blob in (data, b"PK\x03\x04" + data):
        with contextlib.suppress(StoryError):
            parse_epub(blob, name="x")


_SAMPLE: list[bytes] = []


def _sample_epub(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    if not _SAMPLE:
        _SAMPLE.append(ncx_only_epub(tmp_path_factory.mktemp("sample") / "s.epub").read_bytes())
    return _SAMPLE[0]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=8))
def test_corrupted_epub_only_raises_story_error(
    tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[int, int]]
) -> None:
    data = bytearray(_sample_epub(tmp_path_factory))
    for where, value in edits:
        data[where % len(data)] = value
    try:
        story = parse_epub(bytes(data), name="x")
    except StoryError:
        return
    assert "\x1b" not in story.text
