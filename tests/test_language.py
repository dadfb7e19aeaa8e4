"""Language detection per point (py3langid with a stop-word fallback), its storage, and its use
for keyword stop words."""

from __future__ import annotations

import pytest

from nlp.embed import HashingEmbedder
from nlp.language import LANGUAGES, detect_language, detect_languages, stop_words
from nlp.themes import ThemeModeller

SAMPLES = {
    "en": "Payments should be made monthly in advance so that small charities can cope.",
    "de": "Die Autos und die Autofahrer sollen mehr für die Straße zahlen.",
    "fr": "Les entreprises doivent payer davantage pour la pollution de l'air.",
    "es": "Las empresas deben pagar más por la contaminación del aire en las ciudades.",
    "cy": "Mae angen mwy o arian ar gyfer y gwasanaethau yn yr ardal hon.",
}


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_detects_the_five_languages(language):
    assert detect_language(SAMPLES[language]) == language


def test_short_or_wordless_text_is_not_detected():
    assert detect_languages(["ok", "TUPE", "12 34 56", ""]) == [None, None, None, None]


GERMAN = [
    "Die Autos sollen in der Stadt weniger werden und die Parkplätze teurer.",
    "Für die Autofahrer soll das Parken in der Stadt mehr kosten.",
    "Wir brauchen weniger Autos und mehr Platz für die Menschen in der Stadt.",
    "Die öffentlichen Verkehrsmittel müssen billiger werden und öfter fahren.",
    "Mit den öffentlichen Verkehrsmitteln soll man auch auf dem Land fahren können.",
    "Die Busse und die Bahnen sollen auf dem Land öfter fahren.",
] * 3


def test_german_keywords_and_titles_use_german_stop_words():
    vectors = HashingEmbedder().encode(GERMAN)
    modeller = ThemeModeller(seed=1, nr_topics=2)
    result = modeller.fit(GERMAN, vectors)
    assert result.languages == ["de"] * len(GERMAN)
    german = stop_words("de")
    for theme in result.themes:
        assert theme.keywords
        assert not any(w in german for kw in theme.keywords for w in kw.lower().split()), theme.keywords
        assert not any(w in german for w in theme.label.lower().split()), theme.label


def test_languages_are_stored_per_point_and_read_per_response(analysed_db, tmp_path):
    from store.db import open_db
    from store.languages import language_counts, response_languages, write_point_languages
    from store.queries import runs as run_queries

    db = open_db(tmp_path / "copy.db")
    analysed_db.conn.backup(db.conn)
    run = run_queries.run_id(db)
    points = db.execute(
        "SELECT p.id, p.response_id, p.clean_text FROM point_analysis pa JOIN points p ON p.id = pa.point_id "
        "ORDER BY p.id"
    ).fetchall()
    languages = detect_languages([text for _, _, text in points])
    assert languages.count("en") > 0.8 * len(points)  # the seeds are English
    write_point_languages(db, [pid for pid, _, _ in points], languages)
    counts = language_counts(db, run)
    assert sum(counts.values()) == len(points) and counts["en"] == languages.count("en")
    first = points[0]
    write_point_languages(db, [first[0]], ["cy"])
    by_response = response_languages(db, run)
    assert set(by_response) <= {r for _, r, _ in points}
    assert all(lang in set(languages) | {"cy"} for lang in by_response.values())
    with pytest.raises(ValueError, match="languages"):
        write_point_languages(db, [1, 2], ["en"])
    assert response_languages(db, None) == {} and language_counts(db, None) == {}
    assert set(LANGUAGES) == set(SAMPLES)
