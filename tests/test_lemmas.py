"""spaCy lemmas merge inflections in theme keywords (the real en_core_web_sm model package)."""

from __future__ import annotations

from nlp.lemmas import LemmaTokenizer, lemmatise_words
from nlp.themes import TOKEN_PATTERN


def test_plural_nouns_and_verb_forms_lemmatised():
    lemmas = lemmatise_words(["payments", "primes", "providers", "vacancies", "tupe"])
    assert lemmas["payments"] == "payment"
    assert lemmas["providers"] == "provider"
    assert lemmas["vacancies"] == "vacancy"
    assert "tupe" not in lemmas  # unchanged words are left out


def test_tokenizer_drops_stop_words_and_merges_forms():
    texts = ["Payments to providers were late.", "The payment terms for a provider", "A term", "payment"]
    tok = LemmaTokenizer(texts, TOKEN_PATTERN)
    assert tok(texts[0]) == ["payment", "provider", "late"]
    assert tok(texts[1]) == ["payment", "term", "provider"]
    assert tok.written("payment term") == "payment terms"


def test_only_lemmas_the_texts_use():
    tok = LemmaTokenizer(["Ofsted inspected the providers", "Ofsted grades"], TOKEN_PATTERN)
    assert tok("Ofsted inspected providers") == ["ofsted", "inspected", "providers"]


def test_theme_keywords_use_lemmas():
    from sklearn.feature_extraction.text import CountVectorizer

    texts = ["Payments arrive late for small providers"] * 3 + ["A payment to a provider"] * 3
    tok = LemmaTokenizer(texts, TOKEN_PATTERN)
    vocab = CountVectorizer(tokenizer=tok, token_pattern=None, lowercase=False).fit(texts).vocabulary_
    assert "payment" in vocab and "payments" not in vocab


def test_only_words_the_lemmatizer_could_change_are_tagged():
    """Skipping the words no rule, exception or attribute-ruler lemma reaches changes no result."""
    import re
    from pathlib import Path

    from nlp import lemmas

    seeds = Path(__file__).resolve().parent.parent / "corpora" / "dwp-seeds"
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds.glob("00[0-3]_*.txt"))]
    tricky = [
        "men",
        "women",
        "better",
        "best",
        "was",
        "children",
        "data",
        "me",
        "us",
        "nothin",
        "ai",
        "wo",
        "ca",
    ]
    words = sorted(set(lemmas.vocabulary(texts, re.compile(TOKEN_PATTERN))) | set(tricky))
    nlp = lemmas._nlp(lemmas.SPACY_MODEL)
    changes = lemmas.could_change(nlp)
    skipped = [w for w in words if not changes(w)]
    assert len(skipped) > len(words) / 2  # most of a real vocabulary needs no tagging
    every = {w: lemma for w, lemma in zip(words, lemmas._lemmas(words, nlp), strict=True) if lemma}
    assert lemmas.lemmatise_words(words) == every
    assert {"men", "better", "was", "children"} <= set(every)
