"""Audit any built site folder with every quality check, and write a short markdown report.

    make audit SITE=path/to/folder            # writes audit-report.md, exits 1 if any check fails
    .venv/bin/python scripts/audit FOLDER [--report FILE]

The same checks as the test suite (tests/test_quality_site.py runs this over the sample site). Every
page: the Nu HTML Checker, links read from the files, and in Chromium from a server under a sub-path
that sends the CSP: axe-core, CSP violations, console errors and links. Pages with scripts and one
page of each kind (kinds are found from the paths, see pages.py) are opened from disk too. One page
of each kind: skip link, keyboard, 400% zoom, text size, reduced motion and print.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from playwright.sync_api import sync_playwright

from . import browser as b
from . import ibm
from .links import check_links
from .pages import SitePage, find_pages, kinds, representatives
from .server import REQUIRED_CSP, read_headers_file
from .sweep import SUBPATH, PageResult, disk_link_problems, served_link_problems, sweep_disk, sweep_served
from .tools import NODE_MODULES, ToolMissing, Tools, find_tools, launch_chromium
from .vnu import VnuMessage, read_vnu, site_files, start_vnu
from .weight import CEILING, PageWeight, heaviest_by_kind, kb, search_index_bytes, weight_report

T = TypeVar("T")
MOST_LISTED = 40  # problems listed per check in the report
# Every check, by id, in report order. The tests assert each one passes over the sample site.
CHECKS = {
    "axe": "Accessibility: axe-core, WCAG 2.0, 2.1 and 2.2, levels A and AA",
    "ibm": "Accessibility: IBM Equal Access checker (a second engine), on one page of each kind",
    "skip-link": "Skip link moves focus to the main content",
    "keyboard": "Keyboard: every control reachable in order and operable, focus visible and not hidden",
    "reflow": "Reflow at 320 CSS px (400% zoom): no sideways scrolling",
    "phone-tables": "Tables at 320 and 375 px: every caption and cell in view (reflowed, or an announced scroll box)",
    "text-resize": "Text resized to 200%: all text grows, nothing cut off",
    "reduced-motion": "prefers-reduced-motion: nothing moves",
    "print": "Prints cleanly: no navigation, addresses of links shown",
    "html": "Valid HTML, CSS and SVG: the Nu HTML Checker",
    "links": "Links: every internal link, image, script and stylesheet resolves (read from the files)",
    "links-browser": f"Links in Chromium, from disk and from a server under the sub-path {SUBPATH}",
    "csp": f"Content-Security-Policy ({REQUIRED_CSP}): no violation, no console error",
    "weight": f"Weight: every page under {kb(CEILING)} with all it loads (search index aside)",
}


@dataclass
class Check:
    id: str
    scope: str  # what was checked: "75 pages", "18 pages, one of each kind"
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return CHECKS[self.id]

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass
class Audit:
    folder: Path
    pages: list[SitePage]
    chosen: dict[str, SitePage]  # kind -> representative page
    checks: dict[str, Check]
    weights: list[PageWeight]
    needs_review: dict[str, int]  # axe rule -> pages where axe could not decide
    versions: dict[str, str]
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds each part took

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks.values())


# ---- running the checks -------------------------------------------------------------------------


@dataclass
class Clock:
    """How long each part of the audit takes, to say in the report."""

    seconds: dict[str, float] = field(default_factory=dict)

    def time(self, phase: str, run: Callable[[], T]) -> T:
        """run(), noting how long it took under phase (phases are listed in the order they start)."""
        self.seconds[phase] = 0.0
        started = time.perf_counter()
        try:
            return run()
        finally:
            self.seconds[phase] = time.perf_counter() - started


def per_page(chosen: dict[str, SitePage], run: Callable[[SitePage], list[str]]) -> list[str]:
    """Run a check on each chosen page; its problems, each prefixed with the page."""
    return [f"{p.path}: {problem}" for p in chosen.values() for problem in run(p)]


def representative_checks(browser: Any, tools: Tools, folder: Path, chosen: dict[str, SitePage]) -> list[Check]:
    """Skip link, keyboard, reflow, text size, motion and print, on one page of each kind, from disk."""
    context = b.prepare_context(browser.new_context(viewport=b.DESKTOP_VIEWPORT), tools, with_axe=False)
    context.add_init_script(script=ibm.ace_script(tools))
    page = context.new_page()
    url = lambda p: (folder / p.path).resolve().as_uri()  # noqa: E731
    scope = f"{len(chosen)} pages, one of each kind"
    runs: dict[str, Callable[[SitePage], list[str]]] = {
        "ibm": lambda p: ibm.check_ibm(page, url(p)),
        "skip-link": lambda p: b.check_skip_link(page, url(p)),
        "keyboard": lambda p: b.check_keyboard(page, url(p)),
        "reflow": lambda p: b.check_reflow(page, url(p)),
        "phone-tables": lambda p: b.check_phone_tables(page, url(p)),
        "text-resize": lambda p: b.check_text_resize(page, url(p), context),
        "reduced-motion": lambda p: b.check_reduced_motion(page, url(p)),
        "print": lambda p: b.check_print(page, url(p)),
    }
    try:
        return [Check(check_id, scope, per_page(chosen, run)) for check_id, run in runs.items()]
    finally:
        context.close()


def from_disk(folder: Path, pages: list[SitePage], chosen: dict[str, SitePage]) -> list[SitePage]:
    """The pages worth opening from disk as well as served: those with scripts (which may work
    differently from file://) and one of each kind. The links of every page are checked from the
    files as a browser reads them from disk (links.py), and every page is opened served."""
    return [p for p in pages if p in chosen.values() or "<script" in (folder / p.path).read_text(encoding="utf-8")]


def in_own_browser(tools: Tools, run: Callable[[Any], T]) -> T:
    """run(browser) with a Chromium of its own, so that it can work in another thread."""
    with sync_playwright() as playwright:  # Playwright allows one instance per thread
        browser = launch_chromium(playwright, tools.chromium)
        try:
            return run(browser)
        finally:
            browser.close()


def headers_problems(folder: Path) -> list[str]:
    """The folder ships a _headers file whose policy is at least the required one."""
    policy = dict(read_headers_file(folder)).get("Content-Security-Policy", "")
    if not policy:
        return ["_headers: no Content-Security-Policy for every path ('/*'); see docs/hosting.md"]
    wanted = [d.strip() for d in REQUIRED_CSP.split(";")]
    return [f'_headers: the Content-Security-Policy lacks "{d}"' for d in wanted if d not in policy]


def sweep_checks(results: dict[str, PageResult], folder: Path, base_url: str) -> list[Check]:
    """axe, links in the browser, and CSP and console, from the two sweeps."""
    scope = f"{len(results)} pages"
    both = f"{scope} served, {sum(1 for r in results.values() if r.disk.opened)} of them from disk too"
    axe = [f"{path}: {v}" for path, r in results.items() for v in (r.axe.violations if r.axe else [])]
    links = [f"{path}: from disk, {p}" for path, r in results.items() for p in disk_link_problems(folder, r.disk)]
    links += [f"{path}: under {SUBPATH}, {p}" for path, r in results.items()
              for p in served_link_problems(folder, base_url, r.served)]  # fmt: skip
    links += [f"{path}: from disk, {e}" for path, r in results.items() for e in r.disk.failed_requests]
    csp = [f"{path}: under {SUBPATH}, {e}" for path, r in results.items() for e in r.served.errors()]
    csp += [f"{path}: from disk, console error: {e}" for path, r in results.items() for e in r.disk.console_errors]
    return [Check("axe", scope, axe), Check("links-browser", both, links),
            Check("csp", both, csp + headers_problems(folder))]  # fmt: skip


def weight_check(weights: list[PageWeight]) -> Check:
    """The heaviest page (weights come heaviest first) is under the ceiling."""
    over = [f"{w.path} weighs {kb(w.total)}, over the ceiling of {kb(CEILING)}" for w in weights if w.total >= CEILING]
    return Check("weight", f"{len(weights)} pages", over)


def vnu_check(messages: list[VnuMessage], folder: Path, files: int) -> Check:
    errors = [f"{_rel(m.path, folder)}:{m.line}: {m.message}" for m in messages if m.is_error]
    return Check("html", f"{files} files", errors)


def _rel(path: Path, folder: Path) -> str:
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(path)


def versions(browser: Any) -> dict[str, str]:
    found = {"Chromium": browser.version}
    for name, package in (("axe-core", "axe-core"), ("IBM Equal Access", "accessibility-checker-engine"), ("Nu HTML Checker", "vnu-jar")):
        meta = NODE_MODULES / package / "package.json"
        found[name] = json.loads(meta.read_text(encoding="utf-8"))["version"] if meta.is_file() else "?"
    return found


def audit_folder(folder: Path, tools: Tools, browser: Any) -> Audit:
    """Run every check over folder with an open Chromium."""
    started = time.perf_counter()
    pages = find_pages(folder)
    chosen = representatives(folder, pages)
    files = site_files(folder)
    clock = Clock()
    # Three at once: the Nu HTML Checker in Java, the pages of each kind in a second Chromium in a
    # thread, and the sweeps over every page here. Most of the time is spent waiting on a browser.
    vnu = start_vnu(tools, files)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            by_kind = pool.submit(clock.time, "one page of each kind", lambda: in_own_browser(
                tools, lambda other: representative_checks(other, tools, folder, chosen)))  # fmt: skip
            disk = from_disk(folder, pages, chosen)
            results = {p.path: PageResult(p) for p in pages}
            for path, result in clock.time("pages from disk", lambda: sweep_disk(browser, tools, folder, disk)).items():
                results[path].disk = result.disk
            base_url = clock.time("every page served, with axe", lambda: sweep_served(browser, tools, folder, results))
            in_person = by_kind.result()
        html = clock.time("waiting for the Nu HTML Checker", lambda: vnu_check(read_vnu(vnu), folder, len(files)))
    finally:
        vnu.kill()
    static = check_links(folder)
    weights = weight_report(folder, pages)
    found = [*sweep_checks(results, folder, base_url), *in_person, html,
             Check("links", f"{static.internal} references", [str(p) for p in static.problems]), weight_check(weights)]  # fmt: skip
    checks = {check_id: next(c for c in found if c.id == check_id) for check_id in CHECKS}
    return Audit(folder, pages, chosen, checks, weights, needs_review(results), versions(browser),
                 time.perf_counter() - started, clock.seconds)  # fmt: skip


def needs_review(results: dict[str, PageResult]) -> dict[str, int]:
    """{axe rule: how many pages axe could not decide it on}."""
    counts: dict[str, int] = {}
    for result in results.values():
        for rule in {finding.rule for finding in (result.axe.needs_review if result.axe else [])}:
            counts[rule] = counts.get(rule, 0) + 1
    return dict(sorted(counts.items()))


# ---- the report ---------------------------------------------------------------------------------


def render_report(audit: Audit, today: dt.date) -> str:
    """The audit as short markdown: a summary table, the problems, the weights, what needs a person."""
    failed = [c for c in audit.checks.values() if not c.passed]
    tools = ", ".join(f"{name} {version}" for name, version in audit.versions.items())
    lines = [
        f"# Quality audit of {audit.folder}",
        "",
        f"{today.isoformat()}: {len(audit.pages)} pages of {len(kinds(audit.pages))} kinds, checked in "
        f"{audit.seconds:.0f} s ({', '.join(f'{name} {s:.0f} s' for name, s in audit.phases.items())}) with {tools}.",
        "",
        "**Result: pass.** Every check passed." if not failed
        else f"**Result: FAIL.** {len(failed)} of {len(audit.checks)} checks found problems.",
        "",
        "| Check | Result | Checked |",
        "|---|---|---|",
        *[f"| {c.name} | {'pass' if c.passed else f'**FAIL** ({len(c.problems)})'} | {c.scope} |"
          for c in audit.checks.values()],
    ]  # fmt: skip
    for check in failed:
        lines += ["", f"## {check.name}", ""] + [f"- {p}" for p in check.problems[:MOST_LISTED]]
        if len(check.problems) > MOST_LISTED:
            lines.append(f"- ... and {len(check.problems) - MOST_LISTED} more")
    return "\n".join(lines + weight_section(audit) + pages_section(audit) + review_section(audit)) + "\n"


def weight_section(audit: Audit) -> list[str]:
    lines = ["", "## Page weight", "", "The heaviest page of each kind, uncompressed, with everything it loads.", "",
             "| Kind | Heaviest page | HTML | CSS | JS | Images | Other | Total |", "|---|---|--:|--:|--:|--:|--:|--:|"]  # fmt: skip
    for kind, w in sorted(heaviest_by_kind(audit.weights).items()):
        lines.append(f"| {kind} | {w.path} | {kb(w.html)} | {kb(w.css)} | {kb(w.js)} | {kb(w.images)} | "
                     f"{kb(w.other)} | {kb(w.total)} |")  # fmt: skip
    if audit.weights:
        top = audit.weights[0]
        lines += ["", f"Heaviest page: {top.path}, {kb(top.total)} (ceiling {kb(CEILING)})."]
    index = search_index_bytes(audit.folder)
    if index:
        lines.append(f"Search index (loaded only to search, left aside): {kb(index)}.")
    return lines


def pages_section(audit: Audit) -> list[str]:
    counts = {kind: sum(1 for p in audit.pages if p.kind == kind) for kind in audit.chosen}
    rows = [f"| {kind} | {counts[kind]} | {p.path} |" for kind, p in audit.chosen.items()]
    return ["", "## Page kinds", "", "Skip link, keyboard, zoom, text size, motion and print were tested on the page "
            "of each kind that uses the most different elements.", "", "| Kind | Pages | Page tested |",
            "|---|--:|---|", *rows]  # fmt: skip


def review_section(audit: Audit) -> list[str]:
    lines = ["", "## Still needs a person", "",
             "Automated checks cannot judge whether alternative text, link text and easy read are good, or how the "
             "site works with a screen reader or speech recognition. Test those by hand, with disabled people."]  # fmt: skip
    if audit.needs_review:
        found = ", ".join(f"{rule} ({n} pages)" for rule, n in sorted(audit.needs_review.items()))
        lines += ["", f"axe-core could not decide on: {found}. Look at these by hand."]
    return lines


# ---- command line -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="audit", description="Run every quality check over a built site folder.")
    parser.add_argument("site", type=Path, help="the built site folder, e.g. _site")
    parser.add_argument("--report", type=Path, default=Path("audit-report.md"),
                        help="markdown report to write (default: audit-report.md)")  # fmt: skip
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    """Audit a folder, write the report, print a summary; 0 when every check passes, 1 if not, 2 if it cannot run."""
    args = parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"audit: {args.site} is not a built site (it has no index.html; build one with make site)", file=sys.stderr)
        return 2
    try:
        tools = find_tools()
        audit = in_own_browser(tools, lambda browser: audit_folder(args.site, tools, browser))
    except ToolMissing as error:
        print(f"audit: {error}", file=sys.stderr)
        return 2
    args.report.write_text(render_report(audit, dt.date.today()), encoding="utf-8")
    for check in audit.checks.values():
        print(f"{'pass' if check.passed else 'FAIL'}  {check.name}" + ("" if check.passed else f" ({len(check.problems)})"))
    print(f"\n{'Passed' if audit.passed else 'FAILED'}: report written to {args.report.resolve()}")
    return 0 if audit.passed else 1
