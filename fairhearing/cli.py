"""``fairhearing``: a thin click layer over the library. Every command takes ``--db PATH``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from fairhearing.errors import FairhearingError

DEFAULT_DB = "fairhearing.db"
BUNDLED_CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "dwp-seeds"

db_option = click.option(
    "--db",
    "db_path",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite database file of this workspace.",
)


def _open(db_path: str):
    from store.db import open_db

    return open_db(db_path)


@click.group()
@click.version_option(package_name="fairhearing")
def cli() -> None:
    """Fairhearing: analyse consultation responses locally."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@click.option("--format", "fmt", default=None, help="Force a format instead of detecting it (see `formats`).")
@click.option("--consultation", default="default", show_default=True, help="Consultation these files belong to.")
@click.option("--question", default=None, help="Question the responses answer (when the file does not say).")
@click.option("--id-column", default=None, help="Spreadsheets: the respondent id column.")
@click.option("--text-column", "text_columns", multiple=True, help="Spreadsheets: a free-text column (repeat).")
@click.option(
    "--meta-column",
    "meta_columns",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Spreadsheets: map a field (author, organisation, respondent_type, location, question) to a column.",
)
@click.option("--encoding", default="utf-8", show_default=True, help="Text encoding of the files.")
@click.option("--max-mb", default=50, show_default=True, type=int, help="Refuse files larger than this.")
def ingest(paths, db_path, fmt, consultation, question, id_column, text_columns, meta_columns, encoding, max_mb):
    """Read files or folders into the database (re-ingesting an unchanged file does nothing)."""
    from ingest.formats import ReadOptions
    from ingest.pipeline import ingest_paths

    meta = {}
    for item in meta_columns:
        if "=" not in item:
            raise click.BadParameter(f"{item!r}: expected FIELD=COLUMN", param_hint="--meta-column")
        field, column = item.split("=", 1)
        meta[field.strip()] = column.strip()
    options = ReadOptions(
        question=question,
        id_column=id_column,
        text_columns=list(text_columns) or None,
        meta_columns=meta,
        encoding=encoding,
        max_bytes=max_mb * 1024 * 1024,
    )
    db = _open(db_path)
    reports = ingest_paths(db, paths, consultation=consultation, fmt=fmt, options=options)
    failed = 0
    for r in reports:
        if r.status == "failed":
            failed += 1
            click.echo(f"FAILED  {r.error}", err=True)
            continue
        detail = f"{r.format}: {r.responses} responses, {r.points} points" if r.format else ""
        click.echo(f"{r.status:<9} {r.file}  {detail}")
        for p in r.problems:
            click.echo(f"          problem: {p}", err=True)
    if not reports:
        click.echo("no files found", err=True)
        sys.exit(1)
    if failed:
        click.echo(f"{failed} of {len(reports)} files failed; nothing from them was stored.", err=True)
        sys.exit(1)


@cli.command()
def formats() -> None:
    """List the formats `ingest --format` accepts."""
    from ingest.formats import readers

    for name in readers():
        click.echo(name)


@cli.command()
@db_option
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder to write.")
def export(db_path, out_dir):
    """Write responses.jsonl, points.jsonl, principles.jsonl (and themes.jsonl) to a folder."""
    from store.export import export_jsonl

    counts = export_jsonl(_open(db_path), out_dir)
    for name, n in counts.items():
        click.echo(f"{name}: {n}")


@cli.command()
@db_option
def stats(db_path):
    """Counts of what the database holds."""
    from store.read_stats import database_stats

    click.echo(json.dumps(database_stats(_open(db_path)), indent=2))


def main() -> None:
    try:
        cli(standalone_mode=False)
    except FairhearingError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)


if __name__ == "__main__":
    main()
