"""The Python-Markdown speed-ups: the same HTML as the stock converter, in about half the time.

They replace name-mangled private methods of Python-Markdown's inline pass and the toc extension's
pass, which any release may change. So they are used only with a Python-Markdown version they were
tested with (TESTED: tests/test_markup.py proves them equal to the stock converter on every shipped
document, tricky cases and generated Markdown) and whose private methods are there; with any other,
the stock converter is used (correct, slower) and the benchmark says so (status()). Editors never
see a difference. To allow a new version: run tests/test_markup.py with it (the equality tests force
the speed-ups on whatever is installed), then add it to TESTED.
"""

from __future__ import annotations

import functools
import html as htmllib
import re
from typing import Any

import markdown
from markdown import inlinepatterns, util
from markdown.extensions import smarty
from markdown.extensions.toc import TocTreeprocessor, remove_fnrefs, render_inner_html, strip_tags, unique
from markdown.treeprocessors import InlineProcessor

TESTED = frozenset({(3, 11)})  # Python-Markdown (major, minor) versions the speed-ups were proven on
TOC_MARKER = "[TOC]"  # toc's default marker: a paragraph of just this becomes a table of contents
_PRIVATE = ("_InlineProcessor__processPlaceholders", "_InlineProcessor__handleInline", "_InlineProcessor__applyPattern")


def supported(version: tuple[int, ...] = tuple(markdown.__version_info__[:2])) -> bool:
    """Whether the speed-ups may be used with this Python-Markdown: a tested version, its private methods there."""
    return tuple(version[:2]) in TESTED and all(hasattr(InlineProcessor, name) for name in _PRIVATE)


ENABLED = supported()  # checked once, at start; tests may set it to force the speed-ups on


def status() -> str:
    """One line for the benchmark: whether the speed-ups are on, and why not."""
    version = markdown.__version__
    if ENABLED:
        return f"Markdown speed-ups on (Python-Markdown {version})"
    return (f"warning: Markdown speed-ups off: Python-Markdown {version} is not one they were tested with "
            f"({', '.join('.'.join(map(str, v)) for v in sorted(TESTED))}); conversions take about twice as long")  # fmt: skip


def speed_up(converter: markdown.Markdown, table_of_contents: bool) -> None:
    """Put the quick passes into a new converter (when ENABLED): the inline and smarty passes, and the
    toc pass when the text has no table of contents marker."""
    if not ENABLED:
        return
    for name in ("inline", "smarty"):
        if name in converter.treeprocessors:
            converter.treeprocessors[name].__class__ = _QuickInlineProcessor
    if "toc" in converter.treeprocessors and not table_of_contents:
        converter.treeprocessors["toc"].__class__ = _HeadingIds


def _needs() -> dict[str, tuple[str, ...]]:
    """Inline patterns (by expression) that cannot match a text without one of some strings. Testing
    for a string is much faster than a search, above all for the patterns that start with a
    look-behind and so are tried at every position of every text. An expression not here (another
    version of Python-Markdown may change them) is searched for, as before."""
    single = ("singleQuoteStartRe", "decadeAbbrRe", "openingSingleQuotesRegex", "closingSingleQuotesRegex",
              "closingSingleQuotesRegex2", "remainingSingleQuotesRegex", "doubleQuoteSetsRe", "singleQuoteSetsRe",
              "doubleQuoteSetsRe2", "singleQuoteSetsRe2")  # fmt: skip
    double = ("doubleQuoteStartRe", "openingDoubleQuotesRegex", "closingDoubleQuotesRegex",
              "closingDoubleQuotesRegex2", "remainingDoubleQuotesRegex")  # fmt: skip
    needs: dict[str, tuple[str, ...]] = {
        r"(?<!\.)\.{3}(?!\.)": ("...",), r"(?<!-)--(?!-)": ("--",), r"(?<!-)---(?!-)": ("---",),
        r"\*|_": ("*", "_"),  # the emphasis delimiters
    }  # fmt: skip
    for name, marks in (("BACKTICK_RE", ("`",)), ("ESCAPE_RE", ("\\",)), ("LINK_RE", ("[",)), ("REFERENCE_RE", ("[",)),
                        ("IMAGE_LINK_RE", ("![",)), ("IMAGE_REFERENCE_RE", ("![",)), ("AUTOLINK_RE", ("<",)),
                        ("AUTOMAIL_RE", ("<",)), ("LINE_BREAK_RE", ("  \n",)), ("HTML_RE", ("<",)),
                        ("ENTITY_RE", ("&",))):  # fmt: skip
        if hasattr(inlinepatterns, name):
            needs[getattr(inlinepatterns, name)] = marks
    for names, mark in ((single, "'"), (double, '"')):
        needs.update({getattr(smarty, name): (mark,) for name in names if hasattr(smarty, name)})
    return needs


