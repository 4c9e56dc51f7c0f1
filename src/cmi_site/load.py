"""Load stage: find content files, read them, split front matter, remember the line of every key.

Nothing here knows what a story is; it hands plain records to validation. Reading problems (bad
UTF-8, no front matter, YAML syntax) become Problems, never exceptions.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from .errors import Problem

COLLECTIONS = ("stories", "signatories", "events", "pages")
# Each data file, and what it holds (for the message when it is missing).
DATA_FILES = {
    "site.yml": "the site's title and settings",
    "areas.yml": "the areas that stories, signatories and events name",
    "sectors.yml": "the sectors that stories and signatories name",
    "themes.yml": "the themes that stories name",
    "self-assessment.yml": "the statements of the stories' self-assessment",
}
IMAGE_DIR = "images"

# A key path into the front matter: ("areas", 1) is the second item of the areas list.
KeyPath = tuple[str | int, ...]


def line_of(lines: dict[KeyPath, int], key: KeyPath) -> int:
    """The line of a key path in a file, or of its nearest enclosing key, falling back to line 1."""
    while key:
        if key in lines:
            return lines[key]
        key = key[:-1]
    return 1


@dataclass(frozen=True)
class SourceDoc:
    """One Markdown file: its front matter as plain data, its body, and where each key was."""

    path: str  # as shown to editors, e.g. content/stories/foo.md
    collection: str
    stem: str  # the file name without .md; validation decides whether it is a good slug
    meta: dict[str, Any]
    body: str
    body_line: int
    lines: dict[KeyPath, int]

    def line_of(self, *key: str | int) -> int:
        """The line of a key (or the nearest enclosing key), falling back to line 1."""
        return line_of(self.lines, key)


@dataclass(frozen=True)
class DataFile:
    """One YAML data file (areas, themes, settings ...) with the line of every key."""

    path: str
    name: str
    value: Any
    lines: dict[KeyPath, int]

    def line_of(self, *key: str | int) -> int:
        """The line of a key (or the nearest enclosing key), falling back to line 1."""
        return line_of(self.lines, key)


@dataclass(frozen=True)
class StaticFile:
    """A file copied to the output as it is (an image, a stylesheet)."""

    output_path: str
    data: bytes
    source: str


@dataclass(frozen=True)
class Loaded:
    """Everything read from the content folder."""

    docs: list[SourceDoc]
    data: dict[str, DataFile]
    images: list[StaticFile]
    problems: list[Problem] = field(default_factory=list)
    files: list[tuple[Path, str]] = field(default_factory=list)  # every document file and its collection


class ContentLoader(yaml.SafeLoader):
    """YAML as editors mean it: only true/false are booleans, null is nothing, everything else is text.

    PyYAML follows YAML 1.1, where `no`, `yes`, `on` and `off` are booleans (so `area: no` would
    become false), 2023-02-30 raises an exception mid-parse, `10:30` is the number 630 and `1.10`
    becomes 1.1. Validation parses dates itself, so it can say which line holds the impossible one.
    """


_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
# Only null keeps its YAML 1.1 resolver: ints, floats, timestamps, merge keys ('<<') and the
# value key ('=') would all turn plain text into something the editor did not write.
ContentLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag == _NULL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ContentLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

_FM_BOUNDARY = frontmatter.default_handlers.YAMLHandler.FM_BOUNDARY


if yaml.__with_libyaml__:

    class FastContentLoader(yaml.CSafeLoader):
        """ContentLoader's rules on libyaml's C parser: the same values and marks, about 20 times faster.

        Only used when it succeeds: any error is read again by ContentLoader, whose messages the hints
        below are written for (tests/test_load.py checks both agree on every fixture).
        """

        yaml_implicit_resolvers = ContentLoader.yaml_implicit_resolvers

    LOADERS: tuple[type, ...] = (FastContentLoader, ContentLoader)
else:  # pragma: no cover - PyYAML built without libyaml
    LOADERS = (ContentLoader,)


def display_path(path: Path, root: Path) -> str:
    """The path as an editor sees it: relative to the project folder when inside it."""
    real, base = _real(path), _real(root).rstrip(os.sep)
    if real == base:
        return "."
    if real.startswith(base + os.sep):
        return real[len(base) + 1 :].replace(os.sep, "/")
    return path.as_posix()


@functools.lru_cache(maxsize=4096)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


def _real(path: Path) -> str:
    """path.resolve(), as text, resolving each folder only once per load (10,000 stories share one)."""
    text = os.fspath(path)
    folder, name = os.path.split(text)
    if name in ("", ".", ".."):
        return _real_folder(text)
    if os.path.islink(text):
        return os.path.realpath(text)
    return os.path.join(_real_folder(folder or "."), name)  # relative folders: the working directory is fixed during a load


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
        return self.first_line + bisect.bisect_left(self.newlines, mark.index)

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
    twice, text cut short by a ' #' comment), and then the value is still usable.
    """
    source = _Source.of(text, path, first_line)
    try:
        node, value = _compose_any(text)
    except yaml.MarkedYAMLError as err:
        return None, {}, [_yaml_problem(err, source, label)]
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as err:
        # Explicit tags such as '!!float abc' fail inside PyYAML's constructors with a plain ValueError.
        return None, {}, [Problem(path, first_line, label, f"this cannot be read ({err}; put text in double quotes)")]
    lines: dict[KeyPath, int] = {}
    problems: list[Problem] = []
    if node is not None:
        lines[()] = source.line(node.start_mark)
        _collect_lines(node, (), source, lines, problems, set())
    return value, lines, problems


