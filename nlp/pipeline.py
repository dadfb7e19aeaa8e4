"""The analysis stage: stored points in; themes, tags and principle maps out.

``Analyser`` takes each stage as an argument with a sensible default (BERTopic-style):
the embedder, the theme modeller, the tagger and the principle mapper. ``run`` reads as the
pipeline: select points → embed (cached) → themes → tags → principles → replay analyst edits.
Each run is a row of ``analysis_runs``; its results replace the previous run's in one transaction.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from fairhearing import crashpoints
from fairhearing.errors import AnalysisError
from nlp import registry
from nlp.language import tags_measured
from nlp.mapping_decision import Mapping
from nlp.registry import DEFAULTS
from nlp.run_versions import stage_versions
from nlp.stages import Embedder, Mapper, Tagger, ThemeModel
from store.analysis import (
    clear_point_analysis,
    drop_other_runs_themes,
    replace_summary_quotes,
    theme_memberships,
    top_mapped_principles,
    write_point_analysis,
    write_point_principles,
)
from store.db import Database
from store.ingest_store import find_consultation
from store.languages import write_point_languages
from store.runs import (
    PointRow,
    consultations_with_points,
    fail_run,
    finish_run,
    reap_dead_runs,
    select_points,
    start_run,
)
from store.tx import write_tx

__all__ = ["Analyser", "PointRow", "RunReport", "select_points"]

log = logging.getLogger(__name__)


MOSTLY_NOT_ENGLISH = 0.5  # share of non-English points above which auto_multilingual switches
LANGUAGE_SAMPLE = 2_000  # points read (a seeded sample of a larger consultation) to estimate that share


@dataclass
class RunReport:
    run_id: int
    points: int
    skipped_duplicates: int
    themes: int
    groups: int
    outliers_before: int
    outliers_after: int
    mapped: int
    no_principle: int
    seconds: dict[str, float] = field(default_factory=dict)
    embedder: str = ""  # the load_embedder name used
    embedder_note: str = ""  # why, when it was chosen automatically


class Analyser:
    """Analysis with swappable stages (``nlp.stages`` protocols), each an argument with a default.

    ``embedder`` is an ``Embedder`` or a registered name; ``theme_model``, ``tagger`` and ``mapper``
    are registered names (``nlp.registry``; ``fairhearing analyse --tagger/--mapper``).
    ``theme_modeller`` (a ``ThemeModel``), ``tagger_factory`` (``() -> Tagger``) and
    ``mapper_factory`` (``() -> Mapper``, called once per framework) take precedence over the names.
    """

    def __init__(
        self,
        embedder: Embedder | str | None = None,
        theme_modeller: ThemeModel | None = None,
        tagger_factory: Callable[[], Tagger] | None = None,
        mapper_factory: Callable[[], Mapper] | None = None,
        *,
        theme_model: str = DEFAULTS["theme_model"],
        tagger: str = DEFAULTS["tagger"],
        mapper: str = DEFAULTS["mapper"],
        seed: int = 42,
        n_themes: int | None = None,
        theme_sample: int | None = None,
        rest_assigner: Callable | None = None,
        models_dir: Path = Path("models"),
        progress: bool = True,
        embed_batch: int | None = None,
        auto_multilingual: bool = False,
    ) -> None:
        """``auto_multilingual``: embed a consultation whose points are mostly not English (more than
        ``MOSTLY_NOT_ENGLISH`` of those with a detected language) with the multilingual e5 instead."""
        if isinstance(embedder, str):
            embedder = registry.create("embedder", embedder)
        self.embedder = embedder
        self.theme_modeller = theme_modeller
        self.tagger_factory = tagger_factory
        self.mapper_factory = mapper_factory or registry.get("mapper", mapper)
        if tagger_factory is None:
            registry.get("tagger", tagger)  # an unknown name fails now, not after embedding
        if theme_modeller is None:
            registry.get("theme_model", theme_model)
        self.stage_names = {
            "theme_model": theme_model if theme_modeller is None else type(theme_modeller).__name__,
            "tagger": tagger if tagger_factory is None else getattr(tagger_factory, "__name__", "custom"),
            "mapper": mapper if mapper_factory is None else getattr(mapper_factory, "__name__", "custom"),
        }
        self.seed = seed
        self.n_themes = n_themes
        self.theme_sample = theme_sample  # None: the modeller's default sample size; 0: never sample
        self.rest_assigner = rest_assigner  # assigns the texts outside the theme sample (nlp.ray_path)
        self.models_dir = Path(models_dir)
        self.progress = progress
        self.embed_batch = embed_batch  # texts embedded and committed per step (None: the cache's default)
        self.auto_multilingual = auto_multilingual
        self._embedder_note = ""
        self._made_modeller = False  # theme_modeller is the default one, made by ``themes``

    # --- stages -----------------------------------------------------------------------------
    def _embedder(self) -> Embedder:
        if self.embedder is None:
            self.embedder = registry.create("embedder", DEFAULTS["embedder"])
        return self.embedder

    def _embed_fn(self, db: Database | None = None) -> Callable[[list[str]], np.ndarray]:
        """Embed texts; with ``db``, through the embedding cache (framework texts embed once)."""
        emb = self._embedder()
        if db is None:
            return lambda texts: emb.encode(list(texts))
        from nlp.embedding_cache import embed_texts, stack
        from store.ingest_store import text_hash

        def embed(texts: list[str]) -> np.ndarray:
            hashes = [text_hash(t) for t in texts]
            return stack(embed_texts(db, emb, list(zip(hashes, texts, strict=True))), hashes)

        return embed

    def embed(self, db: Database, points: list[PointRow]) -> np.ndarray:
        from nlp.embedding_cache import CHUNK_TEXTS, embed_texts

        vectors = embed_texts(
            db,
            self._embedder(),
            [(p.text_hash, p.text) for p in points],
            progress=self.progress,
            chunk=self.embed_batch or CHUNK_TEXTS,
        )
        return np.vstack([vectors[p.text_hash] for p in points]).astype(np.float32)

    def themes(self, texts: list[str], embeddings: np.ndarray):
        if self.theme_modeller is None:
            sample = {} if self.theme_sample is None else {"sample_size": self.theme_sample or None}
            self.theme_modeller = registry.create(
                "theme_model",
                self.stage_names["theme_model"],
                embedder=self._embedder(),
                seed=self.seed,
                n_themes=self.n_themes,
                **sample,
            )
            self.theme_modeller.rest_assigner = self.rest_assigner
            self._made_modeller = True
        if len(texts) >= getattr(self.theme_modeller, "min_docs", 0):
            from nlp.numba_cache import prepare_numba

            prepare_numba()  # UMAP/pynndescent compile once per installation, not once per process
        return self.theme_modeller.fit(texts, embeddings)

    def tags(self, texts: list[str], embeddings: np.ndarray):
        if self.tagger_factory is None:
            tagger = registry.create(
                "tagger",
                self.stage_names["tagger"],
                embedder_name=self._embedder().name,
                embed=self._embed_fn(),
                models_dir=self.models_dir,
            )
        else:
            tagger = self.tagger_factory()
        return tagger.predict(texts, embeddings)

    def principles(self, db: Database, points: list[PointRow], embeddings: np.ndarray):
        """Map each point with the framework that applies to its question (else the general ones).

        Returns point id -> ``Mapping``: the ranked top principles (always), the decision and the
        off-topic flag; with several frameworks, their rankings are merged best first.
        """
        from nlp.mapping import load_framework, select_frameworks

        result: dict[int, list[Mapping]] = {p.id: [] for p in points}
        groups: dict[tuple[int, ...], list[int]] = {}
        per_question: dict[tuple[int, str | None], tuple[int, ...]] = {}
        for i, p in enumerate(points):
            key = (p.consultation, p.question)
            if key not in per_question:
                per_question[key] = tuple(select_frameworks(db, p.question, p.consultation))
            groups.setdefault(per_question[key], []).append(i)
        for fids, idx in groups.items():
            for fid in fids:
                mapper = self.mapper_factory()
                mapper.fit(load_framework(db, fid), self._embed_fn(db))
                decided = mapper.decide(
                    [points[i].text for i in idx],
                    embeddings[idx],
                    placeholder=[points[i].placeholder for i in idx],
                )
                for i, m in zip(idx, decided, strict=True):
                    result[points[i].id].append(m)
        return {pid: _merge(ms) for pid, ms in result.items()}

    # --- the pipeline -----------------------------------------------------------------------
    @staticmethod
    def _consultation(db: Database, name: str | None) -> int:
        found = consultations_with_points(db)
        if name is None:
            if len(found) > 1:
                names = ", ".join(n for _, n in found)
                raise AnalysisError("FH-E300", f"several consultations hold responses ({names}); name one")
            if not found:
                raise AnalysisError("FH-E300", "no stakeholder points to analyse; ingest responses first")
            return found[0][0]
        cid = find_consultation(db, name)
        if cid is None:
            raise AnalysisError("FH-E300", f"no consultation called {name!r}")
        return cid

    def run_all(self, db: Database) -> list[RunReport]:
        """Analyse every consultation that has responses, one run each (nothing crosses them)."""
        found = consultations_with_points(db)
        if not found:
            raise AnalysisError("FH-E300", "no stakeholder points to analyse; ingest responses first")
        return [self.run(db, consultation=name) for _, name in found]

    def run(self, db: Database, consultation: str | None = None) -> RunReport:
        """Analyse one consultation (by name; None: the only one there is) as a new run."""

        from ingest.dedupe_store import ensure_duplicates

        reap_dead_runs(db)
        ensure_duplicates(db)  # a killed ingest may have left duplicate groups stale
        cid = self._consultation(db, consultation)
        all_points, skipped = select_points(db, cid)
        points, index_of = distinct_points(all_points)
        if not points:
            raise AnalysisError("FH-E300", "no stakeholder points to analyse; ingest responses first")
        base, own_modeller = self._embedder(), self.theme_modeller is None or self._made_modeller
        note = self._multilingual_note([p.text for p in points], self.seed) if self.auto_multilingual else ""
        if note:
            from nlp.embed import MULTILINGUAL, load_embedder

            self.embedder = load_embedder(MULTILINGUAL)
            if own_modeller:  # a default modeller embeds keywords with the run's embedder
                self.theme_modeller = None
            if self.progress:
                tqdm.write(f"analyse: {note}: embedding with {MULTILINGUAL}")
        try:
            return self._run(db, cid, all_points, skipped, points, index_of, note)
        finally:
            if note:  # the next consultation chooses for itself
                self.embedder = base
                if own_modeller:
                    self.theme_modeller = None

    @staticmethod
    def _multilingual_note(texts: list[str], seed: int = 0) -> str:
        """Why the multilingual embedder should be used for ``texts``, or "" when it should not.

        Above ``LANGUAGE_SAMPLE`` texts the share is estimated on a seeded sample of that many (its
        standard error about one percentage point), not read from every text: the themes stage detects
        every point's language later, beside UMAP."""
        from nlp.language import detect_languages
        from nlp.themes import sample_indices

        pick = sample_indices(len(texts), LANGUAGE_SAMPLE, seed)
        read = texts if pick is None else [texts[i] for i in pick]
        found = [lang for lang in detect_languages(read) if lang]
        other = sum(lang != "en" for lang in found)
        if not found or other / len(found) <= MOSTLY_NOT_ENGLISH:
            return ""
        of = f" (a sample of {len(read):,} of {len(texts):,})" if len(read) < len(texts) else ""
        return f"{other / len(found):.0%} of the points{of} with a detected language are not English"

    def _run(self, db, cid, all_points, skipped, points, index_of, note: str) -> RunReport:
        emb = self._embedder()
        self._embedder_note = note
        params = {
            "embedder": _loader_name(emb),
            "n_themes": self.n_themes,
            "theme_sample": self.theme_sample,
            **self.stage_names,
            "versions": stage_versions(self),
        }
        if note:
            params["embedder_chosen"] = f"automatically: {note}"
        run_id = start_run(db, embedder=emb.name, seed=self.seed, params=params, consultation=cid)
        self._consultation_id = cid
        crashpoints.reached("analyse:after-run-start")
        seconds: dict[str, float] = {}
        try:
            texts = [p.text for p in points]
            stage = _Stages(len(points), seconds, enabled=self.progress)
            with stage("embed"):
                embeddings = self.embed(db, points)
            with stage("themes"):
                themes = self.themes(texts, embeddings)
            crashpoints.reached("analyse:after-themes")
            with stage("tags"):
                tags = self.tags(texts, embeddings)
            with stage("principles"):
                mapped = self.principles(db, points, embeddings)
            report = self._write(
                db, run_id, all_points, index_of, points, embeddings, themes, tags, mapped, skipped, seconds
            )
            self._save_models(run_id)
        except BaseException as e:
            fail_run(db, run_id, f"{type(e).__name__}: {e}")
            raise
        return report

    def _write(
        self, db, run_id, all_points, index_of, points, embeddings, themes, tags, mapped, skipped, seconds
    ) -> RunReport:
        """Write the run: ``points`` are the distinct texts analysed, ``all_points`` every point (each
        gets the analysis of its text, ``index_of[point id]`` being that text's index in ``points``)."""
        from nlp.summaries import summary_quote_rows
        from store.themes import write_themes

        with write_tx(db):
            # bound to what was read: if an ingest changed the points since, write nothing
            now_points, _ = select_points(db, self._consultation_id)
            if now_points != all_points:
                raise AnalysisError(
                    "FH-E304",
                    f"the responses changed while analysis ran ({_changes(all_points, now_points)}); "
                    "nothing was written: run `fairhearing analyse` again (cached embeddings make it quicker)",
                )
            from store.edits import old_memberships, record_successors, recount

            old_themes = old_memberships(db, run_id)
            clear_point_analysis(db, self._consultation_id)
            theme_ids = write_themes(db, run_id, themes)
            languages = list(getattr(themes, "languages", None) or [])
            if len(languages) != len(points):
                languages = [None] * len(points)
            # sentiment and type only where the tagger was evaluated (English): elsewhere not measured
            measured = [tags_measured(lang) for lang in languages]
            write_point_analysis(
                db,
                [
                    (
                        p.id,
                        run_id,
                        theme_ids.get(int(themes.topics[i])),
                        float(themes.scores[i]),
                        tags[i].sentiment if measured[i] else None,
                        float(tags[i].sentiment_score) if measured[i] else None,
                        tags[i].type if measured[i] else None,
                        float(tags[i].type_score) if measured[i] else None,
                        int(mapped[points[i].id].no_principle),
                    )
                    for p in all_points
                    for i in (index_of[p.id],)
                ],
            )
            write_point_principles(
                db,
                [row for p in all_points for row in _principle_rows(p.id, mapped[points[index_of[p.id]].id])],
            )
            recount(db, list(theme_ids.values()))  # sizes count every copy of a text
            if any(languages):
                write_point_languages(
                    db, [p.id for p in all_points], [languages[index_of[p.id]] for p in all_points]
                )
            _replay_edits(db, run_id)
            quotes = summary_quote_rows(
                run_id,
                _summary_sets(db, run_id, index_of),
                [p.id for p in points],
                embeddings,
                [p.text for p in points],
                [p.response_id for p in points],
            )
            replace_summary_quotes(db, run_id, quotes)
            # older runs' themes go (their links say where their points went); their analyst edits
            # live on as replayable operations
            record_successors(db, run_id, old_themes)
            drop_other_runs_themes(db, self._consultation_id, keep_run=run_id)
            no_principle = sum(1 for p in all_points if mapped[points[index_of[p.id]].id].no_principle)
            report = RunReport(
                run_id=run_id,
                points=len(all_points),
                skipped_duplicates=skipped,
                themes=sum(1 for t in themes.themes),
                groups=len(themes.groups),
                outliers_before=themes.outliers_before,
                outliers_after=themes.outliers_after,
                mapped=sum(1 for p in all_points if mapped[points[index_of[p.id]].id].mapped),
                no_principle=no_principle,
                seconds={k: round(v, 2) for k, v in seconds.items()},
                embedder=_loader_name(self._embedder()),
                embedder_note=self._embedder_note,
            )
            finish_run(db, run_id, report.__dict__)
            crashpoints.reached("analyse:before-commit")
        return report

    def _save_models(self, run_id: int) -> None:
        if self.theme_modeller is not None and hasattr(self.theme_modeller, "save"):
            try:
                self.theme_modeller.save(self.models_dir / "themes")
            except Exception as e:  # noqa: BLE001 - a failed save must not lose the stored analysis
                log.warning("could not save the theme model under %s: %s", self.models_dir, e)


