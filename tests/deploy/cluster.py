"""The deployment topology with real processes: `kb serve` replicas on one PostgreSQL database,
each with a data folder of its own (as on separate machines), behind Debian's haproxy (round
robin, health checks on /readyz, failed requests retried on another replica).

Used by tests/deploy/test_cluster.py and benchmarks/cluster.py; every process it starts is
stopped (SIGKILL at the latest) when its `ExitStack` closes, whatever failed.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from tests.api.servers import free_port

__all__ = [
    "Load",
    "Outcome",
    "Proxy",
    "Replica",
    "fresh_database",
    "haproxy_config",
    "haproxy_path",
    "kb_cli",
    "prepare",
    "publish_edit",
    "replicas",
    "serving_release",
    "wait_for",
]

REPO = Path(__file__).resolve().parents[2]
_BACKEND = "replicas"
#: The unit a publish edits, and what the load asks for: public in every channel, in English.
EDITED_UNIT = "check-balance"
#: The delivery GETs of the load: answers, searches and units; `{n}` is a number no request had
#: before, so that those answers and searches are computed, not taken from the response cache.
LOAD_PATHS = tuple(
    f"{route}?{urlencode(params)}".replace("%7Bn%7D", "{n}")
    for route, params in (
        ("/api/v1/answer", {"q": "how do I check my balance", "channel": "chatbot"}),
        ("/api/v1/answer", {"q": "{n} my phone asks for a PUK code", "channel": "chatbot"}),
        ("/api/v1/answer", {"q": "what is the weather tomorrow", "channel": "chatbot"}),
        ("/api/v1/search", {"q": "roaming", "channel": "web"}),
        ("/api/v1/search", {"q": "n{n} top up", "channel": "web"}),
        ("/api/v1/units/check-balance", {"channel": "web"}),
        ("/api/v1/units/no-signal", {"channel": "ivr"}),
    )
)
#: Seconds: a replica builds its first release before it is ready (the encoder loads then).
START_TIMEOUT_S = 300.0
REQUEST_TIMEOUT_S = 30.0
KB_SERVE = (sys.executable, "-m", "cli.main", "serve")


def wait_for(what: str, check: Callable[[], object], timeout: float, every: float = 0.05) -> float:
    """Call `check` until it returns true; the monotonic time it did. Past `timeout`: an error
    naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return time.monotonic()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(every)


@contextmanager
def fresh_database(base_url: str) -> Iterator[str]:
    """The URL of a new, empty database on `base_url`'s PostgreSQL server, dropped afterwards
    (its own, so that a publish's NOTIFY reaches only these replicas)."""
    import psycopg

    name = f"kb_cluster_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(base_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield urlsplit(base_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(base_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def kb_cli(env: Mapping[str, str], *args: str) -> str:
    """Run a `kb` command with `env` added; its standard output. A failure says what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env={**os.environ, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
    )
    if done.returncode:
        raise RuntimeError(f"kb {' '.join(args)} exited with {done.returncode}: {done.stderr}")
    return done.stdout


def prepare(env: Mapping[str, str]) -> str:
    """Import the sample content, publish it as release 1 and make a publisher key (its secret)."""
    kb_cli(env, "import", str(REPO / "content"))
    kb_cli(env, "publish", "-m", "sample content")
    return kb_cli(env, "keys", "create", "--role", "publisher", "--name", "cluster").split()[-1]


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    """One GET on a new connection: status, headers (lower-case names) and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, headers, response.read()
    finally:
        connection.close()


def serving_release(port: int) -> int | None:
    """The release a replica answers from right now (`X-KB-Version` of a unit), or None."""
    try:
        status, headers, _ = get(port, f"/api/v1/units/{EDITED_UNIT}?channel=web")
    except OSError:
        return None
    return int(headers["x-kb-version"]) if status == 200 else None


