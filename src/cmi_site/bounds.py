"""Limits on the work converting one body may take, so hostile Markdown gives a problem, not a hang.

Python-Markdown is quadratic on some shapes (each unclosed '[' makes it read to the end of the
paragraph: 60 kB of '[' take minutes) and recurses once per level on others (deep lists, thousands
of '*'), raising RecursionError. `refusal` checks a text for those shapes before it is converted,
with limits far beyond real writing, so the same text gives the same result on any machine; each
limit is documented in docs/content.md. Behind them, for shapes nobody has found yet, are a cap
on nesting in the converted tree (DepthGuard), RecursionError, and a time limit (time_limit).
"""

from __future__ import annotations

import bisect
import contextlib
import re
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from markdown.treeprocessors import Treeprocessor

MAX_CHARS = 50_000  # a body's length (a story is about 3,000; the longest shipped page 7,900)
MAX_OPEN = 16  # '[' or '(' open at once in a paragraph
MAX_TITLED_LINKS = 32  # links with a quote in their address part '](... "', in a paragraph
MAX_UNCLOSED_TAGS = 32  # '<' starting a tag with another '<' before its '>', in a body
MAX_HTML_DEPTH = 64  # HTML elements written open inside each other (nh3 is quadratic in depth)
MAX_CONTAINERS = 16  # lists and quotes nested on a line: '>', '- ', '1. ' and each 4 columns it is indented
MAX_RUN = 100  # '*' and '_' in a row
MAX_DEFINITIONS = 100  # definition lines (': ...') in a paragraph
MAX_ABBREVIATIONS = 100  # abbreviation definitions ('*[HTML]: ...') in a body
MAX_TREE_DEPTH = 100  # elements inside each other in the converted body
TIME_LIMIT = 10.0  # seconds of CPU time converting one body may take, where a timer can be set


@dataclass(frozen=True)
class Refusal:
    """Why a body is not converted: the line of the body (1 = its first) and what to change."""

    line: int
    message: str


class TimeUp(BaseException):
    """The time limit ran out (a BaseException, so no `except Exception` in a library swallows it)."""


class TooDeep(Exception):
    """The converted tree is nested deeper than MAX_TREE_DEPTH."""


_ESCAPED = r"\\[\\`*_{}\[\]()>#+.!-]"  # what Python-Markdown treats as escaped: not a bracket
_BRACKETS = re.compile(rf"{_ESCAPED}|\n[ \t]*(?=\n)|[\[\]()]")
_RUN = re.compile(rf"[*_]{{{MAX_RUN + 1},}}")
_DEEP_PREFIX = re.compile(rf"\n([ \t>*+.)0-9-]{{{MAX_CONTAINERS + 1},}})")  # after a '\n': sre finds those fast
_MARKERS = re.compile(r"(?:^|(?<=[ \t>]))(?:>|(?:[*+-]|\d{1,9}[.)])(?=[ \t]))")
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# A definition's ': ' at the start of a line, after quote and list marks, or after the end of a raw
# HTML block (Python-Markdown moves the rest of its line to a line of its own).
_DEFINITION = re.compile(r"(?m)(?:^[ \t>]*(?:(?:[*+-]|\d{1,9}[.)])[ \t]+)*|>[ \t]*):[ \t]")
_BLANK = re.compile(r"\n[ \t]*(?=\n)")


def refusal(text: str) -> Refusal | None:
    """A body's Markdown -> why it must not be converted, or None when every limit is kept."""
    # As Python-Markdown reads it: without the two characters it strips, every line ending a '\n'.
    text = text.replace("\x02", "").replace("\x03", "").replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_CHARS:
        return Refusal(1, f"the body is {len(text):,} characters long, more than the {MAX_CHARS:,} a page may have "
                          "(split it into several pages)")  # fmt: skip
    for check in (_brackets, _titled_links, _tags, _containers, _runs, _definitions, _abbreviations):
        found = check(text)
        if found is not None:
            return found
    return None


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _brackets(text: str) -> Refusal | None:
    """Each '[' (and each '(' after '](') makes Python-Markdown read on to its partner or the end of
    the paragraph: many open at once cost their number times the paragraph's length."""
    if text.count("[") <= MAX_OPEN and text.count("(") <= MAX_OPEN:
        return None  # (a count the expression below need not make for most texts)
    depth = {"[": 0, "(": 0}
    for match in _BRACKETS.finditer(text):
        mark = match.group()
        if mark in depth:
            depth[mark] += 1
            if depth[mark] > MAX_OPEN:
                return Refusal(_line(text, match.start()), f"more than {MAX_OPEN} '{mark}' are open at once in this paragraph "
                                                           f"(close each '{mark}' soon after it opens, or write '\\{mark}')")  # fmt: skip
        elif mark in "])":
            opener = "[" if mark == "]" else "("
            depth[opener] = max(0, depth[opener] - 1)
        elif mark[0] == "\n":  # a blank line: a new paragraph
            depth = {"[": 0, "(": 0}
    return None


