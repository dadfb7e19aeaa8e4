"""Loopback load test of `fairhearing serve` (waitress): theme pages, search, responses and check-my-point.

    .venv/bin/python bench/bench_web.py                      # builds a 50,000-response sample db (hashing)
    .venv/bin/python bench/bench_web.py --embedder minilm --responses 10000 --keep /tmp/minilm-10k.db
    .venv/bin/python bench/bench_web.py --db analysed.db --embedder minilm --profile theme search

The sample db (``web.sample.build_sample``) gets real vectors with ``--embedder minilm`` (the ONNX
backend when it runs); those vectors are kept in ``--vector-cache`` so rebuilds, and larger samples of
the same seed, embed only texts not seen before. The app runs as ``fairhearing serve --threads``
(waitress) on 127.0.0.1 in a subprocess; the first request of each kind after start is reported as
"cold", then ``--clients`` concurrent clients make ``--requests`` rounds and p50/p95 are printed per
endpoint. ``--profile KIND ...`` then runs five requests of each kind under cProfile through the
app's test client. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlencode

import numpy as np
from _common import ROOT, wait_ready

sys.path.insert(0, str(ROOT))

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


class CachedEmbedder:
    """Wraps an embedder; keeps every vector it makes in ``folder`` so rebuilds embed nothing twice.

    Vectors are saved as ``.npz`` chunks of ``step`` texts (keyed by text hash) as soon as they are
    made, so a build killed while embedding resumes where it stopped. Samples of one seed share
    their first responses, so a 10k build reuses the 5k build's vectors.
    """

    def __init__(self, inner, folder: Path, step: int = 512) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.loader_name = getattr(inner, "loader_name", inner.name)
        self.folder = folder / self.name.replace("@", "-").replace("/", "-")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.step = step
        self.vectors: dict[str, np.ndarray] = {}
        for f in sorted(self.folder.glob("*.npz")):
            with np.load(f) as z:
                self.vectors.update(zip(z["hashes"].tolist(), z["vectors"], strict=True))
        self.made = 0

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        from store.ingest_store import text_hash

        keys = [text_hash(t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in self.vectors))
        for i in range(0, len(missing), self.step):
            chunk = missing[i : i + self.step]
            vectors = np.asarray(self.inner.encode(chunk, batch_size=batch_size), dtype=np.float32)
            hashes = [text_hash(t) for t in chunk]
            self.vectors.update(zip(hashes, vectors, strict=True))
            name = f"{time.time_ns()}-{len(chunk)}.npz"
            np.savez(self.folder / name, hashes=np.array(hashes), vectors=vectors)
            self.made += len(chunk)
            print(f"  embedded {self.made:,} new texts ({len(self.vectors):,} cached)", flush=True)
        return np.stack([self.vectors[k] for k in keys]) if keys else np.zeros((0, self.dim), np.float32)


def build(path: Path, n: int, embedder=None) -> None:
    from store.db import open_db
    from web.sample import build_sample

    t = time.perf_counter()
    db = open_db(path)
    build_sample(db, n, embedder=embedder)
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

    def request(
        self, method: str, url: str, body: str | None = None, timeout: float = 120
    ) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
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

    def check(self, text: str, timeout: float = 120) -> tuple[int, str]:
        if not self.token:
            _, html = self.request("GET", "/check")
            self.token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        form = urlencode({"text": text, "csrf_token": self.token})
        return self.request("POST", "/check", form, timeout=timeout)


def pick(kind: str, rng: random.Random, themes: list[int], orgs: list[str]) -> tuple[str, str, str | None]:
    if kind == "theme":
        return "GET", f"/themes/{rng.choice(themes)}?page={rng.randint(1, 20)}", None
    if kind == "search":
        return "GET", "/search?" + urlencode({"q": rng.choice(QUERIES)}), None
    if kind == "search+filter":
        return "GET", "/search?" + urlencode({"q": rng.choice(QUERIES), "sentiment": "negative"}), None
    if kind == "responses":
        return "GET", f"/organisations/{quote(rng.choice(orgs))}", None
    return "POST", "/check", rng.choice(SUBMISSIONS)


KINDS = ["theme", "search", "search+filter", "responses", "check"]


def serve(args, port: int) -> subprocess.Popen:
    """``fairhearing serve`` on loopback (waitress, ``--threads``), as a user would start it."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "FAIRHEARING_EMBEDDER": args.embedder,
        "FAIRHEARING_INSTANCE": str(args.tmp / "instance"),
    }
    cmd = [sys.executable, "-m", "fairhearing.cli", "serve", "--db", str(args.db), "--port", str(port)]
    with (args.tmp / "serve.log").open("w") as log:  # a file: a full pipe would block serve's logging
        return subprocess.Popen([*cmd, "--threads", str(args.threads)], env=env, stdout=log, stderr=log)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args) -> None:
    port = free_port()
    server = serve(args, port)
    try:
        warm = Client(port)
        ready = wait_ready(lambda: warm.request("GET", "/runs")[0], server, 300)
        print(f"serve answered after {ready:.1f} s (waitress, {args.threads} threads)")
        if args.settle:
            time.sleep(args.settle)  # let serve's background preload (embedder, vector index) finish
        themes = [
            int(i)
            for i in dict.fromkeys(re.findall(r'href="/themes/(\d+)"', warm.request("GET", "/themes")[1]))
        ]
        orgs = [
            unquote(o)
            for o in dict.fromkeys(
                re.findall(r'href="/organisations/([^"?]+)"', warm.request("GET", "/organisations")[1])
            )
        ]
        if not themes or not orgs:
            sys.exit("the database has no analysed themes or no organisations")
        load(args, port, themes, orgs, server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    if args.profile:
        profile(args, themes, orgs)


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system, all threads) the process has used so far; None where /proc is absent."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(args, port: int, themes: list[int], orgs: list[str], pid: int) -> None:
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    cold: dict[str, float] = {}
    errors: dict[str, int] = {k: 0 for k in KINDS}
    limited: dict[str, int] = {k: 0 for k in KINDS}  # 429: check-my-point's per-client rate limit (intended)
    rng0 = random.Random(0)
    warm = Client(port)
    for kind in KINDS:  # first request of each kind after start: reported as "cold"
        method, url, body = pick(kind, rng0, themes, orgs)
        t = time.perf_counter()
        status, _ = (
            warm.check(body, timeout=600) if kind == "check" else warm.request(method, url, timeout=600)
        )
        cold[kind] = time.perf_counter() - t
        if status != 200:
            sys.exit(f"warm-up {kind} {url} answered {status}")
    deadline = time.monotonic() + args.max_seconds
    lock = threading.Lock()

    def worker(i: int) -> None:
        rng = random.Random(i + 1)
        client = Client(port)
        for _ in range(args.requests):
            for kind in KINDS:
                if time.monotonic() > deadline:
                    return
                method, url, body = pick(kind, rng, themes, orgs)
                t = time.perf_counter()
                try:
                    status, _ = client.check(body) if kind == "check" else client.request(method, url)
                except OSError:
                    status = 0
                took = time.perf_counter() - t
                with lock:
                    if status == 429:
                        limited[kind] += 1
                        continue
                    times[kind].append(took)
                    errors[kind] += status != 200

    cpu0 = cpu_seconds(pid)
    t0 = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(args.clients)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - t0
    cpu1 = cpu_seconds(pid)
    total = sum(len(v) for v in times.values())
    print(
        f"\n{args.clients} concurrent clients, {total} requests in {wall:.1f} s "
        f"({total / wall:.1f} req/s), database {args.db}, embedder {args.embedder}"
    )
    if cpu0 is not None and cpu1 is not None:  # steadier than latency on a shared machine
        print(
            f"serve used {cpu1 - cpu0:.1f} s of CPU for them ({(cpu1 - cpu0) / total * 1000:.0f} ms a request, "
            f"all kinds; load average {os.getloadavg()[0]:.1f})"
        )
    print("| endpoint | n | cold ms | p50 ms | p95 ms | max ms | errors | 429 rate-limited (not timed) |")
    print("|---|---|---|---|---|---|---|---|")
    for kind in KINDS:
        v = sorted(times[kind])
        if not v:
            continue
        p95 = v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]
        print(
            f"| {kind} | {len(v)} | {cold[kind] * 1000:.0f} | {statistics.median(v) * 1000:.0f} | "
            f"{p95 * 1000:.0f} | {v[-1] * 1000:.0f} | {errors[kind]} | {limited[kind]} |"
        )


