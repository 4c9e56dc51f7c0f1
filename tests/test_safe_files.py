"""Files that are not what they seem: symbolic links out of content/ or templates/, dangling links and
loops, named pipes, names with line breaks or bytes that are not UTF-8, files over the size limits.

Each is refused as a problem of its own file, the same in `check` and `build`, and nothing outside the
folder is ever read: every test that links out points at a file holding SECRET and asserts it never
shows up, in the messages or in the output.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmi_site.load import hash_files, load_content, read_doc
from cmi_site.outdir import remove_tree
from cmi_site.safe_files import (
    IMAGE_LIMIT,
    MAX_FOLDER_DEPTH,
    TEMPLATE_LIMIT,
    TEXT_LIMIT,
    TOO_DEEP,
    TOO_LONG,
    ContainedLoader,
    path_order,
)
from conftest import TEMPLATES, Run, tree

SECRET = "TOP-SECRET-9f2c"  # noqa: S105 - a marker to look for, not a password
STORY = f"""\
---
title: {SECRET}
summary: {SECRET}
date: 2024-06-01
areas: [suffolk]
sectors: [health]
themes: [dementia]
consent: {{date: 2025-01-10, how: in writing}}
---
{SECRET}
"""
OUTSIDE_FILE = "a symbolic link to a file outside content/ is not allowed (put the file itself in content/)"
OUTSIDE_FOLDER = "a symbolic link to a folder outside content/ is not allowed (put the folder itself in content/)"


@pytest.fixture
def secret(site_dir: Path) -> Path:
    """A folder beside content/ holding SECRET in a story, a data file and an image."""
    folder = site_dir / "private"
    folder.mkdir()
    (folder / "story.md").write_text(STORY, encoding="utf-8")
    (folder / "site.yml").write_text(f"title: {SECRET}\ntagline: x\ndescription: x\nsample_notice: true\n", encoding="utf-8")
    (folder / "photo.jpg").write_bytes(SECRET.encode())
    return folder


def link(path: Path, target: str) -> None:
    """Make path (replacing any file there) a symbolic link to target, as a pull request can."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    path.symlink_to(target)


def never_read(site_dir: Path, lines: list[str]) -> None:
    """SECRET is in no message and in no file of the output."""
    assert not any(SECRET in line for line in lines)
    assert not any(SECRET.encode() in data for data in tree(site_dir / "_site").values())


# ---- symbolic links -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "target", "expected"),
    [
        pytest.param("stories/x.md", "../../private/story.md", f"content/stories/x.md:1: file: {OUTSIDE_FILE}", id="story"),
        pytest.param("site.yml", "../private/site.yml", f"content/site.yml:1: file: {OUTSIDE_FILE}", id="data-file"),
        pytest.param("images/photo.jpg", "../../private/photo.jpg", f"content/images/photo.jpg:1: file: {OUTSIDE_FILE}", id="image"),
        pytest.param("stories/more", "../../private", f"content/stories/more:1: file: {OUTSIDE_FOLDER}", id="folder"),
        pytest.param("images", "../private", f"content/images:1: file: {OUTSIDE_FOLDER}", id="images-folder"),
        pytest.param("pages/x.md", "/etc/passwd", f"content/pages/x.md:1: file: {OUTSIDE_FILE}", id="absolute"),
    ],
)  # fmt: skip
def test_link_out_of_content_is_refused(built: Path, site_dir: Path, secret: Path, refused, rel: str, target: str,
                                        expected: str) -> None:  # fmt: skip
    link(site_dir / "content" / rel, target)
    lines = refused()
    assert expected in lines
    never_read(site_dir, lines)


def test_collection_folder_that_links_out_is_refused(site_dir: Path, secret: Path, refused) -> None:
    shutil.rmtree(site_dir / "content/signatories")
    (secret / "signatories").mkdir()
    link(site_dir / "content/signatories", "../private/signatories")
    assert refused() == [
        "content/signatories:1: no signatories: the folder has no .md files, or every signatory is withdrawn (a build would replace the live site with an "
        "empty pledge register; check that this is the right content folder)",
        f"content/signatories:1: file: {OUTSIDE_FOLDER}",
    ]


