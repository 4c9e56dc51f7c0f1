"""The preview in Chromium: a page open in the browser says which page it is (its live-reload stream),
shows a saved edit by itself, and a page opened while the build runs is never older than it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_serve import finish, served_url, start

pytestmark = pytest.mark.browser

STORY = "content/stories/memory-cafe.md"


@pytest.fixture
def served(site_dir: Path) -> Iterator[str]:
    process = start(site_dir, "--port", "0")
    try:
        yield served_url(process)
    finally:
        finish(process)


def wait_until(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_an_open_page_shows_a_saved_edit_by_itself_and_so_does_the_next(browser: Any, site_dir: Path, served: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        streams: list[str] = []
        page.on("request", lambda request: streams.append(request.url) if "/__cmi/events" in request.url else None)
        page.goto(served + "stories/memory-cafe/")
        assert page.locator("h1").inner_text() == "Memory cafe"
        wait_until(lambda: streams)
        assert streams[0] == served + "__cmi/events?page=%2Fstories%2Fmemory-cafe%2F", "the page says which page it is"

        story = site_dir / STORY
        story.write_text(story.read_text().replace("title: Memory cafe", "title: Memory cafe, planned together"))
        page.wait_for_function("document.querySelector('h1').textContent === 'Memory cafe, planned together'", timeout=30_000)

        other = context.new_page()
        other.goto(served + "stories/")  # not open when the edit was saved: served once the build is done
        assert "Memory cafe, planned together" in other.locator("main").inner_text()

        story.write_text(story.read_text().replace("date: 2024-06-01", "date: June"))
        alert = page.get_by_role("alert")
        alert.wait_for(timeout=30_000)
        assert "content/stories/memory-cafe.md:4: date:" in alert.inner_text()
        assert page.locator("h1").inner_text() == "Memory cafe, planned together", "the last good page stays"
    finally:
        context.close()
