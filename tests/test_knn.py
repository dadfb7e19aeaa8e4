"""Exact cosine neighbours (``nlp.knn``) against brute force, and their use by the themes stage."""

from __future__ import annotations

import numpy as np

from nlp.knn import EXACT_KNN_MIN, exact_cosine_knn
from nlp.themes import ThemeModeller


def _brute(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    d = 1.0 - x.astype(np.float64) @ x.T.astype(np.float64)
    np.fill_diagonal(d, -1.0)
    idx = np.argsort(d, axis=1, kind="stable")[:, :k]
    dist = np.take_along_axis(d, idx, axis=1)
    dist[:, 0] = 0.0
    return idx, dist


def test_exact_knn_matches_brute_force_across_blocks():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1100, 24)).astype(np.float32)
    idx, dist = exact_cosine_knn(x, 15, block=256)  # several blocks, the last one partial
    want_idx, want_dist = _brute(x, 15)
    assert idx.shape == (1100, 15) and dist.dtype == np.float32
    assert (idx[:, 0] == np.arange(1100)).all()  # itself first
    assert (idx == want_idx).mean() > 0.999  # float32 vs float64 may swap a near tie
    assert np.abs(np.sort(dist, axis=1) - np.sort(want_dist, axis=1)).max() < 1e-5
    assert (np.diff(dist, axis=1) >= 0).all()  # nearest first


def test_exact_knn_small_and_degenerate_inputs():
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.1]], dtype=np.float32)
    idx, dist = exact_cosine_knn(x, 5)  # k above n: every row, itself first
    assert idx.shape == (3, 3) and idx[0].tolist() == [0, 2, 1]
    assert dist.min() >= 0.0
    empty_idx, empty_dist = exact_cosine_knn(np.zeros((0, 4), dtype=np.float32), 3)
    assert empty_idx.shape == (0, 0) and empty_dist.shape == (0, 0)


def test_themes_stage_precomputes_neighbours_only_where_umap_would_approximate():
    rng = np.random.default_rng(0)
    modeller = ThemeModeller(seed=1)
    small = rng.normal(size=(200, 8)).astype(np.float32)
    assert modeller._umap(200, small).precomputed_knn[0] is None  # UMAP's own exact path stays
    large = rng.normal(size=(EXACT_KNN_MIN, 8)).astype(np.float32)
    knn = modeller._umap(EXACT_KNN_MIN, large).precomputed_knn
    assert knn[0].shape == (EXACT_KNN_MIN, 15) and (knn[0][:, 0] == np.arange(EXACT_KNN_MIN)).all()
    predicting = ThemeModeller(seed=1, assign_rest="predict")  # needs UMAP.transform: its own index
    assert predicting._umap(EXACT_KNN_MIN, large).precomputed_knn[0] is None


def test_large_layouts_run_fewer_epochs_unless_told():
    from nlp.themes import LARGE_LAYOUT_EPOCHS, LARGE_LAYOUT_MIN, ThemeModeller, default_umap_epochs

    assert default_umap_epochs(LARGE_LAYOUT_MIN) is None  # UMAP's own default for smaller corpora
    assert default_umap_epochs(LARGE_LAYOUT_MIN + 1) == LARGE_LAYOUT_EPOCHS
    assert ThemeModeller()._umap(LARGE_LAYOUT_MIN + 1).n_epochs == LARGE_LAYOUT_EPOCHS
    assert ThemeModeller()._umap(200).n_epochs is None
    assert ThemeModeller(umap_epochs=300)._umap(LARGE_LAYOUT_MIN + 1).n_epochs == 300


def test_a_fit_records_the_epochs_its_layout_ran(monkeypatch):
    import nlp.themes

    rng = np.random.default_rng(0)
    texts = [f"answer {i} about topic {i % 3} words" for i in range(40)]
    vectors = rng.normal(size=(40, 8)).astype(np.float32)
    monkeypatch.setattr(nlp.themes, "LARGE_LAYOUT_MIN", 10)  # 40 texts count as a large corpus here
    chosen = ThemeModeller(seed=1, representation_model=None).fit(texts, vectors)
    assert chosen.params["umap_epochs"] == nlp.themes.LARGE_LAYOUT_EPOCHS  # the default, as it ran
    told = ThemeModeller(seed=1, umap_epochs=30, representation_model=None).fit(texts, vectors)
    assert told.params["umap_epochs"] == 30
