"""Calendar files (iCalendar, RFC 5545): events.ics with every event, and one .ics file per event.

Built with the icalendar library, which handles the format's escaping, line folding (75 octets),
CRLF line ends and value types; characters iCalendar cannot hold are replaced (formats.document_text). Every value comes from content, so the files are byte-identical
for the same content: UIDs from the site and the event's slug, DTSTAMP from the event's own date.
Each file is made from its events, the site's settings and the write-ups' addresses alone
(calendar_of), so the fast engine keeps them between builds: a build in which none of those changed
(and the build cache still holds the files) never loads icalendar (~40 ms).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import nh3

from ..models import Event, Output, Settings
from ..render import event_when
from ..site import CALENDAR, Site, calendar_route, output_path, route_of
from .formats import document_text
from .opendata import Remember, same

if TYPE_CHECKING:
    import icalendar

TZID = "Europe/London"
LONDON = ZoneInfo(TZID)
PRODID = "-//Count Me In//cmi-site//EN"


def london_timezone() -> icalendar.Timezone:
    """The VTIMEZONE for UK time, as yearly rules (last Sunday of March and of October), valid for any year."""
    import icalendar

    timezone = icalendar.Timezone()
    timezone.add("tzid", TZID)
    for kind, name, start, month, offsets in (
        (icalendar.TimezoneDaylight, "BST", dt.datetime(1970, 3, 29, 1, 0), 3, (0, 1)),
        (icalendar.TimezoneStandard, "GMT", dt.datetime(1970, 10, 25, 2, 0), 10, (1, 0)),
    ):
        rule = kind()
        rule.add("tzname", name)
        rule.add("tzoffsetfrom", dt.timedelta(hours=offsets[0]))
        rule.add("tzoffsetto", dt.timedelta(hours=offsets[1]))
        rule.add("dtstart", start)  # local time before the change: clocks go forward at 1am, back at 2am
        rule.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        timezone.add_component(rule)
    return timezone


def site_id(settings: Settings) -> str:
    """What makes UIDs unique to this site: the base URL's host and path, else the site's title as a slug."""
    if settings.base_url:
        parts = urlsplit(settings.base_url)
        return f"{parts.netloc}{parts.path}".rstrip("/")
    return re.sub(r"[^a-z0-9]+", "-", settings.title.lower()).strip("-") or "cmi-site"


def event_uid(event: Event, settings: Settings) -> str:
    """A UID that stays the same on every build: the event's slug at the site."""
    return f"{event.slug}@{site_id(settings)}"


def event_dtstamp(event: Event) -> dt.datetime:
    """DTSTAMP, required by RFC 5545: the site keeps no record of when an event was written, so it is
    midnight UTC on the event's first day (from content, never the clock)."""
    return dt.datetime.combine(event.start_date, dt.time(0), dt.UTC)


def event_times(event: Event) -> tuple[dt.date | dt.datetime, dt.date | dt.datetime | None]:
    """(DTSTART, DTEND): UK times with their zone, or whole days with DTEND the day after the last (RFC 5545)."""
    start, end = event.start, event.end
    if not isinstance(start, dt.datetime):
        return start, event.end_date + dt.timedelta(days=1)  # a whole-day event, even if an end time is given
    local_start = start.replace(tzinfo=LONDON)
    if end is None:
        return local_start, None  # no end given: RFC 5545 reads this as ending when it starts
    if not isinstance(end, dt.datetime):
        end = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0))  # to the end of the last day
    return local_start, end.replace(tzinfo=LONDON)


def event_url(event: Event, settings: Settings) -> str | None:
    """The event's page as a full address, when the site's base URL is known."""
    return f"{settings.base_url}{output_path(route_of(event))}" if settings.base_url else None


def where(event: Event) -> str:
    """LOCATION: the place, or 'Online'."""
    return event.location or "Online"


def body_text(body_html: str) -> str:
    """Sanitised body HTML -> plain text with paragraphs and '- ' list items kept."""
    marked = re.sub(r"<li\b[^>]*>", "<li>- ", body_html)
    marked = re.sub(r"</(p|h[2-6]|ul|ol|dl|pre|blockquote|table)>", r"</\1>\n", marked)  # a blank line after each block
    text = html.unescape(nh3.clean(marked, tags=set()))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def write_up_url(event: Event, site: Site) -> str | None:
    """The full address of the story an event's write_up names, when the site has it and its base URL is known."""
    if not (event.write_up and site.settings.base_url):
        return None
    story = site.story_by_slug.get(event.write_up)
    return f"{site.settings.base_url}{output_path(route_of(story))}" if story is not None else None


