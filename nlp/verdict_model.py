"""Learn from analyst verdicts: nearest labelled neighbours move a point's principle scores.

Every confirmed or rejected point is a labelled vector. A new point looks at its ``k`` nearest
labelled points; each neighbour at cosine ``s >= floor`` votes with weight ``(s - floor) / (1 -
floor)``: +1 for the principles confirmed on it, -1 for the ones rejected. The principle's vote
(divided by ``k``) is added to the prior score times ``weight``, and the same confirmations summed by
component are added to every principle of that component times ``comp_weight`` (component first,
then principle: a component is learnt from fewer labels than each of its principles). Exact and
near duplicates of a labelled point therefore take its verdict; distant points keep the prior.

A framework's shipped examples (codebook examples, pull-quotes) can enter as confirmations too.
Plain numpy, deterministic; weights measured on the tuning half of the dev set (evals/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class VerdictModel:
    k: int = 3
    floor: float = 0.4
    weight: float = 1.0
    comp_weight: float = 0.5
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    votes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))  # (m, P) +1/-1/0

    def fit(self, vectors: np.ndarray, votes: np.ndarray) -> VerdictModel:
        """``vectors`` (m, d) L2-normalised labelled points; ``votes`` (m, P): +1 confirmed, -1
        rejected, 0 unknown, in the mapper's principle order."""
        self.vectors = np.asarray(vectors, np.float32)
        self.votes = np.asarray(votes, np.float32)
        return self

    @property
    def size(self) -> int:
        return len(self.vectors)

    def support(self, queries: np.ndarray) -> np.ndarray:
        """(n,) best cosine to a point with a confirmation (-1 below ``floor``): evidence that a query
        is on-topic."""
        confirmed = self.votes.max(axis=1) > 0 if self.size else np.zeros(0, bool)
        if not confirmed.any() or not len(queries):
            return np.full(len(queries), -1.0, np.float32)
        best = (np.asarray(queries, np.float32) @ self.vectors[confirmed].T).max(axis=1)
        return np.where(best >= self.floor, best, -1.0).astype(np.float32)

    def adjust(self, prior: np.ndarray, queries: np.ndarray, comp: np.ndarray) -> np.ndarray:
        """``prior`` (n, P) scores moved by the labelled neighbours of each query (n, d)."""
        prior = np.asarray(prior, np.float32)
        if not self.size or not len(queries):
            return prior
        sims = np.asarray(queries, np.float32) @ self.vectors.T
        k = min(self.k, self.size)
        near = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        w = np.clip((np.take_along_axis(sims, near, axis=1) - self.floor) / (1.0 - self.floor), 0.0, 1.0)
        vote = np.einsum("nk,nkp->np", w, self.votes[near]) / k
        n_comp = int(comp.max()) + 1 if len(comp) else 0
        onehot = np.eye(n_comp, dtype=np.float32)[comp]  # (P, C)
        comp_vote = np.clip(vote, 0.0, None) @ onehot  # confirmations summed by component
        return prior + self.weight * vote + self.comp_weight * comp_vote[:, comp]
