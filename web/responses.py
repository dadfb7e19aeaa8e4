"""One response in its source text, and organisations across sources."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from ingest.clean import redact
from store import attributes, read
from web.db import get_db
from web.highlight import response_segments

bp = Blueprint("responses", __name__)


@bp.get("/responses/<int:response_id>")
def show(response_id: int):
    db = get_db()
    r = read.response(db, response_id)
    if r is None:
        abort(404, description="No such response.")
    points = read.response_points(db, response_id)
    ref = read.citation(db, response_id)
    return render_template(
        "response.html",
        r=r,
        ref=ref,
        cite=read.cite_line(ref, request.host_url),
        segments=response_segments(r["text"], r["start"], points),
        points=points,
        thread=read.thread(db, response_id),
        duplicates=[d for d in read.duplicate_members(db, r["duplicate_group"]) if d["id"] != response_id],
        votes=attributes.response_votes(db, response_id),
        attributes=[(k, v, redact(v)) for k, v in attributes.response_attributes(db, response_id)],
    )


@bp.get("/organisations")
def organisations():
    return render_template("organisations.html", orgs=read.organisations(get_db()))


@bp.get("/organisations/<path:name>")
def organisation(name: str):
    db = get_db()
    org = read.organisation(db, name)
    if org is None:
        abort(404, description="No responses from that organisation.")
    return render_template("organisation.html", org=org, points=read.organisation_points(db, name))