def test_links_inside_content_are_followed(site_dir: Path, run_cli: Callable[..., Run]) -> None:
    (site_dir / "content/drafts").mkdir()
    (site_dir / "content/stories/memory-cafe.md").rename(site_dir / "content/drafts/memory-cafe.md")
    link(site_dir / "content/stories/memory-cafe.md", "../drafts/memory-cafe.md")
    link(site_dir / "content/stories/2024", "../drafts")  # a folder: the same story again, under another path
    result = run_cli("check")
    assert result.err.splitlines()[:1] == [  # the story found through the folder link is shown where it is
        "content/stories/memory-cafe.md:1: file name: content/drafts/memory-cafe.md has the same file name, and both "
        "would get the same web address (rename one of them: file names in content/stories/ must all be different)",
    ]
    (site_dir / "content/stories/2024").unlink()
    assert run_cli("build").code == 0
    assert "Memory cafe" in (site_dir / "_site/stories/memory-cafe/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("rel", "target", "expected"),
    [
        pytest.param("stories/x.md", "nowhere.md", "content/stories/x.md:1: file: a symbolic link to something that is not "
                     "there (delete the link, or put the file itself here)", id="dangling"),
        pytest.param("stories/x.md", "x.md", "content/stories/x.md:1: file: a symbolic link that leads back to itself "
                     "(a loop; delete the link)", id="self-loop"),
        pytest.param("stories/loop", ".", "content/stories/loop:1: file: a symbolic link to a folder that contains it, or "
                     "that is read already (a loop; delete the link)", id="folder-loop"),
        pytest.param("images/up", "..", "content/images/up:1: file: a symbolic link to a folder that contains it, or "
                     "that is read already (a loop; delete the link)", id="images-loop"),
        pytest.param("themes.yml", "themes.yml", "content/themes.yml:1: file: a symbolic link that leads back to itself "
                     "(a loop; delete the link)", id="data-file-loop"),
    ],
)  # fmt: skip
def test_dangling_links_and_loops_are_one_line_each(site_dir: Path, refused, rel: str, target: str, expected: str) -> None:
    link(site_dir / "content" / rel, target)
    assert expected in refused()


@pytest.mark.parametrize("where", ["images", "stories"])
def test_a_folder_tree_a_thousand_deep_is_one_problem_not_a_traceback(site_dir: Path, refused, where: str) -> None:
    # As a pull request could commit it: copying or deleting such a tree (Python's os.makedirs,
    # shutil.rmtree) recurses until a RecursionError. The walk stops at MAX_FOLDER_DEPTH.
    os.chdir(site_dir / "content")
    os.makedirs(where, exist_ok=True)
    os.chdir(where)
    for _ in range(1100):
        os.mkdir("d")
        os.chdir("d")
    Path("deep.md" if where == "stories" else "deep.png").write_bytes(b"x")
    os.chdir(site_dir)
    shown = "/".join(["d"] * MAX_FOLDER_DEPTH)
    try:
        assert refused() == [f"content/{where}/{shown}:1: file: {TOO_DEEP}"]
    finally:  # taken down here: pytest's own clean-up of such a tree recurses too
        remove_tree(site_dir / "content" / where / "d")


def test_a_folder_of_very_long_names_is_one_problem(site_dir: Path, refused) -> None:
    # The output's folders must stay short enough for the build's own scan of it (commit.MAX_OUTPUT_PATH).
    deep = site_dir / "content/images" / ("a" * 200) / ("b" * 200) / ("c" * 200) / ("d" * 200) / ("e" * 200)
    deep.mkdir(parents=True)
    (deep / "photo.png").write_bytes(b"x")
    shown = f"content/images/{'a' * 200}/{'b' * 200}/{'c' * 200}/{'d' * 200}/{'e' * 200}"
    assert refused() == [f"{shown}:1: file: {TOO_LONG}"]


def test_named_pipe_is_refused_not_waited_on(site_dir: Path, refused) -> None:
    (site_dir / "content/images").mkdir()
    os.mkfifo(site_dir / "content/stories/story.md")
    os.mkfifo(site_dir / "content/images/photo.jpg")
    special = "not a regular file or folder (a named pipe, socket or device cannot be read; delete it)"
    assert refused() == [f"content/images/photo.jpg:1: file: {special}", f"content/stories/story.md:1: file: {special}"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("a\nb.md", "content/stories/a\\nb.md:1: file: the name has the character U+000A (line break), which is "
                     "not allowed in a name (rename it, using letters, numbers and hyphens)", id="line-break"),
        pytest.param("a\x1bb.md", "content/stories/a\\x1bb.md:1: file: the name has the character U+001B (escape), which is "
                     "not allowed in a name (rename it, using letters, numbers and hyphens)", id="escape"),
        pytest.param(b"caf\xe9.md", "content/stories/caf\\udce9.md:1: file: the name is not UTF-8 text, so it cannot be shown "
                     "or linked to (rename it, using letters, numbers and hyphens)", id="not-utf-8"),
    ],
)  # fmt: skip
def test_file_name_with_control_characters_or_bad_bytes(site_dir: Path, refused, name: str | bytes, expected: str) -> None:
    folder = os.fsencode(site_dir / "content/stories")
    with open(os.path.join(folder, os.fsencode(name)), "wb") as handle:
        handle.write(STORY.encode())
    assert refused() == [expected]


# ---- templates ----------------------------------------------------------------------------------


@pytest.fixture
def templates(site_dir: Path) -> Path:
    """A copy of the repository's templates, to change."""
    shutil.copytree(TEMPLATES, site_dir / "templates")
    return site_dir / "templates"


