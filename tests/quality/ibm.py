"""IBM's Equal Access checker (npm accessibility-checker-engine), a second accessibility engine beside axe-core.

It is injected like axe and run on one page of each kind, with IBM's own rule set. Two of its rules
misjudge what Chromium gets right; a finding of theirs is set aside only where the page gives the
element a native name (the reason below), so a control that truly has no name is still reported.
tests/fixtures/quality/pages/ibm_false_positives.html, with tests/test_quality_checks.py, proves both:
the engine flags those controls, and Chromium's accessibility tree names every one of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .tools import Tools

POLICY = "IBM_Accessibility"  # the rule set of IBM's checker (WCAG 2.2 A and AA, EN 301 549, Section 508)
# rule -> why its finding is wrong on a control that has a native name (a <label for>, a wrapping <label>, a <legend>)
KNOWN_FALSE_POSITIVES = {
    "input_label_exists": "a control named by a visually hidden <label for>, or inside a closed <details>: "
                          "Chromium names it from the <label> (the engine looks only at labels it deems visible)",
    "fieldset_label_valid": "a <fieldset> named by its visually hidden <legend>, or inside a closed <details>: "
                            "Chromium names the group from its <legend>",
}  # fmt: skip

ACE_RUN = """async ([policy, known]) => {
  if (typeof window.ace === "undefined") throw new Error("IBM's accessibility-checker-engine is not loaded in this page");
  const report = await new window.ace.Checker().check(document, [policy]);
  const at = (xpath) => document.evaluate(xpath, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
  const text = (el) => Boolean(el && el.textContent.trim());
  const nativeName = (el) => Boolean(el) && (
    (el.id && [...document.querySelectorAll("label[for]")].some((l) => l.htmlFor === el.id && text(l)))
    || text(el.closest("label")) || (el.tagName === "FIELDSET" && text(el.querySelector(":scope > legend"))));
  return report.results
    .filter((r) => r.value[0] === "VIOLATION" && r.value[1] === "FAIL")
    .filter((r) => !(known.includes(r.ruleId) && nativeName(at(r.path.dom))))
    .map((r) => `${r.ruleId}: ${r.message}: ${r.snippet.slice(0, 120)}`);
}"""


def ace_script(tools: Tools) -> str:
    """The engine as an init script: it declares a top-level `var ace`, which an init script keeps local."""
    return Path(tools.ace).read_text(encoding="utf-8") + "\n;window.ace = ace;\n"


def run_ace(page: Any, known: tuple[str, ...] = tuple(KNOWN_FALSE_POSITIVES)) -> list[str]:
    """IBM's violations on the open page (the engine must be in the context), less the known false positives."""
    return list(dict.fromkeys(page.evaluate(ACE_RUN, [POLICY, list(known)])))


def check_ibm(page: Any, url: str) -> list[str]:
    """Open url and run IBM's checker on it."""
    page.goto(url)
    return run_ace(page)
