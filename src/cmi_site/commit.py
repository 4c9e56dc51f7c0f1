"""Putting a new site in place of the old one in one step, whatever moment the build is killed at.

The output folder only ever changes by one atomic step, so at every instant it holds the whole old
site or the whole new one:
- when there is no output yet, the staging folder (holding the whole site) is renamed to it;
- otherwise the new site is made in the spare folder (outdir.OutputFolder.spare): a copy of the live
  site made of hard links (prepare_spare; no bytes are copied, and only what changed since the last
  build is touched), into which the changed files are renamed and from which the removed ones are
  taken. Then the spare and the output are exchanged (Linux: renameat2 RENAME_EXCHANGE, one step);
  the old site is now the spare, ready for the next build.

Everything before the exchange touches only the work folder, so a build killed then leaves the old
site as it was, and the next build starts again from what it finds. Where two folders cannot be
exchanged in one step, three renames do it (output -> swap, spare -> output, swap -> spare); a
build killed between the first two leaves no output folder for that moment, and the next one
(outdir.OutputFolder.recover) puts the old site back before anything else.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar, cast

from .outdir import OutputFolder, remove_tree

T = TypeVar("T")

FileStat = tuple[int, int, int]  # size, modification time (ns), inode: how a file is known to be unchanged
AT_FDCWD = -100
RENAME_EXCHANGE = 2  # renameat2(2): swap the two names, atomically
# What renameat2 answers when this system or file system cannot exchange (then three renames do it).
NO_EXCHANGE = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP}
# How far a scan of the output looks into folders. The build never writes a file that deep (its pages
# are a few folders down; content folders are read at most safe_files.MAX_FOLDER_DEPTH deep, with paths
# of at most safe_files.MAX_FOLDER_PATH bytes), so a deeper folder, or one with a longer path, is not
# the build's: it is scanned as one entry, "path/", never carried into the next site, and deleted from
# the spare. (A pull request can commit an output folder a thousand folders deep, or of names so long
# that a path to its bottom is more than the system takes.)
MAX_OUTPUT_DEPTH = 64
MAX_OUTPUT_PATH = 1024  # bytes


def _load_renameat2() -> Callable[..., int] | None:
    try:
        return cast(Callable[..., int], ctypes.CDLL(None, use_errno=True).renameat2)
    except (OSError, AttributeError):  # pragma: no cover - not glibc 2.28+ (or not Linux)
        return None


_renameat2 = _load_renameat2()


def exchange(new: Path, folder: OutputFolder) -> None:
    """Swap the folder `new` with the output folder: afterwards the output holds what `new` held and
    `new` the old site. One step where the system can; else three renames through folder.swap."""
    if _renameat2 is not None:
        found = _renameat2(AT_FDCWD, os.fsencode(new), AT_FDCWD, os.fsencode(folder.output), RENAME_EXCHANGE)
        code = ctypes.get_errno() if found != 0 else 0
        if code == 0:
            return
        if code not in NO_EXCHANGE:
            raise OSError(code, os.strerror(code), str(new), None, str(folder.output))
    os.rename(folder.output, folder.swap)
    try:
        os.rename(new, folder.output)  # between these two the output is missing: if killed, recover() puts it back
    except BaseException:
        os.rename(folder.swap, folder.output)
        raise
    with contextlib.suppress(OSError):  # the new site is in: should this fail, recover() finishes it
        os.rename(folder.swap, new)


def prepare_spare(output: Path) -> dict[str, FileStat]:
    """Make the spare hold the files of the live output, as hard links, touching only what differs;
    returns the live output's files (scan_output). With no output, there is no spare either."""
    folder = OutputFolder.of(output)
    live = scan_output(folder.output)
    if not folder.output.is_dir():
        if os.path.lexists(folder.spare):
            remove_tree(folder.spare)
        return live
    if folder.spare.is_symlink():  # recover() removes one first; never build the site through a link
        remove_tree(folder.spare)
    if not folder.spare.is_dir():
        folder.make_work()
        folder.spare.mkdir()
        os.chmod(folder.spare, 0o755)  # noqa: S103 - it becomes the site, for everyone to read
    mine = scan_inodes(folder.spare)
    stale = {path for path, inode in mine.items() if path not in live or live[path][2] != inode}  # not the same file
    remove_files(folder.spare, stale)
    files = {path: stat for path, stat in live.items() if not path.endswith("/")}  # not a folder too deep
    linked_ok = True
    for path in sorted(files):
        if path in stale or path not in mine:
            linked_ok = _link(folder.output / path, folder.spare / path, linked_ok)
    return files


