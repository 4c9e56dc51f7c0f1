"""The RAG self-assessment at build time: the region-wide chart and table, story ratings, and the page.

Expected numbers are counted here from the content files themselves (python-frontmatter and PyYAML),
never from cmi_site, so a counting mistake in the code under test cannot hide in the test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from pathlib import Path

import frontmatter
import pytest
import yaml

from cmi_site.models import Rating, Statement, Story
from cmi_site.rag import chart_svg, tally_ratings
from conftest import SAMPLE_CONTENT, dedent

SVG = "{http://www.w3.org/2000/svg}"
RAG = ("red", "amber", "green")
SYMBOLS = {"red": "✕", "amber": "!", "green": "✓"}
WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}


# ---- counting from the content, independently of cmi_site ----------------------------------------


def statements_in(text: str) -> dict[str, dict[str, str]]:
    """self-assessment.yml -> {id: record}, in file order."""
    return {record["id"]: record for record in yaml.safe_load(text)}


def expected_rows(stories: Iterable[str], statements: Mapping[str, Mapping[str, str]], area: str | None) -> tuple[int, int, list[list[str]]]:
    """Story files -> (stories, rated stories, table rows [statement, red, amber, green, not rated])."""
    total, rated, counts = 0, 0, {sid: Counter() for sid in statements}
    for text in stories:
        meta = frontmatter.loads(text).metadata
        if meta.get("draft") is True or (area is not None and area not in meta["areas"]):
            continue
        total += 1
        ratings = meta.get("self_assessment") or {}
        rated += bool(ratings)
        for sid, rating in ratings.items():
            counts[sid][rating] += 1
    rows = [[statements[sid]["statement"], *(str(counts[sid][v]) for v in RAG), str(rated - sum(counts[sid].values()))]
            for sid in statements]  # fmt: skip
    return total, rated, rows


# ---- reading the built page ---------------------------------------------------------------------


class TableRows(HTMLParser):
    """The text of each cell of each row of the table with class rag-table (header row included)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_table = self._in_cell = False
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and "rag-table" in classes:
            self._in_table = True
        elif self._in_table and tag == "tr":
            self.rows.append([])
        elif self._in_table and tag in ("td", "th"):
            self._in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_table = False
        elif tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.rows[-1][-1] = " ".join(f"{self.rows[-1][-1]} {data}".split())


def table_rows(html: str) -> list[list[str]]:
    parser = TableRows()
    parser.feed(html)
    return parser.rows


def chart_of(html: str) -> ET.Element:
    """The page's one inline SVG chart, parsed as XML (so it must be well-formed)."""
    found = re.findall(r'<svg xmlns="http://www.w3.org/2000/svg" class="rag-chart".*?</svg>', html, re.S)
    assert len(found) == 1
    return ET.fromstring(found[0])


def chart_rows(svg: ET.Element) -> list[list[str]]:
    """Each bar's statement and the numbers written under it: [statement, red, amber, green, not rated]."""
    rows = []
    for group in svg.iter(f"{SVG}g"):
        statement = " ".join(span.text for span in group.find(f"{SVG}text").iter(f"{SVG}tspan"))
        counts = "".join(group.find(f"{SVG}text[@class='rag-chart__counts']").itertext())
        numbers = [re.search(rf"{SYMBOLS[v]} {WORDS[v]} (\d+)", counts).group(1) for v in RAG]
        unrated = re.search(r"Not rated (\d+)", counts)
        rows.append([re.sub(r"^\d+\. ", "", statement), *numbers, unrated.group(1) if unrated else "0"])
    return rows


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


# ---- the minimal fixture, with a third story so that numbers differ -----------------------------

THIRD = """
    ---
    title: Norfolk forum
    summary: A forum about home care.
    date: 2025-01-10
    areas: [norfolk, region]
    sectors: [health]
    themes: [carers]
    self_assessment:
      felt-heard: red
    consent: {date: 2025-01-10, how: in writing}
    ---
    Body.
    """


@pytest.fixture
def rated_site(site_dir: Path, content_files: dict[str, str], run_cli) -> tuple[Path, dict[str, str]]:
    """The minimal site plus a story rating one statement only; its content files too."""
    (site_dir / "content/stories/norfolk-forum.md").write_text(dedent(THIRD), encoding="utf-8")
    (site_dir / "content/areas.yml").write_text(content_files["areas.yml"] + dedent("""
        - id: thurrock
          name: Thurrock
          description: Thurrock Council area.
          integrated_care_systems: [Mid and South Essex]
        """), encoding="utf-8")  # fmt: skip
    result = run_cli("build")
    assert result.code == 0, result.err
    files = {**content_files, "stories/norfolk-forum.md": dedent(THIRD)}
    return site_dir / "_site", files


