"""A spreadsheet's bytes -> its rows of text, bounded: .csv in any encoding Excel writes (UTF-8 with or
without a byte order mark, UTF-16 "Unicode text", Windows-1252) and .xlsx (openpyxl). Pure: the
command line reads the file.

A spreadsheet is untrusted input, like content: its size, its rows and columns, each cell and, for
.xlsx (a zip of XML files), what it unpacks to are bounded before anything is parsed, so a zip bomb
or a sheet that claims a million columns is refused in one line, never read. XML is parsed by
openpyxl through defusedxml (no entity expansion, no external entities).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
import zipfile
from dataclasses import dataclass

from .chars import quoted

MB = 1024 * 1024
MAX_BYTES = 10 * MB  # the file itself
MAX_UNPACKED = 50 * MB  # everything inside an .xlsx, as its zip directory declares (zipfile never reads past that)
MAX_MEMBERS = 1000  # files inside an .xlsx
MAX_ROWS = 5000  # rows of data, besides the header
MAX_COLUMNS = 100
MAX_CELL = 131072  # characters in a cell (the csv module's own limit); a field's own limit is the importer's
EXTENSIONS = (".csv", ".xlsx")


class SheetError(Exception):
    """The file cannot be read as a spreadsheet at all: one line, for the command line (exit 2)."""


@dataclass(frozen=True)
class Sheet:
    """A spreadsheet's first sheet: the header row and each row of data, with its number as the
    spreadsheet shows it (the header's row is usually 1). Empty rows are left out."""

    header_row: int
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]


def read_sheet(data: bytes, extension: str) -> Sheet:
    """A file's bytes and its extension (.csv or .xlsx) -> the Sheet; SheetError when it cannot be read."""
    if len(data) > MAX_BYTES:
        raise SheetError(f"the file is larger than {MAX_BYTES // MB} MB (split it into several files)")
    if extension == ".csv":
        return _rows_to_sheet(_csv_rows(decode_csv(data)))
    if extension == ".xlsx":
        return _rows_to_sheet(_xlsx_rows(data))
    raise SheetError(f"cannot read a {quoted(extension or 'file without an extension')} file (save the spreadsheet as .csv or .xlsx)")


def decode_csv(data: bytes) -> str:
    """CSV bytes -> text: a byte order mark says UTF-8 or UTF-16; else UTF-8, else Windows-1252 (what
    Excel's plain "CSV" writes on a British PC). Line ends are left to the csv module."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode(data[3:], "utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(data, "utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode(data, "cp1252")


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise SheetError(f"the file is not UTF-8 or Windows-1252 text (byte {err.start + 1} cannot be read; "
                         "in Excel, save it as 'CSV UTF-8')") from None  # fmt: skip


def _csv_rows(text: str) -> list[list[str]]:
    """CSV text -> rows of cells, the separator (comma, semicolon or tab) found from the first line."""
    first = text[: text.find("\n")] if "\n" in text else text
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    separator = max(counts, key=lambda sep: (counts[sep], sep == ","))
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=False):
            rows.append(row)
            if len(rows) > MAX_ROWS + 1 and any(cell.strip() for cell in row):
                raise SheetError(f"the file has more than {MAX_ROWS} rows (split it into several files)")
    except csv.Error as err:
        raise SheetError(f"row {len(rows) + 1} cannot be read as CSV: {err} (a cell may be longer than {MAX_CELL} characters)") from None
    return rows


def _xlsx_rows(data: bytes) -> list[list[str]]:
    """An .xlsx file's bytes -> the rows of its first sheet as text, refusing a zip that unpacks too big."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SheetError("the file is not an .xlsx workbook (open it in Excel and save it as .xlsx or .csv)") from None
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED:
        raise SheetError(f"the workbook unpacks to more than {MAX_UNPACKED // MB} MB or {MAX_MEMBERS} parts "
                         "(a zip bomb, or a very large workbook: save the sheet on its own as .csv)")  # fmt: skip
    import openpyxl  # only the import of an .xlsx needs it (and it takes a while to load)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read: not the editor's concern
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                rows = [[_cell_text(value) for value in row]
                        for row in sheet.iter_rows(max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS + 1, values_only=True)]  # fmt: skip
            finally:
                workbook.close()
        except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file: each is one line here
            raise SheetError(f"the workbook cannot be read ({type(err).__name__}; open it in Excel and save it again)") from None
    if len(rows) > MAX_ROWS + 1 and any(cell.strip() for cell in rows[-1]):
        raise SheetError(f"the file has more than {MAX_ROWS} rows (split it into several files)")
    return rows


def _cell_text(value: object) -> str:
    """An .xlsx cell's value -> text: a date as YYYY-MM-DD, a whole number without '.0'."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _trimmed(row: list[str]) -> tuple[str, ...]:
    """A row's cells with line ends made \\n and the empty cells at its end left out (Excel pads rows)."""
    cells = [cell.replace("\r\n", "\n").replace("\r", "\n") for cell in row]
    while cells and not cells[-1].strip():
        cells.pop()
    return tuple(cells)


def _rows_to_sheet(rows: list[list[str]]) -> Sheet:
    """Rows of cells -> a Sheet: the first row with text is the header; empty rows are left out."""
    numbered = [(number, _trimmed(row)) for number, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    if not numbered:
        raise SheetError("the spreadsheet is empty (it needs a header row naming the columns, then one row per signatory)")
    header_row, header = numbered[0]
    if len(header) > MAX_COLUMNS or any(len(row) > MAX_COLUMNS for _, row in numbered):
        raise SheetError(f"the spreadsheet has more than {MAX_COLUMNS} columns")
    return Sheet(header_row, header, tuple(numbered[1:]))
