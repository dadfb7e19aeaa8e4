"""A synthetic, analysed consultation written straight into a database: for tests, demos and benchmarks.

Everything is invented (people, organisations, the framework) and deterministic for a seed. The
rows look like what ingest and analysis write: a comments page whose responses and points carry
real source offsets, a framework with components and principles, a finished analysis run with
themes (one broader group), sentiment, point types, principle maps and cached embeddings.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

import sqlite_utils

from ingest.clean import display_text
from store.ingest_store import text_hash
from store.schema import now
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


def _framework(db: sqlite_utils.Database, consultation: int) -> tuple[int, dict[str, int]]:
    text = "Commissioning strategy (sample)\n\n" + "\n\n".join(
        f"{i + 1}. {name}\n{headline}\n" + "\n".join(f"- {p}" for p in ps)
        for i, (name, headline, ps) in enumerate(FRAMEWORK)
    )
    quote = "Small providers bring expertise the large primes do not have."
    text += f"\n\n\u201c{quote}\u201d Example Trust\n"
    sid = db.execute(
        """INSERT INTO sources (consultation_id, name, path, sha256, format, title, text, size, ingested_at)
           VALUES (?, 'strategy-sample.txt', NULL, 'sample-framework', 'framework', 'Commissioning strategy (sample)',
                   ?, ?, ?)""",
        [consultation, text, len(text), now()],
    ).lastrowid
    fid = db.execute(
        "INSERT INTO frameworks (consultation_id, source_id, name) VALUES (?, ?, 'Commissioning strategy (sample)')",
        [consultation, sid],
    ).lastrowid
    codes = {}
    for ci, (name, headline, principles) in enumerate(FRAMEWORK):
        cid = db.execute(
            "INSERT INTO components (framework_id, idx, name, headline, context) VALUES (?, ?, ?, ?, ?)",
            [fid, ci, name, headline, f"Respondents said a great deal about {name.lower()}."],
        ).lastrowid
        for pi, ptext in enumerate(principles):
            start = text.index(ptext)
            codes[f"{ci + 1}.{pi + 1}"] = db.execute(
                """INSERT INTO principles (framework_id, component_id, idx, code, kind, text, start, "end")
                   VALUES (?, ?, ?, ?, 'principle', ?, ?, ?)""",
                [fid, cid, pi, f"{ci + 1}.{pi + 1}", ptext, start, start + len(ptext)],
            ).lastrowid
    qs = text.index(quote)
    db.execute(
        """INSERT INTO responses (source_id, idx, role, author, organisation, respondent_type, start, "end", text,
                                  clean_text, meta, section)
           VALUES (?, 0, 'stakeholder', NULL, 'Example Trust', 'organisation', ?, ?, ?, ?, ?, ?)""",
        [sid, qs, qs + len(quote), quote, quote, json.dumps({"component": FRAMEWORK[0][0]}), FRAMEWORK[0][0]],
    )
    return sid, codes


def build_sample(db: sqlite_utils.Database, n_responses: int = 60, *, seed: int = 7, embedder=None) -> Sample:
    """Write the sample consultation and its analysis into an empty, migrated ``db``.

    ``embedder`` (default: ``HashingEmbedder``) fills the embeddings cache for search and check.
    """
    if embedder is None:
        from nlp.embed import HashingEmbedder

        embedder = HashingEmbedder()
    rng = random.Random(seed)
    vary = n_responses > 500  # big samples get a distinct detail per sentence, like real text
    with write_tx(db):
        consultation = db.execute(
            "INSERT INTO consultations (name, created_at) VALUES ('sample', ?)", [now()]
        ).lastrowid
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
        sid = db.execute(
            """INSERT INTO sources (consultation_id, name, path, sha256, format, title, question, text, size,
                                    ingested_at)
               VALUES (?, 'comments-sample.txt', NULL, 'sample-comments', 'numbered', 'Sample consultation: comments',
                       'What should the new programme do differently?', ?, ?, ?)""",
            [consultation, text, len(text), now()],
        ).lastrowid
        rid0 = (db.execute("SELECT COALESCE(MAX(id), 0) FROM responses").fetchone()[0]) + 1
        rows, prow = [], []
        pid = (db.execute("SELECT COALESCE(MAX(id), 0) FROM points").fetchone()[0]) + 1
        points_meta = []
        for r in responses:
            rid = rid0 + r["i"]
            reply = rid - 1 - rng.randint(0, 2) if r["i"] > 3 and rng.random() < 0.15 else None
            org = r["org"]
            rows.append(
                (
                    rid,
                    sid,
                    r["i"],
                    "stakeholder",
                    r["author"],
                    org[0] if org else None,
                    "organisation" if org else "individual",
                    org[1] if org else None,
                    reply,
                    r["start"],
                    r["end"],
                    r["body"],
                    display_text(r["body"]),
                )
            )
            for j, (s, e, t, raw) in enumerate(r["spans"]):
                clean = display_text(raw)
                prow.append((pid, rid, sid, j, s, e, raw, clean, text_hash(clean)))
                points_meta.append((pid, t, clean))
                pid += 1
        db.conn.executemany(
            """INSERT INTO responses (id, source_id, idx, role, author, organisation, respondent_type, org_kind,
                                      reply_to, start, "end", text, clean_text)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            rows,
        )
        db.conn.executemany(
            """INSERT INTO points (id, response_id, source_id, idx, start, "end", text, clean_text, text_hash)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            prow,
        )
        # duplicate groups: each copied response with its original
        dups = [rid0 + r["i"] for r in responses if r["i"] % 25 == 3 and r["i"] > 0]
        for d in dups:
            gid = db.execute(
                "INSERT INTO duplicate_groups (kind, size, representative_id) VALUES ('exact', 2, ?)", [d - 1]
            ).lastrowid
            db.execute("UPDATE responses SET duplicate_group = ? WHERE id IN (?, ?)", [gid, d - 1, d])
        sample = _analysis(db, rng, embedder, points_meta, codes)
    sample.source_id = sid
    sample.framework_source_id = fsid
    sample.response_ids = [rid0 + r["i"] for r in responses]
    return sample


def _analysis(db, rng, embedder, points_meta, codes) -> Sample:
    run = db.execute(
        """INSERT INTO analysis_runs (started_at, finished_at, status, embedder, seed, params)
           VALUES (?, ?, 'done', ?, 0, ?)""",
        [
            now(),
            now(),
            embedder.name,
            json.dumps({"embedder": getattr(embedder, "loader_name", embedder.name), "sample": True}),
        ],
    ).lastrowid
    group = db.execute(
        "INSERT INTO themes (run_id, level, label, auto_label, keywords) VALUES (?, 1, ?, ?, '[]')",
        [run, GROUP_LABEL, GROUP_LABEL],
    ).lastrowid
    theme_ids = {}
    for t, (label, *_rest) in enumerate(TOPICS):
        words = [w for w in label.lower().split() if len(w) > 3][:4]
        theme_ids[label] = db.execute(
            """INSERT INTO themes (run_id, parent_id, level, topic, label, auto_label, keywords)
               VALUES (?, ?, 0, ?, ?, ?, ?)""",
            [run, group if t < 2 else None, t, label, "_".join(words), json.dumps(words)],
        ).lastrowid
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
            pp.append((pid, codes[code], round(rng.uniform(0.4, 0.8) - 0.1 * rank, 4), rank))
    db.conn.executemany(
        """INSERT INTO point_analysis (point_id, run_id, theme_id, theme_score, sentiment, sentiment_score, type,
                                       type_score, no_principle) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        pa,
    )
    db.conn.executemany(
        "INSERT INTO point_principles (point_id, principle_id, score, rank) VALUES (?, ?, ?, ?)", pp
    )
    db.execute(
        "UPDATE themes SET size = (SELECT COUNT(*) FROM point_analysis WHERE theme_id = themes.id) WHERE run_id = ?",
        [run],
    )
    db.execute(
        "UPDATE themes SET size = (SELECT SUM(size) FROM themes c WHERE c.parent_id = ?) WHERE id = ?",
        [group, group],
    )
    embed_points(db, embedder, {clean for _, _, clean in points_meta})
    return Sample(run, 0, 0, theme_ids, codes, group, [])


def embed_points(db: sqlite_utils.Database, embedder, texts: set[str], batch: int = 2000) -> None:
    """Cache embeddings of ``texts`` (keyed by text hash) for ``embedder``."""
    ordered = sorted(texts)
    for i in range(0, len(ordered), batch):
        chunk = ordered[i : i + batch]
        vectors = embedder.encode(chunk)
        db.conn.executemany(
            "INSERT OR REPLACE INTO embeddings (text_hash, model, dim, vector) VALUES (?, ?, ?, ?)",
            [
                (text_hash(t), embedder.name, embedder.dim, v.astype("float32").tobytes())
                for t, v in zip(chunk, vectors, strict=True)
            ],
        )
