"""The region at a glance: tile map links and counts (counted here from the fixture files), key, table and gaps."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import frontmatter
import pytest

from cmi_site.models import Area
from cmi_site.tilemap import LAYOUT, Band, _positions, make_bands, name_lines
from conftest import REPO, SAMPLE_CONTENT

SVG = "{http://www.w3.org/2000/svg}"


def counts_from_content(content: dict[str, str]) -> tuple[Counter[str], Counter[str]]:
    """Signatories and published stories per area id, read straight from the content files."""
    signatories: Counter[str] = Counter()
    stories: Counter[str] = Counter()
    for rel, text in content.items():
        if rel.startswith("signatories/"):
            signatories[frontmatter.loads(text)["area"]] += 1
        elif rel.startswith("stories/") and frontmatter.loads(text).get("draft") is not True:
            stories.update(frontmatter.loads(text)["areas"])
    return signatories, stories


def map_of(html: str) -> ET.Element:
    match = re.search(r'<svg xmlns="http://www.w3.org/2000/svg" viewBox=[^>]*class="region-map__svg".*?</svg>', html, re.S)
    assert match, "no tile map"
    return ET.fromstring(match.group(0))


def tiles_of(html: str) -> dict[str, ET.Element]:
    """Each tile's <a>, by the area id in its link."""
    return {re.search(r"([^/]+)/index.html$", a.get("href", "")).group(1): a for a in map_of(html).iter(f"{SVG}a")}


def table_of(html: str) -> dict[str, tuple[str, str]]:
    section = html.split('<table class="region-glance__table table-reflow table-reflow--inline">')[1].split("</table>")[0]
    rows = re.findall(r'<th scope="row"><a href="[^"]*?([^/"]+)/index.html">[^<]+</a>[^<]*</th>\s*<td data-label="Current signatories">(\d+)[^<]*(?:<strong>[^<]*</strong>)?</td>\s*<td data-label="Stories">(\d+)', section)
    return {area: (sig, sto) for area, sig, sto in rows}


@pytest.mark.parametrize("rel", ["index.html", "areas/index.html"])
def test_map_tiles_link_to_areas_and_count_what_the_content_holds(built: Path, content_files, rel: str) -> None:
    html = (built / rel).read_text(encoding="utf-8")
    signatories, stories = counts_from_content(content_files)
    tiles = tiles_of(html)
    assert sorted(tiles) == ["norfolk", "suffolk"], "every local area, and region-wide is not a tile"
    for area, name in (("norfolk", "Norfolk"), ("suffolk", "Suffolk")):
        link = tiles[area].get("href")
        assert (built / rel).parent.joinpath(link).resolve() == (built / f"areas/{area}/index.html").resolve()
        n_sig, n_sto = signatories[area], stories[area]
        sig_words = f"{n_sig} signator{'y' if n_sig == 1 else 'ies'}" if n_sig else "No signatory yet"
        sto_words = f"{n_sto} stor{'y' if n_sto == 1 else 'ies'}" if n_sto else "No story yet"
        assert tiles[area].get("aria-label") is None, "named by its visible words (label in name)"
        texts = [t.text for t in tiles[area].iter(f"{SVG}text")]
        assert texts == [name, sig_words, sto_words], "words and numbers on the tile, not colour alone"
    assert table_of(html) == {a: (str(signatories[a]), str(stories[a])) for a in ("norfolk", "suffolk", "region")}


def test_counts_change_with_content(site_dir: Path, run_cli, content_files) -> None:
    extra = content_files["signatories/sam-rivers.md"].replace("area: norfolk", "area: suffolk")
    (site_dir / "content/signatories/jo-bloggs.md").write_text(extra, encoding="utf-8")
    content_files["signatories/jo-bloggs.md"] = extra
    draft = content_files["stories/respite-with-carers.md"].replace("approach:", "draft: true\napproach:")
    (site_dir / "content/stories/respite-with-carers.md").write_text(draft, encoding="utf-8")
    content_files["stories/respite-with-carers.md"] = draft
    assert run_cli("build").code == 0
    html = (site_dir / "_site/index.html").read_text(encoding="utf-8")
    signatories, stories = counts_from_content(content_files)
    assert (signatories["suffolk"], stories["norfolk"]) == (1, 0)
    assert table_of(html) == {a: (str(signatories[a]), str(stories[a])) for a in ("norfolk", "suffolk", "region")}
    assert [t.text for t in tiles_of(html)["norfolk"].iter(f"{SVG}text")] == ["Norfolk", "1 signatory", "No story yet"]


def test_area_without_signatory_stands_out_with_an_invitation(site_dir: Path, run_cli) -> None:
    (site_dir / "content/pages/take-part.md").write_text("---\ntitle: Take part\n---\nJoin us.\n")
    assert run_cli("build").code == 0
    html = (site_dir / "_site/index.html").read_text(encoding="utf-8")
    tiles = tiles_of(html)
    assert tiles["suffolk"].get("class") == "tile tile--gap" and tiles["norfolk"].get("class") == "tile"
    suffolk_rect = tiles["suffolk"].find(f"{SVG}rect")
    assert suffolk_rect.get("stroke-dasharray") == "8 5"
    assert tiles["norfolk"].find(f"{SVG}rect").get("stroke-dasharray") is None
    bold = [t.text for t in tiles["suffolk"].iter(f"{SVG}text") if t.get("font-weight") == "bold"]
    assert bold == ["Suffolk", "No signatory yet"]
    assert ('<p>No one has signed the pledge yet in <a href="areas/suffolk/index.html">Suffolk</a>. If you lead an '
            'organisation there, <a href="take-part/index.html">find out how to sign the pledge</a>.</p>') in html  # fmt: skip
    assert "We have no stories yet" not in html
    assert '<td data-label="Current signatories">0 <strong>(none yet)</strong></td>' in html


