"""The report as HTML, rendered with Jinja2 directly (no Flask app needed).

``render_fragment`` gives the report's article (the web app puts it inside its page layout);
``render_document`` a standalone, printable A4 page (for ``fairhearing report --format html``).
Links to the web app's pages are added only when ``links`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from fairhearing.safe_output import xml_text
from reports.summary import Report

_ENV = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=lambda v: (
        Markup(xml_text(v)) if isinstance(v, Markup) else xml_text(v) if isinstance(v, str) else v
    ),
)


@dataclass
class Links:
    """URL patterns of the web app's pages ("{id}" is replaced), for a report shown inside the app."""

    response: str = "/responses/{id}"
    theme: str = "/themes/{id}"
    principle: str = "/principles/{id}"
    docx: str | None = None
    downloads: tuple[tuple[str, str], ...] = ()  # (label, url)


def render_fragment(r: Report, links: Links | None = None) -> Markup:
    return Markup(_ENV.get_template("report_body.html").render(r=r, links=links))


def render_document(r: Report, links: Links | None = None) -> str:
    return _ENV.get_template("report_document.html").render(r=r, body=render_fragment(r, links))


def write_html(r: Report, out_path: str) -> None:
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(render_document(r))
