"""Validate the data files (site.yml and the vocabularies: areas, sectors, themes, self-assessment
statements) -> typed models + Problems; and the Problems of any check, at the right line of the right file."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from . import easyread
from .chars import quoted
from .errors import Problem, Severity
from .fields import AREA_FIELDS, CONSENT_FIELDS, SITE_FIELDS, STATEMENT_FIELDS, TERM_FIELDS
from .models import Area, DataFile, Settings, SourceDoc, Statement, Term
from .schema import MISSING, SLUG, VOCAB_FILES, Checked, FieldSpec, Issue, SubKey, Vocab, check_fields

# The fields of a mapping that is a field itself (not a list of them), named in problems: consent.how.
NAMED_PARTS = frozenset(("consent", spec.name) for spec in CONSENT_FIELDS)


def field_label(key: SubKey) -> str:
    """('updates', 1, 'date') -> 'updates.date'; ('consent', 'how') -> 'consent.how'; ('areas', 2) -> 'areas';
    ('self_assessment', 'felt-heard') -> 'self_assessment' (a key that is data, not a field's name)."""
    label, after_index = str(key[0]), False
    for part in key[1:]:
        if isinstance(part, int):
            after_index = True
        elif after_index or (label, part) in NAMED_PARTS:
            label, after_index = f"{label}.{part}", False
    return label


ADD_IT = ": add it above this line, the '---' that ends the front matter"


def report(source: SourceDoc | DataFile, checked: Checked, prefix: SubKey = ()) -> list[Problem]:
    """Issues and warnings of a check -> Problems at the right line of the right file."""
    out: list[Problem] = []
    kinds: tuple[tuple[Severity, tuple[Issue, ...]], ...] = (("error", checked.issues), ("warning", checked.warnings))
    for severity, issues in kinds:
        for key, message in issues:
            full = (*prefix, *key)
            label = field_label(key) if key else ""
            if isinstance(source, SourceDoc) and len(full) == 1 and full not in source.lines and message.startswith(MISSING):
                # A field that is not there at all belongs after the last one: point at the closing '---'.
                message, line = message.replace(MISSING, MISSING + ADD_IT, 1), source.body_line - 1
            else:
                line = source.line_of(*full)
            out.append(Problem(source.path, line, label, message, severity))
    return out


def validate_settings(data: DataFile) -> tuple[Settings | None, list[Problem]]:
    """site.yml -> Settings."""
    if not isinstance(data.value, dict):
        return None, [Problem(data.path, 1, "", "expected settings written as 'name: value' lines")]
    checked = check_fields(data.value, SITE_FIELDS, Vocab())
    problems = report(data, checked)
    if checked.issues:
        return None, problems
    v = checked.value
    base = v["base_url"]
    settings = Settings(
        title=v["title"],
        tagline=v["tagline"],
        description=v["description"],
        base_url=(base if base.endswith("/") else base + "/") if base else None,
        repository_url=v["repository_url"].rstrip("/") if v["repository_url"] else None,
        repository_branch=v["repository_branch"] or "main",
        sample_notice=v["sample_notice"],
        contact_email=v["contact_email"],
        easy_read=v["easy_read"],
    )
    return settings, problems + easyread.long_sentence_warnings(data, data.value.get("easy_read"))


def validate_list(data: DataFile, fields: tuple[FieldSpec, ...], what: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """A YAML list of records with unique slug ids -> their clean values and problems."""
    if not isinstance(data.value, list) or not data.value:
        return [], [Problem(data.path, 1, "", f"expected a list of {what}, each starting with '- id: ...'")]
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}  # id -> its line
    for index, raw in enumerate(data.value):
        if not isinstance(raw, dict):
            names = ", ".join(f.name for f in fields)
            problems.append(Problem(data.path, data.line_of(index), "",
                                    f"expected {_singular(what)} written as fields ({names}), the first starting with '- id: '"))  # fmt: skip
            continue
        checked = check_fields(raw, fields, Vocab())
        problems.extend(report(data, checked, (index,)))
        ident, line = checked.value.get("id"), data.line_of(index, "id")
        if ident is None:
            continue  # reported as missing
        if not SLUG.match(ident):
            problems.append(Problem(data.path, line, "id", f"{quoted(ident)} is not a valid id (use lower-case letters, "
                                                           f"numbers and hyphens, like '{slugify(ident) or 'my-id'}')"))  # fmt: skip
        elif ident in seen:
            problems.append(Problem(data.path, line, "id",
                                    f"'{ident}' is already the id on line {seen[ident]} (each id must be different)"))  # fmt: skip
        else:
            seen[ident] = line
            if not checked.issues:
                records.append(checked.value)
    return records, problems


def _singular(what: str) -> str:
    """'areas' -> 'an area', 'themes' -> 'a theme'."""
    word = what.removesuffix("s")
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def slugify(text: str) -> str:
    """'Café Project' -> 'cafe-project': what a valid id or file name for this text would be."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def validate_vocab(data: dict[str, DataFile]) -> tuple[dict[str, tuple[Any, ...]], list[Problem]]:
    """areas.yml, sectors.yml, themes.yml, self-assessment.yml -> models and problems."""
    specs: dict[str, tuple[tuple[FieldSpec, ...], str, Callable[[dict[str, Any]], Any]]] = {
        "areas.yml": (AREA_FIELDS, "areas", lambda r: Area(r["id"], r["name"], r["description"], r["integrated_care_systems"])),
        "sectors.yml": (TERM_FIELDS, "sectors", lambda r: Term(r["id"], r["name"], r["description"])),
        "themes.yml": (TERM_FIELDS, "themes", lambda r: Term(r["id"], r["name"], r["description"])),
        "self-assessment.yml": (STATEMENT_FIELDS, "statements",
                                lambda r: Statement(r["id"], r["statement"], r["red"], r["amber"], r["green"])),
    }  # fmt: skip
    out: dict[str, tuple[Any, ...]] = {}
    problems: list[Problem] = []
    for name, (fields, what, make) in specs.items():
        if name not in data:
            out[what] = ()
            continue
        records, found = validate_list(data[name], fields, what)
        problems.extend(found)
        out[what] = tuple(make(r) for r in records)
    return out, problems


def make_vocab(vocab: dict[str, tuple[Any, ...]], images: Iterable[str]) -> Vocab:
    """Vocabulary models -> the ids editors may use (only from records with no problems)."""
    return Vocab(
        areas={a.id: a.name for a in vocab["areas"]},
        sectors={t.id: t.name for t in vocab["sectors"]},
        themes={t.id: t.name for t in vocab["themes"]},
        statements={s.id: s.statement for s in vocab["statements"]},
        images=frozenset(images),
    )


def usable_ids(data: DataFile | None) -> dict[str, str] | None:
    """Every well-formed id in a vocabulary file -> its name; None when the file is missing or not a list.

    Ids of records with other problems count too, so that one area with a missing description
    does not make every story that names the area report it as unknown.
    """
    if data is None or not isinstance(data.value, list):
        return None
    ids: dict[str, str] = {}
    for raw in data.value:
        ident = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(ident, str) and SLUG.match(ident):
            name = raw.get("name", raw.get("statement"))
            ids.setdefault(ident, name if isinstance(name, str) else ident)
    return ids


def vocab_from_data(data: dict[str, DataFile], images: Iterable[str]) -> Vocab:
    """The ids editors may use; a vocabulary whose file cannot be used is left unchecked."""
    ids = {what: usable_ids(data.get(name)) for what, name in VOCAB_FILES.items()}
    return Vocab(
        **{what: found or {} for what, found in ids.items()},
        images=frozenset(images),
        unchecked=frozenset(what for what, found in ids.items() if found is None),
    )
