"""Load stage: find content files, read them, split front matter, remember the line of every key.

Nothing here knows what a story is; it hands plain records to validation. Reading problems (a link
out of the folder, a file too big, bad UTF-8, a control character, no front matter, YAML syntax)
become Problems, never exceptions. Files are listed and read only through safe_files.py, YAML is
read by yamlread.py.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter

from .chars import describe, first_forbidden, forbidden_message, may_be_forbidden
from .errors import Problem
from .safe_files import (
    ANY_LIMIT,
    IMAGE_LIMIT,
    TEMPLATE_LIMIT,
    TEXT_LIMIT,
    Entry,
    Folder,
    Limit,
    Refused,
    read_bounded,
    size_refusal,
    walk,
)
from .yamlread import KeyPath, capped, line_of, parse_yaml

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
_FM_BOUNDARY = frontmatter.default_handlers.YAMLHandler.FM_BOUNDARY

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
    folder: str = "content"  # the content folder as messages show it



def display_path(path: Path, root: Path) -> str:
    """The path as an editor sees it: relative to the project folder when inside it."""
    real, base = _real(path), _real_folder(os.fspath(root)).rstrip(os.sep)
    if real == base:
        return "."
    if real.startswith(base + os.sep):
        return real[len(base) + 1 :].replace(os.sep, "/")
    return path.as_posix()


@functools.lru_cache(maxsize=4096)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


def _real(path: Path) -> str:
    """path.resolve(), as text, but for its last part: a link is shown where it is, not where it leads
    (which may be outside the project). Each folder is resolved once per load (10,000 stories share one)."""
    text = os.fspath(path)
    folder, name = os.path.split(text)
    if name in ("", ".", ".."):
        return _real_folder(text)
    return os.path.join(_real_folder(folder or "."), name)  # relative folders: the working directory is fixed during a load


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


def read_source(file: Path, within: Folder, limit: Limit, root: Path) -> bytes | Problem:
    """A content file's bytes, or the Problem that stops it being read (a link out of the folder, too big ...)."""
    data = read_bounded(os.fspath(file), within, limit)
    return Problem(display_path(file, root), 1, "file", data.reason) if isinstance(data, Refused) else data


def content_folder(content_dir: Path, root: Path) -> Folder:
    """The content folder as the folder nothing is read outside of."""
    return Folder.of(content_dir, f"{display_path(content_dir, root)}/")


def read_doc(file: Path, collection: str, root: Path, data: bytes | None = None,
             within: Folder | None = None) -> tuple[SourceDoc | None, list[Problem]]:  # fmt: skip
    """One Markdown file (or its bytes, already read) -> (SourceDoc, or None when it cannot be read; the problems).

    within: the folder the file may not lead out of (by default its own)."""
    path = display_path(file, root)
    if data is None:
        read = read_source(file, within or Folder.of(file.parent, f"{display_path(file.parent, root)}/"), TEXT_LIMIT, root)
        if isinstance(read, Problem):
            return None, [read]
        data = read
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
    return SourceDoc(path, collection, file.stem, meta, body, body_line, lines), problems


def read_data_file(file: Path, root: Path, within: Folder | None = None) -> tuple[DataFile | None, list[Problem]]:
    """One YAML data file -> (DataFile, or None when it cannot be read; the problems found reading it).

    within: the folder the file may not lead out of (by default its own)."""
    path = display_path(file, root)
    data = read_source(file, within or Folder.of(file.parent, f"{display_path(file.parent, root)}/"), TEXT_LIMIT, root)
    if isinstance(data, Problem):
        return None, [data]
    text = decode(data, path)
    if isinstance(text, Problem):
        return None, [text]
    raw = raw_character_problems(data, text, path, lambda line: "")
    if raw:
        return None, raw
    value, lines, problems = parse_yaml(text, path, 1, "")
    if value is None and problems:
        return None, problems
    return DataFile(path, file.name, value, lines), problems


def read_data(file: Path, root: Path) -> DataFile | list[Problem]:
    """One YAML data file -> DataFile when it can be read at all, else the problems that stop it."""
    datafile, problems = read_data_file(file, root)
    return datafile if datafile is not None else problems


def _refusal(entry: Entry, root: Path) -> Problem:
    return Problem(display_path(Path(entry.path), root), 1, "file", entry.refused or "")


def _collection_files(folder: Path, within: Folder, root: Path) -> tuple[list[Path], list[Problem]]:
    """The .md files of one collection folder and its subfolders, sorted; what is refused is an error,
    anything else a warning."""
    files, problems = [], []
    for entry in walk(folder, within, hidden=False):
        if entry.refused is not None:
            problems.append(_refusal(entry, root))
        elif entry.rel.endswith(".md"):
            files.append(Path(entry.path))
        else:
            problems.append(Problem(display_path(Path(entry.path), root), 1, "", "ignored: only .md files are read here", "warning"))
    return files, problems


