"""Open data for the evidence pages: data/self-assessments.csv (a row per story and statement it
rated), data/outcomes.csv and data/lessons.csv (a row per point), from the Site's published stories
(withdrawn and draft stories are never in them). Made as opendata.csv_file makes a CSV, so formula-safe."""

from __future__ import annotations

from ..models import Output, Statement, Story
from ..site import LESSONS_CSV, OUTCOMES_CSV, SELF_ASSESSMENTS_CSV, Site, route_of
from .opendata import Remember, csv_lines, csv_of_lines, same

STORY_COLUMNS = ("story", "title", "date", "areas", "sectors", "themes", "approach")
SELF_ASSESSMENT_COLUMNS = (*STORY_COLUMNS, "statement", "statement_text", "rating", "url")
POINT_COLUMNS = (*STORY_COLUMNS, "text", "url")


def _story_cells(s: Story) -> list[str]:
    """The columns every evidence CSV starts with; lists joined with ' | ' as in signatories.csv."""
    return [s.slug, s.title, s.date.isoformat(), " | ".join(s.areas), " | ".join(s.sectors), " | ".join(s.themes), s.approach or ""]


def assessment_lines(rated: tuple[Story, tuple[Statement, ...]]) -> str:
    """A story's lines of self-assessments.csv (a story and the site's statements, in their order):
    made from these alone, so that the fast engine can keep them between builds."""
    s, statements = rated
    order = {statement.id: n for n, statement in enumerate(statements)}
    texts = {statement.id: statement.statement for statement in statements}
    ratings = sorted((r for r in s.self_assessment if r.statement in texts), key=lambda r: order[r.statement])
    return csv_lines([*_story_cells(s), r.statement, texts[r.statement], r.rating, route_of(s)] for r in ratings)


def point_lines(point: tuple[Story, str]) -> str:
    """A story's lines of outcomes.csv or lessons.csv (the story, and the field: outcomes or lessons)."""
    s, field = point
    return csv_lines([*_story_cells(s), text, route_of(s)] for text in getattr(s, field))


def evidence_files(site: Site, remember: Remember = same) -> list[Output]:
    """self-assessments.csv, outcomes.csv and lessons.csv: a row per story and statement it rated (stories
    newest first, statements in order), and per outcome or lesson (in the story's order). remember:
    the engine's, to keep each story's lines from the last build."""
    assessed, points = remember(assessment_lines), remember(point_lines)
    return [Output(SELF_ASSESSMENTS_CSV, csv_of_lines(SELF_ASSESSMENT_COLUMNS, (assessed((s, site.statements)) for s in site.stories))),
            Output(OUTCOMES_CSV, csv_of_lines(POINT_COLUMNS, (points((s, "outcomes")) for s in site.stories))),
            Output(LESSONS_CSV, csv_of_lines(POINT_COLUMNS, (points((s, "lessons")) for s in site.stories)))]  # fmt: skip
