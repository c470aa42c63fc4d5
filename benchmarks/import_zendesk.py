"""Benchmark: read a Zendesk Help Center export of 10,000 articles and import it with `kb import`.

Generates N articles as the Help Center API lists them (in 1 or 3 locales: an article in three
locales is listed three times, once per locale, as `GET /api/v2/help_center/{locale}/articles`
does), with HTML bodies shaped like real ones (headings, paragraphs with links and `&nbsp;`,
numbered steps, an image, a table in some, a link to another article), labels, drafts, promoted
articles, 40 sections in 8 categories; writes them as pages of 100 (`articles-<locale>-<n>.json`,
with `next_page` and `count`), `sections.json` and `categories.json` in a temporary folder, then
times:

    read: importers.zendesk.read (JSON, HTML -> Markdown, units), in this process
    kb import: `kb import FOLDER --from zendesk` in a fresh SQLite data folder, as a user runs it
               (a new process: start-up, read, checks, one transaction)

Run from the repository root:

    python benchmarks/import_zendesk.py --json benchmarks/results/import_zendesk.json
    python benchmarks/import_zendesk.py --locales 1
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from report import machine_facts, render_table

from importers import zendesk

ROOT = Path(__file__).resolve().parents[1]
HOST = "https://help.aurora-telecom.example"
LOCALES = ("en-us", "ru", "bg")
PER_PAGE = 100

_TEXT = {
    "en-us": (
        "account balance bill payment eSIM plan roaming data coverage number transfer refund "
        "password voicemail family line direct debit top-up app contract upgrade device network "
        "signal router invoice discount student business prepaid monthly charge limit"
    ),
    "ru": (
        "баланс счёт оплата тариф роуминг интернет покрытие номер перенос возврат пароль "
        "почта семья автоплатёж пополнение приложение договор устройство сеть сигнал роутер "
        "скидка студент бизнес предоплата ежемесячно списание лимит подключение отключение"
    ),
    "bg": (
        "баланс сметка плащане план роуминг интернет покритие номер прехвърляне възстановяване "
        "парола поща семейство директен дебит зареждане приложение договор устройство мрежа "
        "сигнал рутер отстъпка студент бизнес предплатен месечно такса лимит"
    ),
}
WORDS = {locale: text.split() for locale, text in _TEXT.items()}
SECTIONS = (
    "Billing",
    "Payments",
    "Plans",
    "Roaming",
    "Mobile data",
    "eSIM and SIM",
    "Devices",
    "Account",
    "Security",
    "Coverage",
)
CATEGORIES = ("Mobile", "Home internet", "Business", "Prepaid", "Account", "Devices", "TV", "Help")


def sentence(rng: random.Random, words: list[str], low: int = 8, high: int = 20) -> str:
    """A sentence of random words, capitalised, ending with a full stop."""
    text = " ".join(rng.choice(words) for _ in range(rng.randint(low, high)))
    return text[0].upper() + text[1:] + "."


def body_html(rng: random.Random, locale: str, article_ids: list[int]) -> str:
    """An article body about 3 kB long, in the shapes help-center editors produce."""
    words = WORDS[locale]
    parts = [f"<p>{sentence(rng, words)} {sentence(rng, words)}</p>", "<p>&nbsp;</p>"]
    parts.append(f"<h2>{sentence(rng, words, 3, 6)[:-1]}</h2>")
    steps = "".join(f"<li>{sentence(rng, words, 5, 12)}</li>" for _ in range(rng.randint(3, 6)))
    parts.append(f"<ol>{steps}</ol>")
    link = (
        f'<a href="{HOST}/hc/{locale}/articles/{rng.choice(article_ids)}">{rng.choice(words)}</a>'
    )
    parts.append(f"<p>{sentence(rng, words)} {link} {sentence(rng, words)}</p>")
    parts.append(
        f'<p><img src="{HOST}/hc/article_attachments/{rng.randint(10**8, 10**9)}/screen.png" '
        f'alt="{rng.choice(words)}" width="600"></p>'
    )
    if rng.random() < 0.3:
        rows = "".join(
            f"<tr><td>{rng.choice(words)}</td><td>{rng.randint(1, 99)},99 &euro;</td></tr>"
            for _ in range(rng.randint(2, 5))
        )
        parts.append(
            f"<table><tbody><tr><th>{words[0]}</th><th>{words[1]}</th></tr>{rows}</tbody></table>"
        )
    parts.append(
        f'<div class="note"><strong>{rng.choice(words)}:</strong> {sentence(rng, words)} '
        f'<a href="/hc/{locale}/articles/{rng.choice(article_ids)}">{rng.choice(words)}</a></div>'
    )
    parts.extend(f"<p>{sentence(rng, words, 12, 30)}</p>" for _ in range(rng.randint(2, 5)))
    return "\n".join(parts)


def generate(folder: Path, versions: int, locales: tuple[str, ...], seed: int) -> dict[str, Any]:
    """Write the export; return what it holds."""
    rng = random.Random(seed)
    articles = -(-versions // len(locales))
    ids = [360000000000 + 1000 * n for n in range(articles)]
    sections = [
        {
            "id": 36000100 + n,
            "category_id": 36000000 + n % len(CATEGORIES),
            "name": f"{SECTIONS[n % len(SECTIONS)]} {n // len(SECTIONS) + 1}",
            "locale": "en-us",
            "source_locale": "en-us",
        }
        for n in range(40)
    ]
    categories = [
        {"id": 36000000 + n, "name": name, "locale": "en-us", "source_locale": "en-us"}
        for n, name in enumerate(CATEGORIES)
    ]
    (folder / "sections.json").write_text(json.dumps({"sections": sections}))
    (folder / "categories.json").write_text(json.dumps({"categories": categories}))
    written = html_bytes = 0
    for locale in locales:
        listed = []
        for number, article_id in enumerate(ids):
            if written >= versions:
                break
            written += 1
            body = body_html(rng, locale, ids)
            html_bytes += len(body.encode())
            title = sentence(rng, WORDS[locale], 3, 9)[:-1] + "?"
            listed.append(
                {
                    "id": article_id,
                    "url": f"{HOST}/api/v2/help_center/{locale}/articles/{article_id}.json",
                    "html_url": f"{HOST}/hc/{locale}/articles/{article_id}",
                    "author_id": 360111,
                    "draft": rng.random() < 0.03,
                    "promoted": rng.random() < 0.02,
                    "position": number,
                    "section_id": sections[number % len(sections)]["id"],
                    "created_at": "2023-01-02T03:04:05Z",
                    "updated_at": "2024-05-06T07:08:09Z",
                    "title": title,
                    "source_locale": locales[0],
                    "locale": locale,
                    "user_segment_id": None,
                    "label_names": rng.sample(WORDS["en-us"], rng.randint(0, 3)),
                    "body": body,
                }
            )
        write_pages(folder, locale, listed)
    return {"articles": articles, "versions": written, "html_mb": html_bytes / 1e6}


def write_pages(folder: Path, locale: str, listed: list[dict[str, Any]]) -> None:
    """`listed` as API pages of PER_PAGE, with next_page and count as the API gives them."""
    pages = -(-len(listed) // PER_PAGE)
    for page in range(pages):
        url = f"{HOST}/api/v2/help_center/{locale}/articles.json?page={page + 2}&per_page=100"
        data = {
            "articles": listed[page * PER_PAGE : (page + 1) * PER_PAGE],
            "page": page + 1,
            "per_page": PER_PAGE,
            "page_count": pages,
            "count": len(listed),
            "next_page": url if page + 1 < pages else None,
        }
        (folder / f"articles-{locale}-{page + 1}.json").write_text(json.dumps(data))


def timed_read(folder: Path) -> tuple[float, int, int]:
    """Seconds to read the export, the units and the warnings it gave."""
    started = time.perf_counter()
    batch = zendesk.read(
        folder, default_locale="en", channels=("web", "chatbot", "operator", "ivr")
    )
    return time.perf_counter() - started, len(batch.units), len(batch.warnings)


def timed_import(folder: Path, data: Path) -> tuple[float, dict[str, Any]]:
    """Seconds for `kb import FOLDER --from zendesk --json` in a new SQLite folder; its report."""
    env = {
        **os.environ,
        "KB_DATA_DIR": str(data),
        "KB_DATABASE_URL": f"sqlite:///{data}/kb.sqlite3",
    }
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "import", str(folder), "--from", "zendesk", "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"kb import failed:\n{done.stdout}{done.stderr}")
    return seconds, json.loads(done.stdout)


def main() -> None:
    """Generate, read, import; print the table and optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000, help="articles listed, all locales")
    parser.add_argument("--locales", type=int, choices=(1, 3), default=3)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    locales = LOCALES[: args.locales]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="kb-zendesk-") as temp:
        folder, data = Path(temp) / "export", Path(temp) / "data"
        folder.mkdir()
        facts = generate(folder, args.articles, locales, args.seed)
        pages = len(list(folder.glob("articles-*.json")))
        read_s, units, warnings = timed_read(folder)
        import_s, report = timed_import(folder, data)
    load_after = os.getloadavg()
    versions = facts["versions"]
    rows = [
        ["measurement", "value"],
        ["articles listed (article x locale)", f"{versions:,}"],
        ["locales", ", ".join(locales)],
        ["pages of 100", f"{pages}"],
        ["HTML bodies (MB)", f"{facts['html_mb']:.1f}"],
        ["units read", f"{units:,}"],
        ["read (s)", f"{read_s:.1f}"],
        ["read (articles/s)", f"{versions / read_s:,.0f}"],
        ["kb import, whole command (s)", f"{import_s:.1f}"],
        ["kb import (articles/s)", f"{versions / import_s:,.0f}"],
        ["units created", f"{report['units']['created']:,}"],
        ["load average before / after", f"{load_before[0]:.1f} / {load_after[0]:.1f}"],
    ]
    print(render_table(rows))
    if args.json:
        result = {
            "machine": machine_facts(),
            "args": {"articles": args.articles, "locales": list(locales), "seed": args.seed},
            "versions": versions,
            "pages": pages,
            "html_mb": round(facts["html_mb"], 2),
            "units": units,
            "warnings": warnings,
            "read_seconds": round(read_s, 2),
            "read_articles_per_second": round(versions / read_s),
            "import_seconds": round(import_s, 2),
            "import_articles_per_second": round(versions / import_s),
            "import_report_units": report["units"],
            "load_average_before": load_before,
            "load_average_after": load_after,
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
