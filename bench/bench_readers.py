"""Thirty readers on `fairhearing serve` (waitress) while an analysis and an ingest write the database.

    .venv/bin/python bench/bench_readers.py                 # builds: DWP seeds + 2,000 Polis comments
    .venv/bin/python bench/bench_readers.py --keep readers-db --polis 1000 --seconds 60 --readers 30

Setup (timed, not measured under load): ingest the five bundled DWP seeds and a CSV of ``--polis``
real Polis comments into a fresh database with the CLI, then ``fairhearing analyse --embedder
hashing`` once (or pass ``--db`` with an analysed database and ``--src`` with the folder it was
ingested from). Then it runs ``fairhearing serve`` as a subprocess (waitress, ``--threads``,
127.0.0.1 on a free port), exactly as a user would, and starts ``--readers`` threads that request
pages for ``--seconds`` (longer if the writer is still busy: reading goes on until it is done):
overview, themes, a theme, organisations, a response, search, framework, runs, export CSV. Theme
and response ids come from pages the reader fetched, as a browser's links would.

Meanwhile a writer runs ``fairhearing analyse`` (a new run) and then re-ingests the folder with the
CSV changed (every 10th comment edited), each as a subprocess against the same database file.

Prints per page kind: requests, 200s, 503s ("busy, try again": intended, counted apart), "gone"
(404 for an id learned before a write that replaced it finished, or while a write is under way:
intended), errors (anything else, connection failures included), and p50/p95/max latency; then the
writer's steps and their times. ``serve``'s output goes to a file; if a request waits over 30 s the
bench has ``serve`` dump every thread's stack there (faulthandler, SIGUSR1) and prints it.
Nothing is asserted; figures depend on the machine (say which when quoting).
"""

from __future__ import annotations

import argparse
import csv
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from _common import ROOT, polis_comments, wait_ready

sys.path.insert(0, str(ROOT))
SEEDS = ROOT / "corpora" / "dwp-seeds"
FAIRHEARING = [sys.executable, "-m", "fairhearing.cli"]
# serve as the CLI runs it, plus a stack dump of every thread on SIGUSR1 (sent when a request hangs)
SERVE = [
    sys.executable,
    "-c",
    "import faulthandler, signal, sys; faulthandler.register(signal.SIGUSR1, all_threads=True); "
    "from fairhearing.cli import main; sys.argv[0] = 'fairhearing'; main()",
]
KINDS = [
    "overview",
    "themes",
    "theme",
    "organisations",
    "response",
    "search",
    "framework",
    "runs",
    "export csv",
]
QUERIES = [
    "payment by results",
    "small charities",
    "disabled people specialist support",
    "contract length",
    "paperwork and monitoring",
    "transport",
    "local councils",
    "mental health",
    "minimum wage",
    "climate",
]
THEME_LINK = re.compile(r'href="/themes/(\d+)"')
RESPONSE_LINK = re.compile(r'href="/responses/(\d+)')


def cli(*args: str) -> list[str]:
    return [*FAIRHEARING, *args]


def write_csv(path: Path, n: int, changed: str = "") -> None:
    """``n`` real Polis comments (3+ words) as a survey CSV; ``changed`` edits every 10th comment."""
    rows = polis_comments()
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["response_id", "comment"])
        for k in range(n):
            text = rows[k % len(rows)]
            if k >= len(rows):
                text += f" (again, {k // len(rows)})"
            if changed and k % 10 == 0:
                text += f" I have changed my mind on this since ({changed})."
            w.writerow([k + 1, text])


def timed(cmd: list[str], env: dict) -> tuple[float, int, str]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    return time.perf_counter() - t, proc.returncode, (proc.stdout + proc.stderr).strip()


def setup(tmp: Path, n: int, env: dict) -> tuple[Path, Path]:
    src = tmp / "src"
    src.mkdir()
    for f in sorted(SEEDS.iterdir()):
        shutil.copy(f, src / f.name)
    write_csv(src / "survey.csv", n)
    db = tmp / "readers.db"
    for step, cmd in [
        ("ingest", cli("ingest", str(src), "--db", str(db))),
        ("analyse", cli("analyse", "--db", str(db), "--embedder", "hashing", "--quiet")),
    ]:
        took, rc, out = timed(cmd, env)
        if rc:
            sys.exit(f"setup {step} failed ({rc}):\n{out}")
        print(f"setup {step}: {took:.1f} s")
    return db, src


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, url: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", url)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


