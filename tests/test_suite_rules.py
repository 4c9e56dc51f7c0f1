"""Rules the test suite keeps so that it runs as one session on a fresh machine."""

from __future__ import annotations

import subprocess
import sys
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


def test_the_package_builds_without_deprecation_warnings(tmp_path: Path) -> None:
    """`pip install -e .` must not print setuptools' deprecation box (it said the license form stops
    working in 2027): build the wheel as pip does, in its own build environment, and read what it says."""
    repo = TESTS.parent
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "-w", str(tmp_path), str(repo)],
                          capture_output=True, text=True, timeout=240, check=False)  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    assert not [line for line in said.splitlines() if "deprecat" in line.lower()], said
