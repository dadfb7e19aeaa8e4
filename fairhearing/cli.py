"""``fairhearing``: a thin click layer over the library. Every command takes ``--db PATH``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from fairhearing.errors import FairhearingError

DEFAULT_DB = "fairhearing.db"


def bundled_corpus() -> Path:
    """The DWP seed corpus ``demo`` ingests: package data of ``fairhearing`` (``fairhearing/corpus/``),
    found wherever the package is installed (a wheel, or a checkout, where ``corpora/dwp-seeds`` links
    to it)."""
    from importlib.resources import files

    return Path(str(files("fairhearing") / "corpus" / "dwp-seeds"))


BUNDLED_CORPUS = bundled_corpus()

db_option = click.option(
    "--db",
    "db_path",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite database file of this workspace.",
)


class RegistryChoice(click.Choice):
    """A choice among the names registered for one stage kind (``nlp.registry``), read when needed
    (so the built-ins and anything registered later are offered, and ``--help`` loads no model)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__([], case_sensitive=False)

    @property
    def choices(self):  # type: ignore[override]
        from nlp import registry

        return registry.names(self.kind)

    @choices.setter
    def choices(self, _value) -> None:  # click.Choice.__init__ assigns it; the registry is the source
        pass


def stage_option(kind: str, default: str | None, help: str | None = None):
    """``--<kind>``: a pipeline stage chosen by its registered name (``nlp.registry``); a ``None`` default
    lets the command choose."""
    return click.option(
        f"--{kind}", default=default, show_default=default is not None, type=RegistryChoice(kind), help=help
    )


def _models_dir_option(help_text: str):
    """``--models-dir``: default ``models``, or ``$FAIRHEARING_MODELS_DIR`` (the embedders' folder too)."""
    return click.option(
        "--models-dir",
        default="models",
        show_default=True,
        envvar="FAIRHEARING_MODELS_DIR",
        show_envvar=True,
        type=click.Path(file_okay=False),
        help=help_text,
    )


def _open(db_path: str, *, create: bool = False, consultation: str | None = None):
    """Open (and migrate) the database. Only ``ingest`` and ``demo`` may create a new file: any other
    command refuses a missing one (a typo in ``--db`` must not silently give an empty database).
    An existing database whose duplicate groups are stale (an ingest killed before recomputing them)
    has them recomputed first, so every command sees a source with its groups.
    With ``consultation``, the connection reads that consultation only (``store.scope``)."""
    from ingest.dedupe_store import ensure_duplicates
    from store.db import open_db

    existed = Path(db_path).exists()
    if not create and not existed:
        raise FairhearingError(
            "FH-E305",
            f"no database at {db_path}; ingest files first (`fairhearing ingest PATH --db {db_path}`)",
        )
    db = open_db(db_path)
    if existed:
        ensure_duplicates(db)
    if consultation is not None:
        from store.scope import find, set_scope

        cid = find(db, consultation)
        if cid is None:
            raise FairhearingError("FH-E305", f"{db_path} has no consultation called {consultation!r}")
        set_scope(db, cid)
    return db


class _Group(click.Group):
    """Turns Fairhearing's coded errors into a one-line message and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except FairhearingError as e:
            raise click.ClickException(str(e)) from None


@click.group(cls=_Group)
@click.version_option(package_name="fairhearing")
def cli() -> None:
    """Fairhearing: analyse consultation responses locally."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@click.option("--format", "fmt", default=None, help="Force a format instead of detecting it (see `formats`).")
