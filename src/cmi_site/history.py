"""When each story and signatory file last changed, from the git history: the date of the last
commit that touched it (its committer date, as recorded in the commit, so the same commit always
gives the same dates). Nothing without git, outside a git checkout, or in a shallow clone, whose
history is cut short and would give wrong dates.

Only git's own output is read (no file of the checkout is opened here); file names are NUL-separated,
so any name is read whole.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

FOLDERS = ("stories", "signatories")  # the collections whose pages say when they last changed
TIMEOUT = 120  # seconds: a history too slow to read is left out, never a failed build
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_COMMIT = "\x01"  # starts each commit's record in the log (the build refuses names with control characters)


def _git(content: Path, *args: str) -> str | None:
    """git's output for args, run in the content folder, or None when it fails or is not there."""
    command = ["git", "-C", os.fspath(content), "-c", "core.quotePath=false", "--no-pager", *args]
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False, env=env)  # noqa: S603
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.decode("utf-8", "surrogateescape") if done.returncode == 0 else None


def parse_log(log: str) -> dict[str, dt.date]:
    """`git log --format=%x01%cs --name-only -z` (newest first) -> path: date of the newest commit that touched it."""
    dates: dict[str, dt.date] = {}
    for record in log.split(_COMMIT)[1:]:
        day, _, names = record.partition("\0")
        if not _DATE.fullmatch(day):
            continue
        for name in names.removeprefix("\n").split("\0"):
            if name:
                dates.setdefault(name, dt.date.fromisoformat(day))
    return dates


def last_changed(content: Path, folders: Sequence[str] = FOLDERS) -> dict[str, dt.date]:
    """The content folder -> {path within it ('stories/x.md'): date of the last commit that touched it};
    {} without git, outside a git checkout, or in a shallow clone."""
    if (_git(content, "rev-parse", "--is-shallow-repository") or "").strip() != "false":
        return {}
    log = _git(content, "log", "--no-renames", "--format=%x01%cs", "--name-only", "-z", "--relative", "--", *folders)
    return parse_log(log) if log is not None else {}
