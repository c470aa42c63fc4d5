"""Benchmark: HTTP API throughput and latency under load, next to a bare FastAPI ceiling.

A scratch knowledge base (KB_DATA_DIR in a temporary directory; every other KB_* variable unset,
so the defaults are measured) imports the sample content (`content/`) and publishes it with the
`kb` CLI; then `kb serve` runs on 127.0.0.1 with --workers processes (2 by default) and
--log-level warning. In the same run, `bare_app` below (one `GET /bare` returning a constant JSON
dict about the size of an answer, a sync route like the real ones) is served by uvicorn with the
same workers and log level: what uvicorn + FastAPI cost on this machine with no work behind them.
Each server is started as a subprocess on a free port and always stopped at the end. It is
ready when its ready route answers and then its processes are the same and idle twice in a row:
one worker answering says nothing of the others, and a keep-alive connection stays with the
worker that accepted it. Worker processes that come and go (uvicorn replaces a worker that does
not answer its supervisor's ping in time) are counted as restarts.

Every target is driven in turn, for --warmup seconds and then --seconds measured, by the same
closed-loop load generator: --clients processes, each with one keep-alive
`http.client.HTTPConnection`, sending the next request as soon as the previous response is read
and timing each one with `time.perf_counter`; a response other than 2xx or an exception (socket
timeout included) is an error. Requests still in flight when the time is up are not counted.
With --burst the clients open their connections at once (after a barrier) and start sending
once all are open (after another), as wrk does: a burst of connections, which one listening
socket shared by the workers hands to whichever worker wakes first
(benchmarks/api_load_workers.py compares workers that way).
The client runs on the same 2 cores as the server and takes its share of the CPU, so the
absolute figures are lower than a separate load machine would give; the ratio to the bare
ceiling is fair because every target is measured with the same client setup. A second table
says where the cores went in each window, from /proc: each server process, the clients, and
everything else on the machine (another user's tests show there).

- bare: `GET /bare`, the constant JSON;
- answer: `GET /api/v1/answer` (channel chatbot) with the example questions of every unit the
  chatbot may show, as written, wrapped in a greeting or a "please" (paraphrased) and with a
  typo, plus out-of-scope questions in the same three forms, each with its locale=;
- answer_new: the same mix, each question with a number no request had before in front of it,
  so that none is answered from the server's cache of repeated requests (ETag-keyed, bounded
  by KB_RESPONSE_CACHE_MB a process): what questions never asked before cost;
- search: `GET /api/v1/search` (channel web) with words of the titles as typed: single words,
  pairs of words, a word cut mid-word and the title with its last word cut, with locale=;
- search_new (only when --targets names it): the same mix, each query with a word no request
  had before in front of it (letters and digits: no vocabulary has it, no typo correction
  touches it, so the engine runs the same search), none from the response cache: what the
  search engine itself costs;
- faq_page and faq_api (only when --targets names them): the plain FAQ page `GET /faq` and
  the FAQ widget's `GET /api/v1/faq`, each with the locale= of every locale of the content:
  the same list of every public unit as HTML page and as JSON, side by side.

Before the load, every distinct request of the mixes is sent once on one connection: the
answer statuses and hit counts show the mixes are realistic, and the servers are warm.

With `--engines whoosh,tantivy` the knowledge base is served once per search engine
(KB_SEARCH_ENGINE; the second engine's index is built by `kb reindex` before its server starts)
and its targets are named after the engine. `--encoders use-multilingual,none` does the same
per sentence encoder of the matchers (KB_ENCODER; `none`: words alone), so answers with and
without the encoder are measured in the same run; with both options, once per pair. The second
table also gives each server process's memory (RSS, and its peak) at the end of each window:
what a serving worker holds. With `--units N` the content is N units of the
generated English corpus of benchmarks/search_answer.py (same seed, same units) instead of the
sample content, written as a content folder and imported the same way; the mixes are then made
of MIX_UNITS of them. `--targets` drives only some targets, e.g. `--targets bare,search`.

With `--events on,off` the knowledge base is served with delivery events recorded (KB_EVENTS=true,
the default: every response queues its event, a writer thread inserts them in batches) and
without (KB_EVENTS=false), its targets named after it, and a table gives each answer target's
throughput with events on over off (issue 16's goal: at least MIN_EVENTS_RATIO). `--rounds N`
starts every server first and keeps them up, then drives each one's targets once a round, the
order reversed every other round: on a shared machine what else runs weighs on both alike.

Run from the repository root:

    python benchmarks/api_load.py --json benchmarks/results/api_load.json
    python benchmarks/api_load.py --engines whoosh,tantivy --units 40000 \\
        --targets bare,search,search_new
    python benchmarks/api_load.py --encoders use-multilingual,none --units 10000 \\
        --targets bare,answer,answer_new
    python benchmarks/api_load.py --targets faq_page,faq_api
    python benchmarks/api_load.py --events on,off --rounds 3 --targets answer,answer_new \\
        --json benchmarks/results/api_load_events.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import os
import queue
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi import FastAPI
from report import machine_facts, render_table
from typos import letter_from_text, typo

if TYPE_CHECKING:
    from kb import UnitDocument

REPO = Path(__file__).resolve().parents[1]
CONTENT = REPO / "content"
HOST = "127.0.0.1"
#: What is measured unless --targets says otherwise, in this order.
TARGETS = ("bare", "answer", "answer_new", "search")
#: Every target --targets may name, in the order they are driven.
ALL_TARGETS = (*TARGETS, "search_new", "faq_page", "faq_api")
#: What search_new puts in front of each query: letters and digits, so no vocabulary has it and
#: no typo correction touches it; the engines drop it and run the same search, uncached.
SEARCH_MARKER = "n{seed}x{n}"
#: What answer_new puts in front of each question: a number no request had before.
ANSWER_MARKER = "{seed}-{n}"
#: The search engine `kb serve` uses when KB_SEARCH_ENGINE is unset.
DEFAULT_ENGINE = "whoosh"
ENGINES = ("whoosh", "tantivy")
#: The encoder `kb serve` uses when KB_ENCODER is unset (kept here, not imported, so that the
#: bare ceiling's workers load no knowledge-base code; main checks it against the registry's).
DEFAULT_ENCODER = "use-multilingual"
#: With a generated corpus, the mixes are made of this many of its units (about the size of the
#: sample content's mixes: every distinct request is sent once before the load).
MIX_UNITS = 60
#: The issue's goals on this 2-core machine.
MIN_BARE_RATIO = 0.5
#: Answer throughput with events on, at least this share of it with events off (issue 16).
MIN_EVENTS_RATIO = 0.9
P99_LIMIT_MS = 50.0
#: Seconds: a request, a server start (`kb serve` imports for seconds), the clients' start-up.
REQUEST_TIMEOUT_S = 10.0
STARTUP_TIMEOUT_S = 120.0
CLIENT_START_TIMEOUT_S = 60.0
#: A server counts as settled when its processes use less than this share of one core.
IDLE_CORES = 0.15
#: The kb CLI as `kb` runs it, without relying on the venv's bin/ being on PATH.
KB_CLI = (sys.executable, "-m", "cli.main")
#: uvicorn serving `bare_app` (benchmarks/ is no package: uvicorn puts it on the path).
BARE_UVICORN = (
    sys.executable,
    "-m",
    "uvicorn",
    "--app-dir",
    str(Path(__file__).parent),
    "api_load:bare_app",
    # The protocol `kb serve` uses: with --workers, uvicorn's own leaves Nagle on (about 40 ms
    # a request on a kept-open connection), which is no cost of FastAPI's.
    "--http",
    "cli.serving:NoDelayH11Protocol",
)

OUT_OF_SCOPE: dict[str, tuple[str, ...]] = {
    "en": (
        "what's the weather tomorrow in Lisbon",
        "recommend a good pasta recipe",
        "who won the football match yesterday",
        "how tall is mount everest",
        "how do I bake sourdough bread",
        "best way to train a puppy",
        "when does the museum open on Sunday",
        "how many calories in a banana",
        "cheap flights to Rome in May",
        "tell me a joke",
    ),
    "ru": (
        "какая завтра погода в москве",
        "рецепт борща со сметаной",
        "кто выиграл вчерашний матч",
        "как испечь хлеб дома",
        "сколько калорий в банане",
        "посоветуйте хороший фильм",
        "как дрессировать щенка",
        "когда открывается музей в воскресенье",
        "как починить велосипедную камеру",
        "расскажи анекдот",
    ),
    "bg": (
        "какво ще е времето утре в София",
        "рецепта за баница",
        "кой спечели мача вчера",
        "колко е висок Мусала",
        "как да изпека хляб вкъщи",
        "колко калории има в банан",
        "кога отваря музеят в неделя",
        "евтини полети до Рим през май",
        "как да дресирам кученце",
        "разкажи ми виц",
    ),
}
#: How customers wrap a question: the matcher never saw these words around it.
PARAPHRASES: dict[str, tuple[str, ...]] = {
    "en": ("hi, {q}", "{q} please", "hello, quick question: {q}", "{q}? thanks", "help: {q}"),
    "ru": ("здравствуйте, {q}", "{q}, подскажите пожалуйста", "вопрос: {q}", "{q}? спасибо"),
    "bg": ("здравейте, {q}", "{q}, моля", "въпрос: {q}", "{q}? благодаря"),
}

#: What `GET /bare` returns: a chatbot answer of the sample content, frozen.
BARE_BODY: dict[str, Any] = {
    "status": "answered",
    "unit_id": "puk-code",
    "title": "My phone is asking for a PUK code",
    "confidence": 0.959,
    "content": {
        "channel": "chatbot",
        "media_type": "application/json",
        "body": "Your SIM locks after three wrong PIN attempts. Find your PUK code in the Aurora "
        "app: tap SIM, then PUK code. It is also printed on the card your SIM came in.",
        "text": "Your SIM locks after three wrong PIN attempts. Find your PUK code in the Aurora "
        "app: tap SIM, then PUK code. It is also printed on the card your SIM came in.",
        "quick_replies": [{"label": "replacement SIM", "unit_id": "replace-sim"}],
        "links": [],
        "truncated": False,
        "more_url": "/units/puk-code?locale=en",
        "findings": [],
    },
    "routing": "tech-support",
    "alternatives": [],
    "locale": "en",
    "kb_version": 1,
}

bare_app = FastAPI(title="Bare ceiling")


@bare_app.get("/bare")
async def bare() -> dict[str, Any]:
    """The constant answer-sized JSON: FastAPI's cost with no work behind it (async, like the
    delivery routes, so no thread hop flatters either side)."""
    return BARE_BODY


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the request mixes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One request of a mix: its path with the query string, its locale and its kind."""

    path: str
    locale: str
    kind: str


