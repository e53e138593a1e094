"""The default theme's colours meet WCAG AA contrast in the light and the dark scheme."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[1] / "static" / "trekgen.css"
TEXT = ["text", "muted", "accent", "accent-strong", "done", "danger"]
BACKGROUNDS = ["bg", "surface", "surface-2", "accent-soft", "done-soft"]
AA_TEXT = 4.5
AA_NON_TEXT = 3.0  # focus rings and the progress bar's fill (WCAG 1.4.11)


def block(css: str, selector: str) -> str:
    """The declarations of the first rule whose selector is exactly `selector`."""
    match = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert match, f"no rule {selector!r} in {CSS.name}"
    return match.group(1)


def colours(declarations: str) -> dict[str, str]:
    """Custom properties that hold a #rrggbb colour, by name without the dashes."""
    return dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})\b", declarations))


def luminance(hex_colour: str) -> float:
    """Relative luminance as WCAG 2 defines it."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours, 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def palettes() -> dict[str, dict[str, str]]:
    """The light palette, and the dark one laid over it."""
    css = CSS.read_text(encoding="utf-8")
    light = colours(block(css, ":root"))
    dark = {**light, **colours(block(css, ':root[data-theme="dark"]'))}
    return {"light": light, "dark": dark}


def test_contrast_of_known_colours() -> None:
    """The formula itself: black on white is 21, a colour on itself is 1."""
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#777777") == pytest.approx(1)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_dark_scheme_is_the_same_for_the_system_setting_and_the_toggle() -> None:
    """prefers-color-scheme: dark and data-theme=dark must not drift apart."""
    css = CSS.read_text(encoding="utf-8")
    system = colours(block(css, ':root:not([data-theme="light"])'))
    chosen = colours(block(css, ':root[data-theme="dark"]'))
    assert system == chosen
    assert set(chosen) >= set(TEXT + BACKGROUNDS)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_colours_meet_aa_on_every_background(scheme: str) -> None:
    """Each text colour on each background colour is at least 4.5:1."""
    palette = palettes()[scheme]
    low = [
        f"{fg} on {bg}: {contrast(palette[fg], palette[bg]):.2f}"
        for fg in TEXT for bg in BACKGROUNDS
        if contrast(palette[fg], palette[bg]) < AA_TEXT
    ]
    assert low == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_focus_ring_and_done_marks_are_visible(scheme: str) -> None:
    """The focus ring and the 'done' fill stand out from the page (3:1 for non-text)."""
    palette = palettes()[scheme]
    for fg in ("focus", "done"):
        for bg in ("bg", "surface", "surface-2"):
            assert contrast(palette[fg], palette[bg]) >= AA_NON_TEXT, f"{fg} on {bg}"
    # The 'Done' badge prints surface-coloured text on the done colour.
    assert contrast(palette["surface"], palette["done"]) >= AA_TEXT
