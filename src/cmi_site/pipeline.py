"""The build, top to bottom: load -> validate -> site -> render -> write, with timings.

Each stage is a plain function call with a plain value handed to the next. Problems are data: the
pipeline returns them and writes nothing when any is an error (or, with strict, a warning).
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import jinja2

from . import site as routes
from .cache import BuildCache, code_version, discard_cache, template_bytecode
from .commit import prepare_spare
from .errors import Problem, SetupError, has_errors, sort_problems
from .incremental import (
    StoryLines,
    check_content,
    deferring_env,
    hash_files_known,
    know_site,
    remember_build,
    search_index,
    unchanged_since_last_build,
    write_outputs,
)
from .load import DATA_FILES, DataFile, StaticFile, load_content, load_static, read_data, template_problems
from .models import Output
from .outdir import OutputFolder, check_output
from .outputs import render_outputs
from .outputs.opendata import story_line
from .outputs.search import SearchIndex, build_search_index
from .outputs.static import minify_js
from .parallel import Background, in_background
from .render import TemplateFailure, render_html, render_search
from .scaffold import new_file_path, new_file_text
from .schema import Vocab
from .site import BuildOptions, Site, build_site, output_path
from .track import Fingerprints, digest
from .validate import make_vocab, validate, validate_vocab
from .write import create_file

# A second process for the search page and index pays off when little else is worked out.
# When many documents were converted, the cores are busy anyway and it would only add a process
# holding its own copy of much of the Site (~150 MB at 10,000 stories) to the peak.
BACKGROUND_MAX_CONVERTED = 500
T = TypeVar("T")


@dataclass(frozen=True)
class Paths:
    content: Path
    templates: Path
    output: Path
    root: Path  # paths in messages are shown relative to this folder
    cache: Path | None = None  # the build cache folder (.cache/build); None builds without one


@dataclass(frozen=True)
class Result:
    problems: list[Problem]
    site: Site | None = None  # None when the build stopped, or when nothing had changed since the last one
    pages: int = 0  # HTML pages rendered
    files: int = 0  # files written, 0 when nothing was written
    timings: dict[str, float] = field(default_factory=dict)
    written: int = 0  # files whose bytes changed, so were written
    bytes_written: int = 0
    cache_failure: str = ""  # when the build cache could not be used: why (the build was made without it)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


class _Clock:
    """Times each stage of one build."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = now - self._last
        self._last = now


def _check(paths: Paths, options: BuildOptions) -> tuple[Result, list[StaticFile]]:
    clock = _Clock()
    loaded = load_content(paths.content, paths.root)
    clock.lap("load")
    validated = validate(loaded)
    clock.lap("validate")
    problems = sort_problems(validated.problems + template_problems(paths.templates, paths.root))
    site = build_site(validated.content, options) if validated.content is not None else None
    return Result(problems, site, timings=clock.timings), loaded.images


def check(paths: Paths, options: BuildOptions) -> Result:
    """Load and validate only: the problems, and the site as data when there are no errors."""
    return _check(paths, options)[0]


def static_files(templates: Path) -> list[Output]:
    """The templates' assets/ and root/ files, as they are (search.js minified)."""
    return [
        Output(f.output_path, minify_js(f.data) if f.output_path == "assets/search.js" else f.data)
        for f in [*load_static(templates / "assets", "assets", templates), *load_static(templates / "root", "", templates)]
    ]


def search_outputs(site: Site, templates: Path, page_count: int,
                   make_index: Callable[[Site, int], SearchIndex] = build_search_index,
                   bytecode: jinja2.BytecodeCache | None = None) -> list[Output]:  # fmt: skip
    """The search page and its index (page_count: the site's HTML pages, the search page included)."""
    index = make_index(site, page_count)
    return [render_search(site, templates, index.main, index.facets, bytecode), *index.files]


def output_folder(paths: Paths) -> OutputFolder:
    """The output folder, when the build may replace it; SetupError when it must not (outdir.py)."""
    return check_output(paths.output, paths.content, paths.templates, paths.root, paths.cache)


def build(paths: Paths, options: BuildOptions, strict: bool = False) -> Result:
    """Check, render and write the whole site; nothing is written when the check fails.

    Documents the build cache has seen are not read again, the rest are read on every core; pages
    whose inputs are unchanged are not rendered again, the rest are rendered on every core; only
    files whose bytes changed are written (incremental.py), and put in place in one step (commit.py).
    An output folder the build must not replace is refused before anything is read (SetupError);
    what a killed build left beside the output is put right first. A cache that cannot be used is
    never an error: each part that cannot be read is a miss (cache.py, incremental.py), and should a
    damaged cache still make the build fail, it is thrown away and the build made again without one,
    so the result is always that of --no-cache. A failure that is not the cache's fails that build too.
    """
    folder = output_folder(paths)
    with folder.locked():
        folder.recover()
        if paths.cache is None:
            return _build(paths, options, strict)
        try:
            return _build(paths, options, strict)
        except (SetupError, OSError, MemoryError):  # the output folder, the disk, the machine: not the cache's doing
            raise
        except Exception as err:  # noqa: BLE001 - anything else may come of a damaged cache: build without it
            discard_cache(paths.cache)
            result = _build(dataclasses.replace(paths, cache=None), options, strict)
            return dataclasses.replace(result, cache_failure=f"{type(err).__name__}: {err}")