def stories_of(files: Mapping[str, str]) -> list[str]:
    return [text for path, text in sorted(files.items()) if path.startswith("stories/")]


@pytest.mark.parametrize(("page", "area"), [("stories/index.html", None), ("areas/norfolk/index.html", "norfolk")])
def test_chart_and_table_numbers_match_the_content(rated_site, page: str, area: str | None) -> None:
    site, files = rated_site
    statements = statements_in(files["self-assessment.yml"])
    _total, _rated, rows = expected_rows(stories_of(files), statements, area)
    html = read(site, page)
    assert table_rows(html)[1:] == rows
    assert chart_rows(chart_of(html)) == rows
    assert table_rows(html)[0] == ["Statement", "✕ Red", "! Amber", "✓ Green", "Not rated"]


def test_the_fixture_numbers_are_the_ones_worked_out_by_hand(rated_site) -> None:
    """A guard on the counting helper itself: respite rates both statements, the forum one, memory cafe none."""
    site, _ = rated_site
    assert table_rows(read(site, "stories/index.html"))[1:] == [
        ["People felt heard.", "1", "0", "1", "0"],
        ["Power was shared.", "0", "1", "0", "1"],
    ]
    assert "2 of the 3 stories across the East of England have a self-assessment" in read(site, "stories/index.html")
    assert "The one story marked region-wide has a self-assessment" not in read(site, "areas/region/index.html")
    assert "One of the 2 stories marked region-wide, " in read(site, "areas/region/index.html")


def test_one_rated_story_shows_its_own_ratings_not_a_chart_of_ones_and_zeros(rated_site) -> None:
    site, _ = rated_site
    html = read(site, "areas/region/index.html")  # two stories, only the Norfolk forum rated (felt-heard: red)
    assert ('One of the 2 stories marked region-wide, <a href="../../stories/norfolk-forum/index.html">Norfolk forum</a>, '
            "has a self-assessment") in html  # fmt: skip
    assert "rag-chart" not in html and "rag-table" not in html
    ratings = html.split('<ul class="ratings">')[1].split("</ul>")[0]
    assert re.findall(r'<p class="ratings__statement">([^<]*)</p>', ratings) == ["People felt heard."]
    assert '<span class="rag rag--red">' in ratings


def test_chart_is_accessible_svg_without_style_attributes(rated_site) -> None:
    site, _ = rated_site
    html = read(site, "stories/index.html")
    svg = chart_of(html)
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == title_id and svg.find(f"{SVG}desc").get("id") == desc_id
    assert svg.find(f"{SVG}title").text == "Self-assessment ratings of 2 stories across the East of England"
    assert "The table after the chart gives the same numbers." in svg.find(f"{SVG}desc").text
    assert all("style" not in element.attrib for element in svg.iter())
    assert html.count(f'id="{title_id}"') == 1
    # the bars: widths are shares of the rated stories, each bar in its rating's class
    bars = [(r.get("class"), r.get("width")) for r in svg.iter(f"{SVG}rect") if "rag-chart__bar" in r.get("class")]
    assert bars == [("rag-chart__bar rag-chart__bar--red", "50%"), ("rag-chart__bar rag-chart__bar--green", "50%"),
                    ("rag-chart__bar rag-chart__bar--amber", "50%")]  # fmt: skip


def test_areas_without_rated_stories_say_so_instead_of_a_chart(rated_site) -> None:
    site, _ = rated_site
    suffolk = read(site, "areas/suffolk/index.html")
    assert "The one story in Suffolk does not have a self-assessment yet, so there is no chart to show." in suffolk
    thurrock = read(site, "areas/thurrock/index.html")
    assert "There are no stories in Thurrock yet, so there are no self-assessments to show." in thurrock
    for html in (suffolk, thurrock):
        assert "<svg" not in html and "rag-table" not in html
        assert '<a href="../../self-assessment/index.html">Try the self-assessment</a>' in html


def test_sample_site_charts_match_the_sample_content(sample_site: Path) -> None:
    statements = statements_in((SAMPLE_CONTENT / "self-assessment.yml").read_text(encoding="utf-8"))
    stories = [p.read_text(encoding="utf-8") for p in sorted((SAMPLE_CONTENT / "stories").glob("*.md"))]
    stories = [text for text in stories if "\nwithdrawn:" not in text]  # withdrawn: on no page, in no chart
    areas = [a["id"] for a in yaml.safe_load((SAMPLE_CONTENT / "areas.yml").read_text(encoding="utf-8"))]
    charts = 0
    for area, page in [(None, "stories/index.html"), *((a, f"areas/{a}/index.html") for a in areas)]:
        _total, rated, rows = expected_rows(stories, statements, area)
        html = read(sample_site, page)
        charts += bool(rated)
        if rated == 1:  # one rated story: its own ratings, no chart
            assert "<svg" not in html and '<ul class="ratings">' in html, page
        elif rated:
            assert table_rows(html)[1:] == rows, page
            assert chart_rows(chart_of(html)) == rows, page
        else:
            assert "<svg" not in html and ("no chart to show" in html or "no self-assessments to show" in html), page
    assert charts >= 5  # the sample content has rated stories in several areas (a chart, or one story's ratings)


