"""The self-assessment page in real Chromium (Debian's, through Playwright), under the site's own CSP.

Each built site is served on 127.0.0.1 by the quality checks' one test server (tests/quality/server.py)
with the headers from the site's own _headers file, the Content-Security-Policy among them; a CSP
violation or any other console error or warning fails the test. 127.0.0.1 is a secure context, as a
real https host is, so the clipboard works as it does for visitors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api as playwright_api  # a missing Playwright fails, never skips

from quality.server import read_headers_file, serve_folder

pytestmark = pytest.mark.browser

PAGE = "self-assessment/index.html"


class Visit:
    """A browser context on one served site, recording console errors and warnings and every request."""

    def __init__(self, browser: Any, base_url: str, headers: list[tuple[str, str]], **options: Any) -> None:
        self.base_url = base_url
        self.csp = dict(headers)["Content-Security-Policy"]
        self.errors: list[str] = []
        self.requests: list[tuple[str, str]] = []
        self.context = browser.new_context(**options)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append((r.method, r.url)))

    def open(self, rel: str = PAGE) -> Any:
        """Open a page of the site, checking it came with the site's Content-Security-Policy."""
        response = self.page.goto(self.base_url + rel)
        assert response is not None and response.status == 200, rel
        assert response.headers["content-security-policy"] == self.csp, rel
        return self.page


@pytest.fixture
def visit(browser: Any) -> Iterator[Callable[..., Visit]]:
    """Serve a built site (one server per call) and open a fresh browser context on it."""
    opened: list[Visit] = []
    with ExitStack() as servers:

        def make(site: Path, **options: Any) -> Visit:
            headers = read_headers_file(site)
            served = servers.enter_context(serve_folder(site, headers))
            opened.append(Visit(browser, served.base_url, headers, **options))
            return opened[-1]

        yield make
        for v in opened:
            v.context.close()
    for v in opened:
        assert v.errors == [], v.errors


def status(page: Any) -> str:
    return page.locator("#rag-status").inner_text()


def choose(page: Any, statement: str, value: str) -> None:
    """Click the option's label (its words), as a person with a mouse or a finger would."""
    page.locator(f"label[for='rag-{statement}-{value}']").click()


def test_rating_updates_the_summary_and_the_block(built: Path, visit) -> None:
    page = visit(built).open()
    assert status(page) == "You have not rated any statements yet."
    choose(page, "felt-heard", "green")
    assert status(page) == "You have rated 1 of 2 statements: 1 green."
    choose(page, "shared-power", "red")
    assert status(page) == "You have rated 2 of 2 statements: 1 red and 1 green."
    counts = {v: page.locator(f"[data-count={v}]").inner_text() for v in ("red", "amber", "green", "none")}
    assert counts == {"red": "1", "amber": "0", "green": "1", "none": "0"}
    items = [text.replace("\n\n", "\n") for text in page.locator("#rag-summary-list li").all_inner_texts()]
    assert items == ["People felt heard.\n✓ Green: Everyone felt heard.", "Power was shared.\n✕ Red: Decisions were made elsewhere."]
    assert page.locator("#rag-yaml").input_value() == "self_assessment:\n  felt-heard: green\n  shared-power: red\n"
    choose(page, "felt-heard", "skip")
    assert status(page) == "You have rated 1 of 2 statements: 1 red."
    assert page.locator("#rag-yaml").input_value() == "self_assessment:\n  shared-power: red\n"


NOTES = "Good start —\nbut the room\u2028evil: injected\r\n---\nwas cold \u0007 # really"


def insert_block(story: Path, block: str) -> None:
    """Paste a self_assessment block at the end of a story's front matter."""
    text = story.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    story.write_text(f"{head}\n{block.rstrip()}{sep}{body}", encoding="utf-8")


