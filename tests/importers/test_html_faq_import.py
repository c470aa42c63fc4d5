"""The HTML FAQ importer: real FAQ pages give their pairs; JSON-LD, microdata, details and question
headings in that order; hostile pages are refused or cleaned, never half-imported."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import importers
from cli.main import app
from importers.html_faq import MAX_PAGE_BYTES, looks_like, page_locale, read, slugify
from kb import ContentBatch, InvalidContent, KnowledgeBase, Settings
from kb.content.document import UnitDocument, UnitSource
from kb.store.revisions import SaveOutcome

DATA = Path(__file__).parent / "data" / "html"
Tree = Callable[[dict[str, str]], Path]


def units_of(batch: ContentBatch) -> dict[str, UnitDocument]:
    return {item.document.id: item.document for item in batch.units}


def ld_script(data: object) -> str:
    """A JSON-LD block as pages write it: `</` escaped, so no `</script>` in a string ends it."""
    text = json.dumps(data).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def page(body: str, *, head: str = "", lang: str = "en") -> str:
    return f"<!doctype html><html lang={lang}><head>{head}</head><body>{body}</body></html>"


def read_page(tmp_path: Path, html: str, *, name: str = "faq.html") -> ContentBatch:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return read(path, default_locale="en")


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InvalidContent) as caught:
        read(path, default_locale="en")
    return [str(p) for p in caught.value.problems]


# -- real pages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "count", "locale", "unit_id", "anchor", "category", "answer_starts"),
    [
        (
            "apache-httpd-ssl-faq.en.html",
            37,
            "en",
            "which-port-does-https-use",
            "ports",
            "configuration",
            "You can run HTTPS on any port, but the standards specify port 443",
        ),
        (
            "apache-httpd-ssl-faq.fr.html",
            37,
            "fr",
            "quel-port-https-utilise-t-il",
            "ports",
            "configuration",
            "Vous pouvez associer le protocole HTTPS à n'importe quel port",
        ),
        (
            "schemaorg-faq.html",
            20,
            "en",
            "what-is-the-purpose-of-schema-org",
            "0",
            "about-schema-org",
            "Schema.org is a joint effort",
        ),
        (
            "bitcoin-org-faq.ru.html",
            46,
            "ru",
            "chto-takoe-bitcoin",
            "what-is-bitcoin",
            "general",
            "Bitcoin - это сеть синхронизации",
        ),
        (
            "bitcoin-org-faq.bg.html",
            46,
            "bg",
            "kakvo-e-bitkoyn",
            "what-is-bitcoin",
            "general",
            "Биткойн е консенсусна мрежа",
        ),
    ],
)
def test_each_real_page_gives_every_question_with_its_answer(
    name: str,
    count: int,
    locale: str,
    unit_id: str,
    anchor: str,
    category: str,
    answer_starts: str,
) -> None:
    batch = read(DATA / name, default_locale="en")

    units = units_of(batch)
    assert len(batch.units) == len(units) == count
    assert {u.locale for u in units.values()} == {locale}
    unit = units[unit_id]
    assert unit.questions == (unit.title,)
    assert unit.source == UnitSource("html", f"{name}#{anchor}", None, None)
    assert unit.category == category
    assert unit.body.startswith(answer_starts), unit.body[:200]
    assert not batch.warnings


def test_question_labels_and_permalink_marks_are_not_part_of_the_question() -> None:
    schema = units_of(read(DATA / "schemaorg-faq.html", default_locale="en"))
    apache = units_of(read(DATA / "apache-httpd-ssl-faq.en.html", default_locale="en"))

    assert schema["what-is-the-purpose-of-schema-org"].title == (
        "What is the purpose of schema.org?"
    )
    assert apache["which-port-does-https-use"].title == "Which port does HTTPS use?"
    assert not any(u.title.startswith("Q:") for u in schema.values())


def test_permalink_anchors_of_generated_docs_are_left_out(tmp_path: Path) -> None:
    body = (
        '<h2>How do I start?<a class="headerlink" href="#start">¶</a></h2><p>Run it.</p>'
        '<h3>On Windows<a class="headerlink" href="#win">¶</a></h3><p>Double-click.</p>'
    )
    (unit,) = units_of(read_page(tmp_path, page(body))).values()
    assert unit.title == "How do I start?"
    assert unit.body == "Run it.\n\n### On Windows\n\nDouble-click."


def test_the_section_heading_above_a_question_is_its_category() -> None:
    units = units_of(read(DATA / "bitcoin-org-faq.ru.html", default_locale="en"))

    assert units["pochemu-ya-dolzhen-zhdat-10-minut"].category == "tranzaktsii"
    assert units["chto-takoe-bitkoin-mayning"].category == "mayning"


def test_a_folder_of_pages_reads_every_page_in_its_locale() -> None:
    batch = read(DATA, default_locale="en")

    by_locale: dict[str, int] = {}
    for item in batch.units:
        by_locale[item.document.locale] = by_locale.get(item.document.locale, 0) + 1
    assert by_locale == {"en": 57, "fr": 37, "ru": 46, "bg": 46}
    assert len({item.document.source for item in batch.units}) == len(batch.units)


def test_importing_the_real_pages_twice_changes_nothing_the_second_time(kb: KnowledgeBase) -> None:
    first = kb.import_content(read(DATA, default_locale="en"), author="ann")
    again = kb.import_content(read(DATA, default_locale="en"), author="ann")

    assert first.units[SaveOutcome.CREATED] == 186
    assert again.units[SaveOutcome.UNCHANGED] == 186
    assert again.units[SaveOutcome.CREATED] == again.units[SaveOutcome.UPDATED] == 0


def test_an_edited_answer_updates_its_unit_in_place(kb: KnowledgeBase, tmp_path: Path) -> None:
    original = (DATA / "bitcoin-org-faq.ru.html").read_text(encoding="utf-8")
    path = tmp_path / "bitcoin-org-faq.ru.html"
    path.write_text(original, encoding="utf-8")
    kb.import_content(read(path, default_locale="en"), author="ann")
    old = "Bitcoin - это сеть синхронизации"
    assert original.count(old) == 1
    path.write_text(original.replace(old, "Bitcoin - это платёжная сеть"), encoding="utf-8")

    report = kb.import_content(read(path, default_locale="en"), author="ann")

    assert report.units[SaveOutcome.UPDATED] == 1 and report.units[SaveOutcome.CREATED] == 0
    unit = kb.drafts().unit("chto-takoe-bitcoin", "ru").document
    assert unit.body.startswith("Bitcoin - это платёжная сеть")
    assert len(kb.history("chto-takoe-bitcoin", "ru")) == 2


# -- the methods and their order --------------------------------------------------------------

FAQ_LD = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebPage", "@id": "https://shop.example/faq", "dateModified": "2024-05-01"},
        {
            "@type": "FAQPage",
            "mainEntity": [
                {
                    "@type": "Question",
                    "@id": "https://shop.example/faq#refunds",
                    "name": "How long do refunds take?",
                    "acceptedAnswer": {
                        "@type": "Answer",
                        "text": "<p>Refunds take <b>14 days</b>.</p><script>steal()</script>",
                    },
                },
                {
                    "@type": "Question",
                    "name": "Do you ship abroad?",
                    "acceptedAnswer": [{"@type": "Answer", "text": "Yes, to 30 countries."}],
                },
            ],
        },
    ],
}
DETAILS = (
    "<h2>Shipping</h2>"
    "<details id='abroad'><summary>Do you ship abroad?</summary><p>Only in the EU.</p></details>"
    "<details><summary>Can I pick up my order?</summary><p>Yes, in Sofia.</p></details>"
)


def test_json_ld_wins_over_details_on_the_same_page(tmp_path: Path) -> None:
    head = '<link rel="canonical" href="https://shop.example/faq">' + ld_script(FAQ_LD)
    batch = read_page(tmp_path, page("<h1>Help</h1>" + DETAILS, head=head, lang="en-US"))

    units = units_of(batch)
    assert sorted(units) == ["do-you-ship-abroad", "how-long-do-refunds-take"]
    refunds = units["how-long-do-refunds-take"]
    assert refunds.locale == "en"
    assert refunds.body == "Refunds take **14 days**."
    assert refunds.source == UnitSource(
        "html", "faq.html#refunds", "https://shop.example/faq#refunds", "2024-05-01"
    )
    assert refunds.category == "help"
    assert units["do-you-ship-abroad"].body == "Yes, to 30 countries."


def test_one_main_entity_and_a_list_of_top_level_nodes_are_read(tmp_path: Path) -> None:
    ld = [
        {"@type": "Organization", "name": "Shop"},
        {
            "@type": ["FAQPage", "WebPage"],
            "mainEntity": {"name": "Is it free?", "acceptedAnswer": {"text": "Yes."}},
        },
    ]
    head = f'<script type="application/ld+json">\n<!--\n{json.dumps(ld)}\n-->\n</script>'
    (unit,) = units_of(read_page(tmp_path, page("", head=head))).values()
    assert (unit.title, unit.body, unit.source) == (
        "Is it free?",
        "Yes.",
        UnitSource("html", "faq.html#is-it-free"),
    )


def test_malformed_json_ld_is_reported_by_block_and_line_and_the_next_method_used(
    tmp_path: Path,
) -> None:
    head = (
        '<script type="application/ld+json">{"@type": "WebSite"}</script>\n'
        '<script type="application/ld+json">{"@type": "FAQPage", "mainEntity": [}</script>'
    )
    batch = read_page(tmp_path, page(DETAILS, head=head))

    assert sorted(units_of(batch)) == ["can-i-pick-up-my-order", "do-you-ship-abroad"]
    (warning,) = batch.warnings
    assert warning.source == str(tmp_path / "faq.html") and warning.line == 2
    assert "JSON-LD script block 2 is not valid JSON" in warning.message


def test_a_plain_text_json_ld_answer_keeps_its_paragraphs(tmp_path: Path) -> None:
    ld = {
        "@type": "FAQPage",
        "mainEntity": {
            "name": "Any fees?",
            "acceptedAnswer": {"text": "None <at all> & no catch.\n\nAsk us."},
        },
    }
    (unit,) = units_of(read_page(tmp_path, page("", head=ld_script(ld)))).values()
    assert unit.body == "None \\<at all> & no catch.\n\nAsk us."


def test_json_ld_nested_beyond_reason_is_reported_not_a_crash(tmp_path: Path) -> None:
    head = '<script type="application/ld+json">' + "[" * 100_000 + "</script>"
    batch = read_page(tmp_path, page(DETAILS, head=head))
    assert len(batch.units) == 2
    assert ["nests too deeply" in w.message for w in batch.warnings] == [True]


def test_microdata_is_read_when_there_is_no_json_ld(tmp_path: Path) -> None:
    body = (
        '<div itemscope itemtype="http://schema.org/FAQPage">'
        '<section itemscope itemprop="mainEntity" itemtype="http://schema.org/Question" id="q1">'
        '<meta itemprop="name" content="Where is my order?">'
        '<div itemscope itemprop="acceptedAnswer" itemtype="http://schema.org/Answer">'
        '<div itemprop="text"><p>See <a href="https://shop.example/track">tracking</a>.</p>'
        "</div></div></section></div>" + DETAILS
    )
    (unit,) = units_of(read_page(tmp_path, page(body))).values()
    assert unit.title == "Where is my order?"
    assert unit.body == "See [tracking](https://shop.example/track)."
    assert unit.source == UnitSource("html", "faq.html#q1")


def test_details_inside_a_group_take_the_group_summary_as_category(tmp_path: Path) -> None:
    body = (
        "<details><summary>Payments</summary>"
        "<details><summary>Can I pay by card?</summary>Yes.</details>"
        "<details><summary>Refund policy</summary>Within 30 days.</details>"
        "</details>"
    )
    units = units_of(read_page(tmp_path, page(body)))
    assert {u.title: u.category for u in units.values()} == {
        "Can I pay by card?": "payments",
        "Refund policy": "payments",
    }


def test_a_heading_question_is_answered_up_to_the_next_heading_of_its_level(
    tmp_path: Path,
) -> None:
    body = (
        "<h1>Roaming</h1><p>Intro.</p>"
        "<h2>How do I turn roaming on?</h2><p>Open Settings.</p><h3>On Android</h3><p>Tap it.</p>"
        "<h2>Prices</h2><p>Not a question.</p>"
        "<h3>Какво струва роуминг в ЕС</h3><p>Нищо.</p>"
        "<h2>More</h2><dl><dt>Can I use data abroad?</dt><dd>Yes.</dd>"
        "<dt>Glossary</dt><dd>Words.</dd></dl>"
    )
    units = units_of(read_page(tmp_path, page(body)))

    assert sorted(u.title for u in units.values()) == [
        "Can I use data abroad?",
        "How do I turn roaming on?",
        "Какво струва роуминг в ЕС",
    ]
    on = units["how-do-i-turn-roaming-on"]
    assert on.body == "Open Settings.\n\n### On Android\n\nTap it." and on.category == "roaming"
    assert units["kakvo-struva-rouming-v-es"].category == "prices"


def test_the_same_question_twice_gets_numbered_ids_and_distinct_sources(tmp_path: Path) -> None:
    body = "".join(
        f"<details><summary>How do I pay?</summary>Way {n}.</details>" for n in (1, 2, 3)
    )
    batch = read_page(tmp_path, page(body))

    assert [i.document.id for i in batch.units] == [
        "how-do-i-pay",
        "how-do-i-pay-2",
        "how-do-i-pay-3",
    ]
    assert len({i.document.source for i in batch.units}) == 3


def test_a_question_without_an_answer_is_a_warning_not_a_unit(tmp_path: Path) -> None:
    body = (
        "<details><summary>Is it free?</summary>Yes.</details>"
        "<details><summary>Why?</summary><script>x()</script></details>"
    )
    batch = read_page(tmp_path, page(body))
    assert list(units_of(batch)) == ["is-it-free"]
    assert ["has no answer text" in w.message for w in batch.warnings] == [True]


# -- locale, ids, guessing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "default", "expected"),
    [
        ("en-US", "en", "en"),
        ("ru-RU", "en", "ru"),
        ("bg", "en", "bg"),
        ("pt", "pt-BR", "pt-BR"),
        ("", "ru", "ru"),
        ("x-klingon", "en", "en"),
        ("EN_gb", "en", "en"),
    ],
)
def test_a_page_language_becomes_one_of_our_locales(lang: str, default: str, expected: str) -> None:
    assert page_locale(lang, default) == expected


def test_ids_are_ascii_slugs_of_questions_in_any_script() -> None:
    assert slugify("Как оплатить счёт?", locale="ru") == "kak-oplatit-schet"
    assert slugify("Защо щях да платя?", locale="bg") == "zashto-shtyah-da-platya"
    assert slugify("Où est ma commande ?") == "ou-est-ma-commande"
    assert len(slugify("word " * 100)) <= 80 and not slugify("word " * 100).endswith("-")


def test_looks_like_html_pages_but_not_a_content_folder(write_tree: Tree) -> None:
    pages = write_tree({"faq.html": page("")})
    content = write_tree({"faq.html": page(""), "a.md": "---\n"})
    assert looks_like(pages) and looks_like(pages / "faq.html")
    assert not looks_like(content) and not looks_like(DATA / "README.md")


# -- hostile and broken input -----------------------------------------------------------------


def test_scripts_and_handlers_in_an_answer_never_reach_the_stored_unit(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    body = (
        "<details><summary>Is it safe?</summary>"
        '<p onclick="steal()">Yes.<script>document.location="https://evil.example"</script></p>'
        '<a href="javascript:steal()">More</a><iframe src="https://evil.example"></iframe>'
        "</details>"
    )
    kb.import_content(read_page(tmp_path, page(body)), author="ann")

    stored = kb.drafts().unit("is-it-safe", "en").document.body
    assert "Yes." in stored and "More" in stored
    for bad in ("script", "steal", "evil", "onclick", "javascript", "iframe"):
        assert bad not in stored


def test_a_ten_megabyte_page_is_refused_quickly_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    filler = "<p>" + "x" * 1000 + "</p>"
    path.write_text(page("<details><summary>Why?</summary>Because.</details>" + filler * 10_000))
    assert path.stat().st_size > MAX_PAGE_BYTES

    started = time.perf_counter()
    (problem,) = problems_of(path)
    assert time.perf_counter() - started < 1
    assert problem.startswith(f"{path}: the page is 10,") and "not read" in problem


def test_broken_html_is_read_as_far_as_it_makes_sense(tmp_path: Path) -> None:
    body = (
        "<div><details><summary>Unclosed <b>question?</summary><p>An answer <i>with"
        "<details><summary>Second?</summary>Two</details>"
    )
    units = units_of(read_page(tmp_path, page(body)))
    assert "unclosed-question" in units and units["unclosed-question"].body.startswith("An answer")


def test_very_deep_nesting_is_read_without_a_crash(tmp_path: Path) -> None:
    body = "<div>" * 20_000 + "<details><summary>Deep?</summary>Yes.</details>" + "</div>" * 20_000
    assert list(units_of(read_page(tmp_path, page(body)))) == ["deep"]


def test_a_page_in_a_legacy_encoding_is_decoded_by_its_meta_charset(tmp_path: Path) -> None:
    html = page(
        "<details><summary>Où est ma commande ?</summary>Déjà envoyée.</details>",
        head='<meta charset="iso-8859-1">',
        lang="fr",
    )
    path = tmp_path / "faq.html"
    path.write_bytes(html.encode("iso-8859-1"))
    (unit,) = read(path, default_locale="en").units
    assert (unit.document.title, unit.document.body) == ("Où est ma commande ?", "Déjà envoyée.")


def test_no_faq_on_any_page_is_a_problem_naming_each_page(write_tree: Tree) -> None:
    root = write_tree({"a.html": page("<p>Hello.</p>"), "b/c.htm": page("<h2>About us</h2>")})
    assert problems_of(root) == [
        f"{root / 'a.html'}: no FAQ found on this page",
        f"{root / 'b' / 'c.htm'}: no FAQ found on this page",
    ]


def test_a_page_without_faq_among_others_is_a_warning(write_tree: Tree) -> None:
    root = write_tree({"faq.html": page(DETAILS), "about.html": page("<p>About us.</p>")})
    batch = read(root, default_locale="en")
    assert len(batch.units) == 2
    assert [str(w) for w in batch.warnings] == [f"{root / 'about.html'}: no FAQ found on this page"]


def test_a_folder_without_pages_is_a_problem(write_tree: Tree) -> None:
    root = write_tree({"notes.txt": "hi"})
    assert problems_of(root) == [f"{root}: no .html or .htm pages found"]


# -- the command line -------------------------------------------------------------------------


def kb_import(env: dict[str, str], *args: str) -> dict[str, Any]:
    """`kb import ARGS... --json` against the test database, its report as JSON."""
    result = CliRunner().invoke(
        app, ["import", *args, "--json"], env=env, catch_exceptions=False, prog_name="kb"
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.skipif(
    "html" not in importers.FORMATS, reason="the importer registry does not name html_faq yet"
)
def test_kb_import_from_html_twice_changes_nothing_and_an_edited_answer_updates_its_unit(
    env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    for name in ("schemaorg-faq.html", "bitcoin-org-faq.bg.html"):
        shutil.copy(DATA / name, site / name)

    first = kb_import(env, str(site), "--from", "html")
    second = kb_import(env, str(site), "--from", "html")
    page_bg = site / "bitcoin-org-faq.bg.html"
    text = page_bg.read_text(encoding="utf-8")
    old = "Биткойн е консенсусна мрежа"
    assert text.count(old) == 1
    page_bg.write_text(text.replace(old, "Биткойн е платежна мрежа"), encoding="utf-8")
    third = kb_import(env, str(site))  # the format guessed from the folder's pages

    assert first["units"] == {"created": 66, "updated": 0, "unchanged": 0}
    assert second["units"] == {"created": 0, "updated": 0, "unchanged": 66}
    assert third["units"] == {"created": 0, "updated": 1, "unchanged": 65}
    assert first["warnings"] == second["warnings"] == third["warnings"] == []
    with KnowledgeBase.open(settings) as kb:
        unit = kb.drafts().unit("kakvo-e-bitkoyn", "bg").document
        assert unit.body.startswith("Биткойн е платежна мрежа")
        assert unit.source == UnitSource("html", "bitcoin-org-faq.bg.html#what-is-bitcoin")
        assert len(kb.history("kakvo-e-bitkoyn", "bg")) == 2
