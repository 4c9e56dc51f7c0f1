"""The build cache, parallel rendering and incremental writing never change what is built.

Every test compares a build that used the cache (and kept files from the last build) with a cold
build of the same input into a fresh folder: they must be byte-identical, file for file.
"""

from __future__ import annotations

import datetime as dt
import functools
import multiprocessing
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import pytest

import cmi_site.load
import cmi_site.outputs.evidence
import cmi_site.outputs.opendata
import cmi_site.pipeline
import cmi_site.render
import cmi_site.safe_files
import cmi_site.speed.cache
import cmi_site.speed.docs
import cmi_site.speed.fast
import cmi_site.speed.pages
import cmi_site.speed.parallel
import cmi_site.speed.postings
import cmi_site.write
from cmi_site.config import BuildOptions, Paths, Result
from cmi_site.errors import SetupError
from cmi_site.load import hash_files, load_content, read_doc
from cmi_site.pipeline import build
from cmi_site.source import parse_doc
from cmi_site.speed.cache import BuildCache, source_digest
from cmi_site.speed.docs import hash_files_known
from cmi_site.validate import cross_check_part, write_up_problems
from cmi_site.write import WriteFailed
from conftest import SAMPLE_CONTENT, TEMPLATES, TODAY, picture

STORY = "content/stories/jobs-support-luton.md"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the sample content and the templates, to change."""
    shutil.copytree(SAMPLE_CONTENT, tmp_path / "content")
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    return tmp_path


def run(root: Path, output: str = "_site", cache: bool = True, today: dt.date = TODAY, **options: object) -> Result:
    paths = Paths(root / "content", root / "templates", root / output, root, root / ".cache/build" if cache else None)
    result = build(paths, BuildOptions(today=today, **options))  # type: ignore[arg-type]
    assert result.files, [str(p) for p in result.problems]
    assert result.cache_failure is None  # the fast engine built it: it did not fall back to the plain one
    return result


def another_code_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the code had changed: everything the cache keeps under the code's version is stale."""
    for module in (cmi_site.speed.cache, cmi_site.speed.docs, cmi_site.speed.fast, cmi_site.speed.pages, cmi_site.speed.postings):
        monkeypatch.setattr(module, "code_version", lambda: "another version")


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_as_cold(root: Path, **options: object) -> None:
    """The incrementally built _site equals a build with no cache into an empty folder."""
    shutil.rmtree(root / "cold", ignore_errors=True)
    run(root, "cold", cache=False, **options)
    incremental, cold = tree(root / "_site"), tree(root / "cold")
    assert sorted(incremental) == sorted(cold)
    assert [p for p in cold if incremental[p] != cold[p]] == []


def edit(root: Path, rel: str, old: str, new: str) -> None:
    file = root / rel
    text = file.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


