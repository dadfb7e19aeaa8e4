"""A synthetic, analysed consultation written into a database: for tests, demos and benchmarks.

Everything is invented (people, organisations, the framework) and deterministic for a seed. The
rows are written by the store's own writers, as ingest and analysis write them: a framework source
(``store.ingest_store.write_source``), a comments page whose responses and points carry real source
offsets, duplicate groups (``store.duplicate_groups``), a finished analysis run
(``store.runs``) with themes in one broader group (``store.themes``), sentiment, point types and
principle maps (``store.analysis``), and cached embeddings (``store.embeddings``).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ingest.clean import display_text
from ingest.model import ParsedComponent, ParsedFramework, ParsedPrinciple, ParseResult
from nlp.themes import Theme, ThemeGroup, ThemeResult
from store.analysis import write_point_analysis, write_point_principles
from store.db import Database
from store.duplicate_groups import replace_groups
from store.embeddings import save_vectors
from store.frameworks import principle_ids_by_code
from store.ingest_store import (
    PreparedResponse,
    consultation_id,
    generation,
    stored_ids,
    text_hash,
    write_source,
)
from store.runs import finish_run, start_run
from store.themes import group_ids, write_themes
from store.tx import write_tx

FRAMEWORK = [
    (
        "Funding and payment",
        "Paying for results without shutting out good providers",
        [
            "Payment models should let providers of all sizes take part",
            "Funding should reward sustained job outcomes",
            "Providers should have stable and predictable cash flow",
        ],
    ),
    (
        "Specialist and local provision",
        "Using specialist and local expertise",
        [
            "Specialist providers should be part of prime contractors' supply chains",
            "Local partnerships should shape how services are delivered",
            "Disabled customers should get specialist, tailored support",
        ],
    ),
    (
        "Contract management",
        "Managing contracts proportionately and openly",
        [
            "Contracts should be long enough for providers to invest",
            "Monitoring and paperwork should be proportionate",
            "Provider performance should be published openly",
        ],
    ),
]

# label, sentiment, type, principle codes, core sentences
TOPICS = [
    (
        "Payment by results and cash flow",
        "negative",
        "concern",
        ["1.1", "1.3"],
        [
            "payment by results will squeeze out small charities that cannot wait months to be paid",
            "providers cannot carry the cash flow risk of being paid only after outcomes",
            "an outcome payment model favours big primes with deep pockets",
            "we would need a bank loan just to survive the first year under payment by results",
            "delayed payments for job outcomes will push small providers out of the market",
            "the payment model transfers all the financial risk to providers",
        ],
    ),
    (
        "Room for small and voluntary providers",
        "negative",
        "concern",
        ["2.1", "1.1"],
        [
            "small voluntary organisations are being squeezed out of the supply chain",
            "prime contractors treat charities as bid candy and never send referrals",
            "local voluntary groups have the trust of customers but no place in the contracts",
            "subcontracted charities receive too few referrals to stay viable",
            "the voluntary sector is losing specialist staff because contracts go to large firms",
            "there must be protected places for community organisations in every supply chain",
        ],
    ),
    (
        "Support for disabled customers",
        "negative",
        "concern",
        ["2.3"],
        [
            "disabled customers need specialist support that a generic programme cannot give",
            "people with mental health problems are parked because they are expensive to help",
            "customers with learning disabilities need longer, tailored support",
            "specialist disability employment advisers are being lost",
            "the programme does not fund the adjustments disabled jobseekers need",
            "we see disabled people creamed off and parked instead of helped",
        ],
    ),
    (
        "Contract length and stability",
        "neutral",
        "suggestion",
        ["3.1"],
        [
            "contracts of five years or more would let providers invest in staff",
            "longer contracts would give stability to providers and customers",
            "short contracts mean constant re-tendering and lost expertise",
            "a seven year contract term would allow real partnerships to grow",
            "stable contracts would let us build relationships with employers",
            "contract breaks every two years make long term planning impossible",
        ],
    ),
    (
        "Bureaucracy and monitoring",
        "negative",
        "concern",
        ["3.2"],
        [
            "the monitoring requirements are far too bureaucratic for small providers",
            "we spend more time on paperwork than on helping customers",
            "audit and compliance checks are duplicated by every prime contractor",
            "a single light touch monitoring framework would cut costs",
            "evidence requirements for job outcomes are excessive",
            "the volume of forms puts off small organisations from bidding",
        ],
    ),
    (
        "Local partnerships",
        "positive",
        "support",
        ["2.2"],
        [
            "local partnerships with councils and colleges work well for customers",
            "we welcome the emphasis on working with local employers",
            "joint working with health services has helped our clients into work",
            "the local employment partnership in our town is a real success",
            "councils should be involved in shaping local delivery",
            "community based partnerships reach people national providers miss",
        ],
    ),
    (
        "Travel costs for customers",
        "negative",
        "experience",
        [],
        [
            "customers cannot afford the bus fare to attend appointments",
            "rural clients travel two hours each way to reach the provider",
            "travel expenses are reimbursed too late for people on benefits",
            "the nearest office is in another town with no direct bus",
            "people miss appointments because they cannot pay to travel",
            "travel costs stop people taking up training places",
        ],
    ),
]
OPENERS = [
    "",
    "I think ",
    "In our experience ",
    "Frankly, ",
    "We believe ",
    "As a provider, we find ",
    "Clearly ",
]
CLOSERS = [
    "",
    " This needs to change.",
    " Please reconsider this.",
    " We see this every week.",
    " That is our main concern.",
    " It affects our whole area.",
]
PEOPLE = [
    "Alice Brown",
    "Ben Carter",
    "Chloe Davies",
    "Dev Patel",
    "Erin Hughes",
    "Farid Khan",
    "Grace Lee",
    "Harry Moss",
    "Isla Reid",
    "Jack Owen",
    "Kemi Ade",
    "Liam Shaw",
]
ORGS = [
    ("Northfield Works", "charity"),
    ("Riverside Disability Forum", "charity"),
    ("Eastgate Council", "local authority"),
    ("Bridge Training Ltd", "provider"),
    ("Hope Street Trust", "charity"),
    ("Westmoor Employers Group", "employer"),
]
GROUP_LABEL = "Providers and funding"


@dataclass
class Sample:
    """Ids of interesting rows, for tests."""

    run_id: int
    source_id: int
    framework_source_id: int
    theme_ids: dict[str, int]
    principle_ids: dict[str, int]
    group_id: int
    response_ids: list[int]


def _sentence(rng: random.Random, core: str, vary: bool) -> str:
    opener = rng.choice(OPENERS)
    text = opener + (core if opener else core[0].upper() + core[1:]) + "."
    text += rng.choice(CLOSERS)
    if vary:
        text += f" We work with {rng.randint(10, 99999)} people a year."
    return text


def _framework(db: Database, consultation: int) -> tuple[int, dict[str, int]]:
    """The sample framework's source (with one pull-quote response) and its principle ids by code."""
    text = "Commissioning strategy (sample)\n\n" + "\n\n".join(
        f"{i + 1}. {name}\n{headline}\n" + "\n".join(f"- {p}" for p in ps)
        for i, (name, headline, ps) in enumerate(FRAMEWORK)
    )
    quote = "Small providers bring expertise the large primes do not have."
    text += f"\n\n\u201c{quote}\u201d Example Trust\n"
    framework = ParsedFramework(
        "Commissioning strategy (sample)",
        [
            ParsedComponent(
                name,
                headline,
                [ParsedPrinciple(p, text.index(p), text.index(p) + len(p)) for p in principles],
                context=f"Respondents said a great deal about {name.lower()}.",
            )
            for name, headline, principles in FRAMEWORK
        ],
    )
    parsed = ParseResult(text, "framework", framework=framework, title="Commissioning strategy (sample)")
    qs = text.index(quote)
    pull_quote = PreparedResponse(
        idx=0,
        start=qs,
        end=qs + len(quote),
        text=quote,
        clean_text=quote,
        fields={
            "role": "stakeholder",
            "organisation": "Example Trust",
            "respondent_type": "organisation",
            "section": FRAMEWORK[0][0],
            "meta": {"component": FRAMEWORK[0][0]},
        },
        reply_to_idx=None,
        points=[],
    )
    sid = _write(db, consultation, "strategy-sample.txt", "sample-framework", parsed, [pull_quote])
    return sid, principle_ids_by_code(db, sid)