@click.option(
    "--consultation", default="default", show_default=True, help="Consultation these files belong to."
)
@click.option("--question", default=None, help="Question the responses answer (when the file does not say).")
@click.option("--id-column", default=None, help="Spreadsheets: the respondent id column.")
@click.option(
    "--text-column", "text_columns", multiple=True, help="Spreadsheets: a free-text column (repeat)."
)
@click.option(
    "--meta-column",
    "meta_columns",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Spreadsheets: map a field (author, organisation, respondent_type, location, question) to a column.",
)
@click.option("--encoding", default="utf-8", show_default=True, help="Text encoding of the files.")
@click.option("--max-mb", default=50, show_default=True, type=int, help="Refuse files larger than this.")
@click.option(
    "--include-moderated",
    is_flag=True,
    help="Spreadsheets: keep rows the source's moderators rejected (e.g. Polis moderated = -1); "
    "by default they are left out and counted.",
)
def ingest(
    paths,
    db_path,
    fmt,
    consultation,
    question,
    id_column,
    text_columns,
    meta_columns,
    encoding,
    max_mb,
    include_moderated,
):
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
        include_moderated=include_moderated,
    )
    db = _open(db_path, create=True)
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
@click.option("--consultation", default=None, help="Export only this consultation (default: all).")
def export(db_path, out_dir, consultation):
    """Write responses.jsonl, points.jsonl, principles.jsonl (and themes.jsonl) to a folder."""
    from store.export import export_jsonl

    counts = export_jsonl(_open(db_path, consultation=consultation), out_dir)
    for name, n in counts.items():
        click.echo(f"{name}: {n}")


@cli.command()
@db_option
def stats(db_path):
    """Counts of what the database holds."""
    from store.read_stats import database_stats

    click.echo(json.dumps(database_stats(_open(db_path)), indent=2))


@cli.command()
@db_option
@click.option(
    "--out", "out_path", required=True, type=click.Path(dir_okay=False), help="Backup file to write."
)
@click.option("--force", is_flag=True, help="Replace FILE when it exists.")
def backup(db_path, out_path, force):
    """Copy the database to FILE (SQLite online backup: safe while serving); restore by copying it back."""
    from store.backup import backup_db

    counts = backup_db(db_path, out_path, overwrite=force)
    click.echo(f"backed up {len(counts)} tables, {sum(counts.values())} rows to {out_path} (integrity ok)")


@cli.command()
@db_option
@stage_option(
    "embedder",
    None,
    "Embedding model: minilm (default; e5-multilingual instead for a consultation whose points are "
    "mostly not English), e5-multilingual, bge-small, mpnet (optional packages), hashing (fast, low quality).",
)
@stage_option("tagger", "default", "Sentiment and point-type tagger, by registered name.")
@stage_option(
    "mapper", "principle", "Principle mapper: principle (default), logistic or cosine (the baseline)."
)
@click.option(
    "--themes", "n_themes", default=None, type=int, help="Target number of themes (default: automatic)."
)
@click.option(
    "--theme-sample",
    default=None,
    type=click.IntRange(min=0),
    help="Fit themes on a seeded sample of this many distinct points when there are more, and assign "
    "the rest (default 10000; 0: never sample).",
)
@click.option(
    "--ray",
    "ray_address",
    default=None,
    metavar="ADDRESS|local",
    help="Embed and assign themes on a Ray cluster (needs the ray extra); 'local' starts one here.",
)
@click.option("--seed", default=42, show_default=True, help="Random seed: same input and seed, same result.")
@_models_dir_option("Where refittable models (tagger, themes, mapper) are saved.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.option(
    "--consultation",
    default=None,
    help="Analyse only this consultation (default: every consultation, one run each).",
)
@click.option(
    "--embed-batch",
    default=512,
    show_default=True,
    type=click.IntRange(min=1),
    help="Texts embedded, then committed, per step: a killed analysis resumes after the last step.",
)
def analyse(
    db_path,
    embedder,
    tagger,
    mapper,
    n_themes,
    theme_sample,
    ray_address,
    seed,
    models_dir,
    quiet,
    consultation,
    embed_batch,
):
    """Embed, theme, tag and map every stakeholder point to the framework's principles."""
    from nlp.embed import load_embedder
    from nlp.pipeline import Analyser

    db = _open(db_path)
    emb, rest_assigner = load_embedder(embedder or "minilm"), None
    if ray_address:
        from nlp.ray_path import RayEmbedder, assign_on_ray, connect

        connect(ray_address)  # FH-E301 with the install command when Ray is missing
        emb, rest_assigner = RayEmbedder(emb), assign_on_ray
    analyser = Analyser(
        emb,
        tagger=tagger,
        mapper=mapper,
        seed=seed,
        n_themes=n_themes,
        theme_sample=theme_sample,
        rest_assigner=rest_assigner,
        models_dir=Path(models_dir),
        progress=not quiet,
        embed_batch=embed_batch,
        auto_multilingual=embedder is None and not ray_address,
    )
    reports = [analyser.run(db, consultation)] if consultation else analyser.run_all(db)
    for report in reports:
        _print_run(report)
    from store.vocabulary import ensure_titles

    ensure_titles(db)  # short titles for principles whose document gave none (display only)


