"""Feed, sitemap and open data, read back with standard parsers."""

import csv
import io
import json
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmi_site.outputs.formats import document_text
from cmi_site.outputs.opendata import csv_file, spreadsheet_safe

ATOM = "{http://www.w3.org/2005/Atom}"
# Characters that mean something in one output format or another, or that hide what follows.
AWKWARD_CHARS = list("=+-@'\"&<>;,\\|%:`*_[]()#!{}$ \t\r\n\u00a0\u200b\u200f\u202e\u2028\u2029\ufeff\uff1d\uff0b\uff0d\uff20\ufe62\u2212\u0301é🙂")


def test_atom_feed_parses_and_lists_stories_newest_first(built: Path) -> None:
    feed = ET.parse(built / "feed.xml").getroot()
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Respite with carers", "Memory cafe"]
    assert entries[0].find(f"{ATOM}link").get("href") == "stories/respite-with-carers/index.html"
    assert entries[0].findtext(f"{ATOM}id").startswith("urn:uuid:")
    assert feed.findtext(f"{ATOM}updated") == "2025-03-14T00:00:00Z"


def test_signatories_csv(built: Path) -> None:
    data = (built / "data/signatories.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfslug,name,"), "UTF-8 with a byte order mark, so Excel keeps accented names"
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [{
        "slug": "sam-rivers", "name": "Sam Rivers", "role": "Director of Adult Social Care",
        "organisation": "Fenside Council", "area": "norfolk", "area_name": "Norfolk", "sector": "social-care",
        "sector_name": "Social care", "signed": "2024-05-01", "left": "", "commitments": "Pay people for their time",
        "website": "", "updates": "2025-06-01: We set up a carers' panel.", "latest_update": "2025-06-01",
        "organisation_url": "organisations/fenside-council/", "url": "signatories/sam-rivers/",
    }]  # fmt: skip


def test_json_exports(built: Path) -> None:
    signatories = json.loads((built / "data/signatories.json").read_text(encoding="utf-8"))["signatories"]
    assert signatories[0]["updates"] == [{"date": "2025-06-01", "text": "We set up a carers' panel."}]
    assert signatories[0]["website"] is None
    stories = json.loads((built / "data/stories.json").read_text(encoding="utf-8"))["stories"]
    assert [s["slug"] for s in stories] == ["respite-with-carers", "memory-cafe"]
    assert stories[0]["self_assessment"] == {"felt-heard": "green", "shared-power": "amber"}


# Each value a spreadsheet would run as a formula, as YAML (quoted), and what the CSV cell must be.
FORMULAS = {
    "name": ('"=HYPERLINK(\\"https://evil.example\\",\\"Click\\")"', "'=HYPERLINK(\"https://evil.example\",\"Click\")"),
    "role": ('"+1+cmd|\' /C calc\'!A0"', "'+1+cmd|' /C calc'!A0"),
    "organisation": ('"-2+3"', "'-2+3"),
    "commitments": ('["@SUM(1+1)", "Listen"]', "'@SUM(1+1)\nListen"),
}
HIDDEN = {  # behind leading spaces and invisible marks, and other forms of the same characters
    "name": ('"\\u00ad=1+1"', "'\u00ad=1+1"),  # a soft hyphen: invisible (leading spaces are trimmed at load)
    "role": ('"\\uff1dSUM(A1)"', "'\uff1dSUM(A1)"),
    "organisation": ('"\\u200b\\u200f-1"', "'\u200b\u200f-1"),
    "commitments": ('["\\ufe62x", "Listen"]', "'\ufe62x\nListen"),
}


@pytest.mark.parametrize("values", [FORMULAS, HIDDEN], ids=["formulas", "hidden-formulas"])
def test_csv_cells_never_start_a_formula_and_json_keeps_the_true_values(site_dir: Path, run_cli, values: dict) -> None:
    signatory = site_dir / "content/signatories/sam-rivers.md"
    text = signatory.read_text(encoding="utf-8")
    text = text.replace("name: Sam Rivers", f"name: {values['name'][0]}")
    text = text.replace("role: Director of Adult Social Care", f"role: {values['role'][0]}")
    text = text.replace("organisation: Fenside Council", f"organisation: {values['organisation'][0]}")
    text = text.replace("commitments:\n  - Pay people for their time", f"commitments: {values['commitments'][0]}")
    signatory.write_text(text, encoding="utf-8")
    result = run_cli("build")
    assert result.code == 0, result.err
    rows = list(csv.DictReader(io.StringIO((site_dir / "_site/data/signatories.csv").read_text(encoding="utf-8-sig"), newline="")))
    assert {key: rows[0][key] for key in values} == {key: cell for key, (_, cell) in values.items()}
    record = json.loads((site_dir / "_site/data/signatories.json").read_text(encoding="utf-8"))["signatories"][0]
    assert record["name"] == values["name"][1][1:], "JSON keeps the value without the quote"
    assert record["commitments"][0] == values["commitments"][1][1:].split("\n")[0]


@pytest.mark.parametrize("cell", ["\t=1", "\r=1", "\nx", "\tplain", "\u2212 1", "\u3000=1", "\xa0@x", "\ufeff+1",
                                  "\uff20x", "\ufe66", "\u207c1", "\uff0b1", "\uff0d1", "=", "-", "@"])  # fmt: skip
def test_csv_quotes_every_formula_start(cell: str) -> None:
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Sam Rivers", "", " ", "O'Neill", "Émilie Dubois-Léger", "a=b", "2024-05-01",
                                  "https://example.org/?a=-1", "signatories/sam-rivers/", "Ève 🙂", "\u200bplain"])  # fmt: skip
def test_csv_leaves_ordinary_cells_alone(cell: str) -> None:
    assert spreadsheet_safe(cell) == cell


@pytest.mark.fuzz
@given(st.lists(st.lists(st.text(alphabet=st.sampled_from(AWKWARD_CHARS) | st.characters(codec="utf-8"), max_size=12),
                         min_size=2, max_size=2), max_size=4))  # fmt: skip
def test_csv_round_trips_and_no_cell_starts_a_formula(rows: list[list[str]]) -> None:
    data = csv_file(("a", "b"), rows)
    assert data.startswith(b"\xef\xbb\xbfa,b\r\n")
    back = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert back[1:] == [[spreadsheet_safe(document_text(cell)) for cell in row] for row in rows]
    for cell in (cell for row in back[1:] for cell in row):
        visible = [c for c in cell if not (c.isspace() or unicodedata.category(c) in ("Cf", "Cc", "Zs"))]
        starts_formula = cell[:1] in ("\t", "\r", "\n") or (visible and unicodedata.normalize("NFKC", visible[0])[0] in "=+-@\u2212")
        assert cell.startswith("'") or not starts_formula, repr(cell)
