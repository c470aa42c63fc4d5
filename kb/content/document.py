"""The content unit as authors write it: Markdown with a YAML front matter, parsed and checked."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import yaml

from kb.content.availability import live_at, parse_moment
from kb.content.unit_source import UnitSource, parse_source
from kb.content.yamlsource import YamlSource, load_yaml
from kb.errors import InvalidContent, Problem
from kb.settings import DEFAULT_CHANNELS

#: libyaml's emitter when PyYAML has it: six times faster than the pure-Python one, which took
#: 80% of importing 10,000 units. Both write the same text but for characters beyond the BMP
#: (emoji), which libyaml escapes as "\U0001F600"; either parses back to the same unit (a test).
YAML_DUMPER: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

__all__ = [
    "AUDIENCES",
    "FIELD_ORDER",
    "SNIPPET_REF",
    "Origin",
    "UnitDocument",
    "UnitSource",
    "canonical_hash",
    "front_matter_days",
    "parse_unit",
    "validate_locale",
    "validate_slug",
]

AUDIENCES = ("public", "internal")
#: Front-matter keys in the order we write them; no other keys are accepted.
FIELD_ORDER = (
    "id",
    "locale",
    "title",
    "questions",
    "category",
    "tags",
    "audience",
    "channels",
    "routing",
    "owner",
    "review_by",
    "verify_every",
    "draft",
    "publish_after",
    "expires",
    "source",
)
_REQUIRED = ("id", "locale", "title")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LOCALE = re.compile(r"^[a-z]{2,3}(?:-[A-Z]{2})?$")
#: A snippet reference in a unit body: `{{ name }}`.
SNIPPET_REF = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")


@dataclass(frozen=True)
class Origin:
    """Where a piece of content came from: a file, the line naming it and the line of its body's
    first text (line N of the body is line `body_line + N - 1` of the file)."""

    source: str
    line: int = 1
    body_line: int = 1


@dataclass(frozen=True)
class UnitDocument:
    """One content unit in one locale, exactly the fields of the content format."""

    id: str
    locale: str
    title: str
    body: str
    questions: tuple[str, ...] = ()
    category: str | None = None
    tags: tuple[str, ...] = ()
    audience: str = "public"
    channels: tuple[str, ...] | None = None
    routing: str | None = None
    owner: str | None = None
    review_by: date | None = None
    #: Days between the owner's verifications (kb.verification); None: the category's, or off.
    verify_every: int | None = None
    #: Kept and edited, never published (a help center's draft article, work in progress).
    draft: bool = False
    #: Left out of releases built before this moment, and from this moment on (UTC; None: no
    #: bound): a price valid from a date, an offer that ends (kb.content.availability).
    publish_after: datetime | None = None
    expires: datetime | None = None
    #: The silo the unit was imported from, if any: a newer export updates this unit.
    source: UnitSource | None = None
    origin: Origin | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "body", normalize_body(self.body))

    @property
    def key(self) -> tuple[str, str]:
        """The unit's identity: translations share the id, the locale tells them apart."""
        return (self.id, self.locale)

    @property
    def snippet_names(self) -> frozenset[str]:
        """Names of the snippets this unit's body refers to."""
        return frozenset(SNIPPET_REF.findall(self.body))

    @property
    def content_hash(self) -> str:
        """Hash of what the unit says, blind to formatting such as key order or YAML comments."""
        return canonical_hash(self.metadata())

    def is_stale(self, today: date) -> bool:
        """A unit whose review date has passed needs an editor's look."""
        return self.review_by is not None and self.review_by < today

    def live_at(self, moment: datetime) -> bool:
        """Whether a release built at `moment` may serve this unit (publish_after, expires)."""
        return live_at(self.publish_after, self.expires, moment)

    def metadata(self) -> dict[str, Any]:
        """Every field as plain JSON-ready values, defaults included (the canonical form);
        `draft`, `verify_every` and `source` only when set, so that units without them keep the
        hashes they had."""
        meta = {
            "id": self.id,
            "locale": self.locale,
            "title": self.title,
            "questions": list(self.questions),
            "category": self.category,
            "tags": list(self.tags),
            "audience": self.audience,
            "channels": list(self.channels) if self.channels is not None else None,
            "routing": self.routing,
            "owner": self.owner,
            "review_by": self.review_by.isoformat() if self.review_by else None,
            "body": self.body,
        }
        if self.verify_every is not None:
            meta["verify_every"] = self.verify_every
        if self.draft:
            meta["draft"] = True
        for key in ("publish_after", "expires"):  # only when set, as draft: hashes stay
            moment = getattr(self, key)
            if moment is not None:
                meta[key] = moment.isoformat()
        if self.source is not None:
            meta["source"] = self.source.to_dict()
        return meta

    def to_markdown(self) -> str:
        """Write the unit back in the content format; parsing the result gives an equal unit."""
        meta = self.metadata()
        front = {k: meta[k] for k in FIELD_ORDER if meta.get(k) not in (None, [])}
        if self.review_by is not None:
            front["review_by"] = self.review_by
        header = yaml.dump(
            front, Dumper=YAML_DUMPER, sort_keys=False, allow_unicode=True, width=1000
        )
        return f"---\n{header}---\n{self.body}\n"


