"""Atomic output: a staging folder, the spare made into the new site, one exchange; what may be written."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cmi_site.commit
import cmi_site.write
from cmi_site.commit import commit_changes, prepare_spare
from cmi_site.errors import SetupError
from cmi_site.models import Output
from cmi_site.outdir import MARKER, MARKER_TEXT, WORK_MARKER, OutputFolder
from cmi_site.write import WriteFailed, stage_file, stage_new
from cmi_site.write import write_site as write_files
from killing import run_killed_at


def write_site(files: list[Output], output: Path) -> int:
    """What the build does with a whole site: write it under the output folder's lock; how many files."""
    folder = OutputFolder.of(output)
    with folder.locked():
        folder.recover()
        return write_files(files, output).files


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_writes_files_and_swaps_in(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert write_site([Output("index.html", b"one"), Output("a/b/index.html", b"two")], out) == 2
    assert (out / "a/b/index.html").read_bytes() == b"two"
    write_site([Output("index.html", b"three")], out)
    assert tree(out) == {"index.html": b"three", MARKER: MARKER_TEXT}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.cmi-site", "site"]
    assert sorted(p.name for p in (tmp_path / ".site.cmi-site").iterdir()) == [WORK_MARKER, "previous"]


def test_a_new_site_is_the_spare_swapped_in_and_unchanged_files_are_not_copied(tmp_path: Path) -> None:
    out = tmp_path / "site"
    folder = OutputFolder.of(out)
    write_site([Output("same.html", b"same"), Output("old.html", b"old"), Output("gone/index.html", b"x")], out)
    live, spare = out.stat().st_ino, folder.spare.stat().st_ino
    same = (out / "same.html").stat().st_ino
    write_site([Output("same.html", b"same"), Output("old.html", b"new"), Output("gone", b"a file now")], out)
    assert out.stat().st_ino == spare and folder.spare.stat().st_ino == live, "the two folders were exchanged"
    assert tree(out) == {"same.html": b"same", "old.html": b"new", "gone": b"a file now", MARKER: MARKER_TEXT}
    assert tree(folder.spare)["old.html"] == b"old", "the spare is the previous site"
    assert (folder.spare / "same.html").stat().st_ino == same  # hard links: the same file in both
    prepare_spare(out)  # what the next build does first: the spare becomes a copy of the live site again
    assert tree(folder.spare) == tree(out)
    assert (folder.spare / "old.html").stat().st_ino == (out / "old.html").stat().st_ino


def test_exchanging_falls_back_to_three_renames(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cmi_site.commit, "_renameat2", None)  # a system without renameat2
    out = tmp_path / "site"
    write_site([Output("index.html", b"one")], out)
    write_site([Output("index.html", b"two")], out)
    assert tree(out) == {"index.html": b"two", MARKER: MARKER_TEXT}
    assert sorted(p.name for p in (tmp_path / ".site.cmi-site").iterdir()) == [WORK_MARKER, "previous"]


@pytest.mark.parametrize("path", ["../escape.html", "/etc/passwd", "a/../../b.html", "//x.html", "", ".", "./"])
def test_refuses_paths_outside_the_output(tmp_path: Path, path: str) -> None:
    with pytest.raises(SetupError, match="outside the output folder"):
        write_site([Output(path, b"x")], tmp_path / "site")
    assert not (tmp_path / "site").exists()


def test_refuses_two_files_at_one_path(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match=r"^two pages would be written to the same file: a\.html$"):
        write_site([Output("a.html", b"1"), Output("a.html", b"2")], tmp_path / "site")


def test_refuses_a_file_where_a_folder_must_be(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match=r"^a file and a folder would have the same path in the site: a$"):
        write_site([Output("a/b.html", b"1"), Output("a", b"2")], tmp_path / "site")


@pytest.mark.parametrize("first, later", [("a/index.html", "a"), ("a", "a/index.html")])
def test_a_clash_with_a_page_a_worker_wrote_first_is_reported_as_in_a_serial_build(tmp_path: Path, first: str, later: str) -> None:
    # A render worker writes a later page into the staging folder (stage_new) before the writer comes
    # to an earlier file that clashes with it: the mistake is still the clash, not a system error.
    out = tmp_path / "site"
    staging = OutputFolder.of(out).new_staging()
    written = stage_new(staging, later, b"later")
    assert written is not None
    with pytest.raises(SetupError, match=r"^a file and a folder would have the same path in the site: a$"):
        write_files([Output(first, b"first"), written], out, staging=staging)
    assert not out.exists()


def test_refuses_the_marker_as_a_page(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match=r"^\.cmi-site is the name of the file that marks a folder cmi-site made"):
        write_site([Output(MARKER, b"mine")], tmp_path / "site")


def test_failure_midway_leaves_old_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    write_site([Output("index.html", b"old")], out)
    written = []

    def disk_full(staging: Path, path: str, data: bytes) -> tuple[int, int, int]:
        if written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(staging / path))
        written.append(path)
        return stage_file(staging, path, data)

    monkeypatch.setattr(cmi_site.write, "stage_file", disk_full)
    with pytest.raises(WriteFailed, match=r"^could not write the site \(No space left on device: .*/\.site\.cmi-site/staging-\w+/"
                                          r"b\.html\); .*/site was left as it was$"):  # fmt: skip
        write_site([Output("index.html", b"new"), Output("b.html", b"new")], out)
    assert tree(out) == {"index.html": b"old", MARKER: MARKER_TEXT}
    assert sorted(p.name for p in (tmp_path / ".site.cmi-site").iterdir()) == [WORK_MARKER, "previous"], "staging removed"


