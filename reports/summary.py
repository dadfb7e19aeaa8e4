"""The summary of responses as plain data: ``build(db)`` -> ``Report``.

Layout (a UK government "summary of responses"): Introduction (what was received), Method, then per
question (``COALESCE(responses.question, sources.question)``) per framework component — or per theme
when there is no framework — how many respondents raised it (``reports.wording`` bands), its main
principles and sub-themes, 2-3 quotes; then principles nobody addressed, the most contested, and
annexes (organisations, per-principle or per-theme counts, every quote's reference).

Every figure comes from ``store.counts``; other reads from ``store.report_queries``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace

from fairhearing.errors import FairhearingError
from nlp.language import language_name, tags_measured
from reports import quotes as qf
from reports.wording import counted, position_sentence, respondents_phrase, sentence_case
from store import counts, report_queries
from store.citations import cite_line, references
from store.db import Database

QUOTES_PER_BLOCK = 3
THEMES_PER_BLOCK = 3
PRINCIPLES_PER_BLOCK = 5
BLOCKS_WITHOUT_FRAMEWORK = 12  # themes shown per question when there is no framework
CONTESTED = 5
OUTSIDE = 8  # themes outside the framework listed
UNNAMED = {"", "default"}  # consultation names that are no name

# Measured accuracy of the principle mapper, from evals/README.md ("Mapping", held-out split B,
# run of 2026-12-01, MiniLM embedder). A fixed statement: update it when the evaluation is re-run.
ACCURACY_DATE = "1 December 2026"
ACCURACY = (
    "On a hand-labelled test set of 78 points from this consultation's own pages, held out from tuning "
    "(evals/README.md, Mapping, run of {date}), the model's first suggestion was in the right part of the "
    "framework for about 42 in 100 points and was exactly the right principle for about 29 in 100; the "
    "right principle was among its first three suggestions for about half of the points."
)


@dataclass
class Quote:
    number: int  # its reference in Annex C
    text: str
    attribution: str
    point_id: int
    response_id: int


@dataclass
class Line:
    """A principle or a sub-theme raised under a question, as one sentence."""

    target_id: int
    name: str
    respondents: int
    points: int
    sentence: str


@dataclass
class Block:
    """One component (or, with no framework, one theme) under one question."""

    kind: str  # "component" or "theme"
    target_id: int
    heading: str
    summary: str
    principles: list[Line] = field(default_factory=list)
    themes: list[Line] = field(default_factory=list)
    more: str = ""  # "and 4 more principles ..."
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class Section:
    question: str | None
    heading: str
    respondents: int
    intro: str
    blocks: list[Block] = field(default_factory=list)
    omitted: str = ""


@dataclass
class PrincipleRow:
    principle_id: int
    code: str
    name: str
    component: str
    respondents: int
    points: int
    suggested: int
    confirmed: int


@dataclass
class ThemeRow:
    theme_id: int
    label: str
    group: str
    respondents: int
    points: int
    position: str = ""  # where its respondents stand (reports.wording.position_sentence)


@dataclass
class Report:
    title: str
    consultation: str
    run_id: int
    run_date: str
    framework: str | None
    totals: counts.Totals
    introduction: list[str]
    by_type: list[tuple[str, int]]
    by_channel: list[tuple[str, int, int]]  # channel, respondents, responses
    method: list[str]
    sections: list[Section]
    unaddressed: list[PrincipleRow]
    unaddressed_note: str
    contested: list[str]
    outside: list[str]
    organisations: list[str]
    organisations_note: str
    principle_table: list[PrincipleRow]
    theme_table: list[ThemeRow]
    references: list[tuple[int, str, int]]  # (number, cite line, response id)

    @property
    def quotes(self) -> list[Quote]:
        return [q for s in self.sections for b in s.blocks for q in b.quotes]


def _short(text: str, words: int = 14) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def principle_name(p: dict) -> str:
    return p.get("title") or _short(p["text"])


def _date(value: str) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for fmt in ("%d/%m/%Y", "%d %B %Y", "%d %b %Y", "%B %Y"):
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _human_date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def _run_date(run: dict) -> str:
    stamp = run.get("finished_at") or run.get("started_at") or ""
    d = _date(stamp[:10]) if stamp else None
    return _human_date(d) if d else stamp


class _QuotePicker:
    """Chooses quotes: the analysis's representative points first, named organisations first among
    equally representative ones (the first ``2 * k`` candidates), one per respondent, never twice."""

    def __init__(self, points: dict[int, dict]) -> None:
        self.points = points
        self.used: set[int] = set()
        self.refs: list[tuple[int, int]] = []  # (point id, response id) in order of first use

    def pick(self, ordered_ids: list[int], k: int = QUOTES_PER_BLOCK) -> list[Quote]:
        seen: set[int] = set()
        candidates = []
        for pid in ordered_ids:
            if pid in seen or pid in self.used or pid not in self.points:
                continue
            seen.add(pid)
            p = self.points[pid]
            text = qf.quotable(p["clean_text"])
            if text is not None:
                candidates.append((p, text))
        head = candidates[: 2 * k]
        head.sort(key=lambda c: not qf.named_organisation(c[0]["organisation"], c[0]["meta"]))
        out: list[Quote] = []
        who: set[str] = set()
        for p, text in head + candidates[2 * k :]:
            if p["respondent"] in who:
                continue
            who.add(p["respondent"])
            self.used.add(p["id"])
            self.refs.append((p["id"], p["response_id"]))
            attribution = qf.attribution(
                p["author"], p["organisation"], p["respondent_type"], p["meta"], p["source_title"]
            )
            out.append(Quote(len(self.refs), text, attribution, p["id"], p["response_id"]))
            if len(out) == k:
                break
        return out


def build(db: Database, base_url: str = "") -> Report:
    """The report of the current analysis run. Raises FH-E300 when no analysis has run."""
    run = report_queries.current_run(db)
    if run is None:
        raise FairhearingError(
            "FH-E300", "analysis has not been run on this database: run `fairhearing analyse` first"
        )
    run_id = run["id"]
    totals = counts.totals(db)
    names = report_queries.consultations(db)
    named = [n for n in names if n.strip().lower() not in UNNAMED]
    consultation = named[0] if named else ""
    frameworks = report_queries.framework_outline(db)
    framework = frameworks[0]["name"] if frameworks else None
    points = {p["id"]: p for p in report_queries.points(db, run_id)}
    themes = {t["id"]: t for t in report_queries.themes(db, run_id)}
    stored = report_queries.stored_quotes(db, run_id)
    picker = _QuotePicker(points)
    per_question = counts.question_respondents(db)
    order = _question_order(points.values(), per_question)

    principle_reach = counts.principle_reach(db, run_id)
    if frameworks:
        sections = _framework_sections(
            db, run_id, frameworks, order, per_question, points, themes, stored, picker
        )
    else:
        sections = _theme_sections(db, run_id, order, per_question, points, themes, stored, picker)

    principles = [(p, c["name"]) for fw in frameworks for c in fw["components"] for p in c["principles"]]
    table = []
    for p, comp in principles:
        r = principle_reach.get(p["id"], counts.Reach())
        table.append(
            PrincipleRow(
                p["id"], p["code"], principle_name(p), comp, r.respondents, r.points, r.suggested, r.confirmed
            )
        )
    unaddressed = [row for row in table if row.points == 0]
    contested = _contested(db, run_id, table)
    outside = _outside(db, run_id, themes, totals.respondents) if frameworks else []
    theme_reach = counts.theme_reach(db, run_id)
    positions = counts.theme_positions(db, run_id)
    theme_table = sorted(
        (
            ThemeRow(
                t["id"],
                t["label"],
                themes[t["parent_id"]]["label"] if t["parent_id"] in themes else "",
                theme_reach.get(t["id"], counts.Reach()).respondents,
                theme_reach.get(t["id"], counts.Reach()).points,
                position_sentence(t["label"], positions.get(t["id"], {})),
            )
            for t in themes.values()
            if t["level"] == 0
        ),
        key=lambda r: (-r.respondents, -r.points, r.theme_id),
    )
    orgs, withheld = _organisations(db)
    refs = references(db, [rid for _, rid in picker.refs])
    ref_lines = []
    for n, (pid, rid) in enumerate(picker.refs, 1):
        ref = refs[rid]
        if qf.withheld(points[pid]["meta"]):
            ref = replace(ref, author=None, organisation=None)
        ref_lines.append((n, cite_line(ref, base_url), rid))

    mapped = counts.mapped_totals(db, run_id)
    return Report(
        title=f"{consultation}: summary of responses" if consultation else "Summary of responses",
        consultation=consultation,
        run_id=run_id,
        run_date=_run_date(run),
        framework=framework,
        totals=totals,
        introduction=_introduction(db, consultation, framework, totals, order, per_question, _run_date(run)),
        by_type=[(t["type"], t["respondents"]) for t in totals.by_type],
        by_channel=[(c["channel"], c["respondents"], c["responses"]) for c in totals.by_channel],
        method=_method(run, framework, totals, mapped, counts.language_points(db, run_id)),
        sections=sections,
        unaddressed=unaddressed,
        unaddressed_note=(
            "No consultation point was mapped to these principles. Mappings are suggested by a model, so "
            "an analyst should search the responses for each before the summary says nobody raised it."
            if unaddressed
            else "Every principle had at least one point mapped to it."
        ),
        contested=contested,
        outside=outside,
        organisations=orgs,
        organisations_note=(
            f"{counted(totals.organisations, 'organisation')} responded"
            + (f"; {withheld} asked not to be named and are not listed." if withheld else ".")
        ),
        principle_table=table,
        theme_table=theme_table,
        references=ref_lines,
    )


def _question_order(points, per_question: dict[str | None, int]) -> list[str | None]:
    """Questions in order of their first point; responses with no question last."""
    first: dict[str | None, int] = {}
    for p in points:
        first.setdefault(p["question"], p["id"])
    qs = sorted((q for q in first if q is not None), key=lambda q: first[q])
    if None in first:
        qs.append(None)
    return [q for q in qs if per_question.get(q)]


def _section(q: str | None, n: int, only: bool) -> Section:
    if q is None:
        heading = "What respondents said" if only else "Responses not tied to a question"
        intro = (
            f"{counted(n, 'respondent')} sent responses."
            if only
            else f"{counted(n, 'respondent')} sent responses that do not answer a specific question "
            "(for example event notes, letters and blog comments)."
        )
    else:
        heading = f"Question: {q}"
        intro = f"{counted(n, 'respondent')} answered this question."
    return Section(q, heading, n, intro)


def _framework_sections(db, run_id, frameworks, order, per_question, points, themes, stored, picker):
    comp_reach = counts.question_component_reach(db, run_id)
    prin_reach = counts.question_principle_reach(db, run_id)
    theme_in = counts.question_component_theme_reach(db, run_id)
    by_comp: dict[tuple, list[tuple[float, int]]] = {}
    for pair in report_queries.mapped_pairs(db, run_id):
        p = points.get(pair["point_id"])
        if p is not None:
            by_comp.setdefault((p["question"], pair["component_id"]), []).append((-pair["score"], p["id"]))
    sections = []
    for q in order:
        base = per_question[q]
        sec = _section(q, base, len(order) == 1)
        for fw in frameworks:
            for c in fw["components"]:
                cr = comp_reach.get((q, c["id"]))
                if not cr or not cr.respondents:
                    continue
                block = Block(
                    "component",
                    c["id"],
                    c["name"] + (" (annex)" if c["is_annex"] else ""),
                    f"{sentence_case(respondents_phrase(cr.respondents, base))} made points on this "
                    f"({counted(cr.points, 'point')}; {_confirmed(cr)}).",
                )
                raised = []
                for p in c["principles"]:
                    r = prin_reach.get((q, p["id"]))
                    if r and r.respondents:
                        raised.append((p, r))
                raised.sort(key=lambda pr: (-pr[1].respondents, -pr[1].points))
                for p, r in raised[:PRINCIPLES_PER_BLOCK]:
                    block.principles.append(
                        Line(
                            p["id"],
                            f"{p['code']} {principle_name(p)}",
                            r.respondents,
                            r.points,
                            f"{p['code']} {principle_name(p)}: {respondents_phrase(r.respondents, base)}, "
                            f"{counted(r.points, 'point')}.",
                        )
                    )
                if len(raised) > PRINCIPLES_PER_BLOCK:
                    rest = len(raised) - PRINCIPLES_PER_BLOCK
                    block.more = (
                        f"{counted(rest, 'more principle')} of this component were raised (see Annex B)."
                    )
                subs = sorted(
                    ((tid, r) for (qq, cid, tid), r in theme_in.items() if qq == q and cid == c["id"]),
                    key=lambda tr: (-tr[1].respondents, -tr[1].points, tr[0]),
                )
                for tid, r in subs[:THEMES_PER_BLOCK]:
                    block.themes.append(_theme_line(tid, themes, r))
                stored_first = stored.get(("component", c["id"]), [])
                by_score = [pid for _, pid in sorted(by_comp.get((q, c["id"]), []))]
                in_q = set(by_score)
                block.quotes = picker.pick([pid for pid in stored_first if pid in in_q] + by_score)
                sec.blocks.append(block)
        sections.append(sec)
    return sections


def _theme_line(tid: int, themes: dict, r: counts.Reach) -> Line:
    label = themes[tid]["label"] if tid in themes else f"theme {tid}"
    return Line(
        tid,
        label,
        r.respondents,
        r.points,
        f"{label}: raised by {counted(r.respondents, 'respondent')} ({counted(r.points, 'point')}).",
    )


def _theme_sections(db, run_id, order, per_question, points, themes, stored, picker):
    reach = counts.question_theme_reach(db, run_id)
    by_theme: dict[tuple, list[tuple[float, int]]] = {}
    for p in points.values():
        if p["theme_id"] is not None:
            by_theme.setdefault((p["question"], p["theme_id"]), []).append(
                (-(p["theme_score"] or 0.0), p["id"])
            )
    sections = []
    for q in order:
        base = per_question[q]
        sec = _section(q, base, len(order) == 1)
        ranked = sorted(
            ((tid, r) for (qq, tid), r in reach.items() if qq == q and tid in themes),
            key=lambda tr: (-tr[1].respondents, -tr[1].points, tr[0]),
        )
        for tid, r in ranked[:BLOCKS_WITHOUT_FRAMEWORK]:
            t = themes[tid]
            group = themes.get(t["parent_id"])
            block = Block(
                "theme",
                tid,
                t["label"],
                f"{sentence_case(respondents_phrase(r.respondents, base))} made points on this "
                f"({counted(r.points, 'point')})"
                + (f", part of the broader theme “{group['label']}”." if group else "."),
            )
            by_score = [pid for _, pid in sorted(by_theme.get((q, tid), []))]
            in_q = set(by_score)
            block.quotes = picker.pick(
                [pid for pid in stored.get(("theme", tid), []) if pid in in_q] + by_score
            )
            sec.blocks.append(block)
        if len(ranked) > BLOCKS_WITHOUT_FRAMEWORK:
            rest = len(ranked) - BLOCKS_WITHOUT_FRAMEWORK
            sec.omitted = (
                f"{counted(rest, 'further theme')}, each raised by fewer respondents, "
                "are listed with their counts in Annex B."
            )
        sections.append(sec)
    return sections


def _confirmed(r: counts.Reach) -> str:
    if r.confirmed == 0:
        return "all suggested by the model, none yet confirmed by an analyst"
    if r.confirmed == r.points:
        return "all confirmed by an analyst"
    return f"{r.confirmed} confirmed by an analyst, {r.suggested} suggested by the model"


def _contested(db, run_id: int, table: list[PrincipleRow]) -> list[str]:
    tone = counts.principle_sentiment_reach(db, run_id)
    rows = {row.principle_id: row for row in table}
    out = []
    for prid, neg, _total in counts.contested(db, run_id, unit="respondents"):
        row = rows.get(prid)
        if row is None:
            continue
        pos = tone.get((prid, "positive"), counts.Reach()).respondents
        if row.respondents == 1:
            who = "the one respondent who raised it wrote negatively about it"
        elif neg == row.respondents:
            who = f"all {row.respondents} respondents who raised it wrote negatively about it"
        else:
            who = f"{neg} of the {row.respondents} respondents who raised it wrote negatively about it"
        out.append(
            f"{row.code} {row.name} ({row.component}): {who}" + (f", {pos} positively." if pos else ".")
        )
        if len(out) == CONTESTED:
            break
    return out


def _outside(db, run_id: int, themes: dict, base: int) -> list[str]:
    unmapped = counts.theme_unmapped_reach(db, run_id)
    reach = counts.theme_reach(db, run_id)
    out: list[str] = []
    for tid, r in sorted(unmapped.items(), key=lambda kv: (-kv[1].respondents, -kv[1].points, kv[0])):
        total = reach.get(tid, counts.Reach()).points
        if tid in themes and total and r.points / total > 0.5:
            out.append(
                f"{themes[tid]['label']}: {respondents_phrase(r.respondents, base)}; {r.points} of its "
                f"{counted(total, 'point')} map to no principle."
            )
    if len(out) > OUTSIDE:
        out = out[:OUTSIDE] + [f"{len(out) - OUTSIDE} more themes (see the theme pages)."]
    return out


def _organisations(db) -> tuple[list[str], int]:
    names: dict[str, Counter] = {}
    hidden: set[str] = set()
    for r in report_queries.organisation_responses(db):
        names.setdefault(r["respondent"], Counter())[r["organisation"].strip()] += 1
        if qf.withheld(r["meta"]):
            hidden.add(r["respondent"])
    shown = sorted(
        (c.most_common(1)[0][0] for k, c in names.items() if k not in hidden), key=lambda s: s.casefold()
    )
    return shown, len(hidden)


def _introduction(db, consultation, framework, totals, order, per_question, run_date) -> list[str]:
    paras = [
        "This is a draft summary of the responses to "
        + (f"the {consultation} consultation" if consultation else "the consultation")
        + (f", organised by the principles of the {framework}." if framework else ".")
        + f" It was drafted by Fairhearing from the analysis of {run_date}: every figure and quote should be "
        "checked by an officer before it is published.",
        f"{counted(totals.respondents, 'respondent')} sent {counted(totals.responses, 'response')}, "
        f"containing {counted(totals.points, 'point')}; {counted(totals.organisations, 'respondent')} "
        f"{'was an organisation' if totals.organisations == 1 else 'were organisations'}. "
        "The tables below show the respondents by type and how the responses reached the consultation.",
    ]
    dates = sorted(d for d in (_date(v) for v in report_queries.date_values(db)) if d)
    if dates:
        paras.append(
            f"The dated responses were sent between {_human_date(dates[0])} and {_human_date(dates[-1])}."
        )
    questions = [q for q in order if q is not None]
    if questions:
        paras.append(
            f"Responses answered {counted(len(questions), 'question')}; each has its own section below"
            + (", followed by the responses that answer no specific question." if None in order else ".")
        )
    return paras


def _method(
    run: dict,
    framework: str | None,
    totals: counts.Totals,
    mapped: counts.Reach,
    languages: dict[str | None, int] | None = None,
) -> list[str]:
    paras = [
        "Each response was split into points: a numbered item, a bullet, or a group of sentences on one "
        "subject. Personal details such as email addresses and telephone numbers were replaced by "
        "placeholders. Points were grouped into themes by a topic model over sentence embeddings "
        f"({run.get('embedder')}); a theme's title is a phrase its points use unless an analyst "
        "renamed it.",
        "Counting: a respondent is one person or organisation, however many points they made; an event "
        "counts as one respondent. Figures count respondents who answered a question, so the wording "
        "bands — all, most (more than half), many (a quarter to a half), some (a tenth to a quarter), "
        "a few (under a tenth) — always come with the numbers. Quotes printed in the framework document "
        "itself, moderator notices and blog posts are not counted.",
    ]
    if framework:
        paras.append(
            f"Each point was compared with every principle of the {framework}; the closest principle (and "
            "any other within 5% of it) was suggested as the point's mapping, and points far from every "
            f"principle were marked off-topic. {counted(mapped.points, 'point')} were mapped to at least one "
            f"principle: {mapped.confirmed} of them confirmed by an analyst, the other {mapped.suggested} "
            "suggested by the model and not yet checked."
        )
        paras.append(
            ACCURACY.format(date=ACCURACY_DATE)
            + (
                ""
                if run.get("embedder") == "minilm"
                else f" (Measured with the MiniLM embedder; this analysis used {run.get('embedder')}.)"
            )
            + " Counts of suggested mappings are therefore estimates until an analyst confirms them: read a "
            "principle's count as 'about this many respondents touched on this area' and check the points "
            "before a figure is published. Annex B shows suggested and confirmed counts side by side."
        )
    else:
        paras.append(
            "There is no framework for this consultation, so the summary follows the themes. Themes have "
            "not been measured against a hand-labelled set: read them as a guide to where to look, and "
            "check the points behind a figure before it is published."
        )
    unmeasured = {lang: n for lang, n in (languages or {}).items() if not tags_measured(lang)}
    if unmeasured:
        listed = ", ".join(f"{language_name(lang)} {n}" for lang, n in unmeasured.items())
        total = sum(unmeasured.values())
        paras.append(
            f"{counted(total, 'point')} {'was' if total == 1 else 'were'} written in a language other than English "
            f"({listed}). The sentiment and point type of a point were read by a model evaluated on "
            "English only, so for these they were not measured; in the positions within themes they "
            "count as neutral or mixed."
        )
    paras.append(
        "Quotes are chosen from consultation responses only: the analysis's most representative points "
        "first, named organisations before others when equally representative, one per respondent. "
        "Greetings, self-introductions and contact details are left out. Respondents who asked not to be "
        "named are quoted as 'a respondent'. Annex C gives every quote's reference."
    )
    return paras
