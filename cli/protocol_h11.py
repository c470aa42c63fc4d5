"""`kb serve`'s protocol where httptools is not installed: uvicorn's pure-Python h11 protocol
with the head deadline, connection cap and refusals of cli/serving.py."""

from __future__ import annotations

import sys

import h11
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol

from api.limits import MAX_QUERY_BYTES
from cli.response_writes import HeadWithBody
from cli.serving import HeadGuard, Refusal, bad_request, head_too_large

__all__ = ["KbH11Protocol"]


class KbH11Protocol(HeadGuard, H11Protocol):
    """The h11 protocol of `kb serve`: h11's state tells a head begun and a response under
    way, its errors the refusal, and it writes the refusals (so it knows the connection ends)."""

    def data_received(self, data: bytes) -> None:
        """Parse requests as uvicorn does; after a refusal, drop what still comes, up to a bound."""
        if self._dropped(data):
            return
        super().data_received(data)
        self._hold_heads()
        if self.conn.their_state is not h11.IDLE:  # the head is in: no deadline for the rest
            self._stop_awaiting_head()

    def on_response_complete(self) -> None:
        """After a response the connection waits for the next head, with a deadline again."""
        super().on_response_complete()
        self._hold_heads()  # a request read while the last response was under way starts now
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._await_head()

    def _hold_heads(self) -> None:
        """The request's response cycle writes its head with its body (cli/response_writes.py)."""
        cycle = self.cycle
        if cycle is not None and not isinstance(cycle.transport, HeadWithBody):
            cycle.transport = HeadWithBody(self.transport, cycle)  # type: ignore[assignment]

    def _awaiting_head(self) -> bool:
        """h11 waits for the client's next request."""
        return self.conn.their_state is h11.IDLE

    def _head_begun(self) -> bool:
        """h11 holds bytes of a request it has not parsed yet."""
        begun, _ = self.conn.trailing_data
        return bool(begun)

    def _responding(self) -> bool:
        """h11 has sent part of a response."""
        return self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE)

    def _refusal(self) -> Refusal:
        """Why h11 refused the request: its error, as uvicorn handles it."""
        error = sys.exception()
        if not isinstance(error, h11.ProtocolError):
            return bad_request("unreadable request")
        if error.error_status_hint == 431:  # the head did not end within the limit
            head, _ = self.conn.trailing_data
            return head_too_large(head.find(b"\n", 0, MAX_QUERY_BYTES + 2) < 0)
        return bad_request(str(error), error.error_status_hint)

    def _write_response(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        """Through h11, which then knows the connection ends."""
        reason = STATUS_PHRASES[status]
        for event in (
            h11.Response(status_code=status, headers=headers, reason=reason),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event) or b"")