CHANGES: dict[str, Callable[[Path], None]] = {
    "story body": lambda r: edit(r, STORY, "## Why we did it", "## Why we did it\n\nA new first paragraph."),
    "story title": lambda r: edit(r, STORY, "title: Disabled jobseekers", "title: Jobseekers"),
    "story date (moves in every listing)": lambda r: edit(r, STORY, "date: 2026-01-15", "date: 2019-01-15"),
    "story areas": lambda r: edit(r, STORY, "areas: [luton]", "areas: [luton, norfolk]"),
    "story removed": lambda r: (r / STORY).unlink(),
    "story added": lambda r: shutil.copyfile(r / STORY, r / "content/stories/a-copy-of-a-story.md"),
    "signatory": lambda r: edit(r, "content/signatories/amina-rahman.md", "name: Amina Rahman", "name: Amina R"),
    "page": lambda r: edit(r, "content/pages/about.md", "title:", "title: New"),
    "event": lambda r: edit(r, "content/events/summer-gathering-2025.md", 'title: "Summer', 'title: "Midsummer'),
    "page template": lambda r: edit(r, "templates/story.html", "<h1>", '<h1 class="changed">'),
    "base template": lambda r: edit(r, "templates/base.html", "Skip to main content", "Skip to the content"),
    "macros": lambda r: edit(r, "templates/macros.html", '<li class="card">', '<li class="card changed">'),
    "stylesheet": lambda r: (r / "templates/assets/site.css").write_text("body { color: black; }\n"),
    "site settings": lambda r: edit(r, "content/site.yml", "title: Count Me In", "title: Count Us In"),
    "area name": lambda r: edit(r, "content/areas.yml", "name: Luton", "name: Luton Borough"),
    "theme description": lambda r: edit(r, "content/themes.yml", "description: Support for people living with dementia",
                                        "description: Life with dementia"),
    "statement wording": lambda r: edit(r, "content/self-assessment.yml", "We were asked", "People were asked"),
    "event date (calendars)": lambda r: edit(r, "content/events/summer-gathering-2025.md", "start: 2025", "start: 2024"),
    "story rating (self-assessment)": lambda r: edit(r, "content/stories/carers-leaflet-thurrock.md", "early-involvement: red",
                                                     "early-involvement: green"),
    "image added": lambda r: (r / "content/images/x.png").write_bytes(picture((700, 300), "PNG")),
    "picture changed (its size, so the story's width and height)":
        lambda r: (r / "content/images/community-centre-ramp.jpg").write_bytes(picture((800, 500))),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_rebuild_after_a_change_is_what_a_cold_build_makes(project: Path, change: str) -> None:
    run(project)
    before = tree(project / "_site")
    CHANGES[change](project)
    run(project)
    assert tree(project / "_site") != before, "the change shows in the output"
    assert_same_as_cold(project)


def test_failed_build_then_fix(project: Path) -> None:
    run(project)
    edit(project, STORY, "areas: [luton]", "areas: [lutton]")
    paths = Paths(project / "content", project / "templates", project / "_site", project, project / ".cache/build")
    assert not build(paths, BuildOptions(today=TODAY)).files
    edit(project, STORY, "areas: [lutton]", "areas: [luton]")
    edit(project, STORY, "## Why we did it", "## Why it was done")
    run(project)
    assert_same_as_cold(project)


@pytest.mark.parametrize(("option", "first", "second"), [
    ("today", TODAY, dt.date(2030, 1, 1)),  # every event becomes past
    ("drafts", False, True),
    ("base_url", None, "https://example.org/cmi/"),
])  # fmt: skip
def test_a_rebuild_with_other_options_is_what_a_cold_build_makes(project: Path, option: str, first: object, second: object) -> None:
    edit(project, STORY, "approach: co-design", "approach: co-design\ndraft: true")
    run(project, **{option: first})
    run(project, **{option: second})
    assert_same_as_cold(project, **{option: second})


def test_a_new_code_version_renders_everything_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(project)
    monkeypatch.setattr(cmi_site.render, "human_date", lambda value: f"{value:%Y/%m/%d}")
    another_code_version(monkeypatch)
    run(project)
    assert_same_as_cold(project)


def test_the_code_version_changes_with_any_source_file(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(Path(cmi_site.render.__file__).parent, package)
    before = source_digest(package)
    (package / "render.py").write_text((package / "render.py").read_text() + "\n# changed\n")
    assert source_digest(package) != before


def test_the_output_folder_changed_by_hand_is_repaired(project: Path) -> None:
    run(project)
    site = project / "_site"
    (site / "index.html").write_bytes(b"edited by hand")
    (site / "about/index.html").unlink()
    (site / "stray.html").write_bytes(b"not ours")
    run(project)
    assert_same_as_cold(project)


def test_a_deleted_cache_means_a_cold_build(project: Path) -> None:
    run(project)
    shutil.rmtree(project / ".cache")
    CHANGES["story title"](project)
    run(project)
    assert_same_as_cold(project)


def test_a_corrupt_cache_is_thrown_away(project: Path) -> None:
    run(project)
    files = [file for file in (project / ".cache/build").rglob("*") if file.is_file()]
    assert any(file.parent.name == "state" for file in files)
    assert any(file.parent.parent.name == "templates" for file in files)  # compiled templates
    for file in files:  # a compiled template's file passes jinja2's own check of its first bytes
        file.write_bytes((jinja2.bccache.bc_magic if file.parent.parent.name == "templates" else b"") + b"not a database")
    CHANGES["story title"](project)
    run(project)
    assert_same_as_cold(project)


def test_templates_are_compiled_once_and_again_when_changed(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str | None] = []
    real = jinja2.Environment.compile

    def compile_(self: jinja2.Environment, source: str, name: str | None = None, *args: object, **kwargs: object) -> object:
        compiled.append(name)
        return real(self, source, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cmi_site.speed.parallel, "can_fork", lambda: False)  # every compile in this process, to be seen
    monkeypatch.setattr(jinja2.Environment, "compile", compile_)
    run(project)
    assert "story.html" in compiled
    compiled.clear()
    CHANGES["story body"](project)
    run(project)
    assert compiled == []  # the story page was rendered again, from the kept compiled template
    compiled.clear()
    CHANGES["page template"](project)
    run(project)
    assert compiled == ["story.html"]
    assert_same_as_cold(project)


def test_nothing_changed_is_noticed_at_once(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(project)
    monkeypatch.setattr(cmi_site.load, "load_content", None)  # not reached: nothing is read or rendered
    result = run(project)
    assert (result.site, result.written, result.pages) == (None, 0, len([p for p in tree(project / "_site") if p.endswith(".html")]))
    (project / "_site/stray.html").write_bytes(b"not ours")  # the output is not as the last build left it
    monkeypatch.undo()
    run(project)
    assert_same_as_cold(project)


def test_nothing_changed_renders_and_writes_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(project)
    rendered: list[str] = []
    real = cmi_site.render.Renderer.render
    monkeypatch.setattr(cmi_site.render.Renderer, "render", lambda self, job: rendered.append(job.path) or real(self, job))
    result = run(project)
    assert (rendered, result.written, result.bytes_written) == ([], 0, 0)
    CHANGES["story body"](project)
    result = run(project)
    # The story's own page; listings show the summary, not the body, so they are not rendered again.
    # Listings that show the story are rendered again (their context holds it) but come out the same;
    # so are the evidence pages that list its outcomes and lessons (a page of points is given the
    # stories, whose fingerprints are known, rather than 100,000 points to fingerprint at every build).
    assert "stories/jobs-support-luton/index.html" in rendered and len(rendered) < 25
    assert not {"sectors/index.html", "themes/index.html"} & set(rendered)  # they are given counts of stories, not the stories
    assert 1 <= result.written <= 3  # the story's page, and the search index files that hold its words


def test_an_event_page_reads_only_its_own_write_up(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An event whose write-up is a story is made again when that story changes, and not when any
    other story does (it looks the story up by its slug, one key of the Site, not in every story)."""
    edit(project, "content/events/summer-gathering-2025.md", 'title: "Summer', 'write_up: jobs-support-luton\ntitle: "Summer')
    run(project)
    rendered: list[str] = []
    real = cmi_site.render.Renderer.render
    monkeypatch.setattr(cmi_site.render.Renderer, "render", lambda self, job: rendered.append(job.path) or real(self, job))
    page = "events/summer-gathering-2025/index.html"
    edit(project, "content/stories/carers-leaflet-thurrock.md", "title:", "title: A new title,")
    run(project)
    assert "stories/carers-leaflet-thurrock/index.html" in rendered and page not in rendered
    CHANGES["story title"](project)
    run(project)
    assert page in rendered
    assert b"Jobseekers" in (project / "_site" / page).read_bytes()
    assert_same_as_cold(project)


@pytest.mark.parametrize(("module", "name"), [(cmi_site.outputs.opendata, "story_line"),
                                              (cmi_site.outputs.evidence, "assessment_lines"),
                                              (cmi_site.outputs.evidence, "point_lines")])  # fmt: skip
def test_open_data_lines_are_made_again_only_for_stories_that_changed(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      module: object, name: str) -> None:  # fmt: skip
    """data/stories.json's line and the evidence CSVs' lines of a story (given the story alone, or
    with the statements or the field) are kept from the last build unless the story changed."""
    made: list[str] = []
    real = getattr(module, name)

    def watched(arg: Any) -> str:
        made.append((arg if name == "story_line" else arg[0]).slug)
        return str(real(arg))

    monkeypatch.setattr(module, name, watched)
    run(project)
    assert len(made) > 2
    made.clear()
    CHANGES["story title"](project)
    run(project)
    assert set(made) == {"jobs-support-luton"}  # outcomes and lessons: one call each
    made.clear()
    another_code_version(monkeypatch)
    run(project, today=TODAY + dt.timedelta(days=1))  # a build that is not skipped outright
    assert len(made) > 1  # lines kept by other code are not trusted
    monkeypatch.undo()
    assert_same_as_cold(project, today=TODAY + dt.timedelta(days=1))


@pytest.mark.parametrize("change", ["story body", "story title", "story areas", "signatory", "page", "area name"])
def test_search_terms_are_worked_out_only_for_documents_that_changed(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    change: str) -> None:  # fmt: skip
    run(project)
    monkeypatch.setattr(cmi_site.speed.parallel, "can_fork", lambda: False)  # in this process, to be watched
    texts: list[str] = []
    real = cmi_site.speed.postings.doc_text
    monkeypatch.setattr(cmi_site.speed.postings, "doc_text", lambda site, doc: texts.append(doc.route) or real(site, doc))
    CHANGES[change](project)
    run(project)
    expected = {"story body": ["stories/jobs-support-luton/"], "story title": ["stories/jobs-support-luton/"],
                "story areas": ["stories/jobs-support-luton/"], "signatory": ["signatories/amina-rahman/"],
                "page": ["about/"]}  # fmt: skip
    if change == "area name":  # every document is found under the area names: all are worked out again
        assert len(texts) > 20
    else:
        assert texts == expected[change]
    assert_same_as_cold(project)


def test_files_are_read_again_only_when_their_stat_changed(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = project / "content"
    old = 1_600_000_000
    for file in content.rglob("*"):
        os.utime(file, (old, old))  # long ago: a stat that matches can be trusted ...
    monkeypatch.setattr(cmi_site.speed.docs, "RACY_NS", 0)  # ... though utime just set the change time (ctime)
    cache = BuildCache(project / ".cache/build")
    assert hash_files_known(cache, content) == hash_files(content)
    expected = hash_files(content)
    opened: list[str] = []
    real_open = os.open  # every file of content/ is opened by safe_files.read_bounded, with os.open
    monkeypatch.setattr(cmi_site.safe_files.os, "open", lambda file, *a, **k: opened.append(str(file)) or real_open(file, *a, **k))
    assert hash_files_known(cache, content) == expected and opened == []
    story = content / "stories/jobs-support-luton.md"
    text = story.read_text(encoding="utf-8")
    story.write_text(text.replace("Luton", "Lutin", 1), encoding="utf-8")  # same size ...
    os.utime(story, (old, old))  # ... and the same time: only the change time (ctime) says it changed
    opened.clear()
    found = hash_files_known(cache, content)
    assert opened == [str(story)]
    assert found == hash_files(content) != expected
    monkeypatch.setattr(cmi_site.speed.docs, "RACY_NS", 2_000_000_000)
    (content / "new.txt").write_text("x")  # changed just now: hashed every time until it is older
    opened.clear()
    hash_files_known(cache, content)
    hash_files_known(cache, content)
    assert opened.count(str(content / "new.txt")) == 2
    cache.close()


def test_search_terms_lost_from_the_cache_are_worked_out_again(project: Path) -> None:
    run(project)
    with sqlite3.connect(project / ".cache/build/cache.sqlite3") as db:
        db.execute("UPDATE memo SET value = x'00'")  # unreadable: every entry is a miss
    CHANGES["story body"](project)
    run(project)
    assert_same_as_cold(project)
    CHANGES["story added"](project)  # the documents are renumbered: postings made from every document's terms
    run(project)
    assert_same_as_cold(project)


def test_only_the_parts_of_kept_state_that_changed_are_saved_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(project)
    saved: list[str] = []
    real = BuildCache.save_state
    monkeypatch.setattr(BuildCache, "save_state", lambda self, values: saved.extend(values) or real(self, values))
    background = cmi_site.speed.fast.in_background  # documents kept in this process, where it is seen:
    monkeypatch.setattr(cmi_site.speed.fast, "in_background", lambda job: job if job.func is cmi_site.speed.docs._keep else background(job))
    CHANGES["story body"](project)  # one new paragraph: a few terms' postings change
    run(project)
    parts = [name for name in saved if name.startswith("search:")]
    assert 1 <= len(parts) < cmi_site.speed.cache.PARTS // 2 and "search" in saved
    documents = [name for name in saved if name.startswith("docs:")]
    assert 1 <= len(documents) <= 2  # the part of the story's old key, and of its new one
    memos = {name.rsplit(":", 1)[0] for name in saved if name.startswith("memo:")}
    lines = [name for name in saved if name.startswith("memo:")]
    # Each changed argument: the part of its old line and of its new one. One argument for stories.json's
    # line and one for the self-assessments', two for the points (outcomes, lessons): at most 2 + 2 + 4.
    assert len(memos) == 3 and len(lines) <= 8 < 3 * cmi_site.speed.cache.PARTS
    assert_same_as_cold(project)


def test_a_part_of_the_postings_left_by_another_build_is_a_miss(project: Path) -> None:
    """A build killed after saving some parts of the postings but before the state naming them leaves
    parts the state does not name: the next build must not patch a mixture of two builds' postings."""
    run(project)
    cache = BuildCache(project / ".cache/build")
    state = cache.state("search")
    edit(project, STORY, "## Why we did it", "## Why we did it\n\nQuillworts grow here.")
    run(project)
    cache.save_state({"search": state})  # the old state, with this build's parts: as if killed in between
    cache.close()
    edit(project, STORY, "\n\nQuillworts grow here.", "")  # the word gone again: no postings of it may be left
    run(project)
    assert_same_as_cold(project)


def test_a_story_checked_against_a_changed_vocabulary_is_checked_again(project: Path) -> None:
    run(project)
    edit(project, "content/themes.yml", "- id: employment", "- id: work")
    paths = Paths(project / "content", project / "templates", project / "_site", project, project / ".cache/build")
    problems = [str(p) for p in build(paths, BuildOptions(today=TODAY)).problems]
    assert "content/stories/jobs-support-luton.md:10: themes: unknown theme 'employment' (did you mean 'work'?)" in problems


def test_parallel_build_is_byte_identical_to_a_serial_one(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cmi_site.speed.parallel, "MIN_JOBS", 1)
    monkeypatch.setattr(cmi_site.speed.parallel, "CHUNK", 3)
    monkeypatch.setattr(cmi_site.speed.parallel, "cpu_count", lambda: 3)
    run(project, "_site", cache=True)
    run(project, "parallel-no-cache", cache=False)
    monkeypatch.setattr(cmi_site.speed.parallel, "cpu_count", lambda: 1)
    run(project, "serial", cache=False)
    serial = tree(project / "serial")
    assert tree(project / "_site") == serial and tree(project / "parallel-no-cache") == serial


def test_a_failure_while_swapping_files_in_leaves_the_old_site(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(project)
    before = tree(project / "_site")
    CHANGES["story title"](project)  # a handful of files change: they are renamed in one by one
    renames = 0
    real_rename = os.rename

    def failing_rename(source: object, target: object, **within: int) -> None:
        nonlocal renames
        renames += 1
        if renames == 4:
            raise OSError("disk trouble")
        real_rename(source, target, **within)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "rename", failing_rename)
    paths = Paths(project / "content", project / "templates", project / "_site", project, project / ".cache/build")
    with pytest.raises(WriteFailed, match=r"^could not write the site \(disk trouble\); .*_site was left as it was$"):
        build(paths, BuildOptions(today=TODAY))
    monkeypatch.setattr(os, "rename", real_rename)
    assert tree(project / "_site") == before
    assert sorted(p.name for p in project.iterdir()) == ["._site.cmi-site", ".cache", "_site", "content", "templates"]
    assert sorted(p.name for p in (project / "._site.cmi-site").iterdir()) == [".cmi-site-work", "previous"]
    run(project)
    assert_same_as_cold(project)


def test_a_site_value_that_cannot_be_fingerprinted_means_its_pages_are_always_rendered(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Another feature may put anything in a template's way; the cache must then step aside, not break.
    class Opaque:
        def __init__(self, title: str) -> None:
            self.title = title

    real = cmi_site.render.make_env

    def make_env(templates: Path, site: object, bytecode: object = None) -> object:
        env = real(templates, site, bytecode)  # type: ignore[arg-type]
        env.globals["opaque"] = Opaque((project / "title.txt").read_text())
        return env

    (project / "title.txt").write_text("first")
    edit(project, "templates/page.html", "{% block main %}", "{% block main %}<p>{{ opaque.title }}</p>")
    monkeypatch.setattr(cmi_site.render, "make_env", make_env)
    run(project)
    (project / "title.txt").write_text("second")
    edit(project, STORY, "## Why we did it", "## Why it was done")  # so the build is not skipped outright
    run(project)
    assert "<p>second</p>" in (project / "_site/about/index.html").read_text()


def test_checks_across_documents_see_cached_documents(project: Path) -> None:
    # An event names a story as its write-up; the event is cached, then the story is deleted.
    edit(project, "content/events/summer-gathering-2025.md", 'title: "Summer', 'write_up: jobs-support-luton\ntitle: "Summer')
    run(project)
    (project / STORY).unlink()
    paths = Paths(project / "content", project / "templates", project / "_site", project, project / ".cache/build")
    problems = [str(p) for p in build(paths, BuildOptions(today=TODAY)).problems]
    assert any(p.startswith("content/events/summer-gathering-2025.md:2: write_up: no story called 'jobs-support-luton'")
               for p in problems), problems  # fmt: skip


def test_checks_across_documents_read_only_what_cached_documents_keep(project: Path) -> None:
    edit(project, "content/events/summer-gathering-2025.md", 'title: "Summer', 'write_up: jobs-support-luton\ntitle: "Summer')
    edit(project, "content/events/commissioning-webinar-2026.md", "title:", "write_up: no-such-story\ntitle:")
    edit(project, STORY, "title:", "draft: true\ntitle:")
    loaded = load_content(project / "content", project)
    docs = [doc for doc in (parse_doc(file, read_doc(file, loaded.within))[0] for file in loaded.docs) if doc is not None]  # type: ignore[arg-type]
    problems = write_up_problems(docs)
    assert len(problems) == 2
    assert write_up_problems([cross_check_part(doc) for doc in docs]) == problems


def test_a_background_step_gives_its_result_or_raises_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    parent = os.getpid()
    # An earlier test may have left threads in this process (a browser test's Playwright), and then
    # in_background rightly runs jobs here: this test is about the forked way.
    monkeypatch.setattr(cmi_site.speed.parallel, "can_fork", lambda: True)
    assert cmi_site.speed.parallel.in_background(lambda: ("done", os.getpid() != parent))() == ("done", True)

    def fails() -> None:
        raise ValueError("a template went wrong")

    with pytest.raises(ValueError, match="a template went wrong"):
        cmi_site.speed.parallel.in_background(fails)()

    def unpicklable() -> None:
        raise TypeError(lambda: None)  # its argument cannot be sent back: its text is

    with pytest.raises(RuntimeError, match="TypeError"):
        cmi_site.speed.parallel.in_background(unpicklable)()
    big = cmi_site.speed.parallel.in_background(lambda: b"x" * 10_000_000)  # more than a pipe holds: it waits to be read
    big.cancel()  # nobody will read it: the process ends all the same
    assert multiprocessing.active_children() == []
    failing = cmi_site.speed.parallel.in_background(fails)
    for _ in range(2):  # asked again, the same answer
        with pytest.raises(ValueError, match="a template went wrong"):
            failing()
    monkeypatch.setattr(cmi_site.speed.parallel, "can_fork", lambda: False)  # e.g. the preview server's threads
    here = cmi_site.speed.parallel.in_background(lambda: os.getpid())
    assert here() == parent and here() == parent  # run once, here, when first asked
    skipped = cmi_site.speed.parallel.in_background(lambda: 1 / 0)
    skipped.cancel()  # never run
    with pytest.raises(RuntimeError, match="cancelled"):
        skipped()


def test_workers_end_plainly_whatever_signal_handlers_the_parent_has(monkeypatch: pytest.MonkeyPatch) -> None:
    # The preview turns SIGTERM into KeyboardInterrupt; forked workers inheriting that printed a
    # traceback each when a Pool ended them (a build stopped by a template mistake).
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cmi_site.speed.parallel, "cpu_count", lambda: 2)
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        parent, worked = os.getpid(), multiprocessing.get_context("fork").Event()

        def job(n: int) -> tuple[int, object]:
            if os.getpid() == parent:
                worked.wait(30)  # a worker runs a chunk before this process can take them all
            else:
                worked.set()
            return os.getpid(), signal.getsignal(signal.SIGTERM)

        seen = set(cmi_site.speed.parallel.run_jobs(job, 200))
        background = cmi_site.speed.parallel.in_background(lambda: signal.getsignal(signal.SIGTERM))()
    finally:
        signal.signal(signal.SIGTERM, previous)
    workers = {handler for pid, handler in seen if pid != os.getpid()}
    assert workers == {signal.SIG_DFL} and background == signal.SIG_DFL


def test_the_error_raised_is_the_first_jobs_whichever_process_fails_sooner(monkeypatch: pytest.MonkeyPatch) -> None:
    # A build stops at its first failing page and reports that page's template error: with chunks
    # given out to whichever process is free, a later page could fail sooner; its error must wait.
    monkeypatch.setattr(cmi_site.speed.parallel, "can_fork", lambda: True)  # whatever threads earlier tests left

    def job(n: int) -> int:
        if n == 40:
            time.sleep(0.3)
            raise ValueError("job 40")
        if n == 200:
            raise ValueError("job 200")
        return n

    for _ in range(3):
        got: list[int] = []
        with pytest.raises(ValueError, match=r"^job 40$"):
            got.extend(cmi_site.speed.parallel.run_jobs(job, 256, workers=2))
        assert got == list(range(40))  # and every result before it, as a serial run gives them
    assert multiprocessing.active_children() == []


def test_a_write_that_fails_while_a_worker_writes_pages_leaves_no_worker_and_no_staging(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    # The writer refuses a page while a render worker is still writing pages into the staging folder:
    # the folder must be removed only once the worker has stopped. (Removed first, the worker made it
    # again with the next page it wrote, and left it behind.) Here the worker writes only once the
    # folder is gone, or after 10 s.
    monkeypatch.setattr(cmi_site.speed.parallel, "cpu_count", lambda: 2)
    monkeypatch.setattr(cmi_site.speed.parallel, "can_fork", lambda: True)  # whatever threads earlier tests left
    parent, real, working = os.getpid(), cmi_site.speed.pages.stage_new, multiprocessing.get_context("fork").Event()

    def stage_new(staging: Path, path: str, data: bytes) -> Any:
        if os.getpid() != parent:
            working.set()
            waited = time.monotonic()
            while os.path.isdir(staging) and time.monotonic() - waited < 10:
                time.sleep(0.005)
        return real(staging, path, data)

    def refuse(check: cmi_site.write.PathCheck, path: str) -> None:
        assert working.wait(30), "no worker came to write a page"
        raise SetupError(f"refusing {path}")

    monkeypatch.setattr(cmi_site.speed.pages, "stage_new", stage_new)
    monkeypatch.setattr(cmi_site.write.PathCheck, "add", refuse)
    paths = Paths(project / "content", project / "templates", project / "_site", project, project / ".cache/build")
    with pytest.raises(SetupError, match=r"^refusing "):
        build(paths, BuildOptions(today=TODAY))
    assert multiprocessing.active_children() == []
    time.sleep(0.3)  # a worker left running would have written its page by now
    assert not (project / "_site").exists()
    assert [p.name for p in (project / "._site.cmi-site").iterdir() if p.name.startswith("staging")] == []


def test_a_build_that_stops_after_its_pages_rendered_leaves_no_worker_and_no_staging(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The workers have written the pages into the staging folder; then the search page fails: the
    # engine's close removes the folder (write_site leaves a staging folder it was given).
    monkeypatch.setattr(cmi_site.speed.parallel, "cpu_count", lambda: 2)
    monkeypatch.setattr(cmi_site.speed.parallel, "can_fork", lambda: True)
    started: list[int] = []
    real = cmi_site.speed.pages.run_jobs

    def run_jobs(job: Callable[[int], Any], count: int) -> Any:
        started.append(count)
        return real(job, count)

    monkeypatch.setattr(cmi_site.speed.pages, "run_jobs", run_jobs)
    edit(project, "templates/search.html", "{% block main %}", "{% block main %}{{ no_such_name }}")
    paths = Paths(project / "content", project / "templates", project / "_site", project, project / ".cache/build")
    result = build(paths, BuildOptions(today=TODAY))
    assert result.state == "stopped" and [p.field for p in result.problems if p.severity == "error"] == ["template"]
    assert max(started) >= cmi_site.speed.parallel.MIN_JOBS, "the pages were rendered on the workers"
    assert multiprocessing.active_children() == []
    assert not (project / "_site").exists()
    assert [p.name for p in (project / "._site.cmi-site").iterdir() if p.name.startswith("staging")] == []


def _ended(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def test_a_cancelled_background_step_ends_the_workers_it_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A background step may run jobs on every core inside its second process (parallel.in_background
    # allows it); cancelling that process must end those workers too, not leave them to finish alone.
    monkeypatch.setattr(cmi_site.speed.parallel, "can_fork", lambda: True)  # whatever threads earlier tests left
    pids = tmp_path / "pids"

    def slow(n: int) -> int:
        with pids.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        time.sleep(0.5)  # a chunk of jobs takes longer than the wait below: workers left alone would outlive it
        return n

    started = cmi_site.speed.parallel.in_background(lambda: list(cmi_site.speed.parallel.run_jobs(slow, 2000, workers=3)))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(set(pids.read_text().split()) if pids.exists() else ()) < 3:
        time.sleep(0.05)
    workers = {int(pid) for pid in pids.read_text().split()}
    assert len(workers) == 3  # the background process and its two pool workers, busy with their first jobs
    started.cancel()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not all(_ended(pid) for pid in workers):
        time.sleep(0.05)
    assert all(_ended(pid) for pid in workers)


def test_only_the_output_scan_and_keeping_the_documents_go_to_a_second_process(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The output folder is scanned (and the spare made) while the content is read, and the checked
    # documents are pickled into the cache while the build goes on (pickled in the build's own process,
    # they left memory behind). The search index is made in the build's own process: in a second one it
    # saved no time and added to the peak memory.
    started: list[str] = []
    real = cmi_site.speed.fast.in_background
    monkeypatch.setattr(cmi_site.speed.fast, "in_background", lambda job: started.append(job.func.__name__) or real(job))
    run(project)
    assert started == ["prepare_spare", "_keep"]
    CHANGES["story body"](project)
    run(project)
    assert started == ["prepare_spare", "_keep"] * 2
    assert_same_as_cold(project)


@pytest.mark.parametrize("mistake", [
    ("templates/story.html", "<h1>", "<h1>{{ no_such_name }}", "templates/story.html:7: template: 'no_such_name' is undefined"),
    ("templates/story.html", "<h1>", "<h1>{% if %}", "templates/story.html:7: template: Expected an expression"),
    ("templates/search.html", "{% block main %}", "{% block main %}{{ no_such_name }}", "templates/search.html:"),
    ("templates/story.html", "<h1>", '<h1>{{ "a" + 1 }}', "templates/story.html:7: template: TypeError: can only concatenate"),
])  # fmt: skip
def test_a_template_mistake_in_a_rebuild_is_reported_and_leaves_no_process_behind(
        project: Path, monkeypatch: pytest.MonkeyPatch, mistake: tuple[str, str, str, str]) -> None:  # fmt: skip
    # A rebuild scans the output in a second process (and renders on every core); a page that fails
    # must stop the build with the template's file and line, not a traceback, and end those
    # processes (once, one was left waiting for ever to hand over its result).
    monkeypatch.chdir(project)  # problems name files relative to the working folder
    run(project)
    before = tree(project / "_site")
    CHANGES["story body"](project)
    rel, old, new, expected = mistake
    edit(project, rel, old, new)
    paths = Paths(project / "content", project / "templates", project / "_site", project, project / ".cache/build")
    result = build(paths, BuildOptions(today=TODAY))
    assert result.files == 0 and result.site is None
    assert next(str(p) for p in result.problems if p.field == "template").startswith(expected), result.problems
    assert multiprocessing.active_children() == []
    assert tree(project / "_site") == before
    edit(project, rel, new, old)
    run(project)
    assert_same_as_cold(project)


def test_documents_checked_by_a_build_a_template_mistake_stops_are_kept_for_the_next(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    # A second process pickles the checked documents into the cache while the build goes on; the
    # build waits for it however it ends, so the next build need not check them all again.
    monkeypatch.setattr(cmi_site.speed.parallel, "cpu_count", lambda: 2)
    monkeypatch.setattr(cmi_site.speed.parallel, "can_fork", lambda: True)  # whatever threads earlier tests left
    started: list[str] = []
    real = cmi_site.speed.fast.in_background
    monkeypatch.setattr(cmi_site.speed.fast, "in_background", lambda job: started.append(job.func.__name__) or real(job))
    keep = cmi_site.speed.docs._keep

    @functools.wraps(keep)
    def slow_keep(*args: Any) -> None:  # slower than the rest of the build, so that it must be waited for
        time.sleep(1)
        keep(*args)

    monkeypatch.setattr(cmi_site.speed.docs, "_keep", slow_keep)
    edit(project, "templates/story.html", "<h1>", "<h1>{{ no_such_name }}")
    paths = Paths(project / "content", project / "templates", project / "_site", project, project / ".cache/build")
    result = build(paths, BuildOptions(today=TODAY))
    assert result.files == 0 and "_keep" in started
    assert multiprocessing.active_children() == []
    cache = BuildCache(project / ".cache/build")
    kept = [key for n in range(cmi_site.speed.cache.PARTS) for key in (cache.state(f"docs:{n}") or {})]
    cache.close()
    assert len(kept) == len(cmi_site.load.load_content(project / "content", project).docs)
