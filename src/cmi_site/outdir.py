"""The output folder: which folders the build may replace, the work folder beside it, the lock, and
putting right what a build that was killed left behind.

The build replaces the output folder as a whole, so it refuses one that is, holds or sits inside the
content, the templates or the build cache, or is (or holds) the working folder; it compares real paths,
so a symlink or `..` does not get round it. It replaces only a folder it made: every output folder it
writes holds a MARKER file. A folder without one is replaced only when it is empty or looks like a
site an earlier version of cmi-site made (LEGACY_LOOK), so that upgrading needs nothing of an editor.

Beside the output, `.<name>.cmi-site/` (the work folder, marked by WORK_MARKER) holds the previous
site (`previous/`, the next build's starting point, see commit.py), the staging folder of a build
in progress (`staging-*`) and, for a moment, `swap/` (commit.exchange on systems that cannot swap two
folders in one step).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import SetupError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: builds into one folder are not kept apart
    fcntl = None  # type: ignore[assignment]

MARKER = ".cmi-site"  # in every output folder the build makes, so a later build knows it may replace it
MARKER_TEXT = b"This folder is made by cmi-site (cmi-site build): each build replaces everything in it.\n"
WORK_MARKER = ".cmi-site-work"
WORK_TEXT = b"cmi-site's work folder for the output folder beside it: the previous site and builds in progress.\n"
LEGACY_LOOK = ("index.html", "assets/")  # what every site made before the MARKER had at its top


def shown(path: Path | str) -> str:
    """A path for a one-line message: control characters escaped."""
    return "".join(c.encode("unicode_escape").decode() if unicodedata.category(c)[0] == "C" else c for c in str(path))


@dataclass(frozen=True)
class OutputFolder:
    """An output folder (its real path) and the places beside it that the build uses."""

    output: Path

    @classmethod
    def of(cls, output: Path) -> OutputFolder:
        return cls(Path(os.path.realpath(output)))

    @property
    def work(self) -> Path:
        return self.output.parent / f".{self.output.name}.cmi-site"

    @property
    def spare(self) -> Path:
        """The previous site, made into the next one by the next build."""
        return self.work / "previous"

    @property
    def swap(self) -> Path:
        return self.work / "swap"

    def make_work(self) -> Path:
        """The work folder, made (and marked) when missing."""
        if not (self.work / WORK_MARKER).is_file():
            self.work.mkdir(parents=True, exist_ok=True)
            _check_work(self.work)
            (self.work / WORK_MARKER).write_bytes(WORK_TEXT)
        return self.work

    def new_staging(self) -> Path:
        """A fresh folder in the work folder for the files of one build."""
        return Path(tempfile.mkdtemp(prefix="staging-", dir=self.make_work()))

    @staticmethod
    def drop_staging(staging: Path) -> None:
        """Remove a staging folder of new_staging() (gone already, after a first build renamed it to the output)."""
        with contextlib.suppress(OSError):
            remove_tree(staging)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Only one build at a time writes beside this output (a preview's and a build's, say): an
        exclusive lock on the folder the output is in, which the system drops when the process ends."""
        self.output.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(self.output.parent, os.O_RDONLY)
        global _held
        try:
            if fcntl is not None:
                with contextlib.suppress(OSError):  # a file system without locks: go on without
                    fcntl.flock(handle, fcntl.LOCK_EX)
            _held = handle
            yield
        finally:
            _held = None
            os.close(handle)

    def recover(self) -> None:
        """Put right what a killed build left: finish or undo a swap, remove staging folders (under the lock)."""
        _remove_legacy_leftovers(self)
        if not self.work.exists():
            return
        _check_work(self.work)
        for mine in (self.swap, self.spare):  # a link (or a file) where the build keeps a folder, as a pull
            if mine.is_symlink() or (os.path.lexists(mine) and not mine.is_dir()):  # request can commit one:
                remove_tree(mine)  # removed, never followed (previous -> .. would be the project)
        if self.swap.is_dir():  # killed between the steps of commit.exchange's fallback
            if not self.output.exists():
                os.rename(self.swap, self.output)  # the old site goes back
            elif not self.spare.exists():
                os.rename(self.swap, self.spare)  # the new site is in; the old one is the spare
            else:
                remove_tree(self.swap)
        for entry in self.work.iterdir():
            if entry.name.startswith("staging-"):
                remove_tree(entry)


