"""The editor's Insights view in a real browser, over events recorded by real requests.

Customers ask through the delivery API in two channels (some answered, two needs the sample
content does not cover, searches that find nothing), vote and an operator flags a unit; the view
shows the figures per channel and locale, a line chart of the self-service rate and a bar chart of
the content gaps (each an image with a name, a description and a data table), top units, empty
searches and flagged units. A cluster's one click adds its questions to the nearest unit as a
draft revision; "Start a new unit" opens the new-unit form with them.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.sync_api import expect

from kb.events.store import write_events
from tests.browser.conftest import Site, screenshot, serious_violations

#: Two needs the sample content does not cover (see tests/kb/test_insights_gaps.py).
TRADE_IN = (
    "can I trade in my old phone",
    "how do I get money for my old handset",
    "do you offer a trade-in scheme for used phones",
    "what is my old mobile worth if I send it to you",
    "swap my old smartphone for credit",
)
PETS = (
    "is my dog covered by your insurance",
    "do you sell pet insurance",
    "insurance for my cat",
    "how much is cover for a puppy",
)
ROAMING = "turn-on-roaming"
ROAMING_TITLE = "How do I turn on roaming?"
EMPTY_SEARCH = "qwzx frobnicator"


def _ask(site: Site, question: str, channel: str) -> httpx.Response:
    response = httpx.get(f"{site.url}/api/v1/answer", params={"q": question, "channel": channel})
    response.raise_for_status()
    return response


def _record_customers(site: Site) -> None:
    """Chatbot: 2 answered of 7 questions (the trade-in need 5 times); web: 3 answered of 7 (the
    pet insurance need 4 times); two empty searches; a helpful vote and an operator's flag."""
    roaming = _ask(site, "how do I switch on roaming", "chatbot")
    assert roaming.json()["unit_id"] == ROAMING
    _ask(site, "how do I switch on roaming", "chatbot")
    for question in ("my phone was stolen", "how do I switch on roaming", "what is my PUK code"):
        assert _ask(site, question, "web").json()["status"] == "answered"
    for question in TRADE_IN:
        assert _ask(site, question, "chatbot").json()["status"] == "no_answer"
    for question in PETS:
        assert _ask(site, question, "web").json()["status"] == "no_answer"
    for _ in range(2):
        found = httpx.get(f"{site.url}/api/v1/search", params={"q": EMPTY_SEARCH, "via": "widget"})
        assert found.json()["hits"] == []
    vote = {"receipt": roaming.headers["X-KB-Receipt"], "helpful": True}
    httpx.post(f"{site.url}/api/v1/feedback", json=vote).raise_for_status()
    httpx.post(
        f"{site.url}/api/v1/feedback",
        headers={"Authorization": f"Bearer {site.keys['operator']}"},
        json={"unit_id": ROAMING, "flag": True, "reason": "outdated", "comment": "New iOS menu"},
    ).raise_for_status()


def _gaps(site: Site) -> list[dict[str, Any]]:
    """The clusters as the API reports them (the view must show the same)."""
    response = httpx.get(
        f"{site.url}/api/v1/insights/gaps",
        headers={"Authorization": f"Bearer {site.keys['editor']}"},
    )
    response.raise_for_status()
    return response.json()["clusters"]  # type: ignore[no-any-return]


def _open_insights(page: Any, site: Site, lang: str = "en") -> None:
    page.goto(f"{site.url}/editor?lang={lang}")
    page.locator("#key-input").fill(site.keys["editor"])
    page.locator("#signin-form button[type=submit]").click()
    expect(page.locator("#role-badge")).to_be_visible()
    page.locator('#nav a[data-view="insights"]').click()
    expect(page.locator("#view-insights h1")).to_be_focused()


def _row(table: Any, header: str) -> list[str]:
    cells = table.locator("tbody tr", has=table.page.get_by_role("rowheader", name=header))
    return [c.strip() for c in cells.first.locator("th, td").all_inner_texts()]


