"""Validate stage, through the real command line: one test per kind of problem, each asserting the
exact lines `cmi-site check` prints (path, line, field and message), then the build's all-or-nothing
behaviour: every problem of every file in one sorted run, exit status 1, and the old _site untouched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from conftest import Run, picture, validated

# Line 1 '---', then title 2, summary 3, date 4, areas 5, sectors 6, themes 7, '---' 8, body 9.
STORY = """\
---
title: Memory cafe
summary: A memory cafe planned with people living with dementia.
date: 2024-06-01
areas: [suffolk]
sectors: [health]
themes: [dementia]
consent: {date: 2025-01-10, how: in writing}
---
Body text.
"""

# title 2, role 3, organisation 4, area 5, sector 6, signed 7, commitments 8, item 9.
SIGNATORY = """\
---
name: Sam Rivers
role: Director of Adult Social Care
organisation: Fenside Council
area: norfolk
sector: social-care
signed: 2024-05-01
commitments:
  - Pay people for their time
---
We are proud to sign.
"""

# title 2, start 3, end 4, location 5.
EVENT = """\
---
title: Open meeting
start: 2027-02-11 10:00
end: 2027-02-11 12:30
location: The Forum, Norwich
---
Come along.
"""

THEMES = """\
- id: carers
  name: Carers
  description: Unpaid carers.
- id: dementia
  name: Dementia
  description: People living with dementia.
