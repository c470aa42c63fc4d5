"""/sitemap.xml, /robots.txt and /favicon.ico (api/help/seo_files.py): the sitemap validates
against sitemaps.org's schema, lists every public page of every locale with its translations as
hreflang alternates and nothing internal or kept off the web, splits into an index past the
limits; robots.txt opens the help center only; the icon is there; all closed when not public."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
import xmlschema
from fastapi.testclient import TestClient

from api import create_app
from api.help.sitemap import help_pages, sitemap_files, sitemap_index, w3c_datetime
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.conftest import SAMPLE_CONTENT

HERE = Path(__file__).resolve().parent
SITEMAP_XSD = xmlschema.XMLSchema(HERE / "sitemap.xsd")
SITEINDEX_XSD = xmlschema.XMLSchema(HERE / "siteindex.xsd")
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}
BASE = "http://testserver"

#: Beside the sample: a public unit kept off the web, and units in one locale only.
EXTRA_UNITS = {
    "en/voice-only.md": (
        "---\nid: voice-only\nlocale: en\ntitle: Press one for billing\ncategory: billing\n"
        "questions: [press one]\nchannels: [chatbot, ivr]\n---\nPress 1.\n"
    ),
    "en/english-only.md": (
        "---\nid: english-only\nlocale: en\ntitle: Only in English\ncategory: plans\n"
        "questions: [english only]\n---\nEnglish.\n"
    ),
    "ru/russian-only.md": (
        "---\nid: russian-only\nlocale: ru\ntitle: Только по-русски\n"
        "questions: [только по-русски]\n---\nПо-русски.\n"
    ),
}


def publish_sample(kb: KnowledgeBase, write_tree: Callable[[dict[str, str]], Path]) -> None:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.import_content(read_folder(write_tree(EXTRA_UNITS), channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")


@pytest.fixture
def site(kb: KnowledgeBase, write_tree: Callable[[dict[str, str]], Path]) -> Iterator[TestClient]:
    """The app around the sample content and EXTRA_UNITS, published."""
    publish_sample(kb, write_tree)
    with TestClient(create_app(kb)) as client:
        yield client


def expected_unit_urls(kb: KnowledgeBase) -> dict[tuple[str, str], str]:
    """(id, locale) -> URL of every unit customers may read on the web, by the URL contract."""
    snap = kb.services().snapshot
    return {
        (unit.document.id, unit.document.locale): (
            f"{BASE}/help/{unit.document.locale}/{unit.document.category or 'general'}/"
            f"{unit.document.id}"
        )
        for unit in snap.iter_units()
        if unit.document.audience == "public"
        and (unit.document.channels is None or "web" in unit.document.channels)
    }


def entries(xml: bytes) -> dict[str, dict[str, str]]:
    """loc -> {hreflang: href} of every <url> of a sitemap."""
    root = ET.fromstring(xml)
    found: dict[str, dict[str, str]] = {}
    for url in root.findall("s:url", NS):
        loc = url.findtext("s:loc", namespaces=NS)
        assert loc is not None and loc not in found, f"{loc} listed once"
        links = url.findall("xhtml:link", NS)
        assert all(link.get("rel") == "alternate" for link in links)
        found[loc] = {str(link.get("hreflang")): str(link.get("href")) for link in links}
    return found


def test_the_sitemap_validates_against_the_sitemaps_org_schema(site: TestClient) -> None:
    response = site.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    SITEMAP_XSD.validate(response.content)


def test_the_schema_checks_the_alternates_strictly_not_skipping_them(site: TestClient) -> None:
    # sitemap.xsd admits other namespaces' elements with processContents="strict": xmlschema
    # checks xhtml:link against the W3C XHTML 1.0 schema it carries, so an element XHTML does
    # not have, or a malformed hreflang, fails; the alternates are validated, not ignored.
    xml = site.get("/sitemap.xml").text
    assert not SITEMAP_XSD.is_valid(xml.replace("<xhtml:link ", "<xhtml:lnk ", 1))
    assert not SITEMAP_XSD.is_valid(xml.replace('hreflang="ru"', 'hreflang="r u"', 1))


def test_the_sitemap_lists_every_public_unit_of_every_locale_and_nothing_else(
    site: TestClient, kb: KnowledgeBase
) -> None:
    listed = entries(site.get("/sitemap.xml").content)
    units = {loc for loc in listed if loc.count("/") == 6}  # http://host/help/L/C/ID
    expected = expected_unit_urls(kb)
    assert units == set(expected.values())
    assert {locale for _, locale in expected} == {"en", "ru"}
    assert f"{BASE}/help/ru/general/russian-only" in units  # no category: "general"


def test_no_internal_or_off_the_web_unit_appears_anywhere_in_the_sitemap(
    site: TestClient,
) -> None:
    xml = site.get("/sitemap.xml").text
    for unit_id in ("goodwill-credit-policy", "sim-swap-fraud-procedure", "voice-only"):
        assert unit_id not in xml


def test_each_unit_lists_its_translations_itself_included_and_x_default(
    site: TestClient, kb: KnowledgeBase
) -> None:
    listed = entries(site.get("/sitemap.xml").content)
    expected = expected_unit_urls(kb)
    for (unit_id, _locale), url in expected.items():
        versions = {loc: u for (i, loc), u in expected.items() if i == unit_id}
        default = versions.get("en") or versions["ru"]
        assert listed[url] == {**versions, "x-default": default}, url
    assert listed[f"{BASE}/help/en/billing/check-balance"] == {
        "en": f"{BASE}/help/en/billing/check-balance",
        "ru": f"{BASE}/help/ru/billing/check-balance",
        "x-default": f"{BASE}/help/en/billing/check-balance",
    }
    assert listed[f"{BASE}/help/ru/general/russian-only"] == {
        "ru": f"{BASE}/help/ru/general/russian-only",
        "x-default": f"{BASE}/help/ru/general/russian-only",
    }


def test_each_locales_home_and_category_pages_are_listed_with_their_alternates(
    site: TestClient, kb: KnowledgeBase
) -> None:
    listed = entries(site.get("/sitemap.xml").content)
    homes = {"en": f"{BASE}/help/en", "ru": f"{BASE}/help/ru"}
    for home in homes.values():
        assert listed[home] == {**homes, "x-default": homes["en"]}
    categories = {loc for loc in listed if loc.count("/") == 5}
    expected = {url.rsplit("/", 1)[0] for url in expected_unit_urls(kb).values()}
    assert categories == expected
    assert listed[f"{BASE}/help/ru/general"] == {
        "ru": f"{BASE}/help/ru/general",
        "x-default": f"{BASE}/help/ru/general",
    }


def test_lastmod_is_the_time_the_release_was_published(site: TestClient, kb: KnowledgeBase) -> None:
    release = kb.current_release()
    assert release is not None
    root = ET.fromstring(site.get("/sitemap.xml").content)
    stamps = {node.text for node in root.iterfind("s:url/s:lastmod", NS)}
    assert stamps == {w3c_datetime(release.created_at)}
    published = datetime.fromisoformat(stamps.pop() or "")
    assert published.utcoffset() is not None
    assert published.replace(microsecond=0) == published
    assert site.get("/sitemap.xml").headers["X-KB-Version"] == str(release.number)


def test_a_new_release_gets_a_new_sitemap(
    site: TestClient, kb: KnowledgeBase, write_tree: Callable[[dict[str, str]], Path]
) -> None:
    before = site.get("/sitemap.xml").text
    assert site.get("/sitemap.xml").text == before  # kept for the release
    unit = "---\nid: new-answer\nlocale: en\ntitle: New\nquestions: [new]\n---\nNew.\n"
    kb.import_content(read_folder(write_tree({"en/new.md": unit}), channels=["web"]), author="t")
    kb.publish(author="t")
    kb.services(wait=True)
    after = site.get("/sitemap.xml")
    assert f"{BASE}/help/en/general/new-answer" in after.text
    assert after.headers["X-KB-Version"] == str(kb.current_release().number)  # type: ignore[union-attr]


def test_past_the_limit_the_sitemap_splits_into_files_under_an_index(
    kb: KnowledgeBase, write_tree: Callable[[dict[str, str]], Path]
) -> None:
    publish_sample(kb, write_tree)
    pages = help_pages(kb.services().snapshot, "en")
    whole = sitemap_files(pages, BASE, "2026-12-07T16:00:00+00:00")
    parts = sitemap_files(pages, BASE, "2026-12-07T16:00:00+00:00", max_urls=10)
    assert len(whole) == 1 and len(parts) == -(-len(pages) // 10) > 1
    merged: dict[str, dict[str, str]] = {}
    for part in parts:
        SITEMAP_XSD.validate(part)
        found = entries(part)
        assert 0 < len(found) <= 10
        merged.update(found)
    assert merged == entries(whole[0])
    locations = [f"{BASE}/sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    index = sitemap_index(locations, "2026-12-07T16:00:00+00:00")
    SITEINDEX_XSD.validate(index)
    listed = [n.text for n in ET.fromstring(index).iterfind("s:sitemap/s:loc", NS)]
    assert listed == locations


def test_past_the_byte_limit_the_sitemap_splits_too(
    kb: KnowledgeBase, write_tree: Callable[[dict[str, str]], Path]
) -> None:
    publish_sample(kb, write_tree)
    pages = help_pages(kb.services().snapshot, "en")
    parts = sitemap_files(pages, BASE, "2026-12-07", max_bytes=4096)
    assert len(parts) > 1
    assert all(len(part) <= 4096 for part in parts)
    assert sum(len(entries(part)) for part in parts) == len(pages)


def test_a_sitemap_in_one_file_is_its_only_numbered_part(site: TestClient) -> None:
    whole = site.get("/sitemap.xml")
    assert ET.fromstring(whole.content).tag == f"{{{NS['s']}}}urlset"
    assert site.get("/sitemap-1.xml").content == whole.content
    assert site.get("/sitemap-2.xml").status_code == 404


def test_robots_opens_the_help_center_closes_staff_pages_and_names_the_sitemap(
    site: TestClient,
) -> None:
    response = site.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert "Allow: /help" in lines
    for path in ("/api/", "/panel", "/editor", "/static/editor", "/static/panel", "/docs"):
        assert f"Disallow: {path}" in lines
    assert "Disallow: /" not in lines and "Disallow: /static/" not in lines
    assert lines[-1] == f"Sitemap: {BASE}/sitemap.xml"


def test_robots_and_sitemap_use_the_public_url_and_its_path(
    settings: Settings, write_tree: Callable[[dict[str, str]], Path]
) -> None:
    public = replace(settings, public_url="https://help.example.com/kb/")
    with KnowledgeBase.open(public) as kb:
        publish_sample(kb, write_tree)
        with TestClient(create_app(kb)) as client:
            robots = client.get("/robots.txt").text.splitlines()
            sitemap = client.get("/sitemap.xml").content
    assert "Allow: /kb/help" in robots and "Disallow: /kb/api/" in robots
    assert robots[-1] == "Sitemap: https://help.example.com/kb/sitemap.xml"
    SITEMAP_XSD.validate(sitemap)
    assert all(loc.startswith("https://help.example.com/kb/help/") for loc in entries(sitemap))


def test_the_favicon_is_an_icon(site: TestClient) -> None:
    ico = site.get("/favicon.ico")
    assert ico.status_code == 200
    assert ico.headers["content-type"] == "image/x-icon"
    assert ico.content[:4] == b"\x00\x00\x01\x00"  # an ICO file's header: reserved 0, type 1
    svg = site.get("/favicon.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert ET.fromstring(svg.content).tag == "{http://www.w3.org/2000/svg}svg"


def test_without_anonymous_access_no_sitemap_and_robots_close_everything(
    settings: Settings, write_tree: Callable[[dict[str, str]], Path]
) -> None:
    closed = replace(settings, anonymous_access=False)
    with KnowledgeBase.open(closed) as kb:
        publish_sample(kb, write_tree)
        with TestClient(create_app(kb)) as client:
            assert client.get("/sitemap.xml").status_code == 403
            assert client.get("/robots.txt").text == "User-agent: *\nDisallow: /\n"
            assert client.get("/favicon.ico").status_code == 200