def _print_run(report) -> None:
    click.echo(
        f"run {report.run_id}: {report.points} points ({report.skipped_duplicates} repeat an earlier text "
        f"and share its analysis), {report.themes} themes in {report.groups} groups, "
        f"unthemed {report.outliers_before} -> {report.outliers_after}, "
        f"{report.mapped} mapped to principles, {report.no_principle} off-topic (fit no principle)"
    )
    if report.embedder_note:
        click.echo(f"embedder {report.embedder}, chosen automatically: {report.embedder_note}")
    click.echo("seconds: " + ", ".join(f"{k} {v}" for k, v in report.seconds.items()))


@cli.command()
@db_option
@click.option(
    "--text-file", required=True, type=click.File("r", encoding="utf-8"), help="The submission ('-' = stdin)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--max-chars",
    default=10_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Refuse a longer submission (FH-E310).",
)
@_models_dir_option("Where the analysis' tagger is saved (for the position verdict).")
def check(db_path, text_file, as_json, max_chars, models_dir):
    """Was my point captured? Found in the analysis, reflected in the summary, and position, per point."""
    from dataclasses import asdict

    from nlp.check import check_limits, check_submission, latest_run, run_tagger
    from nlp.embed import load_embedder

    text = text_file.read()
    check_limits(text, max_chars, max_points=None)  # local: the size limit only, before loading a model
    db = _open(db_path)
    _, _, embedder_name = latest_run(db)
    embedder = load_embedder(embedder_name)
    tagger = run_tagger(db, embedder, Path(models_dir))
    result = check_submission(db, text, embedder, tagger=tagger)
    if as_json:
        rows = [asdict(p) | {"status": p.status} for p in result.points]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for i, p in enumerate(result.points, 1):
        click.echo(f"{i}. {p.text}")
        click.echo(f"   found in the analysis: {p.found}; summary: {p.summary}; position: {p.position}")
        for sentence in p.explanation:
            click.echo(f"   {sentence}")
        click.echo(f"   theme: {p.theme_label or '-'}")
        for pr in p.principles:
            click.echo(f"   principle {pr.code} ({pr.decision}): {pr.title[:90]}")
        for m in p.matches[:2]:
            click.echo(
                f"   ~ response {m.response_id} ({m.confidence}, {m.organisation or 'unattributed'}): {m.text[:90]}"
            )
    found = sum(p.is_found for p in result.points)
    reflected = sum(p.summary in ("quoted", "represented") for p in result.points)
    opposed = sum(p.position == "opposed" for p in result.points)
    click.echo(
        f"{len(result.points)} points: {found} found, {reflected} reflected in a summary, "
        f"{opposed} with the topic raised but not the position"
    )


@cli.command("search")
@db_option
@click.argument("query")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200), help="Points to print.")
@click.option("--consultation", default=None, help="Search only this consultation (default: every one).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per point.")
def search_points(db_path, query, limit, consultation, as_json):
    """Keyword and semantic search over every point: the web's /search ranking, best first."""
    from search.hybrid import hybrid_search, vector_index
    from store.queries import runs as run_queries
    from store.queries import search as search_queries
    from store.scope import scope_of

    db = _open(db_path, consultation=consultation)
    run = run_queries.current_run(db)
    model = run["embedder"] if run else None
    loader = json.loads(run["params"] or "{}").get("embedder", "minilm") if run else None

    def embedder():
        from nlp.embed import load_embedder

        return load_embedder(loader)

    filters = search_queries.Filters(consultation=scope_of(db))
    outcome = hybrid_search(
        db, query, filters, index=vector_index(db, model) if model else None, embedder=embedder
    )
    rows = search_queries.points_for_hashes(db, outcome.hashes[:limit], filters)
    if outcome.note:
        click.echo(outcome.note, err=True)
    for row in rows:
        if as_json:
            keys = ("id", "response_id", "source", "organisation", "theme_label", "sentiment", "clean_text")
            click.echo(json.dumps({k: row[k] for k in keys}, ensure_ascii=False))
        else:
            who = row["organisation"] or row["author"] or "unattributed"
            click.echo(f"point {row['id']} (response {row['response_id']}, {who}): {row['clean_text'][:160]}")
    click.echo(
        f"{len(outcome.hashes)} matching texts ({outcome.keyword} by keyword, {outcome.semantic} by meaning)",
        err=True,
    )


