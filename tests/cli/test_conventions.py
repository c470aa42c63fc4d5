"""What users of command-line tools expect of `kb`: --version, shell completion, --json on every
listing, highlighted search snippets, progress bars on a terminal only, one warning per stale
unit, and errors that say what exists (paths, locales)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from kb import KnowledgeBase
from kb.progress import reporting
from renderers.checks import publish_gate
from tests.cli.conftest import STALE_UNITS, Run
from tests.conftest import SAMPLE_CONTENT

ROOT = Path(__file__).resolve().parents[2]


def test_version_prints_the_installed_version(run: Run) -> None:
    result = run("--version")

    assert result.exit_code == 0
    assert result.stdout == f"kb {version('kb')}\n"


def test_shell_completion_is_offered_and_completes_commands_and_options(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Typer otherwise guesses the shell from the process tree (shellingham), which differs
    # between a terminal, CI and a long test run; with this, `--show-completion` takes a name.
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    runner = CliRunner()
    assert "--install-completion" in runner.invoke(app, ["--help"]).stdout
    script = runner.invoke(app, ["--show-completion", "bash"], prog_name="kb")
    assert script.exit_code == 0, (script.output, script.exception)
    assert "complete -o default -F _kb_completion kb" in script.stdout

    def complete(words: str) -> list[str]:
        asked = {"_KB_COMPLETE": "complete_bash", "COMP_WORDS": words}
        asked["COMP_CWORD"] = str(len(words.split()) - 1)
        return runner.invoke(app, [], env={**env, **asked}, prog_name="kb").stdout.split()

    assert complete("kb pub") == ["publish"]
    assert complete("kb import --pr") == ["--prune"]


def test_every_listing_prints_json(run: Run, published: None) -> None:
    assert run("archive", "top-up").exit_code == 0
    assert run("keys", "create", "--role", "reader", "--name", "widget").exit_code == 0

    (release,) = json.loads(run("releases", "--json").stdout)
    assert (release["number"], release["message"], release["author"]) == (1, "sample", "tester")
    assert release["unit_count"] == 78 and release["created_at"].startswith("20")
    revisions = json.loads(run("history", "top-up", "--json").stdout)
    assert [(r["revision"], r["archived"]) for r in revisions] == [(1, False), (2, True)]
    diff = json.loads(run("diff", "top-up", "--json").stdout)
    assert (diff["from_revision"], diff["to_revision"], diff["changed"]) == (1, 2, False)
    (key,) = json.loads(run("keys", "list", "--json").stdout)
    assert (key["role"], key["name"], key["revoked_at"]) == ("reader", "widget", None)
    assert "digest" not in key and "secret" not in key
    stale = json.loads(run("stale", "--json").stdout)
    assert sorted({row["id"] for row in stale}) == sorted(STALE_UNITS)


def test_search_prints_the_snippets_with_the_matched_words_highlighted(
    run: Run, published: None
) -> None:
    plain = run("search", "balance")
    styled = run("search", "balance", color=True)

    assert plain.exit_code == 0, plain.output
    assert "your balance and remaining minutes" in plain.stdout
    assert "<mark>" not in plain.stdout and "\x1b[" not in plain.stdout
    assert "\x1b[33m\x1b[1mbalance\x1b[0m and remaining minutes" in styled.stdout


def test_a_stale_unit_is_warned_about_once_per_publish(run: Run, imported: None) -> None:
    result = run("publish", "-m", "sample")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for unit_id in STALE_UNITS:
        warnings = [
            line
            for line in lines
            if "warning" in line and "stale" in line and f" {unit_id} " in line
        ]
        assert len(warnings) == 2, warnings  # one per locale, en and ru


def test_import_of_a_missing_path_says_it_does_not_exist(run: Run, tmp_path: Path) -> None:
    result = run("import", str(tmp_path / "no-such-folder"))

    assert result.exit_code == 2
    assert "does not exist" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ("ask", "how do I top up", "-l", "xx"),
        ("search", "balance", "--locale", "xx"),
        ("render", "check-balance", "-l", "xx"),
        ("history", "check-balance", "-l", "xx"),
        ("diff", "check-balance", "-l", "xx"),
    ],
)
def test_an_unknown_locale_lists_the_known_ones(
    run: Run, published: None, args: tuple[str, ...]
) -> None:
    result = run(*args)

    assert result.exit_code == 2
    assert "unknown locale 'xx'; known: en, ru" in result.output


def test_long_work_reports_its_steps_to_whoever_listens(kb: KnowledgeBase) -> None:
    from importers import read_folder

    kb.import_content(read_folder(SAMPLE_CONTENT, channels=kb.settings.channels), author="t")
    steps: list[tuple[str, int, int]] = []

    with reporting(lambda what, done, total: steps.append((what, done, total))):
        kb.publish(author="t", gate=publish_gate())

    assert ("checking units", 78, 78) in steps
    assert ("indexing units", 78, 78) in steps
    assert steps[0][1] == 0  # a bar starts empty, then fills


def _on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[str, str]:
    """Run `kb ARGS` with standard error on a pseudo-terminal: (stdout, what the terminal got)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", *args],
        cwd=ROOT,
        env={**os.environ, **env, "TERM": "xterm", "COLUMNS": "100"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    out, _ = proc.communicate(timeout=300)
    reader.join()
    os.close(master)
    assert proc.returncode == 0, b"".join(chunks).decode(errors="replace")
    return out.decode(), b"".join(chunks).decode(errors="replace")


def test_progress_bars_show_on_a_terminal_and_never_in_a_pipe(
    run: Run, imported: None, env: dict[str, str]
) -> None:
    stdout, terminal = _on_a_terminal(["publish", "-m", "sample"], env)

    assert "Published release 1" in stdout
    assert "checking units" in terminal and "indexing units" in terminal
    assert "checking units" not in stdout
    piped = run("reindex")
    assert piped.exit_code == 0, piped.output
    assert "indexing units" not in piped.output
