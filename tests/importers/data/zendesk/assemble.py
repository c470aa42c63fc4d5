"""Assemble help-center/: a Zendesk Help Center export in the API's page shapes whose articles
are real help-center text (see README.md): run once, from the repository root, with the shared
data sets beside it. The tests read the JSON it wrote; they never run this."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from markdown_it import MarkdownIt

HERE = Path(__file__).parent / "help-center"
DATASETS = Path(__file__).resolve().parents[5] / "shared" / "datasets"
HOST = "https://support.example-telecom.com"
RENDER = MarkdownIt("commonmark").enable("table")

#: covid-faq entries (faq_id) as English articles: (section id, labels, promoted, draft, segment).
COVID = {
    3: (360001001, ["safety", "mRNA"], True, False, None),
    4: (360001001, ["safety", "mRNA"], False, False, None),
    17: (360001002, ["eligibility"], False, False, None),
    30: (360001002, ["appointments", "Walk-in"], False, True, None),
    45: (360001003, [], False, False, None),
    60: (360001003, ["side effects"], False, False, 7284),
}
#: AlchemyInsights ids as articles written in Russian and translated to Bulgarian: section id.
M365 = {
    "Change-your-password-in-Outlook.com": 360002001,
    "Changing-permissions-on-a-mailbox": 360002001,
    "Excel-crashing": 360002002,
    "access-denied-to-onedrive-site": 360002003,
    "Remove-domain": 360002003,
}


def article(article_id: int, locale: str, title: str, body: str, **extra: object) -> dict:
    """One article as the Help Center API lists it."""
    url = f"{HOST}/hc/{locale}/articles/{article_id}"
    return {
        "id": article_id,
        "url": f"{HOST}/api/v2/help_center/{locale}/articles/{article_id}.json",
        "html_url": url,
        "author_id": 360111222,
        "comments_disabled": False,
        "draft": False,
        "promoted": False,
        "position": 0,
        "vote_sum": 0,
        "vote_count": 0,
        "created_at": "2021-05-31T09:00:00Z",
        "updated_at": "2021-06-02T10:15:00Z",
        "name": title,
        "title": title,
        "source_locale": locale,
        "locale": locale,
        "outdated": False,
        "outdated_locales": [],
        "edited_at": "2021-06-02T10:15:00Z",
        "user_segment_id": None,
        "permission_group_id": 204358,
        "content_tag_ids": [],
        "label_names": [],
        "body": body,
        **extra,
    }


def page(key: str, items: list[dict], number: int, count: int, per_page: int) -> dict:
    """A page of an offset-paginated list response."""
    pages = -(-count // per_page)
    base = f"{HOST}/api/v2/help_center/{key}.json?page={{}}&per_page={per_page}"
    return {
        key: items,
        "page": number,
        "per_page": per_page,
        "page_count": pages,
        "count": count,
        "sort_by": "position",
        "sort_order": "asc",
        "next_page": base.format(number + 1) if number < pages else None,
        "previous_page": base.format(number - 1) if number > 1 else None,
    }


def main() -> None:
    """Write the pages."""
    HERE.mkdir(exist_ok=True)
    with (DATASETS / "covid_vaccine_faq" / "faq.csv").open(encoding="utf-8") as handle:
        faq = {int(row["faq_id"]): row for row in csv.DictReader(handle)}
    english = []
    for number, (faq_id, (section, labels, promoted, draft, segment)) in enumerate(COVID.items()):
        row = faq[faq_id]
        body = RENDER.render(row["answer_original"] or row["answer"])
        if faq_id == 4:  # Zendesk bodies link to other articles relatively, as this one does
            link = '<a href="/hc/en-us/articles/360010003">Are COVID-19 vaccines safe?</a>'
            body += f"<p>See also: {link}</p>\n"

        english.append(
            article(
                360010000 + faq_id,
                "en-us",
                row["question"],
                body,
                section_id=section,
                label_names=labels,
                promoted=promoted,
                draft=draft,
                user_segment_id=segment,
                position=number,
            )
        )
    for number, chunk in enumerate((english[:4], english[4:]), start=1):
        (HERE / f"articles-{number}.json").write_text(
            json.dumps(page("articles", chunk, number, len(english), 4), indent=2) + "\n"
        )
    lines = {"ru": {}, "bg": {}}
    for locale, name in (("ru", "ru-RU"), ("bg", "bg-BG")):
        with (DATASETS / "ms_alchemyinsights" / f"{name}.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                if row["id"] in M365:
                    lines[locale][row["id"]] = row
    russian, bulgarian = [], []
    for number, (name, section) in enumerate(M365.items()):
        article_id = 360020000 + number
        ru, bg = lines["ru"][name], lines["bg"][name]
        russian.append(
            article(
                article_id,
                "ru",
                ru["heading"].strip(),
                RENDER.render(ru["body_markdown"].split("\n", 1)[1]),
                section_id=section,
                label_names=[ru["ms_service"]],
            )
        )
        bulgarian.append(
            {
                "id": 370020000 + number,
                "url": f"{HOST}/api/v2/help_center/articles/{article_id}/translations/bg.json",
                "html_url": f"{HOST}/hc/bg/articles/{article_id}",
                "source_id": article_id,
                "source_type": "Article",
                "locale": "bg",
                "title": bg["heading"].strip(),
                "body": RENDER.render(bg["body_markdown"].split("\n", 1)[1]),
                "outdated": False,
                "draft": False,
                "hidden": False,
                "created_at": "2021-10-08T08:00:00Z",
                "updated_at": "2021-10-08T08:00:00Z",
                "updated_by_id": 360111222,
                "created_by_id": 360111222,
            }
        )
    (HERE / "articles-ru.json").write_text(
        json.dumps(page("articles", russian, 1, len(russian), 100), indent=2, ensure_ascii=False)
        + "\n"
    )
    (HERE / "translations-bg.json").write_text(
        json.dumps({"translations": bulgarian}, indent=2, ensure_ascii=False) + "\n"
    )
    write_places()


def write_places() -> None:
    """sections.json and categories.json (English and Russian names)."""
    categories = [
        {"id": 360000101, "locale": "en-us", "source_locale": "en-us", "name": "COVID-19 vaccines"},
        {"id": 360000102, "locale": "ru", "source_locale": "ru", "name": "Microsoft 365"},
    ]
    sections = [
        (360001001, 360000101, "en-us", "Vaccine safety"),
        (360001002, 360000101, "en-us", "Getting vaccinated"),
        (360001003, 360000101, "en-us", "General"),
        (360002001, 360000102, "ru", "Outlook и Exchange"),
        (360002002, 360000102, "ru", "Excel"),
        (360002003, 360000102, "ru", "General"),
    ]
    section_rows = [
        {
            "id": sid,
            "category_id": cid,
            "locale": locale,
            "source_locale": locale,
            "name": name,
            "description": "",
            "position": 0,
            "sorting": "manual",
            "parent_section_id": None,
            "html_url": f"{HOST}/hc/{locale}/sections/{sid}",
        }
        for sid, cid, locale, name in sections
    ]
    for key, rows in (("sections", section_rows), ("categories", categories)):
        (HERE / f"{key}.json").write_text(
            json.dumps(page(key, rows, 1, len(rows), 100), indent=2, ensure_ascii=False) + "\n"
        )


if __name__ == "__main__":
    main()
