"""The build cache in .cache/build: what earlier builds worked out, keyed by what it was worked out from.

- memo (in cache.sqlite3): what was worked out from one document for the site as a whole (its search
  index terms), keyed by a hash of everything it was worked out from (the document's, below).
- state (files in state/, one per name): each document read and validated (docs.py), keyed by a hash
  of the file's bytes, path, vocabulary and the code (nothing is looked up by name alone, so an entry
  cannot be stale); the last build's page traces (track.py), the output folder's manifest (each
  file's hash, size, times, inode), the search postings and the memos of open-data lines.
- templates/<code version>/: jinja2's compiled templates, each checked by jinja against a hash of its
  template's source before use (template_bytecode).

Every build marks the states it used; a build that writes its site deletes those no build has used
for STALE_DAYS, and parts a killed build left (BuildCache.tidy), so the folder does not grow for ever.

It is a cache and nothing more: delete the folder at any time and the next build is a cold one. A
cache file that cannot be read is a miss, never trusted, and a cache that cannot be used at all is
left alone (BuildCache): the build is then what it would be without one (pipeline.build).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib.metadata
import os
import sqlite3
import sys
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import jinja2

from ..outdir import remove_tree
from .fingerprint import digest
from .trust import seal, sealed_pickle, unpickle, unseal

PACKAGE = Path(__file__).resolve().parent.parent  # cmi_site/
# Libraries whose output ends up in the site: a new version may change it.
LIBRARIES = ("jinja2", "markupsafe", "markdown", "nh3", "pyyaml", "pillow", "icalendar")  # what kept results are made with
SCHEMA = "3"  # bump when the tables change


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
STALE_DAYS = 30  # a state file no build has used for this long is deleted (BuildCache.tidy)
HOUR, DAY = 3600, 86400
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


PARTS = 16  # a big state (documents, search postings, memos) is kept in this many files, by key (part_of)


def part_of(key: str) -> int:
    """Which of a state's PARTS a key is kept in (the same in every process and build)."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % PARTS


def in_parts(items: Mapping[str, T]) -> list[dict[str, T]]:
    """items split into PARTS dicts by part_of(key), so that a build saves only the parts it changed."""
    parts: list[dict[str, T]] = [{} for _ in range(PARTS)]
    for key, value in items.items():
        parts[part_of(key)][key] = value
    return parts