def compose_yaml(text: str, loader_class: type) -> tuple[yaml.Node | None, Any]:
    """YAML text -> (its node tree, for lines, and its value) with one loader; YAML errors are raised."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _compose_any(text: str) -> tuple[yaml.Node | None, Any]:
    """The fastest loader that reads the text; when none does, PyYAML's error (ContentLoader is last)."""
    for loader_class in LOADERS[:-1]:
        try:
            return compose_yaml(text, loader_class)
        except Exception:  # noqa: BLE001, S112 - libyaml refused it: PyYAML reads it again, for its messages
            continue
    return compose_yaml(text, LOADERS[-1])


# PyYAML's problem text (a regular expression) -> what to tell the editor. {char} is the symbol found.
_QUOTE_IT = "put the whole text in double quotes"
_YAML_HINTS: tuple[tuple[str, str], ...] = (
    (r"found character '\\t'|found a tab", "a tab character is not allowed here (use spaces instead of tabs)"),
    (r"found character '(?P<char>.)' that cannot start any token", f"text cannot start with '{{char}}' ({_QUOTE_IT})"),
    (r"found undefined alias|but found '\*'", f"text cannot start with '*' ({_QUOTE_IT}, like title: \"*New* project\")"),
    (r"but found '&'", f"text cannot start with '&' ({_QUOTE_IT})"),
    (r"could not determine a constructor for the tag", f"text cannot start with '!' ({_QUOTE_IT})"),
    (r"unhashable key", f"text that starts with '[' or '{{' must be in quotes ({_QUOTE_IT})"),
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
)


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
            return Problem(source.path, line, label, hint.format(char=match.groupdict().get("char", "")))
    what = f"{problem} ({context})" if context else problem
    return Problem(source.path, line, label, f"this cannot be read: {what or 'unknown YAML error'} "
                                             "(check the indentation, and put text that starts with a symbol in double quotes)")  # fmt: skip


def _lacks_colon(line: str) -> bool:
    """A line with some text but no ':' and no '- ', so it cannot start a field or a list item."""
    stripped = line.strip()
    return bool(stripped) and ":" not in stripped and not stripped.startswith(("-", "#", "'", '"'))


def _label(key: KeyPath) -> str:
    """("updates", 1, "date") -> "updates.date"; (0, "id") -> "id": list positions are left out."""
    return ".".join(str(part) for part in key if not isinstance(part, int))


