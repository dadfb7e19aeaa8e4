"""Checks every reader's output must pass, shared by the per-format tests."""

from __future__ import annotations

from ingest.model import ParseResult


def assert_spans(res: ParseResult) -> None:
    """Responses and explicit points are non-empty, trimmed spans of ``res.text``; points lie inside
    their response."""
    for r in res.responses:
        body = res.text[r.start : r.end]
        assert 0 <= r.start < r.end <= len(res.text) and body == body.strip()
        for p in r.points or []:
            point = res.text[p.start : p.end]
            assert r.start <= p.start < p.end <= r.end and point == point.strip()