def normalize_body(body: str) -> str:
    """Unify line endings and trim blank edges so the same text always hashes the same."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    return _LEADING_BLANK_LINES.sub("", body).rstrip()


def canonical_hash(data: dict[str, Any]) -> str:
    """SHA-256 of a JSON form with sorted keys: stable across Python versions and databases."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def validate_slug(value: object) -> str | None:
    """Why `value` cannot be a unit id, or None when it can."""
    if not isinstance(value, str) or not _SLUG.match(value):
        return "must be a slug: lowercase letters, digits and single hyphens, e.g. check-balance"
    if len(value) > 200:
        return "must be at most 200 characters"
    return None


def validate_locale(value: object) -> str | None:
    """Why `value` cannot be a locale, or None when it can."""
    if not isinstance(value, str) or not _LOCALE.match(value):
        return "must be a language code such as en, ru or pt-BR"
    return None


def parse_unit(
    text: str, *, source: str = "<text>", channels: Iterable[str] = DEFAULT_CHANNELS
) -> UnitDocument:
    """Parse one unit file; raise InvalidContent listing every problem with its line."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise InvalidContent(
            [Problem("a unit must start with a front matter block: a line '---'", source, 1)]
        )
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise InvalidContent(
            [Problem("the front matter is not closed: add a line '---' after it", source, 1)]
        ) from None
    loaded, problems = load_yaml("\n".join(lines[1:end]), source=source, line_offset=1)
    if loaded is None:
        raise InvalidContent(problems)
    body = "\n".join(lines[end + 1 :])
    # The body's first line of text (the unit keeps its body without the blank lines before).
    first = next((i for i in range(end + 1, len(lines)) if lines[i].strip(" \t")), end + 1)
    origin = Origin(source, line=loaded.line_of("id") or 1, body_line=first + 1)
    document = _build(loaded, body, problems, frozenset(channels), origin)
    if problems or document is None:
        raise InvalidContent(problems)
    return document


def _build(
    y: YamlSource,
    body: str,
    problems: list[Problem],
    channels: frozenset[str],
    origin: Origin,
) -> UnitDocument | None:
    """Turn front matter and body into a document, appending to `problems` on the way."""
    data = y.data
    if not isinstance(data, dict):
        problems.append(y.problem("the front matter must be a mapping of field: value"))
        return None
    for key in data:
        if key not in FIELD_ORDER:
            allowed = ", ".join(FIELD_ORDER)
            problems.append(y.problem(f"unknown field; allowed fields are {allowed}", str(key)))
    for key in _REQUIRED:
        if data.get(key) in (None, ""):
            problems.append(y.problem("is required", key))
    checks: list[tuple[str, str | None]] = [
        ("id", validate_slug(data["id"]) if data.get("id") else None),
        ("locale", validate_locale(data["locale"]) if data.get("locale") else None),
    ]
    problems.extend(y.problem(msg, key) for key, msg in checks if msg)
    title = _text(y, data, "title", problems)
    questions = _text_list(y, data, "questions", problems)
    tags = _text_list(y, data, "tags", problems)
    category = _text(y, data, "category", problems)
    routing = _text(y, data, "routing", problems)
    owner = _text(y, data, "owner", problems)
    audience = data.get("audience", "public")
    if audience not in AUDIENCES:
        problems.append(y.problem(f"must be one of: {', '.join(AUDIENCES)}", "audience"))
    unit_channels: tuple[str, ...] | None = None
    if data.get("channels") is not None:
        unit_channels = _text_list(y, data, "channels", problems)
        unknown = [c for c in unit_channels if c not in channels]
        if unknown:
            known = ", ".join(sorted(channels))
            problems.append(
                y.problem(f"unknown channel {', '.join(unknown)}; known: {known}", "channels")
            )
        if not unit_channels:
            problems.append(y.problem("must name at least one channel, or be left out", "channels"))
    review_by = _date(y, data, "review_by", problems)
    verify_every = _days(y, data, "verify_every", problems)
    draft = data.get("draft", False)
    if not isinstance(draft, bool):
        problems.append(y.problem("must be true or false", "draft"))
    publish_after, expires = _window(y, data, problems)
    source = parse_source(y, data.get("source"), problems)
    if not normalize_body(body):
        problems.append(
            Problem("the unit has no text after the front matter", origin.source, origin.body_line)
        )
    if problems:
        return None
    return UnitDocument(
        id=data["id"],
        locale=data["locale"],
        title=title or "",
        body=body,
        questions=questions,
        category=category,
        tags=tags,
        audience=audience,
        channels=unit_channels,
        routing=routing,
        owner=owner,
        review_by=review_by,
        verify_every=verify_every,
        draft=draft is True,
        publish_after=publish_after,
        expires=expires,
        source=source,
        origin=origin,
    )


def _text(y: YamlSource, data: dict[str, Any], key: str, problems: list[Problem]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        problems.append(y.problem("must be a single line of text", key))
        return None
    text = str(value).strip()
    if "\n" in text:
        problems.append(y.problem("must be a single line of text", key))
    return text or None


def _text_list(
    y: YamlSource, data: dict[str, Any], key: str, problems: list[Problem]
) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(y.problem("must be a list, e.g. [a, b] or one '- item' per line", key))
        return ()
    items: list[str] = []
    for index, item in enumerate(value, start=1):
        if isinstance(item, (dict, list)) or item is None or not str(item).strip():
            problems.append(y.problem(f"item {index} must be non-empty text", key))
        else:
            items.append(str(item).strip())
    return tuple(items)


def _date(y: YamlSource, data: dict[str, Any], key: str, problems: list[Problem]) -> date | None:
    value = data.get(key)
    if value is None or (isinstance(value, date) and not hasattr(value, "hour")):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(y.problem("must be a date written YYYY-MM-DD", key))
        return None


def _days(y: YamlSource, data: dict[str, Any], key: str, problems: list[Problem]) -> int | None:
    """A positive whole number of days (`verify_every: 90`), naming the unit when it is not."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        unit = data.get("id")
        named = f" (unit {unit})" if isinstance(unit, str) and unit else ""
        problems.append(y.problem(f"must be a whole number of days above 0, e.g. 90{named}", key))
        return None
    return value


