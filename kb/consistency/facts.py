"""The facts a unit states: phone numbers, e-mail addresses, URLs, money, percentages,
durations, dates, times and opening hours, each in a form that compares.

Phone numbers are found and normalised to E.164 by `phonenumbers` (only numbers valid for their
country count, so order numbers and prices are not read as phones). A number written without
its country code ("020 7946 0123") needs a region; `phone_region` chooses it per locale: the
region a locale names ("en-GB"), else the country most of the locale's international numbers
(units and phone snippets) belong to, else the language's country (ru: RU, bg: BG), else none,
and then only numbers written with "+" are read. `kb consistency --region GB` overrides it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

import phonenumbers

from kb.consistency.clock import find_dates, find_hours, find_times
from kb.consistency.model import Mention
from kb.consistency.quantities import Found, find_durations, find_money, find_percents
from kb.consistency.text import Sentence, unit_sentences
from kb.content.document import UnitDocument
from kb.content.snippets import SnippetDocument, SnippetType

__all__ = [
    "LANGUAGE_REGIONS",
    "find_emails",
    "find_phones",
    "find_urls",
    "normalize_url",
    "phone_region",
    "unit_mentions",
]

#: The country a language's national numbers are assumed to be from, when nothing else says.
LANGUAGE_REGIONS = {"ru": "RU", "bg": "BG"}

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}(?![\w-])")
_URL = re.compile(r"(?<![\w@/])(?:https?://|www\.)[^\s<>\"'«»]+", re.IGNORECASE)
_URL_TAIL = ".,;:!?)]}'\""


#: Query parameters that track a visit and say nothing about the page.
_TRACKING = re.compile(r"^(?:utm_\w+|wt\.mc_id|mc_id|ocid|fbclid|gclid)$", re.IGNORECASE)
#: A page's file extension, which servers commonly answer without as well.
_PAGE_EXTENSION = re.compile(r"\.(?:aspx?|html?|php)$", re.IGNORECASE)


def normalize_url(url: str) -> str:
    """One form per address: https, lowercase host without "www." and default port, no
    trailing slash, fragment, page extension or tracking parameters
    ("HTTP://www.Example.com/refunds/#x" -> "https://example.com/refunds")."""
    try:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        port = f":{parts.port}" if parts.port not in (None, 80, 443) else ""
    except ValueError:  # "http://[::1" or a port that is no number: compare it as written
        return url.lower()
    host = (parts.hostname or "").removeprefix("www.")
    path = _PAGE_EXTENSION.sub("", parts.path.rstrip("/"))
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and not _TRACKING.match(pair.split("=")[0])
    )
    return urlunsplit(("https", host + port, path, query, ""))


def find_emails(sentence: str) -> Iterator[Found]:
    """E-mail addresses, lowercased."""
    for match in _EMAIL.finditer(sentence):
        yield match.start(), match.end(), match.group(0), match.group(0).lower()


def find_urls(sentence: str) -> Iterator[Found]:
    """Web addresses written in the text (http://, https:// or www.)."""
    for match in _URL.finditer(sentence):
        written = match.group(0).rstrip(_URL_TAIL)
        end = match.start() + len(written)
        yield match.start(), end, written, normalize_url(written)


def find_phones(sentence: str, region: str | None) -> Iterator[Found]:
    """Valid phone numbers as E.164 ("+442079460123"); national ones only with a region."""
    matcher = phonenumbers.PhoneNumberMatcher(
        sentence, region, leniency=phonenumbers.Leniency.VALID
    )
    for match in matcher:
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        yield match.start, match.end, match.raw_string, e164


Finder = Callable[[str], Iterable[Found]]


def _finders(text: str, region: str | None) -> list[tuple[str, Finder]]:
    """The finders that can find something in `text`, in the order they claim text (an
    e-mail's digits are no phone, opening hours' times are not times again). Most sentences
    have no digit, "@" or address, and skip most finders (phonenumbers' above all)."""
    digits = sum(c.isdigit() for c in text)
    lower = text.lower()
    finders: list[tuple[str, Finder]] = []
    if "@" in text:
        finders.append(("email", find_emails))
    if "://" in text or "www." in lower:
        finders.append(("url", find_urls))
    if digits >= 5:  # no country's numbers are shorter
        finders.append(("phone", lambda s: find_phones(s, region)))
    finders.append(("hours", find_hours))  # "around the clock" has no digit
    if digits:
        finders += [
            ("date", find_dates),
            ("time", find_times),
            ("money", find_money),
            ("percent", find_percents),
        ]
    finders.append(("duration", find_durations))  # "two weeks" has none either
    return finders


def _link_mentions(sentence: Sentence, region: str | None) -> Iterator[tuple[str, str, str, bool]]:
    """(kind, written, normalized, from snippet) of the sentence's link addresses."""
    for href, from_snippet in sentence.links:
        lower = href.lower()
        if lower.startswith("mailto:"):
            address = href[len("mailto:") :].split("?")[0]
            yield "email", address, address.lower(), from_snippet
        elif lower.startswith("tel:"):
            for _s, _e, written, e164 in find_phones(href[len("tel:") :], region):
                yield "phone", written, e164, from_snippet
        elif lower.startswith(("http://", "https://")):
            yield "url", href, normalize_url(href), from_snippet


def sentence_facts(sentence: Sentence, region: str | None) -> list[tuple[str, str, str, bool]]:
    """(kind, written, normalized, from snippet) of every fact in one sentence, in text order
    (link addresses last), each piece of text read as one fact at most."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str, str, str, bool]] = []
    for kind, finder in _finders(sentence.text, region):
        for start, end, written, normalized in finder(sentence.text):
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            found.append((start, kind, written, normalized, sentence.from_snippet(start, end)))
    facts = [(kind, written, norm, snip) for _at, kind, written, norm, snip in sorted(found)]
    for fact in _link_mentions(sentence, region):
        if fact[:3] not in {f[:3] for f in facts} and (fact[0], fact[2]) not in {
            (f[0], f[2]) for f in facts
        }:
            facts.append(fact)
    return facts


def unit_mentions(
    document: UnitDocument,
    snippets: Mapping[str, SnippetDocument],
    *,
    region: str | None,
    source: str,
    sentences: Sequence[Sentence] | None = None,
) -> list[Mention]:
    """Every fact the unit states, with the sentence it stands in."""
    mentions = []
    for sentence in sentences if sentences is not None else unit_sentences(document, snippets):
        for kind, written, normalized, from_snippet in sentence_facts(sentence, region):
            mentions.append(
                Mention(
                    unit_id=document.id,
                    locale=document.locale,
                    source=source,
                    kind=kind,
                    value=written,
                    normalized=normalized,
                    sentence=sentence.text,
                    from_snippet=from_snippet,
                )
            )
    return mentions


def phone_region(
    locale: str,
    texts: Iterable[str],
    snippets: Iterable[SnippetDocument] = (),
) -> str | None:
    """The region national phone numbers of `locale` are read in (see the module docstring)."""
    if "-" in locale:
        return locale.split("-", 1)[1].upper()
    countries: Counter[str] = Counter()
    numbers = [s.value for s in snippets if s.type is SnippetType.PHONE]
    for text in (*texts, *numbers):
        for _s, _e, _w, e164 in find_phones(text, None):
            region = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
            if region and region != "ZZ":
                countries[region] += 1
    if countries:
        return countries.most_common(1)[0][0]
    return LANGUAGE_REGIONS.get(locale.split("-")[0])
