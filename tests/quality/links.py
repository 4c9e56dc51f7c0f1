"""Every internal reference resolves, checked over the folder as a browser opens it from disk.

From disk (file://) a browser does not turn a folder into its index.html, and a link starting with
'/' points at the root of the disk; on a host under a sub-path it points above the site. So every
internal link must be relative and end in a file. This is a static check of HTML and CSS; the
browser sweep (sweep.py) repeats it in Chromium, from disk and under a sub-path.
"""

from __future__ import annotations

import html.parser
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

REF_ATTRS = {
    "a": ("href",), "area": ("href",), "link": ("href",), "img": ("src", "srcset"), "source": ("src", "srcset"),
    "script": ("src",), "iframe": ("src",), "video": ("src", "poster"), "audio": ("src",), "track": ("src",),
    "embed": ("src",), "object": ("data",), "form": ("action",), "input": ("src",),
}  # fmt: skip
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
EXTERNAL_SCHEMES = ("http", "https", "mailto", "tel", "data", "sms", "webcal", "geo")
FRAGMENTS_ALWAYS_THERE = ("", "top")  # the HTML spec scrolls to the top for both


@dataclass(frozen=True)
class Reference:
    source: str  # the file it is in, relative to the site folder
    tag: str  # "a", "img", "css url()" ...
    url: str


@dataclass(frozen=True)
class LinkProblem:
    ref: Reference
    reason: str

    def __str__(self) -> str:
        return f"{self.ref.source}: {self.ref.tag} {self.ref.url!r}: {self.reason}"


@dataclass
class LinkReport:
    problems: list[LinkProblem] = field(default_factory=list)
    internal: int = 0  # internal references checked
    external: int = 0  # references to other sites (not fetched)


class _RefParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.ids.add(values["name"])
        for attr in REF_ATTRS.get(tag, ()):
            if attr not in values:
                continue
            urls = [c.split()[0] for c in values[attr].split(",") if c.strip()] if attr == "srcset" else [values[attr]]
            self.refs.extend((f"<{tag} {attr}>", url) for url in urls)


def parse_html(text: str) -> tuple[list[tuple[str, str]], set[str]]:
    """HTML text -> ([(where, url)], the ids a fragment can point to)."""
    parser = _RefParser()
    parser.feed(text)
    parser.close()
    return parser.refs, parser.ids


def css_refs(text: str) -> list[tuple[str, str]]:
    return [("css url()" if m.group(2) else "css @import", (m.group(2) or m.group(4)).strip()) for m in CSS_URL.finditer(text)]


def problem_with(ref: Reference, folder: Path, ids_of: dict[str, set[str]]) -> str | None:
    """Why ref does not resolve inside folder, or None when it does (or is not ours to check)."""
    url = ref.url.strip()
    if not url:
        return "empty address"
    if url.startswith("//"):
        return None
    if SCHEME.match(url):
        scheme = url.split(":", 1)[0].lower()
        return None if scheme in EXTERNAL_SCHEMES else f"'{scheme}:' addresses do not work in a static site"
    parts = urlsplit(url)
    if parts.path.startswith("/"):
        return "starts with '/': from disk that is the root of the disk, and under a sub-path it is above the site"
    if not parts.path:  # "#fragment" or "?query": this same file
        return _fragment_problem(ref.source, parts.fragment, ids_of)
    target = posixpath.normpath(posixpath.join(posixpath.dirname(ref.source), unquote(parts.path)))
    if target == ".." or target.startswith("../"):
        return "points outside the site folder"
    if parts.path.endswith("/") or (folder / target).is_dir():
        return "ends in a folder: opened from disk a browser cannot show it (link to the folder's index.html)"
    if not (folder / target).is_file():
        return f"no such file: {target}"
    return _fragment_problem(target, parts.fragment, ids_of) if target.endswith(".html") else None


def _fragment_problem(target: str, fragment: str, ids_of: dict[str, set[str]]) -> str | None:
    if unquote(fragment) in FRAGMENTS_ALWAYS_THERE or target not in ids_of:
        return None
    return None if unquote(fragment) in ids_of[target] else f"no element with id '{unquote(fragment)}' in {target}"


def collect_refs(folder: Path) -> tuple[list[Reference], dict[str, set[str]]]:
    """Every reference in the folder's HTML and CSS, and the ids of every HTML file."""
    refs: list[Reference] = []
    ids_of: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.suffix == ".html":
            found, ids_of[rel] = parse_html(path.read_text(encoding="utf-8", errors="replace"))
        elif path.suffix == ".css":
            found = css_refs(path.read_text(encoding="utf-8", errors="replace"))
        else:
            continue
        refs += [Reference(rel, tag, url) for tag, url in found]
    return refs, ids_of


def check_links(folder: Path) -> LinkReport:
    """Check every internal link, image, script and stylesheet reference in folder's HTML and CSS."""
    refs, ids_of = collect_refs(folder)
    report = LinkReport()
    for ref in refs:
        url = ref.url.strip()
        if url.startswith("//") or (SCHEME.match(url) and url.split(":", 1)[0].lower() in EXTERNAL_SCHEMES):
            report.external += 1
            continue
        report.internal += 1
        reason = problem_with(ref, folder, ids_of)
        if reason:
            report.problems.append(LinkProblem(ref, reason))
    return report