@pytest.mark.parametrize(
    ("rel", "kind"),
    [("story.html", "file"), ("assets/site.css", "file"), ("root/_headers", "file"), ("root/private", "folder")],
)
def test_template_or_asset_that_links_out_is_refused(built: Path, site_dir: Path, secret: Path, templates: Path,
                                                     refused, rel: str, kind: str) -> None:  # fmt: skip
    depth = "../" * rel.count("/")
    link(templates / rel, f"../{depth}private/story.md" if kind == "file" else f"../{depth}private")
    lines = refused("--templates", "templates")
    assert lines == [f"templates/{rel}:1: file: a symbolic link to a {kind} outside templates/ is not allowed "
                     f"(put the {kind} itself in templates/)"]  # fmt: skip
    never_read(site_dir, lines)


def test_template_loader_refuses_a_link_out_by_itself(site_dir: Path, secret: Path, templates: Path) -> None:
    link(templates / "story.html", "../private/story.md")
    loader, env = ContainedLoader(templates, "templates/"), jinja2.Environment(autoescape=True)
    with pytest.raises(jinja2.TemplateError, match="a symbolic link to a file outside templates/ is not allowed"):
        loader.get_source(env, "story.html")
    assert "story.html" not in loader.list_templates() and "base.html" in loader.list_templates()
    with pytest.raises(jinja2.TemplateNotFound):
        loader.get_source(env, "../private/story.md")


# ---- the hashing walks (the build cache's view of content/ and templates/) ---------------------------


def test_hashing_never_reads_through_a_link_out(site_dir: Path, secret: Path, monkeypatch: pytest.MonkeyPatch,
                                                run_cli: Callable[..., Run]) -> None:  # fmt: skip
    link(site_dir / "content/.hidden.md", "../private/story.md")  # hidden: never loaded, but hashed
    os.mkfifo(site_dir / "content/.pipe")
    opened: list[str] = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda file, *a, **k: opened.append(os.fspath(file)) or real_open(file, *a, **k))
    hashes = hash_files(site_dir / "content")
    assert hashes[".hidden.md"].startswith("refused ") and hashes[".pipe"].startswith("refused ")
    assert run_cli("build").code == 0  # with the build cache: hash_files_known walks content/ and templates/
    assert not any(str(secret) in path or path.endswith(".pipe") for path in opened)
    link(site_dir / "content/.hidden.md", "../private/site.yml")  # where a refused link leads counts as a change
    assert hash_files(site_dir / "content")[".hidden.md"] != hashes[".hidden.md"]


# ---- size limits --------------------------------------------------------------------------------


def padded(text: str, size: int) -> bytes:
    """text, with its body made longer so that the file is exactly size bytes."""
    data = text.encode()
    return data + b"x" * (size - len(data))


def test_story_over_the_limit_is_refused_before_it_is_read(site_dir: Path, refused) -> None:
    (site_dir / "content/stories/long.md").write_bytes(padded(STORY, 20 * 1024 * 1024))
    assert refused() == ["content/stories/long.md:1: file: the file is 20.0 MB, more than the 1 MB a content file may be "
                         "(split it into several files, or make it shorter)"]  # fmt: skip


def test_story_of_exactly_the_limit_is_read(site_dir: Path) -> None:
    (site_dir / "content/stories/long.md").write_bytes(padded(STORY, TEXT_LIMIT.size))
    loaded = load_content(site_dir / "content", site_dir)
    doc = next(doc for doc in loaded.docs if doc.stem == "long")
    assert read_doc(doc, loaded.within) == padded(STORY, TEXT_LIMIT.size) and not [p for p in loaded.problems if "MB" in p.message]


@pytest.mark.parametrize(
    ("rel", "size", "expected"),
    [
        pytest.param("areas.yml", TEXT_LIMIT.size + 1, "content/areas.yml:1: file: the file is 1.1 MB, more than the 1 MB a "
                     "content file may be (split it into several files, or make it shorter)", id="data-file"),
        pytest.param("images/huge.jpg", IMAGE_LIMIT.size + 1, "content/images/huge.jpg:1: file: the file is 10.1 MB, more than "
                     "the 10 MB an image may be (save it smaller, for example 2000 pixels wide as .jpg)", id="image"),
    ],
)  # fmt: skip
def test_data_file_and_image_over_the_limit(site_dir: Path, refused, rel: str, size: int, expected: str) -> None:
    target = site_dir / "content" / rel
    target.parent.mkdir(exist_ok=True)
    with open(target, "ab") as handle:
        handle.truncate(size)  # sparse: quick to make, as big as it says
    assert refused() == [expected]


def test_template_over_the_limit(site_dir: Path, templates: Path, refused) -> None:
    with open(templates / "assets/big.js", "wb") as handle:
        handle.truncate(TEMPLATE_LIMIT.size + 1)
    assert refused("--templates", "templates") == [
        "templates/assets/big.js:1: file: the file is 10.1 MB, more than the 10 MB a template or asset may be (make it smaller)",
    ]


_NAMES = st.text(st.sampled_from("ab-./_\u00e9\udc80 "), min_size=1, max_size=4).filter(lambda n: "/" not in n)


@given(st.lists(st.lists(_NAMES, min_size=1, max_size=3).map("/".join), max_size=12))
def test_walked_paths_sort_part_by_part_as_paths_do(paths: list[str]) -> None:
    assert sorted(paths, key=path_order) == sorted(paths, key=lambda rel: rel.split("/"))
