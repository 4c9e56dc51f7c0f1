"""The evidence pages: Site -> [PageJob] for evidence/ (what the stories add up to), a page per
self-assessment statement, what changed, what was learned, and a printable pack per area and theme.

The numbers come from evidence.py and go into each job's values, so a page is made again exactly
when its numbers or its stories change (the fast engine fingerprints the values).
"""

from __future__ import annotations

from collections.abc import Sequence

from . import site as routes
from .evidence import MIN_STORIES, counted, evidence_of, gathered, summaries
from .evidence_words import easy_read_summary
from .models import PageJob, Story
from .pages import page_job
from .rag import Tallies
from .site import Site, paginate

CELL_STORIES = 24  # stories whose points a page of one theme in one area shows (at 10,000 stories one had 1,700 points: 420 KB)
PACK_STORIES = 12  # the newest stories whose points and summaries a pack prints (a pack of 1,000 stories stays under 100 KB)


def _pack_job(site: Site, tallies: Tallies, kind: str, ident: str, name: str, description: str, stories: Sequence[Story]) -> PageJob:
    """The printable pack of one area or theme (kind 'area' or 'theme'): every number, and the points
    and stories of the newest PACK_STORIES stories (so a pack stays a few pages, however many there are)."""
    route = routes.evidence_pack_route(kind, ident)
    where = ("marked region-wide" if ident == routes.REGION else f"in {name}") if kind == "area" else f"about {name}"
    evidence = evidence_of(site, stories, tallies)
    newest = stories[:PACK_STORIES]  # the Site's stories are newest first

    def points(field: str) -> tuple[object, ...]:
        """This area's points by theme (or this theme's by area)."""
        return next((s.cells for s in gathered(site, newest, field, kind) if s.key == ident), ())

    return page_job(site, "evidence-pack.html", route, kind=kind, ident=ident, name=name, description=description,
                    where=where, stories=summaries(newest), total=len(stories), evidence=evidence, min_stories=MIN_STORIES,
                    easy_read=easy_read_summary(evidence, where, site.settings.sample_notice),
                    changed=points("outcomes"), learned=points("lessons"),
                    address=f"{site.settings.base_url}{route}" if site.settings.base_url else None)  # fmt: skip


def pack_jobs(site: Site, tallies: Tallies | None = None) -> list[PageJob]:
    """A pack for every area (region-wide too) and every theme, with or without stories (tallies:
    the site's, when made already)."""
    tallies = tallies or Tallies(site.statements, site.stories)
    jobs = [_pack_job(site, tallies, "area", a.id, a.name, a.description, site.stories_by_area.get(a.id, ())) for a in site.areas]
    return jobs + [_pack_job(site, tallies, "theme", t.id, t.name, t.description, site.stories_by_theme.get(t.id, ()))
                   for t in site.themes]  # fmt: skip


def points_jobs(site: Site) -> list[PageJob]:
    """What changed and what was learned: an index of themes and areas each, and a page per theme and
    area with every point, CELL_STORIES stories' points a page (so no page holds every story's
    points, nor grows with the site). The indexes are given only the numbers they show, so an edit
    of a story's points does not make them again."""
    jobs = []
    for route, field, heading in ((routes.EVIDENCE_CHANGED, "outcomes", "What changed"),
                                  (routes.EVIDENCE_LEARNED, "lessons", "What was learned")):  # fmt: skip
        sections = gathered(site, site.stories, field, "theme")
        jobs.append(page_job(site, "evidence-points.html", route, field=field, heading=heading, sections=counted(sections)))
        for section in sections:
            for cell in section.cells:  # its counts once, not once a page (a cell may have a hundred pages)
                points, stories = cell.count, cell.stories
                jobs += [page_job(site, "evidence-cell.html", paged.route, field=field, heading=heading, theme=section.key,
                                  theme_name=section.label, area=cell.key, area_name=cell.label, points=points, stories=stories,
                                  paged=paged)  # paged.items: this page's stories, whose points it shows
                         for paged in paginate(cell.sources, routes.evidence_points_route(field, section.key, cell.key), CELL_STORIES)]  # fmt: skip
    return jobs


def evidence_jobs(site: Site) -> list[PageJob]:
    """evidence/, a page per statement, what changed, what was learned, and the packs."""
    tallies = Tallies(site.statements, site.stories)  # the stories' ratings as numbers, once for every page
    whole = evidence_of(site, site.stories, tallies)
    jobs = [page_job(site, "evidence.html", routes.EVIDENCE, evidence=whole, min_stories=MIN_STORIES,
                     easy_read=easy_read_summary(whole, "", site.settings.sample_notice))]  # fmt: skip
    jobs += [page_job(site, "evidence-statement.html", routes.evidence_statement_route(s), statement=s, number=n,
                      evidence=whole, min_stories=MIN_STORIES) for n, s in enumerate(site.statements)]  # fmt: skip
    return jobs + points_jobs(site) + pack_jobs(site, tallies)
