"""Which of a release's locales answers a question, and why: asked, accepted, detected, default.

Decided before the matcher runs, in this order: the caller's `locale`; else the first language
of the caller's Accept-Language that the release has; else the language the question is
written in (kb/content/languages.py); else the default locale. When the question's words do not
tell two locales apart (a short Russian or Bulgarian question), each is asked and the more
confident answer wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from kb.answers.results import Answer
from kb.content.languages import likely_locales
from kb.store.snapshot import Snapshot

if TYPE_CHECKING:
    from kb.answers.decision import Thresholds
    from kb.answers.services import ReleaseServices

__all__ = [
    "LocaleChoice",
    "LocaleSource",
    "answer_in",
    "ask_in_release",
    "choose_locale",
    "match_language",
    "served_locale",
]


class LocaleSource(StrEnum):
    """Why a locale was chosen, as responses report it (`locale_source`)."""

    PARAMETER = "parameter"
    ACCEPT_LANGUAGE = "accept-language"
    DETECTED = "detected"
    DEFAULT = "default"


@dataclass(frozen=True)
class LocaleChoice:
    """The locale to answer in, why, and whether an asked locale was missing."""

    locale: str
    source: LocaleSource
    #: The asked locale is not in the release, so the default serves.
    fallback: bool = False
    #: Locales the question is as likely to be written in as `locale` (the detector's tie).
    also: tuple[str, ...] = ()


def match_language(tag: str, locales: Iterable[str]) -> str | None:
    """The locale of `locales` that serves language tag `tag` (RFC 4647 lookup): the tag, then
    its shorter prefixes (`ru-RU` finds `ru`), then any locale of its language (`ru` finds
    `ru-RU`); case and `_` for `-` do not matter. None: the release lacks the language."""
    known = {loc.replace("_", "-").lower(): loc for loc in locales}
    parts = tag.replace("_", "-").lower().split("-")
    for length in range(len(parts), 0, -1):
        if (found := known.get("-".join(parts[:length]))) is not None:
            return found
    same_language = sorted(loc for key, loc in known.items() if key.split("-")[0] == parts[0])
    return same_language[0] if same_language else None


def served_locale(
    snapshot: Snapshot, locale: str | None, default: str, unit_id: str | None = None
) -> str:
    """`locale` if the release has it (for `unit_id`, if given), else `default`: how a page or
    a unit named by the caller is served (nothing to detect a language from)."""
    wanted = locale or default
    if unit_id is None:
        present = any(True for _ in snapshot.iter_units(wanted))
    else:
        present = (unit_id, wanted) in snapshot.units
    return wanted if present else default


def choose_locale(
    locales: Sequence[str],
    default: str,
    *,
    asked: str | None = None,
    accepted: Sequence[str] = (),
    text: str = "",
) -> LocaleChoice:
    """The locale of a release with `locales` to answer `text` in (see the module's order)."""
    if asked:
        found = match_language(asked, locales)
        if found is None:
            return LocaleChoice(default, LocaleSource.DEFAULT, fallback=True)
        return LocaleChoice(found, LocaleSource.PARAMETER)
    for tag in accepted:
        if (found := match_language(tag, locales)) is not None:
            return LocaleChoice(found, LocaleSource.ACCEPT_LANGUAGE)
    likely = likely_locales(text, locales)
    if default in likely:  # the default is as likely as any other: no reason to leave it
        return LocaleChoice(default, LocaleSource.DETECTED)
    if likely:
        return LocaleChoice(likely[0], LocaleSource.DETECTED, also=likely[1:])
    return LocaleChoice(default, LocaleSource.DEFAULT)


def answer_in(
    services: ReleaseServices,
    question: str,
    choice: LocaleChoice,
    *,
    channel: str | None = None,
    thresholds: Thresholds | None = None,
    default_routing: str | None = None,
) -> Answer:
    """The answer in the chosen locale (of equally likely ones, the most confident), saying
    which locale answered and why."""
    answers = [
        services.ask(
            question,
            locale=locale,
            channel=channel,
            thresholds=thresholds,
            default_routing=default_routing,
        )
        for locale in (choice.locale, *choice.also)
    ]
    best = max(answers, key=lambda a: (a.unit_id is not None, a.confidence))
    return replace(best, locale_source=choice.source.value)


def ask_in_release(
    services: ReleaseServices,
    question: str,
    default: str,
    *,
    locale: str | None = None,
    channel: str | None = None,
    thresholds: Thresholds | None = None,
    default_routing: str | None = None,
) -> Answer:
    """`KnowledgeBase.ask`: a named locale is taken as it is (even one the release lacks: the
    answer is then an honest no), none is chosen from the question's language, else the default."""
    if locale is None:
        choice = choose_locale(services.snapshot.locales, default, text=question)
    else:
        choice = LocaleChoice(locale, LocaleSource.PARAMETER)
    return answer_in(
        services,
        question,
        choice,
        channel=channel,
        thresholds=thresholds,
        default_routing=default_routing,
    )
