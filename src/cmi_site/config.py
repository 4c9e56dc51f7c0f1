"""What a build is asked to do (Paths, BuildOptions) and what it did (Result)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .errors import Problem

if TYPE_CHECKING:
    from .site import Site

# built: the output folder holds the new site. unchanged: nothing the site is made from changed since
# the last build into the same folder, which is still as that build left it, so nothing was done.
# stopped: problems (or a template's mistake) stopped the build; the output folder was not touched.
# checked: `check` only; nothing was built or written.
State = Literal["built", "unchanged", "stopped", "checked"]

# A changed file, as the preview's watcher saw it: (CONTENT or TEMPLATES, its path inside that folder,
# with /), or ("", "") for any other file.
CONTENT, TEMPLATES = "content", "templates"
Change = tuple[str, str]


@dataclass(frozen=True)
class Paths:
    content: Path
    templates: Path
    output: Path
    root: Path  # paths in messages are shown relative to this folder
    cache: Path | None = None  # the build cache folder (.cache/build); None builds without one


@dataclass(frozen=True)
class BuildOptions:
    today: dt.date  # which events are upcoming
    drafts: bool = False
    base_url: str | None = None  # overrides site.yml's base_url when given
    # (file as shown, e.g. content/stories/x.md; date of the last commit that touched it): history.py
    changed: tuple[tuple[str, dt.date], ...] = ()


@dataclass(frozen=True)
class Result:
    state: State
    problems: list[Problem]
    pages: int = 0  # HTML pages in the site
    files: int = 0  # files in the site
    written: int = 0  # files whose bytes changed, so were written
    bytes_written: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    site: Site | None = None  # check: the site as data, when there were no errors
    explained: dict[str, str] = field(default_factory=dict)  # page path -> why it was made again (--explain)
    cache_failure: str | None = None  # why the build cache was not used (thrown away, or reached through a link)

    @property
    def ok(self) -> bool:
        """Whether the site was built (or was already as it should be), or, for check, could be."""
        return self.state != "stopped"

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())