def _path(route: str, **params: str) -> str:
    return f"{route}?{urlencode(params)}"


def shown_on(units: Sequence[UnitDocument], channel: str) -> list[UnitDocument]:
    """The units an anonymous caller may get on `channel` (public, the channel allowed)."""
    return [
        u for u in units if u.audience == "public" and (u.channels is None or channel in u.channels)
    ]


def answer_mix(units: Sequence[UnitDocument], rng: random.Random) -> list[Request]:
    """Every example question as written, paraphrased and with a typo, plus out-of-scope ones."""
    mix: list[Request] = []

    def add(question: str, locale: str, kind: str) -> None:
        path = _path("/api/v1/answer", q=question, channel="chatbot", locale=locale)
        mix.append(Request(path, locale, kind))

    def forms(question: str, locale: str, scope: str) -> None:
        add(question, locale, f"{scope}: as written")
        wrap = rng.choice(PARAPHRASES.get(locale, ("{q}",)))
        add(wrap.format(q=question), locale, f"{scope}: paraphrased")
        mistyped = typo(question, rng, min_length=4, replacement=letter_from_text)
        add(mistyped, locale, f"{scope}: with a typo")

    for unit in units:
        for question in unit.questions:
            forms(question, unit.locale, "example")
    for locale in sorted({u.locale for u in units}):
        for question in OUT_OF_SCOPE.get(locale, ()):
            forms(question, locale, "out of scope")
    return mix


def search_mix(units: Sequence[UnitDocument], rng: random.Random) -> list[Request]:
    """Words of every title as typed into a search box: words, pairs, cut words, cut titles."""
    mix: list[Request] = []

    def add(query: str, locale: str, kind: str) -> None:
        path = _path("/api/v1/search", q=query, channel="web", locale=locale)
        mix.append(Request(path, locale, kind))

    for unit in units:
        words = [w.lower() for w in re.findall(r"\w[\w-]*", unit.title)]
        long = [w for w in words if len(w) >= 4]
        for word in long:
            add(word, unit.locale, "one word")
            add(word[: rng.randint(2, len(word) - 1)], unit.locale, "word cut mid-word")
        for first, second in pairwise(long):
            add(f"{first} {second}", unit.locale, "two words")
        if len(words) >= 2 and len(words[-1]) >= 2:
            cut = words[-1][: rng.randint(1, len(words[-1]) - 1)]
            add(" ".join([*words[:-1], cut]), unit.locale, "title, last word cut")
    return mix