def _titled_links(text: str) -> Refusal | None:
    """A quote after '](' makes Python-Markdown look for the end of a title, to the end of the
    paragraph if it never closes: many in a paragraph cost their number times its length."""
    if text.count("](") <= MAX_TITLED_LINKS:
        return None
    quotes = [m.start() for m in re.finditer(r"[\"']", text)]
    closes = [m.start() for m in re.finditer(r"\)", text)]
    blanks = [m.start() for m in _BLANK.finditer(text)]
    counts: dict[int, int] = {}
    for match in re.finditer(r"\]\(", text):
        at = match.end()
        quote, close = bisect.bisect_left(quotes, at), bisect.bisect_left(closes, at)
        if quote < len(quotes) and (close == len(closes) or quotes[quote] < closes[close]):
            paragraph = bisect.bisect_left(blanks, at)
            counts[paragraph] = counts.get(paragraph, 0) + 1
            if counts[paragraph] > MAX_TITLED_LINKS:
                return Refusal(_line(text, match.start()), f"more than {MAX_TITLED_LINKS} links in this paragraph have a quote "
                                                           "after '](' (write a link as [words](address), or [words](address \"title\"))")  # fmt: skip
    return None


def _tags(text: str) -> Refusal | None:
    """Python-Markdown's HTML parser reads from a '<' to its '>', so many '<' without one are
    quadratic; nh3 is quadratic in how deep elements are inside each other."""
    if text.count("<") <= min(MAX_UNCLOSED_TAGS, MAX_HTML_DEPTH):
        return None
    opens = [m.start() for m in re.finditer("<", text)]
    ends = [m.start() for m in re.finditer(">", text)]
    unclosed, depth = 0, 0
    for match in _TAG_START.finditer(text):
        after = match.start() + 1
        next_open, next_end = bisect.bisect_left(opens, after), bisect.bisect_left(ends, after)
        if next_end == len(ends) or (next_open < len(opens) and opens[next_open] < ends[next_end]):
            unclosed += 1
            if unclosed > MAX_UNCLOSED_TAGS:
                return Refusal(_line(text, match.start()), f"more than {MAX_UNCLOSED_TAGS} '<' start an HTML tag that has no '>' "
                                                           "(write &lt; for a '<' that is not a tag)")  # fmt: skip
    for match in _HTML_TAG.finditer(text):
        closing, name = match.groups()
        if closing:
            depth = max(0, depth - 1)
        elif name.lower() not in _VOID:
            depth += 1
            if depth > MAX_HTML_DEPTH:
                return Refusal(_line(text, match.start()), f"more than {MAX_HTML_DEPTH} HTML elements are open inside each other "
                                                           "(close each tag, like <em>...</em>)")  # fmt: skip
    return None


def _containers(text: str) -> Refusal | None:
    """Python-Markdown recurses once for each list and quote a line is in: a '>' or list marker, or
    4 columns of the line's indent."""
    for match in _DEEP_PREFIX.finditer(f"\n{text}"):  # only lines with a long prefix can be nested so deep
        prefix = match.group(1)
        indent = prefix[: len(prefix) - len(prefix.lstrip(" \t"))]
        depth = len(_MARKERS.findall(prefix)) + (indent.count(" ") + 4 * indent.count("\t")) // 4
        if depth > MAX_CONTAINERS:
            return Refusal(_line(text, match.start()), f"lists and quotes are nested more than {MAX_CONTAINERS} deep on this line "
                                                       "(each '>', '- ', '1. ' and each 4 spaces before them is one level)")  # fmt: skip
    return None


