"""Deleting the build's own folders (outdir.remove_tree) and an output folder a pull request made a
thousand folders deep: no RecursionError, no path too long, never through a link.

Python's shutil.rmtree (3.11) and pathlib's mkdir(parents=True) recurse once a folder, so a committed
_site/d/d/d/... (with the build's marker, so that the build replaces it) ended a build in a traceback.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmi_site import outdir
from cmi_site.commit import MAX_OUTPUT_DEPTH, MAX_OUTPUT_PATH, scan_output
from cmi_site.outdir import remove_tree
from cmi_site.safe_files import MAX_FOLDER_DEPTH, MAX_FOLDER_PATH
from conftest import Run

DEEP = 3000  # "d/" * 3000 is 6,000 characters: past PATH_MAX (4,096), so only descriptors reach the bottom


def make_deep(top: Path, depth: int, every: int = 0) -> None:
    """top/d/d/.../d (depth folders) with a file at the bottom (and in every `every`-th folder), made
    through folder descriptors, as no path reaches that far."""
    here = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for level in range(1, depth + 1):
            os.mkdir("d", dir_fd=here)
            below = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=here)
            os.close(here)
            here = below
            if level == depth or (every and level % every == 0):
                os.close(os.open("f.html", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=here))
    finally:
        os.close(here)


def test_removes_a_tree_deeper_than_any_path_can_name(tmp_path: Path) -> None:
    (tmp_path / "tree").mkdir()
    make_deep(tmp_path / "tree", DEEP, every=100)
    remove_tree(tmp_path / "tree")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts this process's descriptors in /proc")
def test_holds_few_folders_open_however_deep_the_tree(tmp_path: Path) -> None:
    (tmp_path / "tree").mkdir()
    make_deep(tmp_path / "tree", DEEP, every=7)
    before, most = len(os.listdir("/proc/self/fd")), [0]
    real = {name: getattr(outdir, name) for name in ("_files_gone", "_lift")}

    def counting(name: str) -> Callable[[int], object]:
        def step(folder: int) -> object:
            most[0] = max(most[0], len(os.listdir("/proc/self/fd")) - before)
            return real[name](folder)
        return step

    with mock.patch.object(outdir, "_files_gone", counting("_files_gone")), mock.patch.object(outdir, "_lift", counting("_lift")):
        remove_tree(tmp_path / "tree")
    assert list(tmp_path.iterdir()) == []
    assert outdir.OPEN_FOLDERS <= most[0] <= outdir.OPEN_FOLDERS + 3  # the walk's folders, and the parent's


def test_never_follows_a_link(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "precious.md").write_text("an editor's work")
    (tmp_path / "tree/a/b").mkdir(parents=True)
    (tmp_path / "tree/a/to-folder").symlink_to(kept)
    (tmp_path / "tree/a/b/to-file").symlink_to(kept / "precious.md")
    (tmp_path / "link").symlink_to(kept)
    remove_tree(tmp_path / "tree")
    remove_tree(tmp_path / "link")  # the link goes, never what it leads to
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept"]
    assert (kept / "precious.md").read_text() == "an editor's work"


def test_names_it_lifts_to_may_be_taken_already(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    for taken in (".removing-1/x/y", ".removing-2", ".removing-3/z"):
        (tree / taken).mkdir(parents=True)
    (tree / ".removing-4").write_text("a file")
    (tree / "a/b/c").mkdir(parents=True)
    (tree / "a/b/c/f").write_text("x")
    remove_tree(tree)
    assert not tree.exists()


def test_an_empty_folder_it_may_not_read_goes_too(tmp_path: Path) -> None:
    # As rm -rf does (and lifting did, trying rmdir first). Refused by a stand-in for os.open, as
    # root, who runs CI, may open any folder whatever its mode.
    (tmp_path / "tree/a/locked").mkdir(parents=True)
    (tmp_path / "tree/a/f").write_text("x")
    real_open = os.open

    def refusing(name: str, flags: int, *args: int, dir_fd: int | None = None) -> int:
        if name == "locked":
            raise PermissionError(errno.EACCES, "Permission denied", name)
        return real_open(name, flags, *args, dir_fd=dir_fd)

    with mock.patch.object(os, "open", refusing), mock.patch.object(os, "supports_dir_fd", os.supports_dir_fd | {refusing}):
        remove_tree(tmp_path / "tree")
    assert list(tmp_path.iterdir()) == []



def test_stops_at_a_mount_before_deleting_anything_on_it(tmp_path: Path) -> None:
    # A folder of another file system inside (a bind mount in a committed _site): told apart by its
    # device, here a stand-in's, as tests may not mount.
    (tmp_path / "tree/mounted").mkdir(parents=True)
    (tmp_path / "tree/mounted/precious.txt").write_text("on another disk")
    real_fstat, seen = os.fstat, []

    def fstat(fd: int) -> object:
        seen.append(fd)
        info = real_fstat(fd)
        return SimpleNamespace(st_dev=info.st_dev + (len(seen) > 1))  # every folder inside is "elsewhere"

    with mock.patch.object(os, "fstat", fstat), pytest.raises(OSError) as raised:
        remove_tree(tmp_path / "tree")
    assert raised.value.errno == errno.EXDEV and "unmount it" in raised.value.strerror
    assert raised.value.filename == f"{tmp_path / 'tree'}/.../mounted"
    assert (tmp_path / "tree/mounted/precious.txt").read_text() == "on another disk"

NAMES = st.sampled_from(["a", "b", "d", ".removing-1", ".removing-2", ".removing-3"])
TREES = st.recursive(
    st.sampled_from(["file", "link-out", "link-in"]),
    lambda inner: st.dictionaries(NAMES, inner, max_size=4),
    max_leaves=30,
)


def build(folder: Path, shape: object, outside: Path) -> None:
    for name, inner in shape.items() if isinstance(shape, dict) else ():
        if isinstance(inner, dict):
            (folder / name).mkdir()
            build(folder / name, inner, outside)
        elif inner == "file":
            (folder / name).write_text(name)
        else:
            (folder / name).symlink_to(outside if inner == "link-out" else folder)


@pytest.mark.fuzz
@given(shape=st.dictionaries(NAMES, TREES, max_size=4), open_folders=st.sampled_from([1, 2, 3, outdir.OPEN_FOLDERS]))
def test_any_tree_goes_and_nothing_outside_it(tmp_path_factory: pytest.TempPathFactory, shape: dict[str, object],
                                             open_folders: int) -> None:  # fmt: skip
    # open_folders: how deep remove_tree walks with folders held open before it lifts the rest
    base = tmp_path_factory.mktemp("any")
    outside = base / "outside"
    outside.mkdir()
    (outside / "kept").write_text("kept")
    (base / "tree").mkdir()
    build(base / "tree", shape, outside)
    with mock.patch.object(outdir, "OPEN_FOLDERS", open_folders):
        remove_tree(base / "tree")
    assert sorted(p.name for p in base.iterdir()) == ["outside"]
    assert [p.name for p in outside.iterdir()] == ["kept"]


def test_the_output_scan_stops_at_the_depth_the_build_never_writes(tmp_path: Path) -> None:
    make_deep(tmp_path, MAX_OUTPUT_DEPTH + 5)
    found = scan_output(tmp_path)
    assert list(found) == ["/".join(["d"] * MAX_OUTPUT_DEPTH) + "/"]  # one entry for the folder not looked into
    remove_tree(tmp_path / "d")


def test_a_committed_output_a_thousand_folders_deep_is_replaced_not_a_traceback(site_dir: Path, run_cli) -> None:
    assert run_cli("build").code == 0
    make_deep(site_dir / "_site", DEEP)  # the output keeps the build's marker, so the build replaces it
    work = site_dir / "._site.cmi-site"
    story = next((site_dir / "content/stories").glob("*.md"))
    try:
        for number in range(3):  # the first replaces the output (the old one, deep tree and all, is the spare), then it goes
            result: Run = run_cli("build")
            assert (result.code, result.err) == (0, "")
            assert not (site_dir / "_site/d").exists()
            story.write_text(f"{story.read_text()}\nRound {number}.\n")  # so that the next build writes
        assert not (work / "previous/d").exists(), result.out
    finally:  # pytest's own clean-up of such a tree recurses
        for top in (site_dir / "_site/d", work / "previous/d"):
            if top.is_dir() and not top.is_symlink():
                remove_tree(top)


def test_the_output_folders_the_build_writes_are_within_what_its_scan_looks_at() -> None:
    # Content folders are read at most MAX_FOLDER_DEPTH deep and MAX_FOLDER_PATH long; the output puts
    # them below images/ (the deepest the build writes them), and its pages are a few folders down.
    assert MAX_FOLDER_DEPTH + 1 < MAX_OUTPUT_DEPTH
    assert MAX_FOLDER_PATH + len("images/") < MAX_OUTPUT_PATH


def test_a_committed_output_of_very_long_names_is_replaced(site_dir: Path, run_cli) -> None:
    # 20 folders of 250-character names: a path to the bottom is past what the system takes (PATH_MAX).
    assert run_cli("build").code == 0
    here = os.open(site_dir / "_site", os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(20):
        os.mkdir("n" * 250, dir_fd=here)
        below = os.open("n" * 250, os.O_RDONLY | os.O_DIRECTORY, dir_fd=here)
        os.close(here)
        here = below
    os.close(os.open("f.html", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=here))
    os.close(here)
    story = next((site_dir / "content/stories").glob("*.md"))
    try:
        for number in range(2):
            result: Run = run_cli("build")
            assert (result.code, result.err) == (0, "")
            assert sorted(p.name for p in (site_dir / "_site").iterdir() if len(p.name) > 200) == []
            story.write_text(f"{story.read_text()}\nRound {number}.\n")
        assert not any(len(p.name) > 200 for p in (site_dir / "._site.cmi-site/previous").iterdir())
    finally:
        for top in (site_dir / "_site" / ("n" * 250), site_dir / "._site.cmi-site/previous" / ("n" * 250)):
            if top.is_dir():
                remove_tree(top)


@pytest.mark.parametrize("planted", ["previous", "swap"])
@pytest.mark.parametrize("target", ["../victim", ".."])
def test_a_link_committed_in_the_work_folder_is_removed_never_followed(site_dir: Path, run_cli, planted: str, target: str) -> None:
    # A pull request can commit ._site.cmi-site/ with its marker and `previous -> ..`: the build made the
    # new site in the spare, so through the link it deleted the project's files (and wrote the site there).
    assert run_cli("build").code == 0
    victim = site_dir / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("an editor's file")
    work = site_dir / "._site.cmi-site"
    remove_tree(work / "previous")
    (work / planted).symlink_to(target)
    story = next((site_dir / "content/stories").glob("*.md"))
    story.write_text(f"{story.read_text()}\nChanged.\n")
    before = {p: p.read_bytes() for top in ("content", "victim") for p in (site_dir / top).rglob("*") if p.is_file()}
    result: Run = run_cli("build")
    assert (result.code, result.err) == (0, "")
    assert {p: p.read_bytes() for top in ("content", "victim") for p in (site_dir / top).rglob("*") if p.is_file()} == before
    assert (victim / "keep.txt").read_text() == "an editor's file"
    assert not (site_dir / "_site").is_symlink() and "Changed." in (site_dir / "_site/stories" / story.stem / "index.html").read_text()
    assert not (work / planted).is_symlink()
