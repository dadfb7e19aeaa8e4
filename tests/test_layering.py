"""The store layer holds every SQL statement: no production module outside ``store/`` talks SQL.

Outside ``store/`` a module may not import ``sqlite_utils`` or ``sqlite3``, hold a string literal
that reads like an SQL statement, or call a connection's ``execute``/``executemany``/``query``
(or reach its ``conn`` or a table by ``db["name"]``). It receives a database (typed
``store.db.Database``) only to hand it to ``store`` functions.

``ALLOWED`` lists the exceptions, each with its reason. It is empty: the CLI and the web app open
their connections through ``store.db`` (``open_db``, ``connect``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["fairhearing", "ingest", "nlp", "reports", "search", "web"]
SCRIPTS = ["app.py"]
DRIVERS = {"sqlite_utils", "sqlite3"}
SQL = re.compile(
    r"\b(SELECT\b[\s\S]*\bFROM|INSERT\b[\s\S]*\bINTO|UPDATE\b\s+\w+\s+SET|DELETE\s+FROM"
    r"|CREATE\s+(TABLE|INDEX|VIEW|TRIGGER)|DROP\s+TABLE|ALTER\s+TABLE|PRAGMA\s+\w+|BEGIN\s+IMMEDIATE)\b"
)
CONNECTION_CALLS = {"execute", "executemany", "executescript", "query"}

# (path relative to the repository root, what is allowed) -> why. Keep it empty if you can.
ALLOWED: dict[tuple[str, str], str] = {}


def production_files() -> list[Path]:
    files = [ROOT / s for s in SCRIPTS if (ROOT / s).exists()]
    for pkg in PACKAGES:
        if (ROOT / pkg).is_dir():
            files += sorted((ROOT / pkg).rglob("*.py"))
    return files


def violations(source: str) -> list[tuple[int, str]]:
    """(line, what) for each way ``source`` talks to the database itself."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                (node.lineno, f"import {a.name}") for a in node.names if a.name.split(".")[0] in DRIVERS
            ]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in DRIVERS:
            found.append((node.lineno, f"import {node.module}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            found.append((node.lineno, "sql"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in CONNECTION_CALLS
            and _is_connection(node.func.value)
        ):
            found.append((node.lineno, f".{node.func.attr}()"))
        elif isinstance(node, ast.Attribute) and node.attr == "conn" and _is_connection(node.value):
            found.append((node.lineno, ".conn"))
        elif (
            isinstance(node, ast.Subscript)
            and _is_connection(node.value)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            found.append((node.lineno, "db[table]"))
    return found


def _is_connection(node: ast.expr) -> bool:
    """A name that by convention holds a connection (``db``, ``g.db``, ``self.db``)."""
    if isinstance(node, ast.Name):
        return node.id == "db"
    return isinstance(node, ast.Attribute) and node.attr == "db"


def test_no_sql_outside_store():
    problems = []
    for path in production_files():
        rel = path.relative_to(ROOT).as_posix()
        for line, what in violations(path.read_text(encoding="utf-8")):
            if (rel, what) not in ALLOWED:
                problems.append(f"{rel}:{line}: {what}")
    assert not problems, "SQL belongs in store/:\n" + "\n".join(problems)


def test_allow_list_entries_are_still_needed():
    for rel, what in ALLOWED:
        assert what in {w for _, w in violations((ROOT / rel).read_text(encoding="utf-8"))}, (rel, what)


@pytest.mark.parametrize(
    "source",
    [
        "import sqlite_utils\n",
        "from sqlite3 import connect\n",
        "q = 'SELECT id FROM points WHERE x = ?'\n",
        'q = """INSERT INTO themes (a) VALUES (?)"""\n',
        "q = 'UPDATE responses SET a = 1'\n",
        "q = 'DELETE FROM themes'\n",
        "q = 'PRAGMA foreign_keys=ON'\n",
        "db.execute('x')\n",
        "g.db.conn.executemany('x', [])\n",
        "db['points'].insert({})\n",
    ],
)
def test_the_check_finds_each_kind_of_sql(source):
    assert violations(source)


@pytest.mark.parametrize(
    "source",
    [
        "from store.db import Database\n",
        "text = 'Select the points you agree with from the list'\n",
        "text = 'Please update your settings'\n",
        "db.close()\n",
        "point_queries.point(db, 3)\n",
    ],
)
def test_the_check_leaves_plain_words_and_store_calls_alone(source):
    assert not violations(source)
