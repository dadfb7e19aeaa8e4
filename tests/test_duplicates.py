"""Duplicate, template and campaign groups (ingest.duplicates).

Speed, measured once (not asserted): 50,000 synthetic texts of 60-100 words grouped in about
12 s on one core of the development machine.
"""

from __future__ import annotations

import random
from pathlib import Path

from ingest.duplicates import DuplicateGroup, dedup_key, find_duplicates

SEEDS = Path(__file__).resolve().parents[1] / "corpora" / "dwp-seeds"

LETTER = (
    "Dear Minister, I am writing to urge you to protect funding for local employment support services. "
    "These services helped my neighbours back into work and they cost far less than long-term "
    "unemployment. Cutting them now would be a false economy that hurts the people furthest from the "
    "labour market. Please keep the specialist advisers, keep the outreach in community centres, and "
    "make sure small charities can still bid for contracts. Thank you for reading my letter."
)


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_dedup_key() -> None:
    assert dedup_key("  It\u2019s  FINE,\nreally!! ") == "it s fine really"
    assert dedup_key("...") == ""


def test_north_west_network_preambles_across_pages() -> None:
    items: list[tuple[int, str]] = []
    source_of: dict[int, int] = {}
    for src, prefix in enumerate(("000", "001")):
        for para in paragraphs(seed(prefix)):
            rid = len(items)
            items.append((rid, para))
            source_of[rid] = src
    preambles = sorted(rid for rid, t in items if t.startswith("North West Network is a charity"))
    assert len(preambles) == 2 and source_of[preambles[0]] != source_of[preambles[1]]

    groups = find_duplicates(items, source_of=source_of)
    by_members = {tuple(g.members): g for g in groups}
    assert by_members[tuple(preambles)].kind == "template"
    # page chrome and the moderator's closing line repeat word for word on both pages; the
    # closing notices differ by the page name ("on Implementation" / "on Customers"): not near
    closed = tuple(rid for rid, t in items if t == "Comments on this page are now closed.")
    consider = tuple(rid for rid, t in items if t.startswith("We will consider your comments"))
    assert set(by_members) == {tuple(preambles), closed, consider}
    assert by_members[closed].kind == by_members[consider].kind == "template"

    plain = find_duplicates(items)  # without sources: a near group and exact groups
    assert {tuple(g.members): g.kind for g in plain} == {
        tuple(preambles): "near",
        closed: "exact",
        consider: "exact",
    }


def _variant(rng: random.Random, n: int) -> str:
    words = LETTER.split()
    for _ in range(rng.randint(0, 2)):  # small edits: swap in a word, drop one
        i = rng.randrange(len(words))
        if rng.random() < 0.5:
            words[i] = rng.choice(["really", "truly", "urgently", "local", "vital"])
        else:
            del words[i]
    return " ".join(words) + f" Yours, Resident {n}"


def _unrelated(rng: random.Random) -> str:
    vocab = sorted(set(dedup_key(LETTER).split())) + [f"topic{i}" for i in range(300)]
    return " ".join(rng.choice(vocab) for _ in range(rng.randint(20, 90))).capitalize() + "."


def test_synthetic_campaign() -> None:
    rng = random.Random(7)
    letters = [(i, _variant(rng, i)) for i in range(200)]
    others = [(1000 + i, _unrelated(rng)) for i in range(500)]
    # hard negatives: the letter's opening sentence, then different content
    others += [(2000 + i, LETTER.split(". ")[0] + ". " + _unrelated(rng)) for i in range(20)]
    items = letters + others
    rng.shuffle(items)

    groups = find_duplicates(items)
    campaigns = [g for g in groups if g.kind == "campaign"]
    assert len(campaigns) == 1
    assert campaigns[0].members == list(range(200))
    assert campaigns[0].representative in range(200)
    assert all(len(g.members) < 10 and min(g.members) >= 1000 for g in groups if g.kind != "campaign")
    assert find_duplicates(items) == groups  # deterministic


