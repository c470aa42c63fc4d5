"""Choosing the search engine: the setting, the install extra, and search through a real
knowledge base (publish, rollback, reindex, the CLI) on each engine."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from importers import read_folder
from kb import ConfigError, KnowledgeBase
from kb.search import IndexedUnit, get_engine
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.conftest import SAMPLE_CONTENT, make_unit, release_folders, release_name

ENGINES = ("whoosh", "tantivy")
#: Questions answered, offered as a choice and declined (see test_answers), and searches.
QUESTIONS = (
    ("show me my remaining balance", "en"),
    ("сколько денег у меня на счету", "ru"),
    ("is there any credit left on my phone", "en"),
    ("what is the capital of peru", "en"),
)
SEARCHES = (("balance", "en"), ("roamng in spain", "en"), ("top u", "en"), ("баланс", "ru"))


def publish_sample(kb: KnowledgeBase) -> KnowledgeBase:
    """The sample content imported and published as release 1."""
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t", message="sample")
    return kb


@pytest.fixture(params=ENGINES)
def engine_kb(request: pytest.FixtureRequest, settings: Settings) -> Iterator[KnowledgeBase]:
    """The sample content published on a knowledge base that searches with each engine."""
    with KnowledgeBase.open(replace(settings, search_engine=request.param)) as kb:
        yield publish_sample(kb)


def test_tantivy_is_the_default_and_kb_search_engine_chooses(tmp_path: Path) -> None:
    assert Settings.from_env({"KB_DATA_DIR": str(tmp_path)}).search_engine == "tantivy"
    chosen = Settings.from_env({"KB_DATA_DIR": str(tmp_path), "KB_SEARCH_ENGINE": "whoosh"})
    assert chosen.search_engine == "whoosh"
    assert get_engine(chosen.search_engine).name == "whoosh"


def test_a_missing_tantivy_package_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # None in sys.modules makes `import tantivy` fail as if the extra were not installed.
    monkeypatch.setitem(sys.modules, "tantivy", None)
    monkeypatch.delitem(sys.modules, "kb.search.tantivy_engine", raising=False)
    with pytest.raises(ConfigError, match=r"pip install kb"):
        get_engine("tantivy")
    assert get_engine("whoosh").name == "whoosh"


def test_an_unknown_engine_names_the_available_ones() -> None:
    with pytest.raises(ConfigError, match="available: tantivy, whoosh"):
        get_engine("lucene")


def test_both_engines_save_the_same_vocabulary(tmp_path: Path) -> None:
    # Typo correction and completion read it: the same words, so the same suggestions.
    units = [
        IndexedUnit("a", "en", "Roaming abroad", ("is roaming free",), "Roaming costs.",
                    "Note zebrafinch.", ("Travel",), "plans", "public", None),
        IndexedUnit("b", "ru", "Баланс", (), "Проверьте баланс.", "", (), None, "internal", ()),
    ]  # fmt: skip
    saved = {}
    for name in ENGINES:
        get_engine(name).build(units, tmp_path / name)
        saved[name] = sorted(
            (str(p.relative_to(tmp_path / name)), p.read_bytes())
            for p in (tmp_path / name).glob("locale-*/vocabulary.json")
        )
    assert saved["whoosh"] == saved["tantivy"]
    assert len(saved["tantivy"]) == 2


def test_a_tantivy_knowledge_base_builds_its_own_release_folder(
    settings: Settings,
) -> None:
    with KnowledgeBase.open(replace(settings, search_engine="tantivy")) as kb:
        publish_sample(kb)
        results, release = kb.search("balance")
        assert release == 1 and results.hits[0].unit_id == "check-balance"
        assert "<mark>" in results.hits[0].snippet
        assert release_folders(kb) == [release_name(kb, 1)]


def test_searches_find_the_same_units_on_both_engines(settings: Settings) -> None:
    found = {}
    for name in ENGINES:
        with KnowledgeBase.open(replace(settings, search_engine=name)) as kb:
            if name == ENGINES[0]:
                publish_sample(kb)
            results = [kb.search(text, locale=locale)[0] for text, locale in SEARCHES]
            found[name] = [([h.unit_id for h in r.hits[:3]], r.did_you_mean) for r in results]
    assert found["whoosh"] == found["tantivy"]
    assert all(units for units, _ in found["tantivy"])


def test_answers_do_not_depend_on_the_search_engine(settings: Settings) -> None:
    # The intent matcher is trained and served the same whichever engine indexes the release.
    answers = {}
    for name in ENGINES:
        with KnowledgeBase.open(replace(settings, search_engine=name)) as kb:
            if name == ENGINES[0]:
                publish_sample(kb)
            answers[name] = [kb.ask(q, locale=locale) for q, locale in QUESTIONS]
    assert answers["whoosh"] == answers["tantivy"]
    assert [a.unit_id for a in answers["tantivy"][:2]] == ["check-balance", "check-balance"]


def test_internal_units_are_found_by_staff_search_only(engine_kb: KnowledgeBase) -> None:
    public, _ = engine_kb.search("goodwill credit")
    staff, _ = engine_kb.search("goodwill credit", staff=True)
    assert "goodwill-credit-policy" not in [h.unit_id for h in public.hits]
    assert staff.hits and staff.hits[0].unit_id == "goodwill-credit-policy"


def test_a_channel_filter_keeps_units_it_serves(engine_kb: KnowledgeBase) -> None:
    # esim-setup is not served on the phone line (see test_answers).
    assert "esim-setup" in [h.unit_id for h in engine_kb.search("esim", channel="chatbot")[0].hits]
    assert "esim-setup" not in [h.unit_id for h in engine_kb.search("esim", channel="ivr")[0].hits]


def test_publish_updates_search_and_rollback_restores_it(engine_kb: KnowledgeBase) -> None:
    assert engine_kb.search("cryptocurrency")[0].total == 0
    engine_kb.save_unit(
        make_unit(
            "pay-with-crypto",
            title="Can I pay with cryptocurrency?",
            body="No: we accept cards and Direct Debit only.",
        ),
        author="ann",
    )
    engine_kb.publish(author="ann")
    results, release = engine_kb.search("cryptocurrency")
    assert release == 2 and results.hits[0].unit_id == "pay-with-crypto"
    engine_kb.rollback(1, author="ann")
    results, release = engine_kb.search("cryptocurrency")
    assert release == 3 and results.total == 0


def test_reindex_from_the_database_gives_the_same_results(engine_kb: KnowledgeBase) -> None:
    before = [engine_kb.search(text, locale=locale)[0] for text, locale in SEARCHES]
    shutil.rmtree(engine_kb.settings.index_dir)
    engine_kb.reindex()
    after = [engine_kb.search(text, locale=locale)[0] for text, locale in SEARCHES]
    assert after == before
    assert release_folders(engine_kb) == [release_name(engine_kb, 1)]


@pytest.mark.parametrize("engine", ENGINES)
def test_kb_reindex_and_search_on_the_command_line(env: dict[str, str], engine: str) -> None:
    env = {**env, "KB_SEARCH_ENGINE": engine}
    runner = CliRunner()

    def kb(*args: str) -> str:
        result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    kb("import", str(SAMPLE_CONTENT))
    kb("publish", "-m", "sample")
    assert "Rebuilt the index of release 1" in kb("reindex")
    hits = json.loads(kb("search", "roaming europe", "--json"))["hits"]
    assert hits and hits[0]["unit_id"] in {"roaming-europe", "roaming-rest-of-world"}
