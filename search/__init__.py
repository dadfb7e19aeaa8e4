"""Search over analysed points, shared by the CLI and the web app.

- ``search.vector_index``: one nearest-neighbour index over cached point vectors and the single
  top-k implementation (check-my-point uses the same index and top-k).
- ``search.cache``: ``BoundedCache``, the per-kind LRU cache the web app holds (``web.cache``).
- ``search.hybrid``: keyword (FTS5/BM25) and semantic rankings fused by reciprocal rank fusion.
"""
