"""The build cache in .cache/build: what earlier builds worked out, keyed by what it was worked out from.

- docs: each document file, read and validated, keyed by a hash of the file's bytes, its path, the
  vocabulary it was checked against and the code version. A changed file gets a new key; nothing is
  ever looked up by name alone, so an entry cannot be stale.
- memo: what was worked out from one document for the site as a whole (its search index terms),
  keyed by a hash of everything it was worked out from, like docs.
- state (files in state/, one per name): the last build's page traces (what each page read, see track.py) and the manifest of the
  output folder (each file's hash, size, modification time and inode).
- templates/<code version>/: jinja2's compiled templates, each checked by jinja against a hash of its
  template's source before use (template_bytecode).

It is a cache and nothing more: delete the folder at any time and the next build is a cold one. A
cache file that cannot be read is thrown away, never trusted.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import os
import pickle
import shutil
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import jinja2

from .track import digest

PACKAGE = Path(__file__).resolve().parent
# Libraries whose output ends up in the site: a new version may change it.
LIBRARIES = ("jinja2", "markupsafe", "markdown", "nh3", "pyyaml")
SCHEMA = "2"  # bump when the tables change


@functools.cache
def code_version() -> str:
    """A hash of this package's source, the libraries it uses and the Python version."""
    return source_digest(PACKAGE)


def source_digest(package: Path) -> str:
    """A hash of a package's .py files, the versions of LIBRARIES and the Python version."""
    parts = [SCHEMA, sys.version]
    for name in LIBRARIES:
        try:
            parts.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{name}=?")
    for source in sorted(package.rglob("*.py")):
        parts += [source.relative_to(package).as_posix(), source.read_bytes().decode("utf-8", "replace")]
    return digest(*parts)


T = TypeVar("T")


def unpickle(blob: bytes, kind: type[T]) -> T | None:
    """A value pickled into the cache, or None when it cannot be read or is not a kind (a miss)."""
    try:
        value = pickle.loads(blob)  # noqa: S301 - our own file, in the project folder
    except Exception:  # noqa: BLE001 - an unreadable entry is a miss
        return None
    return value if isinstance(value, kind) else None


class BuildCache:
    """One SQLite file, docs (key -> pickled result) and memo (key -> pickled value), and state/ (name -> pickled value)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._db = self._open(folder / "cache.sqlite3")
        (folder / "state").mkdir(exist_ok=True)

    @staticmethod
    def _open(file: Path) -> sqlite3.Connection:
        file.parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(2):
            try:
                db = sqlite3.connect(file, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("CREATE TABLE IF NOT EXISTS docs (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
                db.execute("CREATE TABLE IF NOT EXISTS memo (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
                return db
            except sqlite3.DatabaseError:
                if attempt:
                    raise
                for stale in file.parent.glob(file.name + "*"):  # not a database: start again
                    stale.unlink()
        raise AssertionError("unreachable")

    def docs(self) -> Iterator[tuple[str, bytes]]:
        """Every cached document result, pickled, with its key (one at a time: they are many)."""
        yield from self._db.execute("SELECT key, value FROM docs")

    def add_docs(self, new: dict[str, bytes]) -> None:
        """Add document results."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?)", new.items())

    def drop_docs_except(self, used: Iterable[str]) -> None:
        """Drop every document result this build did not use (older versions of files)."""
        used_keys = set(used)
        with self._db:
            self._db.execute("BEGIN")
            stale = [(key,) for (key,) in self._db.execute("SELECT key FROM docs") if key not in used_keys]
            self._db.executemany("DELETE FROM docs WHERE key = ?", stale)

    def memo(self, keys: Iterable[str]) -> dict[str, Any]:
        """The memo entries there are of these keys, unpickled; an unreadable one is left out (a miss)."""
        wanted, found = set(keys), {}
        if len(wanted) < 500:
            rows = [self._db.execute("SELECT key, value FROM memo WHERE key = ?", (key,)).fetchone() for key in wanted]
        else:
            rows = [row for row in self._db.execute("SELECT key, value FROM memo") if row[0] in wanted]
        for row in rows:
            value = unpickle(row[1], object) if row is not None else None
            if value is not None:
                found[row[0]] = value
        return found

    def add_memo(self, values: dict[str, Any], keep: Iterable[str] | None = None) -> None:
        """Add memo entries; with keep, also drop every entry not in keep (nor added now)."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO memo VALUES (?, ?)",
                                 [(key, pickle.dumps(value, protocol=5)) for key, value in values.items()])  # fmt: skip
            if keep is not None:
                kept = set(keep) | values.keys()
                stale = [(key,) for (key,) in self._db.execute("SELECT key FROM memo") if key not in kept]
                self._db.executemany("DELETE FROM memo WHERE key = ?", stale)

    def state(self, name: str) -> Any:
        """A value saved by the last build, or None."""
        try:
            blob = self._state_file(name).read_bytes()
        except OSError:
            return None
        return unpickle(blob, object)

    def save_state(self, values: dict[str, Any]) -> None:
        """Save values, each whole or not at all (written aside, then renamed into place)."""
        for name, value in values.items():
            file = self._state_file(name)
            part = file.with_name(f"{file.name}.{os.getpid()}.part")
            part.write_bytes(pickle.dumps(value, protocol=5))
            os.replace(part, file)

    def _state_file(self, name: str) -> Path:
        """States are files, not rows: SQLite reads and writes a 10 MB value several times slower."""
        return self.folder / "state" / f"{digest(name)}.pickle"

    def close(self) -> None:
        self._db.close()


class _Bytecode(jinja2.FileSystemBytecodeCache):
    """jinja2's compiled-template files, where a file that cannot be read is a miss and one that
    cannot be written is not kept: never an error (the cache folder may be deleted at any time)."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - a damaged file (jinja2 only checks the magic and the marshal data)
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):  # the folder deleted, the disk full: compiled again next time
            super().dump_bytecode(bucket)


def template_bytecode(folder: Path | None) -> jinja2.BytecodeCache | None:
    """Compiled templates kept in the build cache folder: compiling the templates takes longer than
    rendering the pages of a small change. jinja2 keys each by the template's name and checks it
    against a hash of its source; the compiled code also depends on the environment's settings,
    which are in this package's code, so each code version has a folder (older ones are removed)."""
    if folder is None:
        return None
    parent = folder / "templates"
    where = parent / code_version()[:16]
    if not where.is_dir():
        if parent.is_dir():
            shutil.rmtree(parent, ignore_errors=True)
        where.mkdir(parents=True, exist_ok=True)
    return _Bytecode(str(where))
