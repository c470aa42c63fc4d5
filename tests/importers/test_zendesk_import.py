"""The Zendesk importer: an export of the Help Center API becomes units, one per article and
locale; bad files and items are all named at once; hostile bodies are cleaned or refused."""

from __future__ import annotations

import copy
import json
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import importers
from cli.main import app
from importers import read_folder
from importers.zendesk import looks_like, read, zendesk_locale
from kb import ContentBatch, ImportOptions, InvalidContent, KnowledgeBase, Settings
from kb.content.document import UnitDocument, UnitSource
from kb.settings import DEFAULT_CHANNELS
from kb.store.revisions import SaveOutcome
from tests.conftest import SAMPLE_CONTENT

DATA = Path(__file__).parent / "data" / "zendesk"
EXPORT = DATA / "help-center"
Tree = Callable[[dict[str, str]], Path]


def read_export(path: Path = EXPORT) -> ContentBatch:
    return read(path, default_locale="en", channels=("web", "chatbot", "operator", "ivr"))


def units_of(batch: ContentBatch) -> dict[tuple[str, str], UnitDocument]:
    return {item.document.key: item.document for item in batch.units}


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InvalidContent) as caught:
        read_export(path)
    return [str(problem) for problem in caught.value.problems]


def article(article_id: int, title: str, body: str, **fields: Any) -> dict[str, Any]:
    """An article as the API lists it (the fields the importer reads, and a few it ignores)."""
    return {
        "id": article_id,
        "html_url": f"https://acme.zendesk.com/hc/en-us/articles/{article_id}",
        "title": title,
        "body": body,
        "locale": "en-us",
        "source_locale": "en-us",
        "section_id": 11,
        "label_names": [],
        "draft": False,
        "promoted": False,
        "user_segment_id": None,
        "updated_at": "2024-01-02T03:04:05Z",
        "vote_sum": 0,
        **fields,
    }


def write_page(folder: Path, name: str, key: str, items: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps({key: items, "next_page": None, "count": len(items)}), "utf-8")
    return path


# -- real files -------------------------------------------------------------------------------


def test_the_export_gives_one_unit_per_article_and_locale_with_translations_sharing_ids() -> None:
    batch = read_export()
    units = units_of(batch)

    assert Counter(locale for _id, locale in units) == {"en": 6, "ru": 5, "bg": 5}
    ru_ids = {unit_id for unit_id, locale in units if locale == "ru"}
    assert ru_ids == {unit_id for unit_id, locale in units if locale == "bg"}
    assert "izmenite-parol-v-outlook" in ru_ids
    pair = units["izmenite-parol-v-outlook", "ru"], units["izmenite-parol-v-outlook", "bg"]
    assert pair[0].source.id == pair[1].source.id == "360020000"  # type: ignore[union-attr]
    assert pair[1].source.url == "https://support.example-telecom.com/hc/bg/articles/360020000"  # type: ignore[union-attr]
    assert pair[1].title != pair[0].title and pair[1].category == pair[0].category


def test_sections_become_categories_qualified_where_two_share_a_name() -> None:
    units = units_of(read_export())

    assert {unit.category for unit in units.values()} == {
        "vaccine-safety",
        "getting-vaccinated",
        "covid-19-vaccines-general",
        "outlook-i-exchange",
        "excel",
        "microsoft-365-general",
    }


def test_labels_are_slug_tags_promoted_is_a_tag_and_drafts_and_segments_are_kept() -> None:
    batch = read_export()
    units = units_of(batch)

    safe = units["are-covid-19-vaccines-safe", "en"]
    assert safe.tags == ("safety", "mrna", "promoted")
    assert units["how-do-i-get-a-vaccine", "en"].tags == ("appointments", "walk-in")
    assert [key for key, unit in units.items() if unit.draft] == [("how-do-i-get-a-vaccine", "en")]
    internal = [unit.id for unit in units.values() if unit.audience == "internal"]
    assert internal == [
        "should-i-still-get-tested-wear-a-mask-and-avoid-indoor-gatherings-and-breakrooms-if-"
        "i-ve-been-fully-vaccinated"
    ]
    assert any("user segment" in str(w) for w in batch.warnings)
    assert safe.source == UnitSource(
        "zendesk",
        "360010003",
        "https://support.example-telecom.com/hc/en-us/articles/360010003",
        "2021-06-02T10:15:00Z",
    )


