"""A bounded cache of derived data (vector indexes, page aggregates): at most N entries per kind.

A key's first element is its kind (``"vectors"``, ``"theme"``, …); each kind keeps at most its own
number of entries, least recently used dropped first, so browsing many theme pages never evicts the
vector index. An entry is rebuilt when its version marker changes, and one key is built at a time.
The web app holds one in ``app.extensions`` (``web.cache``); a one-shot CLI command needs none.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

DEFAULT_LIMIT = 256  # entries per kind
LIMITS = {
    "vectors": 2,
    "keywords": 2,
    "filter mask": 32,
    "filter rows": 16,  # up to ~9 MB each (an unfiltered consultation of 87,000 points)
}  # a vector index is the size of the embeddings table: keep few


class BoundedCache:
    def __init__(self, limits: dict[str, int] | None = None, default: int = DEFAULT_LIMIT) -> None:
        self.limits = dict(LIMITS if limits is None else limits)
        self.default = default
        self._lock = threading.Lock()
        self._kinds: dict[Hashable, OrderedDict[tuple, tuple[Any, Any]]] = {}
        self._building: dict[tuple, threading.Lock] = {}

    def get(self, key: tuple, version: Any, build: Callable[[], Any]) -> Any:
        """The value of ``key`` at ``version``, built with ``build()`` when missing or stale."""
        with self._lock:
            hit = self._hit(key, version)
            if hit is not None:
                return hit[1]
            key_lock = self._building.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                hit = self._hit(key, version)
                if hit is not None:
                    return hit[1]
            value = build()
            with self._lock:
                entries = self._kinds.setdefault(key[0], OrderedDict())
                entries[key] = (version, value)
                entries.move_to_end(key)
                while len(entries) > self.limits.get(key[0], self.default):
                    old, _ = entries.popitem(last=False)
                    self._building.pop(old, None)
            return value

    def _hit(self, key: tuple, version: Any) -> tuple[Any, Any] | None:
        entries = self._kinds.get(key[0])
        hit = entries.get(key) if entries is not None else None
        if hit is None or hit[0] != version:
            return None
        entries.move_to_end(key)
        return hit

    def keys(self, kind: Hashable) -> list[tuple]:
        """The keys of one kind now held (oldest first)."""
        with self._lock:
            return list(self._kinds.get(kind, {}))

    def __len__(self) -> int:
        with self._lock:
            return sum(len(e) for e in self._kinds.values())

    def clear(self) -> None:
        with self._lock:
            self._kinds.clear()
