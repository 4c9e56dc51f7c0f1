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
cache file that cannot be read is a miss, never trusted, and a cache that cannot be used at all is
left alone (BuildCache): the build is then what it would be without one (pipeline.build).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
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

from .fingerprint import digest

PACKAGE = Path(__file__).resolve().parent.parent  # cmi_site/
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
    """One SQLite file, docs (key -> pickled result) and memo (key -> pickled value), and state/ (name -> pickled value).

    Never an error: a database that cannot be opened or used (not a database, damaged, read-only, the
    disk full, the folder a file) is closed and every later call is a miss or does nothing, so the build
    goes on as one without a cache; a damaged one (not merely read-only or full) is deleted, so the next
    build starts a new one. A state file that cannot be read or written is a miss, or not kept.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._db: sqlite3.Connection | None = None
        try:
            self._db = self._open(folder / "cache.sqlite3")
            (folder / "state").mkdir(exist_ok=True)
        except (sqlite3.Error, OSError) as err:
            self._failed(err)

    @staticmethod
    def _open(file: Path) -> sqlite3.Connection:
        file.parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(2):
            db = None
            try:
                db = sqlite3.connect(file, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("CREATE TABLE IF NOT EXISTS docs (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
                db.execute("CREATE TABLE IF NOT EXISTS memo (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
                return db
            except sqlite3.DatabaseError as err:
                if db is not None:
                    db.close()
                if attempt or isinstance(err, sqlite3.OperationalError):  # read-only, full, locked: not ours to delete
                    raise
                _delete_database(file)  # not a database: start again
        raise AssertionError("unreachable")

    def _failed(self, err: BaseException) -> None:
        """The database cannot be used: close it for this build, and delete it when it is damaged."""
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None
        if isinstance(err, sqlite3.DatabaseError) and not isinstance(err, sqlite3.OperationalError):
            _delete_database(self.folder / "cache.sqlite3")

    def docs(self) -> Iterator[tuple[str, bytes]]:
        """Every cached document result, pickled, with its key (one at a time: they are many)."""
        if self._db is None:
            return
        try:
            yield from self._db.execute("SELECT key, value FROM docs")
        except sqlite3.Error as err:  # the rows so far are good: each is checked by its key
            self._failed(err)

    def _write(self, statements: Iterable[tuple[str, Iterable[tuple[Any, ...]]]]) -> None:
        """Run (SQL, rows) in one transaction; if that fails, nothing of it is kept and the cache is closed."""
        if self._db is None:
            return
        try:
            with self._db:
                self._db.execute("BEGIN")
                for sql, rows in statements:
                    self._db.executemany(sql, rows)
        except sqlite3.Error as err:
            self._failed(err)

    def _keys(self, table: str) -> list[str]:
        try:
            return [key for (key,) in self._db.execute(f"SELECT key FROM {table}")] if self._db is not None else []  # noqa: S608 - our table names
        except sqlite3.Error as err:
            self._failed(err)
            return []

    def add_docs(self, new: dict[str, bytes]) -> None:
        """Add document results."""
        self._write([("INSERT OR REPLACE INTO docs VALUES (?, ?)", new.items())])

    def drop_docs_except(self, used: Iterable[str]) -> None:
        """Drop every document result this build did not use (older versions of files)."""
        used_keys = set(used)
        self._write([("DELETE FROM docs WHERE key = ?", [(key,) for key in self._keys("docs") if key not in used_keys])])

    def memo(self, keys: Iterable[str], kind: type[Any] = object) -> dict[str, Any]:
        """The memo entries there are of these keys, unpickled; one that cannot be read or is not a kind is
        left out (a miss)."""
        wanted, found = set(keys), dict[str, Any]()
        if self._db is None:
            return {}
        try:
            if len(wanted) < 500:
                rows = [self._db.execute("SELECT key, value FROM memo WHERE key = ?", (key,)).fetchone() for key in wanted]
            else:
                rows = [row for row in self._db.execute("SELECT key, value FROM memo") if row[0] in wanted]
        except sqlite3.Error as err:
            self._failed(err)
            return {}
        for row in rows:
            value = unpickle(row[1], kind) if row is not None else None
            if value is not None:
                found[row[0]] = value
        return found

    def add_memo(self, values: dict[str, Any], keep: Iterable[str] | None = None) -> None:
        """Add memo entries; with keep, also drop every entry not in keep (nor added now)."""
        added = [(key, pickle.dumps(value, protocol=5)) for key, value in values.items()]
        stale: list[tuple[str]] = []
        if keep is not None:
            kept = set(keep) | values.keys()
            stale = [(key,) for key in self._keys("memo") if key not in kept]
        self._write([("INSERT OR REPLACE INTO memo VALUES (?, ?)", added), ("DELETE FROM memo WHERE key = ?", stale)])

    def state(self, name: str) -> Any:
        """A value saved by the last build, or None (also when it cannot be read)."""
        try:
            blob = self._state_file(name).read_bytes()
        except OSError:
            return None
        return unpickle(blob, object)

    def save_state(self, values: dict[str, Any]) -> None:
        """Save values, each whole or not at all (written aside, then renamed into place); one that
        cannot be written (the folder gone or read-only, the disk full) is not kept."""
        for name, value in values.items():
            file = self._state_file(name)
            part = file.with_name(f"{file.name}.{os.getpid()}.part")
            try:
                part.write_bytes(pickle.dumps(value, protocol=5))
                os.replace(part, file)
            except OSError:
                with contextlib.suppress(OSError):
                    part.unlink()
                with contextlib.suppress(OSError):
                    file.unlink()  # the last build's value would now be out of date

    def _state_file(self, name: str) -> Path:
        """States are files, not rows: SQLite reads and writes a 10 MB value several times slower."""
        return self.folder / "state" / f"{digest(name)}.pickle"

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()


def _delete_database(file: Path) -> None:
    """Delete a damaged database with its journal files (what cannot be deleted is left)."""
    for stale in file.parent.glob(file.name + "*"):
        with contextlib.suppress(OSError):
            stale.unlink()


def discard_cache(folder: Path) -> None:
    """Throw a build cache away: its database, states and compiled templates (only those: the folder
    may be a file, or hold something else); what cannot be deleted is left."""
    _delete_database(folder / "cache.sqlite3")
    for part in (folder / "state", folder / "templates"):
        if part.is_dir() and not part.is_symlink():
            shutil.rmtree(part, ignore_errors=True)


class _Bytecode(jinja2.BytecodeCache):
    """jinja2's compiled templates, one file each, written as a SHA-256 of the compiled code followed
    by the code. A file whose hash does not match (damaged, cut short) or that cannot be read is a
    miss: jinja2 itself checks only a magic number and its own marshal data, and running damaged code
    gives a false template error or crashes Python. One that cannot be written is not kept."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _file(self, bucket: jinja2.bccache.Bucket) -> Path:
        return self.folder / f"{bucket.key}.cache"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            data = self._file(bucket).read_bytes()
        except OSError:
            return
        payload = data[32:]
        if len(data) < 32 or hashlib.sha256(payload).digest() != data[:32]:
            return
        try:
            bucket.bytecode_from_string(payload)
        except Exception:  # noqa: BLE001 - written by another version of jinja2 or Python: compile again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        payload = bucket.bytecode_to_string()
        file = self._file(bucket)
        part = file.with_name(f"{file.name}.{os.getpid()}.part")
        try:
            part.write_bytes(hashlib.sha256(payload).digest() + payload)
            os.replace(part, file)
        except OSError:  # the folder deleted, the disk full: compiled again next time
            with contextlib.suppress(OSError):
                part.unlink()


def template_bytecode(folder: Path | None) -> jinja2.BytecodeCache | None:
    """Compiled templates kept in the build cache folder: compiling the templates takes longer than
    rendering the pages of a small change. jinja2 keys each by the template's name and checks it
    against a hash of its source; the compiled code also depends on the environment's settings,
    which are in this package's code, so each code version has a folder (older ones are removed).
    None (compile every time) when the folder cannot be made."""
    if folder is None:
        return None
    parent = folder / "templates"
    where = parent / code_version()[:16]
    try:
        if not where.is_dir():
            if parent.is_dir():
                shutil.rmtree(parent, ignore_errors=True)
            where.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _Bytecode(where)
