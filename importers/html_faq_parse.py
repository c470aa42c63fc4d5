"""Find an FAQ's question/answer pairs in one parsed HTML page, by the first method that finds any.

The methods, in order of preference (a page's author states its FAQ most exactly first):
1. schema.org `FAQPage` in JSON-LD (`<script type="application/ld+json">`, also inside `@graph`
   and lists; `mainEntity` one or many; `acceptedAnswer.text` is HTML);
2. schema.org `FAQPage` microdata (`itemscope itemtype=".../FAQPage"`, `mainEntity` Questions
   with `name` and `acceptedAnswer`/`text`);
3. `<details><summary>question</summary>answer</details>` (a `<details>` whose summary is not a
   question but which holds more `<details>` is a group: its summary names their section);
4. headings whose text is a question (h2-h4, see `is_question`), each answered by what follows up
   to the next heading of the same or a higher level or the next question heading; and
   `<dl>` lists whose `<dt>` is a question, answered by the `<dd>` after it.
JSON-LD that does not parse is reported (which script block, its line) and the next method tried.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag

__all__ = ["FaqPair", "PageFaq", "clean_question", "find_pairs", "is_question", "text_of"]


@dataclass(frozen=True)
class FaqPair:
    """One question and its answer as HTML, with the page anchor and section it stands under."""

    question: str
    answer_html: str
    anchor: str | None = None
    section: str | None = None


@dataclass
class PageFaq:
    """What one page holds: its pairs, the method that found them and what went wrong on the way."""

    pairs: list[FaqPair]
    method: str | None
    #: (message, line) of things reported but not fatal: JSON-LD that does not parse.
    notes: list[tuple[str, int | None]]


_QUESTION_HEADINGS = ("h2", "h3", "h4")
_ALL_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
#: Words a question starts with, in English, Russian and Bulgarian (lowercase).
_QUESTION_WORDS_TEXT = (
    "how what why when where who whom whose which can could do does did is are was were will "
    "would should shall may might must have has am "
    "как что почему зачем когда где кто какой какая какое какие каков сколько можно могу "
    "могут нужно нужен надо есть чем куда откуда чей разве ли "
    "какво защо кога къде кой коя кое кои колко мога може трябва има дали докога"
)
_QUESTION_WORDS = frozenset(_QUESTION_WORDS_TEXT.split())
#: Question marks: Latin, full-width (CJK) and Arabic.
_QUESTION_MARKS = ("?", "？", "؟")
_LEADING_JUNK = re.compile(r"^[\W_]+")
_FIRST_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
#: "Q:", "Q1.", "Question 3:", "Вопрос:", "Въпрос 2." before a question.
_QUESTION_LABEL = re.compile(r"^(?:q|question|вопрос|въпрос)\s*\d{0,3}\s*[:.)]\s+", re.IGNORECASE)
_PERMALINK_MARK = re.compile(r"[\s¶§#🔗]+$")
#: Classes of the "link to this heading" anchors documentation generators add to headings.
_PERMALINK_CLASSES = ("headerlink", "permalink", "anchorjs-link", "hash-link", "header-anchor")
#: An HTML tag an answer's text may hold; other `<words>` are text ("<at all>", "<name@x.y>").
_TAG = re.compile(
    r"</?(?:a|abbr|article|b|blockquote|br|cite|code|dd|del|div|dl|dt|em|figure|h[1-6]|hr|i|"
    r"iframe|img|ins|li|mark|ol|p|pre|q|s|script|section|small|span|strong|style|sub|sup|"
    r"table|tbody|td|th|thead|tr|u|ul)\b[^>]*>",
    re.IGNORECASE,
)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_LD_TYPE = re.compile(r"^\s*application/ld\+json\s*(;.*)?$", re.IGNORECASE)
_WRAPPERS = re.compile(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$")
#: How deep JSON-LD nesting is followed looking for an FAQPage (hostile pages nest without end).
_MAX_LD_DEPTH = 12


def text_of(node: Tag | NavigableString) -> str:
    """An element's visible text on one line, whitespace collapsed."""
    return _SPACE.sub(" ", node.get_text(" ")).strip()


def clean_question(text: str) -> str:
    """A question as a title: one line, without a "Q:" label or a trailing permalink mark."""
    text = _SPACE.sub(" ", text).strip()
    return _PERMALINK_MARK.sub("", _QUESTION_LABEL.sub("", text)).strip()


