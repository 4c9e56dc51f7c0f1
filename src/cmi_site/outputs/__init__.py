"""Machine-readable outputs, each made from the Site alone: Site -> [Output].

feeds.py (Atom feed, sitemap, robots.txt), opendata.py (CSV and JSON), evidence.py (the evidence's CSV), calendar.py (iCalendar),
search.py and searchtext.py (the search index), static.py (the templates' assets and the content's
images). All are byte-identical for the same content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..models import Output, Story
from ..site import Site
from . import calendar
from .evidence import evidence_files
from .feeds import atom_feed, robots, sitemap
from .opendata import signatories_csv, signatories_json, stories_json, story_line
from .orgdata import organisations_csv, organisations_json, schema_files


def site_files(site: Site, html: Iterable[str], line: Callable[[Story], str] = story_line) -> list[Output]:
    """The feed, sitemap, robots.txt, open data and calendars (html: the paths of the site's pages;
    line: how a story's line of data/stories.json is made)."""
    out = [atom_feed(site), robots(site), signatories_csv(site), signatories_json(site), stories_json(site, line)]
    out += [organisations_csv(site), organisations_json(site), *schema_files()]
    out += calendar.calendar_files(site)
    out += evidence_files(site)
    map_ = sitemap(site, html)
    return out + ([map_] if map_ else [])
