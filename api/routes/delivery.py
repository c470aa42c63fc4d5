"""Delivery: answers, search, rendered units and the FAQ list, from the current release.

Every body says which release served it, responses are cacheable (ETag, 304) and callers see
only what their role allows: internal content and staff channels need an operator key.

The handlers are async: all they touch is in memory (the release follower keeps the current
release's index and matchers loaded), so they run on the event loop without a thread hop,
which was a third of the cost of an answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request

from api.auth import CallerDep
from api.caching import CachePolicy, from_cache, kept_served, rendered, send
from api.deps import KBDep
from api.events import Conversation, Trail, Via, recorded
from api.languages import accepted_languages
from api.metrics import delivery as counted
from api.openapi import KEY_OPTIONAL
from api.schemas import AnswerOut, FaqOut, ProblemOut, ReleaseOut, SearchOut, UnitOut
from api.visibility import readable_unit
from kb.answers.locales import LocaleChoice, answer_in, choose_locale
from kb.answers.results import Answer
from kb.answers.services import ReleaseServices
from kb.events.served import Served
from kb.knowledge_base import KnowledgeBase
from kb.phases import phase
from kb.store.keys import Caller
from kb.store.snapshot import Snapshot
from renderers import registry
from renderers.base import Renderer
from renderers.bidi import without_bidi_controls
from renderers.faq import faq_page

router = APIRouter(
    prefix="/api/v1",
    tags=["delivery"],
    responses={
        304: {"description": "Not modified: the client's copy (If-None-Match) is current."},
        401: {"model": ProblemOut, "description": "Missing or invalid key where one is needed."},
        403: {"model": ProblemOut, "description": "The operator channel needs an operator key."},
        404: {"model": ProblemOut, "description": "Nothing has been published yet."},
        422: {"model": ProblemOut, "description": "A parameter is missing or invalid."},
    },
)

#: Limits of the query parameters, read by the routes and by their quick path (api.quick).
QUESTION_CHARS = 500
CHANNEL_CHARS = 20
LOCALE_CHARS = 35
LOCALE_PATTERN = r"^[A-Za-z]{2,8}([_-][A-Za-z0-9]{1,8})*$"
FILTER_CHARS = 200
MAX_LIMIT = 50
DEFAULT_LIMIT = 10
#: The channel each route serves when none is asked.
ANSWER_CHANNEL = "chatbot"
SEARCH_CHANNEL = "web"
#: The channel whose units the FAQ lists (its widget's and page's events say so).
FAQ_CHANNEL = "web"

Question = Annotated[
    str,
    Query(
        min_length=1,
        max_length=QUESTION_CHARS,
        description="The customer's words.",
        openapi_examples={
            "question": {"value": "how much money is left on my account"},
            "russian": {"value": "у меня украли телефон"},
        },
    ),
]
Words = Annotated[
    str,
    Query(
        max_length=QUESTION_CHARS,
        description="What the operator typed so far; the last word may be unfinished.",
        openapi_examples={"prefix": {"value": "roam"}, "typo": {"value": "roamng"}},
    ),
]


def _registered_channels(schema: dict[str, Any]) -> None:
    """The channels as the document is made, plug-ins included (they register at run time)."""
    schema["enum"] = list(registry.names())


Channel = Annotated[
    str,
    Query(
        max_length=CHANNEL_CHARS,
        description="web, chatbot, ivr, or operator (operator key needed).",
        openapi_examples={"chatbot": {"value": "chatbot"}},
        json_schema_extra=_registered_channels,
    ),
]
Locale = Annotated[
    str | None,
    Query(
        max_length=LOCALE_CHARS,
        pattern=LOCALE_PATTERN,
        description="Falls back to the default locale when the release lacks it.",
        openapi_examples={"english": {"value": "en"}},
    ),
]
Filter = Annotated[str | None, Query(max_length=FILTER_CHARS)]
AcceptLanguage = Annotated[
    str | None,
    Header(
        description="Used when `locale` is not given: the first language the release has, by "
        "q-value (`ru-RU,ru;q=0.9,en;q=0.8`). Without either, the question's own language.",
        openapi_examples={"russian": {"value": "ru-RU,ru;q=0.9,en;q=0.5"}},
    ),
]
#: Answers and search depend on Accept-Language as well as on the key.
_VARY = ("Accept-Language",)


def may_use(channel: str, caller: Caller) -> bool:
    """Whether `channel` is known and this caller may use it (else `_renderer` says why not)."""
    return channel in registry.names() and (caller.staff or not registry.get(channel).for_staff)


def _renderer(channel: str, caller: Caller) -> Renderer:
    """The channel's renderer, if this caller may use it."""
    if channel not in registry.names():
        known = ", ".join(registry.names())
        raise HTTPException(422, f"query channel: unknown channel '{channel}'; known: {known}")
    renderer = registry.get(channel)
    if renderer.for_staff and not caller.staff:
        if caller.key_id is None:
            raise HTTPException(
                401, f"the {channel} channel needs an operator key", {"WWW-Authenticate": "Bearer"}
            )
        raise HTTPException(403, f"the {channel} channel needs a key with the operator role")
    return renderer


