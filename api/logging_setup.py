"""How a `kb serve` process writes its log (KB_LOG_FORMAT): uvicorn's, kb's and every library's
records through one handler on stderr, as text for people or as one JSON object a line for a
log collector, each with the id of the request it was written for (api/request_id.py).

`log_config` is a `logging.config.dictConfig` dictionary, given to uvicorn as its `log_config`,
so that every worker process of `kb serve --workers N` configures itself the same way. The
per-request line is api/request_log.py's; uvicorn's own access log is always off (it wrote the
question asked, in the query string, and neither the request id nor the release).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from opentelemetry import trace

from api.request_id import current_request_id
from kb.errors import ConfigError

__all__ = ["FORMATS", "JsonFormatter", "RequestIdFilter", "log_config"]

FORMATS = ("text", "json")
#: uvicorn's --log-level names and their levels ("trace" is uvicorn's own, below debug).
LEVELS = {"critical": 50, "error": 40, "warning": 30, "info": 20, "debug": 10, "trace": 5}
#: What every LogRecord has; anything else on a record was given as `extra` and is written.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's coloured copy of the message
    "request_id",  # written under its own key, first
}


class RequestIdFilter(logging.Filter):
    """Gives each record `request_id`: the id of the request it was written for, or None."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC), level, logger, message, process id, request id,
    the trace and span ids when a span is current, whatever `extra` gave, and the exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,  # which worker of `kb serve --workers N`
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            entry["trace_id"] = format(context.trace_id, "032x")
            entry["span_id"] = format(context.span_id, "016x")
        entry.update((k, v) for k, v in record.__dict__.items() if k not in _STANDARD)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


def _utc(created: float) -> str:
    """An ISO 8601 UTC time to the millisecond: `2026-12-07T04:34:48.123Z`."""
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
    return f"{seconds}.{int(created % 1 * 1000):03d}Z"


def log_config(log_format: str, log_level: str) -> dict[str, Any]:
    """The logging configuration of a server process: every record at `log_level` or above
    (uvicorn's level names) to stderr in `log_format` ("text" or "json")."""
    if log_format not in FORMATS:
        raise ConfigError(f"KB_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    level = LEVELS.get(log_level.lower())
    if level is None:
        raise ConfigError(f"--log-level must be one of {', '.join(LEVELS)}, not {log_level!r}")
    if log_format == "json":
        formatter: dict[str, Any] = {"()": "api.logging_setup.JsonFormatter"}
    else:  # uvicorn's own look: "INFO:     message", coloured on a terminal
        formatter = {"()": "uvicorn.logging.DefaultFormatter", "fmt": "%(levelprefix)s %(message)s"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "api.logging_setup.RequestIdFilter"}},
        # uvicorn sets use_colors on both when asked to: "access" is there for it to find.
        "formatters": {"default": formatter, "access": dict(formatter)},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "loggers": {
            # uvicorn's records go up to the root's handler, like everyone else's.
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": level, "propagate": False},
            # The migrations' INFO lines ("Context impl SQLiteImpl.") at every start say nothing.
            "alembic": {"level": max(level, logging.WARNING)},
        },
        "root": {"handlers": ["default"], "level": level},
    }
