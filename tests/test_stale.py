"""'No update since ...' on the pledge register: relative to the build's --today, never the clock."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from cmi_site.cli import main
from cmi_site.site import a_year_before
from conftest import TEMPLATES

# The fixture's Sam Rivers signed on 2024-05-01 and last updated on 2025-06-01.
MARK = 'No update since <time datetime="2025-06-01">1 June 2025</time>'


def build_for(today: str) -> int:
    """Build the site in the working directory for a given date (run_cli always passes the fixed TODAY)."""
    return main(["build", "--templates", str(TEMPLATES), "--today", today])


def register_row(site: Path, name: str) -> str:
    html = (site / "pledge/index.html").read_text(encoding="utf-8")
    match = re.search(rf'<tr>\s*<th scope="row"><a href="[^"]+">{name}</a></th>.*?</tr>', html, re.S)
    assert match, name
    return match.group(0)


@pytest.mark.parametrize(
    ("today", "stale"),
    [("2026-06-01", False), ("2026-06-02", True), ("2026-11-23", True), ("2025-06-01", False)],
)
def test_marked_when_last_update_is_more_than_a_year_before_today(site_dir: Path, today: str, stale: bool) -> None:
    assert build_for(today) == 0
    row = register_row(site_dir / "_site", "Sam Rivers")
    assert (MARK in row) is stale
    if stale:
        assert f'<span class="tag tag--stale">{MARK}</span>' in row
    signatory = (site_dir / "_site/signatories/sam-rivers/index.html").read_text(encoding="utf-8")
    assert (f"<dt>Updates</dt><dd><span class=\"tag tag--stale\">{MARK}</span></dd>" in signatory) is stale


def test_without_updates_the_signing_date_counts(site_dir: Path, content_files) -> None:
    text = content_files["signatories/sam-rivers.md"]
    text = text[: text.index("updates:")] + "---\nWe are proud to sign.\n"
    (site_dir / "content/signatories/sam-rivers.md").write_text(text, encoding="utf-8")
    assert build_for("2025-05-02") == 0
    assert 'No update since <time datetime="2024-05-01">1 May 2024</time>' in register_row(site_dir / "_site", "Sam Rivers")
    html = (site_dir / "_site/pledge/index.html").read_text(encoding="utf-8")
    assert "1 signatory has not posted an update for more than a year. Their entry says" in html


def test_area_pages_do_not_mark(site_dir: Path, run_cli) -> None:
    assert run_cli("build").code == 0
    assert "No update since" not in (site_dir / "_site/areas/norfolk/index.html").read_text(encoding="utf-8")


def test_a_year_before() -> None:
    assert a_year_before(dt.date(2026, 11, 23)) == dt.date(2025, 11, 23)
    assert a_year_before(dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)
