"""Search as a learner uses it, in real Chromium: at the site root and under /trek/."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PageReport, describe_axe

MONITORING = "ml-engineer/stages/monitoring-drift/"
WHERE = ["root", "subpath"]


@pytest.fixture(params=WHERE)
def base(request: pytest.FixtureRequest) -> str:
    """The site's URL: served at / or under /trek/."""
    fixture = "site_url" if request.param == "root" else "subpath_url"
    url: str = request.getfixturevalue(fixture)
    return url


def search(page: Page, query: str) -> None:
    """Type like a person, key by key, and wait for the results to settle."""
    box = page.get_by_role("searchbox", name="Search stages, projects, guides and sections")
    box.fill("")
    box.press_sequentially(query, delay=20)
    expect(page.locator("#search-status")).to_contain_text(query)


def results(page: Page) -> list[str]:
    """The href of each result's title link, in rank order."""
    links = page.locator(".search-result .search-title a")
    return [str(links.nth(i).get_attribute("href")) for i in range(links.count())]


def test_typing_drift_finds_the_monitoring_stage_and_opens_it(
    page: Page, base: str, open_page: Callable[[Page, str], PageReport]
) -> None:
    report = open_page(page, base + "search/")
    search(page, "drift")
    count = page.locator(".search-result").count()
    assert count > 3
    expect(page.locator("#search-status")).to_have_text(f"{count} results for “drift”.")
    first = page.locator(".search-result").first
    expect(first.locator(".search-title")).to_have_text("Model monitoring and drift detection")
    expect(first.locator(".search-where")).to_have_text("Machine Learning Engineer · Stage 10")
    assert page.url == base + "search/?q=drift"  # the address keeps the query for back and links
    first.locator(".search-title a").click()
    page.wait_for_url(base + MONITORING)
    expect(page.locator("h1")).to_have_text("Model monitoring and drift detection")
    assert report.problems() == []


def test_matched_words_are_marked_and_only_they(page: Page, site_url: str) -> None:
    page.goto(site_url + "search/")
    search(page, "drift")
    marks = page.locator(".search-results mark").all_inner_texts()
    assert len(marks) >= page.locator(".search-result").count()
    assert {m.lower() for m in marks} <= {"drift", "drifts", "drifted", "drifting"}
    unmarked = page.evaluate(
        """() => [...document.querySelectorAll('.search-snippet')].map(p => {
             const copy = p.cloneNode(true);
             copy.querySelectorAll('mark').forEach(m => m.remove());
             return copy.textContent; }).join(' ')"""
    )
    assert not re.search(r"\bdrift", unmarked, re.IGNORECASE)


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("pytorch", "ml-engineer/stages/deep-learning-pytorch/"),
        ("retrieval augmented generation", "ai-engineer/stages/retrieval-augmented-generation/"),
        ("hyperparameter", "ml-engineer/stages/hyperparameter-optimization/"),
        ("Monitoring drift", MONITORING),  # case and order do not matter
    ],
)
def test_the_page_about_a_subject_ranks_first(
    page: Page, site_url: str, query: str, first: str
) -> None:
    page.goto(site_url + "search/")
    search(page, query)
    assert results(page)[0] == "../" + first


def test_a_match_inside_a_section_links_to_its_heading(page: Page, site_url: str) -> None:
    page.goto(site_url + "search/")
    search(page, "covariate")
    href = results(page)[0]
    assert href == "../" + MONITORING + "#kinds-of-change"
    expect(page.locator(".search-result .search-where").first).to_contain_text("Kinds of change")
    page.locator(".search-result .search-title a").first.click()
    page.wait_for_url(re.compile(r"#kinds-of-change$"))
    assert page.evaluate("document.querySelector(':target').textContent").startswith(
        "Kinds of change"
    )


def test_words_nowhere_say_so_and_some_words_still_find_pages(page: Page, site_url: str) -> None:
    page.goto(site_url + "search/")
    search(page, "quantum")
    expect(page.locator("#search-status")).to_have_text(
        "No results for “quantum”. Try fewer words, or the start of a word."
    )
    assert results(page) == []
    search(page, "drift quantum")
    expect(page.locator("#search-status")).to_contain_text("No page has every word")
    assert results(page)[0] == "../" + MONITORING


def test_a_query_in_the_address_shows_results_at_once(page: Page, base: str) -> None:
    page.goto(base + "search/?q=pytorch")
    expect(page.locator("#q")).to_have_value("pytorch")
    expect(page.locator(".search-result").first).to_be_visible()
    assert results(page)[0] == "../ml-engineer/stages/deep-learning-pytorch/"
    status = page.locator("#search-status")
    assert status.get_attribute("role") == "status"  # an aria-live region: the count is announced


def test_slash_focuses_the_header_box_and_enter_searches(page: Page, base: str) -> None:
    page.goto(base + MONITORING)
    page.locator("h1").click()  # focus in the page, not in a field
    page.keyboard.press("/")
    box = page.locator(".header-search input[type=search]")
    expect(box).to_be_focused()
    expect(box).to_have_value("")  # the key moved focus; it typed nothing
    page.keyboard.type("drift/")  # inside the box, "/" is just a character
    expect(box).to_have_value("drift/")
    box.fill("drift")
    box.press("Enter")
    page.wait_for_url(base + "search/?q=drift")
    expect(page.locator(".search-result").first).to_contain_text("Model monitoring")


def test_slash_focuses_the_search_page_box(page: Page, site_url: str) -> None:
    page.goto(site_url + "search/")
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    assert page.locator(".header-search").count() == 0  # one search box on the search page


@pytest.fixture
def no_js_page(browser: Browser) -> Iterator[Page]:
    """A page with JavaScript turned off."""
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_without_javascript_the_forms_still_go_to_the_search_page(
    no_js_page: Page, base: str
) -> None:
    page = no_js_page
    page.goto(base + MONITORING)
    page.locator(".header-search input[type=search]").fill("drift")
    page.locator(".header-search button").click()
    page.wait_for_url(base + "search/?q=drift")
    page.locator("#q").fill("pytorch")
    page.locator("#q").press("Enter")
    page.wait_for_url(base + "search/?q=pytorch")
    expect(page.get_by_text("Search runs in your browser and needs JavaScript")).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_results_pass_axe_in_both_colour_schemes(
    browser: Browser, site_url: str, scheme: Any, run_axe: Callable[[Page], list[dict[str, Any]]]
) -> None:
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(site_url + "search/?q=drift+monitoring")
        expect(page.locator("mark").first).to_be_visible()
        assert describe_axe(run_axe(page)) == []
    finally:
        context.close()
