"""Progress kept in the browser: mark stages done, tick items, export, import, reset."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect

from tests.browser.conftest import PageReport

ML = "ml-engineer/"
STAGE = "feature-engineering"
STAGE_TITLE = "Feature engineering and data preparation"
KEY = "trekgen:progress:ml-engineer"


def store(page: Page, site_url: str, record: Any) -> None:
    """Put a progress record (any JSON, or a raw string) in the site's localStorage."""
    page.goto(site_url)
    text = record if isinstance(record, str) else json.dumps(record)
    page.evaluate("([key, text]) => localStorage.setItem(key, text)", [KEY, text])


def stored(page: Page) -> Any:
    """The progress record of the ML roadmap as stored, or None."""
    text = page.evaluate("key => localStorage.getItem(key)", KEY)
    return None if text is None else json.loads(text)


def open_tools(page: Page) -> None:
    """Unfold the overview's export / import / reset panel."""
    page.get_by_text("Save, move or reset your progress").click()


def test_a_learner_marks_a_stage_done_and_the_overview_counts_it(
    page: Page, site_url: str, watch_page: Callable[[Page], PageReport],
) -> None:
    """Index -> roadmap -> stage -> mark done -> reload: kept, and 1 of 13 on the overview."""
    report = watch_page(page)
    page.goto(site_url)
    page.get_by_role("main").get_by_role("link", name="Machine Learning Engineer").click()
    page.locator(".stage-list").get_by_role("link", name=STAGE_TITLE).click()
    done = page.get_by_role("checkbox", name="Mark as done")
    expect(done).not_to_be_checked()
    done.check()
    expect(page.locator("[aria-live]")).to_have_text(
        "Stage marked as done. 1 of 13 stages done."
    )
    page.reload()
    expect(page.get_by_role("checkbox", name="Mark as done")).to_be_checked()

    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    crumbs.get_by_role("link", name="Machine Learning Engineer").click()
    expect(page.locator("#progress .progress-count")).to_have_text("1 of 13 stages done")
    bar = page.locator("#progress progress")
    expect(bar).to_have_attribute("max", "13")
    assert bar.evaluate("b => b.value") == 1
    expect(page.get_by_role("progressbar", name="1 of 13 stages done")).to_be_visible()
    card = page.locator(f'.stage-card[data-stage="{STAGE}"]')
    expect(card).to_have_attribute("data-done", "true")
    expect(card.locator(".done-badge")).to_have_text("Done")
    assert page.locator(".stage-card[data-done]").count() == 1
    # The roadmap drawing's nodes carry data-stage too: every mark of this stage shows it done.
    assert page.locator(f'[data-stage="{STAGE}"]:not([data-done])').count() == 0

    page.goto(site_url)
    expect(page.locator('[data-progress-for="ml-engineer"] .progress-count')).to_have_text(
        "1 of 13 stages done"
    )
    expect(page.locator('[data-progress-for="ai-engineer"] .progress-count')).to_have_text(
        "0 of 6 stages done"
    )
    # Script errors land here too; requests cut short by the next goto are no fault of a page.
    assert report.console_errors == []


def test_unticking_a_stage_takes_it_out_of_the_count(page: Page, site_url: str) -> None:
    """Done, then not done: the overview is back to 0."""
    page.goto(site_url + ML + f"stages/{STAGE}/")
    done = page.get_by_role("checkbox", name="Mark as done")
    done.check()
    done.uncheck()
    expect(page.locator("[aria-live]")).to_have_text(
        "Stage marked as not done. 0 of 13 stages done."
    )
    page.goto(site_url + ML)
    expect(page.locator("#progress .progress-count")).to_have_text("0 of 13 stages done")
    assert page.locator("[data-done]").count() == 0


def test_stored_progress_has_a_version_and_stage_slugs(page: Page, site_url: str) -> None:
    """The format other versions will read: version 1, stages keyed by slug with a date."""
    page.goto(site_url + ML + f"stages/{STAGE}/")
    page.get_by_role("checkbox", name="Mark as done").check()
    record = stored(page)
    assert record["version"] == 1
    assert list(record["stages"]) == [STAGE]
    assert len(record["stages"][STAGE]) == len("2026-01-31")


