"""Pages stage: Site -> [PageJob], every HTML page of the site as plain data (no jinja here).

A PageJob says which template makes which file, with what values; render.py turns it into bytes.
Each kind of page has one function below, and plan_pages lists them in the order the site is
written. The search page is not here: it names its index's files, so outputs/search.py makes its
job once the index is known.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from operator import attrgetter
from typing import Any

from . import easyread
from . import site as routes
from .fields import STORY_FIELDS
from .models import Organisation, PageJob, Signatory, Term
from .site import Paged, Site, output_path, paginate, route_of
from .taken import taken_scripts

NOT_FOUND = "404.html"  # hosts serve it at any missing address


def page_job(site: Site, template: str, route: str, **context: Any) -> PageJob:
    """The job for one page at route: its template and context, with what every page is given."""
    path = output_path(route)
    base = site.settings.base_url
    canonical = f"{base}{route}" if base else None
    return PageJob(path, template, {"page_path": path, "route": route, "canonical": canonical, **context})


def listing_jobs(site: Site, pages: list[Paged], template: str, **context: Any) -> list[PageJob]:
    """One job per page of a paginated listing."""
    return [page_job(site, template, paged.route, paged=paged, **context) for paged in pages]


def story_jobs(site: Site) -> list[PageJob]:
    jobs = listing_jobs(site, paginate(site.stories, routes.STORIES), "stories.html")
    return jobs + [page_job(site, "story.html", route_of(s), story=s, changed=site.changed.get(s.source)) for s in site.stories]


def pledge_jobs(site: Site) -> list[PageJob]:
    jobs = listing_jobs(site, paginate(site.signatories, routes.PLEDGE, routes.REGISTER_PER_PAGE), "register.html")
    return jobs + [page_job(site, "signatory.html", route_of(s), signatory=s, changed=site.changed.get(s.source))
                   for s in site.signatories]  # fmt: skip


def organisation_jobs(site: Site) -> list[PageJob]:
    """The register by organisation, and one page per organisation (its signatories over time, stories)."""
    counts = {"organisations": len(site.organisations), "looking": sum(o.looking for o in site.organisations)}
    jobs = listing_jobs(site, paginate(site.organisations, routes.ORGANISATIONS, routes.REGISTER_PER_PAGE), "organisations.html",
                        counts=counts)  # fmt: skip
    return jobs + [page_job(site, "organisation.html", route_of(o), organisation=o) for o in site.organisations]


def register_filter_jobs(site: Site) -> list[PageJob]:
    """The register filtered by area and by sector, as pages (no script needed): the current and
    former signatories of each area and sector, and (on pages of their own) its organisations."""
    jobs = []
    per_page = routes.REGISTER_PER_PAGE
    ways: list[tuple[str, tuple[Any, ...], Callable[[Any], str], Callable[[Signatory], str], Callable[[Organisation], tuple[str, ...]]]] = [
        ("area", site.areas, routes.register_area_route, attrgetter("area"), attrgetter("areas")),
        ("sector", site.sectors, routes.register_sector_route, attrgetter("sector"), attrgetter("sectors")),
    ]  # fmt: skip
    for kind, terms, route_of_term, key_of, keys_of in ways:
        for term in terms:
            route = route_of_term(term)
            signatories = tuple(s for s in site.signatories if key_of(s) == term.id)
            organisations = tuple(o for o in site.organisations if term.id in keys_of(o))
            counts = {"current": sum(s.current for s in signatories), "former": sum(not s.current for s in signatories),
                      "organisations": len(organisations)}  # fmt: skip
            jobs += listing_jobs(site, paginate(signatories, route, per_page), "register-filter.html", kind=kind, term=term,
                                 listing="signatories", counts=counts)  # fmt: skip
            if organisations:
                jobs += listing_jobs(site, paginate(organisations, routes.register_organisations_route(route), per_page),
                                     "register-filter.html", kind=kind, term=term, listing="organisations", counts=counts)  # fmt: skip
    return jobs


def area_jobs(site: Site) -> list[PageJob]:
    jobs = [page_job(site, "areas.html", routes.AREAS)]
    for area in site.areas:
        stories = site.stories_by_area.get(area.id, ())
        jobs += listing_jobs(site, paginate(stories, route_of(area)), "area.html", area=area)
    return jobs


def term_jobs(site: Site) -> list[PageJob]:
    """Sector and theme indexes, and one (paginated) page per sector and theme."""
    jobs = []
    kinds: list[tuple[str, str, tuple[Term, ...], Callable[[Term], str], Any]] = [
        ("sector", routes.SECTORS, site.sectors, routes.sector_route, site.stories_by_sector),
        ("theme", routes.THEMES, site.themes, routes.theme_route, site.stories_by_theme),
    ]
    for kind, index_route, terms, route_fn, stories_by in kinds:
        counts = {term.id: len(stories_by.get(term.id, ())) for term in terms}  # what it shows: so a story's edit leaves it alone
        jobs.append(page_job(site, "terms.html", index_route, kind=kind, terms=terms, story_counts=counts))
        for term in terms:
            stories = stories_by.get(term.id, ())
            jobs += listing_jobs(site, paginate(stories, route_fn(term)), "term.html", kind=kind, term=term)
    return jobs


def event_jobs(site: Site) -> list[PageJob]:
    jobs = [page_job(site, "events.html", routes.EVENTS)]
    return jobs + [page_job(site, "event.html", route_of(e), event=e) for e in site.events]


def content_page_jobs(site: Site) -> list[PageJob]:
    return [page_job(site, "page.html", route_of(p), content_page=p) for p in site.pages]


def share_job(site: Site) -> PageJob:
    """The "Share your story" form: its choices from the content, which fields are required from the schema."""
    fields = {spec.name: {"required": spec.required, "help": spec.help, "example": spec.example, "kind": spec.kind}
              for spec in STORY_FIELDS}  # plain data (a FieldSpec holds its check, a function)
    return page_job(site, "share.html", routes.SHARE, fields=fields, new_file_url=routes.new_file_url(site.settings),
                    upload_url=routes.upload_url(site.settings),
                    taken=[path.removeprefix(routes.SHARE) for path, _ in taken_scripts(site)])


def withdrawn_jobs(site: Site) -> list[PageJob]:
    """At the address of each withdrawn story or signatory, a short page saying so (and nothing of it)."""
    return [page_job(site, "withdrawn.html", route_of(w), withdrawn=w) for w in site.withdrawn]


def not_found_job() -> PageJob:
    """404.html: served at any missing address, so with a base URL its links are absolute."""
    return PageJob(NOT_FOUND, "404.html", {"page_path": NOT_FOUND, "route": None, "canonical": None, "absolute_links": True})


def evidence_jobs(site: Site) -> list[PageJob]:
    """The evidence pages (evidence_pages.py, which makes its jobs with page_job, from this module)."""
    from . import evidence_pages

    return evidence_pages.evidence_jobs(site)


def plan_pages(site: Site, only: Collection[str] | None = None) -> list[PageJob]:
    """Every HTML page of the site but the search page, in the order they are written. only: the
    output paths the caller wants (the preview's open pages): then a kind of page listed in
    SECTIONS is planned only when a wanted path is in its folders (the caller picks its pages from
    the list; one it does not find, it leaves to the full build)."""
    def wanted(folders: tuple[str, ...]) -> bool:
        return only is None or any(path.startswith(folders) for path in only)

    planned = {kind: plan(site) if wanted(folders) else [] for kind, (folders, plan) in SECTIONS.items()}
    return [
        page_job(site, "home.html", routes.HOME),
        *planned["stories"],
        *planned["pledge"],
        *planned["organisations"],
        *planned["register filters"],
        *planned["areas"],
        *planned["terms"],
        *planned["events"],
        *content_page_jobs(site),
        page_job(site, "self-assessment.html", routes.SELF_ASSESSMENT),
        page_job(site, "easy-read.html", routes.EASY_READ, groups=easyread.easy_read_groups(site)),
        share_job(site),
        *planned["evidence"],
        *withdrawn_jobs(site),
        not_found_job(),
    ]


# The kinds of page with many pages, each with the folders all its pages are in (so the preview
# plans only those of its open pages; a page in no folder here is always planned, as few are).
SECTIONS: dict[str, tuple[tuple[str, ...], Callable[[Site], list[PageJob]]]] = {
    "stories": ((routes.STORIES,), story_jobs),
    "pledge": ((routes.PLEDGE, "signatories/"), pledge_jobs),
    "organisations": ((routes.ORGANISATIONS,), organisation_jobs),
    "register filters": ((routes.PLEDGE,), register_filter_jobs),
    "areas": ((routes.AREAS,), area_jobs),
    "terms": ((routes.SECTORS, routes.THEMES), term_jobs),
    "events": ((routes.EVENTS,), event_jobs),
    "evidence": ((routes.EVIDENCE,), evidence_jobs),  # its numbers take longest to work out
}
