"""content/ and templates/ as untrusted input: nothing read outside the folder, nothing but regular
files, nothing too big.

Content arrives by pull request, so any file there can be a symbolic link to ../../.git/config or to a
CI secret, a named pipe that would make the build wait for ever, a link loop, a name with a line
break in it, or 20 MB of text. Every file the build reads from content/ or templates/ is listed by
walk() and read by read_bounded(), and templates by ContainedLoader: a link is followed only when
what it leads to is inside the folder; anything else is refused with a reason, which the caller
reports as a problem of that file.
"""

from __future__ import annotations

import errno
import math
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2
import jinja2.loaders

from .chars import describe, first_forbidden

MB = 1024 * 1024


@dataclass(frozen=True)
class Limit:
    """The most bytes a kind of file may have, and how a message names that kind and what to do."""

    size: int
    what: str
    hint: str


# Limits far above any real file of each kind, so that only a mistake or an attack meets them: the
# longest sample story is 4 KB; a photograph for the web is well under 1 MB.
TEXT_LIMIT = Limit(1 * MB, "a content file", "split it into several files, or make it shorter")
IMAGE_LIMIT = Limit(10 * MB, "an image", "save it smaller, for example 2000 pixels wide as .jpg")
TEMPLATE_LIMIT = Limit(10 * MB, "a template or asset", "make it smaller")
# No file is read past the largest limit, even to hash it.
ANY_LIMIT = Limit(max(TEXT_LIMIT.size, IMAGE_LIMIT.size, TEMPLATE_LIMIT.size), "any file", "make it smaller")


@dataclass(frozen=True)
class Folder:
    """A folder nothing is read outside of: its real path, and its name in messages ('content/')."""

    real: str
    label: str

    @classmethod
    def of(cls, folder: Path, label: str) -> Folder:
        return cls(os.path.realpath(folder), label)

    def holds(self, real: str) -> bool:
        """True when a real (resolved) path is this folder or inside it."""
        return real == self.real or real.startswith(self.real.rstrip(os.sep) + os.sep)


@dataclass(frozen=True)
class Entry:
    """One file found by walk(): where to open it, or why it is refused."""

    rel: str  # POSIX path below the folder walked ('' for the folder itself)
    path: str  # the path to open: the file, or a link to a file inside the folder
    refused: str | None = None  # why it is not read, in words for a message; None when it may be read


def name_refusal(name: str) -> str | None:
    """Why a file or folder name is refused (a line break, a control character, bytes that are not UTF-8), or None."""
    if not name.isascii() and any("\udc80" <= char <= "\udcff" for char in name):  # how Python shows bytes of a name that are not UTF-8
        return "the name is not UTF-8 text, so it cannot be shown or linked to (rename it, using letters, numbers and hyphens)"
    bad = first_forbidden(name, name=True)
    if bad is not None:
        return f"the name has the character {describe(bad.group())}, which is not allowed in a name (rename it, using letters, numbers and hyphens)"
    return None


def _follow(path: str, folder: Folder) -> tuple[str, os.stat_result] | str:
    """A symbolic link -> (the real path it leads to, what is there), or why it is refused."""
    try:
        real = os.path.realpath(path, strict=True)
        info = os.stat(real)
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "a symbolic link that leads back to itself (a loop; delete the link)"
        if err.errno in (errno.ENOENT, errno.ENOTDIR):
            return "a symbolic link to something that is not there (delete the link, or put the file itself here)"
        return f"this cannot be read ({err.strerror})"
    if not folder.holds(real):
        kind = "folder" if stat.S_ISDIR(info.st_mode) else "file"
        return f"a symbolic link to a {kind} outside {folder.label} is not allowed (put the {kind} itself in {folder.label})"
    return real, info


MAX_FOLDER_DEPTH = 16  # folders inside each other below a walked folder (content/stories/2026/march is 2 below stories)
TOO_DEEP = (f"a folder inside {MAX_FOLDER_DEPTH - 1} others: folders this deep are not read (move what is in it "
            "higher up; a tree a thousand folders deep would break the tools that copy and delete the site)")  # fmt: skip
MAX_FOLDER_PATH = 900  # bytes of a folder's path below a walked folder: the output's folders stay short (commit.py)
TOO_LONG = (f"a folder whose path is longer than {MAX_FOLDER_PATH} characters: it is not read (give it and the "
            "folders it is in shorter names)")  # fmt: skip
SPECIAL = "not a regular file or folder (a named pipe, socket or device cannot be read; delete it)"
LOOP = "a symbolic link to a folder that contains it, or that is read already (a loop; delete the link)"


def walk(folder: Path, within: Folder, hidden: bool = True) -> list[Entry]:
    """Every regular file below folder (which is within), and every entry refused, by path (as Path sorts).

    hidden=False leaves out files and folders whose name starts with '.'. A link is followed only to
    a file or folder inside within; a folder is never walked twice through links (so loops end)."""
    start = os.fspath(folder)
    if not os.path.lexists(start):
        return []
    found = _follow(start, within)
    if isinstance(found, str):
        return [Entry("", start, found)]
    real, info = found
    if not stat.S_ISDIR(info.st_mode):
        return []
    entries: list[Entry] = []
    walked = {real}
    stack = [("", start, real)]
    while stack:
        rel, path, real = stack.pop()
        try:
            with os.scandir(path) as found_entries:
                children = sorted(found_entries, key=lambda child: child.name)
        except OSError as err:
            entries.append(Entry(rel, path, f"this folder cannot be read ({err.strerror})"))
            continue
        for child in children:
            if hidden or not child.name.startswith("."):
                child_rel = f"{rel}/{child.name}" if rel else child.name
                entries += _visit(child, child_rel, real, within, walked, stack)
    return sorted(entries, key=lambda entry: path_order(entry.rel))


