"""Today's code beside the working tree: a git worktree of another commit, for side-by-side runs.

A benchmark that compares a change with the code before it runs both in one run on one machine
(timings on shared machines are noisy; ratios in one run are not). `checkout(ref)` makes a
worktree of `ref` in a temporary folder and removes it afterwards; `code_env(tree)` is the
environment under which `python -m cli.main ...` (run with `cwd=tree`) runs that tree's code
rather than the installed package's (the editable install's finder comes after sys.path).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["REPO", "checkout", "code_env", "run_kb"]

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """A worktree of commit `ref` of this repository, removed when the block ends."""
    with tempfile.TemporaryDirectory(prefix="kb-baseline-") as parent:
        tree = Path(parent) / "tree"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), ref],
            check=True,
            capture_output=True,
        )
        try:
            yield tree
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                check=False,
                capture_output=True,
            )


def code_env(tree: Path) -> dict[str, str]:
    """Environment variables that make Python import `tree`'s packages first."""
    path = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": f"{tree}{os.pathsep}{path}" if path else str(tree)}


def run_kb(tree: Path, env: dict[str, str], *args: str) -> None:
    """`kb ARGS` with `tree`'s code and `env`; raises with its output when it fails."""
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env={**env, **code_env(tree)},
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"kb {args[0]} failed:\n{done.stdout}{done.stderr}")
