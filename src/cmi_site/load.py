"""Load stage: content/ -> Loaded: the documents found (listed, not yet read), the data files and
images read, and the problems of what cannot be read.

Nothing here knows what a story is. Files are listed and read only through safe_files.py (no link out
of the folder, no file over its limit); what their bytes say is source.py's work. Documents are read
one by one by read_doc, by whichever engine checks them (speed/): on every core, or not at all when
the build cache knows them.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem
from .models import DataFile, DocFile, StaticFile
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
from .source import parse_data

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


@dataclass(frozen=True)
class Loaded:
    """Everything read from the content folder."""

    docs: list[DocFile]  # every document file, in reading order (collection, then path)
    data: dict[str, DataFile]
    images: list[StaticFile]
    within: Folder  # the folder documents may not be read outside of (read_doc)
    problems: list[Problem] = field(default_factory=list)
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


def read_source(file: Path, within: Folder, limit: Limit, root: Path) -> bytes | Problem:
    """A content file's bytes, or the Problem that stops it being read (a link out of the folder, too big ...)."""
    data = read_bounded(os.fspath(file), within, limit)
    return Problem(display_path(file, root), 1, "file", data.reason) if isinstance(data, Refused) else data


def content_folder(content_dir: Path, root: Path) -> Folder:
    """The content folder as the folder nothing is read outside of."""
    return Folder.of(content_dir, f"{display_path(content_dir, root)}/")


def read_data_file(file: Path, root: Path, within: Folder | None = None) -> tuple[DataFile | None, list[Problem]]:
    """One YAML data file -> (DataFile, or None when it cannot be read; the problems found reading it).

    within: the folder the file may not lead out of (by default its own)."""
    data = read_source(file, within or Folder.of(file.parent, f"{display_path(file.parent, root)}/"), TEXT_LIMIT, root)
    if isinstance(data, Problem):
        return None, [data]
    return parse_data(data, display_path(file, root), file.name)


def read_doc(doc: DocFile, within: Folder) -> bytes | Problem:
    """A document's bytes, or the Problem that stops them being read (a link out of content/, too big ...)."""
    data = read_bounded(os.fspath(doc.file), within, TEXT_LIMIT)
    return Problem(doc.path, 1, "file", data.reason) if isinstance(data, Refused) else data


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


def list_docs(content_dir: Path, root: Path, within: Folder | None = None) -> tuple[list[DocFile], list[Problem]]:
    """Every document file with its collection, in reading order, and the problems of files that are not read."""
    within = within or content_folder(content_dir, root)
    listed: list[DocFile] = []
    problems: list[Problem] = []
    shown: dict[str, str] = {}  # each folder's display_path, worked out once (10,000 files share a few folders)
    for collection in COLLECTIONS:
        files, skipped = _collection_files(content_dir / collection, within, root)
        problems.extend(skipped)
        for file in files:
            folder, name = os.path.split(os.fspath(file))
            if folder not in shown:  # the folder resolved (a linked folder is shown where it is), the file's name not
                shown[folder] = display_path(Path(_real_folder(folder)), root)
            path = f"{shown[folder]}/{name}" if shown[folder] != "." else name
            listed.append(DocFile(file, path, collection, file.stem))
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


def load_content(content_dir: Path, root: Path | None = None) -> Loaded:
    """The content folder: its documents listed, its data files and images read, and the problems of
    what cannot be (paths in problems are shown relative to root, by default the working folder)."""
    root = root if root is not None else Path.cwd()
    _real_folder.cache_clear()  # folders may have been moved or linked elsewhere since the last build
    within = content_folder(content_dir, root)
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
    docs, skipped = list_docs(content_dir, root, within)
    images, refused = load_images(content_dir, root, within)
    return Loaded(docs, data, images, within, problems + skipped + refused, display_path(content_dir, root))