def profile(args, themes: list[int], orgs: list[str]) -> None:
    """cProfile one request of each kind through the app's test client (after one unprofiled warm-up)."""
    import cProfile
    import io
    import pstats

    from web import create_app

    app = create_app(
        {"DATABASE": str(args.db), "EMBEDDER": args.embedder, "INSTANCE_PATH": str(args.tmp / "p")}
    )
    client = app.test_client()
    rng = random.Random(0)
    html = client.get("/check").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def once(kind: str) -> int:
        method, url, body = pick(kind, rng, themes, orgs)
        if kind == "check":
            return client.post("/check", data={"text": body, "csrf_token": token}).status_code
        return client.get(url).status_code

    for kind in args.profile:
        once(kind)
        prof = cProfile.Profile()
        t = time.perf_counter()
        prof.enable()
        statuses = [once(kind) for _ in range(5)]
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(30)
        print(f"\n=== profile: 5 x {kind} ({statuses}), {(time.perf_counter() - t) / 5 * 1000:.0f} ms each")
        print(out.getvalue())


def build_embedder(name: str, cache: Path):
    """The embedder a sample db is built with: hashing as is, a real model behind a vector cache."""
    from nlp.embed import load_embedder

    embedder = load_embedder(name)
    return embedder if name == "hashing" else CachedEmbedder(embedder, cache)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", type=Path, help="an analysed database (default: build a sample one)")
    p.add_argument("--responses", type=int, default=50_000, help="size of the sample db to build")
    p.add_argument("--keep", type=Path, help="where to keep the built sample db (default: a temp dir)")
    p.add_argument("--build-only", action="store_true", help="build the sample db (with --keep) and stop")
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--requests", type=int, default=10, help="rounds per client (one request of each kind)")
    p.add_argument("--max-seconds", type=float, default=300, help="stop sending after this long")
    p.add_argument("--threads", type=int, default=8, help="waitress worker threads (as `serve`)")
    p.add_argument(
        "--embedder",
        default="hashing",
        help="embedder of the sample db's vectors and of queries (hashing, minilm, ...); with --db it "
        "must match the db's embeddings",
    )
    p.add_argument(
        "--vector-cache",
        type=Path,
        default=Path.home() / ".cache" / "fairhearing" / "bench-vectors",
        help="where real-model vectors of sample texts are kept between builds",
    )
    p.add_argument("--settle", type=float, default=5, help="seconds to wait after serve answers")
    p.add_argument(
        "--profile",
        nargs="*",
        choices=KINDS,
        default=[],
        help="after the load, cProfile these kinds in-process",
    )
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="fh-bench-") as tmp:
        args.tmp = Path(tmp)
        if args.db is None:
            args.db = args.keep or args.tmp / "bench.db"
            if not args.db.exists():  # built beside, then renamed: a stopped build never passes for a kept db
                part = args.tmp / "building.db"
                build(part, args.responses, build_embedder(args.embedder, args.vector_cache))
                shutil.move(part, args.db)
        if not args.build_only:
            run(args)


if __name__ == "__main__":
    main()
