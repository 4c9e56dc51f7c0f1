"""Checks that need a real browser, each on one open Playwright page; each returns a list of problems.

axe-core finds what rules can find. The rest are what axe cannot see, tested by doing what people do:
pressing Tab and Enter, narrowing the window to 320 CSS px (1280 px at 400% zoom), asking for reduced
motion, doubling the browser's text size, and printing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError

from .tools import Tools

PROBES = Path(__file__).with_name("probes.js")
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")  # WCAG 2.0, 2.1 and 2.2, levels A and AA
REFLOW_VIEWPORT = {"width": 320, "height": 256}  # 1280 x 1024 at 400% zoom (WCAG 1.4.10)
PHONE_WIDTHS = (320, 375)  # the narrowest phones in use, and the most common small one
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
PRINT_VIEWPORT = {"width": 718, "height": 1000}  # A4 less default margins, in CSS px
DEFAULT_FONT_SIZES = {"standard": 16, "fixed": 13}  # Chromium's defaults
NAVIGATION_WAIT = 10.0  # seconds for a link to open after Enter (generous: CI machines can be slow)
MOST_SHOWN = 12  # problems listed per check before "and N more"

AXE_RUN = """async (tags) => {
  if (typeof axe === "undefined") throw new Error("axe-core is not loaded in this page");
  const r = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  const pick = (v) => ({id: v.id, impact: v.impact || "", help: v.help, targets: v.nodes.map((n) => n.target.join(" "))});
  return {violations: r.violations.map(pick), incomplete: r.incomplete.map(pick)};
}"""


@dataclass(frozen=True)
class AxeFinding:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        more = f" and {len(self.targets) - 3} more" if len(self.targets) > 3 else ""
        return f"{self.rule} ({self.impact}): {self.help}: {', '.join(self.targets[:3])}{more}"


@dataclass(frozen=True)
class AxeResult:
    violations: list[AxeFinding]
    needs_review: list[AxeFinding]  # axe's "incomplete": a person should look


def prepare_context(context: Any, tools: Tools, with_axe: bool = True) -> Any:
    """Add the probes (and axe-core) to every page the context opens; returns the context."""
    context.add_init_script(path=str(PROBES))
    if with_axe:
        context.add_init_script(path=str(tools.axe))
    return context


def shorten(problems: list[str]) -> list[str]:
    """At most MOST_SHOWN problems, then a count of the rest."""
    unique = list(dict.fromkeys(problems))
    rest = len(unique) - MOST_SHOWN
    return unique[:MOST_SHOWN] + ([f"... and {rest} more"] if rest > 0 else [])


def probe(page: Any, name: str) -> Any:
    return page.evaluate(f"() => window.__cmiQuality.{name}()")


# ---- axe ----------------------------------------------------------------------------------------


def run_axe(page: Any, tags: tuple[str, ...] = AXE_TAGS) -> AxeResult:
    """axe-core's WCAG A and AA rules on the open page (axe must be in the context: prepare_context)."""
    raw = page.evaluate(AXE_RUN, list(tags))
    to = lambda items: [AxeFinding(v["id"], v["impact"], v["help"], tuple(v["targets"])) for v in items]  # noqa: E731
    return AxeResult(to(raw["violations"]), to(raw["incomplete"]))


# ---- keyboard -----------------------------------------------------------------------------------


