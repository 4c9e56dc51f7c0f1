"""The HTML pages of a built site folder, grouped into page kinds found from their paths.

Nothing here knows the site's routes. A page's kind is its path with the parts that vary between
pages of one kind replaced by '*': 'stories/a-story/index.html' and 'stories/another/index.html' are
both of kind 'stories/*/index.html', 'stories/page/2/index.html' is 'stories/page/*/index.html', and
a top-level folder ('search/index.html', 'easy-read/index.html') is a kind of its own. So a page kind
added to the site is found and checked the moment it is built, without changing the checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PAGINATION = "page"  # 'stories/page/2/index.html': the word stays in the kind, the number does not
TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)")
CLASS = re.compile(r"""\bclass=["']([^"']*)["']""")
INPUT_TYPE = re.compile(r"""<input\b[^>]*\btype=["']?([a-z-]+)""")


@dataclass(frozen=True)
class SitePage:
    path: str  # relative to the site folder, with forward slashes: "stories/foo/index.html"
    kind: str  # its path pattern: "stories/*/index.html"


def kind_of(path: str) -> str:
    """'stories/foo/index.html' -> 'stories/*/index.html'; the first folder and the file name are kept."""
    parts = path.split("/")
    if len(parts) <= 2:
        return path
    middle = [part if part == PAGINATION else "*" for part in parts[1:-1]]
    return "/".join([parts[0], *middle, parts[-1]])


def find_pages(folder: Path) -> list[SitePage]:
    """Every .html file under folder, with its kind, sorted by path."""
    paths = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html") if p.is_file())
    return [SitePage(path, kind_of(path)) for path in paths]


def kinds(pages: Iterable[SitePage]) -> list[str]:
    """The distinct kinds of pages, sorted."""
    return sorted({page.kind for page in pages})


def feature_score(html: str) -> tuple[int, int]:
    """(how many different elements, input types and classes a page uses, its size): more is better."""
    features = {tag.lower() for tag in TAG.findall(html)}
    features |= {f"input={kind}" for kind in INPUT_TYPE.findall(html)}
    features |= {f".{name}" for names in CLASS.findall(html) for name in names.split()}
    return len(features), len(html)


def representatives(folder: Path, pages: list[SitePage]) -> dict[str, SitePage]:
    """{kind: the page of that kind using the most features (then the biggest, then the first by path)}."""
    best: dict[str, tuple[tuple[int, int], SitePage]] = {}
    for page in pages:
        score = feature_score((folder / page.path).read_text(encoding="utf-8", errors="replace"))
        if page.kind not in best or score > best[page.kind][0]:
            best[page.kind] = (score, page)
    return {kind: page for kind, (_, page) in sorted(best.items())}
