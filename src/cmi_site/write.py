"""Write stage: files -> an output folder, atomically.

Everything is written into a fresh temporary folder beside the output; only when every file is
written is it swapped in. A failed build, or one stopped half-way, leaves the previous site exactly
as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import SetupError
from .render import Output


def check_outputs(outputs: Iterable[Output]) -> list[Output]:
    """Refuse two files at one path, and any path that would land outside the output folder."""
    seen: set[str] = set()
    checked = []
    for out in outputs:
        parts = [part for part in out.path.split("/") if part not in ("", ".")]  # PurePosixPath's parts, faster
        if out.path.startswith("/") or ".." in parts or not parts:
            raise SetupError(f"refusing to write outside the output folder: {out.path}")
        if out.path in seen:
            raise SetupError(f"two pages would be written to the same file: {out.path}")
        seen.add(out.path)
        checked.append(out)
    return checked


def write_tree(outputs: list[Output], folder: Path) -> None:
    """Write every output under folder (which must exist)."""
    made: set[Path] = set()
    for out in outputs:
        target = folder / out.path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(out.data)


def swap_in(new: Path, output: Path) -> None:
    """Replace output with new: the old tree is moved aside, the new one renamed in, the old removed."""
    if output.exists() and not output.is_dir():
        raise SetupError(f"the output path {output} exists and is not a folder")
    old = None
    if output.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
        os.rename(output, old / "site")
    os.rename(new, output)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_site(outputs: Iterable[Output], output: Path) -> int:
    """Write all outputs to output atomically; returns how many files were written."""
    checked = check_outputs(outputs)
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-", dir=output.parent))
    try:
        write_tree(checked, staging)
        os.chmod(staging, 0o755)  # noqa: S103 - a site is for everyone to read; mkdtemp made it 0o700
        swap_in(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(checked)


def create_file(path: Path, text: str) -> None:
    """Write a new text file; FileExistsError if it is already there (never overwrite an editor's work)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


# ---- incremental writing: only files whose bytes changed ------------------------------------------

FileStat = tuple[int, int, int]  # size, modification time (ns), inode: how a file is known to be unchanged


def new_staging(output: Path) -> Path:
    """A fresh temporary folder beside the output, for the files of one build."""
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-", dir=output.parent))


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


def _conflicts(paths: set[str], existing: dict[str, FileStat]) -> bool:
    """True when a new file needs a folder where an old file is, or the other way round."""
    folders = {"/".join(p.split("/")[:n]) for p in [*paths, *existing] for n in range(1, p.count("/") + 1)}
    return bool(folders & (paths | set(existing)))


def commit_changes(output: Path, staging: Path, staged: set[str], keep: set[str], existing: dict[str, FileStat]) -> None:
    """Make the output hold the staged files and the kept ones, and nothing else, then remove staging.

    When most files are new (or the output is missing), the kept files are linked into staging and
    the folders swapped, as write_site does. Otherwise each changed file is renamed into place, the
    file it replaces moved aside first; if anything fails, every step is undone, so the output is
    either the old site or the new one.
    """
    output = output.resolve()
    removed = set(existing) - staged - keep
    try:
        if not output.is_dir() or len(staged) + len(removed) > len(keep) or _conflicts(staged | keep, existing):
            for path in sorted(keep):
                _link_or_copy(output / path, staging / path)
            os.chmod(staging, 0o755)  # noqa: S103 - a site is for everyone to read; mkdtemp made it 0o700
            swap_in(staging, output)
            return
        _replace_files(output, staging, staged, removed)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(source, target)


def _replace_files(output: Path, staging: Path, staged: set[str], removed: set[str]) -> None:
    """Rename staged files into output and move removed ones out, all or nothing."""
    aside = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
    done: list[tuple[Path, Path]] = []  # (from, to) renames, to undo in reverse
    made: list[Path] = []  # folders created, likewise
    try:
        for index, path in enumerate(sorted(staged | removed)):
            target = output / path
            if target.exists():
                backup = aside / str(index)
                os.rename(target, backup)
                done.append((target, backup))
            if path in staged:
                made += _make_folders(target.parent)
                os.rename(staging / path, target)
                done.append((staging / path, target))
    except BaseException:
        for source, moved in reversed(done):
            os.rename(moved, source)
        for folder in reversed(made):
            folder.rmdir()
        raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)
    _remove_empty_folders(output, removed)


def _make_folders(folder: Path) -> list[Path]:
    """Create folder and any missing parents; returns the ones created, outermost first."""
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir()
    return list(reversed(missing))


def _remove_empty_folders(output: Path, removed: set[str]) -> None:
    """Folders left empty by removed files go too (deepest first), as a fresh build would not have them."""
    folders = {"/".join(p.split("/")[:n]) for p in removed for n in range(1, p.count("/") + 1)}
    for folder in sorted(folders, key=lambda f: f.count("/"), reverse=True):
        with contextlib.suppress(OSError):  # not empty
            (output / folder).rmdir()
