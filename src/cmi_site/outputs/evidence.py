"""Open data for the evidence pages: data/self-assessments.csv (a row per story and statement it
rated), data/outcomes.csv and data/lessons.csv (a row per point), from the Site's published stories
(withdrawn and draft stories are never in them). Made by opendata.csv_file, so formula-safe."""

from __future__ import annotations

from ..models import Output, Story
from ..site import LESSONS_CSV, OUTCOMES_CSV, SELF_ASSESSMENTS_CSV, Site, route_of
from .opendata import csv_file

STORY_COLUMNS = ("story", "title", "date", "areas", "sectors", "themes", "approach")
SELF_ASSESSMENT_COLUMNS = (*STORY_COLUMNS, "statement", "statement_text", "rating", "url")
POINT_COLUMNS = (*STORY_COLUMNS, "text", "url")


def _story_cells(s: Story) -> list[str]:
    """The columns every evidence CSV starts with; lists joined with ' | ' as in signatories.csv."""
    return [s.slug, s.title, s.date.isoformat(), " | ".join(s.areas), " | ".join(s.sectors), " | ".join(s.themes), s.approach or ""]


def self_assessments_csv(site: Site) -> Output:
    """data/self-assessments.csv: a row per story and statement it rated, stories newest first, statements in order."""
    order = {statement.id: n for n, statement in enumerate(site.statements)}
    rows = [[*_story_cells(s), r.statement, site.statement_by_id[r.statement].statement, r.rating, route_of(s)]
            for s in site.stories for r in sorted(s.self_assessment, key=lambda r: order.get(r.statement, len(order)))]  # fmt: skip
    return Output(SELF_ASSESSMENTS_CSV, csv_file(SELF_ASSESSMENT_COLUMNS, rows))


def points_csv(site: Site, field: str, path: str) -> Output:
    """A row per outcome (or lesson) of every story, in the story's order."""
    rows = [[*_story_cells(s), text, route_of(s)] for s in site.stories for text in getattr(s, field)]
    return Output(path, csv_file(POINT_COLUMNS, rows))


def evidence_files(site: Site) -> list[Output]:
    return [self_assessments_csv(site), points_csv(site, "outcomes", OUTCOMES_CSV), points_csv(site, "lessons", LESSONS_CSV)]