def check_skip_link(page: Any, url: str) -> list[str]:
    """The first Tab reaches a visible skip link; Enter moves focus into main; the next Tab stays in main."""
    page.goto(url)
    page.keyboard.press("Tab")
    link = probe(page, "skipLink")
    if not link["isLink"] or not link["href"].startswith("#"):
        return [f"the first Tab does not reach a skip link: it reaches {link['description']}"]
    problems = []
    if not link["hasMain"]:
        problems.append("the page has no <main> element for the skip link to go to")
    elif not link["targetIsMain"]:
        where = "is not the main content" if link["targetExists"] else "does not exist"
        problems.append(f"the skip link points to {link['href']}, which {where}")
    if not link["onScreen"]:
        problems.append(f"the skip link {link['description']} is not visible when it has focus")
    page.keyboard.press("Enter")
    after = probe(page, "focusIsInMain")
    if not after["inMain"]:
        problems.append(f"after Enter on the skip link, focus is on {after['description']}, not the main content")
    if link["firstInMain"]:
        page.keyboard.press("Tab")
        after = probe(page, "focusIsInMain")
        if not after["inMain"]:
            problems.append(f"after the skip link, Tab goes to {after['description']}, outside the main content")
    return problems


def tab_through(page: Any, limit: int) -> list[dict[str, Any]]:
    """Press Tab limit times; what had focus at each step, until focus came round to the start again."""
    probe(page, "startFocusLog")
    for _ in range(limit):
        page.keyboard.press("Tab")
    steps: list[dict[str, Any]] = []
    seen: set[int] = set()
    for step in probe(page, "takeFocusLog"):
        if step["index"] >= 0 and step["index"] in seen:
            break
        seen.add(step["index"])
        steps.append(step)
    return steps


def check_keyboard(page: Any, url: str, wait: float = NAVIGATION_WAIT) -> list[str]:
    """Tab reaches every interactive element in page order, each shows its focus, is on screen and
    operable; Enter on a link opens it."""
    page.goto(url)
    items = probe(page, "markInteractive")
    steps = tab_through(page, limit=len(items) + 10)
    return shorten(focus_order_problems(items, steps) + focus_style_problems(items, steps)
                   + link_activation_problems(page, wait))  # fmt: skip


def focus_order_problems(items: list[dict[str, Any]], steps: list[dict[str, Any]]) -> list[str]:
    """Elements Tab never reaches (a radio group needs one stop), positive tabindex, focus going backwards."""
    reached = [s["index"] for s in steps if s["index"] >= 0]
    groups = {items[i]["radioGroup"] for i in reached} - {None}
    problems = [f"not reachable with Tab: {item['description']}" for i, item in enumerate(items)
                if i not in reached and item["radioGroup"] not in groups]  # fmt: skip
    problems += [f"tabindex={item['tabIndex']} changes the focus order: {item['description']}"
                 for item in items if item["tabIndex"] > 0]  # fmt: skip
    return problems + [f"focus goes backwards, from {items[a]['description']} to {items[b]['description']}"
                       for a, b in itertools.pairwise(reached) if b < a]  # fmt: skip


def focus_style_problems(items: list[dict[str, Any]], steps: list[dict[str, Any]]) -> list[str]:
    """At each Tab stop: a real control, a visible change when focused, on screen and not covered."""
    problems = []
    for step in steps:
        if step["index"] >= 0 and not items[step["index"]]["operable"]:
            problems.append(f"{step['description']} takes focus but is not a link, button or form control")
        if not step["indicator"]:
            problems.append(f"no visible focus indicator on {step['description']}")
        if not step["onScreen"]:
            problems.append(f"{step['description']} is off screen when it has focus")
        elif step["coveredBy"]:
            problems.append(f"{step['description']} is hidden behind {step['coveredBy']} when it has focus")
    return problems


def link_activation_problems(page: Any, wait: float) -> list[str]:
    """Focus the first link to another page of the site and press Enter: the browser goes there within wait seconds."""
    href = probe(page, "focusInternalLink")
    if not href:
        return []  # a page without such links: nothing to press
    try:
        with page.expect_navigation(timeout=wait * 1000):
            page.keyboard.press("Enter")
    except PlaywrightError:
        return [f"Enter on a link to {href} did not open it (nothing happened in {wait:g} s)"]
    return [] if page.url.split("#")[0] == href.split("#")[0] else [f"Enter on a link to {href} went to {page.url}"]


# ---- layout -------------------------------------------------------------------------------------


