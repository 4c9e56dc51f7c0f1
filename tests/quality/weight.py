"""How heavy each page is: its HTML plus the CSS, JS, images and fonts it loads, uncompressed.

A file counts once per page however often it is referenced. The search index is left aside: it is
fetched only when someone searches, and is reported on its own.
"""

from __future__ import annotations

import html.parser
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .links import SCHEME, css_refs
from .pages import SitePage

CEILING = 100_000  # bytes: the heaviest page, search index aside, must stay under 100 KB
# The search index: files in a search folder ('search/main.1a2b3c.js') or named like one
# ('search-index.json'), but not the search page or its script ('assets/search.js').
SEARCH_INDEX = re.compile(r"(^|/)search[^/]*/[^/]+\.(js|json)$|search[-_.]?index[^/]*\.(js|json)$|(^|/)search\.json$")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".ico")
FONT_SUFFIXES = (".woff", ".woff2", ".ttf", ".otf")


@dataclass(frozen=True)
class PageWeight:
    path: str
    kind: str
    html: int
    css: int
    js: int
    images: int
    other: int  # fonts and anything else a page loads

    @property
    def total(self) -> int:
        return self.html + self.css + self.js + self.images + self.other


class _LoadParser(html.parser.HTMLParser):
    """The files a browser fetches to show a page: stylesheets, scripts, images, icons."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.loads: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v for k, v in attrs if v is not None}
        rel = a.get("rel", "").lower().split()
        if tag == "link" and {"stylesheet", "icon", "preload", "modulepreload", "manifest"} & set(rel):
            self.loads.append(a.get("href", ""))
        elif tag in ("script", "img", "iframe", "embed", "audio", "track", "input") or (tag == "source" and "src" in a):
            self.loads.append(a.get("src", ""))
        elif tag == "video":
            self.loads += [a.get("src", ""), a.get("poster", "")]
        elif tag == "object":
            self.loads.append(a.get("data", ""))


def _local(base: str, url: str) -> str | None:
    """A relative reference from the file base -> a path in the site folder, or None if not ours."""
    if not url or url.startswith(("//", "#")) or SCHEME.match(url):
        return None
    path = urlsplit(url).path
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(path))) if path else None


def loaded_files(folder: Path, page: str) -> set[str]:
    """Every file in folder that page loads, following stylesheets to their images, fonts and imports."""
    parser = _LoadParser()
    parser.feed((folder / page).read_text(encoding="utf-8", errors="replace"))
    todo = [p for p in (_local(page, u) for u in parser.loads) if p]
    seen: set[str] = set()
    while todo:
        path = todo.pop()
        if path in seen or not (folder / path).is_file():
            continue
        seen.add(path)
        if path.endswith(".css"):
            todo += [p for p in (_local(path, u) for _, u in css_refs((folder / path).read_text(encoding="utf-8"))) if p]
    return seen


def page_weight(folder: Path, page: SitePage) -> PageWeight:
    sizes = {"css": 0, "js": 0, "images": 0, "other": 0}
    for path in loaded_files(folder, page.path):
        if SEARCH_INDEX.search(path):
            continue
        kind = ("css" if path.endswith(".css") else "js" if path.endswith((".js", ".mjs"))
                else "images" if path.lower().endswith(IMAGE_SUFFIXES) else "other")  # fmt: skip
        sizes[kind] += (folder / path).stat().st_size
    return PageWeight(page.path, page.kind, (folder / page.path).stat().st_size, **sizes)


def weight_report(folder: Path, pages: Iterable[SitePage]) -> list[PageWeight]:
    """The weight of every page, heaviest first."""
    return sorted((page_weight(folder, p) for p in pages), key=lambda w: (-w.total, w.path))


def heaviest_by_kind(weights: list[PageWeight]) -> dict[str, PageWeight]:
    """{kind: its heaviest page} (weights must be heaviest first, as weight_report returns them)."""
    out: dict[str, PageWeight] = {}
    for w in weights:
        out.setdefault(w.kind, w)
    return out


def search_index_bytes(folder: Path) -> int:
    """The size of every search index file in folder."""
    files = (p for p in folder.rglob("*") if p.is_file())
    return sum(p.stat().st_size for p in files if SEARCH_INDEX.search(p.relative_to(folder).as_posix()))


def kb(size: int) -> str:
    return f"{size / 1000:.1f} KB"
