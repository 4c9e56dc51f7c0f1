"""Machine faults and killed builds: the output folder always holds the whole old site or the whole
new one, the next build heals what a killed one left, and a fault is one line and exit 2."""

from __future__ import annotations

import contextlib
import errno
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest

import cmi_site.commit
import cmi_site.load
import cmi_site.speed.fast
import cmi_site.speed.parallel
import cmi_site.write
from cmi_site.cli import main
from conftest import TEMPLATES, TODAY, Run
from killing import run_killed_at

STORY = "content/stories/memory-cafe.md"
WORK = "._site.cmi-site"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build_args(*extra: str) -> list[str]:
    return ["build", "--templates", str(TEMPLATES), "--today", TODAY.isoformat(), *extra]


def quiet_build(*extra: str) -> int:
    """`cmi-site build` here, in this process, its output thrown away."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(build_args(*extra))


def serial_build() -> int:
    """A build in one process (for a child killed at its Nth step: a worker it forked would count its own)."""
    cmi_site.speed.parallel.cpu_count = lambda: 1
    return quiet_build()


def assert_healed(site_dir: Path, expected: dict[str, bytes]) -> None:
    """The output is the expected site, and nothing is left beside it but the work folder, holding only the spare."""
    assert tree(site_dir / "_site") == expected
    assert sorted(p.name for p in site_dir.iterdir()) == sorted([".cache", WORK, "_site", "content"])
    assert sorted(p.name for p in (site_dir / WORK).iterdir()) == [".cmi-site-work", "previous"]


def clean_sites(site_dir: Path, clean: Path, edit: Callable[[str], str]) -> dict[str, tuple[str, dict[str, bytes]]]:
    """The story's text and a clean build (no cache, into an empty folder) of the content before and after edit."""
    story = site_dir / STORY
    sites = {}
    for version, text in (("old", story.read_text()), ("new", edit(story.read_text()))):
        story.write_text(text)
        assert quiet_build("--no-cache", "--output", str(clean / version)) == 0
        sites[version] = (text, tree(clean / version))
    assert sites["old"][1] != sites["new"][1]
    return sites


# ---- killed at every rename of the commit ---------------------------------------------------------


@pytest.mark.parametrize("one_step", [True, False], ids=["renameat2", "three renames"])
def test_a_build_killed_at_any_rename_leaves_the_old_or_new_site_and_the_next_build_heals(
        site_dir: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, one_step: bool) -> None:  # fmt: skip
    """Killed (SIGKILL) just before each rename the build makes while writing, one after another: the
    output is whole, and the next build puts everything right (equal, byte for byte, to a clean build)."""
    if not one_step:
        monkeypatch.setattr(cmi_site.commit, "_renameat2", None)  # where two folders cannot be swapped in one step
    sites = clean_sites(site_dir, tmp_path_factory.mktemp("clean"), lambda text: text.replace("Body text.", "Changed text."))
    assert quiet_build() == 0  # _site: the new site
    seen, renames = set(), 0
    for step in range(1, 100):
        before, after = ("new", "old") if step % 2 else ("old", "new")  # each build changes the site back or forth
        (site_dir / STORY).write_text(sites[after][0])
        outcome = run_killed_at(step, serial_build, kinds=("rename", "replace", "exchange"),
                                during=[(cmi_site.speed.fast.FastEngine, "write")])  # fmt: skip
        if not outcome.killed:
            assert outcome.code == 0
            renames = step - 1
            break
        if (site_dir / "_site").is_dir():
            found = tree(site_dir / "_site")
            assert found in (sites[before][1], sites[after][1]), f"killed at rename {step}: neither the old nor the new site"
            seen.add("old" if found == sites[before][1] else "new")
        else:  # only between the first two renames of the three
            assert not one_step and tree(site_dir / WORK / "swap") == sites[before][1]
            seen.add("missing, recoverable")
        assert quiet_build() == 0
        assert_healed(site_dir, sites[after][1])
    assert renames >= 4, "the changed files renamed into the spare, the exchange, the cache's record"
    assert seen == ({"old", "new"} if one_step else {"old", "new", "missing, recoverable"})


@pytest.mark.parametrize(("kinds", "steps"), [
    (("rename",), (1,)),  # the staging folder renamed to the output
    (("link",), (1, 20)),  # then the spare made from it: the next build finishes it
])  # fmt: skip
def test_the_first_build_killed_while_writing_leaves_no_site_or_the_new_one(
        site_dir: Path, tmp_path_factory: pytest.TempPathFactory, kinds: tuple[str, ...], steps: tuple[int, ...]) -> None:  # fmt: skip
    sites = clean_sites(site_dir, tmp_path_factory.mktemp("clean"), lambda text: text.replace("Body text.", "Changed text."))
    for step in steps:
        writing = [(cmi_site.speed.fast.FastEngine, "write"), (cmi_site.speed.fast, "prepare_spare")]  # the spare: as the build starts
        outcome = run_killed_at(step, serial_build, kinds=kinds, during=writing)
        assert outcome.killed
        assert not (site_dir / "_site").exists() if kinds == ("rename",) else tree(site_dir / "_site") == sites["new"][1]
    (site_dir / STORY).write_text(sites["old"][0])  # a change: so the next build writes (and finishes the spare)
    assert quiet_build() == 0
    assert_healed(site_dir, sites["old"][1])
    (site_dir / STORY).write_text(sites["new"][0])
    assert quiet_build() == 0
    assert_healed(site_dir, sites["new"][1])


# ---- machine faults: one line, exit 2, the old site whole ---------------------------------------------


def fault(code: int, path: str = "/the/file") -> OSError:
    return OSError(code, os.strerror(code), path)


