"""`kb serve` behind a reverse proxy: whose X-Forwarded-For and X-Forwarded-Proto to believe,
and the path prefix the proxy serves the app under (uvicorn's proxy_headers,
forwarded_allow_ips and root_path), checked here so that a typo is an error, not ignored."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["LOOPBACK", "Proxying", "parse_forwarded_allow_ips", "parse_root_path"]

#: Whom `--proxy-headers` believes unless told otherwise: a proxy on the same machine.
LOOPBACK = "127.0.0.1,::1"
#: A path prefix: segments of URL path characters, no query, fragment or dot segment.
_SEGMENT = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@%-]+")


@dataclass(frozen=True)
class Proxying:
    """How one `kb serve` sits behind a proxy; the same for every worker it starts."""

    #: Believe X-Forwarded-For (the client's address) and X-Forwarded-Proto (the scheme the
    #: client used) on connections from `forwarded_allow_ips`; off: nobody's.
    proxy_headers: bool = False
    forwarded_allow_ips: str = LOOPBACK
    #: The prefix the proxy takes off before it passes a request on ("/kb" for /kb/faq ->
    #: /faq), put back into the links and Location headers the app makes; "" for none.
    root_path: str = ""

    def uvicorn_options(self) -> dict[str, Any]:
        """Keyword arguments for `uvicorn.run` / `uvicorn.Config`."""
        return {
            "proxy_headers": self.proxy_headers,
            # Always given, so that uvicorn does not fall back on FORWARDED_ALLOW_IPS.
            "forwarded_allow_ips": self.forwarded_allow_ips,
            "root_path": self.root_path,
        }


def parse_forwarded_allow_ips(raw: str) -> str:
    """`raw` (IP addresses and networks separated by commas, or `*`) normalized; ValueError
    saying which item is wrong. uvicorn takes anything and silently never matches a typo."""
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ValueError("give IP addresses or networks separated by commas (or *)")
    if "*" in items:
        if len(items) > 1:
            raise ValueError("* (trust every address) cannot be combined with addresses")
        return "*"
    for item in items:
        try:
            if "/" in item:
                ipaddress.ip_network(item)  # strict, as uvicorn reads it
            else:
                ipaddress.ip_address(item)
        except ValueError as exc:
            raise ValueError(
                f"{item!r} is not an IP address or network like 10.0.0.5 or 10.0.0.0/8 "
                f"(host names are not looked up): {exc}"
            ) from None
    return ",".join(items)


def parse_root_path(raw: str) -> str:
    """`raw` as a path prefix like /kb or /help/kb, without a trailing slash ("" for /);
    ValueError saying what is wrong."""
    path = raw.strip()
    if path and not path.startswith("/"):
        raise ValueError(f"{raw!r} must start with / (like /kb)")
    path = path.rstrip("/")
    segments = path.split("/")[1:] if path else []
    for segment in segments:
        if not _SEGMENT.fullmatch(segment) or segment in (".", ".."):
            raise ValueError(
                f"{raw!r} is not a path prefix like /kb or /help/kb (no empty or dot segments, "
                "query, fragment or spaces)"
            )
    return path
