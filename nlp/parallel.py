"""Share one pass over many texts between this process and worker processes.

spaCy parses texts one by one in a single thread; on a machine with more cores, a long list can be
cut into contiguous parts, the first parsed here and the others in worker processes. The results are
those of one pass over the whole list, in order, as long as a text's result does not depend on the
other texts (true of spaCy's pipelines). Workers are forked when this process runs a single Python
thread (they inherit loaded models), spawned otherwise (``fairhearing.cores.start_method``).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import TypeVar

from fairhearing.cores import available_cores, start_method

T = TypeVar("T")
R = TypeVar("R")


def map_in_parts(
    func: Callable[[list[T]], list[R]], items: list[T], *, min_items: int, processes: int | None = None
) -> list[R]:
    """``func(items)``, computed in contiguous parts when there are at least ``min_items`` items and
    more than one process (default: the usable cores). ``func`` is a module-level function returning
    one result per item."""
    processes = available_cores() if processes is None else processes
    if processes < 2 or len(items) < max(min_items, 2):
        return func(items)
    size = -(-len(items) // processes)
    parts = [items[i : i + size] for i in range(0, len(items), size)]
    with multiprocessing.get_context(start_method()).Pool(len(parts) - 1) as pool:
        pending = [pool.apply_async(func, (part,)) for part in parts[1:]]
        out = func(parts[0])
        for result in pending:
            out += result.get()
    return out
