"""``nightstand sync login|status|logout`` and the ``sync`` key of ``info --json``.

Every command builds the parser, so this module imports nothing heavy at the top: the
account, digest and HTTP modules are imported by the functions that use them.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse
    from pathlib import Path


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``sync`` subcommand and its three verbs."""
    sync = sub.add_parser("sync", help="share your place with KOReader and other devices")
    verbs = sync.add_subparsers(dest="sync_command", metavar="VERB", required=True)
    login = verbs.add_parser("login", help="log in to a KOReader progress-sync server")
    login.add_argument("url", help="the server, e.g. https://sync.example.org or …/kosync")
    login.add_argument("user", help="your user name on it")
    login.add_argument("--register", action="store_true", help="create the account first")
    login.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    login.add_argument("--device", help="how this device is named to others")
    login.add_argument(
        "--match",
        choices=("binary", "filename"),
        default="binary",
        help="name books by their content (KOReader's default) or by their file name",
    )
    verbs.add_parser("status", help="the server, user, and the last push and pull")
    verbs.add_parser("logout", help="forget the login (the key) on this device")


def run(args: argparse.Namespace) -> None:
    """Run one ``sync`` verb; a :class:`SyncError` becomes the command line's error line."""
    from nightstand.sync.account import forget_account

    if args.sync_command == "login":
        _login(args)
    elif args.sync_command == "status":
        _status()
    else:
        print("Logged out." if forget_account() else "Sync was not on.")


def _read_password(from_stdin: bool) -> str:
    from nightstand.sync.client import SyncError

    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
    else:
        import getpass

        password = getpass.getpass("Password: ")
    if not password:
        raise SyncError("the password is empty")
    return password


def _login(args: argparse.Namespace) -> None:
    # The HTTP client is imported here, not at start: every command builds this parser.
    from nightstand.sync.account import (
        Account,
        default_device,
        load_account,
        new_device_id,
        save_account,
    )
    from nightstand.sync.client import KosyncClient, SyncError, clean_text
    from nightstand.sync.digest import password_key

    user = args.user
    if not user or ":" in user or any(not c.isprintable() for c in user):
        raise SyncError("a user name is not empty and holds no ':' or control characters")
    key = password_key(_read_password(args.password_stdin))
    client = KosyncClient(args.url, user, key)
    if args.register:
        client.register()
    client.authorize()
    old = load_account()
    device_id = old.device_id if old is not None else new_device_id()
    device = clean_text(args.device, 64) if args.device else default_device()
    account = Account(client.server, user, key, device or default_device(), device_id, args.match)
    path = save_account(account)
    verb = "Registered and logged in" if args.register else "Logged in"
    print(f"{verb} as {clean_text(user, 64)} on {clean_text(client.server, 200)}.")
    print(f"This device is {account.device!r}; the key is kept in {path} (owner only).")


def _when(value: object) -> str:
    from datetime import datetime

    if not isinstance(value, int | float):
        return "never"
    return datetime.fromtimestamp(value).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _status() -> None:
    from nightstand.sync.account import SyncLog, load_account
    from nightstand.sync.client import clean_text

    account = load_account()
    if account is None:
        print("Sync is off. Log in with: nightstand sync login URL USER")
        return
    log = SyncLog().read()
    pending = sum(1 for e in log["documents"].values() if isinstance(e, dict) and "pending" in e)
    print(f"server     {clean_text(account.server, 200)}")
    print(f"user       {clean_text(account.user, 64)}")
    print(f"device     {clean_text(account.device, 64)} ({account.device_id})")
    print(f"books by   {'content (partial MD5)' if account.digest == 'binary' else 'file name'}")
    print(f"last push  {_when(log.get('last_push'))}")
    print(f"last pull  {_when(log.get('last_pull'))}")
    if pending:
        print(f"waiting    {pending} place(s) not yet sent")


def info_sync(path: Path) -> dict[str, Any] | None:
    """``info --json``'s ``sync``: the document id and the last remote place pulled.

    None when sync is off.
    """
    from nightstand.sync.account import SyncLog, load_account
    from nightstand.sync.digest import filename_md5, partial_md5

    account = load_account()
    if account is None:
        return None
    try:
        document = filename_md5(path) if account.digest == "filename" else partial_md5(path)
    except OSError:
        return None
    remote = SyncLog().document(document).get("remote")
    remote = remote if isinstance(remote, dict) else {}
    return {
        "document": document,
        "percentage": remote.get("percentage"),
        "device": remote.get("device"),
        "timestamp": remote.get("timestamp"),
    }
