"""The quality checks themselves: each one finds the flaw it is for, and passes a page without it.

Fixture pages in tests/fixtures/quality/pages/ are good.html with one flaw each, named after the flaw;
tests/fixtures/quality/links/ holds good and broken references of every sort.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from quality import audit, ibm, tools
from quality import browser as b
from quality.links import check_links
from quality.pages import SitePage, find_pages, kind_of, kinds, representatives
from quality.server import read_headers_file, serve_folder
from quality.sweep import disk_link_problems, served_link_problems, sweep_disk, sweep_served
from quality.tools import REPO, ToolMissing, Tools, find_tools
from quality.vnu import run_vnu
from quality.weight import CEILING, page_weight, search_index_bytes

FIXTURES = Path(__file__).parent / "fixtures" / "quality"
PAGES = FIXTURES / "pages"
LINKS = FIXTURES / "links"


def axe_problems(tab: Any, url: str) -> list[str]:
    tab.goto(url)
    return [str(v) for v in b.run_axe(tab).violations]


CHECKS: dict[str, Callable[[Any, str], list[str]]] = {
    "axe": axe_problems,
    "skip link": b.check_skip_link,
    "keyboard": lambda tab, url: b.check_keyboard(tab, url, wait=2),  # a good page opens its link at once
    "reflow": b.check_reflow,
    "phone tables": b.check_phone_tables,
    "text size": lambda tab, url: b.check_text_resize(tab, url, tab.context),
    "motion": b.check_reduced_motion,
    "print": b.check_print,
}
FLAWS = [
    ("image_without_alt.html", "axe", "image-alt (critical)"),
    ("invalid_html.html", "axe", "list (serious)"),
    ("skip_link_missing.html", "skip link", "the first Tab does not reach a skip link"),
    ("skip_link_main_not_focusable.html", "skip link", "after Enter on the skip link, focus is on <body>"),
    ("focus_indicator_removed.html", "keyboard", 'no visible focus indicator on <a href="other.html"> "the other page"'),
    ("link_not_reachable.html", "keyboard", 'not reachable with Tab: <a href="other.html"> "the other page"'),
    ("positive_tabindex.html", "keyboard", "tabindex=2 changes the focus order"),
    ("enter_does_not_open_links.html", "keyboard", "/pages/other.html did not open it (nothing happened in 2 s)"),
    ("fake_button.html", "keyboard", '<span> "A fake button" takes focus but is not a link, button or form control'),
    ("fixed_width_content.html", "reflow", "at 320 px the page scrolls sideways"),
    ("table_scrolls_silently.html", "phone tables", 'at 320 px, in the table "Signatories", the cell "Central Bedfordshire" is not in view'),
    ("table_scrolls_silently.html", "phone tables", 'at 320 px, in the table "Signatories", the cell "12 February 2026" is not in view'),
    ("table_caption_cut_off.html", "phone tables", 'at 375 px, in the table "Signatories of the pledge in Central Bedfordshire, by name", its caption is not in view'),
    ("fixed_width_content.html", "text size", "with text at 200%, the page scrolls sideways"),
    ("text_in_pixels.html", "text size", "the page's base text size is fixed: 16 px, then 16 px"),
    ("text_in_pixels.html", "text size", 'text in <p> "Read the other page or an example." stays at 18 px'),
    ("text_cut_off.html", "text size", "with text at 200%, <p.box>"),
    ("animation_ignores_reduced_motion.html", "motion", "is animated (spin, 2s)"),
    ("print_shows_navigation.html", "print", 'prints navigation: <nav> "Home Other"'),
    ("print_link_without_address.html", "print", 'a link prints without its address: <a href="https://example.org/">'),
]


@pytest.mark.browser
@pytest.mark.parametrize("check", CHECKS)
def test_a_page_without_flaws_passes(check: str, tab: Any) -> None:
    assert CHECKS[check](tab, (PAGES / "good.html").as_uri()) == []


@pytest.mark.browser
def test_a_wide_table_may_scroll_when_its_box_says_so(tab: Any) -> None:
    # A focusable, named region described by a visible "scroll sideways" cue: each cell is in view once scrolled.
    assert b.check_phone_tables(tab, (PAGES / "table_scroll_announced.html").as_uri()) == []


@pytest.mark.browser
@pytest.mark.parametrize(("page", "check", "expected"), FLAWS, ids=[f"{c}-{p.removesuffix('.html')}" for p, c, _ in FLAWS])
def test_check_finds_the_flaw(page: str, check: str, expected: str, tab: Any) -> None:
    problems = CHECKS[check](tab, (PAGES / page).as_uri())
    assert any(expected in p for p in problems), problems


@pytest.fixture
def ibm_tab(browser: Any, quality_tools: Tools) -> Iterator[Any]:
    """A fresh page with IBM's checker (accessibility-checker-engine) in it."""
    context = browser.new_context(viewport=b.DESKTOP_VIEWPORT)
    context.add_init_script(script=ibm.ace_script(quality_tools))
    yield context.new_page()
    context.close()


