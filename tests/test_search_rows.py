"""``store.queries.search.points_for_hashes``: one row per hash, in the hashes' order, with its copies."""

from __future__ import annotations

from collections import Counter

from ingest.pipeline import ingest_paths
from store.queries.search import Filters, points_for_hashes
from store.runs import select_points

ANSWERS = [
    "Contracts should run for five years.",
    "Payment by results squeezes small charities.",
    "Contracts should run for five years.",
    "The forms take too long to fill in.",
    "Contracts should run for five years.",
    "Payment by results squeezes small charities.",
]


def test_one_row_per_hash_in_order_with_copies_and_scope(file_db, tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(
        "id,answer\n" + "".join(f'{i},"{a}"\n' for i, a in enumerate(ANSWERS, 1)), encoding="utf-8"
    )
    assert [r.status for r in ingest_paths(file_db, [path])] == ["added"]
    points, _ = select_points(file_db)
    copies = Counter(p.text_hash for p in points)
    first_id: dict[str, int] = {}
    for p in points:
        first_id.setdefault(p.text_hash, p.id)
    three, two, one = (h for h, _ in copies.most_common())
    wanted = [one, three, "0" * 40, two]  # and an unknown hash
    consultation = points[0].consultation
    rows = points_for_hashes(file_db, wanted, Filters(consultation=consultation))
    assert [r["text_hash"] for r in rows] == [one, three, two]
    assert [r["copies"] for r in rows] == [1, 3, 2]
    assert all(r["id"] == first_id[r["text_hash"]] for r in rows)  # the first copy stands for the text
    assert points_for_hashes(file_db, wanted, Filters(consultation=consultation + 1)) == []