@cli.command()
@db_option
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "docx", "csv", "xlsx"]),
    default=None,
    help="Default: from the file extension.",
)
def report(db_path, out_path, fmt):
    """Write the summary-of-responses draft (HTML/DOCX) or all points with every tag (CSV/XLSX)."""
    from web import exports

    fmt = fmt or Path(out_path).suffix.lstrip(".").lower()
    writers = {
        "html": _write_report_html,
        "docx": _write_report_docx,
        "csv": exports.write_points_csv,
        "xlsx": exports.write_points_xlsx,
    }
    if fmt not in writers:
        raise click.BadParameter(
            f"cannot tell the format of {out_path!r}; pass --format", param_hint="--format"
        )
    _open(db_path).close()  # refuse a missing database; migrate an older one
    writers[fmt](db_path, out_path)
    click.echo(f"wrote {out_path}")


def _write_report_html(db_path: str, out_path: str) -> None:
    from reports import html_writer, summary

    db = _open(db_path)
    try:
        html_writer.write_html(summary.build(db), out_path)
    finally:
        db.close()


def _write_report_docx(db_path: str, out_path: str) -> None:
    from reports import docx_writer, summary

    db = _open(db_path)
    try:
        docx_writer.write_docx(summary.build(db), out_path)
    finally:
        db.close()


@cli.command()
@db_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; any other than loopback needs a login for every page unless --public.",
)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--public", is_flag=True, help="On a non-loopback address, let anyone read without an account.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
def serve(db_path, host, port, public, threads):
    """Serve the web app on waitress (a production WSGI server; never debug mode)."""
    import waitress

    from store.users import list_users
    from web import create_app

    db = _open(db_path)  # refuse a missing database; migrate before serving
    accounts = list_users(db)
    db.close()
    app = create_app({"DATABASE": str(Path(db_path).resolve()), "BIND_HOST": host, "PUBLIC": public})
    from web.db import one_native_thread_per_request, preload_search

    one_native_thread_per_request()
    preload_search(app)  # load the query embedder now, so the first search does not wait for it
    if app.config["REQUIRE_LOGIN"]:
        access = "every page needs a login (viewer or analyst account)"
        if not any(u["active"] for u in accounts):
            click.echo(
                "warning: no active account yet; create one with `fairhearing user add NAME`", err=True
            )
    elif app.config["EXPORTS_NEED_ANALYST"]:
        access = "public: anyone may read; full-text exports need an analyst"
    else:
        access = "this machine only"
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Fairhearing on http://{shown}:{port}/  ({access}; Ctrl+C to stop)")
    waitress.serve(app, host=host, port=port, threads=threads, ident="fairhearing")


@cli.group()
def user() -> None:
    """Accounts: analysts edit; viewers read where the app needs a login (a non-loopback address)."""


def _account_command(name: str):
    """Declare a ``user`` subcommand that takes an account NAME and ``--db``."""

    def declare(f):
        return user.command(name)(click.argument("name")(db_option(f)))

    return declare


def _account(db_path, change, *args, **kwargs) -> None:
    """Apply a ``store.users`` change to the database, its refusals shown as CLI errors."""
    from store.users import UserError

    try:
        change(_open(db_path), *args, **kwargs)
    except UserError as e:
        raise click.ClickException(str(e)) from None


@_account_command("add")
@click.option(
    "--role",
    type=click.Choice(["analyst", "viewer"]),
    default="analyst",
    show_default=True,
    help="What it may do.",
)
@click.password_option(help="Password (asked for when not given).")
def user_add(name, db_path, role, password):
    """Create an account with a hashed password."""
    from store.users import create_user

    _account(db_path, create_user, name, password, role=role)
    click.echo(f"{role} {name!r} created")


