"""`cmi-site import signatories FILE`: a spreadsheet's rows -> signatory files, each checked by the
same rules as `cmi-site check` before anything is written. Pure: the command line reads the file and
writes what this plans.

Each row becomes front matter written by PyYAML's safe dumper (so no cell can add a field, a tag or a
second document), then the file's own bytes are read back and checked exactly as `check` reads a
signatory file: what is written passes `check` unchanged, and a problem names the row and the column.
File names are slugs made from the name, never taken from a cell.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .chars import describe, escape, first_forbidden, quoted
from .datafiles import slugify
from .errors import Problem, Severity
from .models import DocFile, SourceDoc
from .organisations import organisation_problems
from .outputs.opendata import spreadsheet_safe
from .schema import Vocab
from .sheet import Sheet
from .source import parse_doc
from .validate import validate_doc

MAX_TEXT = 5000  # characters in a cell that becomes a field (a statement may be longer: MAX_BODY)
MAX_BODY = 50_000
REQUIRED = ("name", "role", "organisation", "area", "sector", "signed", "commitments")
FIELDS = (*REQUIRED, "left", "website", "updates", "easy_read", "statement")
# Column headings as editors write them -> the field (compared after normal_heading).
SYNONYMS = {
    "name": ("full name", "signatory", "signatory name", "your name", "person"),
    "role": ("job title", "job", "job role", "position", "title of role"),
    "organisation": ("organization", "organisation name", "organization name", "employer", "company", "org"),
    "area": ("area name", "local authority", "council area", "local authority area"),
    "sector": ("sector name",),
    "signed": ("date signed", "signed on", "date of signing", "signing date", "pledge date", "date"),
    "left": ("date left", "left on", "left organisation", "left organization"),
    "commitments": ("commitment", "our commitments", "pledges", "we commit to", "what we commit to"),
    "website": ("web site", "web address", "organisation website", "organization website"),
    "updates": ("progress updates", "update"),
    "easy_read": ("easy read", "easy read version"),
    "statement": ("why we signed", "statement text", "body"),
}
_HEADINGS = {heading: name for name, more in SYNONYMS.items() for heading in (name.replace("_", " "), *more)}
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_UPDATE = re.compile(r"^(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})\s*[:\-–]\s*(.+)$", re.DOTALL)


@dataclass(frozen=True)
class RowProblem:
    """One problem of one row (row 1 is usually the header), in a column when it has one."""

    row: int
    column: str | None
    message: str
    severity: Severity = "error"

    def shown(self, file: str) -> str:
        """FILE:row N: column 'Area': what is wrong (one line: every quoted value escaped)."""
        column = f"column {quoted(self.column)}: " if self.column is not None else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return escape(f"{file}:row {self.row}: {column}{prefix}{self.message}")

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True)
class PlannedFile:
    row: int
    path: str  # relative to the content folder: signatories/<slug>.md
    text: str


@dataclass
class Plan:
    """What an import would do: how columns map to fields, the files to write, and every problem."""

    mapping: list[tuple[str, str | None, str]] = field(default_factory=list)  # (heading, field or None, note)
    files: list[PlannedFile] = field(default_factory=list)
    existing: list[tuple[int, str]] = field(default_factory=list)  # (row, path) of rows already imported
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


def normal_heading(heading: str) -> str:
    """'  Job_Title: ' -> 'job title': case, spaces, underscores, hyphens and trailing marks forgiven."""
    return " ".join(re.sub(r"[_\-.:*()?]+", " ", heading.casefold()).split())


def map_columns(header: tuple[str, ...], header_row: int, plan: Plan) -> dict[str, int]:
    """The header -> {field: column index}, noting each column's use in plan.mapping and a missing
    required column in plan.problems."""
    columns: dict[str, int] = {}
    for index, heading in enumerate(header):
        name = _HEADINGS.get(normal_heading(heading))
        if name is None:
            plan.mapping.append((heading, None, "ignored: not a signatory field"))
        elif name in columns:
            plan.mapping.append((heading, None, f"ignored: {name} is read from column {quoted(header[columns[name]])}"))
        else:
            columns[name] = index
            plan.mapping.append((heading, name, ""))
    for name in REQUIRED:
        if name not in columns:
            others = ", ".join(quoted(h) for h in SYNONYMS[name][:2])
            plan.problems.append(RowProblem(header_row, None, f"no column for {name} (add a column headed {quoted(name)}, "
                                                              f"or {others})"))  # fmt: skip
    return columns


def plan_import(sheet: Sheet, vocab: Vocab, existing: Collection[str], content_shown: str,
                known: Sequence[SourceDoc] = ()) -> Plan:
    """A sheet, the ids of content (vocab), the file names already in content/signatories/, how the
    content folder is shown and the signatories and stories already there (known) -> the Plan.
    Nothing is planned for a row with an error."""
    plan = Plan()
    columns = map_columns(sheet.header, sheet.header_row, plan)
    if plan.has_errors:
        return plan
    headings = {name: sheet.header[index] for name, index in columns.items()}
    first_row: dict[str, int] = {}
    read: list[SourceDoc] = []
    for number, cells in sheet.rows:
        raw = {name: cells[index].strip() if index < len(cells) else "" for name, index in columns.items()}
        slug = row_slug(raw["name"])
        path = f"signatories/{slug}.md"
        if slug in existing:
            plan.existing.append((number, path))
            continue
        if slug in first_row:
            plan.problems.append(RowProblem(number, headings["name"], f"the same name as row {first_row[slug]}, so both would be "
                                                                      f"{content_shown}/{path} (remove the repeat, or tell the two apart)"))  # fmt: skip
            continue
        first_row[slug] = number
        problems, text, source = check_row(raw, headings, vocab, number, slug, content_shown)
        plan.problems += problems
        if not any(p.is_error for p in problems) and source is not None:
            plan.files.append(PlannedFile(number, path, text))
            read.append(source)
    across_files(plan, read, known, headings)
    return plan


def across_files(plan: Plan, read: list[SourceDoc], known: Sequence[SourceDoc], headings: Mapping[str, str]) -> None:
    """The checks across files that a new file could fail (an organisation whose name makes the address
    of another one), as check would run them on the content with the new files: reported in the row."""
    rows = {doc.path: planned.row for doc, planned in zip(read, plan.files, strict=True)}
    found = [p for p in organisation_problems([*known, *read]) if p.path in rows and p.field == "organisation"]
    plan.problems += [RowProblem(rows[p.path], headings["organisation"], p.message, p.severity) for p in found]
    bad = {rows[p.path] for p in found if p.is_error}
    plan.files = [planned for planned in plan.files if planned.row not in bad]


def row_slug(name: str) -> str:
    """A signatory's name -> the file name (without .md): 'Émilie O'Neill' -> 'emilie-o-neill'; a name
    with no letter a-z or digit gets 'signatory-' and a short hash of it (stable, never empty)."""
    slug = slugify(name)[:60].rstrip("-")
    return slug or "signatory-" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def check_row(raw: Mapping[str, str], headings: Mapping[str, str], vocab: Vocab, number: int, slug: str,
              content_shown: str) -> tuple[list[RowProblem], str, SourceDoc | None]:
    """One row's cells -> (its problems, the file's text, the file as check reads it), checked as
    `cmi-site check` checks the file."""
    problems = [RowProblem(number, headings[name], f"{len(value)} characters is too long for one cell (at most {_limit(name)})")
                for name, value in raw.items() if len(value) > _limit(name)]  # fmt: skip
    problems += [RowProblem(number, headings[name], "empty: every signatory needs one")
                 for name in REQUIRED if not raw.get(name)]  # fmt: skip
    problems += [RowProblem(number, headings[name], f"the cell has the character {describe(char[0])}, which is not allowed "
                                                    "(delete it: it is invisible in most spreadsheets, so if you cannot find it, "
                                                    "type the text again)")
                 for name, value in raw.items() if (char := first_forbidden(value))]  # fmt: skip
    if problems:
        return problems, "", None
    meta, found = front_matter(raw, vocab)
    problems += [RowProblem(number, headings[name], message) for name, message in found]
    text = file_text(meta, raw.get("statement", ""))
    doc = DocFile(Path(f"{content_shown}/signatories/{slug}.md"), f"{content_shown}/signatories/{slug}.md", "signatories", slug)
    source, read = parse_doc(doc, text.encode("utf-8"))
    checked = read + (validate_doc(source, vocab)[1] if source is not None else [])
    problems += [row_problem(p, headings, number) for p in checked]
    return problems, text, source


def _limit(name: str) -> int:
    return MAX_BODY if name == "statement" else MAX_TEXT


def row_problem(problem: Problem, headings: Mapping[str, str], number: int) -> RowProblem:
    """A problem `check` found in a row's file -> the same problem, in the row's column."""
    name = problem.field.split(".")[0]
    name = "statement" if name == "body" else name
    return RowProblem(number, headings.get(name), problem.message, problem.severity)


def front_matter(raw: Mapping[str, str], vocab: Vocab) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A row's cells -> the signatory's fields, in the order a file has them, as a spreadsheet means
    them: area and sector names as ids, British dates as dates, commitments one a line (or split on
    semicolons), updates one a line ('2025-06-01: what happened'); and (field, problem) for cells that
    cannot be read so."""
    cells = {name: unquote(value) for name, value in raw.items() if value}
    meta: dict[str, Any] = {name: cells[name] for name in ("name", "role", "organisation") if name in cells}
    meta["area"] = vocab_id(cells["area"], vocab.areas)
    meta["sector"] = vocab_id(cells["sector"], vocab.sectors)
    for name in ("signed", "left"):
        if name in cells:
            meta[name] = as_date(cells[name])
    meta["commitments"] = split_list(cells["commitments"])
    if "website" in cells:
        meta["website"] = cells["website"]
    problems: list[tuple[str, str]] = []
    if "updates" in cells:
        meta["updates"], problems = read_updates(cells["updates"])
    if "easy_read" in cells:
        meta["easy_read"] = cells["easy_read"]
    return meta, problems


