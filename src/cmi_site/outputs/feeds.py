"""The feed, the sitemap and robots.txt: Site -> files, the same bytes for the same content (no build
times, fixed line endings)."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from .. import site as routes
from ..models import Output
from ..site import Site, output_path, route_of
from .formats import document_text

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
FEED_ENTRIES = 50


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """A child element with text and attributes, each made fit for XML (document_text; ElementTree
    escapes & < > and quotes, but writes any character as it is, even those XML forbids)."""
    element = ET.SubElement(parent, tag, {name: document_text(value) for name, value in attrs.items()})
    if text is not None:
        element.text = document_text(text)
    return element


def _entry_id(site: Site, route: str) -> str:
    """A stable id: the page's address when the site has a base URL, else a name-based UUID."""
    if site.settings.base_url:
        return f"{site.settings.base_url}{route}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'count-me-in:' + route)}"


def _link(site: Site, route: str) -> str:
    # Without a base URL, links are relative to feed.xml, which sits at the site root.
    return f"{site.settings.base_url or ''}{output_path(route)}"


def atom_feed(site: Site) -> Output:
    """feed.xml: the newest stories, as an Atom feed."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, f"{{{ATOM}}}title", f"{site.settings.title}: coproduction stories")
    _sub(feed, f"{{{ATOM}}}subtitle", site.settings.tagline)
    _sub(feed, f"{{{ATOM}}}id", _entry_id(site, routes.FEED))
    _sub(feed, f"{{{ATOM}}}link", href=_link(site, routes.STORIES), rel="alternate", type="text/html")
    if site.settings.base_url:
        _sub(feed, f"{{{ATOM}}}link", href=f"{site.settings.base_url}{routes.FEED}", rel="self")
    newest = site.stories[0].date.isoformat() if site.stories else "2000-01-01"
    _sub(feed, f"{{{ATOM}}}updated", f"{newest}T00:00:00Z")
    _sub(_sub(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name", site.settings.title)
    for story in site.stories[:FEED_ENTRIES]:
        entry = _sub(feed, f"{{{ATOM}}}entry")
        route = route_of(story)
        _sub(entry, f"{{{ATOM}}}title", story.title)
        _sub(entry, f"{{{ATOM}}}id", _entry_id(site, route))
        _sub(entry, f"{{{ATOM}}}link", href=_link(site, route), rel="alternate", type="text/html")
        _sub(entry, f"{{{ATOM}}}updated", f"{story.date.isoformat()}T00:00:00Z")
        _sub(entry, f"{{{ATOM}}}summary", story.summary)
        for theme in story.themes:
            _sub(entry, f"{{{ATOM}}}category", term=theme, label=site.theme_by_id[theme].name)
    return Output(routes.FEED, _xml(feed))


def sitemap(site: Site, html: Iterable[str]) -> Output | None:
    """sitemap.xml of every HTML page (html: their paths), only when the site knows its own address."""
    if not site.settings.base_url:
        return None
    ET.register_namespace("", SITEMAP_NS)
    urlset = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    hidden = {"404.html", *(routes.output_path(routes.route_of(w)) for w in site.withdrawn)}  # nothing to find there
    for path in sorted(html):
        if path in hidden:
            continue
        route = path.removesuffix("index.html")
        _sub(_sub(urlset, f"{{{SITEMAP_NS}}}url"), f"{{{SITEMAP_NS}}}loc", f"{site.settings.base_url}{route}")
    return Output(routes.SITEMAP, _xml(urlset))


def robots(site: Site) -> Output:
    lines = ["User-agent: *", "Allow: /"]
    if site.settings.base_url:
        lines.append(f"Sitemap: {site.settings.base_url}{routes.SITEMAP}")
    return Output("robots.txt", document_text("\n".join(lines) + "\n").encode("utf-8"))