def front_matter_days(source: str, key: str) -> int | None:
    """`key`'s whole-number value in a stored unit's front matter, or None: revision rows keep
    no column for fields added since (`verify_every`), their source text has them, validated
    when saved. Only the one line is parsed, and only when the text names the key."""
    if key not in source:
        return None
    match = re.search(rf"^{re.escape(key)}:[^\n]*$", source.split("\n---", 1)[0], re.MULTILINE)
    value = yaml.safe_load(match.group(0)).get(key) if match else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _window(
    y: YamlSource, data: dict[str, Any], problems: list[Problem]
) -> tuple[datetime | None, datetime | None]:
    """`publish_after` and `expires` as UTC moments; a problem naming the unit and the field
    when one is malformed or the unit would expire before it may be published."""
    unit = data.get("id")
    named = f"unit '{unit}': " if isinstance(unit, str) and unit else ""
    moments: list[datetime | None] = []
    for key in ("publish_after", "expires"):
        moment, error = parse_moment(data.get(key))
        if error:
            problems.append(y.problem(f"{named}{error}, not {data.get(key)!r}", key))
        moments.append(moment)
    publish_after, expires = moments
    if publish_after is not None and expires is not None and expires <= publish_after:
        problems.append(
            y.problem(
                f"{named}must be later than publish_after ({publish_after.isoformat()}), "
                f"not {expires.isoformat()}: the unit would never be published",
                "expires",
            )
        )
    return publish_after, expires