class _Stages:
    """Names each stage as it starts and reports its time and rate when it ends (stderr, when on).

    The rate is items per second of that stage alone, so it says what the stage really does; the
    embed stage also has its own bar counting texts (``nlp.embedding_cache``).
    """

    NAMES = ("embed", "themes", "tags", "principles")

    def __init__(self, items: int, seconds: dict[str, float], *, enabled: bool) -> None:
        self.items, self.seconds, self.enabled = items, seconds, enabled

    @contextlib.contextmanager
    def __call__(self, name: str):
        import time

        k = self.NAMES.index(name) + 1
        if self.enabled:
            tqdm.write(f"analyse [{k}/{len(self.NAMES)}] {name}: {self.items:,} distinct point texts …")
        t = time.perf_counter()
        yield
        took = time.perf_counter() - t
        self.seconds[name] = took
        if self.enabled:
            rate = f", {self.items / took:,.0f} texts/s" if took > 0 else ""
            tqdm.write(f"analyse [{k}/{len(self.NAMES)}] {name} done in {took:.1f} s{rate}")


def _merge(mappings: list[Mapping]) -> Mapping:
    """One point's mappings from several frameworks as one: rankings merged best first (top 5)."""

    if len(mappings) == 1:
        return mappings[0]
    ranked = sorted((r for m in mappings for r in m.ranked), key=lambda kv: (-kv[1], kv[0]))[:5]
    return Mapping(
        ranked=ranked,
        mapped=[pid for m in mappings for pid in m.mapped],
        no_principle=bool(mappings) and all(m.no_principle for m in mappings),
        fallback=any(m.fallback for m in mappings),
    )


