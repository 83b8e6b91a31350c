"""FanFicFare's offline test site, test1.com, set up through a personal.ini of our own.

Stories with ids from 1000 take their title, author, status, dates and chapter titles from
``[teststory:ID]`` sections of the configuration, so a story "grows" when its section gains
chapter titles and a newer ``dateUpdated``. Chapters can also point at URLs on a server in
the test (``chapter_urls``), which is how the network errors are staged on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

NO_NETWORK = pytest.mark.allow_hosts(["127.0.0.1"])
"""pytest-socket: any connection beyond this machine fails the test."""


class TestSite:
    """The personal.ini in a temporary ``$XDG_CONFIG_HOME/fanficfare``."""

    __test__ = False

    def __init__(self, config_home: Path) -> None:
        self.folder = config_home / "fanficfare"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.stories: dict[int, dict[str, str]] = {}
        self.extra = ""
        self.write()

    def url(self, sid: int) -> str:
        return f"http://test1.com?sid={sid}"

    def add(
        self,
        sid: int,
        title: str = "",
        *,
        chapters: int = 3,
        status: str = "In-Progress",
        updated: str = "2024-01-01",
        author: str = "Ann Author",
        extra: dict[str, str] | None = None,
    ) -> str:
        entry = {
            "title": title or f"Story {sid}",
            "author_list": author,
            "status": status,
            "datePublished": "2023-06-01",
            "dateUpdated": updated,
            "chaptertitles": ",".join(chapter_title(n) for n in range(1, chapters + 1)),
        }
        entry.update(extra or {})
        self.stories[sid] = entry
        self.write()
        return self.url(sid)

    def grow(self, sid: int, chapters: int, updated: str = "2024-02-01") -> None:
        self.stories[sid]["chaptertitles"] = ",".join(
            chapter_title(n) for n in range(1, chapters + 1)
        )
        self.stories[sid]["dateUpdated"] = updated
        self.write()

    def write(self) -> None:
        lines = [
            "[defaults]",
            "max_request_retries:0",
            "connect_timeout:2",
            "slow_down_sleep_time:0",
            self.extra,
        ]
        for sid, entry in self.stories.items():
            lines.append(f"[teststory:{sid}]")
            for key, value in entry.items():
                if "\n" in value:
                    value = "\n " + "\n ".join(value.splitlines())
                lines.append(f"{key}:{value}")
        (self.folder / "personal.ini").write_text("\n".join(lines) + "\n", encoding="utf-8")


def chapter_title(n: int) -> str:
    return f"Chapter {n}"


@contextlib.contextmanager
def local_server(body: bytes = b"<html><body><p>nothing here</p></body></html>") -> Iterator[str]:
    """An HTTP server on 127.0.0.1 answering every GET with ``body``; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """A port on 127.0.0.1 that accepts connections and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def closed_port() -> str:
    """A URL on 127.0.0.1 where nothing listens (connections are refused)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def fanficfare_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestSite:
    """Point FanFicFare's configuration at a fresh personal.ini, away from the real home."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    return TestSite(tmp_path / "xdg")
