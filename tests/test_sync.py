"""KOReader progress sync: document ids, XPointers, the client against a kosync server,
the session (two devices, declining, debounced push, retry), the login file."""

from __future__ import annotations

import hashlib
import json
import re
import stat
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kosync_server import KosyncServer
from nightstand.errors import StoryError
from nightstand.formats import load
from nightstand.formats.epub import spine_documents
from nightstand.formats.inline import fold
from nightstand.sync.account import LOG_FILE, SyncLog, load_account
from nightstand.sync.client import AuthError, KosyncClient, SyncError
from nightstand.sync.digest import filename_md5, partial_md5, password_key
from nightstand.sync.service import SyncSession, percentage_of, retry_pending
from nightstand.sync.xpointer import EpubPlaces, parse_xpointer
from sync_helpers import account, log_in, register, write_epub

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from nightstand.story import Story

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus" / "epub3-samples"
MAKE_NOVEL = SHARED / "tools" / "make_novel.py"


def wait_for(condition: Callable[[], object], what: str, limit: float = 30.0) -> None:
    """Poll until ``condition`` holds; fail after a generous ``limit`` (busy CI)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def server() -> Iterator[KosyncServer]:
    with KosyncServer() as s:
        yield s


@pytest.fixture
def epub(tmp_path: Path) -> Path:
    return write_epub(tmp_path / "book.epub")


# --------------------------------------------------------------------------- digests


def reference_partial_md5(data: bytes) -> str:
    """KOReader's partialMD5 written out longhand: samples at 0, 1 KiB, 4 KiB, … 1 GiB."""
    offsets = [0] + [1024 * 4**i for i in range(11)]
    samples = [data[o : o + 1024] for o in offsets if o < len(data)]
    return hashlib.md5(b"".join(samples)).hexdigest()


