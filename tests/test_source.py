"""Stories from pipes: bounded reads, the waiting line, sniffing, state keyed by content."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from nightstand.errors import StoryError
from nightstand.formats import load_bytes, sniff
from nightstand.source import (
    PIPE_PATH,
    STDIN_LABEL,
    Stream,
    load_stream,
    read_stream,
    stream_for,
)
from nightstand.state import StateStore

if TYPE_CHECKING:
    from collections.abc import Iterator

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "epub3-samples"
LIBRARY = Path(__file__).resolve().parents[1] / "library"

STORY = b"Title: Pipe Dreams\nAuthor: A. Writer\n\n" + b"The kettle sang in the dark. " * 400


def _nightstand(*args: str) -> list[str]:
    return [sys.executable, "-m", "nightstand", *args]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "story.fifo"
    os.mkfifo(path)
    return path


def _write_fifo_later(path: Path, data: bytes, start: threading.Event) -> threading.Thread:
    def writer() -> None:
        start.wait(60)
        with path.open("wb") as out:
            out.write(data)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    return thread


# -- what is a stream ----------------------------------------------------------------------


def test_dash_a_fifo_and_a_pipe_fd_are_streams_and_files_are_not(
    tmp_path: Path, fifo: Path
) -> None:
    assert stream_for(Path("-")) == Stream(None, STDIN_LABEL)
    assert stream_for(fifo) == Stream(fifo, "story.fifo")
    assert stream_for(fifo).suffix == ".fifo"  # type: ignore[union-attr]
    plain = tmp_path / "story.txt"
    plain.write_bytes(STORY)
    assert stream_for(plain) is None
    assert stream_for(tmp_path / "missing.txt") is None
    assert stream_for(None) is None
    read_fd, write_fd = os.pipe()
    try:
        behind = stream_for(Path(f"/dev/fd/{read_fd}"))
        assert behind is not None
        assert behind.suffix is None  # /dev/fd/N says nothing about the format
    finally:
        os.close(read_fd)
        os.close(write_fd)


# -- bounded reading -----------------------------------------------------------------------


def test_a_fifo_is_read_whole(fifo: Path) -> None:
    start = threading.Event()
    start.set()
    thread = _write_fifo_later(fifo, STORY, start)
    assert read_stream(Stream(fifo, fifo.name), notice=lambda _m: None) == STORY
    thread.join(30)


def test_a_silent_writer_gets_the_waiting_line_then_the_story_is_read(fifo: Path) -> None:
    said: list[str] = []
    noticed = threading.Event()

    def notice(message: str) -> None:
        said.append(message)
        noticed.set()

    thread = _write_fifo_later(fifo, STORY, noticed)  # writes only once the line is shown
    assert read_stream(Stream(fifo, fifo.name), notice=notice) == STORY
    thread.join(30)
    assert said == ["Waiting for the story on story.fifo…"]


def test_past_the_limit_while_reading_is_one_clear_error(fifo: Path) -> None:
    start = threading.Event()
    start.set()
    _write_fifo_later(fifo, b"x" * 5000, start)
    with pytest.raises(StoryError, match=r"too large \(the limit is 256 MiB\)"):
        read_stream(Stream(fifo, fifo.name), limit=4096, notice=lambda _m: None)


def test_an_empty_pipe_is_an_error(fifo: Path) -> None:
    start = threading.Event()
    start.set()
    _write_fifo_later(fifo, b"\n\n", start)
    with pytest.raises(StoryError, match=r"story\.fifo is empty"):
        read_stream(Stream(fifo, fifo.name), notice=lambda _m: None)


def test_more_than_256_mib_piped_in_is_refused_with_memory_bounded(tmp_path: Path) -> None:
    """300 MiB from a generator process: one error line, and the reader's peak memory stays
    far below what it was sent (the bytes past a few MiB wait on disk while counted)."""
    generator = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\nchunk = b'All work and no play. ' * 50000\n"
            "try:\n    for _ in range(300 * 2**20 // len(chunk) + 2):\n"
            "        sys.stdout.buffer.write(chunk)\nexcept BrokenPipeError:\n    pass\n",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert generator.stdout is not None
    # Linux keeps a process's peak RSS across exec, so a reader forked from this (large)
    # pytest process would report pytest's size: a small wrapper forks it instead and
    # reports the peak from wait4.
    measure = (
        "import os, sys\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os.execv(sys.executable, [sys.executable, '-m', 'nightstand', 'info', '-'])\n"
        "_, status, usage = os.wait4(pid, 0)\n"
        "print(usage.ru_maxrss, file=sys.stdout)\n"
        "sys.exit(os.waitstatus_to_exitcode(status))\n"
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", measure],
        stdin=generator.stdout,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    generator.stdout.close()
    out, err_bytes = reader.communicate(timeout=600)
    generator.wait(60)
    err = err_bytes.decode()
    peak_kib = int(out.decode().strip().splitlines()[-1])
    assert reader.returncode == 2, err
    # A generator slow to start on a busy machine may first cause the waiting line.
    lines = [line for line in err.splitlines() if "Waiting for the story" not in line]
    assert lines == [
        "nightstand: error: the story on standard input is too large (the limit is 256 MiB)"
    ], err
    peak_mib = peak_kib / 1024  # KiB on Linux
    assert peak_mib < 128, f"peak memory {peak_mib:.0f} MiB"
    assert not list(tmp_path.iterdir())  # the spill file went with the reader


# -- formats from content ------------------------------------------------------------------


def test_a_pipe_leaves_the_format_to_the_content() -> None:
    markdown = b"# The Lantern\n\nIt was *late*. See [the map](#map).\n"
    assert sniff(markdown, None) == "markdown"
    assert sniff(markdown, "") == "text"  # a file named without an extension stays text
    assert sniff(b"<!doctype html><p>Hi</p>", None) == "html"
    assert sniff(STORY, None) == "text"
    story = load_bytes(markdown, name="Untitled", suffix=None)
    assert story.format == "markdown"
    assert story.title == "The Lantern"


def test_an_epub_from_a_pipe_is_read_in_memory(fifo: Path) -> None:
    epubs = sorted(CORPUS.glob("*.epub")) if CORPUS.is_dir() else []
    if not epubs:
        pytest.skip("../shared/corpus is not available")
    data = epubs[0].read_bytes()
    start = threading.Event()
    start.set()
    _write_fifo_later(fifo, data, start)
    story = load_stream(Stream(fifo, fifo.name), notice=lambda _m: None)
    assert story.format == "epub"
    assert story.title != "Untitled"
    assert story.words() > 100


# -- the reading state ---------------------------------------------------------------------


def test_a_piped_story_resumes_by_content_and_is_listed_without_a_path() -> None:
    story = load_bytes(STORY, name="Untitled", suffix=None)
    with StateStore.open() as store:
        key = store.story_key(story, PIPE_PATH)
        store.save_position(key, PIPE_PATH, story, 500)
    again = load_bytes(STORY, name="Untitled", suffix=None)
    with StateStore.open() as store:
        assert store.find_key(again, PIPE_PATH) == key
        saved = store.position(key)
        assert saved is not None
        assert store.resolve(again, saved) == 500
        (recent,) = store.recent()
        assert recent.missing  # nothing to resume from a path
        (known,) = store.known_from_pipes()
        assert known.key == key
        assert known.path == ""


def test_two_different_piped_stories_are_not_one_story() -> None:
    first = load_bytes(b"It rained on Tuesday. " * 200, name="Untitled", suffix=None)
    second = load_bytes(b"The moon was a coin. " * 200, name="Untitled", suffix=None)
    with StateStore.open() as store:
        a = store.story_key(first, PIPE_PATH)
        b = store.story_key(second, PIPE_PATH)
    assert a != b


def test_a_file_read_then_piped_keeps_its_path_and_its_place(tmp_path: Path) -> None:
    from nightstand.formats import load

    path = tmp_path / "kettle.txt"
    path.write_bytes(b"The kettle sang in the dark. " * 400)
    from_file = load(path)
    piped = load_bytes(path.read_bytes(), name="Untitled", suffix=None)
    with StateStore.open() as store:
        key = store.story_key(from_file, path)
        store.save_position(key, path, from_file, 300)
        assert store.story_key(piped, PIPE_PATH) == key  # the title came from no name either
        store.save_position(key, PIPE_PATH, piped, 900)
        (recent,) = store.recent()
        assert recent.path == path  # the pipe never erased the real path
        assert not recent.missing
        assert store.known_from_pipes() == []


# -- the command line ----------------------------------------------------------------------


def _bundled() -> Path:
    stories = sorted(LIBRARY.glob("*.txt"))
    if not stories:
        pytest.skip("no bundled stories")
    return stories[0]


def test_info_dash_reads_standard_input() -> None:
    story = _bundled()
    result = subprocess.run(
        _nightstand("info", "-", "--json"),
        input=story.read_bytes(),
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    expected = subprocess.run(
        _nightstand("info", str(story), "--json"), capture_output=True, check=True, timeout=60
    )
    assert json.loads(result.stdout)["title"] == json.loads(expected.stdout)["title"]


def test_cat_dash_prints_the_pages_a_file_gives() -> None:
    story = _bundled()
    size = ["--width", "60", "--height", "20"]
    piped = subprocess.run(
        _nightstand("cat", "-", *size),
        input=story.read_bytes(),
        capture_output=True,
        check=False,
        timeout=60,
    )
    direct = subprocess.run(
        _nightstand("cat", str(story), *size), capture_output=True, check=True, timeout=60
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == direct.stdout


def test_list_shows_a_piped_story_as_from_a_pipe(tmp_path: Path) -> None:
    story = load_bytes(STORY, name="Untitled", suffix=None)
    with StateStore.open() as store:
        key = store.story_key(story, PIPE_PATH)
        store.save_position(key, PIPE_PATH, story, 100)
    config = Path(os.environ["NIGHTSTAND_CONFIG_DIR"])
    (config / "settings.toml").write_text(f'library = "{tmp_path}"\n')
    shown = subprocess.run(_nightstand("list"), capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    (line,) = [line for line in shown.stdout.splitlines() if "Pipe Dreams" in line]
    assert line.endswith("Pipe Dreams — A. Writer (from a pipe)")
    listed = subprocess.run(
        _nightstand("list", "--json"), capture_output=True, text=True, check=True, timeout=60
    )
    (entry,) = json.loads(listed.stdout)
    assert entry["path"] is None
    assert entry["from_pipe"] is True


def test_reading_a_pipe_without_a_terminal_is_one_line_and_exit_2() -> None:
    result = subprocess.run(
        _nightstand(),
        input=STORY,
        capture_output=True,
        start_new_session=True,  # no controlling terminal
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("nightstand: error: the story came from standard input and there")


@pytest.fixture
def silent_writer() -> Iterator[subprocess.Popen[bytes]]:
    """A process that holds a pipe open and never writes to it."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nwhile True: time.sleep(60)"],
        stdout=subprocess.PIPE,
    )
    yield proc
    proc.kill()
    proc.wait(30)
    if proc.stdout is not None:
        proc.stdout.close()


