"""Both search engines on real indexes: analyzers, typos, prefixes, filters, internal text.

Indexes are built in tmp folders from hand-made units and from the sample content (through
`indexed_units`, as the service does). Every engine-level test runs once per engine (the
`engine` fixture), so Whoosh and tantivy cannot drift apart; the few about Whoosh's own files
and scores say so.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.collectors import TopCollector
from whoosh.query import And, Or, Term

from importers import read_folder
from kb import ConfigError, Snapshot, StoredUnit
from kb.content.markdown import body_text, parse_body
from kb.search import (
    IndexedUnit,
    SearchEngine,
    SearchIndex,
    SearchQuery,
    SearchResults,
    get_engine,
    indexed_units,
)
from kb.search.analysis import bulgarian_stem, language_for, surface_words, word_counts
from kb.search.text import BOOSTS, PUBLIC_FIELDS, TermCounter
from kb.search.whoosh_engine import _add_units, _schema
from kb.settings import DEFAULT_CHANNELS
from tests.conftest import SAMPLE_CONTENT, make_unit

#: Words that occur only where staff may look: an internal note, an internal unit.
NOTE_MARKER = "zebrafinch"
UNIT_MARKER = "quokkaplan"


def unit(unit_id: str, locale: str = "en", **fields: object) -> IndexedUnit:
    """A public unit enabled everywhere, with empty fields unless given."""
    values: dict[str, object] = {
        "title": f"Title of {unit_id}",
        "questions": (),
        "text": "",
        "internal_text": "",
        "tags": (),
        "category": None,
        "audience": "public",
        "channels": None,
    }
    values.update(fields)
    return IndexedUnit(unit_id=unit_id, locale=locale, **values)  # type: ignore[arg-type]


ENGINES = ("whoosh", "tantivy")


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> SearchEngine:
    """Each search engine in turn."""
    return get_engine(request.param)


def build(
    engine: SearchEngine, tmp_path: Path, units: list[IndexedUnit], name: str = "index"
) -> SearchIndex:
    """Build `units` into a fresh folder with `engine` and open it."""
    engine.build(units, tmp_path / name)
    return engine.open(tmp_path / name)


def ids(results: SearchResults) -> list[str]:
    """The unit ids of the hits, best first."""
    return [hit.unit_id for hit in results.hits]


def search(index: SearchIndex, text: str, locale: str = "en", **options: object) -> SearchResults:
    """Search with the defaults callers use (public, prefix on) unless overridden."""
    return index.search(SearchQuery(text=text, locale=locale, **options))  # type: ignore[arg-type]


# --- the sample content -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_index(
    engine: SearchEngine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SearchIndex]:
    """The sample knowledge base (en and ru) indexed as a release would be."""
    batch = read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS)
    units = {}
    for item in batch.units:
        doc = item.document
        units[doc.key] = StoredUnit(
            doc,
            1,
            len(units) + 1,
            "sample",
            datetime(2026, 11, 1, tzinfo=UTC),
            item.source or "",
            doc.content_hash,
        )
    snapshot = Snapshot(release=None, units=units, snippets={s.key: s for s in batch.snippets})
    index = build(engine, tmp_path_factory.mktemp("sample"), list(indexed_units(snapshot)))
    yield index
    index.close()


def test_english_stemming_finds_other_forms_of_a_word(sample_index: SearchIndex) -> None:
    results = search(sample_index, "charged", prefix=False)
    assert ids(results)[0] == "unexpected-charges"
    assert "<mark>charges</mark>" in results.hits[0].snippet


@pytest.mark.parametrize("word", ["баланса", "балансом", "балансе"])
def test_russian_inflected_forms_find_check_balance(sample_index: SearchIndex, word: str) -> None:
    assert ids(search(sample_index, word, "ru", prefix=False))[0] == "check-balance"


def test_russian_locative_finds_roaming_units(sample_index: SearchIndex) -> None:
    roaming = {"turn-on-roaming", "roaming-europe", "roaming-rest-of-world"}
    results = search(sample_index, "роуминге", "ru", prefix=False)
    assert ids(results)[0] in roaming
    assert roaming <= set(ids(results))


def test_locales_are_searched_apart(sample_index: SearchIndex) -> None:
    assert search(sample_index, "баланс", "en").total == 0
    assert search(sample_index, "remaining", "ru", prefix=False).total == 0
    assert search(sample_index, "remaining", "en", prefix=False).total > 0
    assert search(sample_index, "balance", "fr").hits == ()


@pytest.mark.parametrize(
    ("typed", "expected_unit", "suggestion"),
    [
        ("balanse", "check-balance", "balance"),
        ("roamng", "turn-on-roaming", "roaming"),
        ("check my balanse", "check-balance", "check my balance"),
        ("trun on roaming", "turn-on-roaming", "turn on roaming"),
    ],
)
def test_typos_find_the_unit_and_suggest_the_correction(
    sample_index: SearchIndex, typed: str, expected_unit: str, suggestion: str
) -> None:
    results = search(sample_index, typed, prefix=False)
    assert ids(results)[0] == expected_unit
    assert results.did_you_mean == suggestion


def test_correctly_spelt_query_suggests_nothing(sample_index: SearchIndex) -> None:
    assert search(sample_index, "roaming charges", prefix=False).did_you_mean is None


def test_russian_typo_is_corrected(sample_index: SearchIndex) -> None:
    results = search(sample_index, "роуменг", "ru", prefix=False)
    assert results.did_you_mean == "роуминг"
    assert ids(results)[0] == "turn-on-roaming"


@pytest.mark.parametrize(
    ("typed", "expected_unit"),
    [("bal", "check-balance"), ("top u", "top-up"), ("roam", "turn-on-roaming")],
)
def test_prefix_search_finds_the_unit_being_typed(
    sample_index: SearchIndex, typed: str, expected_unit: str
) -> None:
    results = search(sample_index, typed)
    assert ids(results)[0] == expected_unit
    assert results.did_you_mean is None


def test_without_prefix_an_unfinished_word_matches_only_itself(sample_index: SearchIndex) -> None:
    assert search(sample_index, "bal", prefix=False).total == 0
    assert search(sample_index, "bal", prefix=True).total > 0


def test_internal_sample_unit_is_for_staff_only(sample_index: SearchIndex) -> None:
    public = search(sample_index, "sim swap fraud")
    staff = search(sample_index, "sim swap fraud", staff=True)
    assert "sim-swap-fraud-procedure" not in ids(public)
    assert ids(staff)[0] == "sim-swap-fraud-procedure"


def test_results_are_identical_after_reopening(engine: SearchEngine, tmp_path: Path) -> None:
    units = [
        unit("a", title="Roaming in Europe", text="Roaming is free in Europe."),
        unit("b", title="Roaming elsewhere", text="Roaming outside Europe costs more."),
        unit("c", title="Top up", text="Top up your roaming pass."),
    ]
    engine.build(units, tmp_path / "ix")
    queries = [("roaming", {}), ("roamng europe", {}), ("to", {}), ("europe", {"staff": True})]
    first = engine.open(tmp_path / "ix")
    before = [search(first, text, **options) for text, options in queries]
    first.close()
    second = engine.open(tmp_path / "ix")
    after = [search(second, text, **options) for text, options in queries]
    second.close()
    assert before == after
    assert all(results.total for results in before)


# --- hand-made units ----------------------------------------------------------------------


@pytest.fixture
def internal_index(engine: SearchEngine, tmp_path: Path) -> Iterator[SearchIndex]:
    """A unit with a marked internal note, a marked internal unit, a unit sharing a note word."""
    index = build(
        engine,
        tmp_path,
        [
            unit("cards", title="New cards", text="We approve new cards within a day."),
            unit(
                "refund",
                title="How do I get a refund?",
                text="Refunds reach your card within five working days.",
                internal_text=f"Approve refunds over 50 pounds with code {NOTE_MARKER}.",
            ),
            unit(
                "refund-policy",
                title="Refund policy for agents",
                text=f"Refunds above the limit follow the {UNIT_MARKER} procedure.",
                audience="internal",
                channels=("operator",),
            ),
        ],
    )
    yield index
    index.close()


@pytest.mark.parametrize("prefix", [True, False])
@pytest.mark.parametrize(
    "typed",
    [
        NOTE_MARKER,
        UNIT_MARKER,
        NOTE_MARKER[:5],
        UNIT_MARKER[:4],
        NOTE_MARKER[:-1],  # a "typo" must not be corrected into an internal word
        UNIT_MARKER[:-1] + "x",
        f"refund {NOTE_MARKER}",
    ],
)
def test_internal_words_are_never_matched_for_customers(
    internal_index: SearchIndex, typed: str, prefix: bool
) -> None:
    results = search(internal_index, typed, prefix=prefix)
    assert "refund-policy" not in ids(results)
    assert all(NOTE_MARKER not in hit.snippet for hit in results.hits)
    assert NOTE_MARKER not in (results.did_you_mean or "")
    assert UNIT_MARKER not in (results.did_you_mean or "")
    if typed != f"refund {NOTE_MARKER}":
        assert results.hits == () and results.total == 0


def test_internal_note_is_never_shown_to_customers(internal_index: SearchIndex) -> None:
    # The note matches both words, the customer text only one: customers still see the text.
    results = search(internal_index, "approve refunds")
    assert ids(results)[0] == "refund"
    assert results.hits[0].snippet.startswith("<mark>Refunds</mark> reach your card")
    assert all(NOTE_MARKER not in hit.snippet for hit in results.hits)


def test_a_word_only_in_a_units_internal_note_does_not_match_it_for_customers(
    internal_index: SearchIndex,
) -> None:
    assert ids(search(internal_index, "approve")) == ["cards"]
    assert ids(search(internal_index, "appro")) == ["cards"]
    assert set(ids(search(internal_index, "approve", staff=True))) == {"cards", "refund"}


def test_staff_match_and_see_internal_notes_and_units(internal_index: SearchIndex) -> None:
    note = search(internal_index, NOTE_MARKER, staff=True)
    assert ids(note) == ["refund"]
    assert f"<mark>{NOTE_MARKER}</mark>" in note.hits[0].snippet
    both = search(internal_index, "approve refunds", staff=True)
    assert both.hits[0].snippet.startswith("<mark>Approve</mark> <mark>refunds</mark>")
    internal_unit = search(internal_index, UNIT_MARKER, staff=True)
    assert ids(internal_unit) == ["refund-policy"]
    assert set(ids(search(internal_index, "refund", staff=True))) == {"refund", "refund-policy"}


def test_staff_prefix_and_typo_reach_internal_words(internal_index: SearchIndex) -> None:
    assert ids(search(internal_index, NOTE_MARKER[:5], staff=True)) == ["refund"]
    corrected = search(internal_index, UNIT_MARKER[:-1] + "x", staff=True, prefix=False)
    assert corrected.did_you_mean == UNIT_MARKER
    assert ids(corrected) == ["refund-policy"]


def test_internal_note_written_in_markdown_stays_internal(
    engine: SearchEngine, tmp_path: Path
) -> None:
    body = f"Call us to pay.\n\n::: internal\nTell them {NOTE_MARKER}.\n:::\n"
    document = make_unit("pay-by-phone", body=body, title="Paying by phone")
    stored = StoredUnit(document, 1, 1, "t", datetime(2026, 11, 1, tzinfo=UTC), "", "h")
    snapshot = Snapshot(release=None, units={document.key: stored}, snippets={})
    index = build(engine, tmp_path, list(indexed_units(snapshot)))
    assert search(index, NOTE_MARKER).total == 0
    assert NOTE_MARKER not in search(index, "pay").hits[0].snippet
    assert ids(search(index, NOTE_MARKER, staff=True)) == ["pay-by-phone"]
    index.close()


def test_index_words_of_a_parsed_body_outlive_its_tokens() -> None:
    # `kb check` parses every unit before publishing; the index build then needs only the
    # words, remembered for more bodies than the tokens cache holds.
    body = f"Pay by card.\n\n::: internal\nCode {NOTE_MARKER}.\n:::\n"
    parsed = parse_body(body)
    assert body_text(body) == parsed.words
    parse_body.cache_clear()
    assert body_text(body) == ("Pay by card.", f"Code {NOTE_MARKER}.", ())
    assert parse_body.cache_info().misses == 0


@pytest.fixture
def router_index(engine: SearchEngine, tmp_path: Path) -> Iterator[SearchIndex]:
    """Four router units in different categories, tags and channels."""
    index = build(
        engine,
        tmp_path,
        [
            unit("home", text="Restart the router.", category="internet", tags=("wifi", "home")),
            unit("office", text="Office router setup.", category="business", tags=("wifi",)),
            unit("web-only", text="Router prices online.", category="internet", channels=("web",)),
            unit("voice", text="Router help by phone.", category="internet", channels=("ivr",)),
        ],
    )
    yield index
    index.close()


def test_category_filter_keeps_only_that_category(router_index: SearchIndex) -> None:
    assert set(ids(search(router_index, "router", category="internet"))) == {
        "home",
        "web-only",
        "voice",
    }
    assert ids(search(router_index, "router", category="business")) == ["office"]
    assert search(router_index, "router", category="nothing").total == 0


def test_tag_filter_keeps_only_tagged_units(router_index: SearchIndex) -> None:
    assert set(ids(search(router_index, "router", tag="wifi"))) == {"home", "office"}
    assert ids(search(router_index, "router", tag="home", category="internet")) == ["home"]
    assert search(router_index, "router", tag="home", category="business").total == 0


def test_channel_filter_keeps_units_enabled_for_the_channel(router_index: SearchIndex) -> None:
    assert set(ids(search(router_index, "router", channel="web"))) == {"home", "office", "web-only"}
    assert set(ids(search(router_index, "router", channel="ivr"))) == {"home", "office", "voice"}
    assert set(ids(search(router_index, "router", channel="sms"))) == {"home", "office"}
    assert len(ids(search(router_index, "router"))) == 4


def test_every_word_must_match_when_some_unit_has_them_all(router_index: SearchIndex) -> None:
    results = search(router_index, "restart router", prefix=False)
    assert (ids(results), results.total) == (["home"], 1)


def test_words_never_found_together_fall_back_to_any_word(router_index: SearchIndex) -> None:
    results = search(router_index, "restart prices", prefix=False)
    assert set(ids(results)) == {"home", "web-only"}
    assert results.total == 2


def test_title_and_question_matches_outrank_body_mentions(
    engine: SearchEngine, tmp_path: Path
) -> None:
    body = "Voicemail, voicemail, voicemail: this unit mentions voicemail often in passing. " * 3
    index = build(
        engine,
        tmp_path,
        [
            unit("body-only", title="Calls and messages", text=body),
            unit("in-title", title="Set up voicemail", text="Dial 123 and follow the prompts."),
            unit(
                "in-question",
                title="Missed calls",
                questions=("how do I set up voicemail",),
                text="Dial 123 to hear your messages.",
            ),
        ],
    )
    ranked = ids(search(index, "voicemail", prefix=False))
    assert set(ranked[:2]) == {"in-title", "in-question"}
    assert ranked[2] == "body-only"
    index.close()


def test_snippet_is_escaped_html_with_marked_matches(engine: SearchEngine, tmp_path: Path) -> None:
    text = "Filler. " * 30 + 'Then <script>alert("x")</script> router & modem. ' + "Filler. " * 30
    index = build(engine, tmp_path, [unit("xss", text=text)])
    snippet = search(index, "router").hits[0].snippet
    assert "<script>" not in snippet
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>router</mark> &amp;" in snippet
    visible = snippet.replace("<mark>", "").replace("</mark>", "")
    assert len(visible) <= 200
    index.close()


def test_snippet_centres_on_a_match_far_into_the_text(engine: SearchEngine, tmp_path: Path) -> None:
    text = "Opening words. " * 40 + "Here the modem blinks red. " + "Closing words. " * 40
    index = build(engine, tmp_path, [unit("far", text=text)])
    snippet = search(index, "modem").hits[0].snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>modem</mark>" in snippet
    index.close()


def test_snippet_without_a_match_in_the_text_shows_its_start(
    engine: SearchEngine, tmp_path: Path
) -> None:
    index = build(engine, tmp_path, [unit("t", title="Voicemail", text="Dial 123 <b>now</b>.")])
    assert search(index, "voicemail").hits[0].snippet == "Dial 123 &lt;b&gt;now&lt;/b&gt;."
    index.close()


def test_limit_caps_hits_but_total_counts_every_match(engine: SearchEngine, tmp_path: Path) -> None:
    units = [unit(f"u{i}", text=f"Roaming note number {i}.") for i in range(15)]
    units.append(unit("other", text="Nothing relevant."))
    units.append(unit("hidden", text="Roaming for staff.", audience="internal"))
    index = build(engine, tmp_path, units)
    results = search(index, "roaming", limit=5)
    assert len(results.hits) == 5
    assert results.total == 15
    assert search(index, "roaming", limit=5, staff=True).total == 16
    assert search(index, "roaming", limit=50).total == len(search(index, "roaming", limit=50).hits)
    index.close()


def test_total_is_exact_on_a_larger_index(engine: SearchEngine, tmp_path: Path) -> None:
    filler = " ".join(f"word{i}" for i in range(40))
    units = [unit(f"u{i}", text=f"{filler} modem {'modem ' * (i % 7)}") for i in range(600)]
    index = build(engine, tmp_path, units)
    assert search(index, "modem", limit=3).total == 600
    assert search(index, "modem word3", limit=3).total == 600
    index.close()


def test_scores_and_order_are_whooshs_own_bm25f(tmp_path: Path) -> None:
    # Whoosh only: its engine scores posting lists with numpy, and Whoosh's own matchers on the
    # same index must agree (tantivy scores with its own BM25, which nothing here reimplements).
    words = ["roaming", "charges", "abroad", "data", "plan", "modem", "reset"]
    units = [
        unit(
            f"u{i}",
            title=f"{words[i % 7]} {words[(i * 3) % 7]}",
            questions=(f"how {words[(i + 2) % 7]} works",),
            text=" ".join(words[j % 7] for j in range(i, i + 5 + i % 11)),
        )
        for i in range(60)
    ]
    index = build(get_engine("whoosh"), tmp_path, units)
    reader = whoosh_index.open_dir(str(tmp_path / "index" / "locale-0"))
    with reader.searcher() as searcher:
        for text in ("roaming", "roaming charges", "data plan abroad"):
            clauses = [
                Or([Term(f, word, boost=BOOSTS[f]) for f in PUBLIC_FIELDS])
                for word in language_for("en").analyzer()(text)
                for word in [word.text]
            ]
            # Whoosh's exact ranking (the engine used this collector before numpy); every
            # match, as sums in another order may swap units whose scores tie.
            collector = TopCollector(limit=100, usequality=False, replace=0)
            searcher.search_with_collector(And(clauses), collector)
            expected = {hit["unit_id"]: hit.score for hit in collector.results()}
            found = search(index, text, prefix=False, limit=100)
            assert found.total == len(expected)
            assert {h.unit_id: h.score for h in found.hits} == pytest.approx(expected)
            assert [h.score for h in found.hits] == pytest.approx(sorted(expected.values())[::-1])
    reader.close()
    index.close()


def test_equal_scores_keep_the_order_units_were_indexed_in(
    engine: SearchEngine, tmp_path: Path
) -> None:
    units = [unit(f"u{i}", text="Reset the modem.") for i in (3, 1, 2, 0)]
    index = build(engine, tmp_path, units)
    assert ids(search(index, "modem", limit=3)) == ["u3", "u1", "u2"]
    index.close()


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_query_returns_nothing(router_index: SearchIndex, text: str) -> None:
    assert search(router_index, text) == SearchResults(hits=(), total=0)


@pytest.mark.parametrize("text", ["the of and", "?!... ,;", "the", "- * #", "to"])
def test_stop_words_and_punctuation_do_not_crash(router_index: SearchIndex, text: str) -> None:
    results = search(router_index, text, prefix=False)
    assert results.hits == () and results.total == 0


def test_bulgarian_inflected_forms_find_their_unit(engine: SearchEngine, tmp_path: Path) -> None:
    index = build(
        engine,
        tmp_path,
        [
            unit(
                "balance",
                "bg",
                title="Как да проверя баланса си?",
                text="Балансът и остатъкът от минутите се виждат в приложението.",
            ),
            unit(
                "roaming",
                "bg",
                title="Роуминг в чужбина",
                text="Включете роуминга от настройките на телефона.",
            ),
            unit(
                "sim",
                "bg",
                title="Смяна на SIM карта",
                text="Поръчайте нова карта в приложението.",
            ),
        ],
    )
    assert ids(search(index, "баланс", "bg", prefix=False))[0] == "balance"
    assert ids(search(index, "настройка на роуминг", "bg", prefix=False))[0] == "roaming"
    assert ids(search(index, "нови карти", "bg", prefix=False))[0] == "sim"
    index.close()


def test_bulgarian_stemmer_conflates_articles_and_plurals() -> None:
    for forms in (
        ["настройка", "настройки", "настройката", "настройките"],
        ["файл", "файла", "файлът", "файлове", "файловете"],
        ["нов", "нова", "новият", "новата", "новите"],
        ["версия", "версии", "версията"],
    ):
        assert len({bulgarian_stem(f) for f in forms}) == 1, forms


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("en", "The Charges were CHARGED twice, e.g. 3.5 GB of top-up's data!"),
        ("ru", "Счёт и БАЛАНС: проверьте ёлку, а потом — роуминге 5G."),
        ("bg", "Настройките на новия телефон: файловете и центъра за 1:1 Записване."),
        ("fr", "L'itinérance coûte 3,50 € à l'étranger."),
    ],
)
def test_index_analyzer_and_query_terms_agree(locale: str, text: str) -> None:
    language = language_for(locale)
    indexed = [token.text for token in language.analyzer()(text)]
    queried = [t for word, _, _ in surface_words(text) if (t := language.term(word))]
    assert indexed == queried
    assert indexed
    # The build counts words once and hands Whoosh the term counts: the same terms.
    assert language.term_counts(word_counts(text)) == Counter(indexed)
    counted = TermCounter(language).terms(text, public=True)
    assert counted == {term.encode(): n for term, n in Counter(indexed).items()}


def test_build_writes_the_segment_whooshs_own_writer_writes(tmp_path: Path) -> None:
    # Whoosh only: the build's writer skips Whoosh's posting pool and per-posting length
    # lookups; the segment's files must be the ones Whoosh's stock writer makes of the same
    # documents.
    units = [
        unit(
            f"u{i}",
            title=f"Reset modem {i % 5}",
            questions=("How do I reset it?", f"modem {'lights ' * (i % 4)}blink"),
            text=" ".join(["roaming charges abroad"] * (i % 9 + 1)),
            internal_text="Escalate to tier two." if i % 3 else "",
            tags=("Router", "modem") if i % 2 else (),
            category="devices" if i % 4 else None,
            audience="internal" if i % 7 == 0 else "public",
            channels=("web",) if i % 5 == 0 else None,
        )
        for i in range(300)  # more than one 128-posting block per common term
    ]
    get_engine("whoosh").build(units, tmp_path / "fast")
    language = language_for("en")
    stock_folder = tmp_path / "stock"
    stock_folder.mkdir()
    stock = whoosh_index.create_in(str(stock_folder), _schema(language))
    writer = stock.writer()
    _add_units(writer, units, TermCounter(language))
    writer.commit(optimize=True)

    def segment_files(ix: whoosh_index.Index) -> dict[str, bytes]:
        (segment,) = ix._segments()
        files = segment.open_compound_file(ix.storage)
        found = {}
        for name in files.list():
            with files.open_file(name) as handle:
                found[name.split(".", 1)[1]] = handle.read(files.file_length(name))
        return found

    fast = whoosh_index.open_dir(str(tmp_path / "fast" / "locale-0"))
    assert segment_files(fast) == segment_files(stock)
    fast.close()
    stock.close()


def test_unknown_languages_get_a_plain_lowercase_analyzer(
    engine: SearchEngine, tmp_path: Path
) -> None:
    assert language_for("fr-FR").stem is None
    assert language_for("bg-BG").code == "bg"
    index = build(
        engine, tmp_path, [unit("fr", "fr", title="Itinérance", text="Activez l'itinérance.")]
    )
    assert ids(search(index, "ITINÉRANCE", "fr", prefix=False)) == ["fr"]
    assert ids(search(index, "itinérance", "FR", prefix=False)) == ["fr"]
    index.close()


def test_concurrent_searches_agree_with_serial_ones(router_index: SearchIndex) -> None:
    queries = ["router", "rout", "ruoter", "restart", "office router", "prices"]
    expected = {q: search(router_index, q) for q in queries}
    failures: list[str] = []

    def worker() -> None:
        for _ in range(20):
            for q in queries:
                if search(router_index, q) != expected[q]:
                    failures.append(q)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert expected["ruoter"].did_you_mean == "router"


def test_build_refuses_a_directory_that_is_not_empty(engine: SearchEngine, tmp_path: Path) -> None:
    (tmp_path / "ix").mkdir()
    (tmp_path / "ix" / "old").write_text("x")
    with pytest.raises(FileExistsError):
        engine.build([unit("a")], tmp_path / "ix")


def test_open_without_an_index_says_to_rebuild(engine: SearchEngine, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="rebuild"):
        engine.open(tmp_path)


def test_closed_index_refuses_to_search(engine: SearchEngine, tmp_path: Path) -> None:
    index = build(engine, tmp_path, [unit("a", text="router")])
    index.close()
    index.close()  # closing twice is harmless
    with pytest.raises(RuntimeError):
        search(index, "router")
