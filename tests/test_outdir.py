"""The output folder: the build refuses to replace what it must not, however the path is spelled.

Every refusal is one line on stderr, exit 2, with nothing written or removed anywhere.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

import cmi_site.outdir
from cmi_site.cli import main
from cmi_site.outdir import MARKER, MARKER_TEXT
from conftest import TEMPLATES, TODAY, Run

REFUSED = r"cmi-site: refusing to build into "


@pytest.fixture
def project(site_dir: Path) -> Path:
    """site_dir with its own templates/ (so that --output templates means them) and an images folder."""
    shutil.copytree(TEMPLATES, site_dir / "templates")
    (site_dir / "content/images").mkdir()
    (site_dir / "content/images/logo.svg").write_bytes(b"<svg/>")
    (site_dir / "link").symlink_to("content")
    return site_dir


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """`cmi-site COMMAND ARGS` with the project's own templates, output captured."""

    def run(command: str, *args: str) -> Run:
        code = main([command, "--today", TODAY.isoformat(), *args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes | None]]:
    """Every entry under folder (and folder's own listing): kind, inode, bytes: what a refusal must not change."""
    found: dict[str, tuple[int, int, bytes | None]] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        found[path.relative_to(folder).as_posix()] = (info.st_mode, info.st_ino, path.read_bytes() if path.is_file() else None)
    return found


@pytest.mark.parametrize(("output", "why"), [
    ("content", "it is the content folder (content)"),
    ("content/", "it is the content folder (content)"),
    ("./content", "it is the content folder (content)"),
    ("content/stories", "it is inside the content folder (content)"),
    ("content/images", "it is inside the content folder (content)"),  # it would republish the old site as images
    ("content/images/new", "it is inside the content folder (content)"),
    ("templates", "it is the templates folder (templates)"),
    ("templates/root", "it is inside the templates folder (templates)"),
    (".", "it is the working folder ({root})"),
    ("..", "it holds the working folder ({root})"),
    ("{root}", "it is the working folder ({root})"),
    ("/", "it holds the working folder ({root})"),
    (".cache", "it holds the build cache folder ({root}/.cache/build)"),
    (".cache/build", "it is the build cache folder ({root}/.cache/build)"),
    ("link", "it is the content folder (content)"),  # a symlink to content/
    ("link/stories", "it is inside the content folder (content)"),
    ("link/..", "it is the working folder ({root})"),  # .. after a symlink: content/.., the project
    ("_site/../content", "it is the content folder (content)"),
    ("templates/../content/stories/..", "it is the content folder (content)"),
])  # fmt: skip
@pytest.mark.parametrize("command", ["build", "serve"])
def test_refuses_an_output_folder_that_is_holds_or_is_inside_the_project(
        project: Path, cli: Callable[..., Run], output: str, why: str, command: str) -> None:  # fmt: skip
    (project / ".cache/build").mkdir(parents=True)  # made by an earlier build
    before = snapshot(project)
    output = output.format(root=project)
    extra = ["--port", "0"] if command == "serve" else []
    result = cli(command, "--output", output, *extra)
    assert result.code == 2
    assert result.out == ""
    expected = (f"{REFUSED}{Path(output)}: {why.format(root=project)}, and the build replaces the output folder as a whole; "
                "choose another --output (the default is _site)\n")  # fmt: skip
    assert result.err == expected
    assert snapshot(project) == before


def test_a_symlinked_output_is_checked_where_it_points(project: Path, cli: Callable[..., Run]) -> None:
    (project / "_site").symlink_to(project / "content/stories")
    before = snapshot(project)
    result = cli("build")
    assert (result.code, result.err) == (2, f"{REFUSED}_site: it is inside the content folder (content), and the build replaces "
                                            "the output folder as a whole; choose another --output (the default is _site)\n")  # fmt: skip
    assert snapshot(project) == before


def test_refuses_a_folder_it_did_not_make(project: Path, cli: Callable[..., Run]) -> None:
    mine = project / "my-notes"
    mine.mkdir()
    (mine / "notes.txt").write_text("not a site")
    before = snapshot(project)
    for command, *extra in (["build"], ["serve", "--port", "0"]):
        result = cli(command, "--output", "my-notes", *extra)
        assert (result.code, result.out) == (2, "")
        assert result.err == ("cmi-site: refusing to replace my-notes: it is not empty and was not made by cmi-site (it has no "
                              ".cmi-site file); move it away or choose another --output\n")  # fmt: skip
    assert snapshot(project) == before


