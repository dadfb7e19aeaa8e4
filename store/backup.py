"""Backups of a database file with SQLite's online backup API: safe while the app serves or writes.

The copy is one consistent snapshot (the backup reads inside a single read transaction; in WAL
mode that never blocks writers), written to a temporary file beside the target, checked with
``PRAGMA integrity_check``, switched to a self-contained rollback journal and renamed into place.
Restore: stop the server, delete ``DB-wal`` and ``DB-shm`` if present, and copy the backup to ``DB``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from fairhearing.errors import FairhearingError


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Row count of every table (virtual and FTS tables included), by name."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}


def backup_db(db_path: str | Path, out_path: str | Path, *, overwrite: bool = False) -> dict[str, int]:
    """Copy the database at ``db_path`` to ``out_path``; return the copy's table counts.

    Raises FH-E210 when the source is missing or not a database, the target exists (unless
    ``overwrite``) or is the source itself, or the copy fails its integrity check.
    """
    src_path, out_path = Path(db_path), Path(out_path)
    if not src_path.is_file():
        raise FairhearingError("FH-E210", f"no database at {src_path}")
    if out_path.exists() and out_path.resolve() == src_path.resolve():
        raise FairhearingError("FH-E210", "the backup cannot be written over the database itself")
    if out_path.exists() and not overwrite:
        raise FairhearingError("FH-E210", f"{out_path} exists; pass --force to replace it")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    src = sqlite3.connect(str(src_path), timeout=30)  # only read; exists (checked above)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)  # all pages in one step: one snapshot, never restarted by writers
            dst.execute("PRAGMA journal_mode=DELETE")  # the backup is a single file
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise FairhearingError("FH-E210", f"the copy failed its integrity check: {check}")
            counts = table_counts(dst)
        finally:
            dst.close()
    except sqlite3.DatabaseError as e:
        tmp.unlink(missing_ok=True)
        raise FairhearingError("FH-E210", f"could not back up {src_path}: {e}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    os.replace(tmp, out_path)
    return counts
