"""The build, top to bottom: load -> validate -> site -> pages -> render -> outputs -> write.

Each stage is a plain call with a finished value handed to the next (Loaded, Validated, Site,
[PageJob], [Output]); the speed machinery (speed/) is the engine the stages are called through, and
gives what the plain calls would. Problems are data: the build returns them, and writes nothing when
any is an error (or, with strict, a warning).
"""

from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Callable, Collection, Iterator
from typing import TypeVar

from . import load, outputs, pages
from .config import BuildOptions, Change, Paths, Result
from .errors import Problem, SetupError, TemplateFailure, has_errors, sort_problems
from .models import Output
from .outdir import OutputFolder, check_output
from .outputs.search import search_files
from .outputs.static import static_files
from .render import Renderer
from .site import SEARCH, Site, build_site, output_path
from .speed import Engine, PlainEngine
from .speed.cache import discard_cache, template_bytecode
from .speed.fast import FastEngine
from .speed.resident import Memory
from .speed.trust import unusable_cache
from .write import Kept, Staged

T = TypeVar("T")


def build(paths: Paths, options: BuildOptions, strict: bool = False, memory: Memory | None = None) -> Result:
    """Check, render and write the whole site; nothing is written when the check fails.

    An output folder the build must not replace is refused before anything is read (SetupError), and
    what a killed build left beside it is put right first (outdir.py). With a cache folder the fast
    engine builds; should a damaged cache still make it fail, the cache is thrown away and the plain
    engine builds, so the result is always that of --no-cache. A failure that is not the cache's
    (the output folder, the disk, the machine) fails the build. A cache folder reached through a
    symbolic link, or holding one, is not used (a pull request could point it anywhere on the machine). memory: the
    preview's (speed/resident.py), which the fast engine reads documents from and leaves the content in."""
    folder = output_folder(paths)
    with folder.locked():
        folder.recover()
        if paths.cache is None:
            return run(paths, options, strict, PlainEngine(paths.templates, paths.output, options))
        if (unusable := unusable_cache(paths.cache, paths.root)) is not None:
            result = run(dataclasses.replace(paths, cache=None), options, strict, PlainEngine(paths.templates, paths.output, options))
            return dataclasses.replace(result, cache_failure=unusable)
        try:
            return run(paths, options, strict, FastEngine(paths, options, strict, memory))
        except (SetupError, OSError, MemoryError, TemplateFailure):
            raise
        except Exception as err:  # noqa: BLE001 - anything else may come of a damaged cache: build without it
            discard_cache(paths.cache)
            result = run(dataclasses.replace(paths, cache=None), options, strict, PlainEngine(paths.templates, paths.output, options))
            return dataclasses.replace(result, cache_failure=f"it was thrown away after {type(err).__name__}: {err}")


def run(paths: Paths, options: BuildOptions, strict: bool, engine: Engine) -> Result:
    """The stages, through one engine (closed however the build ends)."""
    clock = Clock()
    problems: list[Problem] = []
    try:
        if (same := clock("check for changes", engine.unchanged)) is not None:
            return dataclasses.replace(same, timings=clock.timings)
        loaded = clock("load", load.load_content, paths.content, paths.root)
        checked = clock("validate", engine.check, loaded)
        problems = sort_problems([*checked.problems, *load.template_problems(paths.templates, paths.root)])
        if checked.content is None or has_errors(problems, strict):
            return Result("stopped", problems, timings=clock.timings)
        site = clock("site", engine.site, checked.content)
        jobs = clock("pages", pages.plan_pages, site)
        count = len(jobs) + 1  # and the search page
        html = [job.path for job in jobs] + [output_path(SEARCH)]
        data = clock("data files", outputs.site_files, site, html, engine.remember)
        rendered = clock("render and write", engine.render, site, jobs)  # what it reads first (the last build's record)
        files = [rendered, _searched(engine, site, count), data,
                 static_files(paths.templates), engine.pictures(loaded.images, site.pictures)]  # fmt: skip
        written = clock("render and write", engine.write, (file for group in files for file in group))
        result = Result("built", problems, count, written.files, written.written, written.bytes_written, clock.timings,
                        explained=engine.explained())  # fmt: skip
        engine.finish(result)
        return result
    except TemplateFailure as failure:  # a template's mistake: reported like the content's, nothing written
        return Result("stopped", sort_problems([*problems, failure.problem]), timings=clock.timings)
    finally:
        engine.close()


def _searched(engine: Engine, site: Site, count: int) -> Iterator[Output | Kept | Staged]:
    """The search index's files and its page (count: the site's pages), made when the writer asks for
    them. (In a second process, started early, it saved no time in one-story rebuilds at 10,000 stories
    on two cores and added ~60 MB to their peak: the fork's copy-on-write pages. See README, Speed.)"""
    files, job = search_files(site, count, engine.postings)
    yield from files
    yield from engine.render(site, [job])


def check(paths: Paths, options: BuildOptions) -> Result:
    """Load and validate only, through the plain engine: the problems, and the site as data when there are no errors."""
    clock = Clock()
    loaded = clock("load", load.load_content, paths.content, paths.root)
    engine = PlainEngine(paths.templates, paths.output, options)
    checked = clock("validate", engine.check, loaded)
    problems = sort_problems([*checked.problems, *load.template_problems(paths.templates, paths.root)])
    site = engine.site(checked.content) if checked.content is not None else None
    return Result("checked" if site is not None else "stopped", problems, timings=clock.timings, site=site)


def preview(paths: Paths, options: BuildOptions, strict: bool, memory: Memory, changes: Collection[Change],
            wanted: Collection[str]) -> dict[str, bytes] | None:  # fmt: skip
    """The pages at the output paths in wanted as the next build will make them, sooner, for the
    preview to show while that build runs: memory keeps the content of the last one, so only the
    edited documents are read and checked again. None when this cannot tell (a change memory cannot
    follow, a problem the build must report, a template's mistake): the build then shows it."""
    collecting = gc.isenabled()
    gc.disable()  # memory holds millions of objects: a collection in the middle costs more than the rest
    try:
        checked = memory.edited(paths, changes)
        if checked is None or checked.content is None or has_errors(checked.problems, strict):
            return None
        site = build_site(checked.content, options)
        jobs = [job for job in pages.plan_pages(site, wanted) if job.path in wanted]
        usable = paths.cache is not None and unusable_cache(paths.cache, paths.root) is None
        renderer = Renderer(paths.templates, site, template_bytecode(paths.cache) if usable else None)
        return {job.path: renderer.render(job) for job in jobs}
    except TemplateFailure:
        return None
    finally:
        if collecting:
            gc.enable()


def output_folder(paths: Paths) -> OutputFolder:
    """The output folder, when the build may replace it; SetupError when it must not (outdir.py)."""
    return check_output(paths.output, paths.content, paths.templates, paths.root, paths.cache)


class Clock:
    """Times each stage of one build: clock("load", f, *args) is f(*args), timed as "load"."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    def __call__(self, stage: str, step: Callable[..., T], *args: object) -> T:
        started = time.perf_counter()
        try:
            return step(*args)
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - started