def _write(db: Database, consultation: int, name: str, sha: str, parsed: ParseResult, responses) -> int:
    return write_source(
        db,
        consultation=consultation,
        name=name,
        path=None,
        sha256=sha,
        size=len(parsed.text),
        parsed=parsed,
        responses=responses,
        replace_id=None,
    )


def build_sample(db: Database, n_responses: int = 60, *, seed: int = 7, embedder=None) -> Sample:
    """Write the sample consultation and its analysis into an empty, migrated ``db``.

    ``embedder`` (default: ``HashingEmbedder``) fills the embeddings cache for search and check.
    """
    if embedder is None:
        from nlp.embed import HashingEmbedder

        embedder = HashingEmbedder()
    rng = random.Random(seed)
    vary = n_responses > 500  # big samples get a distinct detail per sentence, like real text
    with write_tx(db):
        consultation = consultation_id(db, "sample")
        fsid, codes = _framework(db, consultation)
        # -- the comments page: responses with points, source offsets computed as the text is built
        parts, pos, responses = [], 0, []
        header = "Sample consultation: comments\nWhat should the new programme do differently?\n\n"
        parts.append(header)
        pos += len(header)
        for i in range(n_responses):
            org = rng.choice(ORGS) if rng.random() < 0.5 else None
            author = rng.choice(PEOPLE)
            chosen = rng.sample(range(len(TOPICS)), k=rng.choice((1, 1, 2, 3)))
            sents = [(t, _sentence(rng, rng.choice(TOPICS[t][4]), vary)) for t in chosen]
            if i % 25 == 3 and responses:  # an exact duplicate of an earlier response (a campaign copy)
                sents = responses[-1]["sents"]
            head = f"{i + 1}. {author}{', ' + org[0] if org else ''} says:\n"
            body = "\n".join(s for _, s in sents)
            start = pos + len(head)
            spans, off = [], start
            for t, s in sents:
                spans.append((off, off + len(s), t, s))
                off += len(s) + 1
            responses.append(
                {
                    "i": i,
                    "author": author,
                    "org": org,
                    "start": start,
                    "end": start + len(body),
                    "body": body,
                    "sents": sents,
                    "spans": spans,
                }
            )
            chunk = head + body + "\n\n"
            parts.append(chunk)
            pos += len(chunk)
        text = "".join(parts)
        prepared, topics = [], []
        for r in responses:
            i = r["i"]
            reply = i - 1 - rng.randint(0, 2) if i > 3 and rng.random() < 0.15 else None
            org = r["org"]
            points = []
            for s, e, t, raw in r["spans"]:
                points.append((s, e, raw, display_text(raw)))
                topics.append(t)
            prepared.append(
                PreparedResponse(
                    idx=i,
                    start=r["start"],
                    end=r["end"],
                    text=r["body"],
                    clean_text=display_text(r["body"]),
                    fields={
                        "role": "stakeholder",
                        "author": r["author"],
                        "organisation": org[0] if org else None,
                        "respondent_type": "organisation" if org else "individual",
                        "org_kind": org[1] if org else None,
                    },
                    reply_to_idx=reply,
                    points=points,
                )
            )
        page = ParseResult(
            text,
            "numbered",
            title="Sample consultation: comments",
            question="What should the new programme do differently?",
        )
        sid = _write(db, consultation, "comments-sample.txt", "sample-comments", page, prepared)
        response_ids, point_rows = stored_ids(db, sid)
        # duplicate groups: each copied response with its original
        dups = [response_ids[r["i"]] for r in responses if r["i"] % 25 == 3 and r["i"] > 0]
        replace_groups(db, [("exact", [d - 1, d], d - 1) for d in dups], generation(db))
        points_meta = [(pid, t, clean) for (pid, clean), t in zip(point_rows, topics, strict=True)]
        sample = _analysis(db, rng, embedder, points_meta, codes, consultation)
    sample.source_id = sid
    sample.framework_source_id = fsid
    sample.response_ids = [response_ids[r["i"]] for r in responses]
    return sample