def is_question(text: str) -> bool:
    """True for text that reads as a question: it ends in a question mark, or it starts with a
    question word (how, what...; как, почему...; какво, защо...) and has a question mark in it
    ('"Why can't I...?" What to do'); "What we do", "How it works" are headings."""
    text = clean_question(text)
    if text.endswith(_QUESTION_MARKS):
        return True
    if not any(mark in text for mark in _QUESTION_MARKS):
        return False
    word = _FIRST_WORD.match(_LEADING_JUNK.sub("", text))
    return word is not None and word.group(0).lower() in _QUESTION_WORDS


def find_pairs(soup: BeautifulSoup) -> PageFaq:
    """The page's pairs by the first method (see the module docstring) that finds any."""
    notes: list[tuple[str, int | None]] = []
    for mark in soup.find_all("a", class_=_PERMALINK_CLASSES):
        mark.decompose()
    outline = _Outline(soup)
    for method, finder in (
        ("json-ld", lambda: _json_ld_pairs(soup, notes)),
        ("microdata", lambda: _microdata_pairs(soup, outline)),
        ("details", lambda: _details_pairs(soup, outline)),
        ("headings", lambda: _heading_and_dl_pairs(soup, outline)),
    ):
        pairs = [
            FaqPair(clean_question(p.question), p.answer_html, p.anchor, p.section)
            for p in finder()
        ]
        pairs = [p for p in pairs if p.question]
        if pairs:
            return PageFaq(pairs, method, notes)
    return PageFaq([], None, notes)


# -- 1. JSON-LD ---------------------------------------------------------------------------------


def _json_ld_pairs(soup: BeautifulSoup, notes: list[tuple[str, int | None]]) -> list[FaqPair]:
    """Pairs of every FAQPage in the page's JSON-LD blocks; blocks that do not parse are noted."""
    scripts = [s for s in soup.find_all("script") if _LD_TYPE.match(str(s.get("type") or ""))]
    pairs: list[FaqPair] = []
    for number, script in enumerate(scripts, start=1):
        text = _WRAPPERS.sub("", script.string or "")
        try:
            data = json.loads(text, strict=False)
        except json.JSONDecodeError as exc:
            notes.append(
                (
                    f"JSON-LD script block {number} is not valid JSON ({exc.msg} at its line "
                    f"{exc.lineno}, column {exc.colno}); looked for the FAQ another way",
                    script.sourceline,
                )
            )
            continue
        except RecursionError:
            notes.append(
                (
                    f"JSON-LD script block {number} nests too deeply to read; "
                    "looked for the FAQ another way",
                    script.sourceline,
                )
            )
            continue
        for page in _ld_nodes_of_type(data, "FAQPage", 0):
            pairs.extend(_ld_questions(page))
    return pairs


def _ld_types(node: dict[str, Any]) -> list[str]:
    """A JSON-LD node's types without their vocabulary prefix (`schema:FAQPage` -> `FAQPage`)."""
    types = node.get("@type")
    names = types if isinstance(types, list) else [types]
    return [re.split(r"[/:#]", t)[-1] for t in names if isinstance(t, str)]


def _ld_nodes_of_type(data: Any, wanted: str, depth: int) -> Iterator[dict[str, Any]]:
    """Every node of type `wanted` in a JSON-LD document: top level, lists, `@graph`, nested."""
    if depth > _MAX_LD_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            yield from _ld_nodes_of_type(item, wanted, depth + 1)
    elif isinstance(data, dict):
        if wanted in _ld_types(data):
            yield data
            return
        for value in data.values():
            if isinstance(value, (dict, list)):
                yield from _ld_nodes_of_type(value, wanted, depth + 1)


def _ld_questions(page: dict[str, Any]) -> Iterator[FaqPair]:
    """The pairs of one FAQPage node: its `mainEntity` Questions and their accepted answers."""
    entities = page.get("mainEntity") or page.get("hasPart") or []
    for entity in entities if isinstance(entities, list) else [entities]:
        if not isinstance(entity, dict):
            continue
        name = _ld_text(entity.get("name")) or _ld_text(entity.get("text"))
        answer = entity.get("acceptedAnswer") or entity.get("suggestedAnswer")
        if isinstance(answer, list):
            answer = answer[0] if answer else None
        answer_html = _ld_text(answer.get("text")) if isinstance(answer, dict) else ""
        if not _TAG.search(answer_html):  # plain text: keep its paragraphs and line breaks
            answer_html = "".join(
                "<p>" + escape(part).replace("\n", "<br>") + "</p>"
                for part in _PARAGRAPH_BREAK.split(answer_html.strip())
            )
        anchor = None
        for key in ("@id", "url"):
            value = entity.get(key)
            if isinstance(value, str) and "#" in value:
                anchor = value.rsplit("#", 1)[1] or None
                break
        question = text_of(BeautifulSoup(name, "html.parser")) if "<" in name else name
        yield FaqPair(_SPACE.sub(" ", question).strip(), answer_html, anchor)