def test_leftovers_of_earlier_versions_are_removed_and_a_lost_output_is_put_back(tmp_path: Path) -> None:
    # Before the work folder, a killed build left `.site.tmp-XXXXXXXX` (staging) and `.site.old-XXXXXXXX`
    # (the old site in `site`, or numbered old files); killed between its two renames, no output at all.
    (tmp_path / ".site.old-abcd_123/site").mkdir(parents=True)
    (tmp_path / ".site.old-abcd_123/site/index.html").write_bytes(b"the old site")
    (tmp_path / ".site.tmp-zz99zz99/half").mkdir(parents=True)
    (tmp_path / ".site.old-00000000").mkdir()
    (tmp_path / ".site.old-00000000/0").write_bytes(b"an old file")
    for foreign in (".site.old-notours!", ".site.old-11111111", ".site.tmp-short", ".other.tmp-abcdefgh"):
        (tmp_path / foreign).mkdir()
        (tmp_path / foreign / "keep.txt").write_bytes(b"someone's")
    OutputFolder.of(tmp_path / "site").recover()
    assert tree(tmp_path / "site") == {"index.html": b"the old site"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.tmp-abcdefgh", ".site.old-11111111", ".site.old-notours!",
                                                         ".site.tmp-short", "site"]  # fmt: skip


# ---- killed at any moment: a property ---------------------------------------------------------------

PATHS = ("index.html", "a", "a/index.html", "a/b/index.html", "b/index.html", "b", "c/d/e.txt", "c/d", "c/f.txt")
trees = st.dictionaries(st.sampled_from(PATHS), st.sampled_from([b"1", b"2", b"3"]), max_size=6).map(
    lambda files: {path: data for path, data in files.items() if not any(other.startswith(f"{path}/") for other in files)}
)


def commit_tree(output: Path, files: dict[str, bytes]) -> None:
    """What the build does (write.write_site) for a plain dict of files: a file the live site
    already has with the same bytes is kept, the rest are staged, then the commit."""
    folder = OutputFolder.of(output)
    with folder.locked():
        folder.recover()
        existing = prepare_spare(output)
        staging = folder.new_staging()
        try:
            keep = {path for path, data in files.items() if path in existing and (output / path).read_bytes() == data}
            for path in set(files) - keep:
                stage_file(staging, path, files[path])
            commit_changes(folder, staging, set(files) - keep, keep, existing)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


@pytest.mark.fuzz
@given(before=st.lists(trees, min_size=1, max_size=3), old=trees, new=trees, first=st.integers(1, 60),
       second=st.none() | st.integers(1, 60), one_step=st.booleans())  # fmt: skip
def test_a_commit_killed_at_any_step_leaves_a_whole_site_and_the_next_heals(
        tmp_path: Path, before: list[dict[str, bytes]], old: dict[str, bytes], new: dict[str, bytes], first: int,
        second: int | None, one_step: bool) -> None:  # fmt: skip
    """Sites written one after another; the last killed at any change to the file system (and the one
    that puts it right killed too, sometimes): the output is always the old site or the new one."""
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    out, folder = root / "site", OutputFolder.of(root / "site")
    real = cmi_site.commit._renameat2
    cmi_site.commit._renameat2 = real if one_step else None
    try:
        for files in [*before, old]:  # so the spare is some earlier site, as it is in real use
            commit_tree(out, files)
        for step in (first, second):
            if step is None:
                continue
            outcome = run_killed_at(step, lambda: commit_tree(out, new) or 0)
            if not outcome.killed:
                assert outcome.code == 0
            elif not out.exists():  # only between the renames of the three-rename exchange
                assert not one_step and tree(folder.swap) == old
                continue
            assert tree(out) in (old, new)
            old = tree(out)
        commit_tree(out, new)  # the next build heals
        assert tree(out) == new
        assert sorted(p.name for p in folder.work.iterdir()) == [WORK_MARKER, "previous"]
        commit_tree(out, before[0])  # and the one after still works from the spare it left
        assert tree(out) == before[0]
    finally:
        cmi_site.commit._renameat2 = real