@pytest.mark.parametrize("inside", [[".git/HEAD"], [".gitignore"], ["notes.txt"], ["index.html"], ["assets/site.css"],
                                    ["index.html", "assets/site.css", ".git/HEAD"], ["index.html", "assets"]])  # fmt: skip
def test_a_folder_that_only_partly_looks_like_a_site_is_not_replaced(project: Path, cli: Callable[..., Run], inside: list[str]) -> None:
    for name in inside:
        (project / "out" / name).parent.mkdir(parents=True, exist_ok=True)
        (project / "out" / name).write_text("someone's")
    before = snapshot(project)
    assert cli("build", "--output", "out").code == 2
    assert snapshot(project) == before


def test_a_site_built_before_the_marker_existed_is_replaced(project: Path, cli: Callable[..., Run]) -> None:
    """An editor upgrading: their _site has no marker, but is plainly a site an earlier version made."""
    assert cli("build").code == 0
    expected = snapshot(project / "_site")
    shutil.rmtree(project / "._site.cmi-site")
    (project / "_site" / MARKER).unlink()
    (project / "_site/stories/an-old-story").mkdir()
    (project / "_site/stories/an-old-story/index.html").write_text("a story since removed")
    result = cli("build")
    assert result.code == 0, result.err
    assert {path: data for path, (_, _, data) in snapshot(project / "_site").items()} == {
        path: data for path, (_, _, data) in expected.items()}  # fmt: skip
    assert (project / "_site" / MARKER).read_bytes() == MARKER_TEXT


def test_an_empty_folder_or_a_missing_one_may_be_the_output(project: Path, cli: Callable[..., Run]) -> None:
    (project / "empty").mkdir()
    assert cli("build", "--output", "empty").code == 0
    assert cli("build", "--output", "new/deeper").code == 0
    assert (project / "empty/index.html").is_file() and (project / "new/deeper/index.html").is_file()


def test_refuses_an_output_path_that_is_a_file(project: Path, cli: Callable[..., Run]) -> None:
    (project / "_site").write_text("a file")
    result = cli("build")
    assert (result.code, result.err) == (2, "cmi-site: the output path _site exists and is not a folder\n")
    assert (project / "_site").read_text() == "a file"


def test_refuses_when_the_work_folder_beside_the_output_is_not_its_own(project: Path, cli: Callable[..., Run]) -> None:
    (project / "._site.cmi-site").mkdir()
    (project / "._site.cmi-site/thesis.tex").write_text("someone's")
    before = snapshot(project)
    result = cli("build")
    assert (result.code, result.out) == (2, "")
    assert result.err == (f"cmi-site: {project}/._site.cmi-site is in the way: cmi-site keeps its work there, but it was not "
                          "made by cmi-site; move it away\n")  # fmt: skip
    assert snapshot(project) == before


def test_refuses_an_output_inside_the_work_folder(project: Path, cli: Callable[..., Run]) -> None:
    assert cli("build").code == 0
    before = snapshot(project)
    result = cli("build", "--output", "._site.cmi-site/previous")
    assert (result.code, result.err) == (2, f"{REFUSED}._site.cmi-site/previous: it is inside cmi-site's work folder "
                                            f"({project}/._site.cmi-site)\n")  # fmt: skip
    assert snapshot(project) == before


def test_refuses_an_output_folder_on_another_file_system(project: Path, cli: Callable[..., Run]) -> None:
    """A mount point cannot be swapped with a folder beside it (rename across file systems fails with EXDEV)."""
    assert cli("build").code == 0
    before = snapshot(project)
    real_stat = os.stat

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        found = real_stat(path, *args, **kwargs)  # type: ignore[arg-type]
        if os.fspath(path) == str(project / "_site"):  # type: ignore[arg-type]
            return os.stat_result((found.st_mode, found.st_ino, found.st_dev + 1, *tuple(found)[3:10]))
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cmi_site.outdir.os, "stat", stat)
        result = cli("build")
    assert (result.code, result.out) == (2, "")
    assert result.err == ("cmi-site: _site is a mount point (another file system than the folder it is in): the build makes the "
                          "new site beside it and swaps the two, so give a folder inside it, e.g. --output _site/site\n")  # fmt: skip
    assert snapshot(project) == before


def test_serve_refuses_before_it_listens(project: Path, cli: Callable[..., Run]) -> None:
    with socket.socket() as taken:  # the port is busy too: the output folder is what is reported
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = cli("serve", "--output", "content", "--port", str(taken.getsockname()[1]))
    assert result.code == 2 and result.err.startswith(f"{REFUSED}content: it is the content folder")
