"""Cached answers and searches sent without FastAPI's routing and dependency resolution.

A cached answer cost 2.15 times a bare route (issue 22), a third of it in FastAPI resolving
the route's dependencies and validating its parameters for a response already made. Here a
`GET /api/v1/answer` or `/api/v1/search` whose parameters are plainly valid is answered from
the response cache (or with its 304) before the router runs, with the route's own cache key
and headers, its event recorded with the facts kept beside the body (api/events.py). Anything
else (a parameter the route would refuse or convert, a repeated one, a key that is not a
well-formed Bearer one or not known, a channel the caller may not use, an answer not cached
yet or whose facts were forgotten) is declined and the route answers it, so every error is the
route's own problem document and the OpenAPI document is the routes'.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api import events
from api.auth import ANONYMOUS
from api.caching import from_cache, kept_served
from api.metrics import delivery as counted
from api.prefix import route_path
from api.routes import delivery
from kb.errors import KBError
from kb.knowledge_base import KnowledgeBase
from kb.store.keys import Caller

__all__ = ["QUICK_ROUTES", "Decline", "QuickDelivery", "quick_caller"]

#: A locale the route's pattern takes: fullmatch, as pydantic's regex reads `^...$` (a
#: trailing newline matches Python's `$`, not pydantic's).
_LOCALE = re.compile(delivery.LOCALE_PATTERN.removeprefix("^").removesuffix("$"))
#: A `limit` the route reads as the same integer (no sign, space or leading zero).
_LIMIT = re.compile(r"[1-9][0-9]*")


class Decline(Exception):
    """The quick path cannot answer exactly as the route would: the route answers."""


Params = Mapping[str, str]
QuickRoute = Callable[[Request, KnowledgeBase, Caller, Params], Response | None]


def single_values(request: Request) -> dict[str, str]:
    """The query parameters, each given once (a repeated one is the route's 422)."""
    items = request.query_params.multi_items()
    params = dict(items)
    if len(params) != len(items):
        raise Decline
    return params


def text(
    params: Params,
    name: str,
    default: str | None,
    max_chars: int,
    *,
    min_chars: int = 0,
    pattern: re.Pattern[str] | None = None,
) -> str | None:
    """A text parameter as the route reads it, or `default` when absent."""
    value = params.get(name)
    if value is None:
        return default
    if not min_chars <= len(value) <= max_chars or (pattern and not pattern.fullmatch(value)):
        raise Decline
    return value


def required(value: str | None) -> str:
    """A parameter the route needs (its absence is the route's 422)."""
    if value is None:
        raise Decline
    return value


def channel_for(params: Params, default: str, caller: Caller) -> str:
    """The channel asked, if it exists and the caller may use it (else the route's 4xx)."""
    channel = required(text(params, "channel", default, delivery.CHANNEL_CHARS))
    if not delivery.may_use(channel, caller):
        raise Decline
    return channel


def limit_of(params: Params) -> int:
    """A search's `limit` as the route reads it."""
    value = params.get("limit")
    if value is None:
        return delivery.DEFAULT_LIMIT
    if not _LIMIT.fullmatch(value) or int(value) > delivery.MAX_LIMIT:
        raise Decline
    return int(value)


def trail_of(params: Params, question: str) -> events.Trail:
    """The question, conversation and surface an event records, as the route reads them."""
    conversation = text(
        params,
        "conversation",
        None,
        events.CONVERSATION_CHARS,
        min_chars=1,
        pattern=events.CONVERSATION_RE,
    )
    via = text(params, "via", None, events.VIA_CHARS, min_chars=1, pattern=events.VIA_RE)
    return events.Trail(question, conversation, via)


def sent_again(request: Request, etag: str, response: Response, trail: events.Trail) -> Response:
    """A cached response (or its 304) with its event recorded: the facts kept beside its body,
    or declined when this process forgot them (the route finds them again)."""
    served = kept_served(request, etag)
    if served is None:
        raise Decline
    return events.recorded(request, response, served, trail, cached=True)


def quick_answer(
    request: Request, kb: KnowledgeBase, caller: Caller, params: Params
) -> Response | None:
    """A cached answer or its 304, as `delivery.answer` sends them."""
    q = required(text(params, "q", None, delivery.QUESTION_CHARS, min_chars=1))
    channel = channel_for(params, delivery.ANSWER_CHANNEL, caller)
    locale = text(params, "locale", None, delivery.LOCALE_CHARS, pattern=_LOCALE)
    trail = trail_of(params, q)
    language = request.headers.get("accept-language")
    services = kb.services()
    _, policy = delivery.answer_policy(kb, services, caller, q, channel, locale, language)
    response = from_cache(request, policy)
    if response is None:
        return None
    response = sent_again(request, policy.etag, response, trail)
    counted.answer_again(policy.etag, response, channel)
    return response


def quick_search(
    request: Request, kb: KnowledgeBase, caller: Caller, params: Params
) -> Response | None:
    """A cached search or its 304, as `delivery.search` sends them."""
    q = required(text(params, "q", None, delivery.QUESTION_CHARS))
    channel = channel_for(params, delivery.SEARCH_CHANNEL, caller)
    locale = text(params, "locale", None, delivery.LOCALE_CHARS, pattern=_LOCALE)
    category = text(params, "category", None, delivery.FILTER_CHARS)
    tag = text(params, "tag", None, delivery.FILTER_CHARS)
    filters = (category, tag, limit_of(params))
    trail = trail_of(params, q)
    language = request.headers.get("accept-language")
    services = kb.services()
    _, policy = delivery.search_policy(kb, services, caller, q, channel, locale, language, filters)
    response = from_cache(request, policy)
    if response is None:
        return None
    response = sent_again(request, policy.etag, response, trail)
    counted.search_again(policy.etag, response, channel)
    return response


QUICK_ROUTES: dict[str, QuickRoute] = {
    "/api/v1/answer": quick_answer,
    "/api/v1/search": quick_search,
}


async def quick_caller(request: Request, kb: KnowledgeBase) -> Caller:
    """The caller as `api.auth.get_caller` finds it, for a well-formed Bearer key or none; a
    key it would refuse is declined (the route's 401)."""
    header = request.headers.get("authorization")
    if not header:
        if not kb.settings.anonymous_access:
            raise Decline
        return ANONYMOUS
    scheme, _, secret = header.partition(" ")  # as FastAPI's HTTPBearer reads it
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise Decline
    caller = await run_in_threadpool(kb.authenticate, secret)
    if caller is None:
        raise Decline
    return caller


class QuickDelivery:
    """Pure ASGI middleware: `routes` answer what they can (see the module's docstring)."""

    def __init__(self, app: ASGIApp, *, routes: Mapping[str, QuickRoute] = QUICK_ROUTES) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = None
        if scope["type"] == "http" and scope["method"] == "GET":
            route = self.routes.get(route_path(scope))
        if route is not None:
            response = await self._answer(route, Request(scope, receive))
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _answer(route: QuickRoute, request: Request) -> Response | None:
        """The route's cached response, or None: let the route answer."""
        kb: KnowledgeBase = request.app.state.kb
        try:
            params = single_values(request)
            caller = await quick_caller(request, kb)
            return route(request, kb, caller, params)
        except (Decline, KBError):  # nothing published yet, say: the route's problem document
            return None