class BuildCache:
    """One SQLite file, memo (key -> pickled value) and pictures (key -> pickled copies), and state/
    (name -> pickled value).

    Never an error: a database that cannot be opened or used (not a database, damaged, read-only, the
    disk full, the folder a file) is closed and every later call is a miss or does nothing, so the build
    goes on as one without a cache; a damaged one (not merely read-only or full) is deleted, so the next
    build starts a new one. A state file that cannot be read or written is a miss, or not kept.
    """

    def __init__(self, folder: Path, freeze_states: bool = False) -> None:
        """freeze_states: the fast engine's (it unfreezes at its close): see state()."""
        self.folder = folder
        self._freeze = freeze_states
        self._used: set[str] = set()  # the state files this build read or wrote (tidy)
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
                db.execute("DROP TABLE IF EXISTS docs")  # documents are kept in state/ since December 2026 (docs.py)
                db.execute("CREATE TABLE IF NOT EXISTS memo (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
                db.execute("CREATE TABLE IF NOT EXISTS pictures (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
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

    def picture(self, key: str, kind: type[T]) -> T | None:
        """The picture entry of a key (speed/pictures.py), or None (also when it cannot be read)."""
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT value FROM pictures WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as err:
            self._failed(err)
            return None
        return unpickle(row[0], kind) if row is not None else None

    def add_picture(self, key: str, value: Any) -> None:
        """Add a picture entry (pickled and sealed here)."""
        self._write([("INSERT OR REPLACE INTO pictures VALUES (?, ?)", [(key, sealed_pickle(value))])])

    def drop_pictures_except(self, used: Iterable[str]) -> None:
        """Drop every picture entry this build did not use (pictures changed or gone)."""
        used_keys = set(used)
        self._write([("DELETE FROM pictures WHERE key = ?", [(key,) for key in self._keys("pictures") if key not in used_keys])])

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
        added = [(key, sealed_pickle(value)) for key, value in values.items()]
        stale: list[tuple[str]] = []
        if keep is not None:
            kept = set(keep) | values.keys()
            stale = [(key,) for key in self._keys("memo") if key not in kept]
        self._write([("INSERT OR REPLACE INTO memo VALUES (?, ?)", added), ("DELETE FROM memo WHERE key = ?", stale)])

    def state(self, name: str) -> Any:
        """A value saved by the last build, or None (also when it cannot be read).

        Unpickled with the garbage collector paused. For the fast engine (freeze_states), when the
        collector is running (from the Site on), what is alive is then frozen, so that it is never
        scanned: the states are kept until the build ends, some are hundreds of thousands of
        objects, and the full collections their making set off were ~0.25 s of a 3.5 s one-story
        rebuild at 10,000 stories. The engine unfreezes at its close (fast.py)."""
        file = self._state_file(name)
        try:
            blob = file.read_bytes()
        except OSError:
            return None
        self._used.add(file.name)
        collecting = gc.isenabled()
        gc.disable()
        try:
            return unpickle(blob, object)
        finally:
            if collecting:
                if self._freeze:
                    gc.freeze()
                gc.enable()

    def save_state(self, values: dict[str, Any]) -> None:
        """Save values, each whole or not at all (written aside, then renamed into place); one that
        cannot be written (the folder gone or read-only, the disk full) is not kept."""
        for name, value in values.items():
            file = self._state_file(name)
            self._used.add(file.name)
            part = file.with_name(f"{file.name}.{os.getpid()}.part")
            try:
                part.write_bytes(sealed_pickle(value))
                os.replace(part, file)
            except OSError:
                with contextlib.suppress(OSError):
                    part.unlink()
                with contextlib.suppress(OSError):
                    file.unlink()  # the last build's value would now be out of date

    def keep(self, name: str) -> None:
        """Count the state name as used by this build, though it was not read (tidy)."""
        self._used.add(self._state_file(name).name)

    def tidy(self, sweep: bool, now: float | None = None) -> None:
        """Mark the state files this build read or wrote (or keep() names) as used now, at most once
        a day each (reading leaves a file's time as it was): every build does, the nothing-changed
        ones and the preview's too. With sweep (a build that wrote its site), also delete the state
        files no build has used for STALE_DAYS (another output folder's not built for a month, or
        ones an older version of this code kept under names this one no longer reads) and the parts
        of files (states, compiled templates) a killed build left half-written. Only regular files of
        the cache's own kinds are touched, through a descriptor of their folder opened without
        following a link, so nothing outside the cache ever is."""
        now = time.time() if now is None else now
        for folder in ("state", _compiled_folder()) if sweep else ("state",):
            with self._files(folder) as (fd, files):
                for name, info in files:
                    age = now - info.st_mtime
                    used = folder == "state" and name in self._used
                    stale = folder == "state" and name.endswith(".pickle") and age > STALE_DAYS * DAY
                    with contextlib.suppress(OSError):  # gone meanwhile, or not ours to change: left as it is
                        if used and age > DAY:
                            os.utime(name, dir_fd=fd, follow_symlinks=False)
                        elif not used and sweep and (stale or (name.endswith(".part") and age > HOUR)):
                            os.unlink(name, dir_fd=fd)

    @contextlib.contextmanager
    def _files(self, folder: str) -> Iterator[tuple[int, list[tuple[str, os.stat_result]]]]:
        """A folder of the cache (a relative POSIX path), opened without following a link at any step,
        and its regular files with their stat: (-1, []) when it cannot be opened."""
        fd, files = -1, []
        try:
            fd = os.open(self.folder, _FOLDER)
            for part in folder.split("/"):
                inner = os.open(part, _FOLDER, dir_fd=fd)
                os.close(fd)
                fd = inner
            with os.scandir(fd) as entries:
                for entry in entries:
                    with contextlib.suppress(OSError):
                        if entry.is_file(follow_symlinks=False):
                            files.append((entry.name, entry.stat(follow_symlinks=False)))
        except OSError:
            files = []
        try:
            yield fd, files
        finally:
            if fd >= 0:
                os.close(fd)

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
            with contextlib.suppress(OSError):
                remove_tree(part)


class _Bytecode(jinja2.BytecodeCache):
    """jinja2's compiled templates, one file each, sealed (seal). A file whose seal does not match
    (damaged, cut short, or put there by someone else: compiled code runs when loaded) or that cannot
    be read is a miss: jinja2 itself checks only a magic number and its own marshal data. One that
    cannot be written is not kept."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _file(self, bucket: jinja2.bccache.Bucket) -> Path:
        return self.folder / f"{bucket.key}.cache"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            data = self._file(bucket).read_bytes()
        except OSError:
            return
        payload = unseal(data)
        if payload is None:  # damaged, cut short, or not written by a build here: never run
            return
        try:
            bucket.bytecode_from_string(bytes(payload))
        except Exception:  # noqa: BLE001 - written by another version of jinja2 or Python: compile again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        payload = bucket.bytecode_to_string()
        file = self._file(bucket)
        part = file.with_name(f"{file.name}.{os.getpid()}.part")
        try:
            part.write_bytes(seal(payload))
            os.replace(part, file)
        except OSError:  # the folder deleted, the disk full: compiled again next time
            with contextlib.suppress(OSError):
                part.unlink()


def _compiled_folder() -> str:
    """Where in the cache folder this code version's compiled templates are kept."""
    return f"templates/{code_version()[:16]}"


def template_bytecode(folder: Path | None) -> jinja2.BytecodeCache | None:
    """Compiled templates kept in the build cache folder: compiling the templates takes longer than
    rendering the pages of a small change. jinja2 keys each by the template's name and checks it
    against a hash of its source; the compiled code also depends on the environment's settings,
    which are in this package's code, so each code version has a folder (older ones are removed).
    None (compile every time) when the folder cannot be made."""
    if folder is None:
        return None
    parent = folder / "templates"
    where = folder / _compiled_folder()
    try:
        if not where.is_dir():
            if parent.is_dir():
                with contextlib.suppress(OSError):
                    remove_tree(parent)  # the older versions' (never through a link, however deep)
            where.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _Bytecode(where)
