"""What a build cache may trust, and where it may be kept.

The cache folder (.cache/build) is in the project, where a pull request can add any file. So every
entry is sealed with a keyed hash under a secret kept outside the project (an entry whose seal is not
this machine's is a miss: never unpickled or run), and a cache folder reached through a symbolic
link, or holding one, is not used at all (unusable_cache): the build goes on as with --no-cache.
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import os
import pickle
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


# ---- sealing: only what this machine's builds wrote is ever unpickled or run ----------------------
#
# The cache folder is in the project, and a pull request can add files anywhere in it: a pickle or a
# compiled template committed as .cache/build/... would run code in CI when read. So every entry is
# sealed with a keyed hash (HMAC-SHA256) under a secret kept outside the project, in the user's own
# cache folder; an entry whose seal does not match is a miss, never unpickled or run.

SEAL_SIZE = 32


def _key_file() -> Path | None:
    """Where this user's cache key is kept: $XDG_CACHE_HOME/cmi-site, or ~/.cache/cmi-site (None
    when neither is an absolute path: then it could be inside the project)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "cmi-site", "cache-key") if os.path.isabs(base) else None


@functools.cache
def cache_key() -> bytes:
    """This user's secret for sealing cache entries, made on first use (mode 0600). When it can be
    neither read nor made, a key for this process alone: every entry of earlier builds is a miss."""
    file = _key_file()
    if file is None:
        return os.urandom(32)
    with contextlib.suppress(OSError):
        key = file.read_bytes()
        if len(key) == 32:
            return key
    key = os.urandom(32)
    part = file.with_name(f"{file.name}.{os.getpid()}.part")
    try:
        file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(key)
        os.link(part, file)  # fails when another build made one meanwhile: then use that one
    except FileExistsError:
        with contextlib.suppress(OSError):
            found = file.read_bytes()
            key = found if len(found) == 32 else key
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            part.unlink()
    return key


def _mac(data: bytes | memoryview) -> bytes:
    """The keyed hash of data: HMAC-SHA256, which OpenSSL computes with the processor's SHA
    instructions, about twice as fast as keyed BLAKE2b here (the cache reads ~100 MB a build)."""
    return hmac.digest(cache_key(), data, "sha256")


def seal(data: bytes) -> bytes:
    """data with its seal in front (what unseal checks)."""
    return _mac(data) + data


def unseal(blob: bytes) -> memoryview | None:
    """The data of a sealed entry (a view of blob, not a copy), or None when its seal is not this
    user's (not written by a build here)."""
    if len(blob) < SEAL_SIZE:
        return None
    data = memoryview(blob)[SEAL_SIZE:]
    return data if hmac.compare_digest(_mac(data), blob[:SEAL_SIZE]) else None


def unpickle(blob: bytes, kind: type[T]) -> T | None:
    """A value pickled and sealed into the cache, or None when its seal is not ours, it cannot be read
    or is not a kind (a miss)."""
    data = unseal(blob) if type(blob) is bytes else None
    if data is None:
        return None
    try:
        value = pickle.loads(data)  # noqa: S301 - sealed by a build on this machine (above)
    except Exception:  # noqa: BLE001 - an unreadable entry is a miss
        return None
    return value if isinstance(value, kind) else None


def sealed_pickle(value: Any) -> bytes:
    """value pickled and sealed, as the cache keeps it."""
    return seal(pickle.dumps(value, protocol=5))


def linked_folder(folder: Path, root: Path) -> str | None:
    """The first part of the cache folder's path (below root, or the folder itself when it is not
    under root) that is a symbolic link, or None. A pull request could commit .cache as a link to
    any folder of the machine, for the build to write its files there: such a folder is not used."""
    where, base = os.path.abspath(folder), os.path.abspath(root)
    rel = os.path.relpath(where, base)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return where if os.path.islink(where) else None
    current = base
    for part in rel.split(os.sep):
        current = os.path.join(current, part)
        if part not in ("", os.curdir) and os.path.islink(current):
            return current
    return None


CACHE_DEPTH = 2  # folders inside each other that a build makes in its cache folder (templates/<code version>)


def unusable_cache(folder: Path, root: Path) -> str | None:
    """Why the cache folder must not be used, or None. A pull request can commit anything below
    .cache/build, though builds never make a symbolic link there, nor folders more than CACHE_DEPTH
    deep: a link as the folder (or one of the folders above it, below root: linked_folder) or anywhere
    inside it (state/ or templates/ as a link, a state file, the database or its journal) would take
    the build's writes, or its reads, anywhere on the machine, and a tree deeper than a build makes
    is not a build's either (a thousand folders deep, it once broke the deleting of old compiled
    templates). Then the build goes on without the cache, as with --no-cache."""
    link = linked_folder(folder, root)
    if link is not None:
        return f"its folder is reached through a symbolic link ({link})"
    return _foreign_inside(folder)


def _foreign_inside(folder: Path) -> str | None:
    """What below folder a build never makes (the first symbolic link, or folder too deep, in sorted
    order), without following any link; None when there is nothing. A loop with its own stack: a
    committed tree a thousand folders deep is walked, not a RecursionError (os.walk recurses)."""
    stack = [(os.fspath(folder), 0)]
    while stack:
        where, depth = stack.pop()
        try:
            with os.scandir(where) as found:
                entries = sorted(found, key=lambda entry: entry.name)
        except OSError:  # gone, not a folder, or not readable: nothing of it can be used either
            continue
        for entry in entries:
            if entry.is_symlink():
                return f"it holds a symbolic link, which a build never makes ({entry.path})"
        folders = [entry.path for entry in entries if entry.is_dir(follow_symlinks=False)]
        if folders and depth >= CACHE_DEPTH:
            return f"it holds folders inside each other deeper than a build makes them ({folders[0]})"
        stack.extend((path, depth + 1) for path in reversed(folders))
    return None