def _collect_lines(
    node: yaml.Node, key: KeyPath, source: _Source, lines: dict[KeyPath, int], problems: list[Problem], seen_nodes: set[int]
) -> None:
    """Record the file line of every mapping key and list item below node, and what looks wrong."""
    if id(node) in seen_nodes:  # an alias ('*name') to a node already walked, maybe one that contains itself
        return
    seen_nodes.add(id(node))
    children: list[tuple[KeyPath, yaml.Node, yaml.Mark]] = []
    if isinstance(node, yaml.MappingNode):
        first_lines: dict[Any, int] = {}
        for key_node, value_node in node.value:
            child = (*key, key_node.value)
            if key_node.value in first_lines:
                problems.append(Problem(source.path, source.line(key_node.start_mark), _label(child),
                                        f"this field is written twice, here and on line {first_lines[key_node.value]} "
                                        "(keep one of them, and delete the other)"))  # fmt: skip
            first_lines.setdefault(key_node.value, source.line(key_node.start_mark))
            children.append((child, value_node, key_node.start_mark))
    elif isinstance(node, yaml.SequenceNode):
        children = [((*key, index), item, item.start_mark) for index, item in enumerate(node.value)]
    for child, value_node, mark in children:
        lines[child] = source.line(mark)
        problems.extend(_comment_warning(value_node, child, source))
        _collect_lines(value_node, child, source, lines, problems, seen_nodes)


def _comment_warning(node: yaml.Node, key: KeyPath, source: _Source) -> list[Problem]:
    """Unquoted text followed by ' #': YAML drops the rest of the line as a comment, silently."""
    if not isinstance(node, yaml.ScalarNode) or node.style:  # plain text: None from PyYAML, '' from libyaml
        return []
    if not re.match(r"[ \t]+#", source.rest_of_line(node.end_mark)):
        return []
    kept = f"'{node.value}'" if node.value else "nothing"
    return [Problem(source.path, source.line(node.end_mark), _label(key),
                    f"only {kept} is kept: ' #' starts a comment, so the rest of the line is left out "
                    "(put the whole text in double quotes to keep it)", "warning")]  # fmt: skip


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


def read_doc(file: Path, collection: str, root: Path, data: bytes | None = None) -> tuple[SourceDoc | None, list[Problem]]:
    """One Markdown file (or its bytes, already read) -> (SourceDoc, or None when it cannot be read; the problems)."""
    path = display_path(file, root)
    text = decode(file.read_bytes() if data is None else data, path)
    if isinstance(text, Problem):
        return None, [text]
    parts = split_front_matter(text, path)
    if isinstance(parts, Problem):
        return None, [parts]
    fm_text, fm_line, body, body_line = parts
    meta, lines, problems = parse_yaml(fm_text, path, fm_line, "front matter")
    if meta is None and problems:
        return None, problems
    if meta is None:
        return None, [Problem(path, fm_line - 1, "", "the front matter is empty (write the fields, like 'title: My story', between the two '---' lines)")]
    if not isinstance(meta, dict):
        what = "a list" if isinstance(meta, list) else "just text"
        return None, [Problem(path, lines.get((), fm_line), "",
                              f"the front matter is {what}, not fields (write one field per line, like 'title: My story')")]  # fmt: skip
    return SourceDoc(path, collection, file.stem, meta, body, body_line, lines), problems


def read_data_file(file: Path, root: Path) -> tuple[DataFile | None, list[Problem]]:
    """One YAML data file -> (DataFile, or None when it cannot be read; the problems found reading it)."""
    path = display_path(file, root)
    text = decode(file.read_bytes(), path)
    if isinstance(text, Problem):
        return None, [text]
    value, lines, problems = parse_yaml(text, path, 1, "")
    if value is None and problems:
        return None, problems
    return DataFile(path, file.name, value, lines), problems


def read_data(file: Path, root: Path) -> DataFile | list[Problem]:
    """One YAML data file -> DataFile when it can be read at all, else the problems that stop it."""
    datafile, problems = read_data_file(file, root)
    return datafile if datafile is not None else problems


