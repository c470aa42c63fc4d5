"""`kb webhooks add|list|disable|enable|remove|deliveries|redeliver|deliver`: endpoints that
are told of releases, reviews, unverified units and negative feedback, and their deliveries."""

from __future__ import annotations

import signal
from collections.abc import Mapping
from types import FrameType
from typing import Annotated, Any

import typer

from cli.common import open_kb
from cli.output import JsonOpt, print_rows
from kb.store.outbox import EVENT_TYPES
from kb.store.webhook_models import WebhookDelivery
from kb.webhooks import endpoints as hooks
from kb.webhooks.queue import DeliveryPolicy, pending_count
from kb.webhooks.worker import DeliveryWorker

__all__ = ["webhooks_app"]

webhooks_app = typer.Typer(
    help="Webhooks: endpoints told of releases, reviews, unverified units and negative "
    "feedback (Standard Webhooks signatures), their deliveries, and the sender."
)

EndpointArg = Annotated[int, typer.Argument(help="The endpoint's id (from `kb webhooks list`).")]


def _events(values: list[str]) -> list[str]:
    """`--events` given repeated or comma-separated, as one list."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@webhooks_app.command("add")
def webhooks_add(
    url: Annotated[str, typer.Argument(help="Where to POST, http:// or https://.")],
    events: Annotated[
        list[str],
        typer.Option(
            "--events",
            "-e",
            help=f"Event types, repeated or comma-separated: {', '.join(EVENT_TYPES)}.",
        ),
    ],
    description: Annotated[str, typer.Option(help="What the endpoint is for.")] = "",
) -> None:
    """Register an endpoint; its signing secret is printed once, on the last line."""
    with open_kb() as kb:
        new = hooks.create_endpoint(
            kb.db, url, _events(events), author=kb.settings.author, description=description
        )
        typer.echo(
            f"Added webhook {new.endpoint.id} for {', '.join(new.endpoint.event_types)} at "
            f"{url}. Store its secret now; it is not shown again:",
            err=True,
        )
        typer.echo(new.secret)


@webhooks_app.command("list")
def webhooks_list(as_json: JsonOpt = False) -> None:
    """Every endpoint: id, on or off, events and URL (never its secret)."""
    with open_kb() as kb:
        rows = [
            {
                "id": e.id,
                "url": e.url,
                "events": e.event_types,
                "enabled": e.enabled,
                "description": e.description,
                "author": e.author,
                "created_at": e.created_at,
            }
            for e in hooks.endpoints(kb.db)
        ]
    print_rows(rows, as_json, _endpoint_line)


def _endpoint_line(row: Mapping[str, Any]) -> str:
    state = "on " if row["enabled"] else "off"
    return f"{row['id']:>4}  {state}  {row['url']}  {','.join(row['events'])}"


@webhooks_app.command("disable")
def webhooks_disable(endpoint_id: EndpointArg) -> None:
    """Stop sending to an endpoint; its pending deliveries wait until it is enabled."""
    with open_kb() as kb:
        row = hooks.set_enabled(kb.db, endpoint_id, False, author=kb.settings.author)
    typer.echo(f"Disabled webhook {row.id} ({row.url})")


@webhooks_app.command("enable")
def webhooks_enable(endpoint_id: EndpointArg) -> None:
    """Send to an endpoint again."""
    with open_kb() as kb:
        row = hooks.set_enabled(kb.db, endpoint_id, True, author=kb.settings.author)
    typer.echo(f"Enabled webhook {row.id} ({row.url})")


@webhooks_app.command("remove")
def webhooks_remove(endpoint_id: EndpointArg) -> None:
    """Remove an endpoint with its deliveries."""
    with open_kb() as kb:
        row = hooks.remove_endpoint(kb.db, endpoint_id, author=kb.settings.author)
    typer.echo(f"Removed webhook {row.id} ({row.url})")


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    endpoint_id: EndpointArg,
    status: Annotated[
        str | None, typer.Option(help="Only pending, delivered or failed ones.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """An endpoint's deliveries, newest first, with how the last attempt went."""
    if status is not None and status not in ("pending", "delivered", "failed"):
        raise typer.BadParameter("pending, delivered or failed", param_hint="'--status'")
    with open_kb() as kb:
        rows = hooks.deliveries(kb.db, endpoint_id, status=status)
        types = hooks.event_types(kb.db, rows)
    print_rows([_delivery(r, types.get(r.event_id, "")) for r in rows], as_json, _delivery_line)


def _delivery(row: WebhookDelivery, event_type: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "event_id": row.event_id,
        "event_type": event_type,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "last_status": row.last_status,
        "last_response_ms": row.last_response_ms,
        "last_error": row.last_error,
        "created_at": row.created_at,
    }


def _delivery_line(row: Mapping[str, Any]) -> str:
    last = row["last_status"] if row["last_status"] is not None else (row["last_error"] or "-")
    took = f" {row['last_response_ms']:.0f} ms" if row["last_response_ms"] is not None else ""
    return (
        f"{row['id']:>6}  {row['created_at']:%Y-%m-%d %H:%M}  {row['event_type']:<20} "
        f"{row['status']:<9} attempts {row['attempts']}  last {last}{took}"
    )


@webhooks_app.command("redeliver")
def webhooks_redeliver(
    delivery_id: Annotated[
        int, typer.Argument(help="The delivery's id (`kb webhooks deliveries`).")
    ],
) -> None:
    """Send a delivery's event again (same webhook-id) as a new delivery, due now."""
    with open_kb() as kb:
        again = hooks.redeliver(kb.db, delivery_id, author=kb.settings.author)
    typer.echo(f"Queued delivery {again.id}: event {again.event_id} again")


@webhooks_app.command("deliver")
def webhooks_deliver(
    once: Annotated[bool, typer.Option("--once", help="Send what is due now, then stop.")] = False,
) -> None:
    """Send webhook deliveries until stopped (Ctrl-C or SIGTERM): for deployments that run
    the sender apart from `kb serve` (then set KB_WEBHOOKS=false for the servers)."""
    with open_kb() as kb:
        worker = DeliveryWorker(kb.db, DeliveryPolicy.from_settings(kb.settings))
        if once:
            sent = worker.run_once()
            worker.stop()
            noun = "delivery" if sent == 1 else "deliveries"
            typer.echo(f"Attempted {sent} {noun}; {pending_count(kb.db)} pending.")
            return

        def _stop(_signum: int, _frame: FrameType | None) -> None:
            worker.halt()

        signal.signal(signal.SIGTERM, _stop)
        typer.echo("Sending webhook deliveries; Ctrl-C stops.", err=True)
        try:
            worker.run()
        except KeyboardInterrupt:
            pass
        finally:
            worker.stop()
