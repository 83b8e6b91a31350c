"""Real EPUBs: the W3C sample books in ../shared/corpus, and the two quirks they taught us.

Each corpus book must open with the title, author and chapters its own package and navigation
document give. The expected values are read here independently of nightstand's loader (plain
defusedxml ElementTree over the zip), so a loader that drops or invents chapters is caught.
The tests skip when ../shared/corpus is absent. The quirks (names stored as UTF-8 without
the zip's UTF-8 flag, a book of pictures) are also built in tmp_path so they are always tested.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from defusedxml.ElementTree import fromstring

from nightstand.cli import main
from nightstand.errors import StoryError
from nightstand.formats import load

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "epub3-samples"
BOOKS = [
    "childrens-literature",
    "epub30-spec",
    "georgia-cfi",
    "israelsailing",
    "kusamakura-preview",
    "linear-algebra",
    "mahabharata",
    "moby-dick",
    "wasteland",
]
PICTURE_BOOK = "sous-le-vent"
OPS = "{http://www.idpf.org/2007/ops}"


def corpus_book(stem: str) -> Path:
    path = CORPUS / f"{stem}.epub"
    if not path.is_file():
        pytest.skip("../shared/corpus/epub3-samples is not available")
    return path


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _fold(text: str) -> str:
    return " ".join(text.split())


class Expected:
    """What a book's own package and navigation document say, read without nightstand."""

    def __init__(self, path: Path) -> None:
        with zipfile.ZipFile(path) as z:
            names = {}
            for info in z.infolist():
                name = info.filename
                if not info.flag_bits & 0x800 and not name.isascii():
                    name = name.encode("cp437").decode("utf-8")
                names[name] = info

            def xml(name: str) -> object:
                return fromstring(z.read(names[name]))

            container = xml("META-INF/container.xml")
            opf = next(e.get("full-path") for e in container.iter() if _local(e.tag) == "rootfile")
            package = xml(opf)
            base = posixpath.dirname(opf)

            def inside(base: str, href: str) -> str:
                return posixpath.normpath(posixpath.join(base, unquote(href.partition("#")[0])))

            meta = list(package.iter())
            self.title = next(
                _fold("".join(e.itertext())) for e in meta if _local(e.tag) == "title"
            )
            self.creators = [
                _fold("".join(e.itertext())) for e in meta if _local(e.tag) == "creator"
            ]
            items = {e.get("id"): e for e in meta if _local(e.tag) == "item"}
            self.spine = {
                inside(base, items[e.get("idref")].get("href"))
                for e in meta
                if _local(e.tag) == "itemref" and e.get("linear") != "no"
            }
            self.spine &= set(names)
            nav = next((e for e in items.values() if "nav" in (e.get("properties") or "")), None)
            self.toc: list[tuple[str, str]] = []  # (title, document path)
            if nav is not None:
                nav_path = inside(base, nav.get("href"))
                navs = [e for e in xml(nav_path).iter() if _local(e.tag) == "nav"]
                toc = next((n for n in navs if "toc" in (n.get(f"{OPS}type") or "")), navs[0])
                for a in toc.iter():
                    if _local(a.tag) == "a" and a.get("href"):
                        target = inside(posixpath.dirname(nav_path), a.get("href"))
                        self.toc.append((_fold("".join(a.itertext())), target))
            else:
                ncx = next(
                    e for e in items.values() if e.get("media-type") == "application/x-dtbncx+xml"
                )
                ncx_path = inside(base, ncx.get("href"))
                for point in xml(ncx_path).iter():
                    if _local(point.tag) != "navPoint":
                        continue
                    label = next(c for c in point if _local(c.tag) == "navLabel")
                    src = next(c for c in point if _local(c.tag) == "content").get("src")
                    target = inside(posixpath.dirname(ncx_path), src)
                    self.toc.append((_fold("".join(label.itertext())), target))

    def readable_titles(self) -> list[str]:
        """The contents entries that lead to a document in the spine, in order."""
        return [title for title, target in self.toc if target in self.spine and title]


def is_subsequence(short: list[str], long: list[str]) -> bool:
    it = iter(long)
    return all(any(x == y for y in it) for x in short)