def _analysis(db: Database, rng, embedder, points_meta, codes, consultation: int) -> Sample:
    run = start_run(
        db,
        embedder=embedder.name,
        seed=0,
        params={"embedder": getattr(embedder, "loader_name", embedder.name), "sample": True},
        consultation=consultation,
    )
    theme_of = {label: t for t, (label, *_rest) in enumerate(TOPICS)}
    sizes = Counter(t for _, t, _ in points_meta)
    themes = []
    for t, (label, *_rest) in enumerate(TOPICS):
        words = [w for w in label.lower().split() if len(w) > 3][:4]
        themes.append(Theme(t, label, words, sizes[t], 0 if t < 2 else -1))
    group = ThemeGroup(0, GROUP_LABEL, [], [0, 1], sizes[0] + sizes[1])
    fit = ThemeResult(np.zeros(0, dtype=np.int64), np.zeros(0), themes, [group])
    topic_ids = write_themes(db, run, fit)
    theme_ids = {label: topic_ids[t] for label, t in theme_of.items()}
    pa, pp = [], []
    other = ["negative", "neutral", "positive"]
    for pid, t, _clean in points_meta:
        label, sentiment, ptype, pcodes, _ = TOPICS[t]
        if rng.random() < 0.2:
            sentiment = rng.choice(other)
        pa.append(
            (
                pid,
                run,
                theme_ids[label],
                round(rng.uniform(0.5, 1.0), 4),
                sentiment,
                round(rng.uniform(0.5, 1.0), 4),
                ptype,
                round(rng.uniform(0.5, 1.0), 4),
                int(not pcodes),
            )
        )
        for rank, code in enumerate(pcodes):
            pp.append((pid, codes[code], round(rng.uniform(0.4, 0.8) - 0.1 * rank, 4), rank, 1))
    write_point_analysis(db, pa)
    write_point_principles(db, pp)
    finish_run(db, run, {"sample": True})
    embed_points(db, embedder, {clean for _, _, clean in points_meta})
    return Sample(run, 0, 0, theme_ids, codes, group_ids(db, run)[0], [])


def embed_points(db: Database, embedder, texts: set[str], batch: int = 2000) -> None:
    """Cache embeddings of ``texts`` (keyed by text hash) for ``embedder``."""
    ordered = sorted(texts)
    for i in range(0, len(ordered), batch):
        chunk = ordered[i : i + batch]
        vectors = embedder.encode(chunk)
        save_vectors(
            db,
            embedder.name,
            embedder.dim,
            [(text_hash(t), v.astype("float32").tobytes()) for t, v in zip(chunk, vectors, strict=True)],
        )
