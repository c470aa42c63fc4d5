"""`kb verify`: the unit's owner says it is still right (a record, never a new revision)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer

from cli.common import LocaleOpt, check_locale, locale_or_default, open_kb
from cli.output import JsonOpt, print_json
from kb import KnowledgeBase
from kb.errors import UnitNotFound
from kb.verification import VerificationState, load_policy, unverified_units, verify_unit
from kb.verification.state import iso

__all__ = ["stale_line", "stale_row", "unverified_rows", "verify"]


def verify(
    unit_id: Annotated[str, typer.Argument(help="The unit to verify.")],
    locale: LocaleOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record that the unit is still right (KB_AUTHOR verified it now); its history is
    unchanged, and its next verification is due `verify_every` days from now."""
    with open_kb() as kb:
        loc = locale_or_default(kb, locale)
        policy = load_policy(kb.settings.data_dir)
        try:
            state = verify_unit(kb.db, unit_id, loc, actor=kb.settings.author, policy=policy)
        except UnitNotFound:
            check_locale(locale, kb.drafts().locales)
            raise
    if as_json:
        print_json(state.to_json())
        return
    typer.echo(verified_line(state))


def verified_line(state: VerificationState) -> str:
    """`check-balance (en): verified by ann at revision 4; next due 2027-01-06`."""
    head = f"{state.unit_id} ({state.locale}): verified by {state.verified_by}"
    head += f" at revision {state.verified_revision}"
    if state.due_at is None:
        return f"{head}; no verify_every for it (nor its category): nothing falls due"
    return f"{head}; next due {state.due_at:%Y-%m-%d}"


def unverified_rows(kb: KnowledgeBase, *, drafts: bool) -> list[dict[str, Any]]:
    """`kb stale`'s rows for the units whose owner has not verified them in time."""
    draft_units = kb.drafts()
    snap = draft_units if drafts or kb.current_release() is None else kb.snapshot()
    policy = load_policy(kb.settings.data_dir)
    return [
        stale_row(s.unit_id, s.locale, s.owner, "unverified", state=s)
        for s in unverified_units(kb.db, snap, draft_units, policy, datetime.now(UTC))
    ]


def stale_row(
    unit_id: str,
    locale: str,
    owner: str | None,
    reason: str,
    *,
    review_by: date | None = None,
    state: VerificationState | None = None,
) -> dict[str, Any]:
    """One row of `kb stale`: the unit, and why (`reason`: review_by or unverified)."""
    return {
        "id": unit_id,
        "locale": locale,
        "reason": reason,
        "review_by": str(review_by) if review_by else None,
        "unverified_since": iso(state.due_at) if state else None,
        "verify_every": state.verify_every if state else None,
        "last_verified_at": iso(state.last_verified_at) if state else None,
        "owner": owner,
    }


def stale_line(row: Mapping[str, Any]) -> str:
    """A row of `kb stale` as text."""
    owner = f"owner {row['owner'] or '-'}"
    if row["reason"] == "review_by":
        return f"{row['id']} ({row['locale']}): review by {row['review_by']}, {owner}"
    last = row["last_verified_at"]
    seen = f"last verified {last[:10]}" if last else "never verified"
    since = row["unverified_since"][:10]
    return (
        f"{row['id']} ({row['locale']}): unverified since {since} "
        f"(every {row['verify_every']} days, {seen}), {owner}"
    )
