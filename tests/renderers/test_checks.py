"""`kb check` and the publishing gate: clean sample content passes, each problem kind is caught."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from kb import KnowledgeBase, PublishBlocked
from renderers.checks import check_snapshot, publish_gate
from tests.conftest import SAMPLE_CONTENT, make_unit
from tests.renderers.conftest import TODAY

runner = CliRunner()


def run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=env)


def test_sample_content_has_no_errors(sample_snapshot) -> None:  # type: ignore[no-untyped-def]
    findings = check_snapshot(sample_snapshot, today=TODAY)
    assert [str(f) for f in findings if f.blocking] == []
    # Russian first paragraphs are longer than two UCS-2 segments (134 characters): cut, warned.
    assert {f.locale for f in findings if f.code == "sms-too-long"} == {"ru"}
    assert {(f.unit_id, f.code) for f in findings if f.code != "sms-too-long"} == {
        ("5g-coverage", "stale"),
        ("roaming-rest-of-world", "stale"),
    }


def _break(root: Path) -> None:
    """Plant one problem of each kind in a copy of the sample content."""

    def edit(relative: str, old: str, new: str) -> None:
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    long_speech = " ".join(["Please listen carefully to all of the following options."] * 12)
    edit("en/billing/check-balance.md", "::: only ivr\n", f"::: only ivr\n{long_speech}\n\n")
    top_up = (root / "en/payments/top-up.md").read_text(encoding="utf-8")
    head, body = top_up.split("\n---\n", 1)
    (root / "en/payments/top-up.md").write_text(
        f"{head}\n---\nVisit https://aurora-mobile.example/top-up to pay. {body}", encoding="utf-8"
    )
    links = " ".join(
        f"[{i}](unit:{u})"
        for i, u in enumerate(
            ["top-up", "tariffs-overview", "contact-us", "spend-cap", "change-plan", "no-signal"]
        )
    )
    edit(
        "en/plans/data-add-ons.md",
        "::: only ivr\n",
        f"::: only chatbot\nSee {links}.\n:::\n\n::: only ivr\n",
    )
    edit("en/network/no-signal.md", "\n---\n", "\n---\n" + "Restart your phone. " * 80 + "\n\n")
    edit("en/support/contact-us.md", "\n---\n", "\n---\nCall {{ no_such_snippet }} now.\n\n")
    edit("en/payments/direct-debit.md", "\n---\n", "\n---\nSee [this](unit:no-such-unit).\n\n")
    (root / "en/network/wifi-calling.md").write_text(
        "---\nid: wifi-calling\nlocale: en\ntitle: Wi-Fi calling\nchannels: [ivr]\n---\n"
        "::: only web\nOnly on the web.\n:::\n",
        encoding="utf-8",
    )
    edit("en/roaming/turn-on-roaming.md", "\n---\n", "\n---\n::: only fax\nFax us.\n:::\n\n")
    (root / "ru/account/cancel-contract.md").unlink()


def test_check_reports_each_problem_kind_in_a_broken_copy(
    env: dict[str, str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(SAMPLE_CONTENT, broken)
    _break(broken)
    assert run(env, "import", str(broken)).exit_code == 0

    result = run(env, "check", "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    found = {(f["unit_id"], f["code"]) for f in report["findings"]}
    expected = {
        ("check-balance", "ivr-too-long"),
        ("top-up", "ivr-url"),
        ("data-add-ons", "chatbot-too-many-buttons"),
        ("no-signal", "chatbot-too-long"),
        ("contact-us", "unresolved-snippet"),
        ("direct-debit", "broken-unit-link"),
        ("wifi-calling", "no-output"),
        ("turn-on-roaming", "unknown-channel"),
        ("cancel-contract", "missing-translation"),
        ("5g-coverage", "stale"),
    }
    assert expected <= found, expected - found
    assert report["errors"] == sum(f["severity"] == "error" for f in report["findings"])
    for finding in report["findings"]:
        assert finding["unit_id"] and finding["locale"] and finding["message"]

    human = run(env, "check")
    assert human.exit_code == 1
    assert "error: check-balance en ivr:" in human.stdout

    refused = run(env, "publish", "-m", "broken")
    assert refused.exit_code == 1
    assert "publishing refused" in refused.output
    assert "ivr-too-long" in refused.output
    assert run(env, "releases").stdout.strip() == ""


def test_clean_sample_checks_and_publishes(env: dict[str, str]) -> None:
    assert run(env, "import", str(SAMPLE_CONTENT)).exit_code == 0
    result = run(env, "check")
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.stdout
    published = run(env, "publish", "-m", "sample")
    assert published.exit_code == 0, published.output
    assert "Published release 1" in published.stdout


def test_gate_refuses_a_release_with_errors_and_keeps_the_old_one(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit(body="Fine."), author="ann")
    kb.publish(author="ann", gate=publish_gate(today=TODAY))
    kb.save_unit(make_unit(body="Call {{ missing }}."), author="ann")
    with pytest.raises(PublishBlocked, match="unresolved-snippet"):
        kb.publish(author="ann", gate=publish_gate(today=TODAY))
    assert [r.number for r in kb.releases()] == [1]
    plan = kb.publish(author="ann", dry_run=True, gate=publish_gate(today=TODAY))
    assert any(f.blocking for f in plan.findings)


def test_warnings_do_not_block_publishing(kb: KnowledgeBase) -> None:
    from datetime import date

    kb.save_unit(make_unit(review_by=date(2020, 1, 1)), author="ann")
    plan = kb.publish(author="ann", gate=publish_gate(today=TODAY))
    assert plan.release == 1
    assert [f.code for f in plan.findings] == ["stale"]
