"""``nightstand.openssl_later``: the reader starts without OpenSSL and can still load it.

Each check runs in a fresh interpreter: the test process has asyncio and hashlib already.
That ``nightstand FILE`` holds OpenSSL back is checked on the running program, end to end
(``tests/e2e/test_reading.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from nightstand.openssl_later import builtin_digests

pytestmark = [
    pytest.mark.skipif(
        not builtin_digests(), reason="this Python has no digests of its own: nothing is held back"
    ),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps"),
]


def _run(program: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(program)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # hashlib says nothing about missing digests
    result: dict[str, object] = json.loads(done.stdout)
    return result


def openssl_linked_dynamically() -> bool:
    """Whether this Python's ``_ssl`` is a shared library of its own, linked to OpenSSL's
    (a build with OpenSSL linked in maps no libcrypto file: the maps tell nothing there)."""
    from importlib.util import find_spec

    spec = find_spec("_ssl")
    return spec is not None and (spec.origin or "").endswith(".so")


def _mapped(name: str) -> str:
    """A Python expression: whether a shared library named ``name`` is mapped."""
    return f"any({name!r} in line for line in open('/proc/self/maps'))"


def test_the_whole_ui_comes_in_without_openssl_and_https_still_works_afterwards() -> None:
    result = _run(
        f"""
        import json, sys
        from nightstand.openssl_later import openssl_held_back

        with openssl_held_back():
            # What `nightstand FILE` imports before the app runs (cli._read).
            import nightstand.libc, nightstand.opening, nightstand.shutdown, nightstand.source
            import nightstand.ui.app
            import hashlib
            fingerprint = hashlib.sha256(b"nightstand").hexdigest()
            md5 = hashlib.md5(b"nightstand", usedforsecurity=False).hexdigest()
        held = {{
            "ssl": "ssl" in sys.modules,
            "hashlib_openssl": "_hashlib" in sys.modules,
            "libcrypto": {_mapped("libcrypto")},
        }}
        # Later, the sync client (urllib) asks for TLS: it gets it.
        import nightstand.sync.client, http.client, ssl
        print(json.dumps({{
            "held": held,
            "fingerprint": fingerprint,
            "md5": md5,
            "https": hasattr(http.client, "HTTPSConnection"),
            "context": type(ssl.create_default_context()).__name__,
            "libcrypto_after": {_mapped("libcrypto")},
        }}))
        """
    )
    assert result["held"] == {"ssl": False, "hashlib_openssl": False, "libcrypto": False}
    # Python's own digests: the same fingerprints the state store has always kept.
    # (The digests are OpenSSL's, computed once: sha256sum and md5sum give them too.)
    assert result["fingerprint"] == (
        "4d02447b18e46565666d37f8222fecf38d714156c7b316a519f80f5552428b0e"
    )
    assert result["md5"] == "c8e0b8a9684caf644e40791de69217e5"
    assert result["https"] is True
    assert result["context"] == "SSLContext"
    if openssl_linked_dynamically():
        assert result["libcrypto_after"] is True


def test_nothing_is_held_back_once_asyncio_is_in() -> None:
    result = _run(
        """
        import asyncio, json, sys
        from nightstand.openssl_later import openssl_held_back

        with openssl_held_back():
            inside = sys.modules.get("ssl", "absent") is None
        print(json.dumps({"marked": inside, "ssl": "ssl" in sys.modules}))
        """
    )
    assert result == {"marked": False, "ssl": True}
