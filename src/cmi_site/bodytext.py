"""What an editor wrote in a body that would read wrongly on the page: the guidance text of
`cmi-site new` left in, and a heading the page already shows from a field (a story's "What changed"
comes from `outcomes:`). Pure: a SourceDoc and its clean values -> Problems at the body's lines.

The guidance is declared here, once: scaffold.py writes it into a new file and the check finds it,
so the two cannot drift apart."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from .chars import quoted
from .errors import Problem
from .models import SourceDoc

# The text `cmi-site new` puts in a new file's body, by collection: guidance lines (to be replaced)
# and headings (to be kept, with the story written under them).
GUIDANCE = {
    "stories": (
        "Write the story here, in plain English. These headings help readers:\n\n"
        "## Why we did it\n\n## Who was involved\n\n## What we did\n\n## How it turned out\n"
    ),
    "signatories": "Write your statement here: why you signed the pledge, in your own words.\n",
    "events": "Say what the event is about, who it is for, and how to join in.\n",
    "pages": "Write the page here.\n",
}

# The headings a page adds itself, by collection: heading -> the field it shows (templates/story.html).
PAGE_HEADINGS = {"stories": {"what changed": "outcomes", "what we learned": "lessons", "self-assessment": "self_assessment"}}

_HEADING = re.compile(r" {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


# Guidance that other instructions give in their examples (CONTRIBUTING.md's story file).
MORE_GUIDANCE = {"stories": "Write your story here, in plain English."}


def _plain(text: str) -> str:
    """Text as compared: spaces collapsed, case folded, a trailing colon or full stop ignored."""
    return " ".join(text.split()).casefold().rstrip(":.")


def _sentences(line: str) -> set[str]:
    return {_plain(part) for part in re.split(r"(?<=[.:!?])\s+", line.strip()) if part.strip()}


def _guidance(collection: str) -> set[str]:
    """The sentences of a collection's guidance text, as compared."""
    text = GUIDANCE.get(collection, "") + "\n" + MORE_GUIDANCE.get(collection, "")
    return set().union(*(_sentences(line) for line in text.splitlines() if line.strip() and not line.startswith("#")))


def _lines_outside_code(body: str) -> Iterator[tuple[int, str]]:
    """The body's lines (1-based number, text) that are not inside a fenced code block."""
    fence = ""
    for number, line in enumerate(body.splitlines(), 1):
        opening = _FENCE.match(line)
        if fence:
            fence = "" if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence) else fence
        elif opening:
            fence = opening.group(1)
        else:
            yield number, line


def body_text_problems(doc: SourceDoc, values: Mapping[str, Any]) -> list[Problem]:
    """A document's body -> an error at each line of `cmi-site new`'s guidance left in, and a warning
    at each heading the page already shows from a field that is filled in."""
    guidance, added = _guidance(doc.collection), PAGE_HEADINGS.get(doc.collection, {})
    problems = []
    for number, line in _lines_outside_code(doc.body):
        where = doc.body_line + number - 1
        heading = _HEADING.match(line)
        if heading is None and _sentences(line) & guidance:
            problems.append(Problem(doc.path, where, "body", "guidance text (from `cmi-site new` or an example) is still here, and "
                                    "would be shown on the page (replace this line with your own words)"))  # fmt: skip
        elif heading is not None and values.get(field := added.get(_plain(heading.group(1)), "")):
            problems.append(Problem(doc.path, where, "body", f"the page already shows a heading {quoted(heading.group(1))}, "
                                    f"made from `{field}:`, so it would appear twice (give this section another "
                                    "heading, or move its points into the field)", "warning"))  # fmt: skip
    return problems
