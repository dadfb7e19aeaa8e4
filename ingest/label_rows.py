"""Reading and writing files of analyst verdicts (a coding): CSV, XLSX or JSONL, chosen by extension.

Each row is a dict of strings keyed by lower-cased column name, with its 1-based ``row`` number as
a person would count it in the file (the CSV/XLSX header is row 1, so data starts at row 2; JSONL
lines count from 1). Used by ``fairhearing labels import`` / ``export``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from fairhearing.errors import FairhearingError

COLUMNS = ["source", "start", "end", "response_id", "question", "text", "framework", "principle", "verdict"]
FORMATS = ("csv", "jsonl", "xlsx")


def file_format(path: str | Path) -> str:
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt == "json":
        fmt = "jsonl"
    if fmt not in FORMATS:
        raise FairhearingError("FH-E105", f"cannot tell the format of {path}: use .csv, .jsonl or .xlsx")
    return fmt


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def read_rows(path: str | Path) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: value}) for every non-empty row of a coding file."""
    path = Path(path)
    if not path.is_file():
        raise FairhearingError("FH-E100", "file not found or not readable", file=str(path))
    fmt = file_format(path)
    out: list[tuple[int, dict[str, str]]] = []
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            for i, row in enumerate(reader, start=2):
                out.append((i, {str(k).strip().lower(): _cell(v) for k, v in row.items() if k}))
    elif fmt == "jsonl":
        with path.open(encoding="utf-8") as f:
            for i, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise FairhearingError("FH-E120", f"not JSON: {e.msg}", file=str(path), line=i) from None
                if not isinstance(obj, dict):
                    raise FairhearingError(
                        "FH-E120", "each line must be a JSON object", file=str(path), line=i
                    )
                out.append((i, {str(k).strip().lower(): _cell(v) for k, v in obj.items()}))
    else:
        import openpyxl

        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as e:  # noqa: BLE001 - any unreadable workbook is one coded error
            raise FairhearingError("FH-E130", f"could not open the workbook: {e}", file=str(path)) from None
        rows = wb.active.iter_rows(values_only=True)
        header = [_cell(h).lower() for h in next(rows, [])]
        for i, values in enumerate(rows, start=2):
            out.append((i, {h: _cell(v) for h, v in zip(header, values, strict=False) if h}))
        wb.close()
    return [(i, r) for i, r in out if any(r.values())]


def write_rows(path: str | Path, rows: list[dict]) -> None:
    """Write verdict rows with ``COLUMNS`` (then any extra columns), in the format of the extension."""
    path = Path(path)
    fmt = file_format(path)
    extra = [k for r in rows for k in r if k not in COLUMNS]
    columns = COLUMNS + list(dict.fromkeys(extra))
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=columns)
            w.writeheader()
            for r in rows:
                w.writerow({k: "" if r.get(k) is None else r.get(k) for k in columns})
    elif fmt == "jsonl":
        with path.open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps({k: r.get(k) for k in columns}, ensure_ascii=False) + "\n")
    else:
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("verdicts")
        ws.append(columns)
        for r in rows:
            ws.append([_xlsx_cell(ws, r.get(k)) for k in columns])
        wb.save(path)


def _xlsx_cell(ws, value):
    """Text that starts with ``=`` stays text (never a formula)."""
    if isinstance(value, str) and value.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value
