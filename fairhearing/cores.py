"""How many CPU cores this process may use."""

from __future__ import annotations

import os


def available_cores() -> int:
    """CPU cores this process may use (respects affinity masks and cgroup-pinned sets)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
