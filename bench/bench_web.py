"""Loopback load test of the web app: theme pages, search and check-my-point at consultation scale.

    .venv/bin/python bench/bench_web.py                      # builds a 50,000-response sample db
    .venv/bin/python bench/bench_web.py --db analysed.db --embedder minilm

It serves the app with werkzeug (threaded) on 127.0.0.1 only, warms each endpoint once (the
first search and check load the vector matrix and the embedder: reported as "cold"), then runs
a few concurrent clients, each making a bounded number of requests, and prints p50/p95 latency.
Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUERIES = [
    "payment by results",
    "small charities squeezed out",
    "disabled customers specialist support",
    "long contracts",
    "too much paperwork",
    "bus fare to appointments",
    "local councils",
    "cash flow risk",
    "mental health",
    "monitoring burden",
]
SUBMISSIONS = [
    "Payment by results will push small charities out because they cannot wait to be paid.\n\n"
    "Disabled people need specialist advisers, not a generic programme.",
    "Contracts should run for at least five years so we can invest in staff.\n\nThe forms take too long.",
    "Our clients cannot afford to travel to the office.\n\nWe like working with the local council.",
]


def build(path: Path, n: int) -> None:
    from store.db import open_db
    from web.sample import build_sample

    t = time.perf_counter()
    db = open_db(path)
    build_sample(db, n)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    counts = [
        db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("responses", "points", "embeddings")
    ]
    db.close()
    print(
        f"built {path}: {counts[0]:,} responses, {counts[1]:,} points, {counts[2]:,} embeddings "
        f"in {time.perf_counter() - t:.0f} s"
    )


class Client:
    """One keep-nothing HTTP client with its own session cookie (for the check form's CSRF token)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""
        self.token = ""

    def request(self, method: str, url: str, body: str | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, url, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read().decode("utf-8", "replace")
        cookie = resp.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        conn.close()
        return resp.status, data

    def check(self, text: str) -> tuple[int, str]:
        if not self.token:
            _, html = self.request("GET", "/check")
            self.token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        return self.request("POST", "/check", urlencode({"text": text, "csrf_token": self.token}))


def pick(kind: str, rng: random.Random, themes: list[int]) -> tuple[str, str, str | None]:
    if kind == "theme":
        return "GET", f"/themes/{rng.choice(themes)}?page={rng.randint(1, 20)}", None
    if kind == "search":
        return "GET", "/search?" + urlencode({"q": rng.choice(QUERIES)}), None
    if kind == "search+filter":
        return "GET", "/search?" + urlencode({"q": rng.choice(QUERIES), "sentiment": "negative"}), None
    return "POST", "/check", rng.choice(SUBMISSIONS)


def run(args) -> None:
    from werkzeug.serving import WSGIRequestHandler, make_server

    from store.db import open_db
    from web import create_app

    db = open_db(args.db)
    themes = [
        r[0]
        for r in db.execute(
            "SELECT id FROM themes WHERE level = 0 AND run_id = (SELECT MAX(id) FROM analysis_runs WHERE status='done')"
        )
    ]
    db.close()
    if not themes:
        sys.exit("the database has no analysed themes")
    app = create_app(
        {
            "DATABASE": str(args.db),
            "SECRET_KEY": "bench",
            "EMBEDDER": args.embedder,
            "INSTANCE_PATH": str(args.tmp / "instance"),
        }
    )

    class Quiet(WSGIRequestHandler):
        def log(self, *a, **k):  # no per-request log lines
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    kinds = ["theme", "search", "search+filter", "check"]
    times: dict[str, list[float]] = {k: [] for k in kinds}
    cold: dict[str, float] = {}
    errors: dict[str, int] = {k: 0 for k in kinds}
    rng0 = random.Random(0)
    warm = Client(server.server_port)
    for kind in kinds:  # first request of each kind: loads matrices and the embedder
        method, url, body = pick(kind, rng0, themes)
        t = time.perf_counter()
        status, _ = warm.check(body) if kind == "check" else warm.request(method, url)
        cold[kind] = time.perf_counter() - t
        if status != 200:
            sys.exit(f"warm-up {kind} {url} answered {status}")
    deadline = time.monotonic() + args.max_seconds
    lock = threading.Lock()

    def worker(i: int) -> None:
        rng = random.Random(i + 1)
        client = Client(server.server_port)
        for _ in range(args.requests):
            for kind in kinds:
                if time.monotonic() > deadline:
                    return
                method, url, body = pick(kind, rng, themes)
                t = time.perf_counter()
                try:
                    status, _ = client.check(body) if kind == "check" else client.request(method, url)
                except OSError:
                    status = 0
                took = time.perf_counter() - t
                with lock:
                    times[kind].append(took)
                    errors[kind] += status != 200

    t0 = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(args.clients)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - t0
    server.shutdown()
    thread.join(timeout=10)
    total = sum(len(v) for v in times.values())
    print(
        f"\n{args.clients} concurrent clients, {total} requests in {wall:.1f} s "
        f"({total / wall:.1f} req/s), database {args.db}"
    )
    print(f"{'endpoint':<15}{'n':>6}{'cold ms':>10}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'errors':>8}")
    for kind in kinds:
        v = sorted(times[kind])
        if not v:
            continue
        p95 = v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]
        print(
            f"{kind:<15}{len(v):>6}{cold[kind] * 1000:>10.0f}{statistics.median(v) * 1000:>10.0f}"
            f"{p95 * 1000:>10.0f}{v[-1] * 1000:>10.0f}{errors[kind]:>8}"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", type=Path, help="an analysed database (default: build a sample one)")
    p.add_argument("--responses", type=int, default=50_000, help="size of the sample db to build")
    p.add_argument("--keep", type=Path, help="where to keep the built sample db (default: a temp dir)")
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--requests", type=int, default=10, help="rounds per client (one request of each kind)")
    p.add_argument("--max-seconds", type=float, default=300, help="stop sending after this long")
    p.add_argument(
        "--embedder",
        default="hashing",
        help="embedder for queries: must match the db's embeddings (sample dbs use hashing)",
    )
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="fh-bench-") as tmp:
        args.tmp = Path(tmp)
        if args.db is None:
            args.db = args.keep or args.tmp / "bench.db"
            if not args.db.exists():
                build(args.db, args.responses)
        run(args)


if __name__ == "__main__":
    main()
