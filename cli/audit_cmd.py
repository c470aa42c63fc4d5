"""`kb audit`: the audit log, newest first: who wrote what and when (issue 18).

Writes from the command line are recorded with KB_AUTHOR as their actor, else the login name,
the same name their revisions and releases carry as author; API writes with the key's name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from cli.common import open_kb
from cli.output import JsonOpt, print_rows

__all__ = ["audit"]


def _since(text: str | None) -> datetime | None:
    """`--since` as a moment, or a usage error that says what it takes."""
    from kb.errors import InvalidContent
    from kb.insights.period import parse_moment

    if text is None:
        return None
    try:
        return parse_moment(text, "since", datetime.now(UTC))
    except InvalidContent as exc:
        raise typer.BadParameter(exc.problems[0].message, param_hint="'--since'") from None
    except OverflowError:
        raise typer.BadParameter(f"'{text}' is out of range", param_hint="'--since'") from None


def _line(row: Mapping[str, Any]) -> str:
    what = row["object_id"] + (f" ({row['locale']})" if row["locale"] else "")
    detail = f"  {json.dumps(row['detail'], sort_keys=True)}" if row["detail"] else ""
    return (
        f"{row['at']:%Y-%m-%d %H:%M:%S}  {row['actor']:<16} {row['action']:<20} "
        f"{row['object_kind']} {what}{detail}"
    )


def audit(
    since: Annotated[
        str | None,
        typer.Option("--since", help="From: an age (7d, 24h, 2w) or an ISO date or time."),
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="Only this actor's writes (a key's name...).")
    ] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only this action, e.g. release.published.")
    ] = None,
    object_id: Annotated[
        str | None,
        typer.Option("--object", help="Only writes to this object: a unit's id, a release..."),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=100_000, help="At most this many entries.")
    ] = 100,
    as_json: JsonOpt = False,
) -> None:
    """Who wrote what and when (saves, imports, publishes, rollbacks, keys...), newest first."""
    from kb.store.audit import AuditFilter, audit_entries

    wanted = AuditFilter(
        since=_since(since), actor=actor, action=action, object_id=object_id, limit=limit
    )
    with open_kb() as kb:
        rows = [
            {
                "id": e.id,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "object_kind": e.object_kind,
                "object_id": e.object_id,
                "locale": e.locale,
                "detail": e.detail,
            }
            for e in audit_entries(kb.db, wanted)
        ]
    print_rows(rows, as_json, _line)