@pytest.mark.parametrize("size", [0, 1, 1023, 1024, 1025, 4096, 5000, 70_000, 1_100_000])
def test_partial_md5_matches_the_sampling_written_out(tmp_path: Path, size: int) -> None:
    data = bytes((i * 7 + i // 1024) % 256 for i in range(size))
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert partial_md5(path) == reference_partial_md5(data)
    if size > 4096:
        # Changing a byte outside every sample leaves the id alone; inside one changes it.
        changed = bytearray(data)
        changed[2048] ^= 0xFF
        path.write_bytes(bytes(changed))
        assert partial_md5(path) == reference_partial_md5(data)
        changed[1030] ^= 0xFF
        path.write_bytes(bytes(changed))
        assert partial_md5(path) != reference_partial_md5(data)


def test_partial_md5_of_a_small_file_is_the_md5_of_the_file_twice(tmp_path: Path) -> None:
    # Under 1 KiB there is one sample: every other offset is past the end.
    path = tmp_path / "small.txt"
    path.write_bytes(b"hello")
    assert partial_md5(path) == hashlib.md5(b"hello").hexdigest()
    # 1500 bytes: the samples at 0 (1024 bytes) and 1024 (476 bytes) overlap.
    data = bytes(range(256)) * 6
    path.write_bytes(data[:1500])
    assert partial_md5(path) == hashlib.md5(data[:1024] + data[1024:1500]).hexdigest()


def test_filename_digest_and_key(tmp_path: Path) -> None:
    assert (
        filename_md5(tmp_path / "sub" / "Über Buch.epub")
        == hashlib.md5("Über Buch.epub".encode()).hexdigest()
    )
    assert password_key("secret") == "5ebe2294ecd0e0f08eab7690d2a6ee69"


# --------------------------------------------------------------------------- XPointers


def test_parse_xpointer_forms() -> None:
    p = parse_xpointer("/body/DocFragment[6]/body/p[3]/text().0")
    assert p is not None
    assert p.fragment == 6
    assert p.steps == (("DocFragment", 6), ("body", 1), ("p", 3), ("text()", 1))
    assert p.offset == 0
    q = parse_xpointer("/body/DocFragment[2]/body/div/p/text()[2].17")
    assert q is not None
    assert q.steps[-1] == ("text()", 2)
    assert q.offset == 17
    assert parse_xpointer("/body/DocFragment[3]/body/div[2]") is not None
    for bad in ("0.54", "", "/body/p[3]", "/body/DocFragment[x]/p", "/body/DocFragment[1]/"):
        assert parse_xpointer(bad) is None, bad
    assert parse_xpointer("/body/DocFragment[1]/" + "div/" * 1000 + "p") is None


def paragraph_texts(xhtml: str) -> list[str]:
    """The <p> texts of a document, found with a regular expression, not a DOM."""
    return [fold(re.sub(r"<[^>]+>", "", m)) for m in re.findall(r"<p\b[^>]*>(.*?)</p>", xhtml)]


def test_an_xpointer_from_koreader_lands_on_its_paragraph(epub: Path) -> None:
    story = load(epub)
    places = EpubPlaces.from_epub(story, epub.read_bytes())
    with zipfile.ZipFile(epub) as z:
        third = paragraph_texts(z.read("OEBPS/ch6.xhtml").decode())[2]
    # Spine item 6 is chapter 6: KOReader's own example pointer.
    offset = places.offset_of("/body/DocFragment[6]/body/p[3]/text().0")
    assert offset is not None
    assert story.text.startswith(third[:40], offset)
    # A character offset inside the text node moves along it.
    assert places.offset_of("/body/DocFragment[6]/body/p[3]/text().5") == offset + 5
    # A pointer to the element (no text()) lands on its first text.
    assert places.offset_of("/body/DocFragment[6]/body/p[3]") == offset
    # Text after an emphasis is the element's second text node.
    second = places.offset_of("/body/DocFragment[6]/body/p[2]/text()[2].0")
    assert second is not None
    assert story.text[second - 5 : second].strip()


def roundtrip_every_node(story: Story, places: EpubPlaces, fragments: set[int]) -> None:
    """Each linked text node, written at a place inside it and read back, is that place."""
    seen: set[int] = set()
    for start, pointer in places.paths():
        parsed = parse_xpointer(pointer)
        assert parsed is not None
        seen.add(parsed.fragment)
        inside = start + 2
        written = places.xpointer_at(inside)
        assert written is not None
        assert written.startswith("/body/DocFragment[")
        back = places.offset_of(written)
        assert back == inside, (pointer, written)
        assert story.block_index_at(back) == story.block_index_at(start)
    assert seen == fragments


def test_xpointer_round_trip_for_every_spine_item(epub: Path) -> None:
    story = load(epub)
    places = EpubPlaces.from_epub(story, epub.read_bytes())
    documents = spine_documents(epub.read_bytes())
    assert [n for n, _ in documents] == list(range(1, 9))
    roundtrip_every_node(story, places, set(range(1, 9)))
    # Every paragraph of the book is linked.
    total = sum(len(paragraph_texts(text)) for _, text in documents)
    elements = {p.rpartition("/text()")[0] for _, p in places.paths()}
    assert len([e for e in elements if re.search(r"/p(\[\d+\])?$", e)]) == total


@pytest.mark.skipif(not MAKE_NOVEL.is_file(), reason="../shared/tools is not available")
def test_xpointer_round_trip_on_a_generated_novel(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "novel.epub"
    subprocess.run(
        [sys.executable, str(MAKE_NOVEL), "--words", "60000", "--format", "epub", str(path)],
        check=True,
    )
    story = load(path)
    places = EpubPlaces.from_epub(story, path.read_bytes())
    numbers = {n for n, _ in spine_documents(path.read_bytes())}
    roundtrip_every_node(story, places, numbers)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not available")
@pytest.mark.slow
@pytest.mark.parametrize(
    "name", sorted(p.name for p in CORPUS.glob("*.epub")) if CORPUS.is_dir() else []
)
def test_xpointer_round_trip_on_the_corpus(name: str) -> None:
    path = CORPUS / name
    try:
        story = load(path)
    except StoryError as exc:
        pytest.skip(f"nightstand does not read this book: {exc}")
    if not story.text.strip():
        pytest.skip("this book's text is drawn (SVG), which nightstand does not show")
    places = EpubPlaces.from_epub(story, path.read_bytes())
    assert len(places) > 0
    nodes = places.paths()
    # A few hundred text nodes spread over the whole book (the big ones have 160,000).
    for start, pointer in nodes[:: max(1, len(nodes) // 400)]:
        back = places.offset_of(pointer)
        assert back == start, pointer
        written = places.xpointer_at(start)
        assert written is not None
        assert places.offset_of(written) == start


def test_an_xpointer_pointing_nowhere_is_none(epub: Path) -> None:
    story = load(epub)
    places = EpubPlaces.from_epub(story, epub.read_bytes())
    for nowhere in (
        "/body/DocFragment[99]/body/p[3]/text().0",
        "/body/DocFragment[3]/body/table[4]/text().0",
        "/body/DocFragment[3]/body/p[999]",
        "0.42",
        "\x1b]52;c;aGk=\x07",
    ):
        assert places.offset_of(nowhere) is None, nowhere


# --------------------------------------------------------------------------- client


def test_register_authorize_and_errors_like_the_server(server: KosyncServer) -> None:
    client = register(server)
    assert server.users == {"reader": password_key("secret")}
    client.authorize()
    with pytest.raises(SyncError, match="already registered"):
        client.register()
    wrong = KosyncClient(server.url, "reader", password_key("wrong"))
    with pytest.raises(AuthError, match="refused"):
        wrong.authorize()
    with pytest.raises(AuthError):
        wrong.get_progress("abc")
    server.registration = False
    with pytest.raises(SyncError, match="registration is disabled"):
        KosyncClient(server.url, "other", password_key("x")).register()
    # Every request carried the protocol's media type; authenticated ones the key.
    assert all(h["accept"] == "application/vnd.koreader.v1+json" for _, _, h in server.requests)
    assert server.requests[1][2]["x-auth-key"] == password_key("secret")


def test_progress_put_and_get(server: KosyncServer) -> None:
    client = register(server)
    assert client.get_progress("d41d8cd98f00b204e9800998ecf8427e") is None
    client.put_progress("doc1", "/body/DocFragment[2]/body/p/text().0", 0.25, "laptop", "ID1")
    remote = client.get_progress("doc1")
    assert remote is not None
    assert remote.percentage == 0.25
    assert remote.progress == "/body/DocFragment[2]/body/p/text().0"
    assert (remote.device, remote.device_id) == ("laptop", "ID1")
    assert remote.timestamp == server.clock


def test_a_path_prefix_is_kept() -> None:
    with KosyncServer(prefix="/kosync") as server:
        client = register(server)
        client.put_progress("doc1", "0.5", 0.5, "laptop", "ID1")
        assert server.progress("reader", "doc1") is not None
        assert all(path.startswith("/kosync/") for _, path, _ in server.requests)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"percentage": 0.5, "progress": "' + b"x" * 100_000 + b'"}', "more than"),
        (b"<html>not json</html>", "not JSON"),
        (b"[1, 2, 3]", "not an object"),
        (b'{"percentage": 1.5, "progress": "x", "device": "d"}', "outside"),
        (b'{"percentage": -0.1, "progress": "x", "device": "d"}', "outside"),
        (b'{"percentage": "0.5", "progress": "x", "device": "d"}', "outside"),
        (b'{"percentage": true, "progress": "x", "device": "d"}', "outside"),
        (b'{"percentage": NaN, "progress": "x", "device": "d"}', "outside"),
        (b'{"percentage": 0.5, "progress": 7, "device": "d"}', "malformed"),
        (b'{"percentage": 0.5, "progress": "x", "device": ["d"]}', "malformed"),
        (b"\xff\xfe{", "not JSON"),
        (b"[" * 100_00 + b"]" * 100_00, "not JSON"),
    ],
)
def test_a_hostile_server_is_one_clear_error(
    server: KosyncServer, body: bytes, message: str
) -> None:
    client = register(server)
    server.hostile = body
    with pytest.raises(SyncError, match=message):
        client.get_progress("doc1")


def test_escape_sequences_from_the_server_are_removed(server: KosyncServer) -> None:
    client = register(server)
    server.hostile = json.dumps(
        {
            "percentage": 0.5,
            "progress": "/body/DocFragment[2]/body/p\x1b[31m/text().0",
            "device": "\x1b]0;pwned\x07Kobo\x1b[2J\u202e\n\r",
            "device_id": "\x9b31m",
        }
    ).encode()
    remote = client.get_progress("doc1")
    assert remote is not None
    assert remote.device == "Kobo"
    for text in (remote.device, remote.progress, remote.device_id):
        assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in text), repr(text)
    assert "\u202e" not in remote.device


def test_a_slow_server_and_a_dead_one() -> None:
    with KosyncServer() as server:
        register(server)
        server.delay = 3.0
        slow = KosyncClient(server.url, "reader", password_key("secret"), timeout=0.3)
        with pytest.raises(SyncError, match="did not answer"):
            slow.get_progress("doc1")
        url = server.url
    dead = KosyncClient(url, "reader", password_key("secret"), timeout=2)
    with pytest.raises(SyncError, match="cannot reach"):
        dead.authorize()


def test_server_addresses_are_checked() -> None:
    for bad in ("ftp://x", "localhost:8080", "http://", "http://h/?q=1", "file:///etc/passwd"):
        with pytest.raises(SyncError):
            KosyncClient(bad, "u", "k")


# --------------------------------------------------------------------------- session


def open_session(path: Path, acc: object, **kwargs: object) -> SyncSession:
    story = load(path)
    session = SyncSession(acc, path, story, **kwargs)  # type: ignore[arg-type]
    session.prepare()
    return session


def test_two_devices_alternating(server: KosyncServer, epub: Path) -> None:
    register(server)
    laptop = open_session(epub, account(server, "laptop"))
    kobo = open_session(epub, account(server, "kobo"))
    story = laptop.story
    assert laptop.document == partial_md5(epub)
    # The laptop reads to a third of the book and pushes.
    third = len(story.text) // 3
    assert laptop.push_now(third)
    record = server.progress("reader", laptop.document)
    assert record is not None
    assert record["progress"].startswith("/body/DocFragment[")
    assert record["percentage"] == percentage_of(third, story)
    # Its own place is never offered back to it.
    assert laptop.pull((0, 100)).offer is None
    # The other device, at the start, is offered the laptop's place.
    offer = kobo.pull((0, 100)).offer
    assert offer is not None
    assert offer.exact
    assert story.block_index_at(offer.offset) == story.block_index_at(third)
    assert offer.question().startswith("laptop is at 33 % (chapter ")
    # It reads on to two thirds and pushes; now the laptop is offered that place.
    two_thirds = 2 * len(story.text) // 3
    assert kobo.push_now(two_thirds)
    back = laptop.pull((third, third + 500)).offer
    assert back is not None
    assert back.remote.device == "kobo"
    assert story.block_index_at(back.offset) == story.block_index_at(two_thirds)
    # On the page that holds the remote place, nothing is offered.
    assert laptop.pull((back.offset - 10, back.offset + 10)).offer is None


def test_declining_is_remembered_until_the_other_device_moves(
    server: KosyncServer, epub: Path
) -> None:
    register(server)
    laptop = open_session(epub, account(server, "laptop"))
    kobo = open_session(epub, account(server, "kobo"))
    kobo.push_now(len(kobo.story.text) // 2)
    offer = laptop.pull((0, 100)).offer
    assert offer is not None
    laptop.decline(offer)
    assert laptop.pull((0, 100)).offer is None
    # Asked for (S), it is offered even so.
    assert laptop.pull((0, 100), interactive=True).offer is not None
    kobo.push_now(len(kobo.story.text) // 2 + 5000)
    assert laptop.pull((0, 100)).offer is not None


def test_an_xpointer_that_points_nowhere_falls_back_to_the_percentage(
    server: KosyncServer, epub: Path
) -> None:
    register(server)
    session = open_session(epub, account(server, "laptop"))
    server.store(
        "reader",
        session.document or "",
        percentage=0.5,
        progress="/body/DocFragment[99]/body/p[1]/text().0",
        device="kobo",
        device_id="K",
    )
    offer = session.pull((0, 100)).offer
    assert offer is not None
    assert not offer.exact
    assert offer.offset == round(0.5 * len(session.story.text))


def test_a_non_epub_sends_the_percentage_as_progress(server: KosyncServer, tmp_path: Path) -> None:
    register(server)
    path = tmp_path / "story.txt"
    path.write_text("Title: T\n\n" + "\n\n".join(f"Paragraph {i} " * 30 for i in range(50)))
    session = open_session(path, account(server, "laptop"))
    session.push_now(len(session.story.text) // 4)
    record = server.progress("reader", session.document or "")
    assert record is not None
    assert float(record["progress"]) == record["percentage"] == pytest.approx(0.25, abs=0.01)


@pytest.mark.slow
def test_pushes_are_debounced_and_failures_queued_with_one_notice(tmp_path: Path) -> None:
    epub = write_epub(tmp_path / "book.epub")
    notices: list[str] = []
    with KosyncServer() as server:
        register(server)
        acc = account(server, "laptop")
        session = open_session(epub, acc, on_notice=notices.append, debounce=0.2, retry=(0.2,))
        document = session.document or ""
        for offset in range(0, 5000, 500):
            session.note(offset)
        wait_for(lambda: server.progress("reader", document) is not None, "the push")
        record = server.progress("reader", document)
        assert record is not None
        # Only the newest place of the burst went out.
        assert record["percentage"] == percentage_of(4500, session.story)
        puts = [r for r in server.requests if r[0] == "PUT"]
        assert len(puts) == 1
        server.delay = 5.0
        session._client.timeout = 0.3
        session.note(6000)
        wait_for(lambda: notices, "the failure notice")
        wait_for(lambda: SyncLog().document(document).get("pending"), "the queued push")
        # Retries go on, quietly: still one notice.
        attempts = len(server.requests)
        wait_for(lambda: len(server.requests) >= attempts + 2, "the retries")
        assert len(notices) == 1
        server.delay = 0.0
        wait_for(
            lambda: (
                (server.progress("reader", document) or {}).get("percentage")
                == percentage_of(6000, session.story)
            ),
            "the retried push",
        )
        wait_for(lambda: not SyncLog().document(document).get("pending"), "the queue emptied")
        session.close()
    assert len(notices) == 1


def test_flush_against_a_hung_server_queues_and_returns(server: KosyncServer, epub: Path) -> None:
    register(server)
    session = open_session(epub, account(server, "laptop"), debounce=60.0)
    session.note(0)  # Where it opened: never pushed on its own.
    assert session.flush(0.3) is True
    assert server.progress("reader", session.document or "") is None
    session.note(3000)
    server.delay = 10.0
    assert session.flush(0.3) is False
    pending = SyncLog().document(session.document or "").get("pending")
    assert pending is not None
    assert pending["progress"].startswith("/body/DocFragment[")
    server.delay = 0.0
    # The next start sends it.
    assert retry_pending(account(server, "laptop")) == 1
    wait_for(lambda: server.progress("reader", session.document or ""), "the queued push")
    assert not SyncLog().pending()


def test_a_queued_push_older_than_the_server_is_dropped(server: KosyncServer, epub: Path) -> None:
    register(server)
    document = partial_md5(epub)
    SyncLog().update(document, pending={"progress": "0.1", "percentage": 0.1, "at": 1.0})
    server.store("reader", document, percentage=0.8, progress="0.8", device="kobo", device_id="K")
    assert retry_pending(account(server, "laptop")) == 0
    assert (server.progress("reader", document) or {})["percentage"] == 0.8
    assert not SyncLog().pending()


# --------------------------------------------------------------------------- login file


def test_the_login_file_is_private_and_holds_no_password(server: KosyncServer) -> None:
    acc = log_in(server)
    from nightstand.state import state_dir

    path = state_dir() / "sync.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "secret" not in text
    assert password_key("secret") in text
    assert load_account() == acc
    SyncLog().update("doc", remote={"percentage": 0.5})
    assert stat.S_IMODE((state_dir() / LOG_FILE).stat().st_mode) == 0o600


def test_a_damaged_login_or_log_is_not_a_crash(tmp_path: Path) -> None:
    from nightstand.state import state_dir

    folder = state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for junk in ("{", "[]", '{"server": 1}', "\x00\xff"):
        (folder / "sync.json").write_text(junk, errors="surrogateescape")
        assert load_account() is None
        (folder / LOG_FILE).write_text(junk, errors="surrogateescape")
        assert SyncLog().read()["documents"] == {}


def test_linking_resumes_after_text_the_walk_did_not_find(epub: Path) -> None:
    story = load(epub)
    documents = spine_documents(epub.read_bytes())
    # Chapters 3 to 5 (several KiB of the story's text) are missing from the walk.
    gap = [(n, text) for n, text in documents if n not in (3, 4, 5)]
    places = EpubPlaces(story, gap)
    fragments = {p.fragment for _, x in places.paths() if (p := parse_xpointer(x))}
    assert fragments == {1, 2, 6, 7, 8}
    full = dict(EpubPlaces(story, documents).paths())
    for start, pointer in places.paths():
        assert full[start] == pointer
