"""Downloading and updating stories through FanFicFare, used as a library.

This is the only module that imports FanFicFare (about a second of imports), and only the
commands that fetch import this module. FanFicFare's adapters know the sites; nightstand
never reads a site itself. Its configuration is read from FanFicFare's usual places, so a
reader's logins, ``is_adult`` and site options carry over.

Nothing half-written is ever left: a story is written to a hidden temporary file in the
same folder and renamed over the old one only once FanFicFare has finished and the result
reads as an EPUB. A failed update leaves the old file byte for byte as it was.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from nightstand.archive import ArchiveError
from nightstand.archive.epubinfo import clean, source_info, source_info_of

if TYPE_CHECKING:
    from collections.abc import Callable

    Progress = Callable[[int, int], None]
    """Called with (chapters fetched, chapters in all) while a story downloads."""

MAX_NAME_BYTES: Final = 200
"""File names stay well under the 255 bytes most file systems allow."""
_UNSAFE: Final = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_WINDOWS_RESERVED: Final = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{d}{n}" for d in ("com", "lpt") for n in range(1, 10)}
)
_import_lock = threading.Lock()


def _fanficfare() -> Any:
    """Import FanFicFare once, quietly: its log goes nowhere near the reader's terminal."""
    import logging

    with _import_lock:
        import fanficfare
        from fanficfare import adapters, exceptions, writers  # noqa: F401
        from fanficfare.configurable import Configuration  # noqa: F401
        from fanficfare.epubutils import get_update_data  # noqa: F401

        logger = logging.getLogger("fanficfare")
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False
        return fanficfare


def config_files() -> list[Path]:
    """FanFicFare's personal.ini (and defaults.ini) locations, lowest priority first.

    The same places and order as FanFicFare's own command line: ``~/.fanficdownloader``,
    ``~/.fanficfare``, ``$XDG_CONFIG_HOME/fanficfare`` (``~/.config/fanficfare``), and the
    current folder.
    """
    home = Path.home()
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "fanficfare"
    folders = [home / ".fanficdownloader", home / ".fanficfare", xdg]
    defaults = [f / "defaults.ini" for f in folders] + [Path("defaults.ini")]
    personal = [f / "personal.ini" for f in folders] + [Path("personal.ini")]
    return defaults + personal


def _configuration(url: str, overrides: dict[str, str]) -> Any:
    fff = _fanficfare()
    from fanficfare import adapters, exceptions
    from fanficfare.configurable import Configuration

    try:
        sections = adapters.getConfigSectionsFor(url)
    except exceptions.UnknownSite:
        raise ArchiveError(f"{url}: no FanFicFare adapter knows this site") from None
    configuration = Configuration(sections, "epub")
    files = [str(Path(fff.__file__).parent / "defaults.ini")]
    files += [str(p) for p in config_files() if p.is_file()]
    try:
        configuration.read(files)
    except Exception as exc:
        raise ArchiveError(f"FanFicFare's configuration cannot be read: {exc}") from None
    if not configuration.has_section("overrides"):
        configuration.add_section("overrides")
    for key, value in overrides.items():
        configuration.set("overrides", key, value)
    return configuration


def _explain(exc: BaseException, url: str, site: str) -> str:
    """One line saying what went wrong, and what to set when a setting would help."""
    from fanficfare import exceptions

    try:
        import requests
    except ImportError:  # pragma: no cover - FanFicFare depends on requests
        requests = None  # type: ignore[assignment]

    if isinstance(exc, exceptions.UnknownSite):
        return f"{url}: no FanFicFare adapter knows this site"
    if isinstance(exc, exceptions.InvalidStoryURL):
        return f"{url}: not a story URL of {exc.domain} (one looks like {exc.example})"
    if isinstance(exc, exceptions.StoryDoesNotExist):
        return f"{url}: no such story on {site}"
    if isinstance(exc, exceptions.AdultCheckRequired):
        return (
            f"{url}: {site} asks to confirm you are an adult; set is_adult:true in the "
            f"[{site}] section of FanFicFare's personal.ini"
        )
    if isinstance(exc, exceptions.FailedToLogin):
        what = "a password" if exc.passwdonly else "a login"
        return (
            f"{url}: {site} needs {what}; set username and password in the [{site}] "
            "section of FanFicFare's personal.ini"
        )
    if isinstance(exc, exceptions.NeedTimedOneTimePassword):
        return f"{url}: {site} needs a one-time password (2FA), which only FanFicFare can ask"
    if isinstance(exc, exceptions.AccessDenied):
        return f"{url}: {site} refused access: {exc}"
    if isinstance(exc, exceptions.HTTPErrorFFF):
        return f"{url}: {site} answered HTTP {exc.status_code}"
    if requests is not None:
        if isinstance(exc, requests.exceptions.Timeout) or (
            isinstance(exc, requests.exceptions.ConnectionError) and _timed_out(exc)
        ):
            return (
                f"{url}: {site} did not answer in time (connect_timeout in FanFicFare's "
                "personal.ini sets the limit)"
            )
        if isinstance(exc, requests.exceptions.ConnectionError):
            return f"{url}: cannot reach {site} (no network, or the site is down)"
        if isinstance(exc, requests.exceptions.RequestException):
            return f"{url}: the download from {site} failed: {exc}"
    if isinstance(exc, exceptions.FailedToDownload):
        return f"{url}: {exc}"
    if isinstance(exc, OSError):
        return f"{url}: {exc}"
    return (
        f"{url}: FanFicFare could not read {site}'s pages (the site may have changed; a "
        f"newer FanFicFare may know it): {type(exc).__name__}: {exc}"
    )


