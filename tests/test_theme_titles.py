"""Theme titles and descriptions (nlp.theme_titles), language stop words, and how they are stored."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from nlp.embed import HashingEmbedder, normalise_rows
from nlp.language import LANGUAGES, guess_language, main_languages, stop_words
from nlp.theme_titles import describe, near_identical, runs, title_classes

ALL_STOPS = frozenset().union(*(stop_words(lang) for lang in LANGUAGES))


# ----- languages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Die Autos und die Autofahrer sollen mehr für die Straße zahlen.", "de"),
        ("The providers should be paid monthly and not in arrears.", "en"),
        ("Les entreprises doivent payer plus pour la pollution de l'air.", "fr"),
        ("Las empresas deben pagar más por la contaminación del aire.", "es"),
        ("Mae angen mwy o arian ar gyfer y gwasanaethau yn yr ardal hon.", "cy"),
    ],
)
def test_guess_language_from_stop_words(text, language):
    assert guess_language(text) == language


def test_stop_words_per_language_and_unknowns():
    assert {"und", "die"} <= stop_words("de") and "und" not in stop_words("en")
    assert {"yn", "mae", "gyda"} <= stop_words("cy")  # Welsh: the hand-written list
    assert guess_language("ok") is None and guess_language("") is None
    assert main_languages(["ok", "?"]) == ["en"]  # nothing to go on: English
    assert main_languages(["Die Straße ist für die Autos da."] * 9 + ["The road is for the cars."]) == [
        "de",
        "en",
    ]
    with pytest.raises(ValueError, match="no stop words"):
        stop_words("xx")


# ----- phrases -----------------------------------------------------------------------------------


def test_runs_break_at_stop_words_punctuation_and_numbers():
    stops = stop_words("en")
    found = {key for key, _ in runs("The work programme pays 20 providers, and local charities.", stops)}
    assert ("work", "programme") in found and ("local", "charities") in found
    assert ("programme", "pays") in found  # runs know nothing of parts of speech...
    assert not any(w in stops for key in found for w in key)  # ...but never hold a stop word
    assert ("providers", "local") not in found  # the comma breaks the run
    german = {
        written
        for _, written in runs(
            "Wir wollen erneuerbare Energien fördern und Autos", stop_words("de"), noun_final=True
        )
    }
    assert "erneuerbare Energien" in german and "Autos" in german
    assert not any(
        w.endswith("fördern") or w == "erneuerbare" for w in german
    )  # a German title ends on a noun


def test_near_identical():
    assert near_identical(("payment",), ("payments", "results"))  # one inside the other (stems)
    assert near_identical(("work", "programme"), ("new", "work", "programme"))
    assert not near_identical(("tupe",), ("payment",))
    assert not near_identical(("local", "charities"), ("local", "authority", "funding"))


def test_describe_is_one_sentence_quoting_the_clause():
    text = describe("payment by results", ["cash flow"], "Payment by results hurts small charities")
    assert (
        text
        == 'Points on payment by results (also cash flow); the most typical says: "Payment by results hurts small charities".'
    )
    assert describe("", [], "") == "Points."


# ----- titles ------------------------------------------------------------------------------------

THEMES = {
    "cash": [
        "Payment by results hurts the cash flow of small charities.",
        "Small charities cannot wait months for payment by results.",
        "Payment by results should come with an upfront payment for small charities.",
        "The cash flow of small charities suffers under payment by results.",
        "Monthly payments would ease the cash flow problem.",
    ],
    "tupe": [
        "TUPE must protect the pension rights of transferred staff.",
        "Transferred staff keep their pension rights under TUPE.",
        "The pension rights of staff are at risk when contracts move.",
        "TUPE and pension rights need clear guidance.",
        "Staff transfers raise questions about pension rights.",
    ],
    "jobcentre": [
        "Jobcentre Plus advisers refer too few claimants.",
        "Referrals from Jobcentre Plus advisers are slow.",
        "Jobcentre Plus advisers need training on the referral process.",
        "The referral process at Jobcentre Plus is confusing.",
        "Claimants wait weeks for a Jobcentre Plus referral.",
    ],
}


@pytest.fixture(scope="module")
def titled():
    texts = [t for group in THEMES.values() for t in group]
    labels = np.repeat(np.arange(len(THEMES)), 5)
    vectors = normalise_rows(HashingEmbedder().encode(texts))
    centroids = normalise_rows(np.vstack([vectors[labels == c].mean(axis=0) for c in range(len(THEMES))]))
    return (
        texts,
        labels,
        title_classes(texts, vectors, labels, centroids),
        title_classes(texts, vectors, labels, centroids, parser=False),
    )


@pytest.mark.parametrize("which", [2, 3])
def test_titles_are_distinct_noun_phrases_from_the_points(titled, which):
    texts, labels, *results = titled
    titles = results[which - 2]
    assert len(titles) == 3
    for c, title in enumerate(titles):
        words = title.title.lower().split()
        assert 1 <= len(words) <= 5 and " and " not in title.title
        assert words[0] not in stop_words("en") and words[-1] not in stop_words("en")
        members = [texts[i] for i in np.flatnonzero(labels == c)]
        assert any(title.title.lower() in m.lower() for m in members)  # written in the theme's points
        source = title.sources[0]
        assert source.phrase.lower() == title.title.lower()
        assert source.points and all(labels[i] == c for i in source.points)
        assert all(source.phrase.lower() in texts[i].lower() for i in source.points)
        assert title.description_point in source.points
        quote = re.search(r'"(.+)"\.$', title.description).group(1)
        assert quote.lower() in texts[title.description_point].lower()
    for a in range(3):
        for b in range(a + 1, 3):
            assert not near_identical(
                tuple(titles[a].title.lower().split()), tuple(titles[b].title.lower().split())
            )


def test_titles_name_the_themes(titled):
    _, _, chunked, _ = titled
    assert re.search(r"[Pp]ayment|[Cc]ash|[Cc]harities", chunked[0].title)
    assert re.search(r"TUPE|[Pp]ension|[Ss]taff", chunked[1].title)
    assert re.search(r"Jobcentre|[Rr]eferral|[Aa]dvisers", chunked[2].title)


def test_german_titles_have_no_stop_words():
    texts = [
        "Die Autos und die Autofahrer sollen mehr für die Straße zahlen.",
        "Autofahrer sollen für die Parkplätze zahlen und die Autos teurer werden.",
        "Mehr Parkplätze für Fahrräder statt für Autos.",
        "Öffentliche Verkehrsmittel müssen billiger werden.",
        "Die öffentlichen Verkehrsmittel sollen gratis sein und öfter fahren.",
        "Billigere öffentliche Verkehrsmittel und mehr Busse auf dem Land.",
    ]
    labels = np.array([0, 0, 0, 1, 1, 1])
    vectors = normalise_rows(HashingEmbedder().encode(texts))
    centroids = normalise_rows(np.vstack([vectors[labels == c].mean(axis=0) for c in range(2)]))
    titles = title_classes(texts, vectors, labels, centroids)
    for title in titles:
        words = title.title.lower().split()
        assert not any(a in ALL_STOPS and b in ALL_STOPS for a, b in zip(words, words[1:], strict=False))
        assert words[0] not in ALL_STOPS and words[-1] not in ALL_STOPS
        assert title.title[:1].isupper()
    assert "Autos" in titles[0].title or "Autofahrer" in titles[0].title or "Parkplätze" in titles[0].title
    assert "Verkehrsmittel" in titles[1].title


def test_a_theme_with_no_phrase_gets_a_numbered_title():
    texts = ["12 34", "56 78", "the and of", "of the and"]
    labels = np.array([0, 0, 1, 1])
    vectors = normalise_rows(HashingEmbedder().encode(texts))
    centroids = normalise_rows(np.vstack([vectors[labels == c].mean(axis=0) for c in range(2)]))
    titles = title_classes(texts, vectors, labels, centroids)
    assert [t.title for t in titles] == ["Theme 1", "Theme 2"]
    assert all(t.sources == [] for t in titles)


def test_a_theme_whose_phrases_are_each_used_once_is_titled_from_one_of_them():
    texts = [
        "Erstmals substanzielle Investitionen",
        "Mehr Geld für Bahnen",
        "Klimarat jetzt",
        "Klimarat sofort",
    ]
    texts += ["Klimarat heute", "Klimarat morgen"]
    labels = np.array([0, 0, 1, 1, 1, 1])
    vectors = normalise_rows(HashingEmbedder().encode(texts))
    centroids = normalise_rows(np.vstack([vectors[labels == c].mean(axis=0) for c in range(2)]))
    titles = title_classes(texts, vectors, labels, centroids, languages=["de"] * len(texts))
    assert titles[1].title == "Klimarat"
    assert not titles[0].title.startswith("Theme")
    assert titles[0].sources and any(titles[0].sources[0].phrase in t for t in texts[:4])


def test_english_chunks_give_x_of_y_phrases_and_skip_spaced_dashes():
    from nlp.theme_titles import _parser, chunks

    nlp = _parser()
    if nlp is None:
        pytest.skip("spaCy's English pipeline is not installed")
    stops = stop_words("en")
    keys = {key for key, _ in chunks(nlp("Ease of use was the main benefit."), stops)}
    assert ("ease", "of", "use") in keys and ("main", "benefit") in keys
    assert ("ease", "of", "use") not in {k for k, _ in chunks(nlp("Ease of use."), stops, of_phrases=False)}
    assert all("-" not in written for _, written in chunks(nlp("Answer - department chair"), stops))


# ----- storage and the page ----------------------------------------------------------------------


def test_descriptions_and_title_sources_are_stored_and_shown(analysed_db, tmp_path):
    from store.queries import runs as run_queries
    from store.queries import themes as theme_queries
    from web import create_app

    rows = theme_queries.themes(analysed_db, run_queries.run_id(analysed_db))
    themes = [theme_queries.theme(analysed_db, t["id"]) for t in rows if t["level"] == 0]
    assert themes and all(t["description"] for t in themes)
    sources = json.loads(themes[0]["title_sources"])
    assert sources[0]["phrase"].lower() == themes[0]["auto_label"].lower().split(":")[0]
    assert sources[0]["quotes"] and "points" not in sources[0]
    labels = [t["auto_label"] for t in themes]
    assert len(set(labels)) == len(labels)
    assert not any(re.search(r"\S and \S", label) for label in labels)

    path = analysed_db.conn.execute("PRAGMA database_list").fetchone()[2]
    app = create_app(
        {
            "DATABASE": path,
            "SECRET_KEY": "test-key",
            "EMBEDDER": "hashing",
            "INSTANCE_PATH": str(tmp_path / "i"),
        }
    )
    html = app.test_client().get(f"/themes/{themes[0]['id']}").get_data(as_text=True)
    assert "Why this title" in html and sources[0]["phrase"] in html


def test_unthemed_points_are_counted_and_listed(analysed_db, tmp_path):
    from store.db import open_db
    from store.queries import runs as run_queries
    from store.unthemed import unthemed_count, unthemed_points
    from web import create_app

    db = open_db(tmp_path / "copy.db")
    analysed_db.conn.backup(db.conn)
    run = run_queries.run_id(db)
    before = unthemed_count(db, run)
    pid, text = db.execute(
        "SELECT p.id, p.clean_text FROM point_analysis pa JOIN points p ON p.id = pa.point_id "
        "WHERE pa.theme_id IS NOT NULL ORDER BY p.id LIMIT 1"
    ).fetchone()
    db.execute("UPDATE point_analysis SET theme_id = NULL WHERE point_id = ?", [pid])
    db.conn.commit()
    assert unthemed_count(db, run) == before + 1
    rows, total = unthemed_points(db, run, 1, 500)
    assert total == before + 1 and pid in [r["id"] for r in rows]
    assert unthemed_count(db, None) == 0 and unthemed_points(db, None) == ([], 0)

    app = create_app(
        {
            "DATABASE": str(tmp_path / "copy.db"),
            "SECRET_KEY": "k",
            "EMBEDDER": "hashing",
            "INSTANCE_PATH": str(tmp_path / "i"),
        }
    )
    client = app.test_client()
    assert f"{before + 1} points fit no theme" in client.get("/themes").get_data(as_text=True)
    page = client.get("/themes/unthemed?page=1").get_data(as_text=True)
    assert "Not themed" in page and f"<strong>{before + 1}</strong>" in page
