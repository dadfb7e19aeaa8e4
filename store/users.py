"""Accounts: created from the CLI (``fairhearing user add NAME [--role viewer]``), checked at web login.

Passwords are stored only as werkzeug salted hashes. ``analyst`` accounts edit; ``viewer`` accounts
only read, and are needed only where the app requires a login (a non-loopback address). Each
account has a session version that every session cookie carries: ``end_sessions`` (logout), a
password change and deactivation bump it, so every cookie issued before is refused.
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
ROLES = ("analyst", "viewer")
_COLUMNS = ("id", "name", "active", "created_at", "role", "session_version")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM users"


class UserError(ValueError):
    """A user could not be created or changed (bad name, short password, duplicate)."""


def create_user(db: sqlite_utils.Database, name: str, password: str, role: str = "analyst") -> int:
    """Create an account (``analyst`` or ``viewer``); return its id. Raises UserError on a bad or taken name."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if not NAME_RE.match(name or ""):
        raise UserError("user name must be 1-64 letters, digits or . _ @ - (starting with a letter or digit)")
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"password must be at least {MIN_PASSWORD} characters")
    if get_user(db, name) is not None:
        raise UserError(f"user {name!r} already exists")
    with write_tx(db):
        cur = db.execute(
            "INSERT INTO users (name, password_hash, active, created_at, role) VALUES (?, ?, 1, ?, ?)",
            [name, generate_password_hash(password), now(), role],
        )
    return cur.lastrowid


def get_user(db: sqlite_utils.Database, name: str) -> dict | None:
    """The account (id, name, active, created_at, role, session_version), or None."""
    row = db.execute(f"{_SELECT} WHERE name = ?", [name]).fetchone()
    return dict(zip(_COLUMNS, row, strict=True)) if row else None


def list_users(db: sqlite_utils.Database) -> list[dict]:
    return [dict(zip(_COLUMNS, r, strict=True)) for r in db.execute(f"{_SELECT} ORDER BY name")]


def authenticate(db: sqlite_utils.Database, name: str, password: str) -> dict | None:
    """The account when it exists, is active and the password matches; else None (same time either way)."""
    return get_user(db, name) if verify_user(db, name, password) else None


def session_valid(db: sqlite_utils.Database, name: str, user_id: int, version: int) -> dict | None:
    """The account a session cookie names, when it is still active and the cookie's version is current."""
    user = get_user(db, name)
    if user is None or not user["active"] or user["id"] != user_id or user["session_version"] != version:
        return None
    return user


def end_sessions(db: sqlite_utils.Database, name: str) -> None:
    """Refuse every session cookie issued to ``name`` so far (sign out everywhere)."""
    with write_tx(db):
        db.execute("UPDATE users SET session_version = session_version + 1 WHERE name = ?", [name])


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
    _update_account(db, name, "password_hash", generate_password_hash(password))


def set_active(db: sqlite_utils.Database, name: str, active: bool) -> None:
    _update_account(db, name, "active", int(active))


def _update_account(db: sqlite_utils.Database, name: str, column: str, value) -> None:
    """Set one column of account ``name`` and end its signed-in sessions; refuse an unknown name."""
    with write_tx(db):
        cur = db.execute(
            f"UPDATE users SET {column} = ?, session_version = session_version + 1 WHERE name = ?",
            [value, name],
        )
    if cur.rowcount == 0:
        raise UserError(f"no user {name!r}")


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password")