"""

Files = Mapping[str, str | bytes | None]


def story(*changes: tuple[str, str]) -> str:
    """STORY with some text replaced: story(("areas: [suffolk]", "areas: [nofolk]"))."""
    text = STORY
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return text


def add_to_story(lines: str) -> str:
    """STORY with lines added after themes (so the first added line is line 8)."""
    return story(("themes: [dementia]\n", f"themes: [dementia]\n{lines}\n"))


@pytest.fixture
def change(site_dir: Path) -> Callable[[Files], None]:
    """Write (or, for None, delete) files of the minimal content tree."""

    def write(files: Files) -> None:
        for rel, data in files.items():
            target = site_dir / "content" / rel
            if data is None:
                target.unlink()
            elif isinstance(data, bytes):
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(data, encoding="utf-8")

    return write


def problem_lines(result: Run) -> list[str]:
    """The problem lines of a run (everything before the blank line and the count line)."""
    assert "Traceback" not in result.err + result.out
    lines = result.err.splitlines()
    return lines[: lines.index("")] if "" in lines else lines


@pytest.fixture
def problems(change: Callable[[Files], None], run_cli: Callable[..., Run]) -> Callable[[Files], list[str]]:
    """The problem lines `cmi-site check` prints once files are changed; the check must fail."""

    def run(files: Files) -> list[str]:
        change(files)
        result = run_cli("check")
        assert result.code == 1, result.err
        return problem_lines(result)

    return run


# ---- missing required fields ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        pytest.param("stories/x.md", story(("title: Memory cafe\n", "")),
                     "content/stories/x.md:8: title: missing: this field is required: add it above this line, the '---' that ends the front matter "
                     "(the story's title; for example 'title: Co-designing respite with carers in Thetford')", id="story-title"),
        pytest.param("stories/x.md", story(("areas: [suffolk]\n", "")),
                     "content/stories/x.md:8: areas: missing: this field is required: add it above this line, the '---' that ends the front matter "
                     "(the areas the work covers; [region] for region-wide; for example 'areas: [norfolk]')", id="story-areas"),
        pytest.param("signatories/x.md", SIGNATORY.replace("name: Sam Rivers\n", ""),
                     "content/signatories/x.md:9: name: missing: this field is required: add it above this line, the '---' that ends the front matter "
                     "(the person's name; for example 'name: Sam Rivers')", id="signatory-name"),
        pytest.param("signatories/x.md", SIGNATORY.replace("signed: 2024-05-01\n", "signed:\n"),
                     "content/signatories/x.md:7: signed: missing: this field is required "
                     "(the date they signed the pledge; for example 'signed: 2024-05-01')", id="signatory-signed-empty"),
        pytest.param("events/x.md", EVENT.replace("start: 2027-02-11 10:00\n", ""),
                     "content/events/x.md:5: start: missing: this field is required: add it above this line, the '---' that ends the front matter "
                     "(when it starts, UK time; for example 'start: 2027-02-11 10:00')", id="event-start"),
        pytest.param("pages/x.md", "---\nsummary: A page.\n---\nText.\n",
                     "content/pages/x.md:3: title: missing: this field is required: add it above this line, the '---' that ends the front matter "
                     "(the page title; for example 'title: About the network')", id="page-title"),
        pytest.param("site.yml", "title: Count Me In\ntagline: Coproduction\nsample_notice: true\n",
                     "content/site.yml:1: description: missing: this field is required (one sentence describing the "
                     "site, for search engines; for example 'description: Stories and pledges ...')", id="site-description"),
        pytest.param("themes.yml", THEMES.replace("  name: Dementia\n", ""),
                     "content/themes.yml:4: name: missing: this field is required "
                     "(the name shown on the site; for example 'name: Carers')", id="themes-name"),
        pytest.param("sectors.yml", "- id: social-care\n  name: Social care\n- id: health\n  name: Health\n  description: NHS.\n",
                     "content/sectors.yml:1: description: missing: this field is required "
                     "(a short description; for example 'description: Unpaid carers and the people they care for.')",
                     id="sectors-description"),
        pytest.param("areas.yml", "- id: norfolk\n  name: Norfolk\n  description: N.\n- id: suffolk\n  name: Suffolk\n"
                     "  description: S.\n  integrated_care_systems: [a]\n- id: region\n  name: Region\n  description: R.\n"
                     "  integrated_care_systems: [a]\n",
                     "content/areas.yml:1: integrated_care_systems: missing: this field is required (the integrated care "
                     "systems that cover the area; for example 'integrated_care_systems: [Norfolk and Waveney]')",
                     id="areas-integrated-care-systems"),
        pytest.param("self-assessment.yml", "- id: felt-heard\n  statement: People felt heard.\n  red: No.\n  amber: Some.\n"
                     "- id: shared-power\n  statement: Power was shared.\n  red: No.\n  amber: Some.\n  green: Yes.\n",
                     "content/self-assessment.yml:1: green: missing: this field is required "
                     "(what green means; for example 'green: Everyone felt heard.')", id="self-assessment-green"),
        pytest.param("themes.yml", THEMES + "- name: Employment\n  description: Paid work.\n",
                     "content/themes.yml:7: id: missing: this field is required (the id used in stories: "
                     "lower-case letters, numbers and hyphens; for example 'id: carers')", id="themes-id"),
    ],
)  # fmt: skip
def test_missing_required_field(problems, path: str, text: str, expected: str) -> None:
    # The fixture's other files keep every id they use, so the missing field is the only problem.
    assert problems({path: text}) == [expected]


def test_missing_pledge_page(problems) -> None:
    assert problems({"pages/pledge.md": None}) == [
        "content/pages/pledge.md:1: missing: the pledge register shows the text of this page",
    ]


# ---- wrong types -------------------------------------------------------------------------------------


def test_text_where_a_list_of_ids_is_expected(problems) -> None:
    assert problems({"stories/x.md": story(("areas: [suffolk]", "areas: suffolk"))}) == [
        "content/stories/x.md:5: areas: expected a list of area ids, got text 'suffolk' (write it in square brackets: [suffolk])",
    ]


def test_text_where_a_list_of_sentences_is_expected(problems) -> None:
    text = SIGNATORY.replace("commitments:\n  - Pay people for their time", "commitments: Pay people for their time")
    assert problems({"signatories/x.md": text}) == [
        "content/signatories/x.md:8: commitments: expected a list of items, got text 'Pay people for their time' "
        "(put each item on its own line below, starting with '- ')",
    ]


def test_list_where_text_is_expected(problems) -> None:
    assert problems({"stories/x.md": story(("title: Memory cafe", "title:\n  - Memory cafe"))}) == [
        "content/stories/x.md:2: title: expected text, got a list (write the text without '- ' or square brackets)",
    ]


def test_true_where_text_is_expected(problems) -> None:
    assert problems({"stories/x.md": story(("title: Memory cafe", "title: true"))}) == [
        "content/stories/x.md:2: title: expected text, got true (if you meant the word, put it in double quotes)",
    ]


def test_fields_where_text_is_expected(problems) -> None:
    assert problems({"stories/x.md": story(("title: Memory cafe", "title:\n  Memory cafe: the story"))}) == [
        "content/stories/x.md:2: title: expected text, got a set of fields (if the text contains ': ', put the whole text in double quotes)",
    ]


def test_list_where_one_id_is_expected(problems) -> None:
    assert problems({"signatories/x.md": SIGNATORY.replace("area: norfolk", "area: [norfolk]")}) == [
        "content/signatories/x.md:5: area: expected one area id, got a list (write just the id, without '- ' or square brackets)",
    ]


def test_empty_list_item(problems) -> None:
    text = SIGNATORY.replace("  - Pay people for their time", "  - Pay people for their time\n  -")
    assert problems({"signatories/x.md": text}) == [
        "content/signatories/x.md:10: commitments: expected text, got nothing (this item is empty: write its text after '- ', or delete the line)",
    ]


def test_empty_list_of_ids(problems) -> None:
    assert problems({"stories/x.md": story(("themes: [dementia]", "themes: []"))}) == [
        "content/stories/x.md:7: themes: expected at least one theme id, got an empty list",
    ]


def test_id_listed_twice(problems) -> None:
    assert problems({"stories/x.md": story(("areas: [suffolk]", "areas: [suffolk, norfolk, suffolk]"))}) == [
        "content/stories/x.md:5: areas: 'suffolk' is listed twice",
    ]


# ---- dates and times ---------------------------------------------------------------------------------


def test_impossible_date(problems) -> None:
    assert problems({"stories/x.md": story(("date: 2024-06-01", "date: 2023-02-30"))}) == [
        "content/stories/x.md:4: date: 2023-02-30 is not a real date (check the month and the day: write year-month-day, like 2024-05-01)",
    ]


def test_date_written_in_words(problems) -> None:
    assert problems({"signatories/x.md": SIGNATORY.replace("signed: 2024-05-01", "signed: May 2024")}) == [
        "content/signatories/x.md:7: signed: expected a date, got 'May 2024' (write it as year-month-day, like 2024-05-01)",
    ]


def test_date_written_day_first(problems) -> None:
    assert problems({"stories/x.md": story(("date: 2024-06-01", "date: 01/06/2024"))}) == [
        "content/stories/x.md:4: date: expected a date, got '01/06/2024' (write it as year-month-day, like 2024-06-01)",
    ]


def test_event_time_past_midnight(problems) -> None:
    assert problems({"events/x.md": EVENT.replace("start: 2027-02-11 10:00", "start: 2027-02-11 25:00")}) == [
        "content/events/x.md:3: start: 2027-02-11 25:00 is not a real time (use the 24-hour clock, 00:00 to 23:59, like 2025-03-14 14:30)",
    ]


def test_event_time_with_am_pm(problems) -> None:
    assert problems({"events/x.md": EVENT.replace("end: 2027-02-11 12:30", "end: 2027-02-11 12:30pm")}) == [
        "content/events/x.md:4: end: expected a date, or a date and time, got '2027-02-11 12:30pm' (write it as year-month-day, "
        "with any time after it on the 24-hour clock, like 2027-02-11 12:30)",
    ]


def test_event_on_an_impossible_day(problems) -> None:
    assert problems({"events/x.md": EVENT.replace("end: 2027-02-11 12:30", "end: 2027-02-29 12:30")}) == [
        "content/events/x.md:4: end: 2027-02-29 is not a real date (check the month and the day: write year-month-day, like 2024-05-01)",
    ]


def test_update_with_an_impossible_date(problems) -> None:
    text = SIGNATORY.replace("---\nWe", "updates:\n  - date: 2025-06-31\n    text: We set up a panel.\n---\nWe")
    assert problems({"signatories/x.md": text}) == [
        "content/signatories/x.md:11: updates.date: 2025-06-31 is not a real date (check the month and the day: "
        "write year-month-day, like 2024-05-01)",
    ]


# ---- ids from the vocabularies -----------------------------------------------------------------------


def test_unknown_area_with_did_you_mean(problems) -> None:
    assert problems({"stories/x.md": story(("areas: [suffolk]", "areas: [suffolk, nofolk]"))}) == [
        "content/stories/x.md:5: areas: unknown area 'nofolk' (did you mean 'norfolk'?)",
    ]


def test_unknown_area_on_its_own_line_of_a_list(problems) -> None:
    assert problems({"stories/x.md": story(("areas: [suffolk]", "areas:\n  - suffolk\n  - nofolk"))}) == [
        "content/stories/x.md:7: areas: unknown area 'nofolk' (did you mean 'norfolk'?)",
    ]


def test_area_name_instead_of_id(problems) -> None:
    assert problems({"signatories/x.md": SIGNATORY.replace("area: norfolk", "area: Region-wide")}) == [
        "content/signatories/x.md:5: area: unknown area 'Region-wide' (did you mean 'region'?)",
    ]


def test_unknown_area_without_a_near_miss_lists_the_ids(problems) -> None:
    assert problems({"signatories/x.md": SIGNATORY.replace("area: norfolk", "area: kent")}) == [
        "content/signatories/x.md:5: area: unknown area 'kent' (expected one of: norfolk, suffolk, region)",
    ]


def test_unknown_sector(problems) -> None:
    assert problems({"signatories/x.md": SIGNATORY.replace("sector: social-care", "sector: socialcare")}) == [
        "content/signatories/x.md:6: sector: unknown sector 'socialcare' (did you mean 'social-care'?)",
    ]


def test_unknown_theme(problems) -> None:
    assert problems({"stories/x.md": story(("themes: [dementia]", "themes: [carer]"))}) == [
        "content/stories/x.md:7: themes: unknown theme 'carer' (did you mean 'carers'?)",
    ]


def test_unknown_approach(problems) -> None:
    assert problems({"stories/x.md": add_to_story("approach: coproduction")}) == [
        "content/stories/x.md:8: approach: unknown approach 'coproduction' (did you mean 'co-production'?)",
    ]


def test_unknown_approach_without_a_near_miss_lists_the_approaches(problems) -> None:
    assert problems({"stories/x.md": add_to_story("approach: telling")}) == [
        "content/stories/x.md:8: approach: unknown approach 'telling' "
        "(expected one of: informing, consulting, engaging, co-design, co-production)",
    ]


def test_unknown_self_assessment_statement(problems) -> None:
    assert problems({"stories/x.md": add_to_story("self_assessment:\n  felt-herd: green")}) == [
        "content/stories/x.md:9: self_assessment: unknown self-assessment statement 'felt-herd' (did you mean 'felt-heard'?)",
    ]


def test_rag_value_other_than_red_amber_green(problems) -> None:
    assert problems({"stories/x.md": add_to_story("self_assessment:\n  felt-heard: purple")}) == [
        "content/stories/x.md:9: self_assessment: expected red, amber or green, got 'purple'",
    ]


def test_rag_value_with_a_capital(problems) -> None:
    assert problems({"stories/x.md": add_to_story("self_assessment:\n  shared-power: Amber")}) == [
        "content/stories/x.md:9: self_assessment: expected red, amber or green, got 'Amber' (did you mean 'amber'?)",
    ]


def test_rag_value_missing(problems) -> None:
    assert problems({"stories/x.md": add_to_story("self_assessment:\n  felt-heard:")}) == [
        "content/stories/x.md:9: self_assessment: expected red, amber or green, got nothing",
    ]


# ---- words YAML would change: the loader keeps them as text, and validation says what is wrong ---------


def test_area_no_is_an_unknown_area_not_false(problems) -> None:
    assert problems({"signatories/x.md": SIGNATORY.replace("area: norfolk", "area: no")}) == [
        "content/signatories/x.md:5: area: unknown area 'no' (did you mean 'norfolk'?)",
    ]


def test_draft_yes(problems) -> None:
    assert problems({"stories/x.md": add_to_story("draft: yes")}) == [
        "content/stories/x.md:8: draft: expected true or false, got 'yes' (write true for yes)",
    ]


def test_online_off(problems) -> None:
    assert problems({"events/x.md": EVENT.replace("location: The Forum, Norwich", "location: Norwich\nonline: off")}) == [
        "content/events/x.md:6: online: expected true or false, got 'off' (write false for off)",
    ]


def test_draft_true_in_quotes(problems) -> None:
    assert problems({"stories/x.md": add_to_story('draft: "true"')}) == [
        "content/stories/x.md:8: draft: expected true or false, got 'true' (write it without quotes)",
    ]


def test_title_that_is_a_number_is_kept_as_written(change, site_dir: Path, run_cli) -> None:
    change({"stories/x.md": story(("title: Memory cafe", "title: 1.10"))})
    content = validated(site_dir).content
    assert content is not None
    assert next(s for s in content.stories if s.slug == "x").title == "1.10"


# ---- unknown fields: a warning, an error under --strict -----------------------------------------------


def test_unknown_field_is_a_warning_with_did_you_mean(change, run_cli) -> None:
    change({"stories/x.md": story(("summary:", "summery:"))})
    result = run_cli("check")
    assert result.code == 1  # summary is now missing
    assert problem_lines(result) == [
        "content/stories/x.md:3: summery: warning: unknown field, so it is ignored (did you mean 'summary'?)",
        "content/stories/x.md:9: summary: missing: this field is required: add it above this line, the '---' that ends the "
        "front matter (one or two sentences saying what happened; for example 'summary: Carers and commissioners redesigned "
        "respite together.')",
    ]


def test_unknown_field_without_a_near_miss_lists_the_fields(change, run_cli) -> None:
    change({"pages/x.md": "---\ntitle: A page\ncolour: red\n---\nText.\n"})
    result = run_cli("check")
    assert result.code == 0
    assert problem_lines(result) == [
        "content/pages/x.md:3: colour: warning: unknown field, so it is ignored (the fields here are: title, summary, easy_read)",
    ]


def test_unknown_field_warning_does_not_stop_the_build(change, run_cli, site_dir: Path) -> None:
    change({"stories/x.md": add_to_story("lesons: [Listen]")})
    result = run_cli("build")
    assert result.code == 0
    assert result.err == (
        "content/stories/x.md:8: lesons: warning: unknown field, so it is ignored (did you mean 'lessons'?)\n\n0 errors, 1 warning\n"
    )
    assert (site_dir / "_site/stories/x/index.html").is_file()


def test_unknown_field_fails_the_build_under_strict(change, run_cli, site_dir: Path) -> None:
    change({"stories/x.md": add_to_story("lesons: [Listen]")})
    result = run_cli("build", "--strict")
    assert result.code == 1
    assert result.err.splitlines() == [
        "content/stories/x.md:8: lesons: warning: unknown field, so it is ignored (did you mean 'lessons'?)",
        "",
        "0 errors, 1 warning (--strict: warnings count as errors)",
        "Not built: fix the problems above. _site was left as it was.",
    ]
    assert not (site_dir / "_site").exists()


def test_unknown_field_fails_the_check_under_strict(change, run_cli) -> None:
    change({"stories/x.md": add_to_story("lesons: [Listen]")})
    assert run_cli("check").code == 0
    assert run_cli("check", "--strict").code == 1


def test_unknown_field_in_an_update(problems) -> None:
    text = SIGNATORY.replace("---\nWe", "updates:\n  - date: 2025-06-01\n    txt: We set up a panel.\n---\nWe")
    assert problems({"signatories/x.md": text}) == [
        "content/signatories/x.md:11: updates.text: missing: this field is required "
        "(what has happened; for example 'text: We set up a carers' panel that meets monthly.')",
        "content/signatories/x.md:12: updates.txt: warning: unknown field, so it is ignored (did you mean 'text'?)",
    ]


# ---- file names and slugs ----------------------------------------------------------------------------


def test_file_name_with_spaces_and_capitals(problems) -> None:
    assert problems({"stories/My Story.md": STORY}) == [
        "content/stories/My Story.md:1: file name: 'My Story.md' is not a valid file name "
        "(use lower-case letters, numbers and hyphens, like my-story.md)",
    ]


def test_file_name_with_underscore(problems) -> None:
    assert problems({"stories/story_1.md": STORY}) == [
        "content/stories/story_1.md:1: file name: 'story_1.md' is not a valid file name "
        "(use lower-case letters, numbers and hyphens, like story-1.md)",
    ]


def test_file_name_with_an_accent_suggests_the_plain_letter(problems) -> None:
    assert problems({"stories/café-project.md": STORY}) == [
        "content/stories/café-project.md:1: file name: 'café-project.md' is not a valid file name "
        "(use lower-case letters, numbers and hyphens, like cafe-project.md)",
    ]


def test_duplicate_slug_in_subfolders(problems) -> None:
    assert problems({"stories/2024/cafe.md": STORY, "stories/2025/cafe.md": STORY}) == [
        "content/stories/2025/cafe.md:1: file name: content/stories/2024/cafe.md has the same file name, and both would "
        "get the same web address (rename one of them: file names in content/stories/ must all be different)",
    ]


def test_same_name_in_different_collections_is_fine(change, run_cli) -> None:
    change({"pages/memory-cafe.md": "---\ntitle: Memory cafe\n---\nText.\n"})
    assert run_cli("check").code == 0


def test_page_with_a_reserved_slug(problems) -> None:
    assert problems({"pages/stories.md": "---\ntitle: Our stories\n---\nText.\n"}) == [
        "content/pages/stories.md:1: file name: 'stories' is the web address of a section of the site "
        "(rename the file, for example to about-stories.md)",
    ]


# ---- images ------------------------------------------------------------------------------------------


def test_image_without_alt_text(problems) -> None:
    assert problems({"images/cafe.jpg": picture(), "stories/x.md": add_to_story("image: images/cafe.jpg")}) == [
        "content/stories/x.md:8: image_alt: missing: an image needs image_alt, "
        "a short description of the picture for people who cannot see it (or 'image_decorative: true' when it only decorates)",
    ]


def test_image_that_does_not_exist(problems) -> None:
    assert problems({"stories/x.md": add_to_story("image: images/cafe.jpg\nimage_alt: People at the cafe")}) == [
        "content/stories/x.md:8: image: no image at content/images/cafe.jpg "
        "(put the image file in content/images/ and give its path, like images/garden.jpg)",
    ]


def test_image_with_the_wrong_extension_suggests_the_real_file(problems) -> None:
    files = {"images/cafe.png": picture(kind="PNG"), "stories/x.md": add_to_story("image: images/cafe.jpg\nimage_alt: People")}
    assert problems(files) == [
        "content/stories/x.md:8: image: no image at content/images/cafe.jpg (did you mean 'images/cafe.png'?)",
    ]


def test_svg_image(problems) -> None:
    files = {"images/logo.svg": b"<svg/>", "stories/x.md": add_to_story("image: images/logo.svg\nimage_alt: Logo")}
    assert problems(files) == [
        "content/images/logo.svg:1: file: warning: not published: only .jpg, .jpeg, .png, .gif and .webp pictures are "
        "published from content/images (an SVG can carry scripts)",
        "content/stories/x.md:8: image: SVG images are not accepted, got 'images/logo.svg' "
        "(save the picture as .png or .jpg, and use that file)",
    ]


def test_image_path_without_the_images_folder_is_accepted(change, run_cli) -> None:
    change({"images/cafe.jpg": picture(), "stories/x.md": add_to_story("image: cafe.jpg\nimage_alt: People")})
    assert run_cli("check").code == 0


# ---- events ------------------------------------------------------------------------------------------


def test_event_with_neither_location_nor_online(problems) -> None:
    assert problems({"events/x.md": EVENT.replace("location: The Forum, Norwich\n", "")}) == [
        "content/events/x.md:2: location: missing: give a location, or write 'online: true' for an online event",
    ]


def test_event_online_false_without_location(problems) -> None:
    assert problems({"events/x.md": EVENT.replace("location: The Forum, Norwich", "online: false")}) == [
        "content/events/x.md:2: location: missing: give a location, or write 'online: true' for an online event",
    ]


def test_event_ending_before_it_starts(problems) -> None:
    assert problems({"events/x.md": EVENT.replace("end: 2027-02-11 12:30", "end: 2027-02-11 09:30")}) == [
        "content/events/x.md:4: end: the event ends before it starts (check start and end)",
    ]


def test_event_ending_on_an_earlier_day(problems) -> None:
    assert problems({"events/x.md": EVENT.replace("end: 2027-02-11 12:30", "end: 2027-02-10")}) == [
        "content/events/x.md:4: end: the event ends before it starts (check start and end)",
    ]


def test_event_with_end_date_on_its_start_day_is_fine(change, run_cli) -> None:
    change({"events/x.md": EVENT.replace("end: 2027-02-11 12:30", "end: 2027-02-11")})
    assert run_cli("check").code == 0


def test_event_without_areas_is_region_wide(change, site_dir: Path) -> None:
    change({"events/x.md": EVENT})
    content = validated(site_dir).content
    assert content is not None
    event = next(e for e in content.events if e.slug == "x")
    assert event.areas == ("region",)
    assert event.start == dt.datetime(2027, 2, 11, 10, 0)


def test_event_without_areas_when_there_is_no_region_area(problems) -> None:
    # Used to pass validation and crash while rendering (no route for the 'region' area).
    areas = "- id: norfolk\n  name: Norfolk\n  description: N.\n  integrated_care_systems: [Norfolk and Waveney]\n"
    assert problems({"areas.yml": areas, "stories/memory-cafe.md": None, "events/x.md": EVENT}) == [
        "content/events/last-year.md:2: areas: missing: an event without areas is region-wide, but "
        "content/areas.yml has no 'region' area (add areas, like 'areas: [norfolk]')",
        "content/events/x.md:2: areas: missing: an event without areas is region-wide, but "
        "content/areas.yml has no 'region' area (add areas, like 'areas: [norfolk]')",
    ]


# ---- signatories -------------------------------------------------------------------------------------


def test_website_without_https(problems) -> None:
    assert problems({"signatories/x.md": SIGNATORY.replace("sector: social-care", "sector: social-care\nwebsite: www.fenside.gov.uk")}) == [
        "content/signatories/x.md:7: website: expected a web address starting with https://, "
        "got 'www.fenside.gov.uk' (did you mean 'https://www.fenside.gov.uk'?)",
    ]


def test_website_that_is_not_a_web_address(problems) -> None:
    assert problems({"signatories/x.md": SIGNATORY.replace("sector: social-care", "sector: social-care\nwebsite: javascript:alert(1)")}) == [
        "content/signatories/x.md:7: website: expected a web address starting with https://, got 'javascript:alert(1)'",
    ]


def test_website_with_a_space(problems) -> None:
    assert problems({"signatories/x.md": SIGNATORY.replace("sector: social-care", "sector: social-care\nwebsite: https://fenside.gov.uk/our pledge")}) == [
        "content/signatories/x.md:7: website: a web address cannot contain spaces, got 'https://fenside.gov.uk/our pledge'",
    ]


def test_website_over_http_is_accepted(change, run_cli) -> None:
    change({"signatories/x.md": SIGNATORY.replace("sector: social-care", "sector: social-care\nwebsite: http://fenside.gov.uk")})
    assert run_cli("check").code == 0


# ---- data files --------------------------------------------------------------------------------------


def test_duplicate_id_in_themes(problems) -> None:
    assert problems({"themes.yml": THEMES + "- id: carers\n  name: Carers again\n  description: Twice.\n"}) == [
        "content/themes.yml:7: id: 'carers' is already the id on line 1 (each id must be different)",
    ]


def test_bad_id_format(problems) -> None:
    assert problems({"themes.yml": THEMES + "- id: Young Carers\n  name: Young carers\n  description: Under 18.\n"}) == [
        "content/themes.yml:7: id: 'Young Carers' is not a valid id (use lower-case letters, numbers and hyphens, like 'young-carers')",
    ]


def test_two_records_without_id_are_not_duplicates(problems) -> None:
    # Used to add "'None' is defined twice" to the two missing ids.
    extra = "- name: One\n  description: First.\n- name: Two\n  description: Second.\n"
    missing = "id: missing: this field is required (the id used in stories: lower-case letters, numbers and hyphens; for example 'id: carers')"
    assert problems({"themes.yml": THEMES + extra}) == [f"content/themes.yml:7: {missing}", f"content/themes.yml:9: {missing}"]


def test_record_that_is_not_fields(problems) -> None:
    assert problems({"themes.yml": THEMES + "- young carers\n"}) == [
        "content/themes.yml:7: expected a theme written as fields (id, name, description), the first starting with '- id: '",
    ]


def test_data_file_that_is_not_a_list(problems) -> None:
    assert problems({"sectors.yml": "social-care: Social care\nhealth: Health\n"}) == [
        "content/sectors.yml:1: expected a list of sectors, each starting with '- id: ...'",
    ]


def test_site_settings_that_are_a_list(problems) -> None:
    assert problems({"site.yml": "- title: Count Me In\n"}) == [
        "content/site.yml:1: expected settings written as 'name: value' lines",
    ]


def test_site_setting_with_the_wrong_value(problems) -> None:
    text = "title: Count Me In\ntagline: T\ndescription: D\nsample_notice: yes\nbase_url: example.org\n"
    assert problems({"site.yml": text}) == [
        "content/site.yml:4: sample_notice: expected true or false, got 'yes' (write true for yes)",
        "content/site.yml:5: base_url: expected a web address starting with https://, got 'example.org' "
        "(did you mean 'https://example.org'?)",
    ]


def test_missing_data_file_is_one_problem_not_one_per_story(problems) -> None:
    # Used to also report every theme of every story as unknown.
    assert problems({"themes.yml": None}) == [
        "content/themes.yml:1: missing: the site needs this file (the themes that stories name; "
        "docs/content.md shows what goes in it)",
    ]


def test_missing_site_settings(problems) -> None:
    assert problems({"site.yml": None}) == [
        "content/site.yml:1: missing: the site needs this file (the site's title and settings; docs/content.md shows what goes in it)",
    ]


def test_unreadable_areas_file_is_one_problem_not_one_per_story(problems) -> None:
    assert problems({"areas.yml": "- id: norfolk\n  name: [Norfolk\n"}) == [
        "content/areas.yml:2: a list in square brackets that starts on this line is not closed properly "
        "(write it like [norfolk, suffolk], and put items that contain ':' or ',' in double quotes) "
        "(fix this first; the rest of the file is checked after)",
    ]


def test_area_with_a_problem_is_still_a_known_id(problems) -> None:
    # One area missing its description used to make every story naming it report 'unknown area'.
    areas = (Path("content/areas.yml").read_text(encoding="utf-8")
             .replace("  description: Norfolk County Council area.\n", ""))  # fmt: skip
    assert problems({"areas.yml": areas}) == [
        "content/areas.yml:1: description: missing: this field is required "
        "(a short description; for example 'description: Unpaid carers and the people they care for.')",
    ]


# ---- all problems, in one run, sorted; and the old site left alone ----------------------------------------


BROKEN = {
    "stories/b.md": story(("areas: [suffolk]", "areas: [nofolk]"), ("date: 2024-06-01", "date: 2023-02-30")),
    "stories/a.md": story(("title: Memory cafe", 'title: "Memory cafe')),
    "events/x.md": EVENT.replace("location: The Forum, Norwich\n", "").replace("end: 2027-02-11 12:30", "end: 2027-02-11 09:00"),
    "signatories/Sam.md": SIGNATORY.replace("signed: 2024-05-01", "signed: May 2024").replace("area: norfolk", "area: no\nwebsit: x"),
    "themes.yml": THEMES + "- id: carers\n  name: Carers\n  description: Again.\n",
}


def test_every_problem_in_every_file_sorted_with_a_count(change, run_cli) -> None:
    change(BROKEN)
    result = run_cli("build")
    assert result.code == 1
    assert "Traceback" not in result.err + result.out
    assert result.out == ""
    assert result.err.splitlines() == [
        "content/events/x.md:2: location: missing: give a location, or write 'online: true' for an online event",
        "content/events/x.md:4: end: the event ends before it starts (check start and end)",
        "content/signatories/Sam.md:1: file name: 'Sam.md' is not a valid file name (use lower-case letters, numbers and hyphens, like sam.md)",
        "content/signatories/Sam.md:5: area: unknown area 'no' (did you mean 'norfolk'?)",
        "content/signatories/Sam.md:6: websit: warning: unknown field, so it is ignored (did you mean 'website'?)",
        "content/signatories/Sam.md:8: signed: expected a date, got 'May 2024' (write it as year-month-day, like 2024-05-01)",
        "content/stories/a.md:2: front matter: a quote opened on this line is never closed (end the text with the same quote mark) "
        "(fix this first; the rest of the file is checked after)",
        "content/stories/b.md:4: date: 2023-02-30 is not a real date (check the month and the day: write year-month-day, like 2024-05-01)",
        "content/stories/b.md:5: areas: unknown area 'nofolk' (did you mean 'norfolk'?)",
        "content/themes.yml:7: id: 'carers' is already the id on line 1 (each id must be different)",
        "",
        "9 errors, 1 warning",
        "Not built: fix the problems above. _site was left as it was.",
    ]


def test_check_reports_the_same_problems_as_build(change, run_cli) -> None:
    change(BROKEN)
    checked, built = run_cli("check"), run_cli("build")
    assert checked.code == built.code == 1
    assert problem_lines(checked) == problem_lines(built)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_failed_build_leaves_the_previous_site_untouched(built: Path, change, run_cli) -> None:
    before = tree(built)
    stamps = {p: p.stat().st_mtime_ns for p in built.rglob("*")}
    beside = sorted(p.name for p in built.parent.iterdir())
    change({"stories/memory-cafe.md": story(("areas: [suffolk]", "areas: [nofolk]"))})
    result = run_cli("build")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert tree(built) == before
    assert {p: p.stat().st_mtime_ns for p in built.rglob("*")} == stamps
    assert sorted(p.name for p in built.parent.iterdir()) == beside  # no temporary folders left beside _site
