"""A book split the way converters split one: many spine documents, few headings."""

from __future__ import annotations

import random
import zipfile
from typing import TYPE_CHECKING

from storymaker import paragraph
from sync_helpers import CONTAINER

if TYPE_CHECKING:
    from pathlib import Path

    from nightstand.story import Block, Story


def write_split_epub(path: Path, files: int = 30, seed: int = 3, per_chapter: int = 4) -> Path:
    """An EPUB 3 of ``files`` documents; only every ``per_chapter``-th opens a chapter, so
    most parts begin in the middle of one (a chapter runs on from file to file)."""
    rng = random.Random(seed)
    items = "".join(
        f'<item id="f{n}" href="f{n}.xhtml" media-type="application/xhtml+xml"/>'
        for n in range(files)
    )
    spine = "".join(f'<itemref idref="f{n}"/>' for n in range(files))
    opf = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">x'
        "</dc:identifier><dc:title>Split Book</dc:title><dc:creator>Tester</dc:creator>"
        f"</metadata><manifest>{items}</manifest><spine>{spine}</spine></package>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml", CONTAINER, zipfile.ZIP_DEFLATED)
        z.writestr("OEBPS/book.opf", opf, zipfile.ZIP_DEFLATED)
        for n in range(files):
            body = [f"<h1>Chapter {n // per_chapter + 1}</h1>"] if n % per_chapter == 0 else []
            for i in range(rng.randrange(3, 25)):
                text = paragraph(rng)
                body.append(f"<p>{text}</p>" if i % 5 else f"<p><i>{text[:30]}</i>{text[30:]}</p>")
                if rng.random() < 0.1:
                    body.append("<hr/>")
            page = (
                '<?xml version="1.0" encoding="utf-8"?>\n'
                '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head>'
                f"<body>{''.join(body)}</body></html>"
            )
            z.writestr(f"OEBPS/f{n}.xhtml", page, zipfile.ZIP_DEFLATED)
    return path


def part_range(story: Story, numbers: tuple[int, ...], number: int) -> tuple[int, int]:
    i = numbers.index(number)
    end = story.parts[i + 1] if i + 1 < len(numbers) else len(story.text)
    return story.parts[i], end


def _blocks(story: Story, start: int, end: int) -> list[tuple[object, ...]]:
    """The blocks beginning in [start, end), with offsets relative to ``start``."""

    def rel(b: Block) -> tuple[object, ...]:
        return (b.kind, b.start - start, b.end - start, b.spans, b.indent)

    return [rel(b) for b in story.blocks if start <= b.start < end and b.end > b.start]


def assert_parts_match(partial: Story, numbers: tuple[int, ...], whole: Story) -> None:
    """Every part read holds the whole book's text and blocks for that part."""
    for number in numbers:
        start, end = part_range(partial, numbers, number)
        wstart = whole.parts[number]
        wend = whole.parts[number + 1] if number + 1 < len(whole.parts) else len(whole.text)
        piece, wpiece = partial.text[start:end], whole.text[wstart:wend]
        # The last part read lacks the newline (or trailing scene break) before the next.
        assert wpiece.startswith(piece), number
        assert len(wpiece) - len(piece) <= 1 or number == numbers[-1], number
        assert _blocks(partial, start, end) == _blocks(whole, wstart, wstart + len(piece))
