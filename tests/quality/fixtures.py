"""pytest fixtures for the quality checks (loaded by tests/conftest.py as a plugin).

One Chromium for the whole session, and the tools the checks need. A missing tool or a browser that
will not start FAILS the tests that need it, with the reason and how to fix it; nothing is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from .browser import DESKTOP_VIEWPORT, prepare_context
from .tools import ToolMissing, Tools, find_chromium, find_tools, launch_chromium


@pytest.fixture(scope="session")
def quality_tools() -> Tools:
    """Chromium, Java, axe-core and vnu.jar, as installed by scripts/setup-test-tools."""
    try:
        return find_tools()
    except ToolMissing as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """Playwright, once for the session (it allows one instance per thread)."""
    with sync_playwright() as started:
        yield started


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[Any]:
    """One headless Chromium for the whole session, shared by every browser test (Playwright allows one instance)."""
    try:
        chromium = launch_chromium(playwright, find_chromium())
    except ToolMissing as error:
        pytest.fail(str(error), pytrace=False)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def browser_context(browser: Any, quality_tools: Tools) -> Iterator[Any]:
    """One browser context for single-page tests, with the probes and axe-core in every page."""
    context = prepare_context(browser.new_context(viewport=DESKTOP_VIEWPORT), quality_tools)
    yield context
    context.close()


@pytest.fixture
def tab(browser_context: Any) -> Iterator[Any]:
    """A fresh browser page, closed after the test."""
    page = browser_context.new_page()
    yield page
    page.close()