@dataclass(frozen=True, slots=True)
class Fetched:
    """A story written to the library."""

    path: Path
    title: str
    source: str
    chapters: int
    new_chapters: int
    """Chapters added by this download: all of them for a new story."""
    updated: bool
    """An existing file with the same source was updated rather than a new one written."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What ``update`` did to one file."""

    path: Path
    kind: str
    """"new", "up to date", "skipped" (complete) or "error"."""
    new_chapters: int = 0
    message: str = ""

    def line(self) -> str:
        """The one line ``nightstand update`` prints for it."""
        if self.kind == "new":
            n = self.new_chapters
            return f"{n} new chapter{'s' if n != 1 else ''}"
        if self.kind == "up to date":
            return "up to date"
        if self.kind == "skipped":
            return "complete (skipped)"
        return f"error: {self.message}"


def safe_filename(title: str, author: str | None, suffix: str = ".epub") -> str:
    """``Title - Author.epub``, safe on any file system: no separators, controls or
    characters Windows refuses, no leading dot, not a reserved name, at most 200 bytes."""
    stem = clean(title) or "story"
    if author and clean(author):
        stem += f" - {clean(author)}"
    stem = unicodedata.normalize("NFC", stem)
    stem = _UNSAFE.sub("_", stem).strip(" .") or "story"
    if stem.split(".")[0].casefold() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    budget = MAX_NAME_BYTES - len(suffix.encode())
    while len(stem.encode()) > budget:
        stem = stem[:-1]
    stem = stem.rstrip(" .") or "story"
    return stem + suffix


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one rename: readers see the old file or the new one."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.stem[:40]}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        part = Path(temp)
        part.chmod(path.stat().st_mode & 0o777 if path.exists() else 0o644 & ~_umask())
        part.replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _Session:
    """One story's adapter and configuration."""

    def __init__(self, url: str, overrides: dict[str, str] | None = None) -> None:
        from fanficfare import adapters

        self.url = url
        self.site = _site_of(url)
        self.configuration = _configuration(url, overrides or {})
        try:
            self.adapter = adapters.getAdapter(self.configuration, url)
        except Exception as exc:
            raise ArchiveError(_explain(exc, url, self.site)) from None
        self.site = self.adapter.getSiteDomain()
        self._cleaned = False

    def metadata(self) -> Any:
        try:
            story = self.adapter.getStoryMetadataOnly()
        except Exception as exc:
            raise ArchiveError(_explain(exc, self.url, self.site)) from None
        if not self._cleaned:
            _clean_metadata(story.metadata, self.adapter.chapterUrls)
            self._cleaned = True
        return story

    def write(self, progress: Progress | None) -> bytes:
        from fanficfare import writers

        total = self.metadata().getChapterCount()

        def notify(fraction: float, _url: str) -> None:
            if progress is not None:
                progress(min(round(fraction * total), total), total)

        if progress is not None:
            progress(0, total)
        buffer = io.BytesIO()
        try:
            writer = writers.getWriter("epub", self.configuration, self.adapter)
            writer.writeStory(outstream=buffer, notification=notify)
        except Exception as exc:
            raise ArchiveError(_explain(exc, self.url, self.site)) from None
        data = buffer.getvalue()
        if source_info_of(data) is None:
            raise ArchiveError(f"{self.url}: FanFicFare wrote an EPUB nightstand cannot read")
        return data