def test_export_reset_and_import_bring_progress_back(
    page: Page, site_url: str, tmp_path: Path,
) -> None:
    """Export to a file, reset (confirmed), import the file: 1 of 13 again."""
    page.goto(site_url + ML + f"stages/{STAGE}/")
    page.get_by_role("checkbox", name="Mark as done").check()
    page.goto(site_url + ML)
    count = page.locator("#progress .progress-count")
    expect(count).to_have_text("1 of 13 stages done")
    open_tools(page)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export to a file").click()
    download = download_info.value
    assert download.suggested_filename.startswith("trekgen-progress-ml-engineer-")
    exported = tmp_path / download.suggested_filename
    download.save_as(exported)
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data["format"] == "trekgen-progress"
    assert (data["version"], data["roadmap"]) == (1, "ml-engineer")
    assert list(data["stages"]) == [STAGE]

    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_role("button", name="Reset progress").click()
    expect(count).to_have_text("0 of 13 stages done")
    assert "cannot be undone" in dialogs[0]
    assert stored(page) is None
    assert page.locator("[data-done]").count() == 0

    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Import from a file").click()
    chooser.value.set_files(exported)
    expect(count).to_have_text("1 of 13 stages done")
    expect(page.get_by_role("status")).to_have_text("Imported: 1 of 13 stages done.")
    card = page.locator(f'.stage-card[data-stage="{STAGE}"]')
    expect(card).to_have_attribute("data-done", "true")


def test_a_dismissed_reset_keeps_progress(page: Page, site_url: str) -> None:
    """Cancel in the confirmation dialog: nothing is cleared."""
    store(page, site_url, {"version": 1, "stages": {STAGE: "2026-01-01"}, "checks": {}})
    page.goto(site_url + ML)
    open_tools(page)
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Reset progress").click()
    expect(page.locator("#progress .progress-count")).to_have_text("1 of 13 stages done")
    assert list(stored(page)["stages"]) == [STAGE]


def progress_file(roadmap: str = "ml-engineer", version: int = 1, stages: Any = None) -> str:
    """The text of an exported progress file."""
    data = {"format": "trekgen-progress", "version": version, "roadmap": roadmap,
            "stages": {} if stages is None else stages}
    return json.dumps(data)