def test_insights_view_shows_figures_charts_and_lists_from_recorded_events(
    page: Any, site: Site, axe_source: str
) -> None:
    _record_customers(site)
    _open_insights(page, site)
    summary = page.locator("#insights-summary")
    expect(summary).to_contain_text("14 questions in the period, self-service rate 36%.")

    by_channel = page.get_by_role("table", name="Questions by channel and locale")
    expect(by_channel.locator("tbody tr")).to_have_count(2)
    assert _row(by_channel, "Chatbot") == ["Chatbot", "en", "7", "2", "0", "5", "29%", "0"]
    assert _row(by_channel, "Web") == ["Web", "en", "7", "3", "0", "4", "43%", "2"]

    trend = page.get_by_role("img", name="Self-service rate per channel, day by day")
    expect(trend).to_be_visible()
    expect(trend.locator("desc")).to_contain_text("Chatbot: 29% over the period")
    expect(trend.locator("desc")).to_contain_text("Web: 43% over the period")
    expect(trend.locator("g.chart-series")).to_have_count(2)
    expect(trend.locator("g.chart-series").first.locator("circle")).to_have_count(1)  # today only
    legend = page.locator("#i-trend .chart-legend li")
    expect(legend).to_have_text(["Chatbot", "Web"])
    page.locator("#i-trend summary").click()
    trend_table = page.get_by_role("table", name="Self-service rate per channel, day by day")
    expect(trend_table.locator("tbody tr").last).to_contain_text("29% of 7 questions")
    expect(trend_table.locator("tbody tr").last).to_contain_text("43% of 7 questions")

    clusters = _gaps(site)
    assert [c["size"] for c in clusters][:2] == [5, 4]
    bars = page.get_by_role("img", name="Content gaps by size")
    expect(bars).to_be_visible()
    expect(bars.locator("g.chart-bar")).to_have_count(len(clusters))
    expect(bars.locator("g.chart-bar").first).to_have_attribute("data-value", "5")
    expect(bars.locator("desc")).to_contain_text(f"“{clusters[0]['examples'][0]}”: 5 questions.")
    cards = page.locator("#i-gaps > li.gap-card")
    expect(cards).to_have_count(len(clusters))
    trade_in = cards.first
    expect(trade_in.get_by_role("heading", level=3)).to_contain_text("5 questions · en")
    for example in clusters[0]["examples"]:
        expect(trade_in.locator(".gap-examples")).to_contain_text(example)
    nearest = clusters[0]["nearest"]
    expect(trade_in.get_by_role("link", name=nearest["title"])).to_have_attribute(
        "href", f"#/edit/en/{nearest['unit_id']}"
    )

    top = page.get_by_role("table", name="Top units")
    assert _row(top, ROAMING_TITLE) == [ROAMING_TITLE, "3", "1", "0", "100%"]
    empty = page.get_by_role("table", name="Searches with no hits")
    assert _row(empty, EMPTY_SEARCH) == [EMPTY_SEARCH, "2"]
    flagged = page.get_by_role("table", name="Flagged units")
    assert _row(flagged, ROAMING_TITLE)[:3] == [ROAMING_TITLE, "1", "Outdated — New iOS menu"]
    screenshot(page, "editor-insights")
    assert serious_violations(page, axe_source) == []

    # One channel: its figures and its line only.
    page.get_by_label("Channel", exact=True).select_option("chatbot")
    expect(summary).to_contain_text("7 questions in the period, self-service rate 29%.")
    expect(by_channel.locator("tbody tr")).to_have_count(1)
    expect(trend.locator("g.chart-series")).to_have_count(1)
    page.get_by_label("Period", exact=True).select_option("90d")
    expect(page.locator("#i-trend tbody tr")).to_have_count(91)


def test_a_clusters_one_click_adds_its_questions_to_the_nearest_unit_as_a_draft(
    page: Any, site: Site, axe_source: str
) -> None:
    _record_customers(site)
    clusters = _gaps(site)
    trade_in = next(c for c in clusters if set(c["questions"]) == set(TRADE_IN))
    nearest = trade_in["nearest"]
    with site.open() as kb:
        before = kb.draft_unit(nearest["unit_id"], "en")
    _open_insights(page, site)

    card = page.locator(f'#i-gaps > li[data-cluster="{trade_in["id"]}"]')
    card.get_by_role("button", name=f"Add these questions to “{nearest['title']}”").click()
    status = card.get_by_role("status")
    revision = before.number + 1
    expect(status).to_contain_text(
        f"Added 5 questions to “{nearest['title']}” as draft revision {revision}: "
        "they go live with the next release."
    )
    expect(page.locator("#status")).to_contain_text("Added 5 questions")
    with site.open() as kb:
        after = kb.draft_unit(nearest["unit_id"], "en")
    assert after.number == revision
    assert list(after.questions) == [*before.questions, *trade_in["questions"]]
    screenshot(page, "editor-insights-added")
    assert serious_violations(page, axe_source) == []

    # The draft is one click away, with the questions in its form.
    status.get_by_role("link", name=f"Open revision {revision}").click()
    expect(page.locator("#edit-meta")).to_contain_text(f"Revision {revision}")
    expect(page.get_by_label("Questions customers ask (one per line)")).to_have_value(
        re.compile(re.escape(TRADE_IN[0]))
    )


