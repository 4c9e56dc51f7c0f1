"""Search benchmark: build a generated corpus of N stories (N/10 signatories), serve it gzipped under a
sub-path, and measure the search in real Chromium.

Two corpora: `--corpus words` (bench/corpus.py: sentences from short word lists, so nearly every word
is in most documents) and `--corpus prose` (bench/prose.py: prose with a Zipfian vocabulary that
keeps growing, as real writing does; its dictionary and postings are far larger).

For each N it reports the index (files, bytes raw and gzipped, pages per index file), the search code
(minified and gzipped), and for a few first queries and a filter-only browse, each in a fresh browser
with an empty cache: the bytes the search loaded (gzip, search code included), how many files, the
time from opening the page (or the last key press) to results on screen, and then, with the parts
loaded, the time from a key press to results drawn, also with the CPU slowed 4x (a cheap phone).

    .venv/bin/python bench/search.py 1000 10000 [--corpus words|prose] [--work .cache/bench-search] [--json FILE]

`--weights` measures only what the first queries load (no timings), on 1,000 and 10,000 prose stories
and on 10,000 generated ones, and prints the one table README.md shows, with issue 18's targets:

    .venv/bin/python bench/search.py --weights

Corpora and builds are kept in --work and reused when present (a build is made again when the code or
the templates changed; delete the folder to start again). Needs Debian's chromium at
/usr/bin/chromium and the playwright package.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import http.server
import json
import statistics
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus
import prose
from cmi_site.config import BuildOptions, Paths
from cmi_site.outputs.search import build_search_index
from cmi_site.pipeline import build, check

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PREFIX = "/cmi/"  # served under a sub-path, as on a project site
TODAY = "2026-11-23"
TYPING_DELAY = 120  # ms between key presses when a query is typed
WARM_RUNS = 5


@dataclass(frozen=True)
class Scenario:
    name: str
    query: str  # the address after search/index.html, or the words to type
    typed: bool = False
    delay: int = TYPING_DELAY  # ms between key presses, when typed


SCENARIOS = (
    Scenario("one word, typed: carers", "carers", typed=True),
    Scenario("one word, typed slowly (300 ms a key): carers", "carers", typed=True, delay=300),
    Scenario("one word, from the address: ?q=carers", "?q=carers"),
    Scenario("one word: ?q=hospital", "?q=hospital"),
    Scenario("prefix, typed: transp", "transp", typed=True),
    Scenario("one typo: ?q=leafelt", "?q=leafelt"),
    Scenario("two words, typed: booking form", "booking form", typed=True),
    Scenario("first-letter typo: ?q=sdvocacy", "?q=sdvocacy"),
    Scenario('phrase: ?q="shared lives"', '?q=%22shared+lives%22'),
    Scenario("small words: ?q=who cares", "?q=who+cares"),
    Scenario("not every word: ?q=dementia zebra", "?q=dementia+zebra"),
    Scenario("filter only: ?area=essex&theme=carers", "?area=essex&theme=carers"),
    Scenario("filter only: ?type=signatory&sector=health", "?type=signatory&sector=health"),
)


# What the first queries load: the table in README.md (--weights), on these corpora.
WEIGHT_SCENARIOS = (
    Scenario("first one-word query: ?q=carers", "?q=carers"),
    Scenario("one word, typed: carers", "carers", typed=True),
    Scenario("two words: ?q=booking form", "?q=booking+form"),
    Scenario("typo: ?q=leafelt", "?q=leafelt"),
    Scenario("first-letter typo: ?q=sdvocacy", "?q=sdvocacy"),
    Scenario("prefix, typed: transp", "transp", typed=True),
    Scenario('phrase: ?q="shared lives"', '?q=%22shared+lives%22'),
    Scenario("filter-only browse: ?area=essex&theme=carers", "?area=essex&theme=carers"),
    Scenario("filter-only browse: ?type=signatory&sector=health", "?type=signatory&sector=health"),
)
WEIGHT_CORPORA = (("prose", 1000), ("prose", 10_000), ("words", 10_000))
TARGETS = {"first one-word query": 120_000, "filter-only browse": 60_000}  # issue 18, at 10,000 prose stories


@dataclass
class Measure:
    scenario: str
    results: str  # the status line the page announced
    search_bytes: int  # gzip bytes of search code + index files loaded
    index_files: int  # index files loaded
    page_bytes: int  # gzip bytes of the search page's HTML and CSS
    ms_to_results: float  # from opening the page (address) or the last key press (typed) to results drawn
    warm_ms: float = 0.0  # median, key press to results drawn, parts already loaded
    warm_ms_slow: float = 0.0  # the same with the CPU slowed 4x
    loaded: list[str] = field(default_factory=list)  # "path bytes" of each search file loaded (in --json)


@dataclass
class Report:
    corpus: str
    stories: int
    pages: int
    index_files: int
    pages_per_index_file: float
    index_bytes: int
    index_gzip: int
    code_bytes: int
    code_gzip: int
    build_seconds: float
    index_seconds: float
    measures: list[Measure] = field(default_factory=list)


# ---- the server ------------------------------------------------------------------------------------


class Log:
    """What the server sent: (path, gzip bytes) per request."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: list[tuple[str, int]] = []

    def add(self, path: str, size: int) -> None:
        with self.lock:
            self.sent.append((path, size))

    def take(self) -> list[tuple[str, int]]:
        with self.lock:
            sent, self.sent = self.sent, []
        return sent


