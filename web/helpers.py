"""Small view helpers: bounded integer arguments, pagination, and 404 for a missing row."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeVar

from flask import abort, request

T = TypeVar("T")


def found(row: T | None, what: str) -> T:
    """``row``, or (when it is None) a 404 page saying there is no such ``what``."""
    if row is None:
        abort(404, description=f"No such {what}.")
    return row


def int_arg(name: str, default: int | None = None, lo: int = 1, hi: int = 10**9) -> int | None:
    """An integer query argument clamped to [lo, hi]; ``default`` when missing or not a number."""
    raw = request.args.get(name, "")
    try:
        value = int(raw)
    except ValueError:
        return default
    return max(lo, min(hi, value))


def int_list(values: list[str]) -> list[int]:
    """The values that are integers within SQLite's range (others are dropped)."""
    out = []
    for v in values:
        try:
            n = int(v)
        except ValueError:
            continue
        if -(2**63) <= n < 2**63:
            out.append(n)
    return out


@dataclass
class Pager:
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)