def _ctrl_c_as_from_a_terminal() -> None:
    """Give the child the SIGINT a program started from a terminal has.

    A suite started in the background (``uv run pytest &``, as ``tests/under_load.sh``
    does) ignores SIGINT, as a shell sets it up, and a child inherits an ignored signal:
    Python then never raises KeyboardInterrupt, and the test waited 30 s for nothing.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_while_waiting_exits_130_without_a_traceback(
    silent_writer: subprocess.Popen[bytes],
) -> None:
    reader = subprocess.Popen(
        _nightstand("info", "-"),
        stdin=silent_writer.stdout,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_ctrl_c_as_from_a_terminal,
    )
    assert reader.stderr is not None
    first = reader.stderr.readline().decode()  # blocks until the waiting line is written
    assert first == "nightstand: Waiting for the story on standard input…\n"
    reader.send_signal(signal.SIGINT)
    assert reader.wait(30) == 130
    rest = reader.stderr.read().decode()
    reader.stderr.close()
    assert "Traceback" not in rest
    assert rest == ""


def test_a_hostile_fifo_name_never_reaches_the_terminal_raw(tmp_path: Path) -> None:
    fifo = tmp_path / "evil\x1b]0;owned\x07\x1b[2J.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(
        _nightstand("info", str(fifo)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert reader.stderr is not None
    line = reader.stderr.readline().decode()
    reader.kill()
    reader.wait(30)
    reader.stderr.close()
    assert line.startswith("nightstand: Waiting for the story on evil")
    assert "\x1b" not in line
    assert "\x07" not in line


def test_info_on_a_fifo_waits_and_then_reads(fifo: Path) -> None:
    reader = subprocess.Popen(
        _nightstand("info", str(fifo), "--json"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stderr is not None
    assert reader.stderr.readline().decode() == "nightstand: Waiting for the story on story.fifo…\n"
    with fifo.open("wb") as out:
        out.write(STORY)
    out_bytes, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    assert json.loads(out_bytes)["title"] == "Pipe Dreams"


def test_the_waiting_line_waits_a_moment_first() -> None:
    """A writer that answers at once never causes the line (no flash of text)."""
    result = subprocess.run(
        _nightstand("info", "-"), input=STORY, capture_output=True, check=False, timeout=60
    )
    assert result.returncode == 0
    assert b"Waiting" not in result.stderr


def test_the_preload_child_parses_bytes_already_read() -> None:
    from nightstand.preload import Preload

    preload = Preload(PIPE_PATH, loader=lambda: load_bytes(STORY, name="Untitled", suffix=None))
    story = preload.result()
    assert story.title == "Pipe Dreams"
    assert story.author == "A. Writer"


def test_forget_dash_forgets_only_the_story_piped_in() -> None:
    kept = load_bytes(b"The moon was a coin. " * 200, name="Untitled", suffix=None)
    gone = load_bytes(STORY, name="Untitled", suffix=None)
    with StateStore.open() as store:
        keep_key = store.story_key(kept, PIPE_PATH)
        store.save_position(keep_key, PIPE_PATH, kept, 10)
        gone_key = store.story_key(gone, PIPE_PATH)
        store.save_position(gone_key, PIPE_PATH, gone, 10)
    stranger = subprocess.run(
        _nightstand("forget", "-"),
        input=b"Never seen before. " * 100,
        capture_output=True,
        timeout=60,
    )
    assert stranger.returncode == 0
    assert b"Nothing is saved" in stranger.stdout
    result = subprocess.run(
        _nightstand("forget", "-"), input=STORY, capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    with StateStore.open() as store:
        assert store.position(gone_key) is None
        assert store.position(keep_key) is not None
