"""Share work between this process and worker processes.

spaCy parses texts one by one in a single thread; on a machine with more cores, a long list can be
cut into contiguous parts, the first parsed here and the others in worker processes
(``map_in_parts``). The results are those of one pass over the whole list, in order, as long as a
text's result does not depend on the other texts (true of spaCy's pipelines). Workers are forked
when this process runs a single Python thread (they inherit loaded models), spawned otherwise
(``fairhearing.cores.start_method``).

``Aside`` computes one call in a forked worker while this process does something that leaves a
core idle (UMAP's seeded layout runs in one thread), and gives the same result as calling it here.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from fairhearing.cores import available_cores, start_method, worker_pool

T = TypeVar("T")
R = TypeVar("R")


def map_in_parts(
    func: Callable[[list[T]], list[R]], items: list[T], *, min_items: int, processes: int | None = None
) -> list[R]:
    """``func(items)``, computed in contiguous parts when there are at least ``min_items`` items and
    more than one process (default: the usable cores). ``func`` is a module-level function returning
    one result per item."""
    processes = available_cores() if processes is None else processes
    if multiprocessing.current_process().daemon:  # a pool's worker (e.g. ``Aside``) cannot start others
        processes = 1
    if processes < 2 or len(items) < max(min_items, 2):
        return func(items)
    size = -(-len(items) // processes)
    parts = [items[i : i + size] for i in range(0, len(items), size)]
    with worker_pool(len(parts) - 1) as pool:
        pending = [pool.apply_async(func, (part,)) for part in parts[1:]]
        out = func(parts[0])
        for result in pending:
            out += result.get()
    return out


class Aside(Generic[R]):
    """``func(*args)``, started in a forked worker process at once when this process may use two or
    more cores and forking is safe (``start_method``); otherwise computed here when ``result`` is
    first asked for. Either way ``result`` returns what ``func(*args)`` returns (``func`` at module
    level; ``map_in_parts`` inside it runs in the one worker). Use it as a context manager: leaving
    the block ends the worker, whether or not the result was asked for.
    """

    def __init__(self, func: Callable[..., R], *args: Any) -> None:
        self._func, self._args = func, args
        self._pool: Any = None
        self._pending: Any = None
        if available_cores() >= 2 and start_method() == "fork":
            self._pool = worker_pool(1)  # forked: no other thread runs (``start_method``)
            self._pending = self._pool.apply_async(func, args)

    @property
    def in_worker(self) -> bool:
        """Whether the call runs (or ran) in a worker process."""
        return isinstance(self._pending, multiprocessing.pool.AsyncResult)

    def result(self) -> R:
        """The call's result (waiting for the worker when it runs there); its exception if it raised."""
        if self._pending is None:
            self._pending = _Done(self._func(*self._args))
        return self._pending.get()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> Aside[R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Done:
    def __init__(self, value: Any) -> None:
        self.value = value

    def get(self) -> Any:
        return self.value
