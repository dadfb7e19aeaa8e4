"""Overview page weight: the page plus every script and stylesheet it loads, before and after.

    nice .venv/bin/python bench/bench_web_weight.py [--before REV]

Builds one analysed database (the five DWP seeds, hashing embedder), then serves the overview with
``app.test_client()`` from two code trees: this checkout ("after") and ``git archive REV`` of the
branch point ("before", default: ``git merge-base HEAD main``). For each it sums the bytes of the
HTML and of each ``<script src>`` and ``<link rel=stylesheet href>`` it references, and times the
page render. Nothing is compressed (Flask serves assets as they are).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, report, run_child

ASSET = re.compile(r'<script[^>]+src="([^"]+)"|<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"')


def build_db(path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from ingest.pipeline import ingest_paths
    from nlp.embed import load_embedder
    from nlp.pipeline import Analyser
    from store.db import open_db

    db = open_db(path)
    ingest_paths(db, [ROOT / "corpora" / "dwp-seeds"])
    Analyser(load_embedder("hashing"), models_dir=path.parent / "models", progress=False).run(db)
    db.close()


def child(db_path: str) -> dict:
    from web import create_app

    app = create_app(
        {"TESTING": True, "DATABASE": db_path, "SECRET_KEY": "bench", "INSTANCE_PATH": tempfile.mkdtemp()}
    )
    client = app.test_client()
    t = time.perf_counter()
    page = client.get("/")
    render = time.perf_counter() - t
    html = page.get_data()
    assets = {}
    for script, style in ASSET.findall(html.decode()):
        url = (script or style).split("?")[0]
        assets[url] = len(client.get(url).get_data())
    return {"status": page.status_code, "html": len(html), "assets": assets, "render_s": render}


def measure(tree: Path, db_path: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    # PYTHONPATH wins over the editable install's finder
    return run_child(__file__, ["--child", str(db_path)], f"measuring {tree}", cwd=tree, env=env)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", default=None, help="git revision for the 'before' column")
    ap.add_argument("--child", default=None)
    args = ap.parse_args()
    if args.child:
        report(child(args.child))
        return
    before = (
        args.before
        or subprocess.run(
            ["git", "merge-base", "HEAD", "main"], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout.strip()
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        db_path = tmpdir / "bench.db"
        build_db(db_path)
        old = tmpdir / "before"
        old.mkdir()
        archive = subprocess.run(
            ["git", "archive", before, "fairhearing", "ingest", "nlp", "store", "web"],
            capture_output=True,
            cwd=ROOT,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        rows = [
            (f"before ({before[:8]})", measure(old, db_path)),
            ("after (this checkout)", measure(ROOT, db_path)),
        ]
    print("| code | status | HTML bytes | assets | asset bytes | page + assets KB | render ms |")
    print("|---|---|---|---|---|---|---|")
    for label, r in rows:
        total = r["html"] + sum(r["assets"].values())
        names = ", ".join(f"{Path(u).name} {n / 1024:.0f} KB" for u, n in r["assets"].items())
        print(
            f"| {label} | {r['status']} | {r['html']:,} | {names} | {sum(r['assets'].values()):,} "
            f"| {total / 1024:.0f} | {1000 * r['render_s']:.0f} |"
        )


if __name__ == "__main__":
    main()
