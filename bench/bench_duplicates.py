"""Near-duplicate grouping (ingest.duplicates.find_duplicates) on many similar short answers.

    .venv/bin/python bench/bench_duplicates.py [--sizes 10000 40000 200000] [--compare-at 10000]

The texts are synthetic, generated with a seeded RNG (the same texts on every run):

- ``similar``: one of eight short consultation answers (11-15 words), half of them with one word
  replaced, followed by 1-3 words from a 500-word list: thousands of texts lie near the 0.8
  Jaccard threshold of each other, so LSH returns long candidate lists (the worst case);
- ``varied``: 6-20 words drawn from a 5,000-word list, one text in 50 an earlier one plus a
  word: few candidates.

For each size and kind it prints the wall time of one ``find_duplicates`` call, the number of
groups and of grouped texts. At ``--compare-at`` texts it also runs the unbounded search
(``bucket_cap`` and ``max_checks`` set beyond any bucket), which checks every LSH candidate as
the previous version did, and prints its time and how many texts it groups.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.duplicates import DuplicateGroup, find_duplicates  # noqa: E402

BASES = [
    "I agree with the proposal because it will help local people find work",
    "I do not agree with the proposal as it will cut support for disabled claimants",
    "The jobcentre should offer more face to face appointments for older people",
    "Funding for employment support must be protected in every region of the country",
    "Please keep the specialist advisers in community centres near where people live",
    "The sanctions regime is too harsh and pushes families into debt and hardship",
    "More training for staff would make the service fairer and quicker for everyone",
    "Small charities need a fair chance to bid for contracts with the department",
]
FILL = (
    "really very strongly also local national fair more less new old support help work people staff".split()
)
TAIL = [f"w{i}" for i in range(500)]
VOCAB = [f"v{i}" for i in range(5000)]


def similar(n: int, seed: int = 1) -> list[tuple[int, str]]:
    """``n`` synthetic short answers, each a base answer with a small change and a short tail."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = rng.choice(BASES).split()
        if rng.random() < 0.5:
            words[rng.randrange(len(words))] = rng.choice(FILL)
        words += [rng.choice(TAIL) for _ in range(rng.randint(1, 3))]
        out.append((i, " ".join(words)))
    return out


def varied(n: int, seed: int = 1) -> list[tuple[int, str]]:
    """``n`` synthetic short texts of random words; one in 50 repeats an earlier one plus a word."""
    rng = random.Random(seed)
    out: list[tuple[int, str]] = []
    for i in range(n):
        if i and rng.random() < 0.02:
            out.append((i, out[rng.randrange(i)][1] + " " + rng.choice(VOCAB)))
        else:
            out.append((i, " ".join(rng.choice(VOCAB) for _ in range(rng.randint(6, 20)))))
    return out


def grouped(groups: list[DuplicateGroup]) -> int:
    return sum(len(g.members) for g in groups)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 40000, 200000])
    ap.add_argument("--compare-at", type=int, default=10000, help="size also run unbounded (0: none)")
    args = ap.parse_args()
    print("Synthetic texts (seeded RNG), not consultation data.\n")
    print(
        "| texts | kind | seconds | groups | grouped texts | unbounded: seconds | unbounded: grouped texts |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        for kind, make in (("similar", similar), ("varied", varied)):
            items = make(n)
            t0 = time.perf_counter()
            groups = find_duplicates(items)
            seconds = time.perf_counter() - t0
            unbounded = " | "
            if n == args.compare_at:
                t0 = time.perf_counter()
                full = find_duplicates(items, bucket_cap=n, max_checks=n)
                unbounded = f"{time.perf_counter() - t0:.1f} | {grouped(full):,}"
            print(f"| {n:,} | {kind} | {seconds:.1f} | {len(groups):,} | {grouped(groups):,} | {unbounded} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
