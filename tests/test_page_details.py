"""Small things a visitor notices (issue 17): the menu on the 404 page, lists that read well, counts
said plainly, one column of curly quotes, tables without a repeated column, and words that do not break."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmi_site.typography import smart_quotes

NAV = re.compile(r'<nav class="site-nav" aria-label="Main">(.*?)</nav>', re.S)


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def test_the_404_page_marks_no_menu_item_as_current(sample_site: Path) -> None:
    assert "aria-current" not in NAV.findall(read(sample_site, "404.html"))[0]
    assert 'aria-current="page">Home</a>' in NAV.findall(read(sample_site, "index.html"))[0]  # the home page still is


def test_who_took_part_is_a_list_keeping_each_item_as_written(sample_site: Path) -> None:
    html = read(sample_site, "stories/accessible-community-centre-suffolk/index.html")
    people = html.split("<dt>Who took part</dt><dd>")[1].split("</dd>")[0]
    assert re.findall(r"<li>([^<]*)</li>", people) == ["Staff and volunteers at Heathside Community Centre (fictional)",
                                                      "Disabled visitors who checked the information before it went out"]  # fmt: skip


def test_progress_updates_are_not_numbered(sample_site: Path) -> None:
    pages = [read(sample_site, f"signatories/{p.name}/index.html") for p in (sample_site / "signatories").iterdir()]
    with_updates = [html for html in pages if 'id="updates-heading"' in html and "No progress updates yet" not in html]
    assert with_updates
    assert [html for html in with_updates if '<ul class="updates">' not in html or " reversed" in html] == []


@pytest.mark.parametrize(("rel", "words"), [("index.html", "organisations, in all 11 areas."), ("index.html", "from all 11 areas"),
                                            ("pledge/index.html", "organisations, in all 11 areas.")])  # fmt: skip
def test_every_area_is_said_as_all_not_11_of_the_11(sample_site: Path, rel: str, words: str) -> None:
    html = read(sample_site, rel)
    assert words in html
    assert not re.search(r"\d+ of the 11 areas", html)


def test_some_areas_are_counted_out_of_all(site_dir: Path, run_cli) -> None:
    result = run_cli("build")
    assert result.code == 0, result.err
    assert re.search(r"organisations?, in \d+ of the \d+ areas\.", read(site_dir / "_site", "index.html"))


def test_an_area_page_does_not_repeat_the_area_in_its_signatory_table(sample_site: Path) -> None:
    html = read(sample_site, "areas/suffolk/index.html")
    table = html.split("<caption>Current signatories in Suffolk</caption>")[1].split("</table>")[0]
    assert re.findall(r'<th scope="col">([^<]*)</th>', table) == ["Name", "Role and organisation", "Signed"]
    assert 'data-label="Area"' not in table
    pledge = read(sample_site, "pledge/index.html")  # the register of every area keeps it
    assert '<th scope="col">Area</th>' in pledge


def test_the_approach_in_a_story_card_does_not_break_at_its_hyphen(sample_site: Path) -> None:
    assert '<span class="nowrap">Co-design</span>' in read(sample_site, "stories/index.html")
    assert ".nowrap { white-space: nowrap; }" in read(sample_site, "assets/site.css")


def test_titles_and_summaries_have_curly_quotes_like_the_text(sample_site: Path) -> None:
    html = read(sample_site, "stories/carers-leaflet-thurrock/index.html")
    assert "<h1>Rewriting the carers\u2019 information leaflet</h1>" in html
    assert "<title>Rewriting the carers\u2019 information leaflet | " in html
    listing = read(sample_site, "stories/index.html")
    assert "from children\u2019s to adult services" in listing and "children&#39;s" not in listing


@pytest.mark.parametrize(("text", "curly"), [
    ("It's \"ours\"", "It\u2019s \u201cours\u201d"), ("'Quoted' words", "\u2018Quoted\u2019 words"),
    ("carers' leaflet", "carers\u2019 leaflet"), ('("Brackets")', "(\u201cBrackets\u201d)"), ("No quotes", "No quotes"),
])  # fmt: skip
def test_smart_quotes(text: str, curly: str) -> None:
    assert smart_quotes(text) == curly


@pytest.mark.fuzz
@given(st.text(alphabet=st.sampled_from("ab '\"(-\u201c\n")))
def test_smart_quotes_change_only_quotes_and_leave_none_straight(text: str) -> None:
    out = smart_quotes(text)
    assert len(out) == len(text)
    assert [(a, b) for a, b in zip(text, out, strict=True) if a != b and a not in "'\""] == []
    assert "'" not in out and '"' not in out
    assert smart_quotes(out) == out


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [{"width": 375, "height": 667}, {"width": 412, "height": 732}])
def test_the_home_page_first_screen_on_a_phone(sample_site: Path, tab: Any, viewport: dict[str, int]) -> None:
    # What the network is, a way to search, the way to Easy Read and the first story, before any scrolling.
    tab.set_viewport_size(viewport)
    tab.goto((sample_site / "index.html").as_uri())
    wanted = {"what it is": "main .lead", "search": "#site-search-q", "Easy Read": ".easy-read-link a",
              "latest stories": "#latest-heading"}  # fmt: skip
    below = {what: tab.locator(css).first.bounding_box() for what, css in wanted.items()}
    assert [what for what, box in below.items() if box is None or box["y"] + box["height"] > viewport["height"]] == []
    assert tab.locator(".easy-read-link a").get_attribute("href") == "#easy-read"