def load_images(content_dir: Path, root: Path, within: Folder | None = None) -> tuple[list[StaticFile], list[Problem]]:
    """Every file under content/images, to be copied to images/ in the output, and the problems of those that cannot be."""
    within = within or content_folder(content_dir, root)
    images: list[StaticFile] = []
    problems: list[Problem] = []
    for entry in walk(content_dir / IMAGE_DIR, within, hidden=False):
        data = read_bounded(entry.path, within, IMAGE_LIMIT) if entry.refused is None else Refused(entry.refused)
        if isinstance(data, Refused):
            problems.append(_refusal(Entry(entry.rel, entry.path, data.reason), root))
        else:
            images.append(StaticFile(f"{IMAGE_DIR}/{entry.rel}", data, display_path(Path(entry.path), root)))
    return images, problems


def load_static(folder: Path, prefix: str, templates: Path) -> list[StaticFile]:
    """Every file under a folder of assets (templates/assets), to be copied under prefix/ ('' = root).

    Only what template_problems accepts is read; what it refuses is left out here, and reported there."""
    within = Folder.of(templates, "templates/")
    lead = f"{prefix}/" if prefix else ""
    found = [(entry, read_bounded(entry.path, within, TEMPLATE_LIMIT)) for entry in walk(folder, within)
             if entry.refused is None and os.path.basename(entry.rel) != ".DS_Store"]  # fmt: skip
    return [StaticFile(f"{lead}{entry.rel}", data, Path(entry.path).as_posix()) for entry, data in found if isinstance(data, bytes)]


def template_problems(templates: Path, root: Path) -> list[Problem]:
    """Every file in the templates folder that the build would refuse to read (a link out of it, a
    named pipe, a file over TEMPLATE_LIMIT ...), as problems: `check` and `build` both report them."""
    within = Folder.of(templates, f"{display_path(templates, root)}/")
    problems = []
    for entry in walk(templates, within):
        reason = entry.refused
        if reason is None:
            try:
                reason = size_refusal(os.stat(entry.path).st_size, TEMPLATE_LIMIT)
            except OSError as err:
                reason = f"this cannot be read ({err.strerror})"
        if reason is not None:
            problems.append(_refusal(Entry(entry.rel, entry.path, reason), root))
    return problems


def list_docs(content_dir: Path, root: Path, within: Folder | None = None) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """Every document file with its collection, in reading order, and the problems of files that are not read."""
    within = within or content_folder(content_dir, root)
    listed: list[tuple[Path, str]] = []
    problems: list[Problem] = []
    for collection in COLLECTIONS:
        files, skipped = _collection_files(content_dir / collection, within, root)
        problems.extend(skipped)
        listed.extend((file, collection) for file in files)
    return listed, problems


def walk_files(folder: Path) -> tuple[Folder, list[Entry]]:
    """Every file under folder, hidden ones too, and what is refused (safe_files.walk), with the folder they are in."""
    within = Folder.of(folder, "")
    return within, walk(folder, within)


def entry_digest(entry: Entry, within: Folder) -> str:
    """The hash of a file's bytes; for a file that is refused, a hash of why (and of where a link leads)."""
    reason = entry.refused
    if reason is None:
        data = read_bounded(entry.path, within, ANY_LIMIT)
        if isinstance(data, bytes):
            return file_digest(data)
        reason = data.reason
    try:
        target = os.readlink(entry.path)
    except OSError:
        target = ""
    return "refused " + file_digest(f"{reason}\0{target}".encode("utf-8", "surrogateescape"))


def hash_key(rel: str) -> str:
    """A relative path as a key of hash_files: itself, or for a name that is not UTF-8 (refused, but
    hashed like any other file) its bytes in hex after a NUL, which no file name can hold."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return "\0" + os.fsencode(rel).hex()
    return rel


def hash_files(folder: Path) -> dict[str, str]:
    """Every file under folder, hidden ones too (hash_key(relative POSIX path) -> a hash of its bytes, or of why it is refused)."""
    within, entries = walk_files(folder)
    return {hash_key(entry.rel): entry_digest(entry, within) for entry in entries}


def file_digest(data: bytes) -> str:
    """The hash of a file's bytes, as hash_files gives it."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def load_content(content_dir: Path, root: Path | None = None, read_docs: bool = True) -> Loaded:
    """Read the whole content folder: documents, data files and images, plus reading problems.

    With read_docs=False the documents are only listed (Loaded.files), for a caller that reads them
    itself (the build cache, in parallel)."""
    root = root if root is not None else Path.cwd()
    _real_folder.cache_clear()  # folders may have been moved or linked elsewhere since the last build
    within = content_folder(content_dir, root)
    docs: list[SourceDoc] = []
    data: dict[str, DataFile] = {}
    problems: list[Problem] = []
    for name, what in DATA_FILES.items():
        file = content_dir / name
        if not os.path.lexists(file):
            problems.append(Problem(display_path(file, root), 1, "",
                                    f"missing: the site needs this file ({what}; docs/content.md shows what goes in it)"))  # fmt: skip
            continue
        datafile, found = read_data_file(file, root, within)
        problems.extend(found)
        if datafile is not None:
            data[name] = datafile
    files, skipped = list_docs(content_dir, root, within)
    problems.extend(skipped)
    for file, collection in files if read_docs else []:
        doc, found = read_doc(file, collection, root, within=within)
        problems.extend(found)
        if doc is not None:
            docs.append(doc)
    images, refused = load_images(content_dir, root, within)
    return Loaded(docs, data, images, problems + refused, files, display_path(content_dir, root))