def check_reflow(page: Any, url: str) -> list[str]:
    """At 320 CSS px wide (400% zoom) nothing scrolls sideways except data tables in their own box."""
    page.set_viewport_size(REFLOW_VIEWPORT)
    try:
        page.goto(url)
        found = probe(page, "overflowing")
    finally:
        page.set_viewport_size(DESKTOP_VIEWPORT)
    problems = []
    if found["scrollWidth"] > found["clientWidth"] + 1:
        problems.append(f"at 320 px the page scrolls sideways ({found['scrollWidth']} px of content)")
    problems += [f"at 320 px, {e} sticks out of the window" for e in found["elements"]]
    return shorten(problems)


def check_phone_tables(page: Any, url: str) -> list[str]:
    """At each phone width, every table's caption and cells are in view: the table reflows to fit, or it
    sits in a scroll box that is focusable, named and described by a visible cue ("scroll sideways"),
    which shows each cell when scrolled. A caption must always fit."""
    problems = []
    try:
        for width in PHONE_WIDTHS:
            page.set_viewport_size({"width": width, "height": 640})
            page.goto(url)
            problems += [f"at {width} px, {p}" for p in probe(page, "tablesOutOfView")]
    finally:
        page.set_viewport_size(DESKTOP_VIEWPORT)
    return shorten(problems)


def check_text_resize(page: Any, url: str, context: Any) -> list[str]:
    """With the browser's text size doubled (16 px to 32 px) all text doubles, nothing is cut off or scrolls sideways."""
    page.goto(url)
    before = probe(page, "fontSizes")
    cdp = context.new_cdp_session(page)
    try:
        cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
        page.reload()
        after, cut, wide = probe(page, "fontSizes"), probe(page, "clipped"), probe(page, "overflowing")
    finally:
        cdp.send("Page.setFontSizes", {"fontSizes": DEFAULT_FONT_SIZES})
        cdp.detach()
    problems = []
    if after["root"] < 2 * before["root"] - 0.5:
        problems.append(f"the page's base text size is fixed: {before['root']} px, then {after['root']} px")
    problems += [f"text in {desc} stays at {b} px (then {a} px)"
                 for (desc, b), (_, a) in zip(before["elements"], after["elements"], strict=True) if a < 1.9 * b]  # fmt: skip
    problems += [f"with text at 200%, {desc} cuts its text off" for desc in cut]
    if wide["scrollWidth"] > wide["clientWidth"] + 1:
        problems.append(f"with text at 200%, the page scrolls sideways ({wide['scrollWidth']} px of content)")
    return shorten(problems)


def check_reduced_motion(page: Any, url: str) -> list[str]:
    """With prefers-reduced-motion: reduce, nothing animates, transitions or scrolls smoothly."""
    page.emulate_media(reduced_motion="reduce")
    try:
        page.goto(url)
        return shorten([f"with reduced motion asked for, {m}" for m in probe(page, "motion")])
    finally:
        page.emulate_media(reduced_motion="no-preference")


def check_print(page: Any, url: str) -> list[str]:
    """Printed: the content, without navigation, skip links or footer; links to other sites show their address."""
    page.set_viewport_size(PRINT_VIEWPORT)
    page.emulate_media(media="print")
    try:
        page.goto(url)
        found = probe(page, "printed")
    finally:
        page.emulate_media(media="screen")
        page.set_viewport_size(DESKTOP_VIEWPORT)
    problems = [] if found["mainText"] else ["the main content does not print"]
    problems += [f"prints navigation: {d}" for d in found["navigation"]]
    problems += [f"a link prints without its address: {d}" for d in found["unshownLinks"]]
    problems += [f"cut off on paper: {d}" for d in found["cutOff"]]
    if found["pageScrollWidth"] > found["pageWidth"] + 1:
        problems.append(f"the printed page is wider than the paper ({found['pageScrollWidth']} px)")
    return shorten(problems)