def test_story_page_shows_every_rating_with_word_shape_and_meaning(rated_site) -> None:
    site, files = rated_site
    statements = statements_in(files["self-assessment.yml"])
    html = read(site, "stories/respite-with-carers/index.html")
    ratings = frontmatter.loads(files["stories/respite-with-carers.md"]).metadata["self_assessment"]
    for sid, rating in ratings.items():
        badge = (f'<span class="rag rag--{rating}"><span class="rag__symbol" aria-hidden="true">{SYMBOLS[rating]}</span> '
                 f'{WORDS[rating]}</span>: {statements[sid][rating]}')  # fmt: skip
        assert badge in html
        assert f'<p class="ratings__statement">{statements[sid]["statement"]}</p>' in html
    assert '<a href="../../self-assessment/index.html">Try the self-assessment</a>' in html
    assert "Try the self-assessment" not in read(site, "stories/memory-cafe/index.html").split("site-footer")[0]


def test_self_assessment_page_is_a_form_of_every_statement(rated_site) -> None:
    site, files = rated_site
    html = read(site, "self-assessment/index.html")
    for number, (sid, record) in enumerate(statements_in(files["self-assessment.yml"]).items(), 1):
        assert (f'<legend class="rag-question__legend"><span class="rag-question__number">{number}.</span> '
                f'{record["statement"]}</legend>') in html  # fmt: skip
        for value in RAG:
            assert f'<input class="rag-option__input" type="radio" name="rag-{sid}" id="rag-{sid}-{value}" value="{value}">' in html
            assert (f'<label class="rag-option__label" for="rag-{sid}-{value}"><span class="rag rag--{value}"><span class="rag__symbol" '
                    f'aria-hidden="true">{SYMBOLS[value]}</span> {WORDS[value]}</span><span class="visually-hidden">:</span> '
                    f'<span class="rag-option__meaning">{record[value]}</span></label>') in html  # fmt: skip
        assert f'<label class="rag-notes__label" for="rag-{sid}-notes">' in html
    assert '<script src="../assets/self-assessment.js"></script>' in html
    assert "<form" not in html.split("<main", 1)[1]  # nothing to submit: a form could send answers to the server without JavaScript


def test_self_assessment_page_is_linked_from_every_page_footer(rated_site) -> None:
    site, _ = rated_site
    assert '<li><a href="self-assessment/index.html">Self-assessment</a></li>' in read(site, "index.html")
    assert '<li><a href="../../self-assessment/index.html">Self-assessment</a></li>' in read(site, "areas/norfolk/index.html")


def test_chart_is_only_on_the_first_page_of_a_listing(site_dir: Path, run_cli) -> None:
    for n in range(30):
        (site_dir / f"content/stories/s{n:02d}.md").write_text(dedent(f"""
            ---
            title: Story {n}
            summary: Summary.
            date: 2020-01-{n % 28 + 1:02d}
            areas: [norfolk]
            sectors: [health]
            themes: [carers]
            self_assessment:
              shared-power: green
            consent: {{date: 2025-01-10, how: in writing}}
            ---
            Body.
            """), encoding="utf-8")  # fmt: skip
    assert run_cli("build").code == 0
    site = site_dir / "_site"
    assert table_rows(read(site, "stories/index.html"))[2] == ["Power was shared.", "0", "1", "30", "0"]
    assert "rag-chart" not in read(site, "stories/page/2/index.html")
    assert "rag-chart" not in read(site, "areas/norfolk/page/2/index.html")


# ---- the chart on its own -----------------------------------------------------------------------

STATEMENTS = (
    Statement("felt-heard", "People felt heard & <respected>.", "No.", "Some.", "Yes."),
    Statement("shared-power", "Power was shared, and this statement is long enough to wrap onto three lines.", "No.", "Some.", "Yes."),
)  # fmt: skip
BLANK = Story("s", "content/stories/s.md", "S", "Summary", dt.date(2025, 1, 1), ("norfolk",), ("health",), ("carers",), None,
              (), (), (), (), None, None, None, False, "")  # fmt: skip


def rated(slug: str, **ratings: str) -> Story:
    return dataclasses.replace(BLANK, slug=slug, self_assessment=tuple(Rating(k.replace("_", "-"), v) for k, v in ratings.items()))


