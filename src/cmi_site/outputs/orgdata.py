"""Open data about organisations (data/organisations.csv and .json), and the JSON Schemas that
document the shape of data/signatories.json and data/organisations.json, written beside them."""

from __future__ import annotations

import json
from typing import Any

from ..models import Organisation, Output
from ..site import Site, route_of
from .opendata import _json, csv_file, json_line

ORGANISATION_COLUMNS = ("slug", "name", "looking_for_signatory", "areas", "sectors", "current_signatories",
                        "former_signatories", "first_signed", "stories", "url")  # fmt: skip


def organisation_record(o: Organisation) -> dict[str, Any]:
    """One organisation for data/organisations.json (signatories newest signing first)."""
    return {
        "slug": o.slug, "name": o.name, "looking_for_signatory": o.looking, "areas": list(o.areas), "sectors": list(o.sectors),
        "signatories": [{"slug": s.slug, "name": s.name, "role": s.role, "signed": s.signed.isoformat(),
                         "left": s.left.isoformat() if s.left else None, "url": route_of(s)} for s in o.signatories],
        "stories": [{"slug": story.slug, "title": story.title, "url": route_of(story)} for story in o.stories],
        "url": route_of(o),
    }  # fmt: skip


def organisations_csv(site: Site) -> Output:
    """data/organisations.csv: one row per organisation (names and slugs one a line in their cells)."""
    rows = [[
        o.slug, o.name, "yes" if o.looking else "no", "\n".join(o.areas), "\n".join(o.sectors),
        "\n".join(s.name for s in o.current), "\n".join(s.name for s in o.former), o.signatories[-1].signed.isoformat(),
        "\n".join(story.slug for story in o.stories), route_of(o),
    ] for o in site.organisations]  # fmt: skip
    return Output("data/organisations.csv", csv_file(ORGANISATION_COLUMNS, rows))


def organisations_json(site: Site) -> Output:
    return Output("data/organisations.json", _json(site, "organisations", (json_line(organisation_record(o)) for o in site.organisations)))


DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "a date, YYYY-MM-DD"}
URL = {"type": "string", "description": "a page of the site, relative to its home (like signatories/priya-lawson/)"}
TEXT = {"type": "string"}
TEXTS = {"type": "array", "items": TEXT}
SLUG = {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$"}


def _record(properties: dict[str, Any], description: str) -> dict[str, Any]:
    return {"type": "object", "description": description, "required": sorted(properties), "additionalProperties": False,
            "properties": properties}  # fmt: skip


def _document(name: str, title: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "title": title, "type": "object",
        "required": ["generated_from", name], "additionalProperties": False,
        "properties": {"generated_from": {**TEXT, "description": "the site's title"}, name: {"type": "array", "items": item}},
    }  # fmt: skip


SIGNATORY = _record({
    "slug": SLUG, "name": TEXT, "role": TEXT, "organisation": TEXT, "area": {**SLUG, "description": "an area id"},
    "sector": {**SLUG, "description": "a sector id"}, "signed": DATE,
    "left": {"oneOf": [DATE, {"type": "null"}], "description": "when they left the organisation (a former signatory), or null"},
    "commitments": TEXTS, "website": {"oneOf": [TEXT, {"type": "null"}]},
    "updates": {"type": "array", "items": _record({"date": DATE, "text": TEXT}, "a dated progress update"),
                "description": "newest first"},
    "organisation_url": URL, "url": URL,
}, "one signatory of the pledge, current or former")  # fmt: skip

ORGANISATION = _record({
    "slug": SLUG, "name": TEXT, "looking_for_signatory": {"type": "boolean", "description": "true when every signatory has left"},
    "areas": {"type": "array", "items": SLUG}, "sectors": {"type": "array", "items": SLUG},
    "signatories": {"type": "array", "description": "newest signing first", "items": _record({
        "slug": SLUG, "name": TEXT, "role": TEXT, "signed": DATE, "left": {"oneOf": [DATE, {"type": "null"}]}, "url": URL,
    }, "someone who signed for the organisation")},
    "stories": {"type": "array", "items": _record({"slug": SLUG, "title": TEXT, "url": URL}, "a story that names the organisation")},
    "url": URL,
}, "an organisation named by signatories of the pledge")  # fmt: skip


def schema_files() -> list[Output]:
    """data/signatories.schema.json and data/organisations.schema.json (JSON Schema 2020-12)."""
    schemas = {
        "data/signatories.schema.json": _document("signatories", "Count Me In: signatories of the pledge", SIGNATORY),
        "data/organisations.schema.json": _document("organisations", "Count Me In: organisations that signed the pledge",
                                                    ORGANISATION),
    }  # fmt: skip
    return [Output(path, (json.dumps(schema, indent=2, sort_keys=True) + "\n").encode()) for path, schema in schemas.items()]
