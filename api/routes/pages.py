"""The pages people use: operator panel, editor, FAQ widget script and the plain web FAQ.

The panel and editor are static files (HTML, CSS and plain JavaScript modules, no build step)
that talk to the JSON API with the key the person enters; only the web FAQ is rendered here,
because it is the page the widget falls back to when the API cannot be reached from a site.
"""

from __future__ import annotations

import re
from datetime import date
from functools import partial
from html import escape
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from api.caching import kept_or_made, rendered
from api.deps import KBDep
from api.events import Conversation, Trail, Via, record, stamp
from api.visibility import readable_unit
from kb import KnowledgeBase
from kb.events.served import Served
from kb.store.snapshot import Snapshot
from renderers import registry
from renderers.bidi import without_bidi_controls
from renderers.faq import faq_page, faq_units

if TYPE_CHECKING:
    import os

__all__ = ["STATIC_DIR", "AssetFiles", "router"]

STATIC_DIR = FilePath(__file__).resolve().parent.parent / "static"

router = APIRouter(include_in_schema=False)

#: Scripts are always served as this: browsers refuse a module script of any other type, and
#: the host's MIME table (which StaticFiles would ask) may say otherwise.
_JAVASCRIPT = "text/javascript; charset=utf-8"


class AssetFiles(StaticFiles):
    """/static: the pages' scripts (JavaScript modules, in subfolders too) and styles, never the
    pages themselves, which only their routes serve, with the headers that say who may frame
    them."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The file at `path`, or 404 for an HTML page."""
        if path.lower().endswith((".html", ".htm")):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """The file's response, a script's always typed as JavaScript."""
        response = super().file_response(full_path, stat_result, scope, status_code)
        if isinstance(response, FileResponse) and str(full_path).lower().endswith(".js"):
            response.headers["Content-Type"] = _JAVASCRIPT
        return response


#: Pages with a key in them must not be framed by strangers (clickjacking) or leak referrers.
_STAFF_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}
#: The panel is made to sit in a contact-center tool's iframe; the editor never is.
_EDITOR_HEADERS = {
    **_STAFF_HEADERS,
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
}


def _page(name: str, headers: dict[str, str]) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type="text/html; charset=utf-8", headers=headers)


#: Where panel.html takes the origins it trusts (KB_PANEL_ORIGINS) for framing and messages.
_PANEL_ORIGINS_SLOT = "__KB_PANEL_ORIGINS__"


@router.get("/panel", response_class=HTMLResponse)
async def panel(kb: KBDep) -> HTMLResponse:
    """The operator side panel (360 px wide), framable and messageable only by KB_PANEL_ORIGINS."""
    origins = kb.settings.panel_origins
    html = (STATIC_DIR / "panel.html").read_text(encoding="utf-8")
    html = html.replace(_PANEL_ORIGINS_SLOT, escape(" ".join(origins)))
    # Without trusted origins only our own pages may frame the panel (it holds a key).
    frame = {"X-Frame-Options": "SAMEORIGIN"} if not origins else {}
    policy = " ".join(("frame-ancestors 'self'", *origins))
    headers = {**_STAFF_HEADERS, **frame, "Content-Security-Policy": policy}
    return HTMLResponse(html, headers=headers)


@router.get("/editor")
async def editor() -> FileResponse:
    """The editor: units, live preview of every channel, history, publishing."""
    return _page("editor.html", _EDITOR_HEADERS)


