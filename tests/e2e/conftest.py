"""Drive the real `nightstand` program in tmux, the way a person uses it.

Every wait is on what the screen shows (``Tmux.wait_for``, ``Tmux.wait_for_page``) or on a
process ending, through the shared helpers of ``tests/waiting.py`` (``wait_until``,
``wait_for_exit``, ``status_page``): import them from ``waiting`` in a test, never sleep.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from waiting import PATIENCE, status_page, wait_until

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


class Tmux:
    """One tmux server of our own (its own socket), one session, one window."""

    def __init__(self, tmp: Path, width: int = 80, height: int = 24) -> None:
        self.socket = f"nightstand-{uuid.uuid4().hex[:8]}"
        self.width, self.height = width, height
        self.env = {
            **os.environ,
            "NIGHTSTAND_STATE_DIR": str(tmp / "state"),
            "NIGHTSTAND_CONFIG_DIR": str(tmp / "config"),
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
        }
        self.session = "reader"

    def _tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            env=self.env,
            check=False,
            timeout=10,
        )

    def start(self, *args: str, extra_env: dict[str, str] | None = None) -> None:
        """Start `python -m nightstand ARGS` in a fresh window (``extra_env`` added)."""
        env_args = [
            f"{k}={self.env[k]}"
            for k in ("NIGHTSTAND_STATE_DIR", "NIGHTSTAND_CONFIG_DIR", "TERM", "COLORTERM")
        ] + [f"{k}={v}" for k, v in (extra_env or {}).items()]
        command = [
            "env",
            *env_args,
            sys.executable,
            "-m",
            "nightstand",
            *args,
        ]
        result = self._tmux(
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            str(self.width),
            "-y",
            str(self.height),
            " ".join(_quote(c) for c in command) + "; sleep 30",
        )
        assert result.returncode == 0, result.stderr

    def send(self, *keys: str) -> None:
        """Type keys (tmux key names: Space, q, C-c …)."""
        self._tmux("send-keys", "-t", self.session, *keys)

    def screen(self) -> str:
        """The visible screen, as text."""
        return self._tmux("capture-pane", "-p", "-t", self.session).stdout

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = PATIENCE) -> str:
        """Poll the screen until ``predicate`` holds; return that screen."""

        def probe() -> str | None:
            screen = self.screen()
            return screen if predicate(screen) else None

        found = wait_until(probe, "the screen to change", timeout=timeout, show=self.diagnose)
        assert found is not None
        return found

    def wait_for_change(self, before: str, timeout: float = PATIENCE) -> str:
        """Wait until the screen differs from ``before``; return the new screen."""
        return self.wait_for(lambda s: s != before, timeout)

    def wait_for_page(self, number: int, timeout: float = PATIENCE) -> str:
        """Wait until the status line shows page ``number`` (0: the title page)."""
        return self.wait_for(lambda s: status_page(s) == number, timeout)

    def diagnose(self) -> str:
        """The screen, then what runs in the pane (state, kernel wait) and any crash report:
        what a failed wait needs to tell a slow program from a stuck or dead one."""
        shell = self._tmux("display-message", "-p", "-t", self.session, "#{pane_pid}").stdout
        ps = subprocess.run(
            ["ps", "-o", "pid,stat,wchan:20,etime,args", "--ppid", shell.strip() or "0"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        crash = Path(self.env["NIGHTSTAND_STATE_DIR"]) / "crash.log"
        report = crash.read_text(errors="replace")[-2000:] if crash.exists() else "(none)"
        return f"{self.screen()}\n-- in the pane:\n{ps}-- crash.log: {report}"

    def pane_pid(self) -> int:
        """The process id of the shell running in the pane."""
        return int(self._tmux("display-message", "-p", "-t", self.session, "#{pane_pid}").stdout)

    def kill(self) -> None:
        """Stop the tmux server and everything in it; the next start uses a new server."""
        self._tmux("kill-server")
        self.socket = f"nightstand-{uuid.uuid4().hex[:8]}"


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    """A private tmux server, killed after the test."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    t = Tmux(tmp_path)
    yield t
    t.kill()
