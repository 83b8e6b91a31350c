"""How long loading a 1,000,000-word book takes as EPUB, HTML and Markdown, against plain text.

    uv run python benchmarks/bench_formats.py [--words N] [--runs R]

The book comes from ../shared/tools/make_novel.py (``--format txt|html|md|epub``) when it is
there; otherwise benchmarks/novel.py writes the plain text and this script writes the same
book as HTML and EPUB itself (one XHTML file a chapter, like make_novel). Each figure is the
median of several runs of ``nightstand.formats.load`` after one warm-up, and is printed with
its ratio to the plain-text load of the same book measured in the same run.

The Story model is eager (one body string), so "first page" for these formats is the whole
load plus what the reader adds for plain text too; the EPUB line also gives the cost of one
chapter (the total over the spine's documents), what a lazy loader would pay up front.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from bench_load import median_seconds  # the same timing loop as the load benchmark
from nightstand.formats import load
from nightstand.story import BlockKind

if TYPE_CHECKING:
    from nightstand.story import Story

HERE = Path(__file__).resolve().parent
SHARED_GENERATOR = HERE.parents[1] / "shared" / "tools" / "make_novel.py"
OUR_GENERATOR = HERE / "novel.py"
FORMATS = ("txt", "html", "epub", "md")


def write_books(folder: Path, words: int) -> tuple[dict[str, Path], str]:
    """The same book in every format; return the paths and where the book came from."""
    paths = {fmt: folder / f"novel.{fmt}" for fmt in FORMATS}
    if SHARED_GENERATOR.is_file():
        for fmt, path in paths.items():
            subprocess.run(
                [
                    sys.executable,
                    str(SHARED_GENERATOR),
                    str(path),
                    "--words",
                    str(words),
                    "--format",
                    fmt,
                ],
                check=True,
            )
        return paths, f"{SHARED_GENERATOR.name} --words {words:,}"
    subprocess.run(
        [sys.executable, str(OUR_GENERATOR), str(paths["txt"]), "--words", str(words)],
        check=True,
    )
    story = load(paths["txt"])
    chapters = _chapters(story)
    paths["html"].write_text(_as_html(story, chapters), encoding="utf-8")
    _write_epub(paths["epub"], story, chapters)
    paths["md"].write_text(_as_markdown(story, chapters), encoding="utf-8")
    return paths, f"{OUR_GENERATOR.name} --words {words:,}, converted here"


def _chapters(story: Story) -> list[tuple[str, list[str]]]:
    """The book as (title, paragraphs) with "" standing for a scene break."""
    out: list[tuple[str, list[str]]] = []
    for block in story.blocks:
        text = story.block_text(block)
        if block.kind is BlockKind.HEADING or not out:
            out.append((text if block.kind is BlockKind.HEADING else "", []))
            if block.kind is BlockKind.HEADING:
                continue
        out[-1][1].append("" if block.kind is BlockKind.SCENE_BREAK else text)
    return out


def _chapter_html(title: str, paragraphs: list[str]) -> str:
    body = "".join("<hr/>\n" if not p else f"<p>{escape(p)}</p>\n" for p in paragraphs)
    return f"<h2>{escape(title)}</h2>\n{body}" if title else body


def _as_html(story: Story, chapters: list[tuple[str, list[str]]]) -> str:
    body = "".join(_chapter_html(t, p) for t, p in chapters)
    return (
        f"<!DOCTYPE html><html><head><title>{escape(story.title)}</title></head><body>"
        f"<h1>{escape(story.title)}</h1>{body}</body></html>\n"
    )


def _as_markdown(story: Story, chapters: list[tuple[str, list[str]]]) -> str:
    out = [f"# {story.title}\n\n"]
    for title, paragraphs in chapters:
        if title:
            out.append(f"## {title}\n\n")
        out.extend("---\n\n" if not p else f"{p}\n\n" for p in paragraphs)
    return "".join(out)


def _write_epub(path: Path, story: Story, chapters: list[tuple[str, list[str]]]) -> None:
    page = (
        '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
        "<head><title>{t}</title></head><body>{b}</body></html>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="OEBPS/content.opf" '
            'media-type="application/oebps-package+xml"/></rootfiles></container>',
        )
        items, spine, nav = [], [], []
        for i, (title, paragraphs) in enumerate(chapters, 1):
            name = f"ch{i:03d}.xhtml"
            z.writestr(
                f"OEBPS/{name}",
                page.format(t=escape(title), b=_chapter_html(title, paragraphs)),
                zipfile.ZIP_DEFLATED,
            )
            items.append(f'<item id="c{i}" href="{name}" media-type="application/xhtml+xml"/>')
            spine.append(f'<itemref idref="c{i}"/>')
            nav.append(f'<li><a href="{name}">{escape(title)}</a></li>')
        z.writestr(
            "OEBPS/nav.xhtml",
            page.format(t="Contents", b=f'<nav epub:type="toc"><ol>{"".join(nav)}</ol></nav>'),
            zipfile.ZIP_DEFLATED,
        )
        z.writestr(
            "OEBPS/content.opf",
            '<?xml version="1.0" encoding="utf-8"?><package '
            'xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
            '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<dc:identifier id="id">bench</dc:identifier><dc:title>{escape(story.title)}'
            f"</dc:title><dc:creator>{escape(story.author or '')}</dc:creator></metadata>"
            '<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" '
            f'properties="nav"/>{"".join(items)}</manifest><spine>{"".join(spine)}</spine>'
            "</package>",
            zipfile.ZIP_DEFLATED,
        )


def main() -> None:
    """Write the book in every format, time each load, print the figures and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    runs = max(args.runs, 3)
    with tempfile.TemporaryDirectory() as tmp:
        paths, source = write_books(Path(tmp), args.words)
        print(f"book: {source}; median of {runs} runs after a warm-up")
        reference, _ = median_seconds(lambda: load(paths["txt"]), runs)
        print(
            f"{'format':<10}{'size':>10}{'median':>10}{'best':>10}{'vs text':>9}"
            f"{'chapters':>10}{'words':>11}"
        )
        for fmt in FORMATS:
            story = load(paths[fmt])
            median, best = median_seconds(lambda fmt=fmt: load(paths[fmt]), runs)
            size = paths[fmt].stat().st_size / 2**20
            print(
                f"{story.format:<10}{size:>7.1f} MiB{median:>8.3f} s{best:>8.3f} s"
                f"{median / reference:>8.2f}x{len(story.chapters):>10,}{story.words():>11,}"
            )
            if fmt == "epub" and story.chapters:
                per = median / len(story.chapters)
                print(f"{'':<10}one chapter's share of the EPUB load: {per * 1000:.1f} ms")


if __name__ == "__main__":
    main()
