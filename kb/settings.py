"""Typed settings for the service; the only module that reads the environment."""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import ConfigError

__all__ = ["DEFAULT_CHANNELS", "Settings"]

#: The channels a unit may name; the renderer registry provides the real list at run time.
DEFAULT_CHANNELS: tuple[str, ...] = (
    "web",
    "chatbot",
    "operator",
    "ivr",
    "email",
    "sms",
    "messenger",
)


def _default_data_dir(env: Mapping[str, str]) -> Path:
    """Follow the XDG convention so the embedded store lives where user data belongs."""
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kb"


@dataclass(frozen=True)
class Settings:
    """Everything the service can be configured with; built from the environment or by hand."""

    data_dir: Path
    database_url: str | None = None
    default_locale: str = "en"
    channels: tuple[str, ...] = field(default=DEFAULT_CHANNELS)
    author: str = "kb"
    search_engine: str = "tantivy"
    #: The sentence encoder of the matchers (`KB_ENCODER`); None: the default in
    #: kb/answers/encoding/registry.py; "none": words alone.
    encoder: str | None = None
    #: Report long work (encoding a first publish's questions) on standard error: the CLI.
    progress: bool = False
    #: Matcher thresholds; None keeps the defaults tuned in kb/answers/matcher.py.
    answer_threshold: float | None = None
    clarify_threshold: float | None = None
    clarify_margin: float | None = None
    #: The team a refusal hands over to when no unit comes close (`KB_DEFAULT_ROUTING`).
    default_routing: str | None = None
    #: Whether callers without a key get the reader role (public content) or a 401.
    anonymous_access: bool = True
    #: Web origins allowed to call the delivery routes from a browser ("*" for any).
    cors_origins: tuple[str, ...] = ()
    #: Web origins that may frame the operator panel and send it messages (Chatwoot, kb:search).
    panel_origins: tuple[str, ...] = ()
    #: How often a server asks the database whether another process published, in seconds
    #: (`KB_RELEASE_POLL_SECONDS`); None: every 0.25 s, or every 30 s while it LISTENs on
    #: PostgreSQL (a NOTIFY wakes it at once). A value set is used in both cases.
    release_poll_seconds: float | None = None
    #: The public base URL of the help pages (`KB_PUBLIC_URL`), so plain-text channels can give
    #: a reader absolute links to units; None: they name linked units without an address.
    public_url: str | None = None
    #: How long a client may take to send a request line and headers (`KB_HEADER_TIMEOUT_SECONDS`)
    #: once its connection is ready for one; then it gets a 408 and is closed, so slow or
    #: half-open connections cannot pile up in a worker.
    header_timeout_seconds: float = 10.0
    #: Connections one server worker holds at once (`KB_MAX_CONNECTIONS`); one more gets a 503
    #: and is closed, so a flood of slow connections costs bounded memory (a half-sent head
    #: may hold 64 KiB: 4,096 of them about 256 MiB).
    max_connections: int = 4096
    #: Memory each server worker keeps for responses, pages and renderings it may send again
    #: (`KB_RESPONSE_CACHE_MB`), least recently used forgotten first; 0 keeps none.
    response_cache_mb: int = 64
    #: One log line per request from each server worker (`KB_ACCESS_LOG`, uvicorn's access log
    #: at `--log-level info`); off by default: a line costs a request more than a cached answer's
    #: ETag and body together, and a proxy in front usually logs the same requests.
    access_log: bool = False
    #: How each server process writes its log lines (`KB_LOG_FORMAT`): "text" for people, or
    #: "json", one object a line for a log collector, each request's with its request id.
    log_format: str = "text"
    #: Who may read `/metrics` (`KB_METRICS_ROLE`): callers whose key holds this role or a
    #: higher one; "off" serves no `/metrics` on the API port at all.
    metrics_role: str = "admin"
    #: A port on the loopback interface that serves `/metrics` without a key
    #: (`KB_METRICS_PORT`), for a scraper on the same machine; None: none is opened.
    metrics_port: int | None = None
    #: Where OpenTelemetry traces go (`KB_TRACE_EXPORTER`): "otlp" (to the collector the
    #: standard `OTEL_EXPORTER_OTLP_*` variables name) or "console"; None: no tracing at all.
    trace_exporter: str | None = None
    #: On PostgreSQL, whether a server LISTENs for a release's NOTIFY (`KB_RELEASE_NOTIFY`), so
    #: it switches at once and polls only as the fallback; SQLite always polls.
    release_notify: bool = True
    #: Whether each `kb serve` process runs the scheduler (`KB_SCHEDULER`): scheduled releases,
    #: expiries and periodic jobs, each done by one process; off when `kb scheduler run` runs
    #: apart. It ticks every `KB_SCHEDULER_SECONDS`.
    scheduler: bool = True
    scheduler_seconds: float = 5.0
    #: Whether the scheduler makes a release when a unit of the current one expires or a unit
    #: left out for its publish_after reaches it (`KB_WINDOW_RELEASES`): the current release
    #: with just that change; off, they wait for the next release published.
    window_releases: bool = True
    #: Whether delivery responses are recorded as events with a receipt (`KB_EVENTS`): what
    #: insights, feedback and the operator's hand-over view read. Off: no events, no receipts.
    events: bool = True
    #: Whether an event keeps the customer's words, after redaction (`KB_EVENTS_STORE_TEXT`);
    #: false stores no question text at all (content gaps then have no examples to show).
    events_store_text: bool = True
    #: Events older than this many days are purged by the server (`KB_EVENTS_RETENTION_DAYS`);
    #: None keeps them until `kb events purge`.
    events_retention_days: int | None = 90
    #: Events a server worker holds for its writer before it drops new ones
    #: (`KB_EVENTS_QUEUE_SIZE`); drops are counted, a request never waits for the database.
    events_queue_size: int = 10_000
    #: Where a server's events are redacted and inserted (`KB_EVENTS_WRITER`): "process", one
    #: writer process `kb serve` starts for all its workers, so that the workers' event loops
    #: share no interpreter lock with that work; "thread", a thread in each worker.
    events_writer: str = "process"
    #: The Unix socket of `kb serve`'s writer process (`KB_EVENTS_WRITER_SOCKET`), which it sets
    #: for its workers; unset, a process writes its events itself.
    events_writer_socket: str | None = None
    #: Feedback posts one client may make a minute (`KB_FEEDBACK_PER_MINUTE`).
    feedback_per_minute: int = 30
    #: Whether the IVR's spoken answer ends by asking the caller to press 1 if it answered the
    #: question, 2 if not (`KB_IVR_FEEDBACK_PROMPT`), which the IVR platform posts as feedback.
    ivr_feedback_prompt: bool = False
    #: Whether a release takes only approved changes (`KB_REVIEW_POLICY`): "off" (the newest
    #: revision of everything, as without review), "self" (an approval is needed, its author
    #: may give it) or "four-eyes" (someone else must); per category: review-policy.yaml.
    review_policy: str = "off"
    #: Whether each `kb serve` process runs a webhook delivery worker (`KB_WEBHOOKS`); off when
    #: `kb webhooks deliver` runs apart. Events are queued either way.
    webhooks: bool = True
    #: Attempts a webhook delivery gets before it is marked failed (`KB_WEBHOOK_MAX_ATTEMPTS`).
    webhook_max_attempts: int = 10
    #: Seconds one webhook attempt may take before it counts as failed
    #: (`KB_WEBHOOK_TIMEOUT_SECONDS`).
    webhook_timeout_seconds: float = 5.0
    #: The help center's name in page titles and the header (`KB_SITE_NAME`); a theme file's
    #: `name` wins over it, and without either the pages say "Help center" in their language.
    site_name: str | None = None
    #: A YAML theme file for the help center: name, logo, colours, font (`KB_THEME`).
    theme_path: Path | None = None
    #: The most SMS segments one answer may take (`KB_SMS_MAX_SEGMENTS`); `kb check` reports a
    #: longer one.
    sms_max_segments: int = 2

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the `KB_*` variables listed in the README."""
        env = os.environ if env is None else env
        data_dir = env.get("KB_DATA_DIR")
        return cls(
            data_dir=Path(data_dir).expanduser() if data_dir else _default_data_dir(env),
            database_url=env.get("KB_DATABASE_URL") or None,
            default_locale=env.get("KB_DEFAULT_LOCALE") or "en",
            author=env.get("KB_AUTHOR") or _login_name(),
            search_engine=env.get("KB_SEARCH_ENGINE") or "tantivy",
            encoder=env.get("KB_ENCODER") or None,
            answer_threshold=_float(env, "KB_ANSWER_THRESHOLD"),
            clarify_threshold=_float(env, "KB_CLARIFY_THRESHOLD"),
            clarify_margin=_float(env, "KB_CLARIFY_MARGIN"),
            default_routing=env.get("KB_DEFAULT_ROUTING", "").strip() or None,
            anonymous_access=_flag(env, "KB_ANONYMOUS_ACCESS", default=True),
            release_poll_seconds=_optional_seconds(env, "KB_RELEASE_POLL_SECONDS"),
            cors_origins=tuple(
                o.strip() for o in env.get("KB_CORS_ORIGINS", "").split(",") if o.strip()
            ),
            panel_origins=_origins(env, "KB_PANEL_ORIGINS"),
            public_url=_base_url(env, "KB_PUBLIC_URL"),
            header_timeout_seconds=_seconds(env, "KB_HEADER_TIMEOUT_SECONDS", default=10.0),
            max_connections=_count(
                env, "KB_MAX_CONNECTIONS", default=4096, unit="connections", low=1, high=1_000_000
            ),
            response_cache_mb=_count(
                env, "KB_RESPONSE_CACHE_MB", default=64, unit="megabytes", low=0, high=65536
            ),
            access_log=_flag(env, "KB_ACCESS_LOG", default=False),
            log_format=_choice(env, "KB_LOG_FORMAT", ("text", "json"), default="text") or "text",
            metrics_role=_choice(
                env,
                "KB_METRICS_ROLE",
                ("reader", "operator", "editor", "publisher", "admin", "off"),
                default="admin",
            )
            or "admin",
            metrics_port=_optional_port(env, "KB_METRICS_PORT"),
            trace_exporter=_choice(env, "KB_TRACE_EXPORTER", ("otlp", "console"), default=None),
            release_notify=_flag(env, "KB_RELEASE_NOTIFY", default=True),
            scheduler=_flag(env, "KB_SCHEDULER", default=True),
            scheduler_seconds=_seconds(env, "KB_SCHEDULER_SECONDS", default=5.0),
            window_releases=_flag(env, "KB_WINDOW_RELEASES", default=True),
            events=_flag(env, "KB_EVENTS", default=True),
            events_store_text=_flag(env, "KB_EVENTS_STORE_TEXT", default=True),
            events_retention_days=_retention_days(env),
            events_queue_size=_count(
                env, "KB_EVENTS_QUEUE_SIZE", default=10_000, unit="events", low=1, high=10_000_000
            ),
            events_writer=_choice(env, "KB_EVENTS_WRITER", ("process", "thread"), default="process")
            or "process",
            events_writer_socket=env.get("KB_EVENTS_WRITER_SOCKET") or None,
            feedback_per_minute=_count(
                env, "KB_FEEDBACK_PER_MINUTE", default=30, unit="posts", low=1, high=1_000_000
            ),
            ivr_feedback_prompt=_flag(env, "KB_IVR_FEEDBACK_PROMPT", default=False),
            review_policy=_choice(
                env, "KB_REVIEW_POLICY", ("off", "self", "four-eyes"), default="off"
            )
            or "off",
            webhooks=_flag(env, "KB_WEBHOOKS", default=True),
            webhook_max_attempts=_count(
                env, "KB_WEBHOOK_MAX_ATTEMPTS", default=10, unit="attempts", low=1, high=100
            ),
            webhook_timeout_seconds=_seconds(env, "KB_WEBHOOK_TIMEOUT_SECONDS", default=5.0),
            site_name=env.get("KB_SITE_NAME", "").strip() or None,
            theme_path=Path(theme).expanduser() if (theme := env.get("KB_THEME")) else None,
            sms_max_segments=_count(
                env, "KB_SMS_MAX_SEGMENTS", default=2, unit="segments", low=1, high=255
            ),
        )

    @property
    def index_dir(self) -> Path:
        """Where search indexes and trained matchers of releases are kept (derived data)."""
        return self.data_dir / "index"

    @property
    def sqlalchemy_url(self) -> str:
        """The URL the engine connects to: PostgreSQL when configured, else SQLite in data_dir."""
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite:///{self.data_dir / 'kb.sqlite3'}"


def normalize_database_url(url: str) -> str:
    """Accept the plain `postgresql://` form users copy from their hosting and pick psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _login_name() -> str:
    """Who runs the command line, recorded as the author of what it saves."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return "kb"


def _float(env: Mapping[str, str], name: str) -> float | None:
    """An optional number in 0..1 from the environment; a bad value is a clear error."""
    raw = env.get(name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number between 0 and 1, not {raw!r}") from None
    if not 0 <= value <= 1:
        raise ConfigError(f"{name} must be between 0 and 1, not {value}")
    return value


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    """A yes/no setting; anything but the usual spellings is a clear error."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


