"""The editor's backend: previews of unsaved units, their audio, the drafts overview, and the
fields, body and where-used lists the editor shows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from importers import read_folder
from kb import KnowledgeBase
from kb.content.snippets import SnippetDocument, SnippetType
from kb.errors import UnitNotFound
from kb.settings import DEFAULT_CHANNELS
from renderers import registry
from renderers.checks import check_snapshot
from tests.conftest import SAMPLE_CONTENT

Key = Callable[[str], dict[str, str]]
PREVIEW = "/api/v1/drafts/preview"
AUDIO = "/api/v1/drafts/preview/audio"
OVERVIEW = "/api/v1/drafts/overview"
PROBLEM = "application/problem+json"


def unit(
    body: str = "Dial {{ balance_ussd }} or open the app.",
    *,
    unit_id: str = "check-balance",
    locale: str = "en",
    title: str = "How do I check my balance?",
    extra: str = "",
) -> str:
    return f"---\nid: {unit_id}\nlocale: {locale}\ntitle: {title}\n{extra}---\n{body}\n"


@pytest.fixture
def sample(kb: KnowledgeBase) -> KnowledgeBase:
    """The sample content as drafts (nothing published)."""
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="importer")
    return kb


@pytest.fixture
def published(sample: KnowledgeBase) -> KnowledgeBase:
    """The sample content, published as release 1."""
    sample.publish(author="publisher")
    return sample


@pytest.fixture
def editor(key: Key) -> dict[str, str]:
    return key("editor")


def preview(api: TestClient, headers: dict[str, str], source: str) -> dict:
    response = api.post(PREVIEW, json={"source": source}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def codes(body: dict) -> set[str]:
    return {f["code"] for f in body["findings"]}


# -- preview ----------------------------------------------------------------------------------


def test_preview_renders_every_channel_of_a_unit_enabled_everywhere(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    body = preview(api, editor, unit())

    assert [r["channel"] for r in body["renderings"]] == list(registry.names())
    assert {"web", "chatbot", "operator", "ivr", "email", "sms", "messenger"} <= set(
        registry.names()
    )
    assert (body["unit_id"], body["locale"], body["title"]) == (
        "check-balance",
        "en",
        "How do I check my balance?",
    )
    assert body["body"] == "Dial {{ balance_ussd }} or open the app."
    assert body["fields"]["channels"] is None and body["fields"]["review_by"] is None
    assert body["errors"] == 0
    web = body["renderings"][0]
    assert web["media_type"] == "text/html" and "*100#" in web["body"]


@pytest.mark.requires_tool("espeak-ng")
def test_preview_offers_audio_where_espeak_is_installed(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    assert preview(api, editor, unit())["audio"] is True


def test_preview_renders_only_the_channels_the_unit_names(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    body = preview(api, editor, unit(extra="channels: [ivr, web]\n"))

    assert [r["channel"] for r in body["renderings"]] == ["web", "ivr"]
    assert body["fields"]["channels"] == ["ivr", "web"]


def test_internal_unit_is_previewed_for_operators_only(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    body = preview(api, editor, unit("Staff only.", extra="audience: internal\n"))

    assert [r["channel"] for r in body["renderings"]] == ["operator"]


def test_ivr_preview_has_the_spoken_text_and_its_duration(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    body = preview(api, editor, unit())

    ivr = next(r for r in body["renderings"] if r["channel"] == "ivr")
    assert ivr["media_type"] == "application/ssml+xml" and ivr["body"].startswith("<speak")
    assert ivr["text"].startswith("Dial") and "{{" not in ivr["text"]
    assert 0 < ivr["duration_seconds"] < ivr["max_seconds"] == 30.0


def test_snippet_renders_with_its_draft_value_not_the_published_one(
    api: TestClient, editor: dict[str, str], published: KnowledgeBase
) -> None:
    published.save_snippet(
        SnippetDocument("balance_ussd", "en", SnippetType.TEXT, "*555#"), author="editor"
    )
    published.save_snippet(
        SnippetDocument("promo_code", "en", SnippetType.TEXT, "SPRING24"), author="editor"
    )

    body = preview(api, editor, unit("Dial {{ balance_ussd }}; use code {{ promo_code }}."))

    web = body["renderings"][0]["body"]
    assert "*555#" in web and "*100#" not in web and "SPRING24" in web
    assert body["errors"] == 0


def test_broken_unit_link_is_one_blocking_finding(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    body = preview(api, editor, unit("Open the app. See [plans](unit:no-such-unit)."))

    broken = [f for f in body["findings"] if f["code"] == "broken-unit-link"]
    assert len(broken) == 1 and broken[0]["blocking"] and broken[0]["severity"] == "error"
    assert broken[0]["channel"] is None  # seen by every channel, reported once
    assert "no-such-unit" in broken[0]["message"]
    assert body["errors"] >= 1
    web = body["renderings"][0]
    assert "broken-unit-link" in {f["code"] for f in web["findings"]}


def test_links_to_other_draft_units_and_to_itself_resolve(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    source = unit(
        "Read this. See [top up](unit:top-up) and [this](unit:brand-new).",
        unit_id="brand-new",
        title="Brand new",
    )

    assert "broken-unit-link" not in codes(preview(api, editor, source))


def test_an_ivr_answer_too_long_to_listen_to_is_a_finding(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    long_paragraph = " ".join(["Open the app and choose the balance page first."] * 20)

    body = preview(api, editor, unit(long_paragraph))

    too_long = [f for f in body["findings"] if f["code"] == "ivr-too-long"]
    assert too_long and too_long[0]["channel"] == "ivr" and too_long[0]["blocking"]
    ivr = next(r for r in body["renderings"] if r["channel"] == "ivr")
    assert ivr["duration_seconds"] > ivr["max_seconds"]


def test_stale_and_untranslated_units_are_warnings(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    source = unit("Fresh text.", unit_id="only-english", extra="review_by: 2001-01-01\n")

    body = preview(api, editor, source)

    warnings = {f["code"]: f for f in body["findings"] if f["severity"] == "warning"}
    assert {"stale", "missing-translation"} <= set(warnings)
    assert "ru" in warnings["missing-translation"]["message"]
    assert body["fields"]["review_by"] == "2001-01-01"
    assert (body["errors"], body["warnings"]) == (0, len(body["findings"]))


def test_invalid_yaml_is_422_with_the_line(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    source = "---\nid: check-balance\nlocale: en\ntitle: [unclosed\n---\nBody.\n"

    response = api.post(PREVIEW, json={"source": source}, headers=editor)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    errors = response.json()["errors"]
    assert errors and all(e["source"] == "body.source" for e in errors)
    assert errors[0]["line"] in (4, 5)


def test_missing_title_and_bad_locale_are_422_with_their_fields(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    source = "---\nid: check-balance\nlocale: English\n---\nBody.\n"

    response = api.post(PREVIEW, json={"source": source}, headers=editor)

    assert response.status_code == 422
    by_field = {e["field"]: e for e in response.json()["errors"]}
    assert {"title", "locale"} <= set(by_field)
    assert by_field["locale"]["line"] == 3


def test_preview_writes_nothing(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    before = [(r.number, r.content_hash) for r in sample.history("check-balance", "en")]
    drafts_before = {k: u.revision_id for k, u in sample.drafts().units.items()}

    preview(api, editor, unit("A new answer nobody saved."))
    preview(api, editor, unit("Another.", unit_id="never-saved", title="Never saved"))

    assert [(r.number, r.content_hash) for r in sample.history("check-balance", "en")] == before
    assert {k: u.revision_id for k, u in sample.drafts().units.items()} == drafts_before
    with pytest.raises(UnitNotFound):
        sample.draft_unit("never-saved", "en")


def test_preview_sees_a_unit_saved_since_the_last_preview(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    linking = unit("See [the new one](unit:saved-later).", unit_id="linking", title="Linking")
    assert "broken-unit-link" in codes(preview(api, editor, linking))

    sample.save_unit(unit("Here.", unit_id="saved-later", title="Saved later"), author="e")

    assert "broken-unit-link" not in codes(preview(api, editor, linking))


@pytest.mark.parametrize(
    "path", [PREVIEW, pytest.param(AUDIO, marks=pytest.mark.requires_tool("espeak-ng"))]
)
def test_preview_needs_an_editor_key(
    api: TestClient, key: Key, sample: KnowledgeBase, path: str
) -> None:
    payload = {"json": {"source": unit()}}
    assert api.post(path, **payload).status_code == 401  # type: ignore[arg-type]
    for role in ("reader", "operator"):
        response = api.post(path, headers=key(role), **payload)  # type: ignore[arg-type]
        assert response.status_code == 403
        assert response.headers["content-type"].startswith(PROBLEM)
    assert api.post(path, headers=key("publisher"), **payload).status_code == 200  # type: ignore[arg-type]


# -- audio ------------------------------------------------------------------------------------


@pytest.mark.requires_tool("espeak-ng")
def test_audio_is_the_ivr_prompt_as_wav(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    response = api.post(AUDIO, json={"source": unit()}, headers=editor)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "audio/wav"
    audio = response.content
    assert audio[:4] == b"RIFF" and audio[8:12] == b"WAVE" and len(audio) > 10_000


@pytest.mark.requires_tool("espeak-ng")
def test_audio_in_russian_uses_a_russian_voice(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    source = unit("Наберите {{ balance_ussd }}.", locale="ru", title="Как узнать баланс?")

    response = api.post(AUDIO, json={"source": source}, headers=editor)

    assert response.status_code == 200 and response.content[:4] == b"RIFF"


def test_audio_without_espeak_is_503(
    api: TestClient,
    editor: dict[str, str],
    sample: KnowledgeBase,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    empty = tmp_path / "no-programs"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # a machine without espeak-ng

    response = api.post(AUDIO, json={"source": unit()}, headers=editor)
    body = preview(api, editor, unit())

    assert response.status_code == 503
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "espeak-ng" in response.json()["detail"]
    assert body["audio"] is False


@pytest.mark.requires_tool("espeak-ng")
def test_audio_of_a_unit_not_in_the_ivr_is_422(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    response = api.post(AUDIO, json={"source": unit(extra="channels: [web]\n")}, headers=editor)
    invalid = api.post(AUDIO, json={"source": "no front matter"}, headers=editor)

    assert response.status_code == 422 and "ivr" in response.json()["detail"]
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["line"] == 1


# -- overview ---------------------------------------------------------------------------------


def overview(api: TestClient, headers: dict[str, str], **params: str) -> list[dict]:
    response = api.get(OVERVIEW, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def by_id(rows: list[dict], locale: str = "en") -> dict[str, dict]:
    return {r["unit_id"]: r for r in rows if r["locale"] == locale}


@pytest.fixture
def edited(published: KnowledgeBase) -> KnowledgeBase:
    """Release 1, then drafts: one unit changed, one new, one stale, one failing."""
    published.save_unit(unit("Dial {{ balance_ussd }}, or look in the app."), author="maria")
    published.save_unit(unit("Brand new.", unit_id="new-unit", title="New"), author="maria")
    published.save_unit(
        unit("Old news.", unit_id="stale-unit", title="Stale", extra="review_by: 2001-01-01\n"),
        author="maria",
    )
    published.save_unit(
        unit("See [this](unit:no-such-unit).", unit_id="failing-unit", title="Failing"),
        author="maria",
    )
    return published


def test_overview_says_what_changed_since_the_release(
    api: TestClient, editor: dict[str, str], edited: KnowledgeBase
) -> None:
    rows = by_id(overview(api, editor))

    changed = rows["check-balance"]
    assert (changed["revision"], changed["published_revision"]) == (2, 1)
    assert (changed["changed"], changed["published"], changed["author"]) == (True, True, "maria")
    new = rows["new-unit"]
    assert (new["changed"], new["published"], new["published_revision"]) == (True, False, None)
    untouched = rows["top-up"]
    assert (untouched["changed"], untouched["published"]) == (False, True)
    assert untouched["revision"] == untouched["published_revision"] == 1
    assert rows["stale-unit"]["stale"] and not rows["new-unit"]["stale"]
    failing = rows["failing-unit"]
    assert failing["errors"] == 1 and failing["warnings"] >= 1  # no Russian translation
    assert rows["top-up"]["errors"] == 0 and not rows["top-up"]["archived"]


def test_overview_filters_by_status(
    api: TestClient, editor: dict[str, str], edited: KnowledgeBase
) -> None:
    changed = by_id(overview(api, editor, status="changed"))
    published = by_id(overview(api, editor, status="published"))
    stale = overview(api, editor, status="stale")
    failing = overview(api, editor, status="failing")

    assert {"check-balance", "new-unit", "stale-unit", "failing-unit"} <= set(changed)
    assert "top-up" not in changed
    assert {"check-balance", "top-up"} <= set(published) and "new-unit" not in published
    assert "stale-unit" in by_id(stale) and all(r["stale"] for r in stale)
    assert "check-balance" not in by_id(stale)
    assert [(r["unit_id"], r["locale"]) for r in failing] == [("failing-unit", "en")]


def test_overview_filters_by_locale_and_category(
    api: TestClient, editor: dict[str, str], edited: KnowledgeBase
) -> None:
    russian = overview(api, editor, locale="ru")
    billing = overview(api, editor, category="billing", locale="en")

    assert russian and {r["locale"] for r in russian} == {"ru"}
    assert billing and {r["category"] for r in billing} == {"billing"}
    assert "annual-price-change" in by_id(billing) and "check-balance" not in by_id(billing)
    assert overview(api, editor, category="no-such-category") == []


def test_overview_lists_archived_units_as_changed(
    api: TestClient, editor: dict[str, str], published: KnowledgeBase
) -> None:
    published.archive_unit("top-up", "en", author="maria")

    row = by_id(overview(api, editor))["top-up"]

    assert (row["archived"], row["changed"], row["published"]) == (True, True, True)


def test_overview_counts_are_those_of_kb_check_after_each_change(
    api: TestClient, editor: dict[str, str], edited: KnowledgeBase
) -> None:
    """The counts are reused between calls: every kind of change must still show."""

    def expected() -> dict[tuple[str, str], tuple[int, int]]:
        counts: dict[tuple[str, str], Counter[str]] = {}
        for f in check_snapshot(edited.drafts()):
            counts.setdefault((f.unit_id or "", f.locale or ""), Counter())[f.severity.value] += 1
        return {k: (c["error"], c["warning"]) for k, c in counts.items()}

    def actual() -> dict[tuple[str, str], tuple[int, int]]:
        rows = overview(api, editor)
        return {
            (r["unit_id"], r["locale"]): (r["errors"], r["warnings"])
            for r in rows
            if (r["errors"], r["warnings"]) != (0, 0)
        }

    # a unit links to top-up only through a markdown snippet it uses
    edited.save_snippet(
        SnippetDocument("see_top_up", "en", SnippetType.MARKDOWN, "See [top up](unit:top-up)."),
        author="maria",
    )
    edited.save_unit(
        unit("Pay in the app.\n\n{{ see_top_up }}", unit_id="via-snippet", title="Via"),
        author="maria",
    )
    assert actual() == expected()
    # a unit others link to disappears: theirs become broken links
    edited.archive_unit("top-up", "en", author="maria")
    assert actual() == expected()
    # a snippet units use is archived: they cannot render it
    edited.archive_snippet("balance_ussd", "en", author="maria")
    assert actual() == expected()
    # the broken link is mended by creating its target
    edited.save_unit(unit("Here.", unit_id="no-such-unit", title="Here"), author="maria")
    assert actual() == expected()
    rows = by_id(overview(api, editor))
    assert rows["failing-unit"]["errors"] == 0 and rows["via-snippet"]["errors"] >= 1


def test_overview_needs_an_editor_key(api: TestClient, key: Key, sample: KnowledgeBase) -> None:
    assert api.get(OVERVIEW).status_code == 401
    assert api.get(OVERVIEW, headers=key("operator")).status_code == 403
    assert api.get(OVERVIEW, params={"status": "bogus"}, headers=key("editor")).status_code == 422


# -- drafts and snippets ----------------------------------------------------------------------


def test_draft_out_has_the_fields_and_body_of_its_source(
    api: TestClient, editor: dict[str, str], kb: KnowledgeBase
) -> None:
    extra = (
        "questions: [how much money is left]\ncategory: billing\ntags: [balance, account]\n"
        "channels: [web, ivr]\nrouting: billing\nowner: billing-team\nreview_by: 2027-03-01\n"
        "verify_every: 30\npublish_after: 2027-01-01\nexpires: 2027-06-30T18:00+03:00\n"
    )
    source = unit("Dial *100#.\n\n::: internal\nCheck the caller.\n:::", extra=extra)

    created = api.post("/api/v1/drafts/units", json={"source": source}, headers=editor)
    read = api.get("/api/v1/drafts/units/check-balance", params={"locale": "en"}, headers=editor)

    assert created.status_code == 201, created.text
    for body in (created.json(), read.json()):
        assert body["fields"] == {
            "id": "check-balance",
            "locale": "en",
            "title": "How do I check my balance?",
            "questions": ["how much money is left"],
            "category": "billing",
            "tags": ["balance", "account"],
            "audience": "public",
            "channels": ["web", "ivr"],
            "routing": "billing",
            "owner": "billing-team",
            "review_by": "2027-03-01",
            "verify_every": 30,
            "draft": False,
            "publish_after": "2027-01-01T00:00:00Z",
            "expires": "2027-06-30T15:00:00Z",
            "source": None,
        }
        assert body["body"] == "Dial *100#.\n\n::: internal\nCheck the caller.\n:::"
        assert body["source"] == source


def test_snippet_lists_the_draft_units_that_use_it(
    api: TestClient, editor: dict[str, str], sample: KnowledgeBase
) -> None:
    def used_by(locale: str) -> list[str]:
        response = api.get(
            "/api/v1/drafts/snippets/balance_ussd", params={"locale": locale}, headers=editor
        )
        assert response.status_code == 200, response.text
        return response.json()["used_by"]

    english = used_by("en")
    assert "check-balance" in english and english == sorted(english)

    sample.save_unit(unit("Dial {{ balance_ussd }}.", unit_id="aaa-new", title="New"), author="e")
    sample.archive_unit("check-balance", "en", author="e")

    assert used_by("en")[0] == "aaa-new" and "check-balance" not in used_by("en")
    assert "aaa-new" not in used_by("ru") and "check-balance" in used_by("ru")
    listed = api.get("/api/v1/drafts/snippets", params={"locale": "en"}, headers=editor).json()
    assert {s["name"]: s["used_by"] for s in listed}["balance_ussd"] == used_by("en")
