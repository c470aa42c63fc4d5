"""The home page's popular answers: the theme's promoted ones first, then the most viewed in the
locale (delivery events of the last 30 days), then the rest in title order; never an answer
customers may not read."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from api import create_app
from api.help.content import public_units
from api.help.popular import POPULAR
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.conftest import SAMPLE_CONTENT

THEME = """\
promoted:
  - turn-on-roaming
  - goodwill-credit-policy  # internal: never shown
  - no-such-answer
"""


def _popular(client: TestClient, locale: str = "en") -> list[str]:
    page = BeautifulSoup(client.get(f"/help/{locale}").text, "html.parser")
    return [a["href"].rsplit("/", 1)[1] for a in page.select("section.kb-popular a")]


def test_promoted_then_most_viewed_then_title_order(settings: Settings, tmp_path: Path) -> None:
    theme = tmp_path / "theme.yaml"
    theme.write_text(THEME, encoding="utf-8")
    with KnowledgeBase.open(replace(settings, theme_path=theme)) as kb:
        kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
        kb.publish(author="t")
        with TestClient(create_app(kb)) as reader:
            for path, times in (
                ("/help/en/internet/apn-settings", 3),
                ("/help/en/payments/top-up", 2),
                ("/help/ru/payments/top-up", 5),  # another locale's views
                ("/help/en/billing/goodwill-credit-policy", 9),  # not found: no view
            ):
                for _ in range(times):
                    reader.get(path)
            assert kb.events.flush()
        titled = [u.document.id for u in public_units(kb.snapshot(), "en")]
        with TestClient(create_app(kb)) as client:  # a new worker: nothing counted yet
            shown = _popular(client)

    assert shown[:3] == ["turn-on-roaming", "apn-settings", "top-up"]
    rest = [unit_id for unit_id in titled if unit_id not in shown[:3]]
    assert shown[3:] == rest[: POPULAR - 3]
    assert "goodwill-credit-policy" not in shown and len(shown) == POPULAR


def test_without_views_the_popular_answers_are_the_first_in_title_order(
    sample: KnowledgeBase, sample_site: TestClient
) -> None:
    titled = [u.document.id for u in public_units(sample.snapshot(), "ru")]

    assert _popular(sample_site, "ru") == titled[:POPULAR]