def path_order(rel: str) -> str:
    """A sort key of a relative POSIX path that orders paths as Path does, part by part ("a/b" before
    "a-b"): NUL, which no name holds, sorts before every character. (Lists of parts, the obvious key,
    were a tenth of a walk of 11,000 files.)"""
    return rel.replace("/", "\0")


def _visit(child: os.DirEntry[str], rel: str, parent_real: str, within: Folder, walked: set[str],
           stack: list[tuple[str, str, str]]) -> list[Entry]:  # fmt: skip
    """One entry of a folder -> its Entry (a file, or a refusal), or nothing when it is a folder to walk (pushed on stack)."""
    refusal = name_refusal(child.name)
    if refusal is not None:
        return [Entry(rel, child.path, refusal)]
    try:
        if child.is_symlink():
            found = _follow(child.path, within)
            if isinstance(found, str):
                return [Entry(rel, child.path, found)]
            real, info = found
            is_dir, is_file = stat.S_ISDIR(info.st_mode), stat.S_ISREG(info.st_mode)
            if is_dir and (real in walked or parent_real.startswith(real.rstrip(os.sep) + os.sep)):
                return [Entry(rel, child.path, LOOP)]  # read already, or a folder the link is in
        else:
            real = os.path.join(parent_real, child.name)
            is_dir, is_file = child.is_dir(follow_symlinks=False), child.is_file(follow_symlinks=False)
    except OSError as err:
        return [Entry(rel, child.path, f"this cannot be read ({err.strerror})")]
    if is_dir:
        if rel.count("/") + 1 >= MAX_FOLDER_DEPTH:
            return [Entry(rel, child.path, TOO_DEEP)]
        if len(os.fsencode(rel)) > MAX_FOLDER_PATH:
            return [Entry(rel, child.path, TOO_LONG)]
        walked.add(real)
        stack.append((rel, child.path, real))
        return []
    return [Entry(rel, child.path)] if is_file else [Entry(rel, child.path, SPECIAL)]


@dataclass(frozen=True)
class Refused:
    """Why a file was not read."""

    reason: str


def size_refusal(size: int, limit: Limit) -> str | None:
    """Why a file of size bytes is too big for its kind, or None."""
    if size <= limit.size:
        return None
    shown = math.ceil(size * 10 / MB) / 10  # rounded up, so a file just over the limit never shows as the limit
    return f"the file is {shown:.1f} MB, more than the {limit.size // MB} MB {limit.what} may be ({limit.hint})"


_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def read_bounded(path: str, within: Folder, limit: Limit) -> bytes | Refused:
    """A file's bytes, read only when it is a regular file inside within, of at most limit bytes.

    The file is opened without following a link (a link inside the folder is resolved and checked
    first), without waiting (a named pipe is refused, not waited on), and never read past the limit,
    so what walk() saw cannot be swapped for something else in between."""
    try:
        handle = os.open(path, _FLAGS)
    except OSError as err:
        if err.errno not in (errno.ELOOP, errno.EMLINK) and not os.path.islink(path):
            return Refused(f"this cannot be read ({err.strerror})")
        found = _follow(path, within)  # a link: open what it leads to, when that is inside the folder
        if isinstance(found, str):
            return Refused(found)
        try:
            handle = os.open(found[0], _FLAGS)
        except OSError as again:
            return Refused(f"this cannot be read ({again.strerror})")
    try:
        return _read_open(handle, limit)
    finally:
        os.close(handle)


def _read_open(handle: int, limit: Limit) -> bytes | Refused:
    """The bytes of an open file when it is a regular file within the limit."""
    info = os.fstat(handle)
    if stat.S_ISDIR(info.st_mode):
        return Refused("this is a folder, where a file is expected")
    if not stat.S_ISREG(info.st_mode):
        return Refused(SPECIAL)
    too_big = size_refusal(info.st_size, limit)
    if too_big is not None:
        return Refused(too_big)
    chunks: list[bytes] = []
    left = limit.size + 1  # one byte more than allowed: a file that grew since fstat is still caught
    while left > 0:
        chunk = os.read(handle, min(left, MB))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    data = b"".join(chunks)
    too_big = size_refusal(len(data), limit)
    return Refused(too_big) if too_big is not None else data


class ContainedLoader(jinja2.FileSystemLoader):
    """jinja2's FileSystemLoader (which follows any link, and reads a named pipe) for one folder, reading
    only what read_bounded reads: regular files inside the folder, of at most TEMPLATE_LIMIT."""

    def __init__(self, folder: Path, label: str) -> None:
        super().__init__(folder)
        self._folder = Folder.of(folder, label)
        self._root = os.fspath(folder)

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        path = os.path.join(self._root, *jinja2.loaders.split_template_path(template))
        if not os.path.lexists(path):
            raise jinja2.TemplateNotFound(template)
        data = read_bounded(path, self._folder, TEMPLATE_LIMIT)
        if isinstance(data, Refused):
            raise jinja2.TemplateError(f"{template}: {data.reason}")
        mtime = os.path.getmtime(path)

        def uptodate() -> bool:
            try:
                return os.path.getmtime(path) == mtime
            except OSError:
                return False

        return data.decode(self.encoding), os.path.normpath(path), uptodate

    def list_templates(self) -> list[str]:
        return [entry.rel for entry in walk(Path(self._root), self._folder) if entry.refused is None]
