"""The pages' routes: each page only from its route, with the headers that say who may frame it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("page", ["panel.html", "editor.html", "PANEL.HTML"])
def test_pages_are_not_served_as_static_files(api: TestClient, page: str) -> None:
    response = api.get(f"/static/{page}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("asset", ["panel.js", "panel.css", "editor.js", "editor.css"])
def test_page_scripts_and_styles_are_static_files(api: TestClient, asset: str) -> None:
    response = api.get(f"/static/{asset}")
    assert response.status_code == 200
    assert response.text


def test_editor_may_not_be_framed(api: TestClient) -> None:
    response = api.get("/editor")
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_panel_may_be_framed_by_its_own_origin_only_without_trusted_origins(
    api: TestClient,
) -> None:
    response = api.get("/panel")
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"


def test_widget_script_is_javascript_and_cacheable(api: TestClient) -> None:
    response = api.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "max-age" in response.headers["Cache-Control"]
