"""Every page of a folder, opened in Chromium twice: from disk, and from a local server under a sub-path
that sends the Content-Security-Policy. Records console errors, CSP violations, failed requests and
every link as the browser resolved it (then checks those links), and axe-core's findings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from .browser import AxeResult, prepare_context, probe, run_axe
from .pages import SitePage
from .server import REQUIRED_CSP, read_headers_file, serve_folder
from .tools import Tools

SUBPATH = "/count-me-in/site/"  # where the served copy lives, to prove nothing assumes the domain root
CANCELLED = "net::ERR_ABORTED"


@dataclass
class PageLog:
    """What went wrong while one page loaded."""

    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, as written, as resolved)
    opened: bool = False  # whether the page was opened at all this way

    def errors(self) -> list[str]:
        return ([f"CSP violation: {v}" for v in self.csp_violations] + [f"console error: {e}" for e in self.console_errors]
                + [f"request failed: {r}" for r in self.failed_requests])  # fmt: skip


@dataclass
class PageResult:
    page: SitePage
    axe: AxeResult | None = None
    disk: PageLog = field(default_factory=PageLog)
    served: PageLog = field(default_factory=PageLog)


def watch(page: Any) -> Callable[[], PageLog]:
    """Listen to page; returns a function that hands over what was logged since the last call."""
    log = PageLog()

    def on_response(response: Any) -> None:
        if response.status >= 400:
            log.failed_requests.append(f"{response.url}: HTTP {response.status}")

    def on_failed(request: Any) -> None:
        # ERR_ABORTED is the browser dropping a request (often the favicon) because we moved on to
        # the next page; a missing file is a 404 or ERR_FILE_NOT_FOUND, and a blocked one a CSP report.
        if request.failure != CANCELLED:
            log.failed_requests.append(f"{request.url}: {request.failure}")

    def on_console(message: Any) -> None:
        # Chromium asks for /favicon.ico by itself when a page names no icon: not the page's doing.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            log.console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda e: log.console_errors.append(f"uncaught {e.name}: {e.message}"))
    page.on("requestfailed", on_failed)
    page.on("response", on_response)

    def take() -> PageLog:
        nonlocal log
        done, log = log, PageLog()
        return done

    return take


def open_page(page: Any, url: str, take: Callable[[], PageLog]) -> PageLog:
    """Load url, let queued CSP reports arrive, and return everything logged while it loaded."""
    take()
    page.goto(url, wait_until="load")
    page.evaluate("() => new Promise((done) => setTimeout(done, 0))")
    log = take()
    log.csp_violations = probe(page, "cspViolations")
    log.links = [tuple(link) for link in probe(page, "links")]
    log.opened = True
    return log


def sweep_disk(browser: Any, tools: Tools, folder: Path, pages: list[SitePage]) -> dict[str, PageResult]:
    """Open every page from disk (file://): console errors, failed loads, links."""
    context = prepare_context(browser.new_context(), tools, with_axe=False)
    page = context.new_page()
    take = watch(page)
    results = {}
    try:
        for p in pages:
            results[p.path] = PageResult(p, disk=open_page(page, (folder / p.path).resolve().as_uri(), take))
    finally:
        context.close()
    return results


def served_headers(folder: Path) -> list[tuple[str, str]]:
    """The required CSP, plus whatever the site's own _headers file sets (browsers enforce every CSP sent)."""
    return [("Content-Security-Policy", REQUIRED_CSP), *read_headers_file(folder)]


def sweep_served(browser: Any, tools: Tools, folder: Path, results: dict[str, PageResult], axe: bool = True,
                 subpath: str = SUBPATH) -> str:  # fmt: skip
    """Open every page from a local server under subpath, sending the CSP, and run axe-core in it (as
    a visitor sees the page: over HTTP, where axe can also read the stylesheets); returns the base URL."""
    context = prepare_context(browser.new_context(), tools, with_axe=axe)
    page = context.new_page()
    take = watch(page)
    try:
        with serve_folder(folder, served_headers(folder), subpath) as served:
            for result in results.values():
                result.served = open_page(page, served.base_url + result.page.path, take)
                result.axe = run_axe(page) if axe else None
                result.served.console_errors += take().console_errors  # anything axe's work set off
    finally:
        context.close()
    return served.base_url


def disk_link_problems(folder: Path, log: PageLog) -> list[str]:
    """Links, as Chromium resolved them from disk, that do not lead to a file in the folder."""
    root = folder.resolve()
    problems = []
    for tag, written, url in log.links:
        parts = urlsplit(url)
        if parts.scheme != "file":
            continue
        target = Path(url2pathname(parts.path))
        if not target.resolve().is_relative_to(root):
            problems.append(f"<{tag}> {written!r} leads outside the site folder, to {target}")
        elif target.is_dir() or parts.path.endswith("/"):
            problems.append(f"<{tag}> {written!r} leads to a folder, which a browser cannot open from disk")
        elif not target.is_file():
            problems.append(f"<{tag}> {written!r} leads to a missing file, {target.relative_to(root)}")
    return problems


def served_link_problems(folder: Path, base_url: str, log: PageLog) -> list[str]:
    """Links, as Chromium resolved them under the sub-path, that leave the site or lead nowhere."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
    prefix = urlsplit(base_url).path
    problems = []
    for tag, written, url in log.links:
        if not url.startswith(origin + "/"):
            continue
        path = unquote(urlsplit(url).path)
        if not path.startswith(prefix):
            problems.append(f"<{tag}> {written!r} leaves the sub-path {prefix}: it goes to {path}")
            continue
        target = folder / path[len(prefix) :]
        if not (target.is_file() or (target / "index.html").is_file()):
            problems.append(f"<{tag}> {written!r} leads to a missing file under the sub-path: {path}")
    return problems
