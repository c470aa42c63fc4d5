"""No internal content on any help page, ever: not an internal unit (its page, its title in a
list, a search, the related answers or the structured data), not an `::: internal` note, in
English and Russian; searched for by the notes' own words over every page the site has."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from api import create_app
from api.help.content import category_of
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS
from tests.conftest import SAMPLE_CONTENT

#: Beside the sample's own internal units and notes: ours, with words nothing else has.
EXTRA = {
    "en/zebra.md": "---\nid: zebra-playbook\nlocale: en\n"
    "title: Zebra escalation playbook for agents\n"
    "category: billing\naudience: internal\nquestions: [zebra escalation]\n---\n"
    "Zebramark: refund up to fifty pounds without asking.\n",
    "en/otter.md": "---\nid: otter-guide\nlocale: en\ntitle: Otter guide for customers\n"
    "category: billing\nquestions: [otter guide]\n---\nOtters are public.\n\n"
    "::: internal\nOttermark: tell nobody about the otter discount.\n:::\n",
    "ru/zebra.md": "---\nid: zebra-playbook\nlocale: ru\n"
    "title: Зебра, регламент эскалации для операторов\n"
    "category: billing\naudience: internal\nquestions: [зебра]\n---\nЗебрамарк секрет.\n",
}
_INTERNAL_BLOCK = re.compile(r"^:{3,} *internal *\n(.*?)^:{3,} *$", re.M | re.S)
_WORD = re.compile(r"[^\W\d_]{2,}")
_TAG = re.compile(r"<[^>]*>")


@pytest.fixture
def site(
    kb: KnowledgeBase, write_tree: Callable[[dict[str, str]], Path]
) -> Iterator[tuple[KnowledgeBase, TestClient]]:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.import_content(read_folder(write_tree(EXTRA), channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    with TestClient(create_app(kb)) as client:
        yield kb, client


def _phrase(text: str) -> str | None:
    """The first six words of a line, as a reader would find them on a page; None if short."""
    words = _WORD.findall(text)
    return " ".join(words[:6]).casefold() if len(words) >= 4 else None


def _secrets(kb: KnowledgeBase) -> set[str]:
    """Phrases only staff may read: internal units' titles and lines, internal notes' lines."""
    found: set[str] = set()
    for unit in kb.snapshot().iter_units():
        doc = unit.document
        lines: list[str] = []
        if doc.audience != "public":
            lines += [doc.title, *doc.body.splitlines()]
        for block in _INTERNAL_BLOCK.findall(doc.body):
            lines += block.splitlines()
        found |= {p for line in lines if (p := _phrase(line)) is not None}
    return found


def _readable(html: str) -> str:
    """Everything a page tells a reader or a crawler: its text, attributes and JSON-LD, as
    words in one line."""
    page = BeautifulSoup(html, "html.parser")
    parts = [page.get_text(" ")]
    for tag in page.find_all(True):
        parts += [str(v) for v in tag.attrs.values()]
    for script in page.select('script[type="application/ld+json"]'):
        parts.append(_TAG.sub(" ", json.dumps(json.loads(script.get_text()), ensure_ascii=False)))
    return " ".join(_WORD.findall(unescape(" ".join(parts)))).casefold()


def _every_page(kb: KnowledgeBase) -> Iterator[str]:
    """Every help page of the release, searches for the internal words, and the hidden units'
    would-be addresses."""
    snap = kb.snapshot()
    for locale in snap.locales:
        yield f"/help/{locale}"
        for unit in snap.iter_units(locale):
            yield f"/help/{locale}/{category_of(unit)}"
            yield f"/help/{locale}/{category_of(unit)}/{unit.document.id}"
            yield f"/units/{unit.document.id}?locale={locale}"
        for words in ("goodwill credit", "fraud procedure", "zebra", "зебра", "ottermark"):
            yield f"/help/{locale}/search?q={words}"


def test_no_help_page_shows_internal_units_or_notes(
    site: tuple[KnowledgeBase, TestClient],
) -> None:
    kb, client = site
    secrets = _secrets(kb)
    ours = {"zebra escalation playbook for agents", "ottermark tell nobody about the otter"}
    assert ours <= secrets
    assert len(secrets) > 10  # the sample's own notes are counted too
    seen = 0
    for path in sorted(set(_every_page(kb))):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        readable = _readable(response.text)
        leaked = [secret for secret in secrets if secret in readable]
        assert not leaked, (path, leaked)
        seen += response.status_code == 200
    assert seen > 100


def test_internal_units_have_no_page_and_public_ones_keep_their_public_words(
    site: tuple[KnowledgeBase, TestClient],
) -> None:
    _kb, client = site
    for path in ("/help/en/billing/zebra-playbook", "/help/ru/billing/zebra-playbook"):
        response = client.get(path)
        assert response.status_code == 404 and "Zebra" not in response.text
    otter = client.get("/help/en/billing/otter-guide")
    assert otter.status_code == 200 and "Otters are public." in otter.text
    assert "Ottermark" not in otter.text and "kb-internal" not in otter.text
