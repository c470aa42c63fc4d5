"""`kb`: import, publish, inspect and serve a knowledge base from the shell."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cli.eval_cmd import eval_command
from kb import KBError, KnowledgeBase, PublishBlocked, PublishPlan
from kb.errors import InvalidContent
from kb.settings import Settings
from renderers import registry
from renderers.base import Finding, RenderContext, Rendering
from renderers.checks import check_snapshot, publish_gate

app = typer.Typer(
    help="One knowledge base for every support channel: web, chatbot, operator panel and IVR.",
    no_args_is_help=True,
    add_completion=False,
)

LocaleOpt = Annotated[
    str | None, typer.Option("--locale", "-l", help="Locale (default: KB_DEFAULT_LOCALE).")
]
MessageOpt = Annotated[str, typer.Option("--message", "-m", help="Why: kept in the history.")]


@contextmanager
def _open() -> Iterator[KnowledgeBase]:
    """Open the configured knowledge base; domain errors end the command with a clear message."""
    try:
        with KnowledgeBase.open(Settings.from_env(), channels=registry.names()) as kb:
            yield kb
    except PublishBlocked as exc:
        _print_findings(list(exc.findings))  # type: ignore[arg-type]
        typer.echo(
            "error: publishing refused; fix the errors above (kb check lists them)", err=True
        )
        raise typer.Exit(1) from None
    except InvalidContent as exc:
        typer.echo(f"error: {len(exc.problems)} problem(s), nothing was changed:", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(1) from None
    except KBError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _locale(kb: KnowledgeBase, locale: str | None) -> str:
    return locale or kb.settings.default_locale


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="A content folder or a CSV file of questions.")],
    message: MessageOpt = "Import",
) -> None:
    """Import units and snippets as drafts: all of them, or nothing if anything is invalid."""
    from importers import read_path
    from importers.content_folder import unit_files

    with _open() as kb:
        total = len(unit_files(path)) if path.is_dir() else 0
        with typer.progressbar(
            length=total, label="Reading", file=sys.stderr, hidden=total < 200
        ) as bar:
            batch = read_path(
                path,
                channels=kb.settings.channels,
                default_locale=kb.settings.default_locale,
                progress=bar.update,
            )
        with typer.progressbar(
            length=len(batch.units) + len(batch.snippets),
            label="Saving",
            file=sys.stderr,
            hidden=total < 200,
        ) as bar:
            report = kb.import_content(
                batch, author=kb.settings.author, message=message, progress=bar.update
            )
        typer.echo(report.summary())


def _print_plan(plan: PublishPlan, kb: KnowledgeBase) -> None:
    groups = [
        ("added", plan.added),
        ("changed", plan.changed),
        ("removed", plan.removed),
        ("snippet added", plan.snippets_added),
        ("snippet changed", plan.snippets_changed),
        ("snippet removed", plan.snippets_removed),
    ]
    for label, keys in groups:
        for name, locale in keys:
            typer.echo(f"  {label:<16} {name} ({locale})")
    for (unit_id, locale), names in plan.affected_by_snippets.items():
        typer.echo(f"  {'via snippet':<16} {unit_id} ({locale}): {', '.join(names)}")
    for unit_id, locale in plan.stale:
        typer.echo(f"  warning: {unit_id} ({locale}) is stale: its review date has passed")
    del kb


def _print_findings(findings: list[Finding]) -> None:
    for finding in findings:
        typer.echo(f"  {finding}", err=finding.blocking)


@app.command()
def publish(
    message: MessageOpt = "",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what would change.")
    ] = False,
) -> None:
    """Publish the drafts as the next release, which every channel then serves.

    Every unit is first rendered in every channel; errors refuse the release.
    """
    with _open() as kb:
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
        _print_plan(plan, kb)
        _print_findings(list(plan.findings))  # type: ignore[arg-type]
        if dry_run and any(f.blocking for f in plan.findings):
            typer.echo("Publishing would be refused: fix the errors above first.", err=True)
            raise typer.Exit(1)


@app.command("rollback")
def rollback_(
    release: Annotated[int, typer.Argument(help="The release whose content to restore.")],
    message: MessageOpt = "",
) -> None:
    """Publish a new release equal to an older one (nothing is deleted)."""
    with _open() as kb:
        plan = kb.rollback(release, author=kb.settings.author, message=message)
        typer.echo(f"Published release {plan.release} = release {release}")
        _print_plan(plan, kb)


@app.command()
def releases() -> None:
    """List releases, newest first."""
    with _open() as kb:
        for r in kb.releases():
            note = f" (rollback to {r.rollback_of})" if r.rollback_of else ""
            typer.echo(
                f"{r.number:>5}  {r.created_at:%Y-%m-%d %H:%M}  {r.author:<12} "
                f"{r.unit_count:>6} units  {r.message}{note}"
            )


@app.command()
def history(unit_id: str, locale: LocaleOpt = None) -> None:
    """List a unit's revisions, oldest first."""
    with _open() as kb:
        for rev in kb.history(unit_id, _locale(kb, locale)):
            flag = " [archived]" if rev.archived else ""
            typer.echo(
                f"{rev.number:>4}  {rev.created_at:%Y-%m-%d %H:%M}  {rev.author:<12} "
                f"{rev.content_hash[:12]}  {rev.message}{flag}"
            )


