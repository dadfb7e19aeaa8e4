"""Planted personal data: recall and precision of redaction per kind (``ingest.clean.redact_spans``).

    HF_HUB_OFFLINE=1 .venv/bin/python evals/eval_pii.py [--n 400] [--seed 7]

Part 2, names: hand-written responses in ``evals/data/pii_names.jsonl`` (the development set the
name rules were written against) and ``evals/data/pii_names_heldout.jsonl`` (written after them;
see evals/README.md for what was measured before it was looked at), each listing the private
individuals' names it holds and the organisations, places, policy names and principle codes that
must stay. A name is recalled when a span covers it; a name span touching no planted name is a
false positive; "kept words redacted" counts the must-stay items a name span touches. Compared:
the regex-only baseline (no names), spaCy's PERSON entities alone, the context rules alone, and
``ingest.names`` (both, with the organisation filters).

Each synthetic response plants one identifier of one kind (valid NI prefixes and suffixes, NHS
numbers with a correct check digit, Luhn-valid card numbers, sort codes and account numbers after a
bank cue, dates after a birth cue, UK phone numbers, e-mails, postcodes) in one of several phrasings,
beside distractors a consultation response legitimately holds (principle codes, years, money,
percentages, charity and company numbers, counts, dates of events, organisation names). A planted
item is recalled when a span of its kind covers it; every other span is a false positive (it hit a
distractor). Baseline: the redaction before structured identifiers (e-mail, phone, address only).
Seeded: same numbers every run. Nothing here trains anything.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

KINDS = (
    "ni-number",
    "nhs-number",
    "card-number",
    "bank-details",
    "date-of-birth",
    "phone",
    "email",
    "address",
)
NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"
MONTHS = ["January", "March", "June", "September", "November"]
ORGS = ["Northfield Works", "Mencap", "Shaw Trust", "North West Network", "Citizens Advice Leeds"]
DISTRACTORS = [
    "Principle 4.10 and 2.3 are the ones that matter to {org}.",
    "In 2008 we received £1,234,567 to support 1,250 people, 37.5% of them disabled.",
    "Our charity number is {charity} and our company number is {company}.",
    "The event on 12 March 2009 had 85 participants across 14 tables.",
    "Since 2011, 4,500 referrals were made; 2,300 led to jobs within 26 weeks.",
    "{org} has worked with 3,000 clients over 12 years.",
    "Contract CPA 2010/11 ran for 24 months at 98.6% occupancy.",
]


def _nhs(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        total = sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        check = 0 if check == 11 else check
        if check != 10:
            s = "".join(map(str, digits)) + str(check)
            return rng.choice([s, f"{s[:3]} {s[3:6]} {s[6:]}", f"{s[:3]}-{s[3:6]}-{s[6:]}"])


def _card(rng: random.Random) -> str:
    digits = [4] + [rng.randint(0, 9) for _ in range(14)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = d * 2 if i % 2 == 0 else d
        total += n - 9 if n > 9 else n
    digits.append((10 - total % 10) % 10)
    s = "".join(map(str, digits))
    return rng.choice([s, " ".join(s[i : i + 4] for i in range(0, 16, 4))])


def _plant(kind: str, rng: random.Random) -> tuple[str, str]:
    """(sentence, planted value) for one kind."""
    if kind == "ni-number":
        v = rng.choice(NI_FIRST) + rng.choice(NI_SECOND) + "".join(str(rng.randint(0, 9)) for _ in range(6))
        v += rng.choice("ABCD")
        if rng.random() < 0.5:
            v = f"{v[:2]} {v[2:4]} {v[4:6]} {v[6:8]} {v[8]}"
        return rng.choice(["My National Insurance number is {v}.", "NI no: {v}", "(NINO {v})"]).format(v=v), v
    if kind == "nhs-number":
        v = _nhs(rng)
        return rng.choice(["My NHS number is {v}.", "NHS no. {v} for reference", "patient {v}"]).format(
            v=v
        ), v
    if kind == "card-number":
        v = _card(rng)
        return rng.choice(["I paid with card {v}.", "card number {v}, expiry 04/27"]).format(v=v), v
    if kind == "bank-details":
        sort = f"{rng.randint(10, 99)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
        acct = "".join(str(rng.randint(0, 9)) for _ in range(8))
        v = rng.choice([sort, acct])
        cue = "sort code" if v == sort else rng.choice(["account number", "account no.", "a/c"])
        return f"Please pay it into my {cue} {v}.", v
    if kind == "date-of-birth":
        d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1940, 2005)
        v = rng.choice([f"{d:02d}/{m:02d}/{y}", f"{d} {rng.choice(MONTHS)} {y}"])
        return rng.choice(
            ["I was born on {v}.", "DOB: {v}", "date of birth {v}, so I am a pensioner"]
        ).format(v=v), v
    if kind == "phone":
        a, b, c = rng.randint(200, 999), rng.randint(1000, 9999), rng.randint(100000, 999999)
        v = rng.choice(
            [
                f"0113 {a} {b}",
                f"07{a} {c}",
                f"07700 {c}",
                f"+44 20 {b} {rng.randint(1000, 9999)}",
                f"+44 (0)20 {b} {rng.randint(1000, 9999)}",
                f"+447{a}{c}",
                f"0044 20 {b} {rng.randint(1000, 9999)}",
                f"0044 161 {a} {b}",
                f"(020) {b} {rng.randint(1000, 9999)}",
                f"(0161) {a} {b}",
                f"0800 {a} {b}",
                f"0808 {a} {b}",
                f"0300 {a} {b}",
                f"0845 {a} {b}",
                f"0161-{a}-{b}",
                f"020 {b} {rng.randint(1000, 9999)} ext. {rng.randint(10, 999)}",
                f"01632 {c} x{rng.randint(10, 9999)}",
                f"0113 {a} {b} (extension {rng.randint(10, 999)})",
            ]
        )
        return rng.choice(["Call me on {v} any time.", "Tel: {v}", "phone {v}, evenings only"]).format(v=v), v
    if kind == "email":
        v = f"{rng.choice(['jo', 'sam', 'a.khan'])}{rng.randint(1, 99)}@example.org"
        return f"Write to {v}.", v
    v = f"{rng.randint(1, 200)} {rng.choice(['High', 'Mill', 'Church'])} Street, Leeds LS{rng.randint(1, 28)} {rng.randint(1, 9)}AB"
    return f"I live at {v}.", v


def planted_set(n: int, seed: int) -> list[tuple[str, str, str]]:
    """(text, kind, value) per synthetic response."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        sentence, value = _plant(kind, rng)
        before = rng.choice(DISTRACTORS).format(
            org=rng.choice(ORGS),
            charity=rng.randint(1000000, 1199999),
            company=f"{rng.randint(1000000, 9999999):08d}",
        )
        after = rng.choice(DISTRACTORS).format(
            org=rng.choice(ORGS),
            charity=rng.randint(1000000, 1199999),
            company=f"{rng.randint(1000000, 9999999):08d}",
        )
        out.append((f"{before} {sentence} {after}", kind, value))
    return out