def _ld_text(value: Any) -> str:
    """A JSON-LD text value as a string: a string, a `@value` object or a list's first."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("@value", "")
    return value.strip() if isinstance(value, str) else ""


# -- 2. microdata -------------------------------------------------------------------------------


def _is_type(tag: Tag, name: str) -> bool:
    """True when `tag` starts an item of schema.org type `name` (http or https, any case)."""
    if not tag.has_attr("itemscope"):
        return False
    types = str(tag.get("itemtype") or "").split()
    return any(t.rstrip("/").rsplit("/", 1)[-1].lower() == name.lower() for t in types)


def _owner(tag: Tag) -> Tag | None:
    """The item a property belongs to: the nearest enclosing element with `itemscope`."""
    return next((p for p in tag.parents if p.has_attr("itemscope")), None)


def _props(scope: Tag, name: str) -> list[Tag]:
    """The elements that give item `scope` its property `name`."""
    return [
        tag
        for tag in scope.find_all(attrs={"itemprop": True})
        if name in str(tag.get("itemprop")).split() and _owner(tag) is scope
    ]


def _prop_html(tag: Tag) -> str:
    """A property's value as HTML: `content` of a meta element, else the element's contents."""
    if tag.name == "meta":
        return str(tag.get("content") or "")
    return tag.decode_contents()


def _microdata_pairs(soup: BeautifulSoup, outline: _Outline) -> list[FaqPair]:
    """Pairs of every microdata FAQPage: each `mainEntity` Question's name and accepted answer."""
    pairs: list[FaqPair] = []
    for page in soup.find_all(lambda t: _is_type(t, "FAQPage")):
        for question in _props(page, "mainEntity"):
            names = _props(question, "name") or _props(question, "text")
            answers = _props(question, "acceptedAnswer") or _props(question, "suggestedAnswer")
            if not names:
                continue
            name = names[0]
            title = str(name.get("content") or "") if name.name == "meta" else text_of(name)
            answer_html = _answer_html(answers[0]) if answers else ""
            anchor = _str(question.get("id")) or _anchor_within(name)
            title = _SPACE.sub(" ", title).strip()
            pairs.append(FaqPair(title, answer_html, anchor, outline.section(name)))
    return pairs


def _answer_html(answer: Tag) -> str:
    """An Answer item's text: its `text` property; pages that name it `name` instead, or mark
    up nothing inside, give that property or the whole element."""
    texts = _props(answer, "text") or _props(answer, "name")
    return _prop_html(texts[0]) if texts else _prop_html(answer)


def _anchor_within(tag: Tag) -> str | None:
    """An element's id, or that of a named anchor inside it (`<a name="q3" id="q3">`)."""
    if tag.get("id"):
        return _str(tag.get("id"))
    named = tag.find(attrs={"id": True}) or tag.find("a", attrs={"name": True})
    return _str(named.get("id") or named.get("name")) if named is not None else None


def _str(value: object) -> str | None:
    """An attribute value as one string or None."""
    if isinstance(value, list):
        value = " ".join(value)
    return str(value) if value else None


# -- 3. details/summary -------------------------------------------------------------------------


def _details_pairs(soup: BeautifulSoup, outline: _Outline) -> list[FaqPair]:
    """Pairs of the outermost `<details>` elements, descending into groups (see module doc)."""
    pairs: list[FaqPair] = []
    for details in soup.find_all("details"):
        if details.find_parent("details") is not None:
            continue
        _details_into(details, None, pairs, outline)
    return pairs


def _details_into(details: Tag, group: str | None, pairs: list[FaqPair], outline: _Outline) -> None:
    """Add the pair `details` holds, or, for a group, the pairs of the details inside it."""
    summary = details.find("summary", recursive=False)
    if summary is None:
        return
    question = text_of(summary)
    inner = details.find_all("details")
    if inner and not is_question(question):
        for child in inner:
            if child.find_parent("details") is details:
                _details_into(child, question, pairs, outline)
        return
    answer = "".join(str(node) for node in details.contents if node is not summary)
    anchor = _str(details.get("id")) or _anchor_within(summary)
    pairs.append(FaqPair(question, answer, anchor, group or outline.section(details)))


# -- 4. heading questions and definition lists -------------------------------------------------


