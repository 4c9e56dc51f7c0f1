"""Every machine-readable output of a site whose content is full of awkward characters, read back with a
strict parser for its format: feed.xml and sitemap.xml (expat), events.ics and each event's .ics
(RFC 5545 line by line, then icalendar), the CSV (csv, formula-safe), the JSON (json) and the search
index (each line a CMI_SEARCH.add call of JSON, and run by Node when it is installed). Each text comes
back exactly as written."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmi_site.config import BuildOptions
from cmi_site.outputs import site_files
from cmi_site.outputs.calendar import calendar_text
from cmi_site.outputs.formats import document_text
from cmi_site.outputs.opendata import spreadsheet_safe
from cmi_site.outputs.search import build_search_index, cut
from cmi_site.site import build_site
from conftest import TODAY, validated

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# Characters that mean something in XML, iCalendar, CSV, JSON, JavaScript, HTML, Markdown or YAML, or
# that change how text reads (bidi marks, combining characters, line and paragraph separators).
AWKWARD = ("\"Quoted\" 'single' ‘curly’ & &amp; &#60; <b>tag</b> </script><script>x()</script> <!-- --> ]]> -- "
           "\\ \\n \\\\ ; , : % %0A %25 ` ``` {{ x }} {% raw %} ${x} #1 @someone =1+1 "
           "🙂 👩\u200d👩\u200d👧 \u200fRTL\u202eoverride\u202c \u2066iso\u2069 e\u0301 中文 العربية "
           "\u00a0nbsp \u2028line\u2029para ") + "x" * 120  # fmt: skip
BASE_URL = "https://example.org/a&b'c\"d/"


def yaml_text(text: str) -> str:
    """A YAML double-quoted scalar holding text exactly (YAML reads a raw U+2028 or U+2029 as a line break)."""
    return json.dumps(text, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def awkward(label: str) -> str:
    return f"{label} {AWKWARD}"


@pytest.fixture
def awkward_site(site_dir: Path) -> Path:
    """The minimal site with awkward text in every field that reaches a machine-readable output."""
    y = yaml_text
    files = {
        "site.yml": f"title: {y(awkward('Site'))}\ntagline: {y(awkward('Tagline'))}\ndescription: Stories.\n"
                    f"base_url: {y(BASE_URL)}\nsample_notice: true\n",
        "stories/respite-with-carers.md": f"---\ntitle: {y(awkward('Story'))}\nsummary: {y(awkward('Summary'))}\n"
            "date: 2025-03-14\nareas: [norfolk]\nsectors: [social-care]\nthemes: [carers]\napproach: co-production\n"
            f"consent: {{date: 2025-01-10, how: {y(awkward('How'))}}}\ntold_by: [{y(awkward('Teller'))}]\n"
            f"people: [{y(awkward('People'))}]\noutcomes: [{y(awkward('Outcome'))}]\nlessons: [{y(awkward('Lesson'))}]\n"
            f"---\n{AWKWARD}\n\n- {AWKWARD}\n",
        "signatories/sam-rivers.md": f"---\nname: {y(awkward('Name'))}\nrole: {y(awkward('Role'))}\n"
            f"organisation: {y(awkward('Org'))}\narea: norfolk\nsector: social-care\nsigned: 2024-05-01\n"
            f"commitments: [{y('=HYPERLINK(' + AWKWARD + ')')}, {y(awkward('Commitment'))}]\n"
            f"updates:\n  - date: 2025-06-01\n    text: {y(awkward('Update'))}\n---\n{AWKWARD}\n",
        "events/open-meeting.md": f"---\ntitle: {y(awkward('Event'))}\nstart: 2027-02-11 10:00\nend: 2027-02-11 12:30\n"
            f"location: {y(awkward('Place'))}\nareas: [norfolk]\n---\n{AWKWARD}\n",
    }  # fmt: skip
    for rel, text in files.items():
        (site_dir / "content" / rel).write_text(text, encoding="utf-8")
    themes = site_dir / "content/themes.yml"
    themes.write_text(themes.read_text().replace("name: Carers", f"name: {y(awkward('Theme'))}"), encoding="utf-8")
    return site_dir


@pytest.fixture
def awkward_built(awkward_site: Path, run_cli) -> Path:
    result = run_cli("build")
    assert result.code == 0, result.err
    return awkward_site / "_site"


def strict_xml(path: Path) -> ET.Element:
    """The document as expat reads it: any character or markup XML does not allow is an error."""
    parser = ET.XMLParser()
    parser.feed(path.read_bytes())
    return parser.close()


def test_feed_and_sitemap_are_well_formed_and_keep_every_text(awkward_built: Path) -> None:
    feed = strict_xml(awkward_built / "feed.xml")
    assert feed.findtext(f"{ATOM}title") == awkward("Site") + ": coproduction stories"
    assert feed.findtext(f"{ATOM}subtitle") == awkward("Tagline")
    entry = next(e for e in feed.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == awkward("Story"))
    assert entry.findtext(f"{ATOM}summary") == awkward("Summary")
    assert entry.find(f"{ATOM}category").get("label") == awkward("Theme")
    assert entry.find(f"{ATOM}link").get("href") == BASE_URL + "stories/respite-with-carers/index.html"
    sitemap = strict_xml(awkward_built / "sitemap.xml")
    locations = [loc.text for loc in sitemap.iter(f"{SITEMAP}loc")]
    assert BASE_URL + "stories/respite-with-carers/" in locations and all(loc.startswith(BASE_URL) for loc in locations)


# RFC 5545 TEXT: any character but controls (tab allowed), with \ ; , and line breaks escaped.
ICAL_TEXT = re.compile(r'(?:[^\\;,\x00-\x08\x0a-\x1f\x7f]|\\[\\;,nN])*')


def ical_lines(data: bytes) -> list[str]:
    """The content lines of an iCalendar file, checked as RFC 5545 wants them and unfolded."""
    assert data.endswith(b"\r\n") and b"\r\n" in data
    physical = data[:-2].split(b"\r\n")
    for line in physical:
        assert b"\r" not in line and b"\n" not in line, line
        assert len(line) <= 75, f"longer than 75 octets: {line!r}"
        line.decode("utf-8")  # a fold never splits a character
    return data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1] or [""]


def ical_unescape(value: str) -> str:
    assert ICAL_TEXT.fullmatch(value), f"not RFC 5545 TEXT: {value!r}"
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


@pytest.mark.parametrize("name", ["events.ics", "events/open-meeting/open-meeting.ics"])
def test_calendars_are_valid_icalendar_and_keep_every_text(awkward_built: Path, name: str) -> None:
    data = (awkward_built / name).read_bytes()
    lines = ical_lines(data)
    texts = {line.split(":", 1)[0]: ical_unescape(line.split(":", 1)[1]) for line in lines
             if line.split(":", 1)[0] in ("SUMMARY", "LOCATION", "DESCRIPTION", "X-WR-CALNAME", "NAME")}  # fmt: skip
    assert texts["SUMMARY"] == awkward("Event")
    assert texts["LOCATION"] == awkward("Place")
    assert texts["DESCRIPTION"].startswith(awkward("Event") + "\nWhen: ")
    assert AWKWARD.strip() in texts["DESCRIPTION"]
    if name == "events.ics":
        assert texts["X-WR-CALNAME"] == texts["NAME"] == awkward("Site") + " events"
    event = next(e for e in icalendar.Calendar.from_ical(data).walk("VEVENT") if str(e["UID"]).startswith("open-meeting@"))
    assert (str(event["SUMMARY"]), str(event["LOCATION"])) == (awkward("Event"), awkward("Place"))
    assert str(event["DESCRIPTION"]) == texts["DESCRIPTION"]


def test_csv_round_trips_every_text_formula_safe(awkward_built: Path) -> None:
    rows = list(csv.DictReader(io.StringIO((awkward_built / "data/signatories.csv").read_bytes().decode("utf-8-sig"), newline="")))
    assert len(rows) == 1
    assert rows[0]["name"] == awkward("Name") and rows[0]["organisation"] == awkward("Org")
    assert rows[0]["commitments"] == "'" + "\n".join(["=HYPERLINK(" + AWKWARD + ")", awkward("Commitment")])
    assert rows[0]["commitments"] == spreadsheet_safe(rows[0]["commitments"][1:])


def strict_json(text: str) -> Any:
    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_json_keeps_every_text(awkward_built: Path) -> None:
    signatory = strict_json((awkward_built / "data/signatories.json").read_text(encoding="utf-8"))["signatories"][0]
    assert signatory["name"] == awkward("Name")
    assert signatory["commitments"] == ["=HYPERLINK(" + AWKWARD + ")", awkward("Commitment")]
    assert signatory["updates"][0]["text"] == awkward("Update")
    story = strict_json((awkward_built / "data/stories.json").read_text(encoding="utf-8"))["stories"][0]
    assert (story["title"], story["summary"], story["people"], story["lessons"]) == (
        awkward("Story"), awkward("Summary"), [awkward("People")], [awkward("Lesson")])  # fmt: skip


ADD = re.compile(r'CMI_SEARCH\.add\(("[a-z0-9]+"),(.*)\);')


def search_parts(folder: Path) -> dict[str, Any]:
    """Each line of each search index file: a CMI_SEARCH.add call whose data is JSON, with nothing in
    it that could end a script element or a JavaScript string early."""
    parts: dict[str, Any] = {}
    for file in sorted(folder.glob("search/*.js")):
        text = file.read_bytes().decode("utf-8")
        assert not re.search(r"</script|<!--|[\r\u2028\u2029]", text, re.I), file.name  # "-->" ends nothing without "<!--"
        assert text.endswith(";\n")
        for line in text[:-1].split("\n"):  # JavaScript ends lines at LF, CR, U+2028 and U+2029 only
            call = ADD.fullmatch(line)
            assert call, line[:80]
            parts[json.loads(call[1])] = strict_json(call[2])
    return parts


def test_search_index_is_json_in_scripts_that_nothing_can_end_early(awkward_built: Path) -> None:
    parts = search_parts(awkward_built)
    rows = [row for key, part in parts.items() if key.startswith("c") for row in part]
    story = next(row for row in rows if row[0] == awkward("Story"))
    assert story[1] == cut(awkward("Summary"))  # summaries are cut short in the index


@pytest.mark.skipif(shutil.which("node") is None, reason="Node is not installed")
def test_search_index_runs_in_javascript_with_every_text(awkward_built: Path) -> None:
    """The index files run as JavaScript (Node), and give what their JSON says."""
    files = sorted(str(f) for f in awkward_built.glob("search/*.js"))
    program = ("const parts = {}; globalThis.CMI_SEARCH = {add: (key, data) => { parts[key] = data; }};"
               "for (const f of process.argv.slice(1)) require('vm').runInThisContext(require('fs').readFileSync(f, 'utf8'));"
               "process.stdout.write(JSON.stringify(parts));")  # fmt: skip
    ran = subprocess.run([shutil.which("node") or "node", "-e", program, *files], capture_output=True, text=True, encoding="utf-8", timeout=60, check=True)
    assert json.loads(ran.stdout) == search_parts(awkward_built)


def test_characters_no_document_can_hold_never_make_an_invalid_one(awkward_site: Path) -> None:
    """Control characters and lone surrogates are rejected when content is read; should one get
    through, the feed, sitemap, calendars and CSV show it as U+FFFD and JSON keeps its true value."""
    checked = validated(awkward_site)
    assert checked.content is not None, checked.problems
    bad = "bad\x00\x01\x08\x0b\x0c\x1b\x7f\ud800 \udfff\ufffe\uffff\r\x85\u2028\u2029\u202eend"  # surrogates apart: side by side JSON reads a pair
    content = checked.content
    content = dataclasses.replace(
        content,
        settings=dataclasses.replace(content.settings, title=bad),
        stories=tuple(dataclasses.replace(s, title=bad, summary=bad) for s in content.stories),
        signatories=tuple(dataclasses.replace(s, name=bad) for s in content.signatories),
        events=tuple(dataclasses.replace(e, title=bad, location=bad) for e in content.events),
    )
    site = build_site(content, BuildOptions(today=TODAY))
    out = awkward_site / "direct"
    for output in [*site_files(site, ["index.html"]), *build_search_index(site, 10).files]:
        (out / output.path).parent.mkdir(parents=True, exist_ok=True)
        (out / output.path).write_bytes(output.data)
    shown = "bad" + "\ufffd" * 8 + " " + "\ufffd" * 3 + "\r\x85\u2028\u2029\u202eend"
    assert strict_xml(out / "feed.xml").findtext(f"{ATOM}entry/{ATOM}title").replace("\n", "\r") == shown
    strict_xml(out / "sitemap.xml")
    for name in ("events.ics", "events/open-meeting/open-meeting.ics"):
        summary = next(line for line in ical_lines((out / name).read_bytes()) if line.startswith("SUMMARY:"))
        assert ical_unescape(summary[8:]) == shown.replace("\r", "\n")
    rows = list(csv.reader(io.StringIO((out / "data/signatories.csv").read_bytes().decode("utf-8-sig"), newline="")))
    assert rows[1][1] == shown
    assert strict_json((out / "data/stories.json").read_text(encoding="utf-8"))["stories"][0]["title"] == bad
    assert any(row[0] == bad for key, part in search_parts(out).items() if key.startswith("c") for row in part)


@pytest.fixture
def minimal_content(site_dir: Path) -> Any:
    checked = validated(site_dir)
    assert checked.content is not None
    return checked.content


@pytest.mark.fuzz
@given(st.text(alphabet=st.sampled_from([*AWKWARD, "\x00", "\x1b", "\r", "\n", "\t", "\x85", "\ud800"])
               | st.characters(), min_size=1, max_size=40))  # fmt: skip
def test_any_text_gives_valid_feed_calendars_csv_and_json(minimal_content: Any, text: str) -> None:
    content = dataclasses.replace(
        minimal_content,
        settings=dataclasses.replace(minimal_content.settings, title=text, base_url="https://example.org/"),
        stories=tuple(dataclasses.replace(s, title=text, summary=text) for s in minimal_content.stories),
        signatories=tuple(dataclasses.replace(s, name=text, role=text) for s in minimal_content.signatories),
        events=tuple(dataclasses.replace(e, title=text, location=text) for e in minimal_content.events),
    )
    shown = document_text(text)
    outputs = {out.path: out.data for out in site_files(build_site(content, BuildOptions(today=TODAY)), ["index.html"])}
    for name in ("feed.xml", "sitemap.xml"):
        parser = ET.XMLParser()
        parser.feed(outputs[name])
        root = parser.close()
    assert root.tag == f"{SITEMAP}urlset"
    parser = ET.XMLParser()
    parser.feed(outputs["feed.xml"])
    titles = [t.text for t in parser.close().iter(f"{ATOM}title")]
    assert titles[1] == shown.replace("\r\n", "\n").replace("\r", "\n")  # XML reads every line end as LF
    for name in ("events.ics", "events/open-meeting/open-meeting.ics"):
        summaries = [ical_unescape(line[8:]) for line in ical_lines(outputs[name]) if line.startswith("SUMMARY:")]
        in_calendar = calendar_text(text)  # document_text, a leading U+FEFF as U+2060 (icalendar would drop it)
        assert in_calendar.replace("\r\n", "\n").replace("\r", "\n") in summaries  # iCalendar has one line end: \n
    rows = list(csv.reader(io.StringIO(outputs["data/signatories.csv"].decode("utf-8-sig"), newline="")))
    assert rows[1][1] == spreadsheet_safe(shown)
    assert strict_json(outputs["data/stories.json"].decode("utf-8"))["stories"][0]["title"] == text


def test_a_backslash_and_an_n_in_a_title_stay_text_in_the_calendar() -> None:
    # Found by the property test above: icalendar's own escaping reads "\\N" as a line break.
    from cmi_site.outputs.calendar import text_value

    assert text_value("C:\\New, \\n; done").to_ical() == b"C:\\\\New\\, \\\\n\\; done"
    assert ical_unescape(text_value("C:\\New").to_ical().decode()) == "C:\\New"


def test_a_title_starting_with_an_invisible_mark_keeps_a_character_in_the_calendar() -> None:
    # Found by the property test above: icalendar drops a U+FEFF that starts a value.
    from cmi_site.outputs.calendar import text_value

    assert text_value("\ufeffOpen meeting").to_ical() == "\u2060Open meeting".encode()
