"""The summary-of-responses report in the web app: /report (HTML) and /report.docx (Word).

Built by ``reports`` (no report logic here). Before analysis both answer 409 with FH-E300.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, request, send_file, url_for

from fairhearing.errors import FairhearingError
from reports import docx_writer, html_writer, summary
from web.db import get_db

bp = Blueprint("report", __name__)
_ID = 987654321  # placeholder id turned into "{id}" in URL patterns


def _report() -> summary.Report:
    try:
        return summary.build(get_db(), base_url=request.host_url)
    except FairhearingError as e:
        if e.code == "FH-E300":
            abort(409, description=f"{e} The report is written from an analysis.")
        raise


def _pattern(endpoint: str, arg: str) -> str:
    return url_for(endpoint, **{arg: _ID}).replace(str(_ID), "{id}")


@bp.get("/report")
def html():
    links = html_writer.Links(
        response=_pattern("responses.show", "response_id"),
        theme=_pattern("themes.show", "theme_id"),
        principle=_pattern("framework.principle", "principle_id"),
        docx=url_for("report.docx"),
        downloads=(
            ("all points (CSV)", url_for("exports.points_csv")),
            ("all points (Excel)", url_for("exports.points_xlsx")),
            ("JSONL export (zip)", url_for("exports.jsonl_zip")),
        ),
    )
    r = _report()
    return render_template("report.html", r=r, body=html_writer.render_fragment(r, links))


@bp.get("/report.docx")
def docx():
    data = docx_writer.build_docx(_report())
    return send_file(
        io.BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        as_attachment=True,
        download_name="fairhearing-report.docx",
    )