def _located(served: str, asked: str | None, default: str) -> dict[str, Any]:
    return {"locale": served, "fallback": served != (asked or default)}


def _choice(
    snap: Snapshot, default: str, q: str, locale: str | None, header: str | None
) -> LocaleChoice:
    """The locale that answers `q`: asked, else accepted, else detected, else the default."""
    accepted = accepted_languages(header)
    return choose_locale(snap.locales, default, asked=locale, accepted=accepted, text=q)


def answer_policy(
    kb: KnowledgeBase,
    services: ReleaseServices,
    caller: Caller,
    q: str,
    channel: str,
    locale: str | None,
    accept_language: str | None,
) -> tuple[LocaleChoice, CachePolicy]:
    """The locale that answers and the caching of an answer, for the route and its quick path."""
    choice = _choice(services.snapshot, kb.settings.default_locale, q, locale, accept_language)
    # Keyed by what the body depends on, the locale served, not the one asked: every unknown
    # locale falls back to the same body and must share its entry.
    params = ("answer", q, channel, choice.locale, choice.fallback, choice.source, choice.also)
    return choice, CachePolicy(services.release, caller, *params, vary=_VARY)


def search_policy(
    kb: KnowledgeBase,
    services: ReleaseServices,
    caller: Caller,
    q: str,
    channel: str,
    locale: str | None,
    accept_language: str | None,
    filters: tuple[str | None, str | None, int],
) -> tuple[LocaleChoice, CachePolicy]:
    """The locale searched and the caching of a search (`filters`: category, tag and limit)."""
    choice = _choice(services.snapshot, kb.settings.default_locale, q, locale, accept_language)
    params = ("search", q, channel, choice.locale, choice.fallback, choice.source, *filters)
    return choice, CachePolicy(services.release, caller, *params, vary=_VARY)