def _build(paths: Paths, options: BuildOptions, strict: bool) -> Result:
    """build, with the cache paths.cache (or none), in an output folder already checked and recovered."""
    clock = _Clock()
    cache = BuildCache(paths.cache) if paths.cache is not None else None
    started: list[Background[Any]] = []  # jobs in other processes, cancelled if the build stops before their results

    def start(job: Callable[[], T]) -> Callable[[], T]:
        """in_background, remembered so that the finally below can cancel it."""
        background = in_background(job)
        if isinstance(background, Background):  # tests may put the job itself in its place
            started.append(background)
        return background

    problems: list[Problem] = []
    collecting = gc.isenabled()
    gc.disable()  # reading makes millions of objects and no garbage cycles: collecting as it goes doubles the time
    try:
        hashes = hash_files_known(cache, paths.content) if cache is not None else None
        if cache is not None and hashes is not None:
            inputs = _inputs(paths, options, strict, hashes, hash_files_known(cache, paths.templates))
            same = unchanged_since_last_build(cache, paths.output, inputs)
            if same is not None:  # nothing at all changed: the output folder is already right
                clock.lap("load")
                return Result(same[0], None, same[1], same[2], clock.timings)
        # Which files the output folder holds is found (and the spare made a copy of it, commit.py) in a
        # second process while the content is read.
        scanned = start(functools.partial(prepare_spare, paths.output)) if cache is not None else None
        fingerprints = Fingerprints()
        loaded, validated, converted = check_content(paths.content, paths.root, cache, fingerprints, hashes)
        clock.lap("load")
        problems = sort_problems(validated.problems + template_problems(paths.templates, paths.root))
        if validated.content is None or has_errors(problems, strict):
            return Result(problems, None, timings=clock.timings)
        site = build_site(validated.content, options)
        know_site(site, fingerprints)
        gc.freeze()  # the Site is made: from here collect (rendering makes cycles), but never scan the Site
        gc.enable()
        bytecode = template_bytecode(paths.cache)
        env, pages = deferring_env(site, paths.templates, bytecode)
        html = render_html(site, paths.templates, env)
        html_count = len(html) + 1  # and the search page
        # The search page and index are made (in a second process when few documents were converted)
        # while this one plans and renders the pages, then makes the feeds, sitemap and data files.
        search_job = functools.partial(search_outputs, site, paths.templates, html_count,
                                       functools.partial(_search_index, paths.cache, fingerprints), bytecode)  # fmt: skip
        searched = start(search_job) if converted <= BACKGROUND_MAX_CONVERTED else search_job

        lines = StoryLines(cache, fingerprints) if cache is not None else None

        def late() -> list[Output]:
            """Made while the second process makes the search index, or before it in this one."""
            page_paths = [*(out.path for out in html), output_path(routes.SEARCH)]
            made = render_outputs(site, page_paths, lines if lines is not None else story_line)
            if lines is not None:
                lines.save()
            return [*made, *searched()]

        images = [Output(f.output_path, f.data) for f in loaded.images]
        clock.lap("render")
        written = write_outputs([*html, *static_files(paths.templates), *images], pages, site, paths.output, cache,
                                fingerprints, late, scanned)  # fmt: skip
        if cache is not None:
            remember_build(cache, paths.output, inputs, problems, html_count, written)
        clock.lap("write")
    except TemplateFailure as failure:  # a template's mistake: reported like the content's, nothing written
        return Result(sort_problems([*problems, failure.problem]), None, timings=clock.timings)
    finally:
        for job in started:
            job.cancel()  # when its result was taken, nothing is left to cancel
        gc.unfreeze()
        if not collecting:
            gc.disable()
        if cache is not None:
            cache.close()
    return Result(problems, site, html_count, written.files, clock.timings, written.written, written.bytes_written)


def _search_index(cache_folder: Path | None, fingerprints: Fingerprints, site: Site, page_count: int) -> SearchIndex:
    """incremental.search_index with a cache connection of its own (it may run in another process)."""
    cache = BuildCache(cache_folder) if cache_folder is not None else None
    try:
        return search_index(site, page_count, cache, fingerprints)
    finally:
        if cache is not None:
            cache.close()


def _inputs(paths: Paths, options: BuildOptions, strict: bool, content_hashes: dict[str, str],
            template_hashes: dict[str, str]) -> str:  # fmt: skip
    """A hash of everything a build is made from: the code, the options, every file of content/ and templates/."""
    where = [str(folder.resolve()) for folder in (paths.content, paths.templates, paths.root)]
    files = [f"{folder}/{path}:{hashed}" for folder, hashes in (("c", content_hashes), ("t", template_hashes))
             for path, hashed in sorted(hashes.items())]  # fmt: skip
    return digest(code_version(), repr(options), str(strict), *where, *files)


def load_vocab(content: Path, root: Path) -> Vocab:
    """The ids editors may use (areas, sectors, themes, statements), read from the data files."""
    data = {}
    for name in DATA_FILES:
        if (content / name).is_file():
            found = read_data(content / name, root)
            if isinstance(found, DataFile):
                data[name] = found
    models, _ = validate_vocab(data)
    return make_vocab(models, ())


def new_content_file(content: Path, root: Path, kind: str, title: str, today: date) -> Path:
    """Write a new, fully commented content file; returns its path. FileExistsError if taken."""
    path = content / new_file_path(kind, title)
    create_file(path, new_file_text(kind, title, load_vocab(content, root), today))
    return path
