"""YAML as editors mean it, and as an attacker might write it: plain data, the file line of every key,
and every mistake as a Problem in plain words, never an exception.

Only text, true/false, null, lists and fields are read. YAML's other features are refused with a
message, because editors never mean them and each is a way to break or slow the build: tags
('!!int 0x...' makes a number too long to show, '!!bool maybe' raised), anchors and aliases ('*a'
repeats a list: ten lines can stand for a billion items), and nesting deeper than MAX_DEPTH.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
from dataclasses import dataclass
from typing import Any

import yaml

from .chars import first_forbidden, forbidden_message, quoted
from .errors import Problem
from .models import KeyPath, line_of
from .yamlfolds import fold_warnings

# Lists and fields nested this deep at most. Content needs 4 (updates: - date: ...); PyYAML's
# Python composer recurses once a level, and would fail past ~300.
MAX_DEPTH = 20


class ContentLoader(yaml.SafeLoader):
    """YAML as editors mean it: only true/false are booleans, null is nothing, everything else is text.

    PyYAML follows YAML 1.1, where `no`, `yes`, `on` and `off` are booleans (so `area: no` would
    become false), 2023-02-30 raises an exception mid-parse, `10:30` is the number 630 and `1.10`
    becomes 1.1. Validation parses dates itself, so it can say which line holds the impossible one.
    Tags, anchors, aliases and deep nesting are refused as the document is composed (see above).
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """PyYAML's compose_node, refusing what content must not use before it is built."""
        event = self.peek_event()  # type: ignore[no-untyped-call]
        refused = ("found an alias" if isinstance(event, yaml.AliasEvent) else
                   "found an anchor" if event.anchor is not None else
                   f"found a tag {_tag_shown(event.tag)}" if getattr(event, "tag", None) is not None else
                   "nested too deeply" if self.depth >= MAX_DEPTH else None)  # fmt: skip
        if refused is not None:
            raise yaml.composer.ComposerError(None, None, refused, event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _tag_shown(tag: str) -> str:
    """'tag:yaml.org,2002:int' -> '!!int', as the editor wrote it."""
    return quoted(tag.replace("tag:yaml.org,2002:", "!!"), 30)


_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
# Only null keeps its YAML 1.1 resolver: ints, floats, timestamps, merge keys ('<<') and the
# value key ('=') would all turn plain text into something the editor did not write.
ContentLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag == _NULL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ContentLoader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
# The only tags a document of plain data has once read; any other came from an explicit tag.
PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("str", "bool", "null", "seq", "map"))
# Where an anchor (&a), alias (*a) or tag (!x) can start: at the start of a line or after an
# indicator ([ ] { } , : ? -) and spaces. Text with none of these has none of them.
_PROPERTY = re.compile(r"(?:^[ \t]*|[\[\]{},:?-][ \t]*)[&*!]", re.M)


if yaml.__with_libyaml__:

    class FastContentLoader(yaml.CSafeLoader):
        """ContentLoader's rules on libyaml's C parser: the same values and marks, about 20 times faster.

        Only used for text without tags, anchors and aliases (libyaml cannot be told to refuse them),
        and only when it succeeds with a tree ContentLoader would accept: anything else is read again
        by ContentLoader, whose messages the hints below are written for (tests/test_load.py checks
        both agree on every fixture).
        """

        yaml_implicit_resolvers = ContentLoader.yaml_implicit_resolvers

    LOADERS: tuple[type, ...] = (FastContentLoader, ContentLoader)
else:  # pragma: no cover - PyYAML built without libyaml
    LOADERS = (ContentLoader,)


@dataclass(frozen=True)
class _Source:
    """YAML text and where it sits in its file, to turn PyYAML marks into file lines."""

    text: str
    path: str
    first_line: int  # the file line of the text's first line
    newlines: tuple[int, ...]

    @classmethod
    def of(cls, text: str, path: str, first_line: int) -> _Source:
        return cls(text, path, first_line, tuple(m.start() for m in re.finditer("\n", text)))

    def line(self, mark: yaml.Mark) -> int:
        """The file line of a mark. Counted from '\\n' only: PyYAML also breaks lines at U+2028 and
        friends, which editors show on one line."""
        return self.line_at(mark.index)

    def line_at(self, index: int) -> int:
        """The file line of an offset in the text."""
        return self.first_line + bisect.bisect_left(self.newlines, index)

    def line_text(self, line: int) -> str:
        """The text of a file line within this source ('' outside it)."""
        lines = self.text.split("\n")
        index = line - self.first_line
        return lines[index] if 0 <= index < len(lines) else ""

    def rest_of_line(self, mark: yaml.Mark) -> str:
        end = self.text.find("\n", mark.index)
        return self.text[mark.index : end if end >= 0 else len(self.text)]


