"""Feed, sitemap and open data, read back with standard parsers."""

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

ATOM = "{http://www.w3.org/2005/Atom}"


def test_atom_feed_parses_and_lists_stories_newest_first(built: Path) -> None:
    feed = ET.parse(built / "feed.xml").getroot()
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Respite with carers", "Memory cafe"]
    assert entries[0].find(f"{ATOM}link").get("href") == "stories/respite-with-carers/index.html"
    assert entries[0].findtext(f"{ATOM}id").startswith("urn:uuid:")
    assert feed.findtext(f"{ATOM}updated") == "2025-03-14T00:00:00Z"


def test_signatories_csv(built: Path) -> None:
    rows = list(csv.DictReader(io.StringIO((built / "data/signatories.csv").read_text(encoding="utf-8"))))
    assert rows == [{
        "slug": "sam-rivers", "name": "Sam Rivers", "role": "Director of Adult Social Care",
        "organisation": "Fenside Council", "area": "norfolk", "area_name": "Norfolk", "sector": "social-care",
        "sector_name": "Social care", "signed": "2024-05-01", "commitments": "Pay people for their time",
        "website": "", "latest_update": "2025-06-01", "url": "signatories/sam-rivers/",
    }]  # fmt: skip


def test_json_exports(built: Path) -> None:
    signatories = json.loads((built / "data/signatories.json").read_text(encoding="utf-8"))["signatories"]
    assert signatories[0]["updates"] == [{"date": "2025-06-01", "text": "We set up a carers' panel."}]
    assert signatories[0]["website"] is None
    stories = json.loads((built / "data/stories.json").read_text(encoding="utf-8"))["stories"]
    assert [s["slug"] for s in stories] == ["respite-with-carers", "memory-cafe"]
    assert stories[0]["self_assessment"] == {"felt-heard": "green", "shared-power": "amber"}
