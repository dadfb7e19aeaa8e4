"""How many CPU cores this process may use."""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.pool
import os


def available_cores() -> int:
    """CPU cores this process may use (respects affinity masks and cgroup-pinned sets)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def start_method() -> str:
    """How to start worker processes: "fork" (they inherit loaded models, no start-up cost) when this
    process runs no Python thread but the current one, apart from tqdm's progress monitor (a daemon
    that only wakes to adjust bars, which workers never touch); "spawn" otherwise (safe under a
    threaded web server)."""
    import threading

    current = threading.current_thread()
    others = [t for t in threading.enumerate() if t is not current]
    return "fork" if all(type(t).__name__ == "TMonitor" for t in others) else "spawn"


def worker_pool(processes: int) -> multiprocessing.pool.Pool:
    """A pool of ``processes`` workers, started the ``start_method`` way.

    Forked workers inherit every object of this process, including garbage not yet collected. A
    worker's garbage collector must never finalise those: an ONNX Runtime session, for one, waits in
    its destructor for a thread pool that did not cross the fork, and the worker hangs. So they are
    frozen out of the collector (``gc.freeze``) while the workers start, and thawed here after.
    """
    method = start_method()
    context = multiprocessing.get_context(method)
    if method != "fork":
        return context.Pool(processes)
    gc.freeze()
    try:
        return context.Pool(processes)
    finally:
        gc.unfreeze()