@app.command()
def diff(
    unit_id: str,
    rev1: Annotated[int | None, typer.Argument(help="Older revision (default: published).")] = None,
    rev2: Annotated[int | None, typer.Argument(help="Newer revision (default: newest).")] = None,
    locale: LocaleOpt = None,
) -> None:
    """Show what changed in a unit between two revisions."""
    with _open() as kb:
        text = kb.diff(unit_id, _locale(kb, locale), rev1, rev2)
        typer.echo(text or "No differences.", nl=not text)


@app.command()
def archive(unit_id: str, locale: LocaleOpt = None, message: MessageOpt = "Archived") -> None:
    """Withdraw a unit from the next release (its history stays)."""
    with _open() as kb:
        result = kb.archive_unit(
            unit_id, _locale(kb, locale), author=kb.settings.author, message=message
        )
        typer.echo(f"{unit_id}: revision {result.revision} ({result.outcome.value})")


@app.command()
def export(
    directory: Annotated[Path, typer.Argument(help="An empty (or new) folder.")],
    drafts: Annotated[
        bool, typer.Option("--drafts", help="Export drafts, not the release.")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Write into a non-empty folder.")
    ] = False,
) -> None:
    """Write the published release (or the drafts) in the content format."""
    from importers import export_snapshot

    with _open() as kb:
        snap = kb.drafts() if drafts else kb.snapshot()
        report = export_snapshot(snap, directory, overwrite=overwrite)
        what = "drafts" if drafts else f"release {snap.number}"
        typer.echo(f"Exported {what}: {report.units} units, {report.snippet_files} snippet files")


