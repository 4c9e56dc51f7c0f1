"""Markdown from the public -> HTML that is safe to put on a page.

Python-Markdown converts; bodyhtml.sanitize (nh3, the Rust `ammonia` sanitizer) then keeps only a
small allow-list of tags, attributes and URLs. Sanitising the *output* of Markdown, not the input,
is what makes this safe: Markdown passes raw HTML through, so everything an editor wrote is checked.
The work is bounded (bounds.py): a body too deeply nested or too slow to convert is refused, with
a problem for the editor, never a hang or a traceback.
"""

from __future__ import annotations

import bisect
import html as htmllib
import re
from dataclasses import dataclass

import markdown

from . import bounds, markup_fast
from .bodyhtml import BodyImage, sanitize
from .bounds import Refusal
from .markup_fast import TOC_MARKER

EXTENSIONS = ["tables", "fenced_code", "sane_lists", "def_list", "abbr", "smarty", "toc"]
EXTENSION_CONFIGS = {"toc": {"permalink": False}}

# Extensions that do nothing to a text without these marks; a text without them is converted without
# the extension, which is faster and gives the same HTML (tests/test_markup.py checks that, on
# generated texts too). Each test must be conservative: never "no" where the extension would act,
# so each looks for its mark anywhere in the text as Python-Markdown reads it (_as_read). A
# definition's ': ' (or ':\t') can follow the marks of the quotes and lists it is in ('> - : x'),
# or the end of a raw HTML block ('</div>: x': Python-Markdown moves the rest of that line to a
# line of its own); def_list costs nothing measurable when it finds no definition.
_NEEDED_WHEN = {
    "tables": re.compile(r"\|"),
    "fenced_code": re.compile(r"```|~~~"),
    "def_list": re.compile(r":[ \t]"),
    "abbr": re.compile(r"\*\["),
    "smarty": re.compile(r"['\"]|--|\.\.\."),
}

# What an editor is told was taken out (a warning, so they know the page differs from their text).
# Matched against the lower-cased HTML: the same matches as re.IGNORECASE, several times faster.
# In Python-Markdown's output a '<' that starts no tag is escaped (&lt;), as is all code: so the
# elements are looked for anywhere and the attributes only inside tags, never in a code sample.
_UNSAFE_ELEMENT = (re.compile(r"<\s*(script|style|iframe|object|embed|form|input|button|svg|math|link|meta|base)\b"),
                   "<{0}> elements are not allowed")  # fmt: skip
_UNSAFE_ATTRIBUTES = [
    (re.compile(r"\son[a-z]+\s*="), "event-handler attributes (on...=) are not allowed"),
    (re.compile(r"(?:href|src)\s*=\s*[\"']?\s*(?:javascript|vbscript|data):"),
     "javascript:, vbscript: and data: links are not allowed"),
    (re.compile(r"\sstyle\s*="), "style attributes are not allowed (the site's own stylesheet styles everything)"),
]  # fmt: skip
_RAW_TAG = re.compile(r"""<[a-z](?:[^>"']|"[^"]*"|'[^']*')*>""")


def _removed(raw: str) -> tuple[str, ...]:
    """Python-Markdown's HTML -> what the sanitizer will take out of it, in words for the editor."""
    if "<" not in raw:
        return ()
    lowered = raw.lower()
    found = {_UNSAFE_ELEMENT[1].format(m.group(1)) for m in _UNSAFE_ELEMENT[0].finditer(lowered)}
    tags = " ".join(_RAW_TAG.findall(lowered))
    found |= {message for rx, message in _UNSAFE_ATTRIBUTES if rx.search(tags)}
    return tuple(sorted(found))


_HEADING = re.compile(r"<(/?)h([1-6])\b")


@dataclass(frozen=True)
class Image:
    """An <img> of a body: its source as written (None: one the sanitizer removed unseen), the file
    under content/ it names (None: it names none, so it is an error) and its line in the body."""

    src: str | None
    path: str | None
    line: int
    alt: str = ""  # its text for people who cannot see it ("" when it has none)


@dataclass(frozen=True)
class Html:
    """Sanitised HTML, what the sanitizer took out (in words for the editor), the body's images, and
    why the body was not converted (then html is empty)."""

    html: str
    removed: tuple[str, ...]
    images: tuple[Image, ...] = ()
    refused: Refusal | None = None


def render_markdown(text: str) -> Html:
    """Markdown text -> sanitised HTML whose headings start at <h2> (the page title is the <h1>)."""
    refused = bounds.refusal(text)
    if refused is not None:
        return Html("", (), refused=refused)
    try:
        with bounds.time_limit():
            raw = _python_markdown(text)
            removed = _removed(raw)
            html, images = sanitize(_demote_headings(raw))
    except bounds.TimeUp:
        return Html("", (), refused=Refusal(1, f"the body took more than {bounds.TIME_LIMIT:g} seconds to convert "
                                               "(simplify it: it probably has very many unclosed brackets, tags or '*')"))  # fmt: skip
    except (RecursionError, bounds.TooDeep):
        return Html("", (), refused=Refusal(1, "the body is nested too deeply to convert (lists, quotes, links or "
                                               f"emphasis more than {bounds.MAX_TREE_DEPTH} levels inside each other)"))  # fmt: skip
    except _Failed as failed:
        return Html("", (), refused=Refusal(1, f"the body could not be converted ({failed} in Python-Markdown; "
                                               "simplify the Markdown around unusual marks)"))  # fmt: skip
    return Html(html, removed, _located(text, images))


