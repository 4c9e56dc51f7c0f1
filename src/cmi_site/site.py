"""The whole site as data: published collections, indexes by area, sector and theme, and every route.

Routes are site-relative folder paths ("stories/foo/") or file paths ("feed.xml"); this is the only
module that decides them. render.py turns them into links relative to the page being written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .config import BuildOptions
from .models import Area, Content, Event, Organisation, Page, Picture, Settings, Signatory, Statement, Story, Term, Withdrawn
from .organisations import build_organisations, org_key

REGION = "region"
STORIES_PER_PAGE = 24
# Rows of a page of the pledge register (by person, by organisation, by area or sector): at ~500 bytes
# a row, 1,000 signatories on one page made the pledge page 527 KB; with 50 rows it is 38 KB.
REGISTER_PER_PAGE = 50
PLEDGE_PAGE = "pledge"

T = TypeVar("T")


@dataclass(frozen=True)
class Paged:
    """One page of a paginated listing."""

    number: int
    count: int  # how many pages in all
    items: tuple[Any, ...]
    route: str
    first_route: str
    per_page: int

    @property
    def first(self) -> int:
        """The 1-based position of this page's first item in the whole listing."""
        return (self.number - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1

    def route_of(self, number: int) -> str:
        return self.first_route if number == 1 else f"{self.first_route}page/{number}/"


@dataclass(frozen=True)
class Site:
    settings: Settings
    today: dt.date
    areas: tuple[Area, ...]
    sectors: tuple[Term, ...]
    themes: tuple[Term, ...]
    statements: tuple[Statement, ...]
    stories: tuple[Story, ...]  # newest first
    story_by_slug: Mapping[str, Story]  # the published stories (those above), by slug
    signatories: tuple[Signatory, ...]  # by name, current and former
    upcoming_events: tuple[Event, ...]  # soonest first
    past_events: tuple[Event, ...]  # newest first
    pages: tuple[Page, ...]
    pledge: Page | None
    page_by_slug: Mapping[str, Page]
    area_by_id: Mapping[str, Area]
    sector_by_id: Mapping[str, Term]
    theme_by_id: Mapping[str, Term]
    statement_by_id: Mapping[str, Statement]
    stories_by_area: Mapping[str, tuple[Story, ...]]
    stories_by_sector: Mapping[str, tuple[Story, ...]]
    changed: Mapping[str, dt.date]  # a file (as shown) -> the date of the last commit that touched it
    stories_by_theme: Mapping[str, tuple[Story, ...]]
    signatories_by_area: Mapping[str, tuple[Signatory, ...]]  # current signatories only: the counts
    signatories_by_sector: Mapping[str, tuple[Signatory, ...]]  # current signatories only
    events_by_area: Mapping[str, tuple[Event, ...]]
    images: tuple[str, ...] = ()  # paths under content/ (images/garden.jpg): the pictures a story can use
    withdrawn: tuple[Withdrawn, ...] = ()  # stories and signatories taken off the site: only where they were
    pictures: Mapping[str, Picture] = field(default_factory=dict)  # images/garden.jpg -> its published copies
    organisations: tuple[Organisation, ...] = ()  # every organisation signatories name, by name
    organisation_by_key: Mapping[str, Organisation] = field(default_factory=dict)  # organisations.org_key(name) -> it

    @property
    def current_signatories(self) -> tuple[Signatory, ...]:
        """The signatories who have not left, by name: the ones counted."""
        return tuple(s for s in self.signatories if s.left is None)

    def organisation_of(self, name: str) -> Organisation | None:
        """The organisation a signatory or a story names, or None when no signatory names it."""
        return self.organisation_by_key.get(org_key(name))

    @property
    def local_areas(self) -> tuple[Area, ...]:
        """The areas that are places (all but region-wide)."""
        return tuple(a for a in self.areas if a.id != REGION)

    def areas_with(self, index: Mapping[str, Sequence[Any]]) -> int:
        """How many local areas have at least one item in an index."""
        return sum(1 for a in self.local_areas if index.get(a.id))

    @property
    def events(self) -> tuple[Event, ...]:
        return self.upcoming_events + self.past_events


def group_by(items: Iterable[T], keys_of: Any) -> dict[str, tuple[T, ...]]:
    """Items -> {key: items having that key}, keeping the items' order."""
    groups: dict[str, list[T]] = {}
    for item in items:
        for key in keys_of(item):
            groups.setdefault(key, []).append(item)
    return {key: tuple(group) for key, group in groups.items()}


def is_past(event: Event, today: dt.date) -> bool:
    return event.end_date < today


def a_year_before(today: dt.date) -> dt.date:
    """The same day a year earlier (28 February for 29 February)."""
    return today.replace(year=today.year - 1, day=28 if (today.month, today.day) == (2, 29) else today.day)


def is_stale(signatory: Signatory, today: dt.date) -> bool:
    """True when a current signatory's last update (or signing, if none) is more than a year before
    today (a former signatory is not asked for updates)."""
    return signatory.left is None and signatory.last_updated < a_year_before(today)


def _event_sort_key(event: Event) -> tuple[Any, ...]:
    start = event.start if isinstance(event.start, dt.datetime) else dt.datetime.combine(event.start, dt.time(0))
    return (start, event.slug)


def build_site(content: Content, options: BuildOptions) -> Site:
    """Validated content -> the site as data, for one build date and set of options."""
    settings = _with_base_url(content.settings, options.base_url)
    stories = tuple(
        sorted((s for s in content.stories if options.drafts or not s.draft), key=lambda s: (s.date, s.slug), reverse=True)
    )
    signatories = tuple(sorted(content.signatories, key=lambda s: (s.name.lower(), s.slug)))
    events = sorted(content.events, key=_event_sort_key)
    current = [s for s in signatories if s.left is None]
    pledge = next((p for p in content.pages if p.slug == PLEDGE_PAGE), None)
    organisations = build_organisations(signatories, stories)
    return Site(
        settings=settings,
        today=options.today,
        areas=content.areas,
        sectors=content.sectors,
        themes=content.themes,
        statements=content.statements,
        stories=stories,
        story_by_slug={s.slug: s for s in stories},
        signatories=signatories,
        upcoming_events=tuple(e for e in events if not is_past(e, options.today)),
        past_events=tuple(reversed([e for e in events if is_past(e, options.today)])),
        pages=tuple(p for p in content.pages if p.slug != PLEDGE_PAGE),
        pledge=pledge,
        page_by_slug={p.slug: p for p in content.pages if p.slug != PLEDGE_PAGE},
        area_by_id={a.id: a for a in content.areas},
        sector_by_id={t.id: t for t in content.sectors},
        theme_by_id={t.id: t for t in content.themes},
        statement_by_id={s.id: s for s in content.statements},
        changed=dict(options.changed),
        stories_by_area=group_by(stories, lambda s: s.areas),
        stories_by_sector=group_by(stories, lambda s: s.sectors),
        stories_by_theme=group_by(stories, lambda s: s.themes),
        signatories_by_area=group_by(current, lambda s: (s.area,)),
        signatories_by_sector=group_by(current, lambda s: (s.sector,)),
        events_by_area=group_by(events, lambda e: e.areas),
        images=content.images,
        withdrawn=content.withdrawn,
        pictures={picture.source: picture for picture in content.pictures},
        organisations=organisations,
        organisation_by_key={org_key(o.name): o for o in organisations},
    )


def _with_base_url(settings: Settings, base_url: str | None) -> Settings:
    """The settings, with the public address given on the command line (--base-url) when there is one
    (ending in '/'; an empty one means none)."""
    if base_url is None:
        return settings
    base = base_url.strip()
    return dataclasses.replace(settings, base_url=(base if base.endswith("/") else base + "/") if base else None)


# ---- routes -------------------------------------------------------------------------------------

HOME = ""
STORIES = "stories/"
PLEDGE = "pledge/"
AREAS = "areas/"
SECTORS = "sectors/"
THEMES = "themes/"
EVENTS = "events/"
SELF_ASSESSMENT = "self-assessment/"
FEED = "feed.xml"
SITEMAP = "sitemap.xml"
STYLESHEET = "assets/site.css"
EASY_READ = "easy-read/"
CALENDAR = "events.ics"
SHARE = "share/"
SHARE_SCRIPT = "assets/share.js"
SHARE_STYLESHEET = "assets/share.css"
SEARCH = "search/"  # the search page, and the folder of its index files
ORGANISATIONS = "organisations/"  # the register by organisation
EVIDENCE = "evidence/"  # what the stories add up to (evidence.py)
EVIDENCE_CHANGED = "evidence/what-changed/"
EVIDENCE_LEARNED = "evidence/what-we-learned/"
SELF_ASSESSMENTS_CSV = "data/self-assessments.csv"
OUTCOMES_CSV = "data/outcomes.csv"
LESSONS_CSV = "data/lessons.csv"


def route_of(item: Any) -> str:
    """The route of any model: where its page lives, relative to the site root."""
    match item:
        case Story():
            return f"stories/{item.slug}/"
        case Signatory():
            return f"signatories/{item.slug}/"
        case Withdrawn():
            return f"{item.collection}/{item.slug}/"
        case Event():
            return f"events/{item.slug}/"
        case Page():
            return PLEDGE if item.slug == PLEDGE_PAGE else f"{item.slug}/"
        case Area():
            return f"areas/{item.id}/"
        case Organisation():
            return f"organisations/{item.slug}/"
        case Term():
            raise TypeError("a Term's route depends on whether it is a sector or a theme: use sector_route or theme_route")
    raise TypeError(f"no route for {item!r}")


def edit_url(settings: Settings, source: str) -> str | None:
    """The repository's web editor for a content file, when the site has a repository URL."""
    if not settings.repository_url:
        return None
    return f"{settings.repository_url}/edit/{settings.repository_branch}/{source}"


def change_request_urls(settings: Settings, route: str, title: str) -> list[tuple[str, str]]:
    """Where someone can ask for a change to a page, or for it to be taken down: (how, URL) for the
    network's email (the page's address in the subject) and the repository's issue form, when set."""
    where = f"{settings.base_url}{route}" if settings.base_url else f"/{route}"
    subject = f"Change or removal: {title} ({where})"
    urls = []
    if settings.contact_email:
        urls.append(("email", f"mailto:{settings.contact_email}?subject={urllib.parse.quote(subject, safe='')}"))
    if settings.repository_url:
        query = urllib.parse.urlencode({"title": subject, "labels": "change-or-removal"}, quote_via=urllib.parse.quote)
        urls.append(("issue", f"{settings.repository_url}/issues/new?{query}"))
    return urls


def calendar_route(event: Event) -> str:
    """The event's own .ics file, beside its page (named after it, so a download has a useful name)."""
    return f"events/{event.slug}/{event.slug}.ics"


def new_file_url(settings: Settings) -> str | None:
    """The repository's "create new file" page, when the site has a repository URL (the share form adds the file)."""
    if not settings.repository_url:
        return None
    branch = urllib.parse.quote(settings.repository_branch or "main", safe="/")
    return f"{settings.repository_url.rstrip('/')}/new/{branch}"


def upload_url(settings: Settings) -> str | None:
    """The repository's upload page for content/stories/ (no length limit: for a story too long for a link)."""
    url = new_file_url(settings)
    return url.replace("/new/", "/upload/", 1) + "/content/stories" if url else None


def evidence_statement_route(statement: Statement) -> str:
    """One self-assessment statement by year, theme, sector and approach."""
    return f"evidence/statements/{statement.id}/"


def evidence_points_route(field: str, theme: str, area: str) -> str:
    """What changed (field 'outcomes') or what was learned ('lessons') in one theme and area."""
    return f"{EVIDENCE_CHANGED if field == 'outcomes' else EVIDENCE_LEARNED}{theme}/in/{area}/"


def evidence_pack_route(kind: str, ident: str) -> str:
    """The printable evidence pack of an area or a theme (kind 'area' or 'theme')."""
    return f"evidence/packs/{kind}s/{ident}/"


def sector_route(term: Term) -> str:
    return f"sectors/{term.id}/"


def theme_route(term: Term) -> str:
    return f"themes/{term.id}/"


def register_area_route(area: Area) -> str:
    """The pledge register filtered to one area (current and former signatories, and organisations)."""
    return f"pledge/areas/{area.id}/"


def register_sector_route(term: Term) -> str:
    """The pledge register filtered to one sector."""
    return f"pledge/sectors/{term.id}/"


def register_organisations_route(filtered: str) -> str:
    """The organisations of a filtered register (register_area_route or register_sector_route)."""
    return f"{filtered}organisations/"


def output_path(route: str) -> str:
    """A route -> the file written for it: folders get index.html."""
    return f"{route}index.html" if route == "" or route.endswith("/") else route


def paginate(items: Sequence[T], first_route: str, per_page: int = STORIES_PER_PAGE) -> list[Paged]:
    """Items -> pages of at most per_page; page 1 at first_route, then first_route/page/N/."""
    count = max(1, -(-len(items) // per_page))
    pages = []
    for number in range(1, count + 1):
        chunk = tuple(items[(number - 1) * per_page : number * per_page])
        route = first_route if number == 1 else f"{first_route}page/{number}/"
        pages.append(Paged(number, count, chunk, route, first_route, per_page))
    return pages