def remove_tree(path: Path) -> None:
    """Delete the folder path and all in it (or the file or link path), never following a link and
    however deep it goes. shutil.rmtree recurses (a tree a thousand folders deep, as a pull request
    can commit one, is a RecursionError) and a deep path outgrows PATH_MAX, so here every step names
    one entry of an open folder, and a few more than OPEN_FOLDERS descriptors are open at most
    (_empty). A folder of another file system inside (a mount) is an error before anything in it goes."""
    if os.open not in os.supports_dir_fd:  # pragma: no cover - Windows: no folder descriptors
        shutil.rmtree(path)
        return
    parent = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            top = os.open(path.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)
        except OSError as err:
            if err.errno not in (errno.ENOTDIR, errno.ELOOP):
                raise
            os.unlink(path.name, dir_fd=parent)  # a file, or a link (never what it points at)
            return
        try:
            _empty(top)
        except OSError as err:
            if err.errno != errno.EXDEV:
                raise
            raise OSError(errno.EXDEV, "a folder of another file system (a mount) is inside; unmount it and build again",
                          f"{path}/.../{err.filename}") from err  # fmt: skip
        finally:
            os.close(top)
        os.rmdir(path.name, dir_fd=parent)
    finally:
        os.close(parent)


OPEN_FOLDERS = 32  # folders _empty holds open at once; a subtree deeper than that is emptied by _lift


def _empty(top: int) -> None:
    """Delete everything in the open folder top, depth first: each folder's files, then its folders,
    each emptied in turn and removed. Below OPEN_FOLDERS folders the rest of a subtree is emptied by
    _lift, which holds two open. (_lift alone renamed every entry up to the top, one level at a time:
    three times as long as this for the 17,000 files of a site at 10,000 stories.)"""
    device = os.fstat(top).st_dev
    stack: list[tuple[int, str, list[str]]] = [(top, "", _files_gone(top))]  # open folder, its name, folders left in it
    try:
        while stack:
            here, name, folders = stack[-1]
            if not folders:
                stack.pop()
                if stack:
                    os.close(here)
                    os.rmdir(name, dir_fd=stack[-1][0])
                continue
            inner_name = folders.pop()
            inner = _open_inner(inner_name, here, device)
            if inner is None:  # an empty folder it may not read, removed
                continue
            if len(stack) < OPEN_FOLDERS:
                try:
                    stack.append((inner, inner_name, _files_gone(inner)))
                except BaseException:
                    os.close(inner)
                    raise
                continue
            try:
                _lift(inner)
            finally:
                os.close(inner)
            os.rmdir(inner_name, dir_fd=here)
    finally:
        for here, _, _ in stack[1:]:
            os.close(here)


def _open_inner(name: str, folder: int, device: int) -> int | None:
    """The folder name in the open folder, opened (never through a link); None when it could not be
    read but, being empty, was removed. A mount of another file system is an error (EXDEV), as
    lifting made it before: nothing of another file system is deleted."""
    try:
        inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
    except PermissionError:
        os.rmdir(name, dir_fd=folder)  # may fail too (not empty): then that error is raised
        return None
    if os.fstat(inner).st_dev != device:
        os.close(inner)
        raise OSError(errno.EXDEV, "a folder of another file system (a mount) is inside", name)
    return inner


def _listing(folder: int) -> list[tuple[str, bool]]:
    """The entries of the open folder: (name, whether it is a folder, never through a link)."""
    with os.scandir(folder) as found:
        return [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in found]


def _files_gone(folder: int) -> list[str]:
    """Delete the files and links in the open folder; the names of the folders in it."""
    entries = _listing(folder)
    for name, is_folder in entries:
        if not is_folder:
            os.unlink(name, dir_fd=folder)
    return [name for name, is_folder in entries if is_folder]


def _lift(top: int) -> None:
    """Delete everything in the open folder top, holding no more than one other folder open: its files
    and empty folders go; the entries of its other folders are renamed into top (one level up),
    until nothing is left."""
    lifted = 0
    while True:
        entries = _listing(top)
        if not entries:
            return
        for name, folder in entries:
            if not folder:
                os.unlink(name, dir_fd=top)
                continue
            with contextlib.suppress(OSError):  # not empty: lift what is in it first
                os.rmdir(name, dir_fd=top)
                continue
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=top)
            try:
                with os.scandir(inner) as found:
                    children = [entry.name for entry in found]
                for child in children:
                    while True:  # a free name in top: another entry may have it (or a folder not empty)
                        lifted += 1
                        try:
                            os.rename(child, f".removing-{lifted}", src_dir_fd=inner, dst_dir_fd=top)
                            break
                        except OSError as err:
                            if err.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR):
                                raise
            finally:
                os.close(inner)
            os.rmdir(name, dir_fd=top)


_held: int | None = None  # the lock's descriptor in this process: forked children close their copy


def _close_in_child() -> None:
    global _held
    if _held is not None:
        with contextlib.suppress(OSError):
            os.close(_held)
        _held = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_child)


