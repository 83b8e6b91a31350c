"""Helpers for the sync tests: a small EPUB with varied structure, and logins."""

from __future__ import annotations

import random
import zipfile
from typing import TYPE_CHECKING

from nightstand.sync.account import Account, save_account
from nightstand.sync.client import KosyncClient
from nightstand.sync.digest import password_key
from storymaker import paragraph

if TYPE_CHECKING:
    from pathlib import Path

    from kosync_server import KosyncServer

CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/book.opf" media-type="application/oebps-package+xml"/>
</rootfiles></container>"""


def chapter_xhtml(number: int, rng: random.Random) -> str:
    """A chapter whose paragraphs sit at several depths, some with emphasis inside."""
    parts = [f"<h1>Chapter {number}</h1>"]
    for i in range(6 + number % 3):
        text = paragraph(rng)
        if i % 4 == 1:
            words = text.split(" ")
            text = f"{' '.join(words[:3])} <i>{' '.join(words[3:6])}</i> {' '.join(words[6:])}"
        parts.append(f"<p>{text}</p>")
        if i == 2:
            parts.append(f'<div class="scene"><p>{paragraph(rng)}</p><p>{paragraph(rng)}</p></div>')
        if i == 4 and number % 2:
            parts.append(f"<blockquote><div><p>{paragraph(rng)}</p></div></blockquote>")
    body = "\n".join(parts)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Chapter</title></head>'
        f"<body>\n{body}\n</body></html>"
    )


def write_epub(path: Path, chapters: int = 8, seed: int = 7) -> Path:
    """An EPUB 3 of ``chapters`` chapters (spine item N is chapter N), with a nav page."""
    rng = random.Random(seed)
    items = "".join(
        f'<item id="c{n}" href="ch{n}.xhtml" media-type="application/xhtml+xml"/>'
        for n in range(1, chapters + 1)
    )
    spine = "".join(f'<itemref idref="c{n}"/>' for n in range(1, chapters + 1))
    opf = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">x'
        "</dc:identifier><dc:title>Sync Test</dc:title><dc:creator>Tester</dc:creator>"
        "</metadata><manifest>"
        '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
        f"{items}</manifest><spine>{spine}</spine></package>"
    )
    nav_links = "".join(
        f'<li><a href="ch{n}.xhtml">Chapter {n}</a></li>' for n in range(1, chapters + 1)
    )
    nav = (
        '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml" '
        'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Contents</title></head><body>'
        f'<nav epub:type="toc"><ol>{nav_links}</ol></nav></body></html>'
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml", CONTAINER, zipfile.ZIP_DEFLATED)
        z.writestr("OEBPS/book.opf", opf, zipfile.ZIP_DEFLATED)
        z.writestr("OEBPS/nav.xhtml", nav, zipfile.ZIP_DEFLATED)
        for n in range(1, chapters + 1):
            z.writestr(f"OEBPS/ch{n}.xhtml", chapter_xhtml(n, rng), zipfile.ZIP_DEFLATED)
    return path


def register(server: KosyncServer, user: str = "reader", password: str = "secret") -> KosyncClient:
    """Create a user on the test server; its client."""
    client = KosyncClient(server.url, user, password_key(password))
    client.register()
    return client


def account(
    server: KosyncServer, device: str, *, user: str = "reader", password: str = "secret"
) -> Account:
    """A login for one device of an existing user."""
    return Account(server.url, user, password_key(password), device, f"ID-{device}")


def log_in(server: KosyncServer, device: str = "laptop", *, register_user: bool = True) -> Account:
    """Register (when asked), then store a login in the state folder, as `sync login` does."""
    if register_user:
        register(server)
    acc = account(server, device)
    save_account(acc)
    return acc
