"""The help center's routes (/help/...): pages made once per release, locale and address by
api.help.views and api.help.answer, sent with the release in X-KB-Version and the receipt of
their delivery event; what depends on the request (the fallback notice, the feedback box with
its receipt) is put into the kept page as it is sent."""

from __future__ import annotations

import re
from functools import partial
from html import escape
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.caching import PUBLIC_CACHE_CONTROL, VERSION_HEADER, kept_or_made, today
from api.deps import KBDep
from api.events import Conversation, Trail, Via, record, stamp
from api.help import urls
from api.help.answer import FEEDBACK_SLOT, answer_html
from api.help.content import categories, category_of, public_unit
from api.help.errors import HelpRoute, error_page, where_of
from api.help.feedback import feedback_box
from api.help.popular import popular_now
from api.help.views import category_html, home_html, search_html
from api.help.words import language_name, ui_language, words
from api.languages import accepted_languages
from kb.answers.locales import choose_locale, match_language
from kb.events.served import Served
from kb.knowledge_base import KnowledgeBase
from kb.search.base import SearchResults
from kb.store.snapshot import Snapshot

__all__ = ["router"]

router = APIRouter(prefix=urls.HELP, include_in_schema=False, route_class=HelpRoute)

#: A locale segment as the delivery routes accept one (`en`, `pt-BR`).
_LOCALE = re.compile(r"[A-Za-z]{2,8}([_-][A-Za-z0-9]{1,8})*")
_NOTICE_SLOT = "<!--kb-notice-->"
#: A search query as long as the search route takes.
_QUERY_CHARS = 500
#: Results the search page lists.
_RESULTS = 20
_CHANNEL = "web"
Segment = Annotated[str, Path(max_length=200)]


def _public(kb: KnowledgeBase) -> None:
    """Help pages serve only a knowledge base open to anonymous readers."""
    if not kb.settings.anonymous_access:
        raise HTTPException(403, "this knowledge base is not public (KB_ANONYMOUS_ACCESS=false)")


def _headers(release: int | None) -> dict[str, str]:
    """What every help page is sent with: revalidated on each use, naming its release."""
    return {"Cache-Control": PUBLIC_CACHE_CONTROL, VERSION_HEADER: str(release)}


def _served(kb: KnowledgeBase, snap: Snapshot, asked: str) -> tuple[str, str | None]:
    """The locale that serves a page asked in `asked`, and the locale to redirect to when the
    release has it under another spelling (`en-GB` -> `en`), else None."""
    if not _LOCALE.fullmatch(asked):
        raise HTTPException(404)
    if asked in snap.locales:
        return asked, None
    found = match_language(asked, snap.locales)
    if found is not None:
        return found, found
    return kb.settings.default_locale, None


def _notice(asked: str, served: str, key: str) -> str:
    """The visible fallback notice, in the words of the content served."""
    if asked == served:
        return ""
    w = words(served)
    ui = ui_language(served)
    lang = "" if ui == served.split("-")[0].lower() else f' lang="{ui}"'
    text = w[key].format(asked=language_name(asked), served=language_name(served))
    return f'<p class="kb-fallback" role="status"{lang}>{escape(text)}</p>\n'


def _send(page: bytes, release: int | None, notice: str, receipt: str | None) -> HTMLResponse:
    """A kept page with this request's notice in its slot, stamped with the receipt."""
    html = page.decode("utf-8").replace(_NOTICE_SLOT, notice, 1)
    return stamp(HTMLResponse(html, headers=_headers(release)), receipt)


def _send_list(
    request: Request, page: bytes, snap: Snapshot, locales: tuple[str, str], trail: Trail
) -> HTMLResponse:
    """A list page (home, category), with the event it records: a list served in the locale
    served (`locales`: asked, served; the fallback notice when they differ)."""
    asked, served = locales
    assert snap.number is not None
    receipt = record(request, Served("faq", _CHANNEL, served, snap.number), trail)
    return _send(page, snap.number, _notice(asked, served, "fallback"), receipt)


def _moved(path: str) -> RedirectResponse:
    """A permanent redirect to a help page (the root path is put in front by api.prefix)."""
    return RedirectResponse(path, status_code=301, headers={"Cache-Control": PUBLIC_CACHE_CONTROL})


@router.get("")
async def help_root(kb: KBDep, request: Request) -> Response:
    """The home page in the reader's language (Accept-Language), else the default locale."""
    _public(kb)
    snap = kb.services().snapshot
    accepted = accepted_languages(request.headers.get("accept-language"))
    choice = choose_locale(snap.locales, kb.settings.default_locale, accepted=accepted)
    headers = {"Cache-Control": "no-cache", "Vary": "Accept-Language"}
    return RedirectResponse(urls.home_path(choice.locale), status_code=302, headers=headers)


