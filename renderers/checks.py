"""`kb check`: render every unit in every channel and locale, and report what customers would
suffer from; the same checks gate publishing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from xml.etree import ElementTree

from kb.content.markdown import iter_tokens, only_channels
from kb.content.nesting import TOO_DEEP, lost_line
from kb.progress import tracked
from kb.releases.publishing import PublishGate
from kb.settings import Settings
from kb.store.snapshot import Snapshot, StoredUnit
from renderers import registry
from renderers.base import Finding, RenderContext, Renderer, Rendering, RenderLimits, Severity
from renderers.bidi import bidi_controls_in

__all__ = [
    "check_snapshot",
    "check_unit",
    "enabled_renderers",
    "hidden_reason",
    "missing_translation",
    "missing_translations",
    "publish_gate",
]

_XML_MEDIA_TYPES = frozenset({"application/ssml+xml", "application/xml"})


def hidden_reason(unit: StoredUnit, renderer: Renderer) -> str | None:
    """Why `renderer`'s channel does not show `unit`, or None when it does: the one rule of
    who sees what, shared by the API (a 404), `kb render` (an error) and the checks."""
    doc = unit.document
    if doc.audience != "public" and not renderer.for_staff:
        staff = ", ".join(r.name for r in registry.renderers() if r.for_staff) or "none"
        return f"is internal: only staff channels show it ({staff})"
    if doc.channels is not None and renderer.name not in doc.channels:
        return (
            f"is not enabled for channel '{renderer.name}' "
            f"(its channels: {', '.join(doc.channels) or 'none'})"
        )
    return None


def enabled_renderers(unit: StoredUnit, renderers: Sequence[Renderer]) -> list[Renderer]:
    """The channels a unit reaches: the ones it names (default all), staff-only if internal."""
    return [r for r in renderers if hidden_reason(unit, r) is None]


def _unit_findings(unit: StoredUnit, context: RenderContext, known: set[str]) -> list[Finding]:
    """Problems of the unit itself, whatever the channel."""
    doc = unit.document
    found: list[Finding] = []
    for token in iter_tokens(context.parsed.tokens):
        if token.type == "container_only_open":
            unknown = [c for c in only_channels(token) if c not in known]
            if unknown or not only_channels(token):
                found.append(
                    context.finding(
                        Severity.ERROR,
                        "unknown-channel",
                        f"'::: {token.info.strip()}' names an unknown channel "
                        f"({', '.join(unknown) or 'none given'}); "
                        f"known: {', '.join(sorted(known))}",
                        None,
                    )
                )
    found.extend(_bidi_findings(context))
    found.extend(_nesting_findings(context))
    if doc.is_stale(context.today):
        found.append(
            context.finding(
                Severity.WARNING,
                "stale",
                f"review date {doc.review_by} has passed"
                + (f"; owner: {doc.owner}" if doc.owner else ""),
                None,
            )
        )
    return found


def _checked_rendering(
    renderer: Renderer, context: RenderContext
) -> tuple[Rendering | None, list[Finding]]:
    """Render in one channel: the rendering (None if the renderer failed), and what the
    renderer reported plus the generic checks."""
    try:
        rendering = renderer.render(context)
    except Exception as exc:  # a renderer bug must not hide the rest of the report
        return None, [
            context.finding(
                Severity.ERROR, "render-failed", f"{type(exc).__name__}: {exc}", renderer.name
            )
        ]
    found = list(rendering.findings)
    if not rendering.body.strip() and not any(f.code == "no-output" for f in found):
        found.append(
            context.finding(
                Severity.ERROR,
                "no-output",
                "renders to nothing in a channel it is enabled for",
                renderer.name,
            )
        )
    if rendering.media_type in _XML_MEDIA_TYPES:
        try:
            ElementTree.fromstring(rendering.body)
        except ElementTree.ParseError as exc:
            found.append(
                context.finding(
                    Severity.ERROR,
                    "ssml-invalid",
                    f"output is not well-formed XML: {exc}",
                    renderer.name,
                )
            )
    return rendering, found


def _nesting_findings(context: RenderContext) -> list[Finding]:
    """An error when the body nests deeper than the parser goes: its deepest text (in a list,
    the rest of the body) is missing from every channel, which no rendering can show."""
    line = lost_line(context.parsed.tokens)
    if line is None:
        return []
    return [context.finding(Severity.ERROR, "too-deep", f"body line {line}: {TOO_DEEP}", None)]


def _bidi_findings(context: RenderContext) -> list[Finding]:
    """A warning for each bidi control in the unit's title or body: channels drop them, so
    what the author wrote is not what customers see (or what showed reversed in review)."""
    doc = context.unit.document
    places = [("title", control) for _, control in bidi_controls_in(doc.title)]
    places += [(f"body line {line}", control) for line, control in bidi_controls_in(doc.body)]
    return [
        context.finding(
            Severity.WARNING,
            "bidi-control",
            f"{where}: {control} can show text in another order than it is read; every "
            "channel drops it (U+200E and U+200F marks are kept for mixed-direction text)",
            None,
        )
        for where, control in places
    ]


def check_unit(
    context: RenderContext, renderers: Sequence[Renderer]
) -> tuple[list[Rendering], list[Finding]]:
    """One unit's part of `kb check`: its rendering in every channel it is enabled for, and
    every finding about it (merged); the editor's preview runs exactly this on unsaved text."""
    unit = context.unit
    findings = _unit_findings(unit, context, {r.name for r in renderers})
    renderings: list[Rendering] = []
    for renderer in enabled_renderers(unit, renderers):
        rendering, found = _checked_rendering(renderer, context)
        if rendering is not None:
            renderings.append(rendering)
        findings.extend(found)
    return renderings, _merge(findings)