def description(event: Event, settings: Settings, write_up: str | None) -> str:
    """DESCRIPTION: the summary, when and where in words, links, and the event's text (write_up:
    write_up_url's address)."""
    how = "Online" if event.online else "In person"
    if event.online and event.location:
        how = "In person or online"
    parts = [event.summary or event.title, f"When: {event_when(event)} (UK time)", f"How: {how}"]
    links = [("Book a place", event.booking_url), ("Recording", event.recording_url), ("Write-up", event.write_up_url),
             ("Write-up", write_up), ("More information", event_url(event, settings))]  # fmt: skip
    parts += [f"{label}: {url}" for label, url in links if url]
    text = body_text(event.body_html)
    return "\n".join(parts) + (f"\n\n{text}" if text else "")


def text_value(text: str) -> icalendar.vText:
    """A TEXT value from content, with its backslashes, commas, semicolons and line breaks escaped
    (for a vText, whatever the property); control characters are replaced first (document_text)."""
    text_type: type[icalendar.vText] = _text_type()
    return text_type(calendar_text(text))


@functools.cache
def _text_type() -> type[icalendar.vText]:
    """icalendar's vText, escaped by RFC 5545's rules alone: icalendar's own escaping first reads a
    backslash and an N in the text as a line break, so an event called "C:\\New" was written as "C:",
    a line break and "ew" (found by the property test of tests/test_awkward_outputs.py). Made when
    first needed, as icalendar is loaded then."""
    import icalendar

    class Text(icalendar.vText):
        def to_ical(self) -> bytes:
            text = str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n").encode("utf-8")  # vText's encoding

    return Text


def calendar_text(text: str) -> str:
    """document_text, with a U+FEFF that starts the text written as U+2060 (the word joiner, which
    Unicode asks for in its place): icalendar drops a U+FEFF at the start of a value, taking it for a
    byte order mark, and the value would lose a character."""
    text = document_text(text)
    return f"\u2060{text[1:]}" if text.startswith("\ufeff") else text


def make_vevent(event: Event, settings: Settings, write_up: str | None) -> icalendar.Event:
    """One event as a VEVENT (every text a text_value; write_up: write_up_url's address)."""
    import icalendar

    vevent = icalendar.Event()
    vevent.add("uid", text_value(event_uid(event, settings)))
    vevent.add("dtstamp", event_dtstamp(event))
    start, end = event_times(event)
    vevent.add("dtstart", start)
    if end is not None:
        vevent.add("dtend", end)
    vevent.add("summary", text_value(event.title))
    vevent.add("location", text_value(where(event)))
    vevent.add("description", text_value(description(event, settings, write_up)))
    url = event_url(event, settings)
    if url:
        vevent.add("url", document_text(url))
    return vevent


CalendarOf = tuple[tuple[Event, ...], Settings, tuple[str | None, ...], str | None]


def calendar_of(made_of: CalendarOf) -> str:
    """A VCALENDAR of events (with the site's settings, the address of each one's write-up, and the
    calendar's name or None), with the UK VTIMEZONE when any event has a time of day: made from
    these alone, so that the fast engine can keep it between builds."""
    import icalendar

    events, settings, write_ups, name = made_of
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name is not None:
        # icalendar does not know these two as text, so would write them unescaped: say they are
        calendar.add("name", text_value(name))  # RFC 7986
        calendar.add("x-wr-calname", text_value(name))  # the name most calendar apps read
        calendar.add("x-wr-timezone", TZID)
    if any(isinstance(e.start, dt.datetime) for e in events):
        calendar.add_component(london_timezone())
    for event, write_up in zip(events, write_ups, strict=True):
        calendar.add_component(make_vevent(event, settings, write_up))
    data: bytes = calendar.to_ical()  # icalendar does not annotate its return type; UTF-8
    return data.decode("utf-8")


def calendar_files(site: Site, remember: Remember = same) -> list[Output]:
    """events.ics with every event (soonest first), and one .ics beside each event's page (remember:
    the engine's, to keep each file from the last build)."""
    events = tuple(sorted(site.events, key=lambda e: (event_times(e)[0].isoformat(), e.slug)))
    write_ups = tuple(write_up_url(event, site) for event in events)
    made = remember(calendar_of)
    out = [Output(CALENDAR, made((events, site.settings, write_ups, f"{site.settings.title} events")).encode("utf-8"))]
    out += [Output(calendar_route(e), made(((e,), site.settings, (url,), None)).encode("utf-8")) for e, url in zip(events, write_ups, strict=True)]
    return out
