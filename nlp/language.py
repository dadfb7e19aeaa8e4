"""Stop words per language, and a cheap language guess from them.

``stop_words("de")`` is spaCy's German list (``spacy.lang.de.stop_words``: no model needed); Welsh,
which spaCy does not cover, uses the hand-written list in ``nlp/data/stop_words_cy.txt``.
``guess_language(text)`` picks the supported language whose stop words cover most of the text's
words (function words make up a third to a half of running text in all five languages), or
``None`` when fewer than two words are stop words of any language: too short, or another language.
It is the fallback of ``detect_language``, which asks py3langid (langid.py's model, shipped inside
its wheel: 97 languages, Welsh among them) and keeps its answer when it is confident.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "de", "fr", "es", "cy")  # English, German, French, Spanish, Welsh
_DATA = Path(__file__).resolve().parent / "data"
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def words(text: str) -> list[str]:
    """Lower-cased words (letters, with inner apostrophes)."""
    return [w.replace("’", "'") for w in _WORD.findall(text.lower())]


@cache
def stop_words(language: str) -> frozenset[str]:
    """Stop words of ``language`` (an ISO 639-1 code in ``LANGUAGES``), lower-case."""
    if language not in LANGUAGES:
        raise ValueError(f"no stop words for language {language!r}; known: {', '.join(LANGUAGES)}")
    if language == "cy":
        lines = (_DATA / "stop_words_cy.txt").read_text(encoding="utf-8").splitlines()
        found = {w for line in lines if not line.startswith("#") for w in line.split()}
    else:
        found = set(_spacy_stop_words(language))
    return frozenset(w.lower().replace("’", "'") for w in found)


def _spacy_stop_words(language: str) -> set[str]:
    """``spacy.lang.<language>.stop_words.STOP_WORDS``, read from that one file: importing it as a
    module runs the language package's ``__init__``, which builds its tokenizer exceptions (about 3 s
    of regex compiling for French, in every process that guessed a language)."""
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("spaCy is not installed")
    path = Path(spec.submodule_search_locations[0]) / "lang" / language / "stop_words.py"
    module_spec = importlib.util.spec_from_file_location(f"_fairhearing_stop_words_{language}", path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"no spaCy stop words at {path}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return set(module.STOP_WORDS)


def guess_language(text: str) -> str | None:
    """The language in ``LANGUAGES`` whose stop words cover most words of ``text``; None if unsure."""
    tokens = words(text)
    if not tokens:
        return None
    hits = {lang: sum(t in stop_words(lang) for t in tokens) for lang in LANGUAGES}
    best = max(LANGUAGES, key=lambda lang: (hits[lang], -LANGUAGES.index(lang)))
    return best if hits[best] >= 2 else None


def main_languages(
    texts: Iterable[str], min_share: float = 0.05, *, languages: Iterable[str | None] | None = None
) -> list[str]:
    """Languages of ``LANGUAGES`` found in at least ``min_share`` of the texts (most common first),
    from ``languages`` per text when given, else guessed; ["en"] if none."""
    found_per_text = languages if languages is not None else map(guess_language, texts)
    counts = Counter(lang for lang in found_per_text if lang in LANGUAGES)
    total = sum(counts.values())
    found = [lang for lang, n in counts.most_common() if total and n / total >= min_share]
    return found or ["en"]


def stop_words_for(languages: Iterable[str]) -> frozenset[str]:
    """The union of the stop words of ``languages``."""
    out: set[str] = set()
    for lang in languages:
        out |= stop_words(lang)
    return frozenset(out)


DETECTOR = "py3langid"
MIN_CONFIDENCE = 0.8  # py3langid's normalised probability needed to take its answer
MIN_WORDS = 3  # shorter texts ("ok", "TUPE") are not detected


@cache
def _identifier():
    """py3langid's identifier (about 5 s to load), or None when the package is missing."""
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:
        return None
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of ``text``'s language, or None when too short or unsure.

    py3langid's answer when its probability reaches ``MIN_CONFIDENCE``; otherwise the stop-word
    guess (``guess_language``, the five languages of ``LANGUAGES`` only); None for texts under
    ``MIN_WORDS`` words.
    """
    if len(words(text)) < MIN_WORDS:
        return None
    identifier = _identifier()
    if identifier is not None:
        language, confidence = identifier.classify(text)
        if confidence >= MIN_CONFIDENCE:
            return str(language)
    return guess_language(text)


TAGGED_LANGUAGES = frozenset({"en"})  # languages the sentiment/type tagger was evaluated on (evals/README)
NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "cy": "Welsh"}


def tags_measured(language: str | None) -> bool:
    """Whether sentiment and type were measured for a point in ``language`` (None, undetected, is
    read as the consultation's usual language: too short to tell, as "ok" or "TUPE" are)."""
    return language is None or language in TAGGED_LANGUAGES


def language_name(language: str | None) -> str:
    """ "German" for "de"; the code itself for languages without a name here; "" for None."""
    return NAMES.get(language, language) if language else ""


def detect_languages(texts: Iterable[str]) -> list[str | None]:
    """``detect_language`` for each text."""
    return [detect_language(t) for t in texts]
