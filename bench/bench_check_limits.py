"""CPU one POST /check costs, with the old limit (50,000 characters, no point limit) and the current one.

    .venv/bin/python bench/bench_check_limits.py                 # MiniLM, as served by default
    .venv/bin/python bench/bench_check_limits.py --embedder hashing

Builds a small sample database embedded with the chosen model, warms the check once, then times
each request through Flask's test client (process CPU seconds and wall seconds) and prints a table.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SENTENCES = [
    "Payment by results will push small charities out because they cannot wait months to be paid",
    "Disabled people need specialist advisers who understand their conditions, not a generic programme",
    "Contracts should run for at least five years so that providers can invest in staff and premises",
    "The monitoring forms take far too long and duplicate what we already report to the council",
    "Our clients cannot afford the bus fare to appointments in the town centre",
]


def submission(chars: int) -> str:
    """Numbered points of about 300 characters each, ``chars`` long in all."""
    parts, i = [], 0
    while sum(len(p) + 2 for p in parts) < chars:
        s = SENTENCES[i % len(SENTENCES)]
        parts.append(f"{i + 1}. {s} (case {i}); {s.lower()} in our area, as point {i} explains further.")
        i += 1
    return "\n\n".join(parts)[:chars]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedder", default="minilm")
    ap.add_argument("--responses", type=int, default=300)
    args = ap.parse_args()

    from nlp.check import MAX_CHARS, MAX_POINTS
    from nlp.embed import load_embedder
    from store.db import open_db
    from web import create_app
    from web.sample import build_sample

    embedder = load_embedder(args.embedder)
    tmp = Path(tempfile.mkdtemp())
    db = open_db(tmp / "b.db")
    build_sample(db, args.responses, embedder=embedder)
    db.close()
    cases = [
        ("old limits", 50_000, 10**6, submission(50_000)),
        ("current limits", MAX_CHARS, MAX_POINTS, submission(50_000)),
        ("current limits", MAX_CHARS, MAX_POINTS, submission(9_500)),
        ("current limits", MAX_CHARS, MAX_POINTS, submission(7_000)),
    ]
    rows = []
    for name, max_chars, max_points, text in cases:
        app = create_app(
            {
                "DATABASE": str(tmp / "b.db"),
                "SECRET_KEY": "bench",
                "EMBEDDER": embedder,
                "INSTANCE_PATH": str(tmp / "inst"),
                "CHECK_MAX_CHARS": max_chars,
                "CHECK_MAX_POINTS": max_points,
                "CHECK_RATE_LIMIT": 1000,
            }
        )
        c = app.test_client()
        tok = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/check").get_data(as_text=True))[1]
        c.post("/check", data={"text": SENTENCES[0], "csrf_token": tok})  # warm: model and point index
        cpu, wall = time.process_time(), time.perf_counter()
        r = c.post("/check", data={"text": text, "csrf_token": tok})
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        points = len(re.findall(r'<li id="c\d+"', r.get_data(as_text=True)))
        rows.append((name, len(text), points, r.status_code, cpu, wall))
    print(f"embedder {args.embedder}, sample of {args.responses} responses; one POST /check each")
    print("| limits | characters | points checked | HTTP | CPU s | wall s |")
    print("|---|---|---|---|---|---|")
    for name, n, p, status, cpu, wall in rows:
        print(f"| {name} | {n:,} | {p} | {status} | {cpu:.2f} | {wall:.2f} |")


if __name__ == "__main__":
    main()
