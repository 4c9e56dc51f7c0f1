"""The preview's early pages: after an edit, the pages open in the browser as the build that follows
will write them, byte for byte, shown before that build ends (pipeline.preview, speed/resident.py,
builder.py, live.PreviewState); or nothing early when that cannot be told sooner."""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from pathlib import Path

import pytest

import cmi_site.speed.docs
from cmi_site.builder import Builder
from cmi_site.config import CONTENT, BuildOptions, Change, Paths, Result
from cmi_site.live import PreviewState
from cmi_site.pipeline import build, preview
from cmi_site.site import build_site
from cmi_site.speed.resident import Memory
from conftest import SAMPLE_CONTENT, TEMPLATES, TODAY
from test_incremental import CHANGES, STORY, assert_same_as_cold, edit, run

OPTIONS = BuildOptions(today=TODAY)
# The changes an edit of a known document or a template makes: shown early. The rest (a file added or
# removed, a data file, a picture) only the build can show.
SHOWN_EARLY = {"story body", "story title", "story date (moves in every listing)", "story areas", "signatory", "page",
               "event", "page template", "base template", "macros", "stylesheet", "event date (calendars)",
               "story rating (self-assessment)"}  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the sample content and the templates, to change."""
    shutil.copytree(SAMPLE_CONTENT, tmp_path / "content")
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    return tmp_path


def paths_of(root: Path) -> Paths:
    return Paths(root / "content", root / "templates", root / "_site", root, root / ".cache/build")


def hashes(root: Path) -> dict[Change, str]:
    """Each file of content/ and templates/ as a Change, with the hash of its bytes."""
    found = {}
    for name, folder in ((CONTENT, root / "content"), ("templates", root / "templates")):
        for file in folder.rglob("*"):
            if file.is_file():
                found[(name, file.relative_to(folder).as_posix())] = hashlib.sha256(file.read_bytes()).hexdigest()
    return found


def changed(before: dict[Change, str], after: dict[Change, str]) -> list[Change]:
    """What a watcher would report: every file added, removed or changed."""
    return sorted(change for change in before.keys() | after.keys() if before.get(change) != after.get(change))


@pytest.mark.parametrize("change", list(CHANGES))
def test_early_pages_are_the_pages_the_build_then_writes(project: Path, change: str) -> None:
    run(project)
    memory = Memory()
    memory.sync(paths_of(project))
    pages = sorted(p.relative_to(project / "_site").as_posix() for p in (project / "_site").rglob("*.html"))
    before = hashes(project)
    CHANGES[change](project)
    early = preview(paths_of(project), OPTIONS, False, memory, changed(before, hashes(project)), pages)
    run(project)
    if change not in SHOWN_EARLY:
        assert early is None
        return
    assert early is not None and "index.html" in early and STORY.replace("content/", "").replace(".md", "/index.html") in early
    different = [path for path, data in early.items() if (project / "_site" / path).read_bytes() != data]
    assert different == []
    assert set(early) == set(pages) - {"search/index.html"}, "every open page but the search page (made with its index)"


def test_nothing_is_shown_early_for_an_edit_with_an_error_or_a_warning_under_strict(project: Path) -> None:
    run(project)
    memory = Memory()
    memory.sync(paths_of(project))
    change = [(CONTENT, STORY.removeprefix("content/"))]
    edit(project, STORY, "date: 2026-01-15", "date: 15 January")
    assert preview(paths_of(project), OPTIONS, False, memory, change, ["index.html"]) is None
    edit(project, STORY, "date: 15 January", "date: 2026-01-15\nunknown_field: 1")  # a warning (an unknown field)
    assert preview(paths_of(project), OPTIONS, True, memory, change, ["index.html"]) is None
    assert preview(paths_of(project), OPTIONS, False, memory, change, ["index.html"]) is not None


def test_nothing_is_shown_early_before_a_sync_or_after_a_change_it_cannot_follow(project: Path) -> None:
    run(project)
    memory = Memory()
    story = [(CONTENT, STORY.removeprefix("content/"))]
    assert preview(paths_of(project), OPTIONS, False, memory, story, ["index.html"]) is None, "nothing known yet"
    memory.sync(paths_of(project))
    assert preview(paths_of(project), OPTIONS, False, memory, [("", "")], ["index.html"]) is None
    assert memory.stale, "until the next sync, nothing is shown early"
    assert preview(paths_of(project), OPTIONS, False, memory, story, ["index.html"]) is None
    memory.sync(paths_of(project))
    assert preview(paths_of(project), OPTIONS, False, memory, story, ["index.html"]) is not None


def test_the_builder_sends_the_open_pages_first_then_builds(project: Path) -> None:
    builder = Builder(paths_of(project), OPTIONS, False)
    try:
        assert isinstance(first := builder.build(), Result) and first.state == "built"
        assert first.cache_failure is None, "the builder's builds are the fast engine's (on every core)"
        edit(project, STORY, "## Why we did it", "## Why we did it\n\nSaid early.")
        story_page = STORY.replace("content/", "").replace(".md", "/index.html")
        shown: list[dict[str, bytes]] = []
        result = builder.build([(CONTENT, STORY.removeprefix("content/"))], [story_page, "no/such/index.html"], shown.append)
        assert isinstance(result, Result) and result.state == "built" and result.cache_failure is None
        assert list(shown[0]) == [story_page] and b"Said early." in shown[0][story_page]
        assert shown[0][story_page] == (project / "_site" / story_page).read_bytes()
        edit(project, STORY, "Said early.", "Said early again.")
        shown.clear()
        builder.build([(CONTENT, STORY.removeprefix("content/"))], [story_page], shown.append)
        assert b"Said early again." in shown[0][story_page], "the memory follows one edit after another"
    finally:
        builder.close()


def test_the_builder_ends_by_itself_when_the_preview_closes_its_pipe(project: Path) -> None:
    # The fork copied the preview's end of the pipe into the builder, which held it open and so never
    # saw it close: every Ctrl+C of cmi-site serve waited 5 s and then killed the builder.
    builder = Builder(paths_of(project), OPTIONS, False)
    assert isinstance(builder.build(), Result)
    builder.close()
    assert builder._process.exitcode == 0, "ended by itself, not killed (-9)"


def test_while_a_build_shown_early_runs_other_pages_wait_for_it() -> None:
    state = PreviewState()
    state.update(Result("built", []))
    assert state.generation == 1
    state.show_early({"about/index.html": b"early"})
    assert state.generation == 2 and state.page("about/index.html") == b"early"
    waited: list[float] = []

    def other_page() -> None:
        started = time.monotonic()
        assert state.page("index.html") is None  # then served from the output folder, now the new site
        waited.append(time.monotonic() - started)

    reader = threading.Thread(target=other_page)
    reader.start()
    time.sleep(0.3)
    assert not waited, "a page not shown early waits while the build runs"
    state.update(Result("built", []))
    reader.join(timeout=5)
    assert waited and waited[0] >= 0.3
    assert state.generation == 2, "the pages shown early are the build's: no second reload"
    assert state.page("about/index.html") is None and state.page("index.html") is None, "the output folder serves all again"


def test_a_build_shown_early_that_fails_to_write_serves_the_last_good_site_again() -> None:
    state = PreviewState()
    state.update(Result("built", []))
    state.show_early({"about/index.html": b"early"})
    state.abandon_early()
    assert state.generation == 3, "pages that showed the early version reload the last good site"
    assert state.page("about/index.html") is None


def test_open_pages_are_counted_by_their_live_reload_streams() -> None:
    state = PreviewState()
    state.opened("about/index.html", +1)
    state.opened("about/index.html", +1)
    state.opened("index.html", +1)
    state.opened("about/index.html", -1)
    state.opened("index.html", -1)
    assert state.wanted() == ["about/index.html"]


def test_a_build_with_the_previews_memory_reads_no_document_from_the_cache_and_is_the_same(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    memory = Memory()
    result = build(paths_of(project), OPTIONS, memory=memory)
    assert result.state == "built" and not memory.stale and memory.by_key
    edit(project, STORY, "## Why we did it", "## Why we did it\n\nA new first paragraph.")

    def no_cache(*args: object) -> None:
        raise AssertionError("the documents were read from the cache, not memory")

    monkeypatch.setattr(cmi_site.speed.docs, "_cached", no_cache)
    assert build(paths_of(project), OPTIONS, memory=memory).state == "built"
    assert_same_as_cold(project)


def test_an_editors_hidden_swap_file_beside_the_edit_still_shows_it_early(project: Path) -> None:
    run(project)
    memory = Memory()
    memory.sync(paths_of(project))
    edit(project, STORY, "## Why we did it", "## Why we did it\n\nSaved in vim.")
    (project / "content/stories/.jobs-support-luton.md.swp").write_bytes(b"\x00swap")
    changes = [(CONTENT, STORY.removeprefix("content/")), (CONTENT, "stories/.jobs-support-luton.md.swp")]
    early = preview(paths_of(project), OPTIONS, False, memory, changes, ["stories/jobs-support-luton/index.html"])
    assert early is not None and b"Saved in vim." in early["stories/jobs-support-luton/index.html"]
    run(project)
    assert early["stories/jobs-support-luton/index.html"] == (project / "_site/stories/jobs-support-luton/index.html").read_bytes()
    assert preview(paths_of(project), OPTIONS, False, memory, [(CONTENT, "stories/new.md")], ["index.html"]) is None, "a new file"


def test_the_preview_plans_only_the_kinds_of_page_that_are_open(project: Path) -> None:
    """Every page is planned when it is the one open (with the same values as in the full plan), and
    the many pages of a kind (stories, evidence) only when one of them is open."""
    from cmi_site.pages import plan_pages
    from conftest import validated

    site = build_site(validated(project).content, OPTIONS)
    every = {job.path: job for job in plan_pages(site)}
    for path, job in every.items():
        alone = [found for found in plan_pages(site, [path]) if found.path == path]
        assert alone == [job], path
    home = {job.path for job in plan_pages(site, ["index.html"])}
    assert "evidence/index.html" in every and not any(p.startswith(("evidence/", "stories/jobs")) for p in home)
    assert "stories/jobs-support-luton/index.html" in {job.path for job in plan_pages(site, ["stories/index.html"])}
