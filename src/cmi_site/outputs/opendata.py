"""Open data: the signatories and stories as CSV and JSON (docs/content.md#open-data), sorted keys,
fixed line endings, formula-safe CSV."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from ..models import Output, Signatory, Story
from ..site import Site, route_of
from .formats import JSON_ERRORS, document_text

A = TypeVar("A")


class Remember(Protocol):
    """How an output asks the engine to keep results between builds (Engine.remember): given make, a
    function of its argument alone giving text, it returns one that gives the same results."""

    def __call__(self, make: Callable[[A], str]) -> Callable[[A], str]: ...


def same(make: Callable[[A], str]) -> Callable[[A], str]:
    """The Remember that keeps nothing: make itself."""
    return make


SIGNATORY_COLUMNS = ("slug", "name", "role", "organisation", "area", "area_name", "sector", "sector_name", "signed", "left",
                     "commitments", "website", "updates", "latest_update", "organisation_url", "url")  # fmt: skip


def signatory_record(site: Site, s: Signatory) -> dict[str, Any]:
    return {
        "slug": s.slug, "name": s.name, "role": s.role, "organisation": s.organisation, "area": s.area,
        "sector": s.sector, "signed": s.signed.isoformat(), "left": s.left.isoformat() if s.left else None,
        "commitments": list(s.commitments), "website": s.website,
        "updates": [{"date": u.date.isoformat(), "text": u.text} for u in s.updates],
        "organisation_url": _organisation_url(site, s), "url": route_of(s),
    }  # fmt: skip


def _organisation_url(site: Site, s: Signatory) -> str:
    organisation = site.organisation_of(s.organisation)
    return route_of(organisation) if organisation is not None else ""


def updates_cell(s: Signatory) -> str:
    """A signatory's updates in one cell, newest first, one a line: '2025-06-01: what happened' (the form
    `cmi-site import signatories` reads back; a line break inside an update's text becomes a space)."""
    return "\n".join(f"{u.date.isoformat()}: {' '.join(u.text.split())}" for u in s.updates)


def signatories_csv(site: Site) -> Output:
    """data/signatories.csv: one row per signatory, current and former (columns SIGNATORY_COLUMNS); the
    commitments and updates one a line in their cells, as a spreadsheet shows a cell's lines."""
    rows = [[
        s.slug, s.name, s.role, s.organisation, s.area, site.area_by_id[s.area].name, s.sector,
        site.sector_by_id[s.sector].name, s.signed.isoformat(), s.left.isoformat() if s.left else "", "\n".join(s.commitments),
        s.website or "", updates_cell(s), s.updates[0].date.isoformat() if s.updates else "", _organisation_url(site, s), route_of(s),
    ] for s in site.signatories]  # fmt: skip
    return Output("data/signatories.csv", csv_file(SIGNATORY_COLUMNS, rows))


def csv_file(header: Iterable[str], rows: Iterable[Iterable[str]]) -> bytes:
    """A header and rows -> CSV for spreadsheets: every CSV the site writes is made here. UTF-8 with a
    byte order mark (without it, Excel reads UTF-8 as the local code page and mangles accented names),
    CRLF line ends (RFC 4180), and every cell made formula-safe (spreadsheet_safe) and free of characters
    a spreadsheet cannot hold (document_text)."""
    return csv_of_lines(header, [csv_lines(rows)])


def csv_of_lines(header: Iterable[str], lines: Iterable[str]) -> bytes:
    """A header and lines made by csv_lines (each story's, say, kept from the last build) -> a csv_file."""
    return "\ufeff".encode() + (csv_lines([header]) + "".join(lines)).encode("utf-8")


def csv_lines(rows: Iterable[Iterable[str]]) -> str:
    """Rows -> their lines of a csv_file (so that the lines of one story can be made, and kept, apart)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([spreadsheet_safe(document_text(cell)) for cell in row] for row in rows)
    return buffer.getvalue()


# A cell starting with one of these (after NFKC, which makes full-width and small forms like U+FF1D
# plain) is run as a formula by Excel, LibreOffice or Google Sheets: =HYPERLINK(...), +cmd|..., @SUM(...).
# U+2212 (the minus sign) is kept apart by NFKC, and some spreadsheets read it as a minus.
FORMULA_STARTS = frozenset("=+-@\u2212")


def spreadsheet_safe(cell: str) -> str:
    """A cell's text -> the same text, with a single quote in front when a spreadsheet would read it as
    a formula (OWASP's advice on CSV injection): it starts with a tab, CR or LF, or its first character
    that is not a space or an invisible mark is a formula start. Spreadsheets then read the cell as
    text (some show the quote too); the JSON files keep every value as it is."""
    first = cell[:1]
    if first.isascii() and first.isalnum():
        return cell  # most cells: quicker than the loop below, which would return it too
    if first in ("\t", "\r", "\n"):
        return f"'{cell}"
    for char in cell:
        if char.isspace() or unicodedata.category(char) in ("Cf", "Cc", "Zs"):
            continue  # spreadsheets trim spaces; invisible marks (U+200B, U+200F, U+FEFF) hide what follows
        return f"'{cell}" if unicodedata.normalize("NFKC", char)[:1] in FORMULA_STARTS else cell
    return cell


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _json(site: Site, name: str, lines: Iterable[str]) -> bytes:
    """{"generated_from": ..., name: [records]} with one record (a line of json_line) to a line: easy
    to read and to diff."""
    head = json.dumps({"generated_from": site.settings.title}, ensure_ascii=False)[:-1]
    records = ",\n".join(lines)
    return f'{head}, {json.dumps(name)}: [\n{records}\n]}}\n'.encode("utf-8", JSON_ERRORS)


def json_line(record: dict[str, Any]) -> str:
    """A record as one line of JSON, by the json module's C encoder (indented JSON is written in
    Python, 20 times slower); one encoder for every record, as json.dumps would make one each time."""
    return _ENCODER.encode(record)


def signatories_json(site: Site) -> Output:
    return Output("data/signatories.json", _json(site, "signatories", (json_line(signatory_record(site, s)) for s in site.signatories)))


def story_line(s: Story) -> str:
    """A story's line of data/stories.json: made from the story alone (so it can be kept between builds)."""
    return json_line({
        "slug": s.slug, "title": s.title, "summary": s.summary, "date": s.date.isoformat(),
        "areas": list(s.areas), "sectors": list(s.sectors), "themes": list(s.themes), "approach": s.approach,
        "self_assessment": {r.statement: r.rating for r in s.self_assessment}, "people": list(s.people), "told_by": list(s.told_by),
        "outcomes": list(s.outcomes), "lessons": list(s.lessons), "url": route_of(s),
    })  # fmt: skip


def stories_json(site: Site, remember: Remember = same) -> Output:
    """data/stories.json (remember: the engine's, to keep each story's line from the last build)."""
    return Output("data/stories.json", _json(site, "stories", map(remember(story_line), site.stories)))
