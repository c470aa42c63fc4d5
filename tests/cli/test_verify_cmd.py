"""`kb verify` and the unverified units `kb stale` lists beside those past their review date."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from kb import KnowledgeBase
from kb.store.verification_models import UnitVerification
from kb.verification import POLICY_FILE
from tests.cli.conftest import Run

OLD = datetime(2020, 1, 1, tzinfo=UTC)


def _save(kb: KnowledgeBase, unit_id: str, extra: str = "") -> None:
    kb.save_unit(
        f"---\nid: {unit_id}\nlocale: en\ntitle: About {unit_id}\ncategory: cards\n"
        f"owner: card-team\n{extra}---\nText of {unit_id}.\n",
        author="ann",
    )


def _age_first_revisions(kb: KnowledgeBase) -> None:
    """Pretend the units were written in 2020 (a verification is due from the first revision);
    revisions are immutable, so the test verifies once in 2020 instead."""
    from kb.verification import load_policy, verify_unit

    policy = load_policy(kb.settings.data_dir)
    for unit_id in ("old-card", "lost-card"):
        verify_unit(kb.db, unit_id, "en", actor="card-team", policy=policy, now=OLD)


def test_verify_records_the_verification_and_adds_no_revision(run: Run, kb: KnowledgeBase) -> None:
    _save(kb, "old-card", "verify_every: 30\n")

    result = run("verify", "old-card", "--json")

    assert result.exit_code == 0, result.output
    state = json.loads(result.stdout)
    assert (state["unit_id"], state["verified_by"], state["verified_revision"]) == (
        "old-card",
        "tester",
        1,
    )
    assert state["unverified"] is False and state["due_at"] > datetime.now(UTC).isoformat()
    assert [r.number for r in kb.history("old-card", "en")] == [1]
    with kb.db.read() as session:
        assert [v.verified_by for v in session.scalars(select(UnitVerification))] == ["tester"]
    text = run("verify", "old-card")
    assert "old-card (en): verified by tester at revision 1; next due" in text.stdout


def test_verify_of_a_unit_that_is_not_there_is_an_error(run: Run, kb: KnowledgeBase) -> None:
    _save(kb, "old-card")

    missing = run("verify", "no-such-unit")
    bad_locale = run("verify", "old-card", "--locale", "xx")

    assert missing.exit_code == 1 and "error: no unit 'no-such-unit'" in missing.output
    assert bad_locale.exit_code != 0 and "unknown locale 'xx'" in bad_locale.output


def test_stale_lists_unverified_units_with_the_reason(run: Run, kb: KnowledgeBase) -> None:
    _save(kb, "old-card", "verify_every: 30\nreview_by: 2020-02-01\n")
    _save(kb, "lost-card")  # its category's period: cards, 90 days
    _save(kb, "new-card", "verify_every: 30\n")
    kb.settings.data_dir.mkdir(parents=True, exist_ok=True)
    (kb.settings.data_dir / POLICY_FILE).write_text("categories:\n  cards:\n    verify_every: 90\n")
    _age_first_revisions(kb)
    assert run("publish").exit_code == 0

    rows = json.loads(run("stale", "--json").stdout)

    assert [(r["id"], r["reason"]) for r in rows] == [
        ("lost-card", "unverified"),
        ("old-card", "review_by"),
        ("old-card", "unverified"),
    ]
    lost = rows[0]
    assert lost["verify_every"] == 90 and lost["owner"] == "card-team"
    assert lost["unverified_since"] == (OLD + timedelta(days=90)).isoformat().replace("+00:00", "Z")
    assert lost["last_verified_at"] == "2020-01-01T00:00:00Z"
    text = run("stale").stdout
    assert "old-card (en): unverified since 2020-01-31 (every 30 days, last verified" in text
    assert "1 unit(s) past their review date, 2 unverified" in text

    assert run("verify", "old-card").exit_code == 0
    after = json.loads(run("stale", "--json").stdout)
    assert [(r["id"], r["reason"]) for r in after] == [
        ("lost-card", "unverified"),
        ("old-card", "review_by"),
    ]