def make_handler(site: Path, log: Log, cache: dict[Path, bytes]) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(site), **kwargs)

        def send_head(self) -> Any:
            path = self.path.split("?", 1)[0]
            if not path.startswith(PREFIX):
                self.send_error(404)
                return None
            file = Path(self.translate_path("/" + path[len(PREFIX):]))
            if not file.is_file():
                self.send_error(404)
                return None
            if file not in cache:
                cache[file] = gzip.compress(file.read_bytes(), compresslevel=6)  # a typical host's level
            body = cache[file]
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(file)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.wfile.write(body)
            log.add(path[len(PREFIX):], len(body))
            return None

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve(site: Path, log: Log) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(site, log, {}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    finally:
        server.shutdown()
        server.server_close()


# ---- building --------------------------------------------------------------------------------------


GENERATORS = {"words": corpus.generate, "prose": prose.generate}


def folder_of(work: Path, kind: str, stories: int) -> Path:
    return work / (str(stories) if kind == "words" else f"{kind}-{stories}")


def code_hash() -> str:
    """A hash of the site generator's code and templates: a build made with other code is made again."""
    files = sorted([*(ROOT / "src" / "cmi_site").rglob("*.py"), *(ROOT / "templates").rglob("*")])
    return hashlib.sha256(b"".join(f.relative_to(ROOT).as_posix().encode() + f.read_bytes() for f in files if f.is_file())).hexdigest()


def built_site(work: Path, kind: str, stories: int) -> tuple[Path, float]:
    """The corpus of N stories, generated once and built once with this code (reused when already there)."""
    folder = folder_of(work, kind, stories)
    content, site, marker = folder / "content", folder / "_site", folder / "built"
    if not (marker.is_file() and marker.read_text(encoding="utf-8").split()[1:] == [code_hash()]):
        if not (folder / "generated").is_file():
            print(f"[{stories}] generating the corpus ...", file=sys.stderr)
            GENERATORS[kind](content, stories)
            (folder / "generated").write_text("seed 0\n", encoding="utf-8")
        print(f"[{stories}] building ...", file=sys.stderr)
        started = time.perf_counter()
        result = build(Paths(content, ROOT / "templates", site, folder), BuildOptions(today=_today()))
        if not result.ok:  # Result.site is only set by check
            raise SystemExit("\n".join(str(p) for p in result.problems) or f"build {result.state}")
        marker.write_text(f"{time.perf_counter() - started:.1f} {code_hash()}\n", encoding="utf-8")
    return site, float(marker.read_text(encoding="utf-8").split()[0])


def _today() -> Any:
    import datetime as dt

    return dt.date.fromisoformat(TODAY)


def index_seconds(folder: Path, pages: int) -> float:
    """How long building the search index alone takes, from the checked site."""
    result = check(Paths(folder / "content", ROOT / "templates", folder / "_site", folder), BuildOptions(today=_today()))
    assert result.site is not None
    started = time.perf_counter()
    build_search_index(result.site, pages)
    return time.perf_counter() - started


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


# ---- measuring -------------------------------------------------------------------------------------


def wait_done(page: Page) -> None:
    page.wait_for_selector("#search[data-state=done]", state="attached", timeout=120_000)


def attribute(page: Page, name: str) -> float:
    return float(page.get_attribute("#search", name) or "nan")


def measure(browser: Any, base: str, log: Log, scenario: Scenario, timed: bool = True) -> Measure:
    """One scenario in a fresh context (empty cache): bytes, files and time to results; then, if timed,
    warm times."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log.take()
    url = base + "search/index.html"
    if scenario.typed:
        page.goto(url)
        wait_done(page)
        page.click("#search-q")
        page.keyboard.type(scenario.query, delay=scenario.delay)
        wait_done(page)
        page.wait_for_timeout(400)  # anything still on its way
        wait_done(page)
        ms = attribute(page, "data-ms")
    else:
        page.goto(url + scenario.query)
        wait_done(page)
        ms = attribute(page, "data-at")
    sent = log.take()
    code_and_index = [(p, n) for p, n in sent if p == "assets/search.js" or (p.startswith("search/") and p.endswith(".js"))]
    result = Measure(
        scenario=scenario.name,
        results=page.inner_text("#search-status"),
        search_bytes=sum(n for _, n in code_and_index),
        index_files=sum(1 for p, _ in code_and_index if p != "assets/search.js"),
        page_bytes=sum(n for p, n in sent if p in ("search/index.html", "assets/search.css", "assets/site.css")),
        ms_to_results=ms,
        loaded=[f"{p} {n}" for p, n in code_and_index],
    )
    if timed:
        result.warm_ms = warm(page, scenario)
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        result.warm_ms_slow = warm(page, scenario)
    context.close()
    if errors:
        raise SystemExit(f"{scenario.name}: errors in the page: {errors}")
    return result


def warm(page: Page, scenario: Scenario) -> float:
    """Median time from a key press (or a filter ticked) to results drawn, with every part loaded."""
    times = []
    for _ in range(WARM_RUNS):
        if scenario.typed or "q=" in scenario.query:
            words = scenario.query if scenario.typed else urllib.parse.unquote_plus(scenario.query.split("q=", 1)[1])
            page.fill("#search-q", words[:-1])
            wait_done(page)
            page.keyboard.press("End")
            page.keyboard.type(words[-1])
        else:
            box = page.locator("#" + str(page.locator("#search-form input[type=checkbox]:checked").first.get_attribute("id")))
            box.uncheck()
            wait_done(page)
            box.check()
        wait_done(page)
        times.append(attribute(page, "data-ms"))
    return statistics.median(times)


def run(kind: str, stories: int, work: Path, scenarios: tuple[Scenario, ...] = SCENARIOS, timed: bool = True) -> Report:
    site, build_seconds = built_site(work, kind, stories)
    index = sorted((site / "search").glob("*.js"))
    pages = sum(1 for _ in site.rglob("*.html"))
    code = (site / "assets" / "search.js").read_bytes()
    report = Report(
        corpus=kind, stories=stories, pages=pages, index_files=len(index), pages_per_index_file=round(pages / len(index), 1),
        index_bytes=sum(f.stat().st_size for f in index), index_gzip=sum(gz(f.read_bytes()) for f in index),
        code_bytes=len(code), code_gzip=gz(code), build_seconds=build_seconds,
        index_seconds=round(index_seconds(folder_of(work, kind, stories), pages), 2) if timed else 0.0,
    )  # fmt: skip
    log = Log()
    with serve(site, log) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        try:
            for scenario in scenarios:
                print(f"[{stories}] {scenario.name}", file=sys.stderr)
                report.measures.append(measure(browser, base, log, scenario, timed))
        finally:
            browser.close()
    return report


def kb(n: int) -> str:
    return f"{n / 1000:.1f} KB"


def markdown(report: Report) -> str:
    lines = [
        f"**{report.stories:,} {'prose ' if report.corpus == 'prose' else ''}stories, {report.stories // 10:,} signatories** ({report.pages:,} pages): "
        f"index {report.index_files} files ({report.pages_per_index_file} pages per file), "
        f"{kb(report.index_bytes)} ({kb(report.index_gzip)} gzip); search code {kb(report.code_bytes)} minified "
        f"({kb(report.code_gzip)} gzip); index built in {report.index_seconds} s.",
        "",
        "| scenario | results | loaded (gzip, code included) | index files | to results | warm | warm, CPU/4 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for m in report.measures:
        results = m.results.split(". Showing", 1)[0].rstrip(".")
        lines.append(f"| {m.scenario} | {results} | {kb(m.search_bytes)} | {m.index_files} | "
                     f"{m.ms_to_results:.0f} ms | {m.warm_ms:.1f} ms | {m.warm_ms_slow:.1f} ms |")  # fmt: skip
    return "\n".join(lines) + "\n"


def weights_table(reports: list[Report]) -> str:
    """The reports of --weights as one table: per scenario and corpus, KB gzip loaded and requests."""
    head = [f"{r.stories:,} {'prose' if r.corpus == 'prose' else 'generated'} stories" for r in reports]
    lines = ["| first query, fresh browser | " + " | ".join(head) + " |", "| --- |" + " --- |" * len(reports)]
    for i, scenario in enumerate(WEIGHT_SCENARIOS):
        cells = []
        for r in reports:
            m = r.measures[i]
            target = next((t for name, t in TARGETS.items() if scenario.name.startswith(name)), None)
            over = " (over target)" if target and r.corpus == "prose" and r.stories == 10_000 and m.search_bytes >= target else ""
            cells.append(f"{kb(m.search_bytes)}, {m.index_files + 1} requests{over}")
        lines.append(f"| {scenario.name} | " + " | ".join(cells) + " |")
    sizes = "; ".join(f"{r.stories:,} {r.corpus}: {r.index_files} files, {kb(r.index_gzip)} gzip in all, {r.pages:,} pages"
                      for r in reports)  # fmt: skip
    return "\n".join(lines) + f"\n\nIndex: {sizes}; search code {kb(reports[0].code_gzip)} gzip.\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Measure the site search on generated corpora in Chromium.")
    parser.add_argument("stories", type=int, nargs="*", help="corpus sizes (stories; signatories are a tenth)")
    parser.add_argument("--weights", action="store_true", help="only what first queries load, on 1,000 and 10,000 prose "
                        "stories and 10,000 generated ones: README.md's table")  # fmt: skip
    parser.add_argument("--corpus", choices=sorted(GENERATORS), default="words", help="word lists (corpus.py) or prose (prose.py)")
    parser.add_argument("--work", type=Path, default=ROOT / ".cache" / "bench-search", help="where corpora and builds go")
    parser.add_argument("--json", type=Path, help="also write the reports as JSON to this file")
    args = parser.parse_args(argv)
    if args.weights:
        reports = [run(kind, n, args.work, WEIGHT_SCENARIOS, timed=False) for kind, n in WEIGHT_CORPORA]
        print(weights_table(reports))
    else:
        if not args.stories:
            parser.error("give corpus sizes, or --weights")
        reports = [run(args.corpus, n, args.work) for n in args.stories]
        for report in reports:
            print(markdown(report))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in reports], indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
