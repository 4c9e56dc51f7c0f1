"""The evidence pages (issue 16): what the stories add up to, counted right, said carefully, safe.

Expected numbers are counted here from the content files themselves (python-frontmatter), never
from cmi_site, so a counting mistake in the code under test cannot hide in the test.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import frontmatter
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from cmi_site import easyread, evidence_pages
from cmi_site.config import BuildOptions
from cmi_site.evidence import MIN_STORIES, Bar, Comparison, Evidence
from cmi_site.evidence_chart import FEW, bars_svg
from cmi_site.evidence_pages import evidence_jobs
from cmi_site.evidence_words import easy_read_summary, out_of_ten
from cmi_site.models import APPROACHES, Statement
from cmi_site.outputs.evidence import evidence_files
from cmi_site.outputs.opendata import FORMULA_STARTS
from cmi_site.rag import Picture, Tally
from cmi_site.render import Renderer
from cmi_site.site import Site, build_site
from conftest import SAMPLE_CONTENT, TEMPLATES, TODAY, Run, dedent, validated
from test_incremental import assert_same_as_cold, edit, run, tree

SVG = "{http://www.w3.org/2000/svg}"


# ---- reading built pages ------------------------------------------------------------------------


class Tables(HTMLParser):
    """Every table of a page: {caption: [[cell text, ...], ...]} (body rows only)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.caption: str | None = None
        self.in_caption = self.in_body = False
        self.cell: list[str] | None = None
        self.row: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "caption":
            self.in_caption, self.caption = True, ""
        elif tag == "tbody":
            self.in_body = True
            self.tables[self.caption or ""] = []
        elif tag == "tr" and self.in_body:
            self.row = []
        elif tag in ("td", "th") and self.in_body:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self.in_caption = False
        elif tag == "tbody":
            self.in_body = False
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.in_body:
            self.tables[self.caption or ""].append(self.row)

    def handle_data(self, data: str) -> None:
        if self.in_caption:
            self.caption = (self.caption or "") + data
        if self.cell is not None:
            self.cell.append(data)