def test_html_bodies_become_markdown_and_article_links_unit_links() -> None:
    units = units_of(read_export())

    mrna = units["are-mrna-vaccines-safe", "en"].body
    assert mrna.endswith("See also: [Are COVID-19 vaccines safe?](unit:are-covid-19-vaccines-safe)")
    outlook = units["izmenite-parol-v-outlook", "ru"].body
    assert "1. Выберите имя или фотографию профиля" in outlook
    assert "[сброса пароля учетной записи Майкрософт.](https://go.microsoft.com/" in outlook
    assert "<p>" not in outlook and "<a " not in outlook


def test_a_translation_is_checked_like_an_article_and_named_with_its_article(
    tmp_path: Path,
) -> None:
    translation = {"id": 91, "source_id": 7, "source_type": "Article", "locale": "de", "title": "T"}
    write_page(tmp_path, "articles.json", "articles", [article(7, "Fees", "<p>None.</p>")])
    page = write_page(tmp_path, "translations.json", "translations", [translation])

    assert looks_like(page)
    assert problems_of(tmp_path) == [f"{page}: translation 1 (id 91) of article 7: has no body"]


def test_importing_the_export_twice_changes_nothing_the_second_time(kb: KnowledgeBase) -> None:
    first = kb.import_content(read_export(), author="ann")
    again = kb.import_content(read_export(), author="ann")

    assert first.units[SaveOutcome.CREATED] == 16
    assert again.units[SaveOutcome.UNCHANGED] == 16
    assert again.units[SaveOutcome.CREATED] == again.units[SaveOutcome.UPDATED] == 0
    assert kb.drafts().unit("otkaz-v-dostupe-k-saytu-onedrive", "bg").document.locale == "bg"