def _clean_metadata(metadata: dict[str, Any], chapters: list[dict[str, Any]]) -> None:
    """Run what a site said about a story through the one sanitizer, before FanFicFare
    writes it: a title with escape sequences must reach neither the terminal nor the EPUB
    (where a control character would also make the XML unreadable)."""
    from nightstand.text import sanitize

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return sanitize(value)
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    for key, value in list(metadata.items()):
        metadata[key] = scrub(value)
    for chapter in chapters:
        if isinstance(chapter.get("title"), str):
            chapter["title"] = clean(chapter["title"])


def _timed_out(exc: BaseException) -> bool:
    """requests reports a read timeout without retries as a ConnectionError: look inside."""
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        item = stack.pop()
        if id(item) in seen or not isinstance(item, BaseException):
            continue
        seen.add(id(item))
        if isinstance(item, TimeoutError) or "timeout" in type(item).__name__.lower():
            return True
        stack += [*item.args, getattr(item, "reason", None), item.__cause__, item.__context__]
    return False


def _site_of(url: str) -> str:
    from urllib.parse import urlsplit

    return clean(urlsplit(url).hostname or url)


def knows(url: str) -> bool:
    """Whether one of FanFicFare's adapters knows the site of ``url``."""
    _fanficfare()
    from fanficfare import adapters, exceptions

    try:
        adapters.getConfigSectionsFor(url)
    except exceptions.UnknownSite:
        return False
    return True


def download(
    url: str,
    library: Path,
    *,
    existing: dict[str, Path] | None = None,
    progress: Progress | None = None,
) -> Fetched:
    """Download the story at ``url`` into ``library``, or update the file that has its source.

    ``existing`` maps source URLs to the library's files that carry them.
    """
    session = _Session(url)
    source = str(session.adapter.url)
    known = (existing or {}).get(source)
    if known is not None and known.exists():
        outcome = update(known, include_complete=True, progress=progress)
        if outcome.kind == "error":
            raise ArchiveError(outcome.message)
        info = source_info(known)
        return Fetched(
            known, known.stem, source, info.chapters if info else 0, outcome.new_chapters, True
        )
    story = session.metadata()
    title = clean(story.getMetadata("title") or "")
    author = clean(story.getMetadata("author") or "") or None
    data = session.write(progress)
    path = library / safe_filename(title, author)
    n = 2
    while path.exists():
        # Another story already has this title and author: keep both.
        path = library / safe_filename(f"{title} ({n})", author)
        n += 1
    try:
        library.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
    except OSError as exc:
        raise ArchiveError(f"cannot write {path}: {exc.strerror or exc}") from None
    chapters = story.getChapterCount()
    return Fetched(path, title or path.stem, source, chapters, chapters, False)


def update(
    path: Path, *, include_complete: bool = False, progress: Progress | None = None
) -> Outcome:
    """Look for new chapters of the story in ``path`` and add them, through FanFicFare's own
    update (the old chapters are kept from the file, only new ones are fetched)."""
    info = source_info(path)
    if info is None or info.source is None:
        return Outcome(path, "error", message=f"{path}: no source URL recorded in it")
    if info.status == "Complete" and not include_complete:
        return Outcome(path, "skipped")
    try:
        return _update(path, info.source, progress)
    except ArchiveError as exc:
        return Outcome(path, "error", message=str(exc))


def _update(path: Path, url: str, progress: Progress | None) -> Outcome:
    _fanficfare()
    from fanficfare.epubutils import get_update_data

    try:
        before = path.read_bytes()
        update_data = get_update_data(io.BytesIO(before))
    except Exception as exc:
        raise ArchiveError(f"{path}: FanFicFare cannot read it for an update: {exc}") from None
    old_chapters = int(update_data[1])
    session = _Session(url, {"never_make_cover": "true"})
    site_chapters = session.metadata().getChapterCount()
    if site_chapters <= old_chapters:
        return Outcome(path, "up to date")
    adapter = session.adapter
    (
        _url,
        _count,
        adapter.oldchapters,
        adapter.oldimgs,
        adapter.oldcover,
        adapter.calibrebookmark,
        adapter.logfile,
        adapter.oldchaptersmap,
        adapter.oldchaptersdata,
    ) = update_data[0:9]
    data = session.write(progress)
    try:
        if path.read_bytes() != before:
            raise ArchiveError(f"{path}: the file changed during the update; not replaced")
        write_atomically(path, data)
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot write the update: {exc.strerror or exc}") from None
    return Outcome(path, "new", new_chapters=site_chapters - old_chapters)