def tables_of(html: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return {" ".join(k.split()): v for k, v in parser.tables.items()}


def sample_stories() -> list[dict[str, object]]:
    """The published sample stories' front matter, read with python-frontmatter."""
    metas = [frontmatter.loads(p.read_text(encoding="utf-8")).metadata for p in sorted((SAMPLE_CONTENT / "stories").glob("*.md"))]
    return [m for m in metas if not m.get("draft") and not m.get("withdrawn")]


# ---- the numbers --------------------------------------------------------------------------------


def expected_by(key: Callable[[dict[str, object]], list[str]], statement: str) -> dict[str, Counter[str]]:
    """Group key -> Counter of the ratings the sample stories gave one statement."""
    out: dict[str, Counter[str]] = {}
    for meta in sample_stories():
        rating = (meta.get("self_assessment") or {}).get(statement)  # type: ignore[attr-defined]
        if rating:
            for group in key(meta):
                out.setdefault(group, Counter())[rating] += 1
    return out


@pytest.mark.parametrize(("dimension", "key", "label"), [
    ("approach", lambda m: [m["approach"]] if m.get("approach") else [], lambda k: APPROACHES[k][0]),
    ("year", lambda m: [str(m["date"])[:4]], str),
    ("theme", lambda m: list(m["themes"]), None),
])  # fmt: skip
def test_each_statement_is_counted_by_approach_year_and_theme(sample_site: Path, dimension: str,
                                                              key: Callable[[dict[str, object]], list[str]],
                                                              label: Callable[[str], str] | None) -> None:  # fmt: skip
    names = {t["id"]: t["name"] for t in yaml.safe_load((SAMPLE_CONTENT / "themes.yml").read_text(encoding="utf-8"))}
    for statement in ("felt-heard", "shared-power"):
        html = (sample_site / f"evidence/statements/{statement}/index.html").read_text(encoding="utf-8")
        heading = {"approach": "by approach (the ladder of coproduction)", "year": "by year", "theme": "by theme"}[dimension]
        rows = tables_of(html)[f"Ratings of this statement {heading}: number of stories"]
        got = {row[0].replace(" (too few stories to read much into)", ""): row[1:] for row in rows}
        expected = expected_by(key, statement)
        named = {(label or names.get)(k): c for k, c in expected.items()}  # type: ignore[operator]
        assert got == {n: [str(c["red"]), str(c["amber"]), str(c["green"]), str(sum(c.values()))] for n, c in named.items()}
        few = [row[0] for row in rows if "too few" in row[0]]
        assert few == [row[0] for row in rows if int(row[4]) < MIN_STORIES]


def test_the_sample_has_enough_rated_stories_to_compare_the_ladder(sample_site: Path) -> None:
    """The sample content makes the charts meaningful: both ends of the ladder have enough stories."""
    upper = [m for m in sample_stories() if m.get("self_assessment") and m.get("approach") in ("co-design", "co-production")]
    lower = [m for m in sample_stories() if m.get("self_assessment") and m.get("approach") not in (None, "co-design", "co-production")]
    assert len(upper) >= MIN_STORIES and len(lower) >= MIN_STORIES
    assert len({str(m["date"])[:4] for m in sample_stories() if m.get("self_assessment")}) >= 4
    html = (sample_site / "evidence/index.html").read_text(encoding="utf-8")
    assert f"In co-design and co-production work ({len(upper)} stories)" in html
    assert "and so are the numbers made from them" in html


def test_self_assessments_csv_has_a_row_per_story_and_statement(sample_site: Path) -> None:
    text = (sample_site / "data/self-assessments.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["story", "title", "date", "areas", "sectors", "themes", "approach", "statement", "statement_text", "rating", "url"]
    expected = sorted((str(m["title"]), s, r) for m in sample_stories() for s, r in (m.get("self_assessment") or {}).items())  # type: ignore[attr-defined]
    assert sorted((row[1], row[7], row[9]) for row in rows[1:]) == expected
    outcomes = list(csv.reader(io.StringIO((sample_site / "data/outcomes.csv").read_bytes().decode("utf-8-sig"))))
    assert sorted(row[7] for row in outcomes[1:]) == sorted(str(o) for m in sample_stories() for o in m.get("outcomes") or [])  # type: ignore[attr-defined]


# ---- what is said -------------------------------------------------------------------------------


def test_a_bar_says_how_many_stories_and_when_they_are_too_few() -> None:
    svg = bars_svg([Bar("Co-design", 1, 2, 1, MIN_STORIES - 1), Bar("Co-production", 0, 1, 9, MIN_STORIES)], "x", "T", "D")
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "x-title x-desc"
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert texts.count(FEW) == 1
    assert texts.index(f"{MIN_STORIES - 1} stories") + 1 == texts.index(FEW)
    assert f"{MIN_STORIES} stories" in texts
    assert "✕ Red 1 · ! Amber 2 · ✓ Green 1" in texts  # every count in words, with its symbol


COUNT = st.integers(0, 100_000)


@given(st.lists(st.tuples(COUNT, COUNT, COUNT), min_size=1, max_size=8), st.tuples(COUNT, COUNT, COUNT, COUNT),
       st.tuples(COUNT, COUNT, COUNT, COUNT), st.booleans())  # fmt: skip
@pytest.mark.fuzz
def test_easy_read_sentences_stay_short_whatever_the_numbers(counts: list[tuple[int, int, int]], upper: tuple[int, ...],
                                                             lower: tuple[int, ...], sample: bool) -> None:  # fmt: skip
    """Every sentence the summary makes from numbers keeps to the Easy Read rule (15 words or fewer)."""
    statement = Statement("s", "We felt listened to and respected.", "r", "a", "g")
    tallies = tuple(Tally(statement, r, a, g, 0) for r, a, g in counts)
    rated = max(sum(t) for t in counts) + 1
    evidence = Evidence(rated, rated, Picture(rated, rated, tallies), (), Comparison(Bar("u", *upper), Bar("l", *lower)), (statement,))
    text = easy_read_summary(evidence, "in Southend-on-Sea", sample)
    assert easyread.long_sentences(text) == []
    assert all(0 <= out_of_ten(g, r + a + g) <= 10 for r, a, g in counts)


def test_the_easy_read_summary_follows_the_easy_read_rules(sample_site: Path) -> None:
    html = (sample_site / "evidence/index.html").read_text(encoding="utf-8")
    start, end = html.index('id="easy-read"'), html.index("</section>", html.index('id="easy-read"'))
    text = " ".join(easyread.paragraphs(re.sub(r"<[^>]+>", "\n", html[start:end])))
    assert easyread.long_sentences(text) == []
    assert "stories said yes." in text and "The numbers do not show why." in text


# ---- withdrawn stories, hostile text -------------------------------------------------------------

_SITE: list[Site] = []


def _minimal_site() -> Site:
    """The minimal content tree's Site, made once (tests/conftest.py's MINIMAL)."""
    if not _SITE:
        import tempfile

        from conftest import MINIMAL, write_files

        with tempfile.TemporaryDirectory() as folder:
            write_files(Path(folder) / "content", {path: dedent(text) for path, text in MINIMAL.items()})
            content = validated(Path(folder)).content
            assert content is not None
            _SITE.append(build_site(content, BuildOptions(today=TODAY)))
    return _SITE[0]


def test_withdrawn_and_draft_stories_never_count(site_dir: Path, run_cli: Callable[..., Run]) -> None:
    rated = (site_dir / "content/stories/respite-with-carers.md").read_text(encoding="utf-8")
    (site_dir / "content/stories/gone.md").write_text(rated.replace("title: Respite with carers", "withdrawn: 2026-01-02\ntitle: Gone"))
    (site_dir / "content/stories/draft.md").write_text(rated.replace("title: Respite with carers", "draft: true\ntitle: Draft"))
    assert run_cli("build").code == 0
    out = site_dir / "_site"
    csv_rows = (out / "data/self-assessments.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    assert [row.split(",")[0] for row in csv_rows] == ["respite-with-carers", "respite-with-carers"]
    page = (out / "evidence/statements/felt-heard/index.html").read_text(encoding="utf-8")
    assert tables_of(page)["Ratings of this statement by year: number of stories"] == [
        ["2025 (too few stories to read much into)", "0", "0", "1", "1"]]
    pack = (out / "evidence/packs/areas/norfolk/index.html").read_text(encoding="utf-8")
    assert "1 story in Norfolk, 1 with a self-assessment" in pack


class Structure(HTMLParser):
    """The elements and attribute names of a page, in order: what text must never change."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, tuple[str, ...]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, tuple(sorted(name for name, _ in attrs))))

    def handle_endtag(self, tag: str) -> None:
        self.tags.append((f"/{tag}", ()))


def _structure(html: bytes) -> list[tuple[str, tuple[str, ...]]]:
    parser = Structure()
    parser.feed(html.decode("utf-8"))
    return parser.tags


_PLAIN: dict[str, Any] = {}


def _shows_story(path: str) -> bool:
    """The evidence pages where the minimal site's rated story (Norfolk, carers) shows its words."""
    return path in ("evidence/index.html", "evidence/what-changed/carers/in/norfolk/index.html",
                    "evidence/packs/areas/norfolk/index.html", "evidence/packs/themes/carers/index.html")


HOSTILE = st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029\x85"), min_size=1,
                  max_size=40).filter(lambda t: t.strip() == t and t.strip() != "")  # fmt: skip
MARKUP = st.sampled_from(["<script>alert(1)</script>", "</li><li>", '"><img src=x onerror=1>', "&amp;<b>", "]]><x/>",
                          "=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)", "-2", "<svg onload=1>", "</text><a href='x'>"])  # fmt: skip


@given(st.one_of(HOSTILE, MARKUP), st.one_of(HOSTILE, MARKUP), st.one_of(HOSTILE, MARKUP))
@pytest.mark.fuzz
def test_story_text_never_becomes_markup_in_evidence_pages_charts_or_csv(title: str, outcome: str, lesson: str) -> None:
    """A story's title, outcomes and lessons are text in every evidence page, chart and CSV: the pages
    have the same elements as with plain words, and each CSV cell holds the text (formula-safe)."""
    site = _minimal_site()
    story = site.stories[0]

    def with_text(t: str, o: str, lesson_text: str) -> Site:
        changed = dataclasses.replace(story, title=t, outcomes=(o,), lessons=(lesson_text,))
        return dataclasses.replace(site, stories=(changed, *site.stories[1:]), stories_by_area={
            k: tuple(changed if s is story else s for s in v) for k, v in site.stories_by_area.items()},
            stories_by_theme={k: tuple(changed if s is story else s for s in v) for k, v in site.stories_by_theme.items()})  # fmt: skip

    plain, hostile = with_text("Plain", "Plain", "Plain"), with_text(title, outcome, lesson)
    if not _PLAIN:  # the pages that show the story's words (the statement pages show none), rendered once with plain words
        _PLAIN["renderer"] = renderer = Renderer(TEMPLATES, plain)
        _PLAIN.update({job.path: _structure(renderer.render(job)) for job in evidence_jobs(plain) if _shows_story(job.path)})
    renderer = _PLAIN["renderer"]
    renderer.env.globals["site"] = hostile  # the same templates, compiled once; the helpers read only settings and statements
    try:
        jobs = [job for job in evidence_jobs(hostile) if _shows_story(job.path)]
        assert len(jobs) == len(_PLAIN) - 1
        for job in jobs:
            assert _structure(renderer.render(job)) == _PLAIN[job.path], job.path
    finally:
        renderer.env.globals["site"] = plain
    for output in evidence_files(hostile):
        rows = list(csv.reader(io.StringIO(output.data.decode("utf-8-sig"))))
        assert {len(row) for row in rows} == {len(rows[0])}
        assert all(cell[:1] not in FORMULA_STARTS for row in rows for cell in row)
    chart = bars_svg([Bar(title, 1, 1, 1, 3)], "c", title, outcome)
    root = ET.fromstring(chart)  # well-formed: the text did not end an element or add one
    assert [el.tag for el in root] == [f"{SVG}title", f"{SVG}desc", f"{SVG}g"]
    assert root[0].text == title and root[1].text == outcome


# ---- cached like the rest ------------------------------------------------------------------------

STORY = "content/stories/carers-leaflet-thurrock.md"
EVIDENCE_PAGES = ("evidence/index.html", "evidence/statements/early-involvement/index.html",
                  "evidence/what-changed/carers/in/thurrock/index.html", "evidence/what-we-learned/carers/in/thurrock/index.html",
                  "evidence/packs/areas/thurrock/index.html",
                  "evidence/packs/themes/carers/index.html", "data/self-assessments.csv", "data/outcomes.csv")  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLE_CONTENT, tmp_path / "content")
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    return tmp_path


def test_a_one_story_change_remakes_the_evidence_pages_as_a_cold_build_would(project: Path) -> None:
    """The fast engine (cache warm) remakes every evidence page a one-story change touches, and its
    output equals the plain engine's, file for file."""
    run(project)
    before = tree(project / "_site")
    edit(project, STORY, "early-involvement: red", "early-involvement: green")
    edit(project, STORY, "  - A shorter leaflet", "  - A much shorter leaflet")
    edit(project, STORY, "  - Asking people", "  - Asking carers")
    run(project)
    after = tree(project / "_site")
    assert [p for p in EVIDENCE_PAGES if after[p] == before[p]] == []
    assert_same_as_cold(project)


def test_what_changed_for_a_theme_in_an_area_lists_every_outcome_of_its_stories(sample_site: Path) -> None:
    for theme, area in (("carers", "norfolk"), ("learning-disability", "luton")):
        html = (sample_site / f"evidence/what-changed/{theme}/in/{area}/index.html").read_text(encoding="utf-8")
        shown = [unescape(text) for text in re.findall(r'<li>(.*?) <span class="evidence-points__from">', html)]
        expected = [str(o) for m in sorted(sample_stories(), key=lambda m: str(m["date"]), reverse=True)
                    if theme in m["themes"] and area in m["areas"] for o in m.get("outcomes") or []]  # type: ignore[attr-defined, operator]
        assert shown == expected and shown


def test_a_theme_in_an_area_is_split_into_pages_that_together_list_every_point(monkeypatch: pytest.MonkeyPatch) -> None:
    """At 10,000 stories one theme in one area had 1,700 points (a 420 KB page): a page holds the
    points of CELL_STORIES stories, and the pages together hold them all, in order."""
    content = validated(SAMPLE_CONTENT.parent).content
    assert content is not None
    site = build_site(content, BuildOptions(today=TODAY))
    monkeypatch.setattr(evidence_pages, "CELL_STORIES", 1)
    first = "evidence/what-changed/carers/in/norfolk/"
    jobs = [job for job in evidence_pages.points_jobs(site) if job.path.startswith(first)]
    stories = [s for s in site.stories_by_theme["carers"] if "norfolk" in s.areas and s.outcomes]
    assert len(stories) > 1 and [job.path for job in jobs] == [f"{first}index.html"] + [
        f"{first}page/{n}/index.html" for n in range(2, len(stories) + 1)]  # fmt: skip
    renderer, shown = Renderer(TEMPLATES, site), []
    for n, job in enumerate(jobs, 1):
        html = renderer.render(job).decode("utf-8")
        shown += [unescape(text) for text in re.findall(r'<li>(.*?) <span class="evidence-points__from">', html)]
        points = sum(len(s.outcomes) for s in stories)
        assert f"{points} points from {len(stories)} stories about Carers in Norfolk, newest story first; this page has the " \
               f"points of stories {n} to {n}." in html  # fmt: skip
        assert f"<h1>What changed: Carers, Norfolk (page {n} of {len(jobs)})</h1>" in html if n > 1 else "<h1>What changed: Carers, Norfolk</h1>" in html
        assert 'aria-label="What changed: Carers, Norfolk pages"' in html and 'aria-current="page"><span class="visually-hidden">Page </span>' f"{n}<" in html
    assert shown == [o for s in stories for o in s.outcomes]


def test_a_pack_prints_the_newest_stories_but_counts_them_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """However many stories an area has, its pack stays a few pages: the numbers count every story,
    the points and the list are the newest PACK_STORIES."""
    content = validated(SAMPLE_CONTENT.parent).content
    assert content is not None
    site = build_site(content, BuildOptions(today=TODAY))
    monkeypatch.setattr(evidence_pages, "PACK_STORIES", 2)
    norfolk = next(job for job in evidence_pages.pack_jobs(site) if job.path == "evidence/packs/areas/norfolk/index.html")
    every = site.stories_by_area["norfolk"]
    assert len(every) > 2
    assert [s.title for s in norfolk.context["stories"]] == [s.title for s in every[:2]] and norfolk.context["total"] == len(every)
    assert norfolk.context["evidence"].rated == sum(1 for s in every if s.self_assessment)
    html = Renderer(TEMPLATES, site).render(norfolk).decode("utf-8")
    assert f"The numbers are from all {len(every)} stories" in html and html.count('<li>\n      <h3><a href="../../../../stories/') == 2


def test_a_page_cannot_take_the_evidence_section_s_address(site_dir: Path, run_cli: Callable[..., Run]) -> None:
    (site_dir / "content/pages/evidence.md").write_text("---\ntitle: Our evidence\n---\nText.\n", encoding="utf-8")
    result = run_cli("check")
    assert result.code == 1
    assert "content/pages/evidence.md:1: file name: 'evidence' is the web address of a section of the site " \
           "(rename the file, for example to about-evidence.md)" in result.err
