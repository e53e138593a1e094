"""Publishing in real Chromium, at the site root and under /trek/ as GitHub Pages serves a
project site: hashed assets load and apply, and every address the <head> gives out answers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import PageReport

STAGE = "ml-engineer/stages/monitoring-drift/"
PAGES = ["", "ml-engineer/", STAGE, "tags/mlops/"]
ATOM = "{http://www.w3.org/2005/Atom}"
LIGHT_BACKGROUND = "rgb(251, 250, 247)"  # --bg of the default theme, light scheme


@pytest.fixture(params=["root", "subpath"])
def base(request: pytest.FixtureRequest) -> str:
    """The site's URL: at / without a base URL, or under /trek/ built for it."""
    fixture = "site_url" if request.param == "root" else "subpath_url"
    url: str = request.getfixturevalue(fixture)
    return url


def urls_in(value: object) -> list[str]:
    """Every "url" and "item" value inside a JSON-LD object."""
    if isinstance(value, dict):
        own = [v for k, v in value.items() if k in {"url", "item"} and isinstance(v, str)]
        return own + [u for v in value.values() for u in urls_in(v)]
    if isinstance(value, list):
        return [u for v in value for u in urls_in(v)]
    return []


def answers(page: Page, url: str) -> int:
    """The status of a GET, made from the page's own browser context."""
    return page.request.get(url).status


def styled(page: Page) -> bool:
    """True once the theme's stylesheet (a hashed file) applies to the page."""
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    return bool(background == LIGHT_BACKGROUND)


@pytest.mark.parametrize("path", PAGES)
def test_a_page_loads_its_hashed_assets_and_applies_them(
    page: Page, base: str, path: str, open_page: Callable[[Page, str], PageReport]
) -> None:
    report = open_page(page, base + path)
    assert report.problems() == []
    assert styled(page)
    sheet = page.locator('link[rel="stylesheet"]').first.get_attribute("href") or ""
    assert urljoin(page.url, sheet).startswith(base + "static/trekgen.")


@pytest.mark.parametrize("path", PAGES)
def test_every_address_in_the_json_ld_answers(
    page: Page, base: str, path: str, open_page: Callable[[Page, str], PageReport]
) -> None:
    open_page(page, base + path)
    blocks = page.locator('script[type="application/ld+json"]').all_text_contents()
    assert blocks
    addresses = {urljoin(page.url, u) for text in blocks for u in urls_in(json.loads(text))}
    assert addresses
    assert all(a.startswith(base) for a in addresses), addresses
    assert {a: answers(page, a) for a in addresses if answers(page, a) != 200} == {}


def test_under_a_subpath_the_canonical_url_is_the_page_itself(page: Page, subpath_url: str) -> None:
    page.goto(subpath_url + STAGE)
    assert page.locator('link[rel="canonical"]').get_attribute("href") == page.url
    assert page.locator('meta[property="og:url"]').get_attribute("content") == page.url


def test_under_a_subpath_the_preview_image_answers_as_a_png(page: Page, subpath_url: str) -> None:
    page.goto(subpath_url + STAGE)
    image = page.locator('meta[property="og:image"]').get_attribute("content") or ""
    assert image.startswith(subpath_url)
    answer = page.request.get(image)
    assert answer.status == 200
    assert answer.headers["content-type"] == "image/png"


def test_the_feed_linked_from_a_page_is_atom_with_links_that_answer(page: Page, base: str) -> None:
    page.goto(base + STAGE)
    href = page.locator('link[rel="alternate"][type="application/atom+xml"]').get_attribute("href")
    feed_url = urljoin(page.url, href or "")
    assert feed_url == base + "feed.xml"
    answer = page.request.get(feed_url)
    assert answer.status == 200
    root = ET.fromstring(answer.body())
    links = [urljoin(feed_url, link.get("href", "")) for link in root.iter(f"{ATOM}link")]
    assert len(links) > 20
    assert all(link.startswith(base) for link in links)
    assert {link: answers(page, link) for link in set(links) if answers(page, link) != 200} == {}


def test_the_404_page_is_styled_at_any_depth_under_a_subpath(
    page: Page, subpath_url: str, open_page: Callable[[Page, str], PageReport]
) -> None:
    missing = subpath_url + "one/two/three/four/"
    report = open_page(page, missing)
    assert report.problems(allow={missing}) == []
    assert styled(page)
    assert page.locator("h1").text_content() == "Page not found"
    assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex"