#: One web origin: scheme, host and optional port; nothing a header or a policy could split on.
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+")


def _origins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated exact origins; refuses `*` and paths, since they end up in a CSP header."""
    origins = tuple(o.strip().rstrip("/") for o in env.get(name, "").split(",") if o.strip())
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            raise ConfigError(
                f"{name} takes origins like https://app.example.com (no '*', no path), "
                f"not {origin!r}"
            )
    return origins


#: An absolute http(s) base URL: scheme, host, optional port and path; no query or fragment.
_BASE_URL = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?")


def _base_url(env: Mapping[str, str], name: str) -> str | None:
    """An optional public base URL, without its trailing slash; anything else is a clear error."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not _BASE_URL.fullmatch(raw):
        raise ConfigError(
            f"{name} takes an absolute base URL like https://help.example.com or "
            f"https://example.com/help (no query or fragment), not {raw!r}"
        )
    return raw.rstrip("/")


def _seconds(env: Mapping[str, str], name: str, *, default: float) -> float:
    """A positive duration in seconds from the environment."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not 0 < value <= 3600:
        raise ConfigError(f"{name} must be more than 0 and at most 3600 seconds, not {value}")
    return value


def _optional_seconds(env: Mapping[str, str], name: str) -> float | None:
    """A positive duration in seconds from the environment, or None when unset."""
    if not env.get(name, "").strip():
        return None
    return _seconds(env, name, default=0.0)


def _choice(
    env: Mapping[str, str], name: str, choices: tuple[str, ...], *, default: str | None
) -> str | None:
    """One of `choices` (any case) from the environment, or `default` when unset."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def _optional_port(env: Mapping[str, str], name: str) -> int | None:
    """An optional TCP port number from the environment."""
    if not env.get(name, "").strip():
        return None
    return _count(env, name, default=0, unit="port", low=1, high=65535)


def _count(
    env: Mapping[str, str], name: str, *, default: int, unit: str, low: int, high: int
) -> int:
    """A whole number of `unit` from the environment, `low` to `high`."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number of {unit}, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, not {value}")
    return value


def _retention_days(env: Mapping[str, str]) -> int | None:
    """KB_EVENTS_RETENTION_DAYS: days to keep events (default 90); 0 or "off" keeps them all."""
    raw = env.get("KB_EVENTS_RETENTION_DAYS", "").strip()
    if raw.lower() in ("off", "0"):
        return None
    if not raw:
        return 90
    return _count(env, "KB_EVENTS_RETENTION_DAYS", default=90, unit="days", low=1, high=36_500)