def _runs(text: str) -> Refusal | None:
    if text.count("*") + text.count("_") <= MAX_RUN:
        return None
    match = _RUN.search(text)
    if match is None:
        return None
    return Refusal(_line(text, match.start()), f"more than {MAX_RUN} '*' and '_' in a row (write \\* for a '*' that is not emphasis)")


def _definitions(text: str) -> Refusal | None:
    """Python-Markdown recurses once for each definition (': ...') of a paragraph."""
    if text.count(":") <= MAX_DEFINITIONS:
        return None
    blanks = [m.start() for m in _BLANK.finditer(text)]
    counts: dict[int, int] = {}
    for match in _DEFINITION.finditer(text):
        paragraph = bisect.bisect_left(blanks, match.start())
        counts[paragraph] = counts.get(paragraph, 0) + 1
        if counts[paragraph] > MAX_DEFINITIONS:
            return Refusal(_line(text, match.start()), f"more than {MAX_DEFINITIONS} definitions (lines starting ': ') in one "
                                                       "paragraph (put a blank line between terms)")  # fmt: skip
    return None


def _abbreviations(text: str) -> Refusal | None:
    """Each abbreviation is looked for in all the text: their number times its length."""
    if text.count("*[") <= MAX_ABBREVIATIONS:
        return None
    at = [m.start() for m in re.finditer(r"\*\[", text)][MAX_ABBREVIATIONS]
    return Refusal(_line(text, at), f"more than {MAX_ABBREVIATIONS} abbreviations ('*[') in one body")


class DepthGuard(Treeprocessor):
    """Right after the inline pass: raise TooDeep when elements are nested deeper than MAX_TREE_DEPTH
    (nested emphasis, links ...), before the passes and the serialiser that recurse once per level."""

    def run(self, root: Any) -> None:
        level, depth = [root], 0
        while level:  # one level of the tree at a time: a list made in C, not a Python loop per element
            depth += 1
            if depth > MAX_TREE_DEPTH + 1:
                raise TooDeep
            level = [child for element in level for child in element]


class _Timer:
    """Whether a time limit is running (the handler raises only then), and whether it ran out."""

    armed = False
    expired = False


def _expire(signum: int, frame: Any) -> None:
    """SIGVTALRM's handler while this module has it: TimeUp, if a limit is running."""
    if _Timer.armed:
        _Timer.expired = True
        raise TimeUp


def _quiet_time_up(unraisable: Any, forward: Any) -> None:
    """sys.unraisablehook while a limit runs: a TimeUp that landed in a gc callback or a __del__ is
    not news (time_limit raises it again at the end), so Python must not print its traceback to the
    editor; anything else goes to the hook that was there before."""
    if not isinstance(unraisable.exc_value, TimeUp):
        forward(unraisable)


@contextlib.contextmanager
def time_limit(seconds: float | None = None) -> Iterator[None]:
    """Raise TimeUp in the block after `seconds` (default TIME_LIMIT) of CPU time. Only the main
    thread can have a timer signal: elsewhere (the preview server rebuilds on a thread), and when
    another CPU timer or SIGVTALRM handler is set, the block runs without a limit, bounded by
    refusal's checks and the depth guard alone. The handler, once set, stays (setting it for each
    body cost more than the rest of the limit); it does nothing while no limit runs."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    handler = signal.getsignal(signal.SIGVTALRM)
    if (handler is not _expire and handler not in (signal.SIG_DFL, None)) or signal.getitimer(signal.ITIMER_VIRTUAL)[0]:
        yield
        return
    if handler is not _expire:
        signal.signal(signal.SIGVTALRM, _expire)
    _Timer.armed, _Timer.expired = True, False
    forward = sys.unraisablehook
    try:
        sys.unraisablehook = lambda unraisable: _quiet_time_up(unraisable, forward)
        signal.setitimer(signal.ITIMER_VIRTUAL, TIME_LIMIT if seconds is None else seconds)
        try:
            yield
        finally:
            _Timer.armed = False  # from here a late signal is ignored
    finally:  # runs even when the signal came just before the line above (it comes only once)
        _Timer.armed = False  # (and when the timer could not be set)
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        sys.unraisablehook = forward
    if _Timer.expired:  # the signal came where its TimeUp cannot go on (a gc callback, a __del__): the limit holds
        raise TimeUp
