"""The command line: read (the default), info, cat, list, forget.

Every failure a reader can cause (a missing file, a broken one, an unusable state folder)
ends as one line on stderr, ``nightstand: error: …``, and exit status 2; never a traceback.
"""

from __future__ import annotations

import os
import sys
import traceback
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

from nightstand import __version__
from nightstand.errors import NightstandError
from nightstand.text import sanitize

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

    from nightstand.state import StateStore
    from nightstand.story import Story

COMMANDS = ("read", "info", "cat", "list", "forget", "get", "update", "sync")
WORDS_PER_MINUTE = 250
EXIT_ERROR = 2


def printable(text: str) -> str:
    """Text safe to print on one terminal line (file names can hold escape sequences)."""
    return " ".join(sanitize(text).split("\n"))


def fail(message: str) -> NoReturn:
    """Print one error line and exit with status 2."""
    print(f"nightstand: error: {printable(message)}", file=sys.stderr)
    raise SystemExit(EXIT_ERROR)


def warn(message: str) -> None:
    """Print one warning line on stderr."""
    print(f"nightstand: warning: {printable(message)}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one subcommand per verb."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="nightstand",
        description="A terminal e-reader for stories. `nightstand FILE` reads a story; "
        "`nightstand FOLDER` opens a library; no argument resumes the last story read.",
    )
    parser.add_argument("--version", action="version", version=f"nightstand {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    read = sub.add_parser("read", help="read a story, or browse a folder of stories (default)")
    read.add_argument(
        "path", nargs="?", type=Path, help="a story file or a folder; - reads standard input"
    )

    info = sub.add_parser("info", help="describe a story: headers, chapters, words")
    info.add_argument("path", type=Path, help="the story file; - reads standard input")
    info.add_argument("--json", action="store_true", help="print JSON, for scripts")
    info.add_argument("--reveal-spoilers", action="store_true", help="show spoiler headers")

    cat = sub.add_parser("cat", help="print the typeset pages, separated by form feeds")
    cat.add_argument("path", type=Path, help="the story file; - reads standard input")
    cat.add_argument("--width", type=int, help="page width in cells (default: terminal)")
    cat.add_argument("--height", type=int, help="page height in lines (default: terminal)")
    cat.add_argument("--reveal-spoilers", action="store_true", help="show spoiler headers")
    cat.add_argument("--measure", type=int, help="widest line of text in cells (default: 72)")
    cat.add_argument(
        "--justify", action=argparse.BooleanOptionalAction, help="fill every line but the last"
    )
    cat.add_argument(
        "--hyphenate", action=argparse.BooleanOptionalAction, help="hyphenate (needs pyphen)"
    )
    cat.add_argument(
        "--paragraphs", choices=("blank", "indent"), help="blank lines or first-line indents"
    )
    cat.add_argument(
        "--line-breaking",
        choices=("optimal", "greedy"),
        help="break each paragraph as a whole (optimal) or line by line (greedy)",
    )
    cat.add_argument(
        "--typography",
        choices=("smart", "as-written"),
        help="curly quotes, dashes and ellipses (smart) or the story's own characters",
    )

    lst = sub.add_parser("list", help="list the stories of a folder, most recently read first")
    lst.add_argument("path", nargs="?", type=Path, help="the folder (default: your library)")
    lst.add_argument("--json", action="store_true", help="print JSON, for scripts")

    forget = sub.add_parser("forget", help="delete the saved state of a story")
    forget.add_argument("path", type=Path, help="the story file; - reads standard input")

    get = sub.add_parser("get", help="download stories from their archives (FanFicFare)")
    get.add_argument("urls", nargs="+", metavar="URL", help="a story's URL")

    update = sub.add_parser("update", help="fetch new chapters of downloaded stories")
    update.add_argument("path", nargs="?", type=Path, help="an EPUB or a folder (default: library)")
    update.add_argument("--all", action="store_true", help="include stories marked complete")

    from nightstand.sync.command import add_parser as add_sync_parser

    add_sync_parser(sub)
    return parser


def _plain_read(args_in: list[str]) -> argparse.Namespace | None:
    """``read`` with at most a path and no option (``nightstand FILE``), as the parser would
    read it, without building the parser: the reader's start-up does not wait for
    argparse and its gettext lookups (about 8 ms). None for anything else."""
    if args_in[0] != "read" or len(args_in) > 2:
        return None
    path = args_in[1] if len(args_in) == 2 else None
    if path is not None and path != "-" and (path[:1] == "-" or not path):
        return None
    from types import SimpleNamespace

    return cast(
        "argparse.Namespace",
        SimpleNamespace(command="read", path=None if path is None else Path(path)),
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``nightstand`` console script."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in and args_in[0] not in COMMANDS and (args_in[0] == "-" or args_in[0][:1] != "-"):
        args_in.insert(0, "read")
    elif not args_in:
        args_in = ["read"]
    args = _plain_read(args_in) or build_parser().parse_args(args_in)
    try:
        handler = _HANDLERS[args.command]
        handler(args)
    except NightstandError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except BrokenPipeError:
        # The reader of a pipe (`nightstand cat … | head`) left early: not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(0) from None
    except Exception:
        # A bug, not the reader's doing: the details go to a file, the reader gets one line.
        from nightstand.crash import crash_line, write_crash_log

        fail(crash_line(write_crash_log(traceback.format_exc())))


def _info(args: argparse.Namespace) -> None:
    from nightstand.consent import saved_consent
    from nightstand.settings import load_settings
    from nightstand.source import load_path

    path, story = load_path(args.path)
    # What the reader chose in the reader is followed here too (the flag reveals once).
    revealed, warnings = saved_consent(path, story, load_settings()[0])
    data = info_data(story, reveal=args.reveal_spoilers or revealed, warnings=warnings)
    data.update(_source(path, story))
    extra = _saved_state(path, story)
    data.update(extra)
    if args.json:
        from nightstand.source import PIPE_PATH
        from nightstand.sync.command import info_sync

        data["sync"] = info_sync(path) if path != PIPE_PATH else None
        import json

        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(format_info(data))


def _source(path: Path, story: Story) -> dict[str, Any]:
    """Where a story from an archive came from (FanFicFare records it in the EPUB)."""
    from nightstand.archive.epubinfo import source_info
    from nightstand.source import PIPE_PATH

    # A pipe cannot be read twice: its EPUB's source is not looked up.
    info = source_info(path) if story.format == "epub" and path != PIPE_PATH else None
    return {"source": info.source if info else None, "status": info.status if info else None}


def _saved_state(path: Path, story: Story) -> dict[str, Any]:
    """The saved reading position of a story, if the state store knows it.

    The state is a bonus here: when it cannot be read, ``info`` still describes the story.
    """
    from nightstand.errors import StateError
    from nightstand.state import StateStore

    try:
        store = StateStore.open()
    except StateError as exc:
        warn(str(exc))
        return {}
    with store:
        summary = saved_summary(path, story, store)
        for message in store.warnings:
            warn(message)
    return summary


def saved_summary(path: Path, story: Story, store: StateStore | None = None) -> dict[str, Any]:
    """What ``nightstand info`` adds about a story's saved state; ``{}`` if nothing is saved.

    Keys: ``position`` (the offset it would open at), ``percent``, ``last_read`` (ISO 8601),
    ``chapter``, ``bookmarks`` (how many). Opens the default store unless one is given.
    """
    from nightstand.state import StateStore, iso_time
    from nightstand.state.anchoring import chapter_at, percent_at

    own = store is None
    active = StateStore.open() if store is None else store
    try:
        key = active.find_key(story, path)
        saved = active.position(key) if key else None
        if key is None or saved is None:
            return {}
        offset = active.resolve(story, saved)
        percent = saved.percent
        if saved.words != active.story_words(key, story):
            # The story changed since: the old share no longer describes it.
            percent = percent_at(story, offset)
        return {
            "position": offset,
            "percent": percent,
            "last_read": iso_time(saved.last_read),
            "chapter": chapter_at(story, offset),
            "bookmarks": len(active.bookmarks(key)),
        }
    finally:
        if own:
            active.close()


def info_data(story: Story, *, reveal: bool, warnings: bool = False) -> dict[str, Any]:
    """What ``nightstand info --json`` prints; its keys are stable for scripts."""
    from nightstand.headers import is_content_warning

    words = story.words()
    emphasis = [
        {"offset": b.start + s.start, "text": story.text[b.start + s.start : b.start + s.end]}
        for b in story.blocks
        for s in b.spans
    ]
    return {
        "title": story.title,
        "author": story.author,
        "format": story.format,
        "encoding": story.encoding,
        "headers": [
            {
                "key": h.key,
                "value": h.value
                if reveal or not h.spoiler or (warnings and is_content_warning(h))
                else None,
                "spoiler": h.spoiler,
            }
            for h in story.headers
        ],
        "spoiler_keys": list(story.spoiler_keys),
        "chapters": [{"title": c.title, "offset": c.offset} for c in story.chapters],
        "scene_breaks": story.scene_breaks,
        "words": words,
        "reading_minutes": round(words / WORDS_PER_MINUTE),
        "end_mark": story.has_end_mark,
        "emphasis": emphasis,
        "warnings": list(story.warnings),
    }


def format_info(data: dict[str, Any]) -> str:
    """The human-readable form of :func:`info_data`."""
    from nightstand.progress import format_minutes

    lines = [
        f"Title:        {data['title']}",
        f"Author:       {data['author'] or 'unknown'}",
        f"Format:       {data['format']} ({data['encoding']})",
    ]
    if data.get("source"):
        lines.append(f"Source:       {data['source']} ({data.get('status') or 'status unknown'})")
    if data["headers"]:
        lines.append("Headers:")
        for h in data["headers"]:
            value = h["value"] if h["value"] is not None else "hidden (--reveal-spoilers shows it)"
            lines.append(f"  {h['key']}: {value}")
    lines.append(f"Chapters:     {len(data['chapters'])}")
    lines.extend(f"  {c['title']}" for c in data["chapters"])
    span = format_minutes(data["reading_minutes"])
    lines += [
        f"Scene breaks: {data['scene_breaks']}",
        f"Words:        {data['words']:,} (about {span} at {WORDS_PER_MINUTE} words a minute)",
        f"End mark:     {'yes' if data['end_mark'] else 'no'}",
    ]
    if data.get("percent") is not None:
        from nightstand.dates import human_iso

        when = human_iso(str(data.get("last_read")))
        lines.append(f"Read:         {data['percent']:.0f}% (last read {when})")
    lines.extend(f"Warning:      {w}" for w in data["warnings"])
    return "\n".join(printable(line) for line in lines)


def _read(args: argparse.Namespace) -> None:
    from contextlib import ExitStack

    from nightstand.openssl_later import openssl_held_back

    with ExitStack() as held:
        # First of all, until the UI is imported: nothing loads OpenSSL (see that module).
        held.enter_context(openssl_held_back())
        from nightstand.libc import one_heap
        from nightstand.opening import plan_opening
        from nightstand.shutdown import Shutdown
        from nightstand.source import stdin_is_story

        path: Path | None = args.path
        # Before any thread starts: the reader's threads share one heap (see nightstand.libc).
        one_heap()
        if path is None and stdin_is_story():
            path = Path("-")  # `cmd | nightstand` reads the story from the pipe, like less
        # From here to the end, SIGHUP, SIGTERM and SIGINT end the reader within a bound.
        guard = Shutdown()
        guard.install()
        if os.isatty(0):
            from nightstand.shutdown import watch_terminal

            watch_terminal(0)
        try:
            # Decide, and start loading the story, before importing the UI: the two overlap.
            # A story on a pipe is read here: Ctrl-C while waiting for it exits with 130.
            opening = plan_opening(path)
            guard.cleanups.append(opening.store.close)
            if opening.preload is not None:
                guard.cleanups[:0] = [opening.preload.kill]
                guard.cleanups.append(opening.preload.cancel)
            from nightstand.ui.app import run

            held.close()  # the UI is in: from here on, ssl loads when something asks for it
            run(opening, guard)
        finally:
            guard.uninstall()  # the reader is over (or never started): signals as they were


def _cat(args: argparse.Namespace) -> None:

    from nightstand.cat import page_size, write_pages
    from nightstand.settings import load_settings
    from nightstand.source import load_path

    # The reader's own settings, so that `cat` shows the pages the reader shows.
    settings, problems = load_settings()
    for problem in problems:
        warn(problem)
    layout = settings.layout(
        measure=args.measure,
        justify=args.justify,
        hyphenate=args.hyphenate,
        paragraph_style=args.paragraphs,
        line_breaking=args.line_breaking,
    )
    width, height = page_size(args.width, args.height)
    path, story = load_path(args.path, typography=args.typography or settings.typography)
    from nightstand.consent import saved_consent

    revealed, warnings = saved_consent(path, story, settings)
    write_pages(
        sys.stdout,
        story,
        width,
        height,
        layout,
        reveal_spoilers=args.reveal_spoilers or revealed,
        show_warnings=warnings,
    )


def _list(args: argparse.Namespace) -> None:
    from nightstand.library import entry_data, scan, with_pipes
    from nightstand.settings import load_settings
    from nightstand.state import StateStore

    folder: Path | None = args.path
    history = folder is None
    if folder is None:
        # No folder: the library, as the reader shows it (every story read, and the folder).
        settings, warnings = load_settings()
        for message in warnings:
            warn(message)
        folder = settings.library
    with StateStore.open() as store:
        entries = scan(folder, store, history=history)
        if args.path is None:
            # Stories read from pipes belong to no folder: the library lists them.
            entries = with_pipes(entries, store)
        for message in store.warnings:
            warn(message)
    if args.json:
        import json

        print(json.dumps([entry_data(e) for e in entries], ensure_ascii=False, indent=2))
        return
    if not entries:
        from nightstand.guidance import empty_library

        folder = folder.expanduser()
        text = empty_library(folder, folder_exists=folder.is_dir(), commands=COMMANDS)
        for line in text.splitlines():
            print(printable(line))
        return
    print(f"{'READ':>4}  {'LAST READ':<16}  {'WORDS':>9}  {'FORMAT':<8}  TITLE")
    for e in entries:
        read = f"{e.percent:3.0f}%" if e.last_read is not None else "   -"
        when = (
            datetime.fromtimestamp(e.last_read).strftime("%Y-%m-%d %H:%M")
            if e.last_read is not None
            else "never"
        )
        title = f"{e.title} — {e.author}" if e.author else e.title
        if e.from_pipe:
            title += " (from a pipe)"
        elif e.missing:
            title += f" (missing: {e.path})"
        elif e.error:
            title = f"{e.path.name}: {e.error}"
        print(printable(f"{read:>4}  {when:<16}  {e.words:>9,}  {e.format or '-':<8}  {title}"))


def _forget(args: argparse.Namespace) -> None:
    from nightstand.source import PIPE_PATH, load_path
    from nightstand.state import StateStore

    path: Path = args.path
    where = path
    with StateStore.open() as store:
        for message in store.warnings:
            warn(message)
        key = title = None
        if path.exists() or str(path) == "-":
            where, story = load_path(path)
            key, title = store.find_key(story, where), story.title
        if key is None and where != PIPE_PATH:  # a pipe has no last known place
            # The file is gone, or changed past recognition: its last known place finds it.
            key = store.key_for_path(path)
        if key is None:
            print(printable(f"Nothing is saved for {path}."))
            return
        if store.read_only:
            fail(f"cannot forget {path}: the reading state cannot be changed now")
        marks = len(store.bookmarks(key))
        shown = len(store.warnings)
        store.forget(key)
        for message in store.warnings[shown:]:
            warn(message)
    done = f"Forgot the reading position, spoiler choice and {marks} bookmark(s) of "
    print(printable(done + (f"“{title}” ({path})." if title else f"{path}.")))


def _get(args: argparse.Namespace) -> None:
    from nightstand.archive.commands import get

    get(args)


def _update(args: argparse.Namespace) -> None:
    from nightstand.archive.commands import update

    update(args)


def _sync(args: argparse.Namespace) -> None:
    from nightstand.sync.command import run

    run(args)


_HANDLERS = {
    "read": _read,
    "info": _info,
    "cat": _cat,
    "list": _list,
    "forget": _forget,
    "get": _get,
    "update": _update,
    "sync": _sync,
}
