"""Standard Webhooks signatures: secrets (`whsec_<base64>`) and the `webhook-*` headers.

https://www.standardwebhooks.com: the signed content is `{id}.{timestamp}.{body}`, the
signature HMAC-SHA256 with the secret's bytes (the base64 after `whsec_`), sent as
`v1,<base64>` in `webhook-signature` beside `webhook-id` and `webhook-timestamp` (seconds).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

__all__ = ["SECRET_PREFIX", "new_secret", "secret_bytes", "sign", "signed_headers"]

SECRET_PREFIX = "whsec_"
#: 24 random bytes: within the 24 to 64 the specification asks for.
_SECRET_BYTES = 24


def new_secret() -> str:
    """A fresh signing secret in the specification's form, `whsec_` and base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(_SECRET_BYTES)).decode("ascii")


def secret_bytes(secret: str) -> bytes:
    """The key bytes of a `whsec_...` secret; ValueError when it is not one."""
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError("a webhook secret is whsec_ followed by base64") from None


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The `webhook-signature` value of one attempt: `v1,` and the base64 HMAC-SHA256."""
    content = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret_bytes(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    """Every header one attempt sends: the three Standard Webhooks ones and the content type."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": "kb-webhooks/1",
    }
