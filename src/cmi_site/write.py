"""Write stage: [Output | Kept | Staged] -> the output folder, in one step (commit.py).

write_site stages each new file as it comes (so a site of 14,000 pages is never all in memory), leaves
each Kept file as it is, and then makes the output hold exactly those, in one atomic step. Which
folders may be replaced, the lock and the work folder beside the output are outdir.py's.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .commit import FileStat, commit_changes, file_stat, prepare_spare
from .errors import SetupError
from .models import Output
from .outdir import MARKER, MARKER_TEXT, OutputFolder, shown


class WriteFailed(SetupError):
    """The site could not be written (disk full, read-only, ...): the output folder was left as it was."""


def write_failed(err: OSError, output: Path) -> WriteFailed:
    """The one-line message for a system error while writing into output."""
    where = f": {shown(err.filename)}" if err.filename else ""
    return WriteFailed(f"could not write the site ({err.strerror or err}{where}); {shown(output)} was left as it was")


@dataclass(frozen=True)
class Kept:
    """A file the output folder already holds with this build's bytes (the build cache knows it): left as it is."""

    path: str


@dataclass(frozen=True)
class Staged:
    """A file the engine has already written into the staging folder it was given (stage_new, in a
    render worker): its stat and size. The writer checks its path like any other's."""

    path: str
    stat: FileStat
    size: int


@dataclass(frozen=True)
class Written:
    """What write_site did."""

    files: int  # in the site (the MARKER not counted)
    written: int  # files whose bytes were written (the rest were kept)
    bytes_written: int
    stats: dict[str, FileStat]  # every file of the output folder now


class PathCheck:
    """The paths of one site, checked as they come, before each is written: none outside the output
    folder, none twice, none the MARKER's, no file where a folder must be (or the other way round)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.folders: set[str] = set()

    def add(self, path: str) -> None:
        parts = [part for part in path.split("/") if part not in ("", ".")]  # PurePosixPath's parts, faster
        if path.startswith("/") or ".." in parts or not parts:
            raise SetupError(f"refusing to write outside the output folder: {shown(path)}")
        if path in self.seen:
            raise SetupError(f"two pages would be written to the same file: {shown(path)}")
        if path == MARKER:
            raise SetupError(f"{MARKER} is the name of the file that marks a folder cmi-site made; a page cannot use it")
        if path in self.folders:
            raise _clash(path)
        folder = path.rpartition("/")[0]
        while folder and folder not in self.folders:  # each folder walked up only until one already seen
            if folder in self.seen:
                raise _clash(folder)
            self.folders.add(folder)
            folder = folder.rpartition("/")[0]
        self.seen.add(path)


def _clash(path: str) -> SetupError:
    return SetupError(f"a file and a folder would have the same path in the site: {shown(path)}")


def write_site(files: Iterable[Output | Kept | Staged], output: Path, existing: dict[str, FileStat] | None = None,
               staging: Path | None = None) -> Written:  # fmt: skip
    """Make the output folder hold exactly these files, in one step, whatever happens (commit.py): new
    bytes are staged as they come, Kept files stay as they are. existing: commit.prepare_spare(output)
    when already made (in another process); run under OutputFolder.locked(), after recover().
    staging: a folder from the output's new_staging() that Staged files were written into (the
    caller's to remove, once whatever writes into it has stopped); else one is made here and removed
    here, however this ends. SetupError for a path that may not be written; WriteFailed for a system
    error (disk full, read-only ...); either way the output folder is as it was."""
    folder, paths = OutputFolder.of(output), PathCheck()
    made: Path | None = None
    try:
        try:
            existing = prepare_spare(folder.output) if existing is None else existing
            if staging is None:
                staging = made = folder.new_staging()
            staged, kept, size = _stage(files, folder, staging, paths, existing)
            commit_changes(folder, staging, set(staged), kept, existing)
        finally:
            if made is not None:
                folder.drop_staging(made)
    except OSError as err:
        raise write_failed(err, output) from err
    stats = {**{path: existing[path] for path in kept}, **staged}
    return Written(len(stats) - 1, len(staged) - (MARKER in staged), size, stats)  # the MARKER not counted


def _stage(files: Iterable[Output | Kept | Staged], folder: OutputFolder, staging: Path, paths: PathCheck,
           existing: dict[str, FileStat]) -> tuple[dict[str, FileStat], set[str], int]:  # fmt: skip
    """Stage each new file, note each kept one; the MARKER is kept when the output has it as it should be."""
    staged: dict[str, FileStat] = {}
    kept: set[str] = set()
    size = 0
    items = iter(files)
    for item in items:
        paths.add(item.path)
        if isinstance(item, Kept):
            if item.path not in existing:  # a bug in the build cache, never the content's doing
                raise RuntimeError(f"{item.path} was to be kept but the output folder does not have it")
            kept.add(item.path)
        elif isinstance(item, Staged):
            staged[item.path] = item.stat
            size += item.size
        else:
            try:
                staged[item.path] = stage_file(staging, item.path, item.data)
            except (FileExistsError, NotADirectoryError, IsADirectoryError):
                # A render worker already wrote a later page where this file or its folder must go
                # (stage_new): the later page's path is the mistake, which PathCheck reports when it
                # comes, as in a serial build.
                for rest in items:
                    paths.add(rest.path)
                raise
            size += len(item.data)
    if MARKER in existing and _marked(folder.output):
        kept.add(MARKER)
    else:
        staged[MARKER] = stage_file(staging, MARKER, MARKER_TEXT)
    return staged, kept, size


def _marked(output: Path) -> bool:
    """Whether the output folder's MARKER says what this version writes."""
    try:
        return (output / MARKER).read_bytes() == MARKER_TEXT
    except OSError:
        return False


def create_file(path: Path, text: str) -> None:
    """Write a new text file; FileExistsError if it is already there (never overwrite an editor's work)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def stage_file(staging: Path, path: str, data: bytes) -> FileStat:
    """Write one file into the staging folder; returns its stat (kept when it is renamed into place)."""
    return _write_into(staging, path, data, os.O_TRUNC)


def stage_new(staging: Path, path: str, data: bytes) -> Staged | None:
    """Write a page into the staging folder from a render worker, when that can be done without
    knowing the other paths of the site: None for a path PathCheck would refuse on its own, or one
    whose file or folder is already there (two pages at one path; a file where a folder is): the
    writer then stages it, and reports the mistake, as for any file. OSError as stage_file."""
    if path == MARKER or any(part in ("", ".", "..") for part in path.split("/")):  # "" also for a leading "/"
        return None
    try:
        return Staged(path, _write_into(staging, path, data, os.O_EXCL), len(data))
    except (FileExistsError, NotADirectoryError, IsADirectoryError):
        return None


def _write_into(staging: Path, path: str, data: bytes, mode: int) -> FileStat:
    """data as staging/path (its folders made), opened with mode (O_TRUNC or O_EXCL), never through a link."""
    target = os.path.join(staging, path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    handle = os.open(target, os.O_WRONLY | os.O_CREAT | mode | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
    try:
        with memoryview(data) as left:
            while left:
                left = left[os.write(handle, left):]
        return file_stat(os.fstat(handle))
    finally:
        os.close(handle)
