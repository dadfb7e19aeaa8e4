"""Compile numba kernels once per installation, not once per process.

UMAP and pynndescent are numba code. pynndescent declares most kernels ``cache=True``, but the kernels
UMAP runs on every fit (``smooth_knn_dist``, ``compute_membership_strengths``, the SGD epoch, ...) do
not, so each fresh process compiled them again (tens of seconds on 2 cores). Two steps fix that:

1. ``configure_numba_cache`` points numba's on-disk cache at one persistent, writable folder
   (``$NUMBA_CACHE_DIR`` if set, else ``$FAIRHEARING_NUMBA_CACHE``, else
   ``$XDG_CACHE_HOME/fairhearing/numba`` or ``~/.cache/fairhearing/numba``), so it also works
   when site-packages is read-only.
2. ``cache_umap_kernels`` switches numba's cache on for UMAP's (and pynndescent's) jitted functions
   that do not declare it, before they are first compiled.

``prepare_numba`` does both; call it at the start of an analysis, before the themes stage.
The compiled code is the same machine code numba would build in-process, so results do not change.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

_PACKAGES = ("umap", "pynndescent")


def default_cache_dir() -> Path:
    """Persistent folder for compiled numba kernels (see the module docstring for the order)."""
    env = os.environ.get("FAIRHEARING_NUMBA_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fairhearing" / "numba"


def configure_numba_cache(path: Path | None = None) -> Path:
    """Set ``NUMBA_CACHE_DIR`` (a no-op if it is already set) and return the folder in use.

    Works before or after numba is imported: numba reads the variable at import, so an already
    imported numba gets the same value in ``numba.config.CACHE_DIR``.
    """
    current = os.environ.get("NUMBA_CACHE_DIR")
    if current:
        return Path(current)
    folder = path or default_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return folder  # not writable: numba falls back to its own locations
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    config = sys.modules.get("numba.core.config")
    if config is not None:
        config.CACHE_DIR = str(folder)
    return folder


def cache_umap_kernels(packages: tuple[str, ...] = _PACKAGES) -> int:
    """Turn on numba's disk cache for jitted functions in ``packages`` that lack ``cache=True``.

    Imports the packages (UMAP takes a few seconds). Two dispatchers built from the same Python
    function with different flags (UMAP's serial and parallel SGD epoch) would share one cache
    entry, so only the serial one is cached. Returns how many dispatchers were switched on.
    """
    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    for name in packages:
        importlib.import_module(name)
    dispatchers: dict[int, Dispatcher] = {}
    for mod_name, module in list(sys.modules.items()):
        if module is None or mod_name.split(".")[0] not in packages:
            continue
        for value in list(vars(module).values()):
            if isinstance(value, Dispatcher):
                dispatchers[id(value)] = value
    users: dict[int, int] = {}
    for d in dispatchers.values():
        users[id(d.py_func)] = users.get(id(d.py_func), 0) + 1
    switched = 0
    for d in dispatchers.values():
        if not isinstance(d._cache, NullCache):
            continue
        if users[id(d.py_func)] > 1 and d.targetoptions.get("parallel"):
            continue
        try:
            d.enable_caching()
        except RuntimeError:  # no writable cache location for this file
            continue
        switched += 1
    return switched


def prepare_numba(path: Path | None = None) -> int:
    """``configure_numba_cache`` then ``cache_umap_kernels``; safe to call more than once."""
    configure_numba_cache(path)
    return cache_umap_kernels()