def score(spans_of, items) -> dict[str, tuple[int, int, int]]:
    """Per kind: (planted, recalled, false positives)."""
    stats = {k: [0, 0, 0] for k in KINDS}
    for text, kind, value in items:
        start = text.index(value)
        end = start + len(value)
        stats[kind][0] += 1
        hit = False
        for s, e, label in spans_of(text):
            if s <= start and end <= e and label == kind:
                hit = True
            elif not (s < end and start < e):
                stats[label if label in stats else kind][2] += 1
        stats[kind][1] += hit
    return {k: tuple(v) for k, v in stats.items()}


def name_rows(path: Path) -> list[dict]:
    import json

    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _occurrences(text: str, items: list[str]) -> list[tuple[int, int]]:
    """Where each listed item is, a repeated item taking its next occurrence."""
    out, after = [], {}
    for x in items:
        i = text.index(x, after.get(x, 0))
        after[x] = i + 1
        out.append((i, i + len(x)))
    return out


def score_names(spans_of, rows) -> tuple[int, int, int, int, int]:
    """(names, recalled, false positives, kept items, kept items redacted)."""
    n = hit = fp = kept = bad = 0
    for r in rows:
        spans = spans_of(r["text"])
        gold = _occurrences(r["text"], r["names"])
        keep = _occurrences(r["text"], r["keep"])
        n += len(gold)
        kept += len(keep)
        hit += sum(any(a <= s and e <= b for a, b in spans) for s, e in gold)
        fp += sum(not any(a < e and s < b for s, e in gold) for a, b in spans)
        bad += sum(any(a < e and s < b for a, b in spans) for s, e in keep)
    return n, hit, fp, kept, bad


def names_table() -> None:
    from ingest import clean, names

    data = Path(__file__).resolve().parent / "data"

    def spacy_only(text):
        return [(e.start_char, e.end_char) for e in names._nlp()(text).ents if e.label_ == "PERSON"]

    methods = [
        ("regex only (baseline)", lambda t: [(s, e) for s, e, k in clean.redact_spans(t, names=False)]),
        ("spaCy PERSON entities", spacy_only),
        ("context rules", names._rule_spans),
        ("ingest.names (both)", lambda t: [(s, e) for s, e, _ in names.name_spans(t)]),
    ]
    print("\n| set | method | names | recall | false positives | precision | kept words redacted |")
    print("|---|---|---|---|---|---|---|")
    for file in ("pii_names.jsonl", "pii_names_heldout.jsonl"):
        rows = name_rows(data / file)
        for label, fn in methods:
            n, hit, fp, kept, bad = score_names(fn, rows)
            precision = hit / (hit + fp) if hit + fp else 1.0
            print(f"| {file} | {label} | {n} | {hit / n:.2f} | {fp} | {precision:.2f} | {bad} of {kept} |")


def main() -> None:
    from ingest import clean
    from ingest.identifiers import identifier_spans

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    items = planted_set(args.n, args.seed)

    def baseline(text: str):
        structured = {(s, e) for s, e, _ in identifier_spans(text)}
        return [sp for sp in clean.redact_spans(text, names=False) if (sp[0], sp[1]) not in structured]

    def ours_structured(text: str):
        return [sp for sp in clean.redact_spans(text) if sp[2] != "name"]

    ours = score(ours_structured, items)
    base = score(baseline, items)
    print(
        f"\n{args.n} planted items (seed {args.seed}), one per synthetic response with two distractor sentences\n"
    )
    print(
        "| kind | planted | recall (baseline) | recall | false positives (baseline) | false positives | precision |"
    )
    print("|---|---|---|---|---|---|---|")
    for k in KINDS:
        n, hit, fp = ours[k]
        _, bhit, bfp = base[k]
        precision = hit / (hit + fp) if hit + fp else 1.0
        print(f"| {k} | {n} | {bhit / n:.2f} | {hit / n:.2f} | {bfp} | {fp} | {precision:.2f} |")
    names_table()


if __name__ == "__main__":
    main()
