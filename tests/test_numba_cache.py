"""The persistent numba cache: where it points, and which jitted kernels get switched on."""

from __future__ import annotations

import os
import sys
import textwrap

from nlp.numba_cache import cache_umap_kernels, configure_numba_cache, default_cache_dir


def keep_numba_config(monkeypatch) -> None:
    """Restore numba's in-process cache folder after the test (configure_numba_cache changes it)."""
    from numba.core import config

    monkeypatch.setattr(config, "CACHE_DIR", config.CACHE_DIR)


def test_configure_sets_the_folder_once_and_respects_a_set_variable(monkeypatch, tmp_path):
    keep_numba_config(monkeypatch)
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("FAIRHEARING_NUMBA_CACHE", str(tmp_path / "nb"))
    assert default_cache_dir() == tmp_path / "nb"
    assert configure_numba_cache() == tmp_path / "nb"
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "nb") and (tmp_path / "nb").is_dir()
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "theirs"))
    assert configure_numba_cache(tmp_path / "mine") == tmp_path / "theirs"  # a no-op when already set
    assert not (tmp_path / "mine").exists()


def test_default_folder_is_under_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("FAIRHEARING_NUMBA_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "fairhearing" / "numba"


def test_uncached_kernels_are_switched_on_but_not_a_parallel_twin(monkeypatch, tmp_path):
    from numba.core.caching import NullCache

    package = tmp_path / "fh_fake_kernels"
    package.mkdir()
    (package / "__init__.py").write_text(
        textwrap.dedent(
            """
            import numba

            @numba.njit(cache=True)
            def already(x):
                return x + 1

            @numba.njit()
            def plain(x):
                return x * 2

            def _epoch(x):
                return x - 1

            serial = numba.njit(_epoch, parallel=False)
            parallel = numba.njit(_epoch, parallel=True)
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    keep_numba_config(monkeypatch)
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    configure_numba_cache(tmp_path / "cache")
    try:
        assert cache_umap_kernels(("fh_fake_kernels",)) == 2  # plain and serial
        kernels = sys.modules["fh_fake_kernels"]
        assert not isinstance(kernels.plain._cache, NullCache)
        assert not isinstance(kernels.serial._cache, NullCache)
        assert isinstance(kernels.parallel._cache, NullCache)  # would share the serial one's entry
        assert kernels.plain(21) == 42 and any((tmp_path / "cache").rglob("*.nbi"))  # written on compile
        assert cache_umap_kernels(("fh_fake_kernels",)) == 0  # idempotent
    finally:
        sys.modules.pop("fh_fake_kernels", None)
