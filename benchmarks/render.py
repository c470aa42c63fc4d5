"""Benchmark: renders per second per channel for a typical 300-word unit, and `kb check` time.

Prints a table; `--json PATH` also writes the figures. The parse is cached per body text, as in
the service, so "render" measures the channel's own work; "parse+render" includes a fresh parse.

    python benchmarks/render.py [--seconds 2] [--json benchmarks/results/render.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from datetime import UTC, date, datetime
from pathlib import Path

from importers import read_folder
from kb import Snapshot, SnippetDocument, SnippetType, StoredUnit, UnitDocument
from kb.content.markdown import parse_body
from renderers import registry
from renderers.base import RenderContext
from renderers.checks import check_snapshot

ROOT = Path(__file__).resolve().parent.parent
PARAGRAPH = (
    "Your monthly bill shows the plan price, any add-ons you bought and charges outside your "
    "allowance, such as calls to premium numbers or data used abroad. If something looks wrong, "
    "check the itemised list in the app before you call us, because most questions are answered "
    "there. "
)
BODY = f"""Dial {{{{ balance_ussd }}}} or open the app to see your balance.

{PARAGRAPH * 2}

## What you can do

1. Open **My Account** and choose *Bills*.
2. Pick the month you want and tap *Itemised*.
3. Call {{{{ support_phone }}}} if a charge is still unclear.

{PARAGRAPH * 3}

::: internal
Verify the caller first: {{{{ identity_check }}}}
:::

::: only web chatbot
See also [tariffs](unit:tariffs) and [top-up](unit:top-up).
:::

::: only ivr
Press 1 to hear your balance.
:::
"""


def _unit(unit_id: str, body: str) -> StoredUnit:
    doc = UnitDocument(id=unit_id, locale="en", title=f"About {unit_id}", body=body)
    return StoredUnit(doc, 1, 1, "bench", datetime(2026, 1, 1, tzinfo=UTC), "", doc.content_hash)


def _snapshot() -> Snapshot:
    units = [_unit("typical", BODY), _unit("tariffs", "Our tariffs."), _unit("top-up", "Top up.")]
    snippets = {
        ("balance_ussd", "en"): SnippetDocument("balance_ussd", "en", SnippetType.TEXT, "*100#"),
        ("support_phone", "en"): SnippetDocument(
            "support_phone", "en", SnippetType.PHONE, "+44 20 7946 0000"
        ),
        ("identity_check", "en"): SnippetDocument(
            "identity_check", "en", SnippetType.MARKDOWN, "Ask for the **date of birth**."
        ),
    }
    return Snapshot(None, {u.key: u for u in units}, snippets)


def _rate(action: object, seconds: float) -> float:
    """Calls per second of `action`, best of three runs of `seconds / 3`."""
    rates = []
    for _ in range(3):
        count, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds / 3:
            action()  # type: ignore[operator]
            count += 1
        rates.append(count / elapsed)
    return max(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    snap = _snapshot()
    unit = snap.unit("typical", "en")
    words = len(BODY.split())
    rows: dict[str, dict[str, float]] = {}
    for renderer in registry.renderers():
        context = RenderContext.from_snapshot(snap, unit, today=date(2026, 11, 22))

        def fresh(r=renderer) -> None:  # type: ignore[no-untyped-def]
            parse_body.cache_clear()
            r.render(RenderContext.from_snapshot(snap, unit, today=date(2026, 11, 22)))

        rows[renderer.name] = {
            "render_per_s": _rate(lambda r=renderer, c=context: r.render(c), args.seconds),
            "parse_render_per_s": _rate(fresh, args.seconds),
        }

    sample = read_folder(ROOT / "content", channels=registry.names())
    units = {
        item.document.key: StoredUnit(
            item.document,
            1,
            i,
            "bench",
            datetime(2026, 1, 1, tzinfo=UTC),
            item.source or "",
            item.document.content_hash,
        )
        for i, item in enumerate(sample.units)
    }
    sample_snap = Snapshot(None, units, {s.key: s for s in sample.snippets})
    timings = []
    for _ in range(5):
        parse_body.cache_clear()
        start = time.perf_counter()
        check_snapshot(sample_snap)
        timings.append(time.perf_counter() - start)

    print(f"python {platform.python_version()}, {platform.machine()}, unit of {words} words")
    print(f"\n{'channel':<10} {'renders/s':>11} {'parse+render/s':>15}")
    for name, row in rows.items():
        print(f"{name:<10} {row['render_per_s']:>11,.0f} {row['parse_render_per_s']:>15,.0f}")
    check_median = statistics.median(timings)
    print(
        f"\nkb check of the sample ({len(units)} units, every channel, cold parse): "
        f"median {check_median * 1000:.0f} ms over 5 runs"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "unit_words": words,
                    "channels": rows,
                    "check_sample_seconds": check_median,
                    "sample_units": len(units),
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
