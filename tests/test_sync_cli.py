"""`nightstand sync login|status|logout` and `info --json`'s sync key, against a kosync server."""

from __future__ import annotations

import io
import json
import stat
from typing import TYPE_CHECKING

import pytest

from kosync_server import KosyncServer
from nightstand.cli import main
from nightstand.state import state_dir
from nightstand.sync.account import SyncLog, load_account
from nightstand.sync.digest import partial_md5, password_key
from sync_helpers import write_epub

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def server() -> Iterator[KosyncServer]:
    with KosyncServer() as s:
        yield s


def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_login_register_status_logout(
    server: KosyncServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        monkeypatch,
        capsys,
        *("sync", "login", server.url, "reader", "--register", "--password-stdin"),
        *("--device", "Laptop"),
        stdin="correct horse\n",
    )
    assert (code, err) == (0, "")
    assert "Registered and logged in as reader" in out
    assert server.users == {"reader": password_key("correct horse")}
    account = load_account()
    assert account is not None
    assert (account.server, account.user, account.device) == (server.url, "reader", "Laptop")
    path = state_dir() / "sync.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "correct horse" not in path.read_text()

    code, out, _ = run(monkeypatch, capsys, "sync", "status")
    assert code == 0
    assert server.url in out
    assert "last push  never" in out

    # Logging in again (no --register) keeps this device's id.
    code, _, _ = run(
        monkeypatch,
        capsys,
        *("sync", "login", server.url, "reader", "--password-stdin"),
        stdin="correct horse\n",
    )
    again = load_account()
    assert code == 0
    assert again is not None
    assert again.device_id == account.device_id

    code, out, _ = run(monkeypatch, capsys, "sync", "logout")
    assert (code, out.strip()) == (0, "Logged out.")
    assert load_account() is None
    assert not path.exists()
    _, out, _ = run(monkeypatch, capsys, "sync", "status")
    assert "Sync is off" in out


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("--register",), "pw\n", "already registered"),
        ((), "wrong\n", "refused the user name or password"),
        ((), "\n", "the password is empty"),
    ],
)
def test_login_failures_are_one_line(
    server: KosyncServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    stdin: str,
    message: str,
) -> None:
    server.users["reader"] = password_key("pw")
    code, out, err = run(
        monkeypatch,
        capsys,
        *("sync", "login", server.url, "reader", "--password-stdin", *args),
        stdin=stdin,
    )
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("nightstand: error: ")
    assert message in err
    assert load_account() is None


def test_login_to_nothing_and_to_a_bad_address(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with KosyncServer() as gone:
        url = gone.url
    for target in (url, "not-a-url", "http://127.0.0.1:1/\x1b[31m"):
        code, _, err = run(
            monkeypatch,
            capsys,
            *("sync", "login", target, "reader", "--password-stdin"),
            stdin="pw\n",
        )
        assert code == 2
        assert err.count("\n") == 1
        assert "\x1b" not in err


def test_info_json_gains_sync(
    server: KosyncServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    epub = write_epub(tmp_path / "book.epub")
    _, out, _ = run(monkeypatch, capsys, "info", "--json", str(epub))
    assert json.loads(out)["sync"] is None
    run(
        monkeypatch,
        capsys,
        *("sync", "login", server.url, "reader", "--register", "--password-stdin"),
        stdin="pw\n",
    )
    _, out, _ = run(monkeypatch, capsys, "info", "--json", str(epub))
    sync = json.loads(out)["sync"]
    assert sync == {
        "document": partial_md5(epub),
        "percentage": None,
        "device": None,
        "timestamp": None,
    }
    SyncLog().update(
        partial_md5(epub), remote={"percentage": 0.54, "device": "Kobo", "timestamp": 1234}
    )
    _, out, _ = run(monkeypatch, capsys, "info", "--json", str(epub))
    assert json.loads(out)["sync"]["percentage"] == 0.54
    assert json.loads(out)["sync"]["device"] == "Kobo"