@router.get("/answer", operation_id="answer", response_model=AnswerOut, openapi_extra=KEY_OPTIONAL)
async def answer(
    q: Question,
    kb: KBDep,
    caller: CallerDep,
    request: Request,
    channel: Channel = ANSWER_CHANNEL,
    locale: Locale = None,
    accept_language: AcceptLanguage = None,
    conversation: Conversation = None,
    via: Via = None,
) -> Any:
    """The best answer: `answered`, `clarify` (with alternatives) or `no_answer` (hand over)."""
    renderer = _renderer(channel, caller)
    services = kb.services()
    snap = services.snapshot  # the very release that answers: never a mix of two
    choice, policy = answer_policy(kb, services, caller, q, channel, locale, accept_language)
    trail = Trail(q, conversation, via)
    if (ready := from_cache(request, policy)) is not None:
        counted.answer_again(policy.etag, ready, channel)
        if (facts := kept_served(request, policy.etag)) is not None:
            return recorded(request, ready, facts, trail, cached=True)
    result = answer_in(
        services,
        q,
        choice,
        channel=channel,
        thresholds=kb.thresholds,
        default_routing=kb.settings.default_routing,
    )
    content = revision = None
    if result.unit_id is not None:
        unit = snap.unit(result.unit_id, result.locale)
        revision = unit.revision
        with phase("render"):
            content = rendered(request, snap, unit, renderer).to_json()
    body = {  # in AnswerOut's order: it is sent as it is (api.caching.send)
        "kb_version": result.release,
        "locale": result.locale,
        "fallback": choice.fallback,
        "status": result.status.value,
        "unit_id": result.unit_id,
        "title": result.title,
        "confidence": round(result.confidence, 4),
        "content": content,
        "routing": result.routing,
        "alternatives": [
            {"unit_id": a.unit_id, "title": a.title, "confidence": round(a.confidence, 4)}
            for a in result.alternatives
        ],
        "locale_source": choice.source.value,
    }
    served = _answer_served(result, channel, revision)
    response = send(request, policy, body, served=served)
    if ready is not None:  # a 304 or a kept body whose facts this process had forgotten
        return recorded(request, ready, served, trail, cached=True)
    counted.answered(policy.etag, result.status.value, channel)
    return recorded(request, response, served, trail)


def _answer_served(result: Answer, channel: str, revision: int | None) -> Served:
    """What an answer served, for its event (and its sending again from the cache)."""
    status, confidence = result.status.value, round(result.confidence, 4)
    return Served(
        "answer",
        channel,
        result.locale,
        result.release,
        result.unit_id,
        revision,
        status,
        confidence,
    )


@router.get("/search", operation_id="search", response_model=SearchOut, openapi_extra=KEY_OPTIONAL)
async def search(
    q: Words,
    kb: KBDep,
    caller: CallerDep,
    request: Request,
    channel: Channel = SEARCH_CHANNEL,
    locale: Locale = None,
    category: Filter = None,
    tag: Filter = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    accept_language: AcceptLanguage = None,
    conversation: Conversation = None,
    via: Via = None,
) -> Any:
    """Ranked hits with highlighted snippets, for search as you type (operators see internal)."""
    renderer = _renderer(channel, caller)
    services = kb.services()
    filters = (category, tag, limit)
    choice, policy = search_policy(
        kb, services, caller, q, channel, locale, accept_language, filters
    )
    served = choice.locale
    trail = Trail(q, conversation, via)
    if (ready := from_cache(request, policy)) is not None:
        counted.search_again(policy.etag, ready, channel)
        if (facts := kept_served(request, policy.etag)) is not None:
            return recorded(request, ready, facts, trail, cached=True)
    results, release = kb.search(
        q,
        locale=served,
        staff=renderer.for_staff,
        channel=channel,
        category=category,
        tag=tag,
        limit=limit,
        services=services,
    )
    body = {  # in SearchOut's order: it is sent as it is (api.caching.send)
        "kb_version": release,
        "locale": served,
        "fallback": choice.fallback,
        "hits": [
            {"unit_id": h.unit_id, "title": h.title, "snippet": h.snippet, "score": h.score}
            for h in results.hits
        ],
        "total": results.total,
        "did_you_mean": results.did_you_mean,
        "locale_source": choice.source.value,
    }
    units = tuple(h.unit_id for h in results.hits)
    facts = Served("search", channel, served, release, hits=results.total, units=units)
    response = send(request, policy, body, served=facts)
    if ready is not None:  # a 304 or a kept body whose facts this process had forgotten
        return recorded(request, ready, facts, trail, cached=True)
    counted.searched(policy.etag, results.total, channel)
    return recorded(request, response, facts, trail)