def test_a_retitled_article_keeps_its_unit_and_links_to_it_still_resolve(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    kb.import_content(read_export(), author="ann")
    newer = tmp_path / "export-2"
    newer_export(EXPORT, newer)

    report = kb.import_content(read_export(newer), author="ann")

    mrna = kb.drafts().unit("are-mrna-vaccines-safe", "en").document
    assert mrna.body.endswith("(unit:are-covid-19-vaccines-safe)")
    assert report.units[SaveOutcome.UPDATED] == 1


@pytest.mark.parametrize(
    ("zendesk", "ours"),
    [("en-us", "en"), ("pt-br", "pt-BR"), ("fr-fr", "fr"), ("en-gb", "en-GB"), ("ru", "ru"),
     ("es-419", "es"), ("zh_TW", "zh-TW")],
)  # fmt: skip
def test_zendesk_locales_become_ours(zendesk: str, ours: str) -> None:
    assert zendesk_locale(zendesk) == ours


def test_looks_like_a_help_center_export_but_not_other_json_or_a_content_folder(
    write_tree: Tree,
) -> None:
    other = write_tree({"news/articles.json": json.dumps({"articles": [{"headline": "x"}]})})

    assert looks_like(EXPORT) and looks_like(EXPORT / "articles-1.json")
    assert not looks_like(other / "news") and not looks_like(other / "news" / "articles.json")
    assert not looks_like(Path(__file__).parents[2] / "content")


# -- what the export says, mapped -------------------------------------------------------------


def test_equal_titles_get_numbered_ids_in_reading_order(tmp_path: Path) -> None:
    write_page(
        tmp_path,
        "articles.json",
        "articles",
        [article(1, "Reset PIN", "<p>a</p>"), article(2, "Reset PIN!", "<p>b</p>")],
    )

    units = units_of(read_export(tmp_path))

    assert {(unit.id, unit.source.id) for unit in units.values()} == {  # type: ignore[union-attr]
        ("reset-pin", "1"),
        ("reset-pin-2", "2"),
    }


def test_an_export_without_sections_gives_no_category_and_says_so(tmp_path: Path) -> None:
    write_page(tmp_path, "articles.json", "articles", [article(1, "Fees", "<p>None.</p>")])

    batch = read_export(tmp_path)

    assert batch.units[0].document.category is None
    assert ["sections are not in the export" in str(w) for w in batch.warnings] == [True]


def test_a_body_with_nothing_safe_left_links_to_the_article_and_warns(tmp_path: Path) -> None:
    body = "<iframe src='https://video.example/1'></iframe><script>x()</script>"
    write_page(tmp_path, "articles.json", "articles", [article(7, "Video guide", body)])

    batch = read_export(tmp_path)

    assert batch.units[0].document.body == (
        "[Read this article in the help center](https://acme.zendesk.com/hc/en-us/articles/7)"
    )
    assert any("no text of its own" in str(w) for w in batch.warnings)


def test_side_loads_and_embedded_translations_in_one_page_are_read(tmp_path: Path) -> None:
    german = {"id": 90, "locale": "de", "title": "Gebühren", "body": "<p>Keine.</p>"}
    same = {"id": 91, "locale": "en-us", "title": "Fees", "body": "<p>None.</p>"}
    page = {
        "articles": [article(7, "Fees", "<p>None.</p>", translations=[same, german])],
        "sections": [{"id": 11, "category_id": 5, "name": "Billing & Fees", "locale": "en-us"}],
        "categories": [{"id": 5, "name": "Accounts", "locale": "en-us"}],
        "next_page": None,
    }
    (tmp_path / "articles.json").write_text(json.dumps(page), encoding="utf-8")

    units = units_of(read_export(tmp_path / "articles.json"))

    assert sorted(units) == [("fees", "de"), ("fees", "en")]
    assert units["fees", "de"].title == "Gebühren"
    assert units["fees", "de"].category == "billing-fees"
    assert units["fees", "de"].source == UnitSource(
        "zendesk", "7", "https://acme.zendesk.com/hc/en-us/articles/7", "2024-01-02T03:04:05Z"
    )


def test_a_single_article_response_and_a_bare_list_are_read(tmp_path: Path) -> None:
    one = {"article": article(1, "Fees", "<p>None.</p>")}
    (tmp_path / "one.json").write_text(json.dumps(one), encoding="utf-8")
    (tmp_path / "list.json").write_text(json.dumps([article(2, "Roaming", "<p>On.</p>")]))

    units = units_of(read_export(tmp_path))

    assert sorted(units) == [("fees", "en"), ("roaming", "en")]


def test_progress_is_told_once_per_unit(tmp_path: Path) -> None:
    told: list[int] = []

    batch = read(EXPORT, default_locale="en", channels=("web",), progress=told.append)

    assert told == [1] * len(batch.units) == [1] * 16


# -- hostile input ----------------------------------------------------------------------------


def test_broken_json_and_bad_articles_are_all_named_at_once(tmp_path: Path) -> None:
    (tmp_path / "articles-1.json").write_text('{"articles": [\n  {"id": 1,\n  "title": }\n]}')
    bad = [
        article(2, "Fine", "<p>ok</p>"),
        {k: v for k, v in article(3, "No body", "").items() if k != "body"},
        article(4, "  ", "<p>x</p>"),
        {k: v for k, v in article(5, "No id", "<p>x</p>").items() if k != "id"},
    ]
    write_page(tmp_path, "articles-2.json", "articles", bad)
    (tmp_path / "sections.json").write_text('{"whatever": []}')

    assert problems_of(tmp_path) == [
        f"{tmp_path / 'articles-1.json'}:3: not valid JSON: Expecting value (column 12)",
        f"{tmp_path / 'sections.json'}: not a Zendesk Help Center page: it has none of articles, "
        "article, translations, sections, categories",
        f"{tmp_path / 'articles-2.json'}: article 2 (id 3): has no body",
        f"{tmp_path / 'articles-2.json'}: article 3 (id 4): has no title",
        f"{tmp_path / 'articles-2.json'}: article 4: has no id",
    ]


def test_the_same_article_twice_with_different_text_is_a_problem(tmp_path: Path) -> None:
    write_page(tmp_path, "a.json", "articles", [article(1, "Fees", "<p>None.</p>")])
    write_page(tmp_path, "b.json", "articles", [article(1, "Fees", "<p>Some.</p>")])
    write_page(tmp_path, "c.json", "articles", [article(1, "Fees", "<p>None.</p>")])

    (problem,) = problems_of(tmp_path)

    assert problem == (
        f"{tmp_path / 'b.json'}: article 1 (id 1): article 1 (en) again, with another title or "
        f"body than article 1 (id 1) of {tmp_path / 'a.json'}"
    )


def test_scripts_handlers_and_script_links_never_reach_the_stored_unit(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    body = (
        "<p onclick='steal()'>Call us.<script>steal()</script></p>"
        "<a href='javascript:steal()'>here</a>"
        "<img src='http://t.example/x.gif' onerror='steal()' alt='Logo'>"
        "<style>p{}</style><iframe src='https://evil.example'></iframe>"
    )
    write_page(tmp_path, "articles.json", "articles", [article(1, "Contact", body)])

    kb.import_content(read_export(tmp_path), author="ann")

    stored = kb.drafts().unit("contact", "en").document.body
    assert stored == "Call us.\n\nhereLogo"
    for word in ("steal", "script", "onclick", "onerror", "iframe", "evil"):
        assert word not in stored


def test_a_ten_megabyte_body_is_refused_unread_naming_the_article(tmp_path: Path) -> None:
    huge = "<p>" + "All work and no play. " * 460_000 + "</p>"
    items = [article(1, "Fine", "<p>ok</p>"), article(2, "Huge", huge)]
    page = write_page(tmp_path, "articles.json", "articles", items)
    assert page.stat().st_size > 10_000_000

    (problem,) = problems_of(tmp_path)

    assert problem.startswith(f"{page}: article 2 (id 2): the HTML body is 10,")


def test_json_nested_beyond_reason_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "articles.json").write_text('{"articles": ' + "[" * 100_000 + "]" * 100_000 + "}")

    assert problems_of(tmp_path) == [
        f"{tmp_path / 'articles.json'}: not readable JSON: nested too deep"
    ]


def test_a_folder_without_json_and_an_export_without_articles_are_problems(
    tmp_path: Path,
) -> None:
    (tmp_path / "empty").mkdir()
    write_page(tmp_path / "only-sections", "sections.json", "sections", [{"id": 1, "name": "A"}])

    assert problems_of(tmp_path / "empty") == [
        f"{tmp_path / 'empty'}: no .json files: a Zendesk export is JSON pages"
    ]
    assert problems_of(tmp_path / "only-sections") == [
        f"{tmp_path / 'only-sections'}: the export has no articles"
    ]


# -- the command line -------------------------------------------------------------------------


def kb_run(env: dict[str, str], *args: str) -> dict[str, Any]:
    """`kb ARGS... --json` against the test database, its output as JSON."""
    result = CliRunner().invoke(app, [*args, "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def newer_export(source: Path, target: Path) -> None:
    """`source` again with one article retitled and rewritten, as a later export has it."""
    shutil.copytree(source, target)
    page = target / "articles-1.json"
    data = json.loads(page.read_text(encoding="utf-8"))
    changed = copy.deepcopy(data)
    first = changed["articles"][0]
    assert first["id"] == 360010003
    first["title"] = "Is the COVID-19 vaccine safe?"
    first["body"] = "<p>Yes: it passed the same safety reviews as every vaccine.</p>"
    first["updated_at"] = "2021-07-01T08:00:00Z"
    page.write_text(json.dumps(changed), encoding="utf-8")


@pytest.mark.skipif(
    "zendesk" not in importers.FORMATS, reason="the importer registry does not name zendesk yet"
)
def test_kb_import_twice_then_a_newer_export_updates_the_same_unit_and_drafts_stay_out(
    env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    first = kb_run(env, "import", str(EXPORT), "--from", "zendesk")
    second = kb_run(env, "import", str(EXPORT))  # the format guessed from the pages
    newer = tmp_path / "export-2"
    newer_export(EXPORT, newer)
    third = kb_run(env, "import", str(newer), "--from", "zendesk")
    kb_run(env, "publish", "-m", "help center")

    assert first["units"] == {"created": 16, "updated": 0, "unchanged": 0}
    assert second["units"] == {"created": 0, "updated": 0, "unchanged": 16}
    assert third["units"] == {"created": 0, "updated": 1, "unchanged": 15}
    with KnowledgeBase.open(settings) as kb:
        unit = kb.drafts().unit("are-covid-19-vaccines-safe", "en").document
        assert unit.title == "Is the COVID-19 vaccine safe?"
        assert unit.body == "Yes: it passed the same safety reviews as every vaccine."
        assert unit.source == UnitSource(
            "zendesk",
            "360010003",
            "https://support.example-telecom.com/hc/en-us/articles/360010003",
            "2021-07-01T08:00:00Z",
        )
        assert len(kb.history("are-covid-19-vaccines-safe", "en")) == 2
        assert not any(u.document.id.startswith("is-the-covid") for u in kb.drafts().iter_units())
        released = {u.document.key for u in kb.snapshot().iter_units()}
        assert ("how-do-i-get-a-vaccine", "en") not in released
        assert len(released) == 15


@pytest.mark.skipif(
    "zendesk" not in importers.FORMATS, reason="the importer registry does not name zendesk yet"
)
def test_kb_import_prune_archives_only_what_the_newer_export_lacks(
    env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    kb_run(env, "import", str(SAMPLE_CONTENT))
    kb_run(env, "import", str(EXPORT), "--from", "zendesk")
    newer = tmp_path / "export-2"
    shutil.copytree(EXPORT, newer)
    page = newer / "articles-2.json"
    data = json.loads(page.read_text(encoding="utf-8"))
    gone = data["articles"].pop()
    page.write_text(json.dumps(data), encoding="utf-8")
    translations = json.loads((newer / "translations-bg.json").read_text(encoding="utf-8"))
    dropped = translations["translations"].pop(0)
    (newer / "translations-bg.json").write_text(json.dumps(translations), encoding="utf-8")

    report = kb_run(env, "import", str(newer), "--from", "zendesk", "--prune")

    assert (gone["id"], dropped["source_id"]) == (360010060, 360020000)
    pruned_units = [item for item in report["pruned"] if item["kind"] == "unit"]
    assert sorted((item["id"], item["locale"]) for item in pruned_units) == [
        ("izmenite-parol-v-outlook", "bg"),
        (
            "should-i-still-get-tested-wear-a-mask-and-avoid-indoor-gatherings-and-breakrooms-if-"
            "i-ve-been-fully-vaccinated",
            "en",
        ),
    ]
    with KnowledgeBase.open(settings) as kb:
        live = {u.document.key for u in kb.drafts().iter_units()}
        assert ("izmenite-parol-v-outlook", "ru") in live
        assert ("izmenite-parol-v-outlook", "bg") not in live
        assert ("check-balance", "en") in live  # the hand-written sample content stays


def test_a_zendesk_prune_leaves_the_hand_written_snippets_alone(kb: KnowledgeBase) -> None:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="ann")
    before = set(kb.drafts().snippets_for("en"))
    batch = read_export()
    batch.silo = "zendesk"  # as importers.read_path marks a silo's batch

    report = kb.import_content(batch, author="ann", options=ImportOptions(prune=True))

    assert before and report.missing_snippets == []
    assert set(kb.drafts().snippets_for("en")) == before
