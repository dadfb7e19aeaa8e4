"""Language detection per point (py3langid with a stop-word fallback), its storage, and its use
for keyword stop words."""

from __future__ import annotations

import numpy as np
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


def test_non_english_points_are_flagged_filtered_and_not_tagged(analysed_db, tmp_path):
    """A point detected as German: flagged on its response page and in lists, found by the language
    filter, its sentiment and type shown and exported as not measured."""
    import json

    from store.db import open_db
    from store.export import export_jsonl
    from store.languages import write_point_languages
    from store.queries import runs as run_queries
    from store.queries import search as search_queries
    from web import create_app

    path = tmp_path / "copy.db"
    db = open_db(path)
    analysed_db.conn.backup(db.conn)
    pid, rid, text = db.execute(
        "SELECT p.id, p.response_id, p.clean_text FROM point_analysis pa JOIN points p ON p.id = pa.point_id "
        "JOIN responses r ON r.id = p.response_id WHERE r.role = 'stakeholder' AND pa.sentiment IS NOT NULL "
        "ORDER BY p.id LIMIT 1"
    ).fetchone()
    with db.conn:
        write_point_languages(db, [pid], ["de"])
        db.execute("UPDATE point_analysis SET sentiment = NULL, type = NULL WHERE point_id = ?", [pid])
    assert "de" in search_queries.filter_options(db, run_queries.run_id(db))["languages"]
    db.close()

    app = create_app(
        {
            "DATABASE": str(path),
            "SECRET_KEY": "k",
            "EMBEDDER": "hashing",
            "INSTANCE_PATH": str(tmp_path / "i"),
        }
    )
    client = app.test_client()
    page = client.get(f"/responses/{rid}").get_data(as_text=True)
    assert "not English: German" in page and "sentiment and type not measured" in page
    found = client.get("/search?language=de").get_data(as_text=True)
    assert '<option value="de" selected>German</option>' in found
    assert "1 result." in found and "sentiment and type not measured" in found
    english = client.get("/search?language=en").get_data(as_text=True)
    assert "not measured" not in english and "result" in english

    db = open_db(path)
    from reports.summary import build

    method = " ".join(build(db).method)
    assert "1 point was written in a language other than English (German 1)" in method
    export_jsonl(db, tmp_path / "out")
    points = {
        p["id"]: p
        for p in map(json.loads, (tmp_path / "out" / "points.jsonl").read_text(encoding="utf-8").splitlines())
    }
    assert points[pid]["language"] == "de" and points[pid]["sentiment_measured"] is False
    assert points[pid]["sentiment"] is None and points[pid]["type"] is None
    others = [p for p in points.values() if p["id"] != pid and p["sentiment"] is not None]
    assert others and all(p["sentiment_measured"] for p in others)


def test_multilingual_embedder_is_chosen_for_mostly_german_points_and_embeds_them():
    from nlp.embed import MULTILINGUAL, load_embedder
    from nlp.pipeline import Analyser

    german = [
        "Autos sollen aus der Innenstadt verbannt werden, damit die Luft sauberer wird.",
        "Der Autoverkehr in der Stadt muss stark reduziert werden.",
        "Wir brauchen mehr Bäume und Parks in allen Bezirken der Stadt.",
        "Grünflächen und Parks sollten in jedem Viertel ausgebaut werden.",
    ]
    english = ["Cars should be kept out of the city centre so that the air is cleaner.", "ok"]
    note = Analyser._multilingual_note(german + english)
    assert note.startswith("80% of the points") and "not English" in note
    assert Analyser._multilingual_note(english + german[:1]) == ""

    embedder = load_embedder(MULTILINGUAL)
    assert embedder.loader_name == MULTILINGUAL and embedder.name.startswith("e5-multilingual-small")
    vectors = embedder.encode(german + english[:1])
    assert vectors.shape == (5, embedder.dim) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    sims = vectors @ vectors.T
    # cars with cars (across languages too), parks with parks
    assert sims[0, 1] > sims[0, 2] and sims[0, 1] > sims[0, 3] and sims[2, 3] > sims[2, 1]
    assert sims[0, 4] > sims[3, 4]


def test_multilingual_share_of_a_large_consultation_is_read_on_a_sample(monkeypatch):
    import nlp.pipeline as pipeline

    german = "Der Autoverkehr in der Stadt muss stark reduziert werden, sagen wir alle."
    english = "Cars should be kept out of the city centre so that the air is cleaner."
    monkeypatch.setattr(pipeline, "LANGUAGE_SAMPLE", 20)
    texts = [german] * 90 + [english] * 10
    note = pipeline.Analyser._multilingual_note(texts)
    assert "of the points (a sample of 20 of 100) with a detected language are not English" in note
    assert note == pipeline.Analyser._multilingual_note(texts)  # a seeded sample
    assert pipeline.Analyser._multilingual_note([english] * 90 + [german] * 10) == ""