def _level(tag: Tag) -> int:
    """A heading's level, 1-6."""
    return int(tag.name[1])


def _heading_and_dl_pairs(soup: BeautifulSoup, outline: _Outline) -> list[FaqPair]:
    """Question headings with what follows them, then question `<dt>`s not inside those answers."""
    pairs: list[tuple[int, FaqPair]] = []
    taken: set[int] = set()
    order = outline.order
    for heading in soup.find_all(_QUESTION_HEADINGS):
        question = text_of(heading)
        if not is_question(question):
            continue
        nodes = _answer_nodes(heading)
        if not _has_text(nodes):
            continue  # a question heading over more questions: a section, not a pair
        answer = "".join(str(node) for node in nodes).strip()
        taken.update(id(node) for node in nodes)
        anchor = _heading_anchor(heading)
        pair = FaqPair(question, answer, anchor, outline.section(heading))
        pairs.append((order[id(heading)], pair))
    for term in soup.find_all("dt"):
        question = text_of(term)
        if not is_question(question) or any(id(p) in taken for p in term.parents):
            continue
        answers = []
        for sibling in term.find_next_siblings():
            if sibling.name != "dd":
                break
            answers.append(sibling.decode_contents())
        pair = FaqPair(question, "".join(answers), _str(term.get("id")), outline.section(term))
        pairs.append((order[id(term)], pair))
    return [pair for _, pair in sorted(pairs, key=lambda item: item[0])]


def _has_text(nodes: list[Tag | NavigableString]) -> bool:
    """True when any of `nodes` shows text (comments and whitespace do not count)."""
    for node in nodes:
        if isinstance(node, Tag):
            if node.get_text().strip():
                return True
        elif type(node) is NavigableString and node.strip():
            return True
    return False


def _ends_answer(node: Tag, level: int) -> bool:
    """True when `node` is or holds a heading that ends an answer under a level-`level` heading:
    one of the same or a higher level, or a question heading of any level."""
    headings = [node] if node.name in _ALL_HEADINGS else node.find_all(_ALL_HEADINGS)
    return any(_level(h) <= level or is_question(text_of(h)) for h in headings)


def _answer_nodes(heading: Tag) -> list[Tag | NavigableString]:
    """What answers a question heading: its following siblings up to an ending heading; when the
    heading is alone in its wrapper (`<div><h3>Q?</h3></div><div>A</div>`), the wrapper's."""
    level = _level(heading)
    start: Tag = heading
    if not any(isinstance(s, Tag) or str(s).strip() for s in heading.next_siblings) and isinstance(
        heading.parent, Tag
    ):
        start = heading.parent
    nodes: list[Tag | NavigableString] = []
    for sibling in start.next_siblings:
        if isinstance(sibling, Tag) and _ends_answer(sibling, level):
            break
        if isinstance(sibling, (Tag, NavigableString)):
            nodes.append(sibling)
    return nodes


def _heading_anchor(heading: Tag) -> str | None:
    """A heading's anchor: its id, a named anchor inside it, or its section's id."""
    if (anchor := _anchor_within(heading)) is not None:
        return anchor
    parent = heading.parent
    if isinstance(parent, Tag) and parent.name == "section" and parent.get("id"):
        return _str(parent.get("id"))
    return None


class _Outline:
    """The page's headings in document order, with the outline (the latest heading of each
    level) after each, to find the section any element stands in without walking back."""

    def __init__(self, soup: BeautifulSoup) -> None:
        self.order = {id(tag): n for n, tag in enumerate(soup.find_all(True))}
        self.positions: list[int] = []
        self.paths: list[tuple[tuple[str, bool] | None, ...]] = []
        path: list[tuple[str, bool] | None] = [None] * 6
        for heading in soup.find_all(_ALL_HEADINGS):
            level = _level(heading)
            text = clean_question(text_of(heading))
            path[level - 1 :] = [(text, is_question(text))] + [None] * (6 - level)
            self.positions.append(self.order[id(heading)])
            self.paths.append(tuple(path))

    def section(self, tag: Tag) -> str | None:
        """The text of the nearest heading before `tag` that is not itself a question and is of
        a higher level than any question heading between (for a heading, than the heading)."""
        index = bisect_left(self.positions, self.order[id(tag)]) - 1
        if index < 0:
            return None
        limit = _level(tag) - 1 if tag.name in _ALL_HEADINGS else 6
        for level in range(limit, 0, -1):
            entry = self.paths[index][level - 1]
            if entry is None:
                continue
            text, question = entry
            if text and not question:
                return text
        return None