def parse_yaml(text: str, path: str, first_line: int, label: str) -> tuple[Any, dict[KeyPath, int], list[Problem]]:
    """YAML text -> (value, line of every key, problems). first_line is the file line of text's line 1.

    The value is None when the text cannot be read; problems can come with a value (a field written
    twice, text cut short by a ' #' comment, a character that is not allowed), and then the value is
    still usable.
    """
    source = _Source.of(text, path, first_line)
    try:
        node, value = _compose_any(text)
    except yaml.MarkedYAMLError as err:
        return None, {}, [_fix_first(_yaml_problem(err, source, label))]
    except yaml.YAMLError:  # a character YAML does not accept: load.py reports those first, by line
        return None, {}, [_fix_first(Problem(path, first_line, label, "this cannot be read (it has a character YAML does not accept)"))]
    lines: dict[KeyPath, int] = {}
    problems: list[Problem] = []
    if node is not None:
        lines[()] = source.line(node.start_mark)
        _collect_lines(node, (), source, lines, problems)
    if "\\" in text or not text.isascii():  # else no character in it can be one content may not hold
        problems += character_problems(value, lines, path)
    return value, lines, problems


def compose_yaml(text: str, loader_class: type) -> tuple[yaml.Node | None, Any]:
    """YAML text -> (its node tree, for lines, and its value) with one loader; YAML errors are raised."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is not None and loader_class is not ContentLoader and not _plain_tree(node):
            raise ValueError("not plain data: ContentLoader says why")
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _plain_tree(node: yaml.Node) -> bool:
    """True when a node tree is plain data ContentLoader would accept: no node twice (an alias), no
    tag but PLAIN_TAGS, at most MAX_DEPTH deep. Walked a level at a time: this runs on every file."""
    level, seen, count = [node], set[int](), 0
    for _ in range(MAX_DEPTH):
        seen.update(map(id, level))
        count += len(level)
        if len(seen) != count or not PLAIN_TAGS.issuperset(each.tag for each in level):
            return False
        children: list[yaml.Node] = []
        for each in level:
            if isinstance(each, yaml.MappingNode):
                children.extend(itertools.chain.from_iterable(each.value))
            elif isinstance(each, yaml.SequenceNode):
                children.extend(each.value)
        if not children:
            return True
        level = children
    return False


def _compose_any(text: str) -> tuple[yaml.Node | None, Any]:
    """The fastest loader that reads the text as ContentLoader would; when none does, ContentLoader's error."""
    if _PROPERTY.search(text) is None:
        for loader_class in LOADERS[:-1]:
            try:
                return compose_yaml(text, loader_class)
            except Exception:  # noqa: BLE001, S112 - refused: ContentLoader reads it again, for its messages
                continue
    try:
        return compose_yaml(text, LOADERS[-1])
    except yaml.YAMLError:
        raise
    except Exception as err:  # PyYAML's constructors raise plain exceptions on odd input; say where
        raise yaml.constructor.ConstructorError(None, None, "found a value that cannot be read", None) from err