def test_tally_counts_each_rating_and_stories_that_left_a_statement_out() -> None:
    picture = tally_ratings([rated("a", felt_heard="green"), rated("b", felt_heard="green", shared_power="red"), BLANK],
                            STATEMENTS)  # fmt: skip
    assert (picture.stories, picture.rated) == (3, 2)
    assert [(t.statement.id, t.red, t.amber, t.green, t.unrated) for t in picture.tallies] == [
        ("felt-heard", 0, 0, 2, 0), ("shared-power", 1, 0, 0, 1)]  # fmt: skip


def test_chart_is_deterministic_escaped_and_wraps_long_statements() -> None:
    picture = tally_ratings([rated("a", felt_heard="amber"), rated("b", shared_power="red")], STATEMENTS)
    svg = chart_svg(picture, "x", "in Norfolk & Suffolk")
    assert svg == chart_svg(picture, "x", "in Norfolk & Suffolk")
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "Self-assessment ratings of 2 stories in Norfolk & Suffolk"
    lines = [[span.text for span in text.iter(f"{SVG}tspan")] for text in root.iter(f"{SVG}text")
             if text.get("class") == "rag-chart__statement"]  # fmt: skip
    assert lines[0] == ["1. People felt heard &", "<respected>."]
    assert len(lines[1]) > 2 and all(len(line) <= 28 for line in lines[1])
    assert " ".join(lines[1]) == f"2. {STATEMENTS[1].statement}"
    assert "Not rated 1" in "".join(root.itertext())


def test_a_segment_too_narrow_for_its_number_has_it_only_under_the_bar() -> None:
    stories = [rated(f"s{n}", felt_heard="green") for n in range(9)] + [rated("r", felt_heard="red")]
    root = ET.fromstring(chart_svg(tally_ratings(stories, STATEMENTS[:1]), "x", "here"))
    inside = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "rag-chart__in-bar"]
    assert inside == ["✓ 9"]  # red is 10% wide: its "✕ Red 1" is in the line under the bar
    assert "✕ Red 1" in "".join(root.itertext())


def test_no_chart_without_rated_stories() -> None:
    with pytest.raises(ValueError, match="at least one story with a self-assessment"):
        chart_svg(tally_ratings([BLANK], STATEMENTS), "x", "here")


# ---- statements checked against stories ----------------------------------------------------------


def check_lines(site_dir: Path, run_cli, files: Mapping[str, str]) -> list[str]:
    """Write content files, run `cmi-site check`, and return the problem lines (the check must fail)."""
    for rel, text in files.items():
        (site_dir / "content" / rel).write_text(text, encoding="utf-8")
    result = run_cli("check")
    assert result.code == 1 and "Traceback" not in result.err
    return result.err.split("\n\n")[0].splitlines()


def test_ratings_written_as_a_list_say_how_to_write_them(site_dir: Path, run_cli, content_files) -> None:
    story = content_files["stories/respite-with-carers.md"].replace("  felt-heard: green\n  shared-power: amber\n",
                                                                    "  - felt-heard: green\n  - shared-power: amber\n")  # fmt: skip
    assert check_lines(site_dir, run_cli, {"stories/respite-with-carers.md": story}) == [
        "content/stories/respite-with-carers.md:9: self_assessment: expected statement ids with a rating each "
        "(like 'felt-heard: green'), got a list (write each 'id: rating' on its own line under self_assessment:, "
        "indented, without '- ')",
    ]


def test_renaming_a_statement_reports_every_story_that_rates_it(site_dir: Path, run_cli, content_files) -> None:
    (site_dir / "content/stories/norfolk-forum.md").write_text(dedent(THIRD), encoding="utf-8")
    statements = content_files["self-assessment.yml"].replace("id: felt-heard", "id: felt-listened-to")
    assert check_lines(site_dir, run_cli, {"self-assessment.yml": statements}) == [
        "content/stories/norfolk-forum.md:9: self_assessment: unknown self-assessment statement 'felt-heard' "
        "(expected one of: felt-listened-to, shared-power)",
        "content/stories/respite-with-carers.md:10: self_assessment: unknown self-assessment statement 'felt-heard' "
        "(expected one of: felt-listened-to, shared-power)",
    ]


def test_a_number_is_not_a_rating(site_dir: Path, run_cli, content_files) -> None:
    story = content_files["stories/respite-with-carers.md"].replace("felt-heard: green", "felt-heard: 3")
    assert check_lines(site_dir, run_cli, {"stories/respite-with-carers.md": story}) == [
        "content/stories/respite-with-carers.md:10: self_assessment: expected red, amber or green, got '3'",
    ]
