"""A damaged build cache (.cache/build) is never an error: the build is exactly a --no-cache build
(the same files, byte for byte, the same problems, the same exit code), and the next build is too.
Nor does the cache grow for ever (the last test)."""

from __future__ import annotations

import dataclasses
import errno
import io
import os
import pickle
import random
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cmi_site import pipeline
from cmi_site.speed.trust import seal, unseal

CACHE = Path(".cache/build")


def garbage(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


def each_file(pattern: str, damage: Callable[[Path], None]) -> Callable[[], None]:
    """Damage every file of the cache matching pattern (there must be one)."""

    def run() -> None:
        files = [f for f in CACHE.glob(pattern) if f.is_file()]
        assert files, f"no {pattern} in the cache to damage"
        for file in files:
            damage(file)

    return run


def write_garbage(file: Path) -> None:
    file.write_bytes(garbage(max(file.stat().st_size, 64)))


def truncate(file: Path) -> None:
    data = file.read_bytes()
    file.write_bytes(data[: len(data) // 2])


def damage_pages(file: Path) -> None:
    """Keep SQLite's first page (the header and the table list), so it opens; garble the rest."""
    data = file.read_bytes()
    assert len(data) > 8192, "a database of more than two pages"
    file.write_bytes(data[:4096] + garbage(len(data) - 4096))


def flip_code(file: Path) -> None:
    """Change bytes deep in the compiled code (past jinja2's magic number and checksum)."""
    data = bytearray(file.read_bytes())
    for n in range(len(data) // 2, len(data), 7):
        data[n] ^= 0x5A
    file.write_bytes(bytes(data))


def swap_template_code() -> None:
    """Give each compiled template the code of another, behind its own header (jinja2's magic number
    and the checksum of its own source): damage that jinja2's checks cannot see."""
    from jinja2.bccache import bc_magic

    files = sorted(f for f in CACHE.glob("templates/*/*") if f.is_file())
    assert len(files) > 1
    parts = []
    for file in files:
        data = file.read_bytes()
        start = data.index(bc_magic) + len(bc_magic)
        stream = io.BytesIO(data[start:])
        pickle.load(stream)  # noqa: S301 - the checksum of the template's source, in the test's own cache
        parts.append((data[: start + stream.tell()], data[start + stream.tell() :]))
    for file, (header, _), (_, code) in zip(files, parts, parts[1:] + parts[:1], strict=True):
        file.write_bytes(header + code)


def mangle(value: Any) -> Any:
    """The same kind of value with every part inside it of the wrong kind."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: mangle(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return {key: 7 for key in value} or {"x": 7}
    if isinstance(value, (list, tuple)):
        return type(value)([7] * max(len(value), 1))
    return b"x" if isinstance(value, str) else "x"


def mangle_state(file: Path) -> None:
    """Sealed as a build here would: the damage is inside, where only the shape checks can see it."""
    file.write_bytes(seal(pickle.dumps(mangle(pickle.loads(unseal(file.read_bytes()) or b"")))))  # noqa: S301 - the test's own cache


class Raises:
    def __reduce__(self) -> tuple[Any, ...]:
        return (int, ("not a number",))  # int("not a number") raises ValueError when unpickled


def replace_by_file(folder: Path) -> Callable[[], None]:
    def run() -> None:
        shutil.rmtree(folder)
        folder.write_text("not a folder\n")

    return run


DAMAGE = {
    "database: garbage": each_file("cache.sqlite3", write_garbage),
    "database: cut short": each_file("cache.sqlite3", truncate),
    "database: damaged pages": each_file("cache.sqlite3", damage_pages),
    "database: empty": each_file("cache.sqlite3", lambda f: f.write_bytes(b"")),
    "compiled template: garbage": each_file("templates/*/*", write_garbage),
    "compiled template: cut short": each_file("templates/*/*", truncate),
    "compiled template: code changed": each_file("templates/*/*", flip_code),
    "compiled template: another template's code": swap_template_code,
    "state: garbage": each_file("state/*", write_garbage),
    "state: empty": each_file("state/*", lambda f: f.write_bytes(b"")),
    "state: another kind of value": each_file("state/*", lambda f: f.write_bytes(seal(pickle.dumps(42)))),
    "state: parts of the wrong kind": each_file("state/*", mangle_state),
    "state: raises when read": each_file("state/*", lambda f: f.write_bytes(seal(pickle.dumps(Raises())))),
    "state: names a missing class": each_file("state/*", lambda f: f.write_bytes(seal(b"cno_such_module\nThing\n."))),
    "state: not sealed": each_file("state/*", lambda f: f.write_bytes(unseal(f.read_bytes()) or b"")),
    "cache folder is a file": replace_by_file(CACHE),
    "state folder is a file": replace_by_file(CACHE / "state"),
    "templates folder is a file": replace_by_file(CACHE / "templates"),
}


def site_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def warned(site_dir: Path) -> Path:
    """The minimal site with a warning, so that the problems are compared too."""
    story = site_dir / "content/stories/memory-cafe.md"
    story.write_text(story.read_text().replace("date: 2024-06-01", "date: 2024-06-01\nsummery: x"))
    return site_dir


def change_content(site: Path) -> None:
    """A change that makes the next build read documents, search terms and pages from the cache."""
    story = site / "content/stories/respite-with-carers.md"
    story.write_text(story.read_text().replace("We met every month.", "We met every month, and then every week."))


def check_like_no_cache(site: Path, run_cli) -> None:
    """Build with the (damaged) cache and without one: the same exit code, problems and files; then again."""
    damaged = run_cli("build")
    reference = run_cli("build", "--no-cache", "--output", "_reference")
    assert (damaged.code, damaged.err) == (reference.code, reference.err)
    assert "Traceback" not in damaged.err and "warning" in damaged.err
    assert site_files(site / "_site") == site_files(site / "_reference")
    again = run_cli("build")
    assert (again.code, again.err) == (reference.code, reference.err)
    assert site_files(site / "_site") == site_files(site / "_reference")


@pytest.fixture
def discarded(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The caches pipeline.build threw away to build again without one."""
    calls: list[Path] = []
    real = pipeline.discard_cache
    monkeypatch.setattr(pipeline, "discard_cache", lambda folder: (calls.append(folder), real(folder)))
    return calls


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_cache_builds_exactly_as_without_one(warned: Path, run_cli, discarded: list[Path], damage) -> None:
    assert run_cli("build").code == 0
    change_content(warned)
    damage()
    check_like_no_cache(warned, run_cli)
    assert discarded == [], "each damaged part of the cache was a miss, not a failed build made again"


@pytest.mark.parametrize("damage", ["state: parts of the wrong kind", "state: garbage", "database: damaged pages"])
def test_a_damaged_cache_of_a_build_with_nothing_changed(warned: Path, run_cli, discarded: list[Path], damage: str) -> None:
    assert run_cli("build").code == 0
    DAMAGE[damage]()
    check_like_no_cache(warned, run_cli)
    assert discarded == []


class FullDatabase(sqlite3.Connection):
    """A database on a full disk: every change fails as SQLite reports it."""

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        if sql.split()[0].upper() in ("INSERT", "DELETE", "CREATE", "BEGIN"):
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        raise sqlite3.OperationalError("database or disk is full")


class MalformedDatabase(sqlite3.Connection):
    """A database whose pages turn out damaged when read."""

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        if sql.startswith("SELECT"):
            raise sqlite3.DatabaseError("database disk image is malformed")
        return super().execute(sql, *args)


def refuse_writes(monkeypatch: pytest.MonkeyPatch, error: int) -> None:
    """Every file written into the cache folder fails with error (the tests run as root, where chmod
    does not stop writes)."""
    cache = str(Path.cwd() / CACHE)
    for name in ("write_bytes", "write_text", "mkdir", "touch"):
        real = getattr(Path, name)

        def refuse(self: Path, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            if str(self.absolute()).startswith(cache):
                raise OSError(error, os.strerror(error), str(self))
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(Path, name, refuse)


def read_only_database(monkeypatch: pytest.MonkeyPatch) -> None:
    real = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda file, **kw: real(f"file:{file}?mode=ro", uri=True, **kw))


FAULTS = {
    "disk full": lambda mp: (refuse_writes(mp, errno.ENOSPC),
                             mp.setattr(sqlite3, "connect", lambda *a, _c=sqlite3.connect, **kw: _c(*a, factory=FullDatabase, **kw))),
    "read-only": lambda mp: (refuse_writes(mp, errno.EACCES), read_only_database(mp)),
    "database damaged when read": lambda mp: mp.setattr(
        sqlite3, "connect", lambda *a, _c=sqlite3.connect, **kw: _c(*a, factory=MalformedDatabase, **kw)),
}  # fmt: skip


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_a_cache_that_cannot_be_written_or_read_builds_exactly_as_without_one(
    warned: Path, run_cli, discarded: list[Path], monkeypatch: pytest.MonkeyPatch, fault
) -> None:
    assert run_cli("build").code == 0
    change_content(warned)
    with monkeypatch.context() as patched:
        fault(patched)
        damaged = run_cli("build")
    reference = run_cli("build", "--no-cache", "--output", "_reference")
    assert (damaged.code, damaged.err) == (reference.code, reference.err)
    assert site_files(warned / "_site") == site_files(warned / "_reference")
    assert discarded == []
    again = run_cli("build")  # and the cache works again once the disk does
    assert (again.code, site_files(warned / "_site")) == (0, site_files(warned / "_reference"))


def test_a_build_that_fails_because_of_the_cache_is_made_again_without_it(warned: Path, run_cli, discarded: list[Path],
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """The last line of defence: whatever a damaged cache makes go wrong, the result is --no-cache's."""
    from cmi_site.speed import fast

    assert run_cli("build").code == 0
    change_content(warned)
    real = fast.Memo.__call__
    monkeypatch.setattr(fast.Memo, "__call__", lambda self, value: 1 / 0 if self._last else real(self, value))
    check_like_no_cache(warned, run_cli)
    assert discarded == [Path.cwd() / CACHE]


def test_state_no_build_uses_any_more_is_swept_and_what_builds_use_is_kept(warned: Path, run_cli, monkeypatch) -> None:
    """The cache does not grow for ever: state of an output folder not built for a month, or kept by
    an older version under names this one no longer reads, goes; so does what a killed build left
    half-written. What builds use is kept however old its file, and nothing is lost to a sweep."""
    assert run_cli("build").code == 0
    state = CACHE / "state"
    used = sorted(state.iterdir())
    month, now = 31 * 86400, time.time()
    for file in used:  # every state the build uses, untouched for a month: reading does not change its time
        os.utime(file, (now - month, now - month))
    planted = {"stale": (state / f"{'a' * 32}.pickle", month), "recent": (state / f"{'b' * 32}.pickle", 29 * 86400),
               "old part": (state / f"{'c' * 32}.pickle.4242.part", 2 * 3600), "new part": (state / f"{'d' * 32}.pickle.4243.part", 60),
               "not ours": (state / "notes.txt", month), "a folder": (state / f"{'e' * 32}.pickle", month)}  # fmt: skip
    for name, (file, age) in planted.items():
        file.mkdir() if name == "a folder" else file.write_bytes(b"x")
        os.utime(file, (now - age, now - age))
    compiled = next((CACHE / "templates").iterdir())  # jinja2's compiled templates, and what a killed build left there
    (compiled / "base.cache.4244.part").write_bytes(b"x")
    os.utime(compiled / "base.cache.4244.part", (now - 7200, now - 7200))
    compiled_before = {file for file in compiled.iterdir() if not file.name.endswith(".part")}
    change_content(warned)
    result = run_cli("build")
    assert result.code == 0
    assert set(compiled.iterdir()) == compiled_before
    left = set(state.iterdir())
    assert all(file in left and file.stat().st_mtime > now - 60 for file in used)  # kept, and marked used
    assert {name for name, (file, _) in planted.items() if file in left} == {"recent", "new part", "not ours", "a folder"}
    reference = run_cli("build", "--no-cache", "--output", "_reference")
    assert site_files(warned / "_site") == site_files(warned / "_reference") and result.err == reference.err
    explained = run_cli("build", "--explain")  # nothing was lost: the next build is the nothing-changed shortcut
    assert explained.out.startswith("Nothing changed since the last build")


def test_a_site_built_only_with_nothing_changed_keeps_its_states_from_another_site_s_sweep(warned: Path, run_cli) -> None:
    """Two output folders share the cache; one is built every day with nothing to change (the
    shortcut reads little of its state), the other with changes. A month on, the first's pages are
    still kept when its content changes: every build marks what it needs, not only those that sweep."""
    assert run_cli("build").code == 0 and run_cli("build", "--output", "_other").code == 0
    month, now = 31 * 86400, time.time()
    for file in (CACHE / "state").iterdir():
        os.utime(file, (now - month, now - month))
    assert run_cli("build").out.startswith("Nothing changed since the last build")
    change_content(warned)
    assert run_cli("build", "--output", "_other").code == 0  # it sweeps
    explained = run_cli("build", "--explain")
    assert explained.code == 0 and "the last build did not make it" not in explained.err, explained.err
    assert " kept as they were" in explained.err and not re.search(r"\n0 pages made again", explained.err)