def _collection_files(folder: Path, root: Path) -> tuple[list[Path], list[Problem]]:
    """The .md files of one collection folder and its subfolders, sorted; anything else is a warning."""
    if not folder.is_dir():
        return [], []
    found: list[tuple[tuple[str, ...], str]] = []  # (parts below folder, for Path's order; file name)
    for top, folders, names in os.walk(folder, followlinks=True):
        folders[:] = [name for name in folders if not name.startswith(".")]
        parts = tuple(Path(top).relative_to(folder).parts)
        found += [((*parts, name), os.path.join(top, name)) for name in names if not name.startswith(".")]
    files, problems = [], []
    for _, name in sorted(found):
        entry = Path(name)
        if entry.suffix == ".md":
            files.append(entry)
        else:
            problems.append(Problem(display_path(entry, root), 1, "", "ignored: only .md files are read here", "warning"))
    return files, problems


def load_images(content_dir: Path, root: Path) -> list[StaticFile]:
    """Every file under content/images, to be copied to images/ in the output."""
    folder = content_dir / IMAGE_DIR
    if not folder.is_dir():
        return []
    return [
        StaticFile(f"{IMAGE_DIR}/{file.relative_to(folder).as_posix()}", file.read_bytes(), display_path(file, root))
        for file in sorted(folder.rglob("*"))
        if file.is_file() and not file.name.startswith(".")
    ]


def load_static(folder: Path, prefix: str) -> list[StaticFile]:
    """Every file under a folder of assets (templates/assets), to be copied under prefix/ ('' = root)."""
    if not folder.is_dir():
        return []
    lead = f"{prefix}/" if prefix else ""
    return [
        StaticFile(f"{lead}{file.relative_to(folder).as_posix()}", file.read_bytes(), file.as_posix())
        for file in sorted(folder.rglob("*"))
        if file.is_file() and file.name != ".DS_Store"
    ]


def list_docs(content_dir: Path, root: Path) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """Every document file with its collection, in reading order, and warnings for files that are not .md."""
    listed: list[tuple[Path, str]] = []
    problems: list[Problem] = []
    for collection in COLLECTIONS:
        files, skipped = _collection_files(content_dir / collection, root)
        problems.extend(skipped)
        listed.extend((file, collection) for file in files)
    return listed, problems


def walk_files(folder: Path) -> Iterator[tuple[str, str]]:
    """Every file under folder, hidden ones too: (relative POSIX path, path to open)."""
    for top, _, names in os.walk(folder, followlinks=True):
        prefix = os.path.relpath(top, folder).replace(os.sep, "/")
        for name in names:
            yield (name if prefix == "." else f"{prefix}/{name}"), os.path.join(top, name)


def hash_files(folder: Path) -> dict[str, str]:
    """Every file under folder, hidden ones too (relative POSIX path -> a hash of its bytes)."""
    return {rel: read_digest(path) for rel, path in walk_files(folder)}


def read_digest(path: str) -> str:
    """The hash of a file's bytes, read now."""
    with open(path, "rb") as handle:
        return file_digest(handle.read())


def file_digest(data: bytes) -> str:
    """The hash of a file's bytes, as hash_files gives it."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def load_content(content_dir: Path, root: Path | None = None, read_docs: bool = True) -> Loaded:
    """Read the whole content folder: documents, data files and images, plus reading problems.

    With read_docs=False the documents are only listed (Loaded.files), for a caller that reads them
    itself (the build cache, in parallel)."""
    root = root if root is not None else Path.cwd()
    _real_folder.cache_clear()  # folders may have been moved or linked elsewhere since the last build
    docs: list[SourceDoc] = []
    data: dict[str, DataFile] = {}
    problems: list[Problem] = []
    for name, what in DATA_FILES.items():
        file = content_dir / name
        if not file.is_file():
            problems.append(Problem(display_path(file, root), 1, "",
                                    f"missing: the site needs this file ({what}; docs/content.md shows what goes in it)"))  # fmt: skip
            continue
        datafile, found = read_data_file(file, root)
        problems.extend(found)
        if datafile is not None:
            data[name] = datafile
    files, skipped = list_docs(content_dir, root)
    problems.extend(skipped)
    for file, collection in files if read_docs else []:
        doc, found = read_doc(file, collection, root)
        problems.extend(found)
        if doc is not None:
            docs.append(doc)
    return Loaded(docs, data, load_images(content_dir, root), problems, files)