def faq_mixes(units: Sequence[UnitDocument]) -> dict[str, list[Request]]:
    """The FAQ of each locale of `units`, as the plain page and as the widget's JSON."""
    locales = sorted({u.locale for u in units})
    return {
        "faq_page": [Request(_path("/faq", locale=loc), loc, "page") for loc in locales],
        "faq_api": [Request(_path("/api/v1/faq", locale=loc), loc, "json") for loc in locales],
    }


def _tally(counts: Counter[str]) -> str:
    return ", ".join(f"{key} {n}" for key, n in sorted(counts.items()))


# -- the servers --------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on HOST that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def tree_cpu_s(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) used so far by `pid` and each descendant, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[int, float] = {}
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            # Fields after the command name: utime and stime are the 12th and 13th.
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            used[current] = (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile, or no /proc: counted as nothing
    return used


def memory_mb(pid: int) -> tuple[float, float]:
    """RSS now and its peak (VmRSS, VmHWM) of `pid` in MB, from /proc (0 if it is gone)."""
    found = {"VmRSS": 0.0, "VmHWM": 0.0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in found:
                found[key] = int(value.split()[0]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return found["VmRSS"], found["VmHWM"]


def busy_cpu_s() -> float:
    """CPU seconds the whole machine has been busy (neither idle nor waiting on I/O)."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return 0.0
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


@dataclass
class Watch:
    """A running server as /proc shows it: its processes' CPU, and the workers it started."""

    process: subprocess.Popen[bytes]
    workers: int
    started: set[int] = field(default_factory=set)
    settled: bool = False

    def sample(self) -> dict[int, float]:
        used = tree_cpu_s(self.process.pid)
        # A worker spends this much importing before it can serve; uvicorn's resource tracker
        # child never does, so it is not taken for a worker.
        self.started.update(p for p, s in used.items() if p != self.process.pid and s >= 0.3)
        return used

    @property
    def restarts(self) -> int:
        """Workers started beyond the first ones: uvicorn replaces a worker that misses a ping."""
        return max(0, len(self.started) - self.workers) if self.workers > 1 else 0


def _get(port: int, path: str, timeout: float) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _wait_ready(watch: Watch, port: int, path: str) -> bool:
    """Wait until `path` answers 200, then until the server settles; False if it never did.

    One worker answering says nothing of the others, and a keep-alive connection stays with
    the worker that accepted it: settled is the same processes twice in a row, idle.
    """
    process = watch.process
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not answer {path} in {STARTUP_TIMEOUT_S:g} s")
        try:
            if _get(port, path, timeout=2.0)[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.2)
    before = watch.sample()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = watch.sample()
        idle = sum(now.values()) - sum(before.values()) < IDLE_CORES * 0.5
        if idle and now.keys() == before.keys():
            return True
        before = now
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn's supervisor stops its workers), then SIGKILL to its own process group."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the group holds only this server and workers
        process.wait()


@dataclass(frozen=True)
class Server:
    """A server to start, the route that says it is up, and the targets driven on it."""

    name: str
    command: tuple[str, ...]
    port: int
    ready: str
    targets: dict[str, list[Request] | None]  # None: the ready route itself


@contextmanager
def serving(
    server: Server, env: dict[str, str], workers: int, logs: Path, cwd: Path = REPO
) -> Iterator[Watch]:
    """Run `server` until the block ends, its output in `logs`; yield it once it is ready.
    `cwd`: the checkout it runs from (benchmarks/baseline.py; its code_env in `env`)."""
    log(f"starting {server.name}: {' '.join(server.command)}")
    with logs.open("wb") as out:
        process = subprocess.Popen(
            server.command,
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            watch = Watch(process, workers)
            try:
                watch.settled = _wait_ready(watch, server.port, server.ready)
            except RuntimeError as exc:
                log(logs.read_text(errors="replace")[-3000:])
                raise RuntimeError(f"{exc} ({watch.restarts} worker restarts seen)") from None
            if not watch.settled:
                log(f"warning: {server.name} answers but did not settle: measuring anyway")
            yield watch
        finally:
            _stop(process)


def kb_env(data_dir: Path) -> dict[str, str]:
    """This environment without KB_* variables, with KB_DATA_DIR pointing at `data_dir`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env["KB_DATA_DIR"] = str(data_dir)
    return env


@dataclass(frozen=True)
class Setup:
    """How one server runs the knowledge base: its search engine, its matchers' encoder, and
    whether it records delivery events (KB_EVENTS "on" or "off"; None: the default, on)."""

    engine: str = DEFAULT_ENGINE
    encoder: str = DEFAULT_ENCODER
    events: str | None = None


def setups(
    engines: Sequence[str], encoders: Sequence[str], events: Sequence[str] = ()
) -> list[Setup]:
    """Every engine with every encoder (and events on and off, if asked), in the order given."""
    return [
        Setup(engine, encoder, on)
        for engine in engines
        for encoder in encoders
        for on in (events or (None,))
    ]


def setup_label(setup: Setup, engines: Sequence[str], encoders: Sequence[str]) -> str:
    """What names a setup's targets: its engine and/or encoder where more than the default
    runs, empty when only the default ones do (the names every earlier run used)."""
    parts = [setup.engine] if list(engines) != [DEFAULT_ENGINE] else []
    parts += [setup.encoder] if list(encoders) != [DEFAULT_ENCODER] else []
    parts += [f"events {setup.events}"] if setup.events else []
    return ", ".join(parts)


def setup_env(env: dict[str, str], setup: Setup) -> dict[str, str]:
    """`env` with KB_SEARCH_ENGINE, KB_ENCODER and KB_EVENTS naming the setup's (unset for
    defaults)."""
    env = {k: v for k, v in env.items() if k not in ("KB_SEARCH_ENGINE", "KB_ENCODER", "KB_EVENTS")}
    if setup.engine != DEFAULT_ENGINE:
        env["KB_SEARCH_ENGINE"] = setup.engine
    if setup.encoder != DEFAULT_ENCODER:
        env["KB_ENCODER"] = setup.encoder
    if setup.events:
        env["KB_EVENTS"] = "true" if setup.events == "on" else "false"
    return env


def kb_command(env: dict[str, str], *args: str) -> None:
    """Run `kb ARGS...`; its output only when it fails."""
    named = [f"{k}={env[k]}" for k in ("KB_SEARCH_ENGINE", "KB_ENCODER", "KB_EVENTS") if k in env]
    log(f"kb {' '.join(args)}" + (f" ({', '.join(named)})" if named else ""))
    done = subprocess.run(
        [*KB_CLI, *args], env=env, cwd=REPO, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"kb {args[0]} failed:\n{done.stdout}{done.stderr}")


def prepare(env: dict[str, str], content: Path = CONTENT) -> None:
    """`kb import content` then `kb publish`, as an editor would."""
    kb_command(env, "import", str(content))
    kb_command(env, "publish", "-m", "api_load benchmark")


def generated_units(count: int, seed: int) -> list[UnitDocument]:
    """The first `count` units benchmarks/search_answer.py generates with `seed` (English)."""
    from search_answer import english_units  # imported here: it loads the knowledge base

    units, _topics = english_units(count, random.Random(seed))
    return units


def write_content(units: Sequence[UnitDocument], root: Path) -> Path:
    """`units` as a content folder (one Markdown file each), as `kb import` reads them."""
    for unit in units:
        path = root / unit.locale / (unit.category or "general") / f"{unit.id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(unit.to_markdown(), encoding="utf-8")
    return root


# -- the load -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """How a target is driven: the same for every target, so that their figures compare."""

    port: int
    paths: tuple[str, ...]
    warmup_s: float
    seconds: float
    #: Put a number no request had before in front of each question, so that no response
    #: can come from the server's cache of repeated requests.
    unique: bool = False
    #: What is put in front ({seed}: the client's, {n}: its request number).
    marker: str = ANSWER_MARKER
    #: All clients open their connections at once (a barrier), then all start sending (another),
    #: as wrk does: a burst of connections, every one open before the first request.
    burst: bool = False


def _client(load: Load, seed: int, barrier: Any, results: Any) -> None:
    """One client process: a keep-alive connection, requests back to back, each one timed."""
    paths = list(load.paths)
    random.Random(seed).shuffle(paths)
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    warmup_errors = 0
    received = 0
    connection = http.client.HTTPConnection(HOST, load.port, timeout=REQUEST_TIMEOUT_S)
    if load.burst:  # every connection at once, then every client at once: how wrk starts
        barrier.wait()
        connection.connect()
    barrier.wait()
    warm_until = time.perf_counter() + load.warmup_s
    stop_at = warm_until + load.seconds
    cpu_start: float | None = None
    n = 0
    while (began := time.perf_counter()) < stop_at:
        if cpu_start is None and began >= warm_until:
            cpu_start = time.process_time()
        error = None
        try:
            path = paths[n % len(paths)]
            if load.unique:
                path = path.replace("q=", f"q={load.marker.format(seed=seed, n=n)}+", 1)
            connection.request("GET", path)
            response = connection.getresponse()
            size = len(response.read())
            if not 200 <= response.status < 300:
                error = f"HTTP {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            error = type(exc).__name__
            size = 0
            connection.close()
            connection = http.client.HTTPConnection(HOST, load.port, timeout=REQUEST_TIMEOUT_S)
        ended = time.perf_counter()
        n += 1
        if began < warm_until:
            warmup_errors += error is not None
        elif ended <= stop_at:
            latencies.append((ended - began) * 1000)
            received += size
            if error:
                errors[error] += 1
    connection.close()
    cpu = time.process_time() - cpu_start if cpu_start is not None else 0.0
    results.put(
        {
            "latencies": latencies,
            "errors": dict(errors),
            "warmup_errors": warmup_errors,
            "bytes": received,
            "cpu_s": cpu,
        }
    )


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max/mean of `samples` (nearest rank)."""
    ordered = sorted(samples)

    def rank(q: float) -> float:
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    return {
        "p50": rank(0.50),
        "p95": rank(0.95),
        "p99": rank(0.99),
        "max": ordered[-1],
        "mean": sum(ordered) / len(ordered),
    }


def drive(load: Load, clients: int, seed: int, watch: Watch) -> dict[str, Any]:
    """Run `clients` client processes against one target: their merged figures, and the CPU."""
    # Forked, not spawned: a spawned client would import this module again first.
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(clients + 1)
    results = ctx.Queue()
    processes = [
        ctx.Process(target=_client, args=(load, seed + k, barrier, results), daemon=True)
        for k in range(clients)
    ]
    for process in processes:
        process.start()
    try:
        barrier.wait(timeout=CLIENT_START_TIMEOUT_S)
        if load.burst:  # the clients have connected; now they start
            barrier.wait(timeout=CLIENT_START_TIMEOUT_S)
        restarts = watch.restarts
        time.sleep(load.warmup_s)
        server_before, busy_before = watch.sample(), busy_cpu_s()
        stop_at = time.monotonic() + load.seconds
        while time.monotonic() < stop_at - 0.5:
            time.sleep(0.5)
            watch.sample()  # to see workers that come and go within the window
        time.sleep(max(0.0, stop_at - time.monotonic()))
        server_after, busy_after = watch.sample(), busy_cpu_s()
        deadline = time.monotonic() + REQUEST_TIMEOUT_S + 10
        outcomes = []
        for _ in processes:
            try:
                outcomes.append(results.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                raise RuntimeError("a client did not report back (hard stop)") from None
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join()
    latencies = [ms for o in outcomes for ms in o["latencies"]]
    errors: Counter[str] = Counter()
    for outcome in outcomes:
        errors.update(outcome["errors"])
    # Every worker, idle ones included (an idle worker got no connection), and any other
    # server process that did work (the single process when there is one worker).
    worked = {
        pid: used - server_before.get(pid, 0.0)
        for pid, used in server_after.items()
        if pid in watch.started or used - server_before.get(pid, 0.0) > 0.01 * load.seconds
    }
    server_s = sum(worked.values())
    client_s = sum(o["cpu_s"] for o in outcomes)
    memory = [memory_mb(pid) for pid in worked]
    return {
        "requests": len(latencies),
        "seconds": load.seconds,
        "requests_per_s": len(latencies) / load.seconds,
        "latency_ms": percentiles(latencies) if latencies else None,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "warmup_errors": sum(o["warmup_errors"] for o in outcomes),
        "mean_response_bytes": sum(o["bytes"] for o in outcomes) / max(1, len(latencies)),
        # Cores busy during the measured window: each server process that worked, the clients,
        # and everything else on the machine (this script included; other users' jobs too).
        "server_cores": sorted((round(s / load.seconds, 2) for s in worked.values()), reverse=True),
        # Each of those processes' memory at the end of the window, and its peak so far.
        "server_rss_mb": sorted((round(rss) for rss, _ in memory), reverse=True),
        "server_peak_rss_mb": sorted((round(peak) for _, peak in memory), reverse=True),
        "client_cores": round(client_s / load.seconds, 2),
        "other_cores": round(
            max(0.0, busy_after - busy_before - server_s - client_s) / load.seconds, 2
        ),
        "worker_restarts": watch.restarts - restarts,
    }


def check_mix(port: int, mix: Sequence[Request], what: str) -> dict[str, Any]:
    """Each distinct request once on one connection: outcomes per kind and unloaded latency."""
    outcomes: dict[str, Counter[str]] = {}
    latencies: list[float] = []
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    for request in mix:
        counts = outcomes.setdefault(request.kind, Counter())
        began = time.perf_counter()
        try:
            connection.request("GET", request.path)
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            counts[type(exc).__name__] += 1
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
            continue
        latencies.append((time.perf_counter() - began) * 1000)
        if response.status != 200:
            counts[f"HTTP {response.status}"] += 1
        elif what == "answer":
            counts[json.loads(body)["status"]] += 1
        elif what == "search":
            counts["hits" if json.loads(body)["hits"] else "no hits"] += 1
        else:
            counts[f"{len(body) // 1024:,} KB"] += 1
    connection.close()
    return {
        "requests": len(mix),
        "by_locale": dict(Counter(r.locale for r in mix)),
        "outcomes": {kind: dict(c) for kind, c in sorted(outcomes.items())},
        "unloaded_latency_ms": percentiles(latencies) if latencies else None,
    }


def target_names(
    targets: Sequence[str],
    engines: Sequence[str],
    encoders: Sequence[str] = (DEFAULT_ENCODER,),
    events: Sequence[str] = (),
) -> list[str]:
    """What each driven target is called: a knowledge-base target is named after its engine
    and encoder unless only the default ones run (the names every earlier run used), and
    after its events setting when --events compares them."""
    names = ["bare"] if "bare" in targets else []
    for setup in setups(engines, encoders, events):
        label = setup_label(setup, engines, encoders)
        for target in ALL_TARGETS[1:]:
            if target in targets:
                names.append(f"{target} [{label}]" if label else target)
    return names


def kind(name: str) -> str:
    """The target a (possibly setup-named) result measured: "search [tantivy]" -> "search"."""
    return name.split(" [", 1)[0]


# -- the report ---------------------------------------------------------------------------------


def _ms(figures: dict[str, Any], key: str) -> str:
    latency = figures.get("latency_ms")
    return f"{latency[key]:.2f}" if latency else "-"


def _ceiling(results: dict[str, dict[str, Any]]) -> float:
    return float(results.get("bare", {}).get("requests_per_s") or 0.0)


def load_table(results: dict[str, dict[str, Any]], names: Sequence[str] = TARGETS) -> str:
    """One row per target: volume, latency percentiles, errors and the share of the ceiling."""
    ceiling = _ceiling(results)
    cells = [["target", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "x bare"]]
    for name in names:
        f = results.get(name)
        if f is None:
            cells.append([name, "not measured", *["-"] * 6])
            continue
        cells.append(
            [
                name,
                f"{f['requests']:,}",
                f"{f['requests_per_s']:,.0f}",
                _ms(f, "p50"),
                _ms(f, "p95"),
                _ms(f, "p99"),
                f"{f['errors']:,}",
                f"{f['requests_per_s'] / ceiling:.2f}" if ceiling else "-",
            ]
        )
    return render_table(cells)


def cpu_table(results: dict[str, dict[str, Any]]) -> str:
    """Where the cores went during each window, and what else a reader needs to trust it."""
    cells = [
        [
            "target",
            "response bytes",
            "server cores (per process)",
            "client cores",
            "other cores",
            "worker restarts",
            "server RSS MB (peak)",
        ]
    ]
    for name, f in results.items():
        rss, peak = f.get("server_rss_mb", []), f.get("server_peak_rss_mb", [])
        cells.append(
            [
                name,
                f"{f['mean_response_bytes']:,.0f}",
                " + ".join(f"{c:.2f}" for c in f["server_cores"]) or "0",
                f"{f['client_cores']:.2f}",
                f"{f['other_cores']:.2f}",
                f"{f['worker_restarts']}",
                " + ".join(f"{r:,}" for r in rss) + (f" ({max(peak):,})" if peak else "") or "-",
            ]
        )
    return render_table(cells)


def mix_table(checks: dict[str, dict[str, Any]]) -> str:
    """What the mixes are made of and what the API said to each kind, unloaded."""
    cells = [["request kind", "requests", "outcomes (one pass, one connection)"]]
    for what, check in checks.items():
        for kind, counts in check["outcomes"].items():
            cells.append([f"{what}: {kind}", f"{sum(counts.values())}", _tally(Counter(counts))])
        latency = check["unloaded_latency_ms"]
        cells.append(
            [
                f"{what}: all, unloaded p50 / p99 ms",
                f"{check['requests']}",
                f"{latency['p50']:.2f} / {latency['p99']:.2f}" if latency else "-",
            ]
        )
    return render_table(cells)


def targets(
    results: dict[str, dict[str, Any]], names: Sequence[str] = TARGETS
) -> list[dict[str, Any]]:
    """PASS/FAIL of the issue's goals: answer >= half the ceiling, p99 < 50 ms, no errors."""
    ceiling = _ceiling(results)
    checks = []
    for name in (n for n in names if kind(n) in ("answer", "answer_new")):
        rate = results.get(name, {}).get("requests_per_s")
        ratio = rate / ceiling if rate is not None and ceiling else None
        checks.append(
            {
                "target": f"{name} req/s >= {MIN_BARE_RATIO:g} x bare",
                "value": None if ratio is None else round(ratio, 3),
                "limit": f">= {MIN_BARE_RATIO:g}",
                "pass": ratio is not None and ratio >= MIN_BARE_RATIO,
            }
        )
    for name in (n for n in names if kind(n) in ("answer", "answer_new", "search", "search_new")):
        p99 = (results.get(name, {}).get("latency_ms") or {}).get("p99")
        checks.append(
            {
                "target": f"{name} p99 < {P99_LIMIT_MS:g} ms",
                "value": None if p99 is None else round(p99, 2),
                "limit": f"< {P99_LIMIT_MS:g}",
                "pass": p99 is not None and p99 < P99_LIMIT_MS,
            }
        )
    for name in names:
        figures = results.get(name)
        errors = None if figures is None else figures["errors"] + figures["warmup_errors"]
        checks.append(
            {
                "target": f"{name} errors (warm-up included)",
                "value": errors,
                "limit": "= 0",
                "pass": errors == 0,
            }
        )
    return checks


def events_cost(run: Run, names: Sequence[str]) -> list[dict[str, Any]]:
    """Each answer target with events on next to it with events off (--events on,off): both
    throughputs, their ratio, each round's ratio (on and off driven back to back) and their
    median, and whether it meets MIN_EVENTS_RATIO: the median of the rounds' ratios when there
    are rounds (what a shared machine did in one round's windows weighs on both; a round
    disturbed more in one of its windows moves a mean, not the median), else the ratio."""
    costs = []
    for on in (n for n in names if kind(n) in ("answer", "answer_new") and "events on" in n):
        off = on.replace("events on", "events off")
        with_events, without = run.results.get(on), run.results.get(off)
        if with_events is None or without is None or not without["requests_per_s"]:
            continue
        ratio = with_events["requests_per_s"] / without["requests_per_s"]
        paired = zip(run.rounds.get(on, []), run.rounds.get(off, []), strict=False)
        rounds = [
            a["requests_per_s"] / b["requests_per_s"] for a, b in paired if b["requests_per_s"]
        ]
        median = statistics.median(rounds) if len(rounds) > 1 else ratio
        costs.append(
            {
                "target": kind(on),
                "on": on,
                "off": off,
                "on_requests_per_s": round(with_events["requests_per_s"], 1),
                "off_requests_per_s": round(without["requests_per_s"], 1),
                "ratio": round(ratio, 3),
                "rounds_ratio": [round(r, 3) for r in rounds],
                "median_round_ratio": round(median, 3),
                # What a request cost the server's processes, median of the rounds: less moved
                # by other work on the machine than the rate is.
                "on_server_cpu_us": _cpu_per_request(run.rounds.get(on) or [with_events]),
                "off_server_cpu_us": _cpu_per_request(run.rounds.get(off) or [without]),
                "on_p99_ms": (with_events.get("latency_ms") or {}).get("p99"),
                "off_p99_ms": (without.get("latency_ms") or {}).get("p99"),
                "pass": median >= MIN_EVENTS_RATIO,
            }
        )
    return costs


def _cpu_per_request(rounds: Sequence[dict[str, Any]]) -> float | None:
    """Microseconds of server CPU a request took, the median of `rounds`' windows."""
    costs = [
        sum(f["server_cores"]) * f["seconds"] / f["requests"] * 1e6
        for f in rounds
        if f["requests"] and "seconds" in f
    ]
    return round(statistics.median(costs), 1) if costs else None


def events_table(costs: Sequence[dict[str, Any]]) -> str:
    """The events-on vs events-off comparison, a row per answer target."""
    cells = [
        [
            "target",
            "events on req/s",
            "events off req/s",
            "on / off",
            "median",
            "server CPU us/request on / off",
            "each round",
        ]
    ]
    for c in costs:
        each = ", ".join(f"{r:.3f}" for r in c["rounds_ratio"])
        cells.append(
            [
                c["target"],
                f"{c['on_requests_per_s']:,.1f}",
                f"{c['off_requests_per_s']:,.1f}",
                f"{c['ratio']:.3f}",
                f"{c['median_round_ratio']:.3f}",
                f"{c['on_server_cpu_us'] or 0:,.0f} / {c['off_server_cpu_us'] or 0:,.0f}",
                each or "-",
            ]
        )
    return render_table(cells)


def events_checks(costs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's goal for each comparison: events on within 10% of events off."""
    return [
        {
            "target": f"{c['target']} req/s events on >= {MIN_EVENTS_RATIO:g} x off",
            "value": c["median_round_ratio"],
            "limit": f">= {MIN_EVENTS_RATIO:g}",
            "pass": c["pass"],
        }
        for c in costs
    ]


def targets_table(checks: Sequence[dict[str, Any]]) -> str:
    cells = [["target", "value", "goal", "verdict"]]
    for c in checks:
        value = "-" if c["value"] is None else str(c["value"])
        cells.append([c["target"], value, c["limit"], "pass" if c["pass"] else "FAIL"])
    return render_table(cells)


def server_lines(servers: dict[str, dict[str, Any]]) -> list[str]:
    """How each server started and behaved, and the problems it logged."""
    lines: list[str] = []
    for name, info in servers.items():
        if "startup_s" not in info:
            lines.append(f"{name} server: FAILED: {info.get('failed')}")
        else:
            lines.append(
                f"{name} server: ready in {info['startup_s']:.1f} s"
                + ("" if info["settled"] else " (still busy or restarting workers then)")
                + f", {info['worker_restarts_at_startup']} worker restarts before ready,"
                f" {info['worker_restarts_in_total']} in total"
                + (f"; FAILED: {info['failed']}" if "failed" in info else "")
            )
        if info["log_problems"]:
            lines.append(f"  it logged {len(info['log_problems'])} problem line(s); the last:")
            lines.extend(f"    {line}" for line in info["log_problems"][-5:])
    return lines


@dataclass
class Run:
    """Everything one run measured."""

    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    servers: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Each target's figures round by round (--rounds; one round otherwise).
    rounds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Seconds the knowledge base took to get ready before any server: the CLI's import and
    #: publish, and each further setup's reindex.
    prepared_s: dict[str, float] = field(default_factory=dict)


_PROBLEM = re.compile(r"error|traceback|exception|warning", re.IGNORECASE)


def drive_targets(
    server: Server, watch: Watch, args: argparse.Namespace, run: Run, *, first: bool = True
) -> None:
    """Drive each of `server`'s targets once, each mix checked first on the `first` pass; a
    target driven in several rounds keeps each round's figures and their merge."""
    for target, mix in server.targets.items():
        unique = kind(target).endswith("_new")
        if first and mix is not None and not unique:  # x_new: the mix of x again
            log(f"checking the {target} mix ({len(mix)} requests, one connection)")
            run.checks[target] = check_mix(server.port, mix, kind(target))
        paths = tuple(r.path for r in mix) if mix else (server.ready,)
        marker = SEARCH_MARKER if kind(target) == "search_new" else ANSWER_MARKER
        load = Load(server.port, paths, args.warmup, args.seconds, unique, marker, args.burst)
        log(f"driving {target} for {args.warmup:g} + {args.seconds:g} s ...")
        rounds = run.rounds.setdefault(target, [])
        rounds.append(drive(load, args.clients, args.seed, watch))
        run.results[target] = merged(rounds)


def merged(rounds: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One target's figures over its rounds: requests, errors and CPU added up or averaged,
    the latency percentiles and memory of the round of median throughput, and each round's
    req/s (`rounds_requests_per_s`)."""
    if len(rounds) == 1:
        return rounds[0]
    rates = [f["requests_per_s"] for f in rounds]
    median = sorted(rounds, key=lambda f: f["requests_per_s"])[len(rounds) // 2]
    total = sum(f["requests"] for f in rounds)
    n = len(rounds)
    return {
        **median,
        "requests": total,
        "requests_per_s": sum(rates) / n,
        "errors": sum(f["errors"] for f in rounds),
        "warmup_errors": sum(f["warmup_errors"] for f in rounds),
        "mean_response_bytes": sum(f["mean_response_bytes"] * f["requests"] for f in rounds)
        / max(1, total),
        "client_cores": round(sum(f["client_cores"] for f in rounds) / n, 2),
        "other_cores": round(sum(f["other_cores"] for f in rounds) / n, 2),
        "worker_restarts": sum(f["worker_restarts"] for f in rounds),
        "rounds_requests_per_s": [round(r, 1) for r in rates],
    }


def _server_info(watch: Watch, began: float) -> dict[str, Any]:
    info = {
        "startup_s": round(time.monotonic() - began, 1),
        "settled": watch.settled,
        "worker_restarts_at_startup": watch.restarts,
    }
    log(f"ready in {info['startup_s']} s ({watch.restarts} worker restarts)")
    return info


def _logged_problems(logs: Path) -> list[str]:
    text = logs.read_text(errors="replace")
    return [line for line in text.splitlines() if _PROBLEM.search(line)]


def serve_and_drive(
    server: Server, env: dict[str, str], logs: Path, args: argparse.Namespace, run: Run
) -> dict[str, Any]:
    """Start `server`, drive each of its targets in turn; what the server itself did."""
    began = time.monotonic()
    info: dict[str, Any] = {}
    try:
        with serving(server, env, args.workers, logs) as watch:
            info |= _server_info(watch, began)
            try:
                drive_targets(server, watch, args, run)
            finally:
                info["worker_restarts_in_total"] = watch.restarts
    except RuntimeError as exc:  # the run goes on: what failed is in the report
        log(f"{server.name}: {exc}")
        info["failed"] = str(exc)
    info["log_problems"] = _logged_problems(logs)
    return info


def serve_all_and_drive(
    servers: Sequence[tuple[Server, dict[str, str], Path]], args: argparse.Namespace, run: Run
) -> None:
    """--rounds N: start every server (one after another, each settled before the next) and
    keep them all up, then drive each one's targets in each round, the order reversed every
    other round, so that what the machine did meanwhile weighs on every server alike."""
    infos: dict[str, dict[str, Any]] = {server.name: {} for server, _, _ in servers}
    watches: list[Watch] = []
    try:
        with ExitStack() as stack:
            for server, env, logs in servers:
                began = time.monotonic()
                watch = stack.enter_context(serving(server, env, args.workers, logs))
                infos[server.name] |= _server_info(watch, began)
                watches.append(watch)
            try:
                for number in range(args.rounds):
                    order = list(zip(servers, watches, strict=True))
                    for (server, _, _), watch in order[:: -1 if number % 2 else 1]:
                        log(f"round {number + 1} of {args.rounds}: {server.name}")
                        drive_targets(server, watch, args, run, first=number == 0)
            finally:
                for (server, _, _), watch in zip(servers, watches, strict=False):
                    infos[server.name]["worker_restarts_in_total"] = watch.restarts
    except RuntimeError as exc:  # the run goes on: what failed is in the report
        log(f"rounds: {exc}")
        for info in infos.values():
            info["failed"] = str(exc)
    for server, _, logs in servers:
        infos[server.name]["log_problems"] = _logged_problems(logs)
        run.servers[server.name] = infos[server.name]


def measure(
    mixes: dict[str, list[Request]],
    args: argparse.Namespace,
    generated: Sequence[UnitDocument] | None = None,
) -> Run:
    """Prepare the knowledge base (the sample content, or the `generated` units), then serve
    and drive each target in turn: bare first, then the knowledge base with each engine and
    encoder (a setup's index and matchers are built by `kb reindex` before its server starts),
    and events on and off; with --rounds N every server is up at once and driven N times."""
    run = Run()
    common = ("--host", HOST, "--workers", str(args.workers), "--log-level", args.log_level)
    names = target_names(args.targets, args.engines, args.encoders, args.events)
    every = setups(args.engines, args.encoders, args.events)
    servers: list[tuple[Server, Setup]] = []
    if "bare" in names:
        port = free_port()
        command = (*BARE_UVICORN, "--port", str(port), *common)
        servers.append((Server("bare", command, port, "/bare", {"bare": None}), Setup()))
    for setup in every:
        label = setup_label(setup, args.engines, args.encoders)
        wanted: dict[str, list[Request] | None] = {  # x_new drives the mix of x
            name: mixes[kind(name).removesuffix("_new")]
            for name in names
            if name != "bare" and (not label or name.endswith(f" [{label}]"))
        }
        if not wanted:
            continue
        port = free_port()
        serve = (*KB_CLI, "serve", "--port", str(port), *common)
        name = f"kb [{label}]" if label else "kb"
        servers.append((Server(name, serve, port, "/healthz", wanted), setup))
    with tempfile.TemporaryDirectory(prefix="kb-api-load-") as scratch:
        root = Path(scratch)
        env = kb_env(root / "data")
        content = CONTENT if generated is None else write_content(generated, root / "content")
        began = time.monotonic()
        prepare(setup_env(env, every[0]), content)
        run.prepared_s = {"import and publish": round(time.monotonic() - began, 1)}
        built = {(every[0].engine, every[0].encoder)}
        for setup in every[1:]:
            if (setup.engine, setup.encoder) in built:  # events on or off: the same index
                continue
            built.add((setup.engine, setup.encoder))
            began = time.monotonic()
            kb_command(setup_env(env, setup), "reindex")  # its index, before it serves
            label = setup_label(setup, args.engines, args.encoders)
            run.prepared_s[f"reindex [{label}]"] = round(time.monotonic() - began, 1)
        started = [
            (
                server,
                setup_env(env, setup),
                root / f"{re.sub(r'[^a-z]+', '-', server.name).strip('-')}.log",
            )
            for server, setup in servers
        ]
        if args.rounds > 1:
            serve_all_and_drive(started, args, run)
        else:
            for server, server_env, logs in started:
                run.servers[server.name] = serve_and_drive(server, server_env, logs, args, run)
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="server processes per server")
    parser.add_argument("--clients", type=int, default=4, help="client processes (connections)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per target")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured time per target")
    parser.add_argument("--seed", type=int, default=42, help="seed for the mixes and their order")
    parser.add_argument("--log-level", default="warning", help="uvicorn log level of both")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--burst",
        action="store_true",
        help="the clients open their connections at once, then start sending, as wrk does",
    )
    parser.add_argument(
        "--engines",
        default=DEFAULT_ENGINE,
        help="comma-separated search engines to serve the knowledge base with (whoosh, tantivy)",
    )
    parser.add_argument(
        "--encoders",
        default=DEFAULT_ENCODER,
        help="comma-separated sentence encoders to serve the knowledge base with "
        "(use-multilingual, none: words alone)",
    )
    parser.add_argument(
        "--events",
        default="",
        help="on,off: serve the knowledge base with delivery events recorded (KB_EVENTS=true) "
        "and without, and compare their answer throughput (issue 16's goal: within 10%%)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="keep every server up and drive each one's targets this many times, alternating "
        "(what the machine does meanwhile then weighs on each alike)",
    )
    parser.add_argument(
        "--units",
        type=int,
        help="serve this many generated English units (benchmarks/search_answer.py's corpus) "
        "instead of the sample content",
    )
    parser.add_argument(
        "--targets",
        default=",".join(TARGETS),
        help=f"comma-separated targets to drive, of {', '.join(ALL_TARGETS)} (search_new: the "
        "search mix with a never-seen word in front, so no response comes from the cache)",
    )
    args = parser.parse_args(argv)
    if args.workers < 1 or args.clients < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("workers and clients must be at least 1, seconds positive")
    args.engines = list(dict.fromkeys(e.strip() for e in args.engines.split(",") if e.strip()))
    if not args.engines or set(args.engines) - set(ENGINES):
        parser.error(f"engines are {', '.join(ENGINES)}")
    args.encoders = list(dict.fromkeys(e.strip() for e in args.encoders.split(",") if e.strip()))
    args.events = list(dict.fromkeys(e.strip() for e in args.events.split(",") if e.strip()))
    if set(args.events) - {"on", "off"}:
        parser.error("--events takes on, off or on,off")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    if not args.targets or set(args.targets) - set(ALL_TARGETS):
        parser.error(f"targets are {', '.join(ALL_TARGETS)}")
    if args.units is not None and args.units < MIX_UNITS:
        parser.error(f"--units must be at least {MIX_UNITS}")

    # Imported here, not at the top: uvicorn's workers import this module for `bare_app`, and
    # the bare ceiling should not load the knowledge base's code (seconds of CPU, 100+ MB each).
    from importers.content_folder import read_folder
    from kb.answers.encoding import registry as encoders
    from renderers import registry

    if encoders.DEFAULT_ENCODER != DEFAULT_ENCODER:
        parser.error(f"DEFAULT_ENCODER here is not the registry's {encoders.DEFAULT_ENCODER!r}")
    if not args.encoders or set(args.encoders) - set(encoders.encoder_names()):
        parser.error(f"encoders are {', '.join(encoders.encoder_names())}")

    rng = random.Random(args.seed)
    generated = None
    if args.units is None:
        units = [s.document for s in read_folder(CONTENT, channels=registry.names()).units]
        chatbot, web = shown_on(units, "chatbot"), shown_on(units, "web")
    else:
        units = generated = generated_units(args.units, args.seed)
        chatbot = rng.sample(shown_on(units, "chatbot"), MIX_UNITS)
        web = rng.sample(shown_on(units, "web"), MIX_UNITS)
    mixes = {
        "answer": answer_mix(chatbot, rng),
        "search": search_mix(web, rng),
        **faq_mixes(web),
    }
    facts = machine_facts()
    print(
        f"python {facts['python']} ({facts['implementation']}), {facts['cpu_count']} CPUs, "
        f"{facts['platform']}"
    )
    print(
        f"{args.workers} server workers per server, {args.clients} client processes (one "
        f"keep-alive connection each{', opened at once before the start' if args.burst else ''}) "
        f"on the same machine, {args.warmup:g} s warm-up + "
        f"{args.seconds:g} s per target, seed {args.seed}"
    )
    print(f"content: {len(units)} units ({_tally(Counter(u.locale for u in units))})")
    if generated is not None:
        print(
            f"  generated by benchmarks/search_answer.py (seed {args.seed}); the mixes are "
            f"made of {MIX_UNITS} of them"
        )
    if args.encoders != [DEFAULT_ENCODER]:
        print(f"encoders (KB_ENCODER): {', '.join(args.encoders)}")
    if args.engines != [DEFAULT_ENGINE]:
        print(f"search engines (KB_SEARCH_ENGINE): {', '.join(args.engines)}")
        if "search_new" not in args.targets:
            print(
                "note: the search mix repeats, so after its first pass search is answered from "
                "the response cache; --targets ...,search_new measures the engines themselves"
            )
    for what, mix in mixes.items():
        print(f"{what} mix: {len(mix)} requests ({_tally(Counter(r.locale for r in mix))})")

    if args.events:
        print(f"delivery events (KB_EVENTS): {', '.join(args.events)}")
    if args.rounds > 1:
        print(
            f"{args.rounds} rounds: every server up at once, each target driven once a round, "
            "the order reversed every other round; req/s is the rounds' mean, the latencies "
            "those of the round of median req/s"
        )

    run = measure(mixes, args, generated)
    results, checks = run.results, run.checks
    names = target_names(args.targets, args.engines, args.encoders, args.events)
    print(
        "prepared in "
        + ", ".join(f"{what} {seconds:g} s" for what, seconds in run.prepared_s.items())
    )

    print()
    print(load_table(results, names))
    print()
    print(cpu_table(results))
    print()
    print(mix_table(checks))
    costs = events_cost(run, names)
    if costs:
        print()
        print("events on vs off (answer throughput, the same run):")
        print(events_table(costs))
    verdicts = targets(results, names) + events_checks(costs)
    print()
    print(f"targets ({facts['cpu_count']}-core machine, client on the same cores):")
    print(targets_table(verdicts))
    print()
    for line in server_lines(run.servers):
        print(line)
    for name, f in results.items():
        if max(f["server_cores"], default=0.0) < 0.5 and f["client_cores"] < 0.5:
            print(
                f"note: during {name} no server process was busy half the time"
                f" ({' + '.join(f'{c:.2f}' for c in f['server_cores'])} cores), nor the clients"
                f" ({f['client_cores']:.2f}): requests mostly waited, on the network stack or on"
                f" CPU taken by other processes ({f['other_cores']:.2f} cores)"
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "benchmark": "api_load",
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "machine": facts,
            "workers": args.workers,
            "clients": args.clients,
            "burst": args.burst,
            "warmup_s": args.warmup,
            "seconds": args.seconds,
            "seed": args.seed,
            "engines": args.engines,
            "encoders": args.encoders,
            "units": args.units,
            "events": args.events,
            "rounds": args.rounds,
            "prepared_s": run.prepared_s,
            "servers": run.servers,
            "results": results,
            "mixes": checks,
            "targets": verdicts,
            "events_cost": costs,
            "rounds_figures": run.rounds if args.rounds > 1 else None,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
