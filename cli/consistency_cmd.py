"""`kb consistency`: units that answer the same question, the facts they contradict each other
on, and contact values typed into many units; and the one-line warning `kb publish` prints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import LocaleOpt, check_locale, open_kb
from cli.output import JsonOpt, print_json

if TYPE_CHECKING:
    from kb import KnowledgeBase
    from kb.consistency import ConsistencyReport, Mention

__all__ = ["PUBLISH_CHECK_MAX_UNITS", "consistency", "publish_warning"]

#: `kb publish` checks consistency only up to this many units (2,000 Russian help articles took
#: 8 s on a shared 2-core machine, their Markdown parsed cold); a larger knowledge base is told
#: to run `kb consistency --drafts` itself.
PUBLISH_CHECK_MAX_UNITS = 2000


def consistency(
    drafts: Annotated[
        bool, typer.Option("--drafts", help="Check the drafts, not the current release.")
    ] = False,
    locale: LocaleOpt = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            help="Country of phone numbers written without +: GB reads 020 7946 0123 as "
            "+44 20 7946 0123 (default: chosen per locale from its content).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Find units that answer the same question, the facts they contradict each other on
    (phones, e-mails, URLs, money, percentages, periods, dates, times, opening hours), and
    values typed into many units that a snippet should hold. Findings are warnings (exit 0)."""
    from kb.consistency import check_consistency

    region = _region(region)
    with open_kb() as kb:
        snap = kb.drafts() if drafts or kb.current_release() is None else kb.snapshot()
        check_locale(locale, snap.locales)
        report = check_consistency(snap, locale=locale, region=region)
    if as_json:
        print_json({"drafts": snap.release is None, "release": snap.number, **report.to_json()})
        return
    _print_report(report)
    where = "the drafts" if snap.release is None else f"release {snap.number}"
    typer.echo(f"{len(snap.units)} units of {where} checked: {report.summary()}")


def _region(region: str | None) -> str | None:
    """A --region as phonenumbers knows it (two letters), or a clear error."""
    if region is None:
        return None
    import phonenumbers

    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise typer.BadParameter(
            f"unknown region '{region}'; use a two-letter country code such as GB, US, RU, BG",
            param_hint="'--region'",
        )
    return code


def _mention(mention: Mention) -> str:
    return f'{mention.unit_id} ({mention.source}): {mention.value!r} in "{mention.sentence}"'


def _print_report(report: ConsistencyReport) -> None:
    """The findings as text, a block per kind of finding."""
    if report.contradictions:
        typer.echo(f"Contradictions ({len(report.contradictions)}):")
        for c in report.contradictions:
            typer.echo(f"  {c.kind} ({c.locale}): {c.first.normalized} vs {c.second.normalized}")
            typer.echo(f"    {_mention(c.first)}")
            typer.echo(f"    {_mention(c.second)}")
    if report.duplicates:
        typer.echo(f"Duplicates ({len(report.duplicates)}):")
        for d in report.duplicates:
            typer.echo(f"  {', '.join(d.units)} ({d.locale}): keep {d.keep}, score {d.score:.2f}")
            typer.echo(f"    {d.reason}")
    if report.repeated:
        typer.echo(f"Repeated values ({len(report.repeated)}):")
        for r in report.repeated:
            verb = "use the snippet" if r.snippet_exists else "make a snippet"
            typer.echo(
                f"  {r.kind} {r.value} ({r.locale}) in {len(r.units)} units: {verb} {r.snippet}"
            )
            typer.echo(f"    {', '.join(r.units)}")


def publish_warning(kb: KnowledgeBase) -> str | None:
    """The line `kb publish` prints when the drafts are not consistent (never blocking), or
    None when they are; a knowledge base over PUBLISH_CHECK_MAX_UNITS units is not checked."""
    from kb.consistency import check_consistency
    from kb.store.revisions import draft_unit_count

    with kb.db.read() as session:
        count = draft_unit_count(session)
    if count > PUBLISH_CHECK_MAX_UNITS:
        return f"consistency: not checked at publish ({count} units); run kb consistency --drafts"
    report = check_consistency(kb.drafts())
    if not (report.contradictions or report.duplicates):
        return None
    found = report.summary().rsplit(", ", 1)[0]  # contradictions and duplicates
    return f"consistency: {found}; see kb consistency --drafts"
