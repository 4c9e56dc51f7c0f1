"""The output folder: the work folder beside it, the lock, and putting right what a build that was
killed left behind. Every output folder the build writes holds a MARKER file.

Beside the output, `.<name>.cmi-site/` (the work folder, marked by WORK_MARKER) holds the previous
site (`previous/`, the next build's starting point, see commit.py), the staging folder of a build
in progress (`staging-*`) and, for a moment, `swap/` (commit.exchange on systems that cannot swap two
folders in one step).
"""

from __future__ import annotations

import contextlib
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
        if self.swap.is_dir():  # killed between the steps of commit.exchange's fallback
            if not self.output.exists():
                os.rename(self.swap, self.output)  # the old site goes back
            elif not self.spare.exists():
                os.rename(self.swap, self.spare)  # the new site is in; the old one is the spare
            else:
                shutil.rmtree(self.swap)
        for entry in self.work.iterdir():
            if entry.name.startswith("staging-"):
                shutil.rmtree(entry)


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
        shutil.rmtree(entry)