def _principle_rows(point_id: int, m: Mapping) -> list[tuple]:
    """Rows of ``point_principles``: the ranking with the decision marked, then any mapped item
    outside it (a codebook's fallback item), ranked after it."""
    mapped = set(m.mapped)
    rows = [
        (point_id, prid, float(score), rank, int(prid in mapped))
        for rank, (prid, score) in enumerate(m.ranked)
    ]
    ranked_ids = {prid for prid, _ in m.ranked}
    for extra in m.mapped:
        if extra not in ranked_ids:
            rows.append((point_id, extra, 0.0, len(rows), 1))
    return rows


def _changes(before: list[PointRow], after: list[PointRow]) -> str:
    old, new = {p.id: p for p in before}, {p.id: p for p in after}
    gone = len(old.keys() - new.keys())
    added = len(new.keys() - old.keys())
    changed = sum(1 for k in old.keys() & new.keys() if old[k] != new[k])
    return f"{gone} points gone, {added} new, {changed} changed"


def _summary_sets(db: Database, run_id: int, index_of: dict[int, int]) -> dict[tuple[str, int], list[int]]:
    """Indices of distinct analysed texts per theme, broader group, principle and component (after
    analyst edits); ``index_of`` maps every point id to its text's index."""
    sets: dict[tuple[str, int], set[int]] = {}
    for pid, theme, group in theme_memberships(db, run_id):
        sets.setdefault(("theme", theme), set()).add(index_of[pid])
        if group is not None:
            sets.setdefault(("theme", group), set()).add(index_of[pid])
    for pid, principle, component in top_mapped_principles(db, run_id):
        if pid in index_of:
            sets.setdefault(("principle", principle), set()).add(index_of[pid])
            sets.setdefault(("component", component), set()).add(index_of[pid])
    return {k: sorted(v) for k, v in sets.items()}


def distinct_points(points: list[PointRow]) -> tuple[list[PointRow], dict[int, int]]:
    """The first point of each distinct (text, question), and every point id -> its index there."""
    first: dict[tuple[str, str | None, int | None], int] = {}
    distinct: list[PointRow] = []
    index_of: dict[int, int] = {}
    for p in points:
        key = (p.text_hash, p.question, p.consultation)
        if key not in first:
            first[key] = len(distinct)
            distinct.append(p)
        index_of[p.id] = first[key]
    return distinct, index_of


def _loader_name(embedder) -> str:
    """The ``load_embedder`` name that recreates ``embedder`` (for check-my-point and search)."""
    return getattr(embedder, "loader_name", embedder.name)


def _replay_edits(db: Database, run_id: int) -> None:
    try:
        from store.edits import replay
    except ImportError:  # the web stage is optional for analysis
        return
    replay(db, run_id)
