"""`kb serve` runs uvicorn's httptools protocol where httptools imports (its parser is C: about
a third less CPU a request) and the h11 one where it does not, each with the head deadline,
connection cap and problem-document refusals of cli/serving.py (tests/api/test_slow_clients.py
and test_refused_requests.py run a server on each)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from uvicorn.importer import import_from_string
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from cli.serving import HeadGuard
from tests.api.protocols import protocol_env

REPO = Path(__file__).resolve().parents[2]
#: The options a `kb serve` process would run uvicorn with, printed by a fresh interpreter.
_PROBE = (
    "import json; from cli.uvicorn_options import uvicorn_options; "
    "print(json.dumps(uvicorn_options('warning')))"
)


def _protocol_under(env: dict[str, str]) -> type:
    """The HTTP protocol class `kb serve` chooses in a process with `env`."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        env={**os.environ, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    protocol = import_from_string(json.loads(done.stdout)["http"])
    assert isinstance(protocol, type)
    return protocol


def test_kb_serve_runs_httptools_where_it_imports_and_h11_where_it_does_not(
    tmp_path: Path,
) -> None:
    fast = _protocol_under(protocol_env("httptools", tmp_path))
    fallback = _protocol_under(protocol_env("h11", tmp_path))

    assert issubclass(fast, HttpToolsProtocol) and issubclass(fast, HeadGuard)
    assert issubclass(fallback, H11Protocol) and issubclass(fallback, HeadGuard)