@dataclass
class Links:
    """Ids seen on fetched pages, with when they were learned (the newest first)."""

    themes: list[tuple[int, float]] = field(default_factory=list)
    responses: list[tuple[int, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def learn(self, kind: str, html: str) -> None:
        now = time.monotonic()
        found = THEME_LINK.findall(html) if kind == "themes" else RESPONSE_LINK.findall(html)
        if not found:
            return
        with self.lock:
            fresh = [(int(i), now) for i in dict.fromkeys(found)]
            if kind == "themes":
                self.themes = fresh
            else:
                self.responses = (fresh + self.responses)[:500]

    def pick(self, kind: str, rng: random.Random) -> tuple[int, float] | None:
        with self.lock:
            pool = self.themes if kind == "theme" else self.responses
            return rng.choice(pool) if pool else None


@dataclass
class Writer:
    """Write steps: (name, start, end, seconds, exit status), times from ``time.monotonic()``."""

    steps: list[tuple[str, float, float, float, int]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    running: tuple[str, float] | None = None  # the step under way: (name, start)

    def replaced_after(self, learned: float, sent: float) -> bool:
        """Did a write step that began before ``sent`` end after the id was ``learned`` (or is it still on)?"""
        if self.running is not None and self.running[1] < sent:
            return True
        return any(start < sent and end > learned for _, start, end, _, _ in self.steps)


def write(writer: Writer, db: Path, src: Path, n: int, env: dict, delay: float) -> None:
    time.sleep(delay)
    steps = [
        ("analyse (hashing)", lambda: cli("analyse", "--db", str(db), "--embedder", "hashing", "--quiet")),
        ("ingest changed csv", lambda: cli("ingest", str(src), "--db", str(db))),
    ]
    for name, cmd in steps:
        if name.startswith("ingest"):
            write_csv(src / "survey.csv", n, changed=time.strftime("%H:%M:%S"))
        start = time.monotonic()
        writer.running = (name, start)
        took, rc, out = timed(cmd(), env)
        writer.steps.append((name, start, time.monotonic(), took, rc))
        writer.running = None
        if rc:
            print(f"writer step {name!r} failed ({rc}):\n{out[-2000:]}", file=sys.stderr)
    writer.done.set()


def url_for(kind: str, rng: random.Random, links: Links) -> tuple[str, float | None]:
    if kind in ("theme", "response"):
        picked = links.pick(kind, rng)
        if picked is None:
            return ("/themes" if kind == "theme" else "/"), None
        ident, learned = picked
        return (f"/themes/{ident}" if kind == "theme" else f"/responses/{ident}"), learned
    return {
        "overview": "/",
        "themes": "/themes",
        "organisations": "/organisations",
        "search": "/search?" + urlencode({"q": rng.choice(QUERIES)}),
        "framework": "/framework",
        "runs": "/runs",
        "export csv": "/export/points.csv",
    }[kind], None


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", type=Path, help="an analysed database (default: build one)")
    p.add_argument("--src", type=Path, help="with --db: the folder it was ingested from (holding survey.csv)")
    p.add_argument("--keep", type=Path, help="build into (or reuse) this folder instead of a temp one")
    p.add_argument("--polis", type=int, default=2000, help="Polis comments in the built database's CSV")
    p.add_argument("--readers", type=int, default=30)
    p.add_argument("--seconds", type=float, default=60, help="read at least this long")
    p.add_argument("--max-seconds", type=float, default=900, help="stop reading after this long")
    p.add_argument("--threads", type=int, default=8, help="waitress worker threads (`serve --threads`)")
    p.add_argument("--writer-delay", type=float, default=2.0, help="seconds of reading before writes start")
    p.add_argument("--no-writes", action="store_true", help="readers only (a baseline)")
    args = p.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="fh-readers-") as tmp:
        tmp = Path(tmp)
        env["FAIRHEARING_INSTANCE"] = str(tmp / "instance")
        if args.db is None and args.keep and (args.keep / "readers.db").exists():
            db, src = args.keep / "readers.db", args.keep / "src"
        elif args.db is None:
            where = args.keep or tmp
            where.mkdir(parents=True, exist_ok=True)
            db, src = setup(where, args.polis, env)
        else:
            if args.src is None or not (args.src / "survey.csv").exists():
                sys.exit("--db needs --src, the folder it was ingested from, holding survey.csv")
            db, src = args.db, args.src
        port = free_port()
        serve = ["serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)]
        log = tmp / "serve.log"  # a file, not a pipe: a full pipe would block serve's logging threads
        with log.open("w") as log_file:
            server = subprocess.Popen(
                [*SERVE, *serve, "--threads", str(args.threads)], env=env, stdout=log_file, stderr=log_file
            )
        try:
            ready = wait_ready(lambda: get(port, "/runs")[0], server, 120)
            print(f"serve answered after {ready:.1f} s (waitress, {args.threads} threads)")
            measure(args, port, db, src, env, server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            errors = log.read_text(errors="replace")
            queued = errors.count("Task queue depth")
            if queued:
                print(f"waitress logged 'Task queue depth' {queued} times (more requests than threads)")
            if "Traceback" in errors or "Thread 0x" in errors:
                print("serve's log (tracebacks, stack dumps):\n" + errors[-20000:], file=sys.stderr)


def measure(args, port: int, db: Path, src: Path, env: dict, server_pid: int) -> None:
    links = Links()
    in_flight: dict[int, float] = {}
    for kind in ("themes", "overview"):  # a first page of links (a theme list, some responses)
        status, html = get(port, "/themes" if kind == "themes" else "/search?q=work")
        links.learn(kind if kind == "themes" else "responses", html)
    writer = Writer()
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    status_counts: dict[str, dict[str, int]] = {k: {"200": 0, "503": 0, "gone": 0, "error": 0} for k in KINDS}
    samples: dict[str, str] = {}
    error_codes: dict[int, int] = {}  # status (0: no answer) -> errors
    lock = threading.Lock()
    t0 = time.monotonic()
    stop_at = t0 + args.seconds
    hard_stop = t0 + args.max_seconds

    def reader(i: int) -> None:
        rng = random.Random(i)
        k = i
        while True:
            now = time.monotonic()
            if now > hard_stop or (now > stop_at and writer.done.is_set()):
                return
            kind = KINDS[k % len(KINDS)]
            k += 1
            url, learned = url_for(kind, rng, links)
            sent = time.monotonic()
            in_flight[i] = sent
            try:
                status, html = get(port, url)
            except OSError as exc:
                status, html = 0, repr(exc)
            in_flight.pop(i, None)
            took = time.monotonic() - sent
            if status == 200 and kind in ("themes", "theme", "search"):
                links.learn("themes" if kind == "themes" else "responses", html)
            if status == 200:
                outcome = "200"
            elif status == 503:
                outcome = "503"
            elif status == 404 and learned is not None and writer.replaced_after(learned, sent):
                outcome = "gone"
            else:
                outcome = "error"
            with lock:
                times[kind].append(took)
                status_counts[kind][outcome] += 1
                if outcome == "error":
                    samples.setdefault(kind, f"{status} {url}: {html[:200]!r}")
                    error_codes[status] = error_codes.get(status, 0) + 1

    if args.no_writes:
        writer.done.set()
    writer_thread = threading.Thread(
        target=write, args=(writer, db, src, args.polis, env, args.writer_delay), daemon=True
    )
    readers = [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(args.readers)]
    for r in readers:
        r.start()
    if not args.no_writes:
        writer_thread.start()

    def watchdog() -> None:  # one stack dump of serve the first time a request waits over 30 s
        while any(r.is_alive() for r in readers):
            if any(time.monotonic() - t > 30 for t in list(in_flight.values())):
                print(f"a request has waited 30 s at {time.monotonic() - t0:.0f} s: dumping serve's stacks")
                os.kill(server_pid, signal.SIGUSR1)
                return
            time.sleep(1)

    threading.Thread(target=watchdog, daemon=True).start()
    for r in readers:
        r.join()
    wall = time.monotonic() - t0
    if writer_thread.is_alive():
        writer_thread.join(timeout=1)
    report(args, times, status_counts, samples, writer, t0, wall)
    if error_codes:
        print(
            "errors by status (0: no answer): "
            + ", ".join(f"{k}: {v}" for k, v in sorted(error_codes.items()))
        )


def report(args, times, counts, samples, writer: Writer, t0: float, wall: float) -> None:
    total = sum(len(v) for v in times.values())
    print(
        f"\n{args.readers} readers for {wall:.1f} s on waitress ({args.threads} threads): "
        f"{total:,} requests ({total / wall:.1f}/s)"
    )
    print("| page | requests | 200 | 503 busy | gone | errors | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    every: list[float] = []
    sums = {"200": 0, "503": 0, "gone": 0, "error": 0}
    for kind in KINDS:
        v = sorted(times[kind])
        every += v
        c = counts[kind]
        for key in sums:
            sums[key] += c[key]
        if v:
            print(
                f"| {kind} | {len(v):,} | {c['200']:,} | {c['503']} | {c['gone']} | {c['error']} | {row_ms(v)} |"
            )
    every.sort()
    print(
        f"| **all** | {len(every):,} | {sums['200']:,} | {sums['503']} | {sums['gone']} | {sums['error']} | "
        f"{row_ms(every)} |"
    )
    print("\n| writer step | started at s | took s | exit |")
    print("|---|---|---|---|")
    for name, start, _end, took, rc in writer.steps:
        print(f"| {name} | {start - t0:.1f} | {took:.1f} | {rc} |")
    if not writer.done.is_set():
        print("(the writer had not finished when reading stopped)")
    for kind, sample in samples.items():
        print(f"first error on {kind}: {sample}")


def row_ms(v: list[float]) -> str:
    p95 = v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]
    return f"{statistics.median(v) * 1000:.0f} | {p95 * 1000:.0f} | {v[-1] * 1000:.0f}"


if __name__ == "__main__":
    main()
