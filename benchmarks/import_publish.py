"""Benchmark: read a content folder, import it, re-import it, publish, edit 1%, publish again.

Generates N realistic units (half `en`, half `ru`, translations sharing ids) and ~50 snippets per
locale, writes them as a content folder (Markdown with YAML front matter, `snippets/<locale>.yaml`)
in a temporary directory, then runs the same sequence against each backend with a fresh
knowledge base:

    read+parse folder -> import -> re-import (unchanged) -> publish #1
    -> save_unit on 1% of units -> publish(dry_run=True) -> publish #2 -> cold snapshot

Run from the repository root:

    /work/venv/bin/python benchmarks/import_publish.py --units 10000 \\
        --json benchmarks/results/import_publish.json

PostgreSQL gets a schema of its own (created, then dropped), the same way tests/conftest.py does;
it is skipped with a note when the server cannot be reached.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import json
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from report import machine_facts, render_table
from sqlalchemy import create_engine, func, select, text

from importers.content_folder import SNIPPETS_DIR, read_folder
from kb import (
    KnowledgeBase,
    SaveOutcome,
    Settings,
    SnippetDocument,
    SnippetType,
    UnitDocument,
)
from kb.content.snippets import dump_snippet_file
from kb.settings import DEFAULT_CHANNELS, normalize_database_url
from kb.store.models import UnitRevision

T = TypeVar("T")

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
LOCALES = ("en", "ru")
AUTHOR = "bench"

# -- content generation -------------------------------------------------------------------------

CATEGORIES = (
    "account",
    "billing",
    "internet",
    "network",
    "payments",
    "plans",
    "roaming",
    "sim-and-device",
    "support",
    "security",
)
TAGS = (
    "balance",
    "bill",
    "refund",
    "esim",
    "sim",
    "roaming",
    "data",
    "5g",
    "wifi",
    "contract",
    "upgrade",
    "porting",
    "fraud",
    "password",
    "app",
    "direct-debit",
    "card",
    "top-up",
    "voicemail",
    "coverage",
    "international",
    "family",
    "business",
    "student",
    "discount",
)
ROUTINGS = ("billing", "tech-support", "sales", "fraud", "retention", "general")
OWNERS = ("billing-team", "device-team", "network-team", "care-team", "sales-team")

TOPICS = {
    "en": (
        ("check my balance", "balance"),
        ("pay my bill", "bill payment"),
        ("set up an eSIM", "eSIM"),
        ("change my plan", "plan change"),
        ("turn on roaming", "roaming"),
        ("fix slow mobile data", "mobile data"),
        ("keep my number", "number transfer"),
        ("report a lost phone", "lost phone"),
        ("get a refund", "refund"),
        ("reset my password", "password reset"),
        ("set up voicemail", "voicemail"),
        ("add a family line", "family line"),
        ("understand my bill", "bill"),
        ("set up direct debit", "direct debit"),
        ("check network coverage", "coverage"),
        ("top up my account", "top-up"),
    ),
    "ru": (
        ("проверить баланс", "баланс"),
        ("оплатить счёт", "оплата счёта"),
        ("подключить eSIM", "eSIM"),
        ("сменить тариф", "смена тарифа"),
        ("включить роуминг", "роуминг"),
        ("ускорить мобильный интернет", "мобильный интернет"),
        ("сохранить номер", "перенос номера"),
        ("сообщить о потере телефона", "потерянный телефон"),
        ("вернуть деньги", "возврат"),
        ("сбросить пароль", "сброс пароля"),
        ("настроить голосовую почту", "голосовая почта"),
        ("добавить семейный номер", "семейный номер"),
        ("разобраться в счёте", "счёт"),
        ("настроить автоплатёж", "автоплатёж"),
        ("проверить зону покрытия", "покрытие"),
        ("пополнить счёт", "пополнение"),
    ),
}
QUALIFIERS = {
    "en": ("", "abroad", "on a business plan", "for a child", "after moving", "on prepaid"),
    "ru": ("", "за границей", "на бизнес-тарифе", "для ребёнка", "после переезда", "на предоплате"),
}
TITLE_FORMS = {
    "en": ("How do I {action}{q}?", "Can I {action}{q}?", "Why can't I {action}{q}?"),
    "ru": ("Как {action}{q}?", "Можно ли {action}{q}?", "Почему не получается {action}{q}?"),
}
QUESTION_FORMS = {
    "en": (
        "how to {action}",
        "{action}{q}",
        "I want to {action}",
        "help me {action}",
        "can't {action}",
        "{subject} not working",
        "{subject} problem",
        "where do I find {subject}",
        "{subject} in the app",
        "is {subject} free",
        "how long does {subject} take",
        "{subject} question",
    ),
    "ru": (
        "как {action}",
        "{action}{q}",
        "хочу {action}",
        "помогите {action}",
        "не могу {action}",
        "{subject} не работает",
        "проблема: {subject}",
        "где найти {subject}",
        "{subject} в приложении",
        "{subject} бесплатно?",
        "сколько ждать: {subject}",
        "вопрос про {subject}",
    ),
}
SENTENCES = {
    "en": (
        "Open the Aurora app and go to **Account > {subject}** to see the details.",
        "Most changes take effect straight away, but some can take up to 24 hours.",
        "If you are abroad, make sure roaming is switched on before you try again.",
        "You can also call us on {phone} if the app does not help.",
        "We never ask for your full password by phone, email or text message.",
        "Restart your phone and check that flight mode is switched off.",
        "The change appears on your next bill as a separate line.",
        "Charges are shown in your local currency and include VAT.",
        "If you share the account, only the account holder can make this change.",
        "Business customers should contact their account manager instead.",
        "Keep your reference number: we will ask for it if you call us back.",
        "The current price is {money} a month, see {url} for the full list.",
        "Your contract, number and balance stay exactly as they are.",
        "Customers on older plans may need to move to a current plan first.",
        "We send a confirmation text to the main number on the account.",
        "If the problem continues after 48 hours, report a fault in the app.",
        "Check coverage for your postcode on our network map before you travel.",
        "A one-time passcode is sent to your phone to confirm it is really you.",
        "Dial {text} from your phone to check this for free.",
        "The new prices apply from {date}.",
    ),
    "ru": (
        "Откройте приложение Аврора и перейдите в раздел **Аккаунт > {subject}**.",
        "Большинство изменений вступают в силу сразу, но иногда нужно до 24 часов.",
        "Если вы за границей, перед повторной попыткой включите роуминг.",
        "Если приложение не помогло, позвоните нам по номеру {phone}.",
        "Мы никогда не спрашиваем ваш пароль по телефону, почте или в сообщениях.",
        "Перезагрузите телефон и проверьте, что режим полёта выключен.",
        "Изменение появится в следующем счёте отдельной строкой.",
        "Суммы указаны в местной валюте с учётом НДС.",
        "Если аккаунт общий, это изменение может сделать только владелец.",
        "Корпоративным клиентам нужно обратиться к своему менеджеру.",
        "Сохраните номер обращения: он понадобится, если мы перезвоним.",
        "Сейчас это стоит {money} в месяц, полный список цен: {url}.",
        "Договор, номер и баланс останутся без изменений.",
        "На старых тарифах может понадобиться сначала перейти на новый тариф.",
        "Мы отправим подтверждение на основной номер аккаунта.",
        "Если проблема не исчезла через 48 часов, сообщите о ней в приложении.",
        "Перед поездкой проверьте покрытие по своему адресу на карте сети.",
        "Мы отправим одноразовый код, чтобы убедиться, что это действительно вы.",
        "Наберите {text} на телефоне, чтобы бесплатно проверить это.",
        "Новые цены действуют с {date}.",
    ),
}
INTERNAL_NOTES = {
    "en": (
        "Verify identity with a one-time passcode before making any change.",
        "Goodwill credit up to {money} can be applied without approval.",
        "Log the contact reason as {subject} in the CRM.",
        "Escalate to the second line if the customer has called three times this month.",
    ),
    "ru": (
        "Перед любым изменением подтвердите личность одноразовым кодом.",
        "Компенсацию до {money} можно начислить без согласования.",
        "Укажите причину обращения «{subject}» в CRM.",
        "Передайте на вторую линию, если клиент звонит третий раз за месяц.",
    ),
}
SUMMARIES = {
    "en": "::: summary\nCall {phone} or use the Aurora app to {action}.\n:::",
    "ru": "::: summary\nЧтобы {action}, позвоните по номеру {phone} или откройте приложение.\n:::",
}
SNIPPET_KINDS = (
    SnippetType.PHONE,
    SnippetType.MONEY,
    SnippetType.URL,
    SnippetType.TEXT,
    SnippetType.DATE,
    SnippetType.MARKDOWN,
)
SNIPPET_TOPICS = (
    "support",
    "billing",
    "roaming",
    "fraud",
    "sales",
    "business",
    "esim",
    "network",
    "refund",
)


def make_snippets(count: int, rng: random.Random) -> list[SnippetDocument]:
    """`count` snippets in every locale, the same names everywhere, cycling through the types."""
    specs: list[tuple[str, SnippetType]] = []
    for index in range(count):
        kind = SNIPPET_KINDS[index % len(SNIPPET_KINDS)]
        topic = SNIPPET_TOPICS[(index // len(SNIPPET_KINDS)) % len(SNIPPET_TOPICS)]
        specs.append((f"{topic}_{kind.value}_{index:02d}", kind))
    snippets: list[SnippetDocument] = []
    for locale in LOCALES:
        for name, kind in specs:
            snippets.append(SnippetDocument(name, locale, kind, _snippet_value(kind, locale, rng)))
    return snippets


def _snippet_value(kind: SnippetType, locale: str, rng: random.Random) -> str:
    if kind is SnippetType.PHONE:
        return f"+44 20 7946 {rng.randrange(10000):04d}"
    if kind is SnippetType.MONEY:
        amount = rng.randrange(100, 100000) / 100
        return f"{amount:.2f} {'GBP' if locale == 'en' else 'RUB'}"
    if kind is SnippetType.URL:
        return f"https://aurora-mobile.example/{locale}/help/{rng.randrange(1000)}"
    if kind is SnippetType.DATE:
        return (date(2027, 1, 1) + timedelta(days=rng.randrange(365))).isoformat()
    if kind is SnippetType.MARKDOWN:
        if locale == "en":
            return "Open the app.\n\n1. Go to **Settings**.\n2. Tap **Confirm**.\n"
        return "Откройте приложение.\n\n1. Перейдите в **Настройки**.\n2. Нажмите **Готово**.\n"
    return rng.choice(("*100#", "150", "Aurora Mobile", "Аврора Мобайл", "24/7"))


def make_units(
    count: int, snippets: list[SnippetDocument], rng: random.Random
) -> list[UnitDocument]:
    """`count` units: ids `unit-00000`..., each id in en then ru (translations share the id)."""
    by_kind: dict[str, list[str]] = {}
    for snippet in snippets:
        if snippet.locale == LOCALES[0]:  # every locale has the same names
            by_kind.setdefault(snippet.type.value, []).append(snippet.name)
    units: list[UnitDocument] = []
    ids = (count + 1) // 2
    for index in range(ids):
        # What a unit is about is shared by its translations; its wording is per locale.
        topic = rng.randrange(len(TOPICS["en"]))
        qualifier = rng.randrange(len(QUALIFIERS["en"]))
        title_form = rng.randrange(len(TITLE_FORMS["en"]))
        shared = {
            "category": rng.choice(CATEGORIES),
            "tags": tuple(rng.sample(TAGS, rng.randint(2, 5))),
            "audience": "internal" if rng.random() < 0.05 else "public",
            "channels": (
                None
                if rng.random() < 0.7
                else tuple(rng.sample(DEFAULT_CHANNELS, rng.randint(1, 3)))
            ),
            "routing": rng.choice(ROUTINGS),
            "owner": rng.choice(OWNERS),
            "review_by": date(2026, 6, 1) + timedelta(days=rng.randrange(730)),
        }
        n_questions = rng.randint(5, 10)
        target_words = rng.randint(150, 300)
        for locale in LOCALES:
            if len(units) == count:
                break
            action, subject = TOPICS[locale][topic]
            q = QUALIFIERS[locale][qualifier]
            q = f" {q}" if q else ""
            title = TITLE_FORMS[locale][title_form].format(action=action, q=q)
            forms = rng.sample(QUESTION_FORMS[locale], n_questions)
            questions = tuple(f.format(action=action, subject=subject, q=q) for f in forms)
            body = _body(locale, action, subject, target_words, by_kind, rng)
            units.append(
                UnitDocument(
                    id=f"unit-{index:05d}",
                    locale=locale,
                    title=title[0].upper() + title[1:],
                    body=body,
                    questions=questions,
                    **shared,  # type: ignore[arg-type]
                )
            )
    return units


def _body(
    locale: str,
    action: str,
    subject: str,
    target_words: int,
    snippets: dict[str, list[str]],
    rng: random.Random,
) -> str:
    """About `target_words` words: a summary, paragraphs, a list, snippet refs, internal notes."""

    def ref(kind: str) -> str:
        return f"{{{{ {rng.choice(snippets[kind])} }}}}"

    def fill(template: str) -> str:
        slots = {k: ref(k) for k in ("phone", "money", "url", "text", "date")}
        return template.format(action=action, subject=subject, **slots)

    sentences = SENTENCES[locale]
    # Every unit refers to at least one snippet: the summary names a phone number.
    paragraphs = [fill(SUMMARIES[locale])]
    notes = rng.sample(INTERNAL_NOTES[locale], rng.randint(2, 3))
    internal = "::: internal\n" + "\n".join(f"- {fill(n)}" for n in notes) + "\n:::"
    words = len(paragraphs[0].split()) + len(internal.split())
    while words < target_words:
        roll = rng.random()
        if roll < 0.15:
            steps = rng.sample(sentences, rng.randint(2, 4))
            block = "\n".join(f"{i}. {fill(step)}" for i, step in enumerate(steps, 1))
        elif roll < 0.2:
            block = ref("markdown")
        else:
            block = " ".join(fill(t) for t in rng.sample(sentences, rng.randint(2, 5)))
        paragraphs.append(block)
        words += len(block.split())
    if rng.random() < 0.3:
        heading = "## What to do next" if locale == "en" else "## Что делать дальше"
        paragraphs.insert(1 + len(paragraphs) // 2, heading)
    return "\n\n".join([*paragraphs, internal])


def write_folder(root: Path, units: list[UnitDocument], snippets: list[SnippetDocument]) -> int:
    """Write the content folder; return its size in bytes."""
    size = 0
    for unit in units:
        path = root / unit.locale / (unit.category or "general") / f"{unit.id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        size += path.write_text(unit.to_markdown(), encoding="utf-8")
    (root / SNIPPETS_DIR).mkdir(parents=True, exist_ok=True)
    for locale in LOCALES:
        mine = [s for s in snippets if s.locale == locale]
        path = root / SNIPPETS_DIR / f"{locale}.yaml"
        size += path.write_text(dump_snippet_file(mine), encoding="utf-8")
    return size


# -- measuring ----------------------------------------------------------------------------------


class Timer:
    """Times phases; with a profile folder, also writes one cProfile dump per phase."""

    def __init__(self, backend: str, profile_dir: Path | None) -> None:
        self.backend = backend
        self.profile_dir = profile_dir

    def run(self, phase: str, fn: Callable[[], T]) -> tuple[T, float]:
        gc.collect()
        profiler = cProfile.Profile() if self.profile_dir else None
        start = time.perf_counter()
        result = profiler.runcall(fn) if profiler else fn()
        elapsed = time.perf_counter() - start
        if profiler and self.profile_dir:
            self.profile_dir.mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(self.profile_dir / f"{self.backend}-{phase}.prof")
        return result, elapsed


def count_unit_revisions(kb: KnowledgeBase) -> int:
    with kb.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(UnitRevision)) or 0)


def edited(doc: UnitDocument) -> UnitDocument:
    """The same unit with one more sentence: a typical small editorial change."""
    extra = "Updated for the new price list." if doc.locale == "en" else "Обновлено под новые цены."
    body, _, internal = doc.body.rpartition("::: internal")
    return dataclasses.replace(doc, body=f"{body.rstrip()}\n\n{extra}\n\n::: internal{internal}")


def run_backend(
    backend: str, database_url: str, folder: Path, data_dir: Path, profile_dir: Path | None
) -> dict[str, Any]:
    """The whole sequence against one fresh knowledge base; returns the figures."""
    timer = Timer(backend, profile_dir)
    settings = Settings(data_dir=data_dir, database_url=database_url, author=AUTHOR)
    out: dict[str, Any] = {}
    channels = settings.channels

    batch, seconds = timer.run("read", lambda: read_folder(folder, channels=channels))
    n = len(batch.units)
    out["read_parse_s"] = seconds
    out["read_parse_units_per_s"] = n / seconds

    with KnowledgeBase.open(settings) as kb:
        report, seconds = timer.run(
            "import", lambda: kb.import_content(batch, author=AUTHOR, message="Bench import")
        )
        assert report.units[SaveOutcome.CREATED] == n, report.summary()
        out["import_s"] = seconds
        out["import_units_per_s"] = n / seconds
        revisions_before = count_unit_revisions(kb)

        again = read_folder(folder, channels=channels)
        report, seconds = timer.run(
            "reimport", lambda: kb.import_content(again, author=AUTHOR, message="Bench re-import")
        )
        new_revisions = count_unit_revisions(kb) - revisions_before
        assert report.units[SaveOutcome.UNCHANGED] == n, report.summary()
        assert new_revisions == 0, f"re-import created {new_revisions} unit revisions"
        out["reimport_s"] = seconds
        out["reimport_units_per_s"] = n / seconds
        out["reimport_new_revisions"] = new_revisions

        plan, seconds = timer.run("publish1", lambda: kb.publish(author=AUTHOR, message="First"))
        assert plan.release == 1 and len(plan.added) == n, plan
        out["publish_first_s"] = seconds

        # Change 1% of the units, spread over both locales, one save_unit call each.
        rng = random.Random(1)
        picked = rng.sample([u.document for u in batch.units], max(1, n // 100))

        def save_all() -> None:
            for doc in picked:
                result = kb.save_unit(edited(doc), author=AUTHOR, message="Bench edit")
                assert result.outcome is SaveOutcome.UPDATED, result

        _, seconds = timer.run("save_units", save_all)
        out["edited_units"] = len(picked)
        out["save_unit_total_s"] = seconds
        out["save_unit_ms_each"] = seconds / len(picked) * 1000

        # Dry run while the edits are pending, so it has a real plan to compute.
        plan, seconds = timer.run(
            "publish_dry_run", lambda: kb.publish(author=AUTHOR, dry_run=True)
        )
        assert len(plan.changed) == len(picked) and plan.release is None, plan
        out["publish_dry_run_s"] = seconds

        plan, seconds = timer.run("publish2", lambda: kb.publish(author=AUTHOR, message="Second"))
        assert plan.release == 2 and len(plan.changed) == len(picked), plan
        out["publish_second_s"] = seconds

    # Cold: a new KnowledgeBase (empty snapshot cache, new connection pool); opening it runs
    # the migration check, which is not timed.
    with KnowledgeBase.open(settings) as kb:
        snap, seconds = timer.run("snapshot_cold", kb.snapshot)
        assert snap.number == 2 and len(snap.units) == n
        out["snapshot_cold_s"] = seconds
        _, seconds = timer.run("snapshot_warm", kb.snapshot)
        out["snapshot_cached_s"] = seconds
    return out


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A URL whose search_path is a new schema, dropped afterwards (as in tests/conftest.py)."""
    base = normalize_database_url(url)
    schema = f"kbbench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        separator = "&" if "?" in base else "?"
        try:
            yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    finally:
        admin.dispose()


