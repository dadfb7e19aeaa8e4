"""Helpers the web-app tests share: a sample database with an analyst, the app over a copy, sign-in."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

from nlp.embed import HashingEmbedder
from store.db import Database, open_db
from store.users import create_user
from web import create_app
from web.sample import Sample, build_sample

EMBEDDER = HashingEmbedder()
PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def sample_base(
    path: Path,
    n_responses: int,
    *,
    analyst: bool = True,
    setup: Callable[[Database, Sample], object] | None = None,
) -> tuple[Path, Sample, object]:
    """Build the web sample (hashing vectors) at ``path``, with analyst ``ana`` signed up unless
    ``analyst`` is false; ``setup(db, sample)`` adds to it before it is checkpointed and closed.
    Returns the path, the sample and what ``setup`` returned."""
    db = open_db(path)
    sample = build_sample(db, n_responses, embedder=EMBEDDER)
    extra = setup(db, sample) if setup is not None else None
    if analyst:
        create_user(db, "ana", PASSWORD)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path, sample, extra


def copy_of(base: Path, tmp_path: Path) -> Path:
    """A private copy of a base database in ``tmp_path`` (kept if one is already there)."""
    path = tmp_path / "t.db"
    if not path.exists():
        shutil.copy(base, path)
    return path


def app_over(base: Path, tmp_path: Path, **config):
    """The app over a copy of ``base`` with the hashing embedder; ``config`` adds or overrides settings."""
    return create_app(
        {
            "DATABASE": str(copy_of(base, tmp_path)),
            "SECRET_KEY": "test-key",
            "EMBEDDER": EMBEDDER,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
        | config
    )


def db_of(app) -> Database:
    return open_db(app.config["DATABASE"])


def token(client, url: str = "/check") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    return _TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


def sign_in(client, name: str = "ana", password: str = PASSWORD) -> str:
    """Sign in and return the new session's token (signing in starts a new session)."""
    r = client.post("/login", data={"name": name, "password": password, "csrf_token": token(client)})
    assert r.status_code == 302, r.get_data(as_text=True)
    return token(client)
