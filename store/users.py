"""Analyst accounts: created from the CLI (``fairhearing user add NAME``), checked at web login.

Passwords are stored only as werkzeug salted hashes. Viewers need no account.
"""

from __future__ import annotations

import functools
import re

import sqlite_utils
from werkzeug.security import check_password_hash, generate_password_hash

from store.schema import now
from store.tx import write_tx

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 8


class UserError(ValueError):
    """A user could not be created or changed (bad name, short password, duplicate)."""


def create_user(db: sqlite_utils.Database, name: str, password: str) -> int:
    """Create an analyst account; return its id. Raises UserError on a bad or taken name."""
    if not NAME_RE.match(name or ""):
        raise UserError("user name must be 1-64 letters, digits or . _ @ - (starting with a letter or digit)")
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"password must be at least {MIN_PASSWORD} characters")
    if get_user(db, name) is not None:
        raise UserError(f"user {name!r} already exists")
    with write_tx(db):
        cur = db.execute(
            "INSERT INTO users (name, password_hash, active, created_at) VALUES (?, ?, 1, ?)",
            [name, generate_password_hash(password), now()],
        )
    return cur.lastrowid


def get_user(db: sqlite_utils.Database, name: str) -> dict | None:
    row = db.execute("SELECT id, name, active, created_at FROM users WHERE name = ?", [name]).fetchone()
    return dict(zip(("id", "name", "active", "created_at"), row, strict=True)) if row else None


def list_users(db: sqlite_utils.Database) -> list[dict]:
    cur = db.execute("SELECT id, name, active, created_at FROM users ORDER BY name")
    return [dict(zip(("id", "name", "active", "created_at"), r, strict=True)) for r in cur]


def verify_user(db: sqlite_utils.Database, name: str, password: str) -> bool:
    """True when the account exists, is active and the password matches."""
    row = db.execute("SELECT password_hash, active FROM users WHERE name = ?", [name or ""]).fetchone()
    if row is None:
        # Spend the same time as a real check so timing does not reveal which names exist.
        check_password_hash(_dummy_hash(), password or "")
        return False
    return bool(row[1]) and check_password_hash(row[0], password or "")


def set_password(db: sqlite_utils.Database, name: str, password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"password must be at least {MIN_PASSWORD} characters")
    with write_tx(db):
        cur = db.execute(
            "UPDATE users SET password_hash = ? WHERE name = ?", [generate_password_hash(password), name]
        )
    if cur.rowcount == 0:
        raise UserError(f"no user {name!r}")


def set_active(db: sqlite_utils.Database, name: str, active: bool) -> None:
    with write_tx(db):
        cur = db.execute("UPDATE users SET active = ? WHERE name = ?", [int(active), name])
    if cur.rowcount == 0:
        raise UserError(f"no user {name!r}")


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password")