def chromium_names(page: Any) -> set[tuple[str, str]]:
    """(role, accessible name) of every node in Chromium's own accessibility tree (not Playwright's reckoning)."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    return {(n.get("role", {}).get("value", ""), n.get("name", {}).get("value", "")) for n in nodes if not n.get("ignored")}


@pytest.mark.browser
def test_ibm_false_positives_are_real_and_chromium_names_those_controls(ibm_tab: Any) -> None:
    ibm_tab.goto((PAGES / "ibm_false_positives.html").as_uri())
    raw = ibm.run_ace(ibm_tab, known=())
    assert {finding.split(":")[0] for finding in raw} == set(ibm.KNOWN_FALSE_POSITIVES), raw  # the engine flags them
    assert ibm.run_ace(ibm_tab) == []  # and they are set aside
    ibm_tab.click("summary")  # open the filters: Chromium leaves closed content out of its tree
    names = chromium_names(ibm_tab)
    assert {("searchbox", "Search the site"), ("group", "Type"), ("checkbox", "Stories"), ("checkbox", "Events")} <= names


@pytest.mark.browser
def test_ibm_still_reports_a_control_with_no_name(ibm_tab: Any) -> None:
    problems = ibm.check_ibm(ibm_tab, (PAGES / "ibm_unlabelled_input.html").as_uri())
    assert any(p.startswith("input_label_exists: ") for p in problems), problems


@pytest.mark.browser
def test_ibm_reports_content_outside_landmarks(ibm_tab: Any) -> None:
    problems = ibm.check_ibm(ibm_tab, (PAGES / "good.html").as_uri())  # its skip link is outside the header
    assert any(p.startswith("aria_content_in_landmark: ") and "skip-link" in p for p in problems), problems


@pytest.mark.browser
def test_csp_and_console_errors_are_caught(browser: Any, quality_tools: Tools) -> None:
    names = ("good.html", "names_no_icon.html", "inline_script_and_style.html", "script_error.html")
    results = sweep_disk(browser, quality_tools, PAGES, [SitePage(name, kind_of(name)) for name in names])
    sweep_served(browser, quality_tools, PAGES, results)
    assert results["good.html"].served.errors() == []
    assert results["names_no_icon.html"].served.errors() == []  # Chromium's own ask for /favicon.ico is not an error
    inline = results["inline_script_and_style.html"].served.csp_violations
    assert any(v.startswith("script-src-elem blocked") for v in inline), inline
    assert any(v.startswith("style-src-attr blocked") for v in inline), inline
    assert results["inline_script_and_style.html"].disk.errors() == []  # no policy from disk
    assert "console error: uncaught Error: this script fails on purpose" in results["script_error.html"].served.errors()


@pytest.mark.browser
def test_browser_finds_broken_links_from_disk_and_under_a_sub_path(browser: Any, quality_tools: Tools) -> None:
    pages = [SitePage("index.html", "index.html")]
    results = sweep_disk(browser, quality_tools, LINKS, pages)
    base_url = sweep_served(browser, quality_tools, LINKS, results)
    disk = disk_link_problems(LINKS, results["index.html"].disk)
    served = served_link_problems(LINKS, base_url, results["index.html"].served)
    assert sorted(p.split(" leads", 1)[0] for p in disk) == [
        "<a> '../outside.html'", "<a> '/about/index.html'", "<a> 'about/'", "<a> 'missing.html'",
        "<img> 'missing.png'", "<script> 'missing.js'",
    ]  # fmt: skip
    assert any("'/about/index.html' leaves the sub-path /count-me-in/site/" in p for p in served), served
    assert any("'missing.html' leads to a missing file under the sub-path" in p for p in served), served
    failed = " ".join(results["index.html"].disk.failed_requests)
    assert "missing.png" in failed and "missing-background.png" in failed


def test_static_link_check_finds_every_broken_reference() -> None:
    report = check_links(LINKS)
    assert sorted((p.ref.source, p.ref.url, p.reason.split(":")[0]) for p in report.problems) == [
        ("index.html", "../outside.html", "points outside the site folder"),
        ("index.html", "/about/index.html", "starts with '/'"),
        ("index.html", "about/", "ends in a folder"),
        ("index.html", "about/index.html#nowhere", "no element with id 'nowhere' in about/index.html"),
        ("index.html", "missing.html", "no such file"),
        ("index.html", "missing.js", "no such file"),
        ("index.html", "missing.png", "no such file"),
        ("style.css", "missing-background.png", "no such file"),
    ]
    assert (report.internal, report.external) == (15, 1)


def test_nu_html_checker_reports_invalid_html(quality_tools: Tools) -> None:
    files = [PAGES / "good.html", PAGES / "invalid_html.html", PAGES / "good.css", PAGES / "newer_and_misspelt.css"]
    messages = run_vnu(quality_tools, files)
    errors = [(m.path.name, m.message) for m in messages if m.is_error]
    assert ("newer_and_misspelt.css", "CSS: “colour”: Property “colour” doesn't exist.") in errors
    assert ("newer_and_misspelt.css", "CSS: “field-sizing”: Property “field-sizing” doesn't exist.") not in errors
    assert ("invalid_html.html", "Element “div” not allowed as child of element “ul” in this context. "
            "(Suppressing further errors from this subtree.)") in errors  # fmt: skip
    assert ("invalid_html.html", "Duplicate ID “twice”.") in errors
    assert [name for name, _ in errors if name not in ("invalid_html.html", "newer_and_misspelt.css")] == []


def test_nu_html_checker_refuses_a_missing_file(quality_tools: Tools, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nowhere\.html"):
        run_vnu(quality_tools, [tmp_path / "nowhere.html"])


def test_weight_counts_everything_a_page_loads(tmp_path: Path) -> None:
    for name in ("good.html", "good.css", "dot.svg"):
        shutil.copy(PAGES / name, tmp_path / name)
    light = page_weight(tmp_path, SitePage("good.html", "good.html"))
    assert (light.html, light.css, light.js, light.images) == tuple(
        (tmp_path / n).stat().st_size if n else 0 for n in ("good.html", "good.css", None, "dot.svg"))
    html = (tmp_path / "good.html").read_text(encoding="utf-8")
    (tmp_path / "good.html").write_text(html.replace("</main>", '<img src="big.png" alt="">\n</main>'), encoding="utf-8")
    (tmp_path / "big.png").write_bytes(b"\0" * CEILING)
    heavy = page_weight(tmp_path, SitePage("good.html", "good.html"))
    assert heavy.images == CEILING + light.images and heavy.total > CEILING


def test_weight_leaves_the_search_index_aside(tmp_path: Path) -> None:
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "main.1a2b3c.js").write_bytes(b"x" * 500)
    (tmp_path / "search.js").write_bytes(b"y" * 20)
    (tmp_path / "index.html").write_text('<script src="search.js"></script><script src="search/main.1a2b3c.js"></script>',
                                        encoding="utf-8")
    assert page_weight(tmp_path, SitePage("index.html", "index.html")).js == 20
    assert search_index_bytes(tmp_path) == 500


@pytest.mark.parametrize(("path", "kind"), [
    ("index.html", "index.html"), ("404.html", "404.html"), ("stories/index.html", "stories/index.html"),
    ("stories/a-story/index.html", "stories/*/index.html"), ("stories/page/2/index.html", "stories/page/*/index.html"),
    ("areas/norfolk/page/2/index.html", "areas/*/page/*/index.html"), ("search/index.html", "search/index.html"),
    ("easy-read/stories/a-story/index.html", "easy-read/*/*/index.html"), ("stories/a/print.html", "stories/*/print.html"),
])  # fmt: skip
def test_kind_is_the_path_with_what_varies_left_out(path: str, kind: str) -> None:
    assert kind_of(path) == kind


def test_pages_are_found_with_their_kinds(tmp_path: Path) -> None:
    for path in ("index.html", "stories/a/index.html", "stories/b/index.html", "new-kind/index.html", "feed.xml"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("<p>page</p>", encoding="utf-8")
    pages = find_pages(tmp_path)
    assert [(p.path, p.kind) for p in pages] == [
        ("index.html", "index.html"), ("new-kind/index.html", "new-kind/index.html"),
        ("stories/a/index.html", "stories/*/index.html"), ("stories/b/index.html", "stories/*/index.html"),
    ]  # fmt: skip
    assert kinds(pages) == ["index.html", "new-kind/index.html", "stories/*/index.html"]


def test_representative_is_the_page_with_most_features(tmp_path: Path) -> None:
    for slug, body in [("a", "<p>long " * 50), ("b", '<section class="easy-read"><table></table></section>'),
                       ("c", "<p>short</p>")]:  # fmt: skip
        (tmp_path / "stories" / slug).mkdir(parents=True)
        (tmp_path / "stories" / slug / "index.html").write_text(body, encoding="utf-8")
    assert representatives(tmp_path, find_pages(tmp_path))["stories/*/index.html"].path == "stories/b/index.html"


def test_pages_with_scripts_and_one_of_each_kind_are_opened_from_disk(tmp_path: Path) -> None:
    pages = {"stories/a/index.html": "<p>plain " * 20, "stories/b/index.html": "<p>plain</p>",
             "stories/c/index.html": '<script src="../../a.js"></script>', "index.html": "<p>home</p>"}  # fmt: skip
    for path, body in pages.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(body, encoding="utf-8")
    found = find_pages(tmp_path)
    chosen = representatives(tmp_path, found)
    assert [p.path for p in audit.from_disk(tmp_path, found, chosen)] == ["index.html", "stories/a/index.html",
                                                                          "stories/c/index.html"]  # fmt: skip


def test_server_serves_only_under_its_sub_path_with_the_headers(tmp_path: Path) -> None:
    (tmp_path / "about").mkdir()
    (tmp_path / "about" / "index.html").write_text("<p>About</p>", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    with serve_folder(tmp_path, [("Content-Security-Policy", "default-src 'self'")], "/sub/path/") as served:
        assert served.base_url.endswith("/sub/path/")
        with urllib.request.urlopen(served.base_url + "about/") as response:
            assert response.read() == b"<p>About</p>"
            assert response.headers["Content-Security-Policy"] == "default-src 'self'"
        for missing in ("empty/", "nothing.html", "../about/index.html"):
            with pytest.raises(urllib.error.HTTPError, match="404"):
                urllib.request.urlopen(served.base_url + missing)
        root = served.base_url.removesuffix("sub/path/") + "about/index.html"
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(root)


def test_headers_file_is_read_for_every_path() -> None:
    headers = dict(read_headers_file(REPO / "templates" / "root"))
    assert headers["Content-Security-Policy"].startswith("default-src 'self'; img-src 'self' data:")
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


# ---- tools: missing or broken means a clear failure, never a skip -------------------------------


def test_cmi_chromium_chooses_the_browser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert tools.DEFAULT_CHROMIUM == "/usr/bin/chromium"  # Debian's
    for name in ("chrome", "chromium"):
        (tmp_path / name).write_text("#!/bin/sh\n", encoding="utf-8")
    monkeypatch.setattr(tools, "DEFAULT_CHROMIUM", str(tmp_path / "chromium"))
    monkeypatch.delenv("CMI_CHROMIUM", raising=False)
    assert tools.find_chromium() == tmp_path / "chromium"
    monkeypatch.setenv("CMI_CHROMIUM", str(tmp_path / "chrome"))
    assert tools.find_chromium() == tmp_path / "chrome"


def test_missing_chromium_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CMI_CHROMIUM", str(tmp_path / "no-chrome"))
    with pytest.raises(ToolMissing, match=f"Chromium not found at CMI_CHROMIUM={tmp_path}/no-chrome: run scripts/setup-test-tools"):
        find_tools()


def test_missing_axe_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tools, "NODE_MODULES", tmp_path)
    with pytest.raises(ToolMissing, match=f"axe-core not found at {tmp_path}/axe-core/axe.min.js: run scripts/setup-test-tools"):
        find_tools()


def test_a_browser_that_will_not_start_is_an_error(playwright: Any) -> None:
    with pytest.raises(ToolMissing) as error:
        tools.launch_chromium(playwright, Path("/bin/false"))
    assert str(error.value).startswith("Chromium (/bin/false) would not start: ")
    assert "exitCode=1" in str(error.value)


# ---- the audit: every check over a folder, and a report -----------------------------------------


@pytest.fixture
def flawed_site(tmp_path: Path) -> Path:
    """A tiny site of good pages and one image without alternative text, and no _headers file."""
    site = tmp_path / "site"
    site.mkdir()
    for name in ("good.html", "other.html", "good.css", "dot.svg", "image_without_alt.html"):
        shutil.copy(PAGES / name, site / name)
    shutil.copy(PAGES / "good.html", site / "index.html")
    return site


@pytest.mark.browser
def test_audit_command_fails_a_flawed_site_and_says_why(flawed_site: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "audit"), str(flawed_site), "--report", str(report)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert f"FAIL  {audit.CHECKS['axe']} (1)" in done.stdout
    assert done.stdout.endswith(f"FAILED: report written to {report}\n")
    text = report.read_text(encoding="utf-8")
    assert "**Result: FAIL.** 4 of 14 checks found problems." in text
    assert f"| {audit.CHECKS['ibm']} | **FAIL** (" in text  # the fixture pages' skip links are outside any landmark
    assert f"| {audit.CHECKS['axe']} | **FAIL** (1) | 4 pages |" in text
    assert "- image_without_alt.html: image-alt (critical): Images must have alternative text: img" in text
    assert "- image_without_alt.html:15: An “img” element must have an “alt” attribute" in text
    assert "- _headers: no Content-Security-Policy for every path ('/*'); see docs/hosting.md" in text
    assert f"| {audit.CHECKS['keyboard']} | pass | 4 pages, one of each kind |" in text


def test_audit_refuses_a_folder_that_is_not_a_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert audit.main([str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"audit: {tmp_path} is not a built site (it has no index.html; build one with make site)\n"
