"""Work shared with worker processes (nlp.parallel, fairhearing.cores.start_method): same results."""

from __future__ import annotations

import gc
import os
import threading

import pytest

from fairhearing.cores import start_method
from nlp import lemmas, parallel, theme_titles

TEXTS = [
    "The lack of funding for local advice services is the biggest problem.",
    "Payment by results pushes providers to park the hardest cases.",
    "Small charities cannot carry the cash flow risk of delayed payments.",
    "We want a single point of contact for every claimant.",
    "Die Förderung von Radwegen muss schneller gehen.",
] * 3


def test_parts_in_workers_give_the_one_pass_result() -> None:
    words = sorted({w.lower().strip(".") for t in TEXTS for w in t.split()})
    assert parallel.map_in_parts(lemmas._lemmas, words, min_items=2, processes=2) == lemmas._lemmas(words)
    assert parallel.map_in_parts(lemmas._lemmas, words[:1], min_items=2, processes=2) == lemmas._lemmas(
        words[:1]
    )


def test_phrases_and_lemmas_are_the_same_with_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    languages = ["de" if t.startswith("Die") else "en" for t in TEXTS]
    one = theme_titles.extract_phrases(TEXTS, languages)
    words = {w.lower().strip(".") for t in TEXTS for w in t.split()}
    one_lemmas = lemmas.lemmatise_words(words)
    monkeypatch.setattr(theme_titles, "PARALLEL_MIN", 2)
    monkeypatch.setattr(lemmas, "PARALLEL_MIN", 2)
    monkeypatch.setattr(parallel, "available_cores", lambda: 2)
    assert theme_titles.extract_phrases(TEXTS, languages) == one
    assert lemmas.lemmatise_words(words) == one_lemmas
    assert one_lemmas["payments"] == "payment" and any(k == ("cash", "flow", "risk") for k, _ in one[2])


def test_workers_are_spawned_beside_other_threads() -> None:
    stop = threading.Event()
    server = threading.Thread(target=stop.wait)  # stands in for a web server's threads: forking is unsafe
    server.start()
    try:
        assert start_method() == "spawn"
        words = ["payments", "providers", "charities"]
        assert parallel.map_in_parts(lemmas._lemmas, words, min_items=2, processes=2) == lemmas._lemmas(words)
    finally:
        stop.set()
        server.join()


def test_tqdm_progress_monitor_does_not_stop_forking(monkeypatch: pytest.MonkeyPatch) -> None:
    class TMonitor(threading.Thread):  # tqdm's monitor thread class name
        pass

    stop = threading.Event()
    monitor = TMonitor(target=stop.wait, daemon=True)
    monkeypatch.setattr(threading, "enumerate", lambda: [threading.current_thread(), monitor])
    assert start_method() == "fork"
    monkeypatch.setattr(threading, "enumerate", lambda: [threading.current_thread(), threading.Thread()])
    assert start_method() == "spawn"


def _lemmas_in_parts(words: list[str]) -> list[str | None]:
    """map_in_parts inside a pool worker: runs in that one process (daemons cannot start workers)."""
    return parallel.map_in_parts(lemmas._lemmas, words, min_items=2, processes=2)


def _fails(message: str) -> None:
    raise ValueError(message)


@pytest.mark.parametrize("cores", [1, 2])
def test_aside_gives_the_result_of_the_call_here(monkeypatch: pytest.MonkeyPatch, cores: int) -> None:
    monkeypatch.setattr(parallel, "available_cores", lambda: cores)
    words = ["payments", "providers", "charities", "cases"]
    forks = start_method() == "fork"  # asked before the pool's own threads start
    with parallel.Aside(_lemmas_in_parts, words) as aside:
        assert aside.in_worker == (cores == 2 and forks)
        assert aside.result() == lemmas._lemmas(words)
        assert aside.result() == lemmas._lemmas(words)  # asked again: the same, not recomputed
        assert aside.in_worker == (cores == 2 and forks)  # computed here: still not in a worker
    with parallel.Aside(_fails, "no such file") as aside, pytest.raises(ValueError, match="no such file"):
        aside.result()


def test_aside_left_unasked_ends_its_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "available_cores", lambda: 2)
    with parallel.Aside(sorted, [3, 1, 2]) as aside:
        pool = aside._pool
    assert aside._pool is None and (pool is None or all(not p.is_alive() for p in pool._pool))


class _Finalised:
    """Garbage in a reference cycle that records which process finalised it."""

    def __init__(self, marker: str) -> None:
        self.marker, self.me = marker, self

    def __del__(self) -> None:
        with open(self.marker, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")


def _collect() -> int:
    gc.collect()
    return os.getpid()


def test_forked_workers_never_finalise_the_parents_garbage(tmp_path, monkeypatch) -> None:
    """An ONNX Runtime session left as garbage hung a forked worker that collected it (its destructor
    waits for threads that did not cross the fork): workers start with the parent's objects frozen."""
    if start_method() != "fork":
        pytest.skip("workers are spawned here: nothing is inherited")
    monkeypatch.setattr(parallel, "available_cores", lambda: 2)
    marker = tmp_path / "finalised"
    gc.disable()
    try:
        _Finalised(str(marker))  # unreachable at once, but only a collection can free the cycle
        with parallel.Aside(_collect) as aside:
            worker = aside.result()
        gc.collect()
    finally:
        gc.enable()
    assert worker != os.getpid()
    assert marker.read_text(encoding="utf-8").split() == [str(os.getpid())]
