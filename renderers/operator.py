"""The operator channel: the whole answer for staff, internal notes marked, facts in a header.

Operators see everything a customer sees plus `::: internal` notes, each inside a clearly
labelled aside. The customer-facing part also comes as plain text, read as the web shows it,
so the panel can offer it to copy into a conversation without any internal text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from markdown_it.token import Token

from renderers.base import RenderContext, Rendering, Rule, rule_table
from renderers.html import HtmlState, html_rules
from renderers.text import TextState, text_rules

__all__ = ["OperatorRenderer"]

#: The panel's own words, by locale language; English when the language is not listed.
_WORDS = {
    "en": {
        "note": "Internal note",
        "staff": "Internal — staff only",
        "release": "Release",
        "draft": "draft",
        "revision": "Revision",
        "owner": "Owner",
        "changed": "Last change",
        "by": "by",
        "routing": "Routing",
        "category": "Category",
        "none": "—",
        "stale": "Review overdue: this answer was due for review on {date}. Check it before use.",
        "internal_unit": "Internal unit — never share this text with a customer.",
    },
    "ru": {
        "note": "Служебная заметка",
        "staff": "Только для сотрудников",
        "release": "Релиз",
        "draft": "черновик",
        "revision": "Ревизия",
        "owner": "Владелец",
        "changed": "Последнее изменение",
        "by": "автор",
        "routing": "Маршрутизация",
        "category": "Категория",
        "none": "—",
        "stale": "Просрочена проверка: ответ нужно было проверить до {date}. "
        "Уточните его перед использованием.",
        "internal_unit": "Внутренний материал — не передавайте этот текст клиенту.",
    },
}


def _words(locale: str) -> dict[str, str]:
    return _WORDS.get(locale.split("-")[0], _WORDS["en"])


@dataclass
class OperatorState(HtmlState):
    """HTML under construction for the panel, counting the internal notes shown."""

    internal_notes: int = 0


def _internal_open(state: OperatorState, _tokens: Sequence[Token], _index: int) -> None:
    words = _words(state.context.locale)
    state.internal_notes += 1
    state.emit(
        f'<aside class="kb-internal" role="note" aria-label="{escape(words["note"])}">'
        f'<p class="kb-internal-label">{escape(words["staff"])}</p>\n'
    )


def _internal_close(state: OperatorState, _tokens: Sequence[Token], _index: int) -> None:
    state.emit("</aside>\n")


def operator_rules() -> dict[str, Rule]:
    """html.py's rules, with internal notes wrapped in a labelled aside instead of refused."""
    rules = html_rules()
    rules["container_internal_open"] = _internal_open
    rules["container_internal_close"] = _internal_close
    return rules


def _changed_at(moment: datetime) -> tuple[str, str]:
    """(machine, human) forms of a revision time in UTC; naive times are taken as UTC."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(), moment.strftime("%Y-%m-%d %H:%M UTC")


def _header(context: RenderContext) -> str:
    """Who owns the unit, which release and revision this is, where to route, whether stale."""
    unit = context.unit
    doc = unit.document
    words = _words(doc.locale)
    machine, human = _changed_at(unit.updated_at)
    release = str(context.release) if context.release is not None else words["draft"]
    rows = [
        ("release", escape(release)),
        ("revision", escape(str(unit.revision))),
        ("owner", escape(doc.owner or words["none"])),
        (
            "changed",
            f'<time datetime="{escape(machine)}">{escape(human)}</time> '
            f"{escape(words['by'])} {escape(unit.author)}",
        ),
        ("routing", escape(doc.routing or words["none"])),
        ("category", escape(doc.category or words["none"])),
    ]
    lines = ['<header class="kb-operator-header">', "<dl>"]
    lines += [
        f'<dt>{escape(words[key])}</dt><dd class="kb-{key}">{value}</dd>' for key, value in rows
    ]
    lines.append("</dl>")
    if doc.audience == "internal":
        lines.append(f'<p class="kb-internal-unit">{escape(words["internal_unit"])}</p>')
    if doc.review_by is not None and doc.is_stale(context.today):
        warning = words["stale"].format(date=doc.review_by.isoformat())
        lines.append(f'<p class="kb-stale" role="alert">{escape(warning)}</p>')
    lines.append("</header>")
    return "\n".join(lines) + "\n"


class OperatorRenderer:
    """The staff view: header, the full answer with internal notes, and a copy-ready text."""

    name = "operator"
    for_staff = True
    media_type = "text/html"
    rules: Mapping[str, Rule] = rule_table(operator_rules())
    #: The customer-facing text is read as the web channel shows it.
    copy_rules: Mapping[str, Rule] = rule_table(text_rules())
    copy_channel = "web"

    def render(self, context: RenderContext) -> Rendering:
        """Header plus the whole body as HTML; the customer-facing plain text in the data."""
        doc = context.unit.document
        page = OperatorState(context, self.name, shows_internal=True, rules=self.rules)
        page.render(context.parsed.tokens)
        copy = TextState(context, self.name, self.copy_rules, visible_as=self.copy_channel)
        copy.render(context.parsed.tokens)
        # An internal unit has no customer-facing part: nothing of it is offered for copying.
        copy_text = copy.text() if doc.audience == "public" else ""
        body = _header(context) + "".join(page.out).strip() + "\n"
        return Rendering(
            channel=self.name,
            media_type=self.media_type,
            body=body,
            data={
                "title": doc.title,
                "copy_text": copy_text,
                "release": context.release,
                "revision": context.unit.revision,
                "owner": doc.owner,
                "routing": doc.routing,
                "stale": doc.is_stale(context.today),
                "internal_notes": page.internal_notes,
            },
            findings=tuple(dict.fromkeys([*page.findings, *copy.findings])),
        )
