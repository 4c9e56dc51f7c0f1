"""Rules the test suite keeps so that it runs as one session on a fresh machine."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).parent


def test_browser_tests_share_the_sessions_one_playwright() -> None:
    """A second sync_playwright() in the running session fails, so only the shared fixture starts one."""
    starters = sorted(
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if "sync_playwright()" in path.read_text(encoding="utf-8") and path.name != "test_suite_rules.py"
    )
    # audit.py starts one only in main() (`make audit`, its own process); the tests pass it the session browser.
    assert starters == ["quality/audit.py", "quality/fixtures.py"], "use the `browser` fixture (tests/quality/fixtures.py)"


def test_nothing_is_skipped_silently() -> None:
    """A missing tool must fail with its reason: importorskip would hide a machine that cannot run the checks."""
    skippers = sorted(
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if "importorskip(" in path.read_text(encoding="utf-8") and path.name != "test_suite_rules.py"
    )
    assert skippers == []
