"""`kb publish`, `kb rollback`, `kb releases`, `kb history`, `kb diff`, `kb archive`, `kb stale`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

import typer

from cli.common import (
    LocaleOpt,
    MessageOpt,
    check_locale,
    item_json,
    locale_or_default,
    open_kb,
    plan_json,
    print_findings,
    print_plan,
)
from cli.consistency_cmd import publish_warning
from cli.output import JsonOpt, print_json, print_rows
from cli.review_cmd import print_summary, summary_json
from cli.verify_cmd import stale_line, stale_row, unverified_rows
from kb import KnowledgeBase, PublishPlan, SaveOutcome
from kb.errors import UnitNotFound
from kb.releases.reverting import RolledBackDraft
from renderers.checks import publish_gate

__all__ = ["archive", "diff", "history", "publish", "releases", "rollback_", "stale"]


def publish(
    message: MessageOpt = "",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what would change.")
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Publish later: at this time (2027-01-01T00:00Z, 2027-01-01T09:00+03:00), "
            "by the scheduler (kb scheduler list|cancel).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Publish the drafts as the next release, which every channel then serves.

    Every unit is first rendered in every channel; errors refuse the release.
    """
    if at is not None:
        _schedule(at, message, dry_run, as_json)
        return
    with open_kb(as_json=as_json) as kb:
        plan = kb.publish(
            author=kb.settings.author,
            message=message,
            dry_run=dry_run,
            gate=publish_gate(settings=kb.settings),
        )
        warning = publish_warning(kb) if plan.has_changes else None
    if as_json:
        published = plan.release is not None
        review = {"review": summary_json(plan.review)} if plan.review is not None else {}
        print_json(
            {
                "dry_run": dry_run,
                "published": published,
                "message": message,
                **plan_json(plan),
                **review,
                **{
                    name: [{"unit_id": u, "locale": loc} for u, loc in keys]
                    for name, keys in (("not_yet", plan.not_yet), ("expired", plan.expired))
                },
            }
        )
    else:
        _print_published(plan, dry_run)
        if plan.review is not None and (plan.review.approved or plan.review.waiting):
            typer.echo("Review (KB_REVIEW_POLICY): what the release takes approved, what waits")
            print_summary(plan.review)
    if warning:
        typer.echo(warning, err=True)
    if dry_run and any(f.blocking for f in plan.findings):
        where = "in its findings" if as_json else "above"
        typer.echo(f"Publishing would be refused: fix the errors {where} first.", err=True)
        raise typer.Exit(1)


def _schedule(at: str, message: str, dry_run: bool, as_json: bool) -> None:
    """`kb publish --at`: schedule the release, which the scheduler publishes when it is due."""
    from cli.scheduler_cmd import schedule_json
    from kb.scheduling.schedules import parse_at, schedule_release

    if dry_run:
        raise typer.BadParameter("cannot be combined with --dry-run", param_hint="--at")
    with open_kb(as_json=as_json) as kb:
        schedule = schedule_release(kb, at=parse_at(at), note=message, author=kb.settings.author)
    if as_json:
        print_json(schedule_json(schedule))
        return
    typer.echo(
        f"Scheduled release {schedule.id} at {schedule.at.isoformat()}: the drafts are published "
        "then (kb scheduler list shows it, kb scheduler cancel cancels it)"
    )


def _print_published(plan: PublishPlan, dry_run: bool) -> None:
    """What `kb publish` says: the release made (or that would be), its changes and findings."""
    if not plan.has_changes:
        current = plan.base_release
        if plan.review is not None and plan.review.waiting:
            typer.echo("Nothing to publish: every change waits for approval.")
            return
        typer.echo(
            f"Nothing to publish: release {current} already serves the drafts."
            if current
            else "Nothing to publish: there are no drafts yet."
        )
        return
    head = "Would publish" if dry_run else f"Published release {plan.release}"
    typer.echo(f"{head}: {len(plan.units_with_new_output)} unit(s) with new output")
    print_plan(plan)
    for keys, why in ((plan.not_yet, "publish_after not reached"), (plan.expired, "expired")):
        if keys:
            typer.echo(f"Left out ({why}): " + ", ".join(f"{u} ({loc})" for u, loc in keys))
    print_findings(plan.findings, fold=True)


