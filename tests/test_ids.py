"""Ids from bodies never take over an id a template uses; editors' in-page links keep working.

Every id a body gives (a heading's, toc's or one written in raw HTML) is published in a namespace
(bodyhtml.CONTENT_ID_PREFIX) that templates never use, and links to '#fragment' in a body go to it."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from cmi_site.bodyhtml import CONTENT_ID_PREFIX, TEMPLATE_ANCHORS
from conftest import TEMPLATES

# Attributes that name the id of another element of the same page.
_REFERENCES = ("aria-labelledby", "aria-describedby", "aria-controls", "aria-owns", "aria-details", "aria-errormessage",
               "aria-flowto", "aria-activedescendant", "for", "headers", "list", "form")  # fmt: skip
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Page(HTMLParser):
    """A page's elements with ids (tag, other attributes, start of their text) and its references."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.elements: dict[str, list[object]] = {}
        self.references: list[tuple[str, str]] = []  # (attribute, id)
        self.open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        ident = values.pop("id", None)
        if ident is not None:
            self.ids.append(ident)
            self.elements.setdefault(ident, [tag, sorted(values.items()), ""])
        self.references += [(name, target) for name in _REFERENCES for target in (values.get(name) or "").split()]
        href = values.get("href") or ""
        if tag == "a" and href.startswith("#") and len(href) > 1:
            self.references.append(("href", href[1:]))
        if tag not in _VOID:
            self.open.append((tag, ident))

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        for _, ident in self.open:
            if ident is not None and len(self.elements[ident][2]) < 40:  # type: ignore[arg-type]
                self.elements[ident][2] = (str(self.elements[ident][2]) + " ".join(data.split()))[:40]


def _pages(site: Path) -> dict[str, _Page]:
    pages = {}
    for file in sorted(site.rglob("*.html")):
        page = _Page()
        page.feed(file.read_text(encoding="utf-8"))
        pages[file.relative_to(site).as_posix()] = page
    return pages


def _with_easy_read(files: dict[str, str]) -> None:
    """Give a story and a page an Easy Read part (its section has the id 'easy-read')."""
    for name in ("stories/memory-cafe.md", "pages/about.md"):
        files[name] = files[name].replace("---\n", "---\neasy_read: |\n  Short words.\n", 1)


def _build(site_dir: Path, run_cli: Callable, files: dict[str, str]) -> dict[str, _Page]:
    for name, text in files.items():
        (site_dir / "content" / name).write_text(text)
    result = run_cli("build")
    assert result.code == 0, result.err
    return _pages(site_dir / "_site")


def test_headings_with_every_id_of_the_site_take_over_none_of_them(site_dir: Path, run_cli: Callable, content_files) -> None:
    _with_easy_read(content_files)
    clean = _build(site_dir, run_cli, content_files)
    every_id = sorted({ident for page in clean.values() for ident in page.ids})
    assert {"main", "easy-read", "easy-read-heading", "signatories-heading"} <= set(every_id)
    hostile = "".join(f"## {ident}\n\n<h2 id=\"{ident}\">{ident}</h2>\n\n<h3 id=\" {ident} \">x</h3>\n\n" for ident in every_id)
    links = "See [below](#what-we-did) and [again](#What-We-Did).\n\n## What we did\n\nText.\n"
    bodies = {name: text.rstrip("\n") + "\n\n" + links + "\n" + hostile for name, text in content_files.items() if name.endswith(".md")}
    bodies["stories/memory-cafe.md"] += "\nAnd [the Easy Read](#easy-read), the page's own.\n"
    built = _build(site_dir, run_cli, {**content_files, **bodies})
    for path, page in built.items():
        assert len(page.ids) == len(set(page.ids)), (path, [i for i in page.ids if page.ids.count(i) > 1])
        # every reference a template made points at the element it pointed at without the headings
        before = clean[path]
        for attribute, target in before.references:
            assert built[path].elements.get(target) == before.elements.get(target), (path, attribute, target)
        for attribute, target in page.references:
            assert target in page.elements, (path, attribute, target)
    story = built["stories/memory-cafe/index.html"]
    assert story.elements[f"{CONTENT_ID_PREFIX}what-we-did"][2] == "What we did"
    assert story.references.count(("href", f"{CONTENT_ID_PREFIX}what-we-did")) == 2
    assert ("href", "easy-read") in story.references and story.elements["easy-read"][0] == "section"


def test_no_template_id_is_in_the_namespace_of_bodies_and_the_anchors_editors_may_name_exist() -> None:
    templates = "\n".join(file.read_text(encoding="utf-8") for file in sorted(TEMPLATES.rglob("*.html")))
    ids = re.findall(r'\bid="([^"]*)"', templates)
    assert ids and not [ident for ident in ids if ident.startswith(CONTENT_ID_PREFIX)]
    assert set(ids) >= TEMPLATE_ANCHORS