def test_exact_and_short_texts() -> None:
    long = (
        "The programme needs clearer eligibility rules for every claimant group, and Jobcentre Plus "
        "offices should apply them the same way in every district so that suppliers can plan."
    )
    items = [
        (5, "I agree."),
        (3, "i AGREE!"),
        (9, "I agree strongly."),  # short: only exact duplicates join
        (1, long),
        (2, long.replace(",", "").upper()),
        (4, long.replace("can plan", "can prepare")),
        (7, ""),
        (8, "   "),
    ]
    groups = find_duplicates(items)
    assert groups == [
        DuplicateGroup(kind="near", members=[1, 2, 4], representative=4),  # the longest
        DuplicateGroup(kind="exact", members=[3, 5], representative=3),
    ]


def test_representative_is_longest_then_smallest_id() -> None:
    base = "Extend the contracts to March so that staff can be retained and transferred to the new prime."
    items = [(4, base), (2, base), (3, base + " Thanks")]
    (group,) = find_duplicates(items, threshold=0.7)
    assert (group.members, group.representative) == ([2, 3, 4], 3)
    (exact,) = find_duplicates([(4, base), (2, base)])
    assert exact.representative == 2


def test_threshold_controls_near_matches() -> None:
    a = "one two three four five six seven eight nine ten eleven twelve"
    b = "one two three four five six seven eight nine ten eleven dozen"
    assert find_duplicates([(1, a), (2, b)], threshold=0.95) == []
    assert [g.members for g in find_duplicates([(1, a), (2, b)], threshold=0.8)] == [[1, 2]]


SHORT_ANSWERS = [
    "I agree with the proposal because it will help local people find work",
    "The jobcentre should offer more face to face appointments for older people",
    "Please keep the specialist advisers in community centres near where people live",
    "Small charities need a fair chance to bid for contracts with the department",
]


def _similar_short(n: int, seed: int) -> list[tuple[int, str]]:
    """Many short answers near the threshold of each other: long LSH candidate lists."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        words = rng.choice(SHORT_ANSWERS).split()
        if rng.random() < 0.5:
            words[rng.randrange(len(words))] = rng.choice(["really", "fair", "local", "more", "staff"])
        words += [f"w{rng.randrange(300)}" for _ in range(rng.randint(1, 3))]
        items.append((i, " ".join(words)))
    return items


def test_many_similar_short_answers_keep_true_duplicates() -> None:
    n = 2000
    items = _similar_short(n, seed=3)
    rng = random.Random(5)
    picks = rng.sample(range(n), 40)
    # a true near duplicate of 40 of them (one word added: Jaccard >= 0.9), given later ids
    copies = [(n + k, items[i][1] + " indeed") for k, i in enumerate(picks)]
    groups = find_duplicates(items + copies)
    group_of = {m: g.members for g in groups for m in g.members}
    assert all(group_of.get(n + k) is not None and n + k in group_of.get(i, []) for k, i in enumerate(picks))

    # bounded work only leaves pairs out: every group lies inside a group of the unbounded search
    unbounded = find_duplicates(items + copies, bucket_cap=10**6, max_checks=10**6)
    full_of = {m: set(g.members) for g in unbounded for m in g.members}
    assert all(set(g.members) <= full_of[g.members[0]] for g in groups)


def test_many_similar_short_answers_deterministic() -> None:
    items = _similar_short(1000, seed=11)
    groups = find_duplicates(items)
    assert len(groups) > 10
    shuffled = list(items)
    random.Random(2).shuffle(shuffled)
    assert find_duplicates(shuffled) == groups  # input order does not matter
    assert find_duplicates(items) == groups


def test_bounds_change_nothing_on_ordinary_data() -> None:
    rng = random.Random(7)
    items = [(i, _variant(rng, i)) for i in range(200)] + [(1000 + i, _unrelated(rng)) for i in range(300)]
    items += [(2000 + i, LETTER.split(". ")[0] + ". " + _unrelated(rng)) for i in range(20)]
    for pid, para in enumerate(paragraphs(seed("000")) + paragraphs(seed("001"))):
        items.append((3000 + pid, para))
    assert find_duplicates(items) == find_duplicates(items, bucket_cap=10**6, max_checks=10**6)