@_account_command("passwd")
@click.password_option(help="New password (asked for when not given).")
def user_passwd(name, db_path, password):
    """Change an account's password (its signed-in sessions end)."""
    from store.users import set_password

    _account(db_path, set_password, name, password)
    click.echo(f"password of {name!r} changed; its sessions are signed out")


@_account_command("deactivate")
def user_deactivate(name, db_path):
    """Stop an account signing in (its signed-in sessions end at once)."""
    from store.users import set_active

    _account(db_path, set_active, name, False)
    click.echo(f"{name!r} deactivated")


@_account_command("activate")
def user_activate(name, db_path):
    """Let a deactivated account sign in again."""
    from store.users import set_active

    _account(db_path, set_active, name, True)
    click.echo(f"{name!r} activated")


@user.command("list")
@db_option
def user_list(db_path):
    """Accounts with their role and whether they are active."""
    from store.users import list_users

    for u in list_users(_open(db_path)):
        click.echo(f"{u['name']}\t{u['role']}\t{'active' if u['active'] else 'inactive'}")


@cli.group()
def labels() -> None:
    """Analyst verdicts on point-to-principle mappings: import an existing coding, export every verdict."""


@labels.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@click.option(
    "--analyst", default="labels-import", show_default=True, help="Name the verdicts are filed under."
)
def labels_import(file, db_path, analyst):
    """Load a coding (CSV, XLSX or JSONL): each matched row is confirmed or rejected, in one transaction."""
    from ingest.label_rows import read_rows
    from store.labels import import_labels

    db = _open(db_path)
    report = import_labels(db, read_rows(file), analyst)
    for n, why in report.unmatched:
        click.echo(f"row {n}: not matched: {why}", err=True)
    points = sum(k for _, k in report.matched)
    click.echo(
        f"{len(report.matched)} of {report.rows} rows matched ({points} points, {report.edits} verdicts filed "
        f"as {analyst!r}); {len(report.unmatched)} unmatched"
    )
    if not report.matched:
        sys.exit(1)


@labels.command("export")
@db_option
@click.option(
    "--out", "out_path", required=True, type=click.Path(dir_okay=False), help="File: .csv, .jsonl or .xlsx."
)
def labels_export(db_path, out_path):
    """Write every verdict in the format `labels import` reads (so a coding round-trips)."""
    from ingest.label_rows import file_format, write_rows
    from store.labels import export_labels

    file_format(out_path)
    rows = export_labels(_open(db_path))
    write_rows(out_path, rows)
    click.echo(f"wrote {len(rows)} verdicts to {out_path}")


@cli.group()
def vocabulary() -> None:
    """Per-framework vocabulary: principles' short titles, synonyms/keywords and examples."""


@vocabulary.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@click.option("--framework", default=None, help="Only principles of the framework with this name.")
@click.option(
    "--analyst", default="vocabulary-import", show_default=True, help="Name the edits are filed under."
)
def vocabulary_import(file, db_path, framework, analyst):
    """Load titles, synonyms and examples from YAML or CSV (audited, kept across re-analysis)."""
    from ingest.vocabulary_file import read_vocabulary
    from store.vocabulary import ensure_titles, import_entries

    db = _open(db_path)
    ensure_titles(db)
    entries = read_vocabulary(file)
    changed, unmatched = import_entries(db, entries, analyst, framework)
    for n, why in unmatched:
        click.echo(f"entry {n}: not matched: {why}", err=True)
    click.echo(f"{changed} principles changed; {len(unmatched)} of {len(entries)} entries unmatched")
    if unmatched and len(unmatched) == len(entries):
        sys.exit(1)


@cli.command()
@db_option
@stage_option("embedder", "minilm")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Stop after analysing.")
@click.pass_context
def demo(ctx, db_path, embedder, host, port, no_serve):
    """Ingest the bundled DWP corpus, analyse it, and serve it."""
    ctx.invoke(ingest, paths=(BUNDLED_CORPUS,), db_path=db_path)
    ctx.invoke(analyse, db_path=db_path, embedder=embedder)
    if not no_serve:
        ctx.invoke(serve, db_path=db_path, host=host, port=port)