def test_downloaded_block_passes_check_and_shows_on_the_story(site_dir: Path, built: Path, run_cli, visit) -> None:
    page = visit(built).open()
    page.locator("#rag-about").fill("Memory cafe planning, spring")
    choose(page, "felt-heard", "amber")
    choose(page, "shared-power", "green")
    page.locator("#rag-felt-heard-notes").fill(NOTES)
    page.locator("label[for='rag-include-notes']").click()
    with page.expect_download() as info:
        page.locator("#rag-download").click()
    download = info.value
    assert download.suggested_filename == "self-assessment.yml"
    block = Path(download.path()).read_text(encoding="utf-8")
    assert block == page.locator("#rag-yaml").input_value()
    assert block.startswith("# Self-assessment of: Memory cafe planning, spring\nself_assessment:\n  # Good start —\n")
    assert "\n  # ---\n" in block and "evil: injected" in block
    assert page.locator("#rag-copy-status").inner_text() == "Downloaded as self-assessment.yml."

    insert_block(site_dir / "content/stories/memory-cafe.md", block)
    checked = run_cli("check")
    assert checked.code == 0 and "warning" not in checked.err, checked.err
    assert run_cli("build").code == 0
    html = (site_dir / "_site/stories/memory-cafe/index.html").read_text(encoding="utf-8")
    assert 'aria-hidden="true">!</span> Amber</span>: Some people felt heard.' in html
    assert 'aria-hidden="true">✓</span> Green</span>: Decisions were made together.' in html
    assert "injected" not in html and "Good start" not in html  # notes stay in the file, as comments


def test_copied_block_is_the_block(built: Path, visit) -> None:
    v = visit(built, permissions=["clipboard-read", "clipboard-write"])
    page = v.open()
    choose(page, "shared-power", "amber")
    page.locator("#rag-copy").click()
    playwright_api.expect(page.locator("#rag-copy-status")).to_have_text("Copied. Paste it into your story's front matter.")
    assert page.evaluate("navigator.clipboard.readText()") == "self_assessment:\n  shared-power: amber\n"


def test_notes_are_left_out_of_the_block_unless_asked(built: Path, visit) -> None:
    page = visit(built).open()
    choose(page, "felt-heard", "red")
    page.locator("#rag-felt-heard-notes").fill("private thought")
    assert page.locator("#rag-yaml").input_value() == "self_assessment:\n  felt-heard: red\n"
    assert "Notes: private thought" in page.locator("#rag-summary-list").inner_text()
    page.locator("#rag-include-notes").check()
    assert page.locator("#rag-yaml").input_value() == "self_assessment:\n  # private thought\n  felt-heard: red\n"


def test_keyboard_alone(built: Path, visit) -> None:
    page = visit(built).open()
    page.locator("#rag-about").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "rag-felt-heard-red"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # focus is visible
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    assert page.locator("#rag-felt-heard-amber").is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "rag-felt-heard-notes"
    page.keyboard.type("Mostly good")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "rag-shared-power-red"
    page.keyboard.press("Space")
    assert status(page) == "You have rated 2 of 2 statements: 1 red and 1 amber."
    # on to the buttons: the include-notes box, then Copy and Download
    for _ in range(2):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "rag-include-notes"
    page.keyboard.press("Space")
    assert page.locator("#rag-yaml").input_value() == (
        "self_assessment:\n  # Mostly good\n  felt-heard: amber\n  shared-power: red\n")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "rag-yaml"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "rag-copy"


def test_radio_groups_are_named_for_screen_readers(built: Path, visit) -> None:
    page = visit(built).open()
    group = page.get_by_role("group", name="1. People felt heard.", exact=True)
    names = [r.get_attribute("id") for r in group.get_by_role("radio").all()]
    assert names == ["rag-felt-heard-red", "rag-felt-heard-amber", "rag-felt-heard-green", "rag-felt-heard-skip"]
    # word, then meaning (Chromium puts a space before the hidden colon: screen readers do not say it)
    for name in (r"Red ?: Most people did not feel heard\.", r"Amber ?: Some people felt heard\.",
                 r"Green ?: Everyone felt heard\.", "Leave this one out"):
        assert group.get_by_role("radio", name=re.compile(f"^{name}$")).count() == 1, name
    assert group.get_by_role("textbox", name="Notes (optional) for statement 1", exact=True).count() == 1


