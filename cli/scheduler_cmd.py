"""`kb scheduler run|list|cancel`: scheduled releases (made with `kb publish --at`) and the
scheduler that publishes them, which every `kb serve` runs unless KB_SCHEDULER=false."""

from __future__ import annotations

import logging
import signal
from collections.abc import Mapping
from typing import Annotated, Any

import typer

from cli.common import open_kb
from cli.output import JsonOpt, print_json, print_rows
from kb.scheduling.store import Schedule

__all__ = ["schedule_json", "schedule_line", "scheduler_app"]

scheduler_app = typer.Typer(
    help="Scheduled releases: list and cancel them, or run the scheduler apart from kb serve."
)


def schedule_json(schedule: Schedule) -> dict[str, Any]:
    """A scheduled release as `--json` prints it (moments in ISO 8601, UTC)."""
    return schedule.to_json()


def schedule_line(row: Mapping[str, Any]) -> str:
    """One scheduled release on a line: id, when, state, release made, note."""
    made = f" -> release {row['release_number']}" if row["release_number"] else ""
    why = f" ({row['detail']})" if row["detail"] and row["state"] != "pending" else ""
    note = f"  {row['note']}" if row["note"] else ""
    return f"{row['id']:>5}  {row['at']}  {row['state']:<9}{made}{why}  by {row['author']}{note}"


@scheduler_app.command("list")
def scheduler_list(
    state: Annotated[
        list[str] | None,
        typer.Option("--state", help="Only these: pending, running, published, cancelled, failed."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Scheduled releases: the pending ones first, the next due first, then the rest."""
    from kb.scheduling.schedules import scheduled_releases

    with open_kb() as kb:
        rows = [schedule_json(s) for s in scheduled_releases(kb, tuple(state or ()))]
    pending = sum(r["state"] == "pending" for r in rows)
    print_rows(rows, as_json, schedule_line, footer=f"{pending} pending of {len(rows)}")


@scheduler_app.command("cancel")
def scheduler_cancel(
    schedule_id: Annotated[int, typer.Argument(help="The id `kb scheduler list` shows.")],
    as_json: JsonOpt = False,
) -> None:
    """Cancel a pending scheduled release: it is never published."""
    from kb.scheduling.schedules import cancel_release

    with open_kb() as kb:
        cancelled = cancel_release(kb, schedule_id, actor=kb.settings.author)
    if as_json:
        print_json(schedule_json(cancelled))
        return
    typer.echo(f"Cancelled scheduled release {cancelled.id} (was due {cancelled.at.isoformat()})")


@scheduler_app.command("run")
def scheduler_run(
    once: Annotated[
        bool, typer.Option("--once", help="Tick once and exit (for cron), instead of looping.")
    ] = False,
) -> None:
    """Run the scheduler in the foreground until stopped (Ctrl-C or SIGTERM): for deployments
    that set KB_SCHEDULER=false on their servers. Several may run: each due thing is done once."""
    from kb.scheduling.scheduler import Scheduler
    from renderers.checks import publish_gate

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with open_kb() as kb:
        scheduler = Scheduler(kb, gate=publish_gate(settings=kb.settings))
        if once:
            tick = scheduler.tick()
            typer.echo(
                f"published {len(tick.published)}, failed {len(tick.failed)}, timed release "
                f"{tick.timed_release or '-'}, jobs run: {', '.join(tick.jobs) or '-'}"
            )
            return
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: scheduler.stop())
        typer.echo(f"Scheduler ticking every {scheduler.interval:g} s; Ctrl-C stops it.", err=True)
        scheduler.run_until_stopped()
