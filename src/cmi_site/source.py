"""A content file's bytes -> what it says: a Markdown document (SourceDoc) or a YAML data file
(DataFile), with the line of every key. Pure: nothing here reads a file (load.py does), so the build
cache and `check` parse the same bytes the same way.

Problems (bad UTF-8, a control character, no front matter, YAML syntax) are data, never exceptions.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import frontmatter

from .chars import describe, first_forbidden, forbidden_message, may_be_forbidden
from .errors import Problem
from .models import DataFile, DocFile, SourceDoc
from .yamlread import capped, parse_yaml

_FM_BOUNDARY = frontmatter.default_handlers.YAMLHandler.FM_BOUNDARY


def split_front_matter(text: str, path: str) -> tuple[str, int, str, int] | Problem:
    """Text -> (front matter, its first line, body, the body's first line), or the Problem."""
    if not text.strip():
        return Problem(path, 1, "", "the file is empty (it needs front matter between two '---' lines, then the text)")
    start = len(text) - len(text.lstrip())
    line = text.count("\n", 0, start) + 1
    if _FM_BOUNDARY.match(text, start) is None:
        return Problem(path, line, "", "the file does not start with front matter (the first line must be '---', then the fields, then '---')")
    fm_start = text.find("\n", start) + 1 or len(text)
    closing = _FM_BOUNDARY.search(text, fm_start)
    if closing is None:
        return Problem(path, line, "", "the front matter starts here but is never closed (put a '---' line after the last field)")
    fm_line = text.count("\n", 0, fm_start) + 1
    body_start = text.find("\n", closing.start())
    body_start = len(text) if body_start < 0 else body_start + 1
    body_line = text.count("\n", 0, body_start) + 1
    return text[fm_start : closing.start()], fm_line, text[body_start:], body_line


def decode(data: bytes, path: str) -> str | Problem:
    """Bytes -> text with '\\n' line ends, or a Problem naming the line of the first byte that is not UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        return Problem(path, line, "", "the file is not saved as UTF-8 text, and this line has the first character "
                                       "that cannot be read (save the file again as UTF-8 in your editor)")  # fmt: skip
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def raw_character_problems(data: bytes, text: str, path: str, label: Callable[[int], str]) -> list[Problem]:
    """Each line of a file's text (decoded from data) with a character content may not hold
    (chars.FORBIDDEN), typed or pasted into the file itself; label(line) names the part of the file."""
    if not may_be_forbidden(data):  # nearly every file: a quick look at the bytes
        return []
    problems: list[Problem] = []
    for number, line in enumerate(text.split("\n"), 1):
        match = first_forbidden(line)
        if match is not None:
            problems.append(Problem(path, number, label(number), forbidden_message(match.group(), "this line", raw=True)))
    return capped(problems, "lines")


_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


def reference_problems(body: str, body_line: int, path: str) -> list[Problem]:
    """Each line of a body with a numeric character reference to a character content may not hold
    (&#11;, &#xFFFE;): Python-Markdown and nh3 write the character itself into the page."""
    if "&#" not in body:
        return []
    problems: list[Problem] = []
    for match in _REFERENCE.finditer(body):
        number = int(match[1], 16) if match[1] else int(match[2])
        if number > 0x10FFFF or first_forbidden(chr(number)) is not None:
            line = body_line + body.count("\n", 0, match.start())
            what = "no character" if number > 0x10FFFF else describe(chr(number))
            if not problems or problems[-1].line != line:
                problems.append(Problem(path, line, "body", f"this line has the character reference {match.group()}, which "
                                                            f"stands for {what}, which is not allowed (delete it)"))  # fmt: skip
    return capped(problems, "lines")


def parse_doc(doc: DocFile, data: bytes) -> tuple[SourceDoc | None, list[Problem]]:
    """A document file's bytes -> (SourceDoc, or None when it cannot be read; the problems)."""
    path = doc.path
    text = decode(data, path)
    if isinstance(text, Problem):
        return None, [text]
    parts = split_front_matter(text, path)
    if isinstance(parts, Problem):
        return None, [parts]
    fm_text, fm_line, body, body_line = parts
    raw = raw_character_problems(data, text, path, lambda line: "front matter" if line < body_line else "body")
    raw += reference_problems(body, body_line, path)
    if any(problem.field == "front matter" for problem in raw):
        return None, raw
    meta, lines, problems = parse_yaml(fm_text, path, fm_line, "front matter")
    problems = raw + problems
    if meta is None and problems:
        return None, problems
    if meta is None:
        return None, [Problem(path, fm_line - 1, "", "the front matter is empty (write the fields, like 'title: My story', between the two '---' lines)")]
    if not isinstance(meta, dict):
        what = "a list" if isinstance(meta, list) else "just text"
        return None, [Problem(path, lines.get((), fm_line), "",
                              f"the front matter is {what}, not fields (write one field per line, like 'title: My story')")]  # fmt: skip
    return SourceDoc(path, doc.collection, doc.stem, meta, body, body_line, lines), problems


def parse_data(data: bytes, path: str, name: str) -> tuple[DataFile | None, list[Problem]]:
    """A YAML data file's bytes -> (DataFile, or None when it cannot be read; the problems found reading it)."""
    text = decode(data, path)
    if isinstance(text, Problem):
        return None, [text]
    raw = raw_character_problems(data, text, path, lambda line: "")
    if raw:
        return None, raw
    value, lines, problems = parse_yaml(text, path, 1, "")
    if value is None and problems:
        return None, problems
    return DataFile(path, name, value, lines), problems
