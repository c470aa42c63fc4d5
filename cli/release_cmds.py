"""`kb publish`, `kb rollback`, `kb releases`, `kb history`, `kb diff`, `kb archive`, `kb stale`."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from cli.common import LocaleOpt, MessageOpt, locale_or_default, open_kb, print_findings, print_plan
from kb import SaveOutcome
from renderers.checks import publish_gate

__all__ = ["archive", "diff", "history", "publish", "releases", "rollback_", "stale"]


def publish(
    message: MessageOpt = "",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what would change.")
    ] = False,
) -> None:
    """Publish the drafts as the next release, which every channel then serves.

    Every unit is first rendered in every channel; errors refuse the release.
    """
    with open_kb() as kb:
        plan = kb.publish(
            author=kb.settings.author, message=message, dry_run=dry_run, gate=publish_gate()
        )
        if not plan.has_changes:
            current = plan.base_release
            typer.echo(
                f"Nothing to publish: release {current} already serves the drafts."
                if current
                else "Nothing to publish: there are no drafts yet."
            )
            return
        head = "Would publish" if dry_run else f"Published release {plan.release}"
        typer.echo(f"{head}: {len(plan.units_with_new_output)} unit(s) with new output")
        print_plan(plan, kb)
        print_findings(list(plan.findings))  # type: ignore[arg-type]
        if dry_run and any(f.blocking for f in plan.findings):
            typer.echo("Publishing would be refused: fix the errors above first.", err=True)
            raise typer.Exit(1)


def rollback_(
    release: Annotated[int, typer.Argument(help="The release whose content to restore.")],
    message: MessageOpt = "",
) -> None:
    """Publish a new release equal to an older one (nothing is deleted)."""
    with open_kb() as kb:
        plan = kb.rollback(release, author=kb.settings.author, message=message)
        typer.echo(f"Published release {plan.release} = release {release}")
        print_plan(plan, kb)


def releases() -> None:
    """List releases, newest first."""
    with open_kb() as kb:
        for r in kb.releases():
            note = f" (rollback to {r.rollback_of})" if r.rollback_of else ""
            typer.echo(
                f"{r.number:>5}  {r.created_at:%Y-%m-%d %H:%M}  {r.author:<12} "
                f"{r.unit_count:>6} units  {r.message}{note}"
            )


def history(unit_id: str, locale: LocaleOpt = None) -> None:
    """List a unit's revisions, oldest first."""
    with open_kb() as kb:
        for rev in kb.history(unit_id, locale_or_default(kb, locale)):
            flag = " [archived]" if rev.archived else ""
            typer.echo(
                f"{rev.number:>4}  {rev.created_at:%Y-%m-%d %H:%M}  {rev.author:<12} "
                f"{rev.content_hash[:12]}  {rev.message}{flag}"
            )


def diff(
    unit_id: str,
    rev1: Annotated[int | None, typer.Argument(help="Older revision (default: published).")] = None,
    rev2: Annotated[int | None, typer.Argument(help="Newer revision (default: newest).")] = None,
    locale: LocaleOpt = None,
) -> None:
    """Show what changed in a unit between two revisions."""
    with open_kb() as kb:
        text = kb.diff(unit_id, locale_or_default(kb, locale), rev1, rev2)
        typer.echo(text or "No differences.", nl=not text)


def archive(unit_id: str, locale: LocaleOpt = None, message: MessageOpt = "Archived") -> None:
    """Withdraw a unit from the next release (its history stays)."""
    with open_kb() as kb:
        loc = locale_or_default(kb, locale)
        result = kb.archive_unit(unit_id, loc, author=kb.settings.author, message=message)
    done = "already archived" if result.outcome is SaveOutcome.UNCHANGED else "archived"
    typer.echo(f"{unit_id} ({loc}): {done} (revision {result.revision})")


def stale(
    drafts: Annotated[
        bool, typer.Option("--drafts", help="Check drafts, not the release.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List units whose review date has passed."""
    with open_kb() as kb:
        units = kb.stale_units(drafts=drafts)
        rows = [
            {
                "id": u.document.id,
                "locale": u.document.locale,
                "review_by": str(u.document.review_by),
                "owner": u.document.owner,
            }
            for u in units
        ]
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            typer.echo(
                f"{row['id']} ({row['locale']}): review by {row['review_by']}, "
                f"owner {row['owner'] or '-'}"
            )
        typer.echo(f"{len(rows)} stale unit(s) as of {date.today()}")
