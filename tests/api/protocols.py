"""Which HTTP protocol a test's `kb serve` runs: httptools' where it imports (as `kb serve`
chooses), or h11's with httptools hidden from the server by a stand-in that fails to import."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

__all__ = ["PROTOCOLS", "protocol_env"]

#: Both protocols `kb serve` may run (cli/uvicorn_options.py): every behaviour holds on each.
PROTOCOLS = ("httptools", "h11")


def protocol_env(protocol: str, root: Path) -> dict[str, str]:
    """Environment variables under which `kb serve` runs `protocol` (a stand-in under `root`
    hides httptools for h11); skips the test where httptools is not installed."""
    if protocol == "httptools":
        if importlib.util.find_spec("httptools") is None:
            pytest.skip("httptools is not installed")
        return {}
    hidden = root / "hidden"
    (hidden / "httptools").mkdir(parents=True, exist_ok=True)
    (hidden / "httptools" / "__init__.py").write_text("raise ImportError('httptools hidden')\n")
    path = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": f"{hidden}{os.pathsep}{path}" if path else str(hidden)}