def test_nothing_is_stored_unless_asked_and_forget_forgets(built: Path, visit) -> None:
    v = visit(built)
    page = v.open()
    choose(page, "felt-heard", "green")
    page.reload()
    assert not page.locator("#rag-felt-heard-green").is_checked()
    assert page.evaluate("localStorage.length") == 0

    choose(page, "felt-heard", "green")
    page.locator("#rag-felt-heard-notes").fill("kept")
    page.locator("#rag-save").click()
    assert page.locator("#rag-save-status").inner_text().startswith("Saved on this device.")
    page.reload()
    assert page.locator("#rag-felt-heard-green").is_checked()
    assert page.locator("#rag-felt-heard-notes").input_value() == "kept"
    assert status(page) == "You have rated 1 of 2 statements: 1 green."
    assert page.locator("#rag-save-status").inner_text() == "We filled in the answers you saved on this device. Choose Forget to remove them."

    page.locator("#rag-forget").click()
    assert page.evaluate("localStorage.length") == 0
    page.reload()
    assert not page.locator("#rag-felt-heard-green").is_checked()


def test_nothing_leaves_the_browser(built: Path, visit) -> None:
    v = visit(built)
    page = v.open()
    choose(page, "felt-heard", "amber")
    page.locator("#rag-felt-heard-notes").fill("notes")
    page.locator("#rag-save").click()
    page.locator("#rag-forget").click()
    page.locator("#rag-copy").click()
    page.wait_for_timeout(200)
    base = v.base_url
    assert sorted(set(v.requests)) == [
        ("GET", f"{base}assets/favicon.svg"), ("GET", f"{base}assets/self-assessment.css"),
        ("GET", f"{base}assets/self-assessment.js"), ("GET", f"{base}assets/site.css"), ("GET", base + PAGE),
    ]  # fmt: skip


def test_without_javascript_it_is_a_printable_form(built: Path, visit) -> None:
    page = visit(built, java_script_enabled=False).open()
    for section in ("#rag-summary", "#rag-result", "#rag-keep"):
        assert not page.locator(section).is_visible()
    choose(page, "felt-heard", "amber")
    assert page.locator("#rag-felt-heard-amber").is_checked()
    page.emulate_media(media="print")
    assert page.locator("#question-shared-power").is_visible()
    assert not page.locator("#rag-felt-heard-skip").is_visible()
    assert page.locator("#rag-felt-heard-notes").is_visible()
    assert not page.locator(".site-nav").is_visible()


def test_print_shows_the_ratings_and_hides_the_controls(built: Path, visit) -> None:
    page = visit(built).open()
    choose(page, "felt-heard", "green")
    page.emulate_media(media="print")
    assert not page.locator("#rag-result").is_visible() and not page.locator("#rag-keep").is_visible()
    assert page.locator("#rag-summary").is_visible()
    after = page.evaluate("getComputedStyle(document.querySelector(\"label[for='rag-felt-heard-green']\"), '::after').content")
    assert after == '" (chosen)"'
    after = page.evaluate("getComputedStyle(document.querySelector(\"label[for='rag-felt-heard-red']\"), '::after').content")
    assert after == "none"


def test_works_opened_from_disk(built: Path, browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((built / "self-assessment/index.html").as_uri())
    choose(page, "shared-power", "amber")
    assert status(page) == "You have rated 1 of 2 statements: 1 amber."
    with page.expect_download() as info:
        page.locator("#rag-download").click()
    assert Path(info.value.path()).read_text(encoding="utf-8") == "self_assessment:\n  shared-power: amber\n"
    context.close()
    assert errors == []


def test_pages_with_charts_have_no_console_errors_under_the_csp(built: Path, visit) -> None:
    v = visit(built)
    for rel in ("stories/index.html", "areas/norfolk/index.html", "stories/respite-with-carers/index.html"):
        page = v.open(rel)
        assert page.locator("svg.rag-chart, .ratings").first.is_visible()
    # the visit fixture asserts there were no console errors or warnings


def test_a_narrow_phone_does_not_scroll_sideways(built: Path, visit) -> None:
    v = visit(built, viewport={"width": 320, "height": 640})
    for rel in ("self-assessment/index.html", "stories/index.html"):
        page = v.open(rel)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, rel
