"""`kb events purge --older-than 90d`: delete delivery events past an age, now (the server
also purges by KB_EVENTS_RETENTION_DAYS, hourly)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from cli.common import open_kb
from kb.errors import InvalidContent
from kb.events.store import purge_events
from kb.insights.period import parse_age

__all__ = ["events_app"]

events_app = typer.Typer(help="Delivery events (what every response served): purge old ones.")


def _age(text: str) -> timedelta:
    """`--older-than` as an age, or a usage error that says what it takes."""
    try:
        return parse_age(text, "older_than")
    except InvalidContent as exc:
        raise typer.BadParameter(exc.problems[0].message, param_hint="'--older-than'") from None


@events_app.command("purge")
def events_purge(
    older_than: Annotated[
        str,
        typer.Option(
            "--older-than",
            help="Delete the events older than this age: 90d, 12h, 30m or 2w.",
        ),
    ],
) -> None:
    """Delete the events older than an age (a batch at a time) and say how many went."""
    age = _age(older_than)
    before = datetime.now(UTC) - age
    with open_kb() as kb:
        gone = purge_events(kb.db, before)
    noun = "event" if gone == 1 else "events"
    cutoff = f"{before:%Y-%m-%d %H:%M} UTC"
    typer.echo(f"Purged {gone} {noun} older than {older_than.strip()} (before {cutoff}).")