@router.get("/{locale}")
async def help_home(
    locale: Segment, kb: KBDep, request: Request, conversation: Conversation = None, via: Via = None
) -> Response:
    """The home page: search, popular answers, the categories."""
    _public(kb)
    snap = kb.services().snapshot
    served, moved = _served(kb, snap, locale)
    if moved is not None:
        return _moved(urls.home_path(moved))
    where = where_of(request)
    popular = await popular_now(request, kb, snap, served, where.site.promoted)
    key = ("help-home", snap.number, served, where, popular, today())
    page = await kept_or_made(
        request, key, lambda: home_html(snap, where, served, popular).encode("utf-8")
    )
    return _send_list(request, page, snap, (locale, served), Trail(None, conversation, via))


@router.get("/{locale}/search")
async def help_search(
    locale: Segment,
    kb: KBDep,
    request: Request,
    q: Annotated[str, Query()] = "",
    conversation: Conversation = None,
    via: Via = None,
) -> Response:
    """Search results with highlighted snippets and "did you mean"; a plain form without JS."""
    _public(kb)
    services = kb.services()
    snap = services.snapshot
    served, moved = _served(kb, snap, locale)
    query = " ".join(q.split())[:_QUERY_CHARS]
    if moved is not None:
        return _moved(urls.search_path(moved) + (f"?{request.url.query}" if query else ""))
    results: SearchResults | None = None
    receipt = None
    if query:
        results, release = kb.search(
            query, locale=served, channel=_CHANNEL, limit=_RESULTS, services=services
        )
        units = tuple(h.unit_id for h in results.hits)
        facts = Served("search", _CHANNEL, served, release, hits=results.total, units=units)
        receipt = record(request, facts, Trail(query, conversation, via))
    html = search_html(snap, where_of(request), served, query, results)
    notice = _notice(locale, served, "fallback")
    return _send(html.encode("utf-8"), snap.number, notice, receipt)


@router.get("/{locale}/{category}")
async def help_category(
    locale: Segment,
    category: Segment,
    kb: KBDep,
    request: Request,
    conversation: Conversation = None,
    via: Via = None,
) -> Response:
    """A category's answers."""
    _public(kb)
    snap = kb.services().snapshot
    served, moved = _served(kb, snap, locale)
    if moved is not None:
        return _moved(urls.category_path(moved, category))
    if category not in await _segments(request, snap, served):  # no junk kept in the cache
        return error_page(request, 404)
    where = where_of(request)
    key = ("help-category", snap.number, served, category, where, today())

    def make() -> bytes:
        html = category_html(snap, where, served, category)
        return b"" if html is None else html.encode("utf-8")

    page = await kept_or_made(request, key, make)
    return _send_list(request, page, snap, (locale, served), Trail(None, conversation, via))


@router.get("/{locale}/{category}/{unit_id}")
async def help_answer(
    locale: Segment,
    category: Segment,
    unit_id: Segment,
    kb: KBDep,
    request: Request,
    conversation: Conversation = None,
    via: Via = None,
) -> Response:
    """An answer's page; under another category than its own, a 301 to the right address."""
    _public(kb)
    services = kb.services()
    snap = services.snapshot
    served, moved = _served(kb, snap, locale)
    unit = public_unit(snap, unit_id, served)
    default = kb.settings.default_locale
    if unit is None and served != default:  # not translated: the default locale's, visibly
        unit = public_unit(snap, unit_id, default)
    if unit is None:
        return error_page(request, 404)
    if moved is not None or category != category_of(unit):
        return _moved(urls.unit_path(moved or locale, category_of(unit), unit_id))
    where = where_of(request)
    doc = unit.document
    key = ("help-answer", snap.number, doc.id, doc.locale, where, today())

    def search(text: str, in_locale: str) -> SearchResults:
        return kb.search(
            text, locale=in_locale, channel=_CHANNEL, limit=10, prefix=False, services=services
        )[0]

    settings = kb.settings
    page = await kept_or_made(
        request, key, partial(_answer_bytes, snap, unit, where, settings, search)
    )
    assert snap.number is not None
    facts = Served("unit", _CHANNEL, doc.locale, snap.number, doc.id, unit.revision)
    receipt = record(request, facts, Trail(None, conversation, via))
    box = feedback_box(doc.locale, doc.id, receipt, where.root)
    page = page.replace(FEEDBACK_SLOT.encode(), box.encode("utf-8"), 1)
    return _send(page, snap.number, _notice(locale, doc.locale, "fallback_answer"), receipt)


async def _segments(request: Request, snap: Snapshot, locale: str) -> frozenset[str]:
    """The category segments with public answers in `locale`, worked out once per release."""
    key = ("help-segments", snap.number, locale)

    def make() -> bytes:
        return "\n".join(c.segment for c in categories(snap, locale)).encode("utf-8")

    return frozenset((await kept_or_made(request, key, make)).decode("utf-8").split("\n"))


def _answer_bytes(*args: object) -> bytes:
    return answer_html(*args).encode("utf-8")  # type: ignore[arg-type]


@router.get("/{rest:path}")
async def help_unknown(rest: str, request: Request) -> Response:
    """Anything else under /help: the site's 404 page."""
    return error_page(request, 404)
