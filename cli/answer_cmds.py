"""`kb ask`, `kb search` and `kb reindex`: answers and search of the current release."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import LocaleOpt, check_locale, open_kb, speak
from cli.output import JsonOpt, highlighted, print_json
from renderers import registry
from renderers.base import RenderContext

__all__ = ["ask", "reindex", "search"]


def ask(
    question: str,
    channel: Annotated[
        str, typer.Option("--channel", "-c", help="Channel to render for.")
    ] = "chatbot",
    locale: LocaleOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="The answer as JSON.")] = False,
    audio: Annotated[
        Path | None, typer.Option("--audio", help="Speak an IVR answer to a WAV file.")
    ] = None,
) -> None:
    """Answer a customer's question as a channel would: answered, clarify or no_answer."""
    try:
        renderer = registry.get(channel)
    except registry.UnknownChannel as exc:
        raise typer.BadParameter(str(exc), param_hint="--channel") from None
    with open_kb() as kb:
        check_locale(locale, kb.services().snapshot.locales)
        answer = kb.ask(question, locale=locale, channel=channel)
        snap = kb.snapshot(answer.release)
        rendering = None
        if answer.unit_id is not None:
            unit = snap.unit(answer.unit_id, answer.locale)
            context = RenderContext.configured(snap, unit, kb.settings)
            rendering = renderer.render(context)
    body = {
        "status": answer.status.value,
        "unit_id": answer.unit_id,
        "title": answer.title,
        "confidence": round(answer.confidence, 3),
        "routing": answer.routing,
        "alternatives": [
            {"unit_id": a.unit_id, "title": a.title, "confidence": round(a.confidence, 3)}
            for a in answer.alternatives
        ],
        "locale": answer.locale,
        "locale_source": answer.locale_source,
        "kb_version": answer.release,
        "content": rendering.to_json() if rendering else None,
    }
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        typer.echo(
            f"{answer.status.value} ({answer.confidence:.2f}), release {answer.release}, "
            f"locale {answer.locale} ({answer.locale_source})"
        )
        if rendering is not None:
            typer.echo(f"{answer.title} [{answer.unit_id}]\n")
            typer.echo(rendering.body.rstrip("\n"))
        for alternative in answer.alternatives:
            typer.echo(
                f"  - {alternative.title} [{alternative.unit_id}] ({alternative.confidence:.2f})"
            )
        if answer.status.value == "no_answer":
            typer.echo(f"Hand over to a person (routing: {answer.routing or 'default'}).")
    if audio is not None:
        if rendering is None:
            typer.echo("error: nothing to speak: the question was not answered", err=True)
            raise typer.Exit(1)
        speak(rendering, answer.locale, audio)


def search(
    words: str,
    locale: LocaleOpt = None,
    staff: Annotated[
        bool, typer.Option("--staff", help="Include internal units and notes.")
    ] = False,
    channel: Annotated[
        str | None, typer.Option("--channel", "-c", help="Only units this channel serves.")
    ] = None,
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only units with this tag.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="At most this many hits.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Hits as JSON.")] = False,
) -> None:
    """Search the current release as operators do: ranked, with highlights and typo tolerance."""
    with open_kb() as kb:
        check_locale(locale, kb.services().snapshot.locales)
        results, release = kb.search(
            words,
            locale=locale,
            staff=staff,
            channel=channel,
            category=category,
            tag=tag,
            limit=limit,
        )
    if as_json:
        hits = [
            {
                "unit_id": h.unit_id,
                "title": h.title,
                "snippet": h.snippet,
                "score": round(h.score, 3),
            }
            for h in results.hits
        ]
        typer.echo(
            json.dumps(
                {
                    "hits": hits,
                    "total": results.total,
                    "did_you_mean": results.did_you_mean,
                    "kb_version": release,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if results.did_you_mean:
        typer.echo(f"Did you mean: {results.did_you_mean}")
    for hit in results.hits:
        typer.echo(f"{hit.score:7.2f}  {hit.title} [{hit.unit_id}]")
        if hit.snippet:
            typer.echo(f"         {highlighted(hit.snippet)}")
    typer.echo(f"{results.total} match(es) in release {release}")


def reindex(as_json: JsonOpt = False) -> None:
    """Rebuild the search index and matchers of the current release from the database."""
    with open_kb() as kb:
        services = kb.reindex()
    units, locales = len(services.snapshot.units), sorted(services.matchers)
    if as_json:
        print_json({"release": services.release, "units": units, "locales": locales})
        return
    typer.echo(
        f"Rebuilt the index of release {services.release} "
        f"({units} units, locales: {', '.join(locales) or 'none'})"
    )
