"""Evidence a point carries for a principle: text units, lexical matching, and the feature matrix.

The principle mapper (``nlp.mapping``) scores every (point, principle) pair with these features,
computed from precomputed, L2-normalised embeddings (all absolute: nothing is "minus the best"):

- ``cos_text`` / ``cos_enr``: cosine to the principle's text, and to it under its component's
  name and headline;
- ``ex_p``: best cosine to the principle's examples (its own sentences and folded sub-bullets, and
  any examples the framework ships);
- ``ex_c``: best cosine to the component's respondent pull-quotes;
- ``ctx``: best cosine to a sentence of the component's context (e.g. the strategy's own summary of
  earlier responses under that heading);
- ``lex``: TF-IDF cosine between the point (expanded with an optional glossary, none by default)
  and the principle's text plus its component's name and headline;
- ``comp_best``: the component's best ``cos_enr`` (is this area of the framework relevant at all?).

Where a principle or component has no examples or no context, ``cos_text`` / ``cos_enr`` stands in,
so missing evidence neither helps nor hurts (annex sections carry none, and must not be learnt as
"never relevant"). Analyst-confirmed points are deliberately not example features: respondents'
comments resemble each other more than they resemble principle text, so they pulled unrelated
points towards confirmed principles; the mapper uses them as training pairs and near-neighbour
evidence instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

FEATURES = (
    "cos_text",
    "cos_enr",
    "ex_p",
    "ex_c",
    "ctx",
    "lex",
    "comp_best",
)

# A glossary is ``(regex, words)`` pairs: a point matching the regex is expanded with the words for
# the lexical feature. None is built in (a domain glossary tunes the mapper to one corpus); per-
# framework vocabulary lives on the principles instead (``MapperPrinciple.title`` / ``synonyms``).
Glossary = tuple[tuple[str, str], ...] | list[tuple[str, str]]

_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
_STOP = frozenset(ENGLISH_STOP_WORDS) | {"will", "dwp", "shall", "would", "could", "should"}
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+(?=[\"'‘“(]?[A-Z0-9])")
_BULLET = re.compile(r"^\s*(?:[-•*–]|\d+[.)])\s+")


def expand(text: str, glossary: Glossary = ()) -> str:
    """The text followed by the glossary words of every term of ``glossary`` it contains."""
    extra = [words for pattern, words in glossary if re.search(pattern, text, re.IGNORECASE)]
    return " ".join([text, *extra])


def stem(word: str) -> str:
    """A light, deterministic suffix stripper (plural, -ing, -ed) so 'payments' meets 'payment'."""
    word = word.replace("’", "'").replace("-", "").removesuffix("'s")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    return word


def tokens(text: str) -> list[str]:
    """Lower-cased, stop-word-free, stemmed word tokens."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1]


def units(text: str, min_words: int = 4) -> list[str]:
    """A principle's text split into its lines (folded sub-bullets) and sentences, short bits dropped."""
    out: list[str] = []
    for line in text.splitlines():
        line = _BULLET.sub("", line).strip()
        for part in _SENTENCE.split(line):
            part = part.strip()
            if len(part.split()) >= min_words:
                out.append(part)
    return out


def sentences(text: str | None, min_words: int = 4) -> list[str]:
    """Sentences of a free-text block such as a component's context."""
    return units(text or "", min_words)


class LexicalIndex:
    """TF-IDF over principle documents; queries are expanded with ``glossary`` (empty by default).

    A framework whose texts hold no indexable word at all scores 0 everywhere.
    """

    def __init__(self, docs: list[str], glossary: Glossary = ()) -> None:
        self.glossary = tuple(glossary)
        self._n = len(docs)
        self._vec: TfidfVectorizer | None = TfidfVectorizer(analyzer=tokens, sublinear_tf=True, norm="l2")
        try:
            self._docs = self._vec.fit_transform(docs)
        except ValueError:  # empty vocabulary
            self._vec = None

    def _queries(self, texts: list[str]):
        assert self._vec is not None
        return self._vec.transform([expand(t, self.glossary) if self.glossary else t for t in texts])

    def scores_against(self, text: str, doc: str) -> float:
        """Cosine between one query and one document outside the index (leave-one-out variants)."""
        if self._vec is None:
            return 0.0
        return float((self._queries([text]) @ self._vec.transform([doc]).T).toarray()[0, 0])

    def scores(self, texts: list[str]) -> np.ndarray:
        """(len(texts), n_docs) cosine similarities."""
        if not texts or self._vec is None:
            return np.zeros((len(texts), self._n), dtype=np.float32)
        return np.asarray((self._queries(texts) @ self._docs.T).todense(), dtype=np.float32)


@dataclass
class ExampleSet:
    """Labelled example vectors with the principle or component they belong to and who owns them.

    ``owner`` is an id shared by a training query and the examples it must not see (leave-one-out).
    """

    vectors: np.ndarray
    group: np.ndarray  # principle index (or component index) per row
    owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def group_max(
        self, queries: np.ndarray, n_groups: int, exclude: np.ndarray | None = None, fill: float = 0.0
    ) -> np.ndarray:
        """(n, n_groups) best cosine to the examples of each group, ``fill`` where a group has none.
        ``exclude[i]`` is an owner id whose examples query ``i`` may not use (-1: none)."""
        out = np.full((len(queries), n_groups), -np.inf, dtype=np.float32)
        if len(self.vectors) and len(queries):
            sims = queries @ self.vectors.T
            if exclude is not None:
                sims = np.where(self.owner[None, :] == exclude[:, None], -np.inf, sims)
            for g in np.unique(self.group):
                cols = self.group == g
                out[:, g] = sims[:, cols].max(axis=1)
        return np.where(np.isfinite(out), out, fill).astype(np.float32)


def component_best(matrix: np.ndarray, comp: np.ndarray) -> np.ndarray:
    """Each principle's column replaced by the best value among its component's principles."""
    out = np.empty_like(matrix)
    for c in np.unique(comp):
        cols = comp == c
        out[:, cols] = matrix[:, cols].max(axis=1, keepdims=True)
    return out


def assemble(parts: dict[str, np.ndarray]) -> np.ndarray:
    """(n, P, len(FEATURES)) from the (n, P) matrices named like the features.

    Every feature is absolute (no "minus the row's best"): a point far from everything must score
    low everywhere, which is what lets "no principle fits" be a threshold on the probability.
    """
    return np.stack([parts[name] for name in FEATURES], axis=-1).astype(np.float32)