@router.get(
    "/units/{unit_id}",
    operation_id="getUnit",
    response_model=UnitOut,
    responses={404: {"model": ProblemOut, "description": "No such unit for this channel."}},
    openapi_extra=KEY_OPTIONAL,
)
async def read_unit(
    unit_id: Annotated[
        str, Path(max_length=200, openapi_examples={"unit": {"value": "check-balance"}})
    ],
    kb: KBDep,
    caller: CallerDep,
    request: Request,
    channel: Channel = "web",
    locale: Locale = None,
    conversation: Conversation = None,
    via: Via = None,
) -> Any:
    """One published unit as `channel` shows it; staff channels need an operator key."""
    renderer = _renderer(channel, caller)
    snap = kb.services().snapshot
    served = kb.served_locale(snap, locale, unit_id)
    unit = readable_unit(snap, unit_id, served, renderer, staff=caller.staff)
    assert snap.number is not None
    located = _located(served, locale, kb.settings.default_locale)
    policy = CachePolicy(snap.number, caller, "unit", unit_id, located, channel)
    facts = Served("unit", channel, served, snap.number, unit.document.id, unit.revision)
    trail = Trail(None, conversation, via)
    if (ready := from_cache(request, policy)) is not None:
        return recorded(request, ready, facts, trail, cached=True)
    with phase("render"):
        rendering = rendered(request, snap, unit, renderer)
    doc = unit.document
    body = {  # in UnitOut's order, its channel's extras last: sent as it is (api.caching.send)
        "kb_version": snap.number,
        **located,
        "unit_id": doc.id,
        "channel": channel,
        "title": without_bidi_controls(doc.title),
        "category": doc.category,
        "tags": list(doc.tags),
        "routing": doc.routing,
        "revision": unit.revision,
        "media_type": rendering.media_type,
        "content": rendering.body,
    }
    body.update((k, v) for k, v in rendering.data.items() if k not in body)
    return recorded(request, send(request, policy, body), facts, trail)


@router.get("/faq", operation_id="getFaq", response_model=FaqOut, openapi_extra=KEY_OPTIONAL)
async def faq(
    kb: KBDep,
    caller: CallerDep,
    request: Request,
    category: Filter = None,
    locale: Locale = None,
    conversation: Conversation = None,
    via: Via = None,
) -> Any:
    """The questions an FAQ widget lists: public web units, with their answers as safe HTML."""
    snap = kb.services().snapshot
    served = kb.served_locale(snap, locale)
    assert snap.number is not None
    located = _located(served, locale, kb.settings.default_locale)
    policy = CachePolicy(snap.number, caller, "faq", located, category)
    facts = Served("faq", FAQ_CHANNEL, served, snap.number)
    trail = Trail(None, conversation, via)
    if (ready := from_cache(request, policy)) is not None:
        return recorded(request, ready, facts, trail, cached=True)
    with phase("render"):
        page = faq_page(snap, served, category=category)
    body = {  # in FaqOut's order: it is sent as it is (api.caching.send)
        "kb_version": snap.number,
        **located,
        "category": category,
        "items": [
            {"unit_id": e.unit_id, "title": e.title, "category": e.category, "answer": e.answer}
            for e in page.entries
        ],
        "json_ld": page.json_ld,
    }
    return recorded(request, send(request, policy, body), facts, trail)


@router.get(
    "/releases/current",
    operation_id="getCurrentRelease",
    response_model=ReleaseOut,
    openapi_extra=KEY_OPTIONAL,
)
async def current_release(kb: KBDep, caller: CallerDep, request: Request) -> Any:
    """The release every channel serves now."""
    snap = kb.services().snapshot
    release = snap.release
    assert release is not None
    policy = CachePolicy(release.number, caller, "release")
    if (ready := from_cache(request, policy)) is not None:
        return ready
    # Validated: ReleaseOut gives created_at its UTC offset.
    return send(request, policy, release_body(release), ReleaseOut)


def release_body(release: Any) -> dict[str, Any]:
    """A release as the API shows it."""
    return {
        "kb_version": release.number,
        "author": release.author,
        "message": release.message,
        "rollback_of": release.rollback_of,
        "units": release.unit_count,
        "snippets": release.snippet_count,
        "created_at": release.created_at,
    }
