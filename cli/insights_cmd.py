"""`kb insights`: the period's questions by channel and locale, the self-service rate day by day,
top units with their votes, searches with no hits, flagged units, and the content gaps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import open_kb
from cli.output import JsonOpt, print_json

if TYPE_CHECKING:
    from kb.insights import GapsReport, InsightsReport, Period

__all__ = ["insights"]

Cell = str | int | float | None
_CHANNEL_HEADERS = (
    *("channel", "locale", "questions", "answered", "clarify", "no answer"),
    *("self-service", "searches", "no hits"),
)


def _cell(value: Cell) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1%}"
    return str(value)


def _table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    """A titled table: text columns left-aligned, numbers right-aligned; `(none)` when empty."""
    typer.echo(f"\n{title}")
    if not rows:
        typer.echo("  (none)")
        return
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    numeric = [
        all(isinstance(row[i], int | float) or row[i] is None for row in rows)
        for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "  " + "  ".join(parts).rstrip()

    typer.echo(line(headers))
    for row in cells:
        typer.echo(line(row))


def _period(since: str, until: str | None) -> Period:
    from kb.errors import InvalidContent
    from kb.insights import period

    try:
        return period(since, until)
    except InvalidContent as exc:
        problem = exc.problems[0]
        raise typer.BadParameter(problem.message, param_hint=f"'--{problem.field}'") from None


def _print_report(report: InsightsReport) -> None:
    rows = [*report.by_channel, report.totals] if len(report.by_channel) > 1 else report.by_channel
    _table(
        "Questions by channel and locale",
        _CHANNEL_HEADERS,
        [
            [
                "all" if r.channel == "*" else r.channel,
                "" if r.locale == "*" else r.locale,
                r.questions,
                r.answered,
                r.clarify,
                r.no_answer,
                r.self_service_rate,
                r.searches,
                r.empty_searches,
            ]
            for r in rows
        ],
    )
    channels = [s.channel for s in report.series]
    days = report.series[0].days if report.series else ()
    _table(
        "Self-service rate by day (UTC)",
        ["day", *channels],
        [
            [day.day.isoformat(), *(s.days[i].self_service_rate for s in report.series)]
            for i, day in enumerate(days)
        ],
    )
    _table(
        "Top units",
        ["unit", "served", "helpful", "not helpful", "helpful ratio", "title"],
        [
            [u.unit_id, u.served, u.helpful, u.not_helpful, u.helpful_ratio, u.title or ""]
            for u in report.top_units
        ],
    )
    _table(
        "Searches with no hits",
        ["count", "search"],
        [[s.count, s.question] for s in report.empty_searches],
    )
    _table(
        "Flagged units",
        ["unit", "flags", "last flagged", "reason", "comment"],
        [
            [f.unit_id, f.flags, f"{f.last_at:%Y-%m-%d %H:%M}", f.last_reason, f.last_comment]
            for f in report.flagged
        ],
    )


def _print_gaps(gaps: GapsReport) -> None:
    typer.echo(f"\nContent gaps ({len(gaps.clusters)} clusters, grouped by {gaps.representation})")
    if not gaps.clusters:
        typer.echo("  (none)")
    for number, cluster in enumerate(gaps.clusters, 1):
        near = cluster.nearest
        nearest = f"nearest {near.unit_id} ({near.score:.2f}) {near.title}" if near else "no unit"
        typer.echo(
            f"  {number}. [{cluster.locale}] {cluster.size} asked, "
            f"{len(cluster.questions)} distinct; {nearest}"
        )
        for example in cluster.examples:
            typer.echo(f"       - {example}")


def insights(
    since: Annotated[
        str, typer.Option("--since", help="Start: an age (7d, 24h, 2w) or an ISO date or time.")
    ] = "7d",
    until: Annotated[
        str | None, typer.Option("--until", help="End (default: now); like --since.")
    ] = None,
    channel: Annotated[
        str | None, typer.Option("--channel", "-c", help="One channel (default: every one).")
    ] = None,
    locale: Annotated[
        str | None, typer.Option("--locale", "-l", help="One locale (default: every one).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """What customers asked and got in a period: questions and the self-service rate (answered
    / questions) by channel and locale and day, top units with their votes, searches with no
    hits, flagged units, and the unanswered questions grouped into content gaps."""
    from kb.insights import content_gaps, insights_report

    span = _period(since, until)
    with open_kb() as kb:
        if channel is not None and channel not in kb.settings.channels:
            known = ", ".join(kb.settings.channels)
            raise typer.BadParameter(
                f"unknown channel '{channel}'; known: {known}", param_hint="'--channel'"
            )
        report = insights_report(kb, span, channel=channel, locale=locale)
        gaps = content_gaps(kb, span, channel=channel, locale=locale)
    if as_json:
        print_json({"insights": report.to_json(), "gaps": gaps.to_json()})
        return
    scope = f"{channel or 'every channel'}, {locale or 'every locale'}"
    typer.echo(f"Insights {span.since:%Y-%m-%d %H:%M} to {span.until:%Y-%m-%d %H:%M} UTC ({scope})")
    _print_report(report)
    _print_gaps(gaps)
