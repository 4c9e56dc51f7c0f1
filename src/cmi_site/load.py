"""Load stage: find content files, read them, split front matter, remember the line of every key.

Nothing here knows what a story is; it hands plain records to validation. Reading problems (bad
UTF-8, no front matter, YAML syntax) become Problems, never exceptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from .errors import Problem

COLLECTIONS = ("stories", "signatories", "events", "pages")
DATA_FILES = ("site.yml", "areas.yml", "sectors.yml", "themes.yml", "self-assessment.yml")
IMAGE_DIR = "images"

# A key path into the front matter: ("areas", 1) is the second item of the areas list.
KeyPath = tuple[str | int, ...]


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
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return 1


@dataclass(frozen=True)
class DataFile:
    """One YAML data file (areas, themes, settings ...) with the line of every key."""

    path: str
    name: str
    value: Any
    lines: dict[KeyPath, int]

    def line_of(self, *key: str | int) -> int:
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return 1


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


class ContentLoader(yaml.SafeLoader):
    """YAML as editors mean it: only true/false are booleans, and dates stay text.

    PyYAML follows YAML 1.1, where `no`, `yes`, `on` and `off` are booleans (so `area: no` would
    become false) and 2023-02-30 raises an exception mid-parse. Validation parses dates itself,
    so it can say which line holds the impossible one.
    """


_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
ContentLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ContentLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

_FM_BOUNDARY = frontmatter.YAMLHandler.FM_BOUNDARY


def display_path(path: Path, root: Path) -> str:
    """The path as an editor sees it: relative to the project folder when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def parse_yaml(text: str, path: str, first_line: int, label: str) -> tuple[Any, dict[KeyPath, int], list[Problem]]:
    """YAML text -> (value, line of every key, problems). first_line is the file line of text's line 1."""
    loader = ContentLoader(text)
    try:
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as err:
        return None, {}, [_yaml_problem(err, path, first_line, label)]
    except yaml.YAMLError as err:  # pragma: no cover - PyYAML marks nearly every error
        return None, {}, [Problem(path, first_line, label, f"the YAML cannot be read: {err}")]
    finally:
        loader.dispose()
    lines: dict[KeyPath, int] = {}
    problems: list[Problem] = []
    if node is not None:
        _collect_lines(node, (), first_line, lines, problems, path)
    return value, lines, problems


def _yaml_problem(err: yaml.MarkedYAMLError, path: str, first_line: int, label: str) -> Problem:
    mark = err.problem_mark or err.context_mark
    line = first_line + mark.line if mark is not None else first_line
    what = err.problem or "the YAML cannot be read"
    hint = "check the indentation, and put text that contains ': ' or starts with a symbol in quotes"
    if err.context and "mapping" in (err.context or "") and "mapping values" not in what:
        what = f"{what} ({err.context})"
    return Problem(path, line, label, f"YAML syntax error: {what} ({hint})")


def _collect_lines(
    node: yaml.Node, key: KeyPath, first: int, lines: dict[KeyPath, int], problems: list[Problem], path: str
) -> None:
    """Record the file line of every mapping key and list item below node."""
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            name = key_node.value
            child = (*key, name)
            line = first + key_node.start_mark.line
            if name in seen:
                label = ".".join(str(k) for k in child)
                problems.append(Problem(path, line, label, "this field appears twice (keep one of them)"))
            seen.add(name)
            lines[child] = line
            _collect_lines(value_node, child, first, lines, problems, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*key, index)
            lines[child] = first + item.start_mark.line
            _collect_lines(item, child, first, lines, problems, path)


