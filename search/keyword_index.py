"""FTS5's BM25 ranking of the points, computed in numpy: the same order, a fraction of the time.

An FTS5 query ordered by ``rank`` calls FTS5's bm25 once per matching row (~2 µs each: 14,000
rows of a common two-word OR query at 50k took ~40 ms).
``KeywordIndex`` holds what bm25 reads — the row count, the average and each row's length in
tokens — and fetches each query term's postings once (``store.queries.keywords``), then scores all
matches with array arithmetic that repeats FTS5's formula operation for operation (k1 = 1.2,
b = 0.75, idf = log((N - n + 0.5) / (n + 0.5)) floored at 1e-6, phrases summed in query order), so
scores are equal to the bit and the order, ties by rowid, is FTS5's own.

Only single-token ASCII words are scored here (what ``store.queries.search.fts_query`` makes of
ordinary queries); for anything else ``ranked`` answers ``None`` and the caller asks FTS5. The index
is valid for one state of ``points_fts`` (``store.queries.keywords.fts_version``): callers keep it in
a ``BoundedCache`` under that version (``search.hybrid.keyword_index``).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict

import numpy as np

from store.db import Database
from store.queries import keywords as keyword_queries

K1 = 1.2
B = 0.75
TERM_CACHE = 4096  # terms whose postings are kept


class KeywordIndex:
    def __init__(self, n_rows: int, n_tokens: int, rowids: np.ndarray, lengths: np.ndarray) -> None:
        self.n_rows = n_rows
        self.avgdl = float(n_tokens) / float(n_rows) if n_rows else 0.0
        size = int(rowids.max()) + 1 if len(rowids) else 1
        self.length = np.zeros(size, dtype=np.float64)  # tokens of each rowid
        self.length[rowids] = lengths
        self._terms: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def postings(self, db: Database, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(rowids ascending, occurrences in each) of the rows holding ``term``."""
        with self._lock:
            hit = self._terms.get(term)
            if hit is not None:
                self._terms.move_to_end(term)
                return hit
        docs, counts = np.unique(keyword_queries.term_postings(db, term), return_counts=True)
        value = (docs, counts.astype(np.float64))
        with self._lock:
            self._terms[term] = value
            while len(self._terms) > TERM_CACHE:
                self._terms.popitem(last=False)
        return value

    def ranked(self, db: Database, words: list[str], any_word: bool = False) -> list[int] | None:
        """Rowids of the points holding every word (any word with ``any_word``), best BM25 first, ties
        by rowid: FTS5's ``ORDER BY rank, rowid`` for the phrase query of ``words``. ``None`` when a
        word is not one plain ASCII token (then FTS5 must answer)."""
        if not words or not all(w.isascii() and w.isalnum() for w in words):
            return None
        postings = [self.postings(db, w.lower()) for w in words]
        size = len(self.length)
        seen = np.zeros(size, dtype=np.int32)  # how many of the words each rowid holds
        for found, _ in postings:
            seen[found] += 1
        docs = np.flatnonzero(seen > 0 if any_word else seen == len(postings))  # ascending rowids
        if not len(docs) or not self.n_rows:
            return []
        norm = K1 * (1 - B + B * self.length[docs] / self.avgdl)
        score = np.zeros(len(docs), dtype=np.float64)
        dense = np.zeros(size, dtype=np.float64)
        for found, counts in postings:  # in query order, as FTS5 sums its phrases
            idf = math.log((self.n_rows - len(found) + 0.5) / (len(found) + 0.5))
            if idf <= 0.0:
                idf = 1e-6
            dense[found] = counts
            freq = dense[docs]
            dense[found] = 0.0
            score = score + idf * ((freq * (K1 + 1.0)) / (freq + norm))
        order = np.argsort(-1.0 * score, kind="stable")  # stable over ascending rowids: ties by rowid
        return docs[order].tolist()


def load_keyword_index(db: Database) -> KeywordIndex | None:
    """The index of ``points_fts`` as it is now (``None`` on a database without the vocabulary table)."""
    if not keyword_queries.has_instances(db):
        return None
    n_rows, n_tokens = keyword_queries.fts_totals(db)
    rowids, lengths = keyword_queries.doc_lengths(db)
    return KeywordIndex(n_rows, n_tokens, rowids, lengths)
