"""What the stories add up to: the self-assessment by year, theme, sector and approach, and every
story's outcomes and lessons gathered by theme and area. Site (or a group of its stories) -> frozen
numbers and lists; pure, so the evidence pages are made from these values and cached like any page.

The Site's stories are the published ones only (withdrawn and draft stories are never in them), so
nothing here needs to leave them out again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter

from .models import APPROACHES, Statement, Story
from .rag import Picture, Tallies, Tally
from .site import Site, route_of

# Fewer stories than this behind a figure: the page says it is too few to read much into. Five is a
# common small-numbers rule (public statistics hide or flag counts under 5 or 10); with fewer, one
# story's rating moves a share by more than 20 points.
MIN_STORIES = 5

# The ladder's rungs where power is shared (co-design, co-production), compared with the rest.
UPPER_RUNGS = ("co-design", "co-production")


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: how many ratings of each kind, and how many stories are behind them."""

    label: str
    red: int
    amber: int
    green: int
    stories: int

    @property
    def ratings(self) -> int:
        return self.red + self.amber + self.green

    @property
    def few(self) -> bool:
        """True when too few stories are behind the bar to read much into it."""
        return self.stories < MIN_STORIES

    def count(self, rating: str) -> int:
        return {"red": self.red, "amber": self.amber, "green": self.green}[rating]


@dataclass(frozen=True)
class Group:
    """The stories of one year, theme, sector or rung of the ladder, and how they rated each statement."""

    key: str
    label: str
    picture: Picture

    def bar(self, statement_id: str) -> Bar:
        """The group's ratings of one statement (stories behind it: those that rated it)."""
        tally = next(t for t in self.picture.tallies if t.statement.id == statement_id)
        return _tally_bar(self.label, tally)

    def pooled(self) -> Bar:
        """Every rating the group's stories gave, all statements together (stories: the rated ones)."""
        tallies = self.picture.tallies
        return Bar(self.label, sum(t.red for t in tallies), sum(t.amber for t in tallies), sum(t.green for t in tallies),
                   self.picture.rated)  # fmt: skip


def _tally_bar(label: str, tally: Tally) -> Bar:
    return Bar(label, tally.red, tally.amber, tally.green, tally.red + tally.amber + tally.green)


@dataclass(frozen=True)
class Breakdown:
    """The rated stories split one way (by year, theme, sector or approach)."""

    dimension: str  # year | approach | theme | sector
    heading: str  # "By approach (the ladder of coproduction)"
    groups: tuple[Group, ...]  # only groups with at least one rated story, in their natural order
    missing: int  # rated stories that say nothing for this dimension (no approach given)
    overlapping: bool  # a story can be in several groups (themes, sectors), so groups add up to more

    def bars(self, statement_id: str | None = None) -> tuple[Bar, ...]:
        """A bar per group with ratings: of one statement, or every statement together (None)."""
        bars = (g.pooled() if statement_id is None else g.bar(statement_id) for g in self.groups)
        return tuple(b for b in bars if b.ratings)


@dataclass(frozen=True)
class Comparison:
    """Green ratings in work further up the ladder (co-design, co-production) and in the rest."""

    upper: Bar
    lower: Bar

    @property
    def enough(self) -> bool:
        return not self.upper.few and not self.lower.few


@dataclass(frozen=True)
class Evidence:
    """The self-assessment of a group of stories (the whole site, an area, a theme), every way."""

    stories: int
    rated: int
    overall: Picture
    breakdowns: tuple[Breakdown, ...]
    ladder: Comparison
    statements: tuple[Statement, ...]

    @property
    def few(self) -> bool:
        return self.rated < MIN_STORIES

    def breakdown(self, dimension: str) -> Breakdown:
        return next(b for b in self.breakdowns if b.dimension == dimension)


def _groups(pictures: dict[str, Picture], keyed: Iterable[tuple[str, str]]) -> tuple[Group, ...]:
    """(key, label) in order -> a Group for each key that at least one rated story has."""
    return tuple(Group(key, label, pictures[key]) for key, label in keyed if key in pictures)


def _approach(story: Story) -> tuple[str]:
    return (story.approach or "",)


def _year(story: Story) -> tuple[str]:
    return (str(story.date.year),)


def _rung(story: Story) -> tuple[str, ...]:
    """upper: co-design and co-production; lower: the rest of the ladder; no approach: neither."""
    return ("upper",) if story.approach in UPPER_RUNGS else ("lower",) if story.approach else ()


def breakdowns(site: Site, rated: Sequence[Story], by_approach: dict[str, Picture], by_year: dict[str, Picture],
              by_theme: dict[str, Picture], by_sector: dict[str, Picture]) -> tuple[Breakdown, ...]:  # fmt: skip
    """Rated stories, and their pictures by approach, year, theme and sector -> a Breakdown each."""
    years = sorted({s.date.year for s in rated})
    return (
        Breakdown("approach", "By approach (the ladder of coproduction)",
                  _groups(by_approach, ((k, v[0]) for k, v in APPROACHES.items())), sum(1 for s in rated if not s.approach),
                  False),
        Breakdown("year", "By year", _groups(by_year, ((str(y), str(y)) for y in years)), 0, False),
        Breakdown("theme", "By theme", _groups(by_theme, ((t.id, t.name) for t in site.themes)), 0, True),
        Breakdown("sector", "By sector", _groups(by_sector, ((t.id, t.name) for t in site.sectors)), 0, True),
    )  # fmt: skip


