"""Drive the real `nightstand` program in tmux, the way a person uses it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path


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

    def start(self, *args: str) -> None:
        """Start `python -m nightstand ARGS` in a fresh window."""
        env_args = [
            f"{k}={self.env[k]}"
            for k in ("NIGHTSTAND_STATE_DIR", "NIGHTSTAND_CONFIG_DIR", "TERM", "COLORTERM")
        ]
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

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 15.0) -> str:
        """Poll the screen until ``predicate`` holds; return that screen."""
        deadline = time.monotonic() + timeout
        screen = self.screen()
        while not predicate(screen):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; screen was:\n{screen}")
            time.sleep(0.05)
            screen = self.screen()
        return screen

    def wait_for_change(self, before: str, timeout: float = 10.0) -> str:
        """Wait until the screen differs from ``before`` and has stopped changing."""
        self.wait_for(lambda s: s != before, timeout)
        return self.wait_stable()

    def wait_stable(self, quiet: float = 0.3, timeout: float = 10.0) -> str:
        """Wait until the screen stays the same for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        last = self.screen()
        since = time.monotonic()
        while time.monotonic() - since < quiet:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
            now = self.screen()
            if now != last:
                last, since = now, time.monotonic()
        return last

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