@dataclass
class Replica:
    """One `kb serve` process with its own data folder and port, started and stopped at will."""

    name: str
    env: dict[str, str]
    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the process (its log in the folder); returns at once."""
        data = self.folder / self.name
        data.mkdir(parents=True, exist_ok=True)
        with (self.folder / f"{self.name}.log").open("ab") as log:
            self.process = subprocess.Popen(
                [*KB_SERVE, "--port", str(self.port), "--log-level", "warning"],
                env={**os.environ, **self.env, "KB_DATA_DIR": str(data)},
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its process group is killed whole
            )
        self.started = time.monotonic()

    def log_tail(self, size: int = 3000) -> str:
        """The end of this replica's log (what it printed before it failed)."""
        log = self.folder / f"{self.name}.log"
        return log.read_text(errors="replace")[-size:] if log.exists() else ""

    def ready_release(self) -> int | None:
        """The release /readyz says this replica serves, when it is ready and current."""
        if self.process is None or self.process.poll() is not None:
            code = None if self.process is None else self.process.returncode
            ended = f"replica {self.name} is not running (exit {code})"
            raise RuntimeError(f"{ended}; its log ends:\n{self.log_tail()}")
        try:
            status, _, body = get(self.port, "/readyz")
        except OSError:
            return None
        answer = json.loads(body) if status == 200 else {}
        return answer["kb_version"] if answer.get("status") == "ready" else None

    def wait_ready(self, release: int, timeout: float = START_TIMEOUT_S) -> float:
        """Until /readyz says this replica serves `release` (or later); the time it did."""
        return wait_for(
            f"replica {self.name} ready with release {release}",
            lambda: (self.ready_release() or 0) >= release,
            timeout,
            every=0.1,
        )

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crashed machine (no graceful shutdown)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL what is left; nothing of it runs afterwards."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(15)
        self.kill()


def haproxy_path() -> str:
    """Debian's haproxy (in /usr/sbin, which is not on every PATH)."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
    if not found:
        raise FileNotFoundError("haproxy is not installed (apt-get install haproxy)")
    return found


def haproxy_config(port: int, servers: Mapping[str, int], stats_socket: Path) -> str:
    """An haproxy configuration as one would deploy it in front of the replicas.

    Round robin; a replica takes requests once GET /readyz answers 200 twice, and none once it
    failed twice (checked every 0.5 s). A request whose connection fails or is closed without
    an answer (a replica killed mid-request), or that gets a 5xx, is sent again, up to 3 times,
    each time to another replica (`option redispatch 1`); only GET and HEAD, which are safe to
    send again (as deploy/haproxy.cfg does). The shipped file adds Docker's DNS, logging and
    forwarded headers; what is tested here is the balancing, the checks and the retries.
    """
    lines = [
        "global",
        "    maxconn 512",
        f"    stats socket {stats_socket} mode 600 level admin",
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    timeout check 2s",
        "    retries 3",
        "    option redispatch 1",
        "    retry-on all-retryable-errors",
        "frontend kb",
        f"    bind 127.0.0.1:{port}",
        "    http-request disable-l7-retry unless { method GET HEAD }",
        f"    default_backend {_BACKEND}",
        f"backend {_BACKEND}",
        "    balance roundrobin",
        "    option httpchk",
        "    http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host localhost",
        "    http-check expect status 200",
        "    default-server check inter 500ms fall 2 rise 2",
        *(f"    server {name} 127.0.0.1:{server}" for name, server in servers.items()),
    ]
    return "\n".join(lines) + "\n"


@dataclass
class Proxy:
    """haproxy in the foreground with `haproxy_config`, and what its stats socket says."""

    folder: Path
    servers: dict[str, int]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def socket_path(self) -> Path:
        return self.folder / "haproxy.sock"

    @contextmanager
    def running(self) -> Iterator[Proxy]:
        """haproxy until the block ends, once it listens; then stopped (killed if need be)."""
        config = self.folder / "haproxy.cfg"
        config.write_text(haproxy_config(self.port, self.servers, self.socket_path))
        command = [haproxy_path(), "-db", "-f", str(config)]
        checked = subprocess.run([*command, "-c"], capture_output=True, text=True)
        if checked.returncode:
            raise RuntimeError(f"haproxy refuses {config}: {checked.stdout}{checked.stderr}")
        with (self.folder / "haproxy.log").open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            wait_for("haproxy listening", self._listening, 30)
            yield self
        finally:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def _listening(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"haproxy exited with {self.process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", self.port), 1).close()
        except OSError:
            return False
        return self.socket_path.exists()

    def stats(self) -> dict[str, dict[str, str]]:
        """`show stat` of the backend: a row per server and one named BACKEND (status, stot,
        wretr, wredis...), as haproxy's management guide describes them."""
        with socket.socket(socket.AF_UNIX) as connection:
            connection.settimeout(5)
            connection.connect(str(self.socket_path))
            connection.sendall(b"show stat\n")
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        text = b"".join(chunks).decode().lstrip("# ")
        rows = csv.DictReader(io.StringIO(text))
        return {row["svname"]: row for row in rows if row["pxname"] == _BACKEND}

    def status(self, server: str) -> str:
        """UP or DOWN (haproxy adds a transition, as in `UP 1/2`: only the word is kept)."""
        return self.stats()[server]["status"].split()[0]


