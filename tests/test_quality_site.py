"""The sample site, proven in a real browser: accessible, valid, secure and light on every page.

The pages and their kinds are found in the built folder (tests/quality/pages.py), so a new page kind
is checked as soon as the site builds it. The audit (tests/quality/audit.py, also `make audit`) runs
once: the Nu HTML Checker and the link check over every file; every page opened in Chromium from disk
(axe-core) and from a local server under a sub-path that sends the Content-Security-Policy; then one
page of each kind used by keyboard, at 320 px, with doubled text, with reduced motion and in print.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from quality.audit import CHECKS, Audit, audit_folder, render_report
from quality.pages import kinds
from quality.server import REQUIRED_CSP, read_headers_file
from quality.tools import REPO, Tools
from quality.weight import CEILING, heaviest_by_kind, kb

# Page kinds the sample site has always had; others (search, easy read ...) are found on their own.
CORE_KINDS = ("index.html", "404.html", "stories/index.html", "stories/*/index.html", "signatories/*/index.html",
              "areas/index.html", "areas/*/index.html", "themes/*/index.html", "sectors/*/index.html",
              "events/index.html", "events/*/index.html", "accessibility/index.html", "search/index.html",
              "share/index.html", "self-assessment/index.html", "easy-read/index.html")  # fmt: skip
PRINTED_KINDS = ("stories/*/index.html", "signatories/*/index.html", "self-assessment/index.html")  # the issue names these


@pytest.fixture(scope="module")
def audit(browser: Any, quality_tools: Tools, sample_site: Path) -> Audit:
    """Every check over the sample site, run once and read by the tests below."""
    return audit_folder(sample_site, quality_tools, browser)


def test_every_page_kind_is_found(audit: Audit) -> None:
    found = kinds(audit.pages)
    assert [kind for kind in CORE_KINDS if kind not in found] == []
    assert sorted(audit.chosen) == found  # one page of each kind was used in person


@pytest.mark.browser
@pytest.mark.parametrize("check_id", CHECKS)
def test_check_passes_on_the_sample_site(check_id: str, audit: Audit) -> None:
    check = audit.checks[check_id]
    assert check.problems == [], f"{check.name} ({check.scope}):\n" + "\n".join(check.problems)


def test_heaviest_page_of_each_kind(audit: Audit) -> None:
    heaviest = heaviest_by_kind(audit.weights)
    table = "\n".join(f"{w.total:>7} B  {kind}: {w.path} (html {kb(w.html)}, css {kb(w.css)}, js {kb(w.js)}, "
                      f"images {kb(w.images)})" for kind, w in sorted(heaviest.items()))  # fmt: skip
    print(f"\nHeaviest page of each kind, with all it loads:\n{table}")
    assert sorted(heaviest) == kinds(audit.pages)
    assert audit.weights[0].total < CEILING, f"{audit.weights[0].path} weighs {kb(audit.weights[0].total)}"


def test_print_is_checked_for_stories_signatories_and_the_self_assessment(audit: Audit) -> None:
    assert audit.checks["print"].scope == f"{len(audit.chosen)} pages, one of each kind"
    assert [kind for kind in PRINTED_KINDS if kind not in audit.chosen] == []


def test_report_has_a_row_for_every_check_and_kind(audit: Audit) -> None:
    report = render_report(audit, dt.date(2026, 11, 23))
    rows = [line for line in report.splitlines() if line.startswith("| ")]
    assert [c.name for c in audit.checks.values() if not any(row.startswith(f"| {c.name} | ") for row in rows)] == []
    count = {kind: sum(page.kind == kind for page in audit.pages) for kind in audit.chosen}
    assert [kind for kind, page in audit.chosen.items() if f"| {kind} | {count[kind]} | {page.path} |" not in rows] == []


def test_site_ships_its_security_headers(sample_site: Path) -> None:
    headers = dict(read_headers_file(sample_site))
    policy = headers.get("Content-Security-Policy", "")
    assert [d for d in REQUIRED_CSP.split("; ") if d not in policy] == [], policy
    assert headers.get("X-Content-Type-Options") == "nosniff"


def test_hosting_guide_shows_the_shipped_policy_for_every_host(sample_site: Path) -> None:
    policy = dict(read_headers_file(sample_site))["Content-Security-Policy"]
    guide = (REPO / "docs" / "hosting.md").read_text(encoding="utf-8").splitlines()
    examples = [line for line in guide if "default-src 'self'; img-src 'self' data:; " in line]
    assert len(examples) >= 5  # the table, CloudFront, nginx, Apache, IIS
    assert [line for line in examples if policy not in line] == []


def test_accessibility_statement_follows_the_uk_format_and_names_the_tests(sample_site: Path) -> None:
    statement = (sample_site / "accessibility" / "index.html").read_text(encoding="utf-8")
    sections = ["How accessible this website is", "What to do if you cannot use parts of this website",
                "Reporting accessibility problems with this website", "Enforcement procedure", "Compliance status",
                "Non-accessible content", "What we are doing to improve accessibility", "How we tested this website",
                "What the automated tests cannot check", "Preparation of this accessibility statement"]  # fmt: skip
    assert [s for s in sections if f">{s}</h" not in statement] == []
    assert [tool for tool in ("axe-core", "Equal Access", "Nu HTML Checker", "320 pixels", "reduce motion") if tool not in statement] == []
