"""What customers are sent of a unit written with bidi controls: none of the controls, in the
rendered answer or in the title around it."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from kb import KnowledgeBase
from renderers.bidi import BIDI_CONTROLS
from tests.conftest import make_unit

TITLE = "Calling \u202eus from abroad\u202c"
BODY = "Call us on \u202e0000 6497 02 44+\u202c from abroad.\n"


def test_pages_and_delivery_routes_send_no_bidi_controls(
    api: TestClient, kb: KnowledgeBase
) -> None:
    kb.save_unit(make_unit("calling-abroad", title=TITLE, body=BODY), author="t")
    kb.publish(author="t")
    unit = "/api/v1/units/calling-abroad"
    asks = [(unit, {"channel": channel}) for channel in ("web", "chatbot", "ivr")]
    asks += [("/api/v1/faq", {}), ("/units/calling-abroad", {}), ("/faq", {})]

    for path, params in asks:
        response = api.get(path, params=params)
        assert response.status_code == 200, (path, params, response.text)
        text = response.text
        if response.headers["content-type"].startswith("application/json"):
            text = json.dumps(response.json(), ensure_ascii=False)
        assert "0000 6497 02 44+" in text, (path, params)
        assert not BIDI_CONTROLS.search(text), (path, params)
