"""Lines YAML silently joins to the text above them, though the editor meant a list item or a field.

A plain (unquoted) text may run on over several lines, each joined to the last with a space. So
`  - a` then `    - b` (the second item indented too far) is one item, 'a - b'; and `summary:Text`
(no space after the colon) under a text is more of that text. YAML reports neither. Pure: the
YAML text, where the value sits in it and how to turn an offset into a file line -> warnings.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .chars import quoted
from .errors import Problem

# A line that starts a list item, or looks like a field with no space after its ':'. Web addresses
# ('https:', 'mailto:') and times ('10:30') are text, not fields.
_ITEM_LINE = re.compile(r"-(?:[ \t]|$)")
_FIELD_LINE = re.compile(r"(?!(?:https?|mailto|tel|ftp):)([a-z][a-z0-9_]*):(?:[^ \t/]|$)")
ITEM_HINT = ("not as a new list item (start its '- ' exactly under the '- ' of the item above; "
             "if the '-' belongs to the text, put the whole text in double quotes)")  # fmt: skip
SHOWN = 25  # characters shown each side of the join


def _join(previous: str, line: str) -> str:
    """The two lines as YAML reads them, around where they are joined: '...found it - Staff from...'."""
    before = previous if len(previous) <= SHOWN else "..." + previous[-SHOWN:]
    after = line if len(line) <= SHOWN else line[:SHOWN] + "..."
    return f"{before} {after}"


def fold_warnings(text: str, start: int, end: int, where: tuple[str, str], line_of: Callable[[int], int]) -> list[Problem]:
    """A plain text value at text[start:end] (where: path and field label) -> a warning at each of its
    continuation lines that looks like a list item or a field."""
    if "\n" not in text[start:end]:  # nearly every value: one line
        return []
    path, label = where
    problems = []
    at = text.index("\n", start) + 1
    previous = text[start : at - 1].strip()
    while at < end:
        stop = text.find("\n", at)
        line = text[at : stop if stop >= 0 else len(text)].strip()
        field = _FIELD_LINE.match(line)
        if _ITEM_LINE.match(line) or field:
            what = (f"not as the field {quoted(field[1])} (a field needs a space after its ':', and starts as far "
                    "left as the fields around it)" if field else ITEM_HINT)  # fmt: skip
            problems.append(Problem(path, line_of(at), label, f"this line is read as more of the text above "
                                    f"({quoted(_join(previous, line))}), {what}", "warning"))  # fmt: skip
        if stop < 0:
            break
        at, previous = stop + 1, line or previous
    return problems
