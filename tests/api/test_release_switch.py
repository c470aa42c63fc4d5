"""One release across processes: a publish through one server reaches every other within 1 s.

Real `kb serve` processes on one database (SQLite file, or PostgreSQL), each with an index
folder of its own as on separate machines; the test publishes through one and polls another,
checking on every response that body, header and content come from one release.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from kb import KnowledgeBase
from tests.api.servers import kb_server
from tests.conftest import make_unit

SWITCH_LIMIT_S = 1.0
POLL_BUDGET_S = 15.0
QUESTION = "how do I top up my account"
TITLES = {1: "Topping up, first edition", 2: "Topping up, second edition"}
BODIES = {1: "Use the app.", 2: "Dial *111# or use the app."}


def source(release: int) -> str:
    return (
        f"---\nid: top-up\nlocale: en\ntitle: {TITLES[release]}\n"
        f"questions: [{QUESTION}, add money to my balance]\n---\n{BODIES[release]}\n"
    )


def one_release(response: httpx.Response) -> int:
    """The release a response came from, after checking nothing in it is from another."""
    assert response.status_code == 200, response.text
    body = response.json()
    release = body["kb_version"]
    assert str(release) == response.headers["X-KB-Version"]
    assert body["title"] == TITLES[release]
    content = body["content"] if isinstance(body["content"], str) else body["content"]["body"]
    assert BODIES[release] in content
    return int(release)


def publish_first_release(kb: KnowledgeBase) -> str:
    kb.save_unit(kb.parse_unit(source(1)), author="t")
    kb.save_unit(make_unit("roaming", questions=("how do I use my phone abroad",)), author="t")
    kb.publish(author="t")
    return kb.create_key(name="editor tool", role="publisher", author="t").secret


def publish_second_release(url: str, secret: str) -> float:
    """Edit and publish through the server at `url`; the moment its response arrived."""
    auth = {"Authorization": f"Bearer {secret}"}
    draft = httpx.get(f"{url}/api/v1/drafts/units/top-up", params={"locale": "en"}, headers=auth)
    saved = httpx.put(
        f"{url}/api/v1/drafts/units/top-up",
        params={"locale": "en"},
        json={"source": source(2)},
        headers={**auth, "If-Match": draft.headers["ETag"]},
    )
    assert saved.status_code == 200, saved.text
    published = httpx.post(
        f"{url}/api/v1/releases", json={"message": "v2"}, headers=auth, timeout=60
    )
    assert published.status_code == 201, published.text
    assert published.json()["kb_version"] == 2
    return time.monotonic()


def poll_until_release(url: str, wanted: int, since: float) -> tuple[float, int]:
    """Seconds from `since` until `url` answers from `wanted`, and responses seen meanwhile."""
    seen = 0
    with httpx.Client(base_url=url, timeout=5) as client:
        while time.monotonic() - since < POLL_BUDGET_S:
            for response in (
                client.get("/api/v1/answer", params={"q": QUESTION, "channel": "chatbot"}),
                client.get("/api/v1/units/top-up", params={"channel": "web"}),
            ):
                seen += 1
                if one_release(response) == wanted:
                    return time.monotonic() - since, seen
            time.sleep(0.02)
    raise AssertionError(f"{url} still served an older release after {POLL_BUDGET_S} s")


def test_publish_through_one_server_switches_another_within_a_second(
    kb: KnowledgeBase, env: dict[str, str], tmp_path: Path
) -> None:
    secret = publish_first_release(kb)
    with (
        kb_server({**env, "KB_DATA_DIR": str(tmp_path / "a")}, log=tmp_path / "a.log") as a,
        kb_server({**env, "KB_DATA_DIR": str(tmp_path / "b")}, log=tmp_path / "b.log") as b,
    ):
        before = httpx.get(f"{b}/api/v1/answer", params={"q": QUESTION})
        assert one_release(before) == 1

        published_at = publish_second_release(a, secret)
        waited, _ = poll_until_release(b, 2, published_at)

        assert waited < SWITCH_LIMIT_S, f"the other server switched after {waited:.2f} s"
        for _ in range(10):  # and it never goes back
            assert one_release(httpx.get(f"{b}/api/v1/units/top-up")) == 2


def test_every_worker_of_one_server_switches_within_a_second(
    kb: KnowledgeBase, env: dict[str, str], tmp_path: Path
) -> None:
    secret = publish_first_release(kb)
    with kb_server(env, workers=2, log=tmp_path / "server.log") as url:
        published_at = publish_second_release(url, secret)
        time.sleep(max(0.0, SWITCH_LIMIT_S - (time.monotonic() - published_at)))

        # New connections are spread over both workers; every one must serve release 2.
        releases = {
            one_release(httpx.get(f"{url}/api/v1/units/top-up", params={"channel": "web"}))
            for _ in range(30)
        }

        assert releases == {2}
