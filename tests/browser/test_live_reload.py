"""Live reload in Chromium: a stage page open beside the editor follows every save of its file,
shows a broken save's errors over the last good page, and recovers when the file is fixed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import PageReport
from tests.serving import serving

STAGE = "ml-engineer/stages/03-feature-engineering.md"
STAGE_URL = "ml-engineer/stages/feature-engineering/"
RELOAD_MS = 2000  # the promise: the page shows an edit within 2 s of the save


def save(source: Path, old: str, new: str) -> None:
    path = source / STAGE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def mark(page: Page) -> None:
    """Leave a mark that a reload wipes, once the page's live reload client is connected."""
    page.wait_for_function("() => window.LiveReload && window.LiveReload.connector.protocol >= 7")
    page.evaluate("() => { window.trekgenMark = true; }")


def reloaded_with(page: Page, condition: str) -> None:
    """Wait (at most RELOAD_MS) for a reload after which `condition` holds."""
    page.wait_for_function(f"() => !window.trekgenMark && ({condition})", timeout=RELOAD_MS)


def test_a_stage_page_follows_edits_shows_errors_and_recovers(
    page: Page, copy_bundled: Path, watch_page: Callable[[Page], PageReport]
) -> None:
    with serving(copy_bundled) as served:
        report = watch_page(page)
        page.goto(served.url + STAGE_URL)
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Feature engineering and data preparation"
        )

        mark(page)
        save(copy_bundled, "## Why it matters\n", "## Why it matters\n\nZebra crossing.\n")
        reloaded_with(page, "document.body.innerText.includes('Zebra crossing.')")
        expect(page.locator("#trekgen-errors")).to_have_count(0)

        mark(page)
        save(copy_bundled, "title:", "titel:")
        reloaded_with(page, "document.getElementById('trekgen-errors') !== null")
        dialog = page.get_by_role("dialog", name="trekgen: 1 error; the site was not rebuilt")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text(
            f"roadmap/{STAGE}:2:1: error: unknown key 'titel'; did you mean 'title'?"
        )
        # Underneath, the last good page is still served.
        expect(page.get_by_text("Zebra crossing.")).to_be_attached()
        page.get_by_role("button", name="Close").focus()
        page.keyboard.press("Enter")
        expect(dialog).to_be_hidden()

        mark(page)
        save(copy_bundled, "titel:", "title:")
        reloaded_with(page, "document.getElementById('trekgen-errors') === null")
        mark(page)
        save(copy_bundled, "Zebra crossing.", "Zebra crossing, fixed.")
        reloaded_with(page, "document.body.innerText.includes('Zebra crossing, fixed.')")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Feature engineering and data preparation"
        )
        assert report.problems() == []
        assert served.interrupt() == 0