def unquote(cell: str) -> str:
    """Take off the ' a spreadsheet-safe CSV (ours, outputs/opendata.spreadsheet_safe) put before a cell that
    would start a formula: exactly when that is why it is there, so "'tis" stays as it is."""
    return cell[1:] if cell.startswith("'") and spreadsheet_safe(cell[1:]) == cell else cell


def vocab_id(cell: str, ids: Mapping[str, str]) -> str:
    """'Central Bedfordshire' or 'central-bedfordshire' -> 'central-bedfordshire'; anything else as it is
    (the check then says it is unknown, with the id it most likely meant)."""
    low = " ".join(cell.casefold().split())
    return next((ident for ident, name in ids.items() if low in (ident, " ".join(str(name).casefold().split()))), cell)


def as_date(cell: str) -> dt.date | str:
    """'2024-05-01', '1/5/2024' (day first, as in Britain) -> the date; anything else as it is (the
    check says how to write it)."""
    match = _UK_DATE.match(cell)
    try:
        if match:
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        return dt.date.fromisoformat(cell) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell) else cell
    except ValueError:
        return cell


def split_list(cell: str) -> list[str]:
    """A cell of several items -> the items: one a line, or, in a cell of one line, split on semicolons."""
    parts = cell.split("\n") if "\n" in cell else cell.split(";")
    return [part.strip() for part in parts if part.strip()]


def read_updates(cell: str) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """'2025-06-01: what happened' one a line -> updates; a line without a date first is a problem."""
    updates, problems = [], []
    for index, line in enumerate((line.strip() for line in cell.split("\n") if line.strip()), start=1):
        match = _UPDATE.match(line)
        if match is None:
            problems.append(("updates", f"line {index} does not start with a date (write each update on its own line, "
                                        "like '2025-06-01: what has happened')"))  # fmt: skip
            continue
        updates.append({"date": as_date(match[1]), "text": match[2].strip()})
    return updates, problems


def file_text(meta: dict[str, Any], statement: str) -> str:
    """The signatory file: front matter written by PyYAML's safe dumper (every value plain data: a cell
    cannot add a field, a tag or a document), then the statement as its body."""
    body = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1_000_000)
    return f"---\n{body}---\n\n{statement.strip()}\n" if statement.strip() else f"---\n{body}---\n"
