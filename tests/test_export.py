"""The JSONL export holds its contract on the seeds."""

from __future__ import annotations

from store.export import export_jsonl
from tests.conftest import SEEDS
from tests.export_contract import contract_problems, load


def _sources():
    return {p.name: p.read_text(encoding="utf-8") for p in SEEDS.iterdir()}


def test_export_contract_on_seeds(seeds_db, tmp_path):
    counts = export_jsonl(seeds_db, tmp_path)
    assert set(counts) == {"responses.jsonl", "points.jsonl", "principles.jsonl"}
    assert counts["responses.jsonl"] > 100 and counts["principles.jsonl"] > 40
    assert contract_problems(tmp_path, _sources()) == []


def test_export_fields_typed(seeds_db, tmp_path):
    export_jsonl(seeds_db, tmp_path)
    responses = load(tmp_path / "responses.jsonl")
    assert all(isinstance(r["truncated"], bool) for r in responses)
    roles = {r["role"] for r in responses}
    assert roles == {"stakeholder", "moderator", "post", "quoted_in_framework"}
    replies = [r for r in responses if r["reply_to"] is not None]
    ids = {r["id"] for r in responses}
    assert replies and all(r["reply_to"] in ids for r in replies)


def test_contract_checker_catches_a_bad_offset(seeds_db, tmp_path):
    export_jsonl(seeds_db, tmp_path)
    lines = (tmp_path / "points.jsonl").read_text(encoding="utf-8").splitlines()
    import json

    rec = json.loads(lines[0])
    rec["start"], rec["end"] = 0, 5
    lines[0] = json.dumps(rec)
    (tmp_path / "points.jsonl").write_text("\n".join(lines), encoding="utf-8")
    assert contract_problems(tmp_path, _sources())


def test_responses_are_citable(seeds_db, tmp_path):
    export_jsonl(seeds_db, tmp_path)
    responses = {r["id"]: r for r in load(tmp_path / "responses.jsonl")}
    numbered = [
        r for r in responses.values() if r["source"].startswith("000_") and r["role"] == "stakeholder"
    ]
    first = numbered[0]
    assert first["reference"]["source_title"] == "Implementation"  # the page title, not the hash name
    assert first["reference"]["number"] == "comment 1"
    assert first["reference"]["permalink"] == f"/responses/{first['id']}"
    assert "London Youth" in first["cite"] and "Implementation" in first["cite"]
    assert f"characters {first['start']}–{first['end']}" in first["cite"]


def test_counted_and_respondent_follow_the_count_model(seeds_db, tmp_path):
    export_jsonl(seeds_db, tmp_path)
    responses = load(tmp_path / "responses.jsonl")
    quotes = [r for r in responses if r["role"] == "quoted_in_framework"]
    assert quotes and not any(r["counted"] for r in quotes)  # pull-quotes in the strategy never count
    events = {r["respondent"] for r in responses if r["source"].startswith("002_") and r["counted"]}
    assert events == {"event:002_a782d7f36bd06b08.txt"}  # an event is one respondent