@app.command()
def stale(
    drafts: Annotated[
        bool, typer.Option("--drafts", help="Check drafts, not the release.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List units whose review date has passed."""
    with _open() as kb:
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


@app.command()
def check(
    release: Annotated[bool, typer.Option("--release", help="Check the live release.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Render every unit in every channel and locale and report problems (errors exit 1)."""
    with _open() as kb:
        snap = kb.snapshot() if release else kb.drafts()
        findings = check_snapshot(snap)
    errors = sum(f.blocking for f in findings)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "errors": errors,
                    "warnings": len(findings) - errors,
                    "findings": [f.to_json() for f in findings],
                },
                ensure_ascii=False,
            )
        )
    else:
        for finding in findings:
            typer.echo(str(finding))
        typer.echo(
            f"{len(snap.units)} units checked: {errors} error(s), "
            f"{len(findings) - errors} warning(s)"
        )
    if errors:
        raise typer.Exit(1)


@app.command()
def render(
    unit_id: str,
    channel: Annotated[
        str, typer.Option("--channel", "-c", help="web, chatbot, operator, ivr")
    ] = "web",
    locale: LocaleOpt = None,
    drafts: Annotated[
        bool, typer.Option("--drafts", help="Render the draft, not the release.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The whole rendering as JSON.")] = False,
    audio: Annotated[
        Path | None,
        typer.Option("--audio", help="Also speak an IVR prompt to a WAV file (needs espeak-ng)."),
    ] = None,
) -> None:
    """Print one unit as a channel renders it."""
    try:
        renderer = registry.get(channel)
    except registry.UnknownChannel as exc:
        raise typer.BadParameter(str(exc), param_hint="--channel") from None
    with _open() as kb:
        snap = kb.drafts() if drafts else kb.snapshot()
        unit = snap.unit(unit_id, _locale(kb, locale))
        rendering = renderer.render(RenderContext.from_snapshot(snap, unit))
    if as_json:
        typer.echo(json.dumps(rendering.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(rendering.body.rstrip("\n"))
        for finding in rendering.findings:
            typer.echo(str(finding), err=True)
    if audio is not None:
        _speak(rendering, unit.document.locale, audio)


def _speak(rendering: Rendering, locale: str, path: Path) -> None:
    """Write an SSML rendering as a WAV file so an editor can listen to it."""
    from renderers.audio import SpeechFailed, espeak_available, speak_to_wav, voice_for

    if rendering.media_type != "application/ssml+xml":
        raise typer.BadParameter(
            "only a spoken channel (ivr) can be written as audio", param_hint="--audio"
        )
    if not espeak_available():
        typer.echo("error: espeak-ng is not installed (apt-get install espeak-ng)", err=True)
        raise typer.Exit(1)
    try:
        seconds = speak_to_wav(rendering.body, voice_for(locale), path)
    except SpeechFailed as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Wrote {path} ({seconds:.1f} s)", err=True)


@app.command()
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
    with _open() as kb:
        answer = kb.ask(question, locale=locale, channel=channel)
        snap = kb.snapshot(answer.release)
        rendering = None
        if answer.unit_id is not None:
            unit = snap.unit(answer.unit_id, answer.locale)
            rendering = renderer.render(RenderContext.from_snapshot(snap, unit))
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
        "kb_version": answer.release,
        "content": rendering.to_json() if rendering else None,
    }
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        typer.echo(f"{answer.status.value} ({answer.confidence:.2f}), release {answer.release}")
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
        _speak(rendering, answer.locale, audio)


@app.command()
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
    with _open() as kb:
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
    typer.echo(f"{results.total} match(es) in release {release}")


@app.command()
def reindex() -> None:
    """Rebuild the search index and matchers of the current release from the database."""
    with _open() as kb:
        services = kb.reindex()
        typer.echo(
            f"Rebuilt the index of release {services.release} "
            f"({len(services.snapshot.units)} units, locales: "
            f"{', '.join(sorted(services.matchers)) or 'none'})"
        )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes sharing the port and the database.")
    ] = 1,
    log_level: Annotated[
        str, typer.Option(help="uvicorn log level; 'warning' drops the access log.")
    ] = "info",
) -> None:
    """Serve the HTTP API with uvicorn (each worker opens the knowledge base from KB_*)."""
    import uvicorn

    with _open() as kb:  # fail here, with a clear message, rather than in every worker
        release = kb.current_release()
        typer.echo(
            f"Serving release {release.number if release else '(none yet)'} from "
            f"{kb.db.safe_url} on http://{host}:{port} with {workers} worker(s)",
            err=True,
        )
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        # A worker loads the current release's index and matchers before it serves; on a busy
        # machine that can take longer than uvicorn's default 5 s ping timeout.
        timeout_worker_healthcheck=60,
        http="cli.serving:NoDelayH11Protocol",
    )


app.command("eval")(eval_command)

keys_app = typer.Typer(help="API keys: create, list and revoke (only their hashes are stored).")
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    role: Annotated[
        str,
        typer.Option(help="reader, operator, editor, publisher or admin (each adds to the last)."),
    ],
    name: Annotated[str, typer.Option(help="Who or what uses the key, e.g. 'website widget'.")],
) -> None:
    """Create a key; it is printed once, on the last line, and cannot be shown again."""
    with _open() as kb:
        new = kb.create_key(name=name, role=role, author=kb.settings.author)
        typer.echo(
            f"Created {new.key.role} key {new.key.key_id} ({new.key.name}). "
            "Store it now; it is not shown again:",
            err=True,
        )
        typer.echo(new.secret)


@keys_app.command("list")
def keys_list() -> None:
    """Every key: id, role, name, created, and revoked when it was."""
    with _open() as kb:
        for key in kb.api_keys():
            revoked = f"  revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else ""
            typer.echo(
                f"{key.key_id}  {key.role:<9}  {key.created_at:%Y-%m-%d %H:%M}  {key.name}{revoked}"
            )


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (from `kb keys list`).")],
) -> None:
    """Revoke a key: requests carrying it are refused from now on."""
    with _open() as kb:
        key = kb.revoke_key(key_id.removeprefix("kb_").split("_")[0])
        typer.echo(f"Revoked {key.role} key {key.key_id} ({key.name})")


if __name__ == "__main__":
    app()