def missing_translation(
    unit_id: str, have: Iterable[str], locales: Iterable[str]
) -> Finding | None:
    """The warning for a unit in the locales `have` but not in all of `locales`, if it lacks any."""
    present = set(have)
    missing = set(locales) - present
    if not missing:
        return None
    return Finding(
        Severity.WARNING,
        "missing-translation",
        f"has no translation in {', '.join(sorted(missing))}",
        unit_id,
        sorted(present)[0],
        None,
    )


def missing_translations(snapshot: Snapshot) -> list[Finding]:
    """A warning for every unit id that lacks a locale other units have."""
    locales = snapshot.locales
    ids: dict[str, set[str]] = {}
    for unit_id, locale in snapshot.units:
        ids.setdefault(unit_id, set()).add(locale)
    found = (missing_translation(unit_id, have, locales) for unit_id, have in sorted(ids.items()))
    return [f for f in found if f is not None]


def _merge(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per problem: the same broken link seen by four channels is reported once."""
    merged: dict[tuple[object, ...], Finding] = {}
    for f in findings:
        key = (f.severity, f.code, f.unit_id, f.locale, f.message)
        earlier = merged.get(key)
        if earlier is None:
            merged[key] = f
        elif earlier.channel != f.channel:
            merged[key] = replace(earlier, channel=None)
    return list(merged.values())


def check_snapshot(
    snapshot: Snapshot,
    *,
    today: date | None = None,
    limits: RenderLimits | None = None,
    renderers: Sequence[Renderer] | None = None,
    settings: Settings | None = None,
) -> list[Finding]:
    """Every finding for every unit in every channel it is enabled for; errors first. With
    `settings`, units are rendered as served (KB_SMS_MAX_SEGMENTS, and KB_PUBLIC_URL, whose
    links a message's length includes)."""
    renderers = list(renderers or registry.renderers())
    if settings is not None:
        limits = limits or RenderLimits.configured(settings)
    public_url = settings.public_url if settings is not None else None
    findings: list[Finding] = []
    for unit in tracked("checking units", snapshot.iter_units(), len(snapshot.units)):
        context = RenderContext.from_snapshot(
            snapshot, unit, today=today, limits=limits, public_url=public_url
        )
        findings.extend(check_unit(context, renderers)[1])
    findings.extend(missing_translations(snapshot))
    merged = _merge(findings)
    return sorted(
        merged,
        key=lambda f: (
            f.severity is not Severity.ERROR,
            f.locale or "",
            f.unit_id or "",
            f.channel or "",
            f.code,
        ),
    )


def publish_gate(
    *,
    today: date | None = None,
    limits: RenderLimits | None = None,
    settings: Settings | None = None,
) -> PublishGate:
    """The checks as a publishing gate for `KnowledgeBase.publish(gate=...)`; with `settings`,
    as `check_snapshot` renders with them."""

    def gate(snapshot: Snapshot) -> list[Finding]:
        return check_snapshot(snapshot, today=today, limits=limits, settings=settings)

    return gate