def test_map_has_key_and_no_inline_styles_scripts_or_external_links(built: Path) -> None:
    html = (built / "index.html").read_text(encoding="utf-8")
    svg = map_of(html)
    assert svg.find(f"{SVG}title").text.startswith("Map of the 2 areas of the East of England")
    assert svg.get("aria-labelledby") == svg.find(f"{SVG}title").get("id")
    for element in svg.iter():
        assert "style" not in element.attrib and not element.tag.endswith("script"), element.tag
        href = element.get("href")
        assert href is None or re.fullmatch(r"areas/[a-z-]+/index\.html", href), href
    key = re.findall(r'class="region-map__swatch">.*?</svg> ([^<]+)</li>', html)
    assert key == ["None yet", "1", "2"]
    assert '<link rel="stylesheet" href="assets/region.css">' in html and (built / "assets/region.css").is_file()


@pytest.mark.parametrize(
    ("highest", "expected"),
    [
        (0, [(0, 0, 0)]),
        (1, [(0, 0, 0), (3, 1, 1)]),
        (2, [(0, 0, 0), (1, 1, 1), (3, 2, 2)]),
        (3, [(0, 0, 0), (1, 1, 1), (2, 2, 2), (3, 3, 3)]),
        (10, [(0, 0, 0), (1, 1, 4), (2, 5, 7), (3, 8, 10)]),
    ],
)  # fmt: skip
def test_key_bands(highest: int, expected: list[tuple[int, int, int]]) -> None:
    assert [(b.shade, b.low, b.high) for b in make_bands(highest)] == expected


def test_band_labels() -> None:
    assert [Band(0, 0, 0).label, Band(1, 1, 1).label, Band(2, 5, 7).label] == ["None yet", "1", "5 to 7"]


def test_long_names_break_at_a_space_or_hyphen() -> None:
    assert name_lines("Central Bedfordshire") == ["Central", "Bedfordshire"]
    assert name_lines("Southend-on-Sea") == ["Southend-", "on-Sea"]
    assert name_lines("Cambridgeshire") == ["Cambridgeshire"]


def test_layout_places_the_eleven_areas_roughly_where_they_are() -> None:
    import yaml

    ids = [a["id"] for a in yaml.safe_load((SAMPLE_CONTENT / "areas.yml").read_text(encoding="utf-8")) if a["id"] != "region"]
    assert sorted(ids) == sorted(LAYOUT) and len(set(LAYOUT.values())) == 11
    col, row = {k: v[0] for k, v in LAYOUT.items()}, {k: v[1] for k, v in LAYOUT.items()}
    assert row["norfolk"] < row["suffolk"] < row["essex"] < row["southend-on-sea"]
    assert col["bedford"] < col["cambridgeshire"] < col["suffolk"] and row["luton"] > row["central-bedfordshire"]


def test_positions_crop_to_the_areas_used_and_place_new_areas_below() -> None:
    areas = tuple(Area(i, i.title(), "", ()) for i in ("norfolk", "suffolk", "rutland"))
    assert _positions(areas) == {"norfolk": (0, 0), "suffolk": (0, 1), "rutland": (0, 2)}


def test_sample_map_shows_all_eleven_areas(sample_site: Path) -> None:
    for rel in ("index.html", "areas/index.html"):
        tiles = tiles_of((sample_site / rel).read_text(encoding="utf-8"))
        assert len(tiles) == 11 and "region" not in tiles, rel
    assert (REPO / "templates/assets/region.css").is_file()


@pytest.mark.browser
def test_tiles_are_keyboard_links_with_names_and_visible_focus(sample_site: Path, browser: Any) -> None:
    """In real Chromium: each tile is a link named by its words, Tab reaches it, focus shows, no sideways scroll.
    Below 30rem (a phone) the map is left out, its words too small to read; the table gives the same links."""
    context = browser.new_context(viewport={"width": 320, "height": 800})
    try:
        page = context.new_page()
        page.goto((sample_site / "index.html").as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert not page.locator("svg.region-map__svg").is_visible()
        assert page.locator(".region-glance__table tbody th a").count() == 11
        page.set_viewport_size({"width": 768, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= 768
        svg = page.locator("svg.region-map__svg")
        assert svg.get_attribute("aria-labelledby") == "region-map-title"
        links = page.get_by_role("link", name=re.compile(r"^[A-Z][A-Za-z -]+ (\d+ signator|No signatory)"))
        assert links.count() == 11
        first = page.locator("svg.region-map__svg a").first
        words, href = first.locator("text").all_text_contents(), first.get_attribute("href")
        assert page.get_by_role("link", name=" ".join(words), exact=True).count() == 1, "named by what it shows"
        for _ in range(80):  # Tab through the page until the first tile has focus
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.closest('svg') !== null"):
                break
        assert page.evaluate("document.activeElement.getAttribute('href')") == href
        fill = page.evaluate("getComputedStyle(document.activeElement.querySelector('rect')).fill")
        assert fill == "rgb(255, 221, 0)", "focused tile turns yellow"
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/{href}")
        assert page.locator("h1").inner_text() == words[0]
    finally:
        context.close()