class _Failed(Exception):
    """Python-Markdown raised on a text (its message: the exception's name)."""


def _python_markdown(text: str) -> str:
    """convert(text), any exception but the bounds' turned into _Failed: odd input is the editor's
    problem to see, not a crash of the build."""
    try:
        return convert(text)
    except (RecursionError, bounds.TooDeep):
        raise
    except Exception as error:
        raise _Failed(type(error).__name__) from error


def _located(text: str, images: tuple[BodyImage, ...]) -> tuple[Image, ...]:
    """The body's images, each with its line: where its source is written (the second image with a
    source at its second place ...), else where the body's image of that number starts ('![', '<img')."""
    if not images:
        return ()
    lowered, newlines = text.lower(), _positions(text, "\n")
    marks = sorted(at for mark in ("![", "<img") for at in _positions(lowered, mark))
    places: dict[str, list[int]] = {}
    seen: dict[str, int] = {}
    located = []
    for number, image in enumerate(images):
        if image.src and image.src not in places:
            places[image.src] = _positions(text, image.src)
        found = places.get(image.src, []) if image.src else []
        if image.src and found:
            at = found[min(seen.get(image.src, 0), len(found) - 1)]
            seen[image.src] = seen.get(image.src, 0) + 1
        else:  # written with character references, or removed before the sanitizer's filter saw it
            at = marks[min(number, len(marks) - 1)] if marks else 0
        located.append(Image(image.src, image.path, bisect.bisect_left(newlines, at) + 1, image.alt))
    return tuple(located)


def _positions(text: str, part: str) -> list[int]:
    """Where part starts in text, each time."""
    found, at = [], text.find(part)
    while at >= 0:
        found.append(at)
        at = text.find(part, at + 1)
    return found


# Converters made so far, by (extensions, whether the text has toc's marker). One is taken out while
# it converts and put back only when it succeeded: Python-Markdown keeps parser state that reset()
# does not clear (the list and quote nesting of BlockParser.state), so after an exception, or the
# time limit, a reused converter gets later documents wrong. Taking it out also keeps two threads
# from sharing one.
_CONVERTERS: dict[tuple[tuple[str, ...], bool], markdown.Markdown] = {}


def convert(text: str) -> str:
    """Markdown -> Python-Markdown's HTML, with only the extensions the text can need, by the fast path."""
    probe = _as_read(text)
    extensions = tuple(e for e in EXTENSIONS if e not in _NEEDED_WHEN or _NEEDED_WHEN[e].search(probe))
    key = (extensions, TOC_MARKER in probe)
    converter = _CONVERTERS.pop(key, None) or _converter(*key)
    converter.reset()  # Python-Markdown keeps state (toc ids, abbreviations) between documents
    html = converter.convert(text)
    _CONVERTERS[key] = converter
    return html


def _as_read(text: str) -> str:
    """A text as Python-Markdown's first step leaves it: without the control characters STX and ETX,
    which it strips (so '-', STX, '-' is '--'), and with a line feed ending every line."""
    if "\x02" in text or "\x03" in text:
        text = text.replace("\x02", "").replace("\x03", "")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _converter(extensions: tuple[str, ...], table_of_contents: bool) -> markdown.Markdown:
    """A converter with some extensions (and whether the text has toc's marker), on the fast path
    when the installed Python-Markdown is one it was tested with (markup_fast.py), with
    bounds.DepthGuard right after the inline pass."""
    converter = markdown.Markdown(extensions=list(extensions), extension_configs=EXTENSION_CONFIGS, output_format="html")
    markup_fast.speed_up(converter, table_of_contents)
    converter.treeprocessors.register(bounds.DepthGuard(converter), "depth_guard", 19)
    return converter


def _demote_headings(html: str) -> str:
    """Shift headings down so the highest one in the body is an <h2>."""
    levels = [int(m.group(2)) for m in _HEADING.finditer(html)]
    shift = 2 - min(levels) if levels and min(levels) < 2 else 0
    if not shift:
        return html
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift)}", html)


_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|t[dhr]|blockquote|pre|d[dt]|caption|figcaption|div|table|[uo]l|dl)>|<[bh]r\s*/?>")
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")


def plain_text(html: str) -> str:
    """Sanitised HTML (render_markdown's) -> its text with tags removed and white space folded (for
    search and descriptions). The end of a block is a space: cells and list items stay apart."""
    return " ".join(htmllib.unescape(_TAG.sub("", _BLOCK_END.sub(" ", html))).split())
