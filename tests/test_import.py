"""`cmi-site import signatories FILE`: spreadsheets (.csv in Excel's encodings, .xlsx) -> checked
signatory files; exact messages, all-or-nothing writing, machine faults in one line, hostile cells."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmi_site.cli import main
from cmi_site.importer import plan_import
from cmi_site.models import DocFile, Signatory
from cmi_site.schema import Vocab
from cmi_site.sheet import MAX_ROWS, Sheet
from cmi_site.source import parse_doc
from cmi_site.validate import validate_doc
from conftest import REPO, SAMPLE_CONTENT, TEMPLATES, TODAY, Run

HEADER = "Full name,Job title,Organisation,Area,Sector,Date signed,Commitments,Notes"
GOOD = 'Ada Lovelace,Director,Fenside Council,Norfolk,Social care,01/05/2024,"Pay people; Listen first",call back'


@pytest.fixture
def run_import(site_dir: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run `cmi-site import signatories ARGS` in the minimal site (no signatory files but sam-rivers.md)."""

    def run(*args: str) -> Run:
        code = main(["import", "signatories", *args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def write_csv(site_dir: Path, *lines: str, name: str = "people.csv", encoding: str = "utf-8") -> str:
    (site_dir / name).write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return name


def signatory_files(site_dir: Path) -> list[str]:
    return sorted(p.name for p in (site_dir / "content/signatories").glob("*.md"))


def test_a_sheet_becomes_files_that_pass_check(site_dir: Path, run_import, run_cli) -> None:
    result = run_import(write_csv(site_dir, HEADER, GOOD))
    assert result.code == 0, result.err
    assert result.out.splitlines()[:8] == [
        "column 'Full name' -> name", "column 'Job title' -> role", "column 'Organisation' -> organisation",
        "column 'Area' -> area", "column 'Sector' -> sector", "column 'Date signed' -> signed",
        "column 'Commitments' -> commitments", "column 'Notes' -> ignored: not a signatory field",
    ]  # fmt: skip
    assert result.out.splitlines()[-1] == "Wrote 1 signatory file in content/signatories/ (0 already there). Next: cmi-site check"
    assert (site_dir / "content/signatories/ada-lovelace.md").read_text(encoding="utf-8") == (
        "---\nname: Ada Lovelace\nrole: Director\norganisation: Fenside Council\narea: norfolk\nsector: social-care\n"
        "signed: 2024-05-01\ncommitments:\n- Pay people\n- Listen first\n---\n"
    )
    check = run_cli("check")
    assert check.code == 0 and check.err == "", check.err


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_every_encoding_excel_writes_is_read(site_dir: Path, run_import, encoding: str) -> None:
    name = write_csv(site_dir, HEADER, GOOD.replace("Ada Lovelace", "Zoë O’Neill"), encoding=encoding)
    assert run_import(name).code == 0
    assert "name: Zoë O’Neill\n" in (site_dir / "content/signatories/zoe-oneill.md").read_text(encoding="utf-8")


def test_semicolons_separate_the_columns_of_a_european_csv(site_dir: Path, run_import) -> None:
    name = write_csv(site_dir, "Name;Role;Organisation;Area;Sector;Signed;Commitments", "Ada;Chair;Fen;suffolk;health;2024-05-01;Listen")
    assert run_import(name).code == 0
    assert signatory_files(site_dir) == ["ada.md", "sam-rivers.md"]


def test_an_xlsx_workbook_with_real_dates_and_lines_in_a_cell(site_dir: Path, run_import) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Job Title", "ORGANIZATION", "area", "sector", "Date signed", "Commitments", "Date left"])
    sheet.append(["Ada Lovelace", "Chair", "Fen Group", "suffolk", "health", dt.datetime(2024, 5, 1), "Listen\nPay people", dt.date(2025, 1, 31)])
    book.save(site_dir / "people.xlsx")
    assert run_import("people.xlsx").code == 0
    text = (site_dir / "content/signatories/ada-lovelace.md").read_text(encoding="utf-8")
    assert "signed: 2024-05-01\nleft: 2025-01-31\ncommitments:\n- Listen\n- Pay people\n" in text


def test_row_problems_name_the_row_and_column_and_nothing_is_written(site_dir: Path, run_import) -> None:
    name = write_csv(site_dir, HEADER, GOOD, GOOD.replace("Ada Lovelace", "Bo Li").replace("Norfolk", "Norfok"),
                     GOOD.replace("Ada Lovelace", "Cy Do").replace("01/05/2024", "2024-13-01"),
                     GOOD.replace("Ada Lovelace", "Di Ma").replace("Director", ""))  # fmt: skip
    result = run_import(name)
    assert result.code == 1
    assert result.err.splitlines() == [
        "people.csv:row 3: column 'Area': unknown area 'Norfok' (did you mean 'norfolk'?)",
        "people.csv:row 4: column 'Date signed': 2024-13-01 is not a real date (check the month and the day: write "
        "year-month-day, like 2024-05-01)",
        "people.csv:row 5: column 'Job title': empty: every signatory needs one",
        "Nothing written: fix the rows above (or pass --skip-bad-rows to write the others).",
    ]
    assert signatory_files(site_dir) == ["sam-rivers.md"]


def test_skip_bad_rows_writes_the_good_ones_and_still_fails(site_dir: Path, run_import) -> None:
    result = run_import(write_csv(site_dir, HEADER, GOOD, GOOD.replace("Ada Lovelace", "Bo Li").replace("Norfolk", "Nowhere")),
                        "--skip-bad-rows")  # fmt: skip
    assert result.code == 1
    assert result.err.splitlines() == [
        "people.csv:row 3: column 'Area': unknown area 'Nowhere' (expected one of: norfolk, suffolk, region)"]
    assert signatory_files(site_dir) == ["ada-lovelace.md", "sam-rivers.md"]


def test_a_missing_column_is_one_problem_at_the_header(site_dir: Path, run_import) -> None:
    result = run_import(write_csv(site_dir, "Name,Organisation,Area,Sector,Signed,Commitments", "A,B,norfolk,health,2024-01-01,x"))
    assert result.code == 1
    assert result.err.splitlines()[0] == "people.csv:row 1: no column for role (add a column headed 'role', or 'job title', 'job')"


def test_a_reimport_never_overwrites_and_says_which_rows_exist(site_dir: Path, run_import) -> None:
    name = write_csv(site_dir, HEADER, GOOD, GOOD.replace("Ada Lovelace", "Sam Rivers"))
    before = (site_dir / "content/signatories/sam-rivers.md").read_bytes()
    first = run_import(name)
    assert first.code == 0
    assert first.err == "people.csv:row 3: already in the register as content/signatories/sam-rivers.md (not imported again)\n"
    again = run_import(name)
    assert again.code == 0
    assert again.err.splitlines() == [
        "people.csv:row 2: already in the register as content/signatories/ada-lovelace.md (not imported again)",
        "people.csv:row 3: already in the register as content/signatories/sam-rivers.md (not imported again)",
    ]
    assert (site_dir / "content/signatories/sam-rivers.md").read_bytes() == before


def test_two_rows_for_one_file_are_an_error(site_dir: Path, run_import) -> None:
    result = run_import(write_csv(site_dir, HEADER, GOOD, GOOD.replace("Ada Lovelace", "ada  lovelace")))
    assert result.err.splitlines()[0] == ("people.csv:row 3: column 'Full name': the same name as row 2, so both would be "
                                          "content/signatories/ada-lovelace.md (remove the repeat, or tell the two apart)")  # fmt: skip
    assert result.code == 1 and signatory_files(site_dir) == ["sam-rivers.md"]


def test_dry_run_shows_the_files_and_writes_nothing(site_dir: Path, run_import) -> None:
    result = run_import(write_csv(site_dir, HEADER, GOOD), "--dry-run")
    assert result.code == 0
    assert "--- would write content/signatories/ada-lovelace.md (row 2) ---\n---\nname: Ada Lovelace\n" in result.out
    assert result.out.splitlines()[-1].startswith("Would write 1 signatory file in content/signatories/")
    assert signatory_files(site_dir) == ["sam-rivers.md"]


def zip_bomb(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))  # 60 MB of zeros: about 60 KB packed


@pytest.mark.parametrize(("name", "make", "message"), [
    ("people.ods", lambda p: p.write_bytes(b"x"), "cmi-site: people.ods: cannot read a '.ods' file (save the spreadsheet as .csv or .xlsx)"),
    ("people.xlsx", lambda p: p.write_bytes(b"Name,Role\n"),
     "cmi-site: people.xlsx: the file is not an .xlsx workbook (open it in Excel and save it as .xlsx or .csv)"),
    ("people.xlsx", zip_bomb, "cmi-site: people.xlsx: the workbook unpacks to more than 50 MB or 1000 parts (a zip bomb, or a "
                              "very large workbook: save the sheet on its own as .csv)"),
    ("people.csv", lambda p: p.write_bytes(b"Name\n" + b"x\n" * (MAX_ROWS + 1)),
     "cmi-site: people.csv: the file has more than 5000 rows (split it into several files)"),
    ("people.csv", lambda p: p.write_bytes(b"Name\n\x81\x8d\n"),
     "cmi-site: people.csv: the file is not UTF-8 or Windows-1252 text (byte 6 cannot be read; in Excel, save it as 'CSV UTF-8')"),
    ("people.csv", lambda p: p.write_bytes(b"\n \n"),
     "cmi-site: people.csv: the spreadsheet is empty (it needs a header row naming the columns, then one row per signatory)"),
    ("gone.csv", lambda p: None, "cmi-site: No such file or directory: gone.csv"),
])  # fmt: skip
def test_a_file_that_is_not_a_readable_sheet_is_one_line_exit_2(site_dir: Path, run_import, name: str, make, message: str) -> None:
    make(site_dir / name)
    result = run_import(name)
    assert (result.code, result.err, result.out) == (2, message + "\n", "")
    assert signatory_files(site_dir) == ["sam-rivers.md"]


def test_a_content_folder_linked_elsewhere_is_refused(site_dir: Path, run_import, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    shutil.rmtree(site_dir / "content/signatories")
    (site_dir / "content/signatories").symlink_to(elsewhere)
    result = run_import(write_csv(site_dir, HEADER, GOOD))
    assert (result.code, result.err) == (2, "cmi-site: content/signatories is not a plain folder (a link or a file): nothing was written\n")
    assert list(elsewhere.iterdir()) == []


def test_file_names_come_from_the_name_never_a_path(site_dir: Path, run_import) -> None:
    result = run_import(write_csv(site_dir, HEADER, GOOD.replace("Ada Lovelace", "../../etc/passwd"), GOOD.replace("Ada Lovelace", "李雷")))
    assert result.code == 0, result.err
    assert signatory_files(site_dir)[0] == "etc-passwd.md"
    assert [n for n in signatory_files(site_dir) if n.startswith("signatory-")] != []
    assert sorted(p.name for p in site_dir.iterdir()) == ["content", "people.csv"]


def test_control_characters_are_reported_escaped_on_one_line(site_dir: Path, run_import) -> None:
    result = run_import(write_csv(site_dir, HEADER, GOOD.replace("Director", "Dir\x0bector\x1b[31m")))
    assert result.code == 1
    assert result.err.splitlines()[:2] == [
        "people.csv:row 2: column 'Job title': the cell has the character U+000B (vertical tab, which Word's Shift+Enter pastes "
        "as a line break), which is not allowed (delete it: it is invisible in most spreadsheets, so if you cannot find it, "
        "type the text again)",
        "Nothing written: fix the rows above (or pass --skip-bad-rows to write the others).",
    ]
    assert "\x1b" not in result.err


def test_a_cell_cannot_inject_fields_or_documents(site_dir: Path, run_import, run_cli) -> None:
    role = 'Chair\nwithdrawn: 2025-01-01\n---\nevil: "x" # !!python/object'
    result = run_import(write_csv(site_dir, HEADER, GOOD.replace("Director", '"' + role.replace('"', '""') + '"')))
    assert result.code == 0, result.err
    source, _ = parse_doc(DocFile(Path("x.md"), "x.md", "signatories", "ada-lovelace"),
                                 (site_dir / "content/signatories/ada-lovelace.md").read_bytes())  # fmt: skip
    assert source is not None and set(source.meta) == {"name", "role", "organisation", "area", "sector", "signed", "commitments"}
    assert source.meta["role"] == role
    assert run_cli("check").code == 0


def test_the_templates_name_every_field(site_dir: Path, run_import) -> None:
    for name in ("signatories-template.csv", "signatories-template.xlsx"):
        shutil.copy(REPO / "docs" / name, site_dir / name)
        result = run_import(name, "--dry-run")
        assert result.code == 0, result.err
        assert "ignored" not in result.out
        assert [line.split(" -> ")[1] for line in result.out.splitlines()[:12]] == [
            "name", "role", "organisation", "area", "sector", "signed", "commitments", "website", "left", "updates",
            "easy_read", "statement"]  # fmt: skip


VOCAB = Vocab(areas={"norfolk": "Norfolk"}, sectors={"health": "Health"})
CELL = st.text(st.characters(codec="utf-8"), max_size=80)


@pytest.mark.fuzz
@given(name=CELL, role=CELL, organisation=CELL, commitment=CELL)
def test_any_cell_round_trips_through_import_and_check(name: str, role: str, organisation: str, commitment: str) -> None:
    """Whatever a cell holds, the import either reports a problem in its row or writes a file that
    check reads back with exactly the cell's text (trimmed): never another field, never a crash."""
    cells = (name, role, organisation, "norfolk", "health", "2024-05-01", commitment.replace("\n", " ").replace(";", ","))
    sheet = Sheet(1, ("name", "role", "organisation", "area", "sector", "signed", "commitments"), ((2, cells),))
    plan = plan_import(sheet, VOCAB, set(), "content")
    if plan.problems:
        assert all(p.row == 2 and "\n" not in p.shown("f.csv") for p in plan.problems)
        assert any(p.is_error for p in plan.problems) == (plan.files == [])
    if not plan.files:
        return
    (planned,) = plan.files
    source, _ = parse_doc(DocFile(Path("x.md"), "x.md", "signatories", "x"), planned.text.encode("utf-8"))
    assert source is not None
    model, found = validate_doc(source, VOCAB)
    assert isinstance(model, Signatory), found
    assert (model.name, model.role, model.organisation) == (name.strip(), role.strip(), organisation.strip())
    assert model.commitments == (commitment.replace("\n", " ").replace(";", ",").strip(),)


def test_the_register_survives_export_and_import(sample_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    """data/signatories.csv, imported into a content folder without signatories, builds the same register."""
    shutil.copytree(SAMPLE_CONTENT, tmp_path / "content", ignore=shutil.ignore_patterns("signatories"))
    (tmp_path / "content/signatories").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["import", "signatories", str(sample_site / "data/signatories.csv")]) == 0
    assert main(["build", "--templates", str(TEMPLATES), "--today", TODAY.isoformat(), "--no-cache"]) == 0, capsys.readouterr().err
    again = tmp_path / "_site"
    same = ["pledge/index.html", "organisations/index.html", "data/signatories.csv", "data/signatories.json", "data/organisations.json",
            *(p.relative_to(sample_site).as_posix() for p in (sample_site / "organisations").glob("*/index.html")),
            *(p.relative_to(sample_site).as_posix() for p in (sample_site / "pledge").glob("*/*/index.html"))]  # fmt: skip
    assert len(same) > 20
    assert [rel for rel in same if (again / rel).read_bytes() != (sample_site / rel).read_bytes()] == []


def test_an_import_of_the_whole_sample_writes_io_free_of_surprises() -> None:
    """The sheet reader is pure: bytes in, rows out (no file, no network)."""
    from cmi_site.sheet import read_sheet

    assert read_sheet(io.BytesIO(b"Name\r\nA\r\n").getvalue(), ".csv") == Sheet(1, ("Name",), ((2, ("A",)),))


def test_a_row_whose_organisation_would_take_another_ones_address_is_an_error(site_dir: Path, run_import) -> None:
    result = run_import(write_csv(site_dir, HEADER, GOOD.replace("Fenside Council", "Fenside Council!")))
    assert result.code == 1
    assert result.err.splitlines()[0] == (
        "people.csv:row 2: column 'Organisation': 'Fenside Council!' and 'Fenside Council' (content/signatories/sam-rivers.md) would "
        "have the same web address, organisations/fenside-council/ (write the name the same way in both files if they are one "
        "organisation, or make the names differ)")  # fmt: skip
    assert signatory_files(site_dir) == ["sam-rivers.md"]


def test_an_xlsx_with_xml_entities_is_refused_in_one_line(site_dir: Path, run_import) -> None:
    """Billion laughs: an entity that expands to itself ten times, ten deep. defusedxml refuses any entity."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name"])
    buffer = io.BytesIO()
    book.save(buffer)
    laughs = '<!DOCTYPE x [<!ENTITY a0 "ha">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)) + "]>"
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(site_dir / "people.xlsx", "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = laughs.encode() + data.replace(b"<t>Name</t>", b"<t>&a9;</t>", 1)
            target.writestr(item, data)
    result = run_import("people.xlsx")
    assert result.code == 2
    assert result.err.startswith("cmi-site: people.xlsx: the workbook cannot be read (") and result.err.count("\n") == 1