# PyYAML's problem text (a regular expression) -> what to tell the editor. {char} is the symbol found.
_QUOTE_IT = "put the whole text in double quotes"
_YAML_HINTS: tuple[tuple[str, str], ...] = (
    (r"found character '\\t'|found a tab", "a tab character is not allowed here (use spaces instead of tabs)"),
    (r"found character '(?P<char>.)' that cannot start any token", f"text cannot start with '{{char}}' ({_QUOTE_IT})"),
    (r"found undefined alias|but found '\*'|found an alias",
     f"text cannot start with '*' ({_QUOTE_IT}, like title: \"*New* project\")"),
    (r"but found '&'|found an anchor", f"text cannot start with '&' ({_QUOTE_IT})"),
    (r"found a tag (?P<char>.+)", f"{{char}} is a YAML tag, and tags are not used here (write the value without it; if it is text, {_QUOTE_IT})"),
    (r"could not determine a constructor for the tag", f"text cannot start with '!' ({_QUOTE_IT})"),
    (r"nested too deeply",
     f"lists and fields are nested more than {MAX_DEPTH} deep here (content needs 4 at most: check that each '[' and '{{' "
     f"is closed, and {_QUOTE_IT} if it is text)"),
    (r"unhashable key", f"a field name cannot be a list or a set of fields (if it is text that starts with '[' or '{{', {_QUOTE_IT})"),
    (r"mapping values are not allowed",
     "unexpected ':' (put text that contains ': ' in double quotes, like title: \"Carers: our story\"; "
     "and check that each field starts at the beginning of its line)"),
    (r"could not find expected ':'",
     "expected 'name: value' on this line (a field name, a colon and a space, then the value), or check the indentation"),
    (r"expected ',' or '\]'",
     "a list in square brackets that starts on this line is not closed properly "
     "(write it like [norfolk, suffolk], and put items that contain ':' or ',' in double quotes)"),
    (r"expected ',' or '\}'", f"a '{{' on this line is not closed properly (if it is text, {_QUOTE_IT})"),
    (r"expected chomping or indentation indicators",
     "nothing may follow '|' or '>' on the same line (start the text on the next line, indented by two spaces)"),
    (r"expected <block end>",
     "this line does not fit with the lines above (check the indentation; and if the text starts with a quote "
     f"or a bracket and goes on after the closing one, {_QUOTE_IT})"),
    (r"found a value that cannot be read|expected a (?:scalar|sequence|mapping) node",
     f"this value cannot be read ({_QUOTE_IT})"),
)


# Nothing else in a file is checked until its YAML can be read: say so, or fixing this one line
# would seem to bring new problems out of nowhere.
FIX_FIRST = " (fix this first; the rest of the file is checked after)"


def _fix_first(problem: Problem) -> Problem:
    """A YAML syntax problem, saying that the rest of its file is checked once it is fixed."""
    return dataclasses.replace(problem, message=problem.message + FIX_FIRST)


def _yaml_problem(err: yaml.MarkedYAMLError, source: _Source, label: str) -> Problem:
    """A PyYAML error -> a Problem on the line where the editor has to look, in plain words."""
    problem, context = err.problem or "", err.context or ""
    mark = err.problem_mark or err.context_mark
    # An unclosed quote or bracket, or a missing ':', is noticed lines later; the cause is where it began.
    began = ("quoted scalar" in context or "flow" in context or "simple key" in context) and err.context_mark
    if began:
        mark = err.context_mark
    line = source.line(mark) if mark is not None else source.first_line
    text_line = source.line_text(line)
    if re.search("[\u2028\u2029\x85]", text_line):
        return Problem(source.path, line, label, "this line has an invisible line-break character, often pasted from a web "
                                                 "page or a word processor (delete the line and type it again)")  # fmt: skip
    if "mapping values" in problem and line > source.first_line and _lacks_colon(source.line_text(line - 1)):
        # 'title Cafe' followed by 'summary: ...': YAML only notices on the next line.
        return Problem(source.path, line - 1, label, "expected 'name: value' on this line (a field name, a colon and a space, then the value)")
    if "quoted scalar" in context and "end of stream" in problem:
        return Problem(source.path, line, label, "a quote opened on this line is never closed (end the text with the same quote mark)")
    for pattern, hint in _YAML_HINTS:
        match = re.search(pattern, problem)
        if match:
            # replace, not format: hints hold braces, and the symbol found is any character
            return Problem(source.path, line, label, hint.replace("{char}", match.groupdict().get("char") or ""))
    what = f"{problem} ({context})" if context else problem
    return Problem(source.path, line, label, f"this cannot be read: {what or 'unknown YAML error'} "
                                             "(check the indentation, and put text that starts with a symbol in double quotes)")  # fmt: skip


def _lacks_colon(line: str) -> bool:
    """A line with some text but no ':' and no '- ', so it cannot start a field or a list item."""
    stripped = line.strip()
    return bool(stripped) and ":" not in stripped and not stripped.startswith(("-", "#", "'", '"'))


