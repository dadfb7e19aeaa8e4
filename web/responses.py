"""One response in its source text, and organisations across sources."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from ingest.clean import redact
from store import attributes, citations, counts
from store.audit_views import record_view
from store.queries import organisations as organisation_queries
from store.queries import responses as response_queries
from store.queries import versions
from web.cache import cached
from web.db import get_db
from web.helpers import Pager, int_arg
from web.highlight import response_segments
from web.security import current_user, is_analyst

bp = Blueprint("responses", __name__)


@bp.get("/responses/<int:response_id>")
def show(response_id: int):
    return _page(response_id, original=False)


@bp.post("/responses/<int:response_id>/original")
def original(response_id: int):
    """The response with its personal data shown (analysts only); every view is written to ``audit_views``."""
    if not is_analyst():
        abort(403, description="Only signed-in analysts can see the original text.")
    if response_queries.response(get_db(), response_id) is None:
        abort(404, description="No such response.")
    record_view(get_db(), current_user(), response_id)
    return _page(response_id, original=True)


def _page(response_id: int, original: bool):
    db = get_db()
    r = response_queries.response(db, response_id)
    if r is None:
        abort(404, description="No such response.")
    points = response_queries.response_points(db, response_id)
    ref = citations.reference(db, response_id)
    return render_template(
        "response.html",
        r=r,
        ref=ref,
        cite=citations.cite_line(ref, request.host_url),
        segments=response_segments(r["text"], r["start"], points, redact=not original),
        original=original,
        points=points,
        thread=response_queries.thread(db, response_id),
        duplicates=[
            d for d in response_queries.duplicate_members(db, r["duplicate_group"]) if d["id"] != response_id
        ],
        votes=attributes.response_votes(db, response_id),
        attributes=[(k, v, redact(v)) for k, v in attributes.response_attributes(db, response_id)],
    )


@bp.get("/organisations")
def organisations():
    return render_template("organisations.html", orgs=organisation_queries.organisations(get_db()))


@bp.get("/organisations/<path:name>")
def organisation(name: str):
    db = get_db()
    # its themes, principles and totals are the same on every page: cached until the data changes
    org = cached(
        ("organisation", current_app.config["DATABASE"], name),
        versions.data_version(db),
        lambda: _summary(db, name),
    )
    if org is None:
        abort(404, description="No responses from that organisation.")
    per_page = current_app.config["PER_PAGE"]
    page = int_arg("page", 1)
    pager = Pager(page, per_page, org["points"])
    points = organisation_queries.organisation_points(db, name, per_page, (page - 1) * per_page)
    # its responses are paged too (``responses_page``): thousands of excerpts made a page of megabytes
    rpage = int_arg("responses_page", 1)
    responses = organisation_queries.organisation_responses(db, name, per_page, (rpage - 1) * per_page)
    return render_template(
        "organisation.html",
        org=org,
        points=points,
        pager=pager,
        responses=responses,
        responses_pager=Pager(rpage, per_page, org["responses"]),
    )


def _summary(db, name: str) -> dict | None:
    org = organisation_queries.organisation(db, name)
    if org is not None:
        org["points"] = counts.organisation_points(db, name)
    return org