BAD_FILES = {
    "not-json.json": ("{ this is not json", "it is not JSON"),
    "other.json": (progress_file("ai-engineer"), "another roadmap (ai-engineer)"),
    "foreign.json": (json.dumps({"hello": "world"}), "not a trekgen progress file"),
    "future.json": (progress_file(version=7), "progress format 7"),
    "damaged.json": (progress_file(stages=[1]), "damaged"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_file_is_refused_with_a_clear_message(
    name: str, page: Page, site_url: str, tmp_path: Path,
) -> None:
    """The message says what is wrong; the stored progress is untouched."""
    text, expected = BAD_FILES[name]
    store(page, site_url, {"version": 1, "stages": {STAGE: "2026-01-01"}, "checks": {}})
    page.goto(site_url + ML)
    open_tools(page)
    bad = tmp_path / name
    bad.write_text(text, encoding="utf-8")
    page.locator('#progress input[type="file"]').set_input_files(bad)
    message = page.locator(".progress-message")
    expect(message).to_contain_text(expected)
    expect(message).to_have_class("progress-message is-error")
    expect(page.locator("#progress .progress-count")).to_have_text("1 of 13 stages done")
    assert list(stored(page)["stages"]) == [STAGE]


def test_importing_a_file_with_a_removed_stage_keeps_it_but_does_not_count_it(
    page: Page, site_url: str, tmp_path: Path,
) -> None:
    """A stage that was renamed or removed since the export is kept and said so."""
    page.goto(site_url + ML)
    open_tools(page)
    old = tmp_path / "old.json"
    stages = {STAGE: "2026-01-01", "stage-that-was-removed": "2025-06-01"}
    old.write_text(progress_file(stages=stages), encoding="utf-8")
    page.locator('#progress input[type="file"]').set_input_files(old)
    expect(page.locator(".progress-message")).to_have_text(
        "Imported: 1 of 13 stages done. "
        "1 stage is no longer part of this roadmap; kept, but not counted."
    )
    assert set(stored(page)["stages"]) == set(stages)


ODD_RECORDS = {
    "unknown-slugs": ({"version": 1, "stages": {STAGE: "2026-01-01", "no-such-stage": "2026-01-01",
                                                "Not A Slug!": "x"},
                       "checks": {"skills:nowhere": [1, "x"]}}, 1),
    "not-json": ("{ broken json", 0),
    "wrong-shapes": ({"version": 1, "stages": ["a", "list"], "checks": None}, 0),
    "future-version": ({"version": 99, "stages": {STAGE: "2026-01-01"}}, 0),
    "a-list": ([1, 2, 3], 0),
}


@pytest.mark.parametrize("name", sorted(ODD_RECORDS))
def test_odd_stored_progress_never_breaks_a_page(
    name: str, page: Page, site_url: str, watch_page: Callable[[Page], PageReport],
) -> None:
    """Unknown slugs are not counted; unreadable data reads as no progress; no script error."""
    record, done = ODD_RECORDS[name]
    store(page, site_url, record)
    report = watch_page(page)
    page.goto(site_url + ML)
    expect(page.locator("#progress .progress-count")).to_have_text(f"{done} of 13 stages done")
    page.goto(site_url)
    expect(page.locator('[data-progress-for="ml-engineer"] .progress-count')).to_have_text(
        f"{done} of 13 stages done"
    )
    page.goto(site_url + ML + f"stages/{STAGE}/")
    expect(page.get_by_role("checkbox", name="Mark as done")).to_be_visible()
    # Script errors land here too; requests cut short by the next goto are no fault of a page.
    assert report.console_errors == []


def test_marking_a_stage_keeps_unknown_stored_slugs(page: Page, site_url: str) -> None:
    """A slug from older content stays stored: it may come back in a later version."""
    store(page, site_url, {"version": 1, "stages": {"retired-stage": "2025-01-01"}, "checks": {}})
    page.goto(site_url + ML + f"stages/{STAGE}/")
    page.get_by_role("checkbox", name="Mark as done").check()
    assert set(stored(page)["stages"]) == {"retired-stage", STAGE}
    page.goto(site_url + ML)
    expect(page.locator("#progress .progress-count")).to_have_text("1 of 13 stages done")


def test_a_skill_practice_stays_ticked_after_a_reload(page: Page, site_url: str) -> None:
    """Practices become labelled checkboxes; a tick is stored per skill area and item."""
    page.goto(site_url + ML + "skills/")
    practice = page.get_by_role("checkbox", name="Write the shape of every tensor")
    practice.check()
    page.reload()
    expect(page.get_by_role("checkbox", name="Write the shape of every tensor")).to_be_checked()
    checks = stored(page)["checks"]
    assert checks == {"skills:math": [2]}
    unticked = page.locator("ul[data-checklist] input:not(:checked)")
    assert unticked.count() == page.locator("ul[data-checklist] li[data-item]").count() - 1


def test_a_project_deliverable_can_be_ticked(page: Page, site_url: str) -> None:
    """Deliverables tick like practices, stored under the project's slug."""
    page.goto(site_url + ML + "projects/tabular-risk-model/")
    boxes = page.locator('ul[data-checklist] input[type="checkbox"]')
    assert boxes.count() >= 2
    boxes.nth(1).check()
    page.reload()
    expect(page.locator('ul[data-checklist] input[type="checkbox"]').nth(1)).to_be_checked()
    assert stored(page)["checks"] == {"project:tabular-risk-model": [2]}


def test_progress_in_another_tab_shows_here_too(context: BrowserContext, site_url: str) -> None:
    """Two tabs of the same roadmap stay in step through the storage event."""
    overview, stage = context.new_page(), context.new_page()
    overview.goto(site_url + ML)
    stage.goto(site_url + ML + f"stages/{STAGE}/")
    stage.get_by_role("checkbox", name="Mark as done").check()
    expect(overview.locator("#progress .progress-count")).to_have_text("1 of 13 stages done")


def test_a_finished_roadmap_says_so(page: Page, site_url: str) -> None:
    """Every stage done: 6 of 6 and the summary is marked complete."""
    page.goto(site_url + "ai-engineer/")
    slugs = page.locator("#progress").get_attribute("data-stage-slugs")
    assert slugs is not None and len(slugs.split()) == 6
    record = {"version": 1, "stages": dict.fromkeys(slugs.split(), "2026-01-01"), "checks": {}}
    page.evaluate(
        "text => localStorage.setItem('trekgen:progress:ai-engineer', text)", json.dumps(record)
    )
    page.reload()
    expect(page.locator("#progress .progress-count")).to_have_text("6 of 6 stages done")
    expect(page.locator("#progress")).to_have_class("progress-slot is-complete")


# --- without JavaScript ------------------------------------------------------------------


@pytest.fixture
def no_js(browser: Browser) -> Iterator[Page]:
    """A page in a context where JavaScript is off."""
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize(
    "path", ["", ML, ML + f"stages/{STAGE}/", ML + "skills/", ML + "projects/tabular-risk-model/"]
)
def test_without_javascript_pages_read_fine_and_show_no_progress_controls(
    path: str, no_js: Page, site_url: str,
) -> None:
    """No checkbox, button or bar that could not work; the content is all there."""
    no_js.goto(site_url + path)
    expect(no_js.locator("h1")).to_be_visible()
    assert no_js.locator("main input, main button, progress, .progress-slot *").count() == 0
    assert no_js.locator(".progress-slot").evaluate_all(
        "slots => slots.every(s => getComputedStyle(s).display === 'none')"
    )
    expect(no_js.locator("[data-theme-toggle]")).to_be_hidden()
    if path == ML:
        assert no_js.locator(".stage-list a").count() == 13
    if path.endswith("skills/"):
        items = no_js.locator("ul[data-checklist] li")
        assert items.count() > 0
        expect(items.first).to_be_visible()