@pytest.mark.parametrize("stem", BOOKS)
def test_corpus_book_opens_as_its_package_and_contents_say(stem: str) -> None:
    path = corpus_book(stem)
    expected = Expected(path)
    story = load(path)
    assert story.title == expected.title
    if expected.creators:
        assert story.author is not None
        assert expected.creators[0] in story.author
    else:
        assert story.author is None
    assert story.words() > 0
    # Whitespace compared folded: typography may tie a dash to its word with a no-break space.
    chapters = [_fold(c.title) for c in story.chapters]
    wanted = expected.readable_titles()
    found = [t for t in wanted if t in set(chapters)]
    # The contents' own entry, the title page and the cover may be left out; nothing else.
    assert len(found) >= len(wanted) - 2, sorted(set(wanted) - set(found))
    assert len(found) >= 1
    # Chapters come in the contents' order, and nearly all of them come from the contents.
    in_toc = [t for t in chapters if t in set(wanted)]
    assert is_subsequence(in_toc, wanted)
    assert len(chapters) - len(in_toc) <= 1, [t for t in chapters if t not in set(wanted)]


def test_kusamakura_preview_japanese_names_without_the_utf8_flag() -> None:
    path = corpus_book("kusamakura-preview")
    with zipfile.ZipFile(path) as z:
        flags = [i.flag_bits for i in z.infolist() if not i.filename.isascii()]
    assert flags and not any(f & 0x800 for f in flags)  # the quirk is really there
    story = load(path)
    assert [c.title for c in story.chapters] == ["一"]
    assert "山路" in story.text
    assert not story.warnings


def test_picture_book_says_it_has_no_text(capsys: pytest.CaptureFixture[str]) -> None:
    path = corpus_book(PICTURE_BOOK)
    with pytest.raises(SystemExit) as exit_:
        main(["info", str(path)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "nightstand: error: the book has no text to read: its pages hold 13 image(s) and no prose"
    )


# --------------------------------------------------------------------------- built here

CONTAINER = (
    '<?xml version="1.0"?><container version="1.0" '
    'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
    '<rootfile full-path="OPS/book.opf" media-type="application/oebps-package+xml"/>'
    "</rootfiles></container>"
)
PAGE = (
    '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
    "<head><title>t</title></head><body>{}</body></html>"
)


def package(hrefs: list[str]) -> str:
    items = "".join(
        f'<item id="c{n}" href="{h}" media-type="application/xhtml+xml"/>'
        for n, h in enumerate(hrefs)
    )
    refs = "".join(f'<itemref idref="c{n}"/>' for n in range(len(hrefs)))
    return (
        '<?xml version="1.0" encoding="utf-8"?><package xmlns="http://www.idpf.org/2007/opf" '
        'version="3.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:title>Names</dc:title><dc:creator>Someone</dc:creator></metadata>"
        f"<manifest>{items}</manifest><spine>{refs}</spine></package>"
    )


def write_book(path: Path, pages: dict[str, str], *, raw_names: dict[str, bytes]) -> Path:
    """An EPUB of ``pages`` (href: body); the entries in ``raw_names`` get those name bytes.

    zipfile always sets the UTF-8 flag on the non-ASCII names it writes, so such an entry is
    written under an ASCII stand-in of the same byte length, replaced in the finished zip
    (the name is in the local header and in the central directory; no checksum covers it).
    """
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml", CONTAINER)
        z.writestr("OPS/book.opf", package(list(pages)))
        for href, body in pages.items():
            name = next((k for k in raw_names if unquote(href) in raw_names[k].decode()), href)
            z.writestr(f"OPS/{name}" if name == href else name, PAGE.format(body))
    data = path.read_bytes()
    for stand_in, raw in raw_names.items():
        assert len(stand_in.encode()) == len(raw) and data.count(stand_in.encode()) == 2
        data = data.replace(stand_in.encode(), raw)
    path.write_bytes(data)
    return path


def test_utf8_names_without_the_flag_resolve(tmp_path: Path) -> None:
    book = write_book(
        tmp_path / "names.epub",
        {"%E4%B8%80.xhtml": "<h1>First</h1><p>The first page.</p>", "b.xhtml": "<p>Second.</p>"},
        raw_names={"OPS/Q7Z.xhtml": "OPS/一.xhtml".encode()},
    )
    with zipfile.ZipFile(book) as z:
        assert "OPS/一.xhtml".encode().decode("cp437") in z.namelist()  # as zipfile reads it
        assert not any(i.flag_bits & 0x800 for i in z.infolist())
    story = load(book)
    assert "The first page." in story.text
    assert "Second." in story.text
    assert not story.warnings


def test_book_of_pictures_is_one_error_line(tmp_path: Path) -> None:
    book = write_book(
        tmp_path / "pictures.epub",
        {
            "p1.xhtml": '<div><img src="a.jpg" alt=""/></div>',
            "p2.xhtml": '<svg xmlns="http://www.w3.org/2000/svg"><image href="b.jpg"/></svg>',
        },
        raw_names={},
    )
    with pytest.raises(StoryError, match=r"^the book has no text to read: its pages hold 2 image"):
        load(book)
