"""Write transactions that never deadlock and never fail on a busy database without saying so.

SQLite in WAL mode lets readers run beside one writer. A *deferred* transaction that reads and
then writes can fail at once with "database is locked" when another connection committed in
between (the busy handler is not consulted for that upgrade), which is how concurrent analyst
edits used to end in HTTP 500. ``write_tx`` therefore takes the write lock first
(``BEGIN IMMEDIATE``, which does wait on the connection's busy timeout) and retries a bounded
number of times; if the lock still cannot be had it raises ``BusyError`` (code FH-E400) that the
CLI and the web app turn into a clear "busy, try again" message. Nested calls use savepoints, so a
stage can call a writer that opens its own transaction.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from itertools import count

import sqlite_utils

from fairhearing.errors import FairhearingError

RETRIES = 3  # attempts at BEGIN IMMEDIATE, each waiting up to the connection's busy timeout
BACKOFF_S = 0.05  # pause before the second attempt; doubles after each failure
_savepoints = count()


class BusyError(FairhearingError):
    """Another writer held the database for longer than the busy timeout allows."""

    def __init__(self, message: str = "the database is busy with another write; try again shortly") -> None:
        super().__init__("FH-E400", message)


def is_busy(error: BaseException) -> bool:
    """Whether an sqlite3 error means another connection holds the lock."""
    text = str(error).lower()
    return isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def begin_immediate(conn: sqlite3.Connection, retries: int = RETRIES) -> None:
    """``BEGIN IMMEDIATE`` with bounded retry; ``BusyError`` when the lock never comes."""
    pause = BACKOFF_S
    for attempt in range(retries):
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as e:
            if not is_busy(e):
                raise
            if attempt == retries - 1:
                raise BusyError() from None
            time.sleep(pause)
            pause *= 2


@contextlib.contextmanager
def write_tx(db: sqlite_utils.Database, retries: int = RETRIES) -> Iterator[sqlite_utils.Database]:
    """One write transaction: everything inside commits together or not at all.

    Outside a transaction it starts one with ``BEGIN IMMEDIATE``; inside one it nests as a
    savepoint. The connection must be in autocommit mode (``isolation_level = None``), as
    ``store.db.open_db`` and ``store.db.connect`` leave it.
    """
    conn = db.conn
    if conn.in_transaction:
        name = f"fh_sp_{next(_savepoints)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield db
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            conn.execute(f"RELEASE SAVEPOINT {name}")
        return
    begin_immediate(conn, retries)
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except sqlite3.OperationalError as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if is_busy(e):
                raise BusyError() from None
            raise
