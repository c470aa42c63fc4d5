"""`kb check` and `kb render` keep an SMS within `KB_SMS_MAX_SEGMENTS` (default 2 segments)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from cli.main import app
from tests.cli.conftest import Run

#: Written for SMS alone (the IVR would find it too long to say): with the first paragraph,
#: 391 GSM-7 characters, three segments (two hold 306).
SMS_TEXT = " ".join(["Top up in the app."] * 20)
LONG_ANSWER = f"Dial *100#.\n{SMS_TEXT}"


def _content(root: Path) -> Path:
    """A content folder with one unit whose SMS takes three segments and one that fits in one."""
    long_body = f"Dial *100#.\n\n::: only sms\n{SMS_TEXT}\n:::"
    for unit_id, body in (("long-answer", long_body), ("short-answer", "Dial *100#.")):
        path = root / "en" / "billing" / f"{unit_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"---\nid: {unit_id}\nlocale: en\ntitle: {unit_id}\ncategory: billing\n---\n{body}\n",
            encoding="utf-8",
        )
    return root


def _kb(env: dict[str, str], segments: str | None, *args: str) -> Result:
    """`kb ARGS` with KB_SMS_MAX_SEGMENTS set to `segments` (None: not set)."""
    extra = {} if segments is None else {"KB_SMS_MAX_SEGMENTS": segments}
    return CliRunner().invoke(app, list(args), env={**env, **extra}, catch_exceptions=False)


def _sms_findings(env: dict[str, str], segments: str | None) -> list[dict[str, str]]:
    result = _kb(env, segments, "check", "--json")
    assert result.exit_code == 0, result.output  # a warning does not fail the check
    findings = json.loads(result.stdout)["findings"]
    return [f for f in findings if f["code"] == "sms-too-long"]


def test_kb_check_warns_of_an_sms_over_the_configured_segment_limit(
    run: Run, env: dict[str, str], tmp_path: Path
) -> None:
    assert run("import", str(_content(tmp_path / "content"))).exit_code == 0

    by_default = _sms_findings(env, None)
    assert [(f["unit_id"], f["channel"], f["severity"]) for f in by_default] == [
        ("long-answer", "sms", "warning")
    ]
    assert "3 segments" in by_default[0]["message"]
    assert "limit of 2" in by_default[0]["message"]

    assert _sms_findings(env, "3") == []
    one = _sms_findings(env, "1")
    assert [f["unit_id"] for f in one] == ["long-answer"]
    assert "limit of 1" in one[0]["message"]


def test_kb_render_cuts_an_sms_to_the_configured_segment_limit(
    run: Run, env: dict[str, str], tmp_path: Path
) -> None:
    assert run("import", str(_content(tmp_path / "content"))).exit_code == 0
    args = ("render", "long-answer", "--channel", "sms", "--drafts", "--json")

    cut = json.loads(_kb(env, None, *args).stdout)
    assert (cut["segments"], cut["truncated"], cut["encoding"]) == (2, True, "GSM-7")
    assert [f["code"] for f in cut["findings"]] == ["sms-too-long"]

    whole = json.loads(_kb(env, "3", *args).stdout)
    assert (whole["segments"], whole["truncated"], whole["body"]) == (3, False, LONG_ANSWER)