def rollback_(
    release: Annotated[int, typer.Argument(help="The release whose content to restore.")],
    message: MessageOpt = "",
    keep_drafts: Annotated[
        bool,
        typer.Option(
            "--keep-drafts",
            help="Leave the drafts as they are: the next publish brings the changes back.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Publish a new release equal to an older one (nothing is deleted).

    The drafts of what it changed go back to that release's content too (new revisions,
    history kept), so the next publish does not bring the change back.
    """
    with open_kb() as kb:
        plan = kb.rollback(
            release, author=kb.settings.author, message=message, keep_drafts=keep_drafts
        )
        stored = kb.release(plan.release).message if plan.release is not None else message
    if as_json:
        drafts = [
            {
                **item_json(d.kind, d.name, d.locale),
                "revision": d.revision,
                "in_release": d.in_release,
            }
            for d in plan.drafts
        ]
        extra = {"rollback_of": release, "message": stored, "keep_drafts": keep_drafts}
        print_json({**plan_json(plan), **extra, "drafts": drafts})
        return
    typer.echo(f"Published release {plan.release} = release {release}")
    print_plan(plan)
    _print_drafts(plan.drafts, release)


def _print_drafts(drafts: tuple[RolledBackDraft, ...], release: int) -> None:
    """Which drafts a rollback reverted, or (kept) which the next publish would bring back."""
    if not drafts:
        return
    kept = drafts[0].revision is None
    typer.echo(
        f"Drafts kept ahead of release {release}: the next publish brings these back:"
        if kept
        else f"Drafts reverted to release {release} (their history is kept):"
    )
    for d in drafts:
        name = f"snippet {d.name}" if d.kind == "snippet" else d.name
        absent = "" if d.in_release else f"release {release} does not have it"
        if kept:
            done = f" ({absent})" if absent else ""
        else:
            done = f": revision {d.revision}" + (f", archived: {absent}" if absent else "")
        typer.echo(f"  {name} ({d.locale}){done}")


def releases(as_json: JsonOpt = False) -> None:
    """List releases, newest first."""
    with open_kb() as kb:
        rows = [
            {
                "number": r.number,
                "created_at": r.created_at,
                "author": r.author,
                "unit_count": r.unit_count,
                "snippet_count": r.snippet_count,
                "message": r.message,
                "rollback_of": r.rollback_of,
            }
            for r in kb.releases()
        ]
    print_rows(rows, as_json, _release_line)


def _release_line(r: Mapping[str, Any]) -> str:
    note = f" (rollback to {r['rollback_of']})" if r["rollback_of"] else ""
    return (
        f"{r['number']:>5}  {r['created_at']:%Y-%m-%d %H:%M}  {r['author']:<12} "
        f"{r['unit_count']:>6} units  {r['message']}{note}"
    )


def history(unit_id: str, locale: LocaleOpt = None, as_json: JsonOpt = False) -> None:
    """List a unit's revisions, oldest first."""
    with open_kb() as kb, _known_locale(kb, locale):
        rows = [
            {
                "revision": rev.number,
                "created_at": rev.created_at,
                "author": rev.author,
                "content_hash": rev.content_hash,
                "message": rev.message,
                "archived": rev.archived,
            }
            for rev in kb.history(unit_id, locale_or_default(kb, locale))
        ]
    print_rows(rows, as_json, _revision_line)


def _revision_line(r: Mapping[str, Any]) -> str:
    flag = " [archived]" if r["archived"] else ""
    return (
        f"{r['revision']:>4}  {r['created_at']:%Y-%m-%d %H:%M}  {r['author']:<12} "
        f"{r['content_hash'][:12]}  {r['message']}{flag}"
    )


def diff(
    unit_id: str,
    rev1: Annotated[int | None, typer.Argument(help="Older revision (default: published).")] = None,
    rev2: Annotated[int | None, typer.Argument(help="Newer revision (default: newest).")] = None,
    locale: LocaleOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show what changed in a unit between two revisions."""
    with open_kb() as kb, _known_locale(kb, locale):
        loc = locale_or_default(kb, locale)
        text = kb.diff(unit_id, loc, rev1, rev2)
        if as_json:
            newest = kb.history(unit_id, loc)[-1].number
            published = kb.snapshot().units.get((unit_id, loc)) if kb.current_release() else None
            old = rev1 if rev1 is not None else (published.revision if published else None)
            print_json(
                {
                    "unit_id": unit_id,
                    "locale": loc,
                    "from_revision": old,
                    "to_revision": rev2 if rev2 is not None else newest,
                    "changed": bool(text),
                    "diff": text,
                }
            )
            return
    typer.echo(text or "No differences.", nl=not text)


@contextmanager
def _known_locale(kb: KnowledgeBase, locale: str | None) -> Iterator[None]:
    """A unit not found in a locale nobody writes in: say so, and list the locales there are."""
    try:
        yield
    except UnitNotFound:
        check_locale(locale, kb.drafts().locales)
        raise


def archive(
    unit_id: str,
    locale: LocaleOpt = None,
    message: MessageOpt = "Archived",
    as_json: JsonOpt = False,
) -> None:
    """Withdraw a unit from the next release (its history stays)."""
    with open_kb() as kb, _known_locale(kb, locale):
        loc = locale_or_default(kb, locale)
        result = kb.archive_unit(unit_id, loc, author=kb.settings.author, message=message)
    already = result.outcome is SaveOutcome.UNCHANGED
    if as_json:
        print_json(
            {
                "unit_id": unit_id,
                "locale": loc,
                "revision": result.revision,
                "already_archived": already,
            }
        )
        return
    done = "already archived" if already else "archived"
    typer.echo(f"{unit_id} ({loc}): {done} (revision {result.revision})")


def stale(
    drafts: Annotated[
        bool, typer.Option("--drafts", help="Check drafts, not the release.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List units whose review date has passed, and those their owner has not verified
    within their `verify_every` days (`reason` says which)."""
    with open_kb() as kb:
        units = kb.stale_units(drafts=drafts)
        lapsed = unverified_rows(kb, drafts=drafts)
    rows = [
        stale_row(
            u.document.id,
            u.document.locale,
            u.document.owner,
            "review_by",
            review_by=u.document.review_by,
        )
        for u in units
    ]
    rows = sorted(rows + lapsed, key=lambda r: (r["locale"], r["id"], r["reason"]))
    print_rows(
        rows,
        as_json,
        stale_line,
        footer=f"{len(units)} unit(s) past their review date, {len(lapsed)} unverified, "
        f"as of {date.today()}",
    )
