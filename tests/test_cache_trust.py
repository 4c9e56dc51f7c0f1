"""The build cache is in the project folder, where a pull request can add any file: nothing put there
by anyone but a build on this machine is ever unpickled or run, and a cache folder that is a link
elsewhere is not written to."""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import pytest

from cmi_site.outdir import remove_tree
from cmi_site.speed import trust
from conftest import Run

CACHE = Path(".cache/build")


class Touches:
    """A pickle that, when loaded, creates a file: what an attacker's pickle would do, harmlessly."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def site_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def change_content(site: Path) -> None:
    story = site / "content/stories/respite-with-carers.md"
    story.write_text(story.read_text().replace("We met every month.", "We met every month, and then every week."))


@pytest.mark.parametrize("sealed_as", ["nothing", "sha256 in front", "a seal under another key"])
def test_a_pickle_committed_into_the_cache_is_never_loaded(site_dir: Path, run_cli: Callable[..., Run], sealed_as: str) -> None:
    assert run_cli("build").code == 0
    marker = site_dir / "pwned"
    evil = pickle.dumps(Touches(marker))
    blob = {"nothing": evil, "sha256 in front": hashlib.sha256(evil).digest() + evil,
            "a seal under another key": hashlib.blake2b(evil, key=b"k" * 32, digest_size=32).digest() + evil}[sealed_as]  # fmt: skip
    states = [f for f in (CACHE / "state").iterdir() if f.suffix == ".pickle"]
    assert len(states) > 16  # the documents' parts among them
    for file in states:
        file.write_bytes(blob)
    with sqlite3.connect(CACHE / "cache.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM memo").fetchone()[0] > 0
        db.execute("UPDATE memo SET value = ?", (blob,))
    change_content(site_dir)
    assert run_cli("build").code == 0
    assert not marker.exists()
    assert run_cli("build", "--no-cache", "--output", "_reference").code == 0
    assert site_files(site_dir / "_site") == site_files(site_dir / "_reference")


def test_compiled_template_code_committed_into_the_cache_is_never_run(site_dir: Path, run_cli: Callable[..., Run],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    assert run_cli("build").code == 0
    files = sorted(f for f in CACHE.glob("templates/*/*") if f.is_file())
    assert files
    for file in files:  # what the cache held before it was sealed: a SHA-256 anyone can compute
        payload = trust.unseal(file.read_bytes())
        assert payload is not None
        file.write_bytes(hashlib.sha256(payload).digest() + payload)
    compiled: list[str | None] = []
    real = jinja2.Environment.compile

    def compile_(self: jinja2.Environment, source: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(name)
        return real(self, source, name, *args, **kwargs)

    monkeypatch.setattr("cmi_site.speed.parallel.can_fork", lambda: False)  # every compile in this process, to be seen
    monkeypatch.setattr(jinja2.Environment, "compile", compile_)
    change_content(site_dir)
    assert run_cli("build").code == 0
    assert "story.html" in compiled  # compiled from its source again, not loaded from the planted file


def test_the_key_is_the_user_s_own_and_made_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    trust.cache_key.cache_clear()
    try:
        key = trust.cache_key()
        file = tmp_path / "home-cache/cmi-site/cache-key"
        assert file.read_bytes() == key and len(key) == 32
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        trust.cache_key.cache_clear()
        assert trust.cache_key() == key  # the next build seals with the same key
        assert trust.unseal(trust.seal(b"data")) == b"data" and trust.unseal(b"short") is None
        monkeypatch.setenv("XDG_CACHE_HOME", "relative/inside/the/project")  # could be committed: never used
        trust.cache_key.cache_clear()
        assert trust.cache_key() != key and not Path("relative").exists()
    finally:
        trust.cache_key.cache_clear()


def test_a_cache_folder_that_links_elsewhere_is_not_written_to(site_dir: Path, tmp_path_factory: pytest.TempPathFactory,
                                                               run_cli: Callable[..., Run]) -> None:  # fmt: skip
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (site_dir / ".cache").symlink_to(elsewhere)  # as a pull request could commit it
    result = run_cli("build", "--explain")
    assert result.code == 0
    assert os.listdir(elsewhere) == []
    assert f"the build cache was not used: its folder is reached through a symbolic link ({site_dir / '.cache'})" in result.err
    assert run_cli("build", "--no-cache", "--output", "_reference").code == 0
    assert site_files(site_dir / "_site") == site_files(site_dir / "_reference")


@pytest.mark.parametrize("link", ["state", "templates", "cache.sqlite3-wal", "state/a-state.pickle", "templates/deeper"])
def test_a_link_committed_inside_the_cache_stops_the_cache_being_used(site_dir: Path, tmp_path_factory: pytest.TempPathFactory,
                                                                      run_cli: Callable[..., Run], link: str) -> None:  # fmt: skip
    # A build never makes a link there; through one, its writes (a state file, a compiled template,
    # SQLite's journal) or its reads would reach any folder or file of the machine.
    assert run_cli("build").code == 0  # a cache with its folders and files, as builds leave it
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    bait = elsewhere / "precious.txt"
    bait.write_text("not the build's", encoding="utf-8")
    planted = site_dir / CACHE / link
    planted.parent.mkdir(parents=True, exist_ok=True)
    if planted.is_dir():
        os.rename(planted, planted.with_name(planted.name + "-was"))
    planted.unlink(missing_ok=True)
    planted.symlink_to(bait if "." in planted.name else elsewhere)
    change_content(site_dir)
    result = run_cli("build", "--explain")
    assert result.code == 0, result.err
    assert sorted(os.listdir(elsewhere)) == ["precious.txt"] and bait.read_text(encoding="utf-8") == "not the build's"
    assert f"the build cache was not used: it holds a symbolic link, which a build never makes ({planted})" in result.err
    assert run_cli("build", "--no-cache", "--output", "_reference").code == 0
    assert site_files(site_dir / "_site") == site_files(site_dir / "_reference")


@pytest.mark.parametrize("folder", ["templates", "state"])
def test_a_cache_folder_a_thousand_folders_deep_is_looked_through_without_a_traceback(site_dir: Path, tmp_path_factory: pytest.TempPathFactory,
                                                                                        run_cli: Callable[..., Run], folder: str) -> None:  # fmt: skip
    # As a pull request could commit it: Python's own os.walk and shutil.rmtree recurse until a RecursionError.
    deep = site_dir / CACHE / folder  # templates/: a build deletes an older code's compiled templates there
    deep.mkdir(parents=True)
    os.chdir(deep)
    try:
        for _ in range(1200):
            os.mkdir("d")
            os.chdir("d")
        os.symlink(tmp_path_factory.mktemp("elsewhere"), "link")
    finally:
        os.chdir(site_dir)
    try:
        result = run_cli("build", "--explain")
    finally:  # taken down here: pytest's own clean-up of such a tree recurses too
        remove_tree(deep / "d")
    assert result.code == 0 and "Traceback" not in result.err
    too_deep = deep.joinpath("d", "d")  # a build makes templates/<code version>/ and no deeper
    assert f"the build cache was not used: it holds folders inside each other deeper than a build makes them ({too_deep})" in result.err
