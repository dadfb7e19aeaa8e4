"""Row helpers shared by the query modules (parameterised SQL only; id lists go as one JSON parameter)."""

from __future__ import annotations

import json

from store.db import Database


def all_rows(db: Database, sql: str, params: list | tuple = ()) -> list[dict]:
    cur = db.execute(sql, list(params))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def one_row(db: Database, sql: str, params: list | tuple = ()) -> dict | None:
    rows = all_rows(db, sql, params)
    return rows[0] if rows else None


def scalar(db: Database, sql: str, params: list | tuple = ()):
    row = db.execute(sql, list(params)).fetchone()
    return row[0] if row else None


def ids_json(ids) -> str:
    return json.dumps([int(i) for i in ids])