@dataclass(frozen=True)
class Outcome:
    """One request of the load: its path, when it was sent and answered, its status (0 when no
    head came) or error, and the release that answered (X-KB-Version). `cut`: the head came but
    not the whole body (its replica died while sending it: too late for a proxy to retry)."""

    path: str
    sent: float
    done: float
    status: int
    release: int | None
    error: str | None = None
    cut: bool = False

    @property
    def failed(self) -> bool:
        return self.error is not None or not 200 <= self.status < 400


@dataclass
class Load:
    """Client threads, each on one keep-alive connection to `port`, sending the delivery GETs
    of LOAD_PATHS back to back until `stop` or `max_requests` each; every outcome is kept."""

    port: int
    clients: int = 4
    max_requests: int = 100_000
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def running(self) -> Iterator[Load]:
        """The clients until the block ends (then stopped, whatever happened)."""
        self.start()
        try:
            yield self
        finally:
            self.stop()

    def start(self) -> None:
        """Start the client threads; returns at once."""
        for number in range(self.clients):
            thread = threading.Thread(target=self._client, args=(number,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self) -> list[Outcome]:
        """Stop the clients (each finishes its request in flight); every outcome, in order."""
        self._stop.set()
        for thread in self._threads:
            thread.join(REQUEST_TIMEOUT_S + 5)
        return sorted(self.outcomes, key=lambda o: o.sent)

    def count(self) -> int:
        with self._lock:
            return len(self.outcomes)

    def _client(self, number: int) -> None:
        paths = itertools.islice(itertools.cycle(LOAD_PATHS), number, None)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S)
        for count, template in zip(range(self.max_requests), paths, strict=False):
            if self._stop.is_set():
                break
            path = template.replace("{n}", f"{number}x{count}")
            sent, status = time.monotonic(), 0
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                status, version = response.status, response.getheader("X-KB-Version")
                response.read()
                outcome = Outcome(path, sent, time.monotonic(), status, version and int(version))
            except (OSError, http.client.HTTPException) as exc:
                error = f"{type(exc).__name__}: {exc}"
                outcome = Outcome(path, sent, time.monotonic(), status, None, error, bool(status))
                connection.close()  # a new connection for the next request
            with self._lock:
                self.outcomes.append(outcome)


def _request(
    port: int, method: str, path: str, secret: str, body: object = None, etag: str | None = None
) -> tuple[int, dict[str, str], dict[str, object]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=START_TIMEOUT_S)
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    if etag:
        headers["If-Match"] = etag
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        answer = json.loads(response.read())
        return response.status, {k.lower(): v for k, v in response.getheaders()}, answer
    finally:
        connection.close()


def publish_edit(port: int, secret: str, note: str) -> tuple[int, float, float]:
    """Add `note` to EDITED_UNIT's draft and publish it through the replica on `port`: the new
    release's number, and the monotonic times the publish was sent and answered."""
    path = f"/api/v1/drafts/units/{EDITED_UNIT}?locale=en"
    status, headers, draft = _request(port, "GET", path, secret)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {draft}")
    source = str(draft["source"]).rstrip("\n") + f"\n\n{note}\n"
    status, _, saved = _request(port, "PUT", path, secret, {"source": source}, headers["etag"])
    if status != 200:
        raise RuntimeError(f"PUT {path}: {status} {saved}")
    sent = time.monotonic()
    status, _, plan = _request(port, "POST", "/api/v1/releases", secret, {"message": note})
    answered = time.monotonic()
    if status != 201:
        raise RuntimeError(f"POST /api/v1/releases: {status} {plan}")
    return int(plan["kb_version"]), sent, answered  # type: ignore[call-overload]


def replicas(
    stack: ExitStack, names: Sequence[str], env: Mapping[str, str], folder: Path
) -> dict[str, Replica]:
    """Replicas named `names` (not started), each stopped when `stack` closes."""
    made = {name: Replica(name, dict(env), folder) for name in names}
    for replica in made.values():
        stack.callback(replica.stop)
    return made