@router.get("/widget.js")
async def widget() -> FileResponse:
    """The embeddable FAQ widget: one script tag on any site."""
    return FileResponse(
        STATIC_DIR / "widget.js",
        media_type=_JAVASCRIPT,
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


#: The plain FAQ page's words, in the language of the content it shows.
_FAQ_WORDS = {
    "en": {
        "title": "Frequently asked questions",
        "category": "Category",
        "all": "All categories",
        "show": "Show",
        "empty": "There are no questions here yet.",
        "release": "Release {}",
        "back": "All questions",
        "helpful": "Was this helpful?",
        "yes": "Yes",
        "no": "No",
        "more": "What was missing? (optional)",
        "send": "Send",
        "thanks": "Thank you for your feedback.",
        "unsent": "Your feedback could not be sent. Please try again.",
    },
    "ru": {
        "title": "Частые вопросы",
        "category": "Категория",
        "all": "Все категории",
        "show": "Показать",
        "empty": "Здесь пока нет вопросов.",
        "release": "Выпуск {}",
        "back": "Все вопросы",
        "helpful": "Этот ответ помог?",
        "yes": "Да",
        "no": "Нет",
        "more": "Чего не хватило? (необязательно)",
        "send": "Отправить",
        "thanks": "Спасибо за отзыв.",
        "unsent": "Не удалось отправить отзыв. Попробуйте ещё раз.",
    },
}
#: How the web renderer links another unit; on this page such a link is an anchor of /faq.
_UNIT_LINK = re.compile(r'href="/units/([^"?#&]+)\?locale=([^"?#&]+)"')
_FAQ_STYLE = (
    "body{max-width:46em;margin:2em auto;padding:0 1em;color:#1b1b1b;background:#fff;"
    "font:16px/1.5 system-ui,sans-serif}details{border-top:1px solid #d0d5dd;padding:.25em 0}"
    "summary{cursor:pointer;font-weight:600;padding:.5em 0}a{color:#1d4ed8}"
    ".kb-filter{margin:1em 0}.kb-filter *{font:inherit}.kb-release{color:#4b5563}"
    ".kb-feedback{margin:1.5em 0;padding:.75em 1em;border:1px solid #d0d5dd;border-radius:6px}"
    ".kb-feedback h2{margin:0 0 .5em;font-size:1em}.kb-feedback *{font:inherit}"
    ".kb-feedback button{margin:0 .5em .25em 0;padding:.25em 1em}"
    ".kb-feedback textarea{display:block;box-sizing:border-box;width:100%;margin:.25em 0 .5em}"
    ".kb-feedback p{margin:.25em 0}"
)


def _faq_links(html: str, served: str, listed: frozenset[str], root: str) -> str:
    """Point unit links at this page: an anchor if listed here, else the locale's full FAQ
    (under `root`, the proxy's path prefix of `kb serve --root-path`)."""

    def link(match: re.Match[str]) -> str:
        unit_id, locale = match.groups()
        here = unit_id in listed and locale == served
        return f'href="#{unit_id}"' if here else f'href="{root}/faq?locale={locale}#{unit_id}"'

    return _UNIT_LINK.sub(link, html)


def _unit_page_links(html: str, root: str) -> str:
    """A unit page's links to other units' pages under `root`, the proxy's path prefix."""
    if not root:
        return html
    return _UNIT_LINK.sub(lambda m: f'href="{escape(root)}/units/{m[1]}?locale={m[2]}"', html)


def _root(request: Request) -> str:
    """The path prefix a proxy serves the pages under (`kb serve --root-path`), or ""."""
    return str(request.scope.get("root_path", ""))


@router.get("/faq", response_class=HTMLResponse)
async def web_faq(
    kb: KBDep,
    request: Request,
    locale: Annotated[str | None, Query(max_length=35)] = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    conversation: Conversation = None,
    via: Via = None,
) -> HTMLResponse:
    """The public FAQ as a plain web page: the widget's fallback link, and crawlable. Made once
    per release, locale served, category and day, off the event loop (it renders every unit)."""
    _public(kb)
    snap = kb.services().snapshot
    served = kb.served_locale(snap, locale)
    root = _root(request)
    key = ("faq-page", snap.number, served, category or None, date.today(), root)
    html = await kept_or_made(
        request, key, partial(_faq_html, snap, served, category or None, root)
    )
    assert snap.number is not None
    facts = Served("faq", "web", served, snap.number)
    receipt = record(request, facts, Trail(None, conversation, via))
    return stamp(HTMLResponse(html, headers=_public_headers(snap.number)), receipt)


def _faq_html(snap: Snapshot, served: str, category: str | None, root: str) -> bytes:
    """The FAQ page of `snap` in locale `served` (and `category`), encoded; links under `root`."""
    words = _words(served)
    page = faq_page(snap, served, category=category)
    heading = f"{words['title']}: {category}" if category else words["title"]
    categories = sorted({c for u in faq_units(snap, served) if (c := u.document.category)})
    options = "".join(
        f'<option value="{escape(c)}"{" selected" if c == category else ""}>{escape(c)}</option>'
        for c in categories
    )
    listed = frozenset(page.unit_ids)
    empty = f"<p>{escape(words['empty'])}</p>\n"
    body = _faq_links(page.html, served, listed, escape(root)) if listed else empty
    content = (
        f'<form class="kb-filter" method="get"><input type="hidden" name="locale" '
        f'value="{escape(served)}">\n<label for="kb-category">{escape(words["category"])}</label>\n'
        f'<select id="kb-category" name="category"><option value="">{escape(words["all"])}</option>'
        f'{options}</select>\n<button type="submit">{escape(words["show"])}</button></form>\n'
        f"{body}"
    )
    return _public_html(served, heading, content, snap.number).encode("utf-8")


def _public(kb: KnowledgeBase) -> None:
    """Public pages serve only a knowledge base open to anonymous readers."""
    if not kb.settings.anonymous_access:
        raise HTTPException(403, "this knowledge base is not public (KB_ANONYMOUS_ACCESS=false)")


@router.get("/units/{unit_id}", response_class=HTMLResponse)
async def web_unit(
    unit_id: Annotated[str, Path(max_length=200)],
    kb: KBDep,
    request: Request,
    locale: Annotated[str | None, Query(max_length=35)] = None,
    conversation: Conversation = None,
    via: Via = None,
) -> HTMLResponse:
    """One public answer as a web page: where the web channel's and the chatbot's links to a
    unit (`/units/ID?locale=L`) lead."""
    _public(kb)
    snap = kb.services().snapshot
    served = kb.served_locale(snap, locale, unit_id)
    renderer = registry.get("web")
    unit = readable_unit(snap, unit_id, served, renderer, staff=False)  # a page for customers
    assert snap.number is not None
    facts = Served("unit", "web", served, snap.number, unit.document.id, unit.revision)
    # Recorded before the page is made, so that the page can carry its receipt (feedback).
    receipt = record(request, facts, Trail(None, conversation, via))
    back = _words(served)["back"]
    root = _root(request)
    content = (
        f"{_unit_page_links(rendered(request, snap, unit, renderer).body, root)}"
        f"{_feedback_html(served, unit.document.id, receipt, root)}"
        f'<p><a href="{escape(root)}/faq?locale={escape(served)}">{escape(back)}</a></p>\n'
    )
    title = without_bidi_controls(unit.document.title)
    return stamp(_public_page(served, title, content, snap.number), receipt)


def _words(locale: str) -> dict[str, str]:
    """The public pages' words in the language of the content they show (English otherwise)."""
    return _FAQ_WORDS.get(locale[:2].lower(), _FAQ_WORDS["en"])


#: What a feedback comment may hold: POST /api/v1/feedback refuses longer ones.
_COMMENT_CHARS = 1000


def _feedback_html(locale: str, unit_id: str, receipt: str | None, root: str) -> str:
    """The "Was this helpful?" box of a unit page sent with `receipt`: hidden until
    /static/feedback.js shows it (no script, no buttons) and posts the vote with the receipt to
    POST /api/v1/feedback (under `root`); "" without a receipt (KB_EVENTS off)."""
    if not receipt:
        return ""
    words = {k: escape(v) for k, v in _words(locale).items()}
    return (
        f'<section class="kb-feedback" aria-labelledby="kb-feedback-q" hidden '
        f'data-receipt="{escape(receipt)}" data-unit="{escape(unit_id)}" '
        f'data-action="{escape(root)}/api/v1/feedback">\n'
        f'<h2 id="kb-feedback-q">{words["helpful"]}</h2>\n<p class="kb-feedback-vote">'
        f'<button type="button" value="true">{words["yes"]}</button>'
        f'<button type="button" value="false">{words["no"]}</button></p>\n'
        f'<form class="kb-feedback-more" hidden><label for="kb-feedback-comment">{words["more"]}'
        f'</label>\n<textarea id="kb-feedback-comment" name="comment" rows="3" '
        f'maxlength="{_COMMENT_CHARS}"></textarea>\n<button type="submit">{words["send"]}</button>'
        f'</form>\n<p class="kb-feedback-status" aria-live="polite" tabindex="-1" '
        f'data-thanks="{words["thanks"]}" data-unsent="{words["unsent"]}"></p>\n</section>\n'
        f'<script src="{escape(root)}/static/feedback.js" defer></script>\n'
    )


def _public_page(locale: str, heading: str, content: str, release: int | None) -> HTMLResponse:
    """A public page: `heading`, then `content` (safe HTML), then the release it shows."""
    html = _public_html(locale, heading, content, release)
    return HTMLResponse(html, headers=_public_headers(release))


def _public_headers(release: int | None) -> dict[str, str]:
    """What every public page is sent with: revalidated on each use, naming its release."""
    return {"Cache-Control": "public, no-cache", "X-KB-Version": str(release)}


def _public_html(locale: str, heading: str, content: str, release: int | None) -> str:
    """The HTML of a public page (see `_public_page`)."""
    words = _words(locale)
    return (
        f'<!doctype html>\n<html lang="{escape(locale)}">\n<head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(heading)}</title>\n<style>{_FAQ_STYLE}</style></head>\n<body>\n<main>\n"
        f"<h1>{escape(heading)}</h1>\n{content}"
        f'<p class="kb-release">{escape(words["release"].format(release))}</p>\n'
        "</main>\n</body>\n</html>\n"
    )
