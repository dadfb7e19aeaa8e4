"""The points that pass a search's filters, held in memory, so keyword matches are checked by lookup.

Keyword search checks its ranked matches against the filters (the consultation's scope, the role and
any user filter) before keeping them. In SQL that is a join per chunk of matches (~5 ms a search at
50,000 responses). ``FilterRows`` holds the rowid (sorted) and text hash of every point that passes
one set of filters, read once (``store.queries.search.filter_rows``) and kept per filter and data
version (``search.hybrid.cached_filter_rows``); a search's check is then a binary search over an
array, with the same result.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from store.db import Database
from store.queries import search as search_queries


class FilterRows:
    def __init__(self, rowids: np.ndarray, hashes: list[str]) -> None:
        self.rowids = rowids  # ascending point rowids that pass
        self.hashes = hashes  # the text hash of each, aligned

    def __len__(self) -> int:
        return len(self.hashes)

    def first_hashes(self, ranked: Sequence[int] | np.ndarray, want: int) -> list[str]:
        """The text hashes of the first ``want`` points of ``ranked`` (rowids, best first) that pass,
        in ranked order (one entry per point: texts may repeat)."""
        r = np.asarray(ranked, dtype=np.int64)
        if not len(r) or not len(self.rowids) or want <= 0:
            return []
        pos = np.minimum(np.searchsorted(self.rowids, r), len(self.rowids) - 1)
        keep = pos[self.rowids[pos] == r][:want]
        return [self.hashes[i] for i in keep.tolist()]


def load_filter_rows(db: Database, filters: search_queries.Filters) -> FilterRows:
    """Every point passing ``filters`` as it is now."""
    rows = search_queries.filter_rows(db, filters)
    rowids = np.fromiter((r for r, _ in rows), dtype=np.int64, count=len(rows))
    return FilterRows(rowids, [h for _, h in rows])
