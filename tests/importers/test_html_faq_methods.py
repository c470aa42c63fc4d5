"""The HTML FAQ importer's methods on pages written here: JSON-LD, microdata, details and question
headings in that order; ids, locales and guessing; hostile pages refused or cleaned, never
half-imported."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from importers.html_faq import (
    MAX_PAGE_BYTES,
    MAX_PAGE_TAGS,
    looks_like,
    page_locale,
    read,
)
from importers.ids import slugify
from kb import ContentBatch, InvalidContent, KnowledgeBase
from kb.content.document import UnitDocument, UnitSource

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
        "<h2>Prices</h2><p>Not a question.</p><h3>What we charge</h3><p>Little.</p>"
        "<h3>Какво струва роуминг в ЕС?</h3><p>Нищо.</p>"
        "<h2>More</h2><dl><dt>Can I use data abroad?</dt><dd>Yes.</dd>"
        "<dt>Glossary</dt><dd>Words.</dd></dl>"
    )
    units = units_of(read_page(tmp_path, page(body)))

    assert sorted(u.title for u in units.values()) == [
        "Can I use data abroad?",
        "How do I turn roaming on?",
        "Какво струва роуминг в ЕС?",
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
    assert len(slugify("word " * 100, limit=80)) <= 80
    assert not slugify("word " * 100, limit=80).endswith("-")


def test_looks_like_html_pages_but_not_a_content_folder(write_tree: Tree) -> None:
    pages = write_tree({"faq.html": page("")})
    content = write_tree({"faq.html": page(""), "a.md": "---\n"})
    assert looks_like(pages) and looks_like(pages / "faq.html")
    assert not looks_like(content) and not looks_like(content / "a.md")


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


def test_a_ten_megabyte_page_is_refused_unread_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    filler = "<p>" + "x" * 1000 + "</p>"
    path.write_text(page("<details><summary>Why?</summary>Because.</details>" + filler * 10_000))
    assert path.stat().st_size > MAX_PAGE_BYTES

    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}: the page is 10,") and "not read" in problem


def test_a_page_of_too_many_tags_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "nested.html"
    path.write_text(page("<div>" * (MAX_PAGE_TAGS + 1)))

    (problem,) = problems_of(path)
    assert problem == f"{path}: the page has 100,008 tags; pages with over 100,000 are not read"


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


def test_permalink_anchors_of_generated_docs_are_left_out(tmp_path: Path) -> None:
    body = (
        '<h2>How do I start?<a class="headerlink" href="#start">¶</a></h2><p>Run it.</p>'
        '<h3>On Windows<a class="headerlink" href="#win">¶</a></h3><p>Double-click.</p>'
    )
    (unit,) = units_of(read_page(tmp_path, page(body))).values()
    assert unit.title == "How do I start?"
    assert unit.body == "Run it.\n\n### On Windows\n\nDouble-click."