def remove_files(folder: Path, paths: Iterable[str]) -> None:
    """Remove these files (relative paths; a path ending in "/" is a folder, removed with all in it)
    from folder, and the folders left empty by it."""
    parents: set[str] = set()
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            if path.endswith("/"):
                remove_tree(folder / path.rstrip("/"))
                path = path.rstrip("/")
            else:
                os.unlink(folder / path)
        parents.update("/".join(path.split("/")[:n]) for n in range(1, path.count("/") + 1))
    for parent in sorted(parents, key=lambda p: p.count("/"), reverse=True):
        with contextlib.suppress(OSError):  # not empty
            os.rmdir(folder / parent)


def _place(put: Callable[[Path, Path], object], source: Path, target: Path) -> None:
    """put(source, target) (a rename or a link), making target's folders first, or clearing the folder
    in its way (a file replacing a folder that held only files removed), when it has to."""
    try:
        put(source, target)
        return
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (IsADirectoryError, FileExistsError):
        if target.is_symlink() or not target.is_dir():
            raise
        remove_tree(target)
    put(source, target)


def _hard_link(source: Path, target: Path) -> None:
    os.link(source, target, follow_symlinks=False)


def _link(source: Path, target: Path, links: bool) -> bool:
    """Hard-link source as target (a copy where links cannot be made); returns whether links can."""
    if links:
        try:
            _place(_hard_link, source, target)
            return True
        except OSError as err:
            if err.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV):
                raise
    _place(functools.partial(shutil.copy2, follow_symlinks=False), source, target)
    return False


def commit_changes(folder: OutputFolder, staging: Path, staged: set[str], keep: set[str], existing: dict[str, FileStat]) -> None:
    """Make the output hold the staged files and the kept ones, and nothing else, in one step.

    existing: the live output's files, as prepare_spare left the spare (a copy of them). Errors
    come before the step that changes the output, which is then as it was; staging is left to the caller.
    """
    if not folder.output.is_dir():
        os.chmod(staging, 0o755)  # noqa: S103 - a site is for everyone to read; mkdtemp made it 0o700
        os.rename(staging, folder.output)
        with contextlib.suppress(OSError):  # the spare, so that the next build changes only what changed
            prepare_spare(folder.output)
        return
    spare = folder.spare
    remove_files(spare, set(existing) - staged - keep)
    for path in sorted(staged):
        _place(os.rename, staging / path, spare / path)
    exchange(spare, folder)


def scan_output(output: Path) -> dict[str, FileStat]:
    """Every file in the output folder (relative POSIX path -> stat), and every folder too deep or
    too long a path to look into (_scan: "path/" -> its stat); empty when there is no output."""
    return _scan(output, lambda entry: file_stat(entry.stat(follow_symlinks=False)))


def scan_inodes(folder: Path) -> dict[str, int]:
    """Every file in folder (relative POSIX path -> inode), from the folders' listings alone: no file
    is looked at, so it costs about half of scan_output."""
    return _scan(folder, lambda entry: entry.inode())


def file_stat(info: os.stat_result) -> FileStat:
    """What of a file's stat says it is unchanged."""
    return (info.st_size, info.st_mtime_ns, info.st_ino)


def _scan(folder: Path, of: Callable[[os.DirEntry[str]], T]) -> dict[str, T]:
    """Every file below folder (relative POSIX path -> of(its entry)), without following links, and
    every folder MAX_OUTPUT_DEPTH folders down or with a path longer than MAX_OUTPUT_PATH ("path/":
    not looked into); empty when there is no folder (or a link where it should be)."""
    found: dict[str, T] = {}
    stack: list[tuple[str | Path, str, int]] = [(folder, "", 1)] if folder.is_dir() and not folder.is_symlink() else []
    while stack:
        where, prefix, depth = stack.pop()
        with os.scandir(where) as entries:
            for entry in entries:
                if not entry.is_dir(follow_symlinks=False):
                    found[f"{prefix}{entry.name}"] = of(entry)
                elif depth >= MAX_OUTPUT_DEPTH or len(os.fsencode(prefix + entry.name)) > MAX_OUTPUT_PATH:
                    found[f"{prefix}{entry.name}/"] = of(entry)
                else:
                    stack.append((entry.path, f"{prefix}{entry.name}/", depth + 1))
    return found
