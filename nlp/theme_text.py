"""What the themes stage reads from the texts themselves: languages, stop words and word lemmas.

``read_texts`` does it in one call, so that ``ThemeModeller.fit`` can run it in a worker process
(``nlp.parallel.Aside``) while UMAP lays the points out in its own process: UMAP's seeded layout
runs in one thread and leaves the other cores idle. The result is the same wherever it runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from nlp.language import LANGUAGES, detect_languages, main_languages, stop_words_for
from nlp.lemmas import lemmatise_words, vocabulary


@dataclass(frozen=True)
class TextReading:
    languages: list[str | None]  # detected per text (ISO 639-1; None: unsure)
    lemmas: dict[str, str] | None  # ``lemmatise_words`` of the words outside ``theme_stop_words``


def known_languages(texts: Sequence[str], languages: Sequence[str | None]) -> list[str]:
    """Each text's language where it has stop words here (``LANGUAGES``), else the main one."""
    main = main_languages(texts, languages=languages)
    return [lang if lang in LANGUAGES else main[0] for lang in languages]


def theme_stop_words(texts: Sequence[str], known: Sequence[str]) -> frozenset[str]:
    """scikit-learn's English stop words and those of the texts' main languages."""
    return frozenset(ENGLISH_STOP_WORDS | stop_words_for(main_languages(texts, languages=known or None)))


def read_texts(texts: Sequence[str], token_pattern: str, lemmas: bool = True) -> TextReading:
    """The texts' languages and (``lemmas``) the lemmas of their words outside the stop words."""
    texts = list(texts)
    languages = detect_languages(texts)
    if not lemmas or not texts:
        return TextReading(languages, None)
    stops = theme_stop_words(texts, known_languages(texts, languages))
    words = [w for w in vocabulary(texts, re.compile(token_pattern)) if w not in stops]
    return TextReading(languages, lemmatise_words(words))