@cli.group(invoke_without_command=True)
@db_option
@click.option("--consultation", default=None, help="Only this consultation's runs (default: every run).")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@click.pass_context
def runs(ctx, db_path, consultation, as_json):
    """Analysis runs, newest first, with parameters, model versions and which is current; or compare two."""
    ctx.obj = {"db_path": db_path}
    if ctx.invoked_subcommand is not None:
        return
    from dataclasses import asdict

    from store.runs import list_runs
    from store.scope import consultations, scope_of

    db = _open(db_path, consultation=consultation)
    rows = list_runs(db, scope_of(db))
    names = {c["id"]: c["name"] for c in consultations(db)}
    if as_json:
        out = [asdict(r) | {"consultation": names.get(r.consultation_id)} for r in rows]
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    for r in rows:
        v = r.params.get("versions") or {}
        flags = " current" if r.current else ""
        click.echo(
            f"run {r.id} [{names.get(r.consultation_id, '-')}] {r.status}{flags}: started {r.started_at}, "
            f"finished {r.finished_at or '-'}; embedder {v.get('embedder_model') or r.embedder}, seed {r.seed}, "
            f"themes {r.params.get('n_themes') or 'automatic'}"
            + (
                f"; {r.stats['points']} points, {r.stats.get('themes', 0)} themes"
                if "points" in r.stats
                else ""
            )
            + ("" if r.kept or r.status != "done" else "; not kept")
        )
        if v:
            click.echo(
                f"    tagger {v.get('tagger')}; mapper {v.get('mapper')}; theme model {v.get('theme_model')}"
            )
        if r.error:
            click.echo(f"    error: {r.error}")
    if not rows:
        click.echo("no analysis runs yet: run `fairhearing analyse`")


@runs.command("compare")
@click.argument("run_a", type=int)
@click.argument("run_b", type=int)
@click.option(
    "--db",
    "db_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="SQLite database file of this workspace.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.pass_context
def runs_compare(ctx, run_a, run_b, db_path, as_json):
    """Compare run A (before) with run B (after): themes appeared, vanished, grew, shrank; principle counts."""
    from store.run_compare import compare

    c = compare(_open(db_path or ctx.obj["db_path"]), run_a, run_b)
    if as_json:
        click.echo(json.dumps(c.to_dict(), indent=2, ensure_ascii=False))
        return

    def signed(n: int) -> str:
        return f"+{n}" if n > 0 else str(n)

    def side(r) -> str:
        return f"run {r.id} (finished {r.finished_at}{', current' if r.current else ''})"

    click.echo(
        f"{side(c.before)} -> {side(c.after)}"
        + (f", consultation {c.consultation}" if c.consultation else "")
    )
    for label, key in (
        ("points analysed", "points"),
        ("respondents", "respondents"),
        ("mapped to a principle", "mapped_points"),
        ("confirmed", "confirmed_points"),
    ):
        a, b = getattr(c.before, key), getattr(c.after, key)
        click.echo(f"{label}: {a} -> {b} ({signed(b - a)})")
    click.echo("themes: " + ", ".join(f"{n} {k}" for k, n in c.tally().items()))
    for t in c.themes:
        name = t.before_label if t.after_label is None else t.after_label
        if t.before_label is not None and t.after_label is not None and t.before_label != t.after_label:
            name = f"{t.before_label} -> {t.after_label}"
        extra = f"  overlap {t.overlap:.2f}" if t.before_id is not None and t.after_id is not None else ""
        if t.nearest:
            extra += f"  nearest: {t.nearest}"
        click.echo(
            f"  {t.change:<9} {name}: {t.points_before} -> {t.points_after} points ({signed(t.points_change)}), "
            f"{t.respondents_before} -> {t.respondents_after} respondents{extra}"
        )
    click.echo("principles (mapped points):")
    for p in c.principles:
        click.echo(
            f"  {p.code} {p.title[:60]}: {p.mapped_before} -> {p.mapped_after} ({signed(p.change)}), "
            f"confirmed {p.confirmed_before} -> {p.confirmed_after}, "
            f"respondents {p.respondents_before} -> {p.respondents_after}"
        )


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
