"""The audit log of analyst edits with their replays onto later runs."""

from __future__ import annotations

from store.db import Database
from store.queries._sql import all_rows, ids_json, scalar


def audit_log(db: Database, page: int = 1, per_page: int = 100) -> tuple[list[dict], int]:
    total = scalar(db, "SELECT COUNT(*) FROM edits")
    rows = all_rows(
        db,
        "SELECT id, at, who, op, run_id, target, before, after FROM edits ORDER BY id DESC LIMIT ? OFFSET ?",
        [per_page, (max(page, 1) - 1) * per_page],
    )
    replays = all_rows(
        db,
        """SELECT edit_id, run_id, applied, detail FROM edit_replays
           WHERE edit_id IN (SELECT value FROM json_each(?)) ORDER BY run_id""",
        [ids_json([r["id"] for r in rows])],
    )
    for r in rows:
        r["replays"] = [x for x in replays if x["edit_id"] == r["id"]]
    return rows, total
