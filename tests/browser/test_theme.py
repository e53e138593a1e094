"""The theme toggle: light or dark, remembered, applied before the first paint."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect

STAGE = "ml-engineer/stages/feature-engineering/"
LIGHT_BG = "rgb(251, 250, 247)"  # --bg of the light palette
DARK_BG = "rgb(20, 23, 28)"  # --bg of the dark palette
KEY = "trekgen:theme"


@pytest.fixture(params=["light", "dark"])
def scheme_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A page whose system colour scheme is light or dark (request.param)."""
    context = browser.new_context(color_scheme=request.param)
    yield context.new_page()
    context.close()


def background(page: Page) -> str:
    """The page's background colour as the browser computed it."""
    return str(page.evaluate("getComputedStyle(document.body).backgroundColor"))


def toggle(page: Page) -> Locator:
    """The toggle button, found by its role and name."""
    return page.get_by_role("button", name="Dark theme")


def test_the_toggle_starts_from_the_system_scheme_and_switches_it(
    scheme_page: Page, site_url: str,
) -> None:
    """Pressed means dark; a click turns to the other scheme and stores the choice."""
    page = scheme_page
    page.goto(site_url + STAGE)
    system_dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    button = toggle(page)
    expect(button).to_have_attribute("aria-pressed", "true" if system_dark else "false")
    assert background(page) == (DARK_BG if system_dark else LIGHT_BG)

    button.click()
    chosen = "light" if system_dark else "dark"
    expect(page.locator("html")).to_have_attribute("data-theme", chosen)
    expect(button).to_have_attribute("aria-pressed", "false" if system_dark else "true")
    assert background(page) == (LIGHT_BG if system_dark else DARK_BG)
    assert page.evaluate("key => localStorage.getItem(key)", KEY) == chosen


def test_the_choice_survives_a_reload_and_other_pages(page: Page, site_url: str) -> None:
    """Dark chosen on a light system stays dark after a reload and on the next page."""
    page.emulate_media(color_scheme="light")
    page.goto(site_url + STAGE)
    toggle(page).click()
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(toggle(page)).to_have_attribute("aria-pressed", "true")
    assert background(page) == DARK_BG
    page.goto(site_url)
    assert background(page) == DARK_BG


def test_the_stored_theme_is_applied_before_any_deferred_script(page: Page, site_url: str) -> None:
    """No flash: with trekgen.js blocked, the tiny script in <head> still sets the theme."""
    page.emulate_media(color_scheme="light")
    page.goto(site_url)
    page.evaluate("key => localStorage.setItem(key, 'dark')", KEY)
    blocked: list[str] = []

    def block(route: Route) -> None:
        blocked.append(route.request.url)
        route.abort()

    # The name may carry a content hash: static/trekgen.1a2b3c4d.js.
    page.route(re.compile(r"/static/trekgen\.([0-9a-f]+\.)?js$"), block)
    page.goto(site_url + STAGE)
    assert blocked, "trekgen.js was not requested, so this test proves nothing"
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert background(page) == DARK_BG


def test_the_toggle_works_from_the_keyboard(page: Page, site_url: str) -> None:
    """Tab reaches the toggle, its focus ring shows, Space switches the theme."""
    page.emulate_media(color_scheme="light")
    page.goto(site_url)
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.hasAttribute('data-theme-toggle')"):
            break
    else:
        pytest.fail("Tab never reached the theme toggle")
    outline = page.evaluate("parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
    assert outline >= 2
    page.keyboard.press("Space")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")


@pytest.mark.parametrize("value", ["purple", "", "{\"theme\": \"dark\"}"])
def test_a_strange_stored_value_is_ignored(value: str, page: Page, site_url: str) -> None:
    """Anything but 'light' or 'dark' leaves the system scheme in charge, without errors."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.emulate_media(color_scheme="light")
    page.goto(site_url)
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", [KEY, value])
    page.reload()
    assert page.locator("html").get_attribute("data-theme") is None
    assert background(page) == LIGHT_BG
    expect(toggle(page)).to_have_attribute("aria-pressed", "false")
    assert errors == []


def test_the_dark_choice_sets_the_browsers_colour_scheme(page: Page, site_url: str) -> None:
    """Form controls and scrollbars follow the chosen theme, not only the page colours."""
    page.emulate_media(color_scheme="light")
    page.goto(site_url)
    toggle(page).click()
    assert page.evaluate("getComputedStyle(document.documentElement).colorScheme") == "dark"