def split_front_matter(text: str, path: str) -> tuple[str, int, str, int] | Problem:
    """Text -> (front matter, its first line, body, the body's first line), or the Problem."""
    if not text.strip():
        return Problem(path, 1, "", "the file is empty (it needs front matter between two '---' lines, then the text)")
    start = len(text) - len(text.lstrip())
    opening = _FM_BOUNDARY.match(text, start)
    if opening is None or not text[start:].startswith("---"):
        line = text.count("\n", 0, start) + 1
        return Problem(path, line, "", "the file does not start with front matter (expected a '---' line, then the fields, then '---')")
    fm_start = text.index("\n", start) + 1 if "\n" in text[start:] else len(text)
    closing = _FM_BOUNDARY.search(text, fm_start)
    if closing is None:
        line = text.count("\n", 0, start) + 1
        return Problem(path, line, "", "the front matter starts here but is never closed (expected a second '---' line after the fields)")
    fm_line = text.count("\n", 0, fm_start) + 1
    body_start = text.find("\n", closing.start())
    body_start = len(text) if body_start < 0 else body_start + 1
    body_line = text.count("\n", 0, body_start) + 1
    return text[fm_start : closing.start()], fm_line, text[body_start:], body_line


def decode(data: bytes, path: str) -> str | Problem:
    """Bytes -> text, or a Problem naming the line of the first byte that is not UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        return Problem(path, line, "", "the file is not saved as UTF-8 text (save it again as UTF-8 in your editor)")
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def read_doc(file: Path, collection: str, root: Path) -> SourceDoc | list[Problem]:
    """One Markdown file -> SourceDoc, or the problems that stop it being read."""
    path = display_path(file, root)
    text = decode(file.read_bytes(), path)
    if isinstance(text, Problem):
        return [text]
    parts = split_front_matter(text, path)
    if isinstance(parts, Problem):
        return [parts]
    fm_text, fm_line, body, body_line = parts
    meta, lines, problems = parse_yaml(fm_text, path, fm_line, "front matter")
    if problems and meta is None:
        return problems
    if meta is None:
        return [Problem(path, fm_line - 1, "", "the front matter is empty (expected fields such as 'title: ...' between the '---' lines)")]
    if not isinstance(meta, dict):
        return [Problem(path, fm_line, "", "the front matter is not a list of fields (expected lines like 'title: My story')")]
    if problems:
        return problems
    return SourceDoc(path, collection, file.stem, meta, body, body_line, lines)


def read_data(file: Path, root: Path) -> DataFile | list[Problem]:
    """One YAML data file -> DataFile, or the problems that stop it being read."""
    path = display_path(file, root)
    text = decode(file.read_bytes(), path)
    if isinstance(text, Problem):
        return [text]
    value, lines, problems = parse_yaml(text, path, 1, "")
    if problems:
        return problems
    return DataFile(path, file.name, value, lines)


def _collection_files(folder: Path, root: Path) -> tuple[list[Path], list[Problem]]:
    """The .md files of one collection folder and its subfolders, sorted; anything else is a warning."""
    if not folder.is_dir():
        return [], []
    files, problems = [], []
    for entry in sorted(folder.rglob("*")):
        if any(part.startswith(".") for part in entry.relative_to(folder).parts) or entry.is_dir():
            continue
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


def load_content(content_dir: Path, root: Path | None = None) -> Loaded:
    """Read the whole content folder: documents, data files and images, plus reading problems."""
    root = root if root is not None else Path.cwd()
    docs: list[SourceDoc] = []
    data: dict[str, DataFile] = {}
    problems: list[Problem] = []
    for name in DATA_FILES:
        file = content_dir / name
        if not file.is_file():
            problems.append(Problem(display_path(file, root), 1, "", f"missing: the site needs {name} in the content folder"))
            continue
        result = read_data(file, root)
        if isinstance(result, DataFile):
            data[name] = result
        else:
            problems.extend(result)
    for collection in COLLECTIONS:
        files, skipped = _collection_files(content_dir / collection, root)
        problems.extend(skipped)
        for file in files:
            doc = read_doc(file, collection, root)
            if isinstance(doc, SourceDoc):
                docs.append(doc)
            else:
                problems.extend(doc)
    return Loaded(docs, data, load_images(content_dir, root), problems)
