"""Machine-readable outputs: Atom feed, sitemap, robots.txt and open data (CSV and JSON).

All are built from the Site alone and are byte-identical for the same content: no build times,
sorted keys, fixed line endings.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from typing import Any

from . import ical
from . import site as routes
from .formats import JSON_ERRORS, document_text
from .models import Story
from .render import Output
from .site import Site, output_path, route_of

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
    for path in sorted(html):
        if path == "404.html":
            continue
        route = path.removesuffix("index.html")
        _sub(_sub(urlset, f"{{{SITEMAP_NS}}}url"), f"{{{SITEMAP_NS}}}loc", f"{site.settings.base_url}{route}")
    return Output(routes.SITEMAP, _xml(urlset))


def robots(site: Site) -> Output:
    lines = ["User-agent: *", "Allow: /"]
    if site.settings.base_url:
        lines.append(f"Sitemap: {site.settings.base_url}{routes.SITEMAP}")
    return Output("robots.txt", document_text("\n".join(lines) + "\n").encode("utf-8"))


SIGNATORY_COLUMNS = ("slug", "name", "role", "organisation", "area", "area_name", "sector", "sector_name", "signed",
                     "commitments", "website", "latest_update", "url")  # fmt: skip


def signatory_record(site: Site, s: Any) -> dict[str, Any]:
    return {
        "slug": s.slug, "name": s.name, "role": s.role, "organisation": s.organisation, "area": s.area,
        "sector": s.sector, "signed": s.signed.isoformat(), "commitments": list(s.commitments),
        "website": s.website, "updates": [{"date": u.date.isoformat(), "text": u.text} for u in s.updates],
        "url": route_of(s),
    }  # fmt: skip


def signatories_csv(site: Site) -> Output:
    """data/signatories.csv: one row per signatory (columns SIGNATORY_COLUMNS)."""
    rows = [[
        s.slug, s.name, s.role, s.organisation, s.area, site.area_by_id[s.area].name, s.sector,
        site.sector_by_id[s.sector].name, s.signed.isoformat(), " | ".join(s.commitments), s.website or "",
        s.updates[0].date.isoformat() if s.updates else "", route_of(s),
    ] for s in site.signatories]  # fmt: skip
    return Output("data/signatories.csv", csv_file(SIGNATORY_COLUMNS, rows))


def csv_file(header: Iterable[str], rows: Iterable[Iterable[str]]) -> bytes:
    """A header and rows -> CSV for spreadsheets: every CSV the site writes is made here. UTF-8 with a
    byte order mark (without it, Excel reads UTF-8 as the local code page and mangles accented names),
    CRLF line ends (RFC 4180), and every cell made formula-safe (spreadsheet_safe) and free of characters
    a spreadsheet cannot hold (document_text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(document_text(cell)) for cell in header])
    writer.writerows([spreadsheet_safe(document_text(cell)) for cell in row] for row in rows)
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


# A cell starting with one of these (after NFKC, which makes full-width and small forms like U+FF1D
# plain) is run as a formula by Excel, LibreOffice or Google Sheets: =HYPERLINK(...), +cmd|..., @SUM(...).
# U+2212 (the minus sign) is kept apart by NFKC, and some spreadsheets read it as a minus.
FORMULA_STARTS = frozenset("=+-@\u2212")


def spreadsheet_safe(cell: str) -> str:
    """A cell's text -> the same text, with a single quote in front when a spreadsheet would read it as
    a formula (OWASP's advice on CSV injection): it starts with a tab, CR or LF, or its first character
    that is not a space or an invisible mark is a formula start. Spreadsheets then read the cell as
    text (some show the quote too); the JSON files keep every value as it is."""
    if cell[:1] in ("\t", "\r", "\n"):
        return f"'{cell}"
    for char in cell:
        if char.isspace() or unicodedata.category(char) in ("Cf", "Cc", "Zs"):
            continue  # spreadsheets trim spaces; invisible marks (U+200B, U+200F, U+FEFF) hide what follows
        return f"'{cell}" if unicodedata.normalize("NFKC", char)[:1] in FORMULA_STARTS else cell
    return cell


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _json(site: Site, name: str, lines: Iterable[str]) -> bytes:
    """{"generated_from": ..., name: [records]} with one record (a line of json_line) to a line: easy
    to read and to diff."""
    head = json.dumps({"generated_from": site.settings.title}, ensure_ascii=False)[:-1]
    records = ",\n".join(lines)
    return f'{head}, {json.dumps(name)}: [\n{records}\n]}}\n'.encode("utf-8", JSON_ERRORS)


def json_line(record: dict[str, Any]) -> str:
    """A record as one line of JSON, by the json module's C encoder (indented JSON is written in
    Python, 20 times slower); one encoder for every record, as json.dumps would make one each time."""
    return _ENCODER.encode(record)


def signatories_json(site: Site) -> Output:
    return Output("data/signatories.json", _json(site, "signatories", (json_line(signatory_record(site, s)) for s in site.signatories)))


def story_line(s: Story) -> str:
    """A story's line of data/stories.json: made from the story alone (so it can be kept between builds)."""
    return json_line({
        "slug": s.slug, "title": s.title, "summary": s.summary, "date": s.date.isoformat(),
        "areas": list(s.areas), "sectors": list(s.sectors), "themes": list(s.themes), "approach": s.approach,
        "self_assessment": {r.statement: r.rating for r in s.self_assessment}, "people": list(s.people),
        "outcomes": list(s.outcomes), "lessons": list(s.lessons), "url": route_of(s),
    })  # fmt: skip


def stories_json(site: Site, line: Callable[[Story], str] = story_line) -> Output:
    """data/stories.json (line: story_line, or one that remembers the lines of the last build)."""
    return Output("data/stories.json", _json(site, "stories", map(line, site.stories)))


def render_outputs(site: Site, html: Iterable[str], line: Callable[[Story], str] = story_line) -> list[Output]:
    """The feed, sitemap, robots.txt, open data and calendars (html: the paths of the site's pages;
    line: how a story's line of data/stories.json is made)."""
    out = [atom_feed(site), robots(site), signatories_csv(site), signatories_json(site), stories_json(site, line)]
    out += ical.calendar_files(site)
    map_ = sitemap(site, html)
    return out + ([map_] if map_ else [])