_NEEDS = _needs()


@functools.cache
def _any_of(marks: frozenset[str]) -> re.Pattern[str]:
    """An expression matching any of some strings, the one-character ones as a class (much faster)."""
    single = "".join(sorted(re.escape(m) for m in marks if len(m) == 1))
    return re.compile("|".join([*([f"[{single}]"] if single else []), *sorted(re.escape(m) for m in marks if len(m) > 1)]))


class _QuickInlineProcessor(InlineProcessor):
    """Python-Markdown's inline pass, skipping a pattern at once when it cannot match the text (a
    string it needs is missing, or its expression is nowhere in it), and a text at once when no
    pattern can match it: the same result, without the bookkeeping of trying each of the ~30 inline
    and smarty patterns on every piece of text. This halves the time of a conversion."""

    def run(self, tree: Any, ancestors: list[str] | None = None) -> Any:
        self._quick_patterns = list(self.inlinePatterns)  # the registry sorts on every lookup
        self._quick_needs = [_NEEDS.get(p.compiled_re.pattern) if isinstance(p, inlinepatterns.InlineProcessor) else None
                             for p in self._quick_patterns]  # fmt: skip
        # One search for every string some pattern needs; None when a pattern needs none known.
        known = None if None in self._quick_needs else {m for marks in self._quick_needs if marks for m in marks}
        self._quick_any = _any_of(frozenset(known)) if known else None
        return super().run(tree, ancestors)

    def _InlineProcessor__processPlaceholders(self, data: str | None, parent: Any, isText: bool = True) -> Any:  # noqa: N802, N803
        """Text with no placeholder (no pattern matched in it) is only added to the parent's text or
        tail, as Python-Markdown's loop does, without the loop."""
        if data and util.INLINE_PLACEHOLDER_PREFIX not in data:
            attribute = "text" if isText else "tail"
            current = getattr(parent, attribute)
            setattr(parent, attribute, current + data if current else data)
            return []
        return super()._InlineProcessor__processPlaceholders(data, parent, isText)  # type: ignore[misc]

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        if isinstance(data, util.AtomicString):
            return data
        if self._quick_any is not None and self._quick_any.search(data) is None:
            return data  # no pattern can match anywhere in it
        patterns, apply = self._quick_patterns, self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        needs = self._quick_needs
        start, index = 0, patternIndex
        while index < len(patterns):
            pattern = patterns[index]
            wanted = needs[index]
            if (wanted is not None and wanted[0] not in data and (len(wanted) == 1 or wanted[1] not in data)) or (
                isinstance(pattern, inlinepatterns.InlineProcessor) and pattern.compiled_re.search(data, start) is None
            ):
                index, start = index + 1, 0  # what __applyPattern returns for no match
                continue
            data, matched, start = apply(pattern, data, index, start)
            if not matched:
                index += 1
        return data


class _HeadingIds(TocTreeprocessor):
    """The toc extension's pass with only what a text without its marker needs: each heading's id,
    worked out as toc does (toc also builds and serialises a table of contents and looks through every
    element for the marker). toc finds a heading's name by serialising it and running every
    post-processor over it, each going through all the HTML stashed so far: a fifth of the time of a
    conversion. A heading of plain text without '&' (the usual kind) is its own name."""

    def run(self, doc: Any) -> None:
        used_ids = {el.attrib["id"] for el in doc.iter() if "id" in el.attrib}
        counters: dict[str, int] = {}
        for el in doc.iter():
            if isinstance(el.tag, str) and self.header_rgx.match(el.tag):
                self.set_level(el)
                if "id" not in el.attrib:
                    text = el.text or ""
                    # Markup, stashed HTML or a character reference (toc unescapes '&#X41;', which
                    # Python-Markdown leaves as text): as toc does it.
                    if len(el) or util.STX in text or util.ETX in text or "&" in text:
                        text = htmllib.unescape(strip_tags(render_inner_html(remove_fnrefs(el), self.md)))
                    else:  # plain text: what toc's serialise, strip and unescape gives back, much faster
                        text = " ".join(text.split())
                    el.attrib["id"] = unique(self.slugify(text, self.sep), used_ids, counters)