def ladder_comparison(tallies: Tallies, by_rung: dict[str, Picture]) -> Comparison:
    """Every rating given by co-design and co-production work (by_rung["upper"]), and by work lower down."""
    nothing = tallies.picture(())
    upper_bar = Group("upper", "Co-design and co-production", by_rung.get("upper", nothing)).pooled()
    lower_bar = Group("lower", "Informing, consulting and engaging", by_rung.get("lower", nothing)).pooled()
    return Comparison(upper_bar, lower_bar)


def evidence_of(site: Site, stories: Sequence[Story], tallies: Tallies | None = None) -> Evidence:
    """Some of the site's stories (all, an area's, a theme's) -> their self-assessment, every way.
    tallies: counts the site's statements (rag.Tallies); one made for all the site's stories first
    makes counting many groups of them quicker. Every group is counted in one pass over the stories."""
    tallies = tallies or Tallies(site.statements)
    rated = [s for s in stories if s.self_assessment]
    by_rung, whole, *ways = tallies.pictures_by(rated, _rung, lambda _: ("",), _approach, _year, attrgetter("themes"),
                                                attrgetter("sectors"))  # fmt: skip
    overall = whole.get("", tallies.picture(()))
    return Evidence(len(stories), len(rated), Picture(len(stories), overall.rated, overall.tallies),
                    breakdowns(site, rated, *ways), ladder_comparison(tallies, by_rung), site.statements)  # fmt: skip


# ---- what changed and what was learned, gathered ------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One outcome or lesson of one story, with where to read the story."""

    text: str
    story: Story

    @property
    def title(self) -> str:
        return self.story.title

    @property
    def route(self) -> str:
        return route_of(self.story)

    @property
    def date(self) -> str:
        """The story's date, ISO."""
        return self.story.date.isoformat()


@dataclass(frozen=True)
class Summary:
    """What a pack lists of a story: only what it shows (so a change to a story's body leaves packs as they are)."""

    title: str
    summary: str
    date: dt.date
    approach: str | None
    route: str


def summaries(stories: Iterable[Story]) -> tuple[Summary, ...]:
    return tuple(Summary(s.title, s.summary, s.date, s.approach, route_of(s)) for s in stories)


@dataclass(frozen=True)
class Cell:
    """The points of one theme in one area (or one area within a theme): the outcomes or lessons
    (field) of some stories. A page is given the stories, not their points: the Site's stories are
    fingerprinted already, so a page of 10,000 points is known from 4,000 stories at once."""

    key: str
    label: str
    field: str  # outcomes | lessons
    sources: tuple[Story, ...]  # the stories with points here, newest first

    @property
    def points(self) -> tuple[Point, ...]:
        return tuple(Point(text, s) for s in self.sources for text in getattr(s, self.field))

    @property
    def count(self) -> int:
        """How many points."""
        return sum(len(getattr(s, self.field)) for s in self.sources)

    @property
    def stories(self) -> int:
        """How many stories the points come from."""
        return len(self.sources)


@dataclass(frozen=True)
class Section:
    """The points of one theme (or area), split by area (or theme)."""

    key: str
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Counted:
    """How many points (and from how many stories) a cell of a Section has: what an index shows, so
    that it is made again only when a number changes, not at every edit of a story."""

    key: str
    label: str
    points: int
    stories: int


def counted(sections: Iterable[Section]) -> tuple[tuple[str, str, tuple[Counted, ...]], ...]:
    """Sections -> (key, label, a Counted per cell) each."""
    return tuple((s.key, s.label, tuple(Counted(c.key, c.label, c.count, c.stories) for c in s.cells)) for s in sections)


def gathered(site: Site, stories: Sequence[Story], field: str, outer: str) -> tuple[Section, ...]:
    """Stories -> their outcomes or lessons (field), by theme then area (outer "theme") or by area
    then theme (outer "area"); empty sections and cells are left out, newest story first."""
    themes = [(t.id, t.name) for t in site.themes]
    areas = [(a.id, a.name) for a in site.areas]
    outer_keys, inner_keys = (themes, areas) if outer == "theme" else (areas, themes)
    outer_of, inner_of = (attrgetter("themes"), attrgetter("areas")) if outer == "theme" else (attrgetter("areas"), attrgetter("themes"))
    cells: dict[str, dict[str, list[Story]]] = {}  # outer key -> inner key -> stories, in one pass
    for story in stories:
        if getattr(story, field):
            for okey in outer_of(story):
                by_inner = cells.setdefault(okey, {})
                for ikey in inner_of(story):
                    by_inner.setdefault(ikey, []).append(story)
    return tuple(Section(okey, olabel, tuple(Cell(ikey, ilabel, field, tuple(cells[okey][ikey]))
                                             for ikey, ilabel in inner_keys if ikey in cells[okey]))
                 for okey, olabel in outer_keys if okey in cells)  # fmt: skip
