"""Layout in real Chromium: no sideways scrolling from 320 px up, print, reduced motion."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.test_audits import html_pages

WIDTHS = [320, 375, 768, 1280]
ALL = "ml-engineer/all/"
# Progress that makes every progress control show, so they are measured too.
PROGRESS = {"version": 1, "stages": {"feature-engineering": "2026-01-01"}, "checks": {}}


def largest_of_each_kind(site: Path) -> list[str]:
    """One page per page kind: the largest, since long pages hide the widest content."""
    return [
        max(paths, key=lambda p: (site / p / "index.html" if p.endswith("/") or not p
                                  else site / p).stat().st_size)
        for _, paths in sorted(html_pages(site).items())
    ]


@pytest.fixture(scope="module", params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def sized(request: pytest.FixtureRequest, browser: Browser, site_url: str) -> Iterator[Page]:
    """A page of the given viewport width, with some progress stored."""
    context = browser.new_context(viewport={"width": request.param, "height": 800})
    page = context.new_page()
    page.goto(site_url)
    page.evaluate("text => localStorage.setItem('trekgen:progress:ml-engineer', text)",
                  json.dumps(PROGRESS))
    yield page
    context.close()


def test_no_page_kind_scrolls_sideways(sized: Page, site_dir: Path, site_url: str) -> None:
    """document.documentElement.scrollWidth fits the viewport on every kind of page."""
    too_wide = []
    for path in largest_of_each_kind(site_dir):
        sized.goto(site_url + path)
        # Unfolded panels count: the progress tools and FAQ answers hold buttons and text.
        sized.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        width, viewport = sized.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        if width > viewport:
            widest = sized.evaluate(
                """vw => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > vw + 0.5)
                    .slice(0, 3).map(e => e.tagName.toLowerCase() + '.' + e.className)""",
                viewport,
            )
            too_wide.append(f"/{path}: {width} px in {viewport} px, e.g. {widest}")
    assert too_wide == []


# --- print -------------------------------------------------------------------------------


@pytest.fixture
def printed(browser: Browser, site_url: str) -> Iterator[Page]:
    """The all-in-one page in print media, with the dark theme chosen on screen."""
    context: BrowserContext = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(site_url + ALL)
    page.evaluate("localStorage.setItem('trekgen:theme', 'dark')")
    page.reload()
    page.emulate_media(media="print")
    yield page
    context.close()


def test_print_hides_navigation_and_controls(printed: Page) -> None:
    """Header, breadcrumbs, footer, skip link and the theme toggle stay off paper."""
    hidden = [".site-header", ".crumbs", ".site-footer", ".skip-link", "[data-theme-toggle]"]
    for selector in hidden:
        expect(printed.locator(selector)).to_be_hidden()
    expect(printed.locator("h1")).to_be_visible()


def test_print_starts_each_stage_on_a_new_page(printed: Page) -> None:
    """Every stage article breaks before itself; the list of stages is the cover."""
    breaks = printed.locator(".all-stage").evaluate_all(
        "articles => articles.map(a => getComputedStyle(a).breakBefore)"
    )
    assert breaks == ["page"] * 13
    expect(printed.locator(".toc")).to_be_visible()


def test_print_shows_where_outside_links_go(printed: Page) -> None:
    """A link to another site prints its address after it; links inside the site do not."""
    outside = printed.locator('.all-stage .resources a[href^="http"]').first
    href = outside.get_attribute("href")
    after = outside.evaluate("a => getComputedStyle(a, '::after').content")
    assert after == f'" ({href})"'
    inside = printed.locator(".all-stage h2 a").first
    assert inside.evaluate("a => getComputedStyle(a, '::after').content") in {"none", "normal"}


def test_print_is_black_on_white_even_in_the_dark_theme(printed: Page) -> None:
    """Paper gets the light palette whatever the screen showed."""
    body = printed.evaluate(
        "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]"
    )
    assert body == ["rgb(255, 255, 255)", "rgb(0, 0, 0)"]
    muted = printed.locator(".eyebrow").first.evaluate("e => getComputedStyle(e).color")
    assert muted == "rgb(51, 51, 51)"


def test_the_printed_all_in_one_page_has_a_page_per_stage(printed: Page) -> None:
    """As a PDF: the cover plus at least one sheet for each of the 13 stages."""
    pdf = printed.pdf(format="A4")
    sheets = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert sheets >= 14


# --- motion and focus --------------------------------------------------------------------


def test_reduced_motion_turns_off_every_animation(browser: Browser, site_url: str) -> None:
    """With prefers-reduced-motion, no element animates or transitions."""
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    try:
        page.goto(site_url + "ml-engineer/")
        moving = page.evaluate(
            """() => [...document.querySelectorAll('*')].filter(e => {
                 const s = getComputedStyle(e);
                 return s.animationName !== 'none' || parseFloat(s.transitionDuration) > 0;
               }).map(e => e.tagName.toLowerCase() + '.' + e.className).slice(0, 5)"""
        )
        assert moving == []
    finally:
        context.close()


@pytest.mark.parametrize(
    ("path", "control"),
    [
        ("ml-engineer/stages/feature-engineering/", ".done-toggle input"),
        ("ml-engineer/", ".progress-tools summary"),
        ("ml-engineer/skills/", "ul[data-checklist] input"),
        ("", "[data-theme-toggle]"),
    ],
)
def test_progress_and_theme_controls_show_keyboard_focus(
    path: str, control: str, page: Page, site_url: str,
) -> None:
    """Tab reaches each control and a focus ring of at least 2 px shows around it."""
    page.goto(site_url + path)
    target = page.locator(control).first
    for _ in range(60):
        page.keyboard.press("Tab")
        if target.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail(f"Tab never reached {control} on /{path}")
    style = target.evaluate(
        "e => [getComputedStyle(e).outlineStyle, parseFloat(getComputedStyle(e).outlineWidth)]"
    )
    assert style[0] != "none" and style[1] >= 2
