"""The drawings in real Chromium: text size on a phone, keyboard focus, done marks, dark mode."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

OVERVIEW = "ml-engineer/"
PAGES = [OVERVIEW, "ml-engineer/workflow/", "ml-engineer/concepts/"]
FOCUS = {"light": "rgb(194, 65, 12)", "dark": "rgb(255, 179, 122)"}  # --focus of each palette
DONE = {"light": "rgb(29, 107, 64)", "dark": "rgb(127, 214, 160)"}  # --done of each palette

# The smallest text of every drawing on the page, in CSS pixels as the screen shows it.
SMALLEST_TEXT = """() => Math.min(...[...document.querySelectorAll('svg.drawing text')].map(t => {
    const parts = [t, ...t.querySelectorAll('tspan')];
    const sizes = parts.map(e => parseFloat(getComputedStyle(e).fontSize));
    return Math.min(...sizes) * t.getScreenCTM().a;
}))"""


@pytest.fixture(params=["light", "dark"])
def scheme(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def phone(browser: Browser, scheme: str) -> Iterator[Page]:
    """A 375 px wide page in the given colour scheme."""
    context = browser.new_context(viewport={"width": 375, "height": 800}, color_scheme=scheme)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_drawing_text_stays_readable_on_a_phone(phone: Page, site_url: str, path: str) -> None:
    """Scaled down to a 375 px screen, no text of a drawing falls under 12 px."""
    phone.goto(site_url + path)
    assert phone.locator("svg.drawing").count() >= 1
    assert phone.evaluate(SMALLEST_TEXT) >= 12.0
    width = phone.evaluate("document.querySelector('svg.drawing').getBoundingClientRect().right")
    assert width <= 375


def test_tab_moves_through_the_stages_in_order_with_a_visible_ring(
    phone: Page,
    site_url: str,
    scheme: str,
) -> None:
    """From each stage of the drawing Tab reaches the next; the focused box shows the focus ring."""
    phone.goto(site_url + OVERVIEW)
    nodes = phone.locator("svg.drawing a[data-stage]")
    slugs = nodes.evaluate_all("links => links.map(a => a.dataset.stage)")
    assert len(slugs) == 13
    nodes.nth(0).focus()
    for slug in slugs[1:]:
        phone.keyboard.press("Tab")
        expect(phone.locator(f"svg.drawing a[data-stage='{slug}']")).to_be_focused()
    ring = phone.locator(f"svg.drawing a[data-stage='{slugs[-1]}'] .node-ring")
    expect(ring).to_have_css("stroke", FOCUS[scheme])
    expect(ring).to_have_css("stroke-width", "3px")
    name = phone.locator("svg.drawing a[data-stage]").nth(0).get_attribute("aria-label")
    assert name == "Stage 1: Math and programming foundations, 3-4 weeks"


def test_a_stage_marked_done_shows_its_check(phone: Page, site_url: str, scheme: str) -> None:
    """The progress script sets data-done="true": the box takes the done colour and a check."""
    phone.goto(site_url + OVERVIEW)
    node = phone.locator("svg.drawing a[data-stage='classical-ml-algorithms']")
    check = node.locator(".node-check")
    expect(check).to_have_css("visibility", "hidden")
    node.evaluate("a => a.setAttribute('data-done', 'true')")
    expect(check).to_have_css("visibility", "visible")
    expect(node.locator(".node-box")).to_have_css("stroke", DONE[scheme])


def test_drawings_follow_the_colour_scheme(browser: Browser, site_url: str) -> None:
    """Boxes take the palette's surface colour: never a light patch on a dark page."""
    fills = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        page.goto(site_url + "ml-engineer/concepts/")
        box = page.locator("svg.drawing .node-box").first
        fills[scheme] = box.evaluate("r => getComputedStyle(r).fill")
        context.close()
    assert fills == {"light": "rgb(255, 255, 255)", "dark": "rgb(27, 31, 38)"}  # --surface
