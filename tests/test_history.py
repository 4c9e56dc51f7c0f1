"""Stories and signatories say when they last changed, from the git history (issue 13): the date of
the last commit that touched the file; the same commit always gives the same output; nothing is
shown without git, outside a checkout, or in a shallow clone."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from pathlib import Path

import pytest

from cmi_site.history import parse_log
from conftest import tree

STORY, SIGNATORY = "stories/memory-cafe.md", "signatories/sam-rivers.md"
SHOWN = re.compile(r'<dt>Last updated</dt><dd><time datetime="([0-9-]+)">')


def git(folder: Path, *args: str, when: str = "2025-01-02T10:00:00+00:00") -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}  # fmt: skip
    subprocess.run(["git", "-C", str(folder), "-c", "user.name=Editor", "-c", "user.email=editor@example.org",  # noqa: S607 - the git on PATH, as the build uses
                    "-c", "init.defaultBranch=main", *args], check=True, capture_output=True, env=env)  # fmt: skip


def last_updated(site: Path, route: str) -> str | None:
    found = SHOWN.search((site / route / "index.html").read_text(encoding="utf-8"))
    return found[1] if found else None


@pytest.fixture
def history(site_dir: Path) -> Path:
    """The minimal site as a git checkout: everything committed on 2 January 2025, then the story
    changed on 3 March 2025."""
    git(site_dir, "init", "-q")
    git(site_dir, "add", "content")
    git(site_dir, "commit", "-q", "-m", "Add the content")
    story = site_dir / "content" / STORY
    story.write_text(story.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    git(site_dir, "commit", "-q", "-a", "-m", "Change the story", when="2025-03-03T23:30:00-05:00")
    return site_dir


def test_the_date_of_the_last_commit_that_touched_the_file_is_shown(history: Path, run_cli) -> None:
    assert run_cli("build").code == 0
    # the committer's own date: 23:30 in New York on 3 March, whatever the clock of the machine
    assert last_updated(history / "_site", "stories/memory-cafe") == "2025-03-03"
    assert last_updated(history / "_site", "signatories/sam-rivers") == "2025-01-02"
    assert last_updated(history / "_site", "stories/respite-with-carers") == "2025-01-02"


def test_the_same_commit_gives_the_same_output(history: Path, run_cli) -> None:
    assert run_cli("build", "--no-cache", "--output", "one").code == 0
    assert run_cli("build", "--output", "two").code == 0
    assert tree(history / "one") == tree(history / "two")
    assert last_updated(history / "one", "stories/memory-cafe") == "2025-03-03"


def test_nothing_is_shown_in_a_shallow_clone(history: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    clone = history / "clone"
    git(history, "clone", "-q", "--depth", "1", f"file://{history}", str(clone))
    monkeypatch.chdir(clone)
    assert run_cli("build").code == 0
    assert last_updated(clone / "_site", "stories/memory-cafe") is None
    assert last_updated(clone / "_site", "signatories/sam-rivers") is None


def test_nothing_is_shown_outside_a_checkout_or_without_git(site_dir: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli("build").code == 0
    assert last_updated(site_dir / "_site", "stories/memory-cafe") is None
    git(site_dir, "init", "-q")
    git(site_dir, "add", "content")
    git(site_dir, "commit", "-q", "-m", "Add the content")
    monkeypatch.setenv("PATH", str(site_dir / "nowhere"))  # git cannot be found
    assert run_cli("build").code == 0
    assert last_updated(site_dir / "_site", "stories/memory-cafe") is None


def test_the_log_is_read_whatever_the_file_names() -> None:
    log = ("\x012025-03-04\0\nstories/b c.md\0stories/new\nline.md\0stories/é.md\0"
           "\x012025-01-02\0\nstories/b c.md\0stories/a.md\0\x01garbage\0\nstories/x.md\0")  # fmt: skip
    assert parse_log(log) == {"stories/b c.md": dt.date(2025, 3, 4), "stories/new\nline.md": dt.date(2025, 3, 4),
                              "stories/é.md": dt.date(2025, 3, 4), "stories/a.md": dt.date(2025, 1, 2)}  # fmt: skip
    assert parse_log("") == {}