def _check_work(work: Path) -> None:
    if work.is_symlink() or not work.is_dir() or (any(work.iterdir()) and not (work / WORK_MARKER).is_file()):
        raise SetupError(f"{shown(work)} is in the way: cmi-site keeps its work there, but it was not made by cmi-site; move it away")


def check_output(output: Path, content: Path, templates: Path, root: Path, cache: Path | None) -> OutputFolder:
    """The output folder, when the build may replace it; SetupError (one line) saying why not."""
    folder = OutputFolder.of(output)
    real = folder.output
    named = {"working": root, "content": content, "templates": templates, "build cache": cache}
    folders = {name: other for name, other in named.items() if other is not None}
    overlaps = _overlaps(real, folders)
    if overlaps:
        name, relation = overlaps[0]
        raise SetupError(f"refusing to build into {shown(output)}: it {relation} the {name} folder ({shown(folders[name])}), "
                         "and the build replaces the output folder as a whole; choose another --output (the default is _site)")  # fmt: skip
    if (real.parent / WORK_MARKER).is_file():
        raise SetupError(f"refusing to build into {shown(output)}: it is inside cmi-site's work folder ({shown(real.parent)})")
    check_replaceable(real, output)
    return folder


def _overlaps(real: Path, folders: dict[str, Path]) -> list[tuple[str, str]]:
    """How the output (its real path) overlaps folders it must not touch: (name, relation), the plainest
    first: the output is one of them, then it holds one (the working folder first), then it is inside one."""
    found: list[tuple[int, str, str]] = []
    for name, other in folders.items():
        theirs = Path(os.path.realpath(other))
        if real == theirs:
            found.append((0, name, "is"))
        elif theirs.is_relative_to(real):
            found.append((1, name, "holds"))
        elif real.is_relative_to(theirs) and name != "working":  # the output is usually inside the working folder
            found.append((2, name, "is inside"))
    return [(name, relation) for _, name, relation in sorted(found, key=lambda f: f[0])]


def check_replaceable(real: Path, output: Path | str) -> None:
    """Refuse (SetupError) an output folder (real: its real path) that is not one this builder made
    (or an empty one), or that is on another file system than its parent."""
    given = shown(output)
    if not os.path.lexists(real):
        return
    if not real.is_dir():
        raise SetupError(f"the output path {given} exists and is not a folder")
    if os.stat(real).st_dev != os.stat(real.parent).st_dev:
        raise SetupError(f"{given} is a mount point (another file system than the folder it is in): the build makes the "
                         f"new site beside it and swaps the two, so give a folder inside it, e.g. --output {given}/site")  # fmt: skip
    with os.scandir(real) as found:
        entries = {entry.name: entry for entry in found}
    marker = entries.get(MARKER)
    if not entries or (marker is not None and marker.is_file(follow_symlinks=False)) or _looks_built(entries):
        return
    raise SetupError(f"refusing to replace {given}: it is not empty and was not made by cmi-site (it has no {MARKER} file); "
                     "move it away or choose another --output")  # fmt: skip


def _looks_built(entries: dict[str, os.DirEntry[str]]) -> bool:
    """A site made before the marker existed: index.html and assets/ at its top, and nothing hidden
    or linked there (a project, a home folder or a repository has a .git, a .gitignore or dotfiles)."""
    if any(name.startswith(".") or entry.is_symlink() for name, entry in entries.items()):
        return False
    return all(
        name.rstrip("/") in entries and entries[name.rstrip("/")].is_dir() == name.endswith("/") for name in LEGACY_LOOK
    )


def _remove_legacy_leftovers(folder: OutputFolder) -> None:
    """Temporary folders earlier versions left beside the output when killed: `.<name>.tmp-XXXXXXXX`
    (a staging folder) and `.<name>.old-XXXXXXXX` (the old site, in `site`, or numbered old files).
    Only folders of exactly that shape, owned by this user, are touched. An old site whose output
    folder is missing (killed between the two renames of that version's swap) is put back."""
    parent, name = folder.output.parent, folder.output.name
    shape = re.compile(rf"\.{re.escape(name)}\.(tmp|old)-[a-z0-9_]{{8}}")
    if not parent.is_dir():
        return
    for entry in sorted(parent.iterdir()):
        found = shape.fullmatch(entry.name)
        if found is None or entry.is_symlink() or not entry.is_dir() or entry.stat().st_uid != os.getuid():
            continue
        inside = {child.name for child in entry.iterdir()}
        if found.group(1) == "old" and not all(re.fullmatch(r"site|\d+", child) for child in inside):
            continue
        if inside == {"site"} and not os.path.lexists(folder.output):
            os.rename(entry / "site", folder.output)
        remove_tree(entry)