def test_start_a_new_unit_opens_the_form_with_the_clusters_questions(page: Any, site: Site) -> None:
    _record_customers(site)
    pets = next(c for c in _gaps(site) if set(c["questions"]) == set(PETS))
    _open_insights(page, site, lang="ru")
    expect(page.get_by_role("heading", name="Аналитика", level=1)).to_be_focused()
    card = page.locator(f'#i-gaps > li[data-cluster="{pets["id"]}"]')
    card.get_by_role("button", name="Начать новую статью").click()
    expect(page).to_have_url(re.compile(r"#/new$"))
    questions = page.locator("#u-questions")
    expect(questions).to_have_value("\n".join(pets["questions"]))
    expect(page.locator("#u-locale")).to_have_value("en")
    expect(page.locator("#save-status")).to_have_text(
        "Вставлены 4 вопроса из пробела в контенте: напишите ответ и сохраните."
    )
    # The next new unit starts empty again.
    page.locator('#nav a[data-view="units"]').click()
    page.locator('#nav a[data-view="new"]').click()
    expect(questions).to_have_value("")


def _earlier_answers(site: Site, days_ago: int, answered: int, questions: int) -> None:
    """Chatbot answers of an earlier day, written as the recorder writes them (a request cannot
    be sent in the past)."""
    at = datetime.now(UTC) - timedelta(days=days_ago)
    rows = [
        {
            "receipt": uuid.uuid4().hex,
            "at": at,
            "kind": "answer",
            "channel": "chatbot",
            "locale": "en",
            "release": 1,
            "unit_id": ROAMING if n < answered else None,
            "revision": 1 if n < answered else None,
            "status": "answered" if n < answered else "no_answer",
            "confidence": 0.9 if n < answered else 0.1,
            "question": "roaming" if n < answered else "trade in",
            "latency_ms": 1.0,
            "cached": False,
        }
        for n in range(questions)
    ]
    with site.open() as kb:
        write_events(kb.db, rows)


def _day(ago: int) -> str:
    """A UTC day `ago` days back as the chart names it in English (Dec 4)."""
    moment = datetime.now(UTC) - timedelta(days=ago)
    return f"{moment:%b} {moment.day}"


def test_the_line_follows_the_rate_day_by_day_and_breaks_where_nobody_asked(
    page: Any, site: Site
) -> None:
    _earlier_answers(site, 3, answered=1, questions=2)
    _earlier_answers(site, 2, answered=3, questions=4)
    _ask(site, "how do I switch on roaming", "chatbot")
    _open_insights(page, site)
    trend = page.get_by_role("img", name="Self-service rate per channel, day by day")
    expect(trend.locator("desc")).to_have_text(
        f"Chatbot: 71% over the period, 50% on {_day(3)} and 100% on {_day(0)}."
    )
    chatbot = trend.locator('g.chart-series[data-series="Chatbot"]')
    expect(chatbot.locator("circle")).to_have_count(3)  # three days with questions
    expect(chatbot.locator("polyline")).to_have_count(1)  # two days in a row; yesterday none
    points = chatbot.locator("polyline").get_attribute("points").split()
    assert len(points) == 2
    (x1, y1), (x2, y2) = (map(float, p.split(",")) for p in points)
    assert x1 < x2 and y2 < y1  # later and higher: 50% then 75%
    rows = page.locator("#i-trend tbody tr")
    expect(rows.filter(has_text=_day(3))).to_contain_text("50% of 2 questions")
    expect(rows.filter(has_text=_day(2))).to_contain_text("75% of 4 questions")
    expect(rows.filter(has_text=_day(1))).to_contain_text("—")
    screenshot(page, "editor-insights-trend")
