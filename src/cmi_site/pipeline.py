"""The build, top to bottom: load -> validate -> site -> render -> write, with timings.

Each stage is a plain function call with a plain value handed to the next. Problems are data: the
pipeline returns them and writes nothing when any is an error (or, with strict, a warning).
"""

from __future__ import annotations

import time
from datetime import date
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem, has_errors, sort_problems
from .load import DATA_FILES, DataFile, StaticFile, load_content, load_static, read_data
from .outputs import render_outputs
from .render import Output, render_html, render_search
from .search import build_search_index, minify_js
from .site import BuildOptions, Site, build_site
from .scaffold import new_file_path, new_file_text
from .schema import Vocab
from .validate import make_vocab, validate, validate_vocab
from .write import create_file, write_site


@dataclass(frozen=True)
class Paths:
    content: Path
    templates: Path
    output: Path
    root: Path  # paths in messages are shown relative to this folder


@dataclass(frozen=True)
class Result:
    problems: list[Problem]
    site: Site | None = None
    pages: int = 0  # HTML pages rendered
    files: int = 0  # files written, 0 when nothing was written
    timings: dict[str, float] = field(default_factory=dict)

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
    problems = sort_problems(validated.problems)
    site = build_site(validated.content, options) if validated.content is not None else None
    return Result(problems, site, timings=clock.timings), loaded.images


def check(paths: Paths, options: BuildOptions) -> Result:
    """Load and validate only: the problems, and the site as data when there are no errors."""
    return _check(paths, options)[0]


def render_all(site: Site, templates: Path) -> tuple[list[Output], list[Output]]:
    """The site -> (HTML pages, every other file: feeds, data, assets)."""
    html = render_html(site, templates)
    index = build_search_index(site, len(html) + 1)
    html.append(render_search(site, templates, index.main, index.facets))
    static = [
        Output(f.output_path, minify_js(f.data) if f.output_path == "assets/search.js" else f.data)
        for f in [*load_static(templates / "assets", "assets"), *load_static(templates / "root", "")]
    ]
    return html, render_outputs(site, html) + list(index.files) + static


def build(paths: Paths, options: BuildOptions, strict: bool = False) -> Result:
    """Check, render and write the whole site; nothing is written when the check fails."""
    checked, loaded_images = _check(paths, options)
    if checked.site is None or has_errors(checked.problems, strict):
        return Result(checked.problems, None, timings=checked.timings)
    clock = _Clock()
    html, others = render_all(checked.site, paths.templates)
    images = [Output(f.output_path, f.data) for f in loaded_images]
    clock.lap("render")
    files = write_site([*html, *others, *images], paths.output)
    clock.lap("write")
    return Result(checked.problems, checked.site, len(html), files, {**checked.timings, **clock.timings})


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
