"""Write stage: files -> an output folder, atomically.

Everything is written into a fresh temporary folder beside the output; only when every file is
written is it swapped in. A failed build, or one stopped half-way, leaves the previous site exactly
as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from .errors import SetupError
from .render import Output


def check_outputs(outputs: Iterable[Output]) -> list[Output]:
    """Refuse two files at one path, and any path that would land outside the output folder."""
    seen: set[str] = set()
    checked = []
    for out in outputs:
        path = PurePosixPath(out.path)
        if path.is_absolute() or ".." in path.parts or not path.parts:
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
        os.chmod(staging, 0o755)
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