def failing(real: Callable[..., object], error: OSError, when: Callable[[list[object]], bool] = lambda args: True) -> Callable[..., object]:
    def call(*args: object, **kwargs: object) -> object:
        if when(list(args)):
            raise error
        return real(*args, **kwargs)

    return call


def beside_output(args: list[object]) -> bool:
    """A call about a path in the work folder beside _site (not the cache, not pytest's own files)."""
    return any(WORK in os.fspath(arg) for arg in args if isinstance(arg, (str, Path)))  # type: ignore[misc]


FAULTS = {
    "disk full while staging": lambda mp: mp.setattr(cmi_site.write, "stage_file", failing(cmi_site.write.stage_file, fault(errno.ENOSPC))),
    "read-only: no staging folder": lambda mp: mp.setattr(os, "mkdir", failing(os.mkdir, fault(errno.EROFS), beside_output)),
    "read-only: no links": lambda mp: mp.setattr(os, "link", failing(os.link, fault(errno.EROFS))),
    "no permission to rename": lambda mp: mp.setattr(os, "rename", failing(os.rename, fault(errno.EACCES), beside_output)),
    "another file system": lambda mp: mp.setattr(cmi_site.commit, "exchange", failing(cmi_site.commit.exchange, fault(errno.EXDEV))),
}  # fmt: skip


@pytest.mark.parametrize("background", [False, True], ids=["in this process", "spare made in a second process"])
@pytest.mark.parametrize("name", FAULTS)
def test_a_machine_fault_while_writing_is_one_line_and_leaves_the_old_site(
        site_dir: Path, run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, name: str, background: bool) -> None:  # fmt: skip
    assert run_cli("build").code == 0
    for was, text in (("Body text.", "Changed text."), ("Changed text.", "Changed again.")):  # the spare now differs
        (site_dir / STORY).write_text((site_dir / STORY).read_text().replace(was, text))  # from the site: it is linked again
        assert run_cli("build").code == 0
    old = tree(site_dir / "_site")
    (site_dir / STORY).write_text((site_dir / STORY).read_text().replace("Changed again.", "A third change."))
    with pytest.MonkeyPatch.context() as patch:  # (monkeypatch.undo would also undo site_dir's chdir)
        patch.setattr(cmi_site.speed.parallel, "cpu_count", lambda: 2 if background else 1)
        FAULTS[name](patch)
        result = run_cli("build")
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("cmi-site: could not write the site (") and result.err.count("\n") == 1, result.err
    assert result.err.endswith("); _site was left as it was\n")
    assert "Traceback" not in result.err
    assert tree(site_dir / "_site") == old
    assert run_cli("build").code == 0  # the fault gone, the next build is whole
    assert sorted(p.name for p in (site_dir / WORK).iterdir()) == [".cmi-site-work", "previous"]
    assert "A third change." in (site_dir / "_site/stories/memory-cafe/index.html").read_text()


def test_the_message_names_the_fault_and_the_file(site_dir: Path, run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    FAULTS["disk full while staging"](monkeypatch)
    result = run_cli("build")
    assert (result.code, result.err) == (2, "cmi-site: could not write the site (No space left on device: /the/file); "
                                            "_site was left as it was\n")  # fmt: skip
    assert not (site_dir / "_site").exists()


def chmod_stops_writes(folder: Path) -> bool:
    """Whether a folder made read-only (chmod 555) refuses a new entry here: not for root."""
    try:
        (folder / "probe").mkdir()
    except PermissionError:
        return True
    (folder / "probe").rmdir()
    return False


def test_a_read_only_output_and_folder(site_dir: Path, run_cli: Callable[..., Run]) -> None:
    """The project folder, the output and the work folder made read-only (chmod). Run as root, chmod
    stops nothing: then every change under them fails as a read-only file system would."""
    assert run_cli("build").code == 0
    (site_dir / STORY).write_text((site_dir / STORY).read_text().replace("Body text.", "Changed text."))
    old = tree(site_dir / "_site")
    locked = [site_dir, *(p for p in (site_dir / "_site").rglob("*") if p.is_dir()), site_dir / "_site", site_dir / WORK,
              *(p for p in (site_dir / WORK).rglob("*") if p.is_dir())]  # fmt: skip
    for folder in locked:
        folder.chmod(0o555)
    try:
        with pytest.MonkeyPatch.context() as patch:
            if not chmod_stops_writes(site_dir):
                under = {str(folder) for folder in locked}

                def in_locked_folder(args: list[object]) -> bool:  # what chmod stops: changing a locked folder's entries
                    return any(os.path.dirname(os.fspath(a)) in under for a in args[:2] if isinstance(a, (str, Path)))  # type: ignore[misc]

                for name in ("mkdir", "link", "rename", "unlink", "rmdir", "replace"):
                    patch.setattr(os, name, failing(getattr(os, name), fault(errno.EROFS), in_locked_folder))
            result = run_cli("build")
    finally:
        for folder in locked:
            folder.chmod(0o755)
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("cmi-site: ") and result.err.count("\n") == 1 and "Traceback" not in result.err, result.err
    assert tree(site_dir / "_site") == old
    assert run_cli("build").code == 0


def test_any_other_system_error_is_one_line(site_dir: Path, run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    error = PermissionError(errno.EACCES, os.strerror(errno.EACCES), "content/stories/memory-cafe.md")
    monkeypatch.setattr(cmi_site.load, "load_content", failing(cmi_site.load.load_content, error))
    result = run_cli("build")
    assert (result.code, result.out, result.err) == (2, "", "cmi-site: Permission denied: content/stories/memory-cafe.md\n")
