"""``nightstand get URL…`` and ``nightstand update [FILE|DIR]``.

Progress goes to stderr (only when it is a terminal), results to stdout: the path of each
story written by ``get``, one line per story from ``update``. Every failure is one line
``nightstand: error: …`` on stderr, the other stories go on, and the exit status is 2 if
any failed.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from nightstand.archive import ArchiveError
from nightstand.archive.epubinfo import clean, source_info

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator

    from nightstand.archive.fetch import Outcome
    from nightstand.state import StateStore

UPDATE_WORKERS: Final = 4
"""Stories updated at once: enough to overlap the waiting, few enough to be polite to sites."""
EXIT_ERROR: Final = 2


def _printable(text: str) -> str:
    from nightstand.cli import printable

    return printable(text)


def _error(message: str) -> None:
    print(f"nightstand: error: {_printable(message)}", file=sys.stderr, flush=True)


def _progress() -> Any:
    """A rich progress display on stderr, silent when stderr is not a terminal."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True)
    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("chapters", markup=False),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    )


def _library(args: argparse.Namespace) -> Path:
    from nightstand.cli import warn
    from nightstand.settings import load_settings

    settings, problems = load_settings()
    for problem in problems:
        warn(problem)
    return Path(settings.library).expanduser()


def _open_store() -> StateStore | None:
    from nightstand.cli import warn
    from nightstand.errors import StateError
    from nightstand.state import StateStore

    try:
        return StateStore.open()
    except StateError as exc:
        warn(str(exc))
        return None


def epubs_under(folder: Path) -> Iterator[Path]:
    """The EPUB files under ``folder``, hidden files and folders left out, sorted."""
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() == ".epub" and path.is_file():
            yield path


def sources_in(folder: Path, store: StateStore | None) -> dict[str, Path]:
    from nightstand.archive.seen import info_for

    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    for path in epubs_under(folder):
        info = info_for(store, path) if store is not None else source_info(path)
        if info is not None and info.source:
            found.setdefault(info.source, path)
    return found


def get(args: argparse.Namespace) -> None:
    """Download each URL into the library (or update the file that already has it)."""
    from nightstand.archive.fetch import download
    from nightstand.archive.seen import mark_seen

    library = _library(args)
    store = _open_store()
    failed = False
    with store if store is not None else nullcontext():
        existing = sources_in(library, store)
        for url in args.urls:
            shown = clean(url)
            try:
                with _progress() as progress:
                    task = progress.add_task(shown, total=None)

                    def report(
                        done: int, total: int, task: Any = task, bar: Any = progress
                    ) -> None:
                        bar.update(task, completed=done, total=total)

                    fetched = download(url, library, existing=existing, progress=report)
            except ArchiveError as exc:
                _error(str(exc))
                failed = True
                continue
            existing[fetched.source] = fetched.path
            if store is not None:
                mark_seen(store, fetched.source, fetched.chapters, only_if_new=True)
            if fetched.updated:
                note = (
                    f"{fetched.new_chapters} new chapters" if fetched.new_chapters else "up to date"
                )
                print(_printable(f"{fetched.path} ({note})"), flush=True)
            else:
                print(_printable(str(fetched.path)), flush=True)
    if failed:
        raise SystemExit(EXIT_ERROR)


def _targets(args: argparse.Namespace) -> tuple[list[Path], list[str]]:
    """The files to update, and the errors met finding them."""
    target: Path = args.path if args.path is not None else _library(args)
    target = target.expanduser()
    if target.is_file():
        return [target], []
    if target.is_dir():
        from nightstand.archive.fetch import knows

        # A book whose source no FanFicFare adapter knows (a Project Gutenberg EPUB, say)
        # is not a story to update; named on its own, it is an error like any other.
        files = []
        for path in epubs_under(target):
            info = source_info(path)
            if info is not None and info.source and knows(info.source):
                files.append(path)
        return files, []
    return [], [f"{target}: no such file or folder"]


def update(args: argparse.Namespace) -> None:
    """Look for new chapters of every story with a source URL, several at once."""
    from nightstand.archive.fetch import _fanficfare
    from nightstand.archive.fetch import update as update_one

    files, errors = _targets(args)
    for message in errors:
        _error(message)
    if errors:
        raise SystemExit(EXIT_ERROR)
    if not files:
        print("No stories with a source URL to update.")
        return
    _fanficfare()  # Once, here: threads importing it at the same time gain nothing.
    failed = False
    names = {path: _name(path) for path in files}
    with (
        _progress() as progress,
        ThreadPoolExecutor(max_workers=min(UPDATE_WORKERS, len(files))) as pool,
    ):

        def run(path: Path) -> Outcome:
            task = progress.add_task(names[path], total=None, visible=False)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total, visible=True)

            try:
                return update_one(path, include_complete=args.all, progress=report)
            finally:
                progress.remove_task(task)

        futures = {pool.submit(run, path): path for path in files}
        for future in as_completed(futures):
            outcome = future.result()
            if outcome.kind == "error":
                failed = True
                _error(f"{names[outcome.path]}: {outcome.message}")
            else:
                print(_printable(f"{names[outcome.path]}: {outcome.line()}"), flush=True)
    if failed:
        raise SystemExit(EXIT_ERROR)


def _name(path: Path) -> str:
    """How a story is named on its line: its file name, cleaned for the terminal."""
    return clean(path.name)
