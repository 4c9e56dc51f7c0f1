"""Calendar files: events.ics and each event's .ics, parsed back with the icalendar library, field by field."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from cmi_site.cli import main
from conftest import REPO, TEMPLATES

LONDON = ZoneInfo("Europe/London")

EXTRA_EVENTS = {
    # British Summer Time: 14:00 in London is 13:00 UTC.
    "events/summer-walk.md": "---\ntitle: Summer walk, and picnic\nstart: 2027-07-03 14:00\nend: 2027-07-03 16:15\n"
                             "location: Holkham beach; Norfolk\nonline: true\nareas: [norfolk]\n---\nBring a hat.\n",
    # Several whole days.
    "events/festival.md": "---\ntitle: Festival\nstart: 2027-05-01\nend: 2027-05-03\nlocation: Ipswich\nareas: [suffolk]\n---\nDays.\n",
    # A start time, with an end day but no end time.
    "events/residential.md": "---\ntitle: Residential\nstart: 2027-09-01 09:30\nend: 2027-09-02\nlocation: Cromer\n---\nStay over.\n",
}


@pytest.fixture
def cal_site(site_dir: Path, run_cli) -> Path:
    for rel, text in EXTRA_EVENTS.items():
        (site_dir / "content" / rel).write_text(text, encoding="utf-8")
    result = run_cli("build")
    assert result.code == 0, result.err
    return site_dir / "_site"


def parse(path: Path) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(path.read_bytes())


def vevents(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_feed_has_every_event_with_its_fields(cal_site: Path) -> None:
    calendar = parse(cal_site / "events.ics")
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Count Me In//cmi-site//EN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Count Me In events"
    events = vevents(calendar)
    assert list(events) == [  # soonest first
        "last-year@count-me-in", "open-meeting@count-me-in", "festival@count-me-in", "summer-walk@count-me-in",
        "residential@count-me-in",
    ]  # fmt: skip

    meeting = events["open-meeting@count-me-in"]
    assert str(meeting["SUMMARY"]) == "Open meeting"
    assert meeting["DTSTART"].dt == dt.datetime(2027, 2, 11, 10, 0, tzinfo=LONDON)
    assert meeting["DTSTART"].params["TZID"] == "Europe/London"
    assert meeting["DTSTART"].dt.astimezone(dt.UTC).hour == 10  # GMT in February
    assert meeting["DTEND"].dt == dt.datetime(2027, 2, 11, 12, 30, tzinfo=LONDON)
    assert meeting["DTSTAMP"].dt == dt.datetime(2027, 2, 11, 0, 0, tzinfo=dt.UTC)
    assert str(meeting["LOCATION"]) == "The Forum, Norwich"
    assert "URL" not in meeting, "no URL without a base URL"
    assert str(meeting["DESCRIPTION"]) == (
        "Open meeting\nWhen: Thursday 11 February 2027, 10am to 12:30pm (UK time)\nHow: In person\n\nCome along."
    )

    walk = events["summer-walk@count-me-in"]
    assert walk["DTSTART"].dt.astimezone(dt.UTC) == dt.datetime(2027, 7, 3, 13, 0, tzinfo=dt.UTC)
    assert walk["DTEND"].dt == dt.datetime(2027, 7, 3, 16, 15, tzinfo=LONDON)
    assert str(walk["SUMMARY"]) == "Summer walk, and picnic"
    assert str(walk["LOCATION"]) == "Holkham beach; Norfolk"
    assert "How: In person or online" in str(walk["DESCRIPTION"])


def test_whole_day_and_open_ended_events(cal_site: Path) -> None:
    events = vevents(parse(cal_site / "events.ics"))
    online = events["last-year@count-me-in"]
    assert online["DTSTART"].dt == dt.date(2025, 6, 12) and online["DTSTART"].params["VALUE"] == "DATE"
    assert online["DTEND"].dt == dt.date(2025, 6, 13), "DTEND of a whole-day event is the day after"
    assert str(online["LOCATION"]) == "Online"
    festival = events["festival@count-me-in"]
    assert (festival["DTSTART"].dt, festival["DTEND"].dt) == (dt.date(2027, 5, 1), dt.date(2027, 5, 4))
    residential = events["residential@count-me-in"]
    assert residential["DTSTART"].dt == dt.datetime(2027, 9, 1, 9, 30, tzinfo=LONDON)
    assert residential["DTEND"].dt == dt.datetime(2027, 9, 3, 0, 0, tzinfo=LONDON), "to the end of the last day"


def test_vtimezone_gives_uk_time_around_every_change_for_twelve_years(cal_site: Path) -> None:
    """The VTIMEZONE itself (not the parser's own zone database) must agree with Europe/London."""
    (component,) = parse(cal_site / "events.ics").walk("VTIMEZONE")
    assert str(component["TZID"]) == "Europe/London"
    from_file = component.to_tz(lookup_tzid=False)
    moments = []
    for year in range(2024, 2036):
        for month in (3, 10):  # every hour of the last week of March and of October, when the clocks change
            last_week = dt.datetime(year, month, 24, tzinfo=dt.UTC)
            moments += [last_week + dt.timedelta(hours=h) for h in range(8 * 24)]
        moments += [dt.datetime(year, month, 15, 12, tzinfo=dt.UTC) for month in range(1, 13)]
    wrong = [m for m in moments if m.astimezone(from_file).utcoffset() != m.astimezone(LONDON).utcoffset()]
    assert len(moments) > 4000 and wrong == []


def test_only_whole_day_events_need_no_vtimezone(site_dir: Path, run_cli) -> None:
    (site_dir / "content/events/open-meeting.md").unlink()
    assert run_cli("build").code == 0
    calendar = parse(site_dir / "_site/events.ics")
    assert calendar.walk("VTIMEZONE") == []
    assert b"TZID" not in (site_dir / "_site/events.ics").read_bytes()


def test_rfc5545_lines_crlf_folded_and_tzids_defined(cal_site: Path) -> None:
    for path in [cal_site / "events.ics", *sorted((cal_site / "events").glob("*/*.ics"))]:
        data = path.read_bytes()
        assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n"), path
        lines = data.split(b"\r\n")[:-1]
        assert all(b"\n" not in line and b"\r" not in line for line in lines), path
        assert max(len(line) for line in lines) <= 75, path
        used = set(re.findall(rb";TZID=([^:;]+)", data))
        defined = set(re.findall(rb"\r\nTZID:([^\r]+)", data))
        assert used <= defined, path
        for event in parse(path).walk("VEVENT"):
            assert {"UID", "DTSTAMP", "DTSTART", "SUMMARY"} <= set(event), path


def test_each_event_has_its_own_file_linked_from_its_page(cal_site: Path) -> None:
    feed = vevents(parse(cal_site / "events.ics"))
    for slug in ("open-meeting", "last-year", "summer-walk", "festival", "residential"):
        single = parse(cal_site / f"events/{slug}/{slug}.ics")
        (uid,) = vevents(single)
        assert uid == f"{slug}@count-me-in"
        assert vevents(single)[uid].to_ical() == feed[uid].to_ical()
        html = (cal_site / f"events/{slug}/index.html").read_text(encoding="utf-8")
        assert f'<a href="{slug}.ics" download>Add to your calendar' in html
    assert '<a href="../events.ics">events calendar (.ics file)</a>' in (cal_site / "events/index.html").read_text(encoding="utf-8")


def test_base_url_gives_urls_and_uids_at_the_site(cal_site: Path, run_cli) -> None:
    assert run_cli("build", "--base-url", "https://example.org/cmi/").code == 0
    meeting = vevents(parse(cal_site / "events.ics"))["open-meeting@example.org/cmi"]
    assert str(meeting["URL"]) == "https://example.org/cmi/events/open-meeting/index.html"
    assert str(meeting["DESCRIPTION"]).endswith(
        "More information: https://example.org/cmi/events/open-meeting/index.html\n\nCome along.")
    html = (cal_site / "events/index.html").read_text(encoding="utf-8")
    assert "<code>https://example.org/cmi/events.ics</code>" in html


def test_uids_and_bytes_are_stable_across_builds_and_dates(cal_site: Path, site_dir: Path, run_cli) -> None:
    before = {p.relative_to(cal_site).as_posix(): p.read_bytes() for p in sorted(cal_site.rglob("*.ics"))}
    assert run_cli("build").code == 0
    assert main(["build", "--templates", str(TEMPLATES), "--today", "2030-01-01"]) == 0  # every event now past
    assert "This event has finished." in (cal_site / "events/open-meeting/index.html").read_text(encoding="utf-8")
    after = {p.relative_to(cal_site).as_posix(): p.read_bytes() for p in sorted(cal_site.rglob("*.ics"))}
    assert after == before, "the calendar does not depend on the build date"
    event = site_dir / "content/events/open-meeting.md"
    event.write_text(event.read_text(encoding="utf-8").replace("title: Open meeting", "title: Open meeting, renamed"))
    assert run_cli("build").code == 0
    assert "open-meeting@count-me-in" in vevents(parse(cal_site / "events.ics"))


def test_sample_calendar_parses(sample_site: Path) -> None:
    events = vevents(parse(sample_site / "events.ics"))
    slugs = sorted(p.stem for p in (REPO / "content/events").glob("*.md"))
    assert sorted(uid.removesuffix("@count-me-in") for uid in events) == slugs
    assert str(events["commissioning-webinar-2026@count-me-in"]["LOCATION"]) == "Online"


# ---- upcoming events on area pages, and write-ups of past events ---------------------------------------


def test_area_page_shows_region_wide_upcoming_events(site_dir: Path, run_cli) -> None:
    (site_dir / "content/events/big-day.md").write_text("---\ntitle: Big day\nstart: 2027-04-01\nonline: true\n---\nAll.\n")
    assert run_cli("build").code == 0
    html = (site_dir / "_site/areas/norfolk/index.html").read_text(encoding="utf-8")
    local, region = html.split("<h3>Region-wide events</h3>")
    assert "Open meeting" in local and "Big day" in region.split("</section>")[0]
    assert "Region-wide events" not in (site_dir / "_site/areas/region/index.html").read_text(encoding="utf-8")


def _past_event(write_up: str) -> str:
    return f"---\ntitle: Last year's gathering\nstart: 2025-06-12\nonline: true\nwrite_up: {write_up}\n---\nIt happened.\n"


def test_write_up_links_to_a_story(site_dir: Path, run_cli) -> None:
    (site_dir / "content/events/last-year.md").write_text(_past_event("memory-cafe"))
    assert run_cli("build").code == 0
    html = (site_dir / "_site/events/last-year/index.html").read_text(encoding="utf-8")
    assert '<dt>Write-up</dt><dd><a href="../../stories/memory-cafe/index.html">Memory cafe</a> (a story on this site)</dd>' in html


def test_write_up_naming_no_story_is_an_error(site_dir: Path, run_cli) -> None:
    (site_dir / "content/events/last-year.md").write_text(_past_event("memory-caffe"))
    result = run_cli("check")
    assert result.code == 1
    assert result.err.splitlines()[0] == (
        "content/events/last-year.md:5: write_up: no story called 'memory-caffe' in content/stories/ (did you mean 'memory-cafe'?)"
    )


def test_write_up_that_is_not_a_file_name_is_an_error(site_dir: Path, run_cli) -> None:
    (site_dir / "content/events/last-year.md").write_text(_past_event('"Memory cafe!"'))
    result = run_cli("check")
    assert result.err.splitlines()[0] == (
        "content/events/last-year.md:5: write_up: expected a story's file name without .md, "
        "like 'summer-gathering-stories', got 'Memory cafe!'"
    )


def test_write_up_of_a_draft_story_is_a_warning_and_not_linked(site_dir: Path, run_cli, content_files) -> None:
    (site_dir / "content/events/last-year.md").write_text(_past_event("memory-cafe.md"))
    story = content_files["stories/memory-cafe.md"].replace("themes: [dementia]", "themes: [dementia]\ndraft: true")
    (site_dir / "content/stories/memory-cafe.md").write_text(story)
    result = run_cli("build")
    assert result.code == 0
    assert ("content/events/last-year.md:5: write_up: warning: the story 'memory-cafe' is a draft, so the event page "
            "links to it only once it is published") in result.err.splitlines()  # fmt: skip
    assert "Write-up" not in (site_dir / "_site/events/last-year/index.html").read_text(encoding="utf-8")
