"""Downloads: every point with every tag as CSV or XLSX, and the JSONL export as a zip."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, send_file

from fairhearing.safe_output import spreadsheet_cell
from store.db import connect
from store.queries import export as export_queries
from web.db import get_db

bp = Blueprint("exports", __name__)


def points_csv_chunks(db, every: int = 500):
    """Every point with every tag as CSV text, in chunks of ``every`` rows (cells made safe)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(export_queries.EXPORT_COLUMNS)
    for i, row in enumerate(export_queries.export_points(db), start=1):
        writer.writerow([spreadsheet_cell(v) for v in row])
        if i % every == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


@bp.get("/export/points.csv")
def points_csv():
    path = current_app.config["DATABASE"]

    def rows():
        db = connect(path, readonly=True)  # the request's connection is closed before streaming ends
        try:
            yield from points_csv_chunks(db)
        finally:
            db.close()

    return Response(
        rows(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=fairhearing-points.csv"},
    )


def save_points_xlsx(db, target) -> None:
    """Every point with every tag as an XLSX workbook, written to a path or a binary file (cells made safe)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("points")
    ws.append(export_queries.EXPORT_COLUMNS)
    for row in export_queries.export_points(db):
        ws.append([spreadsheet_cell(v) for v in row])
    wb.save(target)


@bp.get("/export/points.xlsx")
def points_xlsx():
    out = io.BytesIO()
    save_points_xlsx(get_db(), out)
    out.seek(0)
    return send_file(
        out,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name="fairhearing-points.xlsx",
    )


@bp.get("/export/jsonl.zip")
def jsonl_zip():
    try:
        from store.export import export_jsonl
    except ImportError:
        abort(404, description="The JSONL export is not available in this version.")
    out = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        export_jsonl(get_db(), tmp)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(Path(tmp).glob("*.jsonl")):
                z.write(f, f.name)
    out.seek(0)
    return send_file(
        out, mimetype="application/zip", as_attachment=True, download_name="fairhearing-jsonl.zip"
    )


def write_points_csv(db_path: str, out_path: str) -> None:
    """Every point with every tag as CSV (for `fairhearing report --format csv`)."""
    db = connect(str(db_path), readonly=True)
    try:
        with open(out_path, "w", encoding="utf-8", newline="") as f:
            f.writelines(points_csv_chunks(db))
    finally:
        db.close()


def write_points_xlsx(db_path: str, out_path: str) -> None:
    db = connect(str(db_path), readonly=True)
    try:
        save_points_xlsx(db, out_path)
    finally:
        db.close()
