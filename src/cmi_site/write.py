"""Write stage: what may be written (check_outputs), staging files, and what the output holds.

How the new site replaces the old one in one step is commit.py; which folders may be replaced, and
the work folder beside the output, outdir.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .errors import SetupError
from .models import Output
from .outdir import MARKER, shown


class WriteFailed(SetupError):
    """The site could not be written (disk full, read-only, ...): the output folder was left as it was."""


def write_failed(err: OSError, output: Path) -> WriteFailed:
    """The one-line message for a system error while writing into output."""
    where = f": {shown(err.filename)}" if err.filename else ""
    return WriteFailed(f"could not write the site ({err.strerror or err}{where}); {shown(output)} was left as it was")


def check_outputs(outputs: Iterable[Output]) -> list[Output]:
    """Refuse two files at one path, and any path that would land outside the output folder."""
    seen: set[str] = set()
    checked = []
    for out in outputs:
        parts = [part for part in out.path.split("/") if part not in ("", ".")]  # PurePosixPath's parts, faster
        if out.path.startswith("/") or ".." in parts or not parts:
            raise SetupError(f"refusing to write outside the output folder: {shown(out.path)}")
        if out.path in seen:
            raise SetupError(f"two pages would be written to the same file: {shown(out.path)}")
        if out.path == MARKER:
            raise SetupError(f"{MARKER} is the name of the file that marks a folder cmi-site made; a page cannot use it")
        seen.add(out.path)
        checked.append(out)
    clash = min(_folders(seen) & seen, default=None)
    if clash is not None:
        raise SetupError(f"a file and a folder would have the same path in the site: {shown(clash)}")
    return checked


def _folders(paths: Iterable[str]) -> set[str]:
    """Every folder the paths are in (each walked up only until a folder already seen)."""
    folders: set[str] = set()
    for path in paths:
        folder = path.rpartition("/")[0]
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    return folders


def create_file(path: Path, text: str) -> None:
    """Write a new text file; FileExistsError if it is already there (never overwrite an editor's work)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


# ---- incremental writing: only files whose bytes changed ------------------------------------------

FileStat = tuple[int, int, int]  # size, modification time (ns), inode: how a file is known to be unchanged


def stage_file(staging: Path, path: str, data: bytes) -> FileStat:
    """Write one file into the staging folder; returns its stat (kept when it is renamed into place)."""
    target = staging / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    info = target.stat()
    return info.st_size, info.st_mtime_ns, info.st_ino


def scan_output(output: Path) -> dict[str, FileStat]:
    """Every file in the output folder (relative POSIX path -> stat); empty when there is none."""
    found: dict[str, FileStat] = {}
    if not output.is_dir():
        return found
    stack: list[tuple[str | Path, str]] = [(output, "")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, f"{prefix}{entry.name}/"))
                else:
                    info = entry.stat(follow_symlinks=False)
                    found[f"{prefix}{entry.name}"] = (info.st_size, info.st_mtime_ns, info.st_ino)
    return found


def scan_inodes(folder: Path) -> dict[str, int]:
    """Every file in folder (relative POSIX path -> inode), from the folders' listings alone: no file
    is looked at, so it costs about half of scan_output."""
    found: dict[str, int] = {}
    stack: list[tuple[str | Path, str]] = [(folder, "")] if folder.is_dir() else []
    while stack:
        where, prefix = stack.pop()
        with os.scandir(where) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, f"{prefix}{entry.name}/"))
                else:
                    found[f"{prefix}{entry.name}"] = entry.inode()
    return found
