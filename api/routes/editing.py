"""The editor's page: an unsaved unit previewed in every channel and heard as the IVR says it,
and where every draft stands (editor key).

Previews are asked for as the editor types: they read the drafts kept in memory
(`KnowledgeBase.draft_state`, two small queries when nothing was saved) and write nothing.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response

from api.auth import Editor, key_responses
from api.deps import KBDep
from api.schemas import DraftStatusOut, PreviewIn, PreviewOut, ProblemOut
from kb.content.document import UnitDocument
from kb.knowledge_base import KnowledgeBase
from kb.releases.draft_state import unit_statuses
from renderers import registry
from renderers.audio import SpeechFailed, espeak_available, known_voices, speak_to_wav, voice_for
from renderers.base import Finding
from renderers.preview import DraftChecks, Preview, preview_unit

router = APIRouter(
    prefix="/api/v1/drafts",
    tags=["drafts"],
    responses={
        **key_responses("The key's role is below editor."),
        422: {
            "model": ProblemOut,
            "description": "The source is not a valid unit: each problem with its field and line.",
        },
    },
)

#: Longer prompts (by the IVR's own estimate) are not spoken: the preview is for listening.
MAX_AUDIO_SECONDS = 300.0
#: `kb check` counts of the drafts, kept between requests (see DraftChecks for what is reused).
_CHECKS = DraftChecks()

_WAV_EXAMPLE = "RIFF$\u00b4\u0001\u0000WAVEfmt \u0010\u0000... (binary)"


def _finding(finding: Finding) -> dict[str, Any]:
    return {**finding.to_json(), "blocking": finding.blocking}


def _fields(document: UnitDocument) -> dict[str, Any]:
    fields = document.metadata()
    del fields["body"]
    return fields


def _preview(kb: KnowledgeBase, source: str, channels: list[str] | None = None) -> Preview:
    document = kb.parse_unit(source, source="body.source")
    renderers = [registry.get(c) for c in channels] if channels is not None else None
    return preview_unit(
        kb.draft_state().snapshot,
        document,
        source=source,
        renderers=renderers,
        public_url=kb.settings.public_url,
    )


@router.post("/preview", operation_id="previewDraftUnit", response_model=PreviewOut)
def preview(body: PreviewIn, kb: KBDep, _caller: Editor) -> Any:
    """Render an unsaved unit, among the current drafts, in every channel it is enabled for,
    and run the checks `kb check` runs on it; nothing is saved."""
    result = _preview(kb, body.source)
    document = result.unit.document
    return {
        "unit_id": document.id,
        "locale": document.locale,
        "title": document.title,
        "fields": _fields(document),
        "body": document.body,
        "renderings": [
            {**r.to_json(), "findings": [_finding(f) for f in r.findings]}
            for r in result.renderings
        ],
        "findings": [_finding(f) for f in result.findings],
        "errors": result.errors,
        "warnings": result.warnings,
        "audio": espeak_available(),
    }


@router.post(
    "/preview/audio",
    operation_id="previewDraftUnitAudio",
    response_class=Response,
    responses={
        200: {
            "description": "The IVR prompt spoken by espeak-ng (WAV).",
            "content": {
                "audio/wav": {
                    "schema": {"type": "string", "format": "binary"},
                    "example": _WAV_EXAMPLE,
                }
            },
        },
        503: {"model": ProblemOut, "description": "espeak-ng is not installed on the server."},
    },
)
def preview_audio(body: PreviewIn, kb: KBDep, _caller: Editor) -> Response:
    """Hear an unsaved unit as the IVR would say it: its SSML spoken by espeak-ng."""
    if not espeak_available():
        raise HTTPException(503, "espeak-ng is not installed on the server: no audio preview")
    result = _preview(kb, body.source, ["ivr"])
    document = result.unit.document
    rendering = next(iter(result.renderings), None)
    if rendering is None:
        raise HTTPException(422, f"unit '{document.id}' is not enabled for the ivr channel")
    if any(f.code == "ssml-invalid" for f in result.findings):
        raise HTTPException(422, "the IVR output is not well-formed SSML: see the preview")
    seconds = float(rendering.data.get("duration_seconds", 0.0))
    if seconds > MAX_AUDIO_SECONDS:
        raise HTTPException(
            422,
            f"the prompt lasts about {seconds:.0f} s; audio previews stop at "
            f"{MAX_AUDIO_SECONDS:.0f} s",
        )
    voice = voice_for(document.locale)
    try:
        if voice.split("+")[0].lower() not in known_voices():
            raise HTTPException(422, f"espeak-ng has no voice for locale '{document.locale}'")
        with tempfile.TemporaryDirectory(prefix="kb-audio-") as folder:
            path = Path(folder) / "preview.wav"
            speak_to_wav(rendering.body, voice, path)
            audio = path.read_bytes()
    except SpeechFailed as exc:
        raise HTTPException(503, f"speech failed: {exc}") from exc
    return Response(audio, media_type="audio/wav", headers={"Cache-Control": "no-store"})


Status = Literal["changed", "published", "stale", "failing"]


@router.get("/overview", operation_id="getDraftOverview", response_model=list[DraftStatusOut])
def overview(
    kb: KBDep,
    _caller: Editor,
    locale: Annotated[str | None, Query(max_length=35)] = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[
        Status | None,
        Query(description="changed, published, stale, or failing (errors > 0)."),
    ] = None,
) -> Any:
    """Every draft unit, archived ones too, against the live release, with its check counts;
    by locale and id. The checks are re-run only for what changed since the last call."""
    state = kb.draft_state()
    release = kb.current_release()
    live = kb.snapshot(release.number) if release is not None else None
    today = date.today()
    counts = _CHECKS.counts(state.snapshot, today)
    rows = []
    for s in unit_statuses(state, live, today):
        doc = s.unit.document
        if (locale is not None and doc.locale != locale) or (
            category is not None and doc.category != category
        ):
            continue
        errors, warnings = counts.get(doc.key, (0, 0))
        row = {
            "unit_id": doc.id,
            "locale": doc.locale,
            "title": doc.title,
            "category": doc.category,
            "revision": s.unit.revision,
            "published_revision": s.published_revision,
            "changed": s.changed,
            "published": s.published_revision is not None,
            "stale": s.stale,
            "archived": s.archived,
            "errors": errors,
            "warnings": warnings,
            "updated_at": s.unit.updated_at,
            "author": s.unit.author,
        }
        if status is None or _has(row, status):
            rows.append(row)
    return rows


def _has(row: dict[str, Any], status: Status) -> bool:
    """Whether an overview row has `status`."""
    return bool(row["errors"] > 0 if status == "failing" else row[status])
