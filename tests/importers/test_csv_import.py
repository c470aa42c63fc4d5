"""The CSV importer: one unit per id (and locale), one example question per row, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from importers.csv_qa import read_csv
from kb import InvalidContent, KnowledgeBase, Problem
from kb.store.revisions import SaveOutcome


def write_csv(tmp_path: Path, text: str, *, name: str = "qa.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def problems_of(path: Path, default_locale: str = "en") -> tuple[Problem, ...]:
    with pytest.raises(InvalidContent) as caught:
        read_csv(path, default_locale=default_locale)
    return caught.value.problems


def rows_named(problems: tuple[Problem, ...]) -> list[int | None]:
    return sorted((p.line for p in problems), key=lambda n: n or 0)


GOOD_CSV = (
    "id,question,title,answer,category\n"
    "check-balance,what is my balance,How do I check my balance?,Dial *100#.,billing\n"
    "check-balance,how much money is left,,,\n"
    "check-balance,what is my balance,,,\n"
    "top-up,how do I top up,Topping up,Use the app.,payments\n"
)


def test_rows_sharing_an_id_merge_into_one_unit_with_each_question_once(tmp_path: Path) -> None:
    batch = read_csv(write_csv(tmp_path, GOOD_CSV), default_locale="en")

    docs = {item.document.id: item.document for item in batch.units}
    assert sorted(docs) == ["check-balance", "top-up"]
    balance = docs["check-balance"]
    assert balance.questions == ("what is my balance", "how much money is left")
    assert balance.title == "How do I check my balance?"
    assert balance.body == "Dial *100#."
    assert balance.category == "billing"
    assert docs["top-up"].questions == ("how do I top up",)


def test_title_defaults_to_the_first_question_without_a_title_column(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "id,question,answer\n"
        "check-balance,what is my balance,Dial *100#.\n"
        "check-balance,how much money is left,\n",
    )

    (item,) = read_csv(path, default_locale="en").units

    assert item.document.title == "what is my balance"
    assert item.document.questions == ("what is my balance", "how much money is left")


def test_locale_column_is_respected_and_blank_locale_takes_the_default(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "id,question,answer,locale\n"
        "check-balance,what is my balance,Dial *100#.,\n"
        "check-balance,какой у меня баланс,Наберите *100#.,ru\n",
    )

    batch = read_csv(path, default_locale="de")

    by_locale = {item.document.locale: item.document for item in batch.units}
    assert sorted(by_locale) == ["de", "ru"]
    assert by_locale["ru"].body == "Наберите *100#."
    assert by_locale["ru"].questions == ("какой у меня баланс",)
    assert by_locale["de"].questions == ("what is my balance",)


def test_without_a_locale_column_every_unit_takes_the_default_locale(tmp_path: Path) -> None:
    batch = read_csv(write_csv(tmp_path, GOOD_CSV), default_locale="pt-BR")

    assert {item.document.locale for item in batch.units} == {"pt-BR"}


def test_bad_id_is_reported_with_its_row_number(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "id,question,answer\ncheck-balance,what is my balance,Dial *100#.\nBad Id!,q,a\n",
    )

    (problem,) = problems_of(path)

    assert problem.line == 3
    assert problem.field == "id"
    assert problem.source == str(path)
    assert "slug" in problem.message


def test_bad_locale_is_reported_with_its_row_number(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "id,question,answer,locale\ncheck-balance,q,a,English\n")

    (problem,) = problems_of(path)

    assert (problem.line, problem.field) == (2, "locale")


def test_unit_without_an_answer_in_any_row_is_reported(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "id,question,answer\n"
        "check-balance,what is my balance,Dial *100#.\n"
        "no-answer,first question,\n"
        "no-answer,second question,\n",
    )

    (problem,) = problems_of(path)

    assert (problem.line, problem.field) == (3, "answer")
    assert "no-answer" in problem.message
    assert "3, 4" in problem.message


def test_conflicting_answers_for_one_id_name_both_rows(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "id,question,answer\n"
        "check-balance,what is my balance,Dial *100#.\n"
        "top-up,how do I top up,Use the app.\n"
        "check-balance,how much money is left,Open the app.\n",
    )

    (problem,) = problems_of(path)

    assert (problem.line, problem.field) == (4, "answer")
    assert "row 2" in problem.message
    assert "check-balance" in problem.message


def test_row_with_the_wrong_number_of_cells_is_reported(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "id,question,answer\ncheck-balance,what is my balance,Dial *100#.\ntop-up,only two\n",
    )

    (problem,) = problems_of(path)

    assert problem.line == 3
    assert "2 cells" in problem.message
    assert "3" in problem.message


def test_every_bad_row_is_reported_at_once(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "id,question,answer\nBad Id,q,a\ngood-one,q,a\ntoo,many,cells,here\nno-answer,q,\n",
    )

    assert rows_named(problems_of(path)) == [2, 4, 5]


def test_unknown_column_is_reported_on_the_header_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "id,question,answer,colour\ncheck-balance,q,a,red\n")

    (problem,) = problems_of(path)

    assert problem.line == 1
    assert "colour" in problem.message


def test_missing_id_column_is_reported_on_the_header_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "question,answer\nwhat is my balance,Dial *100#.\n")

    (problem,) = problems_of(path)

    assert problem.line == 1
    assert "'id'" in problem.message


def test_empty_file_is_reported(tmp_path: Path) -> None:
    (problem,) = problems_of(write_csv(tmp_path, ""))

    assert problem.line == 1
    assert "empty" in problem.message


def test_header_without_data_rows_is_reported(tmp_path: Path) -> None:
    (problem,) = problems_of(write_csv(tmp_path, "id,question,answer\n"))

    assert problem.line == 1
    assert "no data rows" in problem.message


def test_invalid_csv_imports_nothing(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "id,question,answer\n"
        "check-balance,what is my balance,Dial *100#.\n"
        "top-up,how do I top up,\n",
    )

    with pytest.raises(InvalidContent):
        kb.import_content(read_csv(path, default_locale="en"), author="tester", message="csv")

    assert dict(kb.drafts().units) == {}


def test_csv_import_stores_the_units_as_drafts(kb: KnowledgeBase, tmp_path: Path) -> None:
    batch = read_csv(write_csv(tmp_path, GOOD_CSV), default_locale="en")

    report = kb.import_content(batch, author="tester", message="csv")

    assert report.units[SaveOutcome.CREATED] == 2
    drafts = kb.drafts()
    assert sorted(drafts.units) == [("check-balance", "en"), ("top-up", "en")]
    stored = drafts.unit("check-balance", "en")
    assert stored.document.questions == ("what is my balance", "how much money is left")
    assert stored.author == "tester"


def test_reimporting_the_same_csv_creates_no_new_revisions(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, GOOD_CSV)
    kb.import_content(read_csv(path, default_locale="en"), author="tester", message="first")

    again = kb.import_content(read_csv(path, default_locale="en"), author="tester", message="2nd")

    assert again.units[SaveOutcome.UNCHANGED] == 2
    assert again.units[SaveOutcome.CREATED] == 0
    assert again.units[SaveOutcome.UPDATED] == 0
    assert len(kb.history("check-balance", "en")) == 1
    assert len(kb.history("top-up", "en")) == 1


def test_changed_answer_in_a_reimported_csv_adds_one_revision(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    kb.import_content(read_csv(write_csv(tmp_path, GOOD_CSV), default_locale="en"), author="tester")
    edited = GOOD_CSV.replace("Dial *100#.", "Dial *101#.")

    report = kb.import_content(
        read_csv(write_csv(tmp_path, edited, name="edited.csv"), default_locale="en"),
        author="tester",
    )

    assert (report.units[SaveOutcome.UPDATED], report.units[SaveOutcome.UNCHANGED]) == (1, 1)
    assert len(kb.history("check-balance", "en")) == 2
    assert kb.drafts().unit("check-balance", "en").document.body == "Dial *101#."


def test_utf8_bom_and_russian_text_are_read(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "id,question,answer,locale\n"
        "proverit-balans,Как узнать баланс?,Наберите *100# и нажмите вызов.,ru\n"
        "proverit-balans,Сколько денег осталось,,ru\n",
        bom=True,
    )

    batch = read_csv(path, default_locale="en")
    kb.import_content(batch, author="tester")

    stored = kb.drafts().unit("proverit-balans", "ru").document
    assert stored.title == "Как узнать баланс?"
    assert stored.body == "Наберите *100# и нажмите вызов."
    assert stored.questions == ("Как узнать баланс?", "Сколько денег осталось")