def postgres_problem(url: str) -> str | None:
    """Why PostgreSQL cannot be used for the benchmark, or None when it can."""
    try:
        engine = create_engine(normalize_database_url(url), connect_args={"connect_timeout": 5})
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


# -- reporting ----------------------------------------------------------------------------------

ROWS: tuple[tuple[str, str, str], ...] = (
    ("read_parse_s", "read+parse folder (s)", "{:.2f}"),
    ("read_parse_units_per_s", "read+parse folder (units/s)", "{:,.0f}"),
    ("import_s", "import into store (s)", "{:.2f}"),
    ("import_units_per_s", "import into store (units/s)", "{:,.0f}"),
    ("reimport_s", "re-import unchanged (s)", "{:.2f}"),
    ("reimport_units_per_s", "re-import unchanged (units/s)", "{:,.0f}"),
    ("reimport_new_revisions", "re-import new revisions", "{:d}"),
    ("publish_first_s", "publish #1 (s)", "{:.2f}"),
    ("edited_units", "units edited (save_unit)", "{:d}"),
    ("save_unit_ms_each", "save_unit (ms each)", "{:.1f}"),
    ("publish_dry_run_s", "publish dry-run, 1% pending (s)", "{:.2f}"),
    ("publish_second_s", "publish #2, 1% changed (s)", "{:.2f}"),
    ("snapshot_cold_s", "snapshot() cold (s)", "{:.2f}"),
    ("snapshot_cached_s", "snapshot() cached (s)", "{:.4f}"),
)