def label_of(key: KeyPath) -> str:
    """("updates", 1, "date") -> "updates.date"; (0, "id") -> "id": list positions are left out."""
    return ".".join(str(part) for part in key if not isinstance(part, int))


def _collect_lines(node: yaml.Node, key: KeyPath, source: _Source, lines: dict[KeyPath, int], problems: list[Problem]) -> None:
    """Record the file line of every mapping key and list item below node, and what looks wrong
    (recursion is bounded: the tree is at most MAX_DEPTH deep, and has no alias)."""
    children: list[tuple[KeyPath, yaml.Node, yaml.Mark]] = []
    if isinstance(node, yaml.MappingNode):
        first_lines: dict[Any, int] = {}
        for key_node, value_node in node.value:
            child = (*key, key_node.value)
            if key_node.value in first_lines:
                problems.append(Problem(source.path, source.line(key_node.start_mark), label_of(child),
                                        f"this field is written twice, here and on line {first_lines[key_node.value]} "
                                        "(keep one of them, and delete the other)"))  # fmt: skip
            first_lines.setdefault(key_node.value, source.line(key_node.start_mark))
            children.append((child, value_node, key_node.start_mark))
    elif isinstance(node, yaml.SequenceNode):
        children = [((*key, index), item, item.start_mark) for index, item in enumerate(node.value)]
    for child, value_node, mark in children:
        lines[child] = source.line(mark)
        if isinstance(value_node, yaml.ScalarNode) and not value_node.style:  # plain text: None from PyYAML, '' from libyaml
            problems.extend(_comment_warning(value_node, child, source))
            where = (source.path, label_of(child))
            folds = fold_warnings(source.text, value_node.start_mark.index, value_node.end_mark.index,
                                  where, source.line_at)
            problems.extend(capped(folds, "lines"))
        _collect_lines(value_node, child, source, lines, problems)


def _comment_warning(node: yaml.ScalarNode, key: KeyPath, source: _Source) -> list[Problem]:
    """Unquoted text followed by ' #': YAML drops the rest of the line as a comment, silently."""
    if not re.match(r"[ \t]+#", source.rest_of_line(node.end_mark)):
        return []
    kept = f"only {quoted(node.value)} is kept" if node.value else "nothing is kept"
    return [Problem(source.path, source.line(node.end_mark), label_of(key),
                    f"{kept}: ' #' starts a comment, so the rest of the line is left out "
                    "(put the whole text in double quotes to keep it)", "warning")]  # fmt: skip


def character_problems(value: Any, lines: dict[KeyPath, int], path: str) -> list[Problem]:
    """Every text and field name in a value with a character content may not hold (chars.FORBIDDEN),
    each at its line; such characters can only come from escapes in double quotes ("\\v", "\\ud800"),
    as load.py refuses them in the file itself first."""
    problems: list[Problem] = []
    todo: list[tuple[KeyPath, Any]] = [((), value)]
    while todo:
        key, current = todo.pop()
        if isinstance(current, str):
            bad = first_forbidden(current)
            if bad is not None:
                problems.append(Problem(path, line_of(lines, key), label_of(key), forbidden_message(bad.group(), "the text", raw=False)))
        elif isinstance(current, list):
            todo += [((*key, index), item) for index, item in enumerate(current)]
        elif isinstance(current, dict):
            for name, item in current.items():
                bad = first_forbidden(name, name=True) if isinstance(name, str) else None
                if bad is not None:
                    problems.append(Problem(path, line_of(lines, (*key, name)), label_of((*key, name)),
                                            forbidden_message(bad.group(), "the field name", raw=False)))  # fmt: skip
                todo.append(((*key, name), item))
    return capped(sorted(problems), "texts")


MAX_SHOWN = 10  # problems of one kind in one file, before the rest are counted on one line


def capped(problems: list[Problem], what: str) -> list[Problem]:
    """The first MAX_SHOWN problems, then one that counts the rest (a file of 100,000 bad lines is 11 lines)."""
    if len(problems) <= MAX_SHOWN:
        return problems
    first = problems[MAX_SHOWN]
    rest = len(problems) - MAX_SHOWN
    return [*problems[:MAX_SHOWN], Problem(first.path, first.line, first.field,
                                           f"and {rest:,} more {what} from here on have the same kind of problem (fix the ones above first)")]  # fmt: skip
