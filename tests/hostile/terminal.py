"""The real program on a pseudo-terminal, and an audit of every byte it writes there.

:class:`Pty` is the one from ``benchmarks/bench_reader.py`` (copied: tests do not import
benchmarks), with reading to the end added; it waits for what the program writes, never for a
quiet spell. :func:`audit` checks a terminal transcript against an allowlist of the escape
sequences nightstand itself sends (through Textual): anything else, and any C1 control, stray
C0 control or BiDi override, is a leak.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

from waiting import PATIENCE, wait_until

REPO = Path(__file__).resolve().parents[2]

#: Any output at all: a key that was answered with a redraw.
ANY = re.compile(rb"[\s\S]")
#: The reader's status line: "title page", "title page 2/3", "page 4 of 9", "page …", and
#: what follows on that line up to the percent read ("… · 42%").
STATUS = re.compile(
    rb"(?:title page(?: \d+/\d+)?|page (\d+) of (\d+)|page \xe2\x80\xa6)[^\x1b\r\n]*?(\d+)%"
)


class Pty:
    """A child process on a pseudo-terminal of a given size; everything it writes is kept."""

    def __init__(self, argv: list[str], env: dict[str, str], cols: int, rows: int) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=REPO,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.buffer = b""
        self.closed = False

    def _read(self, timeout: float) -> bool:
        """Read what is there within ``timeout``; False when nothing came (or the end)."""
        if self.closed:
            return False
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.master, 1 << 16)
        except OSError:
            data = b""
        if not data:
            self.closed = True
            return False
        self.buffer += data
        return True

    def read_until(
        self, needle: bytes | re.Pattern[bytes], timeout: float = PATIENCE, since: int = 0
    ) -> re.Match[bytes]:
        """Read until ``needle`` (bytes or a pattern) has arrived after ``since``."""
        pattern = needle if isinstance(needle, re.Pattern) else re.compile(re.escape(needle))
        deadline = time.monotonic() + timeout
        while (found := pattern.search(self.buffer, since)) is None:
            left = deadline - time.monotonic()
            if left <= 0 or (not self._read(left) and self.closed):
                what = pattern.pattern
                raise TimeoutError(f"{what!r} not seen; last output {self.buffer[-400:]!r}")
        return found

    def wait_shown(self, text: str, timeout: float = PATIENCE) -> None:
        """Read until ``text`` is on the screen (in the transcript, escape sequences aside)."""

        def shown() -> bool:
            self._read(0.1)
            return text in visible_text(self.text())

        wait_until(shown, f"{text!r} on the screen", timeout=timeout)

    def watch(self, seconds: float) -> None:
        """Read for ``seconds``: only to see that something does NOT come (a slow machine
        makes such a check weaker, never red); never to wait for something."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self._read(left)

    def key(
        self, data: bytes, expect: bytes | re.Pattern[bytes] | None = ANY, timeout: float = PATIENCE
    ) -> re.Match[bytes] | None:
        """Type ``data``; wait for ``expect`` to be written after it (by default: any output).

        ``expect=None`` waits for nothing: keys reach the program in order, so a key that
        follows is still read after this one.
        """
        mark = len(self.buffer)
        os.write(self.master, data)
        return None if expect is None else self.read_until(expect, timeout, since=mark)

    def resize(self, cols: int, rows: int) -> None:
        """Set the window size and tell the child."""
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGWINCH)

    def read_to_end(self, timeout: float = PATIENCE) -> int:
        """Read everything until the program exits; return its exit status."""
        deadline = time.monotonic() + timeout
        while not self.closed and time.monotonic() < deadline:
            self._read(0.2)
            if self.proc.poll() is not None:
                while self._read(1.0):  # what the program wrote before it ended
                    pass
                break
        return self.proc.wait(timeout=max(deadline - time.monotonic(), 1))

    def close(self) -> None:
        """Stop the child (if it still runs) and free the terminal."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        os.close(self.master)

    def text(self) -> str:
        """The transcript as text (UTF-8, damage shown as U+FFFD)."""
        return self.buffer.decode("utf-8", errors="replace")


def nightstand(*args: str) -> list[str]:
    """The command line that runs nightstand from this checkout."""
    return [sys.executable, "-m", "nightstand", *args]


def pty_env(state: Path, config: Path) -> dict[str, str]:
    """A terminal environment with private state and config folders."""
    return {
        **os.environ,
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "NIGHTSTAND_STATE_DIR": str(state),
        "NIGHTSTAND_CONFIG_DIR": str(config),
        "PYTHONPATH": str(REPO / "src"),
    }


# ----------------------------------------------------------------------------- the audit

_SEQUENCE = re.compile(
    r"\x1b\[(?P<csi_params>[0-?]*)(?P<csi_inter>[ -/]*)(?P<csi_final>[@-~])"
    r"|\x1b\](?P<osc>[^\x07\x1b]*)(?:\x07|\x1b\\)"
    r"|\x1b(?P<other>.?)",
    re.DOTALL,
)
_ALLOWED_MODES = {1, 7, 12, 25, 1000, 1002, 1003, 1004, 1006, 1015, 1049, 2004, 2026, 2048}
_POINTER_SHAPE = re.compile(r"22;[a-z-]{1,32}")
_FORBIDDEN_CHARS = re.compile(
    "[\x00-\x06\x08\x09\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_VISIBLE_JUNK = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b.?", re.DOTALL
)


@dataclass
class Audit:
    """What a transcript holds: sequences by kind, and every violation found."""

    sequences: int = 0
    violations: list[str] = field(default_factory=list)


def _sgr_ok(params: str) -> bool:
    values = [p for p in re.split("[;:]", params) if p != ""]
    i = 0
    while i < len(values):
        v = int(values[i]) if values[i].isdigit() else -1
        if v in (38, 48, 58) and i + 1 < len(values):
            i += 3 if values[i + 1] == "5" else 5
            continue
        if v in (5, 6, 8) or v < 0:  # blink, rapid blink, conceal: never the app's own
            return False
        i += 1
    return True


def _csi_ok(params: str, inter: str, final: str, cols: int, rows: int) -> bool:
    """Whether a CSI sequence is one the app (Textual) sends itself."""
    if final == "m" and not inter:
        return _sgr_ok(params)
    if final == "H" and not inter:
        parts = [int(p) if p.isdigit() else 1 for p in [*params.split(";"), "1"][:2]]
        return bool(re.fullmatch(r"\d*(;\d*)?", params)) and parts[0] <= rows and parts[1] <= cols
    if final in "hl" and not inter and params.startswith("?"):
        return all(p.isdigit() and int(p) in _ALLOWED_MODES for p in params[1:].split(";"))
    if final == "p" and inter == "$" and params.startswith("?"):
        return params[1:].isdigit() and int(params[1:]) in _ALLOWED_MODES
    if final == "u" and not inter:
        return bool(re.fullmatch(r"[<>=]?\d*", params))
    return False


def audit(transcript: str, cols: int, rows: int, *, form_feeds: bool = False) -> Audit:
    """Check every escape sequence and control character of a terminal transcript.

    ``form_feeds`` allows the page separators ``nightstand cat`` writes itself.
    """
    if form_feeds:
        transcript = transcript.replace("\f", "\n")
    result = Audit()
    bad = result.violations
    last = 0
    for m in _SEQUENCE.finditer(transcript):
        result.sequences += 1
        between = transcript[last : m.start()]
        last = m.end()
        for c in _FORBIDDEN_CHARS.findall(between):
            bad.append(f"control character U+{ord(c):04X} near {between[-40:]!r}")
        if "\x07" in between:
            bad.append(f"a BEL outside an OSC near {between[-40:]!r}")
        seq = m.group()
        if m.group("csi_final") is not None:
            if not _csi_ok(*m.group("csi_params", "csi_inter", "csi_final"), cols, rows):
                bad.append(f"a CSI that is not the app's own: {seq!r}")
        elif m.group("osc") is not None:
            if not _POINTER_SHAPE.fullmatch(m.group("osc")):
                bad.append(f"an OSC that is not the app's own: {seq!r}")
        else:
            bad.append(f"an escape sequence that is not the app's own: {seq!r}")
    tail = transcript[last:]
    for c in _FORBIDDEN_CHARS.findall(tail):
        bad.append(f"control character U+{ord(c):04X} near {tail[-40:]!r}")
    if "\x07" in tail:
        bad.append("a BEL outside an OSC at the end")
    return result


def visible_text(transcript: str) -> str:
    """The transcript with every escape sequence removed: what the screen was given to show."""
    # A cursor move starts another stretch of the screen: keep the stretches apart.
    return _VISIBLE_JUNK.sub(lambda m: "\n" if m.group().endswith("H") else "", transcript)


# ----------------------------------------------------------------------------- tmux


class TmuxServer:
    """A private tmux server (its own socket) running nightstand in sessions of its own.

    Unlike ``tests/e2e/conftest.py``'s helper, the program is ``exec``-ed, so the pane's
    process is nightstand itself and can be killed by its id.
    """

    def __init__(self, env: dict[str, str], workdir: Path, cols: int = 80, rows: int = 24) -> None:
        self.socket = f"nightstand-hostile-{os.getpid()}-{time.monotonic_ns() % 10**9}"
        self.env = env
        self.cols, self.rows = cols, rows
        # Read when the server starts: no status line, so the pane is the whole window.
        self.config = workdir / "tmux.conf"
        self.config.write_text("set -g status off\n")
        # A session that outlives the others keeps the server (and its socket) up between
        # programs: a server shutting down as the next session starts refuses it.
        result = self.tmux("new-session", "-d", "-s", "keep", "sleep 86400")
        assert result.returncode == 0, result.stderr

    def tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one tmux command against this server."""
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.config), *args],
            capture_output=True,
            text=True,
            env=self.env,
            check=False,
            timeout=15,
        )

    def start(self, session: str, *args: str) -> int:
        """Start ``nightstand ARGS`` in a new session; return the program's process id."""
        names = ("NIGHTSTAND_STATE_DIR", "NIGHTSTAND_CONFIG_DIR", "TERM", "COLORTERM", "PYTHONPATH")
        env_args = [f"{k}={self.env[k]}" for k in names if k in self.env]
        command = " ".join(_quote(c) for c in ["exec", "env", *env_args, *nightstand(*args)])
        size = ["-x", str(self.cols), "-y", str(self.rows)]
        result = self.tmux("new-session", "-d", "-s", session, *size, command)
        assert result.returncode == 0, result.stderr
        pid = self.tmux("display-message", "-p", "-t", session, "#{pane_pid}").stdout.strip()
        return int(pid)

    def send(self, session: str, *keys: str) -> None:
        """Type keys (tmux key names: Space, q, C-c …)."""
        self.tmux("send-keys", "-t", session, *keys)

    def screen(self, session: str) -> str:
        """The visible screen of a session, as text."""
        return self.tmux("capture-pane", "-p", "-t", session).stdout

    def pane_size(self, session: str) -> tuple[int, int]:
        """The pane's width and height in cells."""
        out = self.tmux("display-message", "-p", "-t", session, "#{pane_width} #{pane_height}")
        width, height = out.stdout.split()
        return int(width), int(height)

    def wait_for(self, session: str, text: str, timeout: float = PATIENCE) -> str:
        """Poll a session's screen until it shows ``text``; return that screen."""

        def probe() -> str | None:
            screen = self.screen(session)
            return screen if text in screen else None

        found = wait_until(
            probe, f"{text!r} on {session}", timeout=timeout, show=lambda: self.screen(session)
        )
        assert found is not None
        return found

    def kill_server(self) -> None:
        """Stop the server and everything in it."""
        self.tmux("kill-server")


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"
