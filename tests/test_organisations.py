"""Organisations and people who move on (issue 15): organisation pages, former signatories, current
counts, the register by organisation, area and sector, the checks across files, and the open data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from conftest import dedent, problem_lines

SIGNATORY = """
    ---
    name: {name}
    role: {role}
    organisation: {organisation}
    area: {area}
    sector: social-care
    signed: {signed}
    {extra}
    commitments:
      - {commitment}
    ---
    Statement.
    """


def signatory(name: str, organisation: str = "Fenside Council", signed: str = "2021-03-01", extra: str = "",
              role: str = "Director of Adult Social Care", area: str = "norfolk", commitment: str = "Listen first") -> str:  # fmt: skip
    return dedent(SIGNATORY.format(name=name, role=role, organisation=organisation, area=area, signed=signed, extra=extra,
                                   commitment=commitment)).replace("\n\n", "\n", 1)  # fmt: skip


@pytest.fixture
def moved_on(content_files: dict[str, str]) -> dict[str, str]:
    """Fenside Council: Sam Rivers (signed 2024) and Jo Hart, who signed in 2021 and left in 2024.
    Marsh Trust: only Al Reed, who left. A story names both organisations."""
    content_files["signatories/jo-hart.md"] = signatory("Jo Hart", extra="left: 2024-02-29", commitment="Pay people")
    content_files["signatories/al-reed.md"] = signatory("Al Reed", "Marsh Trust", "2022-01-10", "left: 2025-01-31", role="Chair",
                                                        area="suffolk")  # fmt: skip
    content_files["stories/respite-with-carers.md"] = content_files["stories/respite-with-carers.md"].replace(
        "approach: co-production", "approach: co-production\norganisations: [Fenside Council, marsh  trust]")
    return content_files


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_an_organisation_page_shows_who_signed_over_time(moved_on: dict[str, str], built: Path) -> None:
    page = text_of(read(built, "organisations/fenside-council/index.html"))
    assert "1 current signatory of the Count Me In pledge." in page
    assert ("Jo Hart , Director of Adult Social Care: signed 1 March 2021 ; left 29 February 2024 (Sam Rivers signed since)" in page)
    assert "Sam Rivers , Director of Adult Social Care: signed 1 May 2024 (current signatory)" in page
    assert "Made by Sam Rivers, 1 May 2024 Pay people for their time" in page and "Made by Jo Hart, 1 March 2021 Pay people" in page
    assert "1 June 2025 , from Sam Rivers We set up a carers&#39; panel." in page
    assert "Respite with carers" in page


def test_an_organisation_whose_signatories_all_left_is_looking(moved_on: dict[str, str], built: Path) -> None:
    page = read(built, "organisations/marsh-trust/index.html")
    assert ('<p class="lead"><span class="tag">Looking for a new signatory</span> Everyone who signed the pledge for Marsh Trust '
            "has left. Its commitments stand until someone signs again.") in page
    assert "Al Reed , Chair: signed" in text_of(page) and "(no one has signed since)" in page
    register = text_of(read(built, "pledge/index.html"))
    assert "1 organisation is looking for a new signatory: Marsh Trust ." in register
    table = text_of(read(built, "organisations/index.html"))
    assert "Marsh Trust Suffolk Looking for a new signatory" in table and "Fenside Council Norfolk Sam Rivers" in table
    former = text_of(read(built, "signatories/al-reed/index.html"))
    assert "Former signatory Signed in 2022 as Chair at Marsh Trust ; left in 2025." in former
    assert "Signed since No one yet: Marsh Trust is looking for a new signatory" in former


def test_take_part_is_offered_where_an_organisation_is_looking(moved_on: dict[str, str], site_dir: Path, run_cli) -> None:
    (site_dir / "content/pages/take-part.md").write_text("---\ntitle: Take part\n---\nHow.\n", encoding="utf-8")
    assert run_cli("build").code == 0
    page = read(site_dir / "_site", "organisations/marsh-trust/index.html")
    assert 'If you lead Marsh Trust, <a href="../../take-part/index.html">find out how to sign the pledge</a>.' in page
    register = read(site_dir / "_site", "organisations/index.html")
    assert 'If you lead it, <a href="../take-part/index.html">find out how to sign the pledge</a>.' in register
    assert 'looking for a new signatory: Marsh Trust. <a href="../take-part/index.html">Find out how to sign the pledge</a>.' in re.sub(
        r"<a href=\"../organisations/marsh-trust/index.html\">Marsh Trust</a>", "Marsh Trust", read(site_dir / "_site", "pledge/index.html"))


def test_counts_are_of_current_signatories(moved_on: dict[str, str], built: Path) -> None:
    home = text_of(read(built, "index.html"))
    assert "1 current signatory from 1 organisation, in 1 of the 2 areas." in home
    areas = read(built, "areas/index.html")
    assert re.search(r'suffolk/index.html">Suffolk</a></th>\s*<td data-label="Integrated care systems">[^<]*</td>\s*'
                     r'<td data-label="Current signatories">0</td>', areas)  # fmt: skip
    assert "Current signatories in Norfolk" in read(built, "areas/norfolk/index.html")
    register = text_of(read(built, "pledge/index.html"))
    assert "1 current signatory has signed the pledge for 1 organisation, in 1 of the 2 areas. 2 former signatories stay" in register
    assert "No update since" not in read(built, "signatories/jo-hart/index.html"), "a former signatory is not asked for updates"


def test_the_register_by_person_marks_former_signatories(moved_on: dict[str, str], built: Path) -> None:
    register = read(built, "pledge/index.html")
    row = register.split('<a href="../signatories/jo-hart/index.html">Jo Hart</a>')[1].split("</tr>")[0]
    assert ('Director of Adult Social Care, <a href="../organisations/fenside-council/index.html">Fenside Council</a><br>'
            '<span class="tag">Former signatory: left <time datetime="2024-02-29">29 February 2024</time></span>') in row


def test_the_register_filters_by_area_and_sector_as_pages(moved_on: dict[str, str], built: Path) -> None:
    suffolk = text_of(read(built, "pledge/areas/suffolk/index.html"))
    assert "Pledge register: Suffolk" in suffolk and "Al Reed" in suffolk and "Sam Rivers" not in suffolk
    assert "0 current signatories and 1 former signatory in Suffolk, from 1 organisation ." in suffolk
    care = text_of(read(built, "pledge/sectors/social-care/index.html"))
    assert all(name in care for name in ("Al Reed", "Jo Hart", "Sam Rivers", "Marsh Trust", "Fenside Council"))
    organisations = text_of(read(built, "pledge/sectors/social-care/organisations/index.html"))
    assert "Pledge register: organisations in the Social care sector" in organisations
    assert "2 organisations ," not in organisations  # no "showing" line when there is one page
    assert "Marsh Trust Suffolk Looking for a new signatory" in organisations and "Fenside Council Norfolk Sam Rivers" in organisations
    assert not (built / "pledge/sectors/health/organisations").exists()  # no organisation there, no page of them
    assert (built / "pledge/areas/region/index.html").is_file() and (built / "pledge/sectors/health/index.html").is_file()
    assert "No one in the Health sector has signed the pledge yet." in text_of(read(built, "pledge/sectors/health/index.html"))


def test_a_story_links_the_organisations_it_names(moved_on: dict[str, str], built: Path) -> None:
    story = read(built, "stories/respite-with-carers/index.html")
    assert ('<dt>Organisations</dt><dd><a href="../../organisations/fenside-council/index.html">Fenside Council</a>, '
            '<a href="../../organisations/marsh-trust/index.html">marsh  trust</a></dd>') in story
    assert "Respite with carers" in read(built, "organisations/marsh-trust/index.html")


def test_withdrawn_signatories_and_stories_never_reach_an_organisation(moved_on: dict[str, str], site_dir: Path, run_cli) -> None:
    (site_dir / "content/signatories/jo-hart.md").write_text(signatory("Jo Hart", extra="withdrawn: 2025-01-01"), encoding="utf-8")
    story = site_dir / "content/stories/respite-with-carers.md"
    story.write_text(story.read_text(encoding="utf-8").replace("consent:", "withdrawn: 2025-02-01\nconsent:"), encoding="utf-8")
    assert run_cli("build").code == 0
    site = site_dir / "_site"
    for rel in ("organisations/fenside-council/index.html", "organisations/index.html", "organisations/marsh-trust/index.html",
                "data/organisations.json", "data/organisations.csv", "pledge/index.html"):  # fmt: skip
        assert "Jo Hart" not in read(site, rel) and "Respite with carers" not in read(site, rel), rel


def test_a_story_naming_an_organisation_no_signatory_names_is_a_warning(content_files: dict[str, str], site_dir: Path, run_cli) -> None:
    story = site_dir / "content/stories/respite-with-carers.md"
    story.write_text(story.read_text(encoding="utf-8").replace("approach: co-production",
                                                               "approach: co-production\norganisations: [Fenside Councl, Nowhere Ltd]"),
                     encoding="utf-8")  # fmt: skip
    result = run_cli("check")
    assert result.code == 0
    assert problem_lines(result) == [
        "content/stories/respite-with-carers.md:9: organisations: warning: no signatory of the pledge is from 'Fenside Councl' "
        "(did you mean 'Fenside Council'?)",
        "content/stories/respite-with-carers.md:9: organisations: warning: no signatory of the pledge is from 'Nowhere Ltd' (it is "
        "shown without a link; check the spelling against the organisation of a signatory in content/signatories/)",
    ]
    assert run_cli("build").code == 0
    assert "<dd>Fenside Councl, Nowhere Ltd</dd>" in read(site_dir / "_site", "stories/respite-with-carers/index.html")


def test_two_organisations_whose_names_make_one_address_are_an_error(content_files: dict[str, str], site_dir: Path, run_cli) -> None:
    (site_dir / "content/signatories/jo-hart.md").write_text(signatory("Jo Hart", "Fenside Council!"), encoding="utf-8")
    result = run_cli("build")
    assert result.code == 1
    assert problem_lines(result) == [
        "content/signatories/sam-rivers.md:4: organisation: 'Fenside Council' and 'Fenside Council!' (content/signatories/jo-hart.md) "
        "would have the same web address, organisations/fenside-council/ (write the name the same way in both files if they are one "
        "organisation, or make the names differ)"]  # fmt: skip


def test_one_organisation_however_its_name_is_spaced_or_cased(content_files: dict[str, str], site_dir: Path, run_cli) -> None:
    (site_dir / "content/signatories/jo-hart.md").write_text(signatory("Jo Hart", "fenside  COUNCIL", "2020-01-01"), encoding="utf-8")
    assert run_cli("build").code == 0
    assert sorted(p.name for p in (site_dir / "_site/organisations").iterdir()) == ["fenside-council", "index.html"]
    page = text_of(read(site_dir / "_site", "organisations/fenside-council/index.html"))
    assert "2 current signatories" in page and page.count("Fenside Council") >= 2, "named as its latest signatory writes it"


def test_leaving_before_signing_is_an_error(content_files: dict[str, str], site_dir: Path, run_cli) -> None:
    (site_dir / "content/signatories/jo-hart.md").write_text(signatory("Jo Hart", extra="left: 2020-12-31"), encoding="utf-8")
    assert problem_lines(run_cli("check")) == [
        "content/signatories/jo-hart.md:8: left: they left (2020-12-31) before they signed (2021-03-01) (check left and signed)"]


def test_open_data_has_organisations_and_left_and_matches_its_schemas(moved_on: dict[str, str], built: Path) -> None:
    for name in ("signatories", "organisations"):
        data = json.loads(read(built, f"data/{name}.json"))
        jsonschema.validate(data, json.loads(read(built, f"data/{name}.schema.json")))
    organisations = json.loads(read(built, "data/organisations.json"))["organisations"]
    assert [(o["slug"], o["looking_for_signatory"], [s["slug"] for s in o["signatories"]]) for o in organisations] == [
        ("fenside-council", False, ["sam-rivers", "jo-hart"]), ("marsh-trust", True, ["al-reed"])]
    assert organisations[0]["signatories"][1]["left"] == "2024-02-29"
    assert organisations[1]["stories"] == [{"slug": "respite-with-carers", "title": "Respite with carers", "url": "stories/respite-with-carers/"}]
    signatories = {s["slug"]: s for s in json.loads(read(built, "data/signatories.json"))["signatories"]}
    assert (signatories["jo-hart"]["left"], signatories["sam-rivers"]["left"]) == ("2024-02-29", None)
    csv_text = read(built, "data/organisations.csv")
    assert csv_text.splitlines()[0] == ("\ufeffslug,name,looking_for_signatory,areas,sectors,current_signatories,former_signatories,"
                                        "first_signed,stories,url")  # fmt: skip


def test_a_schema_catches_data_of_the_wrong_shape(moved_on: dict[str, str], built: Path) -> None:
    data = json.loads(read(built, "data/organisations.json"))
    data["organisations"][0]["signatories"][0]["left"] = "last year"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json.loads(read(built, "data/organisations.schema.json")))


def test_the_sample_shows_a_former_signatory_and_an_organisation_signed_for_twice(sample_site: Path) -> None:
    ouse = text_of(read(sample_site, "organisations/ouse-valley-adult-care-services-sample/index.html"))
    assert "left 30 June 2026 (Nadia Osei signed since)" in ouse
    assert "Looking for a new signatory" in read(sample_site, "organisations/marshland-advocacy-group-sample/index.html")


def test_the_register_is_in_pages_of_fifty_so_a_large_one_stays_light(content_files: dict[str, str], site_dir: Path, run_cli) -> None:
    # 1,000 signatories on one page made the pledge page 527 KB. Every list of the register is paged.
    for number in range(120):
        name = f"Person {number:03}"
        (site_dir / f"content/signatories/person-{number:03}.md").write_text(
            signatory(name, organisation=f"Organisation {number:03}", area="suffolk"), encoding="utf-8")
    assert run_cli("build").code == 0
    site = site_dir / "_site"
    first, third = read(site, "pledge/index.html"), read(site, "pledge/page/3/index.html")
    assert "121 signatories by name, showing 1 to 50." in text_of(first)
    assert first.count('<th scope="row"><a href="../signatories/') == 50
    assert "<title>The Count Me In pledge and register of signatories (page 3 of 3) | Count Me In</title>" in third
    assert "Who has signed the pledge (page 3 of 3)" in text_of(third)
    assert "121 signatories by name, showing 101 to 121." in text_of(third) and third.count('<th scope="row"><a href="../../../signatories/') == 21
    assert "Person 119" in third and "Person 000" not in third and "pledge-text" not in third  # the pledge itself on page 1
    assert 'aria-label="Signatories pages"' in first and 'aria-current="page"><span class="visually-hidden">Page </span>3' in third
    suffolk = [read(site, f"pledge/areas/suffolk/{page}index.html") for page in ("", "page/2/", "page/3/")]
    assert "120 current signatories in Suffolk, from 120 organisations ." in text_of(suffolk[0])
    assert [page.count("<tr>") for page in suffolk] == [51, 51, 21]  # the header row and the page's signatories
    orgs = [read(site, f"pledge/areas/suffolk/organisations/{page}index.html") for page in ("", "page/2/", "page/3/")]
    assert "Pledge register: organisations in Suffolk (page 2 of 3)" in text_of(orgs[1])
    assert "120 organisations, showing 51 to 100." in text_of(orgs[1])
    assert [page.count("<tr>") for page in orgs] == [51, 51, 21]
    everyone = [read(site, f"organisations/{page}index.html") for page in ("", "page/2/", "page/3/")]
    assert [page.count("<tr>") for page in everyone] == [51, 51, 22]  # 121 organisations: Fenside Council too
    assert not (site / "pledge/page/4").exists() and not (site / "organisations/page/4").exists()
