"""Machine-readable outputs, each made from the Site alone: Site -> [Output].

feeds.py (Atom feed, sitemap, robots.txt), opendata.py (CSV and JSON), evidence.py (the evidence's CSV), calendar.py (iCalendar),
search.py and searchtext.py (the search index), static.py (the templates' assets and the content's
images), and ../taken.py's scripts (the story addresses the share form refuses). All are
byte-identical for the same content.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..models import Output
from ..site import Site
from ..taken import taken_scripts
from . import calendar
from .evidence import evidence_files
from .feeds import atom_feed, robots, sitemap
from .opendata import Remember, same, signatories_csv, signatories_json, stories_json
from .orgdata import organisations_csv, organisations_json, schema_files


def site_files(site: Site, html: Iterable[str], remember: Remember = same) -> list[Output]:
    """The feed, sitemap, robots.txt, open data and calendars (html: the paths of the site's pages;
    remember: the engine's, with which the open data keeps each story's part from the last build)."""
    out = [atom_feed(site), robots(site), signatories_csv(site), signatories_json(site), stories_json(site, remember)]
    out += [organisations_csv(site), organisations_json(site), *schema_files()]
    out += calendar.calendar_files(site, remember)
    out += evidence_files(site, remember)
    out += [Output(path, data) for path, data in taken_scripts(site)]
    map_ = sitemap(site, html)
    return out + ([map_] if map_ else [])