def table(results: dict[str, dict[str, Any]]) -> str:
    backends = list(results)
    cells = [["measurement", *backends]]
    for key, label, fmt in ROWS:
        row = [label]
        for backend in backends:
            figures = results[backend]
            row.append("skipped" if "skipped" in figures else fmt.format(figures[key]))
        cells.append(row)
    return render_table(cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000, help="units to generate (en+ru)")
    parser.add_argument("--snippets", type=int, default=50, help="snippets per locale")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server to use")
    parser.add_argument("--seed", type=int, default=42, help="seed for the generated content")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--profile-dir",
        type=Path,
        help="write a cProfile dump per phase here (timings then include profiler overhead)",
    )
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown or args.units < 2:
        parser.error(f"unknown backends {sorted(unknown)}" if unknown else "--units must be >= 2")

    facts = machine_facts()
    print(
        f"python {facts['python']} ({facts['implementation']}), {facts['cpu_count']} CPUs, "
        f"{facts['platform']}"
    )
    rng = random.Random(args.seed)
    snippets = make_snippets(args.snippets, rng)
    units = make_units(args.units, snippets, rng)
    words = sum(len(u.body.split()) for u in units) / len(units)
    notes: list[str] = []
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        folder = Path(tmp) / "content"
        size = write_folder(folder, units, snippets)
        print(
            f"N = {len(units):,} units ({', '.join(LOCALES)}), {len(snippets)} snippets "
            f"({args.snippets} per locale), {words:.0f} body words on average, "
            f"folder {size / 1e6:.1f} MB"
        )
        for backend in backends:
            data_dir = Path(tmp) / f"data-{backend}"
            print(f"running {backend} ...", flush=True)
            if backend == "sqlite":
                url = f"sqlite:///{data_dir / 'kb.sqlite3'}"
                results[backend] = run_backend(backend, url, folder, data_dir, args.profile_dir)
                continue
            problem = postgres_problem(args.pg_url)
            if problem:
                notes.append(f"postgresql skipped: cannot reach {args.pg_url} ({problem})")
                results[backend] = {"skipped": problem}
                continue
            with postgres_schema(args.pg_url) as url:
                results[backend] = run_backend(backend, url, folder, data_dir, args.profile_dir)

    print()
    print(table(results))
    for note in notes:
        print(f"note: {note}")
    if args.profile_dir:
        print(f"note: profiled run, timings include cProfile overhead ({args.profile_dir})")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "benchmark": "import_publish",
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "machine": facts,
            "units": len(units),
            "snippets": len(snippets),
            "avg_body_words": round(words, 1),
            "content_bytes": size,
            "seed": args.seed,
            "profiled": bool(args.profile_dir),
            "results": results,
            "notes": notes,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
